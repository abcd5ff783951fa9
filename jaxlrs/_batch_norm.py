"""Batch-norm statistics recomputed for new weights (PyTorch ``update_bn``), linen and nnx."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from typing import Any

import jax
import jax.numpy as jnp


_EMPTY = object()


def _key(k: Any) -> str:
  return str(getattr(k, "key", getattr(k, "name", getattr(k, "idx", k))))


def refresh_batch_stats(apply_fn: Callable, params: Any, batch_stats: Any,
                        batches: Iterable[Any], **apply_kwargs: Any) -> Any:
  """Recompute linen ``batch_stats`` for (averaged) ``params``, as PyTorch ``update_bn``.

  Runs ``apply_fn({'params': params, 'batch_stats': ...}, batch, mutable=['batch_stats'],
  **apply_kwargs)`` (pass e.g. ``train=True``) on every batch and returns the equal average of
  each batch's statistics,

  .. math:: \\bar s = \\frac{1}{K} \\sum_k s_k .

  A ``linen.BatchNorm`` updates ``r <- m r + (1 - m) s``; the run starts from zero statistics and
  each batch's ``s = r / (1 - m)`` with the module's own ``momentum`` (read while it runs), which
  is exact up to one float32 rounding. Statistics of other modules (custom normalisations) are
  recovered from two runs with different starting statistics, which cancels ``m`` numerically
  (relative error about ``1e-7 / (1 - m)``).

  Args:
    apply_fn: the model's ``apply`` (or a function calling it).
    params: the parameters to compute statistics for.
    batch_stats: the current statistics (their structure and dtypes are used).
    batches: an iterable of model inputs.
    **apply_kwargs: extra arguments of ``apply_fn`` (``train=True``).

  Returns:
    A tree like ``batch_stats``.

  Raises:
    ValueError: ``batches`` is empty; a BatchNorm with ``momentum=1`` (its statistics never
      move) or applied more than once in one forward pass.

  Example:
    >>> from flax import linen
    >>> net = linen.BatchNorm(use_running_average=False, momentum=0.9)
    >>> v = net.init(jax.random.PRNGKey(0), jnp.zeros((2, 1)))
    >>> batches = [jnp.array([[1.0], [3.0]]), jnp.array([[5.0], [5.0]])]
    >>> s = jaxlrs.averaging.refresh_batch_stats(net.apply, v["params"], v["batch_stats"], batches)
    >>> s["mean"], s["var"]
    (Array([3.5], dtype=float32), Array([0.5], dtype=float32))
  """
  from flax import linen

  zeros = jax.tree.map(jnp.zeros_like, batch_stats)
  ones = jax.tree.map(jnp.ones_like, batch_stats)

  def run(start, batch, calls=None):
    def record(next_fun, args, kwargs, context):
      mod = context.module
      if (calls is not None and isinstance(mod, linen.BatchNorm) and mod.scope is not None
          and context.method_name == "__call__"):
        calls.append((tuple(mod.scope.path), mod.momentum))
      return next_fun(*args, **kwargs)

    with linen.intercept_methods(record):
      _, new = apply_fn({"params": params, "batch_stats": start}, batch,
                        mutable=["batch_stats"], **apply_kwargs)
    return new["batch_stats"]

  @jax.jit
  def stats_of(batch):
    calls: list = []
    a = run(zeros, batch, calls)
    momenta = dict(calls)
    for path, m in momenta.items():
      if sum(p == path for p, _ in calls) > 1:
        raise ValueError(f"BatchNorm {'/'.join(path)} is applied more than once per forward pass: "
                         "its batch statistics cannot be recovered.")
      if m == 1:
        raise ValueError(f"BatchNorm {'/'.join(path)} has momentum=1: its statistics never move.")
    flat, tree = jax.tree_util.tree_flatten_with_path(a)
    owners = [momenta.get(tuple(_key(k) for k in path[:-1])) for path, _ in flat]
    b = None if all(m is not None for m in owners) else jax.tree.leaves(run(ones, batch))
    out = []
    for i, ((_, x), m) in enumerate(zip(flat, owners)):
      if m is not None:
        out.append(x / jnp.asarray(1 - m, x.dtype))
      else:  # new = m * start + (1 - m) * s  =>  m = b - a and s = a / (1 - m)
        assert b is not None  # computed above whenever an owner is unknown
        out.append(x / (1 - (b[i] - x)))
    return jax.tree_util.tree_unflatten(tree, out)

  total, n = None, 0
  for batch in batches:
    s = stats_of(batch)
    total = s if total is None else jax.tree.map(jnp.add, total, s)
    n += 1
  if n == 0:
    raise ValueError("batches is empty: no statistics to compute.")
  return jax.tree.map(lambda t: t / n, total)


def refresh_nnx_batch_norm(model: Any, batches: Iterable[Any],
                           forward: Callable[[Any, Any], Any] | None = None) -> Any:
  """Recompute the running statistics of every ``nnx.BatchNorm`` in ``model`` over ``batches``.

  The statistics become the equal average of each batch's statistics (PyTorch ``update_bn``, which
  sets ``momentum=None``):

  .. math:: \\bar s = \\frac{1}{K} \\sum_k s_k .

  Every BatchNorm runs in training mode with ``momentum=0`` (so its running statistics are the
  batch's own, exactly) while ``forward(model, batch)`` runs; the sum is kept outside the model.
  The momentum and mode are the same on every batch, so a jitted ``forward``
  (``nnx.jit(lambda m, x: m(x))``) is traced once, not once per batch. Momenta and modes are
  restored afterwards.

  Args:
    model: an ``nnx`` module holding ``nnx.BatchNorm`` layers.
    batches: an iterable of inputs.
    forward: ``forward(model, batch)``; by default ``model(batch)``. It must not pass
      ``use_running_average=True``.

  Returns:
    ``model``, updated in place.

  Raises:
    ValueError: the model has no ``nnx.BatchNorm``; ``batches`` is empty.

  Example:
    >>> from flax import nnx
    >>> bn = nnx.BatchNorm(1, rngs=nnx.Rngs(0))
    >>> _ = jaxlrs.averaging.refresh_nnx_batch_norm(bn, [jnp.array([[1.0], [3.0]]),
    ...                                                 jnp.array([[5.0], [5.0]])])
    >>> bn.mean[...], bn.var[...]
    (Array([3.5], dtype=float32), Array([0.5], dtype=float32))
  """
  from flax import nnx

  norms = [m for _, m in nnx.iter_modules(model) if isinstance(m, nnx.BatchNorm)]
  if not norms:
    raise ValueError("The model has no nnx.BatchNorm layer.")
  saved = [(m.momentum, m.use_running_average) for m in norms]
  forward = forward or (lambda mdl, x: mdl(x))
  batches = iter(batches)
  first = next(batches, _EMPTY)
  if first is _EMPTY:
    raise ValueError("batches is empty: no statistics to compute.")
  k, total = 0, [(jnp.zeros_like(m.mean[...]), jnp.zeros_like(m.var[...])) for m in norms]
  try:
    for m in norms:
      m.momentum, m.use_running_average = 0.0, False
      m.mean[...], m.var[...] = jnp.zeros_like(m.mean[...]), jnp.zeros_like(m.var[...])
    for batch in itertools.chain([first], batches):
      forward(model, batch)
      total = [(s + m.mean[...], v + m.var[...]) for (s, v), m in zip(total, norms)]
      k += 1
  finally:
    for m, (momentum, mode) in zip(norms, saved):
      m.momentum, m.use_running_average = momentum, mode
  for m, (mean, var) in zip(norms, total):
    m.mean[...], m.var[...] = mean / k, var / k
  return model
