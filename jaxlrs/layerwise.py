"""Layer-wise learning rates for fine-tuning: depth maps, LLRD, grouped LLRD, freezing, re-init.

A *depth map* gives every parameter a depth: 0 for the embeddings, ``1..L`` for the blocks,
``L + 1`` for the head (pooler, classifier). Multipliers per parameter follow from the depths
(layer-wise learning-rate decay, or groups), and become an optimizer in one of two forms with the
same result:

* :func:`multi_transform`: ``optax.multi_transform`` with one inner optimizer per distinct
  multiplier, each with learning rate ``schedule * multiplier``; frozen parameters get
  ``optax.set_to_zero()`` and no optimizer state.
* :func:`scaled`: one optimizer and a stateless per-parameter scale of its updates, so the state is
  as small as the plain optimizer's. For optimizers whose update is linear in the learning rate
  (SGD, Adam, AdamW with decoupled weight decay...) this equals the first form.

Paths are the parameter's keys joined by ``/`` (``encoder/layer/3/attention/query/kernel``), for
linen dicts and ``nnx.State`` alike. Trees returned here have the structure of the params given.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Sequence

import jax
import jax.numpy as jnp
import optax

from ._core import check_steps, check_value, require

__all__ = ["PRESETS", "path_of", "depth_map", "llrd_multipliers", "group_multipliers",
           "freeze", "decay_mask", "multi_transform", "scaled", "scale_by_multipliers", "plan",
           "format_plan", "reinit_top_layers"]

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


def _key_name(k: Any) -> str:
  for attr in ("key", "name", "idx"):
    if hasattr(k, attr):
      return str(getattr(k, attr))
  return str(k)


def path_of(path: Sequence[Any]) -> str:
  """``a/b/0/kernel`` from a JAX key path (the ``.value`` of ``nnx`` variables is dropped)."""
  names = [_key_name(k) for k in path]
  if names and names[-1] == "value":
    names = names[:-1]
  return "/".join(names)


def _map(fn: Callable[[str, Any], Any], tree: Any) -> Any:
  return jax.tree_util.tree_map_with_path(lambda p, x: fn(path_of(p), x), tree)


def _table(tree: Any) -> dict[str, Any]:
  return {path_of(p): x for p, x in jax.tree_util.tree_flatten_with_path(
      tree, is_leaf=lambda x: x is None)[0]}


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


def _frozen(m: Any) -> bool:
  return m is None or m == 0


def scale_by_multipliers(multipliers: Any) -> optax.GradientTransformation:
  """Scale each update by its parameter's multiplier (0 for frozen ones); stateless."""
  table = {k: 0.0 if _frozen(m) else float(m) for k, m in _table(multipliers).items()}

  def update_fn(updates, state, params=None):
    del params

    def scale(path, u):
      key = path_of(path)
      if key not in table:
        raise ValueError(f"No learning-rate multiplier for parameter {key!r}.")
      m = table[key]
      return u if m == 1.0 else u * jnp.asarray(m, u.dtype)

    return jax.tree_util.tree_map_with_path(scale, updates), state

  return optax.GradientTransformation(lambda params: optax.EmptyState(), update_fn)


def scaled(optimizer_factory: Callable[[Any], optax.GradientTransformation], schedule: Any,
           multipliers: Any) -> optax.GradientTransformation:
  """Form (b): ``optimizer_factory(schedule)`` followed by per-parameter multipliers.

  The state is the plain optimizer's. Frozen parameters get zero updates (their optimizer
  moments are still kept; use :func:`multi_transform` to drop them).
  """
  return optax.chain(optimizer_factory(schedule), scale_by_multipliers(multipliers))


def _label(m: Any) -> str:
  return "frozen" if _frozen(m) else f"lr*{float(m)!r}"


