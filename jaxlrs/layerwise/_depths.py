"""Depth maps: the depth of every parameter from path rules and presets."""

from __future__ import annotations

from typing import Any, NamedTuple

import jax

from ._presets import PRESETS
from ._rules import Compiled, compile_rule, compile_rules
from ._tree import _map, _table

_PRESET_HEAD = "preset"


class Depth(int):
  """A parameter's depth (an ``int``) that also carries what the map knows about it.

  :func:`depth_map` makes these; it compares, hashes and prints as its int value, and keeps
  its arguments as the attributes of the same names.

  Args:
    value: the depth: 0 for the embeddings, ``1..L`` for the blocks, ``L + 1`` for the head.
    num_layers: the map's number of blocks ``L``.
    role: ``"embedding"`` (depth 0), ``"block"``, ``"head"`` (``L + 1``) or ``"fixed"`` (an
      int rule).
    source: the rule that set it, for messages.

  Example:
    >>> d = jaxlrs.layerwise.depth_map({"embed": 0, "layers": [0, 0, 0]}, preset="nnx")
    >>> top = d["layers"][2]
    >>> top, top.role, top.num_layers, top == 3
    (3, 'block', 3, True)
  """

  num_layers: int
  role: str
  source: str

  def __new__(cls, value: int, num_layers: int, role: str, source: str) -> Depth:
    self = super().__new__(cls, value)
    self.num_layers, self.role, self.source = num_layers, role, source
    return self

  def __reduce__(self):
    return Depth, (int(self), self.num_layers, self.role, self.source)

  __repr__ = int.__repr__
  __str__ = int.__repr__


def num_layers(depths: Any) -> int:
  """The number of blocks ``L`` of a depth map made by :func:`depth_map`.

  The head has depth ``L + 1`` when the model has one; it is never inferred from the largest depth.

  Args:
    depths: a depth map from :func:`depth_map`.

  Returns:
    ``L`` as an int.

  Raises:
    ValueError: ``depths`` holds plain ints (not made by :func:`depth_map`): pass ``num_layers=``
      to the function that needs it.

  Example:
    >>> d = jaxlrs.layerwise.depth_map({"embed": 0, "layers": [0, 0, 0]}, preset="nnx")
    >>> jaxlrs.layerwise.num_layers(d)
    3
  """
  leaves = jax.tree.leaves(depths)
  counts = {d.num_layers for d in leaves if isinstance(d, Depth)}
  if len(counts) != 1 or not all(isinstance(d, Depth) for d in leaves):
    raise ValueError("depths was not made by layerwise.depth_map (it holds plain ints or maps of "
                     "different models), so its number of blocks is unknown: pass num_layers=.")
  return counts.pop()


def _layers_of(depths: Any, given: Any) -> int:
  if given is None:
    return num_layers(depths)
  if isinstance(given, bool) or not isinstance(given, int) or given < 0:
    raise ValueError(f"num_layers must be an int >= 0, got {given!r}.")
  return given


class _Match(NamedTuple):
  rule: Compiled
  found: tuple  # captured block index, or (role, value) for a callable rule


def _rule_table(preset: Any, rules: Any, head: Any) -> list[Compiled]:
  if preset is not None and preset not in PRESETS:
    raise ValueError(f"preset must be one of {sorted(PRESETS)}, got {preset!r}.")
  table = compile_rules(rules, "rules")
  if head is not _PRESET_HEAD and head is not None:
    heads = [head] if isinstance(head, str) or callable(head) else head
    if not isinstance(heads, (list, tuple)):
      raise ValueError(f"head must be a pattern, a list of patterns or None, got {head!r}.")
    table += [compile_rule((h, "head"), f"head[{i}]") for i, h in enumerate(heads)]
  for i, rule in enumerate(PRESETS.get(preset, [])):
    if head is not _PRESET_HEAD and rule.depth == "head":
      continue  # head=... replaces the preset's head rules
    table.append(compile_rule(rule, f"preset {preset!r} rule {i}"))
  if not table:
    raise ValueError("rules must be given (or a preset).")
  return table


def _first_match(table: list[Compiled], path: str) -> _Match | None:
  for rule in table:
    found = rule.search(path)
    if found is not None:
      return _Match(rule, found)
  return None


