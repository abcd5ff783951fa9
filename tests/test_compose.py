"""Composition: warmup, join, cycles, one-cycle, WSD, SWA, noise, arithmetic, custom pieces."""

import math

import hypothesis.strategies as st
import jax
import numpy as np
import optax
import pytest
from hypothesis import given

import jaxlrs


def close(a, b, rtol=1e-6):
  np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(b, np.float64), rtol=rtol,
                             atol=1e-7)


def optax_values(fn, steps):
  with jax.numpy_dtype_promotion("standard"):
    return np.asarray([fn(int(k)) for k in steps])


# --- warmup -----------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", ["linear", "cosine", "exponential"])
def test_warmup_table(shape):
  base = jaxlrs.cosine(1.0, total_steps=50, end_value=0.1)
  s = jaxlrs.warmup(base, warmup_steps=10, init_value=0.01, shape=shape)
  t = np.arange(0, 10)
  f = t / 10
  rise = {"linear": 0.01 + (1.0 - 0.01) * f,
          "cosine": 1.0 + (0.01 - 1.0) * 0.5 * (1 + np.cos(np.pi * f)),
          "exponential": 0.01 * (1.0 / 0.01) ** f}[shape]
  close(s(t), rise, rtol=2e-6)
  after = np.arange(10, 80)
  close(s(after), base(after - 10))


def test_warmup_matches_optax_warmup_cosine_and_hf_linear():
  ours = jaxlrs.warmup(jaxlrs.cosine(1.0, total_steps=90, end_value=0.05), warmup_steps=10,
                       init_value=0.0)
  theirs = optax.warmup_cosine_decay_schedule(0.0, 1.0, 10, 100, end_value=0.05)
  steps = np.arange(0, 130)
  close(ours(steps), optax_values(theirs, steps))
  # Hugging Face linear: lr * step / w, then lr * (T - step) / (T - w).
  hf = jaxlrs.warmup(jaxlrs.linear(5e-5, end_value=0.0, total_steps=90), warmup_steps=10)
  expected = np.where(steps < 10, 5e-5 * steps / 10, 5e-5 * np.maximum(0, 100 - steps) / 90)
  close(hf(steps), expected)


def test_warmup_zero_is_the_schedule():
  base = jaxlrs.cosine(1.0, total_steps=50)
  close(jaxlrs.warmup(base, warmup_steps=0)(np.arange(60)), base(np.arange(60)))


@given(w=st.integers(1, 500), peak=st.floats(1e-6, 10.0), init=st.floats(0.0, 1.0))
def test_warmup_rises_monotonically_and_is_continuous_at_its_end(w, peak, init):
  init = init * peak
  s = jaxlrs.warmup(jaxlrs.constant(peak), warmup_steps=w, init_value=init)
  vals = np.asarray(s(np.arange(0, w + 2)), np.float64)
  assert np.all(np.diff(vals) >= -1e-6 * peak)
  # Continuity: the last warmup step is within one step's increment of the peak.
  assert abs(vals[w] - peak) <= 1e-6 * peak
  assert abs(vals[w - 1] - peak) <= (peak - init) / w * (1 + 1e-4) + 1e-6 * peak


# --- join -------------------------------------------------------------------------------------


def test_join_matches_optax_join_schedules():
  pieces = [jaxlrs.linear(0.0, end_value=1.0, total_steps=10), jaxlrs.constant(1.0),
            jaxlrs.cosine(1.0, total_steps=50),
            jaxlrs.exponential(0.3, decay_rate=0.5, period_steps=7)]
  bounds = [10, 25, 75]
  ours = jaxlrs.join(pieces, boundaries=bounds)
  theirs = optax.join_schedules(
      [optax.linear_schedule(0.0, 1.0, 10), optax.constant_schedule(1.0),
       optax.cosine_decay_schedule(1.0, 50), optax.exponential_decay(0.3, 7, 0.5)], bounds)
  steps = np.arange(0, 120)
  close(ours(steps), optax_values(theirs, steps))
  close(ours(steps[::-1]), optax_values(theirs, steps[::-1]))  # element order does not matter


def test_nested_joins_flatten_and_drop_unreachable_pieces():
  inner = jaxlrs.join([jaxlrs.constant(1.0), jaxlrs.constant(2.0), jaxlrs.constant(3.0)],
                      boundaries=[5, 10])
  outer = jaxlrs.join([inner, jaxlrs.constant(4.0)], boundaries=[8])
  assert outer.boundaries == (5, 8)
  assert len(outer.schedules) == 3
  close(outer(np.array([0, 4, 5, 7, 8, 100])), [1, 1, 2, 2, 4, 4])


