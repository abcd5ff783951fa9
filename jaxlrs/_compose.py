"""Warmups and anneals: the transitions into and between schedules.

A warmup is written once, here (:func:`warmup_value`); every warmup in the library (the
:class:`warmup` kind, :class:`warmup_multiplier`, warmup-stable-decay, restarts, the compat ports)
goes through it, and every curve comes from :mod:`jaxlrs._curves`.
"""

from __future__ import annotations

from dataclasses import KW_ONLY
from typing import Any

import jax
import jax.numpy as jnp

from ._core import (
    Schedule, Step, child_field, fraction, require, require_nonnegative_steps,
    require_positive_steps, static_field, steps_field, value_field)
from ._curves import check_shape, decay, rise


def warmup_value(t: jax.Array, warmup_steps: Any, init_value: Any, target: Any, after: Any,
                 shape: str) -> jax.Array:
  """``rise(init_value, target)`` along ``shape`` for ``t < warmup_steps``, else ``after``.

  ``t`` is a :class:`Step` (or float steps): it is compared with ``warmup_steps`` exactly.
  """
  step = Step.of(t)
  return jnp.where(step.lt(warmup_steps),
                   rise(init_value, target, fraction(step, warmup_steps), shape), after)


class anneal(Schedule, kind="anneal"):
  """Move from ``init_value`` to ``end_value`` over ``total_steps`` along a curve shape; hold.

  .. math:: f(t) = \\mathrm{curve}(v_0, v_1, \\min(t, T) / T)

  Shapes (``f = min(t, T) / T``, see :mod:`jaxlrs._curves`): ``linear``; ``cosine`` (half
  cosine); ``exponential`` (geometric, both values positive); ``1-sqrt``
  (``v_1 + (v_0 - v_1)(1 - sqrt(f))``, the cooldown of warmup-stable-decay); ``tanh`` (timm).

  Args:
    init_value: value at step 0.
    end_value: value at ``total_steps`` and after.
    total_steps: a positive int.
    shape: a registered curve shape.

  Returns:
    A schedule from ``init_value`` at step 0 to ``end_value`` at ``total_steps`` (its
    ``horizon()``), holding ``end_value`` afterwards.

  Raises:
    ValueError: ``total_steps <= 0``, unknown ``shape``, non-positive values with
      ``exponential``.

  Example:
    >>> jaxlrs.anneal(1.0, end_value=0.0, total_steps=100, shape="1-sqrt")(25)
    Array(0.5, dtype=float32)
  """

  init_value: float = value_field()
  _: KW_ONLY
  end_value: float = value_field()
  total_steps: int = steps_field()
  shape: str = static_field(default="linear")

  def _check(self):
    require_positive_steps("total_steps", self.total_steps)
    check_shape("shape", self.shape, init_value=self.init_value, end_value=self.end_value)

  def _value(self, t):
    return decay(self.init_value, self.end_value, fraction(t, self.total_steps), self.shape)

  def horizon(self) -> int:
    return self.total_steps


