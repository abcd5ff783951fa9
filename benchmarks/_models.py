"""Small Flax models for the benchmarks: an MLP and a transformer encoder (linen)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
from flax import linen


class MLP(linen.Module):
  width: int = 256
  depth: int = 3

  @linen.compact
  def __call__(self, x):
    for _ in range(self.depth):
      x = jax.nn.gelu(linen.Dense(self.width)(x))
    return linen.Dense(10)(x)


class Block(linen.Module):
  width: int

  @linen.compact
  def __call__(self, x):
    h = linen.LayerNorm()(x)
    h = linen.MultiHeadDotProductAttention(num_heads=4)(h, h)
    x = x + h
    h = linen.LayerNorm()(x)
    return x + linen.Dense(self.width)(jax.nn.gelu(linen.Dense(2 * self.width)(h)))


class Encoder(linen.Module):
  """HF-style names for the layer-wise benchmark: embeddings, encoder/layer/{i}, classifier."""
  layers: int = 4
  width: int = 64

  @linen.compact
  def __call__(self, tokens):
    x = linen.Embed(100, self.width, name="embeddings")(tokens)
    for i in range(self.layers):
      x = Block(self.width, name=f"layer_{i}")(x)
    return linen.Dense(10, name="classifier")(x.mean(1))


def init(model, x):
  return model.init(jax.random.PRNGKey(0), x)["params"]


def make_step(model, tx):
  def loss(params, x, y):
    logits = model.apply({"params": params}, x)
    return jnp.mean(jax.nn.logsumexp(logits, -1) - jnp.take_along_axis(logits, y[:, None], 1)[:, 0])

  def step(params, state, x, y):
    grads = jax.grad(loss)(params, x, y)
    updates, state = tx.update(grads, state, params)
    return jax.tree.map(jnp.add, params, updates), state

  return step
