"""timm's ``create_scheduler_v2``, ``get_cycle_length`` and an epoch-to-update reader."""

from __future__ import annotations

import math
from typing import Any, Sequence

from ._args import checked
from .. import _shapes
from .._core import Schedule, check_child, check_value, require, require_choice
from . import _timm_args as A
from ._timm_sched import CosineLRScheduler, PolyLRScheduler, TanhLRScheduler
from ._timm_step import MultiStepLRScheduler, StepLRScheduler
from ._timm_plateau import PlateauLRScheduler
from ._timm_wsd import WSDLRScheduler
from ._timm_shapes import timm_per_epoch

SCHEDULERS = ("cosine", "tanh", "step", "multistep", "plateau", "poly", "wsd", "rsqrt", "constant",
              "none")


@checked
def get_cycle_length(t_initial: int, cycle_mul: float = 1.0, cycle_limit: int = 1,
                     warmup_t: int = 0, warmup_prefix: bool = False, cycles: int = 0) -> int:
  """timm's ``get_cycle_length`` of the cosine, poly and tanh schedulers.

  The length of ``cycles`` cycles (0: ``cycle_limit``, at least 1): ``t_initial * cycles``, or
  ``floor(t_initial (cycle_mul**cycles - 1) / (cycle_mul - 1))``, plus ``warmup_t`` with
  ``warmup_prefix``. (timm's ``WSDLRScheduler`` has ``warmup_t + t_initial``.)

  Args:
    t_initial: length of the first cycle (a positive int).
    cycle_mul: cycle length multiplier, ``>= 1``.
    cycle_limit: number of cycles of the scheduler.
    warmup_t: warmup steps (a non-negative int).
    warmup_prefix: whether the cycles start after the warmup (then it is counted).
    cycles: number of cycles (0: ``cycle_limit``).

  Returns:
    An int number of steps.

  Raises:
    ValueError: ``t_initial <= 0``, ``cycle_mul < 1``, negative counts.

  Example:
    >>> get_cycle_length(10, cycle_mul=2.0, cycle_limit=3)
    70
  """
  t_initial = A.steps("t_initial", t_initial, positive=True)
  cycle_mul = float(A.value("cycle_mul", cycle_mul, 1.0))
  cycles = max(1, A.steps("cycles", cycles) or A.steps("cycle_limit", cycle_limit))
  warmup_t = A.steps("warmup_t", warmup_t)
  if cycle_mul == 1.0:
    t = t_initial * cycles
  else:
    t = int(math.floor(-t_initial * (cycle_mul**cycles - 1) / (1 - cycle_mul)))
  return t + warmup_t if A.flag("warmup_prefix", warmup_prefix) else t


def per_update(schedule: Any, updates_per_epoch: int) -> Schedule:
  """Read an epoch schedule (``t_in_epochs=True``) per optimizer update.

  timm sets the learning rate once per epoch, so update ``k`` trains with the value of epoch
  ``floor(k / updates_per_epoch)``; the result is an Optax schedule of the update count.

  Args:
    schedule: a jaxlrs schedule of the epoch (e.g. from :func:`create_scheduler_v2`).
    updates_per_epoch: optimizer updates per epoch (a positive int).

  Returns:
    A jaxlrs schedule of the update count.

  Raises:
    ValueError: ``updates_per_epoch <= 0``.

  Example:
    >>> s = per_update(StepLRScheduler(1.0, decay_t=2, decay_rate=0.5), updates_per_epoch=10)
    >>> s(19), s(20)
    (Array(1., dtype=float32), Array(0.5, dtype=float32))
  """
  return timm_per_epoch(check_child("schedule", schedule),
                        updates_per_epoch=A.steps("updates_per_epoch", updates_per_epoch,
                                                  positive=True))


