"""timm's cycling schedulers (cosine, poly, tanh; ``timm.scheduler``) as jaxlrs schedules.

Each function keeps timm's class name, argument names and defaults, with the base learning rate
``lr`` where timm takes an optimizer. The schedule's step is timm's ``t``: the epoch passed to
``scheduler.step(epoch)`` when ``t_in_epochs=True`` (timm's default), the update count passed to
``step_update(num_updates)`` otherwise; ``schedule(t)`` equals timm's ``_get_lr(t)`` plus its noise
(the learning rate timm sets at that call). Fractional ``t`` gives timm's formulas at that ``t``.
To drive an Optax optimizer with an epoch schedule use :func:`jaxlrs.compat.timm.per_update`.
"""

from __future__ import annotations

from typing import Any

from .._cyclic import cosine_restarts
from ._args import checked
from .._core import Schedule, concrete_float, require, require_value
from . import _timm_args as A
from ._timm_shapes import timm_cycles


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
  require_value("k_decay", k_decay, lambda k: k > 0, "positive")
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
    noise_range_t: None, a step from which noise is on, or ``(start, end)``.
    noise_pct: noise limit (normal noise is redrawn until ``|n| < noise_pct``), positive.
    noise_std: standard deviation of the normal noise, positive.
    noise_seed: seed; step ``t`` draws from ``manual_seed(noise_seed + t)`` as timm does.
    k_decay: exponent ``k > 0`` on the cycle progress.
    initialize: accepted for timm's signature (a bool).
    noise_type: ``"normal"`` or ``"uniform"`` (timm's base-class argument).

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
    lr: base learning rate (timm reads it from the optimizer).
    t_initial: length of the first cycle (a positive int).
    power: the polynomial exponent, ``>= 0`` (timm's default 0.5).
    lr_min: value at the end of each cycle, in ``[0, lr]``.
    cycle_mul: cycle length multiplier, ``>= 1``.
    cycle_decay: peak multiplier per cycle, ``>= 0``.
    cycle_limit: number of cycles (0: ``lr_min`` after the warmup).
    warmup_t: warmup steps (a non-negative int).
    warmup_lr_init: value at ``t = 0`` of the warmup, ``>= 0``.
    warmup_prefix: start the cycles after the warmup.
    t_in_epochs: timm's step unit; the values do not depend on it.
    noise_range_t: None, a step from which noise is on, or ``(start, end)``.
    noise_pct: noise limit (normal noise is redrawn until ``|n| < noise_pct``), positive.
    noise_std: standard deviation of the normal noise, positive.
    noise_seed: seed; step ``t`` draws from ``manual_seed(noise_seed + t)`` as timm does.
    k_decay: exponent ``k > 0`` on the cycle progress.
    initialize: accepted for timm's signature (a bool).
    noise_type: ``"normal"`` or ``"uniform"`` (timm's base-class argument).

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
    lr: base learning rate (timm reads it from the optimizer).
    t_initial: length of the first cycle (a positive int).
    lb: lower end of the tanh range, ``< ub``.
    ub: upper end of the tanh range.
    lr_min: value at the end of each cycle, in ``[0, lr]``.
    cycle_mul: cycle length multiplier, ``>= 1``.
    cycle_decay: peak multiplier per cycle, ``>= 0``.
    cycle_limit: number of cycles (0: ``lr_min`` after the warmup).
    warmup_t: warmup steps (a non-negative int).
    warmup_lr_init: value at ``t = 0`` of the warmup, ``>= 0``.
    warmup_prefix: start the cycles after the warmup.
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
