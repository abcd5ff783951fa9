"""The optax port, PyTorch momentum cycling, port signatures, and argument errors of the ports.

Optax is a dependency, so the optax port is compared with optax itself at every step. PyTorch's
momentum values and the torch/timm signatures were recorded by tests/reference/generate.py.
"""

import inspect
import json
import pathlib

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxlrs
from jaxlrs.compat import hf, keras, sambaflow, timm, torch
from jaxlrs.compat import optax as jopt

HERE = pathlib.Path(__file__).parent / "reference"
STEPS = np.concatenate([np.arange(0, 160), [0.5, 3.25, 99.5]]).astype(np.float32)

OPTAX_CASES = [
    ("constant_schedule", dict(value=0.3)),
    ("polynomial_schedule", dict(init_value=1.0, end_value=0.01, power=2, transition_steps=100)),
    ("polynomial_schedule", dict(init_value=1.0, end_value=0.01, power=0.5, transition_steps=50,
                                 transition_begin=7)),
    ("linear_schedule", dict(init_value=0.0, end_value=1.0, transition_steps=1)),
    ("linear_schedule", dict(init_value=1.0, end_value=0.2, transition_steps=40,
                             transition_begin=20)),
    ("piecewise_constant_schedule", dict(init_value=1.0,
                                         boundaries_and_scales={0: 0.5, 10: 0.1, 40: 3.0})),
    ("piecewise_constant_schedule", dict(init_value=1.0)),
    ("exponential_decay", dict(init_value=1.0, transition_steps=10, decay_rate=0.8)),
    ("exponential_decay", dict(init_value=1.0, transition_steps=7, decay_rate=0.5,
                               transition_begin=13, staircase=True, end_value=0.05)),
    ("exponential_decay", dict(init_value=0.1, transition_steps=10, decay_rate=1.5,
                               end_value=0.5)),
    ("cosine_decay_schedule", dict(init_value=1.0, decay_steps=100)),
    ("cosine_decay_schedule", dict(init_value=2.0, decay_steps=64, alpha=0.1, exponent=2.0)),
    ("piecewise_interpolate_schedule", dict(interpolate_type="linear", init_value=1.0,
                                            boundaries_and_scales={4: 0.1, 8: 0.01})),
    ("piecewise_interpolate_schedule", dict(interpolate_type="cosine", init_value=1.0,
                                            boundaries_and_scales={0: 2.0, 30: 0.1, 31: 5.0,
                                                                   90: 0.5})),
    ("linear_onecycle_schedule", dict(transition_steps=100, peak_value=1.0)),
    ("linear_onecycle_schedule", dict(transition_steps=7, peak_value=0.5, pct_start=0.2,
                                      pct_final=0.9, div_factor=10.0, final_div_factor=100.0)),
    ("cosine_onecycle_schedule", dict(transition_steps=100, peak_value=1.0)),
    ("cosine_onecycle_schedule", dict(transition_steps=33, peak_value=0.1, pct_start=0.45,
                                      div_factor=5.0, final_div_factor=50.0)),
    ("warmup_constant_schedule", dict(init_value=0.0, peak_value=1.0, warmup_steps=10)),
    ("warmup_cosine_decay_schedule", dict(init_value=0.0, peak_value=1.0, warmup_steps=10,
                                          decay_steps=110)),
    ("warmup_cosine_decay_schedule", dict(init_value=0.1, peak_value=1.0, warmup_steps=0,
                                          decay_steps=80, end_value=0.05, exponent=1.5)),
    ("warmup_cosine_decay_schedule", dict(init_value=0.1, peak_value=1.0, warmup_steps=1,
                                          decay_steps=80, end_value=0.05)),
    ("warmup_exponential_decay_schedule", dict(init_value=0.0, peak_value=1.0, warmup_steps=10,
                                               transition_steps=10, decay_rate=0.5)),
    ("warmup_exponential_decay_schedule", dict(init_value=0.0, peak_value=1.0, warmup_steps=5,
                                               transition_steps=3, decay_rate=0.9,
                                               transition_begin=4, staircase=True,
                                               end_value=0.3)),
    ("sgdr_schedule", dict(cosine_kwargs=[
        dict(init_value=0.0, peak_value=1.0, warmup_steps=5, decay_steps=30),
        dict(init_value=0.1, peak_value=0.5, warmup_steps=0, decay_steps=20, end_value=0.01),
        dict(init_value=0.0, peak_value=0.25, warmup_steps=10, decay_steps=50)])),
]