def test_join_of_joins_of_warmups_round_trips():
  a = jaxlrs.join([jaxlrs.warmup(jaxlrs.cosine(1.0, total_steps=20), warmup_steps=5),
                   jaxlrs.constant(0.1)], boundaries=[25])
  b = jaxlrs.join([jaxlrs.warmup(jaxlrs.linear(0.5, end_value=0.0, total_steps=30),
                                 warmup_steps=3, shape="cosine"), a], boundaries=[40])
  cfg = b.to_config()
  assert cfg["kind"] == "join" and cfg["schedules"][0]["kind"] == "warmup"
  rebuilt = jaxlrs.from_config(cfg)
  assert rebuilt == b
  close(rebuilt(np.arange(100)), b(np.arange(100)))


def test_join_groups_pieces_by_structure():
  pieces = [jaxlrs.cosine(1.0 / (i + 1), total_steps=10 + i) for i in range(100)]
  pieces += [jaxlrs.linear(0.0, end_value=1.0, total_steps=5)]
  j = jaxlrs.join(pieces, boundaries=list(np.cumsum([10 + i for i in range(100)])))
  assert len(j._aux[0]) == 2  # two structures -> two branches, for 101 pieces
  assert len(jax.tree.leaves(j)) == 4 + 2  # stacked arrays, not one leaf per piece


