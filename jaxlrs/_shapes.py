"""Elementary schedule shapes.

Every shape here follows the step semantics of :class:`jaxlrs.Schedule`: ``t`` is the number of
updates already applied (0 for the first update), negative steps give the value at 0, and a
finite shape holds its final value past ``total_steps``.
"""

from __future__ import annotations

import math
from dataclasses import KW_ONLY

import jax
import jax.numpy as jnp

from ._core import (
    Schedule, check_steps, concrete_float, fraction, require, require_positive_steps,
    require_value, safe_div, safe_pow, static_field, steps_field, value_field)
from ._curves import decay


class constant(Schedule, kind="constant"):
  """A constant value: ``f(t) = value``.

  Args:
    value: the value at every step.

  Returns:
    A schedule (its horizon is 0: it never changes).

  Example:
    >>> jaxlrs.constant(1e-3)(10)
    Array(0.001, dtype=float32)
  """

  value: float = value_field()

  def _value(self, t):
    return jnp.broadcast_to(jnp.asarray(self.value, t.dtype), t.shape)

  def horizon(self) -> int:
    return 0


class linear(Schedule, kind="linear"):
  """Linear interpolation from ``init_value`` to ``end_value`` over ``total_steps``.

  .. math:: f(t) = v_0 + (v_1 - v_0) \\min(t, T) / T

  Args:
    init_value: value at step 0.
    end_value: value at step ``total_steps`` and after.
    total_steps: length of the ramp (a positive int).

  Raises:
    ValueError: ``total_steps <= 0``. TypeError: ``total_steps`` is not an int.

  Example:
    >>> jaxlrs.linear(1.0, end_value=0.0, total_steps=10)(5)
    Array(0.5, dtype=float32)
  """

  init_value: float = value_field()
  _: KW_ONLY
  end_value: float = value_field()
  total_steps: int = steps_field()

  def _check(self):
    require_positive_steps("total_steps", self.total_steps)

  def _value(self, t):
    return self.init_value + (self.end_value - self.init_value) * fraction(t, self.total_steps)

  def horizon(self) -> int:
    return self.total_steps


class polynomial(Schedule, kind="polynomial"):
  """Polynomial decay from ``init_value`` to ``end_value`` (Keras ``PolynomialDecay``).

  .. math:: f(t) = (v_0 - v_1) (1 - \\min(t, T) / T)^p + v_1

  With ``cycle=True`` the horizon ``T`` is extended to the next multiple of ``total_steps``
  (``T' = T \\lceil t / T \\rceil``, and ``T`` at step 0), as Keras does, so the value jumps back
  up at every multiple of ``total_steps``.

  Args:
    init_value: value at step 0.
    end_value: value at step ``total_steps`` and after (without ``cycle``).
    total_steps: decay horizon (a positive int).
    power: exponent ``p >= 0`` (1 is linear). Gradients stay finite for ``p < 1``.
    cycle: restart the decay at every multiple of ``total_steps``.

  Raises:
    ValueError: ``total_steps <= 0`` or ``power < 0``.

  Example:
    >>> jaxlrs.polynomial(1.0, end_value=0.0, total_steps=10, power=2.0)(5)
    Array(0.25, dtype=float32)
  """

  init_value: float = value_field()
  _: KW_ONLY
  end_value: float = value_field()
  total_steps: int = steps_field()
  power: float = value_field(default=1.0)
  cycle: bool = static_field(default=False)

  def _check(self):
    require_positive_steps("total_steps", self.total_steps)
    require_value("power", self.power, lambda p: p >= 0, "non-negative")
    require(isinstance(self.cycle, bool), "cycle", self.cycle, "a bool")

  def _value(self, t):
    if self.cycle:
      # ceil(t / T), corrected at exact multiples: XLA may compute t / T as t * (1 / T), which
      # rounds above k at t = k T (T = 7: t = 21, 42, ...) and would start the next cycle there.
      cycles = jnp.ceil(t / self.total_steps)
      cycles = jnp.where((cycles - 1) * self.total_steps >= t, cycles - 1, cycles)
      horizon = self.total_steps * jnp.maximum(cycles, 1)
      frac = jnp.clip(t / horizon, 0, 1)
    else:
      frac = fraction(t, self.total_steps)
    return (self.init_value - self.end_value) * safe_pow(1 - frac, self.power) + self.end_value

  def horizon(self) -> int:
    return 2 * self.total_steps if self.cycle else self.total_steps


class cosine(Schedule, kind="cosine"):
  """Cosine decay from ``init_value`` to ``end_value`` (Loshchilov & Hutter, 2017).

  .. math:: f(t) = v_1 + (v_0 - v_1) \\left(\\tfrac{1}{2}(1 + \\cos(2 \\pi c \\min(t, T) / T))
     \\right)^e

  With the default ``cycles = 1/2`` this is the usual half cosine, equal to
  ``optax.cosine_decay_schedule(init_value, total_steps, alpha=end_value / init_value,
  exponent)``. Other ``cycles`` trace that many full cosine periods over ``total_steps`` (a closed
  form: any number of cycles costs the same) and hold the value reached at ``total_steps``.

  Args:
    init_value: value at step 0.
    total_steps: decay length (a positive int).
    end_value: the value at the bottom of the cosine (reached at ``total_steps`` when
      ``cycles`` is 1/2).
    exponent: exponent ``e > 0`` applied to the cosine factor.
    cycles: number of cosine periods ``c > 0`` over ``total_steps`` (a value: it can be traced).

  Raises:
    ValueError: ``total_steps <= 0``, ``exponent <= 0`` or ``cycles <= 0``.

  Example:
    >>> jaxlrs.cosine(1.0, total_steps=100)(50)
    Array(0.49999997, dtype=float32)
    >>> jaxlrs.cosine(1.0, total_steps=100, cycles=1.0)(100)
    Array(1., dtype=float32)
  """

  init_value: float = value_field()
  _: KW_ONLY
  total_steps: int = steps_field()
  end_value: float = value_field(default=0.0)
  exponent: float = value_field(default=1.0)
  cycles: float = value_field(default=0.5)

  def _check(self):
    require_positive_steps("total_steps", self.total_steps)
    require_value("exponent", self.exponent, lambda e: e > 0, "positive")
    require_value("cycles", self.cycles, lambda c: c > 0, "positive")

  def _value(self, t):
    f = 2 * self.cycles * fraction(t, self.total_steps)
    factor = decay(1.0, 0.0, f, "cosine")
    return self.end_value + (self.init_value - self.end_value) * safe_pow(factor, self.exponent)

  def horizon(self) -> int:
    return self.total_steps


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
    v = self.init_value * safe_pow(rate, _exponent(t, self.period_steps, self.staircase))
    if self.end_value is None:
      return v
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
