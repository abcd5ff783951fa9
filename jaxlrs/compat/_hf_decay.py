"""Transformers' warmup-then-decay schedulers: a linear warmup from 0 before one decay shape.

Each is :func:`jaxlrs.warmup` (when ``num_warmup_steps > 0``) over a core shape that decays over
``max(1, num_training_steps - num_warmup_steps)`` steps, Transformers' denominator: like
Transformers, ``num_training_steps <= num_warmup_steps`` is accepted. The helpers here check the
step counts under Transformers' names; :mod:`jaxlrs.compat._hf_floor` builds the schedules with a
floor on them.
"""

from __future__ import annotations

from typing import Any

from .. import _compose, _cyclic, _decays, _join, _shapes
from .._core import Schedule, check_value, concrete_float, require
from ._args import checked, nonnegative_steps, positive_steps, value_where
from ._args import learning_rate as _lr


def decay_steps(num_warmup_steps: int, num_training_steps: int) -> int:
  """``max(1, num_training_steps - num_warmup_steps)``, the counts checked under their names.

  Transformers divides the progress after the warmup by this, so with ``num_training_steps <=
  num_warmup_steps`` its cosines take one step from the peak to their end value.
  """
  w = nonnegative_steps("num_warmup_steps", num_warmup_steps)
  t = nonnegative_steps("num_training_steps", num_training_steps)
  return max(1, t - w)


def warmup_then(peak: Any, end: Any, num_warmup_steps: int) -> Schedule:
  """``peak * step / w`` for ``step < w``, then ``end``: Transformers' ``linear`` and
  ``polynomial`` when ``num_training_steps <= num_warmup_steps`` (no decay steps are left)."""
  if not num_warmup_steps:
    return _shapes.constant(end)
  return _join.join([_compose.warmup(_shapes.constant(peak), warmup_steps=num_warmup_steps),
                     _shapes.constant(end)], boundaries=[num_warmup_steps])


def num_cycles_value(num_cycles: Any) -> Any:
  """Transformers' ``num_cycles``: a positive number of cosine periods (tracers pass)."""
  return value_where("num_cycles", num_cycles, lambda c: c > 0, "positive")


def cosine_to(peak: float, low: float, num_cycles: float, period: int) -> Schedule:
  """``low + (peak - low) (1 + cos(2 pi num_cycles u / period)) / 2`` up to ``period``; held.

  The core :func:`jaxlrs.cosine` with ``cycles=num_cycles``: a closed form for any number of
  cycles.
  """
  return _shapes.cosine(peak, total_steps=period, end_value=low,
                        cycles=num_cycles_value(num_cycles))


def with_warmup(schedule: Schedule, num_warmup_steps: int) -> Schedule:
  """``schedule`` after a linear warmup from 0 of ``num_warmup_steps`` (none when 0)."""
  return _compose.warmup(schedule, warmup_steps=num_warmup_steps) if num_warmup_steps else schedule


@checked
def get_constant_schedule(learning_rate: float) -> Schedule:
  """Transformers ``get_constant_schedule``: ``learning_rate`` at every step.

  Args:
    learning_rate: the peak learning rate (Transformers takes it from the optimizer).

  Returns:
    A :func:`jaxlrs.constant` schedule.

  Raises:
    TypeError: ``learning_rate`` is not a real number.
    ValueError: ``learning_rate`` is not finite.

  Example:
    >>> jaxlrs.compat.hf.get_constant_schedule(5e-5)(1000)
    Array(5.e-05, dtype=float32)
  """
  learning_rate = _lr("learning_rate", learning_rate)
  return _shapes.constant(learning_rate)


@checked
def get_constant_schedule_with_warmup(learning_rate: float, num_warmup_steps: int) -> Schedule:
  """Transformers ``get_constant_schedule_with_warmup``: ``lr * step / w`` then ``lr``.

  Args:
    learning_rate: the peak learning rate (Transformers takes it from the optimizer).
    num_warmup_steps: steps of linear warmup from 0 (a non-negative int).

  Returns:
    A schedule rising linearly from 0 to ``learning_rate`` at ``num_warmup_steps``, then constant.

  Raises:
    ValueError: a negative ``num_warmup_steps``.
    TypeError: ``num_warmup_steps`` is not an int.

  Example:
    >>> s = jaxlrs.compat.hf.get_constant_schedule_with_warmup(1.0, num_warmup_steps=10)
    >>> s(5), s(10)
    (Array(0.5, dtype=float32), Array(1., dtype=float32))
  """
  learning_rate = _lr("learning_rate", learning_rate)
  w = nonnegative_steps("num_warmup_steps", num_warmup_steps)
  return with_warmup(_shapes.constant(learning_rate), w)


