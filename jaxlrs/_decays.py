"""Decays without an end: exponential (and its staircase, step decay), inverse time, rsqrt.

They follow the step semantics of :class:`jaxlrs.Schedule`; they never settle, so their
:meth:`~jaxlrs.Schedule.horizon` is the number of steps they take to fall to a tenth of their start
(or to reach ``end_value``).
"""

from __future__ import annotations

import math
from dataclasses import KW_ONLY

import jax
import jax.numpy as jnp

from ._core import (
    Schedule, check_steps, concrete_float, require, require_positive_steps, require_value,
    safe_div, scaled_pow, static_field, steps_field, value_field)


def _exponent(t, period_steps, staircase):
  p = safe_div(t, period_steps)
  return jnp.floor(p) if staircase else p


def _decay_horizon(periods: float | None, period_steps: int, staircase: bool) -> int:
  """Steps for ``periods`` periods (rounded up), or one period when unknown."""
  if periods is None or not math.isfinite(periods) or periods <= 0:
    return period_steps
  if staircase:
    return max(1, math.ceil(periods - 1e-9)) * period_steps
  return max(1, math.ceil(periods * period_steps - 1e-9))


class exponential(Schedule, kind="exponential"):
  """Exponential decay (or growth): ``init_value * decay_rate ** (t / period_steps)``.

  .. math:: f(t) = v_0 \\, r^{t / s} \\quad(\\lfloor t / s \\rfloor \\text{ if staircase})

  With ``end_value`` the value is bounded by it: from below when decaying (``r < 1``), from above
  when growing (``r > 1``). Keras ``ExponentialDecay`` and ``optax.exponential_decay`` with
  ``decay_steps``/``transition_steps`` equal to ``period_steps``.

  Args:
    init_value: value at step 0.
    decay_rate: the factor ``r > 0`` applied every ``period_steps``.
    period_steps: steps per factor (a positive int).
    staircase: apply the factor in whole jumps.
    end_value: optional bound.

  Returns:
    A schedule that never settles unless ``end_value`` bounds it; its ``horizon()`` is the step at
    which it reaches ``end_value`` (or, without one, a tenth or ten times ``init_value``).

  Raises:
    ValueError: ``period_steps <= 0`` or ``decay_rate <= 0``.

  Example:
    >>> jaxlrs.exponential(1.0, decay_rate=0.5, period_steps=10)(20)
    Array(0.25, dtype=float32)
  """

  init_value: float = value_field()
  _: KW_ONLY
  decay_rate: float = value_field()
  period_steps: int = steps_field()
  staircase: bool = static_field(default=False)
  end_value: float | None = value_field(default=None)

  def _check(self):
    require_positive_steps("period_steps", self.period_steps)
    require_value("decay_rate", self.decay_rate, lambda r: r > 0, "positive")
    require(isinstance(self.staircase, bool), "staircase", self.staircase, "a bool")

  def _value(self, t):
    rate = jnp.asarray(self.decay_rate, t.dtype)
    e = _exponent(t, self.period_steps, self.staircase)
    if self.end_value is None:
      return scaled_pow(self.init_value, rate, e)
    # Stop the exponent where the value meets end_value: the capped value and its gradients never
    # pass through a huge intermediate.
    ratio = safe_div(jnp.asarray(self.end_value, t.dtype), self.init_value)
    ok = (ratio > 0) & (rate != 1)
    cap = jnp.log(jnp.where(ok, ratio, 2.0)) / jnp.log(jnp.where(rate != 1, rate, 2.0))
    cap = jnp.where(ok & (cap >= 0), cap, jnp.inf)
    v = jnp.where(e >= cap, self.end_value, scaled_pow(self.init_value, rate, jnp.minimum(e, cap)))
    return jnp.where(rate < 1, jnp.maximum(v, self.end_value), jnp.minimum(v, self.end_value))

  def horizon(self) -> int:
    """Steps to reach ``end_value``, or without one to fall to a tenth (grow tenfold)."""
    r, v0 = concrete_float(self.decay_rate), concrete_float(self.init_value)
    v1 = concrete_float(self.end_value) if self.end_value is not None else None
    if r is None or r == 1:
      return self.period_steps
    target = 0.1 if r < 1 else 10.0
    if v0 is not None and v1 is not None and v0 > 0 and v1 > 0:
      target = v1 / v0
    return _decay_horizon(math.log(target) / math.log(r), self.period_steps, self.staircase)