def _assign(params: Any, preset: Any, rules: Any, head: Any, default: Any, stages: str):
  """(depths by path, unmatched paths, rules that matched nothing)."""
  if stages not in ("global", "stage"):
    raise ValueError(f"stages must be 'global' or 'stage', got {stages!r}.")
  fallback = None
  if default is not None:
    fallback = compile_rule((lambda _: True, default), "default", fallback=True)
    if fallback.role not in ("fixed", "head"):
      raise ValueError(f"default must be an int >= 0, 'embedding' or 'head', got {default!r}.")
  table = _rule_table(preset, rules, head)
  matches: dict[str, _Match] = {}
  unmatched = []
  for path in _table(params):
    m = _first_match(table, path) or (fallback and _Match(fallback, ()))
    if m:
      matches[path] = m
    else:
      unmatched.append(path)
  keys: dict[int, set] = {}
  for path, (rule, index) in matches.items():
    if rule.role == "block":
      if not index:
        raise ValueError(f"{rule.source} has depth 'block' but captured no block number in "
                         f"{path!r}: capture it, e.g. r'layers/(\\d+)/'.")
      keys.setdefault(rule.value, set()).add(index if stages == "global" else index[:1])
  for group, ks in keys.items():
    if len({len(k) for k in ks}) > 1:
      raise ValueError(f"Blocks of group {group} have indices of different nesting "
                       f"({sorted(ks)[:6]}): a stage-level parameter matched a block rule. "
                       "Add a rule for it ('first', 'last' or an int depth).")
  order = [(g, k) for g in sorted(keys) for k in sorted(keys[g])]
  rank = {gk: i + 1 for i, gk in enumerate(order)}
  fixed = [m.rule.value for m in matches.values() if m.rule.role == "fixed"]
  fixed += [m.found[1] for m in matches.values()
            if m.rule.role == "callable" and m.found[0] == "fixed"]
  top = max(len(order), *fixed) if fixed else len(order)

  def depth(path: str, m: _Match) -> Depth:
    role, value = (m.found if m.rule.role == "callable" else (m.rule.role, m.rule.value))
    if role == "fixed":
      return Depth(value, top, "embedding" if value == 0 else "fixed", m.rule.source)
    if role == "head":
      return Depth(top + 1, top, "head", m.rule.source)
    index = m.found if stages == "global" or role != "block" else m.found[:1]
    if role == "block":
      return Depth(rank[(value, index)], top, "block", m.rule.source)
    within = [rank[(g, k)] for g, k in order if g == value and k[:len(index)] == index]
    if not within:
      raise ValueError(f"{m.rule.source} gives {path!r} the depth of the {role} block of "
                       f"group {value} with index {index}, but there is no such block.")
    return Depth(within[0] if role == "first" else within[-1], top, "block", m.rule.source)

  out = {path: depth(path, m) for path, m in matches.items()}
  used = {m.rule.source for m in matches.values()}
  unused = [r.source for r in table if r.source not in used and not r.source.startswith("preset")]
  guesses = {r.source for r in table if r.fallback} | {"default"}
  return out, unmatched, unused, guesses


def depth_map(params: Any, preset: str | None = None, rules: Any = None, *,
              head: Any = _PRESET_HEAD, default: int | str | None = None,
              stages: str = "global") -> Any:
  """The depth of every parameter: 0 embeddings, ``1..L`` blocks, ``L + 1`` the head if any.

  Rules are tried in order, first match wins: ``rules``, then ``head``, then the preset's. Blocks
  are numbered ``1..L`` in the order of their captured indices, so nested lists
  (``stages/i/blocks/j``) count stage by stage and a decoder group comes after its encoder; with
  ``stages="stage"`` every block of stage ``i`` shares depth ``i + 1`` instead. The head is what a
  head rule matched (a model without one, ``FlaxBertModel(add_pooling_layer=False)``, has none):
  it is never taken to be the highest depth. The leaves are :class:`Depth` ints that remember
  ``L``, so :func:`llrd_multipliers` and :func:`reinit_top_layers` are right for headless models.
  Tied weights have one path and so one depth (GPT-2's LM head is ``wte``: an embedding).

  Args:
    params: a parameter tree (linen dict or ``nnx.State``); only its paths are read.
    preset: one of :data:`PRESETS` (``"bert"``, ``"gpt2"``, ``"t5"``, ``"vit"``, ``"resnet"``,
      ``"nnx"``) or None.
    rules: a sequence of :class:`Rule` or ``(pattern, depth)`` pairs (the pattern a regex or a
      callable of the path), or bare callables ``path -> depth | None``.
    head: the head's patterns (replacing the preset's head rules), ``None`` for a model without
      a head (the preset's head rules are dropped), or by default the preset's head rules.
    default: depth for parameters no rule matches (an int, ``"embedding"`` or ``"head"``); None
      raises instead. :func:`check_depths` lists what it caught.
    stages: ``"global"`` (one depth per block) or ``"stage"`` (one depth per stage).

  Returns:
    A tree with the structure of ``params`` whose leaves are :class:`Depth` ints.

  Raises:
    ValueError: unknown preset; an invalid rule, regex, depth, ``head``, ``default`` or
      ``stages`` (named); parameters matching no rule (listed); a ``"block"`` rule capturing no
      number; blocks of one group with indices of different nesting.
    TypeError: ``rules`` given as a single string or pair instead of a list.

  Example:
    >>> params = {"embed": 0, "blocks": [{"w": 0, "pos_emb": 0}] * 2, "head": {"layers": [0]}}
    >>> d = jaxlrs.layerwise.depth_map(params, preset="nnx")
    >>> d["embed"], d["blocks"][1]["pos_emb"], d["head"]["layers"][0]
    (0, 2, 3)
    >>> jaxlrs.layerwise.depth_map({"embed": 0, "blocks": [0, 0]}, preset="nnx")["blocks"]
    [1, 2]
  """
  out, unmatched, _, _ = _assign(params, preset, rules, head, default, stages)
  if unmatched:
    raise ValueError(f"{len(unmatched)} parameter(s) match no depth rule: {unmatched[:10]}"
                     f"{' ...' if len(unmatched) > 10 else ''}. Add rules=[(pattern, depth)], "
                     "pass head=... or default=, or see layerwise.check_depths.")
  return _map(lambda path, _: out[path], params)


