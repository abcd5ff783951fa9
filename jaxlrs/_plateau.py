"""Reduce the learning rate when a metric stops improving, as an Optax transform."""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from ._core import check_steps, check_value, require, require_choice


class ReduceOnPlateauState(NamedTuple):
  """State of :func:`reduce_on_plateau`: a pytree of scalars that checkpoints like any other."""

  scale: jax.Array  # the factor applied to the updates
  best: jax.Array  # best metric so far
  num_bad: jax.Array  # consecutive updates without improvement
  cooldown: jax.Array  # updates left in the cooldown


def reduce_on_plateau(factor: float = 0.1, patience: int = 10, cooldown: int = 0,
                      min_scale: float = 0.0, threshold: float = 1e-4,
                      threshold_mode: str = "rel", mode: str = "min") -> optax.GradientTransformationExtraArgs:
  """Scale updates down by ``factor`` when the metric has not improved for ``patience`` updates.

  Chain it after an optimizer and pass the metric (e.g. the validation loss) to every update::

      tx = optax.chain(optax.adamw(1e-3), jaxlrs.reduce_on_plateau(patience=5))
      updates, state = tx.update(grads, state, params, value=val_loss)

  A metric ``m`` improves on ``best`` when (mode ``min``)

  * ``rel``: ``m < best - threshold * |best|``;
  * ``abs``: ``m < best - threshold``;

  and symmetrically for mode ``max``. Using ``|best|`` makes a flat *negative* metric count as no
  improvement (PyTorch's ``best * (1 - threshold)`` counts it as one). After ``patience``
  updates without improvement the scale is multiplied by ``factor`` (not below ``min_scale``),
  the counter resets, and ``cooldown`` updates pass before counting again.

  Args:
    factor: multiplier in ``(0, 1)`` applied on each plateau.
    patience: updates without improvement before reducing (a non-negative int).
    cooldown: updates to wait after a reduction (a non-negative int).
    min_scale: lower bound on the scale, in ``[0, 1]``.
    threshold: minimum change that counts as an improvement (non-negative).
    threshold_mode: ``"rel"`` or ``"abs"``.
    mode: ``"min"`` (lower is better) or ``"max"``.

  Returns:
    An ``optax.GradientTransformationExtraArgs`` whose ``update`` takes ``value=metric``.

  Raises:
    ValueError: any argument out of range or an unknown mode.
  """
  factor = check_value("factor", factor)
  require(0 < factor < 1, "factor", factor, "in (0, 1)")
  patience = check_steps("patience", patience)
  require(patience >= 0, "patience", patience, "non-negative")
  cooldown = check_steps("cooldown", cooldown)
  require(cooldown >= 0, "cooldown", cooldown, "non-negative")
  min_scale = check_value("min_scale", min_scale)
  require(0 <= min_scale <= 1, "min_scale", min_scale, "in [0, 1]")
  threshold = check_value("threshold", threshold)
  require(threshold >= 0, "threshold", threshold, "non-negative")
  require_choice("threshold_mode", threshold_mode, ("rel", "abs"))
  require_choice("mode", mode, ("min", "max"))
  sign = 1.0 if mode == "min" else -1.0

  def init_fn(params: Any) -> ReduceOnPlateauState:
    del params
    return ReduceOnPlateauState(
        scale=jnp.ones([], jnp.float32), best=jnp.asarray(jnp.inf, jnp.float32),
        num_bad=jnp.zeros([], jnp.int32), cooldown=jnp.zeros([], jnp.int32))

  def update_fn(updates, state, params=None, *, value=None, **extra_args):
    del params, extra_args
    if value is None:
      raise ValueError("reduce_on_plateau needs the metric: call update(..., value=metric).")
    m = sign * jnp.asarray(value, jnp.float32)  # "lower is better" from here on
    margin = threshold * jnp.abs(state.best) if threshold_mode == "rel" else threshold
    finite_best = jnp.isfinite(state.best)
    improved = jnp.where(finite_best, m < state.best - jnp.where(finite_best, margin, 0.0),
                         m < state.best)
    in_cooldown = state.cooldown > 0
    num_bad = jnp.where(improved | in_cooldown, 0, state.num_bad + 1)
    reduce = num_bad > patience
    scale = jnp.where(reduce, jnp.maximum(state.scale * factor, min_scale), state.scale)
    new_state = ReduceOnPlateauState(
        scale=scale,
        best=jnp.where(improved, m, state.best),
        num_bad=jnp.where(reduce, 0, num_bad),
        cooldown=jnp.where(reduce, cooldown, jnp.maximum(state.cooldown - 1, 0)),
    )
    updates = jax.tree.map(lambda u: (u * scale.astype(u.dtype)), updates)
    return updates, new_state

  return optax.GradientTransformationExtraArgs(init_fn, update_fn)
