"""PyTorch's step-driven decays: ``StepLR`` to ``CosineAnnealingWarmRestarts``.

Each maps PyTorch's arguments onto one core shape (see the table in :mod:`jaxlrs.compat.torch`),
checking them under PyTorch's names.
"""

from __future__ import annotations

import collections
from typing import Any, Sequence

from .. import _cyclic, _decays, _piecewise, _shapes
from .._core import Schedule, check_sequence, check_steps, check_value, require
from ._args import checked, nonnegative_steps, positive_steps, value_where


def _gamma(gamma: Any) -> Any:
  return value_where("gamma", gamma, lambda g: g > 0, "positive")


@checked
def StepLR(lr: float, step_size: int, gamma: float = 0.1) -> Schedule:  # noqa: N802
  """PyTorch ``StepLR``: the learning rate decayed by ``gamma`` every ``step_size`` steps.

  The value at step ``k`` is ``lr * gamma ** (k // step_size)``.

  Args:
    lr: the initial learning rate (PyTorch: the optimizer's).
    step_size: the decay period in steps, positive.
    gamma: the multiplicative decay, positive.

  Returns:
    The schedule (a :func:`jaxlrs.step_decay`).

  Raises:
    TypeError: a non-number ``lr``/``gamma`` or a non-int ``step_size``.
    ValueError: a non-finite ``lr``/``gamma``, ``step_size <= 0`` or ``gamma <= 0``.

  Example:
    >>> s = StepLR(1.0, step_size=10, gamma=0.5)
    >>> s(9), s(10), s(25)
    (Array(1., dtype=float32), Array(0.5, dtype=float32), Array(0.25, dtype=float32))
  """
  return _decays.step_decay(lr, period_steps=positive_steps("step_size", step_size),
                            decay_rate=_gamma(gamma))


@checked
def MultiStepLR(lr: float, milestones: Sequence[int], gamma: float = 0.1) -> Schedule:  # noqa: N802
  """PyTorch ``MultiStepLR``: the learning rate decayed by ``gamma`` at each milestone.

  The value at step ``k`` is ``lr * gamma ** bisect_right(sorted(milestones), k)``. As in
  PyTorch, a milestone listed twice multiplies by ``gamma`` twice.

  Args:
    lr: the initial learning rate (PyTorch: the optimizer's).
    milestones: the steps at which ``gamma`` applies, in any order, non-empty.
    gamma: the multiplicative decay, non-negative.

  Returns:
    The schedule (a :func:`jaxlrs.multistep`, or a :func:`jaxlrs.piecewise_constant` when a
    milestone repeats).

  Raises:
    TypeError: a non-number ``lr``/``gamma``, ``milestones`` not a sequence, or a non-int
      milestone.
    ValueError: a non-finite ``lr``/``gamma``, a negative ``gamma``, empty ``milestones`` or a
      negative milestone.

  Example:
    >>> s = MultiStepLR(1.0, milestones=[10, 20, 20], gamma=0.5)
    >>> s(9), s(10), s(20)
    (Array(1., dtype=float32), Array(0.5, dtype=float32), Array(0.125, dtype=float32))
  """
  steps = check_sequence("milestones", milestones, check_steps)
  require(len(steps) > 0, "milestones", milestones, "non-empty")
  for i, m in enumerate(steps):  # any order, repeats allowed (as PyTorch)
    require(m >= 0, f"milestones[{i}]", m, "a non-negative step")
  counts = collections.Counter(steps)
  bounds = sorted(counts)
  gamma = value_where("gamma", gamma, lambda g: g >= 0, "non-negative")
  if all(c == 1 for c in counts.values()):
    return _piecewise.multistep(lr, boundaries=bounds, decay_rate=gamma)
  lr = check_value("lr", lr)
  values, v = [lr], lr
  for b in bounds:
    v = v * gamma ** counts[b]
    values.append(v)
  return _piecewise.piecewise_constant(bounds, values=values)


