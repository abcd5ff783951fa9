"""EMA and SWA of parameters: hand-computed averages, bf16, nnx, batch norm, sharding, orbax."""

import subprocess
import sys
import textwrap

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from flax import linen, nnx

import jaxlrs
from jaxlrs import averaging

GRADS = [np.array([1.0, -2.0]), np.array([0.5, 0.5]), np.array([-1.0, 3.0]), np.array([2.0, 0.0]),
         np.array([0.0, -1.0]), np.array([1.5, 1.0])]


def run(tx, grads=GRADS, params=None):
  params = {"w": jnp.zeros(2)} if params is None else params
  state = tx.init(params)
  history = []
  for g in grads:
    updates, state = tx.update({"w": jnp.asarray(g, params["w"].dtype)}, state, params)
    params = optax.apply_updates(params, updates)
    history.append(np.asarray(params["w"], np.float64))
  return params, state, history


def hand_ema(history, decay, start=0, every=1, warmup=False, debias=False):
  avg, n, prod = np.zeros(2), 0, 1.0
  for step, p in enumerate(history):
    if step >= start and (step - start) % every == 0:
      d = decay(step) if callable(decay) else decay
      if warmup:
        d = min(d, (1 + n) / (10 + n))
      if debias:
        m = avg * (1 - prod)  # the biased average behind the debiased one
        prod *= d
        m = d * m + (1 - d) * p
        avg = m / (1 - prod)
      else:
        avg = d * avg + (1 - d) * p  # before start_step avg followed the params
      n += 1
    elif n == 0:
      avg = p
  return avg


@pytest.mark.parametrize("kwargs", [
    dict(decay=0.8), dict(decay=0.8, start_step=2), dict(decay=0.8, every=2),
    dict(decay=0.99, decay_warmup=True), dict(decay=0.8, debias=True),
    dict(decay=0.9, debias=True, every=2, start_step=1)])
def test_ema_matches_hand_computation(kwargs):
  lr = jaxlrs.warmup(jaxlrs.cosine(0.1, total_steps=6), warmup_steps=2)
  _, state, history = run(averaging.ema(optax.sgd(lr), **kwargs))
  want = hand_ema(history, kwargs["decay"], kwargs.get("start_step", 0), kwargs.get("every", 1),
                  kwargs.get("decay_warmup", False), kwargs.get("debias", False))
  np.testing.assert_allclose(averaging.averaged_params(state)["w"], want, rtol=1e-6, atol=1e-8)


def test_ema_with_a_decay_schedule():
  decay = jaxlrs.linear(0.5, end_value=0.9, total_steps=6)
  _, state, history = run(averaging.ema(optax.sgd(0.1), decay=decay))
  want = hand_ema(history, lambda k: float(decay(k)))
  np.testing.assert_allclose(averaging.averaged_params(state)["w"], want, rtol=1e-6)


@pytest.mark.parametrize("start,every", [(0, 1), (2, 1), (1, 2)])
def test_swa_is_the_equal_average_of_snapshots(start, every):
  _, state, history = run(averaging.swa(optax.sgd(0.1), start_step=start, every=every))
  snaps = [p for k, p in enumerate(history) if k >= start and (k - start) % every == 0]
  np.testing.assert_allclose(averaging.averaged_params(state)["w"], np.mean(snaps, 0), rtol=1e-6)
  assert int(state.num_averaged) == len(snaps)


def test_bf16_params_average_in_float32():
  # Params move 1 -> 10 in bfloat16; the running mean must track the float64 mean of the values.
  steps = 400
  params = {"w": jnp.ones(4, jnp.bfloat16)}
  grads = [np.full(4, -9.0 / steps)] * steps
  _, state, history = run(averaging.swa(optax.sgd(1.0)), grads, params)
  want = np.mean(history, 0)
  got = np.asarray(averaging.averaged_params(state)["w"], np.float64)
  assert averaging.averaged_params(state)["w"].dtype == jnp.float32
  np.testing.assert_allclose(got, want, rtol=1e-3)
  assert averaging.averaged_params(state, like=params)["w"].dtype == jnp.bfloat16
  _, bad, _ = run(averaging.swa(optax.sgd(1.0), accumulator_dtype=jnp.bfloat16), grads, params)
  assert abs(float(averaging.averaged_params(bad)["w"][0]) - want[0]) / want[0] > 1e-3