@pytest.mark.parametrize("name,kwargs", OPTAX_CASES,
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(OPTAX_CASES)])
def test_optax_port_matches_optax(name, kwargs):
  reference = getattr(optax, name)(**kwargs)
  with jax.numpy_dtype_promotion("standard"):  # optax's interpolation mixes bool and float
    expected = np.asarray(jax.vmap(lambda c: jnp.asarray(reference(c), jnp.float32))(STEPS))
  schedule = getattr(jopt, name)(**kwargs)
  assert isinstance(schedule, jaxlrs.Schedule)
  np.testing.assert_allclose(schedule(STEPS), expected, rtol=2e-5,
                             atol=1e-6 * np.max(np.abs(expected)))
  assert jaxlrs.from_config(schedule.to_config()) == schedule


def test_optax_join_schedules_matches_optax():
  parts = [optax.linear_schedule(0.0, 1.0, 10), optax.cosine_decay_schedule(1.0, 50)]
  expected = optax.join_schedules(parts, [10])(STEPS)
  ours = jopt.join_schedules([jopt.linear_schedule(0.0, 1.0, 10),
                              jopt.cosine_decay_schedule(1.0, 50)], [10])
  np.testing.assert_allclose(ours(STEPS), expected, rtol=2e-5, atol=1e-7)
  mixed = jopt.join_schedules(parts, [10])  # optax callables are accepted as pieces
  np.testing.assert_allclose(mixed(STEPS), expected, rtol=2e-5, atol=1e-7)


@pytest.mark.parametrize("name", jopt.__all__)
def test_optax_signatures_match(name):
  ours = inspect.signature(getattr(jopt, name)).parameters
  theirs = inspect.signature(getattr(optax, name)).parameters
  assert list(ours) == list(theirs)
  for k, p in theirs.items():
    assert ours[k].default == p.default, k


@pytest.mark.parametrize("call,match", [
    (lambda: jopt.linear_schedule(1.0, 0.0, transition_steps=0), "transition_steps"),
    (lambda: jopt.polynomial_schedule(1.0, 0.0, 1.0, 10, transition_begin=-1),
     "transition_begin"),
    (lambda: jopt.exponential_decay(1.0, 10, decay_rate=0.0), "decay_rate"),
    (lambda: jopt.exponential_decay(1.0, -5, decay_rate=0.5), "transition_steps"),
    (lambda: jopt.cosine_decay_schedule(1.0, 10, alpha=2.0), "alpha"),
    (lambda: jopt.warmup_constant_schedule(0.0, 1.0, 0), "warmup_steps"),
    (lambda: jopt.warmup_cosine_decay_schedule(0.0, 1.0, 10, 10), "decay_steps"),
    (lambda: jopt.piecewise_constant_schedule(1.0, {-3: 0.5}), "boundaries_and_scales"),
    (lambda: jopt.piecewise_constant_schedule(1.0, {3: -0.5}), "boundaries_and_scales"),
    (lambda: jopt.piecewise_interpolate_schedule("cubic", 1.0), "interpolate_type"),
    (lambda: jopt.linear_onecycle_schedule(100, 1.0, pct_start=0.9, pct_final=0.5),
     "pct_final"),
    (lambda: jopt.cosine_onecycle_schedule(100, 1.0, div_factor=0.0), "div_factor"),
    (lambda: jopt.join_schedules([jopt.constant_schedule(1.0)] * 2, [5, 3]), "boundaries"),
])
def test_optax_port_rejects_what_optax_accepts(call, match):
  with pytest.raises(ValueError, match=match):
    call()


