"""Parameter paths (``a/b/0/kernel``) and path-keyed views of parameter trees."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax


def _key_name(k: Any) -> str:
  for attr in ("key", "name", "idx"):
    if hasattr(k, attr):
      return str(getattr(k, attr))
  return str(k)


def path_of(path: Sequence[Any]) -> str:
  """``a/b/0/kernel`` from a JAX key path (the ``.value`` of ``nnx`` variables is dropped)."""
  names = [_key_name(k) for k in path]
  if names and names[-1] == "value":
    names = names[:-1]
  return "/".join(names)


def _map(fn: Callable[[str, Any], Any], tree: Any) -> Any:
  return jax.tree_util.tree_map_with_path(lambda p, x: fn(path_of(p), x), tree)


def _table(tree: Any) -> dict[str, Any]:
  return {path_of(p): x for p, x in jax.tree_util.tree_flatten_with_path(
      tree, is_leaf=lambda x: x is None)[0]}


def _frozen(m: Any) -> bool:
  return m is None or m == 0

