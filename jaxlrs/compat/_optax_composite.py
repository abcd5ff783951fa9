"""optax's composite schedule functions: warmups into a decay, SGDR, joins."""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from .. import _join, _shapes
from ._args import checked
from ._optax_basic import _steps, exponential_decay
from .._core import Schedule, check_steps, check_value, concrete_float, require


@checked
def warmup_constant_schedule(init_value: float, peak_value: float, warmup_steps: int) -> Schedule:
  """optax ``warmup_constant_schedule``: linear from ``init_value`` to ``peak_value``, then held.

  Args:
    init_value: the value at step 0.
    peak_value: the value from ``warmup_steps`` on.
    warmup_steps: the warmup length, positive.

  Returns:
    A :func:`jaxlrs.linear` from ``init_value`` to ``peak_value``.

  Raises:
    ValueError: ``warmup_steps <= 0`` (optax then holds ``init_value`` forever), non-finite
      values.
    TypeError: a non-int ``warmup_steps`` or a non-number value.

  Example:
    >>> warmup_constant_schedule(0.0, 1.0, warmup_steps=10)(5)
    Array(0.5, dtype=float32)
  """
  steps = _steps("warmup_steps", warmup_steps, positive=True)
  return _shapes.linear(check_value("init_value", init_value),
                        end_value=check_value("peak_value", peak_value), total_steps=steps)


def _warmup_into(init_value: Any, peak_value: Any, warmup_steps: Any, body: Schedule) -> Schedule:
  w = _steps("warmup_steps", warmup_steps)
  if w == 0:
    return body
  rise = _shapes.linear(check_value("init_value", init_value), end_value=peak_value,
                        total_steps=w)
  return _join.join([rise, body], boundaries=[w])


@checked
def warmup_cosine_decay_schedule(init_value: float, peak_value: float, warmup_steps: int,
                                 decay_steps: int, end_value: float = 0.0,
                                 exponent: float = 1.0) -> Schedule:
  """optax ``warmup_cosine_decay_schedule``: linear warmup to ``peak_value`` over
  ``warmup_steps``, cosine decay to ``end_value`` at ``decay_steps`` (warmup included).

  Args:
    init_value: the value at step 0, where the linear warmup starts.
    peak_value: the value at the end of the warmup.
    warmup_steps: the warmup length, non-negative (0: no warmup).
    decay_steps: the total length (warmup included), ``> warmup_steps``.
    end_value: the value at ``decay_steps`` and after (0 when ``peak_value`` is 0, as optax).
    exponent: the power applied to the cosine factor, positive.

  Returns:
    A :func:`jaxlrs.join` of a linear warmup and a :func:`jaxlrs.cosine` (the cosine alone
    without warmup).

  Raises:
    ValueError: ``decay_steps <= warmup_steps`` (as optax), negative ``warmup_steps``,
      ``exponent <= 0``, non-finite values.
    TypeError: a non-int step count or a non-number value.

  Example:
    >>> s = warmup_cosine_decay_schedule(0.0, 1.0, warmup_steps=10, decay_steps=110)
    >>> s(5), s(60)
    (Array(0.5, dtype=float32), Array(0.49999997, dtype=float32))
  """
  w = _steps("warmup_steps", warmup_steps)
  decay_steps = check_steps("decay_steps", decay_steps)
  require(decay_steps > w, "decay_steps", decay_steps, f"> warmup_steps ({w})")
  peak, end = check_value("peak_value", peak_value), check_value("end_value", end_value)
  if concrete_float(peak) == 0.0:
    end = 0.0  # optax: alpha = 0 when peak_value == 0
  body = _shapes.cosine(peak, total_steps=decay_steps - w, end_value=end,
                        exponent=check_value("exponent", exponent))
  return _warmup_into(init_value, peak, w, body)


