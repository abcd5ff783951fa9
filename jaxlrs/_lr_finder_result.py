"""What the learning-rate range test recorded: the suggestions, the printout and the plots."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from . import _lr_suggest as suggest_lib
from ._lr_train import check_choice, check_int
from ._matplotlib import pyplot


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
    plt = pyplot("LRFinderResult.plot")
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
