"""The averaging wrappers: :func:`ema` and :func:`swa` around any Optax optimizer."""

from __future__ import annotations

import functools
from typing import Any, Callable, NamedTuple

import jax
import jax.numpy as jnp
import optax

from .._core import check_steps, check_value, require, require_value
from .._hyperparams import register_step_count, scheduled


@register_step_count
class AveragingState(NamedTuple):
  """Optimizer state of :func:`ema` / :func:`swa`: the inner state and the average.

  Attributes:
    inner_state: the state of the wrapped optimizer.
    average: the averaged parameters, a pytree like the params (float32 by default).
    count: updates applied so far (int32).
    num_averaged: averaging events so far (int32).
    decay_product: the product of the EMA decays applied, for debiasing (float32).

  Example:
    >>> state = jaxlrs.averaging.ema(optax.sgd(0.1)).init({"w": jnp.ones(2)})
    >>> state.average["w"], state.num_averaged
    (Array([1., 1.], dtype=float32), Array(0, dtype=int32))
  """

  inner_state: Any
  average: Any  # pytree like params, float32 by default
  count: jax.Array  # type: ignore[assignment]  # updates so far (int32); shadows tuple.count
  num_averaged: jax.Array  # averaging events so far (int32)
  decay_product: jax.Array  # product of the EMA decays applied (debiasing), float32


def _check_every(every: Any, start_step: Any) -> tuple[int, int]:
  every = check_steps("every", every)
  require(every >= 1, "every", every, ">= 1")
  start_step = check_steps("start_step", start_step)
  require(start_step >= 0, "start_step", start_step, "non-negative")
  return every, start_step


_ACCUMULATOR_DTYPES = ("float16", "bfloat16", "float32", "float64")


def _check_accumulator_dtype(accumulator_dtype: Any) -> Any:
  """A float dtype in any spelling NumPy understands; an int or bool average would truncate."""
  try:
    dtype = None if accumulator_dtype is None else jnp.dtype(accumulator_dtype)
  except TypeError:
    dtype = None
  if dtype is None or dtype.name not in _ACCUMULATOR_DTYPES:
    raise TypeError(f"accumulator_dtype must be a float dtype ({', '.join(_ACCUMULATOR_DTYPES)}), "
                    f"got {accumulator_dtype!r}.")
  return dtype


def split_fusion(tree: Any) -> Any:
  """An optimization barrier on XLA:CPU, the identity elsewhere (chosen when lowering).

  On XLA:CPU, fusing the parameter update and the average into one multi-output loop runs
  several times slower than two simple loops, so the new parameters are written out and read
  back (12 bytes per parameter for the average instead of the fused 8). GPU and TPU compilers
  fuse the multi-output loop well, so there the barrier is left out.
  """
  return jax.lax.platform_dependent(tree, cpu=jax.lax.optimization_barrier,
                                    default=lambda t: t)