@checked
def ConstantLR(lr: float, factor: float = 1.0 / 3, total_iters: int = 5) -> Schedule:  # noqa: N802
  """PyTorch ``ConstantLR``: ``lr * factor`` for ``k < total_iters``, then ``lr``.

  Args:
    lr: the learning rate after ``total_iters`` (PyTorch: the optimizer's).
    factor: the multiplier of the first ``total_iters`` steps, in ``[0, 1]``.
    total_iters: how many steps use ``lr * factor``; 0 gives a constant ``lr``.

  Returns:
    The schedule (a :func:`jaxlrs.piecewise_constant`, or :func:`jaxlrs.constant`).

  Raises:
    TypeError: a non-number ``lr``/``factor`` or a non-int ``total_iters``.
    ValueError: a non-finite ``lr``/``factor``, ``factor`` outside ``[0, 1]`` or
      ``total_iters < 0``.

  Example:
    >>> s = ConstantLR(1.0, factor=0.5, total_iters=4)
    >>> s(3), s(4)
    (Array(0.5, dtype=float32), Array(1., dtype=float32))
  """
  factor = value_where("factor", factor, lambda f: 0 <= f <= 1, "in [0, 1] (as PyTorch)")
  total_iters = nonnegative_steps("total_iters", total_iters)
  if total_iters == 0:
    return _shapes.constant(lr)
  return _piecewise.piecewise_constant([total_iters], values=[lr * factor, lr])


@checked
def LinearLR(lr: float, start_factor: float = 1.0 / 3, end_factor: float = 1.0,  # noqa: N802
             total_iters: int = 5) -> Schedule:
  """PyTorch ``LinearLR``: ``lr`` times a factor moving linearly from ``start_factor`` to ``end_factor``.

  The value at step ``k`` is ``lr * (start_factor + (end_factor - start_factor) *
  min(k, total_iters) / total_iters)``.

  Args:
    lr: the base learning rate (PyTorch: the optimizer's).
    start_factor: the factor at step 0, in ``(0, 1]``.
    end_factor: the factor from ``total_iters`` on, in ``[0, 1]``.
    total_iters: the length of the ramp in steps, positive.

  Returns:
    The schedule (a :func:`jaxlrs.linear`).

  Raises:
    TypeError: a non-number ``lr`` or factor, or a non-int ``total_iters``.
    ValueError: a non-finite ``lr`` or factor, a factor out of its range or
      ``total_iters <= 0``.

  Example:
    >>> s = LinearLR(1.0, start_factor=0.5, end_factor=1.0, total_iters=10)
    >>> s(0), s(5), s(20)
    (Array(0.5, dtype=float32), Array(0.75, dtype=float32), Array(1., dtype=float32))
  """
  start_factor = value_where("start_factor", start_factor, lambda f: 0 < f <= 1,
                             "in (0, 1] (as PyTorch)")
  end_factor = value_where("end_factor", end_factor, lambda f: 0 <= f <= 1,
                           "in [0, 1] (as PyTorch)")
  total_iters = positive_steps("total_iters", total_iters)
  return _shapes.linear(lr * start_factor, end_value=lr * end_factor, total_steps=total_iters)


@checked
def ExponentialLR(lr: float, gamma: float) -> Schedule:  # noqa: N802
  """PyTorch ``ExponentialLR``: ``lr * gamma ** k`` at step ``k``.

  Args:
    lr: the initial learning rate (PyTorch: the optimizer's).
    gamma: the decay per step, positive.

  Returns:
    The schedule (a :func:`jaxlrs.exponential` with ``period_steps=1``).

  Raises:
    TypeError: a non-number ``lr``/``gamma``.
    ValueError: a non-finite ``lr``/``gamma`` or ``gamma <= 0``.

  Example:
    >>> ExponentialLR(1.0, gamma=0.5)(3)
    Array(0.125, dtype=float32)
  """
  return _decays.exponential(lr, decay_rate=_gamma(gamma), period_steps=1)


