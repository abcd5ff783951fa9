"""The registry of schedule kinds and the plain-dict config of a schedule.

A kind is registered once, when its class is defined (``class cosine(Schedule, kind="cosine")``).
``to_config`` writes ``{"kind": ..., **arguments}``; :func:`from_config` looks the kind up here and
calls it with the same arguments, so a config takes exactly the arguments of its public function.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .checks import is_concrete

_KINDS: dict[str, type] = {}


def register_kind(kind: str, cls: type) -> None:
  """Make ``cls`` the class of ``kind`` (a kind is registered once)."""
  if kind in _KINDS:
    raise RuntimeError(f"schedule kind {kind!r} registered twice")
  _KINDS[kind] = cls


def kind_class(kind: str) -> Any:
  """The class registered as ``kind``; ``ValueError`` naming the known kinds otherwise."""
  if kind not in _KINDS:
    raise ValueError(f"Unknown schedule kind {kind!r}; known kinds: {sorted(_KINDS)}.")
  return _KINDS[kind]


def registered_kinds() -> dict[str, type]:
  """A copy of the registry: kind name -> class."""
  return dict(_KINDS)


def encode(name: str, v: Any) -> Any:
  """One argument as plain JSON data (nested schedules as their configs)."""
  if hasattr(v, "to_config") and hasattr(v, "kind"):
    return v.to_config()
  if isinstance(v, (tuple, list)):
    return [encode(name, x) for x in v]
  if v is None or isinstance(v, (bool, str, int, float)):
    return v
  if is_concrete(v) and np.ndim(v) == 0:
    return float(v) if np.issubdtype(np.asarray(v).dtype, np.floating) else int(v)
  raise ValueError(
      f"Cannot serialise {name}={v!r}: to_config needs concrete scalar values, not traced or "
      "batched arrays.")


def _decode(v: Any) -> Any:
  if isinstance(v, dict):
    return from_config(v)
  if isinstance(v, list):
    return tuple(_decode(x) for x in v)
  return v


def from_config(config: dict[str, Any]) -> Any:
  """Rebuild a schedule from :meth:`Schedule.to_config` output.

  Args:
    config: a dict with a ``"kind"`` key naming the schedule and its arguments as keys.

  Returns:
    A schedule equal to the one the config came from.

  Raises:
    TypeError: ``config`` is not a dict.
    ValueError: the kind is unknown, or a key is not an argument of that kind.

  Example:
    >>> s = jaxlrs.cosine(1e-3, total_steps=100)
    >>> jaxlrs.from_config(s.to_config()) == s
    True
  """
  if not isinstance(config, dict):
    raise TypeError(f"config must be a dict, got {config!r}.")
  if "kind" not in config:
    raise ValueError(f"config has no 'kind' key: {config!r}.")
  cls = kind_class(config["kind"])
  args = {k: _decode(v) for k, v in config.items() if k != "kind"}
  return cls._from_config_args(args)
