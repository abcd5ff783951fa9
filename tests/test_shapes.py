"""Elementary shapes: closed-form tables, Optax equivalents, properties and bad arguments."""

import math

import hypothesis.strategies as st
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from hypothesis import given

import jaxlrs

STEPS = np.arange(0, 131, dtype=np.int32)


def close(a, b):
  np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(b, np.float64), rtol=1e-6,
                             atol=1e-7)


# --- closed-form tables (float64 numpy formulas) ---------------------------------------------


def test_linear_table():
  t = np.minimum(STEPS, 100)
  close(jaxlrs.linear(2.0, end_value=0.5, total_steps=100)(STEPS), 2.0 + (0.5 - 2.0) * t / 100)


@pytest.mark.parametrize("power", [0.5, 1.0, 2.0, 3.0])
def test_polynomial_table(power):
  t = np.minimum(STEPS, 100)
  close(jaxlrs.polynomial(1.0, end_value=0.1, total_steps=100, power=power)(STEPS),
        (1.0 - 0.1) * (1 - t / 100) ** power + 0.1)


def test_polynomial_cycle_matches_keras_formula():
  steps = np.arange(0, 350)
  horizon = 100 * np.where(steps == 0, 1, np.ceil(steps / 100))
  expected = (1.0 - 0.1) * (1 - steps / horizon) ** 2 + 0.1
  close(jaxlrs.polynomial(1.0, end_value=0.1, total_steps=100, power=2.0, cycle=True)(steps),
        expected)


@pytest.mark.parametrize("exponent", [1.0, 2.0])
def test_cosine_table(exponent):
  t = np.minimum(STEPS, 100)
  factor = 0.5 * (1 + np.cos(np.pi * t / 100))
  close(jaxlrs.cosine(2.0, total_steps=100, end_value=0.2, exponent=exponent)(STEPS),
        0.2 + (2.0 - 0.2) * factor**exponent)


@pytest.mark.parametrize("staircase", [False, True])
def test_exponential_table(staircase):
  p = STEPS / 10
  p = np.floor(p) if staircase else p
  close(jaxlrs.exponential(2.0, decay_rate=0.9, period_steps=10, staircase=staircase)(STEPS),
        2.0 * 0.9**p)


def test_exponential_end_value_bounds_both_directions():
  close(jaxlrs.exponential(1.0, decay_rate=0.5, period_steps=10, end_value=0.3)(STEPS),
        np.maximum(0.5 ** (STEPS / 10), 0.3))
  close(jaxlrs.exponential(0.1, decay_rate=2.0, period_steps=10, end_value=1.0)(STEPS),
        np.minimum(0.1 * 2.0 ** (STEPS / 10), 1.0))


@pytest.mark.parametrize("staircase", [False, True])
def test_inverse_time_table(staircase):
  p = STEPS / 7
  p = np.floor(p) if staircase else p
  close(jaxlrs.inverse_time(1.0, decay_rate=0.5, period_steps=7, staircase=staircase)(STEPS),
        1.0 / (1 + 0.5 * p))


def test_rsqrt_table_and_t5_form():
  close(jaxlrs.rsqrt(1.0, timescale_steps=10)(STEPS), 1 / np.sqrt(1 + STEPS / 10))
  # After a warmup of w steps, timescale=w gives sqrt(w / max(step, w)).
  s = jaxlrs.warmup(jaxlrs.rsqrt(1.0, timescale_steps=10), warmup_steps=10)
  big = np.arange(10, 130)
  close(s(big), np.sqrt(10 / np.maximum(big, 10)))


def test_piecewise_constant_table_and_boundary_side():
  s = jaxlrs.piecewise_constant([10, 20], values=[1.0, 0.5, 0.25])
  close(s(np.array([0, 9, 10, 19, 20, 1000])), [1.0, 1.0, 0.5, 0.5, 0.25, 0.25])


def test_multistep_and_step_decay_tables():
  close(jaxlrs.multistep(1.0, boundaries=[10, 30], decay_rate=0.5)(
      np.array([0, 9, 10, 29, 30, 999])),
        [1, 1, 0.5, 0.5, 0.25, 0.25])
  close(jaxlrs.step_decay(1.0, period_steps=7, decay_rate=0.5)(STEPS), 0.5 ** np.floor(STEPS / 7))


def test_piecewise_linear_table():
  s = jaxlrs.piecewise_linear([5, 10, 40], values=[0.0, 1.0, 0.1])
  close(s(STEPS), np.interp(STEPS, [5, 10, 40], [0.0, 1.0, 0.1]))
  close(jaxlrs.piecewise_linear([3], values=[0.7])(STEPS), np.full(STEPS.shape, 0.7))


# --- against optax ----------------------------------------------------------------------------

