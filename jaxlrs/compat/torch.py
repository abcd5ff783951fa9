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

import collections
from typing import Any, Callable, Sequence

from .. import _cyclic, _decays, _join, _piecewise, _shapes
from .._core import Schedule, check_steps, check_value, require
from ._args import positive_steps

__all__ = ["StepLR", "MultiStepLR", "ConstantLR", "LinearLR", "ExponentialLR", "PolynomialLR",
           "CosineAnnealingLR", "CosineAnnealingWarmRestarts", "CyclicLR", "OneCycleLR",
           "SequentialLR"]


def StepLR(lr: float, step_size: int, gamma: float = 0.1) -> Schedule:  # noqa: N802
  """``lr * gamma ** (k // step_size)`` (PyTorch ``StepLR``)."""
  return _decays.step_decay(lr, period_steps=positive_steps("step_size", step_size),
                            decay_rate=gamma)


def MultiStepLR(lr: float, milestones: Sequence[int], gamma: float = 0.1) -> Schedule:  # noqa: N802
  """``lr * gamma ** bisect_right(milestones, k)`` (PyTorch ``MultiStepLR``).

  As in PyTorch, a milestone listed twice multiplies by ``gamma`` twice.
  """
  counts = collections.Counter(
      check_steps(f"milestones[{i}]", m) for i, m in enumerate(milestones))
  require(len(counts) > 0, "milestones", milestones, "non-empty")
  bounds = sorted(counts)
  if all(c == 1 for c in counts.values()):
    return _piecewise.multistep(lr, boundaries=bounds, decay_rate=gamma)
  lr, gamma = check_value("lr", lr), check_value("gamma", gamma)
  values, v = [lr], lr
  for b in bounds:
    v = v * gamma ** counts[b]
    values.append(v)
  return _piecewise.piecewise_constant(bounds, values=values)


def ConstantLR(lr: float, factor: float = 1.0 / 3, total_iters: int = 5) -> Schedule:  # noqa: N802
  """``lr * factor`` for ``k < total_iters``, then ``lr`` (PyTorch ``ConstantLR``)."""
  factor = check_value("factor", factor)
  require(0 <= factor <= 1, "factor", factor, "in [0, 1] (as PyTorch)")
  total_iters = check_steps("total_iters", total_iters)
  require(total_iters >= 0, "total_iters", total_iters, "non-negative")
  if total_iters == 0:
    return _shapes.constant(lr)
  return _piecewise.piecewise_constant([total_iters], values=[lr * factor, lr])


def LinearLR(lr: float, start_factor: float = 1.0 / 3, end_factor: float = 1.0,  # noqa: N802
             total_iters: int = 5) -> Schedule:
  """``lr`` times a factor moving linearly from ``start_factor`` to ``end_factor`` (``LinearLR``)."""
  start_factor = check_value("start_factor", start_factor)
  end_factor = check_value("end_factor", end_factor)
  require(0 < start_factor <= 1, "start_factor", start_factor, "in (0, 1] (as PyTorch)")
  require(0 <= end_factor <= 1, "end_factor", end_factor, "in [0, 1] (as PyTorch)")
  total_iters = positive_steps("total_iters", total_iters)
  return _shapes.linear(lr * start_factor, end_value=lr * end_factor, total_steps=total_iters)


def ExponentialLR(lr: float, gamma: float) -> Schedule:  # noqa: N802
  """``lr * gamma ** k`` (PyTorch ``ExponentialLR``)."""
  return _decays.exponential(lr, decay_rate=gamma, period_steps=1)


def PolynomialLR(lr: float, total_iters: int = 5, power: float = 1.0) -> Schedule:  # noqa: N802
  """``lr * (1 - min(k, total_iters) / total_iters) ** power`` (PyTorch ``PolynomialLR``)."""
  total_iters = positive_steps("total_iters", total_iters)
  return _shapes.polynomial(lr, end_value=0.0, total_steps=total_iters, power=power)


def CosineAnnealingLR(lr: float, T_max: int, eta_min: float = 0.0) -> Schedule:  # noqa: N802,N803
  """``eta_min + (lr - eta_min)(1 + cos(pi k / T_max)) / 2`` (PyTorch ``CosineAnnealingLR``).

  Past ``T_max`` the value stays at ``eta_min``; PyTorch's keeps following the cosine back up.
  """
  return _shapes.cosine(lr, total_steps=positive_steps("T_max", T_max), end_value=eta_min)