@checked
def get_linear_schedule_with_warmup(learning_rate: float, num_warmup_steps: int,
                                    num_training_steps: int) -> Schedule:
  """Transformers ``get_linear_schedule_with_warmup``: linear warmup, linear decay to 0 at ``T``.

  ``lr * step / w`` for ``step < w``, then ``lr * (T - step) / (T - w)``, then 0. With
  ``T <= w`` (accepted, as in Transformers) the warmup is followed by 0 from step ``w`` on.

  Args:
    learning_rate: the peak learning rate (Transformers takes it from the optimizer).
    num_warmup_steps: steps of linear warmup from 0 (a non-negative int).
    num_training_steps: total steps ``T``, warmup included (a non-negative int).

  Returns:
    A schedule with the values of the Transformers scheduler, 0 from ``max(T, w)`` on.

  Raises:
    ValueError: a negative step count.
    TypeError: a step count is not an int.

  Example:
    >>> s = jaxlrs.compat.hf.get_linear_schedule_with_warmup(1.0, 10, 110)
    >>> s(5), s(60), s(110)
    (Array(0.5, dtype=float32), Array(0.5, dtype=float32), Array(0., dtype=float32))
  """
  learning_rate = _lr("learning_rate", learning_rate)
  decay = decay_steps(num_warmup_steps, num_training_steps)
  if num_training_steps <= num_warmup_steps:
    return warmup_then(learning_rate, 0.0, num_warmup_steps)
  return with_warmup(_shapes.linear(learning_rate, end_value=0.0, total_steps=decay),
                      num_warmup_steps)


@checked
def get_cosine_schedule_with_warmup(learning_rate: float, num_warmup_steps: int,
                                    num_training_steps: int, num_cycles: float = 0.5) -> Schedule:
  """Transformers ``get_cosine_schedule_with_warmup``.

  ``lr * step / w``, then ``lr * (1 + cos(2 pi num_cycles p)) / 2`` with
  ``p = (step - w) / max(1, T - w)``; held after ``max(T, w + 1)`` (Transformers follows the
  cosine back up).

  Args:
    learning_rate: the peak learning rate (Transformers takes it from the optimizer).
    num_warmup_steps: steps of linear warmup from 0 (a non-negative int).
    num_training_steps: total steps ``T``, warmup included (a non-negative int; ``T <= w``
      leaves one step of cosine, as in Transformers).
    num_cycles: cosine periods over ``T - w`` (0.5: one half wave down to 0), positive.

  Returns:
    A schedule with the values of the Transformers scheduler up to ``max(T, w + 1)``, holding
    that value afterwards.

  Raises:
    ValueError: a negative step count.
    TypeError: a step count is not an int.
    ValueError: ``num_cycles <= 0``.

  Example:
    >>> s = jaxlrs.compat.hf.get_cosine_schedule_with_warmup(1.0, 10, 110)
    >>> s(5), s(60), s(110)
    (Array(0.5, dtype=float32), Array(0.49999997, dtype=float32), Array(0., dtype=float32))
  """
  learning_rate = _lr("learning_rate", learning_rate)
  decay = decay_steps(num_warmup_steps, num_training_steps)
  return with_warmup(cosine_to(learning_rate, 0.0, num_cycles, decay), num_warmup_steps)


@checked
def get_cosine_with_hard_restarts_schedule_with_warmup(
    learning_rate: float, num_warmup_steps: int, num_training_steps: int,
    num_cycles: float = 1) -> Schedule:
  """Transformers ``get_cosine_with_hard_restarts_schedule_with_warmup``.

  ``num_cycles`` hard restarts of a half cosine over ``T - w`` steps (SGDR with equal cycles,
  here :func:`jaxlrs.cosine_restarts` on a clock stretched by ``num_cycles``), then 0 from
  ``w + max(1, T - w)`` on.

  Args:
    learning_rate: the peak learning rate (Transformers takes it from the optimizer).
    num_warmup_steps: steps of linear warmup from 0 (a non-negative int).
    num_training_steps: total steps ``T``, warmup included (a non-negative int; ``T <= w``
      leaves one step at ``learning_rate``, as in Transformers).
    num_cycles: the number of cosine cycles over ``T - w``, positive (a fraction cuts the last
      cycle short, as in Transformers).

  Returns:
    A schedule with the values of the Transformers scheduler, 0 from ``max(T, w + 1)`` on.

  Raises:
    ValueError: a negative step count.
    TypeError: a step count is not an int.
    ValueError: ``num_cycles <= 0``.

  Example:
    >>> s = jaxlrs.compat.hf.get_cosine_with_hard_restarts_schedule_with_warmup(
    ...     1.0, 0, 100, num_cycles=2)
    >>> s(25), s(50)  # half-way through the first cycle, then a restart
    (Array(0.49999997, dtype=float32), Array(1., dtype=float32))
  """
  learning_rate = _lr("learning_rate", learning_rate)
  decay = decay_steps(num_warmup_steps, num_training_steps)
  num_cycles = num_cycles_value(num_cycles)
  restarts = _cyclic.cosine_restarts(learning_rate, cycle_steps=decay).time_scale(num_cycles)
  body = _join.join([restarts, _shapes.constant(0.0)], boundaries=[decay])
  return with_warmup(body, num_warmup_steps)


