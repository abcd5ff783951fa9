"""Fine-tuning with Flax linen and TrainState: LLRD through optax.multi_transform and an EMA.

    python examples/linen_trainstate.py [--steps 300] [--tiny]

Trains a small MLP on scikit-learn's digits with layer-wise learning rates (user depth rules),
keeps an EMA of the weights in the optimizer state, and evaluates both sets of weights.
"""

from __future__ import annotations

import argparse

import jax
import jax.numpy as jnp
import optax
from flax import linen
from flax.training import train_state

import jaxlrs
from jaxlrs import averaging, layerwise


class MLP(linen.Module):
  layers: int = 3

  @linen.compact
  def __call__(self, x):
    x = jax.nn.gelu(linen.Dense(64, name="embeddings")(x.reshape(x.shape[0], -1)))
    for i in range(self.layers):
      x = x + jax.nn.gelu(linen.Dense(64, name=f"layer_{i}")(linen.LayerNorm(name=f"ln_{i}")(x)))
    return linen.Dense(10, name="head")(x)


def main(argv=None) -> int:
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--steps", type=int, default=300)
  parser.add_argument("--tiny", action="store_true")
  args = parser.parse_args(argv)
  steps = 60 if args.tiny else args.steps

  from sklearn.datasets import load_digits
  digits = load_digits()
  x = jnp.asarray(digits.images / 16.0, jnp.float32)
  y = jnp.asarray(digits.target, jnp.int32)
  x_train, y_train, x_test, y_test = x[:1200], y[:1200], x[1200:], y[1200:]

  model = MLP()
  params = model.init(jax.random.PRNGKey(0), x[:1])["params"]
  # User rules: embeddings 0, layer_i and ln_i i + 1, head on top.
  depths = layerwise.depth_map(params, rules=[(r"^embeddings/", 0), (r"^(layer|ln)_(\d+)/", "block"),
                                              (r"^head/", "head")])
  mults = layerwise.llrd_multipliers(depths, decay=0.8)
  schedule = jaxlrs.warmup(jaxlrs.cosine(3e-3, total_steps=steps - steps // 10),
                           warmup_steps=steps // 10)
  print(layerwise.format_plan(depths, mults, schedule, step=steps // 10))
  tx = averaging.ema(layerwise.multi_transform(
      lambda lr: optax.adamw(lr, weight_decay=0.01, mask=layerwise.decay_mask), schedule, mults),
      decay=0.95, decay_warmup=True)
  state = train_state.TrainState.create(apply_fn=model.apply, params=params, tx=tx)

  @jax.jit
  def train_step(state, xb, yb):
    def loss_fn(p):
      logits = state.apply_fn({"params": p}, xb)
      return optax.softmax_cross_entropy_with_integer_labels(logits, yb).mean()
    loss, grads = jax.value_and_grad(loss_fn)(state.params)
    return state.apply_gradients(grads=grads), loss

  @jax.jit
  def accuracy(p):
    return jnp.mean(jnp.argmax(model.apply({"params": p}, x_test), -1) == y_test)

  untrained = float(accuracy(params))
  key = jax.random.PRNGKey(1)
  for step in range(steps):
    idx = jax.random.choice(jax.random.fold_in(key, step), x_train.shape[0], (64,))
    state, loss = train_step(state, x_train[idx], y_train[idx])
    if (step + 1) % max(1, steps // 5) == 0:
      lr = float(jaxlrs.current_lr(state.opt_state, schedule))
      print(f"step {step + 1:4d}  loss {float(loss):.3f}  next top-layer lr {lr:.2e}")
  ema_params = averaging.averaged_params(state.opt_state, like=state.params)
  print(f"accuracy  trained weights: {float(accuracy(state.params)):.3f}  "
        f"EMA weights: {float(accuracy(ema_params)):.3f}  untrained: {untrained:.3f}")
  return 0


if __name__ == "__main__":
  raise SystemExit(main())
