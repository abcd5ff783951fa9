"""SambaFlow learning-rate schedules (``lr_schedule`` names) as jaxlrs schedules.

SambaFlow's training scripts take ``--lr-schedule``, ``--learning-rate``, ``--warmup-steps``,
``--max-steps`` and ``--end-lr-ratio``; ``--steps-this-run`` stops a run early, and a resumed run
continues the same curve. Here a schedule is a pure function of the global step, so a run that
stops at ``steps_this_run < max_steps`` and resumes from its checkpointed step sees exactly the
values of one uninterrupted run.
"""

from __future__ import annotations

from .. import _compose, _shapes
from .._core import Schedule, check_steps, check_value, require
from ._args import learning_rate as learning_rate_arg
from ._args import checked

__all__ = ["LR_SCHEDULES", "get_schedule"]

LR_SCHEDULES = ("cosine_schedule_with_warmup", "polynomial_decay_schedule_with_warmup", "fixed_lr")
_DEFAULT_END_RATIO = {"cosine_schedule_with_warmup": 0.1,
                      "polynomial_decay_schedule_with_warmup": 0.0}


@checked
def get_schedule(lr_schedule: str, learning_rate: float, warmup_steps: int, max_steps: int,
                 end_lr_ratio: float | None = None) -> Schedule:
  """A SambaFlow schedule by name.

  * ``cosine_schedule_with_warmup``: linear warmup from 0 to ``learning_rate`` over
    ``warmup_steps``, then cosine decay to ``end_lr_ratio * learning_rate`` (default ratio 0.1)
    at ``max_steps``.
  * ``polynomial_decay_schedule_with_warmup``: linear warmup, then *linear* decay to
    ``end_lr_ratio * learning_rate`` (default ratio 0.0) at ``max_steps``.
  * ``fixed_lr``: ``learning_rate`` throughout.

  Args:
    lr_schedule: one of ``LR_SCHEDULES``.
    learning_rate: the peak learning rate.
    warmup_steps: steps of linear warmup from 0 (a non-negative int).
    max_steps: the step at which the decay ends (an int > ``warmup_steps``).
    end_lr_ratio: the final value as a fraction of ``learning_rate``, in ``[0, 1]`` (default
      0.1 for the cosine, 0.0 for the polynomial).

  Returns:
    A schedule holding its final value from ``max_steps`` on.

  Raises:
    ValueError: unknown ``lr_schedule``; ``max_steps <= warmup_steps`` for the decaying ones;
      ``end_lr_ratio`` outside ``[0, 1]``.

  Example:
    >>> s = jaxlrs.compat.sambaflow.get_schedule("cosine_schedule_with_warmup", 1.0, 10, 110)
    >>> s(5), s(110)
    (Array(0.5, dtype=float32), Array(0.1, dtype=float32))
  """
  if lr_schedule not in LR_SCHEDULES:
    raise ValueError(f"lr_schedule must be one of {LR_SCHEDULES}, got {lr_schedule!r}.")
  lr = learning_rate_arg("learning_rate", learning_rate)
  if lr_schedule == "fixed_lr":
    return _shapes.constant(lr)
  warmup_steps, max_steps = check_steps("warmup_steps", warmup_steps), check_steps(
      "max_steps", max_steps)
  require(warmup_steps >= 0, "warmup_steps", warmup_steps, "non-negative")
  require(max_steps > warmup_steps, "max_steps", max_steps, f"> warmup_steps ({warmup_steps})")
  ratio = _DEFAULT_END_RATIO[lr_schedule] if end_lr_ratio is None else check_value(
      "end_lr_ratio", end_lr_ratio)
  require(0 <= ratio <= 1, "end_lr_ratio", ratio, "in [0, 1]")
  decay_steps = max_steps - warmup_steps
  decay: Schedule
  if lr_schedule == "cosine_schedule_with_warmup":
    decay = _shapes.cosine(lr, total_steps=decay_steps, end_value=ratio * lr)
  else:
    decay = _shapes.linear(lr, end_value=ratio * lr, total_steps=decay_steps)
  return _compose.warmup(decay, warmup_steps=warmup_steps) if warmup_steps else decay