def test_chain_with_adamw_and_schedule_under_jit(standard_promotion):
  lr = jaxlrs.warmup(jaxlrs.cosine(1e-2, total_steps=20), warmup_steps=5)
  tx = averaging.ema(optax.chain(optax.clip_by_global_norm(1.0), optax.adamw(lr)), decay=0.9)
  params = {"w": jnp.ones(3), "b": jnp.zeros(2)}
  state = tx.init(params)
  step = jax.jit(lambda g, s, p: tx.update(g, s, p))
  history = []
  for k in range(8):
    g = jax.tree.map(lambda x: jnp.full_like(x, (-1.0) ** k), params)
    updates, state = step(g, state, params)
    params = optax.apply_updates(params, updates)
    history.append(np.asarray(params["w"]))
  avg = history[0]
  for p in history[1:]:
    avg = 0.9 * avg + 0.1 * p
  np.testing.assert_allclose(averaging.averaged_params(state)["w"], avg, rtol=1e-5)
  np.testing.assert_allclose(jaxlrs.current_lr(lr, state), lr(8), rtol=1e-6)


def test_donated_params_and_state():
  # The average must not alias the params at init: a loop that donates both would fail.
  tx = averaging.ema(optax.sgd(0.1), decay=0.5)
  params = {"w": jnp.ones(4)}
  state = tx.init(params)
  step = jax.jit(lambda p, s: _train_step(tx, p, s, jnp.int32(0)), donate_argnums=(0, 1))
  for _ in range(3):
    params, state = step(params, state)
  assert np.all(np.isfinite(averaging.averaged_params(state)["w"]))


def test_missing_params_is_an_error():
  tx = averaging.ema(optax.sgd(0.1))
  state = tx.init({"w": jnp.zeros(1)})
  with pytest.raises(ValueError, match="params"):
    tx.update({"w": jnp.ones(1)}, state)


@pytest.mark.parametrize("call,exc,match", [
    (lambda: averaging.ema(optax.sgd(0.1), decay=1.0), ValueError, "decay"),
    (lambda: averaging.ema(optax.sgd(0.1), decay=-0.1), ValueError, "decay"),
    (lambda: averaging.ema(optax.sgd(0.1), every=0), ValueError, "every"),
    (lambda: averaging.ema(optax.sgd(0.1), start_step=-1), ValueError, "start_step"),
    (lambda: averaging.swa(optax.sgd(0.1), every=1.5), TypeError, "every"),
    (lambda: averaging.swa(lambda g: g), TypeError, "optimizer"),
    (lambda: averaging.averaged_params(optax.sgd(0.1).init({"w": jnp.zeros(1)})), ValueError,
     "No averaging state"),
])
def test_bad_arguments(call, exc, match):
  with pytest.raises(exc, match=match):
    call()


@pytest.mark.parametrize("wrapper", [averaging.ema, averaging.swa])
@pytest.mark.parametrize("dtype", [jnp.int32, np.int8, "int32", bool, jnp.bool_, None, "c8",
                                   "not a dtype", jnp.complex64, jnp.float8_e4m3fn, 3])
def test_accumulator_dtype_must_be_a_float_dtype(wrapper, dtype):
  with pytest.raises(TypeError, match="accumulator_dtype"):
    wrapper(optax.sgd(0.1), accumulator_dtype=dtype)


def test_accumulator_dtype_is_checked_with_a_decay_schedule():
  with pytest.raises(TypeError, match="accumulator_dtype"):
    averaging.ema(optax.sgd(0.1), decay=jaxlrs.constant(0.9), accumulator_dtype=jnp.int32)


@pytest.mark.parametrize("dtype,want", [
    ("float32", jnp.float32), ("f4", jnp.float32), (np.float16, jnp.float16), ("f2", jnp.float16),
    ("bfloat16", jnp.bfloat16), (jnp.bfloat16, jnp.bfloat16), (np.dtype("float32"), jnp.float32)])
def test_accumulator_dtype_accepts_any_spelling_of_a_float_dtype(dtype, want):
  for wrapper in (averaging.ema, averaging.swa):
    state = wrapper(optax.sgd(0.1), accumulator_dtype=dtype).init({"w": jnp.ones(2)})
    assert averaging.averaged_params(state)["w"].dtype == want


def test_one_ema_per_multi_transform_label_gives_the_full_average():
  # Each label's EMA, with its own decay and optimizer, computed by hand over its own parameters.
  params = {"a": jnp.zeros(2), "b": jnp.zeros(2), "c": jnp.zeros(2)}
  labels = {"a": "x", "b": "y", "c": "x"}
  tx = optax.multi_transform({"x": averaging.ema(optax.sgd(0.1), decay=0.8),
                              "y": averaging.ema(optax.sgd(0.3), decay=0.5, start_step=2)}, labels)
  state = tx.init(params)
  update = jax.jit(tx.update)
  history = {k: [] for k in params}
  for g in GRADS:
    updates, state = update({k: jnp.asarray(g, jnp.float32) for k in params}, state, params)
    params = optax.apply_updates(params, updates)
    for k in params:
      history[k].append(np.asarray(params[k], np.float64))
  got = averaging.averaged_params(state)
  assert set(got) == {"a", "b", "c"}
  for k, decay, start in (("a", 0.8, 0), ("b", 0.5, 2), ("c", 0.8, 0)):
    np.testing.assert_allclose(got[k], hand_ema(history[k], decay, start), rtol=1e-6, atol=1e-8)
  assert not np.allclose(got["a"], got["b"])  # b's decay and lr differ: not a copy of a
  like = averaging.averaged_params(state, like=jax.tree.map(lambda p: p.astype(jnp.bfloat16),
                                                            params))
  assert all(v.dtype == jnp.bfloat16 for v in like.values())


