"""Properties over random valid hyperparameters and every step type, near 2**24, 2**31, 2**32 and
2**63; and a table of bad arguments for every public core constructor."""

import math

import hypothesis.strategies as st
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings

import jaxlrs

EDGES = [0, 1, 2**24 - 1, 2**24, 2**24 + 1, 2**31 - 1, 2**31, 2**31 + 1, 2**32 - 1, 2**32,
         2**32 + 1, 2**40, 2**62, 2**63 - 1, 2**63, 2**64 - 1]
TYPES = ["int", "float", "np.int64", "np.uint64", "np.uint32", "np.int32", "np.float32",
         "np.float64", "jnp.int32", "jnp.uint32", "jnp.float32"]
_LIMITS = {"np.uint32": 2**32 - 1, "jnp.uint32": 2**32 - 1, "np.int32": 2**31 - 1,
           "jnp.int32": 2**31 - 1, "np.int64": 2**63 - 1, "np.uint64": 2**64 - 1}


def typed(kind, n):
  """``n`` in the step type ``kind`` (clipped to what the type holds), and the exact step."""
  n = min(n, _LIMITS.get(kind, n))
  maker = {"int": int, "float": float, "np.int64": np.int64, "np.uint64": np.uint64,
           "np.uint32": np.uint32, "np.int32": np.int32, "np.float32": np.float32,
           "np.float64": np.float64, "jnp.int32": jnp.int32, "jnp.uint32": jnp.uint32,
           "jnp.float32": jnp.float32}[kind]
  x = maker(n)
  exact = int(np.float32(n)) if "float32" in kind else int(float(n)) if "float" in kind else n
  return x, exact


steps = st.tuples(st.sampled_from(TYPES),
                  st.one_of(st.sampled_from(EDGES), st.integers(0, 2**64 - 1),
                            st.integers(0, 1000)),
                  st.integers(-2, 2)).map(lambda a: typed(a[0], max(0, a[1] + a[2])))
counts = st.one_of(st.integers(1, 1000), st.sampled_from([2**24 + 1, 2**31 + 3, 2**32 + 5]),
                   st.integers(1, 2**40))
values = st.floats(1e-4, 10.0)


@st.composite
def schedules(draw):
  """A random valid schedule, its value range and its horizon."""
  v0, v1 = draw(values), draw(values)
  n = draw(counts)
  kind = draw(st.sampled_from(["linear", "cosine", "warmup", "wsd", "piecewise", "multistep",
                               "join", "one_cycle", "exponential", "swa"]))
  if kind == "linear":
    s = jaxlrs.linear(v0, end_value=v1, total_steps=n)
  elif kind == "cosine":
    s = jaxlrs.cosine(v0, total_steps=n, end_value=v1)
  elif kind == "warmup":
    s = jaxlrs.warmup(jaxlrs.cosine(v0, total_steps=n, end_value=v1),
                      warmup_steps=draw(counts), init_value=v1)
  elif kind == "wsd":
    w, d = draw(counts), draw(counts)
    s = jaxlrs.warmup_stable_decay(v0, total_steps=w + d + draw(counts), warmup_steps=w,
                                   decay_steps=d, end_value=v1, init_value=v1,
                                   decay_shape=draw(st.sampled_from(jaxlrs.SHAPES)))
  elif kind in ("piecewise", "multistep", "join"):
    bounds = sorted(set(draw(st.lists(counts, min_size=1, max_size=4))))
    if kind == "piecewise":
      vals = [draw(values) for _ in range(len(bounds) + 1)]
      s = jaxlrs.piecewise_constant(bounds, values=vals)
    elif kind == "multistep":
      s = jaxlrs.multistep(v0, boundaries=bounds, decay_rate=draw(st.floats(0.0, 1.0)))
    else:
      pieces = [jaxlrs.linear(draw(values), end_value=draw(values), total_steps=draw(counts))
                for _ in range(len(bounds) + 1)]
      s = jaxlrs.join(pieces, boundaries=bounds)
  elif kind == "one_cycle":
    s = jaxlrs.one_cycle(v0, total_steps=n + 1, rise_fraction=draw(st.floats(0.05, 0.95)),
                         three_phase=draw(st.booleans()))
  elif kind == "exponential":
    s = jaxlrs.exponential(v0, decay_rate=draw(st.floats(0.1, 10.0)), period_steps=n,
                           end_value=v1)
  else:
    s = jaxlrs.swa_schedule(jaxlrs.linear(v0, end_value=v1, total_steps=n), start_step=n,
                            swa_value=draw(values), anneal_steps=draw(counts))
  return s


