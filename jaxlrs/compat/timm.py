"""timm's ``CosineLRScheduler`` as a jaxlrs schedule, stepped per update (``t_in_epochs=False``)."""

from __future__ import annotations

from .. import _compose, _cyclic, _join, _shapes
from .._core import Schedule, check_steps, check_value, require
from ._args import positive_steps

__all__ = ["CosineLRScheduler"]


def CosineLRScheduler(lr: float, t_initial: int, lr_min: float = 0.0,  # noqa: N802
                      cycle_mul: float = 1.0, cycle_decay: float = 1.0, cycle_limit: int = 1,
                      warmup_t: int = 0, warmup_lr_init: float = 0.0,
                      warmup_prefix: bool = False, k_decay: float = 1.0) -> Schedule:
  """timm ``CosineLRScheduler`` values at update ``t`` (``step_update(t)``).

  Cycle ``i`` lasts ``t_initial * cycle_mul**i`` updates, peaks at ``lr * cycle_decay**i`` and
  ends at ``lr_min``; after ``cycle_limit`` cycles the value is ``lr_min``. The warmup rises
  linearly from ``warmup_lr_init`` to ``lr`` over ``warmup_t`` updates; with
  ``warmup_prefix=False`` (timm's default) the cycles are counted from update 0 and the warmup
  overrides their start, with ``warmup_prefix=True`` they start after it. Noise arguments are not
  ported (see :func:`jaxlrs.noisy`, which is deterministic but not timm's generator).
  """
  lr = check_value("lr", lr)
  t_initial = positive_steps("t_initial", t_initial)
  require(check_value("cycle_mul", cycle_mul) >= 1, "cycle_mul", cycle_mul, ">= 1")
  require(check_value("lr_min", lr_min) >= 0, "lr_min", lr_min, ">= 0")
  cycle_limit = check_steps("cycle_limit", cycle_limit)
  warmup_t = check_steps("warmup_t", warmup_t)
  require(warmup_t >= 0, "warmup_t", warmup_t, "non-negative")
  cycles = _cyclic.cosine_restarts(lr, cycle_steps=t_initial, cycle_mul=cycle_mul,
                                   cycle_decay=cycle_decay, end_value=lr_min,
                                   cycle_limit=max(cycle_limit, 1), time_exponent=k_decay)
  if cycle_limit < 1:  # timm: no cycle at all
    cycles = _shapes.constant(lr_min)
  if warmup_t == 0:
    return cycles
  if warmup_prefix:
    return _compose.warmup(cycles, warmup_steps=warmup_t, init_value=warmup_lr_init)
  rise = _shapes.linear(warmup_lr_init, end_value=lr, total_steps=warmup_t)
  return _join.join([rise, cycles.shift(-warmup_t)], boundaries=[warmup_t])
