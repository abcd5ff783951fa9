"""The plan of a depth map and its multipliers: per-parameter rows, or a table per depth."""

from __future__ import annotations

from typing import Any

from ._tree import _frozen, _table, missing_multiplier


def plan(depths: Any, multipliers: Any, schedule: Any = None,
         step: int = 0) -> list[tuple[str, int, float | None, float | None]]:
  """Rows ``(path, depth, multiplier, learning rate at step)`` to check a plan before training.

  Args:
    depths: a depth map.
    multipliers: a tree of multipliers with the same paths (None or 0: frozen).
    schedule: optional schedule (or float) whose value at ``step`` gives the learning rates.
    step: the step at which to evaluate ``schedule``.

  Returns:
    A list of rows sorted by depth then path; a frozen row has multiplier and rate None.

  Raises:
    ValueError: a parameter of ``depths`` with no multiplier (named).

  Example:
    >>> d = jaxlrs.layerwise.depth_map({"embed": 0, "layers": [0]}, preset="nnx")
    >>> jaxlrs.layerwise.plan(d, {"embed": None, "layers": [1.0]}, 0.1)
    [('embed', 0, None, None), ('layers/0', 1, 1.0, 0.1)]
  """
  d, m = _table(depths), _table(multipliers)
  base = None if schedule is None else float(schedule(step) if callable(schedule) else schedule)
  rows = []
  for path in sorted(d, key=lambda p: (d[p], p)):
    if path not in m:
      raise missing_multiplier(path)
    mult = None if _frozen(m[path]) else float(m[path])
    rows.append((path, int(d[path]), mult, None if base is None or mult is None else base * mult))
  return rows


def _summary(paths: list[str]) -> str:
  """``encoder/layer/3/*`` for paths under one module; one entry per top-level name."""
  groups: dict[str, list[list[str]]] = {}
  for p in paths:
    parts = p.split("/")
    groups.setdefault(parts[0], []).append(parts)
  out = []
  for parts_list in groups.values():
    if len(parts_list) == 1:
      out.append("/".join(parts_list[0]))
      continue
    common = []
    for names in zip(*parts_list):
      if len(set(names)) > 1:
        break
      common.append(names[0])
    out.append("/".join(common) + "/*")
  return ", ".join(out)


def format_plan(depths: Any, multipliers: Any, schedule: Any = None, step: int = 0, *,
                verbose: bool = False) -> str:
  """:func:`plan` as a table with one row per depth: what it matched, its multiplier and rate.

  Each row shows the depth, its role (embedding, block, head), the multiplier (``frozen``), the
  learning rate at ``step``, the number of parameters and their paths in short
  (``encoder/layer/3/*``); a depth whose parameters have different multipliers gets one row per
  multiplier. Read it once before training: a block at the wrong depth, or a head at depth ``L``,
  shows at a glance.

  Args:
    depths: a depth map (from :func:`depth_map`, or any tree of ints).
    multipliers: a tree of multipliers with the same paths (None or 0: frozen).
    schedule: optional schedule (or float) whose value at ``step`` gives the learning rates;
      without it the ``lr`` column shows ``-``.
    step: the step at which to evaluate ``schedule``.
    verbose: list every path under its row.

  Returns:
    The table as a string.

  Raises:
    ValueError: a parameter of ``depths`` with no multiplier (named).

  Example:
    >>> params = {"embed": {"w": 0}, "layers": [{"w": 0, "b": 0}] * 2, "head": {"w": 0}}
    >>> d = jaxlrs.layerwise.depth_map(params, preset="nnx")
    >>> print(jaxlrs.layerwise.format_plan(d, jaxlrs.layerwise.llrd_multipliers(d, 0.5), 0.1))
    2 blocks, with a head
    depth  role       multiplier        lr  params  paths
        0  embedding        0.25     0.025       1  embed/w
        1  block             0.5      0.05       2  layers/0/*
        2  block               1       0.1       2  layers/1/*
        3  head                1       0.1       1  head/w
  """
  roles = {p: getattr(d, "role", "") for p, d in _table(depths).items()}
  counts = {getattr(d, "num_layers", None) for d in _table(depths).values()}
  rows: dict[tuple, list[str]] = {}
  for path, depth, mult, lr in plan(depths, multipliers, schedule, step):
    rows.setdefault((depth, mult is None, mult or 0.0, lr, roles[path]), []).append(path)
  lines = []
  if len(counts) == 1 and None not in counts:
    top = counts.pop()
    has_head = any(r == "head" for r in roles.values())
    lines.append(f"{top} blocks, {'with a head' if has_head else 'no head'}")
  lines.append(f"{'depth':>5}  {'role':<9}  {'multiplier':>10}  {'lr':>8}  params  paths")
  for (depth, frozen, mult, lr, role), paths in sorted(rows.items(), key=lambda kv: kv[0][:3]):
    lines.append(f"{depth:>5}  {role:<9}  {'frozen' if frozen else f'{mult:.4g}':>10}  "
                 f"{'-' if lr is None else f'{lr:.3g}':>8}  {len(paths):>6}  {_summary(paths)}")
    if verbose:
      lines += [f"{'':>46}{p}" for p in paths]
  return "\n".join(lines)
