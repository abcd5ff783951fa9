"""Keras 3 ``keras.optimizers.schedules`` as jaxlrs schedules (Keras names, arguments, defaults).

Values equal Keras's at every integer step ``>= 0``, Keras's boundary side included:
``PiecewiseConstantDecay`` keeps the old value *at* a boundary (``step <= boundary``), so its
jaxlrs boundaries are one step later.
"""

from __future__ import annotations

from typing import Sequence

from .. import _compose, _cyclic, _decays, _piecewise, _shapes
from .._core import Schedule, check_steps, check_value, require
from ._args import learning_rate as _lr
from ._args import positive_steps

__all__ = ["ExponentialDecay", "PiecewiseConstantDecay", "PolynomialDecay", "InverseTimeDecay",
           "CosineDecay", "CosineDecayRestarts"]


def ExponentialDecay(initial_learning_rate: float, decay_steps: int, decay_rate: float,  # noqa: N802
                     staircase: bool = False) -> Schedule:
  """``initial_learning_rate * decay_rate ** (step / decay_steps)`` (floored if ``staircase``).

  Args:
    initial_learning_rate: the value at step 0.
    decay_steps: steps per factor of ``decay_rate`` (a positive int).
    decay_rate: the factor, positive.
    staircase: apply the factor in whole jumps.

  Returns:
    A :func:`jaxlrs.exponential` schedule (it never settles).

  Raises:
    ValueError: ``decay_steps <= 0`` or ``decay_rate <= 0``.
    TypeError: ``decay_steps`` is not an int.

  Example:
    >>> jaxlrs.compat.keras.ExponentialDecay(1.0, decay_steps=10, decay_rate=0.5)(20)
    Array(0.25, dtype=float32)
  """
  initial_learning_rate = _lr("initial_learning_rate", initial_learning_rate)
  return _decays.exponential(initial_learning_rate, decay_rate=decay_rate,
                             period_steps=positive_steps("decay_steps", decay_steps),
                             staircase=staircase)


def PiecewiseConstantDecay(boundaries: Sequence[int], values: Sequence[float]) -> Schedule:  # noqa: N802
  """``values[0]`` while ``step <= boundaries[0]``, ``values[1]`` while ``step <= boundaries[1]``...

  Keras switches *after* a boundary: here ``piecewise_constant(boundaries + 1, values)``.

  Args:
    boundaries: strictly increasing non-negative steps.
    values: ``len(boundaries) + 1`` values.

  Returns:
    A :func:`jaxlrs.piecewise_constant` schedule with every boundary one step later.

  Raises:
    ValueError: boundaries unsorted, repeated or negative; a length mismatch.
    TypeError: a boundary is not an int.

  Example:
    >>> s = jaxlrs.compat.keras.PiecewiseConstantDecay([10], [1.0, 0.1])
    >>> s(10), s(11)
    (Array(1., dtype=float32), Array(0.1, dtype=float32))
  """
  shifted = [check_steps(f"boundaries[{i}]", b) + 1 for i, b in enumerate(boundaries)]
  return _piecewise.piecewise_constant(shifted, values=values)


def PolynomialDecay(initial_learning_rate: float, decay_steps: int,  # noqa: N802
                    end_learning_rate: float = 0.0001, power: float = 1.0,
                    cycle: bool = False) -> Schedule:
  """Keras ``PolynomialDecay``: :func:`jaxlrs.polynomial` with the same ``cycle`` semantics.

  Args:
    initial_learning_rate: the value at step 0.
    decay_steps: the decay length (a positive int).
    end_learning_rate: the value at ``decay_steps`` and after (without ``cycle``).
    power: the exponent, ``>= 0``.
    cycle: restart the decay at every multiple of ``decay_steps``, as Keras.

  Returns:
    A :func:`jaxlrs.polynomial` schedule.

  Raises:
    ValueError: ``decay_steps <= 0`` or ``power < 0``.
    TypeError: ``decay_steps`` is not an int.

  Example:
    >>> jaxlrs.compat.keras.PolynomialDecay(1.0, 100, end_learning_rate=0.0)(50)
    Array(0.5, dtype=float32)
  """
  initial_learning_rate = _lr("initial_learning_rate", initial_learning_rate)
  return _shapes.polynomial(initial_learning_rate, end_value=end_learning_rate,
                            total_steps=positive_steps("decay_steps", decay_steps), power=power,
                            cycle=cycle)