@checked
def get_polynomial_decay_schedule_with_warmup(
    learning_rate: float, num_warmup_steps: int, num_training_steps: int, lr_end: float = 1e-7,
    power: float = 1.0) -> Schedule:
  """Transformers ``get_polynomial_decay_schedule_with_warmup``.

  ``lr * step / w``, then ``(lr - lr_end) (1 - (step - w) / (T - w))^power + lr_end``, then
  ``lr_end``. With ``T < w`` (accepted, as in Transformers) the warmup is followed by ``lr_end``
  from step ``w`` on; so it is with ``T == w``, where Transformers divides by zero at step ``w``.

  Args:
    learning_rate: the peak learning rate (Transformers takes it from the optimizer).
    num_warmup_steps: steps of linear warmup from 0 (a non-negative int).
    num_training_steps: total steps ``T``, warmup included (a non-negative int).
    lr_end: the final value, ``< learning_rate``.
    power: the exponent of the decay, ``>= 0``.

  Returns:
    A schedule with the values of the Transformers scheduler, ``lr_end`` from ``max(T, w)`` on.

  Raises:
    ValueError: ``lr_end >= learning_rate`` (as Transformers); a negative step count.
    TypeError: a step count is not an int.

  Example:
    >>> s = jaxlrs.compat.hf.get_polynomial_decay_schedule_with_warmup(
    ...     1.0, 0, 100, lr_end=0.0, power=2.0)
    >>> s(50)
    Array(0.25, dtype=float32)
  """
  learning_rate = _lr("learning_rate", learning_rate)
  decay = decay_steps(num_warmup_steps, num_training_steps)
  lr, end = check_value("learning_rate", learning_rate), check_value("lr_end", lr_end)
  lo, hi = concrete_float(end), concrete_float(lr)
  if lo is not None and hi is not None:  # tracers (vmap/grad over the values) are not checked
    require(lo < hi, "lr_end", lo, f"smaller than learning_rate ({hi})")
  if num_training_steps <= num_warmup_steps:
    return warmup_then(lr, end, num_warmup_steps)
  return with_warmup(_shapes.polynomial(lr, end_value=end, total_steps=decay, power=power),
                      num_warmup_steps)


@checked
def get_inverse_sqrt_schedule(learning_rate: float, num_warmup_steps: int,
                              timescale: int | None = None) -> Schedule:
  """Transformers ``get_inverse_sqrt_schedule``: ``lr / sqrt((step + timescale - w) / timescale)``.

  ``timescale`` defaults to ``num_warmup_steps`` (or 10000 without warmup), as in Transformers.

  Args:
    learning_rate: the peak learning rate (Transformers takes it from the optimizer).
    num_warmup_steps: steps of linear warmup from 0 (a non-negative int).
    timescale: steps ``tau`` of the decay (a positive int; default ``num_warmup_steps``, or
      10000 without warmup).

  Returns:
    A schedule: the linear warmup, then ``learning_rate`` at ``w`` decaying as ``1 / sqrt`` for
    ever.

  Raises:
    ValueError: a negative ``num_warmup_steps`` or ``timescale <= 0``.
    TypeError: a step count is not an int.

  Example:
    >>> s = jaxlrs.compat.hf.get_inverse_sqrt_schedule(1.0, num_warmup_steps=10)
    >>> s(10), s(40)
    (Array(1., dtype=float32), Array(0.5, dtype=float32))
  """
  learning_rate = _lr("learning_rate", learning_rate)
  w = nonnegative_steps("num_warmup_steps", num_warmup_steps)
  timescale = (w or 10_000) if timescale is None else positive_steps("timescale", timescale)
  return with_warmup(_decays.rsqrt(learning_rate, timescale_steps=timescale), w)

