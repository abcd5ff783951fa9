"""Read from an optimizer state the hyperparameters and the learning rate the next update uses."""

from __future__ import annotations

from typing import Any, Callable

import jax
import jax.numpy as jnp
import optax
import optax.contrib

from ._hyperparams import ScheduledState
from .layerwise import ScaleByLeafLRState
from ._plateau import ReduceOnPlateauState
from ._state_tree import find_nodes, unwrap
from ._training import step_count

__all__ = ["hyperparams", "current_lr", "lr_range"]

def hyperparams(opt_state: Any) -> dict[str, jax.Array]:
  """The value every scheduled hyperparameter takes at the **next** update.

  Collects the values of every :func:`jaxlrs.scheduled` state in ``opt_state`` (an Optax state or
  an ``nnx.Optimizer``). Keys are the argument names; when several scheduled optimizers are in
  the state (one per ``multi_transform`` label) each name is prefixed with its label:
  ``"lr*0.5/learning_rate"``.

  Args:
    opt_state: an Optax state or an ``nnx.Optimizer``.

  Returns:
    A dict from argument name (prefixed by its label when there are several scheduled
    optimizers) to a scalar ``jax.Array``.

  Raises:
    ValueError: the state holds no scheduled hyperparameters.

  Example:
    >>> tx = jaxlrs.scheduled(optax.adamw, jaxlrs.linear(1e-3, end_value=0.0, total_steps=10),
    ...                       b1=jaxlrs.linear(0.95, end_value=0.85, total_steps=10))
    >>> state = tx.init({"w": jnp.zeros(2)})
    >>> _, state = tx.update({"w": jnp.ones(2)}, state, {"w": jnp.zeros(2)})
    >>> {k: round(float(v), 6) for k, v in jaxlrs.hyperparams(state).items()}
    {'b1': 0.94, 'learning_rate': 0.0009}
  """
  found = find_nodes(opt_state, ScheduledState)
  if not found:
    raise ValueError("No scheduled hyperparameters in the optimizer state: build the optimizer "
                     "with jaxlrs.scheduled(...).")
  out: dict[str, jax.Array] = {}
  for label, state in found:
    for name, value in sorted(state.hyperparams.items()):
      key = f"{label}/{name}" if len(found) > 1 else name
      if key in out:
        key = f"{len(out)}/{key}"
      out[key] = unwrap(value)
  return out


def _plateau_scale(opt_state: Any) -> jax.Array:
  scale = jnp.ones([], jnp.result_type(float))
  states = (ReduceOnPlateauState, optax.contrib.ReduceLROnPlateauState)
  for _, s in find_nodes(opt_state, states):
    scale = scale * jnp.asarray(unwrap(s.scale), scale.dtype)
  return scale


def _base_lrs(opt_state: Any, schedule: Callable | None) -> list[jax.Array]:
  if schedule is not None:
    return [jnp.asarray(schedule(step_count(opt_state)))]
  # The layer-wise scaled form runs its optimizer at rate 1 and keeps the schedule's value.
  lrs = [unwrap(s.learning_rate) for _, s in find_nodes(opt_state, ScaleByLeafLRState)]
  lrs = lrs or [unwrap(s.hyperparams["learning_rate"]) for _, s in
                find_nodes(opt_state, ScheduledState) if "learning_rate" in s.hyperparams]
  if not lrs:
    raise ValueError("No scheduled learning_rate in the optimizer state: pass the schedule "
                     "(current_lr(opt_state, schedule)) or build the optimizer with "
                     "jaxlrs.scheduled(..., learning_rate=schedule).")
  return lrs


def _per_parameter(lr: jax.Array, multipliers: Any) -> Any:
  return jax.tree.map(lambda m: lr * (0.0 if m is None else float(m)), multipliers,
                      is_leaf=lambda x: x is None)


