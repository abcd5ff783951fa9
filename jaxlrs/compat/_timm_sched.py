"""timm's step-driven schedulers (``timm.scheduler``) as jaxlrs schedules.

Each function keeps timm's class name, argument names and defaults, with the base learning rate
``lr`` where timm takes an optimizer. The schedule's step is timm's ``t``: the epoch passed to
``scheduler.step(epoch)`` when ``t_in_epochs=True`` (timm's default), the update count passed to
``step_update(num_updates)`` otherwise; ``schedule(t)`` equals timm's ``_get_lr(t)`` plus its noise
(the learning rate timm sets at that call). Fractional ``t`` gives timm's formulas at that ``t``.
To drive an Optax optimizer with an epoch schedule use :func:`jaxlrs.compat.timm.per_update`.
"""

from __future__ import annotations

import bisect
from typing import Any, Callable, Sequence

from .. import _decays, _piecewise, _shapes
from .._cyclic import cosine_restarts
from ._args import checked
from .._core import Schedule, check_value, concrete_float, require
from . import _timm_args as A
from ._timm_shapes import timm_cycles

NOISE_DOC = """noise_range_t: None, a step from which noise is on, or ``(start, end)``.
    noise_pct: noise limit (normal noise is redrawn until ``|n| < noise_pct``), positive.
    noise_std: standard deviation of the normal noise, positive.
    noise_seed: seed; step ``t`` draws from ``manual_seed(noise_seed + t)`` as timm does.
    noise_type: ``"normal"`` or ``"uniform"`` (timm's base-class argument)."""


def _cycles(curve: str, lr: Any, t_initial: Any, lr_min: Any, cycle_mul: Any, cycle_decay: Any,
            cycle_limit: Any, warmup_t: Any, warmup_lr_init: Any, warmup_prefix: Any,
            t_in_epochs: Any, noise: Any, k_decay: Any, initialize: Any,
            **curve_args: Any) -> Schedule:
  lr, lr_min = A.lr_pair(lr, lr_min)
  t_initial = A.steps("t_initial", t_initial, positive=True)
  warmup_t = A.steps("warmup_t", warmup_t)
  cycle_limit = A.steps("cycle_limit", cycle_limit)
  warmup_lr_init = A.value("warmup_lr_init", warmup_lr_init, 0.0)
  for name, x in (("warmup_prefix", warmup_prefix), ("t_in_epochs", t_in_epochs),
                  ("initialize", initialize)):
    A.flag(name, x)
  cycle_mul = A.value("cycle_mul", cycle_mul, 1.0, ">= 1 (timm fails past the end below 1)")
  cycle_decay = A.value("cycle_decay", cycle_decay, 0.0)
  k_decay = A.value("k_decay", k_decay)
  require((kd := concrete_float(k_decay)) is None or kd > 0, "k_decay", k_decay,
          "positive")
  if curve == "cosine" and cycle_limit >= 1:
    body: Schedule = cosine_restarts(lr, cycle_steps=t_initial, cycle_mul=cycle_mul,
                           cycle_decay=cycle_decay, end_value=lr_min, cycle_limit=cycle_limit,
                           time_exponent=k_decay)
  else:
    body = timm_cycles(lr, t_initial=t_initial, lr_min=lr_min, cycle_mul=cycle_mul,
                       cycle_decay=cycle_decay, cycle_limit=cycle_limit, k_decay=k_decay,
                       curve=curve, **curve_args)
  to_body = curve == "tanh" and not warmup_prefix
  return A.with_noise(A.with_warmup(body, lr, warmup_t, warmup_lr_init, warmup_prefix, to_body),
                      *noise)