MOMENTUM = json.loads((HERE / "torch_momentum.json").read_text())


@pytest.mark.parametrize("case", MOMENTUM, ids=[f"{c['name']}-{i}" for i, c in
                                                enumerate(MOMENTUM)])
def test_torch_momentum_matches_pytorch(case):
  scheduler = getattr(torch, case["name"])
  lr, momentum = torch.with_momentum(scheduler, **case["kwargs"])
  assert lr == scheduler(**case["kwargs"])
  np.testing.assert_allclose(momentum(np.asarray(case["steps"])), case["momentum"], rtol=2e-6)


def test_momentum_drives_an_optax_optimizer():
  case = MOMENTUM[3]  # OneCycleLR, SGD
  lr, momentum = torch.with_momentum(torch.OneCycleLR, **case["kwargs"])
  tx = optax.inject_hyperparams(optax.sgd)(learning_rate=lr, momentum=momentum)
  params = {"w": jnp.ones(3)}
  state = tx.init(params)
  seen = []
  step = jax.jit(lambda s: tx.update({"w": jnp.ones(3)}, s, params))
  for _ in range(len(case["steps"])):
    _, state = step(state)
    seen.append(float(state.hyperparams["momentum"]))  # the value update k just used
  np.testing.assert_allclose(seen, case["momentum"], rtol=2e-6)


def test_with_momentum_errors():
  with pytest.raises(ValueError, match="cycle_momentum"):
    torch.with_momentum(torch.CyclicLR, 0.01, 0.1, cycle_momentum=False)
  with pytest.raises(ValueError, match="scheduler"):
    torch.with_momentum(torch.StepLR, 0.1, 10)
  with pytest.raises(ValueError, match="base_momentum"):
    torch.OneCycleLR(0.1, 100, base_momentum=0.99, max_momentum=0.9)


SIGNATURES = json.loads((HERE / "signatures.json").read_text())
EXTRA = {"noise_type"}  # timm's base-class noise argument, accepted by every timm port here


@pytest.mark.parametrize("lib,name", [(lib, n) for lib in ("torch", "timm")
                                      for n in SIGNATURES[lib]])
def test_port_signature_matches_library(lib, name):
  module = {"torch": torch, "timm": timm}[lib]
  params = list(inspect.signature(getattr(module, name)).parameters.values())
  if params[0].name == "lr":  # the port's stand-in for the optimizer
    params = params[1:]
  ours = [[p.name, p.default is not inspect.Parameter.empty,
           None if p.default is inspect.Parameter.empty else repr(p.default)]
          for p in params if p.name not in EXTRA]
  theirs = [p for p in SIGNATURES[lib][name] if p[0] not in EXTRA]  # PlateauLRScheduler has it
  if name == "create_scheduler_v2":  # timm's default milestones are a tuple too
    assert [p[0] for p in ours] == [p[0] for p in theirs]
  else:
    assert ours == theirs


