"""jaxlrs.scheduled: hand-computed updates, one count, float32 values, readers, errors, resume."""

import functools
import json
import pathlib
import subprocess
import sys
import textwrap

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxlrs
from jaxlrs import averaging, layerwise

LR = jaxlrs.warmup(jaxlrs.cosine(0.1, total_steps=6), warmup_steps=2)
B1 = jaxlrs.linear(0.95, end_value=0.85, total_steps=5)
WD = jaxlrs.linear(0.0, end_value=0.2, total_steps=4)
MOM = jaxlrs.piecewise_constant([3], values=[0.5, 0.9])
P0 = {"w": jnp.asarray([-1.0, -0.25, 0.5, 2.0])}


def grads_at(params, k):
  return jax.tree.map(lambda p: jnp.sin(p + jnp.asarray(k, p.dtype)), params)


def train(tx, params, steps, jit=True):
  state = tx.init(params)
  step = jax.jit(tx.update) if jit else tx.update
  out = []
  for k in range(steps):
    updates, state = step(grads_at(params, k), state, params)
    params = optax.apply_updates(params, updates)
    out.append(params)
  return out, state


def test_adamw_equals_hand_computation_with_scheduled_lr_b1_and_weight_decay(standard_promotion):
  steps, b2, eps = 7, 0.999, 1e-8
  history, _ = train(jaxlrs.scheduled(optax.adamw, LR, b1=B1, b2=b2, eps=eps, weight_decay=WD),
                     P0, steps)
  p = np.asarray(P0["w"], np.float64)
  mu, nu = np.zeros_like(p), np.zeros_like(p)
  for k in range(steps):
    lr, b1, wd = float(LR(k)), float(B1(k)), float(WD(k))
    g = np.sin(p + k)
    mu = b1 * mu + (1 - b1) * g
    nu = b2 * nu + (1 - b2) * g * g
    mhat, vhat = mu / (1 - b1 ** (k + 1)), nu / (1 - b2 ** (k + 1))
    p = p - lr * (mhat / (np.sqrt(vhat) + eps) + wd * p)
    np.testing.assert_allclose(history[k]["w"], p, rtol=2e-5, atol=1e-6)


def test_sgd_equals_hand_computation_with_scheduled_lr_and_momentum():
  steps = 7
  history, state = train(jaxlrs.scheduled(optax.sgd, learning_rate=LR, momentum=MOM), P0, steps)
  p = np.asarray(P0["w"], np.float64)
  trace = np.zeros_like(p)
  for k in range(steps):
    trace = np.sin(p + k) + float(MOM(k)) * trace
    p = p - float(LR(k)) * trace
    np.testing.assert_allclose(history[k]["w"], p, rtol=1e-5, atol=1e-7)
  assert int(state.count) == steps  # SGD keeps no count: the wrapper does


def count_leaves(state):
  return [jax.tree_util.keystr(path) for path, _ in jax.tree_util.tree_flatten_with_path(state)[0]
          if "count" in jax.tree_util.keystr(path)]


def test_one_count_for_the_whole_state(standard_promotion):
  tx = optax.chain(jaxlrs.scheduled(optax.adamw, LR, b1=B1, weight_decay=WD),
                   jaxlrs.reduce_on_plateau())
  state = tx.init(P0)
  assert len(count_leaves(state)) == 1
  injected = optax.chain(optax.inject_hyperparams(optax.adamw)(LR, b1=B1, weight_decay=WD),
                         optax.contrib.reduce_on_plateau())
  assert len(count_leaves(injected.init(P0))) > 1
  assert len(jax.tree.leaves(state)) < len(jax.tree.leaves(injected.init(P0)))
  _, state = train(jaxlrs.scheduled(optax.adamw, LR, b1=B1), P0, 3)
  assert int(jaxlrs.step_count(state)) == 3
  assert float(jaxlrs.hyperparams(state)["b1"]) == float(B1(3))


