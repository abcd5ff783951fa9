"""Exact steps at any size, finite values and gradients everywhere, and bad steps named.

Step counts past 2**31 and boundaries past 2**24 without jax_enable_x64; NaN, infinite and huge
steps; saturating growth; non-numeric steps; eager == jit.
"""

import datetime
import decimal
import math

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxlrs
from jaxlrs.compat import hf
from jaxlrs.compat import torch as pt

F32_MAX = float(np.finfo(np.float32).max)


def jit_call(s, step):
  return jax.jit(lambda x: s(x))(step)


def close(a, b, rtol=1e-6, atol=0.0):
  np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(b, np.float64), rtol=rtol,
                             atol=atol)


# --- step counts past 2**31 -------------------------------------------------------------------


def test_linear_with_ten_billion_steps():
  s = jaxlrs.linear(1.0, end_value=0.0, total_steps=10**10)
  for step in (10**9, np.int64(10**9), np.float32(1e9), jnp.float32(1e9), 1e9):
    close(s(step), 0.9)
  close(jit_call(s, jnp.float32(1e9)), 0.9)
  close(jit_call(s, jnp.uint32(10**9)), 0.9)
  close(s(10**10 - 10**9), 0.1, rtol=1e-5)


def test_cosine_like_optax_test_suite():
  # optax's own test: a cosine decay over 1e10 steps evaluated at step 1e9.
  s = jaxlrs.cosine(1.0, total_steps=10**10)
  expected = 0.5 * (1 + math.cos(math.pi * 0.1))
  close(s(10**9), expected)
  close(jit_call(s, jnp.float32(1e9)), expected)
  close(optax.cosine_decay_schedule(1.0, int(1e10))(1e9), expected)


BIG = 2**31
LARGE_COUNT_SCHEDULES = {
    "warmup": lambda: jaxlrs.warmup(jaxlrs.constant(1.0), warmup_steps=BIG),
    "warmup_multiplier": lambda: jaxlrs.warmup_multiplier(jaxlrs.constant(1.0),
                                                          warmup_steps=BIG),
    "shift": lambda: jaxlrs.linear(0.0, end_value=1.0, total_steps=100).shift(BIG),
    "cyclic": lambda: jaxlrs.cyclic(0.0, peak_value=1.0, rise_steps=2**30),
    "swa_schedule": lambda: jaxlrs.swa_schedule(jaxlrs.constant(1.0), start_step=BIG,
                                                swa_value=0.5, anneal_steps=BIG),
    "noisy": lambda: jaxlrs.noisy(jaxlrs.constant(1.0), start_step=2 * BIG),
    "polynomial": lambda: jaxlrs.polynomial(1.0, end_value=0.0, total_steps=4 * BIG, power=2.0),
    "polynomial_cycle": lambda: jaxlrs.polynomial(1.0, end_value=0.0, total_steps=4 * BIG,
                                                  cycle=True),
    "exponential": lambda: jaxlrs.exponential(1.0, decay_rate=0.5, period_steps=BIG),
    "inverse_time": lambda: jaxlrs.inverse_time(1.0, decay_rate=1.0, period_steps=BIG),
    "rsqrt": lambda: jaxlrs.rsqrt(1.0, timescale_steps=BIG),
    "anneal": lambda: jaxlrs.anneal(1.0, end_value=0.5, total_steps=4 * BIG, shape="tanh"),
    "piecewise_linear": lambda: jaxlrs.piecewise_linear([0, 4 * BIG], values=[1.0, 0.0]),
    "warmup_stable_decay": lambda: jaxlrs.warmup_stable_decay(
        1.0, total_steps=8 * BIG, warmup_steps=BIG, decay_steps=4 * BIG),
    "cosine_restarts": lambda: jaxlrs.cosine_restarts(1.0, cycle_steps=BIG, warmup_steps=BIG),
    "one_cycle": lambda: jaxlrs.one_cycle(1.0, total_steps=10**10),
    "time_scale": lambda: jaxlrs.linear(1.0, end_value=0.0, total_steps=4 * BIG).time_scale(0.5),
}