def current_lr(opt_state: Any, schedule: Callable | None = None, *,
               multipliers: Any = None) -> Any:
  """The learning rate the **next** update uses, with reduce-on-plateau and layer-wise scales.

  .. math:: \\text{lr} = \\text{base} \\times \\prod \\text{plateau scales}
     \\ (\\times\\ \\text{multiplier of each parameter})

  ``base`` is the ``learning_rate`` of the :func:`jaxlrs.scheduled` optimizer in the state, or
  ``schedule(step_count(opt_state))`` when ``schedule`` is given (for an optimizer built with a
  plain schedule: ``optax.inject_hyperparams`` stores ``schedule(k - 1)`` after ``k`` updates,
  this gives ``schedule(k)``). The scale of every :func:`jaxlrs.reduce_on_plateau` (and
  ``optax.contrib.reduce_on_plateau``) in the state multiplies it (a metric passed with the next
  update may still change that scale). The older argument order
  ``current_lr(schedule, opt_state)`` is accepted too.

  Args:
    opt_state: an Optax state or an ``nnx.Optimizer``.
    schedule: the learning-rate schedule, when the optimizer was not built with
      :func:`jaxlrs.scheduled`.
    multipliers: layer-wise multipliers (from :mod:`jaxlrs.layerwise`, used with its ``scaled``
      form): the result is then a tree of per-parameter rates (0 where frozen).

  Returns:
    A scalar, or a tree like ``multipliers``.

  Raises:
    ValueError: no learning rate can be found; several (one per ``multi_transform`` label: use
      :func:`lr_range` or :func:`jaxlrs.hyperparams`).

  Example:
    >>> s = jaxlrs.linear(1.0, end_value=0.0, total_steps=10)
    >>> tx = optax.chain(jaxlrs.scheduled(optax.sgd, s), jaxlrs.reduce_on_plateau(factor=0.5))
    >>> state = tx.init({"w": jnp.zeros(2)})
    >>> jaxlrs.current_lr(state)
    Array(1., dtype=float32)
  """
  if callable(opt_state) and schedule is not None and not callable(schedule):
    opt_state, schedule = schedule, opt_state  # current_lr(schedule, opt_state)
  lrs = _base_lrs(opt_state, schedule)
  if len(lrs) > 1:
    raise ValueError(f"The state holds {len(lrs)} learning rates (one per multi_transform "
                     "label): read them with jaxlrs.lr_range or jaxlrs.hyperparams.")
  lr = lrs[0] * _plateau_scale(opt_state).astype(lrs[0].dtype)
  return lr if multipliers is None else _per_parameter(lr, multipliers)


def lr_range(opt_state: Any, schedule: Callable | None = None, *,
             multipliers: Any = None) -> tuple[jax.Array, jax.Array]:
  """``(min, max)`` of the learning rates the next update uses, over parameters or labels.

  With ``multipliers`` (the ``scaled`` layer-wise form) over the parameters that are not frozen;
  with several scheduled learning rates in the state (the ``multi_transform`` form, each already
  multiplied) over those; the plateau scale is applied as in :func:`current_lr`.

  Args:
    opt_state: an Optax state or an ``nnx.Optimizer``.
    schedule: the learning-rate schedule, when the optimizer was not built with
      :func:`jaxlrs.scheduled`.
    multipliers: layer-wise multipliers (the ``scaled`` form; ``None`` or 0 where frozen).

  Returns:
    ``(min, max)``, two scalar ``jax.Array``; both 0 when every parameter is frozen.

  Raises:
    ValueError: no learning rate can be found; ``multipliers`` with several learning rates.

  Example:
    >>> tx = jaxlrs.scheduled(optax.sgd, 0.1)
    >>> state = tx.init({"a": jnp.zeros(1), "b": jnp.zeros(1)})
    >>> lo, hi = jaxlrs.lr_range(state, lambda step: 0.1, multipliers={"a": 0.5, "b": 1.0})
    >>> round(float(lo), 6), round(float(hi), 6)
    (0.05, 0.1)
  """
  scale = _plateau_scale(opt_state)
  lrs = [lr * scale.astype(lr.dtype) for lr in _base_lrs(opt_state, schedule)]
  if multipliers is not None:
    if len(lrs) > 1:
      raise ValueError("multipliers apply to one learning rate; the state holds several.")
    live = [float(m) for m in jax.tree.leaves(multipliers) if m is not None and m != 0]
    lrs = [lrs[0] * m for m in live] or [jnp.zeros_like(lrs[0])]
  stacked = jnp.stack(lrs)
  return stacked.min(), stacked.max()
