"""optax's elementary schedule functions (see :mod:`jaxlrs.compat.optax`)."""

from __future__ import annotations

from typing import Any

from .. import _decays, _join, _shapes
from ._args import checked, value_where
from .._core import Schedule, check_steps, check_value, concrete_float, require



def _steps(name: str, x: Any, positive: bool = False) -> int:
  x = check_steps(name, x)
  if positive:
    require(x > 0, name, x, "positive (optax silently turns a non-positive count into a "
            "constant schedule)")
  else:
    require(x >= 0, name, x, "non-negative (optax silently clips it to 0)")
  return x


def _begin(schedule: Schedule, transition_begin: Any) -> Schedule:
  begin = _steps("transition_begin", transition_begin)
  return schedule.shift(begin) if begin else schedule


@checked
def constant_schedule(value: float) -> Schedule:
  """optax ``constant_schedule``: ``value`` at every step.

  Args:
    value: the constant.

  Returns:
    A :func:`jaxlrs.constant`.

  Raises:
    TypeError: ``value`` is not a real number (a bool, a string, None).
    ValueError: ``value`` is concrete and not finite.

  Example:
    >>> constant_schedule(0.1)(7)
    Array(0.1, dtype=float32)
  """
  return _shapes.constant(check_value("value", value))


@checked
def polynomial_schedule(init_value: float, end_value: float, power: float,
                        transition_steps: int, transition_begin: int = 0) -> Schedule:
  """optax ``polynomial_schedule``: ``(I - E)(1 - (t - B) / T)^power + E`` between ``B`` and
  ``B + T``; ``I`` before, ``E`` after.

  Args:
    init_value: ``I``, the value up to ``transition_begin``.
    end_value: ``E``, the value from ``transition_begin + transition_steps`` on.
    power: the exponent, ``>= 0``.
    transition_steps: ``T``, positive (optax: a constant ``init_value`` otherwise).
    transition_begin: ``B``, non-negative (optax clips a negative one to 0).

  Returns:
    A :func:`jaxlrs.polynomial`, shifted by ``transition_begin``.

  Raises:
    TypeError: a non-number value or a non-int step count.
    ValueError: a non-finite value, ``transition_steps <= 0``, ``transition_begin < 0``,
      ``power < 0``.

  Example:
    >>> polynomial_schedule(1.0, 0.0, power=2, transition_steps=10, transition_begin=5)(10)
    Array(0.25, dtype=float32)
  """
  steps = _steps("transition_steps", transition_steps, positive=True)
  body = _shapes.polynomial(check_value("init_value", init_value),
                            end_value=check_value("end_value", end_value), total_steps=steps,
                            power=check_value("power", power))
  return _begin(body, transition_begin)


@checked
def linear_schedule(init_value: float, end_value: float, transition_steps: int,
                    transition_begin: int = 0) -> Schedule:
  """optax ``linear_schedule``: ``I + (E - I)(t - B) / T`` between ``B`` and ``B + T``.

  Args:
    init_value: ``I``, the value up to ``transition_begin``.
    end_value: ``E``, the value from ``transition_begin + transition_steps`` on.
    transition_steps: ``T``, positive (optax: a constant ``init_value`` otherwise).
    transition_begin: ``B``, non-negative (optax clips a negative one to 0).

  Returns:
    A :func:`jaxlrs.linear`, shifted by ``transition_begin``.

  Raises:
    TypeError: a non-number value or a non-int step count.
    ValueError: a non-finite value, ``transition_steps <= 0`` or ``transition_begin < 0``
      (optax accepts both).

  Example:
    >>> linear_schedule(1.0, 0.0, transition_steps=10)(5)
    Array(0.5, dtype=float32)
  """
  steps = _steps("transition_steps", transition_steps, positive=True)
  body = _shapes.linear(check_value("init_value", init_value),
                        end_value=check_value("end_value", end_value), total_steps=steps)
  return _begin(body, transition_begin)


def _boundaries_and_values(init_value: Any, boundaries_and_scales: Any) -> tuple[list, list]:
  init_value = check_value("init_value", init_value)
  if not boundaries_and_scales:
    return [], [init_value]
  if not isinstance(boundaries_and_scales, dict):
    raise TypeError(f"boundaries_and_scales must be a dict {{step: scale}}, got "
                    f"{boundaries_and_scales!r}.")
  bounds, values, v = [], [init_value], init_value
  for b, scale in sorted(boundaries_and_scales.items()):
    b = check_steps(f"boundaries_and_scales key {b!r}", b)
    require(b >= 0, "boundaries_and_scales", boundaries_and_scales, "keyed by steps >= 0")
    scale = check_value(f"boundaries_and_scales[{b}]", scale)
    s = concrete_float(scale)
    require(s is None or s >= 0, f"boundaries_and_scales[{b}]", scale, "non-negative")
    v = v * scale
    bounds.append(b)
    values.append(v)
  return bounds, values


