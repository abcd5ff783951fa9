"""Docs build: griffe extension for the jaxlrs docstrings and schedule constructors.

The docstrings are written to read well in ``help()`` and to run under doctest: formulas are
``.. math::`` directives and cross references are roles like ``:func:`jaxlrs.warmup```. This
extension (listed in ``mkdocs.yml``) rewrites both while the site is built: a formula becomes a
``$$ ... $$`` block that ``pymdownx.arithmatex`` hands to MathJax, a role becomes inline code.

Schedule kinds get their constructors from ``typing.dataclass_transform``, which griffe's static
analysis does not follow: the extension gives each such class the signature Python reports for it.
"""

from __future__ import annotations

import importlib
import inspect
import re
import sys
from pathlib import Path
from typing import Any

import griffe

# The package documented is the one in this repository (installed or not).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

_ROLE = re.compile(r":(?:func|class|meth|mod|attr|data|obj|exc):`~?([^`]+)`")
_MATH = re.compile(r"^(\s*)\.\. math::\s*(.*)$")
_EXAMPLE = re.compile(r"^(\s*)Example:\s*$")


def rst_to_markdown(text: str) -> str:
  """``.. math::`` directives to ``$$`` blocks, Sphinx roles to inline code.

  An ``Example:`` section becomes ``Examples:``, the title under which griffe renders the
  ``>>>`` lines as code.
  """
  lines = text.splitlines()
  out: list[str] = []
  i = 0
  while i < len(lines):
    m = _MATH.match(lines[i])
    if not m:
      out.append(_EXAMPLE.sub(r"\1Examples:", _ROLE.sub(r"`\1`", lines[i])))
      i += 1
      continue
    indent, body = m.group(1), [m.group(2)] if m.group(2).strip() else []
    i += 1
    # Continuation lines are indented deeper than the directive.
    while i < len(lines) and (not lines[i].strip() or
                              len(lines[i]) - len(lines[i].lstrip()) > len(indent)):
      if lines[i].strip():
        body.append(lines[i].strip())
      elif body and i + 1 < len(lines) and not lines[i + 1].startswith(indent + " "):
        break
      i += 1
    out.extend(["", f"{indent}$$", *(indent + b for b in body), f"{indent}$$", ""])
  return "\n".join(out)


class RstToMarkdown(griffe.Extension):
  """Rewrites every docstring once it is loaded."""

  def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
    if obj.docstring is not None:
      obj.docstring.value = rst_to_markdown(obj.docstring.value)

  def on_class(self, *, cls: griffe.Class, **kwargs: Any) -> None:
    if "__init__" in cls.members or cls.module.path.endswith("__main__"):
      return
    new = cls.members.get("__new__")
    if isinstance(new, griffe.Function):
      # A class built by ``__new__`` (an int subclass): its ``Args:`` are ``__new__``'s, which
      # griffe does not read as the constructor.
      params = [griffe.Parameter("self", kind=griffe.ParameterKind.positional_or_keyword),
                *list(new.parameters)[1:]]
      cls.set_member("__init__", griffe.Function(
          "__init__", parameters=griffe.Parameters(*params), returns="None"))
      return
    try:
      runtime = getattr(importlib.import_module(cls.module.path), cls.name)
    except AttributeError:
      return
    from jaxlrs import Schedule
    if not (isinstance(runtime, type) and issubclass(runtime, Schedule)):
      return
    params = [griffe.Parameter("self", kind=griffe.ParameterKind.positional_or_keyword)]
    for p in inspect.signature(runtime).parameters.values():
      annotation = p.annotation if isinstance(p.annotation, str) else None
      default = None if p.default is inspect.Parameter.empty else repr(p.default)
      params.append(griffe.Parameter(p.name, annotation=annotation, default=default,
                                     kind=griffe.ParameterKind(p.kind.description)))
    cls.set_member("__init__", griffe.Function(
        "__init__", parameters=griffe.Parameters(*params), returns="None"))
