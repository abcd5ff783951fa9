"""The Schedule contract: pytree, config, repr, equality, step semantics, jit/vmap/grad."""

import json
import math

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxlrs

# One instance of every kind, nested ones included: the config round trip runs over all of them.
EVERY_KIND = [
    jaxlrs.constant(0.3),
    jaxlrs.linear(1.0, end_value=0.1, total_steps=50),
    jaxlrs.polynomial(1.0, end_value=0.1, total_steps=50, power=0.5, cycle=True),
    jaxlrs.cosine(1.0, total_steps=50, end_value=0.1, exponent=2.0),
    jaxlrs.exponential(1.0, decay_rate=0.5, period_steps=10, staircase=True, end_value=0.1),
    jaxlrs.inverse_time(1.0, decay_rate=0.5, period_steps=10),
    jaxlrs.rsqrt(1.0, timescale_steps=10),
    jaxlrs.piecewise_constant([10, 20], values=[1.0, 0.5, 0.25]),
    jaxlrs.multistep(1.0, boundaries=[10, 30], decay_rate=0.5),
    jaxlrs.piecewise_linear([0, 10, 40], values=[0.0, 1.0, 0.1]),
    jaxlrs.anneal(1.0, end_value=0.1, total_steps=20, shape="1-sqrt"),
    jaxlrs.warmup(jaxlrs.cosine(1.0, total_steps=40), warmup_steps=10, shape="cosine"),
    jaxlrs.join([jaxlrs.warmup(jaxlrs.constant(1.0), warmup_steps=5),
                 jaxlrs.cosine(1.0, total_steps=30)], boundaries=[10]),
    jaxlrs.cyclic(0.1, peak_value=1.0, rise_steps=5, fall_steps=10, cycle_decay=0.5),
    jaxlrs.cosine_restarts(1.0, cycle_steps=10, cycle_mul=1.5, cycle_decay=0.5, cycle_limit=4,
                           warmup_steps=3),
    jaxlrs.one_cycle(1.0, total_steps=60, three_phase=True),
    jaxlrs.warmup_stable_decay(1.0, total_steps=60, warmup_steps=5, decay_steps=20,
                               decay_shape="1-sqrt"),
    jaxlrs.swa_schedule(jaxlrs.cosine(1.0, total_steps=45), start_step=45, swa_value=0.2,
                        anneal_steps=5),
    jaxlrs.noisy(jaxlrs.cosine(1.0, total_steps=50), noise_ratio=0.2, seed=3, start_step=5,
                 end_step=40),
    jaxlrs.cosine(1.0, total_steps=50) * jaxlrs.linear(0.0, end_value=1.0, total_steps=10) * 0.5
    + 0.01,
    jaxlrs.linear(1.0, end_value=0.0, total_steps=30).shift(5).clip(min_value=0.1).time_scale(0.5),
    jaxlrs.step_decay(1.0, period_steps=7, decay_rate=0.5),
]
IDS = [s.kind for s in EVERY_KIND]
STEPS = np.array([0, 1, 2, 5, 9, 10, 11, 19, 20, 21, 29, 30, 44, 45, 47, 50, 59, 60, 100, 10**5])


@pytest.mark.parametrize("s", EVERY_KIND, ids=IDS)
def test_config_round_trip_through_json(s):
  cfg = json.loads(json.dumps(s.to_config()))
  rebuilt = jaxlrs.from_config(cfg)
  assert rebuilt == s
  assert hash(rebuilt) == hash(s)
  np.testing.assert_array_equal(rebuilt(STEPS), s(STEPS))


@pytest.mark.parametrize("s", EVERY_KIND, ids=IDS)
def test_repr_names_kind_and_hyperparameters(s):
  r = repr(s)
  assert r.startswith(s.kind) or r.startswith(("product", "sum_of", "warmup", "clip", "time"))
  for key, value in s.to_config().items():
    if key != "kind" and isinstance(value, float):
      assert repr(value) in r


@pytest.mark.parametrize("s", EVERY_KIND, ids=IDS)
def test_eager_jit_vmap_agree_and_hold_at_end(s):
  eager = np.stack([np.asarray(s(int(k))) for k in STEPS])
  jitted = np.asarray(jax.jit(lambda sched, t: sched(t))(s, jnp.asarray(STEPS, jnp.float32)))
  vmapped = np.asarray(jax.vmap(s)(jnp.asarray(STEPS)))
  np.testing.assert_allclose(jitted, eager, rtol=1e-6, atol=1e-7)
  np.testing.assert_allclose(vmapped, eager, rtol=1e-6, atol=1e-7)
  assert np.all(np.isfinite(eager))
  assert s(-5) == s(0)


