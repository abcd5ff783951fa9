"""A small ViT for 8x8 digit images (16 patches of 2x2) in flax.nnx, and the digits split."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx


class Block(nnx.Module):
  def __init__(self, dim: int, heads: int, rngs: nnx.Rngs):
    self.norm1 = nnx.LayerNorm(dim, rngs=rngs)
    self.attn = nnx.MultiHeadAttention(num_heads=heads, in_features=dim, decode=False, rngs=rngs)
    self.norm2 = nnx.LayerNorm(dim, rngs=rngs)
    self.mlp1 = nnx.Linear(dim, 2 * dim, rngs=rngs)
    self.mlp2 = nnx.Linear(2 * dim, dim, rngs=rngs)

  def __call__(self, x):
    h = self.norm1(x)
    x = x + self.attn(h, h)
    return x + self.mlp2(jax.nn.gelu(self.mlp1(self.norm2(x))))


class ViT(nnx.Module):
  """Patches -> embed + cls + positions -> blocks -> norm -> head (names fit the 'nnx' preset)."""

  def __init__(self, num_classes: int, rngs: nnx.Rngs, dim: int = 32, depth: int = 4,
               heads: int = 4):
    self.embed = nnx.Linear(4, dim, rngs=rngs)
    self.cls = nnx.Param(jnp.zeros((1, 1, dim)))
    self.pos = nnx.Param(0.02 * jax.random.normal(rngs.params(), (1, 17, dim)))
    self.blocks = nnx.List([Block(dim, heads, rngs) for _ in range(depth)])
    self.norm = nnx.LayerNorm(dim, rngs=rngs)
    self.head = nnx.Linear(dim, num_classes, rngs=rngs)

  def __call__(self, images):
    b = images.shape[0]
    patches = images.reshape(b, 4, 2, 4, 2).transpose(0, 1, 3, 2, 4).reshape(b, 16, 4)
    x = self.embed(patches)
    x = jnp.concatenate([jnp.broadcast_to(self.cls[...], (b, 1, x.shape[-1])), x], axis=1)
    x = x + self.pos[...]
    for block in self.blocks:
      x = block(x)
    return self.head(self.norm(x[:, 0]))


def load_digits_split(shots: int, seeds: int) -> dict:
  """Digits 0-4 to pretrain (with a held-out part); digits 5-9 with ``shots`` per class to
  fine-tune (a different draw per seed), a validation draw of the same size for searches, and a
  fixed held-out test set."""
  from sklearn.datasets import load_digits

  digits = load_digits()
  x = (digits.images / 16.0).astype(np.float32)
  y = digits.target.astype(np.int32)
  rng = np.random.default_rng(0)
  order = rng.permutation(len(y))
  x, y = x[order], y[order]
  pre = y < 5
  pre_x, pre_y = x[pre], y[pre]
  n_pre = int(0.8 * len(pre_y))
  new_x, new_y = x[~pre], y[~pre] - 5
  pool = np.arange(len(new_y)) < len(new_y) // 2  # first half: the fine-tuning pool
  test_x, test_y = new_x[~pool], new_y[~pool]
  few_x, few_y, first_draw = [], [], None
  for seed in range(seeds):
    r = np.random.default_rng(seed)
    idx = np.concatenate([r.choice(np.flatnonzero(pool & (new_y == c)), shots, replace=False)
                          for c in range(5)])
    first_draw = idx if seed == 0 else first_draw
    few_x.append(jnp.asarray(new_x[idx]))
    few_y.append(jnp.asarray(new_y[idx]))
  # A validation draw for hyperparameter searches: as many labelled images as seed 0 trains on,
  # from the pool, none of them seed 0's (the test half is never used to choose anything).
  r = np.random.default_rng(10_000)
  used = set(np.asarray(first_draw).tolist())
  val_idx = np.concatenate([r.choice([i for i in np.flatnonzero(pool & (new_y == c))
                                      if i not in used], shots, replace=False) for c in range(5)])
  return {"pre_x": jnp.asarray(pre_x[:n_pre]), "pre_y": jnp.asarray(pre_y[:n_pre]),
          "val_x": jnp.asarray(new_x[val_idx]), "val_y": jnp.asarray(new_y[val_idx]),
          "pre_test_x": jnp.asarray(pre_x[n_pre:]), "pre_test_y": jnp.asarray(pre_y[n_pre:]),
          "few_x": few_x, "few_y": few_y, "test_x": jnp.asarray(test_x),
          "test_y": jnp.asarray(test_y)}
