"""Keras 3 ``keras.optimizers.schedules`` as jaxlrs schedules (Keras names, arguments, defaults).

Values equal Keras's at every integer step ``>= 0``, Keras's boundary side included:
``PiecewiseConstantDecay`` keeps the old value *at* a boundary (``step <= boundary``), so its
jaxlrs boundaries are one step later.
"""

from __future__ import annotations

from typing import Sequence

from .. import _compose, _cyclic, _decays, _piecewise, _shapes
from .._core import Schedule, check_sequence, check_steps, check_value, concrete_float
from ._args import checked, positive_steps, value_where
from ._args import learning_rate as _lr

__all__ = ["ExponentialDecay", "PiecewiseConstantDecay", "PolynomialDecay", "InverseTimeDecay",
           "CosineDecay", "CosineDecayRestarts"]


@checked
def ExponentialDecay(initial_learning_rate: float, decay_steps: int, decay_rate: float,  # noqa: N802
                     staircase: bool = False) -> Schedule:
  """Keras ``ExponentialDecay``: ``lr * decay_rate ** (step / decay_steps)``.

  With ``staircase`` the exponent is floored. A :func:`jaxlrs.exponential`.

  Args:
    initial_learning_rate: value at step 0.
    decay_steps: steps per factor (positive).
    decay_rate: the factor, positive.
    staircase: decay in whole jumps.

  Returns:
    A jaxlrs schedule.

  Raises:
    ValueError: ``decay_steps <= 0`` or ``decay_rate <= 0``.

  Example:
    >>> ExponentialDecay(1.0, decay_steps=10, decay_rate=0.5)(20)
    Array(0.25, dtype=float32)
  """
  initial_learning_rate = _lr("initial_learning_rate", initial_learning_rate)
  decay_steps = positive_steps("decay_steps", decay_steps)
  rate = value_where("decay_rate", decay_rate, lambda r: r > 0, "positive")
  return _decays.exponential(initial_learning_rate, decay_rate=rate, period_steps=decay_steps,
                             staircase=staircase)


@checked
def PiecewiseConstantDecay(boundaries: Sequence[int], values: Sequence[float]) -> Schedule:  # noqa: N802
  """Keras ``PiecewiseConstantDecay``: ``values[i]`` while ``step <= boundaries[i]``.

  Keras switches *after* a boundary: here ``piecewise_constant(boundaries + 1, values)``.

  Args:
    boundaries: strictly increasing non-negative steps.
    values: ``len(boundaries) + 1`` values.

  Returns:
    A jaxlrs schedule.

  Raises:
    ValueError: unsorted or negative boundaries, a length mismatch.

  Example:
    >>> s = PiecewiseConstantDecay([10], [1.0, 0.1])
    >>> s(10), s(11)
    (Array(1., dtype=float32), Array(0.1, dtype=float32))
  """
  steps = check_sequence("boundaries", boundaries, check_steps)
  _piecewise.check_boundaries("boundaries", steps)  # the user's steps, before the shift
  return _piecewise.piecewise_constant([b + 1 for b in steps], values=values)


@checked
def PolynomialDecay(initial_learning_rate: float, decay_steps: int,  # noqa: N802
                    end_learning_rate: float = 0.0001, power: float = 1.0,
                    cycle: bool = False) -> Schedule:
  """Keras ``PolynomialDecay``: ``(lr - end)(1 - min(step, T) / T)^power + end``.

  With ``cycle`` the horizon ``T`` becomes ``decay_steps * ceil(step / decay_steps)``, so the
  value jumps back up after every multiple of ``decay_steps``. A :func:`jaxlrs.polynomial`.

  Args:
    initial_learning_rate: value at step 0.
    decay_steps: the horizon ``T`` (positive).
    end_learning_rate: value at ``T``.
    power: exponent, ``>= 0``.
    cycle: restart after every multiple of ``decay_steps``.

  Returns:
    A jaxlrs schedule.

  Raises:
    ValueError: ``decay_steps <= 0``, ``power < 0``.

  Example:
    >>> PolynomialDecay(1.0, decay_steps=10, end_learning_rate=0.0, power=2.0)(5)
    Array(0.25, dtype=float32)
  """
  initial_learning_rate = _lr("initial_learning_rate", initial_learning_rate)
  decay_steps = positive_steps("decay_steps", decay_steps)
  power = value_where("power", power, lambda p: p >= 0, "non-negative")
  return _shapes.polynomial(initial_learning_rate, end_value=end_learning_rate,
                            total_steps=decay_steps, power=power,
                            cycle=cycle)