def test_two_averages_of_the_same_parameter_are_an_error():
  tx = optax.chain(averaging.ema(optax.sgd(0.1)), averaging.swa(optax.identity()))
  state = tx.init({"w": jnp.zeros(2)})
  with pytest.raises(ValueError, match=r"2 averaging states average the parameter \['w'\]"):
    averaging.averaged_params(state)


def test_averages_over_different_parameter_trees_are_an_error():
  states = tuple(averaging.ema(optax.sgd(0.1)).init({k: jnp.zeros(2)}) for k in "vw")
  with pytest.raises(ValueError, match="different parameter trees"):
    averaging.averaged_params(states)


class Net(nnx.Module):
  def __init__(self, rngs):
    self.lin = nnx.Linear(3, 4, rngs=rngs)
    self.bn = nnx.BatchNorm(4, rngs=rngs)
    self.out = nnx.Linear(4, 1, rngs=rngs)

  def __call__(self, x):
    return self.out(nnx.relu(self.bn(self.lin(x))))


@pytest.mark.slow
def test_nnx_training_loop_and_averaged_model(standard_promotion):
  model = Net(nnx.Rngs(0))
  opt = nnx.Optimizer(model, averaging.swa(optax.adamw(1e-2), start_step=3), wrt=nnx.Param)
  x = jnp.asarray(np.random.default_rng(0).normal(size=(16, 3)), jnp.float32)
  snaps = []
  for _ in range(6):
    grads = nnx.grad(lambda m: jnp.mean(m(x) ** 2))(model)
    opt.update(model, grads)
    snaps.append(np.asarray(model.lin.kernel[...]))
  current = np.asarray(model.lin.kernel[...])
  with averaging.averaged_model(model, opt):
    np.testing.assert_allclose(model.lin.kernel[...], np.mean(snaps[3:], 0), rtol=1e-5)
  np.testing.assert_array_equal(model.lin.kernel[...], current)  # restored


def test_nnx_batch_norm_refresh_is_the_equal_average():
  model = Net(nnx.Rngs(0))
  rng = np.random.default_rng(1)
  batches = [jnp.asarray(rng.normal(i, 1.0 + i, size=(8, 3)), jnp.float32) for i in range(3)]
  averaging.refresh_nnx_batch_norm(model, batches)
  feats = [np.asarray(model.lin(b)) for b in batches]
  np.testing.assert_allclose(model.bn.mean[...], np.mean([f.mean(0) for f in feats], 0),
                             rtol=1e-5, atol=1e-6)
  np.testing.assert_allclose(model.bn.var[...], np.mean([f.var(0) for f in feats], 0), rtol=1e-4)
  assert model.bn.momentum == 0.99 and model.bn.use_running_average is False


class LinenNet(linen.Module):
  @linen.compact
  def __call__(self, x, train=True):
    x = linen.Dense(4)(x)
    return linen.BatchNorm(use_running_average=not train, momentum=0.9)(x)


def test_linen_batch_stats_refresh_recovers_each_batch():
  net = LinenNet()
  x0 = jnp.ones((8, 3))
  variables = net.init(jax.random.PRNGKey(0), x0)
  rng = np.random.default_rng(2)
  batches = [jnp.asarray(rng.normal(i, 2.0, size=(8, 3)), jnp.float32) for i in range(4)]
  stats = averaging.refresh_batch_stats(net.apply, variables["params"],
                                        variables["batch_stats"], batches, train=True)
  kernel = np.asarray(variables["params"]["Dense_0"]["kernel"])
  bias = np.asarray(variables["params"]["Dense_0"]["bias"])
  feats = [np.asarray(b) @ kernel + bias for b in batches]
  np.testing.assert_allclose(stats["BatchNorm_0"]["mean"], np.mean([f.mean(0) for f in feats], 0),
                             rtol=1e-4, atol=1e-5)
  np.testing.assert_allclose(stats["BatchNorm_0"]["var"], np.mean([f.var(0) for f in feats], 0),
                             rtol=1e-3)


