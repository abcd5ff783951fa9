"""`join`: schedules one after another, at a cost that grows only with log2 of the number of pieces.

Optax's ``join_schedules`` evaluates every piece and chains ``where``s, so its graph, compile time
and per-step cost grow linearly with the number of pieces. Here the pieces are grouped by
*structure* (kind, choices and nesting, but not values or step counts): within a group, the float
values and the step counts of all pieces are stacked into arrays. A step finds its piece by an
unrolled binary search over the boundaries (one compare and gather per level), gathers that
piece's numbers from its group's arrays, and evaluates one branch per distinct structure. A
5000-piece SGDR-style join of cosines is one group and one branch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from ._piecewise import check_boundaries, piece_index
from ._core import (
    Schedule, check_child, check_steps, is_concrete, require, roles, short_repr, split_counts, take,
    take_count)

# Step counts from this size on are not exact in float32: a piece keeps them static (in its
# structure key) instead of gathering them from a float array.
_EXACT_FLOAT_COUNT = 2**24

# ---------------------------------------------------------------------------------------------
# A second flattening of a schedule, in which the step counts are numbers too: (key, values,
# steps). Two pieces with the same key differ only in numbers and can share one branch.


def _numeric_flatten(s: Schedule) -> tuple[Any, list, list]:
  if isinstance(s, join):
    leaves, treedef = jax.tree.flatten(s)
    return (join, treedef), leaves, []
  parts: list[Any] = []
  values: list[Any] = []
  steps: list[Any] = []
  for name, role in roles(type(s)):
    x = getattr(s, name)
    if role == "static" or x is None:
      parts.append(("=", x))
    elif role == "steps" and any(abs(v) >= _EXACT_FLOAT_COUNT for v in (
        x if isinstance(x, tuple) else (x,))):
      parts.append(("=", x))
    elif role in ("value", "steps"):
      out = values if role == "value" else steps
      if isinstance(x, tuple):
        parts.append((role, len(x)))
        out.extend(x)
      else:
        parts.append((role, None))
        out.append(x)
    else:  # child
      children = x if isinstance(x, tuple) else (x,)
      keys = []
      for c in children:
        k, v, st = _numeric_flatten(c)
        keys.append(k)
        values.extend(v)
        steps.extend(st)
      parts.append(("many", tuple(keys)) if isinstance(x, tuple) else ("one", keys[0]))
  return (type(s), tuple(parts)), values, steps


def _numeric_unflatten(key: Any, values: Iterator, steps: Iterator) -> Schedule:
  cls, parts = key
  if cls is join:
    return jax.tree.unflatten(parts, [next(values) for _ in range(parts.num_leaves)])
  s = object.__new__(cls)
  for (name, role), (tag, info) in zip(roles(cls), parts):
    if tag == "=":
      x = info
    elif tag in ("value", "steps"):
      src = values if tag == "value" else steps
      x = next(src) if info is None else tuple(next(src) for _ in range(info))
    elif tag == "many":
      x = tuple(_numeric_unflatten(k, values, steps) for k in info)
    else:
      x = _numeric_unflatten(info, values, steps)
    object.__setattr__(s, name, x)
  return s


def _stack(column: list) -> Any:
  if all(is_concrete(v) for v in column):
    return np.stack([np.asarray(v, np.float64) for v in column])
  return jnp.stack([jnp.asarray(v) for v in column])


class join(Schedule, kind="join"):
  """Run ``schedules`` one after another; at ``step == boundaries[i]`` piece ``i + 1`` starts.

  .. math:: f(t) = s_k(t - b_{k}), \\quad k = \\#\\{i : b_i \\le t\\},\\ b_0 = 0

  Identical values to ``optax.join_schedules``: each piece sees the steps since its own start.
  Nested joins flatten into one. The last piece runs forever, so a join holds its final value
  exactly when its last piece does. Evaluation cost, graph size and compile time depend on the
  number of distinct piece *structures*; the number of pieces adds only the levels of the piece
  search (one per doubling).

  Args:
    schedules: the pieces (jaxlrs schedules or callables of the step).
    boundaries: strictly increasing non-negative steps, one fewer than ``schedules``.

  Returns:
    A schedule; its pytree leaves are the pieces' values stacked per piece structure.

  Raises:
    ValueError: boundaries not strictly increasing, negative, or not one fewer than schedules.
    TypeError: a boundary is not an int; a piece is not a schedule or callable.

  Example:
    >>> s = jaxlrs.join([jaxlrs.linear(0.0, end_value=1.0, total_steps=10),
    ...                  jaxlrs.cosine(1.0, total_steps=90)], boundaries=[10])
    >>> s(10)
    Array(1., dtype=float32)
  """

  if TYPE_CHECKING:  # set by _set, not dataclass fields
    _leaves: tuple[Any, ...]
    _aux: tuple[Any, ...]

  def __init__(self, schedules: Sequence[Any], *, boundaries: Sequence[int]):
    if isinstance(schedules, (Schedule, str)) or not hasattr(schedules, "__iter__"):
      raise TypeError(f"schedules must be a sequence of schedules, got {schedules!r}.")
    if isinstance(boundaries, (str, bytes)) or not hasattr(boundaries, "__iter__"):
      raise TypeError(f"boundaries must be a sequence of ints, got {boundaries!r}.")
    schedules = [check_child(f"schedules[{i}]", s) for i, s in enumerate(schedules)]
    boundaries = tuple(check_steps(f"boundaries[{i}]", b) for i, b in enumerate(boundaries))
    require(len(schedules) >= 1, "schedules", schedules, "non-empty")
    require(len(boundaries) == len(schedules) - 1, "boundaries", boundaries,
            f"one fewer than schedules ({len(schedules) - 1} for {len(schedules)} schedules)")
    check_boundaries("boundaries", boundaries)

    pieces, starts = _flatten_pieces(schedules, (0, *boundaries))
    keys: list[tuple[Any, list[Any]]] = []
    groups: dict[Any, int] = {}
    group_of: list[int] = []
    local: list[int] = []
    for p in pieces:
      key, vals, steps = _numeric_flatten(p)
      g = groups.setdefault(key, len(keys))
      if g == len(keys):
        keys.append((key, []))
      group_of.append(g)
      local.append(len(keys[g][1]))
      keys[g][1].append((vals, steps))
    leaves, steps_cols = [], []
    for key, members in keys:
      n_vals, n_steps = len(members[0][0]), len(members[0][1])
      leaves.append(tuple(_stack([m[0][j] for m in members]) for j in range(n_vals)))
      steps_cols.append(tuple(tuple(int(m[1][j]) for m in members) for j in range(n_steps)))
    self._set(tuple(leaves), (tuple(k for k, _ in keys), tuple(steps_cols), tuple(starts[1:]),
                              tuple(group_of), tuple(local)))

  def _set(self, leaves: tuple, aux: tuple) -> None:
    object.__setattr__(self, "_leaves", leaves)
    object.__setattr__(self, "_aux", aux)

  def _tree_flatten(self) -> tuple[list, tuple]:
    return list(self._leaves), self._aux

  def _tree_flatten_with_keys(self) -> tuple[list, tuple]:
    return [(jax.tree_util.SequenceKey(i), x) for i, x in enumerate(self._leaves)], self._aux

  @classmethod
  def _tree_unflatten(cls, meta: tuple, data: Any) -> "join":
    j = object.__new__(cls)
    j._set(tuple(data), meta)
    return j

  @property
  def boundaries(self) -> tuple[int, ...]:
    return self._aux[2]

  @property
  def schedules(self) -> tuple[Schedule, ...]:
    """The pieces, rebuilt from the stacked arrays."""
    keys, steps_cols, _, group_of, local = self._aux
    out = []
    for g, i in zip(group_of, local):
      vals = iter([col[i] for col in self._leaves[g]])
      steps = iter([col[i] for col in steps_cols[g]])
      out.append(_numeric_unflatten(keys[g], vals, steps))
    return tuple(jax.tree.map(_to_python, s) for s in out)

  # -- evaluation --------------------------------------------------------------------------

  def _value_at(self, step):
    if step.ndim > 0:
      flat = jax.vmap(self._scalar_value)(step.map(jnp.ravel))
      return flat.reshape(step.shape)
    return self._scalar_value(step)

  def _scalar_value(self, step):
    keys, steps_cols, boundaries, group_of, local = self._aux
    k = piece_index(step, boundaries)
    local_step = step.since(take_count(split_counts((0, *boundaries)), k))
    dtype = step.dtype

    def branch(g):
      def run(i):
        vals = iter([take(col, i) for col in self._leaves[g]])
        steps = iter([take(np.asarray(col, dtype), i) for col in steps_cols[g]])
        piece = _numeric_unflatten(keys[g], vals, steps)
        return jnp.asarray(piece._value_at(local_step), dtype)
      return run

    if len(keys) == 1:  # one structure: piece k is member k of the only group
      return branch(0)(k)
    i = take(np.asarray(local, np.int32), k)
    g = take(np.asarray(group_of, np.int32), k)
    return jax.lax.switch(g, [lambda i, g=g_: branch(g)(i) for g_ in range(len(keys))], i)

  # -- config and repr ---------------------------------------------------------------------

  def _config_items(self):
    return [("schedules", self.schedules), ("boundaries", self.boundaries)]

  @classmethod
  def _from_config_args(cls, args):
    unknown = sorted(set(args) - {"schedules", "boundaries"})
    if unknown:
      raise ValueError(f"Unknown key(s) {unknown} for schedule kind 'join'; expected "
                       "['schedules', 'boundaries'].")
    return cls(args.get("schedules", ()), boundaries=args.get("boundaries", ()))

  def __repr__(self):
    return (f"join(schedules={short_repr(self.schedules)}, "
            f"boundaries={short_repr(self.boundaries)})")

  def horizon(self) -> int:
    """The last piece's horizon, counted from its start."""
    return (self.boundaries[-1] if self.boundaries else 0) + self.schedules[-1].horizon()


def _to_python(x):
  if isinstance(x, (np.ndarray, np.generic)) and np.ndim(x) == 0:
    return float(x)
  return x


def _flatten_pieces(schedules, starts):
  """Expand nested joins; drop inner pieces that start after the outer piece ends."""
  pieces, out_starts = [], []
  for i, s in enumerate(schedules):
    start = starts[i]
    end = starts[i + 1] if i + 1 < len(starts) else None
    if isinstance(s, join):
      inner_starts = (0, *s.boundaries)
      for p, b in zip(s.schedules, inner_starts):
        if end is None or start + b < end:
          pieces.append(p)
          out_starts.append(start + b)
    else:
      pieces.append(s)
      out_starts.append(start)
  return pieces, tuple(out_starts)
