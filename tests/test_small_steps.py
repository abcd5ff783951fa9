"""The int32 fast path of :class:`Step` gives the values of the general exact path.

An int32 (or narrower) step is traced as one int32 part; a uint32 step of the same value takes
the general two-part path. Both must give bit-identical values for every kind of use of the step:
comparisons with counts, subtraction of a piece's start, cycle positions, negative shifts, joins
gathering counts, and the piece search.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxlrs
from jaxlrs._core import Step

COS = jaxlrs.cosine(1.0, total_steps=90, end_value=0.1)
CASES = {
    "cosine": COS,
    "warmup": jaxlrs.warmup(COS, warmup_steps=10),
    "warmup_no_delay": jaxlrs.warmup(COS, warmup_steps=10, delay=False),
    "shift_back": COS.shift(-7),
    "shift_forward": COS.shift(13),
    "piecewise_linear": jaxlrs.piecewise_linear([0, 10, 45, 2**31 + 5],
                                                     values=[0.0, 1.0, 0.5, 0.1]),
    "multistep": jaxlrs.multistep(1.0, boundaries=[10, 20, 2**31, 2**40]),
    "cyclic": jaxlrs.cyclic(0.1, peak_value=1.0, rise_steps=7, fall_steps=4),
    "restarts": jaxlrs.cosine_restarts(1.0, cycle_steps=13, warmup_steps=3, end_value=0.1),
    "wsd": jaxlrs.warmup_stable_decay(1.0, total_steps=100, warmup_steps=10, decay_steps=20,
                                      end_value=0.1),
    "swa": jaxlrs.swa_schedule(COS, start_step=50, swa_value=0.2, anneal_steps=10),
    "join_sgdr": jaxlrs.join([jaxlrs.warmup(jaxlrs.cosine(1.0 + i, total_steps=10 + i),
                                            warmup_steps=2 + i) for i in range(5)],
                             boundaries=[12, 25, 39, 54]),
    "join_mixed": jaxlrs.join([jaxlrs.constant(9.0), COS.shift(-5), jaxlrs.linear(
        1.0, end_value=0.0, total_steps=2**30), COS], boundaries=[5, 40, 2**31 - 3]),
}
STEPS = np.array([0, 1, 2, 5, 9, 10, 11, 12, 24, 25, 26, 39, 40, 45, 54, 55, 89, 90, 99, 100, 101,
                  2**24, 2**24 + 1, 2**30, 2**31 - 4, 2**31 - 3, 2**31 - 2, 2**31 - 1], np.int64)


@pytest.mark.parametrize("name", sorted(CASES))
def test_int32_steps_equal_the_general_path(name):
  s = CASES[name]
  f = jax.jit(jax.vmap(lambda t: s(t)))
  small = np.asarray(f(jnp.asarray(STEPS, jnp.int32)))
  general = np.asarray(f(jnp.asarray(STEPS, jnp.uint32)))
  np.testing.assert_array_equal(small, general)
  scalar = [float(jax.jit(s)(jnp.int32(k))) for k in STEPS[::5]]
  np.testing.assert_array_equal(scalar, general[::5])


def test_narrow_and_negative_int_steps_are_small_and_clipped():
  for dt in (jnp.int8, jnp.int16, jnp.uint8, jnp.uint16, jnp.int32):
    step = Step.of(jnp.asarray([-3, 0, 7], dt) if jnp.issubdtype(dt, jnp.signedinteger)
                   else jnp.asarray([0, 0, 7], dt))
    assert step.small
    np.testing.assert_array_equal(step.value, [0.0, 0.0, 7.0])
  assert not Step.of(jnp.asarray([7], jnp.uint32)).small  # up to 2**32 - 1: the general path
  assert not Step.of(jnp.asarray([7.5], jnp.float32)).small


def test_int32_step_traces_no_high_part():
  s = jaxlrs.join([jaxlrs.warmup(jaxlrs.cosine(1.0, total_steps=10 + i), warmup_steps=2)
                   for i in range(10)], boundaries=list(range(12, 120, 12)))
  jaxpr = str(jax.make_jaxpr(s)(jnp.int32(0)))
  assert "shift_right" not in jaxpr and "floor" not in jaxpr  # no hi/lo split, no fraction
  assert "shift_right" in str(jax.make_jaxpr(s)(jnp.uint32(0)))  # the general path splits


def test_join_gathers_rows_of_sequence_values():
  # A piece with a sequence of values: one gathered column per value.
  pcs = [jaxlrs.piecewise_constant([3], values=[v, v / 2]) for v in (1.0, 4.0)]
  s = jaxlrs.join([*pcs, jaxlrs.constant(9.0)], boundaries=[5, 10])
  np.testing.assert_array_equal([s(t) for t in (0, 3, 5, 8, 10)], [1.0, 0.5, 4.0, 2.0, 9.0])
  np.testing.assert_array_equal(jax.jit(jax.vmap(s))(jnp.arange(4, 10, 2)), [0.5, 4.0, 2.0])