@pytest.mark.slow
@pytest.mark.parametrize("s", EVERY_KIND, ids=IDS)
def test_gradients_finite_everywhere(s):
  steps = jnp.asarray([-3.0, 0.0, 0.5, 9.5, 10.0, 30.0, 50.0, 60.0, 1e7], jnp.float32)
  g_step = jax.vmap(jax.grad(lambda t: s(t)))(steps)
  assert np.all(np.isfinite(g_step))
  g_vals = jax.grad(lambda sched: jnp.sum(sched(steps)))(s)
  assert all(np.all(np.isfinite(x)) for x in jax.tree.leaves(g_vals))


def test_pytree_leaves_are_values_and_steps_are_static():
  s = jaxlrs.cosine(init_value=2.0, total_steps=100, end_value=0.5)
  leaves, treedef = jax.tree.flatten(s)
  assert leaves == [2.0, 0.5, 1.0, 0.5]  # init_value, end_value, exponent, cycles
  assert "100" in str(treedef)
  paths = [jax.tree_util.keystr(p) for p, _ in jax.tree_util.tree_flatten_with_path(s)[0]]
  assert paths == [".init_value", ".end_value", ".exponent", ".cycles"]


def test_frozen_and_equal_by_config():
  a = jaxlrs.linear(1.0, end_value=0.0, total_steps=10)
  with pytest.raises(Exception):
    a.init_value = 3.0
  assert a == jaxlrs.linear(1, end_value=0, total_steps=10)
  assert a != jaxlrs.linear(1.0, end_value=0.0, total_steps=11)
  assert a != jaxlrs.linear(1.0, end_value=0.5, total_steps=10)
  assert len({a, jaxlrs.linear(1.0, end_value=0.0, total_steps=10)}) == 1


def test_int_values_become_floats_so_no_retrace():
  a = jaxlrs.linear(1, end_value=0, total_steps=10)
  assert isinstance(a.init_value, float)


def test_changing_a_value_does_not_retrace():
  traces = []

  @jax.jit
  def f(sched, step):
    traces.append(1)
    return sched(step)

  for peak in (1.0, 2.0, 3.0):
    f(jaxlrs.warmup(jaxlrs.cosine(peak, total_steps=100), warmup_steps=10), 50)
  assert len(traces) == 1
  f(jaxlrs.warmup(jaxlrs.cosine(1.0, total_steps=200), warmup_steps=10),
    50)  # a step count is static: one new trace
  assert len(traces) == 2


def test_eager_calls_reuse_one_compilation():
  s = jaxlrs.cosine(1.0, total_steps=1000)
  s(0)
  before = jaxlrs._core.eager.eager_call._cache_size()
  for k in range(50):
    s(k)
  jaxlrs.cosine(2.0, total_steps=1000)(3)  # another value, same structure
  assert jaxlrs._core.eager.eager_call._cache_size() == before


@pytest.mark.parametrize("step", [
    np.uint32(25), np.uint8(25), np.int8(25), np.int16(25), np.int64(25), np.uint64(25),
    jnp.uint32(25), jnp.int32(25), 25, 25.0, np.float16(25), jnp.bfloat16(25)])
def test_step_dtypes(step):
  s = jaxlrs.linear(1.0, end_value=0.0, total_steps=100)
  np.testing.assert_allclose(s(step), 0.75, rtol=1e-6)
  assert s(step).dtype == jnp.float32


def test_unsigned_steps_never_wrap():
  # nnx.Optimizer.step is uint32: step - warmup must not wrap around below the warmup.
  s = jaxlrs.warmup(jaxlrs.linear(1.0, end_value=0.0, total_steps=100), warmup_steps=10)
  steps = jnp.arange(0, 12, dtype=jnp.uint32)
  np.testing.assert_allclose(s(steps), np.r_[np.arange(10) / 10, 1.0, 0.99], rtol=1e-6)


