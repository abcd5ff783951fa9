"""Re-initialization of the top blocks (and head) from a fresh initialisation."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from .._core import check_steps, require
from ._depths import _num_layers
from ._tree import path_of


def reinit_top_layers(pretrained: Any, fresh: Any, depths: Any, n: int,
                      include_head: bool = True) -> Any:
  """Replace the top ``n`` blocks (and the head) of ``pretrained`` by ``fresh`` (Zhang et al. 2021).

  Args:
    pretrained: the pretrained parameters.
    fresh: a fresh initialisation of the same model (e.g. ``model.init(key, x)['params']``).
    depths: the depth map of ``pretrained``.
    n: number of top blocks to re-initialise, ``0 <= n <= L``.
    include_head: re-initialise the head (depth ``L + 1``) too.

  Returns:
    A tree where everything else is the pretrained leaf itself (bit-identical).

  Raises:
    ValueError: ``n`` larger than the number of blocks; ``fresh`` differs in structure or shapes.
  """
  n = check_steps("n", n)
  top = _num_layers(depths)
  require(0 <= n <= top, "n", n, f"between 0 and the number of blocks ({top})")
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
