"""Reading a learning-rate range test: loss smoothing, the divergence rule, LR suggestions, and a
text plot of values against learning rates. NumPy only."""

from __future__ import annotations

import math

import numpy as np

METHODS = ("valley", "steepest", "minimum")


def smooth(losses: np.ndarray, smoothing: float) -> np.ndarray:
  """Debiased exponential moving average (fastai and Lightning, ``beta=0.98``).

  ``a_i = beta a_{i-1} + (1 - beta) loss_i``, ``a_{-1} = 0``; smoothed ``a_i / (1 - beta^(i+1))``.
  """
  out = np.empty(len(losses))
  avg = 0.0
  for i, loss in enumerate(losses):
    avg = smoothing * avg + (1 - smoothing) * float(loss)
    out[i] = avg / (1 - smoothing ** (i + 1))
  return out


def diverged(smoothed: float, best: float, factor: float | None) -> bool:
  """The stop rule: a non-finite loss, or ``smoothed > best + (factor - 1) |best|``.

  For a positive best loss this is fastai's and Lightning's ``smoothed > factor * best``; the
  ``|best|`` form keeps the rule meaningful for losses that can be negative.
  """
  if not math.isfinite(smoothed):
    return True
  return factor is not None and smoothed > best + (factor - 1) * abs(best)


def window(lrs: np.ndarray, smoothed: np.ndarray, skip_start: int,
           skip_end: int) -> tuple[np.ndarray, np.ndarray, int]:
  """Points used by the suggestions: drop ``skip_start`` and ``skip_end`` and all points from the
  first non-finite loss on; returns ``(lrs, losses, offset of the first point)``."""
  bad = np.flatnonzero(~np.isfinite(smoothed))
  n = len(smoothed) if len(bad) == 0 else int(bad[0])
  stop = max(min(n, len(smoothed) - skip_end), 0)
  return lrs[skip_start:stop], smoothed[skip_start:stop], skip_start


def suggest_index(method: str, lrs: np.ndarray, losses: np.ndarray) -> tuple[int, float]:
  """``(index into the window, suggested LR)`` by one method.

  * ``minimum``: a tenth of the LR at the lowest loss (fastai ``minimum``).
  * ``steepest``: the LR where the loss falls fastest against ``log(lr)`` (central differences;
    fastai ``steep`` uses forward differences, Lightning's ``suggestion()`` differentiates with
    respect to the LR itself).
  * ``valley``: fastai's default: the longest strictly decreasing run of losses (a longest
    decreasing subsequence, ESRI's rule), and the point about halfway into it.
  """
  if method == "minimum":
    i = int(np.argmin(losses))
    return i, float(lrs[i]) / 10
  if method == "steepest":
    i = int(np.argmin(np.gradient(losses, np.log(lrs))))
    return i, float(lrs[i])
  # valley: run[i] = length of the longest strictly decreasing subsequence ending at i.
  run = np.ones(len(losses), dtype=int)
  for i in range(1, len(losses)):
    higher = losses[:i] > losses[i]
    if higher.any():
      run[i] = run[:i][higher].max() + 1
  end = int(np.argmax(run))  # the first longest
  start = max(end - int(run[end]), 0)
  span = (end - start) / 3
  i = start + int(span) + int(span / 2)
  return i, float(lrs[i])


def text_plot(xs: np.ndarray, series: list[tuple[str, np.ndarray]], marks: list[tuple[str, float]],
              width: int, height: int, log_x: bool, y_max: float | None = None,
              x_label: str = "learning rate") -> str:
  """A text plot of one or more ``(label, ys)`` series against ``xs``; ``marks`` are labelled
  vertical lines (``|`` columns) at given x values. Non-finite points are left out."""
  fx = np.log10(xs) if log_x else np.asarray(xs, np.float64)
  x_lo, x_hi = float(fx.min()), float(fx.max())
  x_span = x_hi - x_lo if x_hi > x_lo else 1.0
  finite = np.concatenate([ys[np.isfinite(ys)] for _, ys in series])
  y_lo = float(finite.min()) if finite.size else 0.0
  y_hi = float(finite.max()) if finite.size else 1.0
  if y_max is not None:
    y_hi = min(y_hi, y_max)
  y_span = y_hi - y_lo if y_hi > y_lo else 1.0
  grid = [[" "] * width for _ in range(height)]

  def col(x: float) -> int:
    return int(round((x - x_lo) / x_span * (width - 1)))

  for symbol, (_, x) in zip("abcdefgh", marks):
    c = col(math.log10(x) if log_x else x)
    if 0 <= c < width:
      for r in range(height):
        grid[r][c] = symbol
  for symbol, (_, ys) in zip("*o+x#@%&", series):
    for x, y in zip(fx, ys):
      if np.isfinite(y) and y <= y_hi:
        grid[height - 1 - int(round((y - y_lo) / y_span * (height - 1)))][col(x)] = symbol
  ticks = {0: f"{y_hi:.3g}", height - 1: f"{y_lo:.3g}"}
  lines = [f"{ticks.get(r, ''):>10} |" + "".join(row) for r, row in enumerate(grid)]
  lines.append(" " * 11 + "+" + "-" * width)
  left, right = f"{xs.min():.2g}", f"{xs.max():.2g}"
  lines.append(" " * 12 + left + right.rjust(width - len(left)) + f"  {x_label}"
               + (" (log)" if log_x else ""))
  lines += [f"  {s} {label}" for s, (label, _) in zip("*o+x#@%&", series) if label]
  lines += [f"  {s} {label}" for s, (label, _) in zip("abcdefgh", marks)]
  return "\n".join(lines)