@checked
def create_scheduler_v2(lr: float, sched: str = "cosine", num_epochs: int = 300,
                        decay_epochs: float | None = None,
                        decay_milestones: Sequence[int] = (90, 180, 270),
                        cooldown_epochs: int = 0, patience_epochs: int = 10,
                        decay_rate: float = 0.1, min_lr: float = 0.0, warmup_lr: float = 1e-5,
                        warmup_epochs: int = 0, warmup_prefix: bool = False, noise: Any = None,
                        noise_pct: float = 0.67, noise_std: float = 1.0, noise_seed: int = 42,
                        cycle_mul: float = 1.0, cycle_decay: float = 0.1, cycle_limit: int = 1,
                        k_decay: float = 1.0, decay_fn: str | None = None,
                        stable_timescale: float | None = None, plateau_mode: str = "max",
                        step_on_epochs: bool = True,
                        updates_per_epoch: int = 0) -> tuple[Any, int]:
  """timm ``create_scheduler_v2`` by name, with ``lr`` in place of the optimizer.

  Converts epochs to updates when ``step_on_epochs=False`` (``updates_per_epoch`` required),
  turns ``noise`` fractions into a noise range of ``t_initial``, maps ``decay_rate`` to the
  polynomial power for ``poly``, fits ``wsd``/``rsqrt`` inside ``num_epochs`` unless
  ``warmup_prefix``, and returns the total number of epochs as timm does (cycles, warmup prefix
  and cooldown included). ``plateau`` builds :func:`PlateauLRScheduler` (an Optax transform
  driven by a metric) with ``patience_t=patience_epochs``, ``mode=plateau_mode`` and, as timm,
  ``cooldown_t=0`` whatever ``cooldown_epochs`` is. ``constant`` is timm's step schedule that
  never decays (warmup and noise apply); for ``none``, where timm returns no scheduler and the
  optimizer keeps its learning rate, this returns ``jaxlrs.constant(lr)``.

  Args:
    lr: base learning rate.
    sched: one of :data:`SCHEDULERS`.
    num_epochs: epochs of the schedule (without a warmup prefix and cooldown).
    decay_epochs: epochs between decays (``step``), or the decay phase of ``wsd``/``rsqrt``
      (a fraction in ``(0, 1)`` of its length); None: 90, or 0.2 for ``wsd``/``rsqrt``.
    decay_milestones: milestones of ``multistep``, in epochs.
    cooldown_epochs: epochs added to the total after the cycles (not a plateau cooldown).
    patience_epochs: ``patience_t`` of ``plateau``.
    decay_rate: decay factor (``step``, ``multistep``, ``plateau``), the power of ``poly``.
    min_lr: ``lr_min`` of the scheduler built.
    warmup_lr: ``warmup_lr_init`` of the scheduler built.
    warmup_epochs: warmup length in epochs.
    warmup_prefix: whether the warmup comes before ``num_epochs`` (added to the total).
    noise: None, a fraction of ``num_epochs`` from which noise is on, or a pair of fractions.
    noise_pct: noise limit, positive.
    noise_std: standard deviation of the normal noise, positive.
    noise_seed: noise seed.
    cycle_mul: cycle length multiplier (``cosine``, ``tanh``, ``poly``).
    cycle_decay: peak multiplier per cycle (``cosine``, ``tanh``, ``poly``).
    cycle_limit: number of cycles (``cosine``, ``tanh``, ``poly``).
    k_decay: k-decay exponent (``cosine``, ``poly``).
    decay_fn: decay function of ``wsd``/``rsqrt`` (None: ``1-sqrt``, ``linear`` for ``rsqrt``).
    stable_timescale: timescale of ``rsqrt`` in epochs (None: ``warmup_epochs``).
    plateau_mode: ``"max"`` or ``"min"``, the metric direction of ``plateau``.
    step_on_epochs: whether the step is the epoch (otherwise the update; not for ``plateau``).
    updates_per_epoch: optimizer updates per epoch (needed with ``step_on_epochs=False``).

  Returns:
    ``(schedule, num_epochs)``; the schedule's step is the epoch (``step_on_epochs``) or the
    update (see :func:`per_update` to read an epoch schedule per update). For ``plateau`` the
    first item is the Optax transform of :func:`PlateauLRScheduler`.

  Raises:
    ValueError: unknown ``sched``; ``step_on_epochs=False`` without ``updates_per_epoch`` or
      with ``plateau``; a ``wsd``/``rsqrt`` decay outside ``(0, length]``; and every error of
      the scheduler built, under that scheduler's argument name.
    TypeError: a non-bool flag or a fractional count.

  Example:
    >>> s, epochs = create_scheduler_v2(0.1, "cosine", num_epochs=50, warmup_epochs=5,
    ...                                 warmup_prefix=True)
    >>> epochs, s(0), s(5)
    (55, Array(1.e-05, dtype=float32), Array(0.1, dtype=float32))
    >>> tx, epochs = create_scheduler_v2(0.1, "plateau", num_epochs=50, plateau_mode="min")
    >>> tx.init(None).lr
    Array(0.1, dtype=float32)
  """
  require_choice("sched", sched, SCHEDULERS)
  A.flag("step_on_epochs", step_on_epochs)
  A.flag("warmup_prefix", warmup_prefix)
  if decay_epochs is None:
    decay_epochs = 0.2 if sched in ("wsd", "rsqrt") else 90
  t_initial = A.steps("num_epochs", num_epochs, positive=True)
  warmup_t = A.steps("warmup_epochs", warmup_epochs)
  decay_t, cooldown_t = check_value("decay_epochs", decay_epochs), A.steps(
      "cooldown_epochs", cooldown_epochs)
  milestones = list(decay_milestones)
  timescale = stable_timescale
  upe = A.steps("updates_per_epoch", updates_per_epoch)
  if not step_on_epochs:
    require(upe > 0, "updates_per_epoch", updates_per_epoch,
            "positive when step_on_epochs=False (the number of batches per epoch)")
    t_initial, warmup_t, cooldown_t = t_initial * upe, warmup_t * upe, cooldown_t * upe
    decay_t = decay_t * upe
    milestones = [m * upe for m in milestones]
    timescale = None if timescale is None else timescale * upe
  noise_range = None
  if noise is not None:
    if isinstance(noise, (list, tuple)):
      noise_range = [n * t_initial for n in noise]
      noise_range = noise_range[0] if len(noise_range) == 1 else noise_range
    else:
      noise_range = noise * t_initial
  noise_args = dict(noise_range_t=noise_range, noise_pct=noise_pct, noise_std=noise_std,
                    noise_seed=noise_seed)
  warmup_args = dict(warmup_lr_init=warmup_lr, warmup_t=warmup_t, warmup_prefix=warmup_prefix)
  cycle_args = dict(cycle_mul=cycle_mul, cycle_decay=cycle_decay, cycle_limit=cycle_limit)
  common = dict(t_in_epochs=step_on_epochs, **warmup_args, **noise_args)
  if sched == "cosine":
    s = CosineLRScheduler(lr, t_initial, lr_min=min_lr, k_decay=k_decay, **cycle_args, **common)
  elif sched == "tanh":
    s = TanhLRScheduler(lr, t_initial, lr_min=min_lr, **cycle_args, **common)
  elif sched == "poly":
    s = PolyLRScheduler(lr, t_initial, power=decay_rate, lr_min=min_lr, k_decay=k_decay,
                        **cycle_args, **common)
  elif sched == "step":
    require(float(decay_t).is_integer(), "decay_epochs", decay_epochs, "whole steps")
    s = StepLRScheduler(lr, decay_t, decay_rate=decay_rate, **common)
  elif sched == "constant":  # timm: a step schedule that never decays (warmup and noise apply)
    s = StepLRScheduler(lr, 1, decay_rate=1.0, **common)
  elif sched == "none":  # timm returns no scheduler and the optimizer keeps its lr
    s = _shapes.constant(lr)
  elif sched == "multistep":
    s = MultiStepLRScheduler(lr, milestones, decay_rate=decay_rate, **common)
  elif sched == "plateau":
    require(step_on_epochs, "step_on_epochs", step_on_epochs,
            "True for sched='plateau' (timm steps it once per epoch)")
    require_choice("plateau_mode", plateau_mode, ("min", "max"))
    s = PlateauLRScheduler(lr, decay_rate=decay_rate,
                           patience_t=A.steps("patience_epochs", patience_epochs),
                           cooldown_t=0, warmup_lr_init=warmup_lr, warmup_t=warmup_t,
                           lr_min=min_lr, mode=plateau_mode, **noise_args)
  else:
    t_sched = t_initial if warmup_prefix else t_initial - warmup_t
    if 0 < decay_epochs < 1:
      decay_t = decay_epochs * t_sched
    decay_t = int(round(decay_t))
    require(0 < decay_t <= t_sched, "decay_epochs", decay_epochs,
            f"a decay in (0, {t_sched}] epochs (or a fraction in (0, 1))")
    s = WSDLRScheduler(lr, t_sched, decay_t, lr_min=min_lr,
                       stable_fn="rsqrt" if sched == "rsqrt" else "constant",
                       stable_timescale=timescale,
                       decay_fn=decay_fn or ("linear" if sched == "rsqrt" else "1-sqrt"),
                       t_in_epochs=step_on_epochs, warmup_t=warmup_t, warmup_lr_init=warmup_lr,
                       **noise_args)
  if sched in ("cosine", "tanh", "poly", "wsd", "rsqrt"):
    if sched in ("wsd", "rsqrt"):
      length = warmup_t + t_sched
    else:
      length = get_cycle_length(t_initial, cycle_mul, cycle_limit, warmup_t, warmup_prefix)
    total = length + cooldown_t
    num_epochs = total if step_on_epochs else total // upe
  elif warmup_prefix:
    num_epochs += warmup_epochs
  return s, num_epochs