def multi_transform(optimizer_factory: Callable[[Any], optax.GradientTransformation],
                    schedule: Any, multipliers: Any) -> optax.GradientTransformation:
  """Form (a): ``optax.multi_transform`` with one optimizer per multiplier.

  Each label's optimizer is ``optimizer_factory(schedule * m)`` (a jaxlrs product schedule when
  ``schedule`` is one, else ``lambda step: m * schedule(step)``); frozen parameters get
  ``optax.set_to_zero()`` and hold no optimizer state.
  """
  table = {k: _label(m) for k, m in _table(multipliers).items()}
  values = {_label(m): m for m in _table(multipliers).values()}
  transforms = {}
  for label, m in values.items():
    if label == "frozen":
      transforms[label] = optax.set_to_zero()
    elif callable(schedule):
      lr = schedule * float(m) if hasattr(schedule, "to_config") else (
          lambda step, s=schedule, m=float(m): m * s(step))
      transforms[label] = optimizer_factory(lr)
    else:
      transforms[label] = optimizer_factory(check_value("schedule", schedule) * float(m))

  def labels(params):
    return _map(lambda path, _: table[path], params)

  return optax.multi_transform(transforms, labels)


def plan(depths: Any, multipliers: Any, schedule: Any = None,
         step: int = 0) -> list[tuple[str, int, float | None, float | None]]:
  """Rows ``(path, depth, multiplier, learning rate at step)`` to check a plan before training."""
  d, m = _table(depths), _table(multipliers)
  base = None if schedule is None else float(schedule(step) if callable(schedule) else schedule)
  rows = []
  for path in sorted(d, key=lambda p: (d[p], p)):
    mult = None if _frozen(m[path]) else float(m[path])
    rows.append((path, int(d[path]), mult, None if base is None or mult is None else base * mult))
  return rows


def format_plan(depths: Any, multipliers: Any, schedule: Any = None, step: int = 0) -> str:
  """:func:`plan` as a table."""
  lines = [f"{'depth':>5}  {'multiplier':>10}  {'lr':>10}  path"]
  for path, depth, mult, lr in plan(depths, multipliers, schedule, step):
    lines.append(f"{depth:>5}  {'frozen' if mult is None else f'{mult:.4g}':>10}  "
                 f"{'-' if lr is None else f'{lr:.3g}':>10}  {path}")
  return "\n".join(lines)


def reinit_top_layers(pretrained: Any, fresh: Any, depths: Any, n: int,
                      include_head: bool = True) -> Any:
  """Replace the top ``n`` blocks (and the head) of ``pretrained`` by ``fresh`` (Zhang et al. 2021).

  Args:
    pretrained: the pretrained parameters.
    fresh: a fresh initialisation of the same model (e.g. ``model.init(key, x)['params']``).
    depths: the depth map of ``pretrained``.
    n: number of top blocks to re-initialise, ``0 <= n <= L``.
    include_head: re-initialise the head (depth ``L + 1``) too.

  Returns:
    A tree where everything else is the pretrained leaf itself (bit-identical).

  Raises:
    ValueError: ``n`` larger than the number of blocks; ``fresh`` differs in structure or shapes.
  """
  n = check_steps("n", n)
  top = _num_layers(depths)
  require(0 <= n <= top, "n", n, f"between 0 and the number of blocks ({top})")
  if jax.tree.structure(pretrained) != jax.tree.structure(fresh):
    raise ValueError("fresh has a different tree structure from pretrained: "
                     f"{jax.tree.structure(fresh)} vs {jax.tree.structure(pretrained)}.")
  for (path, a), b in zip(jax.tree_util.tree_flatten_with_path(pretrained)[0],
                          jax.tree.leaves(fresh)):
    if jnp.shape(a) != jnp.shape(b):
      raise ValueError(f"fresh and pretrained differ in shape at {path_of(path)}: "
                       f"{jnp.shape(b)} vs {jnp.shape(a)}.")
  first = top - n + 1
  return jax.tree.map(lambda a, b, d: b if (first <= d <= top) or (include_head and d > top)
                      else a, pretrained, fresh, depths)
