"""The runs of a sweep: ranking, divergence, the printout and the plots."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from ._matplotlib import pyplot


@dataclasses.dataclass(frozen=True, eq=False)
class SweepResult:
  """The runs of :func:`sweep`: one row per swept value.

  Runs are ranked by ``scores`` (else ``final_losses``), lowest first unless ``maximize``;
  diverged runs rank last. ``criterion`` is what they are ranked by, ``diverged`` flags the runs
  that diverged, ``best_index`` and ``best_value`` name the best; :meth:`plot` and
  :meth:`plot_losses` draw them.

  Attributes:
    values: the swept values, one per run (float64).
    losses: ``losses[k, i]`` is run ``k``'s training loss on batch ``i`` (before update ``i``).
    final_losses: ``final_losses[k]`` is the mean of run ``k``'s last
      ``max(1, num_steps // 10)`` losses.
    scores: ``scores[k]`` is ``eval_fn`` on run ``k``'s final parameters; None without
      ``eval_fn``.
    maximize: higher ``scores`` are better.
    name: what is swept, for the printout and plot.
    num_steps: the training budget of each run.
    seconds: wall time, compile included.
    compile_seconds: the first calls of the vmapped init and step: tracing and compiling.

  Example:
    >>> import itertools
    >>> loss_fn = lambda w, batch: 0.5 * jnp.sum(w ** 2)
    >>> result = jaxlrs.sweep(loss_fn, jnp.ones(3), itertools.repeat(None), optax.sgd,
    ...                       num_steps=20, values=[0.01, 0.1, 1.0, 100.0],
    ...                       eval_fn=lambda w: jnp.sum(w ** 2))
    >>> result.losses.shape, result.scores.round(3).tolist()
    ((4, 20), [2.455, 0.378, 0.0, inf])
    >>> result.diverged.tolist(), result.best_index, result.best_value
    ([False, False, False, True], 2, 1.0)
  """

  values: np.ndarray
  losses: np.ndarray
  final_losses: np.ndarray
  scores: np.ndarray | None
  maximize: bool
  name: str
  num_steps: int
  seconds: float  # wall time, compile included
  compile_seconds: float  # the first calls of the vmapped init and step: tracing and compiling

  @property
  def criterion(self) -> np.ndarray:
    return self.final_losses if self.scores is None else self.scores

  @property
  def diverged(self) -> np.ndarray:
    """True for runs whose training loss or score became non-finite, or whose final loss is over
    4 times their first (the range test's factor)."""
    bad = ~np.all(np.isfinite(self.losses), axis=1) | ~np.isfinite(self.criterion)
    with np.errstate(invalid="ignore", over="ignore"):
      grew = self.final_losses > self.losses[:, 0] + 3 * np.abs(self.losses[:, 0])
    return bad | grew

  @property
  def best_index(self) -> int:
    """The index of the best run. Raises ValueError when every run diverged."""
    ok = ~self.diverged
    if not ok.any():
      raise ValueError(f"Every run diverged: no best {self.name}. Lower the values swept.")
    c = np.where(ok, -self.criterion if self.maximize else self.criterion, np.inf)
    return int(np.argmin(c))

  @property
  def best_value(self) -> float:
    """The swept value of the best run."""
    return float(self.values[self.best_index])

  def plot(self, ax: Any = None, curves: bool = True) -> Any:
    """The criterion against the swept value (log axis when the values are log-spaced), the best
    marked.

    Args:
      ax: a matplotlib axis to draw on (default: a new figure).
      curves: without ``ax``, a second panel with :meth:`plot_losses`.

    Returns:
      The matplotlib ``Figure``.

    Raises:
      ImportError: matplotlib is missing (``pip install "jaxlrs[plot]"``).
    """
    plt = pyplot("SweepResult.plot")
    if ax is None:
      fig, axes = plt.subplots(1, 2 if curves else 1, figsize=(11 if curves else 6, 4),
                               squeeze=False)
      ax = axes[0, 0]
      if curves:
        self.plot_losses(axes[0, 1])
    fig = ax.figure
    label = ("score (eval_fn)" if self.scores is not None else
             f"final training loss (last {max(1, self.num_steps // 10)} steps)")
    ok = ~self.diverged
    ax.plot(self.values[ok], self.criterion[ok], "o-", label=label)
    if (~ok).any():
      ax.plot(self.values[~ok], np.full((~ok).sum(), np.nanmax(self.criterion[ok], initial=0)),
              "x", color="C3", label="diverged")
    if ok.any():
      k = self.best_index
      ax.plot([self.values[k]], [self.criterion[k]], "*", ms=14, color="C1",
              label=f"best {self.name}: {self.values[k]:.3g}")
    if self._log_x():
      ax.set_xscale("log")
    ax.set_xlabel(self.name)
    ax.set_ylabel(label)
    ax.set_title(f"sweep: {len(self.values)} runs x {self.num_steps} steps", fontsize="medium")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    fig.tight_layout()
    return fig

  def plot_losses(self, ax: Any = None) -> Any:
    """The training-loss curve of every run (log axis), coloured by the swept value.

    Args:
      ax: a matplotlib axis to draw on (default: a new figure).

    Returns:
      The matplotlib ``Figure``.

    Raises:
      ImportError: matplotlib is missing (``pip install "jaxlrs[plot]"``).
    """
    plt = pyplot("SweepResult.plot")
    if ax is None:
      _, ax = plt.subplots(figsize=(6, 4))
    for k, v in enumerate(self.values):
      ax.plot(np.arange(self.num_steps), self.losses[k], lw=1, label=f"{v:.3g}",
              color=plt.cm.viridis(k / max(1, len(self.values) - 1)))
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("training loss (log)")
    ax.set_title(f"training loss per {self.name}", fontsize="medium")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="x-small", ncol=2)
    return ax.figure

  def _log_x(self) -> bool:
    v = self.values
    return bool(np.all(v > 0) and len(v) > 2 and np.allclose(np.diff(np.log(v)),
                                                              np.log(v[1] / v[0]), rtol=1e-3))

  def __str__(self) -> str:
    head = f"{self.name:>22}  {'final loss':>11}" + ("" if self.scores is None else
                                                     f"  {'score':>11}")
    lines = [(f"sweep of {self.name}: {len(self.values)} runs x {self.num_steps} steps, "
              f"{self.seconds:.1f} s"), head]
    best = None if self.diverged.all() else self.best_index
    for k, v in enumerate(self.values):
      mark = "  <- best" if k == best else ("  diverged" if self.diverged[k] else "")
      score = "" if self.scores is None else f"  {self.scores[k]:>11.4g}"
      lines.append(f"{v:>22.4g}  {self.final_losses[k]:>11.4g}{score}{mark}")
    return "\n".join(lines)