@pytest.mark.parametrize("jit", [False, True])
def test_state_holds_the_values_of_the_next_update(jit, standard_promotion):
  tx = jaxlrs.scheduled(optax.adamw, LR, b1=B1, weight_decay=WD)
  state = tx.init(P0)
  step = jax.jit(tx.update) if jit else tx.update
  for k in range(8):
    values = jaxlrs.hyperparams(state)
    assert {n: float(v) for n, v in values.items()} == {
        "b1": float(B1(k)), "learning_rate": float(LR(k)), "weight_decay": float(WD(k))}
    assert float(jaxlrs.current_lr(state)) == float(LR(k))
    # The next update is exactly the one of the optimizer built from these values.
    # Like with like: jitted against jitted (XLA may fuse and round differently from eager).
    plain = optax.adamw(float(LR(k)), b1=float(B1(k)), weight_decay=float(WD(k)))
    expected, _ = (jax.jit(plain.update) if jit else plain.update)(
        grads_at(P0, k), state.inner_state, P0)
    updates, state = step(grads_at(P0, k), state, P0)
    np.testing.assert_allclose(updates["w"], expected["w"], rtol=1e-6)


def test_bf16_params_see_float32_hyperparameters(standard_promotion):
  params = {"w": jnp.asarray([0.5, -1.0, 2.0], jnp.bfloat16)}
  b2 = jaxlrs.constant(0.999)
  tx = jaxlrs.scheduled(optax.adam, jaxlrs.constant(1e-3), b2=b2)
  state = tx.init(params)
  for k in range(3):
    values = jaxlrs.hyperparams(state)
    assert all(v.dtype == jnp.float32 for v in values.values())
    assert float(values["learning_rate"]) == float(np.float32(1e-3))
    assert float(values["b2"]) == float(np.float32(0.999))
    # Exactly what optax gives with Python floats: 1 - b2 is not computed in bfloat16.
    expected, _ = optax.adam(1e-3, b2=0.999).update(grads_at(params, k), state.inner_state, params)
    updates, state = jax.jit(tx.update)(grads_at(params, k), state, params)
    assert updates["w"].dtype == jnp.bfloat16
    assert state.inner_state[0].mu["w"].dtype == jnp.bfloat16
    np.testing.assert_array_equal(updates["w"], expected["w"])
  # optax.inject_hyperparams casts numbers to bfloat16: b2 = 0.999 becomes 1.0, lr 9.99e-4.
  injected = optax.inject_hyperparams(optax.adam)(1e-3, b2=0.999).init(params)
  assert float(injected.hyperparams["b2"]) == 1.0
  assert float(injected.hyperparams["learning_rate"]) != float(np.float32(1e-3))


def test_float64_under_x64():
  with jax.enable_x64(True):
    tx = jaxlrs.scheduled(optax.sgd, jaxlrs.constant(0.1), momentum=MOM)
    state = tx.init({"w": jnp.zeros(2, jnp.float64)})
    assert jaxlrs.hyperparams(state)["momentum"].dtype == jnp.float64


def test_no_retrace_when_schedule_values_change():
  traces = []

  @jax.jit
  def step(lr, momentum, grads, state, params):
    traces.append(1)
    return jaxlrs.scheduled(optax.sgd, lr, momentum=momentum).update(grads, state, params)

  state = jaxlrs.scheduled(optax.sgd, LR, momentum=MOM).init(P0)
  for k, peak in enumerate((0.1, 0.2, 0.3, 0.4)):
    lr = jaxlrs.warmup(jaxlrs.cosine(peak, total_steps=6), warmup_steps=2)
    mom = jaxlrs.piecewise_constant([3], values=[0.5, peak])
    _, state = step(lr, mom, grads_at(P0, 0), state, P0)
    assert float(jaxlrs.hyperparams(state)["momentum"]) == float(mom(k + 1))
  assert len(traces) == 1