@checked
def InverseTimeDecay(initial_learning_rate: float, decay_steps: int, decay_rate: float,  # noqa: N802
                     staircase: bool = False) -> Schedule:
  """Keras ``InverseTimeDecay``: ``lr / (1 + decay_rate * step / decay_steps)``.

  Args:
    initial_learning_rate: value at step 0.
    decay_steps: positive.
    decay_rate: positive.
    staircase: floor ``step / decay_steps``.

  Returns:
    A jaxlrs schedule (:func:`jaxlrs.inverse_time`).

  Raises:
    ValueError: ``decay_steps <= 0`` or ``decay_rate <= 0``.

  Example:
    >>> InverseTimeDecay(1.0, decay_steps=10, decay_rate=1.0)(10)
    Array(0.5, dtype=float32)
  """
  initial_learning_rate = _lr("initial_learning_rate", initial_learning_rate)
  decay_steps = positive_steps("decay_steps", decay_steps)
  rate = value_where("decay_rate", decay_rate, lambda r: r > 0, "positive")
  return _decays.inverse_time(initial_learning_rate, decay_rate=rate, period_steps=decay_steps,
                              staircase=staircase)


def _alpha(alpha: float) -> float:
  return value_where("alpha", alpha, lambda a: 0 <= a <= 1, "in [0, 1]")


@checked
def CosineDecay(initial_learning_rate: float, decay_steps: int, alpha: float = 0.0,  # noqa: N802
                warmup_target: float | None = None, warmup_steps: int = 0) -> Schedule:
  """Keras ``CosineDecay``, with its optional linear warmup.

  Without ``warmup_target``: cosine from ``initial_learning_rate`` to
  ``alpha * initial_learning_rate`` over ``decay_steps``. With it: linear warmup from
  ``initial_learning_rate`` to ``warmup_target`` over ``warmup_steps``, then cosine from
  ``warmup_target`` to ``alpha * warmup_target`` over ``decay_steps``.

  Args:
    initial_learning_rate: value at step 0.
    decay_steps: cosine length (positive).
    alpha: final fraction of the peak, in ``[0, 1]`` (Keras lets the schedule rise above 1).
    warmup_target: peak after the warmup (None: no warmup).
    warmup_steps: warmup length (non-negative).

  Returns:
    A jaxlrs schedule.

  Raises:
    ValueError: ``decay_steps <= 0``, ``alpha`` outside ``[0, 1]``, negative ``warmup_steps``.

  Example:
    >>> CosineDecay(1.0, decay_steps=100, alpha=0.1)(100)
    Array(0.1, dtype=float32)
  """
  initial_learning_rate = _lr("initial_learning_rate", initial_learning_rate)
  alpha = _alpha(alpha)
  decay_steps = positive_steps("decay_steps", decay_steps)
  if warmup_target is None:
    return _shapes.cosine(initial_learning_rate, total_steps=decay_steps,
                          end_value=initial_learning_rate * alpha)
  target = check_value("warmup_target", warmup_target)
  decay = _shapes.cosine(target, total_steps=decay_steps, end_value=target * alpha)
  return _compose.warmup(decay, warmup_steps=warmup_steps, init_value=initial_learning_rate)


@checked
def CosineDecayRestarts(initial_learning_rate: float, first_decay_steps: int,  # noqa: N802
                        t_mul: float = 2.0, m_mul: float = 1.0, alpha: float = 0.0) -> Schedule:
  """Keras ``CosineDecayRestarts`` (SGDR).

  Keras decays the *amplitude* above the floor: ``lr (alpha + (1 - alpha) m^i c)``; here
  ``constant(alpha * lr) + cosine_restarts((1 - alpha) * lr, ..., m_mul, end_value=0)``.
  Deliberate difference: at an exact restart step Keras's float32 arithmetic can report the
  previous cycle's end; here the new cycle starts at its restart step.

  Args:
    initial_learning_rate: peak of the first cycle.
    first_decay_steps: first cycle length (positive).
    t_mul: cycle length multiplier, ``>= 1``.
    m_mul: peak multiplier per cycle, ``>= 0``.
    alpha: floor as a fraction of the peak, in ``[0, 1]``.

  Returns:
    A jaxlrs schedule.

  Raises:
    ValueError: ``first_decay_steps <= 0``, ``t_mul < 1``, ``m_mul < 0``, ``alpha`` outside
      ``[0, 1]``.

  Example:
    >>> s = CosineDecayRestarts(1.0, first_decay_steps=10)
    >>> s(10), s(20)
    (Array(1., dtype=float32), Array(0.49999997, dtype=float32))
  """
  initial_learning_rate = _lr("initial_learning_rate", initial_learning_rate)
  lr, alpha = check_value("initial_learning_rate", initial_learning_rate), _alpha(alpha)
  first_decay_steps = positive_steps("first_decay_steps", first_decay_steps)
  t_mul = value_where("t_mul", t_mul, lambda m: m >= 1, ">= 1")
  m_mul = value_where("m_mul", m_mul, lambda m: m >= 0, ">= 0")
  waves = _cyclic.cosine_restarts((1 - alpha) * lr, cycle_steps=first_decay_steps,
                                  cycle_mul=t_mul, cycle_decay=m_mul, end_value=0.0)
  return waves + alpha * lr if concrete_float(alpha) != 0.0 else waves
