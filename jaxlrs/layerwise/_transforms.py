"""The two optimizer forms of per-parameter multipliers: scaled updates, multi_transform."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

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


def _lookup(table: dict[str, Any], path: Any) -> Any:
  key = path_of(path)
  if key not in table:
    raise missing_multiplier(key)
  return table[key]


def _leaf_lr(schedule: Any, m: float) -> Any:
  """The learning rate of a parameter with multiplier ``m``: ``schedule * m``, one rounding.

  Both forms use it, so each leaf's update is ``u * -(lr * m)`` in both: bit-identical params.
  """
  if not callable(schedule):
    return check_value("schedule", schedule) * m
  if hasattr(schedule, "to_config"):  # a jaxlrs schedule: the product is a schedule too
    return schedule * m
  return lambda step: m * schedule(step)


class ScaleByLeafLRState(NamedTuple):
  """State of :func:`scale_by_leaf_lr`: the update count and the rates of the next update.

  Attributes:
    count: the number of updates done (int32).
    learning_rate: the schedule's value for update ``count`` (float32).
    learning_rates: one float32 scalar per distinct multiplier, in increasing order of the
      multiplier, for update ``count`` (the schedule's value times that multiplier).

  Example:
    >>> tx = jaxlrs.layerwise.scale_by_leaf_lr(0.1, {"a": 0.5, "b": None})
    >>> tx.init({"a": jnp.ones(1), "b": jnp.ones(1)})
    ScaleByLeafLRState(count=Array(0, dtype=int32), learning_rate=Array(0.1, dtype=float32),
                       learning_rates=(Array(0., dtype=float32), Array(0.05, dtype=float32)))
  """

  count: jax.Array  # type: ignore[assignment]  # int32; shadows tuple.count
  learning_rate: jax.Array  # the schedule's value for update ``count`` (float32)
  learning_rates: tuple  # one float32 scalar per distinct multiplier, for update ``count``


def scale_by_leaf_lr(schedule: Any, multipliers: Any) -> optax.GradientTransformation:
  """Multiply each update by its parameter's learning rate ``schedule(count) * multiplier``.

  .. math:: u_i \\leftarrow u_i \\cdot (\\text{schedule}(t) \\, m_i)

  The multiplier is folded into the learning-rate scalar first, so the per-element work is one
  multiplication, as in ``optax.scale_by_learning_rate`` with the rate ``schedule * multiplier``
  (no sign flip: put it after an optimizer built with learning rate 1, which flips the sign).
  Leaves with equal multipliers share one scalar; frozen parameters (None or 0) get zero updates.
  The scalars for the next update are computed at the end of each update and kept in the state:
  each leaf's elementwise loop then reads a scalar input rather than computing its own rate, so
  leaves of one shape share one compiled loop whatever their multiplier (compile time stays
  near plain AdamW's at any depth).

  Args:
    schedule: a schedule, a callable of the step or a float learning rate.
    multipliers: a tree of multipliers (None or 0 freezes) with the paths of the parameters.

  Returns:
    An ``optax.GradientTransformation`` with a :class:`ScaleByLeafLRState`.

  Raises:
    ValueError: at update time, a parameter with no multiplier (named).

  Example:
    >>> tx = jaxlrs.layerwise.scale_by_leaf_lr(0.1, {"a": 0.5, "b": None})
    >>> p = {"a": jnp.ones(1), "b": jnp.ones(1)}
    >>> tx.update(p, tx.init(p))[0]
    {'a': Array([0.05], dtype=float32), 'b': Array([0.], dtype=float32)}
  """
  table = {k: 0.0 if _frozen(m) else float(m) for k, m in _table(multipliers).items()}
  distinct = sorted(set(table.values()))
  group = {m: i for i, m in enumerate(distinct)}

  def state_at(count):
    if callable(schedule):  # one evaluation of the schedule, one rounding per multiplier
      base = jnp.asarray(schedule(count))
      return ScaleByLeafLRState(count, base, tuple(base * jnp.float32(m) for m in distinct))
    return ScaleByLeafLRState(
        count, jnp.asarray(check_value("schedule", schedule), jnp.float32),
        tuple(jnp.asarray(_leaf_lr(schedule, m), jnp.float32) for m in distinct))

  def init_fn(params):
    del params
    return state_at(jnp.zeros([], jnp.int32))

  def update_fn(updates, state, params=None):
    del params

    def scale(path, u):
      return u * state.learning_rates[group[_lookup(table, path)]].astype(u.dtype)

    return (jax.tree_util.tree_map_with_path(scale, updates),
            state_at(optax.safe_increment(state.count)))

  return optax.GradientTransformation(init_fn, update_fn)


def scaled(optimizer_factory: Callable[[Any], optax.GradientTransformation], schedule: Any,
           multipliers: Any) -> optax.GradientTransformation:
  """Form (b): one optimizer with learning rate 1, then per-parameter learning rates.

  ``optimizer_factory(1.0)`` followed by :func:`scale_by_leaf_lr`: each parameter's update is
  multiplied by ``schedule(count) * multiplier``, computed as one scalar before it meets the
  update, exactly as :func:`multi_transform` computes it. For optimizers whose update is linear in
  the learning rate (SGD, momentum, Adam, AdamW with decoupled weight decay, ...) the two forms
  give bit-identical parameters from the same gradients. The state is the plain optimizer's plus
  the schedule's value and one scalar per distinct multiplier (:func:`jaxlrs.current_lr` reads
  them). Frozen parameters get zero updates (their optimizer moments are still kept; use
  :func:`multi_transform` to drop them).

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
  return optax.chain(optimizer_factory(1.0), scale_by_leaf_lr(schedule, multipliers))


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
  transforms = {label: optax.set_to_zero() if label == "frozen" else
                optimizer_factory(_leaf_lr(schedule, float(m))) for label, m in values.items()}

  def label_of(path, _):
    if path not in table:
      raise missing_multiplier(path)
    return table[path]

  def labels(params):
    return _map(label_of, params)

  return optax.multi_transform(transforms, labels)

