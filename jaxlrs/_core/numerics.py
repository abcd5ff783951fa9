"""Numeric helpers: finite values and finite gradients everywhere, growth that saturates."""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp

from .steps import Step


def finite_max(dtype: Any) -> float:
  """The largest finite value of a float dtype: where growing values saturate."""
  return float(jnp.finfo(dtype).max)


def safe_div(num: jax.Array, den: Any) -> jax.Array:
  """``num / den`` where ``den > 0``, else 0 — with a finite gradient either way."""
  if isinstance(den, int):
    den = float(den)
  den = jnp.asarray(den, jnp.result_type(num))
  ok = den > 0
  return jnp.where(ok, num / jnp.where(ok, den, 1), 0)


def _float_dtype(*xs: Any) -> Any:
  dt = jnp.result_type(*xs)
  return dt if jnp.issubdtype(dt, jnp.floating) and jnp.dtype(dt).itemsize >= 4 else jnp.float32


def safe_pow(base: jax.Array, power: Any) -> jax.Array:
  """``base ** power`` for ``base >= 0``, with a finite gradient at ``base == 0``.

  A result beyond the largest finite float saturates there (see :func:`scaled_pow`).
  """
  return scaled_pow(1.0, base, power)


def scaled_pow(value: Any, base: Any, power: Any) -> jax.Array:
  """``value * base ** power`` for ``base >= 0``, finite everywhere with finite gradients.

  Growth saturates: where the exact result is beyond the largest finite float of the dtype, the
  result is that float (with the sign of ``value``) and its gradients are 0. This is the one rule
  for every schedule that grows geometrically (``exponential`` with a rate above 1, restarts with
  ``cycle_decay > 1``, ...).
  """
  dt = _float_dtype(value, base, power)
  value, base = jnp.asarray(value, dt), jnp.asarray(base, dt)
  log_max = math.log(finite_max(dt))
  pos = base > 0
  b = jnp.where(pos, base, 1)
  a = jnp.abs(value)
  a1 = jnp.where(a > 0, a, 1)
  log_pow = jnp.log(b) * power
  over = pos & (a > 0) & (jnp.log(a1) + log_pow > log_max)
  big = pos & (log_pow > log_max - 1)  # base ** power alone would overflow: go through logs
  direct = value * b ** jnp.where(big, 0.0, power)
  via_log = jnp.sign(value) * jnp.exp(jnp.where(big & ~over & (a > 0), jnp.log(a1) + log_pow, 0.0))
  v = jnp.where(big, via_log, direct)
  v = jnp.where(pos, v, jnp.where(power == 0, value, 0.0))
  return jnp.where(over, jnp.sign(value) * finite_max(dt), v).astype(dt)


def unit_pow(base: jax.Array, power: Any) -> jax.Array:
  """``base ** power`` for ``base`` in ``[0, 1]`` and ``power >= 0`` (``0 ** 0 == 1``), with a
  finite gradient at ``base == 0``. The result is in ``[0, 1]``: it cannot overflow, so no
  saturation is needed (the values of :func:`safe_pow` there, from a fraction of its graph)."""
  pos = base > 0
  return jnp.where(pos, jnp.where(pos, base, 1) ** power, jnp.where(power == 0, 1.0, 0.0))


def fraction(t: Any, steps: Any) -> jax.Array:
  """``clip(t / steps, 0, 1)``; 1 when ``steps == 0``. ``t`` may be a :class:`Step`."""
  t = t.value if isinstance(t, Step) else jnp.asarray(t)
  if isinstance(steps, int):
    return jnp.clip(t / float(steps), 0, 1) if steps > 0 else jnp.ones_like(t)
  steps = jnp.asarray(steps, t.dtype)
  ok = steps > 0
  return jnp.where(ok, jnp.clip(t / jnp.where(ok, steps, 1), 0, 1), 1)