def _wrap(optimizer: optax.GradientTransformation, every: int, start_step: int,
          accumulator_dtype: Any, weight: Callable) -> optax.GradientTransformationExtraArgs:
  """``avg <- w avg + (1 - w) p`` with ``w, prod = weight(step, n, prod)`` on averaging steps."""
  if not isinstance(optimizer, optax.GradientTransformation):
    raise TypeError(f"optimizer must be an optax.GradientTransformation, got {optimizer!r}.")
  inner = optax.with_extra_args_support(optimizer)
  acc_dtype = jnp.dtype(accumulator_dtype)

  def init_fn(params):
    return AveragingState(
        inner_state=inner.init(params),
        # A copy, never an alias of the params: training loops donate both buffers.
        average=jax.tree.map(lambda p: jnp.array(p, dtype=acc_dtype, copy=True), params),
        count=jnp.zeros([], jnp.int32), num_averaged=jnp.zeros([], jnp.int32),
        decay_product=jnp.ones([], jnp.float32))

  def update_fn(updates, state, params=None, **extra_args):
    if params is None:
      raise ValueError("Parameter averaging needs the parameters: call "
                       "update(grads, state, params).")
    updates, inner_state = inner.update(updates, state.inner_state, params, **extra_args)
    new_params = split_fusion(optax.apply_updates(params, updates))
    step, n = state.count, state.num_averaged
    # The int32 count never reaches a start_step past int32 (nor a second event of such an every).
    active = ((step >= start_step) & (jnp.mod(step - start_step, min(every, 2**31 - 1)) == 0)
              if start_step < 2**31 else jnp.zeros([], bool))
    w_active, prod_active = weight(step, n, state.decay_product)
    # Before the first averaging step the average follows the params (a blend with w = 0).
    w = jnp.where(active, w_active, 0.0)
    prod = jnp.where(active, prod_active, state.decay_product)

    def blend(avg):
      return jax.tree.map(lambda a, p: w.astype(a.dtype) * a + (1 - w).astype(a.dtype)
                          * p.astype(a.dtype), avg, new_params)

    if every == 1:
      avg = blend(state.average)  # every step averages: no branch, one pass fused with the update
    else:
      # Off averaging steps the average is kept as it is: the pass over it is skipped, so its
      # cost amortises over ``every`` steps.
      avg = jax.lax.cond(active | (n == 0), blend, lambda a: a, state.average)
    return updates, AveragingState(inner_state, avg, step + 1,
                                   n + active.astype(jnp.int32), prod)

  return optax.GradientTransformationExtraArgs(init_fn, update_fn)


def ema(optimizer: optax.GradientTransformation, decay: float | Callable[[Any], Any] = 0.999,
        *, decay_warmup: bool = False, debias: bool = False, every: int = 1, start_step: int = 0,
        accumulator_dtype: Any = jnp.float32) -> optax.GradientTransformationExtraArgs:
  """Wrap ``optimizer`` to keep an exponential moving average of the parameters.

  On averaging steps (``step >= start_step`` and ``(step - start_step) % every == 0``, where
  ``step`` counts the updates before this one), with ``p`` the parameters after the update:

  .. math:: \\bar p \\leftarrow d_n \\bar p + (1 - d_n) p

  where ``d_n = decay`` (or ``decay(step)`` for a schedule, applied through
  :func:`jaxlrs.scheduled`: :func:`jaxlrs.hyperparams` reads the next decay), capped by
  ``(1 + n) / (10 + n)`` with ``decay_warmup`` (TensorFlow/timm style, ``n`` the number of
  averaging events so far). With ``debias`` the average is Adam-style bias corrected,
  ``m_n / (1 - prod d)`` of a zero-initialised ``m``: the first event copies the parameters. Between events, and before ``start_step`` (where
  the average follows the parameters), nothing is averaged.

  Args:
    optimizer: any Optax optimizer.
    decay: a float in ``[0, 1)`` or a schedule of the step.
    decay_warmup: cap the decay early in training.
    debias: bias-correct the average.
    every: average every ``every`` updates; the pass over the average is skipped (``lax.cond``)
      on the other steps. Measured (``python -m benchmarks --only averaging``): on 2 CPU cores
      ``every=4`` costs 0.25x (50M parameters) to 0.56x (1M, where the extra is 0.12 ms) of
      ``every=1``'s extra time; on a GPU the branch itself costs
      about 10 us a step, so it pays only for large models (0.47x at 50M parameters on an H200,
      slower than ``every=1`` at 10M).
    start_step: first update that is averaged.
    accumulator_dtype: dtype of the average: float16, bfloat16, float32 (the default) or float64.

  Returns:
    An ``optax.GradientTransformationExtraArgs``; read the average with :func:`averaged_params`.

  Raises:
    ValueError: ``decay`` outside ``[0, 1)``, ``every < 1``, negative ``start_step``; and, at
      update time, ``params`` not passed.
    TypeError: ``accumulator_dtype`` not a float dtype.

  Example:
    >>> tx = jaxlrs.averaging.ema(optax.sgd(0.1), decay=0.9)
    >>> params = {"w": jnp.zeros(2)}
    >>> state = tx.init(params)
    >>> updates, state = tx.update({"w": -jnp.ones(2)}, state, params)
    >>> jaxlrs.averaging.averaged_params(state)["w"]
    Array([0.01, 0.01], dtype=float32)
  """
  every, start_step = _check_every(every, start_step)
  accumulator_dtype = _check_accumulator_dtype(accumulator_dtype)
  require(isinstance(decay_warmup, bool), "decay_warmup", decay_warmup, "a bool")
  require(isinstance(debias, bool), "debias", debias, "a bool")
  if callable(decay):  # a decay schedule is one more scheduled hyperparameter
    return scheduled(functools.partial(
        ema, optimizer, decay_warmup=decay_warmup, debias=debias, every=every,
        start_step=start_step, accumulator_dtype=accumulator_dtype), decay=decay)
  decay = check_value("decay", decay)
  require_value("decay", decay, lambda d: 0 <= d < 1, "in [0, 1)")

  def weight(step, n, prod):
    d = jnp.asarray(decay, jnp.float32)
    if decay_warmup:
      nf = n.astype(jnp.float32)
      d = jnp.minimum(d, (1 + nf) / (10 + nf))
    if not debias:
      return d, prod
    # Exact debiased EMA without storing the biased one: m_n / (1 - prod) = w a + (1 - w) p.
    new_prod = prod * d
    ok = new_prod < 1
    return jnp.where(ok, d * (1 - prod) / jnp.where(ok, 1 - new_prod, 1), 0.0), new_prod

  return _wrap(optimizer, every, start_step, accumulator_dtype, weight)


