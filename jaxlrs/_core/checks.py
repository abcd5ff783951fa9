"""Argument checks shared by every constructor.

Only concrete Python/NumPy numbers are checked: while JAX rebuilds a schedule under ``vmap`` or
``jit`` its values are tracers and must pass through unchecked. Every error names the argument as
the caller wrote it (a compat port passes its own name, e.g. ``lr``).
"""

from __future__ import annotations

import numbers
from typing import Any, Callable

import jax
import numpy as np

from .steps import MAX_STEP


def is_concrete(x: Any) -> bool:
  """True when ``x`` is a number whose value is known now (not a tracer)."""
  if isinstance(x, jax.core.Tracer):
    return False
  return isinstance(x, (numbers.Number, np.ndarray, np.generic, jax.Array))


def concrete_float(x: Any) -> float | None:
  """The float value of ``x`` if it is a concrete scalar, else None."""
  if is_concrete(x) and np.ndim(x) == 0:
    return float(x)
  return None


def check_value(name: str, x: Any) -> Any:
  """A float hyperparameter: Python reals become ``float``; concrete values must be finite.

  Raises:
    TypeError: ``x`` is a bool, a string, None or not real.
    ValueError: ``x`` is concrete and not finite.
  """
  if isinstance(x, (bool, np.bool_)):
    raise TypeError(f"{name} must be a float, got the bool {x!r}.")
  if isinstance(x, numbers.Real) and not isinstance(x, np.generic):
    x = float(x)
  elif isinstance(x, str) or x is None:
    raise TypeError(f"{name} must be a float, got {x!r}.")
  if is_concrete(x):
    arr = np.asarray(x)
    if not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
      raise TypeError(f"{name} must be a real float, got {x!r}.")
    if not np.all(np.isfinite(arr)):
      raise ValueError(f"{name} must be finite, got {x!r}.")
  return x


def check_steps(name: str, x: Any) -> int:
  """An integer number of steps (Python or NumPy int, not bool), returned as ``int``."""
  if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, np.integer)):
    raise TypeError(f"{name} must be an integer number of steps, got {x!r} ({type(x).__name__}).")
  if abs(int(x)) > MAX_STEP:
    raise ValueError(f"{name} must be at most 2**62 - 1 in magnitude, got {x!r}.")
  return int(x)


def check_sequence(name: str, x: Any, check: Callable[[str, Any], Any]) -> tuple:
  """A tuple of ``check(f"{name}[i]", item)`` for every item of the sequence ``x``."""
  if isinstance(x, (str, bytes)) or not hasattr(x, "__iter__"):
    raise TypeError(f"{name} must be a sequence, got {x!r}.")
  return tuple(check(f"{name}[{i}]", v) for i, v in enumerate(x))


def require(condition: bool, name: str, value: Any, what: str) -> None:
  """Raise ``ValueError`` naming the argument when ``condition`` fails."""
  if not condition:
    raise ValueError(f"{name} must be {what}, got {value!r}.")


def require_positive_steps(name: str, value: int) -> None:
  """``value > 0``, else a ``ValueError`` naming ``name``."""
  require(value > 0, name, value, "a positive number of steps")


def require_nonnegative_steps(name: str, value: int) -> None:
  """``value >= 0``, else a ``ValueError`` naming ``name``."""
  require(value >= 0, name, value, "a non-negative number of steps")


def require_choice(name: str, value: Any, choices: tuple) -> None:
  """``value in choices``, else a ``ValueError`` listing them."""
  if value not in choices:
    raise ValueError(f"{name} must be one of {choices}, got {value!r}.")


def require_value(name: str, value: Any, predicate: Callable[[float], bool], what: str) -> None:
  """Check a float hyperparameter when it is concrete; tracers pass."""
  v = concrete_float(value)
  if v is not None and not predicate(v):
    raise ValueError(f"{name} must be {what}, got {v!r}.")
