"""Plots of schedules: a matplotlib figure, or a text plot that needs nothing else."""

from __future__ import annotations

import string
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from ._core import check_steps, require
from ._matplotlib import pyplot

ScheduleLike = Callable[[Any], Any]
# One distinct mark per schedule; more schedules than marks is an error, never a silent drop.
_MARKS = "*o+x#@%&" + string.ascii_uppercase + string.digits


def _named(schedules: Any, labels: Sequence[str] | None) -> list[tuple[str, ScheduleLike]]:
  if isinstance(schedules, Mapping):
    if labels is not None:
      raise ValueError("labels is for a list of schedules: a dict's keys are its labels.")
    items = list(schedules.items())
  else:
    if callable(schedules):
      schedules = [schedules]
    schedules = list(schedules)
    if labels is not None and len(labels) != len(schedules):
      raise ValueError(f"labels has {len(labels)} entries for {len(schedules)} schedules.")
    items = [(labels[i] if labels else _label(s), s) for i, s in enumerate(schedules)]
  for name, s in items:
    if not callable(s):
      raise TypeError(f"schedule {name!r} is not callable: {s!r}.")
  return items


def _label(s: Any) -> str:
  text = repr(s)
  return text if len(text) <= 60 else text[:57] + "..."


def _curves(items: list[tuple[str, Any]], total_steps: int) -> tuple[np.ndarray, list[np.ndarray]]:
  total_steps = check_steps("total_steps", total_steps)
  require(total_steps > 0, "total_steps", total_steps, "positive")
  steps = np.arange(total_steps)
  curves = []
  for name, s in items:
    ys = np.asarray(s(steps), np.float64)
    if ys.shape == ():  # a callable that ignores the step (optax.constant_schedule)
      ys = np.full(steps.shape, ys)
    if ys.shape != steps.shape:
      raise ValueError(f"schedule {name!r} gives values of shape {ys.shape} for "
                       f"{total_steps} steps: it must map an array of steps elementwise.")
    curves.append(ys)
  return steps, curves


def plot(schedules: Any, total_steps: int, labels: Sequence[str] | None = None, ax: Any = None,
         log_y: bool = False, title: str | None = None) -> Any:
  """Plot one or several schedules on one axis; returns the matplotlib ``Figure``.

  Args:
    schedules: a schedule (or any callable of the step), a list of them, or a dict
      ``label -> schedule``.
    total_steps: steps ``0 .. total_steps - 1`` are plotted.
    labels: legend labels for a list (default: the schedules' reprs); not with a dict.
    ax: an existing matplotlib axis to draw on.
    log_y: logarithmic value axis.
    title: axis title.

  Returns:
    The matplotlib ``Figure`` holding the axis (a new one unless ``ax`` is given).

  Raises:
    ImportError: matplotlib is missing (``pip install "jaxlrs[plot]"``).
    ValueError: ``total_steps`` not positive, ``labels`` not matching the schedules, or a
      schedule whose values for an array of steps are not one per step.
    TypeError: a schedule is not callable.

  Example:
    >>> fig = jaxlrs.plot({"cosine": jaxlrs.cosine(1.0, total_steps=100)}, total_steps=100)
    >>> round(float(fig.axes[0].get_lines()[0].get_ydata()[50]), 4)
    0.5
  """
  plt = pyplot("jaxlrs.plot")
  items = _named(schedules, labels)
  steps, curves = _curves(items, total_steps)
  if ax is None:
    fig, ax = plt.subplots(figsize=(7, 4))
  else:
    fig = ax.figure
  for (name, _), ys in zip(items, curves):
    ax.plot(steps, ys, label=name)
  ax.set_xlabel("step")
  ax.set_ylabel("learning rate")
  if log_y:
    ax.set_yscale("log")
  if title:
    ax.set_title(title)
  ax.grid(alpha=0.3)
  ax.legend(fontsize="small")
  fig.tight_layout()
  return fig


def plot_terminal(schedules: Any, total_steps: int, labels: Sequence[str] | None = None,
                  width: int = 72, height: int = 16) -> str:
  """A text plot of one or several schedules (one mark per schedule), returned as a string.

  The plot is ``height`` rows of ``width`` columns between the largest value of the schedules
  over the plotted steps (top row, its value printed beside it) and the smallest (bottom row).
  With at most ``width`` steps each column is one step; with more, column ``x`` covers a run of
  consecutive steps and is marked on every row between the run's smallest and largest value, so
  no step's value is skipped: the top and bottom rows are reached exactly where the schedules
  reach their maximum and minimum. Where schedules overlap, the later one's mark shows.

  Args:
    schedules: a schedule (or any callable of the step), a list of them, or a dict
      ``label -> schedule``; up to 44 of them, each drawn with its own mark.
    total_steps: steps ``0 .. total_steps - 1`` are plotted.
    labels: legend labels for a list (default: the schedules' reprs); not with a dict.
    width: plot columns (``>= 8``).
    height: plot rows (``>= 3``).

  Returns:
    The plot, its step axis and a legend line per schedule, as one string: ``height`` rows,
    the axis and the step labels (``12 + width`` characters each), then one legend line per
    schedule.

  Raises:
    ValueError: more schedules than marks, a bad size, ``total_steps`` not positive, labels not
      matching the schedules, or a schedule whose values for an array of steps are not one per
      step.
    TypeError: a schedule is not callable.

  Example:
    >>> s = jaxlrs.linear(1.0, end_value=0.0, total_steps=10)
    >>> text = jaxlrs.plot_terminal(s, 10, width=20, height=5)
    >>> len(text.splitlines()), "linear(" in text
    (8, True)
  """
  width, height = check_steps("width", width), check_steps("height", height)
  require(width >= 8, "width", width, ">= 8")
  require(height >= 3, "height", height, ">= 3")
  items = _named(schedules, labels)
  require(len(items) <= len(_MARKS), "schedules", f"{len(items)} schedules",
          f"at most {len(_MARKS)} (one mark each)")
  steps, curves = _curves(items, total_steps)
  lo = min(float(c.min()) for c in curves)
  hi = max(float(c.max()) for c in curves)
  span = hi - lo if hi > lo else 1.0
  grid = [[" "] * width for _ in range(height)]
  n = len(steps)
  if n <= width:  # one step per column (a step may fill several columns)
    first = np.linspace(0, n - 1, width).round().astype(int)
    last = first + 1
  else:  # consecutive runs of steps, none skipped
    edges = np.linspace(0, n, width + 1).round().astype(int)
    first, last = edges[:-1], edges[1:]

  def row_of(y: float) -> int:
    return height - 1 - int(round((y - lo) / span * (height - 1)))

  for mark, ys in zip(_MARKS, curves):
    for x, (a, b) in enumerate(zip(first, last)):
      for r in range(row_of(float(ys[a:b].max())), row_of(float(ys[a:b].min())) + 1):
        grid[r][x] = mark
  tick = {0: f"{hi:.3g}", height - 1: f"{lo:.3g}"}
  lines = [f"{tick.get(r, ''):>10} |" + "".join(row) for r, row in enumerate(grid)]
  lines.append(" " * 11 + "+" + "-" * width)
  last = str(int(steps[-1]))
  lines.append(" " * 12 + "0" + last.rjust(width - 1))
  lines += [f"  {mark} {name}" for mark, (name, _) in zip(_MARKS, items)]
  return "\n".join(lines)
