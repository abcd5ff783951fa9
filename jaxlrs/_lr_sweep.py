"""K learning rates (or other schedule values) trained at once: one vmapped, jitted step trains K
copies of the model, each with its own schedule, on the same batches."""

from __future__ import annotations

import math
import numbers
import time
from typing import Any, Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from . import _compose, _shapes
from ._core import Schedule
from ._lr_sweep_result import SweepResult
from ._lr_train import (END, Problem, batch_iterator, check_int, check_lr, optimizer_builder,
                        progress_bar, ran_out)


def _default_schedule(num_steps: int) -> Callable[[float], Any]:
  warm = num_steps // 10

  def schedule(lr: float) -> Schedule:
    return _compose.warmup(_shapes.linear(init_value=lr, end_value=0.0,
                                       total_steps=num_steps - warm), warmup_steps=warm)

  return schedule


def _stack(trees: Sequence[Any]) -> Any:
  return jax.tree.map(lambda *xs: jnp.stack([jnp.asarray(x) for x in xs]), *trees)


def sweep(loss_fn: Callable[[Any, Any], Any], params: Any, batches: Any,
          optimizer: Callable[[Any], Any], *, num_steps: int,
          values: Sequence[float] | None = None, schedule: Callable[[float], Any] | None = None,
          num_values: int = 8, min_value: float = 1e-5, max_value: float = 1e-1,
          eval_fn: Callable[[Any], Any] | None = None, maximize: bool = False,
          chunk: int | None = None, multipliers: Any = None, wrt: Any = None,
          progress: bool = False, name: str = "peak learning rate") -> SweepResult:
  """Train one copy of the model per value, all in one vmapped, jitted step, and rank them.

  Run ``k`` trains from ``params`` for ``num_steps`` with ``optimizer(schedule(values[k]))``.
  The K schedules are jaxlrs pytrees of one structure, so they are stacked along their value
  leaves and ``jax.vmap`` maps the train step over them and over K copies of the parameters and
  optimizer state: one compiled program, each batch read once for all K runs. Values whose
  schedules differ in structure (e.g. a different ``warmup_steps``, which is static) get one
  program per structure. Memory grows with K: ``chunk`` runs at most that many copies at once
  (the batches are kept to replay them when ``batches`` is a one-shot iterator).

  Args:
    loss_fn: ``loss_fn(params, batch) -> scalar``, or ``loss_fn(model, batch)`` for an nnx model.
    params: the starting parameters, or an ``nnx.Module`` (never modified).
    batches: an iterable of at least ``num_steps`` batches, or a function returning one.
    optimizer: ``learning_rate -> optax.GradientTransformation``.
    num_steps: the training budget of each run.
    values: the values swept (at least 2); default ``num_values`` log-spaced from ``min_value``
      to ``max_value``.
    schedule: ``value -> schedule``; default warmup for 10% of ``num_steps`` then linear decay to
      0 from the value (the Hugging Face default). Sweep other values with your own, e.g.
      ``lambda end: jaxlrs.cosine(init_value=1e-3, total_steps=n, end_value=end)``.
    num_values: how many default values, log-spaced (K >= 2).
    min_value: the smallest default value, ``0 < min_value < max_value``.
    max_value: the largest default value.
    eval_fn: ``eval_fn(params or model) -> scalar`` on each final model (e.g. a validation loss);
      default: rank by the final training loss.
    maximize: higher ``eval_fn`` is better (an accuracy).
    chunk: the most runs trained at once (default: all).
    multipliers: per-parameter LR multipliers (:func:`jaxlrs.layerwise.scaled`).
    wrt: for an nnx model, the variables trained (default ``nnx.Param``).
    progress: show a tqdm bar (if tqdm is installed).
    name: what is swept, for the printout and plot.

  Returns:
    A :class:`SweepResult` (``values``, ``losses``, ``final_losses``, ``scores``,
    ``best_value``, ``plot()``).

  Raises:
    ValueError: fewer than 2 values, non-positive or unordered ``min_value``/``max_value``,
      ``num_steps < 1``, ``chunk < 1``, or ``batches`` running out (with the count reached).
    TypeError: ``schedule`` does not return a pytree of numbers (an Optax closure cannot be
      vmapped over), ``optimizer`` is not a function of the learning rate.

  Example:
    >>> import itertools
    >>> loss_fn = lambda w, batch: 0.5 * jnp.sum(w ** 2)
    >>> result = jaxlrs.sweep(loss_fn, jnp.ones(3), itertools.repeat(None), optax.sgd,
    ...                       num_steps=20, values=[0.01, 0.1, 1.0, 100.0])
    >>> result.best_value, result.diverged.tolist()
    (1.0, [False, False, False, True])
  """
  num_steps = check_int("num_steps", num_steps, 1)
  if values is None:
    num_values = check_int("num_values", num_values, 2)
    lo, hi = check_lr("min_value", min_value), check_lr("max_value", max_value)
    if lo >= hi:
      raise ValueError(f"min_value must be < max_value, got {lo!r} >= {hi!r}.")
    swept = np.geomspace(lo, hi, num_values)
  else:
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
      raise TypeError(f"values must be a sequence of floats, got {values!r}.")
    for i, v in enumerate(values):
      if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
        raise ValueError(f"values[{i}] must be a finite float, got {v!r}.")
    if len(values) < 2:
      raise ValueError(f"values must hold at least 2 values (K >= 2), got {list(values)!r}.")
    swept = np.asarray(values, np.float64)
  chunk = len(swept) if chunk is None else check_int("chunk", chunk, 1)
  build = optimizer_builder(optimizer, multipliers)
  problem = Problem(loss_fn, params, wrt)
  make = _default_schedule(num_steps) if schedule is None else schedule
  if not callable(make):
    raise TypeError(f"schedule must be a function of the swept value, got {make!r}.")
  scheds = [make(float(v)) for v in swept]
  groups: dict[Any, list[int]] = {}
  for k, s in enumerate(scheds):
    leaves, treedef = jax.tree.flatten(s)
    if not callable(s) or not all(isinstance(x, (numbers.Number, np.ndarray, jax.Array))
                                  for x in leaves):
      raise TypeError(f"schedule({swept[k]:g}) must return a jaxlrs schedule (a pytree whose "
                      f"values are leaves), got {s!r}.")
    groups.setdefault(treedef, []).append(k)

  def step_one(sched, p, rest, opt_state, batch):
    return problem.train_step(build(sched))(p, rest, opt_state, batch)

  vinit = jax.jit(jax.vmap(lambda sched: build(sched).init(problem.params)))
  vstep = jax.jit(jax.vmap(step_one, in_axes=(0, 0, 0, 0, None)))
  veval = None if eval_fn is None else jax.jit(jax.vmap(
      lambda p, rest: eval_fn(problem.model(p, rest))))

  passes = [(tree, idx[i:i + chunk], min(chunk, len(idx))) for tree, idx in groups.items()
            for i in range(0, len(idx), chunk)]
  one_shot = len(passes) > 1 and hasattr(batches, "__next__")
  cache: list[Any] = []
  losses = np.empty((len(swept), num_steps))
  scores = None if eval_fn is None else np.empty(len(swept))
  bar = progress_bar(progress, num_steps * len(passes), f"sweep of {len(swept)}")
  compiled, compile_seconds = set(), 0.0
  start = time.perf_counter()
  try:
    for n, (tree, idx, size) in enumerate(passes):
      first = time.perf_counter()
      padded = idx + [idx[-1]] * (size - len(idx))  # one shape per structure: one compile
      stacked = _stack([scheds[k] for k in padded])
      p, rest = jax.tree.map(lambda x, c=len(padded): jnp.broadcast_to(x, (c, *jnp.shape(x))),
                             (problem.params, problem.rest))
      opt_state = vinit(stacked)
      iterator = iter(cache) if (one_shot and n > 0) else batch_iterator(batches)
      rows = []
      for i in range(num_steps):
        batch = next(iterator, END)
        if batch is END:
          raise ran_out(i, num_steps)
        if one_shot and n == 0:
          cache.append(batch)
        p, rest, opt_state, loss = vstep(stacked, p, rest, opt_state, batch)
        if i == 0 and tree not in compiled:  # a new structure: set up, traced, compiled
          compile_seconds += time.perf_counter() - first
          compiled.add(tree)
        rows.append(loss)
        bar.update(1)
      losses[idx] = np.stack(jax.device_get(rows), axis=1)[: len(idx)]
      if veval is not None and scores is not None:  # both set by eval_fn
        scores[idx] = np.asarray(veval(p, rest))[: len(idx)]
  finally:
    bar.close()
  tail = max(1, num_steps // 10)
  return SweepResult(values=swept, losses=losses, final_losses=losses[:, -tail:].mean(axis=1),
                     scores=scores, maximize=bool(maximize), name=name, num_steps=num_steps,
                     seconds=time.perf_counter() - start, compile_seconds=compile_seconds)

