"""Depth maps that are right or raise: rules, heads, stages, groups, checks; bad arguments named;
hypothesis properties of depth maps and multipliers."""

import copy
import pickle

import jax
import jax.numpy as jnp
import optax
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jaxlrs import layerwise


def leaf():
  return jnp.zeros(2)


def nnx_like(stage_sizes=None, flat=3, head=True, container="blocks"):
  """An nnx-style tree: embed, blocks (flat or stages/i/blocks/j), norm and a Sequential head."""
  tree = {"embed": {"embedding": leaf()}}
  if stage_sizes is None:
    tree[container] = {str(i): {"attn": {"kernel": leaf(), "pos_emb": leaf()},
                                "mlp": {"layers": {"0": {"kernel": leaf()}}}}
                       for i in range(flat)}
  else:
    tree["stages"] = {str(i): {"blocks": {str(j): {"w": leaf()} for j in range(n)}}
                      for i, n in enumerate(stage_sizes)}
  if head:
    tree["head"] = {"layers": {"0": {"kernel": leaf()}, "2": {"kernel": leaf()}}}
  return tree


def test_in_block_names_never_become_embeddings_or_heads():
  d = layerwise.depth_map(nnx_like(container="layers"), preset="nnx")
  assert [d["layers"][str(i)]["attn"]["pos_emb"] for i in range(3)] == [1, 2, 3]
  assert d["head"]["layers"]["0"]["kernel"] == 4 and d["head"]["layers"]["2"]["kernel"] == 4
  assert layerwise.num_layers(d) == 3  # the Sequential head's layers/0, layers/2 are not blocks


def test_a_norm_before_the_blocks_is_not_a_head():
  tree = {**nnx_like(), "norm_pre": {"scale": leaf()}, "norm": {"scale": leaf()}}
  d = layerwise.depth_map(tree, preset="nnx")
  assert d["norm_pre"]["scale"] == 0 and d["norm"]["scale"] == 4


def test_head_is_declared_or_detected_never_the_highest_depth():
  headless = layerwise.depth_map(nnx_like(head=False), preset="nnx")
  assert layerwise.num_layers(headless) == 3
  assert layerwise.llrd_multipliers(headless, 0.5)["blocks"]["1"]["attn"]["kernel"] == 0.5
  tree = {**nnx_like(head=False), "my_scorer": {"w": leaf()}}
  with pytest.raises(ValueError, match="my_scorer/w"):
    layerwise.depth_map(tree, preset="nnx")
  d = layerwise.depth_map(tree, preset="nnx", head=[r"^my_scorer/"])
  assert d["my_scorer"]["w"] == 4 and d["my_scorer"]["w"].role == "head"
  with pytest.raises(ValueError, match="head/layers/0/kernel"):
    layerwise.depth_map(nnx_like(), preset="nnx", head=None)  # no head: its rules are dropped


def test_stages_global_or_per_stage_and_first_last():
  tree = nnx_like(stage_sizes=(1, 3, 2))
  d = layerwise.depth_map(tree, preset="nnx")
  assert [d["stages"][str(i)]["blocks"][str(j)]["w"] for i, n in enumerate((1, 3, 2))
          for j in range(n)] == [1, 2, 3, 4, 5, 6]
  s = layerwise.depth_map(tree, preset="nnx", stages="stage")
  assert [s["stages"][str(i)]["blocks"]["0"]["w"] for i in range(3)] == [1, 2, 3]
  assert s["head"]["layers"]["0"]["kernel"] == 4
  tree["stages"]["1"]["downsample"] = {"w": leaf()}
  assert layerwise.depth_map(tree, preset="nnx")["stages"]["1"]["downsample"]["w"] == 2  # first
  tree["levels"] = tree.pop("stages")
  assert layerwise.depth_map(tree, preset="nnx")["levels"]["1"]["downsample"]["w"] == 4  # last


