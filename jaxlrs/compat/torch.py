"""PyTorch ``torch.optim.lr_scheduler`` classes as jaxlrs schedules.

Each function keeps PyTorch's class name, argument names and defaults, with the base learning rate
``lr`` (``base_lr``/``max_lr`` for ``CyclicLR``, ``max_lr`` for ``OneCycleLR``) where PyTorch takes
an optimizer. The value at step ``k`` equals the optimizer's learning rate after ``k`` calls of
``scheduler.step()`` (one call per optimizer update). Each is a jaxlrs shape:

============================  ================================================================
PyTorch                       jaxlrs
============================  ================================================================
``StepLR``                    :func:`jaxlrs.step_decay`
``MultiStepLR``               :func:`jaxlrs.multistep` (repeated milestones: piecewise constant)
``ConstantLR``                :func:`jaxlrs.piecewise_constant`
``LinearLR``                  :func:`jaxlrs.linear`
``ExponentialLR``             :func:`jaxlrs.exponential` with ``decay_steps=1``
``PolynomialLR``              :func:`jaxlrs.polynomial` to 0
``CosineAnnealingLR``         :func:`jaxlrs.cosine` (held after ``T_max``; PyTorch rises again)
``CosineAnnealingWarmRestarts`` :func:`jaxlrs.cosine_restarts`
``CyclicLR``                  :func:`jaxlrs.cyclic`
``OneCycleLR``                :func:`jaxlrs.one_cycle`
``SequentialLR``              :func:`jaxlrs.join`
============================  ================================================================
"""

from __future__ import annotations

from typing import Any, Sequence

from .. import _join
from .._core import Schedule, check_child, check_sequence, check_steps, require
from .._piecewise import check_boundaries
from ._torch_cyclic import CyclicLR as CyclicLR
from ._torch_cyclic import OneCycleLR as OneCycleLR
from ._torch_cyclic import with_momentum as with_momentum
from ._torch_decay import ConstantLR as ConstantLR
from ._torch_decay import CosineAnnealingLR as CosineAnnealingLR
from ._torch_decay import CosineAnnealingWarmRestarts as CosineAnnealingWarmRestarts
from ._torch_decay import ExponentialLR as ExponentialLR
from ._torch_decay import LinearLR as LinearLR
from ._torch_decay import MultiStepLR as MultiStepLR
from ._torch_decay import PolynomialLR as PolynomialLR
from ._torch_decay import StepLR as StepLR

__all__ = ["StepLR", "MultiStepLR", "ConstantLR", "LinearLR", "ExponentialLR", "PolynomialLR",
           "CosineAnnealingLR", "CosineAnnealingWarmRestarts", "CyclicLR", "OneCycleLR",
           "SequentialLR", "with_momentum"]


def SequentialLR(schedulers: Sequence[Any], milestones: Sequence[int]) -> Schedule:  # noqa: N802
  """PyTorch ``SequentialLR``: schedulers one after another, each from its own step 0.

  Before ``milestones[0]`` the value is ``schedulers[0](k)``; from ``milestones[i]`` on it is
  ``schedulers[i + 1](k - milestones[i])``.

  Args:
    schedulers: the schedules (any jaxlrs schedules or callables of the step), one more than
      ``milestones``.
    milestones: the increasing steps at which the next scheduler starts.

  Returns:
    The joined schedule (a :func:`jaxlrs.join`).

  Raises:
    TypeError: a non-int milestone or a scheduler that is not a schedule or callable.
    ValueError: no schedulers, not one milestone fewer than schedulers, or milestones that are
      negative or not strictly increasing.

  Example:
    >>> s = SequentialLR([LinearLR(1.0, start_factor=0.1, total_iters=5),
    ...                   ExponentialLR(1.0, gamma=0.5)], milestones=[5])
    >>> s(0), s(5), s(7)
    (Array(0.1, dtype=float32), Array(1., dtype=float32), Array(0.25, dtype=float32))
  """
  if isinstance(schedulers, (Schedule, str)) or not hasattr(schedulers, "__iter__"):
    raise TypeError(f"schedulers must be a sequence of schedules, got {schedulers!r}.")
  pieces = [check_child(f"schedulers[{i}]", s) for i, s in enumerate(schedulers)]
  steps = check_sequence("milestones", milestones, check_steps)
  require(len(pieces) >= 1, "schedulers", schedulers, "non-empty")
  require(len(steps) == len(pieces) - 1, "milestones", milestones,
          f"one fewer than schedulers ({len(pieces) - 1} for {len(pieces)} schedulers)")
  check_boundaries("milestones", steps)
  return _join.join(pieces, boundaries=steps)