@checked
def warmup_exponential_decay_schedule(init_value: float, peak_value: float, warmup_steps: int,
                                      transition_steps: int, decay_rate: float,
                                      transition_begin: int = 0, staircase: bool = False,
                                      end_value: float | None = None) -> Schedule:
  """optax ``warmup_exponential_decay_schedule``: linear warmup, then :func:`exponential_decay`.

  Args:
    init_value: the value at step 0, where the linear warmup starts.
    peak_value: the value at the end of the warmup.
    warmup_steps: the warmup length, non-negative (0: no warmup).
    transition_steps: the steps per factor of ``decay_rate`` after the warmup, positive.
    decay_rate: the decay factor, positive.
    transition_begin: steps after the warmup before the decay starts, non-negative.
    staircase: decay in whole periods instead of continuously.
    end_value: the bound of the decay, or None for none.

  Returns:
    A :func:`jaxlrs.join` of a linear warmup and an :func:`exponential_decay` (the decay
    alone without warmup).

  Raises:
    ValueError: as :func:`exponential_decay`, and a negative ``warmup_steps``.
    TypeError: as :func:`exponential_decay`, and a non-int ``warmup_steps``.

  Example:
    >>> warmup_exponential_decay_schedule(0.0, 1.0, 10, transition_steps=10, decay_rate=0.5)(30)
    Array(0.25, dtype=float32)
  """
  peak = check_value("peak_value", peak_value)
  body = exponential_decay(peak, transition_steps, decay_rate, transition_begin, staircase,
                           end_value)
  return _warmup_into(init_value, peak, warmup_steps, body)


@checked
def sgdr_schedule(cosine_kwargs: Iterable[dict]) -> Schedule:
  """optax ``sgdr_schedule``: :func:`warmup_cosine_decay_schedule` pieces one after another.

  Each dict holds one piece's arguments; piece ``i`` starts after the ``decay_steps`` of the
  ones before it. The join costs the same for any number of pieces.

  Args:
    cosine_kwargs: an iterable of dicts, each the keyword arguments of one
      :func:`warmup_cosine_decay_schedule` (``decay_steps`` required).

  Returns:
    A :func:`jaxlrs.join` of the pieces (the piece itself when there is one).

  Raises:
    ValueError: no pieces, and any piece's errors.
    TypeError: an unknown or missing key, and any piece's errors.

  Example:
    >>> piece = dict(init_value=0.0, peak_value=1.0, warmup_steps=5, decay_steps=20)
    >>> s = sgdr_schedule([piece, piece])
    >>> s(20), s(25)  # the second piece warms up again from step 20
    (Array(0., dtype=float32), Array(1., dtype=float32))
  """
  pieces, bounds, step = [], [], 0
  for kwargs in cosine_kwargs:
    pieces.append(warmup_cosine_decay_schedule(**kwargs))
    step += kwargs["decay_steps"]
    bounds.append(step)
  require(len(pieces) > 0, "cosine_kwargs", cosine_kwargs, "non-empty")
  return pieces[0] if len(pieces) == 1 else _join.join(pieces, boundaries=bounds[:-1])


@checked
def join_schedules(schedules: Sequence[Any], boundaries: Sequence[int]) -> Schedule:
  """optax ``join_schedules``: at ``step == boundaries[i]`` schedule ``i + 1`` takes over and
  sees ``step - boundaries[i]``; a :func:`jaxlrs.join` (optax callables are accepted).

  Args:
    schedules: the schedules (jaxlrs schedules or callables of the step), one more than
      ``boundaries``.
    boundaries: the strictly increasing, non-negative steps at which the next one takes over.

  Returns:
    A :func:`jaxlrs.join`.

  Raises:
    ValueError: boundaries not strictly increasing or negative, or not one fewer than
      ``schedules`` (optax accepts these silently).
    TypeError: a non-int boundary, or an entry of ``schedules`` that is not a schedule or a
      callable of the step.

  Example:
    >>> from jaxlrs.compat.optax import constant_schedule, linear_schedule
    >>> s = join_schedules([constant_schedule(1.0), linear_schedule(1.0, 0.0, 10)], [5])
    >>> s(10)
    Array(0.5, dtype=float32)
  """
  return _join.join(schedules, boundaries=boundaries)
