"""reduce_on_plateau: PyTorch ReduceLROnPlateau semantics, with the negative-metric fix."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxlrs


def run(tx, metrics):
  params = {"w": jnp.zeros(2)}
  state = tx.init(params)
  scales = []
  for m in metrics:
    updates, state = tx.update({"w": jnp.ones(2)}, state, params, value=m)
    scales.append(float(updates["w"][0]))
  return np.asarray(scales), state


def reference(metrics, factor, patience, cooldown, min_scale, threshold, rel, mode):
  """A plain-Python ReduceLROnPlateau with the |best| threshold."""
  sign = 1 if mode == "min" else -1
  scale, best, bad, cool, out = 1.0, np.inf, 0, 0, []
  for m in metrics:
    m = sign * m
    margin = threshold * abs(best) if rel else threshold
    improved = m < best - margin if np.isfinite(best) else m < best
    if improved:
      best, bad = m, 0
    else:
      bad += 1
    if cool > 0:
      cool -= 1
      bad = 0
    if bad > patience:
      scale = max(scale * factor, min_scale)
      cool, bad = cooldown, 0
    out.append(scale)
  return np.asarray(out)


@pytest.mark.parametrize("mode", ["min", "max"])
@pytest.mark.parametrize("threshold_mode", ["rel", "abs"])
@pytest.mark.parametrize("cooldown", [0, 2])
def test_matches_reference(mode, threshold_mode, cooldown):
  rng = np.random.default_rng(0)
  metrics = np.r_[np.linspace(1, 0.5, 10), 0.5 + 0.001 * rng.standard_normal(30)]
  if mode == "max":
    metrics = -metrics
  tx = jaxlrs.reduce_on_plateau(factor=0.5, patience=3, cooldown=cooldown, min_scale=0.1,
                                threshold=1e-2, threshold_mode=threshold_mode, mode=mode)
  scales, _ = run(tx, metrics)
  expected = reference(metrics, 0.5, 3, cooldown, 0.1, 1e-2, threshold_mode == "rel", mode)
  np.testing.assert_allclose(scales, expected, rtol=1e-6)
  assert expected[-1] < 1.0  # the plateau was detected


def test_flat_negative_metric_is_no_improvement():
  tx = jaxlrs.reduce_on_plateau(factor=0.5, patience=2)
  scales, _ = run(tx, [-1.0] * 8)
  # Best is set at the first update; updates 2, 3, 4 bring no improvement -> halved on the 4th.
  np.testing.assert_allclose(scales, [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25])


def test_under_jit_in_a_chain_and_checkpointable_state():
  tx = optax.chain(optax.sgd(0.1), jaxlrs.reduce_on_plateau(factor=0.5, patience=0))
  params = {"w": jnp.ones(3)}
  state = tx.init(params)
  step = jax.jit(lambda g, s, p, v: tx.update(g, s, p, value=v))
  for v in [1.0, 1.0, 1.0]:
    updates, state = step({"w": jnp.ones(3)}, state, params, v)
  np.testing.assert_allclose(updates["w"], -0.1 * 0.25, rtol=1e-6)
  leaves = jax.tree.leaves(state)
  assert all(isinstance(x, jax.Array) for x in leaves)


def test_updates_without_a_metric_leave_the_state_alone():
  tx = jaxlrs.reduce_on_plateau(factor=0.5, patience=0)
  params = {"w": jnp.ones(1)}
  state = tx.init(params)
  _, state = tx.update({"w": jnp.ones(1)}, state, value=1.0)
  _, state = tx.update({"w": jnp.ones(1)}, state, value=1.0)  # no improvement: halved
  for _ in range(5):
    before = state
    updates, state = tx.update({"w": jnp.ones(1)}, state)
    np.testing.assert_array_equal(updates["w"], 0.5)
    jax.tree.map(np.testing.assert_array_equal, state, before)


def test_patience_counts_evaluations_not_updates():
  # One per-epoch validation loss, reported once per epoch of 20 updates: patience=5 epochs.
  tx = jaxlrs.reduce_on_plateau(factor=0.1, patience=5)
  state = tx.init({"w": jnp.ones(1)})
  step = jax.jit(lambda s, v: tx.update({"w": jnp.ones(1)}, s, value=v))
  step_no_metric = jax.jit(lambda s: tx.update({"w": jnp.ones(1)}, s))
  scales = []
  for epoch in range(8):
    for i in range(20):
      if i == 0 and epoch > 0:
        updates, state = step(state, 1.0)  # the flat loss of the previous epoch
      else:
        updates, state = step_no_metric(state)
    scales.append(float(updates["w"][0]))
  # Evaluations 1..7 are flat after the first: reduced once, after the 6th bad one (epoch 7).
  np.testing.assert_allclose(scales, [1] * 7 + [0.1], rtol=1e-6)


def test_same_metric_on_every_update_counts_every_update():
  tx = jaxlrs.reduce_on_plateau(factor=0.1, patience=5)
  scales, _ = run(tx, [1.0] * 20)
  # (reporting the same per-epoch loss on every update is what cut the LR 1000x: do not)
  np.testing.assert_allclose(scales[[0, 5, 6, 12, 18]], [1, 1, 0.1, 0.01, 0.001], rtol=1e-5)


@pytest.mark.parametrize("metric", [jnp.ones(3), np.ones((1,)), [1.0, 2.0]])
def test_non_scalar_metric_is_an_error(metric):
  tx = jaxlrs.reduce_on_plateau()
  params = {"w": jnp.ones(3)}
  with pytest.raises(ValueError, match="value"):
    tx.update({"w": jnp.ones(3)}, tx.init(params), value=metric)
  with pytest.raises(ValueError, match="value"):
    jax.jit(lambda v: tx.update({"w": jnp.ones(3)}, tx.init(params), value=v))(jnp.asarray(metric))


@pytest.mark.parametrize("kwargs", [dict(patience=2**31), dict(patience=2**31 - 1),
                                    dict(patience=10**12), dict(patience=0, cooldown=2**31),
                                    dict(patience=0, cooldown=10**12)])
def test_huge_patience_and_cooldown(kwargs):
  tx = jaxlrs.reduce_on_plateau(factor=0.5, **kwargs)
  scales, state = run(tx, [1.0, 1.0, 1.0, 1.0])
  if kwargs["patience"] == 0:  # reduced once, then the cooldown never ends
    np.testing.assert_allclose(scales, [1, 0.5, 0.5, 0.5])
    assert int(state.cooldown) == 2**31 - 1 - 2
  else:
    np.testing.assert_allclose(scales, [1, 1, 1, 1])
  step = jax.jit(lambda s: tx.update({"w": jnp.ones(2)}, s, value=2.0))
  assert np.isfinite(float(step(state)[0]["w"][0]))


@pytest.mark.parametrize("kwargs,name", [
    (dict(factor=1.0), "factor"), (dict(factor=0.0), "factor"), (dict(patience=-1), "patience"),
    (dict(patience=1.5), "patience"), (dict(cooldown=-1), "cooldown"),
    (dict(min_scale=2.0), "min_scale"), (dict(threshold=-1.0), "threshold"),
    (dict(threshold_mode="relative"), "threshold_mode"), (dict(mode="lowest"), "mode")])
def test_bad_arguments(kwargs, name):
  with pytest.raises((ValueError, TypeError), match=name):
    jaxlrs.reduce_on_plateau(**kwargs)
