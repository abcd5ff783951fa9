"""Join scaling: jaxlrs.join vs optax.join_schedules, 10 to 5000 pieces."""

from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import numpy as np
import optax

import jaxlrs

from ._common import compile_seconds, median_seconds, row

OPTAX_COMPILE_BUDGET_S = 20.0  # Optax's 5000-piece join took ~2 minutes to compile here


def run(quick: bool) -> list[dict]:
  sizes = (10, 100) if quick else (10, 100, 1000, 5000)
  n_steps = 10_000 if quick else 1_000_000
  steps = jnp.arange(n_steps, dtype=jnp.float32)
  rows, optax_skipped = [], False
  for n in sizes:
    lengths = 10 + np.arange(n) % 7
    bounds = np.cumsum(lengths)[:-1].tolist()
    ours = jaxlrs.join([jaxlrs.cosine(1.0 + i % 3, total_steps=int(k))
                        for i, k in enumerate(lengths)], boundaries=bounds)
    theirs = optax.join_schedules(
        [optax.cosine_decay_schedule(1.0 + i % 3, int(k)) for i, k in enumerate(lengths)], bounds)
    c_ours, f_ours = compile_seconds(lambda s, t: s(t), ours, steps)
    graph = len(str(jax.make_jaxpr(lambda s, t: s(t))(ours, 1.0)))
    t_ours = median_seconds(lambda: f_ours(ours, steps), 5)
    scalar = jax.jit(lambda s, t: s(t)).lower(ours, 3.0).compile()
    t_scalar = median_seconds(lambda: scalar(ours, 3.0), 50)
    c_theirs = t_theirs = graph_theirs = t_scalar_theirs = None
    if not optax_skipped:
      start = time.perf_counter()
      graph_theirs = len(str(jax.make_jaxpr(theirs)(1.0)))
      c_theirs, f_theirs = compile_seconds(theirs, steps)
      t_theirs = median_seconds(lambda: f_theirs(steps), 3)
      scalar_theirs = jax.jit(theirs).lower(3.0).compile()
      t_scalar_theirs = median_seconds(lambda: scalar_theirs(3.0), 50)
      optax_skipped = time.perf_counter() - start > OPTAX_COMPILE_BUDGET_S / 4
    note = "" if c_theirs is not None else f"optax skipped: over the {OPTAX_COMPILE_BUDGET_S:.0f}s budget"
    rows.append(row("join", f"{n} pieces: compile", c_ours, c_theirs, note,
                    jaxpr_chars=graph, optax_jaxpr_chars=graph_theirs))
    rows.append(row("join", f"{n} pieces: {n_steps:.0e} steps", t_ours, t_theirs, note))
    rows.append(row("join", f"{n} pieces: scalar step", t_scalar, t_scalar_theirs, note))
  return rows
