"""Parameter paths (``a/b/0/kernel``) and path-keyed views of parameter trees."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import jax


def _key_name(k: Any) -> str:
  for attr in ("key", "name", "idx"):
    if hasattr(k, attr):
      return str(getattr(k, attr))
  return str(k)


def path_of(path: Sequence[Any]) -> str:
  """The ``/``-joined path of a JAX key path: the names rules and multipliers are keyed by.

  Dict keys, attribute names and sequence indices become their string form; the trailing
  ``.value`` of ``nnx`` variables is dropped, so linen dicts and ``nnx.State`` give the same path.

  Args:
    path: a key path from ``jax.tree_util.tree_flatten_with_path``.

  Returns:
    A string such as ``encoder/layer/0/kernel``.

  Raises:
    TypeError: ``path`` is not a sequence of keys (an int, None).

  Example:
    >>> (p, _), = jax.tree_util.tree_flatten_with_path({"encoder": {"layer": [{"kernel": 0}]}})[0]
    >>> jaxlrs.layerwise.path_of(p)
    'encoder/layer/0/kernel'
  """
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



def multiplier_arg(name: str, x: Any) -> float:
  """A learning-rate multiplier or factor given as a Python number: finite and ``>= 0``."""
  if isinstance(x, bool) or not isinstance(x, (int, float)) and not (
      hasattr(x, "__float__") and getattr(x, "ndim", 0) == 0 and not isinstance(x, str)):
    raise TypeError(f"{name} must be a real number, got {x!r}.")
  v = float(x)
  if not math.isfinite(v) or v < 0:
    raise ValueError(f"{name} must be finite and >= 0, got {x!r}.")
  return v


def missing_multiplier(path: str) -> ValueError:
  return ValueError(f"No learning-rate multiplier for parameter {path!r}: the multipliers tree "
                    "must have every path of the parameters.")