@checked
def PolynomialLR(lr: float, total_iters: int = 5, power: float = 1.0) -> Schedule:  # noqa: N802
  """PyTorch ``PolynomialLR``: a polynomial decay from ``lr`` to 0 over ``total_iters`` steps.

  The value at step ``k`` is ``lr * (1 - min(k, total_iters) / total_iters) ** power``.

  Args:
    lr: the initial learning rate (PyTorch: the optimizer's).
    total_iters: the length of the decay in steps, positive.
    power: the exponent.

  Returns:
    The schedule (a :func:`jaxlrs.polynomial` ending at 0).

  Raises:
    TypeError: a non-number ``lr``/``power`` or a non-int ``total_iters``.
    ValueError: a non-finite ``lr``/``power``, ``total_iters <= 0`` or a ``power`` that
      :func:`jaxlrs.polynomial` rejects (negative).

  Example:
    >>> PolynomialLR(1.0, total_iters=10, power=2.0)(5)
    Array(0.25, dtype=float32)
  """
  total_iters = positive_steps("total_iters", total_iters)
  return _shapes.polynomial(lr, end_value=0.0, total_steps=total_iters, power=power)


@checked
def CosineAnnealingLR(lr: float, T_max: int, eta_min: float = 0.0) -> Schedule:  # noqa: N802,N803
  """PyTorch ``CosineAnnealingLR``: a half cosine from ``lr`` down to ``eta_min``.

  The value at step ``k`` is ``eta_min + (lr - eta_min)(1 + cos(pi k / T_max)) / 2``. Past
  ``T_max`` the value stays at ``eta_min``; PyTorch's keeps following the cosine back up.

  Args:
    lr: the initial learning rate (PyTorch: the optimizer's).
    T_max: the length of the half cosine in steps, positive.
    eta_min: the final learning rate.

  Returns:
    The schedule (a :func:`jaxlrs.cosine`).

  Raises:
    TypeError: a non-number ``lr``/``eta_min`` or a non-int ``T_max``.
    ValueError: a non-finite ``lr``/``eta_min`` or ``T_max <= 0``.

  Example:
    >>> s = CosineAnnealingLR(1.0, T_max=10, eta_min=0.1)
    >>> [round(float(s(k)), 6) for k in (5, 10, 15)]
    [0.55, 0.1, 0.1]
  """
  return _shapes.cosine(lr, total_steps=positive_steps("T_max", T_max), end_value=eta_min)


@checked
def CosineAnnealingWarmRestarts(lr: float, T_0: int, T_mult: int = 1,  # noqa: N802,N803
                                eta_min: float = 0.0) -> Schedule:
  """PyTorch ``CosineAnnealingWarmRestarts``: SGDR cosine cycles restarting at ``lr``.

  Cycle ``i`` lasts ``T_0 * T_mult**i`` steps and runs ``eta_min + (lr - eta_min)(1 +
  cos(pi t / T_i)) / 2`` with ``t`` the step within the cycle.

  Args:
    lr: the learning rate at the start of every cycle (PyTorch: the optimizer's).
    T_0: the first cycle's length in steps, positive.
    T_mult: the growth factor of the cycle length, an int ``>= 1``.
    eta_min: the learning rate at the end of every cycle.

  Returns:
    The schedule (a :func:`jaxlrs.cosine_restarts`).

  Raises:
    TypeError: a non-number ``lr``/``eta_min`` or a non-int ``T_0``/``T_mult``.
    ValueError: a non-finite ``lr``/``eta_min``, ``T_0 <= 0`` or ``T_mult < 1``.

  Example:
    >>> s = CosineAnnealingWarmRestarts(1.0, T_0=10, T_mult=2)
    >>> [round(float(s(k)), 6) for k in (5, 10, 20)]
    [0.5, 1.0, 0.5]
  """
  require(T_mult >= 1, "T_mult", T_mult, "an integer >= 1 (as PyTorch)")
  T_0 = positive_steps("T_0", T_0)  # noqa: N806
  return _cyclic.cosine_restarts(lr, cycle_steps=T_0, cycle_mul=float(T_mult), end_value=eta_min)