def swa(optimizer: optax.GradientTransformation, start_step: int = 0, every: int = 1, *,
        accumulator_dtype: Any = jnp.float32) -> optax.GradientTransformationExtraArgs:
  """Wrap ``optimizer`` to keep the equal (SWA) average of the parameters from ``start_step``.

  .. math:: \\bar p \\leftarrow \\bar p + (p - \\bar p) / (n + 1)

  on every ``every``-th update from ``start_step`` (``n`` earlier averaged snapshots), with ``p``
  the parameters after the update; before ``start_step`` the average follows the parameters.
  Pair it with :func:`jaxlrs.swa_schedule` (Izmailov et al. 2018).

  Args:
    optimizer: any Optax optimizer.
    start_step: the first update that is averaged (a non-negative int).
    every: average every ``every`` updates from ``start_step`` (a positive int).
    accumulator_dtype: dtype of the average: float16, bfloat16, float32 (the default) or float64.

  Returns:
    An ``optax.GradientTransformationExtraArgs`` whose state is an :class:`AveragingState`; its
    updates are those of ``optimizer``. Read the average with :func:`averaged_params`.

  Raises:
    ValueError: ``every < 1``, negative ``start_step``; ``params`` not passed to ``update``.
    TypeError: ``accumulator_dtype`` not a float dtype.

  Example:
    >>> tx = jaxlrs.averaging.swa(optax.sgd(1.0), start_step=0)
    >>> params = {"w": jnp.zeros(())}
    >>> state = tx.init(params)
    >>> for g in (-1.0, -1.0, -1.0):  # params become 1, 2, 3
    ...   updates, state = tx.update({"w": jnp.asarray(g)}, state, params)
    ...   params = optax.apply_updates(params, updates)
    >>> jaxlrs.averaging.averaged_params(state)["w"]
    Array(2., dtype=float32)
  """
  every, start_step = _check_every(every, start_step)
  accumulator_dtype = _check_accumulator_dtype(accumulator_dtype)

  def weight(step, n, prod):
    nf = n.astype(jnp.float32)
    return nf / (nf + 1), prod

  return _wrap(optimizer, every, start_step, accumulator_dtype, weight)
