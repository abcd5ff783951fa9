"""Argument checks that name the *ported* library's argument, not the core shape's."""

from __future__ import annotations

import functools
import inspect
import types
from typing import Any, Callable

import numpy as np

from .._core import (
    check_steps, check_value, concrete_float, require, require_nonnegative_steps,
    require_value)


def positive_steps(name: str, value: Any) -> int:
  """An int > 0, checked under the caller's argument name."""
  value = check_steps(name, value)
  require(value > 0, name, value, "a positive number of steps")
  return value


def nonnegative_steps(name: str, value: Any) -> int:
  """An int >= 0, checked under the caller's argument name."""
  value = check_steps(name, value)
  require_nonnegative_steps(name, value)
  return value


def value_where(name: str, value: Any, predicate: Callable[[float], bool], what: str) -> Any:
  """A finite float that satisfies ``predicate`` (``what`` says how), under the caller's name.

  Tracers pass unchecked, so a port still builds under ``jax.vmap``/``jax.grad``.
  """
  value = check_value(name, value)
  require_value(name, value, predicate, what)
  return value


def learning_rate(name: str, value: Any) -> Any:
  """A learning rate: a finite value ``>= 0`` (when concrete), checked under the caller's name.

  The ports take a learning rate where their library takes an optimizer, and every optimizer
  there rejects a negative one; so do the ports. (Core schedules are general value schedules —
  weight decay, momentum, multipliers, differences — and accept negative values.)
  """
  value = check_value(name, value)
  v = concrete_float(value)
  require(v is None or v >= 0, name, value, "a non-negative learning rate")
  return value


# A port's ``float`` argument under one of these names is the learning rate its library reads
# from the optimizer (PyTorch ``lr``, ``CyclicLR``'s ``base_lr``/``max_lr``, ``OneCycleLR``'s
# ``max_lr``, timm's ``lr``): checked by :func:`learning_rate`.
LEARNING_RATE_NAMES = frozenset({"lr", "base_lr", "max_lr"})


def _check_annotated(name: str, value: Any, annotation: Any) -> None:
  """Check ``value`` against a port's annotation (``float``, ``int``, ``bool``, ``X | None``)."""
  if annotation is inspect.Parameter.empty:
    return
  if not isinstance(annotation, str):
    annotation = inspect.formatannotation(annotation)
  kind = annotation.replace(" ", "")
  optional = kind.endswith("|None")
  kind = kind.removesuffix("|None")
  if value is None:
    if optional or kind not in ("float", "int", "bool"):
      return
    raise TypeError(f"{name} must be {'a bool' if kind == 'bool' else 'a number'}, got None.")
  if kind == "float" and name in LEARNING_RATE_NAMES:
    learning_rate(name, value)  # also >= 0 when concrete
  elif kind == "float":
    check_value(name, value)  # NaN, inf, strings, bools raise; tracers pass
  elif kind == "int":
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
      raise TypeError(f"{name} must be an int, got {value!r} ({type(value).__name__}).")
    value = check_steps(name, value)
    if "seed" not in name:
      require(value >= 0, name, value, "a non-negative int")
  elif kind == "bool" and not isinstance(value, bool):
    raise TypeError(f"{name} must be a bool, got {value!r}.")


def checked(fn: Callable) -> Callable:
  """Check a port's arguments by their annotations before it runs, under the port's names.

  ``float`` arguments must be finite real numbers (tracers pass unchecked, so a port still
  builds under ``jax.vmap``/``jax.grad``), learning rates (:data:`LEARNING_RATE_NAMES`) also
  non-negative, ``int`` arguments whole and non-negative (seeds may be
  negative), ``bool`` arguments real bools; ``| None`` allows None. The wrapper lives in the
  port's module (its globals), so doctest and ``inspect`` see the port's own function.
  """
  sig = inspect.signature(fn)
  check = _check_annotated
  annotations = {n: p.annotation for n, p in sig.parameters.items()
                 if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}

  def wrapper(*args, **kwargs):  # runs with the port module's globals: only closure names here
    bound = sig.bind(*args, **kwargs)
    for name, value in bound.arguments.items():
      if name in annotations:
        check(name, value, annotations[name])
    return fn(*args, **kwargs)

  out = types.FunctionType(wrapper.__code__, fn.__globals__, fn.__name__, None,
                           wrapper.__closure__)
  return functools.update_wrapper(out, fn)