@pytest.mark.parametrize("call,exc,match", [
    (lambda: timm.CosineLRScheduler(0.1, 10, warmup_t=-1), ValueError, "warmup_t"),
    (lambda: timm.CosineLRScheduler(0.1, 10, warmup_t=2.5), TypeError, "warmup_t"),
    (lambda: timm.CosineLRScheduler(0.1, 10, lr_min=0.2), ValueError, "lr_min"),
    (lambda: timm.CosineLRScheduler(0.1, 10, warmup_prefix=1), TypeError, "warmup_prefix"),
    (lambda: timm.CosineLRScheduler(0.1, 10, warmup_lr_init=float("nan")), ValueError,
     "warmup_lr_init"),
    (lambda: timm.CosineLRScheduler(0.1, 10, warmup_lr_init=None), TypeError,
     "warmup_lr_init"),
    (lambda: timm.CosineLRScheduler(0.1, 10, noise_range_t=[5]), ValueError, "noise_range_t"),
    (lambda: timm.CosineLRScheduler(0.1, 10, noise_pct=0.0), ValueError, "noise_pct"),
    (lambda: timm.CosineLRScheduler(0.1, 10, k_decay=0.0), ValueError, "k_decay"),
    (lambda: timm.PolyLRScheduler(0.1, 10, power=-1.0), ValueError, "power"),
    (lambda: timm.TanhLRScheduler(0.1, 10, lb=3.0, ub=3.0), ValueError, "lb"),
    (lambda: timm.StepLRScheduler(0.1, decay_t=0), ValueError, "decay_t"),
    (lambda: timm.StepLRScheduler(0.1, 10, decay_rate=0.0), ValueError, "decay_rate"),
    (lambda: timm.MultiStepLRScheduler(0.1, [30, 10]), ValueError, "decay_t"),
    (lambda: timm.WSDLRScheduler(0.1, 100, decay_t=101), ValueError, "decay_t"),
    (lambda: timm.WSDLRScheduler(0.1, 100, 20, stable_fn="rsqrt"), ValueError,
     "stable_timescale"),
    (lambda: timm.WSDLRScheduler(0.1, 100, 20, decay_fn="exp", decay_ratio=1.0), ValueError,
     "decay_ratio"),
    (lambda: timm.WSDLRScheduler(0.1, 100, 20, decay_fn=lambda f: 1 - f), ValueError,
     "decay_fn"),
    (lambda: timm.create_scheduler_v2(0.1, "cosine", step_on_epochs=False), ValueError,
     "updates_per_epoch"),
    (lambda: timm.create_scheduler_v2(0.1, "nope"), ValueError, "sched"),
    (lambda: timm.create_scheduler_v2(0.1, num_epochs=0), ValueError, "num_epochs"),
    (lambda: torch.CyclicLR(0.01, 0.1, scale_mode="x"), ValueError, "scale_mode"),
    (lambda: torch.CyclicLR(0.1, 0.01), ValueError, "max_lr"),
    (lambda: torch.OneCycleLR(0.1, 100, three_phase=1), TypeError, "three_phase"),
    (lambda: hf.get_scheduler("greedy", 1e-3), ValueError, "reduce_on_plateau"),
    # The user's own values, not the shifted ones the port builds on.
    (lambda: keras.PiecewiseConstantDecay([10, 5], [1.0, 0.5, 0.1]), ValueError,
     r"^boundaries must be strictly increasing \(entry 1 is 5 after 10\), got \(10, 5\)"),
    (lambda: keras.PiecewiseConstantDecay([5, 5], [1.0, 0.5, 0.1]), ValueError,
     r"\(5, 5\)"),
    (lambda: torch.CosineAnnealingWarmRestarts(1.0, 10, T_mult=1.5), TypeError,
     r"^T_mult must be an int, got 1.5"),
])
def test_port_errors_name_the_argument(call, exc, match):
  with pytest.raises(exc, match=match):
    call()