def InverseTimeDecay(initial_learning_rate: float, decay_steps: int, decay_rate: float,  # noqa: N802
                     staircase: bool = False) -> Schedule:
  """``initial_learning_rate / (1 + decay_rate * step / decay_steps)`` (Keras).

  Args:
    initial_learning_rate: the value at step 0.
    decay_steps: the time scale (a positive int).
    decay_rate: positive.
    staircase: decay in whole jumps.

  Returns:
    A :func:`jaxlrs.inverse_time` schedule (it never settles).

  Raises:
    ValueError: ``decay_steps <= 0`` or ``decay_rate <= 0``.
    TypeError: ``decay_steps`` is not an int.

  Example:
    >>> jaxlrs.compat.keras.InverseTimeDecay(1.0, decay_steps=10, decay_rate=1.0)(10)
    Array(0.5, dtype=float32)
  """
  initial_learning_rate = _lr("initial_learning_rate", initial_learning_rate)
  return _decays.inverse_time(initial_learning_rate, decay_rate=decay_rate,
                              period_steps=positive_steps("decay_steps", decay_steps),
                              staircase=staircase)


def CosineDecay(initial_learning_rate: float, decay_steps: int, alpha: float = 0.0,  # noqa: N802
                warmup_target: float | None = None, warmup_steps: int = 0) -> Schedule:
  """Keras ``CosineDecay``, with its optional linear warmup.

  Without ``warmup_target``: cosine from ``initial_learning_rate`` to
  ``alpha * initial_learning_rate`` over ``decay_steps``. With it: linear warmup from
  ``initial_learning_rate`` to ``warmup_target`` over ``warmup_steps``, then cosine from
  ``warmup_target`` to ``alpha * warmup_target`` over ``decay_steps``.

  Args:
    initial_learning_rate: the value at step 0.
    decay_steps: the cosine length (a positive int).
    alpha: the floor as a fraction of the cosine's start.
    warmup_target: the value the warmup reaches (None: no warmup).
    warmup_steps: the warmup length (a non-negative int).

  Returns:
    A :func:`jaxlrs.cosine` schedule, behind a :func:`jaxlrs.warmup` with ``warmup_target``;
    it holds its floor after the decay.

  Raises:
    ValueError: ``decay_steps <= 0`` or a negative ``warmup_steps``.
    TypeError: a step count is not an int.

  Example:
    >>> s = jaxlrs.compat.keras.CosineDecay(0.0, 100, warmup_target=1.0, warmup_steps=10)
    >>> s(5), s(10), s(110)
    (Array(0.5, dtype=float32), Array(1., dtype=float32), Array(0., dtype=float32))
  """
  initial_learning_rate = _lr("initial_learning_rate", initial_learning_rate)
  alpha = check_value("alpha", alpha)
  decay_steps = positive_steps("decay_steps", decay_steps)
  if warmup_target is None:
    return _shapes.cosine(initial_learning_rate, total_steps=decay_steps,
                          end_value=initial_learning_rate * alpha)
  target = check_value("warmup_target", warmup_target)
  decay = _shapes.cosine(target, total_steps=decay_steps, end_value=target * alpha)
  warmup_steps = check_steps("warmup_steps", warmup_steps)
  return _compose.warmup(decay, warmup_steps=warmup_steps, init_value=initial_learning_rate)


def CosineDecayRestarts(initial_learning_rate: float, first_decay_steps: int,  # noqa: N802
                        t_mul: float = 2.0, m_mul: float = 1.0, alpha: float = 0.0) -> Schedule:
  """Keras ``CosineDecayRestarts`` (SGDR).

  Keras decays the *amplitude* above the floor: ``lr (alpha + (1 - alpha) m^i c)``; here
  ``constant(alpha * lr) + cosine_restarts((1 - alpha) * lr, ..., m_mul, end_value=0)``.

  Args:
    initial_learning_rate: the value at step 0.
    first_decay_steps: the length of the first cycle (a positive int).
    t_mul: the cycle length multiplier, ``>= 1``.
    m_mul: the amplitude multiplier per cycle, ``>= 0``.
    alpha: the floor as a fraction of ``initial_learning_rate``, in ``[0, 1]``.

  Returns:
    A schedule restarting at the start of every cycle, for ever.

  Raises:
    ValueError: ``first_decay_steps <= 0``, ``t_mul < 1``, ``m_mul < 0`` or ``alpha`` outside
      ``[0, 1]``.
    TypeError: ``first_decay_steps`` is not an int.

  Example:
    >>> s = jaxlrs.compat.keras.CosineDecayRestarts(1.0, 10, t_mul=2.0)
    >>> s(10), s(20)  # a restart, then half-way through the 20-step second cycle
    (Array(1., dtype=float32), Array(0.49999997, dtype=float32))
  """
  initial_learning_rate = _lr("initial_learning_rate", initial_learning_rate)
  lr, alpha = check_value("initial_learning_rate", initial_learning_rate), check_value(
      "alpha", alpha)
  require(0 <= alpha <= 1, "alpha", alpha, "in [0, 1]")
  first_decay_steps = positive_steps("first_decay_steps", first_decay_steps)
  waves = _cyclic.cosine_restarts((1 - alpha) * lr, cycle_steps=first_decay_steps,
                                  cycle_mul=t_mul, cycle_decay=m_mul, end_value=0.0)
  return waves + alpha * lr if alpha else waves
