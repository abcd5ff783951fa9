"""The two optimizer forms of per-parameter multipliers: scaled updates, multi_transform."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import optax

from .._core import check_value
from ._tree import _frozen, _map, _table, path_of


def scale_by_multipliers(multipliers: Any) -> optax.GradientTransformation:
  """Scale each update by its parameter's multiplier (0 for frozen ones); stateless."""
  table = {k: 0.0 if _frozen(m) else float(m) for k, m in _table(multipliers).items()}

  def update_fn(updates, state, params=None):
    del params

    def scale(path, u):
      key = path_of(path)
      if key not in table:
        raise ValueError(f"No learning-rate multiplier for parameter {key!r}.")
      m = table[key]
      return u if m == 1.0 else u * jnp.asarray(m, u.dtype)

    return jax.tree_util.tree_map_with_path(scale, updates), state

  return optax.GradientTransformation(lambda params: optax.EmptyState(), update_fn)


def scaled(optimizer_factory: Callable[[Any], optax.GradientTransformation], schedule: Any,
           multipliers: Any) -> optax.GradientTransformation:
  """Form (b): ``optimizer_factory(schedule)`` followed by per-parameter multipliers.

  The state is the plain optimizer's. Frozen parameters get zero updates (their optimizer
  moments are still kept; use :func:`multi_transform` to drop them).
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

  def labels(params):
    return _map(lambda path, _: table[path], params)

  return optax.multi_transform(transforms, labels)