@pytest.mark.parametrize("build", [
    lambda lr: timm.CosineLRScheduler(lr, 50, lr_min=1e-4, warmup_t=5, warmup_lr_init=1e-5),
    lambda lr: timm.TanhLRScheduler(lr, 50, warmup_t=5),
    lambda lr: timm.WSDLRScheduler(lr, 50, 10, lr_min=1e-4, stable_fn="rsqrt", warmup_t=5),
    lambda lr: timm.MultiStepLRScheduler(lr, [10, 20], decay_rate=0.5, warmup_t=3),
    lambda lr: jopt.warmup_cosine_decay_schedule(0.0, lr, 5, 50, end_value=1e-4),
    lambda lr: jopt.exponential_decay(lr, 10, 0.5, end_value=1e-4),
    lambda lr: hf.get_polynomial_decay_schedule_with_warmup(lr, 5, 50),
    lambda lr: torch.with_momentum(torch.OneCycleLR, lr, 50)[0],
    lambda lr: torch.StepLR(lr, 10, gamma=0.5),
    lambda lr: torch.CyclicLR(0.01, lr, step_size_up=30),
    lambda lr: timm.StepLRScheduler(lr, 10, decay_rate=0.5, warmup_t=3),
    # factor checks skip tracers too: vmap and grad over a factor, not only a learning rate
    lambda f: torch.ConstantLR(0.1, factor=f, total_iters=30),
    lambda f: torch.LinearLR(1.0, start_factor=f, total_iters=40),
    lambda f: torch.LinearLR(1.0, start_factor=0.1, end_factor=f, total_iters=40),
    lambda f: torch.MultiStepLR(1.0, [5, 5, 10], gamma=f),
])
def test_ports_build_under_vmap_and_grad(build):
  lrs = jnp.array([0.1, 0.2])
  batched = jax.vmap(lambda lr: build(lr)(20))(lrs)
  np.testing.assert_allclose(batched, [build(0.1)(20), build(0.2)(20)], rtol=1e-6)
  g = jax.grad(lambda lr: build(lr)(20))(0.1)
  fd = (build(0.1 + 1e-3)(20) - build(0.1 - 1e-3)(20)) / 2e-3
  np.testing.assert_allclose(g, fd, rtol=1e-2)