@pytest.mark.parametrize("n", [10, 1000])
def test_big_join_values_and_graph_size_flat(n):
  lengths = 10 + np.arange(n) % 7
  bounds = np.cumsum(lengths)[:-1].tolist()
  j = jaxlrs.join([jaxlrs.cosine(1.0 + i % 3, total_steps=int(L)) for i, L in enumerate(lengths)],
                  boundaries=bounds)
  starts = np.r_[0, bounds]
  steps = np.array([0, 5, starts[n // 2] + 3, starts[-1], starts[-1] + 100])
  k = np.searchsorted(starts, steps, side="right") - 1
  local = np.minimum(steps - starts[k], lengths[k])
  expected = (1.0 + k % 3) * 0.5 * (1 + np.cos(np.pi * local / lengths[k]))
  close(j(steps), expected, rtol=2e-6)
  jaxpr = jax.make_jaxpr(lambda s, t: s(t))(j, 3.0)
  assert len(str(jaxpr)) < 20_000  # flat: does not grow with n


def test_join_accepts_optax_callables():
  j = jaxlrs.join([optax.linear_schedule(0.0, 1.0, 10), jaxlrs.constant(1.0)], boundaries=[10])
  close(j(np.array([0, 5, 10, 20])), [0.0, 0.5, 1.0, 1.0])
  with pytest.raises(ValueError, match="custom piece"):
    j.to_config()


JOIN_BAD = [
    (lambda: jaxlrs.join([jaxlrs.constant(1.0)], boundaries=[5]), ValueError, "boundaries"),
    (lambda: jaxlrs.join([jaxlrs.constant(1.0)] * 3, boundaries=[5]), ValueError, "boundaries"),
    (lambda: jaxlrs.join([jaxlrs.constant(1.0)] * 3, boundaries=[5, 5]), ValueError, "boundaries"),
    (lambda: jaxlrs.join([jaxlrs.constant(1.0)] * 2, boundaries=[5.5]), TypeError,
     r"boundaries\[0\]"),
    (lambda: jaxlrs.join([jaxlrs.constant(1.0), 3.0], boundaries=[5]), TypeError,
     r"schedules\[1\]"),
    (lambda: jaxlrs.join([], boundaries=[]), ValueError, "schedules"),
]


@pytest.mark.parametrize("make,exc,name", JOIN_BAD)
def test_join_bad_arguments(make, exc, name):
  with pytest.raises(exc, match=name):
    make()


# --- cyclic -------------------------------------------------------------------------------------


def torch_cyclic(t, base, top, up, down, mode, gamma):
  """PyTorch CyclicLR's documented formula (scale_mode per mode), in float64."""
  total = up + down
  ratio = up / total
  cycle = np.floor(1 + t / total)
  x = 1.0 + t / total - cycle
  h = np.where(x <= ratio, x / ratio, (x - 1) / (ratio - 1))
  g = {"triangular": 1.0, "triangular2": 1 / 2.0 ** (cycle - 1), "exp_range": gamma**t}[mode]
  return base + (top - base) * h * g


@pytest.mark.parametrize("mode", ["triangular", "triangular2", "exp_range"])
@pytest.mark.parametrize("down", [None, 7])
def test_cyclic_matches_pytorch_formula(mode, down):
  amplitude = {"triangular": {}, "triangular2": {"cycle_decay": 0.5},
               "exp_range": {"decay_rate": 0.99}}[mode]
  s = jaxlrs.cyclic(0.01, peak_value=0.1, rise_steps=5, fall_steps=down, **amplitude)
  t = np.arange(0, 100)
  close(s(t), torch_cyclic(t, 0.01, 0.1, 5, 5 if down is None else down, mode, 0.99), rtol=2e-6)


# --- cosine restarts ----------------------------------------------------------------------------


@pytest.mark.parametrize("t_mul", [1.0, 2.0, 1.5])
def test_cosine_restarts_matches_optax_sgdr(t_mul):
  lengths, L = [], 10.0
  for _ in range(6):
    lengths.append(int(round(L)))
    L *= t_mul
  if t_mul == 1.5:  # 10, 15, 22.5...: not integers, compare only the exact first two cycles
    lengths = lengths[:2]
  peak = [1.0 * 0.5**i for i in range(len(lengths))]
  theirs = optax.sgdr_schedule([dict(init_value=p, peak_value=p, decay_steps=n, warmup_steps=0,
                                     end_value=0.1) for p, n in zip(peak, lengths)])
  ours = jaxlrs.cosine_restarts(1.0, cycle_steps=10, cycle_mul=t_mul, cycle_decay=0.5,
                                end_value=0.1)
  steps = np.arange(0, sum(lengths))
  close(ours(steps), optax_values(theirs, steps), rtol=2e-6)


def test_cosine_restarts_closed_form_far_out_and_cycle_limit():
  s = jaxlrs.cosine_restarts(1.0, cycle_steps=10, cycle_mul=2.0)
  # Cycle 20 starts at 10 (2^20 - 1) and lasts 10 * 2^20 steps.
  start, length = 10 * (2**20 - 1), 10 * 2**20
  close(s(start), 1.0)
  close(s(start + length // 2), 0.5)
  limited = jaxlrs.cosine_restarts(1.0, cycle_steps=10, cycle_limit=3, end_value=0.05)
  close(limited(np.array([29, 30, 31, 10**9])), [0.05 + 0.95 * 0.5 * (1 + np.cos(np.pi * 0.9)),
                                                 0.05, 0.05, 0.05])


def test_cosine_restarts_with_warmup():
  s = jaxlrs.cosine_restarts(1.0, cycle_steps=10, warmup_steps=5)
  close(s(np.array([0, 1, 5, 10, 15])), [0.0, 0.2, 1.0, 0.5, 1.0])


@given(t_mul=st.floats(1.0, 3.0), t=st.floats(0, 1e5))
def test_cosine_restarts_bounded_and_restart_index_consistent(t_mul, t):
  s = jaxlrs.cosine_restarts(2.0, cycle_steps=7, cycle_mul=t_mul, end_value=0.5)
  v = float(s(t))
  assert 0.5 - 1e-5 <= v <= 2.0 + 1e-5


# --- one cycle ----------------------------------------------------------------------------------


def torch_one_cycle(step, peak, total, pct, anneal, div, final_div, three_phase):
  """PyTorch OneCycleLR's documented phase algorithm, in float64, one step at a time."""
  initial, low = peak / div, peak / div / final_div
  if three_phase:
    phases = [(pct * total - 1, initial, peak), (2 * pct * total - 2, peak, initial),
              (total - 1, initial, low)]
  else:
    phases = [(pct * total - 1, initial, peak), (total - 1, peak, low)]
  start = 0.0
  for i, (end, a, b) in enumerate(phases):
    if step <= end or i == len(phases) - 1:
      frac = min(max((step - start) / (end - start), 0.0), 1.0)
      if anneal == "cos":
        return b + (a - b) / 2 * (math.cos(math.pi * frac) + 1)
      return (b - a) * frac + a
    start = end


@pytest.mark.parametrize("three_phase", [False, True])
@pytest.mark.parametrize("anneal", ["cos", "linear"])
@pytest.mark.parametrize("total,pct", [(100, 0.3), (1001, 0.25), (37, 0.4)])
def test_one_cycle_matches_pytorch(three_phase, anneal, total, pct):
  s = jaxlrs.one_cycle(0.1, total_steps=total, rise_fraction=pct,
                       shape="cosine" if anneal == "cos" else anneal, three_phase=three_phase)
  steps = np.arange(0, total + 20)
  expected = [torch_one_cycle(k, 0.1, total, pct, anneal, 25.0, 1e4, three_phase) for k in steps]
  close(s(steps), expected, rtol=3e-6)


# --- warmup-stable-decay and SWA -----------------------------------------------------------------


@pytest.mark.parametrize("shape", ["linear", "cosine", "1-sqrt"])
def test_warmup_stable_decay_table(shape):
  s = jaxlrs.warmup_stable_decay(2.0, total_steps=100, warmup_steps=10, decay_steps=20,
                                 decay_shape=shape, end_value=0.2, init_value=0.0)
  t = np.arange(0, 120)
  f = np.clip((t - 80) / 20, 0, 1)
  decay = {"linear": 2.0 + (0.2 - 2.0) * f, "cosine": 0.2 + 1.8 * 0.5 * (1 + np.cos(np.pi * f)),
           "1-sqrt": 0.2 + 1.8 * (1 - np.sqrt(f))}[shape]
  expected = np.where(t < 10, 2.0 * t / 10, np.where(t < 80, 2.0, decay))
  close(s(t), expected, rtol=2e-6)


def test_swa_schedule_table():
  base = jaxlrs.cosine(1.0, total_steps=100)
  s = jaxlrs.swa_schedule(base, start_step=75, swa_value=0.05, anneal_steps=10, shape="linear")
  t = np.arange(0, 100)
  b75 = 0.5 * (1 + np.cos(np.pi * 0.75))
  expected = np.where(t < 75, 0.5 * (1 + np.cos(np.pi * t / 100)),
                      b75 + (0.05 - b75) * np.clip((t - 75) / 10, 0, 1))
  close(s(t), expected, rtol=2e-6)
  jump = jaxlrs.swa_schedule(base, start_step=75, swa_value=0.05)
  close(jump(np.array([74, 75, 1000])), [0.5 * (1 + np.cos(np.pi * 0.74)), 0.05, 0.05])


# --- noise --------------------------------------------------------------------------------------


@pytest.mark.parametrize("noise_type", ["normal", "uniform"])
def test_noise_is_deterministic_bounded_and_in_range(noise_type):
  base = jaxlrs.cosine(1.0, total_steps=200)
  s = jaxlrs.noisy(base, noise_ratio=0.1, noise_type=noise_type, start_step=10, end_step=150,
                   seed=7)
  t = np.arange(0, 200)
  a, b = np.asarray(s(t)), np.asarray(base(t))
  np.testing.assert_array_equal(a, np.asarray(jaxlrs.from_config(s.to_config())(t)))
  np.testing.assert_array_equal(a[:10], b[:10])
  np.testing.assert_array_equal(a[150:], b[150:])
  rel = a[10:150] / b[10:150] - 1
  assert np.all(np.abs(rel) < 0.1 + 1e-6) and np.std(rel) > 0.01
  assert float(s(57)) == a[57]  # a resumed run (scalar call) sees the same value
  other = jaxlrs.noisy(base, noise_ratio=0.1, noise_type=noise_type, start_step=10, seed=8)
  assert not np.array_equal(np.asarray(other(t)), a)


# --- arithmetic and wrappers --------------------------------------------------------------------


def test_arithmetic_values():
  a, b = jaxlrs.linear(0.0, end_value=1.0, total_steps=10), jaxlrs.cosine(2.0, total_steps=20)
  t = np.arange(0, 30)
  close((a * b)(t), a(t) * b(t))
  close((a * 0.5)(t), 0.5 * np.asarray(a(t)))
  close((0.5 * a)(t), 0.5 * np.asarray(a(t)))
  close((a + b)(t), np.asarray(a(t)) + np.asarray(b(t)))
  close((b / 4.0)(t), np.asarray(b(t)) / 4)
  close(b.shift(5)(t), b(np.maximum(t - 5, 0)))
  close(b.shift(-5)(t), b(t + 5))
  close(b.clip(0.5, 1.5)(t), np.clip(b(t), 0.5, 1.5))
  close(b.time_scale(0.5)(t), b(t * 0.5))
  assert len((a * b * 0.5).schedules) == 3  # products flatten


def test_arithmetic_bad_arguments():
  with pytest.raises(ValueError, match="min_value"):
    jaxlrs.constant(1.0).clip(2.0, 1.0)
  with pytest.raises(ValueError, match="min_value/max_value"):
    jaxlrs.constant(1.0).clip()
  with pytest.raises(ValueError, match="factor"):
    jaxlrs.constant(1.0).time_scale(0.0)
  with pytest.raises(TypeError, match="steps"):
    jaxlrs.constant(1.0).shift(2.5)
  with pytest.raises(TypeError, match="divided"):
    jaxlrs.constant(1.0) / jaxlrs.constant(2.0)


def test_custom_callable_everywhere():
  fn = lambda t: 1.0 / (1.0 + t)  # noqa: E731
  s = jaxlrs.warmup(fn, warmup_steps=4) * jaxlrs.constant(2.0)
  close(s(np.array([0, 2, 4, 6])), [0.0, 1.0, 2.0, 2.0 / 3.0])
  with pytest.raises(ValueError, match="custom piece"):
    s.to_config()


COMPOSE_BAD = [
    (lambda: jaxlrs.warmup(jaxlrs.constant(1.0), warmup_steps=-1), ValueError, "warmup_steps"),
    (lambda: jaxlrs.warmup(jaxlrs.constant(1.0), warmup_steps=5, shape="cubic"), ValueError,
     "shape"),
    (lambda: jaxlrs.warmup(jaxlrs.constant(1.0), warmup_steps=5, shape="exponential"), ValueError,
     "init_value"),
    (lambda: jaxlrs.warmup(3.0, warmup_steps=5), TypeError, "schedule"),
    (lambda: jaxlrs.cyclic(0.1, peak_value=1.0, rise_steps=0), ValueError, "rise_steps"),
    (lambda: jaxlrs.cyclic(0.1, peak_value=1.0, rise_steps=5, shape="sine"), ValueError, "shape"),
    (lambda: jaxlrs.cyclic(1.0, peak_value=0.1, rise_steps=5), ValueError, "peak_value"),
    (lambda: jaxlrs.cyclic(0.1, peak_value=1.0, rise_steps=5, decay_rate=1.5), ValueError,
     "decay_rate"),
    (lambda: jaxlrs.cyclic(0.1, peak_value=1.0, rise_steps=5, fall_steps=-1), ValueError,
     "fall_steps"),
    (lambda: jaxlrs.cosine_restarts(1.0, cycle_steps=10, cycle_mul=0.5), ValueError,
     "cycle_mul"),
    (lambda: jaxlrs.cosine_restarts(1.0, cycle_steps=0), ValueError, "cycle_steps"),
    (lambda: jaxlrs.cosine_restarts(1.0, cycle_steps=10, cycle_limit=0), ValueError,
     "cycle_limit"),
    (lambda: jaxlrs.cosine_restarts(1.0, cycle_steps=10, warmup_steps=-2), ValueError,
     "warmup_steps"),
    (lambda: jaxlrs.one_cycle(1.0, total_steps=100, rise_fraction=1.0), ValueError,
     "rise_fraction"),
    (lambda: jaxlrs.one_cycle(1.0, total_steps=100, rise_fraction=0.0), ValueError,
     "rise_fraction"),
    (lambda: jaxlrs.one_cycle(1.0, total_steps=100, shape="cos"), ValueError, "shape"),
    (lambda: jaxlrs.one_cycle(1.0, total_steps=0), ValueError, "total_steps"),
    (lambda: jaxlrs.one_cycle(1.0, total_steps=100, init_ratio=-1.0), ValueError, "init_ratio"),
    (lambda: jaxlrs.warmup_stable_decay(1.0, total_steps=100, warmup_steps=50, decay_steps=60),
     ValueError, "warmup_steps"),
    (lambda: jaxlrs.warmup_stable_decay(1.0, total_steps=100, warmup_steps=10, decay_steps=0),
     ValueError, "decay_steps"),
    (lambda: jaxlrs.warmup_stable_decay(1.0, total_steps=100, warmup_steps=10, decay_steps=10,
                                        decay_shape="exp"), ValueError, "decay_shape"),
    (lambda: jaxlrs.swa_schedule(jaxlrs.constant(1.0), start_step=-1, swa_value=0.1), ValueError,
     "start_step"),
    (lambda: jaxlrs.swa_schedule(jaxlrs.constant(1.0), start_step=5, swa_value=0.1, shape="cos"),
     ValueError, "shape"),
    (lambda: jaxlrs.noisy(jaxlrs.constant(1.0), noise_ratio=1.5), ValueError, "noise_ratio"),
    (lambda: jaxlrs.noisy(jaxlrs.constant(1.0), start_step=5, end_step=5), ValueError,
     "end_step"),
]


@pytest.mark.parametrize("make,exc,name", COMPOSE_BAD,
                         ids=[f"{b[2]}-{i}" for i, b in enumerate(COMPOSE_BAD)])
def test_compose_bad_arguments(make, exc, name):
  with pytest.raises(exc, match=name):
    make()