OPTAX_PAIRS = [
    (jaxlrs.constant(0.3), optax.constant_schedule(0.3)),
    (jaxlrs.linear(1.0, end_value=0.1, total_steps=100), optax.linear_schedule(1.0, 0.1, 100)),
    (jaxlrs.polynomial(1.0, end_value=0.1, total_steps=100, power=2.0),
     optax.polynomial_schedule(1.0, 0.1, 2.0, 100)),
    (jaxlrs.cosine(1.0, total_steps=100, end_value=0.1),
     optax.cosine_decay_schedule(1.0, 100, alpha=0.1)),
    (jaxlrs.cosine(1.0, total_steps=100, exponent=2.0),
     optax.cosine_decay_schedule(1.0, 100, exponent=2.0)),
    (jaxlrs.exponential(1.0, decay_rate=0.5, period_steps=10),
     optax.exponential_decay(1.0, 10, 0.5)),
    (jaxlrs.exponential(1.0, decay_rate=0.5, period_steps=10, staircase=True, end_value=0.05),
     optax.exponential_decay(1.0, 10, 0.5, staircase=True, end_value=0.05)),
    (jaxlrs.piecewise_constant([10, 50], values=[1.0, 0.1, 0.01]),
     optax.piecewise_constant_schedule(1.0, {10: 0.1, 50: 0.1})),
]


@pytest.mark.parametrize("ours,theirs", OPTAX_PAIRS, ids=lambda x: getattr(x, "kind", ""))
def test_matches_optax(ours, theirs, standard_promotion):
  steps = jnp.arange(0, 131)
  expected = np.asarray([theirs(int(k)) for k in steps])
  close(ours(steps), expected)


def test_polynomial_power_half_is_finite_past_the_end_unlike_optax():
  s = jaxlrs.polynomial(1.0, end_value=0.0, total_steps=100, power=0.5)
  grads = jax.vmap(jax.grad(s))(jnp.asarray([99.0, 100.0, 101.0, 1e6]))
  assert np.all(np.isfinite(grads))


# --- properties ---------------------------------------------------------------------------------

DECAYS = {
    "linear": lambda v0, v1, n: jaxlrs.linear(v0, end_value=v1, total_steps=n),
    "polynomial": lambda v0, v1, n: jaxlrs.polynomial(v0, end_value=v1, total_steps=n, power=0.7),
    "cosine": lambda v0, v1, n: jaxlrs.cosine(v0, total_steps=n, end_value=v1),
    "anneal_1-sqrt": lambda v0, v1, n: jaxlrs.anneal(v0, end_value=v1, total_steps=n,
                                                     shape="1-sqrt"),
    "anneal_exponential": lambda v0, v1, n: jaxlrs.anneal(v0, end_value=v1, total_steps=n,
                                                          shape="exponential"),
}


