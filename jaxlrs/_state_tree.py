"""Walking an optimizer state: the Optax tree inside an ``nnx.Optimizer``, nodes of a type."""

from __future__ import annotations

from typing import Any

import jax


def is_variable(x: Any) -> bool:
  """Whether ``x`` is an ``nnx`` variable (which wraps its array)."""
  return hasattr(x, "get_metadata")


def unwrap(x: Any) -> Any:
  """The array inside an ``nnx`` variable; anything else as it is."""
  return x[...] if is_variable(x) else x


def unwrap_tree(tree: Any) -> Any:
  """``tree`` with every ``nnx`` variable replaced by its array."""
  return jax.tree.map(unwrap, tree, is_leaf=is_variable)


def optax_state(opt_state: Any) -> Any:
  """The Optax state inside ``opt_state`` (an ``nnx.Optimizer`` holds it in ``opt_state``)."""
  if hasattr(opt_state, "opt_state") and hasattr(opt_state, "step"):
    return opt_state.opt_state
  return opt_state


def find_nodes(opt_state: Any, cls: type | tuple[type, ...]) -> list[tuple[str, Any]]:
  """``(label, node)`` for every ``cls`` node in the state, in tree order.

  The label joins the dict keys along the node's path with ``/`` (under ``optax.multi_transform``,
  the transform's label).
  """
  flat = jax.tree_util.tree_flatten_with_path(
      optax_state(opt_state), is_leaf=lambda x: isinstance(x, cls) or is_variable(x))[0]
  return [("/".join(str(k.key) for k in path if isinstance(k, jax.tree_util.DictKey)), node)
          for path, node in flat if isinstance(node, cls)]