@checked
def CosineLRScheduler(lr: float, t_initial: int, lr_min: float = 0.0,  # noqa: N802
                      cycle_mul: float = 1.0, cycle_decay: float = 1.0, cycle_limit: int = 1,
                      warmup_t: int = 0, warmup_lr_init: float = 0.0,
                      warmup_prefix: bool = False, t_in_epochs: bool = True,
                      noise_range_t: Any = None, noise_pct: float = 0.67,
                      noise_std: float = 1.0, noise_seed: int = 42, k_decay: float = 1.0,
                      initialize: bool = True, noise_type: str = "normal") -> Schedule:
  """timm ``CosineLRScheduler``: SGDR cosine cycles with warmup, k-decay and noise.

  Cycle ``i`` lasts ``t_initial * cycle_mul**i`` steps and goes from ``lr * cycle_decay**i`` to
  ``lr_min`` along ``lr_min + (p - lr_min)(1 + cos(pi u^k / T_i^k)) / 2``; after
  ``cycle_limit`` cycles (timm's default: 1) the value is ``lr_min``. The warmup rises linearly
  from ``warmup_lr_init`` to ``lr`` over ``warmup_t`` steps; with ``warmup_prefix=False`` the
  cycles are counted from ``t = 0`` and the warmup replaces their start, with ``True`` they start
  after it. Built on :func:`jaxlrs.cosine_restarts`.

  Args:
    lr: base learning rate (timm reads it from the optimizer).
    t_initial: length of the first cycle (a positive int).
    lr_min: value at the end of each cycle, in ``[0, lr]``.
    cycle_mul: cycle length multiplier, ``>= 1``.
    cycle_decay: peak multiplier per cycle, ``>= 0``.
    cycle_limit: number of cycles (0: ``lr_min`` after the warmup).
    warmup_t: warmup steps (a non-negative int).
    warmup_lr_init: value at ``t = 0`` of the warmup, ``>= 0``.
    warmup_prefix: start the cycles after the warmup.
    t_in_epochs: timm's step unit; the values do not depend on it (see the module docstring).
    k_decay: exponent ``k > 0`` on the cycle progress.
    initialize: accepted for timm's signature (a bool).
    {noise}

  Returns:
    A jaxlrs schedule of ``t``.

  Raises:
    ValueError: ``t_initial <= 0``, negative counts, ``lr_min`` outside ``[0, lr]``,
      ``cycle_mul < 1``, ``k_decay <= 0``, a bad noise range, ``noise_pct``/``noise_std <= 0``.
    TypeError: a non-bool flag or a fractional step count.

  Example:
    >>> s = CosineLRScheduler(0.1, t_initial=100, warmup_t=10, warmup_lr_init=0.0)
    >>> s(5), s(50)
    (Array(0.05, dtype=float32), Array(0.05, dtype=float32))
  """
  return _cycles("cosine", lr, t_initial, lr_min, cycle_mul, cycle_decay, cycle_limit, warmup_t,
                 warmup_lr_init, warmup_prefix, t_in_epochs,
                 (noise_range_t, noise_pct, noise_std, noise_seed, noise_type), k_decay,
                 initialize)


@checked
def PolyLRScheduler(lr: float, t_initial: int, power: float = 0.5,  # noqa: N802
                    lr_min: float = 0.0, cycle_mul: float = 1.0, cycle_decay: float = 1.0,
                    cycle_limit: int = 1, warmup_t: int = 0, warmup_lr_init: float = 0.0,
                    warmup_prefix: bool = False, t_in_epochs: bool = True,
                    noise_range_t: Any = None, noise_pct: float = 0.67, noise_std: float = 1.0,
                    noise_seed: int = 42, k_decay: float = 1.0, initialize: bool = True,
                    noise_type: str = "normal") -> Schedule:
  """timm ``PolyLRScheduler``: ``lr_min + (p - lr_min)(1 - u^k / T_i^k)^power`` per cycle.

  Cycles, warmup and noise as :func:`CosineLRScheduler`.

  Args:
    power: the polynomial exponent, ``>= 0`` (timm's default 0.5).
    (others): as :func:`CosineLRScheduler`.

  Returns:
    A jaxlrs schedule of ``t``.

  Raises:
    ValueError: as :func:`CosineLRScheduler`, and ``power < 0``.

  Example:
    >>> PolyLRScheduler(1.0, t_initial=10, power=2.0)(5)
    Array(0.25, dtype=float32)
  """
  power = A.value("power", power, 0.0)
  return _cycles("poly", lr, t_initial, lr_min, cycle_mul, cycle_decay, cycle_limit, warmup_t,
                 warmup_lr_init, warmup_prefix, t_in_epochs,
                 (noise_range_t, noise_pct, noise_std, noise_seed, noise_type), k_decay,
                 initialize, power=power)


