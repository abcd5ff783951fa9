"""Batch-norm statistics for averaged weights: exact linen refresh, nnx refresh without retracing,
and averaged_model restoring weights and statistics together."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from flax import linen, nnx

from jaxlrs import averaging


class LinenNet(linen.Module):
  momentum: float = 0.99

  @linen.compact
  def __call__(self, x, train=True):
    x = linen.relu(linen.Dense(6)(x))
    x = linen.BatchNorm(use_running_average=not train, momentum=self.momentum)(x)
    x = linen.Dense(4)(x)
    return linen.BatchNorm(use_running_average=not train, momentum=self.momentum)(x)


def batches(n=4, shape=(8, 3), seed=2):
  rng = np.random.default_rng(seed)
  return [jnp.asarray(rng.normal(10.0 + i, 2.0, size=shape), jnp.float32) for i in range(n)]


@pytest.mark.parametrize("momentum", [0.9, 0.99, 0.999])
@pytest.mark.parametrize("deep", [False, True])
def test_linen_refresh_uses_the_module_momentum(momentum, deep):
  net = LinenNet(momentum) if deep else linen.BatchNorm(use_running_average=False,
                                                        momentum=momentum)
  variables = net.init(jax.random.PRNGKey(0), jnp.ones((8, 3)))
  data = batches()
  stats = averaging.refresh_batch_stats(net.apply, variables["params"],
                                        variables["batch_stats"], data)
  # Each batch's own statistics, as flax computes them: the same net with momentum 0.
  exact = net.clone(momentum=0.0)
  per_batch = [exact.apply(variables, b, mutable=["batch_stats"])[1]["batch_stats"] for b in data]
  want = jax.tree.map(lambda *s: sum(s) / len(s), *per_batch)
  for got, ref in zip(jax.tree.leaves(stats), jax.tree.leaves(want)):
    # A single BatchNorm: one float32 rounding of (1 - m) * s undone, plus the two programs'
    # differing rounding of the variance (E[x^2] - E[x]^2), a few ulp. Deeper layers
    # see their input computed by another program (rounding noise ~1e-6). The numeric recovery
    # of m that this replaces was off by up to 7e-5 relative with momentum 0.99.
    np.testing.assert_allclose(got, ref, rtol=3e-6 if deep else 1e-6, atol=5e-8)


class CustomNorm(linen.Module):
  """A normalisation keeping batch_stats that is not linen.BatchNorm: recovered numerically."""

  @linen.compact
  def __call__(self, x):
    mean = self.variable("batch_stats", "mean", jnp.zeros, x.shape[-1:])
    mean.value = 0.75 * mean.value + 0.25 * x.mean(0)
    return x - mean.value[None]


def test_linen_refresh_of_other_modules_is_numeric():
  net = CustomNorm()
  variables = net.init(jax.random.PRNGKey(0), jnp.ones((8, 3)))
  data = batches()
  stats = averaging.refresh_batch_stats(net.apply, {}, variables["batch_stats"], data)
  want = np.mean([np.asarray(b).mean(0) for b in data], 0)
  np.testing.assert_allclose(stats["mean"], want, rtol=1e-5)


def test_linen_refresh_rejects_momentum_one_and_empty_batches():
  net = LinenNet(1.0)
  variables = net.init(jax.random.PRNGKey(0), jnp.ones((8, 3)))
  with pytest.raises(ValueError, match="momentum=1"):
    averaging.refresh_batch_stats(net.apply, variables["params"], variables["batch_stats"],
                                  batches(1), train=True)
  with pytest.raises(ValueError, match="batches is empty"):
    averaging.refresh_batch_stats(net.apply, variables["params"], variables["batch_stats"], [],
                                  train=True)


class Net(nnx.Module):
  def __init__(self, rngs):
    self.lin = nnx.Linear(3, 4, rngs=rngs)
    self.bn = nnx.BatchNorm(4, momentum=0.9, rngs=rngs)
    self.out = nnx.Linear(4, 1, rngs=rngs)

  def __call__(self, x):
    return self.out(nnx.relu(self.bn(self.lin(x))))


def equal_average_of_batch_stats(model, data):
  feats = [np.asarray(model.lin(b), np.float64) for b in data]
  return np.mean([f.mean(0) for f in feats], 0), np.mean([f.var(0) for f in feats], 0)


def test_nnx_refresh_with_a_jitted_forward_traces_once():
  model = Net(nnx.Rngs(0))
  traces = []

  @nnx.jit
  def forward(m, x):
    traces.append(1)
    return m(x)

  data = batches(5)
  averaging.refresh_nnx_batch_norm(model, data, forward)
  assert len(traces) == 1  # the momentum no longer changes per batch
  mean, var = equal_average_of_batch_stats(model, data)
  np.testing.assert_allclose(model.bn.mean[...], mean, rtol=1e-5)
  np.testing.assert_allclose(model.bn.var[...], var, rtol=1e-4)
  assert model.bn.momentum == 0.9 and model.bn.use_running_average is False
  averaging.refresh_nnx_batch_norm(model, data, forward)
  assert len(traces) == 1  # and a second refresh reuses the compiled forward


def test_nnx_refresh_with_empty_batches_leaves_the_model_alone():
  model = Net(nnx.Rngs(0))
  model(batches(1)[0])
  before = np.asarray(model.bn.mean[...])
  with pytest.raises(ValueError, match="batches is empty"):
    averaging.refresh_nnx_batch_norm(model, iter([]))
  np.testing.assert_array_equal(model.bn.mean[...], before)


def train_swa(model, steps=6):
  opt = nnx.Optimizer(model, averaging.swa(optax.adam(1e-1), start_step=2), wrt=nnx.Param)
  x = batches(1, (16, 3))[0]

  @nnx.jit
  def step(model, opt):
    opt.update(model, nnx.grad(lambda m: jnp.mean(m(x) ** 2))(model))

  for _ in range(steps):
    step(model, opt)
  return opt


@pytest.mark.slow
def test_averaged_model_restores_weights_and_batch_stats(standard_promotion):
  model = Net(nnx.Rngs(0))
  opt = train_swa(model)
  weights = np.asarray(model.lin.kernel[...])
  stats = np.asarray(model.bn.mean[...]), np.asarray(model.bn.var[...])
  data = batches(3)
  with averaging.averaged_model(model, opt, data) as swa:
    assert not np.array_equal(swa.lin.kernel[...], weights)
    mean, var = equal_average_of_batch_stats(swa, data)
    np.testing.assert_allclose(swa.bn.mean[...], mean, rtol=1e-5)
    np.testing.assert_allclose(swa.bn.var[...], var, rtol=1e-4)
    kept = nnx.clone(swa)  # the documented way to keep the averaged model
  np.testing.assert_array_equal(model.lin.kernel[...], weights)
  np.testing.assert_array_equal(model.bn.mean[...], stats[0])  # statistics restored too
  np.testing.assert_array_equal(model.bn.var[...], stats[1])
  np.testing.assert_allclose(kept.bn.mean[...], mean, rtol=1e-5)
  np.testing.assert_array_equal(kept.lin.kernel[...],
                                averaging.averaged_params(opt)["lin"]["kernel"])


def test_averaged_model_restores_statistics_refreshed_by_hand(standard_promotion):
  model = Net(nnx.Rngs(0))
  opt = train_swa(model)
  stats = np.asarray(model.bn.var[...])
  with averaging.averaged_model(model, opt):
    averaging.refresh_nnx_batch_norm(model, batches(2), functools.partial(Net.__call__))
    assert not np.array_equal(model.bn.var[...], stats)
  np.testing.assert_array_equal(model.bn.var[...], stats)