class warmup(Schedule, kind="warmup"):
  """Warm up into ``schedule``: rise from ``init_value`` to ``schedule(0)``, then run it shifted.

  .. math:: f(t) = \\begin{cases} \\mathrm{rise}(v_0, s(0), t / w) & t < w \\\\ s(t - w) & t \\ge w
     \\end{cases}

  With ``shape="linear"`` and ``init_value=0`` this is the Hugging Face warmup
  (``lr * step / warmup_steps``). ``warmup_steps=0`` means no warmup. The rise follows the curve
  backwards in time (see :mod:`jaxlrs._curves`): ``1-sqrt`` gives
  ``v0 + (s(0) - v0)(1 - sqrt(1 - t / w))``, the Hugging Face WSD warmup.

  With ``delay=False`` the warmup replaces the first ``warmup_steps`` of ``schedule`` instead of
  delaying it: ``f(t) = s(t)`` for ``t >= w`` (timm's ``warmup_prefix=False``). To scale the start
  of a schedule by a rising factor instead, use :class:`warmup_multiplier`.

  Args:
    schedule: the schedule to warm up into (any jaxlrs schedule or callable of the step).
    warmup_steps: a non-negative int.
    init_value: value at step 0.
    shape: a registered curve shape (``exponential`` needs ``init_value > 0``).
    delay: start ``schedule`` after the warmup (default) or run it on the same clock.

  Returns:
    A schedule starting at ``init_value`` that reaches ``schedule(0)`` at ``warmup_steps`` and
    then follows ``schedule`` delayed by ``warmup_steps``; ``horizon()`` is ``warmup_steps`` plus
    the horizon of ``schedule``.

  Raises:
    ValueError: negative ``warmup_steps``, unknown ``shape``, ``init_value <= 0`` with
      ``exponential``.

  Example:
    >>> s = jaxlrs.warmup(jaxlrs.cosine(1.0, total_steps=90), warmup_steps=10)
    >>> s(5), s(10)
    (Array(0.5, dtype=float32), Array(1., dtype=float32))
  """

  schedule: Schedule = child_field()
  _: KW_ONLY
  warmup_steps: int = steps_field()
  init_value: float = value_field(default=0.0)
  shape: str = static_field(default="linear")
  delay: bool = static_field(default=True)

  def _check(self):
    require_nonnegative_steps("warmup_steps", self.warmup_steps)
    check_shape("shape", self.shape, init_value=self.init_value)
    require(isinstance(self.delay, bool), "delay", self.delay, "a bool")

  def _value_at(self, step):
    target = self.schedule._value_at(step.full(0, ()))
    after = self.schedule._value_at(
        step.since(self.warmup_steps, nonnegative=True) if self.delay else step)
    return warmup_value(step, self.warmup_steps, self.init_value, target, after, self.shape)

  def horizon(self) -> int:
    if self.delay:
      return self.warmup_steps + self.schedule.horizon()
    return max(self.warmup_steps, self.schedule.horizon())


class warmup_multiplier(Schedule, kind="warmup_multiplier"):
  """``schedule`` times a factor rising from ``init_ratio`` to 1 over ``warmup_steps``.

  .. math:: f(t) = s(t) \\cdot \\mathrm{rise}(r_0, 1, \\min(t, w) / w)

  The big_vision warmup: a multiplier on top of any schedule, which is *not* delayed (compare
  :class:`warmup`, which starts ``schedule`` after the warmup). ``warmup(s, warmup_steps=w)``
  equals ``warmup_multiplier(s.shift(w), warmup_steps=w)`` for ``init_value = 0``; the ports of
  Hugging Face schedules, whose warmup is a factor ``lr_lambda(step)``, are built this way.

  Args:
    schedule: the schedule to multiply (any jaxlrs schedule or callable of the step).
    warmup_steps: a non-negative int (0: no warmup).
    init_ratio: the factor at step 0, a fraction of ``schedule``.
    shape: a registered curve shape (``exponential`` needs ``init_ratio > 0``).

  Returns:
    A schedule equal to ``init_ratio * schedule(0)`` at step 0 and to ``schedule(t)`` from
    ``warmup_steps`` on (``schedule`` is not delayed).

  Raises:
    ValueError: negative ``warmup_steps``, unknown ``shape``, ``init_ratio <= 0`` with
      ``exponential``.

  Example:
    >>> s = jaxlrs.warmup_multiplier(jaxlrs.linear(1.0, end_value=0.0, total_steps=100),
    ...                              warmup_steps=10)
    >>> s(5), s(10)
    (Array(0.475, dtype=float32), Array(0.9, dtype=float32))
  """

  schedule: Schedule = child_field()
  _: KW_ONLY
  warmup_steps: int = steps_field()
  init_ratio: float = value_field(default=0.0)
  shape: str = static_field(default="linear")

  def _check(self):
    require_nonnegative_steps("warmup_steps", self.warmup_steps)
    check_shape("shape", self.shape, init_ratio=self.init_ratio)

  def _value_at(self, step):
    factor = warmup_value(step, self.warmup_steps, self.init_ratio, 1.0, 1.0, self.shape)
    return self.schedule._value_at(step) * factor

  def horizon(self) -> int:
    return max(self.warmup_steps, self.schedule.horizon())