def test_stage_parameters_read_as_blocks_raise():
  tree = {"layers": {"0": {"blocks": {"0": {"w": leaf()}}, "downsample": {"w": leaf()}}}}
  with pytest.raises(ValueError, match="different nesting"):
    layerwise.depth_map(tree, preset="nnx")


def test_groups_put_a_decoder_after_its_encoder():
  tree = {"enc": {str(i): {"w": leaf()} for i in range(2)},
          "dec": {str(i): {"w": leaf()} for i in range(3)}, "emb": leaf()}
  d = layerwise.depth_map(tree, rules=[(r"^enc/(\d+)/", "block"), (r"^dec/(\d+)/", ("block", 1)),
                                       (r"^emb$", "embedding")])
  assert [d["dec"][str(i)]["w"] for i in range(3)] == [3, 4, 5]
  assert layerwise.num_layers(d) == 5 and d["emb"] == 0


def test_check_depths_reports_fallbacks_unmatched_and_unused_rules():
  tree = {**nnx_like(), "extra": {"w": leaf()}, "out_proj": {"w": leaf()}}
  report = layerwise.check_depths(tree, preset="nnx", rules=[(r"^typo/", 0)])
  assert report.unmatched == ["extra/w"] and not report.ok
  assert [p for p, _, _ in report.fallbacks] == ["out_proj/w"]
  assert report.unused_rules == ["rules[0] '^typo/'"]
  text = str(report)
  assert "unmatched: extra/w" in text and "fallback: out_proj/w -> 4" in text
  report = layerwise.check_depths(tree, preset="nnx", default="head")
  assert ("extra/w", 4, "default") in report.fallbacks


def test_plain_int_trees_need_num_layers_and_depths_survive_copies():
  plain = {"a": 0, "b": 1, "c": 2}
  with pytest.raises(ValueError, match="num_layers"):
    layerwise.llrd_multipliers(plain, 0.5)
  assert layerwise.llrd_multipliers(plain, 0.5, num_layers=2) == {"a": 0.25, "b": 0.5, "c": 1.0}
  assert layerwise.llrd_multipliers(plain, 0.5, num_layers=1)["c"] == 1.0  # depth 2 is the head
  d = layerwise.depth_map(nnx_like(), preset="nnx")
  for other in (pickle.loads(pickle.dumps(d)), copy.deepcopy(d)):
    assert layerwise.num_layers(other) == 3 and repr(other["embed"]["embedding"]) == "0"


