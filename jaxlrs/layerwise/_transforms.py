"""The two optimizer forms of per-parameter multipliers: scaled updates, multi_transform."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import optax

from .._core import check_value
from ._tree import _frozen, _map, _table, missing_multiplier, path_of


def scale_by_multipliers(multipliers: Any) -> optax.GradientTransformation:
  """Scale each update by its parameter's multiplier (0 for frozen ones); stateless.

  .. math:: u_i \\leftarrow m_i u_i

  Args:
    multipliers: a tree of multipliers (None or 0 freezes) with the paths of the parameters.

  Returns:
    An ``optax.GradientTransformation`` with an empty state.

  Raises:
    ValueError: at update time, a parameter with no multiplier (named).

  Example:
    >>> tx = jaxlrs.layerwise.scale_by_multipliers({"a": 0.5, "b": None})
    >>> tx.update({"a": jnp.ones(2), "b": jnp.ones(2)}, tx.init(None))[0]["a"]
    Array([0.5, 0.5], dtype=float32)
  """
  table = {k: 0.0 if _frozen(m) else float(m) for k, m in _table(multipliers).items()}

  def update_fn(updates, state, params=None):
    del params

    def scale(path, u):
      key = path_of(path)
      if key not in table:
        raise missing_multiplier(key)
      m = table[key]
      return u if m == 1.0 else u * jnp.asarray(m, u.dtype)

    return jax.tree_util.tree_map_with_path(scale, updates), state

  return optax.GradientTransformation(lambda params: optax.EmptyState(), update_fn)


def scaled(optimizer_factory: Callable[[Any], optax.GradientTransformation], schedule: Any,
           multipliers: Any) -> optax.GradientTransformation:
  """Form (b): ``optimizer_factory(schedule)`` followed by per-parameter multipliers.

  The state is the plain optimizer's. Frozen parameters get zero updates (their optimizer
  moments are still kept; use :func:`multi_transform` to drop them). For optimizers whose update
  is linear in the learning rate this is :func:`multi_transform`'s update.

  Args:
    optimizer_factory: learning rate -> Optax optimizer (``lambda lr: optax.adamw(lr)``).
    schedule: a schedule or a float learning rate.
    multipliers: a tree of multipliers with the paths of the parameters.

  Returns:
    An ``optax.GradientTransformation``.

  Raises:
    ValueError: at update time, a parameter with no multiplier (named).

  Example:
    >>> tx = jaxlrs.layerwise.scaled(optax.sgd, 0.1, {"a": 0.5, "b": 1.0})
    >>> p = {"a": jnp.ones(1), "b": jnp.ones(1)}
    >>> tx.update(p, tx.init(p))[0]
    {'a': Array([-0.05], dtype=float32), 'b': Array([-0.1], dtype=float32)}
  """
  return optax.chain(optimizer_factory(schedule), scale_by_multipliers(multipliers))


def _label(m: Any) -> str:
  return "frozen" if _frozen(m) else f"lr*{float(m)!r}"


def multi_transform(optimizer_factory: Callable[[Any], optax.GradientTransformation],
                    schedule: Any, multipliers: Any) -> optax.GradientTransformation:
  """Form (a): ``optax.multi_transform`` with one optimizer per multiplier.

  Each label's optimizer is ``optimizer_factory(schedule * m)`` (a jaxlrs product schedule when
  ``schedule`` is one, else ``lambda step: m * schedule(step)``); frozen parameters get
  ``optax.set_to_zero()`` and hold no optimizer state.

  Args:
    optimizer_factory: learning rate -> Optax optimizer (``lambda lr: optax.adamw(lr)``).
    schedule: a schedule, a callable of the step or a float learning rate.
    multipliers: a tree of multipliers with the paths of the parameters.

  Returns:
    An ``optax.GradientTransformation`` (``optax.multi_transform``).

  Raises:
    ValueError: a parameter with no multiplier (named), at ``init`` or ``update``.

  Example:
    >>> tx = jaxlrs.layerwise.multi_transform(optax.sgd, 0.1, {"a": 0.5, "b": None})
    >>> p = {"a": jnp.ones(1), "b": jnp.ones(1)}
    >>> tx.update(p, tx.init(p))[0]
    {'a': Array([-0.05], dtype=float32), 'b': Array([0.], dtype=float32)}
  """
  table = {k: _label(m) for k, m in _table(multipliers).items()}
  values = {_label(m): m for m in _table(multipliers).values()}
  transforms = {}
  for label, m in values.items():
    if label == "frozen":
      transforms[label] = optax.set_to_zero()
    elif callable(schedule):
      lr = schedule * float(m) if hasattr(schedule, "to_config") else (
          lambda step, s=schedule, m=float(m): m * s(step))
      transforms[label] = optimizer_factory(lr)
    else:
      transforms[label] = optimizer_factory(check_value("schedule", schedule) * float(m))

  def label_of(path, _):
    if path not in table:
      raise missing_multiplier(path)
    return table[path]

  def labels(params):
    return _map(label_of, params)

  return optax.multi_transform(transforms, labels)

