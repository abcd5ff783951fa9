"""Elementary schedule shapes.

Every shape here follows the step semantics of :class:`jaxlrs.Schedule`: ``t`` is the number of
updates already applied (0 for the first update), negative steps give the value at 0, and a
finite shape holds its final value past ``total_steps``.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from ._schedule import (
    Schedule, fraction, register, require, require_positive_steps, require_value, safe_div,
    safe_pow, static_field, steps_field, value_field)


@register("constant")
class constant(Schedule):
  """A constant value: ``f(t) = value``.

  Args:
    value: the value at every step.

  Example:
    >>> jaxlrs.constant(1e-3)(10)
    Array(0.001, dtype=float32)
  """

  value: float = value_field()

  def _value(self, t):
    return jnp.broadcast_to(jnp.asarray(self.value, t.dtype), t.shape)


@register("linear")
class linear(Schedule):
  """Linear interpolation from ``init_value`` to ``end_value`` over ``total_steps``.

  .. math:: f(t) = v_0 + (v_1 - v_0) \\min(t, T) / T

  Args:
    init_value: value at step 0.
    end_value: value at step ``total_steps`` and after.
    total_steps: length of the ramp (a positive int).

  Raises:
    ValueError: ``total_steps <= 0``. TypeError: ``total_steps`` is not an int.

  Example:
    >>> jaxlrs.linear(1.0, 0.0, total_steps=10)(5)
    Array(0.5, dtype=float32)
  """

  init_value: float = value_field()
  end_value: float = value_field()
  total_steps: int = steps_field()

  def _check(self):
    require_positive_steps("total_steps", self.total_steps)

  def _value(self, t):
    return self.init_value + (self.end_value - self.init_value) * fraction(t, self.total_steps)


@register("polynomial")
class polynomial(Schedule):
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
    >>> jaxlrs.polynomial(1.0, 0.0, total_steps=10, power=2.0)(5)
    Array(0.25, dtype=float32)
  """

  init_value: float = value_field()
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
      horizon = self.total_steps * jnp.maximum(jnp.ceil(t / self.total_steps), 1)
      frac = jnp.clip(t / horizon, 0, 1)
    else:
      frac = fraction(t, self.total_steps)
    return (self.init_value - self.end_value) * safe_pow(1 - frac, self.power) + self.end_value


@register("cosine")
class cosine(Schedule):
  """Cosine decay from ``init_value`` to ``end_value`` (Loshchilov & Hutter, 2017).

  .. math:: f(t) = v_1 + (v_0 - v_1) \\left(\\tfrac{1}{2}(1 + \\cos(\\pi \\min(t, T) / T))\\right)^e

  Equals ``optax.cosine_decay_schedule(init_value, total_steps, alpha=end_value / init_value,
  exponent)``.

  Args:
    init_value: value at step 0.
    total_steps: decay length (a positive int).
    end_value: value at ``total_steps`` and after.
    exponent: exponent ``e > 0`` applied to the cosine factor.

  Raises:
    ValueError: ``total_steps <= 0`` or ``exponent <= 0``.

  Example:
    >>> jaxlrs.cosine(init_value=1.0, total_steps=100)(50)
    Array(0.49999997, dtype=float32)
  """

  init_value: float = value_field()
  total_steps: int = steps_field()
  end_value: float = value_field(default=0.0)
  exponent: float = value_field(default=1.0)

  def _check(self):
    require_positive_steps("total_steps", self.total_steps)
    require_value("exponent", self.exponent, lambda e: e > 0, "positive")

  def _value(self, t):
    factor = 0.5 * (1 + jnp.cos(math.pi * fraction(t, self.total_steps)))
    return self.end_value + (self.init_value - self.end_value) * safe_pow(factor, self.exponent)


def _exponent(t, decay_steps, staircase):
  p = safe_div(t, decay_steps)
  return jnp.floor(p) if staircase else p