@pytest.mark.parametrize("call,exc,match", [
    (lambda t: layerwise.depth_map(t, rules=[(r"(", 0)]), ValueError, r"rules\[0\]"),
    (lambda t: layerwise.depth_map(t, rules=[(r"^embed", "blocks")]), ValueError, r"rules\[0\]"),
    (lambda t: layerwise.depth_map(t, rules=[(r"^embed", -1)]), ValueError, r"rules\[0\]"),
    (lambda t: layerwise.depth_map(t, rules=[(r"^embed", ("head", 1))]), ValueError, r"rules"),
    (lambda t: layerwise.depth_map(t, rules=[(r"^embed", 0), 5]), ValueError, r"rules\[1\]"),
    (lambda t: layerwise.depth_map(t, rules=(r"^embed", 0)), TypeError, "rules"),
    (lambda t: layerwise.depth_map(t, rules=[(r"^blocks/", "block")], default=0), ValueError,
     "captured no block number"),
    (lambda t: layerwise.depth_map(t, preset="nnx", default="tail"), ValueError, "default"),
    (lambda t: layerwise.depth_map(t, preset="nnx", default="block"), ValueError, "default"),
    (lambda t: layerwise.depth_map(t, preset="nnx", head=5), ValueError, "head"),
    (lambda t: layerwise.depth_map(t, preset="nnx", head=["("]), ValueError, r"head\[0\]"),
    (lambda t: layerwise.depth_map(t, preset="nnx", stages="level"), ValueError, "stages"),
    (lambda t: layerwise.depth_map(t, preset="gpt3"), ValueError, "preset"),
    (lambda t: layerwise.depth_map(t, rules=[lambda p: "blocks"]), ValueError, r"rules\[0\]"),
    (lambda t: layerwise.depth_map(t, rules=[(lambda p: "x", "block")]), ValueError,
     r"rules\[0\]"),
    (lambda t: layerwise.group_multipliers(_d(t), 5, [1.0, 1.0]), ValueError, "boundaries"),
    (lambda t: layerwise.group_multipliers(_d(t), [2.5], [1.0, 1.0]), TypeError, "boundaries"),
    (lambda t: layerwise.group_multipliers(_d(t), [2], [1.0, -0.5]), ValueError,
     r"multipliers\[1\]"),
    (lambda t: layerwise.group_multipliers(_d(t), [2], 1.0), ValueError, "multipliers"),
    (lambda t: layerwise.llrd_multipliers(_d(t), 0.9, head_multiplier=-1.0), ValueError,
     "head_multiplier"),
    (lambda t: layerwise.llrd_multipliers(_d(t), "0.9"), TypeError, "decay"),
    (lambda t: layerwise.llrd_multipliers(_d(t), float("nan")), ValueError, "decay"),
    (lambda t: layerwise.freeze(t, ["ok", "("]), ValueError, r"patterns\[1\]"),
    (lambda t: layerwise.freeze(t, 5), TypeError, "patterns"),
    (lambda t: layerwise.reinit_top_layers(t, t, _d(t), n=1.0), TypeError, "n must"),
    (lambda t: layerwise.reinit_top_layers(t, t, _d(t), n=1, include_head=1), TypeError,
     "include_head"),
    (lambda t: layerwise.reinit_top_layers(t, t, _d(t), n=1, num_layers=-1), ValueError,
     "num_layers"),
])
def test_bad_arguments_are_named(call, exc, match):
  with pytest.raises(exc, match=match):
    call(nnx_like())


def _d(tree):
  return layerwise.depth_map(tree, preset="nnx")


def test_freeze_with_one_string_is_one_pattern():
  tree = nnx_like()
  mults = layerwise.llrd_multipliers(_d(tree), 0.9)
  frozen = layerwise.freeze(mults, "^head/")
  assert frozen["head"]["layers"]["0"]["kernel"] is None
  assert frozen["embed"]["embedding"] is not None  # not "h", "e", "a", "d" as four patterns
  assert frozen["blocks"]["0"]["attn"]["kernel"] is not None


@pytest.mark.parametrize("form", [layerwise.multi_transform, layerwise.scaled])
def test_a_parameter_missing_from_the_multipliers_is_named(form, standard_promotion):
  params = {"old": {"w": jnp.ones(2)}, "new": {"w": jnp.ones(2)}}
  tx = form(optax.sgd, 0.1, {"old": {"w": 1.0}})
  with pytest.raises(ValueError, match="No learning-rate multiplier for parameter 'new/w'"):
    tx.update(params, tx.init(params), params)


# --- properties ----------------------------------------------------------------------------------
layouts = st.one_of(
    st.builds(lambda n, h: nnx_like(flat=n, head=h), st.integers(1, 12), st.booleans()),
    st.builds(lambda s, h: nnx_like(stage_sizes=tuple(s), head=h),
              st.lists(st.integers(1, 4), min_size=1, max_size=4), st.booleans()))


def blocks_in_order(tree):
  if "stages" in tree:
    return [b for i in range(len(tree["stages"]))
            for b in (f"stages/{i}/blocks/{j}/" for j in range(len(tree["stages"][str(i)]["blocks"])))]
  return [f"blocks/{i}/" for i in range(len(tree["blocks"]))]


def flat(tree):
  return {layerwise.path_of(p): x for p, x in
          jax.tree_util.tree_flatten_with_path(tree, is_leaf=lambda x: x is None)[0]}


