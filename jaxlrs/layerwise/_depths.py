"""Depth maps: the depth of every parameter from path rules and presets."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import jax

from .._core import require
from ._tree import _map, _table

BLOCK, HEAD = "block", "head"
PRESETS: dict[str, list[tuple[str, Any]]] = {
    # Hugging Face BERT/RoBERTa naming (Flax models): embeddings, encoder/layer/{i}, pooler...
    "bert": [(r"(^|/)embeddings/", 0), (r"(^|/)encoder/layers?/(\d+)/", BLOCK),
             (r"(^|/)(pooler|classifier|lm_head|qa_outputs)/", HEAD)],
    # big_vision / scenic ViT naming: embedding, pos_embedding, cls, encoderblock_{i}, head.
    "vit": [(r"(^|/)(embedding|pos_embedding|cls|posembed_input)(/|$)", 0),
            (r"encoderblock_(\d+)/", BLOCK), (r"(^|/)(encoder_norm|head|pre_logits)(/|$)", HEAD)],
    # flax.nnx models holding blocks in a list: layers/{i} or blocks/{i}.
    "nnx": [(r"(^|/)(embed\w*|patch\w*|pos\w*|cls\w*|tok\w*)(/|$)", 0),
            (r"(^|/)(layers|blocks)/(\d+)/", BLOCK),
            (r"(^|/)(head|norm|final_norm|classifier|pooler|out\w*)(/|$)", HEAD)],
}


def depth_map(params: Any, preset: str | None = None,
              rules: Sequence[tuple[str, Any]] | None = None, default: int | str | None = None):
  """The depth of every parameter: 0 embeddings, ``1..L`` blocks, ``L + 1`` head.

  Args:
    params: a parameter tree (linen dict or ``nnx.State``).
    preset: ``"bert"``, ``"vit"`` or ``"nnx"`` (see :data:`PRESETS`).
    rules: ``(regex, depth)`` pairs tried before the preset's, first match wins; a depth is an
      int, ``"block"`` (the last number the regex captures, plus 1) or ``"head"`` (``L + 1``).
    default: depth for parameters no rule matches (an int or ``"head"``); None raises.

  Returns:
    A tree of ints with the structure of ``params``.

  Raises:
    ValueError: unknown preset; parameters matching no rule (listed) when ``default`` is None.
  """
  if preset is not None and preset not in PRESETS:
    raise ValueError(f"preset must be one of {sorted(PRESETS)}, got {preset!r}.")
  table = [(re.compile(rx), d) for rx, d in [*(rules or []), *PRESETS.get(preset, [])]]
  require(len(table) > 0, "rules", rules, "given (or a preset)")

  def classify(path: str) -> Any:
    for rx, d in table:
      m = rx.search(path)
      if m:
        if d == BLOCK:
          numbers = [g for g in m.groups() if g is not None and g.isdigit()]
          require(len(numbers) > 0, "rules", rx.pattern, "capturing the block number for 'block'")
          return int(numbers[-1]) + 1
        return d
    return default

  raw = {path: classify(path) for path in _table(params)}
  missing = sorted(p for p, d in raw.items() if d is None)
  if missing:
    raise ValueError(f"{len(missing)} parameter(s) match no depth rule: {missing[:10]}"
                     f"{' ...' if len(missing) > 10 else ''}. Add rules or pass default=.")
  blocks = [d for d in raw.values() if isinstance(d, int) and not isinstance(d, bool)]
  top = max(blocks, default=0) + 1
  return _map(lambda path, _: top if raw[path] == HEAD else int(raw[path]), params)


def _num_layers(depths: Any) -> int:
  return max(jax.tree.leaves(depths)) - 1