def _leaf_range(s):
  leaves = [float(x) for leaf in jax.tree.leaves(s) for x in np.ravel(leaf)]
  lo, hi = min(leaves + [0.0]), max(leaves)
  return lo, hi


@pytest.mark.slow
@settings(max_examples=12)
@given(schedules(), st.lists(steps, min_size=1, max_size=3))
def test_any_step_type_is_finite_bounded_and_held(s, step_list):
  lo, hi = _leaf_range(s)
  horizon = s.horizon()
  final = float(s(horizon))
  for x, exact in step_list:
    v = float(s(x))
    assert math.isfinite(v)
    if not isinstance(s, (jaxlrs.exponential, jaxlrs.multistep, jaxlrs.one_cycle)):
      assert lo - 1e-5 * abs(hi) <= v <= hi * (1 + 1e-5), (v, lo, hi)
    # The same step as an exact Python int.
    assert v == float(s(exact)), (x, exact)
    if exact >= horizon:
      assert v == final, (exact, horizon)


@pytest.mark.slow
@settings(max_examples=10)
@given(schedules(), st.lists(st.one_of(st.sampled_from([e for e in EDGES if e < 2**32]),
                                       st.integers(0, 2**32 - 1)),
                             min_size=2, max_size=5))
def test_eager_jit_vmap_agree_on_uint32_steps(s, ints):
  xs = jnp.asarray(np.asarray(ints, np.uint32))
  eager = np.asarray([float(s(int(i))) for i in ints])
  batched = np.asarray(s(xs))
  jitted = np.asarray(jax.jit(lambda t: s(t))(xs))
  mapped = np.asarray(jax.vmap(lambda t: s(t))(xs))
  np.testing.assert_allclose(batched, eager, rtol=1e-6)
  np.testing.assert_allclose(jitted, eager, rtol=1e-6, atol=1e-30)
  np.testing.assert_allclose(mapped, eager, rtol=1e-6, atol=1e-30)


@pytest.mark.slow
@settings(max_examples=10)
@given(schedules(), st.lists(st.one_of(st.floats(0, 2.0**64, width=32),
                                       st.sampled_from([float("nan"), float("inf"), -1.0])),
                             min_size=1, max_size=3))
def test_values_and_gradients_finite_everywhere(s, ts):
  t = jnp.asarray(ts, jnp.float32)
  assert np.all(np.isfinite(np.asarray(s(t))))
  g_step = jax.vmap(jax.grad(lambda x: s(x)))(t)
  g_leaves = jax.grad(lambda sch: jnp.sum(sch(t)))(s)
  assert np.all(np.isfinite(np.asarray(g_step)))
  assert all(np.all(np.isfinite(np.asarray(g))) for g in jax.tree.leaves(g_leaves))


@pytest.mark.slow
@settings(max_examples=10)
@given(values, values, counts, st.lists(counts, min_size=2, max_size=6))
def test_decays_are_monotone_at_any_scale(v0, v1, n, ts):
  hi, lo = max(v0, v1), min(v0, v1)
  ts = np.asarray(sorted(ts), np.int64)
  for s in (jaxlrs.linear(hi, end_value=lo, total_steps=n),
            jaxlrs.cosine(hi, total_steps=n, end_value=lo),
            jaxlrs.exponential(hi, decay_rate=0.5, period_steps=n, end_value=lo),
            jaxlrs.warmup_stable_decay(hi, total_steps=3 * n, warmup_steps=0, decay_steps=n,
                                       end_value=lo)):
    v = np.asarray(s(ts))
    assert np.all(np.diff(v) <= 0), (type(s).__name__, ts, v)


# --- bad arguments, each named ------------------------------------------------------------------