class DepthCheck(NamedTuple):
  """What :func:`check_depths` found: read ``ok``, or print it.

  ``ok`` is True when nothing needs a look: no unmatched parameter, no fallback, no unused rule.

  Attributes:
    depths: ``{path: Depth}`` for the matched parameters.
    unmatched: the paths no rule matched (:func:`depth_map` raises on them).
    fallbacks: ``(path, depth, source)`` for the depths set by ``default=`` or by a rule marked
      ``fallback``.
    unused_rules: your rules (and head patterns) that matched nothing: typos?

  Example:
    >>> c = jaxlrs.layerwise.check_depths({"embed": 0, "blocks": [0, 0], "extra": 0},
    ...                                   preset="nnx", default="head")
    >>> c.ok, c.unmatched, c.fallbacks
    (False, [], [('extra', 3, 'default')])
  """

  depths: dict  # path -> Depth, for the matched parameters
  unmatched: list  # paths no rule matched (depth_map raises on them)
  fallbacks: list  # (path, depth, source) set by default= or a rule marked fallback
  unused_rules: list  # your rules (and head patterns) that matched nothing: typos?

  @property
  def ok(self) -> bool:
    return not (self.unmatched or self.fallbacks or self.unused_rules)

  def __str__(self) -> str:
    n = len(self.depths) + len(self.unmatched)
    top = max((d.num_layers for d in self.depths.values()), default=0)
    heads = sum(d.role == "head" for d in self.depths.values())
    lines = [f"{n} parameters, {top} blocks, {heads} head parameters"
             f"{'' if heads else ' (no head)'}: {'ok' if self.ok else 'check below'}"]
    lines += [f"  unmatched: {p}" for p in self.unmatched]
    lines += [f"  fallback: {p} -> {d} ({s})" for p, d, s in self.fallbacks]
    lines += [f"  unused rule: {s}" for s in self.unused_rules]
    return "\n".join(lines)


def check_depths(params: Any, preset: str | None = None, rules: Any = None, *,
                 head: Any = _PRESET_HEAD, default: int | str | None = None,
                 stages: str = "global") -> DepthCheck:
  """A dry run of :func:`depth_map` that reports instead of raising on unmatched parameters.

  It lists the parameters no rule matched, those whose depth came from a fallback (``default=``
  or a preset rule that guesses from a name alone, such as nnx ``out*`` as a head), and your rules
  that matched nothing. Pair it with :func:`format_plan` to see the paths at every depth.

  Args:
    params: a parameter tree (linen dict or ``nnx.State``); only its paths are read.
    preset: one of :data:`PRESETS` or None, as for :func:`depth_map`.
    rules: a sequence of rules, as for :func:`depth_map`.
    head: the head's patterns, ``None`` for a model without a head, or by default the preset's
      head rules, as for :func:`depth_map`.
    default: depth for parameters no rule matches (an int, ``"embedding"`` or ``"head"``); the
      parameters it catches are listed in ``fallbacks``. None leaves them in ``unmatched``.
    stages: ``"global"`` (one depth per block) or ``"stage"`` (one depth per stage).

  Returns:
    A :class:`DepthCheck`; ``ok`` is True when nothing needs a look; ``str()`` is a report.

  Raises:
    ValueError: invalid arguments, as :func:`depth_map`.

  Example:
    >>> params = {"embed": 0, "blocks": [0, 0], "extra": 0}
    >>> print(jaxlrs.layerwise.check_depths(params, preset="nnx", default="head"))
    4 parameters, 2 blocks, 1 head parameters: check below
      fallback: extra -> 3 (default)
  """
  out, unmatched, unused, guesses = _assign(params, preset, rules, head, default, stages)
  fallbacks = [(p, d, d.source) for p, d in out.items() if d.source in guesses]
  return DepthCheck(out, unmatched, fallbacks, unused)
