"""Field roles: how each dataclass field of a schedule takes part in the pytree.

* ``value``: a float hyperparameter (or a tuple of them). A pytree **leaf**: it can be traced,
  vmapped over and differentiated, and changing it never retraces a jitted function.
* ``steps``: an integer number of steps (or a tuple of them). **Static**: part of the treedef.
* ``static``: a choice (a string, a bool, ``None``). Static too.
* ``child``: a nested schedule (or a tuple of them). A pytree node.
"""

from __future__ import annotations

import dataclasses
from typing import Any

ROLE = "jaxlrs_role"
ROLES = ("value", "steps", "static", "child")


def value_field(sequence: bool = False, **kwargs: Any) -> Any:
  """A float hyperparameter: a pytree leaf."""
  return dataclasses.field(metadata={ROLE: "value", "sequence": sequence}, **kwargs)


def steps_field(sequence: bool = False, **kwargs: Any) -> Any:
  """An integer number of steps: static."""
  return dataclasses.field(metadata={ROLE: "steps", "sequence": sequence}, **kwargs)


def static_field(**kwargs: Any) -> Any:
  """A choice (string, bool, None): static."""
  return dataclasses.field(metadata={ROLE: "static"}, **kwargs)


def child_field(sequence: bool = False, **kwargs: Any) -> Any:
  """A nested schedule, or a tuple of them: a pytree node."""
  return dataclasses.field(metadata={ROLE: "child", "sequence": sequence}, **kwargs)


def roles(cls: type) -> list[tuple[str, str]]:
  """``(name, role)`` of every field of the dataclass ``cls``, in declaration order."""
  return [(f.name, f.metadata.get(ROLE, "static")) for f in dataclasses.fields(cls)]


def is_sequence(field: dataclasses.Field) -> bool:
  """Whether the field holds a tuple of its role."""
  return bool(field.metadata.get("sequence"))


def role(field: dataclasses.Field) -> str:
  """The role of one field (``static`` when undeclared)."""
  return field.metadata.get(ROLE, "static")