def test_huge_steps_hold_the_end_value():
  s = jaxlrs.warmup(jaxlrs.cosine(1.0, total_steps=100, end_value=0.1), warmup_steps=10)
  for step in (2**31 - 1, 2**31, 2**40, 10**18, np.int64(2**40), np.uint64(2**63), 1e30,
               np.uint32(2**32 - 1)):
    np.testing.assert_allclose(s(step), 0.1, rtol=1e-6)


def test_negative_steps_give_value_at_zero():
  s = jaxlrs.warmup(jaxlrs.cosine(1.0, total_steps=100), warmup_steps=10, init_value=0.05)
  np.testing.assert_allclose(s(jnp.asarray([-1, -10**6])), [0.05, 0.05], rtol=1e-6)
  np.testing.assert_allclose(s(-0.5), 0.05, rtol=1e-6)


def test_fractional_steps_interpolate():
  s = jaxlrs.linear(0.0, end_value=1.0, total_steps=10)
  np.testing.assert_allclose(s(2.5), 0.25, rtol=1e-6)


def test_array_steps_keep_shape():
  s = jaxlrs.cosine(1.0, total_steps=10)
  out = s(np.arange(12).reshape(3, 4))
  assert out.shape == (3, 4)
  np.testing.assert_allclose(out.ravel(), [s(k) for k in range(12)], rtol=1e-6)


def test_bool_step_is_rejected():
  with pytest.raises(TypeError, match="step"):
    jaxlrs.constant(1.0)(True)


def test_float64_under_x64():
  with jax.enable_x64(True):
    s = jaxlrs.cosine(1.0, total_steps=3)
    v = s(1)
    assert v.dtype == jnp.float64
    np.testing.assert_allclose(v, 0.75, rtol=1e-15)
  assert jaxlrs.cosine(1.0, total_steps=3)(1).dtype == jnp.float32


def test_vmap_over_values_is_a_sweep():
  peaks = jnp.asarray([1.0, 2.0, 4.0])
  out = jax.vmap(lambda v: jaxlrs.cosine(init_value=v, total_steps=100)(50))(peaks)
  np.testing.assert_allclose(out, 0.5 * np.asarray(peaks), rtol=1e-6)
  batch = jax.vmap(lambda v: jaxlrs.warmup(jaxlrs.cosine(v, total_steps=90),
                                           warmup_steps=10))(peaks)
  np.testing.assert_allclose(jax.vmap(lambda s: s(5))(batch), 0.5 * np.asarray(peaks),
                             rtol=1e-6)


def test_grad_with_respect_to_values_and_step():
  s = jaxlrs.cosine(init_value=2.0, total_steps=100, end_value=0.5)
  g = jax.grad(lambda sched: sched(50))(s)
  np.testing.assert_allclose([g.init_value, g.end_value], [0.5, 0.5], rtol=1e-5)
  dfdt = jax.grad(s)(25.0)
  np.testing.assert_allclose(dfdt, -(2.0 - 0.5) * 0.5 * math.pi / 100 * math.sin(math.pi / 4),
                             rtol=1e-5)


def test_from_config_errors_name_the_problem():
  with pytest.raises(ValueError, match="'kind'"):
    jaxlrs.from_config({"init_value": 1.0})
  with pytest.raises(ValueError, match="cosinus"):
    jaxlrs.from_config({"kind": "cosinus", "init_value": 1.0})
  with pytest.raises(ValueError, match="total_step"):
    jaxlrs.from_config({"kind": "cosine", "init_value": 1.0, "total_step": 10})
  with pytest.raises(ValueError, match="scheduless"):
    jaxlrs.from_config({"kind": "join", "scheduless": [], "boundaries": []})
  with pytest.raises(TypeError, match="config"):
    jaxlrs.from_config("cosine")


def test_to_config_of_traced_values_is_refused():
  def f(v):
    with pytest.raises(ValueError, match="init_value"):
      jaxlrs.cosine(v, total_steps=10).to_config()
    return v
  jax.jit(f)(1.0)


def test_works_as_optax_learning_rate_through_inject_hyperparams(standard_promotion):
  s = jaxlrs.warmup(jaxlrs.cosine(1e-3, total_steps=90), warmup_steps=10)
  tx = optax.inject_hyperparams(optax.adamw)(learning_rate=s)
  params = {"w": jnp.ones(3)}
  state = tx.init(params)
  for k in range(3):
    _, state = tx.update({"w": jnp.ones(3)}, state, params)
    np.testing.assert_allclose(state.hyperparams["learning_rate"], s(k), rtol=1e-6)