def test_timm_helpers():
  assert timm.get_cycle_length(10, cycle_mul=2.0, cycle_limit=3, warmup_t=5,
                               warmup_prefix=True) == 75
  assert timm.get_cycle_length(7, cycle_limit=2, cycles=3) == 21
  epochs = timm.StepLRScheduler(1.0, decay_t=2, decay_rate=0.5)
  per_update = timm.per_update(epochs, updates_per_epoch=5)
  np.testing.assert_allclose(per_update(np.arange(30)), epochs(np.arange(30) // 5), rtol=1e-7)


def test_timm_noise_is_deterministic_and_bounded():
  s = timm.CosineLRScheduler(0.1, 100, noise_range_t=[0, 100], noise_pct=0.2, noise_seed=3)
  base = timm.CosineLRScheduler(0.1, 100)
  t = np.arange(100)
  ratio = np.asarray(s(t)) / np.asarray(base(t)) - 1
  assert np.all(np.abs(ratio) < 0.2 + 1e-6) and np.std(ratio) > 0.05
  np.testing.assert_array_equal(s(t), s(t))
  np.testing.assert_allclose(jax.jit(s)(t), s(t), rtol=1e-6, atol=1e-8)


def test_readme_compat_snippet_runs():
  readme = (pathlib.Path(__file__).parent.parent / "README.md").read_text()
  section = readme[readme.index("<!-- BEGIN compat -->"):readme.index("<!-- END compat -->")]
  code = section.split("```python\n", 1)[1].split("```", 1)[0]
  namespace = {"optax": optax, "jaxlrs": jaxlrs}
  exec(code, namespace)  # noqa: S102
  tx = namespace["tx"]
  state = tx.init({"w": jnp.zeros(2)})
  assert float(jaxlrs.hyperparams(state)["momentum"]) == pytest.approx(0.95, rel=1e-6)
  for _ in range(299):  # the momentum reaches base_momentum at the peak (step 299)
    _, state = tx.update({"w": jnp.ones(2)}, state, {"w": jnp.zeros(2)})
  assert float(jaxlrs.hyperparams(state)["momentum"]) == pytest.approx(0.85, rel=1e-6)


@pytest.mark.parametrize("call,exc,match", [
    (lambda: hf.get_cosine_with_min_lr_schedule_with_warmup(1e-3, 5, 50, min_lr_rate=1.5),
     ValueError, "min_lr_rate"),
    (lambda: hf.get_cosine_with_min_lr_schedule_with_warmup(1e-3, 5, 50, min_lr=2e-3),
     ValueError, "min_lr"),
    (lambda: hf.get_cosine_with_min_lr_schedule_with_warmup_lr_rate(
        1e-3, 5, 50, min_lr_rate=0.1, warmup_lr_rate=-0.1), ValueError, "warmup_lr_rate"),
    (lambda: hf.get_wsd_schedule(1e-3, 5, 10, 50, min_lr_ratio=2.0), ValueError, "min_lr_ratio"),
    (lambda: hf.get_linear_schedule_with_warmup(1e-3, -1, 50), ValueError, "num_warmup_steps"),
    (lambda: hf.get_linear_schedule_with_warmup(1e-3, 2.5, 50), TypeError, "num_warmup_steps"),
    (lambda: hf.get_constant_schedule_with_warmup(float("nan"), 5), ValueError, "learning_rate"),
    (lambda: hf.get_constant_schedule_with_warmup(None, 5), TypeError, "learning_rate"),
    (lambda: hf.get_scheduler("linear", 1e-3, 5, 50.5), TypeError, "num_training_steps"),
    (lambda: keras.CosineDecay(0.1, 100, alpha=1.5), ValueError, "alpha"),
    (lambda: keras.PolynomialDecay(0.1, 0), ValueError, "decay_steps"),
    (lambda: keras.ExponentialDecay(0.1, 10, 0.5, staircase="yes"), TypeError, "staircase"),
    (lambda: keras.CosineDecay(0.1, 100, warmup_target=1.0, warmup_steps=-5), ValueError,
     "warmup_steps"),
    (lambda: torch.StepLR(0.1, 10, gamma=0.0), ValueError, "gamma"),
    (lambda: torch.ExponentialLR(float("inf"), 0.9), ValueError, "lr"),
    (lambda: sambaflow.get_schedule("fixed_lr", 1e-3, 0, -10), ValueError, "max_steps"),
])
def test_existing_ports_reject_silently_accepted_inputs(call, exc, match):
  with pytest.raises(exc, match=match):
    call()


@pytest.mark.parametrize("decay_steps", [3, 7, 13, 49])
def test_keras_polynomial_cycle_exact_at_multiples(decay_steps):
  s = keras.PolynomialDecay(0.1, decay_steps, end_learning_rate=0.01, power=0.5, cycle=True)
  k = np.arange(1, 30)
  np.testing.assert_array_equal(s(k * decay_steps), np.float32(0.01))  # Keras: the cycle's end
  t = k * decay_steps + 1  # the next cycle, on the horizon (k + 1) * decay_steps
  expected = 0.09 * (1 - t / ((k + 1) * decay_steps)) ** 0.5 + 0.01
  np.testing.assert_allclose(s(t), expected, rtol=2e-6)


@pytest.mark.parametrize("kwargs", [dict(total_steps=100),
                                    dict(total_steps=101, pct_start=0.25, three_phase=True)])
def test_one_cycle_linear_exact_at_both_ends(kwargs):
  s = torch.OneCycleLR(0.1, anneal_strategy="linear", **kwargs)
  last = kwargs["total_steps"] - 1
  assert float(s(0)) == float(np.float32(0.1 / 25))
  assert float(s(last)) == float(np.float32(0.1 / 25 / 1e4))  # PyTorch: 4e-7 (was 4.0233e-7)


def test_momentum_drives_adam_b1_through_jaxlrs_scheduled(standard_promotion):  # optax adam
  case = MOMENTUM[4]  # OneCycleLR three-phase, recorded from torch.optim.Adam betas[0]
  lr, momentum = torch.with_momentum(torch.OneCycleLR, **case["kwargs"])
  tx = jaxlrs.scheduled(optax.adam, learning_rate=lr, b1=momentum)
  params = {"w": jnp.ones(3)}
  state = tx.init(params)
  step = jax.jit(lambda s: tx.update({"w": jnp.ones(3)}, s, params)[1])
  seen = []
  for _ in range(len(case["steps"])):
    seen.append(float(jaxlrs.hyperparams(state)["b1"]))  # the value the next update uses
    state = step(state)
  np.testing.assert_allclose(seen, case["momentum"], rtol=2e-6)


NEGATIVE_LR_CASES = [  # (argument name, port built with that argument negative)
    ("lr", lambda: torch.StepLR(-0.1, 10)),
    ("lr", lambda: torch.MultiStepLR(-0.1, [10, 20])),
    ("lr", lambda: torch.ConstantLR(-0.1)),
    ("lr", lambda: torch.LinearLR(-0.1)),
    ("lr", lambda: torch.ExponentialLR(-0.1, 0.9)),
    ("lr", lambda: torch.PolynomialLR(-0.1)),
    ("lr", lambda: torch.CosineAnnealingLR(-0.1, 50)),
    ("lr", lambda: torch.CosineAnnealingWarmRestarts(-0.1, 10)),
    ("base_lr", lambda: torch.CyclicLR(-0.1, 0.2)),
    ("max_lr", lambda: torch.CyclicLR(0.0, -0.1)),
    ("max_lr", lambda: torch.OneCycleLR(-0.1, total_steps=100)),
    ("max_lr", lambda: torch.with_momentum(torch.OneCycleLR, -0.1, total_steps=100)),
    ("lr", lambda: timm.CosineLRScheduler(-0.1, 50)),
    ("lr", lambda: timm.PolyLRScheduler(-0.1, 50)),
    ("lr", lambda: timm.TanhLRScheduler(-0.1, 50)),
    ("lr", lambda: timm.StepLRScheduler(-0.1, 10)),
    ("lr", lambda: timm.MultiStepLRScheduler(-0.1, [10, 20])),
    ("lr", lambda: timm.WSDLRScheduler(-0.1, 50, 10)),
    ("lr", lambda: timm.create_scheduler_v2(-0.1)),
]


@pytest.mark.parametrize("name,call", NEGATIVE_LR_CASES)
def test_torch_and_timm_ports_reject_a_negative_learning_rate(name, call):
  with pytest.raises(ValueError, match=f"^{name} must be a non-negative learning rate"):
    call()


def test_torch_and_timm_ports_accept_a_zero_learning_rate():
  assert float(torch.StepLR(0.0, 10)(5)) == 0.0
  assert float(torch.CyclicLR(0.0, 0.0)(5)) == 0.0
  assert float(timm.CosineLRScheduler(0.0, 50)(5)) == 0.0


def _two(n=2):  # PyTorch schedulers to chain
  return [torch.StepLR(0.1, 5)] * n


@pytest.mark.parametrize("call,exc,match", [
    (lambda: torch.SequentialLR(_two(), milestones=[5, 10]), ValueError,
     r"^milestones must be one fewer than schedulers \(1 for 2 schedulers\)"),
    (lambda: torch.SequentialLR(_two(3), milestones=[10, 5]), ValueError,
     r"^milestones must be strictly increasing"),
    (lambda: torch.SequentialLR(_two(3), milestones=[5, 5]), ValueError,
     r"^milestones must be strictly increasing"),
    (lambda: torch.SequentialLR(_two(), milestones=[-1]), ValueError,
     r"^milestones\[0\] must be a non-negative step"),
    (lambda: torch.SequentialLR([], milestones=[]), ValueError, r"^schedulers must be non-empty"),
    (lambda: torch.SequentialLR([torch.StepLR(0.1, 5), 3], milestones=[5]), TypeError,
     r"^schedulers\[1\] must be a schedule"),
    (lambda: torch.SequentialLR(torch.StepLR(0.1, 5), milestones=[5]), TypeError,
     r"^schedulers must be a sequence"),
    (lambda: torch.SequentialLR(_two(), milestones=[2.5]), TypeError,
     r"^milestones\[0\] must be an integer"),
    (lambda: torch.SequentialLR(_two(), milestones=5), TypeError,
     r"^milestones must be a sequence"),
    (lambda: torch.MultiStepLR(0.1, [10, -5]), ValueError,
     r"^milestones\[1\] must be a non-negative step"),
    (lambda: torch.MultiStepLR(0.1, 10), TypeError, r"^milestones must be a sequence"),
    (lambda: torch.MultiStepLR(0.1, []), ValueError, r"^milestones must be non-empty"),
    (lambda: torch.MultiStepLR(0.1, [10], gamma=-0.5), ValueError, r"^gamma must be non-negative"),
    (lambda: torch.MultiStepLR(0.1, [10, 10], gamma=-0.5), ValueError,  # repeated milestones
     r"^gamma must be non-negative"),
])
def test_torch_list_arguments_are_named_as_pytorch_names_them(call, exc, match):
  with pytest.raises(exc, match=match):
    call()


# Bad inputs of every PyTorch port: each error must start with the name of an argument of that
# port (``milestones``/``schedulers``, never the core's ``boundaries``/``schedules``/``decay_rate``).
TORCH_BAD_INPUTS = [
    ("StepLR", (0.1,), dict(step_size=0)),
    ("StepLR", (0.1, 10), dict(gamma=0.0)),
    ("MultiStepLR", (0.1, [-5]), {}),
    ("MultiStepLR", (0.1, [5]), dict(gamma=-1.0)),
    ("MultiStepLR", (0.1, 5), {}),
    ("ConstantLR", (0.1,), dict(factor=2.0)),
    ("ConstantLR", (0.1,), dict(total_iters=-1)),
    ("LinearLR", (0.1,), dict(start_factor=0.0)),
    ("LinearLR", (0.1,), dict(end_factor=2.0)),
    ("LinearLR", (0.1,), dict(total_iters=0)),
    ("ExponentialLR", (0.1, 0.0), {}),
    ("PolynomialLR", (0.1, 5), dict(power=-1.0)),
    ("PolynomialLR", (0.1, 0), {}),
    ("CosineAnnealingLR", (0.1, 0), {}),
    ("CosineAnnealingLR", (0.1, 10), dict(eta_min=float("nan"))),
    ("CosineAnnealingWarmRestarts", (0.1, 0), {}),
    ("CosineAnnealingWarmRestarts", (0.1, 10), dict(T_mult=0)),
    ("CyclicLR", (0.1, 1.0), dict(step_size_up=0)),
    ("CyclicLR", (0.1, 1.0), dict(step_size_down=-1)),
    ("CyclicLR", (0.1, 1.0), dict(mode="x")),
    ("CyclicLR", (0.1, 1.0), dict(gamma=2.0)),
    ("CyclicLR", (0.1, 1.0), dict(scale_fn=abs)),
    ("CyclicLR", (0.1, 1.0), dict(base_momentum=0.95)),
    ("CyclicLR", (0.1, 1.0), dict(cycle_momentum=1)),
    ("OneCycleLR", (0.1,), dict(epochs=0, steps_per_epoch=5)),
    ("OneCycleLR", (0.1, 100), dict(pct_start=1.0)),
    ("OneCycleLR", (0.1, 100), dict(anneal_strategy="x")),
    ("OneCycleLR", (0.1, 100), dict(div_factor=0.0)),
    ("OneCycleLR", (0.1, 100), dict(final_div_factor=-1.0)),
    ("SequentialLR", (_two(), [5, 10]), {}),
    ("SequentialLR", (_two(3), [10, 5]), {}),
    ("SequentialLR", (_two(), [-1]), {}),
    ("SequentialLR", ([], []), {}),
    ("SequentialLR", (_two(), [1.5]), {}),
]


@pytest.mark.parametrize("name,args,kwargs", TORCH_BAD_INPUTS,
                         ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(TORCH_BAD_INPUTS)])
def test_every_torch_port_error_names_its_own_argument(name, args, kwargs):
  port = getattr(torch, name)
  with pytest.raises((ValueError, TypeError)) as info:
    port(*args, **kwargs)
  named = str(info.value).split(" ", 1)[0].split("[", 1)[0]
  assert named in inspect.signature(port).parameters, str(info.value)

