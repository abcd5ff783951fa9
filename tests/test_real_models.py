"""Optional: layer-wise fine-tuning of real third-party models (skipped without their packages).

A Hugging Face Flax model (transformers) and an nnx model (mamba2-jax), built from small configs,
trained 20 AdamW steps with LLRD, frozen embeddings and an EMA, in both optimizer forms.
"""

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxlrs
from jaxlrs import averaging, layerwise

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::FutureWarning"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning"),
              pytest.mark.filterwarnings("ignore::UserWarning")]

STEPS = 20
PEAK_LR = 1e-3
# Largest |form (a) - form (b)| over all parameters after 20 steps at a peak rate of 1e-3. The
# forms round lr * m * update in a different order; Adam's normalisation then amplifies the
# difference in coordinates whose gradients are near zero (measured: 1.5e-6 on ELECTRA).
FORMS_ATOL = 1e-5


@pytest.fixture
def third_party():
  """Third-party model code broadcasts ranks and mixes dtypes: allow it in these tests."""
  with jax.numpy_rank_promotion("allow"), jax.numpy_dtype_promotion("standard"):
    yield


def _transformers():
  with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    return pytest.importorskip("transformers")


def adamw(lr):
  return optax.adamw(lr, weight_decay=0.01, mask=layerwise.decay_mask)


def build_tx(form, mults):
  schedule = jaxlrs.warmup(jaxlrs.cosine(PEAK_LR, total_steps=STEPS - 4), warmup_steps=4)
  return averaging.ema(form(adamw, schedule, mults), decay=0.9)


def train(loss_fn, params, tx, batches):
  state = tx.init(params)

  @jax.jit
  def step(params, state, batch):
    loss, grads = jax.value_and_grad(loss_fn)(params, batch)
    updates, state = tx.update(grads, state, params)
    return optax.apply_updates(params, updates), state, loss

  losses = []
  for batch in batches:
    params, state, loss = step(params, state, batch)
    losses.append(float(loss))
  return params, state, losses


def hf_case(name):
  T = _transformers()
  small = dict(vocab_size=64, hidden_size=16, num_hidden_layers=3, num_attention_heads=2,
               intermediate_size=32, max_position_embeddings=16)
  rng = np.random.default_rng(0)
  tokens = [jnp.asarray(rng.integers(0, 64, (4, 12)), jnp.int32)] * STEPS  # one batch: fit it
  if name == "electra":
    model = T.FlaxElectraForSequenceClassification(T.ElectraConfig(embedding_size=8, **small),
                                                   seed=0)
    labels = jnp.asarray(rng.integers(0, 2, (4,)), jnp.int32)

    def loss_fn(params, ids):
      logits = model(ids, params=params, train=False).logits
      return optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()

    return model.params, loss_fn, tokens, "bert", r"(^|/)embeddings(/|_project/)"
  model = T.FlaxGPT2LMHeadModel(T.GPT2Config(vocab_size=64, n_embd=16, n_layer=3, n_head=2,
                                             n_positions=16), seed=0)

  def loss_fn(params, ids):
    logits = model(ids, params=params, train=False).logits[:, :-1]
    return optax.softmax_cross_entropy_with_integer_labels(logits, ids[:, 1:]).mean()

  return model.params, loss_fn, tokens, "gpt2", r"/wpe/"


def max_gap(pa, pb, p0):
  change = max(float(jnp.max(jnp.abs(a - b))) for a, b in zip(jax.tree.leaves(pa),
                                                            jax.tree.leaves(p0)))
  gap = max(float(jnp.max(jnp.abs(a - b))) for a, b in zip(jax.tree.leaves(pa),
                                                         jax.tree.leaves(pb)))
  return gap, change


