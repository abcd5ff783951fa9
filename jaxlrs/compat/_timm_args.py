"""Argument handling shared by the timm schedulers: checks under timm's names, warmup, noise."""

from __future__ import annotations

import numbers
from typing import Any

from .. import _join, _shapes
from .._compose import warmup as core_warmup
from .._core import Schedule, check_steps, check_value, concrete_float, require
from ._args import learning_rate
from ._timm_shapes import timm_noise


def flag(name: str, value: Any) -> bool:
  """A real bool (timm's flags); 0/1, strings and None are rejected."""
  if not isinstance(value, bool):
    raise TypeError(f"{name} must be a bool, got {value!r}.")
  return value


def steps(name: str, value: Any, positive: bool = False) -> int:
  """A whole number of steps (``>= 0``, or ``> 0`` with ``positive``)."""
  value = check_steps(name, value)
  if positive:
    require(value > 0, name, value, "a positive int")
  else:
    require(value >= 0, name, value, "a non-negative int")
  return value


def value(name: str, x: Any, low: float | None = None, what: str = "") -> Any:
  """A finite float (tracers pass unchecked); ``>= low`` when given."""
  x = check_value(name, x)
  v = concrete_float(x)
  if low is not None and v is not None:
    require(v >= low, name, v, what or f">= {low}")
  return x


def lr_pair(lr: Any, lr_min: Any) -> tuple[Any, Any]:
  """``lr`` and ``lr_min`` with ``0 <= lr_min <= lr`` where both are concrete."""
  lr = learning_rate("lr", lr)
  lr_min = value("lr_min", lr_min, 0.0)
  lo, hi = concrete_float(lr_min), concrete_float(lr)
  if lo is not None and hi is not None:
    require(lo <= hi, "lr_min", lo, f"<= lr ({hi})")
  return lr, lr_min


def with_warmup(body: Schedule, lr: Any, warmup_t: int, warmup_lr_init: Any, prefix: bool,
                to_body: bool = False) -> Schedule:
  """timm's linear warmup from ``warmup_lr_init`` over ``warmup_t`` steps, then ``body``.

  ``prefix``: ``body`` starts after the warmup (sees ``t - warmup_t``); otherwise it is read at
  the same ``t`` and the warmup replaces its first ``warmup_t`` steps. The warmup ends at ``lr``
  (``to_body``: at the body's value at ``warmup_t``, as timm's tanh does without prefix).
  """
  if warmup_t == 0:
    return body
  if to_body:
    return core_warmup(body.shift(-warmup_t), warmup_steps=warmup_t, init_value=warmup_lr_init)
  rise = _shapes.linear(warmup_lr_init, end_value=lr, total_steps=warmup_t)
  return _join.join([rise, body if prefix else body.shift(-warmup_t)], boundaries=[warmup_t])


def noise_range(noise_range_t: Any) -> tuple[float, float | None] | None:
  """timm's ``noise_range_t``: None, a start step, or ``(start, end)``."""
  if noise_range_t is None:
    return None

  def number(name, x):
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
      raise TypeError(f"{name} must be a number of steps, got {x!r}.")
    require(float(x) >= 0, name, x, "non-negative")
    return float(x)

  if isinstance(noise_range_t, (list, tuple)):
    require(len(noise_range_t) == 2, "noise_range_t", noise_range_t,
            "a step, or a (start, end) pair")
    start = number("noise_range_t[0]", noise_range_t[0])
    end = number("noise_range_t[1]", noise_range_t[1])
    require(end > start, "noise_range_t", noise_range_t, "(start, end) with end > start")
    return start, end
  return number("noise_range_t", noise_range_t), None


def with_noise(schedule: Schedule, noise_range_t: Any, noise_pct: Any, noise_std: Any,
               noise_seed: Any, noise_type: str) -> Schedule:
  """``schedule`` with timm's noise over ``noise_range_t`` (arguments checked even when off)."""
  rng = noise_range(noise_range_t)
  noise_pct = value("noise_pct", noise_pct)
  noise_std = value("noise_std", noise_std)
  seed = 42 if noise_seed is None else check_steps("noise_seed", noise_seed)
  noisy = timm_noise(schedule, start=0.0, noise_pct=noise_pct, noise_std=noise_std,
                     noise_seed=seed, noise_type=noise_type)  # validates even when unused
  if rng is None:
    return schedule
  return timm_noise(schedule, start=rng[0], end=rng[1], noise_pct=noisy.noise_pct,
                    noise_std=noisy.noise_std, noise_seed=seed, noise_type=noise_type)
