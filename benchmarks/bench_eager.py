"""Eager evaluation on a Python int (what logging the LR does): jaxlrs vs the Optax schedule."""

from __future__ import annotations

import optax

import jaxlrs
from jaxlrs.compat import hf

from ._common import median_seconds, row


def run(quick: bool) -> list[dict]:
  repeats = 50 if quick else 500
  pairs = {
      "warmup+cosine": (jaxlrs.warmup(jaxlrs.cosine(1e-3, total_steps=900), warmup_steps=100),
                        optax.warmup_cosine_decay_schedule(0.0, 1e-3, 100, 1000)),
      "linear": (jaxlrs.linear(1e-3, end_value=0.0, total_steps=1000),
                 optax.linear_schedule(1e-3, 0.0, 1000)),
      "hf linear 10% warmup": (hf.get_scheduler("linear", 1e-3, 100, 1000),
                               optax.join_schedules([optax.linear_schedule(0.0, 1e-3, 100),
                                                     optax.linear_schedule(1e-3, 0.0, 900)],
                                                    [100])),
      "piecewise (3 pieces)": (jaxlrs.piecewise_constant([300, 600], values=[1e-3, 1e-4, 1e-5]),
                               optax.piecewise_constant_schedule(1e-3, {300: 0.1, 600: 0.1})),
  }
  rows = []
  for name, (ours, theirs) in pairs.items():
    counter = iter(range(10**9))
    t_ours = median_seconds(lambda: ours(next(counter) % 1000), repeats, warmup=3)
    t_theirs = median_seconds(lambda: theirs(next(counter) % 1000), repeats, warmup=3)
    rows.append(row("eager call", name, t_ours, t_theirs))
  return rows