def test_extra_args_reach_plateau_and_reader_agrees_with_llrd(standard_promotion):
  params = {"embeddings": {"w": jnp.ones(2)}, "encoder": {"layer": {"0": {"w": jnp.ones(2)},
                                                                    "1": {"w": jnp.ones(2)}}},
            "classifier": {"w": jnp.ones(2)}}
  mult = layerwise.freeze(layerwise.llrd_multipliers(layerwise.depth_map(params, "bert"), 0.5),
                          ["embeddings"])
  plateau = jaxlrs.reduce_on_plateau(factor=0.5, patience=0)
  tx = layerwise.scaled(lambda lr: optax.chain(jaxlrs.scheduled(optax.sgd, lr), plateau), LR,
                        mult)
  state = tx.init(params)
  step = jax.jit(lambda g, s, p, v: tx.update(g, s, p, value=v))
  step_plain = jax.jit(tx.update)
  grads = jax.tree.map(jnp.ones_like, params)
  metrics = [1.0, None, 1.0, None, 0.5, 2.0, None, None]
  for k, metric in enumerate(metrics):
    lrs = jaxlrs.current_lr(state, multipliers=mult)
    lo, hi = jaxlrs.lr_range(state, multipliers=mult)
    if metric is None:
      updates, state = step_plain(grads, state, params)
      scale = 1.0
    else:
      updates, state = step(grads, state, params, metric)
      scale = 0.5 if metric in (1.0, 2.0) and k > 0 else 1.0  # a no-better metric halves
    jax.tree.map(lambda u, r: np.testing.assert_allclose(-u, r * scale, rtol=1e-6), updates,
                 jax.tree.map(lambda r: jnp.full(2, r), lrs))
    assert float(lrs["embeddings"]["w"]) == 0.0
    np.testing.assert_allclose([lo, hi], [float(lrs["encoder"]["layer"]["0"]["w"]),
                                          float(lrs["classifier"]["w"])], rtol=1e-6)
  assert float(state[0][1].scale) == 0.25


def test_multi_transform_form_with_scheduled_momentum():
  params = {"a": jnp.ones(2), "b": jnp.ones(2)}
  mult = {"a": 0.5, "b": 1.0}
  tx = layerwise.multi_transform(lambda lr: jaxlrs.scheduled(optax.sgd, lr, momentum=MOM), LR,
                                 mult)
  history, state = train(tx, params, 4)
  values = jaxlrs.hyperparams(state)
  assert set(values) == {"lr*0.5/learning_rate", "lr*0.5/momentum", "lr*1.0/learning_rate",
                         "lr*1.0/momentum"}
  np.testing.assert_allclose(values["lr*0.5/learning_rate"], 0.5 * LR(4), rtol=1e-6)
  lo, hi = jaxlrs.lr_range(state)
  np.testing.assert_allclose([lo, hi], [0.5 * LR(4), LR(4)], rtol=1e-6)
  with pytest.raises(ValueError, match="lr_range"):
    jaxlrs.current_lr(state)


def test_ema_decay_schedule_is_a_scheduled_hyperparameter():
  decay = jaxlrs.linear(0.5, end_value=0.9, total_steps=4)
  tx = averaging.ema(optax.sgd(1.0), decay=decay)
  params = {"w": jnp.zeros(())}
  history, state = train(tx, params, 5)
  assert isinstance(state, jaxlrs.ScheduledState)
  assert float(jaxlrs.hyperparams(state)["decay"]) == float(decay(5))
  assert len(count_leaves(state)) == 1  # the averaging count serves both
  avg = 0.0
  for k, p in enumerate(history):
    avg = float(p["w"]) if k == 0 else float(decay(k)) * avg + (1 - float(decay(k))) * float(p["w"])
  np.testing.assert_allclose(averaging.averaged_params(state)["w"], avg, rtol=1e-6)


def test_nnx_optimizer_and_linen_train_state(standard_promotion):
  from flax import nnx
  from flax.training import train_state

  tx = jaxlrs.scheduled(optax.adamw, LR, b1=B1, weight_decay=WD)
  model = nnx.Linear(3, 2, rngs=nnx.Rngs(0))
  opt = nnx.Optimizer(model, tx, wrt=nnx.Param)

  @nnx.jit
  def step(model, opt):
    grads = nnx.grad(lambda m: jnp.sum(m(jnp.ones((1, 3))) ** 2))(model)
    opt.update(model, grads)

  for _ in range(3):
    step(model, opt)
  assert float(jaxlrs.hyperparams(opt)["b1"]) == float(B1(3))
  assert float(jaxlrs.current_lr(opt)) == float(LR(3))

  state = train_state.TrainState.create(apply_fn=None, params=P0, tx=tx)
  for k in range(3):
    state = jax.jit(lambda s, g: s.apply_gradients(grads=g))(state, grads_at(P0, k))
  assert float(jaxlrs.hyperparams(state.opt_state)["weight_decay"]) == float(WD(3))


