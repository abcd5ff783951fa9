"""Reduce the learning rate when a metric stops improving, as an Optax transform."""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from ._core import check_steps, check_value, require, require_choice

_INT32_MAX = 2**31 - 1


def _saturating_increment(n: jax.Array) -> jax.Array:
  return jnp.where(n < _INT32_MAX, n + 1, n)


class ReduceOnPlateauState(NamedTuple):
  """State of :func:`reduce_on_plateau`: a pytree of scalars that checkpoints like any other.

  Attributes:
    scale: the factor applied to the updates (starts at 1).
    best: the best metric so far.
    num_bad: consecutive updates without improvement.
    cooldown: updates left in the cooldown.

  Example:
    >>> state = jaxlrs.reduce_on_plateau().init({"w": jnp.zeros(2)})
    >>> float(state.scale)
    1.0
  """

  scale: jax.Array  # the factor applied to the updates
  best: jax.Array  # best metric so far
  num_bad: jax.Array  # consecutive evaluations without improvement (int32)
  cooldown: jax.Array  # evaluations left in the cooldown (int32)


def reduce_on_plateau(factor: float = 0.1, patience: int = 10, cooldown: int = 0,
                      min_scale: float = 0.0, threshold: float = 1e-4,
                      threshold_mode: str = "rel", mode: str = "min") -> optax.GradientTransformationExtraArgs:
  """Scale updates down by ``factor`` when a metric has not improved for ``patience`` evaluations.

  The metric is an evaluation result (e.g. the validation loss after each epoch). Pass it with
  the update that follows the evaluation; updates without a metric use the current scale and
  leave the plateau state alone, so ``patience`` and ``cooldown`` count *evaluations*::

      tx = optax.chain(optax.adamw(1e-3), jaxlrs.reduce_on_plateau(patience=5))
      updates, state = tx.update(grads, state, params)                  # most updates
      updates, state = tx.update(grads, state, params, value=val_loss)  # after an evaluation

  (Under ``jax.jit`` the two calls are two traces of the step.) A metric ``m`` improves on
  ``best`` when (mode ``min``)

  * ``rel``: ``m < best - threshold * |best|``;
  * ``abs``: ``m < best - threshold``;

  and symmetrically for mode ``max``. Using ``|best|`` makes a flat *negative* metric count as no
  improvement (PyTorch's ``best * (1 - threshold)`` counts it as one). After more than
  ``patience`` evaluations in a row without improvement the scale is multiplied by ``factor``
  (not below ``min_scale``), the counter resets, and the next ``cooldown`` evaluations are not
  counted. The new scale applies to the update that brought the metric and to those after it.
  Counters saturate at ``2**31 - 1`` evaluations: a larger ``patience`` never reduces.

  Mapping from other libraries:

  * PyTorch ``ReduceLROnPlateau(opt, mode, factor, patience, threshold, threshold_mode,
    cooldown, min_lr)`` with ``scheduler.step(val_loss)`` once per epoch: the same arguments and
    counting, with ``min_scale = min_lr / lr`` and ``value=val_loss`` on the first update after
    each evaluation. (``eps`` is not supported.)
  * Keras ``ReduceLROnPlateau(monitor, factor, patience=p, min_delta=d, cooldown=c,
    min_lr)``: Keras reduces after ``p`` bad epochs and counts the last cooldown epoch, so use
    ``patience=p - 1``, ``cooldown=max(c - 1, 0)``, ``threshold=d, threshold_mode="abs"``.

  Args:
    factor: multiplier in ``(0, 1)`` applied on each plateau.
    patience: evaluations without improvement tolerated before reducing (a non-negative int).
    cooldown: evaluations ignored after a reduction (a non-negative int).
    min_scale: lower bound on the scale, in ``[0, 1]``.
    threshold: minimum change that counts as an improvement (non-negative).
    threshold_mode: ``"rel"`` or ``"abs"``.
    mode: ``"min"`` (lower is better) or ``"max"``.

  Returns:
    An ``optax.GradientTransformationExtraArgs`` whose ``update`` takes an optional
    ``value=metric`` (a scalar).

  Raises:
    ValueError: any argument out of range or an unknown mode; at update time, a metric that is
      not a scalar.

  Example:
    >>> tx = jaxlrs.reduce_on_plateau(factor=0.5, patience=0)
    >>> state = tx.init({"w": jnp.zeros(())})
    >>> g = {"w": jnp.ones(())}
    >>> for metric in (1.0, None, None, 1.0):  # two evaluations, the second no better
    ...   updates, state = tx.update(g, state, value=metric)
    >>> state.scale
    Array(0.5, dtype=float32)
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
  # The counters are int32: a patience or cooldown past int32 is one they never reach.
  patience, cooldown = min(patience, 2**31 - 1), min(cooldown, 2**31 - 1)

  def init_fn(params: Any) -> ReduceOnPlateauState:
    del params
    return ReduceOnPlateauState(
        scale=jnp.ones([], jnp.float32), best=jnp.asarray(jnp.inf, jnp.float32),
        num_bad=jnp.zeros([], jnp.int32), cooldown=jnp.zeros([], jnp.int32))

  def update_fn(updates, state, params=None, *, value=None, **extra_args):
    del params, extra_args
    if value is not None:
      shape = value.shape if hasattr(value, "shape") else np.shape(value)
      if shape != ():
        raise ValueError(f"value (the metric) must be a scalar, got shape {shape}.")
      state = _observe(state, sign * jnp.asarray(value, jnp.float32))
    updates = jax.tree.map(lambda u: (u * state.scale.astype(u.dtype)), updates)
    return updates, state

  def _observe(state, m):  # m: "lower is better" from here on
    margin = threshold * jnp.abs(state.best) if threshold_mode == "rel" else threshold
    finite_best = jnp.isfinite(state.best)
    improved = jnp.where(finite_best, m < state.best - jnp.where(finite_best, margin, 0.0),
                         m < state.best)
    in_cooldown = state.cooldown > 0
    num_bad = jnp.where(improved | in_cooldown, 0, _saturating_increment(state.num_bad))
    reduce = (num_bad > patience) if patience < _INT32_MAX else jnp.zeros([], bool)
    return ReduceOnPlateauState(
        scale=jnp.where(reduce, jnp.maximum(state.scale * factor, min_scale), state.scale),
        best=jnp.where(improved, m, state.best),
        num_bad=jnp.where(reduce, 0, num_bad),
        cooldown=jnp.where(reduce, min(cooldown, _INT32_MAX),
                           jnp.maximum(state.cooldown - 1, 0)),
    )

  return optax.GradientTransformationExtraArgs(init_fn, update_fn)
