"""Layer-wise learning rates: depth maps, LLRD forms (a) and (b), groups, freezing, re-init."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from flax import linen, nnx

import jaxlrs
from jaxlrs import layerwise
from jaxlrs.layerwise import _transforms

L = 4


class Layer(linen.Module):
  @linen.compact
  def __call__(self, x):
    h = linen.Dense(8, name="attention")(x)
    h = linen.LayerNorm(name="LayerNorm")(h + x)
    return h + linen.Dense(8, name="output")(jax.nn.gelu(h))


class Bert(linen.Module):
  """HF-style naming: embeddings, encoder/layer/{i}, pooler, classifier."""

  @linen.compact
  def __call__(self, tokens):
    x = linen.Embed(11, 8, name="embeddings")(tokens)
    for i in range(L):
      x = Layer(name=f"layer_{i}")(x)
    x = linen.Dense(8, name="pooler")(x[:, 0])
    return linen.Dense(3, name="classifier")(jnp.tanh(x))


def bert_params(seed=0):
  p = Bert().init(jax.random.PRNGKey(seed), jnp.zeros((2, 5), jnp.int32))["params"]
  # Re-key the blocks as encoder/layer/{i}, as Hugging Face Flax models name them.
  layers = {str(i): p.pop(f"layer_{i}") for i in range(L)}
  return {**p, "encoder": {"layer": layers}}


def apply_bert(params, tokens):
  p = dict(params)
  enc = p.pop("encoder")
  p.update({f"layer_{i}": enc["layer"][str(i)] for i in range(L)})
  return Bert().apply({"params": p}, tokens)


def loss_fn(params, tokens, labels):
  logits = apply_bert(params, tokens)
  return optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()


@pytest.mark.slow
def test_bert_depth_map():
  depths = layerwise.depth_map(bert_params(), preset="bert")
  assert depths["embeddings"]["embedding"] == 0
  assert depths["encoder"]["layer"]["2"]["attention"]["kernel"] == 3
  assert depths["pooler"]["kernel"] == L + 1 and depths["classifier"]["bias"] == L + 1


def test_unmatched_parameters_are_listed_or_defaulted():
  params = {**bert_params(), "extra": {"w": jnp.zeros(2)}}
  with pytest.raises(ValueError, match="extra/w"):
    layerwise.depth_map(params, preset="bert")
  assert layerwise.depth_map(params, preset="bert", default="head")["extra"]["w"] == L + 1
  custom = layerwise.depth_map(params, preset="bert", rules=[(r"^extra/", 0)])
  assert custom["extra"]["w"] == 0


def test_vit_preset():
  params = {"embedding": {"kernel": 0}, "cls": 0, "Transformer": {
      "posembed_input": {"pos_embedding": 0}, "encoderblock_0": {"k": 0},
      "encoderblock_1": {"k": 0}, "encoder_norm": {"scale": 0}}, "head": {"kernel": 0}}
  d = layerwise.depth_map(params, preset="vit")
  assert d["cls"] == 0 and d["Transformer"]["posembed_input"]["pos_embedding"] == 0
  assert d["Transformer"]["encoderblock_1"]["k"] == 2
  assert d["head"]["kernel"] == 3 and d["Transformer"]["encoder_norm"]["scale"] == 3


def test_llrd_and_group_multipliers_and_plan():
  depths = layerwise.depth_map(bert_params(), preset="bert")
  m = layerwise.llrd_multipliers(depths, decay=0.9)
  assert m["encoder"]["layer"][str(L - 1)]["output"]["kernel"] == 1.0
  assert m["embeddings"]["embedding"] == pytest.approx(0.9**L)
  assert m["classifier"]["kernel"] == 1.0
  g = layerwise.group_multipliers(depths, boundaries=[2, 4], multipliers=[None, 0.5, 1.0])
  assert g["embeddings"]["embedding"] is None
  assert g["encoder"]["layer"]["2"]["attention"]["bias"] == 0.5  # depth 3
  assert g["pooler"]["kernel"] == 1.0
  rows = layerwise.plan(depths, m, jaxlrs.constant(3.5e-6))
  assert rows[0][0] == "embeddings/embedding" and rows[0][3] == pytest.approx(3.5e-6 * 0.9**L)
  text = layerwise.format_plan(depths, g, jaxlrs.constant(1e-3), verbose=True)
  assert "frozen" in text and "classifier/kernel" in text


def test_decay_mask_excludes_biases_and_layernorm():
  mask = layerwise.decay_mask(bert_params())
  assert mask["encoder"]["layer"]["0"]["attention"]["kernel"]
  assert not mask["encoder"]["layer"]["0"]["attention"]["bias"]
  assert not mask["encoder"]["layer"]["0"]["LayerNorm"]["scale"]


def train(tx, params, steps=10):
  state = tx.init(params)
  rng = np.random.default_rng(0)
  step = jax.jit(lambda p, s, t, y: _step(tx, p, s, t, y))
  for _ in range(steps):
    tokens = jnp.asarray(rng.integers(0, 11, (4, 5)), jnp.int32)
    labels = jnp.asarray(rng.integers(0, 3, (4,)), jnp.int32)
    params, state = step(params, state, tokens, labels)
  return params, state


_grad = jax.jit(lambda params, tokens, labels: jax.grad(loss_fn)(params, tokens, labels))


def train_same_grads(tx, params, steps):
  """As :func:`train`, with gradients from one shared jitted function and a jitted update.

  Bit-identity is a property of the transforms given the same gradients: XLA may round a
  gradient differently when its computation is fused into a different train-step program.
  """
  state = tx.init(params)
  rng = np.random.default_rng(0)

  @jax.jit
  def update(grads, state, params):
    updates, state = tx.update(grads, state, params)
    return optax.apply_updates(params, updates), state

  for _ in range(steps):
    tokens = jnp.asarray(rng.integers(0, 11, (4, 5)), jnp.int32)
    labels = jnp.asarray(rng.integers(0, 3, (4,)), jnp.int32)
    params, state = update(_grad(params, tokens, labels), state, params)
  return params, state


def _differing(a, b):
  return sum(int(np.sum(np.asarray(x) != np.asarray(y)))
             for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b)))


def _step(tx, params, state, tokens, labels):
  grads = jax.grad(loss_fn)(params, tokens, labels)
  updates, state = tx.update(grads, state, params)
  return optax.apply_updates(params, updates), state


@pytest.mark.slow
def test_forms_a_and_b_are_bit_identical_after_twelve_adamw_steps(standard_promotion):
  params = bert_params()
  depths = layerwise.depth_map(params, preset="bert")
  mults = layerwise.freeze(layerwise.llrd_multipliers(depths, decay=0.8), [r"^embeddings/"])
  schedule = jaxlrs.warmup(jaxlrs.cosine(1e-2, total_steps=8), warmup_steps=2)

  def factory(lr):
    return optax.adamw(lr, weight_decay=0.1, mask=layerwise.decay_mask)

  pa, sa = train_same_grads(layerwise.multi_transform(factory, schedule, mults), params, 12)
  pb, sb = train_same_grads(layerwise.scaled(factory, schedule, mults), params, 12)
  assert _differing(pa, pb) == 0  # bit for bit, not within a tolerance
  # Whole train steps (gradient fused into the program) still agree to rounding.
  for a, b in zip(jax.tree.leaves(train(layerwise.multi_transform(factory, schedule, mults),
                                        params)[0]),
                  jax.tree.leaves(train(layerwise.scaled(factory, schedule, mults), params)[0])):
    np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
  np.testing.assert_array_equal(pa["embeddings"]["embedding"], params["embeddings"]["embedding"])
  assert not np.array_equal(pa["classifier"]["kernel"], params["classifier"]["kernel"])
  n_a = len(jax.tree.leaves(sa))
  n_b = len(jax.tree.leaves(sb))
  n_plain = len(jax.tree.leaves(factory(schedule).init(params)))
  # form (b): the plain optimizer's state, the schedule's value, one scalar per multiplier
  distinct = {m or 0.0 for m in jax.tree.leaves(mults, is_leaf=lambda m: m is None)}
  assert n_b == n_plain + 1 + len(distinct)
  assert n_a < n_plain + 3 * len(set(jax.tree.leaves(mults)))  # frozen leaves hold no moments


@pytest.mark.parametrize("lr", ["float", "callable", "jaxlrs"])
def test_leaf_lr_scaling_is_bit_identical_to_optax_scale_by_learning_rate(lr, standard_promotion):
  # Form (b)'s scaling of a given update equals form (a)'s last step, optax's
  # scale_by_learning_rate(schedule * m), bit for bit: the multiplier is folded into the scalar.
  params = bert_params()
  mults = layerwise.llrd_multipliers(layerwise.depth_map(params, preset="bert"), decay=0.7)
  schedule = {"float": 3e-3, "callable": optax.warmup_cosine_decay_schedule(0.0, 3e-3, 2, 10),
              "jaxlrs": jaxlrs.warmup(jaxlrs.cosine(3e-3, total_steps=8), warmup_steps=2)}[lr]
  rng = np.random.default_rng(1)
  u = jax.tree.map(lambda p: jnp.asarray(rng.normal(size=p.shape), jnp.float32), params)
  tx = layerwise.scale_by_leaf_lr(schedule, mults)
  state = tx.init(params)
  update = jax.jit(tx.update)
  for step in range(4):
    ours, state = update(jax.tree.map(jnp.negative, u), state)
    for (path, got), m, x in zip(jax.tree_util.tree_flatten_with_path(ours)[0],
                                 jax.tree.leaves(mults), jax.tree.leaves(u)):
      leaf_lr = _transforms._leaf_lr(schedule, m)
      ref = optax.scale_by_learning_rate(leaf_lr)
      ref_state = jax.tree.map(lambda c: jnp.asarray(step, c.dtype), ref.init(x))
      want, _ = ref.update(x, ref_state)
      np.testing.assert_array_equal(got, want, err_msg=f"{path} at step {step}")
      # The old order, (-lr * u) * m, rounds differently on some elements.
  old = jax.tree.map(lambda x, m: (-jnp.asarray(schedule(3) if callable(schedule) else schedule,
                                                jnp.float32) * x) * jnp.float32(m), u, mults)
  assert _differing(old, ours) > 0


def test_sgd_update_is_lr_times_multiplier_times_grad():
  params = bert_params()
  depths = layerwise.depth_map(params, preset="bert")
  mults = layerwise.llrd_multipliers(depths, decay=0.5)
  grads = jax.tree.map(jnp.ones_like, params)
  for tx in (layerwise.multi_transform(optax.sgd, jaxlrs.constant(0.1), mults),
             layerwise.scaled(optax.sgd, jaxlrs.constant(0.1), mults)):
    updates, _ = tx.update(grads, tx.init(params), params)
    for u, m, d in zip(jax.tree.leaves(updates), jax.tree.leaves(mults), jax.tree.leaves(depths)):
      want = -0.1 * (0.5 ** (L - d) if d <= L else 1.0)
      np.testing.assert_allclose(u, want, rtol=1e-6)
      assert m == pytest.approx(want / -0.1)


class NnxModel(nnx.Module):
  def __init__(self, rngs):
    self.embed = nnx.Linear(4, 8, rngs=rngs)
    self.layers = nnx.List([nnx.Linear(8, 8, rngs=rngs) for _ in range(3)])
    self.head = nnx.Linear(8, 2, rngs=rngs)

  def __call__(self, x):
    x = self.embed(x)
    for layer in self.layers:
      x = x + jax.nn.relu(layer(x))
    return self.head(x)


@pytest.mark.slow
def test_nnx_optimizer_with_both_forms(standard_promotion):
  x = jnp.asarray(np.random.default_rng(0).normal(size=(8, 4)), jnp.float32)
  results = []
  for form in (layerwise.multi_transform, layerwise.scaled):
    model = NnxModel(nnx.Rngs(0))
    state = nnx.state(model, nnx.Param)
    depths = layerwise.depth_map(state, preset="nnx")
    assert layerwise.depth_map(state, preset="nnx")["layers"][2]["kernel"] == 3
    mults = layerwise.llrd_multipliers(depths, decay=0.7)
    tx = form(lambda lr: optax.adamw(lr, weight_decay=0.01), jaxlrs.cosine(1e-2, total_steps=10),
              mults)
    opt = nnx.Optimizer(model, tx, wrt=nnx.Param)
    for _ in range(5):
      grads = nnx.grad(lambda m: jnp.mean(m(x) ** 2))(model)
      opt.update(model, grads)
    results.append(jax.tree.leaves(nnx.state(model, nnx.Param)))
  for a, b in zip(*results):
    np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_reinit_top_layers():
  pre, fresh = bert_params(0), bert_params(1)
  depths = layerwise.depth_map(pre, preset="bert")
  out = layerwise.reinit_top_layers(pre, fresh, depths, n=1)
  assert out["encoder"]["layer"][str(L - 1)]["attention"]["kernel"] is \
      fresh["encoder"]["layer"][str(L - 1)]["attention"]["kernel"]
  assert out["classifier"]["kernel"] is fresh["classifier"]["kernel"]
  assert out["encoder"]["layer"][str(L - 2)]["attention"]["kernel"] is \
      pre["encoder"]["layer"][str(L - 2)]["attention"]["kernel"]
  assert out["embeddings"]["embedding"] is pre["embeddings"]["embedding"]
  keep_head = layerwise.reinit_top_layers(pre, fresh, depths, n=2, include_head=False)
  assert keep_head["pooler"]["kernel"] is pre["pooler"]["kernel"]
  with pytest.raises(ValueError, match="n must be"):
    layerwise.reinit_top_layers(pre, fresh, depths, n=L + 1)
  with pytest.raises(ValueError, match="structure"):
    layerwise.reinit_top_layers(pre, {"a": 1}, depths, n=1)
  bad = jax.tree.map(lambda x: x, fresh)
  bad["classifier"]["kernel"] = jnp.zeros((2, 2))
  with pytest.raises(ValueError, match="classifier/kernel"):
    layerwise.reinit_top_layers(pre, bad, depths, n=1)


@pytest.mark.parametrize("call,match", [
    (lambda d: layerwise.depth_map(bert_params(), preset="gpt"), "preset"),
    (lambda d: layerwise.llrd_multipliers(d, decay=1.5), "decay"),
    (lambda d: layerwise.llrd_multipliers(d, decay=0.0), "decay"),
    (lambda d: layerwise.group_multipliers(d, [4, 2], [1.0, 1.0, 1.0]), "boundaries"),
    (lambda d: layerwise.group_multipliers(d, [2], [1.0]), "multipliers"),
])
def test_bad_arguments(call, match):
  depths = layerwise.depth_map(bert_params(), preset="bert")
  with pytest.raises(ValueError, match=match):
    call(depths)
