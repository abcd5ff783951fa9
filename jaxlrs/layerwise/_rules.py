"""Depth rules: what a rule is, what depth it names, and how it matches a path."""

from __future__ import annotations

import re
from typing import Any, Callable, NamedTuple

ROLES = ("embedding", "block", "first", "last", "head")


class Rule(NamedTuple):
  """One depth rule: parameters whose path ``match`` accepts get depth ``depth``.

  ``match`` is a regular expression searched in the path (``encoder/layer/3/query/kernel``) or a
  callable of the path returning ``None``/``False`` (no match), ``True``, or the block index (an
  int or a tuple of ints). ``depth`` is one of:

  * an int ``>= 0`` (``0`` is the embeddings), or ``"embedding"`` (0);
  * ``"block"``: a block whose index is the numbers the regex captures (``layer/(\\d+)``), or
    several for nested lists (``stages/(\\d+)/blocks/(\\d+)``); blocks are numbered 1..L in the
    order of their indices, so nested blocks count stage by stage;
  * ``"first"`` / ``"last"``: the depth of the first / last block whose index starts with the
    captured numbers (a stage's downsampling layer, an encoder's final norm);
  * ``"head"``: ``L + 1``;
  * ``(role, group)`` for the three block roles: blocks of group 1 come after every block of group
    0 (a decoder after its encoder), and so on.

  ``fallback`` marks a guess from a name alone: :func:`check_depths` lists what it matched.
  Plain ``(match, depth)`` tuples work wherever a rule is taken.

  Attributes:
    match: a regular expression searched in the path, or a callable of the path.
    depth: an int, ``"embedding"``, ``"block"``, ``"first"``, ``"last"``, ``"head"`` or a
      ``(role, group)`` pair, as above.
    fallback: whether the rule is a guess from a name alone (default False).

  Example:
    >>> rules = [jaxlrs.layerwise.Rule(r"^enc/(\\d+)/", "block"),
    ...          jaxlrs.layerwise.Rule(r"^dec/(\\d+)/", ("block", 1))]
    >>> params = {"enc": [{"w": 0}, {"w": 0}], "dec": [{"w": 0}]}
    >>> jaxlrs.layerwise.depth_map(params, rules=rules)
    {'dec': [{'w': 3}], 'enc': [{'w': 1}, {'w': 2}]}
  """

  match: str | Callable[[str], Any]
  depth: int | str | tuple[str, int]
  fallback: bool = False


class Compiled(NamedTuple):
  search: Callable[[str], Any]  # path -> None | tuple of ints (the captured index)
  role: str  # one of ROLES, or "fixed"
  value: int  # the fixed depth, or the group of a block role
  source: str  # what the user wrote, for messages
  fallback: bool


def _spec(depth: Any, where: str) -> tuple[str, int]:
  if isinstance(depth, bool) or not isinstance(depth, (int, str, tuple)):
    raise ValueError(f"{where}: depth must be an int, one of {list(ROLES)} or (role, group), "
                     f"got {depth!r}.")
  if isinstance(depth, int):
    if depth < 0:
      raise ValueError(f"{where}: depth must be >= 0, got {depth!r}.")
    return "fixed", depth
  if isinstance(depth, tuple):
    if (len(depth) != 2 or depth[0] not in ("block", "first", "last")
        or isinstance(depth[1], bool) or not isinstance(depth[1], int) or depth[1] < 0):
      raise ValueError(f"{where}: a (role, group) depth needs role 'block', 'first' or 'last' "
                       f"and an int group >= 0, got {depth!r}.")
    return depth
  if depth not in ROLES:
    raise ValueError(f"{where}: depth must be an int, one of {list(ROLES)} or (role, group), "
                     f"got {depth!r}.")
  return ("fixed", 0) if depth == "embedding" else (depth, 0)


def _numbers(groups: Any) -> tuple[int, ...]:
  return tuple(int(g) for g in groups if g is not None and g.isdigit())


def _regex_search(rx: re.Pattern) -> Callable[[str], Any]:
  def search(path: str) -> Any:
    m = rx.search(path)
    return None if m is None else _numbers(m.groups())
  return search


def _callable_search(fn: Callable[[str], Any], where: str) -> Callable[[str], Any]:
  def search(path: str) -> Any:
    out = fn(path)
    if out is None or out is False:
      return None
    if out is True:
      return ()
    if isinstance(out, int):
      return (out,)
    if isinstance(out, tuple) and all(isinstance(i, int) and not isinstance(i, bool)
                                      for i in out):
      return out
    raise ValueError(f"{where}: a match callable must return None, a bool, an int or a tuple "
                     f"of ints; it returned {out!r} for {path!r}.")
  return search


def _depth_callable(fn: Callable[[str], Any], where: str) -> Callable[[str], Any]:
  """A bare callable rule: ``fn(path)`` gives a depth (int, ``"embedding"``, ``"head"``) or None."""
  def search(path: str) -> Any:
    out = fn(path)
    if out is None:
      return None
    role, value = _spec(out, f"{where} (returned for {path!r})")
    if role not in ("fixed", "head"):
      raise ValueError(f"{where}: a callable rule returns an int, 'embedding' or 'head' (use "
                       f"(match, 'block') for blocks); it returned {out!r} for {path!r}.")
    return role, value
  return search


def compile_rule(rule: Any, where: str, fallback: bool = False) -> Compiled:
  """Validate one rule (``Rule``, ``(match, depth)`` pair or callable) named ``where``."""
  if callable(rule) and not isinstance(rule, tuple):
    fn = _depth_callable(rule, where)
    return Compiled(fn, "callable", 0, where, fallback)
  if not isinstance(rule, tuple) or len(rule) not in (2, 3):
    raise ValueError(f"{where} must be a (pattern, depth) pair or a callable, got {rule!r}.")
  match, depth = rule[0], rule[1]
  fallback = fallback or (len(rule) == 3 and bool(rule[2]))
  role, value = _spec(depth, where)
  if isinstance(match, str):
    try:
      search = _regex_search(re.compile(match))
    except re.error as e:
      raise ValueError(f"{where}: invalid regular expression {match!r}: {e}.") from None
    source = f"{where} {match!r}"
  elif callable(match):
    search, source = _callable_search(match, where), where
  else:
    raise ValueError(f"{where}: the pattern must be a regex string or a callable, got {match!r}.")
  return Compiled(search, role, value, source, fallback)


def compile_rules(rules: Any, name: str) -> list[Compiled]:
  """Validate ``rules`` (the user's argument called ``name``): a sequence of rules."""
  if rules is None:
    return []
  if isinstance(rules, (str, bytes)) or (isinstance(rules, tuple) and len(rules) == 2
                                         and isinstance(rules[0], str)):
    raise TypeError(f"{name} must be a sequence of (pattern, depth) rules, got {rules!r}: wrap "
                    "a single rule in a list.")
  return [compile_rule(r, f"{name}[{i}]") for i, r in enumerate(rules)]
