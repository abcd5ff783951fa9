"""timm's decaying schedulers (step, multistep; ``timm.scheduler``) as jaxlrs schedules.

As the cycling ones (:mod:`jaxlrs.compat._timm_sched`): timm's names, argument names and
defaults, ``lr`` in place of the optimizer, and timm's ``t`` as the step.
"""

from __future__ import annotations

import bisect
from typing import Any, Callable, Sequence

from .. import _decays, _piecewise, _shapes
from .._core import Schedule, check_sequence, check_value, concrete_float, require, require_value
from . import _timm_args as A
from ._args import checked


def _decay_schedule(lr: Any, decay_rate: Any, warmup_t: Any, warmup_lr_init: Any,
                    warmup_prefix: Any, t_in_epochs: Any, noise: Any, initialize: Any,
                    body_fn: Callable[[Any, Any], Schedule]) -> Schedule:
  lr = A.learning_rate("lr", lr)
  decay_rate = A.value("decay_rate", decay_rate)
  require_value("decay_rate", decay_rate, lambda d: d > 0, "positive")
  warmup_t = A.steps("warmup_t", warmup_t)
  warmup_lr_init = A.value("warmup_lr_init", warmup_lr_init, 0.0)
  for name, x in (("warmup_prefix", warmup_prefix), ("t_in_epochs", t_in_epochs),
                  ("initialize", initialize)):
    A.flag(name, x)
  body = body_fn(lr, decay_rate)
  return A.with_noise(A.with_warmup(body, lr, warmup_t, warmup_lr_init, warmup_prefix), *noise)


@checked
def StepLRScheduler(lr: float, decay_t: float, decay_rate: float = 1.0,  # noqa: N802
                    warmup_t: int = 0, warmup_lr_init: float = 0.0, warmup_prefix: bool = True,
                    t_in_epochs: bool = True, noise_range_t: Any = None,
                    noise_pct: float = 0.67, noise_std: float = 1.0, noise_seed: int = 42,
                    initialize: bool = True, noise_type: str = "normal") -> Schedule:
  """timm ``StepLRScheduler``: ``lr * decay_rate ** floor(t / decay_t)`` after the warmup.

  timm's default ``warmup_prefix=True`` counts the decays from the end of the warmup.

  Args:
    lr: base learning rate (timm reads it from the optimizer).
    decay_t: steps between decays, a positive number (timm accepts a float).
    decay_rate: factor per decay, positive (timm's default 1 is a constant).
    warmup_t: warmup steps (a non-negative int).
    warmup_lr_init: value at ``t = 0`` of the warmup, ``>= 0``.
    warmup_prefix: count the decays from the end of the warmup (timm's default True).
    t_in_epochs: timm's step unit; the values do not depend on it.
    noise_range_t: None, a step from which noise is on, or ``(start, end)``.
    noise_pct: noise limit (normal noise is redrawn until ``|n| < noise_pct``), positive.
    noise_std: standard deviation of the normal noise, positive.
    noise_seed: seed; step ``t`` draws from ``manual_seed(noise_seed + t)`` as timm does.
    initialize: accepted for timm's signature (a bool).
    noise_type: ``"normal"`` or ``"uniform"`` (timm's base-class argument).

  Returns:
    A jaxlrs schedule of ``t``.

  Raises:
    ValueError: ``decay_t <= 0``, ``decay_rate <= 0``, negative counts, a bad noise range,
      ``noise_pct``/``noise_std <= 0``.
    TypeError: a non-bool flag or a fractional step count.

  Example:
    >>> StepLRScheduler(1.0, decay_t=10, decay_rate=0.5)(25)
    Array(0.25, dtype=float32)
  """
  decay_t = check_value("decay_t", decay_t)
  require(concrete_float(decay_t) is not None and decay_t > 0, "decay_t", decay_t,
          "a positive number of steps")

  def body(lr, rate):
    if float(decay_t).is_integer():
      return _decays.step_decay(lr, period_steps=int(decay_t), decay_rate=rate)
    return _decays.step_decay(lr, period_steps=1, decay_rate=rate).time_scale(1.0 / decay_t)

  return _decay_schedule(lr, decay_rate, warmup_t, warmup_lr_init, warmup_prefix, t_in_epochs,
                         (noise_range_t, noise_pct, noise_std, noise_seed, noise_type),
                         initialize, body)


@checked
def MultiStepLRScheduler(lr: float, decay_t: Sequence[int], decay_rate: float = 1.0,  # noqa: N802
                         warmup_t: int = 0, warmup_lr_init: float = 0.0,
                         warmup_prefix: bool = True, t_in_epochs: bool = True,
                         noise_range_t: Any = None, noise_pct: float = 0.67,
                         noise_std: float = 1.0, noise_seed: int = 42, initialize: bool = True,
                         noise_type: str = "normal") -> Schedule:
  """timm ``MultiStepLRScheduler``: ``lr * decay_rate ** bisect_right(decay_t, t + 1)``.

  timm counts a milestone ``m`` from ``t = m - 1``, one step before PyTorch's ``MultiStepLR``;
  a milestone listed twice decays twice.

  Args:
    lr: base learning rate (timm reads it from the optimizer).
    decay_t: milestones, non-decreasing ints (timm assumes them sorted; unsorted raises here).
    decay_rate: factor per milestone, positive.
    warmup_t: warmup steps (a non-negative int).
    warmup_lr_init: value at ``t = 0`` of the warmup, ``>= 0``.
    warmup_prefix: count the decays from the end of the warmup (timm's default True).
    t_in_epochs: timm's step unit; the values do not depend on it.
    noise_range_t: None, a step from which noise is on, or ``(start, end)``.
    noise_pct: noise limit (normal noise is redrawn until ``|n| < noise_pct``), positive.
    noise_std: standard deviation of the normal noise, positive.
    noise_seed: seed; step ``t`` draws from ``manual_seed(noise_seed + t)`` as timm does.
    initialize: accepted for timm's signature (a bool).
    noise_type: ``"normal"`` or ``"uniform"`` (timm's base-class argument).

  Returns:
    A jaxlrs schedule of ``t``.

  Raises:
    ValueError: empty or unsorted ``decay_t``, ``decay_rate <= 0``, negative counts, a bad
      noise range, ``noise_pct``/``noise_std <= 0``.
    TypeError: a non-sequence ``decay_t``, a non-bool flag or a fractional step count.

  Example:
    >>> s = MultiStepLRScheduler(1.0, decay_t=[10, 20], decay_rate=0.1)
    >>> s(8), s(9), s(19)
    (Array(1., dtype=float32), Array(0.1, dtype=float32), Array(0.01, dtype=float32))
  """
  milestones = list(check_sequence("decay_t", decay_t, A.steps))
  require(len(milestones) > 0, "decay_t", decay_t, "non-empty")
  require(milestones == sorted(milestones), "decay_t", decay_t, "sorted (non-decreasing)")

  def body(lr, rate):
    bounds = sorted({m - 1 for m in milestones if m > 1})
    values = [lr * rate ** bisect.bisect_right(milestones, b + 1) for b in [0] + bounds]
    if not bounds:
      return _shapes.constant(values[0])
    return _piecewise.piecewise_constant(bounds, values=values)

  return _decay_schedule(lr, decay_rate, warmup_t, warmup_lr_init, warmup_prefix, t_in_epochs,
                         (noise_range_t, noise_pct, noise_std, noise_seed, noise_type),
                         initialize, body)
