"""Composition: warmup, anneal, arithmetic and wrappers for plain callables.

Warmup is written once, here; every warmup in the library (warmup-stable-decay, restarts, the
compat ports) is this :class:`warmup`. All transition curves go through :func:`ramp`.
"""

from __future__ import annotations

import dataclasses
import functools
import operator
from typing import Any, Callable

import jax.numpy as jnp

from ._schedule import (
    RAMP_SHAPES, Schedule, _check_child, _check_value, child_field, concrete_float,
    fraction, ramp, register, require, require_choice, require_nonnegative_steps,
    require_positive_steps, require_value, static_field, steps_field, value_field)
from ._shapes import constant


@register("from_callable")
class from_callable(Schedule):
  """Wrap any callable of the step (an Optax schedule, a user function) as a schedule.

  The wrapped function receives float steps ``t >= 0``. Such a schedule evaluates, joins, plots
  and takes part in arithmetic like any other; only :meth:`to_config` is impossible (it raises a
  ``ValueError`` naming the function).

  Args:
    fn: a callable mapping a step array to a value array.

  Example:
    >>> s = jaxlrs.from_callable(optax.cosine_decay_schedule(1.0, 100))
    >>> s(50)
    Array(0.49999997, dtype=float32)
  """

  fn: Callable[[Any], Any] = static_field()

  def _check(self):
    if isinstance(self.fn, Schedule) or not callable(self.fn):
      raise TypeError(f"fn must be a plain callable of the step, got {self.fn!r}.")

  def _value(self, t):
    return jnp.asarray(self.fn(t), t.dtype)

  def to_config(self):
    raise ValueError(
        f"Cannot serialise the custom piece {self.fn!r}: to_config supports jaxlrs schedules "
        "only. Build it from jaxlrs shapes to save it as a config.")


@register("anneal")
class anneal(Schedule):
  """Move from ``init_value`` to ``end_value`` over ``total_steps`` along a ramp shape; hold.

  Shapes (``f = min(t, T) / T``): ``linear``; ``cosine`` (half cosine); ``exponential``
  (geometric, both values positive); ``1-sqrt`` (``end + (init - end)(1 - sqrt(f))``, the
  cooldown of warmup-stable-decay).

  Args:
    init_value: value at step 0.
    end_value: value at ``total_steps`` and after.
    total_steps: a positive int.
    shape: one of ``linear``, ``cosine``, ``exponential``, ``1-sqrt``.

  Raises:
    ValueError: ``total_steps <= 0``, unknown ``shape``, non-positive values with
      ``exponential``.

  Example:
    >>> jaxlrs.anneal(1.0, 0.0, total_steps=100, shape="1-sqrt")(25)
    Array(0.5, dtype=float32)
  """

  init_value: float = value_field()
  end_value: float = value_field()
  total_steps: int = steps_field()
  shape: str = static_field(default="linear")

  def _check(self):
    require_positive_steps("total_steps", self.total_steps)
    require_choice("shape", self.shape, RAMP_SHAPES)
    if self.shape == "exponential":
      require_value("init_value", self.init_value, lambda v: v > 0, "positive for shape "
                    "'exponential'")
      require_value("end_value", self.end_value, lambda v: v > 0, "positive for shape "
                    "'exponential'")

  def _value(self, t):
    return ramp(self.init_value, self.end_value, fraction(t, self.total_steps), self.shape)


@register("warmup")
class warmup(Schedule):
  """Warm up into ``schedule``: rise from ``init_value`` to ``schedule(0)`` over ``warmup_steps``.

  .. math:: f(t) = \\begin{cases} \\mathrm{ramp}(v_0, s(0), t / w) & t < w \\\\ s(t - w) & t \\ge w
     \\end{cases}

  With ``shape="linear"`` and ``init_value=0`` this is the Hugging Face warmup
  (``lr * step / warmup_steps``). ``warmup_steps=0`` means no warmup.

  Args:
    schedule: the schedule to warm up into (any jaxlrs schedule or callable of the step).
    warmup_steps: a non-negative int.
    init_value: value at step 0.
    shape: ``linear``, ``cosine`` (``v0 + (s(0) - v0)(1 - cos(pi t / w)) / 2``) or
      ``exponential`` (geometric, needs ``init_value > 0``) or ``1-sqrt``
      (``v0 + (s(0) - v0)(1 - sqrt(1 - t / w))``, the Hugging Face WSD warmup).

  Raises:
    ValueError: negative ``warmup_steps``, unknown ``shape``, ``init_value <= 0`` with
      ``exponential``.

  Example:
    >>> s = jaxlrs.warmup(jaxlrs.cosine(1.0, total_steps=90), warmup_steps=10)
    >>> s(5), s(10)
    (Array(0.5, dtype=float32), Array(1., dtype=float32))
  """

  schedule: Schedule = child_field()
  warmup_steps: int = steps_field()
  init_value: float = value_field(default=0.0)
  shape: str = static_field(default="linear")

  def _check(self):
    require_nonnegative_steps("warmup_steps", self.warmup_steps)
    require_choice("shape", self.shape, ("linear", "cosine", "exponential", "1-sqrt"))
    if self.shape == "exponential":
      require_value("init_value", self.init_value, lambda v: v > 0,
                    "positive for shape 'exponential'")

  def _value(self, t):
    target = self.schedule._value(jnp.zeros_like(t))
    after = self.schedule._value(jnp.maximum(t - self.warmup_steps, 0))
    frac = fraction(t, self.warmup_steps)
    if self.shape == "1-sqrt":  # convex: the gap to the target closes like sqrt(1 - f)
      rising = ramp(target, self.init_value, 1 - frac, "1-sqrt")
    else:
      rising = ramp(self.init_value, target, frac, self.shape)
    return jnp.where(t < self.warmup_steps, rising, after)


