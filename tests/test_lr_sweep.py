"""The vmapped sweep: equal to K sequential Optax runs, chunks, other schedule values, nnx,
layer-wise multipliers, closed forms on a quadratic, bad arguments."""

import functools
import itertools

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from flax import nnx

import jaxlrs
from jaxlrs import layerwise

STEPS = 12


def _data():
  kx, kw = jax.random.split(jax.random.PRNGKey(0))
  x = jax.random.normal(kx, (STEPS, 16, 3))
  y = jnp.tanh(x @ jnp.array([[1.0], [-2.0], [0.5]]))
  params = {"hidden": {"kernel": 0.5 * jax.random.normal(kw, (3, 8)), "bias": jnp.zeros(8)},
            "out": {"kernel": jnp.full((8, 1), 0.1), "bias": jnp.zeros(1)}}
  return params, [(x[i], y[i]) for i in range(STEPS)]


def mlp_loss(p, batch):
  x, y = batch
  h = jnp.tanh(x @ p["hidden"]["kernel"] + p["hidden"]["bias"][None])
  return jnp.mean((h @ p["out"]["kernel"] + p["out"]["bias"][None] - y) ** 2)


@functools.partial(jax.jit, static_argnums=0)
def _plain_step(make_opt, sched, p, s, batch):
  loss, grads = jax.value_and_grad(mlp_loss)(p, batch)
  updates, s = make_opt(sched).update(grads, s, p)
  return optax.apply_updates(p, updates), s, loss


def sequential(params, batches, make_opt, sched):
  """One plain Optax run (the schedule is a jit argument: one compile per structure)."""
  state = make_opt(sched).init(params)
  losses = []
  for batch in batches:
    params, state, loss = _plain_step(make_opt, sched, params, state, batch)
    losses.append(float(loss))
  return np.asarray(losses), params


def hf_linear(lr):
  w = STEPS // 10
  return jaxlrs.warmup(jaxlrs.linear(init_value=lr, end_value=0.0, total_steps=STEPS - w),
                       warmup_steps=w)


