"""Multipliers from depths: LLRD, grouped LLRD, freezing, and the weight-decay mask."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import jax

from .._core import check_steps, check_value, require
from ._depths import _num_layers
from ._tree import _map


def llrd_multipliers(depths: Any, decay: float, head_multiplier: float = 1.0) -> Any:
  """Layer-wise learning-rate decay: the top block gets 1, each block below ``decay`` times more.

  .. math:: m(d) = \\text{decay}^{L - d} \\ (d \\le L), \\qquad m(L + 1) = \\text{head\\_multiplier}

  With ``decay=0.9`` on a 12-layer encoder the embeddings get ``0.9**12 = 0.28`` of the top rate
  (RoBERTa-base recipe: 3.5e-6 at the top, about 1e-6 at the embeddings).
  """
  decay = check_value("decay", decay)
  require(0 < decay <= 1, "decay", decay, "in (0, 1]")
  head_multiplier = check_value("head_multiplier", head_multiplier)
  top = _num_layers(depths)
  return jax.tree.map(lambda d: head_multiplier if d > top else float(decay ** (top - d)), depths)


def group_multipliers(depths: Any, boundaries: Sequence[int],
                      multipliers: Sequence[float | None]) -> Any:
  """Grouped LLRD: depths below ``boundaries[0]`` get ``multipliers[0]``, and so on.

  As :func:`jaxlrs.piecewise_constant` over depths. E.g. BERT-base with groups layers 0-3 and
  embeddings / 4-7 / 8-11 and head: ``boundaries=[5, 9]``, ``multipliers=[1/3.5, 1.75/3.5, 1]``.
  ``None`` (or 0) freezes a group.
  """
  bounds = [check_steps(f"boundaries[{i}]", b) for i, b in enumerate(boundaries)]
  require(all(b2 > b1 for b1, b2 in zip(bounds, bounds[1:])), "boundaries", bounds,
          "strictly increasing")
  require(len(multipliers) == len(bounds) + 1, "multipliers", multipliers,
          f"one longer than boundaries ({len(bounds) + 1})")
  values = [None if m is None else check_value(f"multipliers[{i}]", m)
            for i, m in enumerate(multipliers)]
  return jax.tree.map(lambda d: values[sum(d >= b for b in bounds)], depths)


def freeze(multipliers: Any, patterns: Sequence[str]) -> Any:
  """Set the multiplier of every parameter whose path matches a regex in ``patterns`` to None."""
  rxs = [re.compile(p) for p in patterns]
  return _map(lambda path, m: None if any(r.search(path) for r in rxs) else m, multipliers)


_NO_DECAY = re.compile(r"(^|/)(bias|b)$|norm|ln_?\d*/|(^|/)scale$", re.IGNORECASE)


def decay_mask(params: Any) -> Any:
  """True where weight decay applies: not on biases and normalisation scales (Transformers).

  Pass it as ``mask=`` of ``optax.adamw`` (it works on the masked trees of
  ``optax.multi_transform`` too).
  """
  return _map(lambda path, _: not _NO_DECAY.search(path), params)

