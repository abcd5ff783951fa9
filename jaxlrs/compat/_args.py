"""Argument checks that name the *ported* library's argument, not the core shape's."""

from __future__ import annotations

from typing import Any

from .._core import check_steps, check_value, concrete_float, require


def positive_steps(name: str, value: Any) -> int:
  """An int > 0, checked under the caller's argument name."""
  value = check_steps(name, value)
  require(value > 0, name, value, "a positive number of steps")
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
