"""Parameter averaging: SGD+EMA steps vs plain SGD, vs ``optax.ema``, and vs memory bounds.

Gradients are jit arguments and parameters and optimizer state are donated, as in a real train
step (closing over the gradients would let XLA fold them into constants). Bandwidth is measured
with a donated axpy (read 2 arrays, write 1) in the same process. The EMA's extra cost per
parameter is bounded below by 8 B (read and write the float32 average, fused with the update)
and, with the optimization barrier jaxlrs uses on XLA:CPU, 12 B (the new params read back too).
``every=k`` skips the averaging pass on k - 1 of k steps: its extra cost should be about 1/k.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxlrs import averaging

from ._common import interleaved, row

TARGET_K4 = 0.35  # extra cost at every=4, as a fraction of every=1


def _tree(n: int) -> dict:
  k = n // 4
  return {"a": jnp.ones((k,), jnp.float32), "b": jnp.ones((n - k,), jnp.float32)}


def _stepper(tx, params, grads, chain: int):
  """``chain`` donated SGD(+EMA) steps per call, the gradients passed as an argument."""
  def step(p, s, g):
    u, s = tx.update(g, s, p)
    return optax.apply_updates(p, u), s
  jitted = jax.jit(step, donate_argnums=(0, 1))
  carry = [jax.tree.map(jnp.copy, params)]
  carry.append(tx.init(carry[0]))

  def call():
    for _ in range(chain):
      carry[0], carry[1] = jitted(carry[0], carry[1], grads)
    return carry[0]
  return call


def run(quick: bool) -> list[dict]:
  sizes = (1_000_000,) if quick else (1_000_000, 10_000_000, 50_000_000)
  rounds = 7 if quick else 25
  chain = 4  # a multiple of every k, so each call holds the same number of averaging passes
  rows = []
  for n in sizes:
    params = _tree(n)
    grads = jax.tree.map(lambda x: x * 1e-3, params)
    axpy = jax.jit(lambda x, y: jax.tree.map(lambda a, b: 0.5 * a + b, x, y), donate_argnums=1)
    ys = [jax.tree.map(jnp.copy, params)]

    def run_axpy():
      for _ in range(chain):
        ys[0] = axpy(grads, ys[0])
      return ys[0]

    calls = {"axpy": run_axpy,
             "sgd": _stepper(optax.sgd(0.1), params, grads, chain),
             "ema k=1": _stepper(averaging.ema(optax.sgd(0.1), decay=0.999), params, grads, chain),
             "ema k=4": _stepper(averaging.ema(optax.sgd(0.1), decay=0.999, every=4), params,
                                 grads, chain),
             "ema k=16": _stepper(averaging.ema(optax.sgd(0.1), decay=0.999, every=16), params,
                                  grads, 16),
             "optax.ema": _stepper(optax.chain(optax.ema(0.999), optax.sgd(0.1)), params, grads,
                                   chain)}
    raw = interleaved(calls, rounds)
    t = {k: np.asarray(v) / (16 if k == "ema k=16" else chain) for k, v in raw.items()}
    med = {k: float(np.median(v)) for k, v in t.items()}
    bandwidth = 12 * n / med["axpy"]  # bytes per second: 3 float32 arrays per element
    b8, b12 = 8 * n / bandwidth, 12 * n / bandwidth
    extra = {k: med[k] - med["sgd"] for k in ("ema k=1", "ema k=4", "ema k=16")}
    label = f"{n / 1e6:.0f}M params"
    barrier = "with" if jax.default_backend() == "cpu" else "without"
    rows.append(row("averaging", f"{label}: SGD+EMA vs plain SGD", t["ema k=1"], t["sgd"],
                    f"EMA extra {extra['ema k=1'] * 1e3:.3g} ms = {extra['ema k=1'] / b8:.2f}x the "
                    f"8 B/param bound, {extra['ema k=1'] / b12:.2f}x the 12 B/param bound "
                    f"({bandwidth / 1e9:.1f} GB/s axpy; {barrier} the barrier on this backend)",
                    bound_8b_ms=b8 * 1e3, bound_12b_ms=b12 * 1e3, bandwidth_gbs=bandwidth / 1e9))
    rows.append(row("averaging", f"{label}: SGD+EMA vs SGD+optax.ema", t["ema k=1"],
                    t["optax.ema"], "optax.ema averages updates (momentum), not params: cost only"))
    for k in (4, 16):
      frac = extra[f"ema k={k}"] / extra["ema k=1"] if extra["ema k=1"] > 0 else float("nan")
      target = f"; target <= {TARGET_K4}: {'met' if frac <= TARGET_K4 else 'NOT met'}" \
          if k == 4 else ""
      rows.append(row("averaging", f"{label}: every={k} vs every=1", t[f"ema k={k}"],
                      t["ema k=1"], f"EMA extra cost {frac:.2f}x of every=1 (ideal {1 / k:.2f})"
                      f"{target}", extra_fraction=frac))
  return rows