def CosineAnnealingWarmRestarts(lr: float, T_0: int, T_mult: int = 1,  # noqa: N802,N803
                                eta_min: float = 0.0) -> Schedule:
  """SGDR restarts every ``T_0 * T_mult**i`` steps (PyTorch ``CosineAnnealingWarmRestarts``)."""
  T_mult = check_steps("T_mult", T_mult)  # noqa: N806
  require(T_mult >= 1, "T_mult", T_mult, "an integer >= 1 (as PyTorch)")
  T_0 = positive_steps("T_0", T_0)  # noqa: N806
  return _cyclic.cosine_restarts(lr, cycle_steps=T_0, cycle_mul=float(T_mult), end_value=eta_min)


def CyclicLR(base_lr: float, max_lr: float, step_size_up: int = 2000,  # noqa: N802
             step_size_down: int | None = None, mode: str = "triangular", gamma: float = 1.0,
             scale_fn: Callable | None = None) -> Schedule:
  """PyTorch ``CyclicLR`` learning rates (momentum cycling is not a learning rate: not here).

  Raises:
    ValueError: a custom ``scale_fn`` (write it as a jaxlrs schedule product instead).
  """
  if scale_fn is not None:
    raise ValueError("scale_fn is not supported: multiply a jaxlrs.cyclic schedule by your own "
                     "schedule instead (e.g. jaxlrs.cyclic(...) * my_schedule).")
  if mode not in ("triangular", "triangular2", "exp_range"):
    raise ValueError(f"mode must be one of ('triangular', 'triangular2', 'exp_range'), got "
                     f"{mode!r}.")
  require(check_value("max_lr", max_lr) >= check_value("base_lr", base_lr), "max_lr", max_lr,
          f">= base_lr ({base_lr})")
  require(0 < check_value("gamma", gamma) <= 1, "gamma", gamma, "in (0, 1]")
  step_size_up = positive_steps("step_size_up", step_size_up)
  if step_size_down is not None:
    step_size_down = check_steps("step_size_down", step_size_down)
    require(step_size_down >= 0, "step_size_down", step_size_down, "non-negative")
  return _cyclic.cyclic(base_lr, peak_value=max_lr, rise_steps=step_size_up,
                        fall_steps=step_size_down,
                        cycle_decay=0.5 if mode == "triangular2" else 1.0,
                        decay_rate=gamma if mode == "exp_range" else 1.0)


def OneCycleLR(max_lr: float, total_steps: int | None = None, epochs: int | None = None,  # noqa: N802
               steps_per_epoch: int | None = None, pct_start: float = 0.3,
               anneal_strategy: str = "cos", div_factor: float = 25.0,
               final_div_factor: float = 1e4, three_phase: bool = False) -> Schedule:
  """PyTorch ``OneCycleLR`` learning rates; ``total_steps`` or ``epochs * steps_per_epoch``."""
  if total_steps is None:
    if epochs is None or steps_per_epoch is None:
      raise ValueError("Give total_steps, or both epochs and steps_per_epoch (got None).")
    total_steps = check_steps("epochs", epochs) * check_steps("steps_per_epoch",
                                                                  steps_per_epoch)
  require(0 < check_value("pct_start", pct_start) < 1, "pct_start", pct_start, "in (0, 1)")
  if anneal_strategy not in ("cos", "linear"):
    raise ValueError(f"anneal_strategy must be one of ('cos', 'linear'), got {anneal_strategy!r}.")
  div = check_value("div_factor", div_factor)
  final_div = check_value("final_div_factor", final_div_factor)
  require(div > 0, "div_factor", div, "positive")
  require(final_div > 0, "final_div_factor", final_div, "positive")
  return _cyclic.one_cycle(max_lr, total_steps=positive_steps("total_steps", total_steps),
                           rise_fraction=pct_start,
                           shape="cosine" if anneal_strategy == "cos" else "linear",
                           init_ratio=1 / div, end_ratio=1 / (div * final_div),
                           three_phase=three_phase)


def SequentialLR(schedulers: Sequence[Any], milestones: Sequence[int]) -> Schedule:  # noqa: N802
  """Schedulers one after another; each restarts from its own step 0 at its milestone."""
  return _join.join(schedulers, boundaries=milestones)
