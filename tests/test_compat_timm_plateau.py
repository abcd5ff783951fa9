"""timm's metric-driven PlateauLRScheduler port against calls recorded from timm 1.0.31.

tests/reference/generate_plateau.py called ``scheduler.step(epoch, metric)`` on timm's
scheduler (PyTorch's ReduceLROnPlateau inside) and recorded the learning rate after each call;
these tests replay the calls through the Optax transform and need neither torch nor timm.
"""

import json
import pathlib

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxlrs.compat import timm

CASES = json.loads((pathlib.Path(__file__).parent / "reference" / "timm_plateau.json").read_text())


def case_id(case):
  return f"{case['name']}-" + "-".join(f"{k}={v}" for k, v in case["kwargs"].items())


def build(case):
  if case["name"] == "create_scheduler_v2":
    tx, num_epochs = timm.create_scheduler_v2(**case["kwargs"])
    assert num_epochs == case["num_epochs"]
    return tx
  return timm.PlateauLRScheduler(**case["kwargs"])


def replay(tx, calls, with_epoch=True):
  """The learning rate after each ``(epoch, metric)`` call, through the jitted update."""
  update = jax.jit(tx.update)
  state = tx.init(None)
  out = []
  for epoch, metric in calls:
    kwargs = {"epoch": epoch} if with_epoch else {}
    if metric is not None:
      kwargs["value"] = metric
    _, state = update(None, state, **kwargs)
    out.append(float(state.lr))
  return np.asarray(out), state


def assert_values(got, expected):
  expected = np.asarray(expected, np.float64)
  np.testing.assert_allclose(got, expected, rtol=2e-5, atol=1e-7 * np.max(np.abs(expected)))


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_matches_timm_at_every_call(case):
  tx = build(case)
  assert float(tx.init(None).lr) == pytest.approx(case["initial"], rel=1e-6)
  got, _ = replay(tx, case["calls"])
  assert_values(got, case["values"])


def test_references_cover_every_argument_and_path():
  kwargs = [c["kwargs"] for c in CASES if c["name"] == "PlateauLRScheduler"]
  used = set().union(*kwargs)
  assert {"mode", "patience_t", "cooldown_t", "threshold", "decay_rate", "lr_min", "warmup_t",
          "warmup_lr_init", "noise_range_t", "noise_type", "noise_pct", "noise_std",
          "noise_seed"} <= used
  assert {k.get("mode", "max") for k in kwargs} == {"min", "max"}
  assert any(m is None for c in CASES for _, m in c["calls"])  # steps without a metric
  assert sum(c["name"] == "create_scheduler_v2" for c in CASES) >= 3
  assert sum(len(set(c["values"])) > 1 for c in CASES) >= len(CASES) - 2  # reductions happen


@pytest.mark.parametrize("case", [c for c in CASES if [e for e, _ in c["calls"]] ==
                                  list(range(1, len(c["calls"]) + 1))][:6], ids=case_id)
def test_epoch_defaults_to_the_next_one(case):
  # timm's training loop calls step(epoch + 1, metric) after each epoch: value= alone does that.
  got, state = replay(build(case), case["calls"], with_epoch=False)
  assert_values(got, case["values"])
  assert int(state.epoch) == len(case["calls"])


def test_updates_are_scaled_by_the_learning_rate_in_a_chain():
  tx = optax.chain(optax.sgd(1.0, momentum=0.9),
                   timm.PlateauLRScheduler(0.1, patience_t=0, decay_rate=0.5, mode="min"))
  ref = optax.sgd(1.0, momentum=0.9)
  params = {"w": jnp.array([1.0, -2.0])}
  state, ref_state = tx.init(params), ref.init(params)
  grads = {"w": jnp.array([0.5, 0.25])}
  lrs = []
  for k, metric in enumerate([1.0, None, 1.0, None, 2.0, None]):
    updates, state = tx.update(grads, state, params, value=metric)
    direction, ref_state = ref.update(grads, ref_state, params)
    lr = float(state[1].lr)
    lrs.append(lr)
    np.testing.assert_allclose(updates["w"], lr * direction["w"], rtol=1e-6)
  assert lrs == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025, 0.025])


def test_no_metric_and_no_epoch_keeps_the_state():
  tx = timm.PlateauLRScheduler(0.1, warmup_t=4)
  state = tx.init(None)
  _, same = tx.update({"w": jnp.ones(2)}, state)
  assert jax.tree.map(lambda a, b: bool(jnp.all(a == b)), state, same) == jax.tree.map(
      lambda a: True, state)


def test_warmup_ignores_the_metric_and_negative_epochs_read_as_zero():
  tx = timm.PlateauLRScheduler(0.1, warmup_t=4, warmup_lr_init=0.02, patience_t=0, mode="min")
  state = tx.init(None)
  _, state = tx.update(None, state, epoch=-3, value=5.0)
  assert float(state.lr) == pytest.approx(0.02) and int(state.epoch) == 0
  assert float(state.best) == np.inf  # metrics in the warmup are not fed to the plateau
  for epoch in (1, 2, 3, 4):
    _, state = tx.update(None, state, epoch=epoch, value=5.0)
  assert float(state.lr) == pytest.approx(0.1) and int(state.num_bad) == 0


def test_nan_metric_counts_as_no_improvement_and_keeps_rates_finite():
  tx = timm.PlateauLRScheduler(0.1, patience_t=0, mode="min")
  state = tx.init(None)
  for metric in (1.0, float("nan"), float("nan")):
    _, state = tx.update(None, state, value=metric)
  assert float(state.lr) == pytest.approx(0.001) and float(state.best) == 1.0


