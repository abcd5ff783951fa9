"""Elementary finite shapes: constant, linear, polynomial and cosine.

Every shape here follows the step semantics of :class:`jaxlrs.Schedule`: ``t`` is the number of
updates already applied (0 for the first update), negative steps give the value at 0, and a
finite shape holds its final value past ``total_steps``.
"""

from __future__ import annotations

from dataclasses import KW_ONLY

import jax.numpy as jnp

from ._core import (
    Schedule, float_count, fraction, require, require_positive_steps, require_value,
    static_field, steps_field, unit_pow, value_field)
from ._curves import decay


class constant(Schedule, kind="constant"):
  """A constant value: ``f(t) = value``.

  Args:
    value: the value at every step.

  Returns:
    A schedule (its horizon is 0: it never changes).

  Raises:
    TypeError: ``value`` is not a real number (a bool, a string, None).
    ValueError: ``value`` is not finite.

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

  Returns:
    A schedule moving linearly from ``init_value`` (step 0) to ``end_value`` (step
    ``total_steps``), then holding ``end_value``; ``horizon() == total_steps``.

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

  Returns:
    A schedule with ``f(0) = init_value`` and ``f(t) = end_value`` for ``t >= total_steps``
    (without ``cycle``); ``horizon()`` is ``total_steps`` (two periods with ``cycle``).

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
      total = float_count(self.total_steps)
      cycles = jnp.ceil(t / total)
      cycles = jnp.where((cycles - 1) * total >= t, cycles - 1, cycles)
      horizon = total * jnp.maximum(cycles, 1)
      frac = jnp.clip(t / horizon, 0, 1)
    else:
      frac = fraction(t, self.total_steps)
    return (self.init_value - self.end_value) * unit_pow(1 - frac, self.power) + self.end_value

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

  Returns:
    A schedule with ``f(0) = init_value`` that holds ``f(total_steps)`` afterwards (``end_value``
    for the default half cosine); ``horizon() == total_steps``.

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
    return self.end_value + (self.init_value - self.end_value) * unit_pow(factor, self.exponent)

  def horizon(self) -> int:
    return self.total_steps
