"""timm 1.0.31's metric-driven ``PlateauLRScheduler`` as an Optax transform."""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from .. import _shapes
from .._core import require_choice, require_value
from . import _timm_args as A
from ._args import checked

_INT32_MAX = 2**31 - 1
EPS = 1e-8  # PyTorch ReduceLROnPlateau's default ``eps`` (timm does not pass one)


class PlateauLRSchedulerState(NamedTuple):
  """State of :func:`PlateauLRScheduler`: timm's scheduler state as a pytree of scalars.

  Unlike timm's (whose state dict keeps only ``best``), this state is the whole scheduler: a
  checkpoint of the optimizer state resumes the plateau logic where it stopped.

  Attributes:
    lr: the learning rate the next update uses (timm's ``param_group["lr"]``, noise included).
    base_lr: the rate before noise, from which the plateau logic continues (timm's
      ``restore_lr``).
    noised: whether the last step after the warmup applied noise (timm's ``restore_lr`` is set).
    best: the best metric so far (PyTorch's ``best``; ``inf``/``-inf`` before the first one).
    num_bad: consecutive metrics without improvement (``num_bad_epochs``, int32).
    cooldown: metrics left in the cooldown (``cooldown_counter``, int32).
    epoch: the last epoch passed to a step (int32; 0 before the first).

  Example:
    >>> from jaxlrs.compat.timm import PlateauLRScheduler
    >>> state = PlateauLRScheduler(0.1, warmup_t=5, warmup_lr_init=0.01).init(None)
    >>> state.lr
    Array(0.01, dtype=float32)
  """

  lr: jax.Array
  base_lr: jax.Array
  noised: jax.Array
  best: jax.Array
  num_bad: jax.Array
  cooldown: jax.Array
  epoch: jax.Array


def _epoch(epoch: Any) -> jax.Array:
  """An integer epoch as int32 (negative epochs read as 0)."""
  e = jnp.asarray(epoch)
  if not jnp.issubdtype(e.dtype, jnp.integer) or e.shape != ():
    raise TypeError(f"epoch must be an integer scalar (timm's epoch), got {epoch!r}.")
  if jnp.issubdtype(e.dtype, jnp.signedinteger):
    e = jnp.maximum(e, 0)
  return jnp.minimum(e, _INT32_MAX).astype(jnp.int32)


