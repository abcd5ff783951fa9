"""Depth maps of real models' parameter layouts, recorded in tests/fixtures/layouts.json.

The fixture holds the paths and shapes of Hugging Face Flax models (transformers 4.57), a linen
ResNet, mamba2-jax and nnx models with flat and hierarchical block lists, each with the depth of
every path checked by hand (see tests/fixtures/generate_layouts.py). None of those packages is
needed here: the trees are rebuilt from the recorded paths.
"""

import json
import pathlib

import jax
import jax.numpy as jnp
import pytest

from jaxlrs import layerwise

LAYOUTS = json.loads((pathlib.Path(__file__).parent / "fixtures" / "layouts.json").read_text())
MODELS = LAYOUTS["models"]
GUESSES = {"nnx_metaformer_flat": ["out_proj/bias", "out_proj/kernel"]}  # nnx `out*` as a head


def tree_of(model):
  tree = {}
  for path, (_, shape) in model["params"].items():
    *parents, leaf = path.split("/")
    node = tree
    for name in parents:
      node = node.setdefault(name, {})
    node[leaf] = jax.ShapeDtypeStruct(tuple(shape), jnp.float32)
  return tree


def flat(depths):
  return {layerwise.path_of(p): d for p, d in jax.tree_util.tree_flatten_with_path(depths)[0]}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_fixture_depths_are_the_hand_checked_ones(name):
  model = MODELS[name]
  params = tree_of(model)
  got = flat(layerwise.depth_map(params, preset=model["preset"], **model["kwargs"]))
  want = {p: d for p, (d, _) in model["params"].items()}
  wrong = {p: (got[p], want[p]) for p in want if got[p] != want[p]}
  assert not wrong, wrong
  blocks = {d for d in want.values() if 0 < d}
  heads = [p for p in want if want[p] == max(blocks)] if blocks else []
  top = layerwise.num_layers(layerwise.depth_map(params, preset=model["preset"],
                                                 **model["kwargs"]))
  has_head = any(got[p].role == "head" for p in got)
  # The head is what a head rule matched, never "the highest depth": a headless model's top
  # block keeps its own depth and L counts it.
  assert top == (max(blocks) - 1 if has_head else max(blocks)), (top, heads)
  report = layerwise.check_depths(params, preset=model["preset"], **model["kwargs"])
  assert sorted(p for p, _, _ in report.fallbacks) == GUESSES.get(name, [])
  assert not report.unmatched and not report.unused_rules


def test_headless_bert_llrd_and_reinit_use_the_block_count():
  params = tree_of(MODELS["hf_bert_model_no_pooler"])
  depths = layerwise.depth_map(params, preset="bert")
  assert layerwise.num_layers(depths) == 3
  mults = layerwise.llrd_multipliers(depths, decay=0.5)
  layer = mults["encoder"]["layer"]
  assert layer["2"]["output"]["dense"]["kernel"] == 1.0
  assert layer["1"]["output"]["dense"]["kernel"] == 0.5  # not 1.0: block 3 is not a head
  pre = jax.tree.map(lambda _: "pre", params)
  fresh = jax.tree.map(lambda _: "fresh", params)
  out = layerwise.reinit_top_layers(pre, fresh, depths, n=1, num_layers=None)
  redrawn = sorted({p.split("/")[2] for p, v in flat(out).items() if v == "fresh"})
  assert redrawn == ["2"]  # one block, not two


def test_hierarchical_blocks_count_stage_by_stage():
  params = tree_of(MODELS["nnx_mambavision_like"])
  depths = layerwise.depth_map(params, preset="nnx")
  got = [depths["levels"][str(i)]["blocks"][str(j)]["norm1"]["scale"]
         for i, n in enumerate((1, 3, 2)) for j in range(n)]
  assert got == [1, 2, 3, 4, 5, 6]


def test_t5_decoder_blocks_come_after_the_encoder():
  params = tree_of(MODELS["hf_t5_conditional_generation"])
  depths = layerwise.depth_map(params, preset="t5")
  assert layerwise.num_layers(depths) == 5
  assert depths["decoder"]["block"]["0"]["layer"]["0"]["SelfAttention"]["q"]["kernel"] == 3
  assert depths["encoder"]["final_layer_norm"]["weight"] == 2