@pytest.mark.slow
def test_vmapped_sweep_equals_sequential_runs(standard_promotion):
  params, batches = _data()
  values = [1e-3, 1e-2, 3e-2, 1e-1]
  eval_fn = lambda p: mlp_loss(p, batches[0])
  r = jaxlrs.sweep(mlp_loss, params, batches, optax.adam, num_steps=STEPS, values=values,
                   eval_fn=eval_fn)
  for k, v in enumerate(values):
    losses, final = sequential(params, batches, optax.adam, hf_linear(v))
    np.testing.assert_allclose(r.losses[k], losses, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(r.scores[k], eval_fn(final), rtol=1e-5, atol=1e-7)
  np.testing.assert_allclose(r.final_losses, r.losses[:, -1], rtol=1e-12)  # 12 // 10 = 1 step
  assert r.best_value == values[int(np.argmin(r.scores))]
  # Chunks of 3 (the last one padded) and a one-shot iterator replayed for the second chunk.
  chunked = jaxlrs.sweep(mlp_loss, params, iter(batches), optax.adam, num_steps=STEPS,
                         values=values, eval_fn=eval_fn, chunk=3)
  np.testing.assert_allclose(chunked.losses, r.losses, rtol=1e-6, atol=1e-8)
  np.testing.assert_allclose(chunked.scores, r.scores, rtol=1e-6, atol=1e-8)


@pytest.mark.slow
def test_other_schedule_values_and_structures(standard_promotion):
  params, batches = _data()
  end = jaxlrs.sweep(mlp_loss, params, batches, optax.sgd, num_steps=STEPS,
                     values=[0.0, 0.05, 0.1], name="end value",
                     schedule=lambda e: jaxlrs.cosine(init_value=0.1, total_steps=STEPS,
                                                      end_value=e))
  warm = jaxlrs.sweep(mlp_loss, params, batches, optax.sgd, num_steps=STEPS,
                      values=[0, 3, 6], name="warmup steps",  # static: one program each
                      schedule=lambda w: jaxlrs.warmup(jaxlrs.constant(0.1), warmup_steps=int(w)))
  for result, make in ((end, lambda e: jaxlrs.cosine(init_value=0.1, total_steps=STEPS,
                                                       end_value=e)),
                       (warm, lambda w: jaxlrs.warmup(jaxlrs.constant(0.1), warmup_steps=int(w)))):
    for k, v in enumerate(result.values):
      losses, _ = sequential(params, batches, optax.sgd, make(float(v)))
      np.testing.assert_allclose(result.losses[k], losses, rtol=1e-5, atol=1e-7)
  assert "end value" in str(end) and "<- best" in str(end)


def test_constant_lr_on_a_quadratic_is_the_closed_form():
  # SGD on 0.5 h w^2 with a constant rate: loss before step i is 0.5 h (1 - lr h)^(2i).
  h, n = 2.0, 10
  values = np.array([0.1, 0.25, 0.5, 0.75, 1.2, 400.0])
  r = jaxlrs.sweep(lambda w, _: 0.5 * h * jnp.sum(w ** 2), jnp.ones(1), itertools.repeat(None),
                   optax.sgd, num_steps=n, values=values, schedule=jaxlrs.constant)
  expected = 0.5 * h * (1 - np.outer(values, np.full(n, h))) ** (2 * np.arange(n))
  np.testing.assert_allclose(r.losses[:5], expected[:5], rtol=1e-5)
  assert r.best_value == 0.5  # 1 / h: one step to the minimum
  # Stable iff lr < 2 / h = 1: 1.2 grows by 1.96 a step, 400 overflows float32.
  assert r.diverged.tolist() == [False] * 4 + [True, True]


def test_nnx_model_maximize_and_state_unchanged(standard_promotion):
  x = jax.random.normal(jax.random.PRNGKey(1), (32, 3))
  y = (x[:, 0] > 0).astype(jnp.int32)
  model = nnx.Linear(3, 2, rngs=nnx.Rngs(0))
  before = jax.tree.map(np.array, nnx.state(model))

  def loss_fn(m, batch):
    return optax.softmax_cross_entropy_with_integer_labels(m(batch[0]), batch[1]).mean()

  def accuracy(m):
    return jnp.mean((jnp.argmax(m(x), -1) == y).astype(jnp.float32))

  r = jaxlrs.sweep(loss_fn, model, itertools.repeat((x, y)), optax.adam, num_steps=20,
                   num_values=3, min_value=1e-4, max_value=1e-1, eval_fn=accuracy, maximize=True)
  np.testing.assert_allclose(r.values, [1e-4, 10 ** -2.5, 1e-1], rtol=1e-12)
  assert r.best_value == r.values[int(np.argmax(r.scores))] and r.scores.max() > 0.8
  jax.tree.map(np.testing.assert_array_equal, before, jax.tree.map(np.array, nnx.state(model)))


@pytest.mark.slow
def test_multipliers_equal_the_scaled_optimizer():
  params, batches = _data()
  mults = {"hidden": {"kernel": 0.25, "bias": 0.25}, "out": {"kernel": 1.0, "bias": 1.0}}
  kw = dict(num_steps=STEPS, values=[1e-2, 1e-1])
  a = jaxlrs.sweep(mlp_loss, params, batches, optax.sgd, multipliers=mults, **kw)
  b = jaxlrs.sweep(mlp_loss, params, batches,
                   lambda lr: layerwise.scaled(optax.sgd, lr, mults), **kw)
  plain = jaxlrs.sweep(mlp_loss, params, batches, optax.sgd, **kw)
  np.testing.assert_array_equal(a.losses, b.losses)
  assert not np.allclose(a.losses[:, -1], plain.losses[:, -1])


def test_views():
  r = jaxlrs.sweep(lambda w, _: jnp.sum(w ** 2), jnp.ones(2), itertools.repeat(None), optax.sgd,
                   num_steps=10, num_values=4, min_value=1e-2, max_value=1e4, progress=True)
  text = str(r)
  assert text.count("\n") == 1 + 4 and "<- best" in text and "diverged" in text
  import matplotlib

  matplotlib.use("Agg")
  import matplotlib.pyplot as plt

  fig = r.plot()
  assert len(fig.axes) == 2 and fig.axes[0].get_xscale() == "log"
  assert fig.axes[0].get_xlabel() == "peak learning rate"
  plt.close(fig)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"values": [1e-3]}, ValueError, r"values must hold at least 2"),
    ({"values": [1e-3, float("nan")]}, ValueError, r"values\[1\]"),
    ({"values": 1e-3}, TypeError, "values"),
    ({"num_values": 1}, ValueError, "num_values"),
    ({"min_value": 1e-1, "max_value": 1e-3}, ValueError, "min_value must be < max_value"),
    ({"min_value": 0.0}, ValueError, "min_value"),
    ({"num_steps": 0}, ValueError, "num_steps"),
    ({"chunk": 0}, ValueError, "chunk"),
    ({"schedule": lambda lr: optax.constant_schedule(lr)}, TypeError, "jaxlrs schedule"),
    ({"optimizer": optax.sgd(0.1)}, TypeError, "optimizer must be a function"),
    ({"batches": [None] * 4}, ValueError, "ran out after 4 batches; num_steps=5"),
])
def test_bad_arguments(kwargs, error, match):
  kw = {"num_steps": 5, "optimizer": optax.sgd, "batches": itertools.repeat(None), **kwargs}
  with pytest.raises(error, match=match):
    jaxlrs.sweep(lambda w, _: jnp.sum(w ** 2), jnp.ones(2), **kw)


def test_every_run_diverged_has_no_best():
  r = jaxlrs.sweep(lambda w, _: jnp.sum(w ** 2), jnp.ones(2), itertools.repeat(None), optax.sgd,
                   num_steps=40, values=[1e3, 1e4], schedule=jaxlrs.constant)
  assert r.diverged.all()
  with pytest.raises(ValueError, match="Every run diverged"):
    _ = r.best_value