@checked
def PlateauLRScheduler(lr: float, decay_rate: float = 0.1, patience_t: int = 10,  # noqa: N802
                       threshold: float = 1e-4, cooldown_t: int = 0, warmup_t: int = 0,
                       warmup_lr_init: float = 0.0, lr_min: float = 0.0, mode: str = "max",
                       noise_range_t: Any = None, noise_type: str = "normal",
                       noise_pct: float = 0.67, noise_std: float = 1.0,
                       noise_seed: int | None = None,
                       initialize: bool = True) -> optax.GradientTransformationExtraArgs:
  """timm ``PlateauLRScheduler``: PyTorch's ``ReduceLROnPlateau`` with timm's warmup and noise.

  An Optax transform that multiplies the updates by timm's learning rate: chain it after an
  optimizer built with ``learning_rate=1.0``. timm's ``scheduler.step(epoch, metric)`` is an
  update called with ``epoch=`` and/or ``value=metric``; without ``epoch`` the step is the one
  after the last (the first is epoch 1, as timm's training loop calls ``step(epoch + 1,
  metric)`` after each epoch). Updates with neither keep the learning rate::

      tx = optax.chain(optax.adamw(1.0), PlateauLRScheduler(1e-3, mode="min", warmup_t=3))
      updates, state = tx.update(grads, state, params)                  # most updates
      updates, state = tx.update(grads, state, params, value=val_loss)  # after an evaluation

  A step at ``epoch <= warmup_t`` sets ``warmup_lr_init + epoch (lr - warmup_lr_init) /
  warmup_t`` and ignores the metric (as timm: with ``warmup_t=0``, a step at epoch 0 sets
  ``warmup_lr_init``, and the plateau logic then continues from that rate, 0 by default: count
  epochs from 1 as timm's training loop does). Later steps first undo the last noise, then feed the metric to
  ``ReduceLROnPlateau(mode, factor=decay_rate, patience=patience_t, threshold,
  threshold_mode="rel", cooldown=cooldown_t, min_lr=lr_min, eps=1e-8)``: a metric ``m`` improves
  on ``best`` when ``m < best (1 - threshold)`` (``min``) or ``m > best (1 + threshold)``
  (``max``); after more than ``patience_t`` metrics in a row without improvement the rate
  becomes ``max(rate * decay_rate, lr_min)`` unless that lowers it by ``1e-8`` or less, and the
  next ``cooldown_t`` metrics are not counted. Then, inside ``noise_range_t``, timm's noise of
  that epoch multiplies the rate by ``1 + n`` (the noise of the other timm schedulers: equal to
  timm's). The state (:class:`PlateauLRSchedulerState`) holds the rate in ``lr``.

  Deliberate differences: the metric is compared in float32 (float64 under x64; PyTorch compares
  Python floats), so a metric within float32 rounding of the threshold may count differently;
  a negative epoch reads as epoch 0; ``decay_rate`` outside ``(0, 1)``, ``threshold`` outside
  ``[0, 1)`` and ``lr_min > lr`` raise. timm 1.0.31 deprecates this scheduler because its
  state is not checkpointed; here the state is an Optax state pytree, checkpointed with the rest.

  Args:
    lr: base learning rate (timm reads it from the optimizer).
    decay_rate: factor applied on each plateau, in ``(0, 1)``.
    patience_t: metrics without improvement tolerated before reducing (a non-negative int).
    threshold: relative change that counts as an improvement, in ``[0, 1)``.
    cooldown_t: metrics ignored after a reduction (a non-negative int).
    warmup_t: warmup epochs (a non-negative int).
    warmup_lr_init: rate at epoch 0 of the warmup, ``>= 0``.
    lr_min: lower bound of the reductions, in ``[0, lr]``.
    mode: ``"max"`` (timm's default: higher is better, e.g. accuracy) or ``"min"``.
    noise_range_t: None, an epoch from which noise is on, or ``(start, end)``.
    noise_type: ``"normal"`` or ``"uniform"``.
    noise_pct: noise limit, positive.
    noise_std: standard deviation of the normal noise, positive.
    noise_seed: seed (None: 42, as timm); epoch ``t`` draws from ``manual_seed(noise_seed + t)``.
    initialize: accepted for timm's signature (a bool).

  Returns:
    An ``optax.GradientTransformationExtraArgs`` whose ``update`` takes optional ``epoch=`` (an
    integer scalar) and ``value=`` (the metric, a scalar).

  Raises:
    ValueError: an argument out of range or an unknown ``mode``/``noise_type``; at update time,
      a metric that is not a scalar.
    TypeError: a fractional count, a non-bool ``initialize``; at update time, an epoch that is
      not an integer scalar.

  Example:
    >>> tx = PlateauLRScheduler(0.1, patience_t=1, mode="min")
    >>> state = tx.init(None)
    >>> for loss in (1.0, 0.9, 0.9, 0.9):  # epochs 1-4; no improvement at 3 and 4
    ...   _, state = tx.update(None, state, value=loss)
    >>> state.lr, state.epoch
    (Array(0.01, dtype=float32), Array(4, dtype=int32))
  """
  lr, lr_min = A.lr_pair(lr, lr_min)
  decay_rate = A.value("decay_rate", decay_rate)
  require_value("decay_rate", decay_rate, lambda d: 0 < d < 1, "in (0, 1)")
  threshold = A.value("threshold", threshold)
  require_value("threshold", threshold, lambda t: 0 <= t < 1, "in [0, 1)")
  patience = min(A.steps("patience_t", patience_t), _INT32_MAX)
  cooldown = min(A.steps("cooldown_t", cooldown_t), _INT32_MAX)
  warmup_t = A.steps("warmup_t", warmup_t)
  warmup_lr_init = A.value("warmup_lr_init", warmup_lr_init, 0.0)
  require_choice("mode", mode, ("min", "max"))
  A.flag("initialize", initialize)
  noise = A.with_noise(_shapes.constant(1.0), noise_range_t, noise_pct, noise_std, noise_seed,
                       noise_type)
  window = A.noise_range(noise_range_t)
  dtype = jnp.result_type(float)
  slope = (lr - warmup_lr_init) / warmup_t if warmup_t else 1.0

  def init_fn(params: Any) -> PlateauLRSchedulerState:
    del params
    start = jnp.asarray(warmup_lr_init if warmup_t else lr, dtype)
    return PlateauLRSchedulerState(
        lr=start, base_lr=start, noised=jnp.zeros([], bool),
        best=jnp.asarray(jnp.inf if mode == "min" else -jnp.inf, dtype),
        num_bad=jnp.zeros([], jnp.int32), cooldown=jnp.zeros([], jnp.int32),
        epoch=jnp.zeros([], jnp.int32))

  def observe(state, m):  # PyTorch's ReduceLROnPlateau.step on the rate ``base_lr``
    if mode == "min":
      improved = m < state.best * (1 - threshold)
    else:
      improved = m > state.best * (1 + threshold)
    num_bad = jnp.where(improved, 0, jnp.where(state.num_bad < _INT32_MAX, state.num_bad + 1,
                                               state.num_bad))
    in_cooldown = state.cooldown > 0
    count = jnp.where(in_cooldown, state.cooldown - 1, state.cooldown)
    num_bad = jnp.where(in_cooldown, 0, num_bad)
    reduce = num_bad > patience if patience < _INT32_MAX else jnp.zeros([], bool)
    old = state.base_lr
    new = jnp.maximum(old * decay_rate, jnp.asarray(lr_min, dtype))
    return state._replace(
        base_lr=jnp.where(reduce & (old - new > EPS), new, old),
        best=jnp.where(improved, m, state.best), num_bad=jnp.where(reduce, 0, num_bad),
        cooldown=jnp.where(reduce, cooldown, count))

  def step(state, epoch, value):
    e = (jnp.where(state.epoch < _INT32_MAX, state.epoch + 1, state.epoch) if epoch is None
         else _epoch(epoch))
    ef = e.astype(dtype)
    warm = (warmup_lr_init + ef * slope).astype(dtype)
    after = state._replace(base_lr=jnp.where(state.noised, state.base_lr, state.lr))
    if value is not None:
      after = observe(after, jnp.asarray(value, dtype))
    if window is None:
      noised = jnp.zeros([], bool)
    else:
      noised = ef >= window[0] if window[1] is None else (ef >= window[0]) & (ef < window[1])
    after = after._replace(lr=(after.base_lr * noise(e)).astype(dtype), noised=noised)
    in_warmup = e <= warmup_t
    out = jax.tree.map(lambda w, a: jnp.where(in_warmup, w, a), state, after)
    return out._replace(lr=jnp.where(in_warmup, warm, after.lr), epoch=e)

  def update_fn(updates, state, params=None, *, value=None, epoch=None, **extra_args):
    del params, extra_args
    if value is not None:
      shape = value.shape if hasattr(value, "shape") else np.shape(value)
      if shape != ():
        raise ValueError(f"value (the metric) must be a scalar, got shape {shape}.")
    if value is not None or epoch is not None:
      state = step(state, epoch, value)
    updates = jax.tree.map(lambda u: u * state.lr.astype(u.dtype), updates)
    return updates, state

  return optax.GradientTransformationExtraArgs(init_fn, update_fn)
