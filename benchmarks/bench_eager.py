"""Eager evaluation on a Python int, as when logging the LR: jaxlrs vs the Optax schedule.

An Optax schedule called outside ``jit`` runs its ops one by one; a jaxlrs schedule is one cached
jitted dispatch per schedule structure (DESIGN.md section 1). Each call uses a different step, so a
per-value retrace would show. The first call (trace and compile) is reported in the notes.
"""

from __future__ import annotations

import time

import jax
import numpy as np
import optax

import jaxlrs

from ._common import check_same, interleaved, row

TOTAL = 1000


def _hf_linear():
  from jaxlrs.compat import hf

  return hf.get_scheduler("linear", 1e-3, num_warmup_steps=100, num_training_steps=TOTAL)


def pairs() -> dict:
  """Name -> (jaxlrs schedule, equal Optax schedule)."""
  lengths = [10 + i % 7 for i in range(100)]
  bounds = np.cumsum(lengths)[:-1].tolist()
  out = {
      "warmup+cosine": (jaxlrs.warmup(jaxlrs.cosine(1e-3, total_steps=TOTAL - 100),
                                      warmup_steps=100),
                        optax.warmup_cosine_decay_schedule(0.0, 1e-3, 100, TOTAL)),
      "linear": (jaxlrs.linear(1e-3, end_value=0.0, total_steps=TOTAL),
                 optax.linear_schedule(1e-3, 0.0, TOTAL)),
      "piecewise constant (3 pieces)": (
          jaxlrs.piecewise_constant([300, 600], values=[1e-3, 1e-4, 1e-5]),
          optax.piecewise_constant_schedule(1e-3, {300: 0.1, 600: 0.1})),
      "one-cycle": (jaxlrs.one_cycle(1e-3, total_steps=TOTAL),
                    optax.cosine_onecycle_schedule(TOTAL, 1e-3)),
      "cosine restarts (10 cycles)": (
          jaxlrs.cosine_restarts(1e-3, cycle_steps=100),
          optax.sgdr_schedule([dict(init_value=1e-3, peak_value=1e-3, decay_steps=100,
                                    warmup_steps=0, end_value=0.0)] * 10)),
      "join (100 pieces)": (
          jaxlrs.join([jaxlrs.cosine(1e-3, total_steps=k) for k in lengths],
                      boundaries=bounds),
          optax.join_schedules([optax.cosine_decay_schedule(1e-3, k) for k in lengths], bounds)),
  }
  out["hf linear, 10% warmup (compat)"] = (
      _hf_linear(), optax.join_schedules([optax.linear_schedule(0.0, 1e-3, 100),
                                          optax.linear_schedule(1e-3, 0.0, TOTAL - 100)], [100]))
  return out


def _cache_size() -> int:
  from jaxlrs._core import eager

  return eager.eager_call._cache_size()


def run(quick: bool) -> list[dict]:
  repeats = 30 if quick else 300
  rows = []
  for name, (ours, theirs) in pairs().items():
    if quick and name in ("join (100 pieces)", "cosine restarts (10 cycles)", "one-cycle"):
      continue  # a smoke run: Optax's eager calls of these take seconds
    check_steps = [0, 1, 99, 100, 101, 299, 300, 500, 999]
    # jaxlrs's one-cycle follows PyTorch's OneCycleLR: its phases end one step before Optax's.
    tol = dict(rtol=1e-2, atol=1e-8) if name == "one-cycle" else dict(rtol=1e-5, atol=1e-10)
    check_same(name, [ours(s) for s in check_steps], [theirs(s) for s in check_steps], **tol)
    first = {}
    for label, sched in (("theirs", theirs), ("ours", ours)):  # ours last: its cache survives
      jax.clear_caches()  # the first call then pays the trace and compile it would in a fresh run
      start = time.perf_counter()
      jax.block_until_ready(sched(TOTAL // 2))
      first[label] = time.perf_counter() - start
    counter = iter(range(10**9))
    before = _cache_size()
    times = interleaved({"ours": lambda: ours(next(counter) % TOTAL),
                                 "theirs": lambda: theirs(next(counter) % TOTAL)}, repeats, 3)
    after = _cache_size()
    compiles = f"; compiles after the first call: {after - before}"
    rows.append(row("eager call", name, times["ours"], times["theirs"],
                    f"first call {first['ours'] * 1e3:.0f} vs {first['theirs'] * 1e3:.0f} ms"
                    f"{compiles}", first_call_ms=first["ours"] * 1e3,
                    baseline_first_call_ms=first["theirs"] * 1e3))
  return rows
