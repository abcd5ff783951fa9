"""The learning-rate range test (Smith 2015; fastai ``lr_find``, Lightning ``Tuner.lr_find``)."""

from __future__ import annotations

import dataclasses
import numbers
import time
from typing import Any, Callable

import jax
import numpy as np

import jaxlrs

from . import _lr_suggest as suggest_lib
from ._lr_train import (Problem, batch_iterator, check_choice, check_int, check_lr,
                        optimizer_builder, progress_bar, ran_out)


@dataclasses.dataclass(frozen=True, eq=False)
class LRFinderResult:
  """What :func:`find_lr` recorded, the suggestions, and views of it.

  ``losses[i]`` is the loss of batch ``i``, computed before update ``i``, which uses ``lrs[i]``
  (fastai's and Lightning's pairing). Arrays hold the steps run (fewer than ``num_steps`` after a
  divergence stop). :meth:`suggest` picks a learning rate by one method, ``suggested_lr`` and
  ``suggestions`` are the default method's and every method's; :meth:`plot` and
  :meth:`plot_terminal` draw the curve.

  Attributes:
    lrs: the learning rate of each update run.
    losses: the training loss of each batch, before its update.
    smoothed: ``losses`` smoothed by the debiased moving average (``smoothing``).
    num_steps: the length of the ramp asked for.
    mode: ``"exponential"`` or ``"linear"``.
    stop_reason: why the test stopped early, or None when it ran all ``num_steps``.
    method: the default suggestion method.
    skip_start: points dropped at the start before suggesting.
    skip_end: points dropped at the end before suggesting.
    seconds: wall time of the test, compile included.
    compile_seconds: the first step's call: tracing and compiling.

  Example:
    >>> import itertools
    >>> loss_fn = lambda w, batch: 0.5 * jnp.sum(w ** 2)   # diverges above lr = 2
    >>> result = jaxlrs.find_lr(loss_fn, jnp.ones(3), itertools.repeat(None), optax.sgd,
    ...                         min_lr=1e-3, max_lr=10.0, num_steps=50, smoothing=0.0)
    >>> len(result.lrs), result.losses.shape, result.stop_reason
    (44, (44,), 'smoothed loss ... > 4 x best ...')
    >>> round(float(result.lrs[0]), 6), float(result.losses[0])
    (0.001, 1.5)
    >>> sorted(result.suggestions)
    ['minimum', 'steepest', 'valley']
  """

  lrs: np.ndarray
  losses: np.ndarray
  smoothed: np.ndarray
  num_steps: int
  mode: str
  stop_reason: str | None  # None: ran all num_steps
  method: str  # the default suggestion method
  skip_start: int
  skip_end: int
  seconds: float  # wall time of the test, compile included
  compile_seconds: float  # the first step's call: tracing and compiling

  @property
  def stopped_early(self) -> bool:
    return self.stop_reason is not None

  def suggest(self, method: str | None = None, skip_start: int | None = None,
              skip_end: int | None = None) -> float:
    """The suggested LR by ``method`` (``"valley"``, ``"steepest"``, ``"minimum"``).

    Args:
      method: the rule (default: the one :func:`find_lr` was given).
      skip_start: points dropped at the start (default: the test's).
      skip_end: points dropped at the end (default: the test's).

    Returns:
      The learning rate, a float.

    Raises:
      ValueError: unknown method; fewer than 3 finite points left after skipping.
    """
    method = check_choice("method", self.method if method is None else method, suggest_lib.METHODS)
    lrs, losses, _ = suggest_lib.window(
        self.lrs, self.smoothed, self.skip_start if skip_start is None else skip_start,
        self.skip_end if skip_end is None else skip_end)
    if len(losses) < 3:
      raise ValueError(
          f"Too few points to suggest a learning rate: {len(self.losses)} steps recorded "
          f"({self.stop_reason or 'all run'}), {len(losses)} left after skip_start="
          f"{self.skip_start if skip_start is None else skip_start} and skip_end="
          f"{self.skip_end if skip_end is None else skip_end}. Lower min_lr or raise num_steps.")
    return suggest_lib.suggest_index(method, lrs, losses)[1]

  @property
  def suggested_lr(self) -> float:
    """The suggestion of the default method."""
    return self.suggest()

  @property
  def suggestions(self) -> dict[str, float | None]:
    """Every method's suggestion (None where there are too few points)."""
    out: dict[str, float | None] = {}
    for m in suggest_lib.METHODS:
      try:
        out[m] = self.suggest(m)
      except ValueError:
        out[m] = None
    return out

  def _y_max(self) -> float:
    """Upper plot limit: the highest smoothed loss before the minimum, so the divergence tail
    does not squash the curve."""
    finite = np.where(np.isfinite(self.smoothed), self.smoothed, np.inf)
    lowest = int(np.argmin(finite))
    return float(np.max(self.smoothed[: lowest + 1]))

  def plot(self, ax: Any = None, raw: bool = True) -> Any:
    """Loss against learning rate (log axis for the exponential ramp) with the suggestions marked.

    Args:
      ax: a matplotlib axis to draw on (default: a new figure).
      raw: draw the raw losses behind the smoothed curve.

    Returns:
      The matplotlib ``Figure``.

    Raises:
      ImportError: matplotlib is missing (``pip install "jaxlrs[plot]"``).
    """
    try:
      import matplotlib.pyplot as plt
    except ImportError as e:  # pragma: no cover - exercised without matplotlib only
      raise ImportError('LRFinderResult.plot needs matplotlib: pip install "jaxlrs[plot]"') from e
    if ax is None:
      fig, ax = plt.subplots(figsize=(6, 4))
    else:
      fig = ax.figure
    if raw:
      ax.plot(self.lrs, self.losses, color="0.75", lw=0.8, label="loss")
    ax.plot(self.lrs, self.smoothed, color="C0", label="smoothed loss")
    for k, (m, lr) in enumerate(self.suggestions.items()):
      if lr is not None:
        ax.axvline(lr, color=f"C{k + 1}", ls="--", lw=1,
                   label=f"{m}{' (default)' if m == self.method else ''}: {lr:.2g}")
    if self.mode == "exponential":
      ax.set_xscale("log")
    lo = float(np.nanmin(np.where(np.isfinite(self.smoothed), self.smoothed, np.nan)))
    hi = self._y_max()
    ax.set_ylim(lo - 0.05 * (hi - lo), hi + 0.1 * (hi - lo))
    ax.set_xlabel("learning rate")
    ax.set_ylabel("training loss")
    ax.set_title("LR range test" + (f" (stopped: {self.stop_reason})" if self.stop_reason else ""),
                 fontsize="medium")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    fig.tight_layout()
    return fig

  def plot_terminal(self, width: int = 72, height: int = 14) -> str:
    """The smoothed loss against the LR as text, suggestions as labelled columns.

    Args:
      width: columns of the plot area (at least 16).
      height: rows of the plot area (at least 4).

    Returns:
      The plot, a multi-line string.

    Raises:
      TypeError: ``width`` or ``height`` is not an int.
      ValueError: ``width`` or ``height`` too small.
    """
    width, height = check_int("width", width, 16), check_int("height", height, 4)
    marks = [(f"{m}: {lr:.3g}", lr) for m, lr in self.suggestions.items() if lr is not None]
    return suggest_lib.text_plot(self.lrs, [("smoothed loss", self.smoothed)], marks, width,
                                 height, log_x=self.mode == "exponential", y_max=self._y_max())

  def __str__(self) -> str:
    head = (f"LR range test: {len(self.lrs)}/{self.num_steps} steps, lr {self.lrs[0]:.3g} .. "
            f"{self.lrs[-1]:.3g} ({self.mode}), {self.seconds:.1f} s"
            + (f"; stopped: {self.stop_reason}" if self.stop_reason else ""))
    found = ", ".join(f"{m} {'-' if lr is None else f'{lr:.3g}'}"
                      for m, lr in self.suggestions.items())
    return f"{head}\nsuggestions: {found} (default: {self.method})\n{self.plot_terminal()}"


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
    ramp = jaxlrs.exponential(init_value=min_lr, decay_rate=max_lr / min_lr,
                              period_steps=num_steps - 1)
  else:
    ramp = jaxlrs.linear(init_value=min_lr, end_value=max_lr, total_steps=num_steps - 1)
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
      batch = next(iterator, _END)
      if batch is _END:
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


_END = object()