@pytest.mark.parametrize("name", sorted(DECAYS))
@given(v0=st.floats(0.01, 10.0), ratio=st.floats(0.0, 1.0), n=st.integers(1, 10_000))
def test_decays_are_monotone_bounded_and_hold(name, v0, ratio, n):
  v1 = max(v0 * ratio, 1e-3) if name == "anneal_exponential" else v0 * ratio
  v1 = min(v1, v0)
  s = DECAYS[name](v0, v1, n)
  steps = np.unique(np.linspace(0, 2 * n, 64).astype(np.int64))
  vals = np.asarray(s(steps), np.float64)
  tol = 1e-5 * v0
  assert np.all(np.diff(vals) <= tol)
  assert np.all(vals <= v0 + tol) and np.all(vals >= v1 - tol)
  np.testing.assert_allclose(vals[steps >= n], v1, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("s", [
    jaxlrs.cosine(1.0, total_steps=100, end_value=0.1),
    jaxlrs.polynomial(1.0, end_value=0.0, total_steps=100, power=2.0),
    jaxlrs.exponential(1.0, decay_rate=0.9, period_steps=10),
    jaxlrs.inverse_time(1.0, decay_rate=0.5, period_steps=10),
    jaxlrs.rsqrt(1.0, timescale_steps=10),
    jaxlrs.piecewise_linear([0, 50, 100], values=[0.0, 1.0, 0.0])],
    ids=lambda s: s.kind)
@given(t=st.floats(0.5, 99.5))
def test_grad_matches_central_difference(s, t):
  if s.kind == "piecewise_linear" and abs(t - 50) < 1e-2:
    return
  with jax.enable_x64(True):
    t64 = jnp.asarray(t, jnp.float64)
    s64 = jax.tree.map(lambda x: jnp.asarray(x, jnp.float64), s)
    h = 1e-4
    fd = (s64(t64 + h) - s64(t64 - h)) / (2 * h)
    np.testing.assert_allclose(jax.grad(s64)(t64), fd, rtol=1e-5, atol=1e-9)


# --- bad arguments ------------------------------------------------------------------------------

BAD = [
    (lambda: jaxlrs.linear(1.0, end_value=0.0, total_steps=0), ValueError, "total_steps"),
    (lambda: jaxlrs.linear(1.0, end_value=0.0, total_steps=-5), ValueError, "total_steps"),
    (lambda: jaxlrs.linear(1.0, end_value=0.0, total_steps=10.0), TypeError, "total_steps"),
    (lambda: jaxlrs.linear(1.0, end_value=0.0, total_steps=True), TypeError, "total_steps"),
    (lambda: jaxlrs.linear(float("nan"), end_value=0.0, total_steps=10), ValueError, "init_value"),
    (lambda: jaxlrs.linear(1.0, end_value=float("inf"), total_steps=10), ValueError, "end_value"),
    (lambda: jaxlrs.linear("1.0", end_value=0.0, total_steps=10), TypeError, "init_value"),
    (lambda: jaxlrs.constant(None), TypeError, "value"),
    (lambda: jaxlrs.constant(True), TypeError, "value"),
    (lambda: jaxlrs.polynomial(1.0, end_value=0.0, total_steps=10, power=-1.0), ValueError,
     "power"),
    (lambda: jaxlrs.polynomial(1.0, end_value=0.0, total_steps=10, cycle="yes"), ValueError,
     "cycle"),
    (lambda: jaxlrs.cosine(1.0, total_steps=0), ValueError, "total_steps"),
    (lambda: jaxlrs.cosine(1.0, total_steps=10, exponent=0.0), ValueError, "exponent"),
    (lambda: jaxlrs.exponential(1.0, decay_rate=0.0, period_steps=10), ValueError, "decay_rate"),
    (lambda: jaxlrs.exponential(1.0, decay_rate=-0.5, period_steps=10), ValueError, "decay_rate"),
    (lambda: jaxlrs.exponential(1.0, decay_rate=0.5, period_steps=0), ValueError, "period_steps"),
    (lambda: jaxlrs.exponential(1.0, decay_rate=0.5, period_steps=2.5), TypeError, "period_steps"),
    (lambda: jaxlrs.inverse_time(1.0, decay_rate=0.0, period_steps=10), ValueError, "decay_rate"),
    (lambda: jaxlrs.inverse_time(1.0, decay_rate=0.5, period_steps=-1), ValueError, "period_steps"),
    (lambda: jaxlrs.rsqrt(1.0, timescale_steps=0), ValueError, "timescale_steps"),
    (lambda: jaxlrs.step_decay(1.0, period_steps=1.5), TypeError, "period_steps"),
    (lambda: jaxlrs.piecewise_constant([20, 10], values=[1.0, 0.5, 0.1]), ValueError, "boundaries"),
    (lambda: jaxlrs.piecewise_constant([10, 10], values=[1.0, 0.5, 0.1]), ValueError, "boundaries"),
    (lambda: jaxlrs.piecewise_constant([-1, 10], values=[1.0, 0.5, 0.1]), ValueError, "boundaries"),
    (lambda: jaxlrs.piecewise_constant([10, 20], values=[1.0, 0.5]), ValueError, "values"),
    (lambda: jaxlrs.piecewise_constant([10.5], values=[1.0, 0.5]), TypeError, "boundaries"),
    (lambda: jaxlrs.piecewise_constant(10, values=[1.0, 0.5]), TypeError, "boundaries"),
    (lambda: jaxlrs.multistep(1.0, boundaries=[], decay_rate=0.1), ValueError, "boundaries"),
    (lambda: jaxlrs.multistep(1.0, boundaries=[30, 20], decay_rate=0.1), ValueError, "boundaries"),
    (lambda: jaxlrs.piecewise_linear([0, 10], values=[1.0]), ValueError, "values"),
    (lambda: jaxlrs.piecewise_linear([], values=[]), ValueError, "boundaries"),
    (lambda: jaxlrs.anneal(1.0, end_value=0.0, total_steps=10, shape="cubic"), ValueError, "shape"),
    (lambda: jaxlrs.anneal(1.0, end_value=0.0, total_steps=10, shape="exponential"), ValueError,
     "end_value"),
]


@pytest.mark.parametrize("make,exc,name", BAD, ids=[f"{b[2]}-{i}" for i, b in enumerate(BAD)])
def test_bad_arguments_raise_naming_the_argument(make, exc, name):
  with pytest.raises(exc, match=name):
    make()


def test_error_message_shows_the_value():
  with pytest.raises(ValueError, match=r"total_steps must be a positive number of steps, got -5"):
    jaxlrs.cosine(1.0, total_steps=-5)


def test_sgd_update_equals_minus_lr_times_grad_traced_once():
  s = jaxlrs.warmup(jaxlrs.cosine(0.1, total_steps=20, end_value=0.01), warmup_steps=5)
  tx = optax.sgd(learning_rate=s)
  params = {"w": jnp.asarray([1.0, -2.0])}
  grads = {"w": jnp.asarray([0.5, 3.0])}
  traces = []

  @jax.jit
  def step(state):
    traces.append(1)
    return tx.update(grads, state)

  state = tx.init(params)
  for k in range(30):
    updates, state = step(state)
    np.testing.assert_allclose(updates["w"], -float(s(k)) * np.asarray(grads["w"]), rtol=1e-6)
  assert len(traces) == 1
  assert math.isclose(float(s(29)), 0.01, rel_tol=1e-6)
