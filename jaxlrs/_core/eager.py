"""Evaluation: one jitted function, so that an eager call (e.g. logging the LR from Python) is one
cached dispatch per schedule structure, not a fresh trace."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from .numerics import finite_max
from .step_input import float_steps


def evaluate_traced(schedule: Any, step: Any) -> jax.Array:
  """``schedule`` at ``step`` inside a trace: an exact step clipped at 0, result in its dtype.

  The value is clipped to the finite range of the dtype: growth saturates, never reaches inf.
  """
  dtype = schedule.dtype
  v = jnp.asarray(schedule._value_at(float_steps(step, dtype)), dtype)
  return jnp.clip(v, -finite_max(dtype), finite_max(dtype))


@jax.jit
def eager_call(schedule: Any, step: Any) -> jax.Array:
  """The cached compiled evaluation behind ``Schedule.__call__``."""
  return evaluate_traced(schedule, step)