def test_orbax_checkpoint_resume_is_bit_identical(tmp_path, standard_promotion):
  import orbax.checkpoint as ocp

  lr = jaxlrs.warmup(jaxlrs.cosine(1e-2, total_steps=20), warmup_steps=3)
  tx = averaging.ema(optax.adamw(lr), decay=0.9, debias=True)
  step = jax.jit(lambda p, s, k: _train_step(tx, p, s, k))
  params = {"w": jnp.linspace(-1, 1, 6), "b": jnp.zeros(2)}
  state = tx.init(params)
  full_p, full_s = params, state
  for k in range(10):
    full_p, full_s = step(full_p, full_s, k)
  p, s = params, state
  for k in range(4):
    p, s = step(p, s, k)
  with ocp.StandardCheckpointer() as ckpt:
    ckpt.save(tmp_path / "ckpt", {"params": p, "opt_state": s})
  with ocp.StandardCheckpointer() as ckpt:
    restored = ckpt.restore(tmp_path / "ckpt", {"params": p, "opt_state": s})
  p, s = restored["params"], restored["opt_state"]
  assert isinstance(s, averaging.AveragingState)
  for k in range(4, 10):
    p, s = step(p, s, k)
  for a, b in zip(jax.tree.leaves((p, s)), jax.tree.leaves((full_p, full_s))):
    np.testing.assert_array_equal(a, b)


def _train_step(tx, params, state, k):
  grads = jax.tree.map(lambda x: jnp.sin(x + k.astype(x.dtype)), params)
  updates, state = tx.update(grads, state, params)
  return optax.apply_updates(params, updates), state


SHARDING_SCRIPT = textwrap.dedent("""
    import jax, jax.numpy as jnp, numpy as np, optax
    from jax.sharding import Mesh, NamedSharding, PartitionSpec as P
    import jaxlrs
    from jaxlrs import averaging
    assert jax.device_count() == 8, jax.devices()
    mesh = Mesh(np.array(jax.devices()), ("x",))
    shard = NamedSharding(mesh, P("x"))
    params = {"w": jax.device_put(jnp.arange(64.0).reshape(16, 4), shard),
              "v": jax.device_put(jnp.ones(32), shard)}
    for tx in (averaging.ema(optax.adamw(jaxlrs.cosine(1e-2, total_steps=10)), decay=0.9, every=2),
               averaging.swa(optax.sgd(0.1), start_step=1)):
      state = jax.jit(tx.init)(params)
      assert state.average["w"].sharding.is_equivalent_to(shard, 2), state.average["w"].sharding
      def step(p, s):
        g = jax.tree.map(lambda x: 2 * x, p)
        u, s = tx.update(g, s, p)
        return optax.apply_updates(p, u), s
      jstep = jax.jit(step)
      hlo = jstep.lower(params, state).compile().as_text()
      # adamw is elementwise: any collective would come from the averaging
      for op in ("all-gather", "all-reduce", "collective-permute", "all-to-all"):
        assert op not in hlo, op
      p, s = params, state
      for _ in range(3):
        p, s = jstep(p, s)
      assert s.average["w"].sharding.is_equivalent_to(shard, 2)
      assert p["w"].sharding.is_equivalent_to(shard, 2)
    print("OK")
""")


@pytest.mark.slow
def test_sharded_average_needs_no_communication():
  env = {"XLA_FLAGS": "--xla_force_host_platform_device_count=8", "JAX_PLATFORMS": "cpu",
         "PATH": "/usr/bin:/bin"}
  r = subprocess.run([sys.executable, "-c", SHARDING_SCRIPT], capture_output=True, text=True,
                     env=env, timeout=300)
  assert r.returncode == 0, r.stderr[-3000:]
  assert "OK" in r.stdout


def _lowered_text(tx, platforms):
  from jax import export

  params = {"w": jnp.zeros((4,), jnp.float32)}
  state = tx.init(params)

  def step(g, s, p):
    return tx.update(g, s, p)

  return export.export(jax.jit(step), platforms=platforms)(params, state, params).mlir_module()


def test_optimization_barrier_is_a_cpu_only_choice():
  tx = averaging.ema(optax.sgd(0.1), decay=0.9)
  assert "stablehlo.optimization_barrier" in _lowered_text(tx, ["cpu"])
  for platform in ("cuda", "tpu"):
    assert "stablehlo.optimization_barrier" not in _lowered_text(tx, [platform])


def test_every_k_skips_the_averaging_pass_off_averaging_steps():
  # every > 1: the blend sits in a branch taken on averaging steps only; every == 1: no branch.
  def conditionals(every):
    tx = averaging.ema(optax.sgd(0.1), decay=0.9, every=every)
    params = {"w": jnp.zeros((4,), jnp.float32)}
    hlo = jax.jit(tx.update).lower(params, tx.init(params), params).compile().as_text()
    return hlo.count(" conditional(")

  assert conditionals(1) == 0
  assert conditionals(4) >= 1