@settings(max_examples=25)
@given(layouts, st.floats(0.05, 1.0))
def test_depths_and_llrd_properties(tree, decay):
  d = flat(layerwise.depth_map(tree, preset="nnx"))
  order = blocks_in_order(tree)
  L = len(order)
  assert layerwise.num_layers(layerwise.depth_map(tree, preset="nnx")) == L
  for k, prefix in enumerate(order):  # block k (in stage-by-stage order) has depth k + 1
    assert {v for p, v in d.items() if p.startswith(prefix)} == {k + 1}
  assert d["embed/embedding"] == 0
  assert all(v == L + 1 for p, v in d.items() if p.startswith("head/"))
  assert max(d.values()) == L + ("head" in tree)
  m = flat(layerwise.llrd_multipliers(layerwise.depth_map(tree, preset="nnx"), decay))
  by_depth = sorted((d[p], m[p]) for p in d if d[p] <= L)
  assert all(m1 <= m2 for (_, m1), (_, m2) in zip(by_depth, by_depth[1:]))  # monotone
  assert all(0 < v <= 1 for v in m.values())
  assert m[order[-1] + next(p[len(order[-1]):] for p in d if p.startswith(order[-1]))] == 1.0
  assert m["embed/embedding"] == pytest.approx(decay ** L)


@settings(max_examples=25)
@given(layouts, st.data())
def test_groups_reinit_and_plan_properties(tree, data):
  depths = layerwise.depth_map(tree, preset="nnx")
  d = flat(depths)
  L = layerwise.num_layers(depths)
  bounds = sorted(data.draw(st.sets(st.integers(1, L + 1), max_size=3)))
  values = data.draw(st.lists(st.one_of(st.none(), st.floats(0, 2)), min_size=len(bounds) + 1,
                              max_size=len(bounds) + 1))
  g = flat(layerwise.group_multipliers(depths, bounds, values))
  for p, v in d.items():
    assert g[p] == values[sum(v >= b for b in bounds)]
  n = data.draw(st.integers(0, L))
  fresh = jax.tree.map(lambda x: x + 1, tree)
  redrawn = flat(layerwise.reinit_top_layers(tree, fresh, depths, n=n))
  assert {p for p, v in redrawn.items() if v[0] == 1} == {p for p, v in d.items() if v > L - n}
  kept = flat(layerwise.reinit_top_layers(tree, fresh, depths, n=n, include_head=False))
  assert {p for p, v in kept.items() if v[0] == 1} == {p for p, v in d.items() if L - n < v <= L}
  rows = layerwise.format_plan(depths, layerwise.llrd_multipliers(depths, 0.9)).splitlines()[2:]
  assert [int(r.split()[0]) for r in rows] == sorted(set(d.values()))



def test_readme_check_your_depth_map_snippet_prints_what_it_shows(capsys):
  import pathlib
  import re

  readme = (pathlib.Path(__file__).parents[1] / "README.md").read_text()
  after = readme.split("<!-- check-depth-map -->", 1)[1]
  code, output = re.findall(r"```(?:python)?\n(.*?)```", after, re.S)[:2]
  exec(compile(code, "README.md", "exec"), {})
  assert capsys.readouterr().out == output


def test_numpy_integers_are_accepted_where_ints_are():
  import numpy as np

  d = _d(nnx_like())
  g = layerwise.group_multipliers(d, [np.int64(2)], [0.5, 1.0])
  assert g["blocks"]["0"]["attn"]["kernel"] == 0.5 and g["blocks"]["1"]["attn"]["kernel"] == 1.0
  out = layerwise.reinit_top_layers(nnx_like(), jax.tree.map(lambda x: x + 1, nnx_like()), d,
                                    n=np.int32(1), include_head=False)
  assert float(out["blocks"]["2"]["attn"]["kernel"][0]) == 1.0
  assert float(out["blocks"]["1"]["attn"]["kernel"][0]) == 0.0