def step_decay(init_value: float, *, period_steps: int, decay_rate: float = 0.1) -> exponential:
  """Multiply the value by ``decay_rate`` every ``period_steps`` steps (PyTorch ``StepLR``).

  .. math:: f(t) = v_0 \\, r^{\\lfloor t / s \\rfloor}

  Args:
    init_value: value at step 0.
    period_steps: steps between two multiplications (a positive int).
    decay_rate: the factor applied every ``period_steps``.

  Returns:
    A staircase :class:`exponential`.

  Raises:
    ValueError: ``period_steps <= 0`` or ``decay_rate <= 0``.
    TypeError: ``period_steps`` is not an int.

  Example:
    >>> jaxlrs.step_decay(1.0, period_steps=10, decay_rate=0.1)(25)
    Array(0.01, dtype=float32)
  """
  return exponential(init_value, decay_rate=decay_rate,
                     period_steps=check_steps("period_steps", period_steps), staircase=True)


class inverse_time(Schedule, kind="inverse_time"):
  """Inverse-time decay (Keras ``InverseTimeDecay``).

  .. math:: f(t) = \\frac{v_0}{1 + r \\,
                               t / s} \\quad(\\lfloor t / s \\rfloor \\text{ if staircase})

  Args:
    init_value: value at step 0.
    decay_rate: ``r > 0``.
    period_steps: ``s``, a positive int.
    staircase: decay in whole jumps.

  Returns:
    A schedule with ``f(0) = init_value`` decaying as ``1 / t`` for ever; ``horizon()`` is the step
    at which it has fallen to a tenth.

  Raises:
    ValueError: ``period_steps <= 0`` or ``decay_rate <= 0``.

  Example:
    >>> jaxlrs.inverse_time(1.0, decay_rate=1.0, period_steps=10)(10)
    Array(0.5, dtype=float32)
  """

  init_value: float = value_field()
  _: KW_ONLY
  decay_rate: float = value_field()
  period_steps: int = steps_field()
  staircase: bool = static_field(default=False)

  def _check(self):
    require_positive_steps("period_steps", self.period_steps)
    require_value("decay_rate", self.decay_rate, lambda r: r > 0, "positive")
    require(isinstance(self.staircase, bool), "staircase", self.staircase, "a bool")

  def _value(self, t):
    return self.init_value / (
        1 + self.decay_rate * _exponent(t, self.period_steps, self.staircase))

  def horizon(self) -> int:
    """Steps to fall to a tenth: ``9 s / r``."""
    r = concrete_float(self.decay_rate)
    return _decay_horizon(None if r is None else 9 / r, self.period_steps, self.staircase)


class rsqrt(Schedule, kind="rsqrt"):
  """Inverse square-root decay (Transformer / T5 / Hugging Face ``inverse_sqrt``).

  .. math:: f(t) = \\frac{v_0}{\\sqrt{1 + t / \\tau}}

  After a warmup of ``w`` steps with ``timescale_steps = w`` this is the classic
  ``v_0 \\sqrt{w / \\max(step, w)}``.

  Args:
    init_value: value at step 0.
    timescale_steps: ``tau``, a positive int: the value halves at ``t = 3 tau``.

  Returns:
    A schedule with ``f(0) = init_value`` decaying as ``1 / sqrt(t)`` for ever; ``horizon()`` is
    the step at which it has fallen to a tenth (``99 tau``).

  Raises:
    ValueError: ``timescale_steps <= 0``.

  Example:
    >>> jaxlrs.rsqrt(1.0, timescale_steps=10)(30)
    Array(0.5, dtype=float32)
  """

  init_value: float = value_field()
  _: KW_ONLY
  timescale_steps: int = steps_field()

  def _check(self):
    require_positive_steps("timescale_steps", self.timescale_steps)

  def _value(self, t):
    return self.init_value * jax.lax.rsqrt(1 + safe_div(t, self.timescale_steps))

  def horizon(self) -> int:
    """Steps to fall to a tenth: ``99 tau``."""
    return 99 * self.timescale_steps