def test_t5_with_callable_rules_instead_of_the_preset():
  params = tree_of(MODELS["hf_t5_conditional_generation"])

  def stack_block(path):
    parts = path.split("/")
    if parts[1:2] == ["block"]:
      return ({"encoder": 0, "decoder": 1}[parts[0]], int(parts[2]))
    return None

  # The index (stack, block) orders the decoder after the encoder; "last" with index (0,) is the
  # last block whose index starts with 0: the encoder's top block.
  rules = [(stack_block, "block"), (r"^shared/", 0),
           (lambda p: 0 if p.startswith("encoder/final") else None, "last"),
           lambda p: "head" if p.startswith(("decoder/final", "lm_head")) else None]
  got = flat(layerwise.depth_map(params, rules=rules))
  want = {p: d for p, (d, _) in MODELS["hf_t5_conditional_generation"]["params"].items()}
  assert got == want


def test_every_fixture_plan_prints_one_row_per_depth():
  for name in ("hf_gpt2_lm_head", "nnx_convnext_like"):
    params = tree_of(MODELS[name])
    depths = layerwise.depth_map(params, preset=MODELS[name]["preset"])
    text = layerwise.format_plan(depths, layerwise.llrd_multipliers(depths, 0.9), 1e-3)
    rows = text.splitlines()[2:]
    assert [int(r.split()[0]) for r in rows] == sorted({*flat(depths).values()})


def test_beit_shared_relative_position_bias_has_the_heads_depth():
  # BEiT's fine-tuning code gives the shared bias the head's layer id (rel_pos_bias ->
  # num_max_layer - 1): it follows the head's multiplier; timm's choice (the stem) is one rule.
  params = tree_of(MODELS["hf_beit_shared_bias_image_classification"])
  depths = layerwise.depth_map(params, preset="bert")

  def get(tree):
    return tree["beit"]["encoder"]["relative_position_bias"]["relative_position_bias_table"]

  assert get(depths) == 4 and get(depths).role == "head" and layerwise.num_layers(depths) == 3
  mults = layerwise.llrd_multipliers(depths, 0.5, head_multiplier=2.0)
  assert get(mults) == 2.0 and mults["classifier"]["kernel"] == 2.0
  assert mults["beit"]["embeddings"]["cls_token"] == 0.125
  pre = jax.tree.map(lambda s: jnp.zeros(s.shape), params)
  fresh = jax.tree.map(lambda s: jnp.ones(s.shape), params)
  assert get(layerwise.reinit_top_layers(pre, fresh, depths, n=0)).sum() == 24
  assert get(layerwise.reinit_top_layers(pre, fresh, depths, n=0, include_head=False)).sum() == 0
  with pytest.raises(ValueError, match="relative_position_bias_table"):
    layerwise.depth_map(params, preset="bert", head=[r"pooler/", r"^classifier/"])
  stem = layerwise.depth_map(params, preset="bert", rules=[(r"encoder/relative_position_bias/", 0)])
  assert get(stem) == 0 and layerwise.num_layers(stem) == 3
  own = layerwise.depth_map(tree_of(MODELS["hf_beit_block_bias_image_classification"]),
                            preset="bert")
  layers = own["beit"]["encoder"]["layer"]
  assert [layers[str(i)]["attention"]["attention"]["relative_position_bias"]
          ["relative_position_bias_table"] for i in range(3)] == [1, 2, 3]


def test_every_head_of_the_encoder_families_is_recorded():
  # One fixture per Flax head class of the families the README's "bert" row names.
  heads = {"sequence_classification", "token_classification", "multiple_choice",
           "question_answering", "masked_lm", "pretraining"}
  for family in ("bert", "roberta", "bigbird", "electra", "albert", "distilbert"):
    recorded = {n.removeprefix(f"hf_{family}_") for n in MODELS if n.startswith(f"hf_{family}_")}
    missing = heads - recorded - ({"pretraining"} if family in ("roberta", "distilbert") else set())
    assert not missing, (family, missing)