def test_orbax_checkpoint_resume_is_bit_identical(tmp_path, standard_promotion):
  import orbax.checkpoint as ocp

  tx = averaging.ema(optax.chain(jaxlrs.scheduled(optax.adamw, LR, b1=B1, weight_decay=WD),
                                 jaxlrs.reduce_on_plateau(factor=0.5, patience=0)),
                     decay=jaxlrs.linear(0.5, end_value=0.9, total_steps=6))

  @jax.jit
  def step(p, s, k):
    updates, s = tx.update(grads_at(p, k), s, p, value=jnp.cos(k.astype(jnp.float32)))
    return optax.apply_updates(p, updates), s

  full_p, full_s = P0, tx.init(P0)
  for k in range(10):
    full_p, full_s = step(full_p, full_s, jnp.int32(k))
  p, s = P0, tx.init(P0)
  for k in range(4):
    p, s = step(p, s, jnp.int32(k))
  with ocp.StandardCheckpointer() as ckpt:
    ckpt.save(tmp_path / "ckpt", {"params": p, "opt_state": s})
  with ocp.StandardCheckpointer() as ckpt:
    restored = ckpt.restore(tmp_path / "ckpt", {"params": p, "opt_state": s})
  p, s = restored["params"], restored["opt_state"]
  assert jax.tree.structure(s) == jax.tree.structure(full_s)
  for k in range(4, 10):
    p, s = step(p, s, jnp.int32(k))
  for a, b in zip(jax.tree.leaves((p, s)), jax.tree.leaves((full_p, full_s))):
    np.testing.assert_array_equal(a, b)


REFERENCE = json.loads((pathlib.Path(__file__).parent / "reference" / "hyperparams.json")
                       .read_text())["cases"]


@pytest.mark.parametrize("case", REFERENCE, ids=lambda c: f"{c['optimizer']}-"
                         f"{c['one_cycle'].get('anneal_strategy', 'cos')}")
def test_one_cycle_with_momentum_reproduces_pytorch(case, standard_promotion):
  c = case["one_cycle"]
  shape = {"cos": "cosine", "linear": "linear"}[c.get("anneal_strategy", "cos")]
  common = dict(total_steps=c["total_steps"], rise_fraction=c["pct_start"], shape=shape)
  lr = jaxlrs.one_cycle(c["max_lr"], init_ratio=1 / c["div_factor"],
                        end_ratio=1 / (c["div_factor"] * c["final_div_factor"]), **common)
  # Momentum: max_momentum down to base_momentum and back, on the same phases.
  ratio = c["max_momentum"] / c["base_momentum"]
  momentum = jaxlrs.one_cycle(c["base_momentum"], init_ratio=ratio, end_ratio=ratio, **common)
  if case["optimizer"] == "SGD":
    tx = jaxlrs.scheduled(optax.sgd, lr, momentum=momentum)
  else:
    tx = jaxlrs.scheduled(optax.adamw, lr, b1=momentum,
                          weight_decay=case["optimizer_kwargs"]["weight_decay"])
  params = {"w": jnp.asarray(case["p0"], jnp.float32)}
  state = tx.init(params)
  step = jax.jit(tx.update)
  for k in range(len(case["lr"])):
    values = jaxlrs.hyperparams(state)
    np.testing.assert_allclose(values["learning_rate"], case["lr"][k], rtol=5e-6,
                               atol=1e-7 * max(case["lr"]))
    np.testing.assert_allclose(values["momentum" if case["optimizer"] == "SGD" else "b1"],
                               case["momentum"][k], rtol=1e-6)
    updates, state = step(grads_at(params, k), state, params)
    params = optax.apply_updates(params, updates)
    np.testing.assert_allclose(params["w"], case["params"][k], rtol=2e-5, atol=2e-6)


def _positional_only(learning_rate, /, momentum=0.9):
  return optax.sgd(learning_rate, momentum)