@register("exponential")
class exponential(Schedule):
  """Exponential decay (or growth): ``init_value * decay_rate ** (t / decay_steps)``.

  .. math:: f(t) = v_0 \\, r^{t / s} \\quad(\\lfloor t / s \\rfloor \\text{ if staircase})

  With ``end_value`` the value is bounded by it: from below when decaying (``r < 1``), from above
  when growing (``r > 1``). Keras ``ExponentialDecay``; ``optax.exponential_decay`` with
  ``transition_steps=decay_steps``.

  Args:
    init_value: value at step 0.
    decay_rate: the factor ``r > 0`` applied every ``decay_steps``.
    decay_steps: steps per factor (a positive int).
    staircase: apply the factor in whole jumps.
    end_value: optional bound.

  Raises:
    ValueError: ``decay_steps <= 0`` or ``decay_rate <= 0``.

  Example:
    >>> jaxlrs.exponential(1.0, decay_rate=0.5, decay_steps=10)(20)
    Array(0.25, dtype=float32)
  """

  init_value: float = value_field()
  decay_rate: float = value_field()
  decay_steps: int = steps_field()
  staircase: bool = static_field(default=False)
  end_value: float | None = value_field(default=None)

  def _check(self):
    require_positive_steps("decay_steps", self.decay_steps)
    require_value("decay_rate", self.decay_rate, lambda r: r > 0, "positive")
    require(isinstance(self.staircase, bool), "staircase", self.staircase, "a bool")

  def _value(self, t):
    rate = jnp.asarray(self.decay_rate, t.dtype)
    v = self.init_value * safe_pow(rate, _exponent(t, self.decay_steps, self.staircase))
    if self.end_value is None:
      return v
    return jnp.where(rate < 1, jnp.maximum(v, self.end_value), jnp.minimum(v, self.end_value))


def step_decay(init_value: float, step_size: int, gamma: float = 0.1) -> exponential:
  """Multiply the value by ``gamma`` every ``step_size`` steps (PyTorch ``StepLR``).

  .. math:: f(t) = v_0 \\, \\gamma^{\\lfloor t / s \\rfloor}

  A staircase :class:`exponential` with ``decay_rate=gamma`` and ``decay_steps=step_size``.

  Example:
    >>> jaxlrs.step_decay(1.0, step_size=10, gamma=0.1)(25)
    Array(0.01, dtype=float32)
  """
  from ._schedule import _check_steps

  return exponential(init_value, decay_rate=gamma, decay_steps=_check_steps("step_size", step_size),
                     staircase=True)


@register("inverse_time")
class inverse_time(Schedule):
  """Inverse-time decay (Keras ``InverseTimeDecay``).

  .. math:: f(t) = \\frac{v_0}{1 + r \\, t / s} \\quad(\\lfloor t / s \\rfloor \\text{ if staircase})

  Args:
    init_value: value at step 0.
    decay_rate: ``r > 0``.
    decay_steps: ``s``, a positive int.
    staircase: decay in whole jumps.

  Raises:
    ValueError: ``decay_steps <= 0`` or ``decay_rate <= 0``.

  Example:
    >>> jaxlrs.inverse_time(1.0, decay_rate=1.0, decay_steps=10)(10)
    Array(0.5, dtype=float32)
  """

  init_value: float = value_field()
  decay_rate: float = value_field()
  decay_steps: int = steps_field()
  staircase: bool = static_field(default=False)

  def _check(self):
    require_positive_steps("decay_steps", self.decay_steps)
    require_value("decay_rate", self.decay_rate, lambda r: r > 0, "positive")
    require(isinstance(self.staircase, bool), "staircase", self.staircase, "a bool")

  def _value(self, t):
    return self.init_value / (1 + self.decay_rate * _exponent(t, self.decay_steps, self.staircase))


@register("rsqrt")
class rsqrt(Schedule):
  """Inverse square-root decay (Transformer / T5 / Hugging Face ``inverse_sqrt``).

  .. math:: f(t) = \\frac{v_0}{\\sqrt{1 + t / \\tau}}

  After a warmup of ``w`` steps with ``timescale = w`` this is the classic
  ``v_0 \\sqrt{w / \\max(step, w)}``.

  Args:
    init_value: value at step 0.
    timescale: ``tau``, a positive int: the value halves at ``t = 3 tau``.

  Raises:
    ValueError: ``timescale <= 0``.

  Example:
    >>> jaxlrs.rsqrt(1.0, timescale=10)(30)
    Array(0.5, dtype=float32)
  """

  init_value: float = value_field()
  timescale: int = steps_field()

  def _check(self):
    require_positive_steps("timescale", self.timescale)

  def _value(self, t):
    return self.init_value * jax.lax.rsqrt(1 + safe_div(t, self.timescale))
