"""Parameter averaging: the SGD+EMA step vs the memory-bandwidth bound and vs optax.ema."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optax

from jaxlrs import averaging

from ._common import median_seconds, row


def _tree(n: int) -> dict:
  k = n // 4
  return {"a": jnp.ones((k,), jnp.float32), "b": jnp.ones((n - k,), jnp.float32)}


def run(quick: bool) -> list[dict]:
  sizes = (1_000_000,) if quick else (1_000_000, 10_000_000, 50_000_000)
  repeats = 5 if quick else 20
  rows = []
  for n in sizes:
    params = _tree(n)
    grads = jax.tree.map(lambda x: x * 1e-3, params)
    # Bandwidth: an axpy reads two arrays and writes one.
    axpy = jax.jit(lambda x, y: jax.tree.map(lambda a, b: 0.5 * a + b, x, y), donate_argnums=1)
    ys = [jax.tree.map(jnp.copy, params)]

    def run_axpy():
      ys[0] = axpy(grads, ys[0])
      return ys[0]
    t_axpy = median_seconds(run_axpy, repeats)
    bandwidth = 3 * 4 * n / t_axpy
    # SGD + EMA step: reads params, grads, average; writes params, average.
    bound = 5 * 4 * n / bandwidth

    def timed(tx):
      # Parameters and state are donated, as in a real training loop: updates happen in place.
      carry = [jax.tree.map(jnp.copy, params)]
      carry.append(tx.init(carry[0]))

      def step(p, s):
        u, s = tx.update(grads, s, p)
        return optax.apply_updates(p, u), s
      jitted = jax.jit(step, donate_argnums=(0, 1))

      def call():
        carry[0], carry[1] = jitted(carry[0], carry[1])
        return carry[0]
      return median_seconds(call, repeats)

    t_ema = timed(averaging.ema(optax.sgd(0.1), decay=0.999))
    t_optax = timed(optax.chain(optax.ema(0.999), optax.sgd(0.1)))
    t_sgd = timed(optax.sgd(0.1))
    label = f"{n / 1e6:.0f}M params"
    rows.append(row("averaging", f"{label}: SGD+EMA vs bandwidth bound", t_ema, bound,
                    f"{t_ema / bound:.2f}x the bound ({bandwidth / 1e9:.1f} GB/s)"))
    rows.append(row("averaging", f"{label}: SGD+EMA vs SGD+optax.ema", t_ema, t_optax))
    for k in (4, 16):
      t_k = timed(averaging.ema(optax.sgd(0.1), decay=0.999, every=k))
      rows.append(row("averaging", f"{label}: every={k} vs plain SGD", t_k, t_sgd,
                      f"EMA every step costs {t_ema / t_sgd:.2f}x plain SGD"))
  return rows