@pytest.mark.parametrize("name", ["electra", "gpt2"])
def test_hf_flax_model_llrd_freeze_ema(name, third_party):
  params, loss_fn, batches, preset, frozen = hf_case(name)
  depths = layerwise.depth_map(params, preset=preset)
  assert layerwise.num_layers(depths) == 3 and layerwise.check_depths(params, preset=preset).ok
  mults = layerwise.freeze(layerwise.llrd_multipliers(depths, 0.8), frozen)
  results = {}
  for form in (layerwise.scaled, layerwise.multi_transform):
    results[form] = train(loss_fn, params, build_tx(form, mults), batches)
  (pb, sb, losses), (pa, _, _) = results[layerwise.scaled], results[layerwise.multi_transform]
  assert losses[-1] < losses[0]
  flat0 = dict(zip(map(layerwise.path_of, (p for p, _ in
                                           jax.tree_util.tree_flatten_with_path(params)[0])),
                   jax.tree.leaves(params)))
  flatb = dict(zip(flat0, jax.tree.leaves(pb)))
  moved = {p for p in flat0 if not np.array_equal(flat0[p], flatb[p])}
  frozen_paths = {p for p, m in zip(flat0, jax.tree.leaves(mults, is_leaf=lambda x: x is None))
                  if m is None}
  assert frozen_paths and not (moved & frozen_paths)
  assert moved == set(flat0) - frozen_paths
  avg = averaging.averaged_params(sb)
  assert all(bool(jnp.all(jnp.isfinite(a))) for a in jax.tree.leaves(avg))
  gap, change = max_gap(pa, pb, params)
  print(f"{name}: forms differ by {gap:.3g} (max parameter change {change:.3g}, "
        f"ratio {gap / change:.3g})")
  assert gap <= FORMS_ATOL


def test_nnx_mamba2_llrd_freeze_ema(third_party):
  mamba2 = pytest.importorskip("mamba2_jax")
  from flax import nnx

  cfg = mamba2.Mamba2Config(vocab_size=32, hidden_size=16, state_size=8, head_dim=8,
                            chunk_size=8, num_hidden_layers=3, tie_word_embeddings=False)
  rng = np.random.default_rng(0)
  batches = [jnp.asarray(rng.integers(0, 32, (2, 16)), jnp.int32)] * STEPS
  finals = []
  for form in (layerwise.scaled, layerwise.multi_transform):
    model = mamba2.Mamba2ForCausalLM(cfg, rngs=nnx.Rngs(0))
    start = nnx.to_pure_dict(nnx.state(model, nnx.Param))
    depths = layerwise.depth_map(nnx.state(model, nnx.Param), preset="nnx")
    assert layerwise.num_layers(depths) == 3
    mults = layerwise.freeze(layerwise.llrd_multipliers(depths, 0.8), "^backbone/embedder/")
    opt = nnx.Optimizer(model, build_tx(form, mults), wrt=nnx.Param)

    @nnx.jit
    def step(model, opt, ids):
      def loss_fn(m):
        return m(ids, labels=ids)["loss"]
      loss, grads = nnx.value_and_grad(loss_fn)(model)
      opt.update(model, grads)
      return loss

    losses = [float(step(model, opt, b)) for b in batches]
    assert losses[-1] < losses[0]
    end = nnx.to_pure_dict(nnx.state(model, nnx.Param))
    np.testing.assert_array_equal(end["backbone"]["embedder"]["embedding"],
                                  start["backbone"]["embedder"]["embedding"])
    assert not np.array_equal(end["lm_head"]["kernel"], start["lm_head"]["kernel"])
    with averaging.averaged_model(model, opt):
      averaged = nnx.to_pure_dict(nnx.state(model, nnx.Param))
    assert not np.array_equal(averaged["lm_head"]["kernel"], end["lm_head"]["kernel"])
    finals.append((end, start))
  gap, change = max_gap(finals[1][0], finals[0][0], finals[0][1])
  print(f"mamba2: forms differ by {gap:.3g} (max parameter change {change:.3g})")
  assert gap <= FORMS_ATOL
