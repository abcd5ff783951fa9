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


def test_missing_metric_is_an_error():
  tx = jaxlrs.reduce_on_plateau()
  with pytest.raises(ValueError, match="value="):
    tx.update({"w": jnp.ones(1)}, tx.init({"w": jnp.ones(1)}))


@pytest.mark.parametrize("kwargs,name", [
    (dict(factor=1.0), "factor"), (dict(factor=0.0), "factor"), (dict(patience=-1), "patience"),
    (dict(patience=1.5), "patience"), (dict(cooldown=-1), "cooldown"),
    (dict(min_scale=2.0), "min_scale"), (dict(threshold=-1.0), "threshold"),
    (dict(threshold_mode="relative"), "threshold_mode"), (dict(mode="lowest"), "mode")])
def test_bad_arguments(kwargs, name):
  with pytest.raises((ValueError, TypeError), match=name):
    jaxlrs.reduce_on_plateau(**kwargs)