@checked
def piecewise_constant_schedule(init_value: float,
                                boundaries_and_scales: dict | None = None) -> Schedule:
  """optax ``piecewise_constant_schedule``: ``init_value`` times every scale whose step is ``<= t``.

  Args:
    init_value: the value before the first boundary.
    boundaries_and_scales: ``{step: scale}``; from ``step`` on the value is multiplied by
      ``scale`` (scales accumulate). None or empty: a constant ``init_value``.

  Returns:
    A :func:`jaxlrs.join` of constants (a :func:`jaxlrs.constant` without boundaries).

  Raises:
    ValueError: a non-finite ``init_value`` or scale, a negative scale (as optax) or boundary.
    TypeError: ``boundaries_and_scales`` not a dict, a non-int boundary or a non-number value.

  Example:
    >>> s = piecewise_constant_schedule(1.0, {10: 0.1, 20: 0.5})
    >>> s(9), s(10), s(20)
    (Array(1., dtype=float32), Array(0.1, dtype=float32), Array(0.05, dtype=float32))
  """
  bounds, values = _boundaries_and_values(init_value, boundaries_and_scales)
  pieces = [_shapes.constant(v) for v in values]
  if bounds and bounds[0] == 0:  # applies from the first step
    pieces, bounds = pieces[1:], bounds[1:]
  return pieces[0] if not bounds else _join.join(pieces, boundaries=bounds)


@checked
def exponential_decay(init_value: float, transition_steps: int, decay_rate: float,
                      transition_begin: int = 0, staircase: bool = False,
                      end_value: float | None = None) -> Schedule:
  """optax ``exponential_decay``: ``I r^((t - B) / T)`` after ``B`` (``floor`` if ``staircase``),
  bounded by ``end_value`` (from below when ``r < 1``, from above otherwise), ``I`` before ``B``.

  Args:
    init_value: ``I``, the value up to ``transition_begin``.
    transition_steps: ``T``, the steps per factor of ``decay_rate``, positive.
    decay_rate: ``r``, positive.
    transition_begin: ``B``, non-negative.
    staircase: decay in whole periods (``floor((t - B) / T)``) instead of continuously.
    end_value: the bound of the decay, or None for none.

  Returns:
    A :func:`jaxlrs.exponential`, shifted by ``transition_begin``.

  Raises:
    ValueError: a non-finite value, ``transition_steps <= 0``, ``decay_rate <= 0`` (optax: a
      constant at 0, NaN below), ``transition_begin < 0``.
    TypeError: a non-number value, a non-int step count or a non-bool ``staircase``.

  Example:
    >>> exponential_decay(1.0, transition_steps=10, decay_rate=0.5)(20)
    Array(0.25, dtype=float32)
  """
  steps = _steps("transition_steps", transition_steps, positive=True)
  rate = value_where("decay_rate", decay_rate, lambda r: r > 0,
                     "positive (optax silently returns a constant for 0)")
  if not isinstance(staircase, bool):
    raise TypeError(f"staircase must be a bool, got {staircase!r}.")
  end = None if end_value is None else check_value("end_value", end_value)
  body = _decays.exponential(check_value("init_value", init_value), decay_rate=rate,
                             period_steps=steps, staircase=staircase, end_value=end)
  return _begin(body, transition_begin)


@checked
def cosine_decay_schedule(init_value: float, decay_steps: int, alpha: float = 0.0,
                          exponent: float = 1.0) -> Schedule:
  """optax ``cosine_decay_schedule``: ``I((1 - alpha) c^exponent + alpha)``, ``c = (1 +
  cos(pi min(t, T) / T)) / 2``.

  Args:
    init_value: ``I``, the value at step 0.
    decay_steps: ``T``, the length of the decay, positive.
    alpha: the final value as a fraction of ``init_value``, in ``[0, 1]``.
    exponent: the power applied to the cosine factor ``c``, positive.

  Returns:
    A :func:`jaxlrs.cosine` from ``I`` to ``alpha I``.

  Raises:
    ValueError: a non-finite value, ``decay_steps <= 0`` (as optax), ``alpha`` outside
      ``[0, 1]`` (optax lets the schedule rise), ``exponent <= 0``.
    TypeError: a non-number value or a non-int ``decay_steps``.

  Example:
    >>> cosine_decay_schedule(1.0, decay_steps=100, alpha=0.1)(100)
    Array(0.1, dtype=float32)
  """
  steps = _steps("decay_steps", decay_steps, positive=True)
  init = check_value("init_value", init_value)
  alpha = value_where("alpha", alpha, lambda a: 0 <= a <= 1, "in [0, 1]")
  return _shapes.cosine(init, total_steps=steps, end_value=init * alpha,
                        exponent=check_value("exponent", exponent))