@checked
def TanhLRScheduler(lr: float, t_initial: int, lb: float = -7.0, ub: float = 3.0,  # noqa: N802
                    lr_min: float = 0.0, cycle_mul: float = 1.0, cycle_decay: float = 1.0,
                    cycle_limit: int = 1, warmup_t: int = 0, warmup_lr_init: float = 0.0,
                    warmup_prefix: bool = False, t_in_epochs: bool = True,
                    noise_range_t: Any = None, noise_pct: float = 0.67, noise_std: float = 1.0,
                    noise_seed: int = 42, initialize: bool = True,
                    noise_type: str = "normal") -> Schedule:
  """timm ``TanhLRScheduler`` (Hsueh et al. 2019): hyperbolic-tangent decay with restarts.

  Per cycle ``lr_min + (p - lr_min)(1 - tanh(lb (1 - r) + ub r)) / 2`` with ``r = u / T_i``, so
  at ``t = 0`` the value is slightly below ``lr``. As in timm, without ``warmup_prefix`` the
  warmup rises to the curve's value at ``warmup_t`` (not to ``lr``), and with it to ``lr``.

  Args:
    lb, ub: the tanh range, ``lb < ub``.
    (others): as :func:`CosineLRScheduler` (no ``k_decay``, as timm).

  Returns:
    A jaxlrs schedule of ``t``.

  Raises:
    ValueError: as :func:`CosineLRScheduler`, and ``lb >= ub``.

  Example:
    >>> round(float(TanhLRScheduler(1.0, t_initial=10)(7)), 6)  # tanh(0) at 70% of the cycle
    0.5
  """
  lb, ub = A.value("lb", lb), A.value("ub", ub)
  lo, hi = concrete_float(lb), concrete_float(ub)
  if lo is not None and hi is not None:
    require(lo < hi, "lb", lo, f"< ub ({hi})")
  return _cycles("tanh", lr, t_initial, lr_min, cycle_mul, cycle_decay, cycle_limit, warmup_t,
                 warmup_lr_init, warmup_prefix, t_in_epochs,
                 (noise_range_t, noise_pct, noise_std, noise_seed, noise_type), 1.0,
                 initialize, lb=lb, ub=ub)


def _decay_schedule(lr: Any, decay_rate: Any, warmup_t: Any, warmup_lr_init: Any,
                    warmup_prefix: Any, t_in_epochs: Any, noise: Any, initialize: Any,
                    body_fn: Callable[[Any, Any], Schedule]) -> Schedule:
  lr = A.learning_rate("lr", lr)
  decay_rate = A.value("decay_rate", decay_rate)
  require((dr := concrete_float(decay_rate)) is None or dr > 0, "decay_rate",
          decay_rate, "positive")
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
    decay_t: steps between decays, a positive number (timm accepts a float).
    decay_rate: factor per decay, positive (timm's default 1 is a constant).
    (others): as :func:`CosineLRScheduler`.

  Returns:
    A jaxlrs schedule of ``t``.

  Raises:
    ValueError: ``decay_t <= 0``, ``decay_rate <= 0``, and as :func:`CosineLRScheduler`.

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
    decay_t: milestones, non-decreasing ints (timm assumes them sorted; unsorted raises here).
    decay_rate: factor per milestone, positive.
    (others): as :func:`StepLRScheduler` (``warmup_prefix`` defaults to True).

  Returns:
    A jaxlrs schedule of ``t``.

  Raises:
    ValueError: empty or unsorted ``decay_t``, and as :func:`StepLRScheduler`.

  Example:
    >>> s = MultiStepLRScheduler(1.0, decay_t=[10, 20], decay_rate=0.1)
    >>> s(8), s(9), s(19)
    (Array(1., dtype=float32), Array(0.1, dtype=float32), Array(0.01, dtype=float32))
  """
  if isinstance(decay_t, (str, bytes)) or not hasattr(decay_t, "__iter__"):
    raise TypeError(f"decay_t must be a sequence of steps, got {decay_t!r}.")
  milestones = [A.steps(f"decay_t[{i}]", m) for i, m in enumerate(decay_t)]
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


for _f in (CosineLRScheduler, PolyLRScheduler, TanhLRScheduler, StepLRScheduler,
           MultiStepLRScheduler):
  if _f.__doc__ and "{noise}" in _f.__doc__:
    _f.__doc__ = _f.__doc__.replace("{noise}", NOISE_DOC)
