"""Numeric helpers with finite gradients everywhere, and the one conversion of a user's step.

Every step a user passes goes through :func:`host_step` (outside a trace) and :func:`float_steps`
(inside it). Nothing else in the library converts steps.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np


def safe_div(num: jax.Array, den: Any) -> jax.Array:
  """``num / den`` where ``den > 0``, else 0 — with a finite gradient either way."""
  den = jnp.asarray(den, jnp.result_type(num))
  ok = den > 0
  return jnp.where(ok, num / jnp.where(ok, den, 1), 0)


def safe_pow(base: jax.Array, power: Any) -> jax.Array:
  """``base ** power`` for ``base >= 0``, with a finite gradient at ``base == 0``."""
  pos = base > 0
  return jnp.where(pos, jnp.where(pos, base, 1) ** power, jnp.where(power == 0, 1.0, 0.0))


def fraction(t: jax.Array, steps: Any) -> jax.Array:
  """``clip(t / steps, 0, 1)``; 1 when ``steps == 0``."""
  return jnp.where(jnp.asarray(steps) > 0, jnp.clip(safe_div(t, steps), 0, 1), 1)


def host_step(step: Any) -> Any:
  """A user's step made safe to pass into a jitted function (not yet a float array)."""
  if isinstance(step, (bool, np.bool_)):
    raise TypeError(f"step must be a number, got the bool {step!r}.")
  if isinstance(step, (int, float)):
    return float(step)  # Python ints beyond int32 would overflow as a jit argument.
  if isinstance(step, (list, tuple)):
    step = np.asarray(step)
  if isinstance(step, (np.ndarray, np.generic)):
    if step.dtype.itemsize > 4 and not jax.config.read("jax_enable_x64"):
      # A 64-bit host integer would be truncated to 32 bits on the way into JAX: go via float.
      step = step.astype(np.float64)
  return step


def float_steps(step: Any, dtype: Any) -> jax.Array:
  """Inside a trace: the step as a float array of ``dtype``, clipped to ``>= 0``.

  Cast before any arithmetic, so an unsigned step never wraps (``nnx.Optimizer.step`` is uint32).
  """
  t = jnp.asarray(step)
  if not jnp.issubdtype(t.dtype, jnp.number) or jnp.issubdtype(t.dtype, jnp.complexfloating):
    raise TypeError(f"step must be a real number, got dtype {t.dtype}.")
  return jnp.maximum(t.astype(dtype), 0)
