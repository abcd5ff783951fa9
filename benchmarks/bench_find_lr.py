"""Finding the LR: the vmapped sweep (K=8, K=16) vs K sequential runs, and the range test's cost
per step vs a plain training step (MLP, AdamW, warmup + linear decay)."""

from __future__ import annotations

import itertools
import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax

import jaxlrs

from . import _models
from ._common import row


def _setup(quick: bool):
  model = _models.MLP(width=32 if quick else 128, depth=2)
  rng = np.random.default_rng(0)
  x = jnp.asarray(rng.normal(size=(64, 32)), jnp.float32)
  y = jnp.asarray(rng.integers(0, 10, (64,)), jnp.int32)
  params = _models.init(model, x)

  def loss_fn(p, batch):
    logits = model.apply({"params": p}, batch[0])
    return optax.softmax_cross_entropy_with_integer_labels(logits, batch[1]).mean()

  return params, loss_fn, (x, y)


def _adamw(lr):
  return optax.adamw(lr, weight_decay=0.01)


def _schedule(steps):
  warm = steps // 10
  return lambda lr: jaxlrs.warmup(jaxlrs.linear(init_value=lr, end_value=0.0,
                                                total_steps=steps - warm), warmup_steps=warm)


def _sequential(params, loss_fn, batch, values, steps) -> tuple[float, float]:
  """K runs one after another, as a user loop would: one jitted step reused for every value
  (the jaxlrs schedule is an argument, so a new peak does not recompile). Returns (wall time,
  the first call's time: compile)."""
  make = _schedule(steps)

  @jax.jit
  def step(sched, p, s):
    loss, grads = jax.value_and_grad(loss_fn)(p, batch)
    updates, s = _adamw(sched).update(grads, s, p)
    return optax.apply_updates(p, updates), s, loss

  start = time.perf_counter()
  compile_s = 0.0
  for k, v in enumerate(values):
    sched = make(float(v))
    p, s = params, _adamw(sched).init(params)
    for i in range(steps):
      first = time.perf_counter()
      p, s, loss = step(sched, p, s)
      if k == 0 and i == 0:
        compile_s = time.perf_counter() - first
    jax.block_until_ready(loss)
  return time.perf_counter() - start, compile_s


def _median(fn, repeats):
  """Elementwise median of the tuples ``fn()`` returns."""
  runs = [fn() for _ in range(repeats)]
  return tuple(statistics.median(col) for col in zip(*runs))


def _state_mb(params, k):
  leaves = jax.tree.leaves((params, _adamw(1e-3).init(params)))
  return k * sum(x.size * x.dtype.itemsize for x in leaves) / 2**20


def _peak_bytes():
  stats = jax.devices()[0].memory_stats() or {}
  return stats.get("peak_bytes_in_use")


def run(quick: bool) -> list[dict]:
  params, loss_fn, batch = _setup(quick)
  steps, repeats = (10, 1) if quick else (100, 3)
  rows = []
  for k in (8, 16):
    values = np.geomspace(1e-4, 1e-1, k)

    def swept():
      r = jaxlrs.sweep(loss_fn, params, itertools.repeat(batch), _adamw, num_steps=steps,
                       values=values)
      return r.seconds, r.compile_seconds

    t_sweep, c_sweep = _median(swept, repeats)
    t_seq, c_seq = _median(lambda: _sequential(params, loss_fn, batch, values, steps), repeats)
    run_sweep, run_seq = t_sweep - c_sweep, t_seq - c_seq
    peak = _peak_bytes()
    memory = (f"peak device memory {peak / 2**20:.0f} MB" if peak else
              "no device memory stats on this backend")
    rows.append(row("find_lr", f"sweep K={k} x {steps} steps: vmapped vs {k} sequential runs",
                    t_sweep, t_seq, f"wall time incl. compile; params + AdamW state of the {k} "
                    f"copies {_state_mb(params, k):.2f} MB; {memory}"))
    rows.append(row("find_lr", f"sweep K={k}: compile", c_sweep, c_seq,
                    "vmapped program vs the one jitted step the sequential runs share"))
    rows.append(row("find_lr", f"sweep K={k}: steady state (wall minus compile)", run_sweep,
                    run_seq, f"{run_sweep / steps * 1e3:.2f} ms per step of all {k} runs"))

  # The range test per step vs a plain jitted step (async loop, one sync at the end).
  n = 20 if quick else 200

  def ranged():
    r = jaxlrs.find_lr(loss_fn, params, itertools.repeat(batch), _adamw, min_lr=1e-6,
                       max_lr=1e-3, num_steps=n, diverge_factor=None)
    return ((r.seconds - r.compile_seconds) / (n - 1),)

  (t_range,) = _median(ranged, repeats)
  tx = _adamw(1e-3)

  @jax.jit
  def plain(p, s):
    loss, grads = jax.value_and_grad(loss_fn)(p, batch)
    updates, s = tx.update(grads, s, p)
    return optax.apply_updates(p, updates), s, loss

  state = tx.init(params)
  jax.block_until_ready(plain(params, state))

  def loop():
    p, s = params, state
    start = time.perf_counter()
    for _ in range(n):
      p, s, loss = plain(p, s)
    jax.block_until_ready(loss)
    return ((time.perf_counter() - start) / n,)

  (t_plain,) = _median(loop, max(repeats, 3))
  rows.append(row("find_lr", "range test: time per step vs a plain train step", t_range, t_plain,
                  "after compile; the range test reads each loss (one step behind) to check "
                  "divergence"))
  return rows
