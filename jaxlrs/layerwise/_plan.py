"""The plan of a depth map and its multipliers, as rows or a table."""

from __future__ import annotations

from typing import Any

from ._tree import _frozen, _table


def plan(depths: Any, multipliers: Any, schedule: Any = None,
         step: int = 0) -> list[tuple[str, int, float | None, float | None]]:
  """Rows ``(path, depth, multiplier, learning rate at step)`` to check a plan before training."""
  d, m = _table(depths), _table(multipliers)
  base = None if schedule is None else float(schedule(step) if callable(schedule) else schedule)
  rows = []
  for path in sorted(d, key=lambda p: (d[p], p)):
    mult = None if _frozen(m[path]) else float(m[path])
    rows.append((path, int(d[path]), mult, None if base is None or mult is None else base * mult))
  return rows


def format_plan(depths: Any, multipliers: Any, schedule: Any = None, step: int = 0) -> str:
  """:func:`plan` as a table."""
  lines = [f"{'depth':>5}  {'multiplier':>10}  {'lr':>10}  path"]
  for path, depth, mult, lr in plan(depths, multipliers, schedule, step):
    lines.append(f"{depth:>5}  {'frozen' if mult is None else f'{mult:.4g}':>10}  "
                 f"{'-' if lr is None else f'{lr:.3g}':>10}  {path}")
  return "\n".join(lines)

