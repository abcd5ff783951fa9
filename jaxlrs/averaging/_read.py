"""Reading the average: the averaged parameters of a state, an ``nnx`` model with them loaded."""

from __future__ import annotations

import contextlib
from typing import Any, Callable, Iterable, Iterator

import jax
import jax.numpy as jnp
import optax

from .._batch_norm import refresh_nnx_batch_norm
from .._state_tree import find_nodes, unwrap_tree
from ._wrap import AveragingState


def _find_states(opt_state: Any) -> list[AveragingState]:
  found = [node for _, node in find_nodes(opt_state, AveragingState)]
  if not found:
    raise ValueError("No averaging state found: build the optimizer with jaxlrs.averaging.ema "
                     "or jaxlrs.averaging.swa.")
  return found


def _combine(averages: list[Any]) -> Any:
  """One tree from the averages of several states, each parameter from the one that holds it.

  Under ``optax.multi_transform`` each label's state holds its own parameters and an
  ``optax.MaskedNode`` in place of the others'.
  """
  def is_leaf(x):
    return isinstance(x, optax.MaskedNode)

  flat = [jax.tree_util.tree_flatten_with_path(a, is_leaf=is_leaf) for a in averages]
  treedef = flat[0][1]
  if len({t for _, t in flat}) > 1:  # PyTreeDefs compare (and hash) by structure
    raise ValueError("The optimizer state holds averaging states over different parameter "
                     "trees; read each state's .average instead.")
  out = []
  for entries in zip(*(leaves for leaves, _ in flat)):
    held = [x for _, x in entries if not is_leaf(x)]
    if len(held) > 1:
      raise ValueError(f"{len(held)} averaging states average the parameter "
                       f"{jax.tree_util.keystr(entries[0][0])}; read each state's .average "
                       "instead.")
    out.append(held[0] if held else entries[0][1])
  return jax.tree.unflatten(treedef, out)


def averaged_params(opt_state: Any, like: Any = None) -> Any:
  """The averaged parameters in ``opt_state`` (an Optax state or an ``nnx.Optimizer``).

  A state holding several averaging states over disjoint parameters (one :func:`ema` per
  ``optax.multi_transform`` label) gives the full average: each parameter from its own state.

  Args:
    opt_state: the optimizer state, or an ``nnx.Optimizer``.
    like: optional parameters whose dtypes the result takes (e.g. bfloat16 for export).

  Returns:
    The average, a pytree like the parameters (in the accumulator dtype, or the dtypes of
    ``like``).

  Raises:
    ValueError: ``opt_state`` holds no :func:`ema` / :func:`swa` state, or several that average
      the same parameter.

  Example:
    >>> tx = jaxlrs.averaging.ema(optax.sgd(1.0), decay=0.5)
    >>> params = {"w": jnp.zeros(2)}
    >>> state = tx.init(params)
    >>> _, state = tx.update({"w": -jnp.ones(2)}, state, params)
    >>> jaxlrs.averaging.averaged_params(state, like={"w": jnp.zeros(2, jnp.bfloat16)})["w"]
    Array([0.5, 0.5], dtype=bfloat16)
  """
  avg = _combine([unwrap_tree(state.average) for state in _find_states(opt_state)])
  if like is not None:
    avg = jax.tree.map(lambda a, p: a.astype(jnp.asarray(p).dtype), avg, like)
  return avg


@contextlib.contextmanager
def averaged_model(model: Any, optimizer: Any, batches: Iterable[Any] | None = None, *,
                   forward: Callable[[Any, Any], Any] | None = None) -> Iterator[Any]:
  """Temporarily load the averaged weights into an ``nnx`` model (for evaluation), then restore.

  Inside the block the model holds the averaged parameters and, when ``batches`` are given, batch
  statistics recomputed for them (:func:`refresh_nnx_batch_norm`, as PyTorch's ``update_bn``
  after SWA). On exit the parameters **and** every ``nnx.BatchStat`` are restored, so training
  resumes with weights and statistics that belong together. To keep the averaged model, clone it
  inside the block: ``swa_model = nnx.clone(model)``.

  Args:
    model: the ``nnx`` module being trained.
    optimizer: its ``nnx.Optimizer`` (or Optax state) holding an :func:`ema` / :func:`swa`
      average.
    batches: optional inputs over which to recompute the batch-norm statistics.
    forward: ``forward(model, batch)`` for the refresh; by default ``model(batch)``.

  Returns:
    A context manager yielding ``model``.

  Raises:
    ValueError: no averaging state in ``optimizer``; with ``batches``, a model without
      ``nnx.BatchNorm`` or an empty ``batches``.

  Example::

      with jaxlrs.averaging.averaged_model(model, optimizer, train_batches) as swa_model:
        accuracy = evaluate(swa_model)
  """
  from flax import nnx

  def pure(tree):
    return nnx.to_pure_dict(tree) if isinstance(tree, nnx.State) else tree

  params, stats = nnx.state(model, nnx.Param), nnx.state(model, nnx.BatchStat)
  saved, saved_stats = pure(params), pure(stats)
  avg = pure(averaged_params(optimizer))
  nnx.replace_by_pure_dict(params, jax.tree.map(lambda p, a: a.astype(p.dtype), saved, avg))
  nnx.update(model, params)
  try:
    if batches is not None:
      refresh_nnx_batch_norm(model, batches, forward)
    yield model
  finally:
    nnx.replace_by_pure_dict(params, saved)
    nnx.replace_by_pure_dict(stats, saved_stats)
    nnx.update(model, params, stats)