@pytest.mark.parametrize("call,exc,match", [
    (lambda: jaxlrs.scheduled(optax.adamw, LR, b3=B1), ValueError, "b3 is not an argument"),
    (lambda: jaxlrs.scheduled(optax.adamw, LR, nesterov=B1), ValueError, "nesterov"),
    (lambda: jaxlrs.scheduled(optax.adamw, LR, mu_dtype=B1), ValueError, "mu_dtype"),
    (lambda: jaxlrs.scheduled(optax.sgd, LR, accumulator_dtype=B1), ValueError,
     "accumulator_dtype"),
    (lambda: jaxlrs.scheduled(functools.partial(averaging.ema, optax.sgd(0.1)), every=B1),
     ValueError, "every"),
    (lambda: jaxlrs.scheduled(optax.adamw, b1=B1), TypeError, "learning_rate"),
    (lambda: jaxlrs.scheduled(optax.adamw, LR, b1="0.9"), TypeError, "b1"),
    (lambda: jaxlrs.scheduled(_positional_only, learning_rate=LR), ValueError, "learning_rate"),
    (lambda: jaxlrs.scheduled(lambda learning_rate: optax.sgd(learning_rate), LR, b1=B1),
     ValueError, "b1"),
    (lambda: jaxlrs.scheduled(optax.sgd(0.1), momentum=B1), TypeError, "optimizer_factory"),
    (lambda: jaxlrs.scheduled(lambda *a: optax.chain(*a), LR), ValueError, "by name"),
])
def test_bad_arguments_named_at_construction(call, exc, match):
  with pytest.raises(exc, match=match):
    call()


def test_a_forwarding_factory_takes_schedules_by_name(standard_promotion):
  def make(learning_rate, **kwargs):
    return optax.adamw(learning_rate, **kwargs)

  state = jaxlrs.scheduled(make, LR, b1=B1, nesterov=True).init(P0)
  assert set(jaxlrs.hyperparams(state)) == {"learning_rate", "b1"}


def test_a_function_for_a_callable_argument_passes_through(standard_promotion):
  mask = lambda p: jax.tree.map(lambda _: False, p)  # noqa: E731
  history, _ = train(jaxlrs.scheduled(optax.adamw, jaxlrs.constant(0.0), weight_decay=WD,
                                      mask=mask), P0, 2)
  np.testing.assert_array_equal(history[-1]["w"], P0["w"])


def test_current_lr_includes_optax_contrib_plateau_scale(standard_promotion):
  tx = optax.chain(jaxlrs.scheduled(optax.sgd, LR), optax.contrib.reduce_on_plateau(
      factor=0.5, patience=0, accumulation_size=1))
  state = tx.init(P0)
  for k, metric in enumerate([1.0, 2.0, 3.0]):
    lr = jaxlrs.current_lr(state)
    updates, state = tx.update(grads_at(P0, k), state, P0, value=metric)
  assert float(state[1].scale) < 1.0
  np.testing.assert_allclose(jaxlrs.current_lr(state), LR(3) * state[1].scale, rtol=1e-6)
  np.testing.assert_allclose(-updates["w"], lr * grads_at(P0, 2)["w"], rtol=1e-6)


def test_current_lr_needs_a_learning_rate():
  state = jaxlrs.scheduled(optax.sgd, 0.1, momentum=MOM).init(P0)
  with pytest.raises(ValueError, match="learning_rate"):
    jaxlrs.current_lr(state)
  np.testing.assert_allclose(jaxlrs.current_lr(state, LR), LR(0))
  np.testing.assert_allclose(jaxlrs.current_lr(LR, state), LR(0))  # the older argument order