@pytest.mark.parametrize("name", sorted(LARGE_COUNT_SCHEDULES))
def test_large_counts_evaluate_and_agree_under_jit(name):
  s = LARGE_COUNT_SCHEDULES[name]()
  steps = np.asarray([0, 3, BIG - 1, BIG, BIG + 5, 2**32 + 7, 2**33, 2**40], np.float32)
  eager = np.asarray(s(steps))
  assert np.all(np.isfinite(eager))
  # Same pieces and positions; the smooth parts may differ in the last bit where XLA folds the
  # closed-over constants of the jitted lambda.
  close(eager, jit_call(s, jnp.asarray(steps)), rtol=1e-6)
  # Scalar calls (host-split Python floats): the same up to XLA's vectorised transcendentals.
  close(eager, [float(s(float(x))) for x in steps], rtol=1e-6)


def test_large_counts_values():
  s = jaxlrs.warmup(jaxlrs.linear(1.0, end_value=0.0, total_steps=100), warmup_steps=BIG)
  close(s(BIG // 2), 0.5)
  close(s(BIG + 50), 0.5)  # exact: 50 steps into the decay
  close(s(np.int64(BIG + 25)), 0.75)
  close(jit_call(s, jnp.uint32(BIG + 50)), 0.5)
  sw = LARGE_COUNT_SCHEDULES["swa_schedule"]()
  close(sw(BIG - 1), 1.0)
  close(sw(BIG + BIG // 2), 0.75)
  close(sw(4 * BIG), 0.5)
  shifted = LARGE_COUNT_SCHEDULES["shift"]()
  close(shifted(BIG + 25), 0.25)
  assert float(shifted(BIG - 1)) == 0.0


# --- integer boundaries compared as integers -----------------------------------------------------


@pytest.mark.parametrize("b", [2**24 + 1, 2**31 + 1, 2**32 + 1, 2**40 + 1])
def test_boundaries_past_float32_switch_exactly(b):
  pieces = {
      "piecewise_constant": jaxlrs.piecewise_constant([b], values=[1.0, 2.0]),
      "multistep": jaxlrs.multistep(1.0, boundaries=[b], decay_rate=2.0),
      "join": jaxlrs.join([jaxlrs.constant(1.0), jaxlrs.constant(2.0)], boundaries=[b]),
      "wsd": jaxlrs.warmup_stable_decay(1.0, total_steps=b + 1, warmup_steps=0, decay_steps=1,
                                        end_value=2.0, init_value=1.0),
  }
  for name, s in pieces.items():
    before, at = (b - 1, b) if name != "wsd" else (b - 1, b + 1)
    for kind in (int, np.int64, np.uint64):
      assert float(s(kind(before))) == 1.0, (name, kind)
      assert float(s(kind(at))) == 2.0, (name, kind)
    if b < 2**32:
      assert float(jit_call(s, jnp.uint32(before))) == 1.0, name
      assert float(jit_call(s, jnp.uint32(at))) == 2.0, name


def test_join_pieces_see_exact_local_steps():
  ramp = jaxlrs.linear(0.0, end_value=1.0, total_steps=100)
  s = jaxlrs.join([jaxlrs.constant(1.0), ramp], boundaries=[2**40])
  close(s(2**40 + 50), 0.5)
  close(s(np.uint64(2**40 + 25)), 0.25)
  # A step count of a piece past 2**24 stays exact (static) inside a join.
  w = jaxlrs.warmup(jaxlrs.constant(1.0), warmup_steps=2**24 + 1)
  s = jaxlrs.join([jaxlrs.constant(5.0), w, jaxlrs.constant(7.0)], boundaries=[10, 2**26])
  close(s(10 + 2**24), (2**24) / (2**24 + 1))
  assert float(s(10 + 2**24 + 1)) == 1.0
  assert float(s(2**26)) == 7.0


def test_cycle_positions_exact_at_huge_steps():
  c = jaxlrs.cyclic(0.0, peak_value=1.0, rise_steps=10)
  close(c(10**15 + 5), 0.5)
  close(c(10**15 + 15), 0.5)
  r = jaxlrs.cosine_restarts(1.0, cycle_steps=10, end_value=0.0)
  close(r(10**15 + 5), 0.5, atol=1e-7)
  # The float32 step 1e12 is 999999995904: with a 5-step warmup, 9 steps into a 10-step cycle.
  s = jaxlrs.cosine_restarts(1.0, cycle_steps=10, warmup_steps=5, end_value=0.1)
  expected = 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * 0.9))
  for step in (jnp.float32(1e12), np.float32(1e12), int(np.float32(1e12))):
    close(s(step), expected, rtol=1e-5)
  close(jit_call(s, jnp.float32(1e12)), expected, rtol=1e-5)


# --- huge, infinite and NaN steps --------------------------------------------------------------


SAMPLES = {
    "linear": jaxlrs.linear(1.0, end_value=0.1, total_steps=100),
    "cosine": jaxlrs.cosine(1.0, total_steps=100, end_value=0.1),
    "warmup": jaxlrs.warmup(jaxlrs.cosine(1.0, total_steps=90), warmup_steps=10),
    "piecewise_constant": jaxlrs.piecewise_constant([10, 20], values=[1.0, 0.5, 0.1]),
    "multistep": jaxlrs.multistep(1.0, boundaries=[10, 20]),
    "join": jaxlrs.join([jaxlrs.constant(1.0), jaxlrs.linear(1.0, end_value=0.1,
                                                              total_steps=50)], boundaries=[5]),
    "one_cycle3": jaxlrs.one_cycle(1.0, total_steps=100, rise_fraction=0.6, three_phase=True),
    "wsd": jaxlrs.warmup_stable_decay(1.0, total_steps=100, warmup_steps=10, decay_steps=20,
                                      end_value=0.1),
    "swa": jaxlrs.swa_schedule(jaxlrs.cosine(1.0, total_steps=50), start_step=50,
                               swa_value=0.2, anneal_steps=10),
    "exponential": jaxlrs.exponential(1.0, decay_rate=0.5, period_steps=10, end_value=0.1),
    "restarts_limit": jaxlrs.cosine_restarts(1.0, cycle_steps=10, cycle_limit=3,
                                             end_value=0.1),
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_huge_steps_hold_the_final_value(name):
  s = SAMPLES[name]
  final = float(s(s.horizon()))
  for step in (10**6, 2**63 - 1, 2**63, 2**70, 10**40, np.uint64(2**64 - 1), np.int64(2**62),
               float("inf"), np.float32(np.inf), np.float64(1e300)):
    assert float(s(step)) == final, step
  assert float(jit_call(s, jnp.float32(jnp.inf))) == final
  assert float(jit_call(s, jnp.uint32(2**32 - 1))) == final


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_nan_step_is_step_zero(name):
  s = SAMPLES[name]
  at0 = float(s(0))
  for step in (float("nan"), np.float32("nan"), np.float64("nan"), jnp.float32(jnp.nan)):
    assert float(s(step)) == at0
  assert float(jit_call(s, jnp.float32(jnp.nan))) == at0
  out = np.asarray(s(np.asarray([np.nan, 5.0, np.nan], np.float32)))
  np.testing.assert_array_equal(out, [at0, float(s(5.0)), at0])
  assert np.isfinite(float(jax.grad(lambda t: s(t))(jnp.float32(jnp.nan))))


@pytest.mark.parametrize("bad", ["5", b"5", None, decimal.Decimal(5), 1 + 2j, np.complex64(1),
                                 np.datetime64("2020-01-01"), datetime.timedelta(1), True,
                                 np.bool_(True), ["a"], [1 + 1j], object()])
def test_non_numeric_steps_raise_type_error(bad):
  with pytest.raises(TypeError, match="step must be a real number"):
    jaxlrs.linear(1.0, end_value=0.0, total_steps=10)(bad)


def test_non_numeric_traced_steps_raise_type_error():
  s = jaxlrs.constant(1.0)
  with pytest.raises(TypeError, match="step must be a real number"):
    jax.jit(lambda x: s(x))(jnp.asarray(1 + 1j))
  with pytest.raises(TypeError, match="step must be a real number"):
    s(jnp.asarray(True))


def test_step_counts_beyond_the_representable_range_are_rejected():
  with pytest.raises(ValueError, match="total_steps"):
    jaxlrs.linear(1.0, end_value=0.0, total_steps=2**62)
  with pytest.raises(ValueError, match=r"boundaries\[1\]"):
    jaxlrs.join([jaxlrs.constant(1.0)] * 3, boundaries=[1, 2**63])


# --- growth saturates; values and gradients finite ----------------------------------------------


GROWING = {
    "exponential": lambda v: jaxlrs.exponential(v, decay_rate=2.0, period_steps=1),
    "exponential_capped": lambda v: jaxlrs.exponential(v, decay_rate=2.0, period_steps=10,
                                                       end_value=1.0),
    "exponential_zero": lambda v: jaxlrs.exponential(v * 0.0, decay_rate=2.0, period_steps=10,
                                                     end_value=1.0),
    "step_lr": lambda v: pt.StepLR(v, 1, gamma=10.0),
    "restarts": lambda v: jaxlrs.cosine_restarts(v, cycle_steps=2, cycle_decay=10.0),
    "cyclic": lambda v: jaxlrs.cyclic(0.0, peak_value=v, rise_steps=1, cycle_decay=10.0),
    "multistep": lambda v: jaxlrs.multistep(v, boundaries=[1, 2], decay_rate=1e30),
    "product": lambda v: jaxlrs.constant(v * 1e30) * jaxlrs.constant(1e30),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(GROWING))
def test_growth_saturates_with_finite_gradients(name):
  make = GROWING[name]
  s = make(1.0)
  steps = np.asarray([0, 1, 5, 200, 1280, 10**4, 10**6], np.float32)
  if name == "cyclic":  # at the peaks
    steps = np.asarray([1, 3, 5, 201, 1281, 10**4 + 1, 10**6 + 1], np.float32)
  values = np.asarray(s(steps))
  assert np.all(np.isfinite(values)), values
  assert np.all(np.diff(values[1:]) >= 0), values  # growth never turns back down
  assert values[-1] in (F32_MAX, 1.0, 0.0)
  for step in steps[[2, 4, 6]]:
    g_leaf = jax.grad(lambda v: make(v)(step))(1.0)
    g_leaves = jax.tree.leaves(jax.grad(lambda sch: sch(step))(s))
    g_step = jax.grad(lambda t: s(t))(jnp.float32(step))
    assert all(np.isfinite(np.asarray(g)).all() for g in [g_leaf, g_step, *g_leaves]), step


def test_capped_growth_reaches_its_cap():
  s = jaxlrs.exponential(0.0, decay_rate=2.0, period_steps=10, end_value=1.0)
  assert float(s(1280)) == 0.0 and float(s(10**6)) == 0.0
  s = jaxlrs.exponential(1e-3, decay_rate=2.0, period_steps=10, end_value=1.0)
  assert float(s(10**6)) == 1.0
  assert float(jaxlrs.exponential(1.0, decay_rate=2.0, period_steps=1)(1000)) == F32_MAX
  assert float(jaxlrs.exponential(-1.0, decay_rate=2.0, period_steps=1)(1000)) == -F32_MAX


# --- one-cycle, division, learning rates, averaging ----------------------------------------------


@pytest.mark.parametrize("rise_fraction", [0.3, 0.5, 0.6, 0.9])
def test_one_cycle_three_phase_holds_past_the_end(rise_fraction):
  s = jaxlrs.one_cycle(1.0, total_steps=100, rise_fraction=rise_fraction, three_phase=True)
  after = np.asarray(s(np.arange(99, 400)))
  np.testing.assert_allclose(after, 4e-6, rtol=1e-5)


def test_division_by_zero_names_the_divisor():
  with pytest.raises(ValueError, match="divisor"):
    jaxlrs.constant(1.0) / 0
  with pytest.raises(ValueError, match="divisor"):
    jaxlrs.constant(1.0) / np.float32(0.0)


def test_hf_min_lr_with_zero_learning_rate_names_it():
  with pytest.raises(ValueError, match="learning_rate"):
    hf.get_cosine_with_min_lr_schedule_with_warmup(0.0, 10, 100, min_lr=1e-5)
  with pytest.raises(ValueError, match="learning_rate"):
    hf.get_scheduler("cosine_with_min_lr", 0.0, num_warmup_steps=10, num_training_steps=100,
                     scheduler_specific_kwargs={"min_lr": 1e-5})


@pytest.mark.parametrize("name", ["linear", "cosine", "constant_with_warmup", "inverse_sqrt",
                                  "warmup_stable_decay", "cosine_with_restarts", "polynomial"])
def test_hf_negative_learning_rate_is_rejected(name):
  kwargs = {"scheduler_specific_kwargs": {"num_decay_steps": 10}} if (
      name == "warmup_stable_decay") else {}
  with pytest.raises(ValueError, match="learning_rate"):
    hf.get_scheduler(name, -1e-3, num_warmup_steps=10, num_training_steps=100, **kwargs)


def test_core_schedules_accept_negative_values():
  # Core schedules are value schedules (weight decay, momentum, offsets), not only LRs.
  assert float(jaxlrs.constant(-1e-3)(0)) == np.float32(-1e-3)


@pytest.mark.parametrize("wrapper", ["ema", "swa"])
def test_averaging_start_step_past_int32(wrapper):
  params = {"w": jnp.ones(3)}
  if wrapper == "ema":
    tx = jaxlrs.averaging.ema(optax.sgd(0.1), 0.9, start_step=2**31)
  else:
    tx = jaxlrs.averaging.swa(optax.sgd(0.1), start_step=2**40, every=2**35)
  state = tx.init(params)
  updates, state = tx.update({"w": jnp.ones(3)}, state, params)
  new = optax.apply_updates(params, updates)
  # Never averaged: the average follows the parameters.
  np.testing.assert_allclose(state.average["w"], new["w"])


def test_keras_and_sambaflow_negative_learning_rate_is_rejected():
  from jaxlrs.compat import keras, sambaflow
  with pytest.raises(ValueError, match="initial_learning_rate"):
    keras.CosineDecay(-0.1, 100)
  with pytest.raises(ValueError, match="initial_learning_rate"):
    keras.ExponentialDecay(-0.1, 100, 0.5)
  with pytest.raises(ValueError, match="learning_rate"):
    sambaflow.get_schedule("fixed_lr", -0.1, 10, 100)


def test_readme_step_semantics_examples():
  assert float(jaxlrs.linear(1.0, end_value=0.0, total_steps=10**10)(10**9)) == np.float32(0.9)
  s = jaxlrs.cosine(1.0, total_steps=100)
  assert float(s(float("nan"))) == float(s(0)) == 1.0
  assert float(s(2**70)) == float(s(np.uint64(2**64 - 1))) == float(s(100))


def test_plateau_patience_and_cooldown_past_int32():
  tx = jaxlrs.reduce_on_plateau(patience=2**31, cooldown=2**40)
  params = {"w": jnp.ones(2)}
  state = tx.init(params)
  for _ in range(3):
    updates, state = tx.update({"w": jnp.ones(2)}, state, params, value=1.0)
  np.testing.assert_allclose(updates["w"], 1.0)


def test_negative_shift_inside_a_join():
  # timm's CosineLRScheduler port: the cycles advance by the warmup inside a join.
  ramp = jaxlrs.linear(0.0, end_value=1.0, total_steps=100)
  s = jaxlrs.join([jaxlrs.constant(9.0), ramp.shift(-5)], boundaries=[5])
  close(s(np.arange(5, 12)), ramp(np.arange(5, 12)))
  close(jit_call(s, jnp.uint32(7)), 0.07)
