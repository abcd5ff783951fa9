"""The learning-rate range test (Smith 2015; fastai ``lr_find``, Lightning ``Tuner.lr_find``)."""

from __future__ import annotations

import numbers
import time
from typing import Any, Callable

import jax
import numpy as np

from . import _decays, _shapes
from . import _lr_suggest as suggest_lib
from ._lr_finder_result import LRFinderResult
from ._lr_train import (END, Problem, batch_iterator, check_choice, check_int, check_lr,
                        optimizer_builder, progress_bar, ran_out)


def find_lr(loss_fn: Callable[[Any, Any], Any], params: Any, batches: Any,
            optimizer: Callable[[Any], Any], *, min_lr: float = 1e-7, max_lr: float = 10.0,
            num_steps: int = 100, mode: str = "exponential", smoothing: float = 0.98,
            diverge_factor: float | None = 4.0, method: str = "valley",
            skip_start: int | None = None, skip_end: int = 5, multipliers: Any = None,
            wrt: Any = None, progress: bool = False) -> LRFinderResult:
  """The learning-rate range test: train briefly while the LR ramps up, record the loss.

  The LR of update ``i`` (``0 <= i < num_steps``) is

  .. math:: \\eta_i = \\eta_{min} (\\eta_{max} / \\eta_{min})^{i / (n - 1)} \\quad\\text{or}\\quad
     \\eta_{min} + (\\eta_{max} - \\eta_{min}) \\, i / (n - 1) \\ (\\text{linear}),

  so the first update uses ``min_lr`` and the last ``max_lr``. The loss is smoothed by a debiased
  moving average (``smoothing`` is fastai's and Lightning's ``beta``); the test stops when the
  smoothed loss exceeds ``diverge_factor`` times the best so far (both libraries' rule, factor 4)
  or a loss is not finite. Suggestions (see :meth:`LRFinderResult.suggest`) use the smoothed
  losses without the first ``skip_start`` and last ``skip_end`` points (fastai's window):
  ``valley`` (fastai's default), ``steepest`` (the rule of Lightning's default ``suggestion()``,
  taken against ``log(lr)``) and ``minimum`` (a tenth of the LR at the lowest loss).

  Training runs on copies: ``params`` (or the nnx model) and any optimizer you hold are not
  modified, and the optimizer state starts fresh from ``optimizer``. One step is dispatched ahead
  of the divergence check, so one batch more than recorded may be drawn.

  Args:
    loss_fn: ``loss_fn(params, batch) -> scalar`` (linen params or any pytree), or
      ``loss_fn(model, batch)`` when ``params`` is an ``nnx.Module``.
    params: the starting parameters, or an ``nnx.Module``.
    batches: an iterable of batches (or a function returning one) with at least ``num_steps``.
    optimizer: ``learning_rate -> optax.GradientTransformation``, e.g.
      ``lambda lr: optax.adamw(lr, weight_decay=0.01)``; it receives the ramp as a schedule.
    min_lr: the ramp's first LR, ``0 < min_lr < max_lr``.
    max_lr: the ramp's last LR.
    num_steps: length of the ramp, at least 10.
    mode: ``"exponential"`` or ``"linear"``.
    smoothing: ``beta`` in ``[0, 1)``; 0 uses the raw losses.
    diverge_factor: stop factor (> 1), or None to stop only on a non-finite loss.
    method: the default suggestion method.
    skip_start: points dropped at the start before suggesting (default ``num_steps // 10``).
    skip_end: points dropped at the end.
    multipliers: per-parameter LR multipliers (e.g. ``layerwise.llrd_multipliers``); the base LR
      is what is ramped (:func:`jaxlrs.layerwise.scaled`).
    wrt: for an nnx model, the variables trained (default ``nnx.Param``).
    progress: show a tqdm bar (if tqdm is installed).

  Returns:
    An :class:`LRFinderResult`: ``lrs``, ``losses``, ``smoothed``, ``suggested_lr``,
    ``suggestions``, ``plot()``, ``plot_terminal()``.

  Raises:
    ValueError: ``min_lr >= max_lr``, non-positive LRs, ``num_steps < 10``, bad ``mode``,
      ``smoothing``, ``diverge_factor`` or ``method``, or ``batches`` running out before
      ``num_steps`` (the message gives the count reached) unless the test stopped first.
    TypeError: ``optimizer`` is not a function of the learning rate.

  Example:
    >>> import itertools
    >>> loss_fn = lambda w, batch: 0.5 * jnp.sum(w ** 2)   # curvature 1: diverges above lr = 2
    >>> result = jaxlrs.find_lr(loss_fn, jnp.ones(3), itertools.repeat(None), optax.sgd,
    ...                         min_lr=1e-3, max_lr=10.0, num_steps=50, smoothing=0.0)
    >>> result.stopped_early, float(result.lrs[-1]) > 2.0
    (True, True)
    >>> lr = result.suggest("minimum", skip_end=0)  # a tenth of the first ramp LR above 2
    >>> 0.2 < lr < 0.25
    True
  """
  min_lr, max_lr = check_lr("min_lr", min_lr), check_lr("max_lr", max_lr)
  if min_lr >= max_lr:
    raise ValueError(f"min_lr must be < max_lr, got min_lr={min_lr!r} >= max_lr={max_lr!r}.")
  num_steps = check_int("num_steps", num_steps, 10)
  check_choice("mode", mode, ("exponential", "linear"))
  check_choice("method", method, suggest_lib.METHODS)
  if isinstance(smoothing, bool) or not isinstance(smoothing, numbers.Real) or not (
      0 <= smoothing < 1):
    raise ValueError(f"smoothing must be a float in [0, 1), got {smoothing!r}.")
  if diverge_factor is not None and not (check_lr("diverge_factor", diverge_factor) > 1):
    raise ValueError(f"diverge_factor must be > 1 (or None), got {diverge_factor!r}.")
  skip_start = num_steps // 10 if skip_start is None else check_int("skip_start", skip_start, 0)
  skip_end = check_int("skip_end", skip_end, 0)
  build = optimizer_builder(optimizer, multipliers)
  problem = Problem(loss_fn, params, wrt)

  if mode == "exponential":
    ramp = _decays.exponential(init_value=min_lr, decay_rate=max_lr / min_lr,
                              period_steps=num_steps - 1)
  else:
    ramp = _shapes.linear(init_value=min_lr, end_value=max_lr, total_steps=num_steps - 1)
  tx = build(ramp)
  step = jax.jit(problem.train_step(tx))
  all_lrs = np.asarray(ramp(np.arange(num_steps)), np.float64)

  start = time.perf_counter()
  p, rest, opt_state = problem.params, problem.rest, tx.init(problem.params)
  iterator = batch_iterator(batches)
  losses: list[float] = []
  avg, best, stop_reason = 0.0, float("inf"), None
  bar = progress_bar(progress, num_steps, "LR range test")

  def record(loss: Any) -> str | None:
    nonlocal avg, best
    i, value = len(losses), float(loss)
    losses.append(value)
    bar.update(1)
    avg = smoothing * avg + (1 - smoothing) * value
    smoothed = avg / (1 - smoothing ** (i + 1))
    best = min(best, smoothed)
    if suggest_lib.diverged(smoothed, best, diverge_factor):
      return ("loss is not finite" if not np.isfinite(smoothed) else
              f"smoothed loss {smoothed:.4g} > {diverge_factor:g} x best {best:.4g}")
    return None

  pending, compile_seconds = None, 0.0
  try:
    for i in range(num_steps):
      batch = next(iterator, END)
      if batch is END:
        stop_reason = None if pending is None else record(pending)
        if stop_reason is None:
          raise ran_out(i, num_steps)
        pending = None
        break
      if i == 0:
        first = time.perf_counter()
        p, rest, opt_state, loss = step(p, rest, opt_state, batch)
        compile_seconds = time.perf_counter() - first
      else:
        p, rest, opt_state, loss = step(p, rest, opt_state, batch)
      if pending is not None:  # read the previous loss while this step runs
        stop_reason = record(pending)
        if stop_reason is not None:
          pending = None
          break
      pending = loss
    if pending is not None:
      record(pending)  # the last step: nothing left to stop
  finally:
    bar.close()
  seconds = time.perf_counter() - start
  raw = np.asarray(losses)
  return LRFinderResult(lrs=all_lrs[: len(raw)], losses=raw,
                        smoothed=suggest_lib.smooth(raw, smoothing), num_steps=num_steps,
                        mode=mode, stop_reason=stop_reason, method=method,
                        skip_start=skip_start, skip_end=skip_end, seconds=seconds,
                        compile_seconds=compile_seconds)

