"""Keras 3 ``keras.optimizers.schedules`` as jaxlrs schedules (Keras names, arguments, defaults).

Values equal Keras's at every integer step ``>= 0``, Keras's boundary side included:
``PiecewiseConstantDecay`` keeps the old value *at* a boundary (``step <= boundary``), so its
jaxlrs boundaries are one step later.
"""

from __future__ import annotations

from typing import Sequence

from .. import _compose, _cyclic, _decays, _piecewise, _shapes
from .._core import Schedule, check_steps, check_value, require
from ._args import positive_steps

__all__ = ["ExponentialDecay", "PiecewiseConstantDecay", "PolynomialDecay", "InverseTimeDecay",
           "CosineDecay", "CosineDecayRestarts"]


def ExponentialDecay(initial_learning_rate: float, decay_steps: int, decay_rate: float,  # noqa: N802
                     staircase: bool = False) -> Schedule:
  """``initial_learning_rate * decay_rate ** (step / decay_steps)`` (floored if ``staircase``)."""
  return _decays.exponential(initial_learning_rate, decay_rate=decay_rate,
                             period_steps=positive_steps("decay_steps", decay_steps),
                             staircase=staircase)


def PiecewiseConstantDecay(boundaries: Sequence[int], values: Sequence[float]) -> Schedule:  # noqa: N802
  """``values[0]`` while ``step <= boundaries[0]``, ``values[1]`` while ``step <= boundaries[1]``...

  Keras switches *after* a boundary: here ``piecewise_constant(boundaries + 1, values)``.
  """
  shifted = [check_steps(f"boundaries[{i}]", b) + 1 for i, b in enumerate(boundaries)]
  return _piecewise.piecewise_constant(shifted, values=values)


def PolynomialDecay(initial_learning_rate: float, decay_steps: int,  # noqa: N802
                    end_learning_rate: float = 0.0001, power: float = 1.0,
                    cycle: bool = False) -> Schedule:
  """Keras ``PolynomialDecay``: :func:`jaxlrs.polynomial` with the same ``cycle`` semantics."""
  return _shapes.polynomial(initial_learning_rate, end_value=end_learning_rate,
                            total_steps=positive_steps("decay_steps", decay_steps), power=power,
                            cycle=cycle)


def InverseTimeDecay(initial_learning_rate: float, decay_steps: int, decay_rate: float,  # noqa: N802
                     staircase: bool = False) -> Schedule:
  """``initial_learning_rate / (1 + decay_rate * step / decay_steps)`` (Keras)."""
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
  """
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
  """
  lr, alpha = check_value("initial_learning_rate", initial_learning_rate), check_value(
      "alpha", alpha)
  require(0 <= alpha <= 1, "alpha", alpha, "in [0, 1]")
  first_decay_steps = positive_steps("first_decay_steps", first_decay_steps)
  waves = _cyclic.cosine_restarts((1 - alpha) * lr, cycle_steps=first_decay_steps,
                                  cycle_mul=t_mul, cycle_decay=m_mul, end_value=0.0)
  return waves + alpha * lr if alpha else waves
