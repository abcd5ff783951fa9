"""The LR range test: closed forms on quadratics, the divergence stop, suggestions, state left
untouched (linen and nnx), layer-wise multipliers, views and bad arguments."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from flax import nnx

import jaxlrs
from jaxlrs import layerwise

H = np.geomspace(0.1, 1.0, 8)  # curvatures: gradient descent is stable iff lr < 2 / max(H) = 2


def quadratic(h):
  h = jnp.asarray(h, jnp.float32)
  return lambda w, batch: 0.5 * jnp.sum(h * w ** 2)


def closed_form(h, lrs):
  """Loss before update i of SGD on 0.5 sum h w^2 from w = 1: 0.5 sum h prod_{j<i} (1-lr_j h)^2."""
  factors = np.concatenate([np.ones((1, len(h))), np.cumprod((1 - np.outer(lrs, h)) ** 2, 0)])
  return 0.5 * (factors[: len(lrs)] * h).sum(1)


def run(h=H, **kw):
  kw = {"min_lr": 1e-3, "max_lr": 100.0, "num_steps": 100, "smoothing": 0.0, **kw}
  return jaxlrs.find_lr(quadratic(h), jnp.ones(len(h)), itertools.repeat(None), optax.sgd, **kw)


def test_ramp_and_losses_match_the_closed_form():
  r = run(diverge_factor=None, max_lr=3.0)
  i = np.arange(100)
  np.testing.assert_allclose(r.lrs, 1e-3 * 3000.0 ** (i / 99), rtol=2e-6)
  np.testing.assert_allclose(r.losses, closed_form(H, r.lrs), rtol=2e-4)
  assert not r.stopped_early and len(r.losses) == 100
  lin = run(diverge_factor=None, max_lr=1.0, mode="linear", num_steps=20)
  np.testing.assert_allclose(lin.lrs, 1e-3 + (1.0 - 1e-3) * np.arange(20) / 19, rtol=2e-6)
  np.testing.assert_allclose(lin.losses, closed_form(H, lin.lrs), rtol=2e-4)


def test_single_curvature_minimum_is_where_the_lr_crosses_two_over_h():
  h = 4.0  # every mode contracts iff lr < 2 / h = 0.5: the loss falls until the ramp passes it
  r = run([h], min_lr=1e-3, max_lr=50.0, num_steps=80, skip_start=0, skip_end=0)
  m = int(np.argmax(r.lrs > 2 / h))  # the first ramp LR above the edge
  assert r.lrs[m - 1] < 2 / h < r.lrs[m]
  assert np.all(np.diff(r.losses[: m + 1]) < 0) and r.losses[m + 1] > r.losses[m]
  assert r.suggest("minimum") == pytest.approx(r.lrs[m] / 10, rel=1e-6)
  assert r.stopped_early and r.lrs[-1] > 2 / h
  for method in ("valley", "steepest"):
    assert 0 < r.suggest(method) < 2 / h  # inside the stable region


def test_multipliers_scale_the_searched_base_lr():
  h = 4.0  # with a multiplier of 0.5 the base LR may go up to 2 / (0.5 h) = 1
  loss = lambda p, batch: 0.5 * h * jnp.sum(p["w"] ** 2)
  kw = dict(min_lr=1e-3, max_lr=100.0, num_steps=100, smoothing=0.0, skip_start=0, skip_end=0)
  params, mults = {"w": jnp.ones(2)}, {"w": 0.5}
  plain = jaxlrs.find_lr(loss, params, itertools.repeat(None), optax.sgd, **kw)
  half = jaxlrs.find_lr(loss, params, itertools.repeat(None), optax.sgd, multipliers=mults, **kw)
  m = int(np.argmax(half.lrs > 1.0))
  assert half.suggest("minimum") == pytest.approx(half.lrs[m] / 10, rel=1e-6)
  assert half.suggest("minimum") > 1.8 * plain.suggest("minimum")
  by_hand = jaxlrs.find_lr(loss, params, itertools.repeat(None),
                           lambda lr: layerwise.scaled(optax.sgd, lr, mults), **kw)
  np.testing.assert_array_equal(half.losses, by_hand.losses)


def test_divergence_stop_follows_the_smoothed_rule():
  r = run(smoothing=0.98)  # defaults of fastai / Lightning: beta 0.98, factor 4
  avg, smoothed = 0.0, []
  for i, loss in enumerate(r.losses):
    avg = 0.98 * avg + 0.02 * loss
    smoothed.append(avg / (1 - 0.98 ** (i + 1)))
  smoothed = np.asarray(smoothed)
  np.testing.assert_allclose(r.smoothed, smoothed, rtol=1e-12)
  best = np.minimum.accumulate(smoothed)
  fired = np.flatnonzero(smoothed > 4 * best)
  assert list(fired) == [len(r.losses) - 1]  # stopped at the first step the rule fires
  assert r.stopped_early and "4 x best" in r.stop_reason
  assert r.lrs[-1] > 2.0  # no loss can rise before the ramp leaves the stable region
  assert np.all(np.diff(r.losses)[r.lrs[:-1] <= 2.0] <= 0)
  looser = run(smoothing=0.98, diverge_factor=100.0)
  assert len(looser.losses) > len(r.losses)


def test_non_finite_loss_stops_without_a_factor():
  r = run(diverge_factor=None, max_lr=1e30, num_steps=200)
  assert r.stopped_early and r.stop_reason == "loss is not finite"
  assert not np.isfinite(r.losses[-1]) and np.all(np.isfinite(r.losses[:-1]))
  assert np.isfinite(r.suggest("valley"))  # suggestions stop before the first non-finite point


def _mlp_data():
  x = jax.random.normal(jax.random.PRNGKey(0), (64, 3))
  y = x @ jnp.array([[1.0], [-2.0], [0.5]]) + 0.3
  return x, y


def test_linen_params_and_nnx_model_agree_and_are_left_unchanged(standard_promotion):
  x, y = _mlp_data()
  model = nnx.Linear(3, 1, rngs=nnx.Rngs(0))
  optimizer = nnx.Optimizer(model, optax.adam(1e-3), wrt=nnx.Param)
  before = jax.tree.map(np.array, (nnx.state(model), nnx.state(optimizer)))
  params = {"kernel": jnp.array(model.kernel[...]), "bias": jnp.array(model.bias[...])}
  params_before = jax.tree.map(np.array, params)
  batches = lambda: itertools.repeat((x, y))

  def nnx_loss(m, batch):
    return jnp.mean((m(batch[0]) - batch[1]) ** 2)

  def linen_loss(p, batch):
    return jnp.mean((batch[0] @ p["kernel"] + p["bias"][None] - batch[1]) ** 2)

  kw = dict(min_lr=1e-4, max_lr=10.0, num_steps=40)
  a = jaxlrs.find_lr(nnx_loss, model, batches, optax.adam, **kw)
  b = jaxlrs.find_lr(linen_loss, params, batches, optax.adam, **kw)
  np.testing.assert_allclose(a.losses, b.losses, rtol=1e-5)
  assert a.losses[len(a.losses) // 2] < a.losses[0]  # it trains
  after = jax.tree.map(np.array, (nnx.state(model), nnx.state(optimizer)))
  jax.tree.map(np.testing.assert_array_equal, before, after)
  jax.tree.map(np.testing.assert_array_equal, params_before, jax.tree.map(np.array, params))
  assert int(optimizer.step[...]) == 0


def test_nnx_non_param_state_is_carried_between_steps():
  class Counting(nnx.Module):
    def __init__(self):
      self.w = nnx.Param(jnp.ones(2))
      self.calls = nnx.BatchStat(jnp.zeros(()))

    def __call__(self):
      self.calls[...] = self.calls[...] + 1
      return 0.0 * jnp.sum(self.w[...]) + self.calls[...]

  model = Counting()
  r = jaxlrs.find_lr(lambda m, _: m(), model, itertools.repeat(None), optax.sgd, num_steps=12,
                     max_lr=1.0, smoothing=0.0, diverge_factor=None)
  np.testing.assert_array_equal(r.losses, np.arange(1, 13))  # the count went on step to step
  assert float(model.calls[...]) == 0.0  # the user's model did not move


def test_result_views():
  r = run(smoothing=0.98)
  text = str(r)
  assert "suggestions: valley" in text and "(default: valley)" in text
  assert "a valley:" in r.plot_terminal(width=40, height=6)
  assert len(r.plot_terminal(width=40, height=6).splitlines()) == 6 + 2 + 1 + 3
  assert set(r.suggestions) == {"valley", "steepest", "minimum"}
  assert r.suggested_lr == r.suggest("valley")
  import matplotlib

  matplotlib.use("Agg")
  fig = r.plot()
  ax = fig.axes[0]
  assert ax.get_xscale() == "log" and ax.get_xlabel() == "learning rate"
  assert len(ax.get_lines()) == 2 + 3  # raw, smoothed, three suggestions
  import matplotlib.pyplot as plt

  plt.close(fig)


def test_progress_bar_runs(capsys):
  r = run(num_steps=20, progress=True, max_lr=1.0)
  assert len(r.losses) == 20


def test_too_few_points_to_suggest():
  r = run(min_lr=1.0, max_lr=1e6, num_steps=10)
  with pytest.raises(ValueError, match="Too few points"):
    r.suggest()
  assert r.suggestions["valley"] is None


@pytest.mark.parametrize("kwargs, error, match", [
    ({"min_lr": 1.0, "max_lr": 1.0}, ValueError, "min_lr must be < max_lr"),
    ({"min_lr": 0.0}, ValueError, "min_lr"),
    ({"max_lr": -1.0}, ValueError, "max_lr"),
    ({"min_lr": "1e-3"}, TypeError, "min_lr"),
    ({"num_steps": 9}, ValueError, "num_steps"),
    ({"num_steps": 10.0}, TypeError, "num_steps"),
    ({"mode": "log"}, ValueError, "mode"),
    ({"smoothing": 1.0}, ValueError, "smoothing"),
    ({"diverge_factor": 1.0}, ValueError, "diverge_factor"),
    ({"method": "steep"}, ValueError, "method"),
    ({"skip_start": -1}, ValueError, "skip_start"),
])
def test_bad_arguments(kwargs, error, match):
  with pytest.raises(error, match=match):
    run(**kwargs)


def test_bad_optimizer_batches_and_running_out():
  loss = quadratic(H)
  with pytest.raises(TypeError, match="optimizer must be a function of the learning rate"):
    jaxlrs.find_lr(loss, jnp.ones(8), itertools.repeat(None), optax.sgd(0.1))
  with pytest.raises(TypeError, match="batches"):
    jaxlrs.find_lr(loss, jnp.ones(8), 3, optax.sgd)
  with pytest.raises(ValueError, match="ran out after 20 batches; num_steps=50"):
    jaxlrs.find_lr(loss, jnp.ones(8), [None] * 20, optax.sgd, max_lr=0.1, num_steps=50)
  r = jaxlrs.find_lr(loss, jnp.ones(8), [None] * 95, optax.sgd, min_lr=1e-3, max_lr=100.0,
                     smoothing=0.0)  # diverges before the data runs out: no error
  assert r.stopped_early