def test_state_resumes_from_a_checkpoint():
  case = next(c for c in CASES if c["kwargs"].get("noise_range_t") == [6, 30])
  tx = build(case)
  calls = case["calls"]
  _, state = replay(tx, calls[:15])
  saved = jax.tree.map(np.asarray, state)  # what orbax would write
  restored = jax.tree.unflatten(jax.tree.structure(state), jax.tree.leaves(saved))
  update = jax.jit(build(case).update)
  got = []
  for epoch, metric in calls[15:]:
    _, restored = update(None, restored, epoch=epoch, value=metric)
    got.append(float(restored.lr))
  assert_values(np.asarray(got), case["values"][15:])


def test_builds_under_vmap_and_grad_over_values():
  def final_lr(lr, decay_rate):
    tx = timm.PlateauLRScheduler(lr, decay_rate=decay_rate, patience_t=0, mode="min",
                                 warmup_t=2, noise_range_t=[3, 9], noise_seed=1)
    state = tx.init(None)
    for epoch, metric in enumerate([1.0, 1.0, 1.0, 1.0, 0.5, 0.6], start=1):
      _, state = tx.update(None, state, epoch=epoch, value=metric)
    return state.lr

  lrs = jnp.array([0.1, 0.2])
  batched = jax.jit(jax.vmap(final_lr, in_axes=(0, None)))(lrs, 0.5)
  single = jax.jit(final_lr)
  np.testing.assert_allclose(batched, [single(0.1, 0.5), single(0.2, 0.5)], rtol=1e-6)
  grad = jax.jit(jax.grad(final_lr))(0.1, 0.5)
  eps = 1e-3
  fd = (single(0.1 + eps, 0.5) - single(0.1 - eps, 0.5)) / (2 * eps)
  assert np.isfinite(grad) and grad == pytest.approx(float(fd), rel=1e-3)


@pytest.mark.parametrize("call,exc,match", [
    (lambda: timm.PlateauLRScheduler(0.1, decay_rate=1.0), ValueError, "decay_rate"),
    (lambda: timm.PlateauLRScheduler(0.1, decay_rate=0.0), ValueError, "decay_rate"),
    (lambda: timm.PlateauLRScheduler(0.1, threshold=1.0), ValueError, "threshold"),
    (lambda: timm.PlateauLRScheduler(0.1, threshold=-0.1), ValueError, "threshold"),
    (lambda: timm.PlateauLRScheduler(0.1, patience_t=-1), ValueError, "patience_t"),
    (lambda: timm.PlateauLRScheduler(0.1, patience_t=1.5), TypeError, "patience_t"),
    (lambda: timm.PlateauLRScheduler(0.1, cooldown_t=-1), ValueError, "cooldown_t"),
    (lambda: timm.PlateauLRScheduler(0.1, warmup_t=2.5), TypeError, "warmup_t"),
    (lambda: timm.PlateauLRScheduler(0.1, warmup_lr_init=-1.0), ValueError, "warmup_lr_init"),
    (lambda: timm.PlateauLRScheduler(0.1, lr_min=0.2), ValueError, "lr_min"),
    (lambda: timm.PlateauLRScheduler(-0.1), ValueError, "lr"),
    (lambda: timm.PlateauLRScheduler(0.1, mode="mean"), ValueError, "mode"),
    (lambda: timm.PlateauLRScheduler(0.1, noise_range_t=[5]), ValueError, "noise_range_t"),
    (lambda: timm.PlateauLRScheduler(0.1, noise_pct=0.0), ValueError, "noise_pct"),
    (lambda: timm.PlateauLRScheduler(0.1, noise_type="pink"), ValueError, "noise_type"),
    (lambda: timm.PlateauLRScheduler(0.1, noise_seed=1.5), TypeError, "noise_seed"),
    (lambda: timm.PlateauLRScheduler(0.1, initialize=1), TypeError, "initialize"),
    (lambda: timm.create_scheduler_v2(0.1, "plateau", step_on_epochs=False,
                                      updates_per_epoch=10), ValueError, "step_on_epochs"),
    (lambda: timm.create_scheduler_v2(0.1, "plateau", plateau_mode="mean"), ValueError,
     "plateau_mode"),
    (lambda: timm.create_scheduler_v2(0.1, "plateau", patience_epochs=-2), ValueError,
     "patience_epochs"),
])
def test_bad_arguments_name_timms_argument(call, exc, match):
  with pytest.raises(exc, match=match):
    call()


def test_bad_update_arguments():
  tx = timm.PlateauLRScheduler(0.1)
  state = tx.init(None)
  with pytest.raises(ValueError, match="scalar"):
    tx.update(None, state, value=jnp.ones(2))
  with pytest.raises(TypeError, match="epoch"):
    tx.update(None, state, epoch=1.5)


def test_readme_snippet_runs(standard_promotion):  # optax.adamw needs standard promotion
  readme = (pathlib.Path(__file__).parent.parent / "README.md").read_text()
  section = readme[readme.index("<!-- BEGIN compat -->"):readme.index("<!-- END compat -->")]
  blocks = [b.split("```", 1)[0] for b in section.split("```python\n")[1:]]
  code = next(b for b in blocks if "PlateauLRScheduler" in b)
  namespace = {"optax": optax}
  exec(code, namespace)  # noqa: S102 - the README's own code
  assert float(namespace["state"][1].lr) == pytest.approx(1e-4, rel=1e-6)
  assert int(namespace["state"][1].epoch) == 4
