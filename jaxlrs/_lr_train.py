"""What the LR range test and the sweep share: one pure training step for linen params or an nnx
model, the optimizer built from a schedule, argument checks, batches and a progress bar."""

from __future__ import annotations

import inspect
import math
import numbers
import sys
from typing import Any, Callable, Iterator, Protocol

import jax
import optax

from . import layerwise


def check_lr(name: str, x: Any) -> float:
  """A positive, finite Python number (a learning rate), else an error naming ``name``."""
  if isinstance(x, bool) or not isinstance(x, numbers.Real):
    raise TypeError(f"{name} must be a positive float, got {x!r}.")
  x = float(x)
  if not (math.isfinite(x) and x > 0):
    raise ValueError(f"{name} must be a positive, finite float, got {x!r}.")
  return x


def check_int(name: str, x: Any, minimum: int) -> int:
  if isinstance(x, bool) or not isinstance(x, numbers.Integral):
    raise TypeError(f"{name} must be an int, got {x!r} ({type(x).__name__}).")
  if x < minimum:
    raise ValueError(f"{name} must be >= {minimum}, got {x!r}.")
  return int(x)


def check_choice(name: str, x: Any, choices: tuple[Any, ...]) -> Any:
  if x not in choices:
    raise ValueError(f"{name} must be one of {choices}, got {x!r}.")
  return x


def optimizer_builder(optimizer: Any, multipliers: Any) -> Callable[[Any], optax.GradientTransformation]:
  """``schedule -> GradientTransformation`` from a user's factory, with layer-wise multipliers."""
  if isinstance(optimizer, optax.GradientTransformation) or hasattr(optimizer, "opt_state") or (
      not callable(optimizer)):
    raise TypeError(
        "optimizer must be a function of the learning rate that builds an Optax optimizer, "
        f"e.g. `lambda lr: optax.adamw(lr, weight_decay=0.01)`, got {type(optimizer).__name__}. "
        "The search drives the rate, so it needs to build the optimizer itself.")
  if multipliers is None:
    return optimizer
  return lambda schedule: layerwise.scaled(optimizer, schedule, multipliers)


Step = Callable[[Any, Any, Any, Any], "tuple[Any, Any, Any, jax.Array]"]
"""A train step: ``(params, rest, opt_state, batch) -> (params, rest, opt_state, loss)``."""


def _nnx_module(x: Any) -> bool:
  nnx = sys.modules.get("flax.nnx")
  return nnx is not None and isinstance(x, nnx.Module)


def _nnx_split(model: Any, wrt: Any) -> tuple[Any, Any, Any]:
  """``(graphdef, trained, rest)``: the variables ``wrt`` selects, and all the others."""
  from flax import nnx

  graphdef, trained, *others = nnx.split(model, wrt, ...)
  (rest,) = others  # the filter `...` takes every variable ``wrt`` leaves: one more state
  return graphdef, trained, rest


class Problem:
  """A user's ``loss_fn`` and parameters as pure functions of ``(params, rest)``.

  Linen (or any pytree): ``loss_fn(params, batch)``; ``rest`` is None. nnx: ``loss_fn(model,
  batch)`` on a model rebuilt from ``(graphdef, params, rest)``, where ``params`` are the
  variables ``wrt`` selects (``nnx.Param`` by default) and ``rest`` the others (batch-norm
  statistics, RNG counts), carried from step to step. The user's model is never modified.
  """

  graphdef: Any  # nnx only
  params: Any
  rest: Any

  def __init__(self, loss_fn: Callable[[Any, Any], Any], params: Any, wrt: Any = None):
    if not callable(loss_fn):
      raise TypeError(f"loss_fn must be callable: loss_fn(params, batch) -> scalar, got {loss_fn!r}.")
    self.loss_fn = loss_fn
    self.is_nnx = _nnx_module(params)
    if self.is_nnx:
      from flax import nnx

      self.wrt = nnx.Param if wrt is None else wrt
      self.graphdef, self.params, self.rest = _nnx_split(params, self.wrt)
    else:
      if wrt is not None:
        raise ValueError("wrt selects the trained variables of an nnx model; params is not one.")
      self.params, self.rest = params, None

  def model(self, params: Any, rest: Any) -> Any:
    """What ``loss_fn`` and ``eval_fn`` take: the params, or the nnx model rebuilt from them."""
    if not self.is_nnx:
      return params
    from flax import nnx

    # copy=True: fresh Variables inside the current trace, so the model may update its own state
    # (batch statistics, RNG counts) under jax.grad; older flax has no such argument.
    if "copy" in inspect.signature(nnx.merge).parameters:
      return nnx.merge(self.graphdef, params, rest, copy=True)
    return nnx.merge(self.graphdef, params, rest)  # pragma: no cover - flax < 0.11

  def loss(self, params: Any, rest: Any, batch: Any) -> tuple[jax.Array, Any]:
    model = self.model(params, rest)
    loss = self.loss_fn(model, batch)
    if self.is_nnx:
      rest = _nnx_split(model, self.wrt)[2]
    return loss, rest

  def train_step(self, tx: optax.GradientTransformation) -> Step:
    """``(params, rest, opt_state, batch) -> (params, rest, opt_state, loss)``, not jitted."""

    def step(params: Any, rest: Any, opt_state: Any, batch: Any) -> tuple[Any, Any, Any, Any]:
      (loss, rest), grads = jax.value_and_grad(self.loss, has_aux=True)(params, rest, batch)
      updates, opt_state = tx.update(grads, opt_state, params)
      return optax.apply_updates(params, updates), rest, opt_state, loss

    return step


END = object()  # ``next(iterator, END)``: the batches ran out


def batch_iterator(batches: Any, name: str = "batches") -> Iterator[Any]:
  """An iterator over ``batches``: an iterable, or a function returning one."""
  if callable(batches) and not hasattr(batches, "__iter__"):
    batches = batches()
  try:
    return iter(batches)
  except TypeError:
    raise TypeError(f"{name} must be an iterable of batches (or a function returning one), "
                    f"got {type(batches).__name__}.") from None


def ran_out(count: int, num_steps: int, name: str = "batches") -> ValueError:
  return ValueError(f"{name} ran out after {count} batches; num_steps={num_steps} needs "
                    f"{num_steps}. Repeat the data (e.g. itertools.cycle) or lower num_steps.")


class Bar(Protocol):
  """What the searches call on a progress bar (a tqdm bar has these)."""

  def update(self, n: int = 1) -> Any: ...

  def set_postfix_str(self, s: str, refresh: bool = True) -> Any: ...

  def close(self) -> Any: ...


def progress_bar(enabled: bool, total: int, desc: str) -> Bar:
  """A tqdm bar when ``enabled`` (tqdm is optional: without it, no bar), else a no-op."""
  if enabled:
    try:
      from tqdm.auto import tqdm
    except ImportError:
      enabled = False
  if not enabled:
    return _NoBar()
  return tqdm(total=total, desc=desc, unit="step", leave=False, mininterval=0.5)


class _NoBar:
  def update(self, n: int = 1) -> None:
    pass

  def set_postfix_str(self, s: str, refresh: bool = True) -> None:
    pass

  def close(self) -> None:
    pass
