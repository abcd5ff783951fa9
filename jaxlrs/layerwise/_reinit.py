"""Re-initialization of the top blocks (and head) from a fresh initialisation."""

from __future__ import annotations

import numbers
from typing import Any

import jax
import jax.numpy as jnp

from ._depths import _layers_of
from ._tree import path_of


def reinit_top_layers(pretrained: Any, fresh: Any, depths: Any, n: int,
                      include_head: bool = True, *, num_layers: int | None = None) -> Any:
  """Replace the top ``n`` blocks (and the head) of ``pretrained`` by ``fresh`` (Zhang et al. 2021).

  Parameters with depth in ``L - n + 1 .. L`` (and ``L + 1``, the head, with ``include_head``)
  come from ``fresh``; ``L`` is the number of blocks the depth map counted, so a model without a
  head re-draws exactly ``n`` blocks.

  Args:
    pretrained: the pretrained parameters.
    fresh: a fresh initialisation of the same model (e.g. ``model.init(key, x)['params']``).
    depths: the depth map of ``pretrained`` (from :func:`depth_map`).
    n: number of top blocks to re-initialise, ``0 <= n <= L``.
    include_head: re-initialise the head too (nothing when the model has none).
    num_layers: ``L``, only for depth trees of plain ints not made by :func:`depth_map`.

  Returns:
    A tree where everything else is the pretrained leaf itself (bit-identical).

  Raises:
    ValueError: ``n`` outside ``0..L``; ``fresh`` differs in structure or shapes.
    TypeError: ``n`` not an int, ``include_head`` not a bool.

  Example:
    >>> d = jaxlrs.layerwise.depth_map({"embed": 0, "layers": [0, 0]}, preset="nnx")
    >>> jaxlrs.layerwise.reinit_top_layers({"embed": 1, "layers": [1, 1]},
    ...                                    {"embed": 2, "layers": [2, 2]}, d, n=1)
    {'embed': 1, 'layers': [1, 2]}
  """
  if isinstance(n, bool) or not isinstance(n, numbers.Integral):
    raise TypeError(f"n must be an int number of blocks, got {n!r}.")
  n = int(n)
  if not isinstance(include_head, bool):
    raise TypeError(f"include_head must be a bool, got {include_head!r}.")
  top = _layers_of(depths, num_layers)
  if not 0 <= n <= top:
    raise ValueError(f"n must be between 0 and the number of blocks ({top}), got {n!r}.")
  if jax.tree.structure(pretrained) != jax.tree.structure(fresh):
    raise ValueError("fresh has a different tree structure from pretrained: "
                     f"{jax.tree.structure(fresh)} vs {jax.tree.structure(pretrained)}.")
  for (path, a), b in zip(jax.tree_util.tree_flatten_with_path(pretrained)[0],
                          jax.tree.leaves(fresh)):
    if jnp.shape(a) != jnp.shape(b):
      raise ValueError(f"fresh and pretrained differ in shape at {path_of(path)}: "
                       f"{jnp.shape(b)} vs {jnp.shape(a)}.")
  first = top - n + 1
  return jax.tree.map(lambda a, b, d: b if (first <= d <= top) or (include_head and d > top)
                      else a, pretrained, fresh, depths)
