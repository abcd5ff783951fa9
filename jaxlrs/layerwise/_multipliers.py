"""Multipliers from depths: LLRD, grouped LLRD, freezing, and the weight-decay mask."""

from __future__ import annotations

import numbers
import re
from collections.abc import Sequence
from typing import Any

import jax

from ._depths import _layers_of
from ._tree import _map, multiplier_arg


def llrd_multipliers(depths: Any, decay: float, head_multiplier: float = 1.0, *,
                     num_layers: int | None = None) -> Any:
  """Layer-wise learning-rate decay: the top block gets 1, each block below ``decay`` times more.

  .. math:: m(d) = \\text{decay}^{L - d} \\ (d \\le L), \\qquad m(L + 1) = \\text{head\\_multiplier}

  With ``decay=0.9`` on a 12-layer encoder the embeddings get ``0.9**12 = 0.28`` of the top rate
  (RoBERTa-base recipe: 3.5e-6 at the top, about 1e-6 at the embeddings). ``L`` is the number of
  blocks the depth map counted, so the top block of a model without a head gets 1 as well.

  Args:
    depths: a depth map from :func:`depth_map`.
    decay: the factor per block, in ``(0, 1]``.
    head_multiplier: the head's multiplier, ``>= 0`` (0 freezes it).
    num_layers: ``L``, only for depth trees of plain ints not made by :func:`depth_map`.

  Returns:
    A tree of Python floats with the structure of ``depths``.

  Raises:
    ValueError: ``decay`` outside ``(0, 1]``; ``head_multiplier`` negative or not finite;
      plain-int ``depths`` without ``num_layers``.
    TypeError: ``decay`` or ``head_multiplier`` not a real number.

  Example:
    >>> d = jaxlrs.layerwise.depth_map({"embed": 0, "layers": [0, 0], "head": 0}, preset="nnx")
    >>> jaxlrs.layerwise.llrd_multipliers(d, decay=0.5)
    {'embed': 0.25, 'head': 1.0, 'layers': [0.5, 1.0]}
  """
  decay = multiplier_arg("decay", decay)
  if not 0 < decay <= 1:
    raise ValueError(f"decay must be in (0, 1], got {decay!r}.")
  head_multiplier = multiplier_arg("head_multiplier", head_multiplier)
  top = _layers_of(depths, num_layers)
  return jax.tree.map(lambda d: head_multiplier if d > top else float(decay ** (top - d)), depths)


def group_multipliers(depths: Any, boundaries: Sequence[int],
                      multipliers: Sequence[float | None]) -> Any:
  """Grouped LLRD: depths below ``boundaries[0]`` get ``multipliers[0]``, and so on.

  As :func:`jaxlrs.piecewise_constant` over depths: depth ``d`` gets ``multipliers[k]`` with
  ``k`` the number of boundaries ``<= d``. E.g. BERT-base with groups layers 0-3 and embeddings /
  4-7 / 8-11 and head: ``boundaries=[5, 9]``, ``multipliers=[1/3.5, 1.75/3.5, 1]``. ``None`` (or
  0) freezes a group.

  Args:
    depths: a depth map (any tree of ints).
    boundaries: strictly increasing ints.
    multipliers: ``len(boundaries) + 1`` values ``>= 0`` or None.

  Returns:
    A tree of floats and Nones with the structure of ``depths``.

  Raises:
    ValueError: ``boundaries`` or ``multipliers`` not a list of the right length and order, a
      negative or non-finite multiplier.
    TypeError: a boundary that is not an int, a multiplier that is not a real number.

  Example:
    >>> d = jaxlrs.layerwise.depth_map({"embed": 0, "layers": [0, 0], "head": 0}, preset="nnx")
    >>> jaxlrs.layerwise.group_multipliers(d, boundaries=[1, 3], multipliers=[None, 0.5, 1.0])
    {'embed': None, 'head': 1.0, 'layers': [0.5, 0.5]}
  """
  for name, seq in (("boundaries", boundaries), ("multipliers", multipliers)):
    if not isinstance(seq, (list, tuple)):
      raise ValueError(f"{name} must be a list, got {seq!r}.")
  for i, b in enumerate(boundaries):
    if isinstance(b, bool) or not isinstance(b, numbers.Integral):
      raise TypeError(f"boundaries[{i}] must be an int depth, got {b!r}.")
  boundaries = [int(b) for b in boundaries]
  if any(b2 <= b1 for b1, b2 in zip(boundaries, boundaries[1:])):
    raise ValueError(f"boundaries must be strictly increasing, got {boundaries!r}.")
  if len(multipliers) != len(boundaries) + 1:
    raise ValueError(f"multipliers must be one longer than boundaries ({len(boundaries) + 1}), "
                     f"got {multipliers!r}.")
  values = [None if m is None else multiplier_arg(f"multipliers[{i}]", m)
            for i, m in enumerate(multipliers)]
  return jax.tree.map(lambda d: values[sum(d >= b for b in boundaries)], depths)


def freeze(multipliers: Any, patterns: str | Sequence[str]) -> Any:
  """Set the multiplier of every parameter whose path matches a regex in ``patterns`` to None.

  A frozen parameter gets no update (and, with :func:`multi_transform`, no optimizer state).

  Args:
    multipliers: a tree of multipliers (from :func:`llrd_multipliers` or
      :func:`group_multipliers`).
    patterns: one regex, or a list of them, searched in each path (``^embeddings/``).

  Returns:
    The tree with None where a pattern matches.

  Raises:
    ValueError: an invalid regex (named by its position).
    TypeError: ``patterns`` neither a string nor a sequence of strings.

  Example:
    >>> jaxlrs.layerwise.freeze({"embed": {"w": 0.5}, "head": {"w": 1.0}}, "^embed/")
    {'embed': {'w': None}, 'head': {'w': 1.0}}
  """
  many = [patterns] if isinstance(patterns, str) else patterns
  if not isinstance(many, (list, tuple)) or not all(isinstance(p, str) for p in many):
    raise TypeError(f"patterns must be a regex string or a list of them, got {patterns!r}.")
  rxs = []
  for i, p in enumerate(many):
    try:
      rxs.append(re.compile(p))
    except re.error as e:
      name = "patterns" if isinstance(patterns, str) else f"patterns[{i}]"
      raise ValueError(f"{name}: invalid regular expression {p!r}: {e}.") from None
  return _map(lambda path, m: None if any(r.search(path) for r in rxs) else m, multipliers)


_NO_DECAY = re.compile(r"(^|/)(bias|b)$|norm|ln_?\d*/|(^|/)scale$", re.IGNORECASE)


def decay_mask(params: Any) -> Any:
  """True where weight decay applies: not on biases and normalisation scales (Transformers).

  Pass it as ``mask=`` of ``optax.adamw`` (it works on the masked trees of
  ``optax.multi_transform`` too). A path ending in ``bias`` or ``b``, or containing ``norm``,
  ``ln_``/``ln_1/`` or ending in ``scale``, is excluded.

  Args:
    params: a parameter tree (or a masked one).

  Returns:
    A tree of bools with the structure of ``params``.

  Raises:
    Nothing: every tree is accepted; each of its leaves gets a bool.

  Example:
    >>> jaxlrs.layerwise.decay_mask({"dense": {"kernel": 0, "bias": 0}, "LayerNorm": {"scale": 0}})
    {'LayerNorm': {'scale': False}, 'dense': {'bias': False, 'kernel': True}}
  """
  return _map(lambda path, _: not _NO_DECAY.search(path), params)
