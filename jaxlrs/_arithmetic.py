"""Arithmetic on schedules: products, sums, shifts, clipping and a stretched clock.

These are the kinds behind ``a * b``, ``a + b``, ``a / 2``, ``s.shift(n)``, ``s.clip(...)`` and
``s.time_scale(f)`` (the base class finds them through the kind registry).
"""

from __future__ import annotations

import functools
import math
import operator
from dataclasses import KW_ONLY
from typing import Any, ClassVar

import jax.numpy as jnp

from ._core import (
    Schedule, check_child, check_value, child_field, concrete_float, require,
    require_value, steps_field, value_field)
from ._shapes import constant


def _flatten_operands(kind: type[_Combination], operands: tuple) -> tuple[Schedule, ...]:
  out: list[Schedule] = []
  for i, x in enumerate(operands):
    if isinstance(x, kind):
      out.extend(x.schedules)
    elif isinstance(x, Schedule) or callable(x):
      out.append(check_child(f"operand {i}", x))
    else:
      out.append(constant(check_value(f"operand {i}", x)))
  return tuple(out)


class _Combination(Schedule):
  """Schedules (and numbers) combined elementwise by ``_op``; nested ones of a kind flatten."""

  schedules: tuple[Schedule, ...] = child_field(sequence=True)
  _op: ClassVar[staticmethod[[Any, Any], Any]]

  def __init__(self, *schedules: Any):
    object.__setattr__(self, "schedules", _flatten_operands(type(self), schedules))
    self.__post_init__()

  def _check(self):
    require(len(self.schedules) >= 1, "schedules", self.schedules, "non-empty")

  @classmethod
  def _from_config_args(cls, args):
    require(set(args) == {"schedules"}, "config keys", sorted(args), "['schedules']")
    return cls(*args["schedules"])

  def __repr__(self):
    return f"{self.kind}({', '.join(map(repr, self.schedules))})"

  def _value_at(self, step):
    return functools.reduce(self._op, [s._value_at(step) for s in self.schedules])

  def horizon(self) -> int:
    return max(s.horizon() for s in self.schedules)


class product(_Combination, kind="product"):
  """The product of schedules (and numbers): warmup factor × decay, as in big_vision and t5x.

  ``a * b`` and ``a * 0.5`` build one. Nested products flatten.

  Args:
    *schedules: schedules, callables of the step or numbers (at least one).

  Returns:
    A schedule whose value is the product of the operands' values at the same step; nested
    products are flattened into one.

  Raises:
    ValueError: no operand. TypeError: an operand is neither a number nor callable.

  Example:
    >>> (jaxlrs.constant(2.0) * jaxlrs.linear(1.0, end_value=0.0, total_steps=10))(5)
    Array(1., dtype=float32)
  """

  _op = staticmethod(operator.mul)
  __init__ = _Combination.__init__


class sum_of(_Combination, kind="sum_of"):
  """The sum of schedules (and numbers); ``a + b`` builds one. Nested sums flatten.

  Args:
    *schedules: schedules, callables of the step or numbers (at least one).

  Returns:
    A schedule whose value is the sum of the operands' values at the same step; nested sums are
    flattened into one.

  Raises:
    ValueError: no operand. TypeError: an operand is neither a number nor callable.

  Example:
    >>> (jaxlrs.constant(1.0) + 0.5)(3)
    Array(1.5, dtype=float32)
  """

  _op = staticmethod(operator.add)
  __init__ = _Combination.__init__


class shift(Schedule, kind="shift"):
  """``schedule`` delayed by ``steps``: ``f(t) = s(max(t - steps, 0))``; a negative shift advances.

  Args:
    schedule: the schedule to delay (or any callable of the step).
    steps: the delay, an int (negative: start later in ``schedule``).

  Returns:
    A schedule equal to ``schedule(0)`` until ``steps`` and to ``schedule(t - steps)`` afterwards.

  Raises:
    TypeError: ``steps`` is not an int, or ``schedule`` is not callable.

  Example:
    >>> jaxlrs.linear(0.0, end_value=1.0, total_steps=10).shift(5)(10)
    Array(0.5, dtype=float32)
  """

  schedule: Schedule = child_field()
  _: KW_ONLY
  steps: int = steps_field()

  def _value_at(self, step):
    return self.schedule._value_at(step.since(self.steps))

  def horizon(self) -> int:
    return max(0, self.schedule.horizon() + self.steps)


class clip(Schedule, kind="clip"):
  """``schedule`` clipped to ``[min_value, max_value]`` (either may be ``None``).

  Args:
    schedule: the schedule to clip (or any callable of the step).
    min_value: lower bound, or None.
    max_value: upper bound, or None.

  Returns:
    A schedule equal to ``min(max(schedule(t), min_value), max_value)``.

  Raises:
    ValueError: both bounds are None, or ``min_value > max_value``.

  Example:
    >>> jaxlrs.linear(1.0, end_value=0.0, total_steps=10).clip(min_value=0.2)(9)
    Array(0.2, dtype=float32)
  """

  schedule: Schedule = child_field()
  _: KW_ONLY
  min_value: float | None = value_field(default=None)
  max_value: float | None = value_field(default=None)

  def _check(self):
    require(self.min_value is not None or self.max_value is not None, "min_value/max_value",
            (self.min_value, self.max_value), "not both None")
    lo, hi = concrete_float(self.min_value), concrete_float(self.max_value)
    if lo is not None and hi is not None:
      require(lo <= hi, "min_value", lo, f"<= max_value ({hi})")

  def _value_at(self, step):
    return jnp.clip(self.schedule._value_at(step), self.min_value, self.max_value)

  def horizon(self) -> int:
    return self.schedule.horizon()


class time_scale(Schedule, kind="time_scale"):
  """``schedule`` on a stretched clock: ``f(t) = s(t * factor)``.

  Useful for recipes whose periods are fractional numbers of steps and for converting
  epoch-based schedules to steps (``factor = 1 / steps_per_epoch``). ``factor`` is a value (a
  pytree leaf): changing it does not retrace, and it can be vmapped over.

  Args:
    schedule: the schedule to stretch (or any callable of the step).
    factor: steps of ``schedule`` per step, positive (a value: it can be traced).

  Returns:
    A schedule equal to ``schedule(t * factor)``; its ``horizon()`` is that of ``schedule``
    divided by ``factor`` (rounded up).

  Raises:
    ValueError: ``factor <= 0``.

  Example:
    >>> jaxlrs.linear(0.0, end_value=1.0, total_steps=10).time_scale(2.0)(2)
    Array(0.4, dtype=float32)
  """

  schedule: Schedule = child_field()
  _: KW_ONLY
  factor: float = value_field()

  def _check(self):
    require_value("factor", self.factor, lambda f: f > 0, "positive")

  def _value(self, t):
    return self.schedule._value(t * self.factor)

  def horizon(self) -> int:
    f = concrete_float(self.factor)
    h = self.schedule.horizon()
    return h if f is None else math.ceil(h / f - 1e-9)


