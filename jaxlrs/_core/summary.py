"""A short description of a schedule over a run: peak, warmup, final value and area."""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

import numpy as np

from .checks import check_steps, require


@dataclasses.dataclass(frozen=True)
class ScheduleSummary:
  """What a schedule does over ``total_steps`` updates (steps ``0 .. total_steps - 1``).

  Attributes:
    total_steps: the number of updates summarised.
    peak_value: the largest value.
    peak_step: the first step at the peak.
    warmup_steps: steps before the peak is first reached (equal to ``peak_step``).
    min_value: the smallest value.
    final_value: the value of the last update, at step ``total_steps - 1``.
    area: the sum of the values, the run's total "learning-rate budget".

  Example:
    >>> jaxlrs.summary(jaxlrs.constant(0.5), 4).area
    2.0
  """

  total_steps: int
  peak_value: float
  peak_step: int  # first step at the peak
  warmup_steps: int  # steps before the peak is first reached
  min_value: float
  final_value: float  # the value of the last update, step total_steps - 1
  area: float  # sum of the values: the total "learning-rate budget" of the run

  def __str__(self) -> str:
    return (f"over {self.total_steps} steps: peak {self.peak_value:.4g} at step {self.peak_step} "
            f"(warmup {self.warmup_steps}), min {self.min_value:.4g}, final "
            f"{self.final_value:.4g}, area {self.area:.4g}")


def summary(schedule: Callable[[Any], Any], total_steps: int) -> ScheduleSummary:
  """Summarise ``schedule`` over ``total_steps`` updates.

  Args:
    schedule: a schedule or any callable of the step.
    total_steps: updates to summarise, steps ``0 .. total_steps - 1`` (a positive int).

  Returns:
    A :class:`ScheduleSummary`; ``str()`` of it is a one-line description.

  Raises:
    ValueError: ``total_steps <= 0``. TypeError: ``total_steps`` is not an int.

  Example:
    >>> s = jaxlrs.warmup(jaxlrs.linear(1.0, end_value=0.0, total_steps=90), warmup_steps=10)
    >>> print(jaxlrs.summary(s, 100))
    over 100 steps: peak 1 at step 10 (warmup 10), min 0, final 0.01111, area 50
  """
  total_steps = check_steps("total_steps", total_steps)
  require(total_steps > 0, "total_steps", total_steps, "positive")
  values = np.asarray(schedule(np.arange(total_steps)), np.float64)
  peak = int(np.argmax(values))
  return ScheduleSummary(total_steps=total_steps, peak_value=float(values[peak]), peak_step=peak,
                         warmup_steps=peak, min_value=float(values.min()),
                         final_value=float(values[-1]), area=float(values.sum()))