def test_readme_section_runs_and_says_true(capsys, standard_promotion):
  readme = (pathlib.Path(__file__).parent.parent / "README.md").read_text()
  section = readme.split("<!-- BEGIN hyperparams -->")[1].split("<!-- END hyperparams -->")[0]
  assert "## Scheduling other hyperparameters" in section
  blocks = [b.split("```")[0] for b in section.split("```python\n")[1:]]
  assert len(blocks) == 2
  ns = {"jax": jax, "jnp": jnp, "optax": optax, "jaxlrs": jaxlrs}
  exec(blocks[0], ns)  # noqa: S102
  values = jaxlrs.hyperparams(ns["opt_state"])
  np.testing.assert_allclose([values["b1"], values["learning_rate"], values["weight_decay"]],
                             [ns["momentum"](1), ns["lr"](1), 0.0005], rtol=1e-6)
  assert 0.85 < float(values["b1"]) < 0.95
  exec(blocks[1], ns)  # noqa: S102
  state = ns["opt_state"]
  np.testing.assert_allclose(jaxlrs.current_lr(state), 0.1 * ns["lr"](15), rtol=1e-6)
  per_param = jaxlrs.current_lr(state, multipliers=ns["multipliers"])
  np.testing.assert_allclose(per_param["dense"]["bias"], 0.05 * ns["lr"](15), rtol=1e-6)
  lo, hi = jaxlrs.lr_range(state, multipliers=ns["multipliers"])
  np.testing.assert_allclose([lo, hi], [0.05 * ns["lr"](15), 0.1 * ns["lr"](15)], rtol=1e-6)
  out = capsys.readouterr().out
  printed = out.splitlines()
  assert printed[0] == ("{'b1': Array(0.94999725, dtype=float32), 'learning_rate': Array(0.00400266, "
                        "dtype=float32), 'weight_decay': Array(0.0005, dtype=float32)}")
  assert printed[1] == "0.00045949104"
  assert printed[0].replace("dtype=float32", "...") in section.replace("\n# ", "")


SHARDING_SCRIPT = textwrap.dedent("""
    import jax, jax.numpy as jnp, numpy as np, optax
    from jax.sharding import Mesh, NamedSharding, PartitionSpec as P
    import jaxlrs
    jax.config.update("jax_numpy_dtype_promotion", "standard")
    assert jax.device_count() == 8, jax.devices()
    shard = NamedSharding(Mesh(np.array(jax.devices()), ("x",)), P("x"))
    params = {"w": jax.device_put(jnp.arange(64.0).reshape(16, 4), shard)}
    tx = jaxlrs.scheduled(optax.adamw, jaxlrs.cosine(1e-2, total_steps=10),
                          b1=jaxlrs.linear(0.95, end_value=0.85, total_steps=10),
                          weight_decay=jaxlrs.linear(0.0, end_value=0.1, total_steps=10))
    state = jax.jit(tx.init)(params)
    def step(p, s):
      u, s = tx.update(jax.tree.map(jnp.cos, p), s, p)
      return optax.apply_updates(p, u), s
    jstep = jax.jit(step)
    hlo = jstep.lower(params, state).compile().as_text()
    for op in ("all-gather", "all-reduce", "collective-permute", "all-to-all"):
      assert op not in hlo, op
    p, s = params, state
    for _ in range(3):
      p, s = jstep(p, s)
    assert s.inner_state[0].mu["w"].sharding.is_equivalent_to(shard, 2)
    assert p["w"].sharding.is_equivalent_to(shard, 2)
    assert float(jaxlrs.hyperparams(s)["b1"]) == float(jaxlrs.linear(0.95, end_value=0.85, total_steps=10)(3))
    print("OK")
""")


def test_sharded_state_needs_no_communication():
  env = {"XLA_FLAGS": "--xla_force_host_platform_device_count=8", "JAX_PLATFORMS": "cpu",
         "PATH": "/usr/bin:/bin"}
  r = subprocess.run([sys.executable, "-c", SHARDING_SCRIPT], capture_output=True, text=True,
                     env=env, timeout=300, cwd=pathlib.Path(__file__).parent.parent)
  assert r.returncode == 0, r.stderr[-3000:]
  assert "OK" in r.stdout


def test_vmap_over_schedule_values_is_a_sweep():
  def final_params(peak):
    tx = jaxlrs.scheduled(optax.sgd, jaxlrs.cosine(peak, total_steps=6),
                          momentum=jaxlrs.linear(0.5, end_value=peak, total_steps=4))
    params, state = P0, tx.init(P0)
    for k in range(3):
      updates, state = tx.update(grads_at(params, k), state, params)
      params = optax.apply_updates(params, updates)
    return params["w"], jaxlrs.hyperparams(state)["momentum"]

  peaks = jnp.asarray([0.1, 0.6, 0.9])
  swept, momenta = jax.jit(jax.vmap(final_params))(peaks)
  for i, peak in enumerate([0.1, 0.6, 0.9]):
    w, m = final_params(peak)
    np.testing.assert_allclose(swept[i], w, rtol=1e-6)
    np.testing.assert_allclose(momenta[i], m, rtol=1e-6)
