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
  return steps, [np.asarray(s(steps), np.float64) for _, s in items]


def plot(schedules: Any, total_steps: int, labels: Sequence[str] | None = None, ax: Any = None,
         log_y: bool = False, title: str | None = None) -> Any:
  """Plot one or several schedules on one axis; returns the matplotlib ``Figure``.

  Args:
    schedules: a schedule (or any callable of the step), a list of them, or a dict
      ``label -> schedule``.
    total_steps: steps ``0 .. total_steps - 1`` are plotted.
    labels: legend labels for a list (default: the schedules' reprs).
    ax: an existing matplotlib axis to draw on.
    log_y: logarithmic value axis.
    title: axis title.

  Returns:
    The matplotlib ``Figure`` holding the axis (a new one unless ``ax`` is given).

  Raises:
    ImportError: matplotlib is missing (``pip install "jaxlrs[plot]"``).

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

  Args:
    schedules: a schedule (or any callable of the step), a list of them, or a dict
      ``label -> schedule``; up to 44 of them, each drawn with its own mark.
    total_steps: steps ``0 .. total_steps - 1`` are plotted.
    labels: legend labels for a list (default: the schedules' reprs).
    width: plot columns (``>= 8``).
    height: plot rows (``>= 3``).

  Returns:
    The plot, its step axis and a legend line per schedule, as one string.

  Raises:
    ValueError: more schedules than marks, a bad size, or labels not matching the schedules.
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
  columns = np.linspace(0, len(steps) - 1, width).round().astype(int)
  for mark, ys in zip(_MARKS, curves):
    for x, i in enumerate(columns):
      row = height - 1 - int(round((ys[i] - lo) / span * (height - 1)))
      grid[row][x] = mark
  tick = {0: f"{hi:.3g}", height - 1: f"{lo:.3g}"}
  lines = [f"{tick.get(r, ''):>10} |" + "".join(row) for r, row in enumerate(grid)]
  lines.append(" " * 11 + "+" + "-" * width)
  last = str(int(steps[-1]))
  lines.append(" " * 12 + "0" + last.rjust(width - 1))
  lines += [f"  {mark} {name}" for mark, (name, _) in zip(_MARKS, items)]
  return "\n".join(lines)