C = jaxlrs.constant(1.0)
BAD = [
    (jaxlrs.constant, (float("nan"),), {}, ValueError, "value"),
    (jaxlrs.constant, ("1",), {}, TypeError, "value"),
    (jaxlrs.linear, (1.0,), dict(end_value=0.0, total_steps=0), ValueError, "total_steps"),
    (jaxlrs.linear, (1.0,), dict(end_value=0.0, total_steps=2**62), ValueError, "total_steps"),
    (jaxlrs.linear, (1.0,), dict(end_value=0.0, total_steps=1.5), TypeError, "total_steps"),
    (jaxlrs.linear, (1.0,), dict(end_value=float("inf"), total_steps=5), ValueError, "end_value"),
    (jaxlrs.polynomial, (1.0,), dict(end_value=0.0, total_steps=5, power=-1.0), ValueError,
     "power"),
    (jaxlrs.polynomial, (1.0,), dict(end_value=0.0, total_steps=5, cycle="yes"), ValueError,
     "cycle"),
    (jaxlrs.cosine, (1.0,), dict(total_steps=-1), ValueError, "total_steps"),
    (jaxlrs.cosine, (1.0,), dict(total_steps=5, exponent=0.0), ValueError, "exponent"),
    (jaxlrs.cosine, (1.0,), dict(total_steps=5, cycles=0.0), ValueError, "cycles"),
    (jaxlrs.exponential, (1.0,), dict(decay_rate=0.0, period_steps=5), ValueError, "decay_rate"),
    (jaxlrs.exponential, (1.0,), dict(decay_rate=0.5, period_steps=0), ValueError,
     "period_steps"),
    (jaxlrs.step_decay, (1.0,), dict(period_steps=0), ValueError, "period_steps"),
    (jaxlrs.step_decay, (1.0,), dict(period_steps=5, decay_rate=-1.0), ValueError, "decay_rate"),
    (jaxlrs.inverse_time, (1.0,), dict(decay_rate=-1.0, period_steps=5), ValueError,
     "decay_rate"),
    (jaxlrs.rsqrt, (1.0,), dict(timescale_steps=0), ValueError, "timescale_steps"),
    (jaxlrs.piecewise_constant, ([5, 5],), dict(values=[1.0, 2.0, 3.0]), ValueError,
     "boundaries"),
    (jaxlrs.piecewise_constant, ([-1],), dict(values=[1.0, 2.0]), ValueError, "boundaries"),
    (jaxlrs.piecewise_constant, ([5],), dict(values=[1.0]), ValueError, "values"),
    (jaxlrs.multistep, (1.0,), dict(boundaries=[]), ValueError, "boundaries"),
    (jaxlrs.multistep, (1.0,), dict(boundaries=[5], decay_rate=-0.1), ValueError, "decay_rate"),
    (jaxlrs.piecewise_linear, ([0, 10],), dict(values=[1.0]), ValueError, "values"),
    (jaxlrs.piecewise_linear, ([10, 0],), dict(values=[1.0, 2.0]), ValueError, "boundaries"),
    (jaxlrs.warmup, (C,), dict(warmup_steps=-1), ValueError, "warmup_steps"),
    (jaxlrs.warmup, (C,), dict(warmup_steps=5, shape="cos"), ValueError, "shape"),
    (jaxlrs.warmup, ("C",), dict(warmup_steps=5), TypeError, "schedule"),
    (jaxlrs.warmup_multiplier, (C,), dict(warmup_steps=-1), ValueError, "warmup_steps"),
    (jaxlrs.warmup_multiplier, (C,), dict(warmup_steps=5, shape="exponential"), ValueError,
     "init_ratio"),
    (jaxlrs.anneal, (1.0,), dict(end_value=0.0, total_steps=0), ValueError, "total_steps"),
    (jaxlrs.anneal, (1.0,), dict(end_value=0.0, total_steps=5, shape="exponential"), ValueError,
     "end_value"),
    (jaxlrs.join, ([C, C],), dict(boundaries=[]), ValueError, "boundaries"),
    (jaxlrs.join, ([C, C, C],), dict(boundaries=[5, 3]), ValueError, "boundaries"),
    (jaxlrs.join, ([C, C],), dict(boundaries=[2.5]), TypeError, r"boundaries\[0\]"),
    (jaxlrs.join, ([C, 3],), dict(boundaries=[2]), TypeError, r"schedules\[1\]"),
    (jaxlrs.cyclic, (0.1,), dict(peak_value=1.0, rise_steps=0), ValueError, "rise_steps"),
    (jaxlrs.cyclic, (0.1,), dict(peak_value=1.0, rise_steps=5, fall_steps=-1), ValueError,
     "fall_steps"),
    (jaxlrs.cyclic, (1.0,), dict(peak_value=0.1, rise_steps=5), ValueError, "peak_value"),
    (jaxlrs.cyclic, (0.1,), dict(peak_value=1.0, rise_steps=5, decay_rate=1.5), ValueError,
     "decay_rate"),
    (jaxlrs.cyclic, (0.1,), dict(peak_value=1.0, rise_steps=5, cycle_decay=0.0), ValueError,
     "cycle_decay"),
    (jaxlrs.cosine_restarts, (1.0,), dict(cycle_steps=0), ValueError, "cycle_steps"),
    (jaxlrs.cosine_restarts, (1.0,), dict(cycle_steps=5, cycle_mul=0.5), ValueError,
     "cycle_mul"),
    (jaxlrs.cosine_restarts, (1.0,), dict(cycle_steps=5, cycle_limit=0), ValueError,
     "cycle_limit"),
    (jaxlrs.cosine_restarts, (1.0,), dict(cycle_steps=5, warmup_steps=-2), ValueError,
     "warmup_steps"),
    (jaxlrs.cosine_restarts, (1.0,), dict(cycle_steps=5, time_exponent=0.0), ValueError,
     "time_exponent"),
    (jaxlrs.one_cycle, (1.0,), dict(total_steps=0), ValueError, "total_steps"),
    (jaxlrs.one_cycle, (1.0,), dict(total_steps=10, rise_fraction=1.0), ValueError,
     "rise_fraction"),
    (jaxlrs.one_cycle, (1.0,), dict(total_steps=10, init_ratio=-0.1), ValueError, "init_ratio"),
    (jaxlrs.one_cycle, (1.0,), dict(total_steps=10, three_phase="no"), ValueError,
     "three_phase"),
    (jaxlrs.warmup_stable_decay, (1.0,), dict(total_steps=10, warmup_steps=6, decay_steps=6),
     ValueError, "warmup_steps \\+ decay_steps"),
    (jaxlrs.warmup_stable_decay, (1.0,), dict(total_steps=10, warmup_steps=0, decay_steps=0),
     ValueError, "decay_steps"),
    (jaxlrs.warmup_stable_decay, (1.0,), dict(total_steps=10, warmup_steps=0, decay_steps=5,
                                              decay_cycles=1.0), ValueError, "decay_cycles"),
    (jaxlrs.swa_schedule, (C,), dict(start_step=-1, swa_value=0.1), ValueError, "start_step"),
    (jaxlrs.swa_schedule, (C,), dict(start_step=1, swa_value=0.1, anneal_steps=-1), ValueError,
     "anneal_steps"),
    (jaxlrs.noisy, (C,), dict(noise_ratio=1.5), ValueError, "noise_ratio"),
    (jaxlrs.noisy, (C,), dict(noise_type="pink"), ValueError, "noise_type"),
    (jaxlrs.noisy, (C,), dict(start_step=5, end_step=5), ValueError, "end_step"),
    (jaxlrs.from_callable, (C,), {}, TypeError, "fn"),
    (jaxlrs.from_callable, (3,), {}, TypeError, "fn"),
]


@pytest.mark.parametrize("fn, args, kwargs, exc, match", BAD,
                         ids=[f"{b[0].__name__}-{b[4]}-{i}" for i, b in enumerate(BAD)])
def test_bad_arguments_are_named(fn, args, kwargs, exc, match):
  with pytest.raises(exc, match=match):
    fn(*args, **kwargs)


def test_bad_method_arguments_are_named():
  with pytest.raises(ValueError, match="factor"):
    C.time_scale(0.0)
  with pytest.raises(ValueError, match="min_value"):
    C.clip(min_value=2.0, max_value=1.0)
  with pytest.raises(TypeError, match="steps"):
    C.shift(1.5)
  with pytest.raises(ValueError, match="steps"):
    C.shift(-2**63)
  with pytest.raises(ValueError, match="divisor"):
    C / 0.0
  with pytest.raises(TypeError, match="divisor"):
    C / "2"
