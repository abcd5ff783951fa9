"""Evaluation: one jitted function, so that an eager call (e.g. logging the LR from Python) is one
cached dispatch per schedule structure, not a fresh trace."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from .numerics import float_steps


def evaluate_traced(schedule: Any, step: Any) -> jax.Array:
  """``schedule`` at ``step`` inside a trace: float steps clipped at 0, result in its dtype."""
  dtype = schedule.dtype
  return jnp.asarray(schedule._value(float_steps(step, dtype)), dtype)


@jax.jit
def eager_call(schedule: Any, step: jax.Array) -> jax.Array:
  """The cached compiled evaluation behind ``Schedule.__call__``."""
  return evaluate_traced(schedule, step)
