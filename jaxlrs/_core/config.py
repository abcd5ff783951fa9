"""The registry of schedule kinds and the plain-dict config of a schedule.

A kind is registered once, when its class is defined (``class cosine(Schedule, kind="cosine")``).
``to_config`` writes ``{"kind": ..., **arguments}``; :func:`from_config` looks the kind up here and
calls it with the same arguments, so a config takes exactly the arguments of its public function.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

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


class Configurable:
  """The config and ``repr`` of a schedule, from its dataclass fields (a base of ``Schedule``)."""

  kind: ClassVar[str]
  # Set by ``dataclasses.dataclass`` on every subclass; declared so type checkers see dataclasses.
  __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]

  def _config_items(self) -> list[tuple[str, Any]]:
    return [(f.name, getattr(self, f.name)) for f in dataclasses.fields(self)]

  @classmethod
  def _from_config_args(cls, args: dict[str, Any]) -> Any:
    known = [f.name for f in dataclasses.fields(cls) if f.init]
    unknown = sorted(set(args) - set(known))
    if unknown:
      raise ValueError(
          f"Unknown key(s) {unknown} for schedule kind {cls.kind!r}; expected {known}.")
    factory: Any = cls  # a dataclass subclass: its fields are its arguments
    return factory(**args)

  def to_config(self) -> dict[str, Any]:
    """A plain JSON-serialisable dict that :func:`jaxlrs.from_config` turns back into this.

    Returns:
      ``{"kind": ..., <argument>: <value>, ...}``, nested schedules as nested dicts.

    Raises:
      ValueError: the schedule wraps a user function (see :class:`jaxlrs.from_callable`).

    Example:
      >>> jaxlrs.linear(1.0, end_value=0.0, total_steps=10).to_config()
      {'kind': 'linear', 'init_value': 1.0, 'end_value': 0.0, 'total_steps': 10}
    """
    return {"kind": self.kind, **{k: encode(k, v) for k, v in self._config_items()}}

  def __repr__(self) -> str:
    args = ", ".join(f"{k}={short_repr(v)}" for k, v in self._config_items())
    return f"{self.kind}({args})"


def short_repr(v: Any) -> str:
  """``repr`` with long tuples elided in the middle."""
  if isinstance(v, float):
    return repr(v)
  if isinstance(v, tuple) and len(v) > 8:
    return f"({', '.join(short_repr(x) for x in v[:3])}, ... {len(v) - 6} more ..., " + (
        f"{', '.join(short_repr(x) for x in v[-3:])})")
  if isinstance(v, tuple):
    return "(" + ", ".join(short_repr(x) for x in v) + ("," if len(v) == 1 else "") + ")"
  return repr(v)