def _flatten_operands(kind: type, operands: tuple) -> tuple[Schedule, ...]:
  out = []
  for i, x in enumerate(operands):
    if isinstance(x, kind):
      out.extend(x.schedules)
    elif isinstance(x, Schedule) or callable(x):
      out.append(_check_child(f"operand {i}", x))
    else:
      out.append(constant(_check_value(f"operand {i}", x)))
  return tuple(out)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class _Combination(Schedule):
  """Schedules (and numbers) combined elementwise by ``_op``; nested ones of a kind flatten."""

  schedules: tuple[Schedule, ...] = child_field(sequence=True)

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

  def _value(self, t):
    return functools.reduce(self._op, [s._value(t) for s in self.schedules])


@register("product")
class product(_Combination):
  """The product of schedules (and numbers): warmup factor × decay, as in big_vision and t5x.

  ``a * b`` and ``a * 0.5`` build one. Nested products flatten.

  Example:
    >>> (jaxlrs.constant(2.0) * jaxlrs.linear(1.0, 0.0, total_steps=10))(5)
    Array(1., dtype=float32)
  """

  _op = staticmethod(operator.mul)
  __init__ = _Combination.__init__


@register("sum_of")
class sum_of(_Combination):
  """The sum of schedules (and numbers); ``a + b`` builds one. Nested sums flatten.

  Example:
    >>> (jaxlrs.constant(1.0) + 0.5)(3)
    Array(1.5, dtype=float32)
  """

  _op = staticmethod(operator.add)
  __init__ = _Combination.__init__


@register("shift")
class shift(Schedule):
  """``schedule`` delayed by ``steps``: ``f(t) = s(max(t - steps, 0))``; a negative shift advances.

  Example:
    >>> jaxlrs.linear(0.0, 1.0, total_steps=10).shift(5)(10)
    Array(0.5, dtype=float32)
  """

  schedule: Schedule = child_field()
  steps: int = steps_field()

  def _value(self, t):
    return self.schedule._value(jnp.maximum(t - self.steps, 0))


@register("clip")
class clip(Schedule):
  """``schedule`` clipped to ``[min_value, max_value]`` (either may be ``None``).

  Raises:
    ValueError: both bounds are None, or ``min_value > max_value``.

  Example:
    >>> jaxlrs.linear(1.0, 0.0, total_steps=10).clip(min_value=0.2)(9)
    Array(0.2, dtype=float32)
  """

  schedule: Schedule = child_field()
  min_value: float | None = value_field(default=None)
  max_value: float | None = value_field(default=None)

  def _check(self):
    require(self.min_value is not None or self.max_value is not None, "min_value/max_value",
            (self.min_value, self.max_value), "not both None")
    lo, hi = concrete_float(self.min_value), concrete_float(self.max_value)
    if lo is not None and hi is not None:
      require(lo <= hi, "min_value", lo, f"<= max_value ({hi})")

  def _value(self, t):
    return jnp.clip(self.schedule._value(t), self.min_value, self.max_value)


@register("time_scale")
class time_scale(Schedule):
  """``schedule`` on a stretched clock: ``f(t) = s(t * factor)``.

  Useful for recipes whose periods are fractional numbers of steps (e.g. ``num_cycles`` in
  Hugging Face schedules) and for converting epoch-based schedules to steps
  (``factor = 1 / steps_per_epoch``).

  Raises:
    ValueError: ``factor <= 0``.

  Example:
    >>> jaxlrs.linear(0.0, 1.0, total_steps=10).time_scale(2.0)(2)
    Array(0.4, dtype=float32)
  """

  schedule: Schedule = child_field()
  factor: float = static_field()

  def _check(self):
    _check_value("factor", self.factor)
    require(float(self.factor) > 0, "factor", self.factor, "positive")
    object.__setattr__(self, "factor", float(self.factor))

  def _value(self, t):
    return self.schedule._value(t * self.factor)
