"""Argument checks that name the *ported* library's argument, not the core shape's."""

from __future__ import annotations

from typing import Any

from .._core import check_steps, require


def positive_steps(name: str, value: Any) -> int:
  """An int > 0, checked under the caller's argument name."""
  value = check_steps(name, value)
  require(value > 0, name, value, "a positive number of steps")
  return value
