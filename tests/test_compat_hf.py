"""Hugging Face ports against the Transformers lr_lambda formulas (transcribed as plain Python)."""

import math

import jax
import numpy as np
import pytest

import jaxlrs
from jaxlrs.compat import hf

LR, T = 2e-3, 100
STEPS = np.arange(0, T + 1)


# The lr_lambda functions of transformers/optimization.py, written out in float64.
def warm(s, w):
  return s / max(1, w)


def linear(s, w, T):
  return warm(s, w) if s < w else max(0.0, (T - s) / max(1, T - w))


def cosine(s, w, T, nc=0.5, r=0.0):
  if s < w:
    return warm(s, w)
  p = (s - w) / max(1, T - w)
  return max(0.0, 0.5 * (1 + math.cos(math.pi * nc * 2 * p)) * (1 - r) + r)


def hard_restarts(s, w, T, nc=1):
  if s < w:
    return warm(s, w)
  p = (s - w) / max(1, T - w)
  return 0.0 if p >= 1 else max(0.0, 0.5 * (1 + math.cos(math.pi * ((nc * p) % 1.0))))


def polynomial(s, w, T, lr_end, power):
  if s < w:
    return warm(s, w)
  if s > T:
    return lr_end / LR
  return ((LR - lr_end) * (1 - (s - w) / (T - w)) ** power + lr_end) / LR


def inverse_sqrt(s, w, timescale):
  if s < w:
    return warm(s, w)
  return 1 / math.sqrt((s + timescale - w) / timescale)


def lr_rate(s, w, T, nc, r, wr=None):
  if s < w:
    return (s + 1) / max(1.0, w) if wr is None else wr + (1 - wr) * s / max(1, w - 1)
  p = (s - w + 1) / max(1.0, T - w)
  return max(0, 0.5 * (1 + math.cos(math.pi * nc * 2 * p)) * (1 - r) + r)


def wsd(s, w, stable, d, wt, dt, r, nc=0.5):
  if s < w:
    p = s / max(1, w)
    f = {"linear": p, "cosine": 0.5 * (1 - math.cos(math.pi * p)),
         "1-sqrt": 1 - math.sqrt(1 - p)}[wt]
    return max(0.0, f * (1 - r) + r)
  if s < w + stable:
    return 1.0
  if s < w + stable + d:
    p = (s - w - stable) / max(1, d)
    f = {"linear": 1 - p, "cosine": 0.5 * (1 + math.cos(math.pi * nc * 2 * p)),
         "1-sqrt": 1 - math.sqrt(p)}[dt]
    return max(0.0, f * (1 - r) + r)
  return r


def check(schedule, ref, steps=STEPS):
  expected = LR * np.array([ref(int(s)) for s in steps])
  np.testing.assert_allclose(np.asarray(schedule(steps), np.float64), expected, rtol=2e-6,
                             atol=2e-7 * LR)


CASES = []
for w in (0, 1, 10):
  CASES += [
      ("linear", w, None, lambda s, w=w: linear(s, w, T)),
      ("constant_with_warmup", w, None, lambda s, w=w: warm(s, w) if s < w else 1.0),
      ("inverse_sqrt", w, None, lambda s, w=w: inverse_sqrt(s, w, w or 10_000)),
      ("inverse_sqrt", w, {"timescale": 7}, lambda s, w=w: inverse_sqrt(s, w, 7)),
      ("polynomial", w, {"lr_end": 1e-4, "power": 2.0},
       lambda s, w=w: polynomial(s, w, T, 1e-4, 2.0)),
      ("polynomial", w, None, lambda s, w=w: polynomial(s, w, T, 1e-7, 1.0)),
      ("cosine_with_min_lr", w, {"min_lr_rate": 0.1}, lambda s, w=w: cosine(s, w, T, r=0.1)),
      ("cosine_with_min_lr", w, {"min_lr": LR * 0.2, "num_cycles": 0.8},
       lambda s, w=w: cosine(s, w, T, nc=0.8, r=0.2)),
      ("cosine_warmup_with_min_lr", w, {"min_lr_rate": 0.1},
       lambda s, w=w: lr_rate(s, w, T, 0.5, 0.1)),
      ("cosine_warmup_with_min_lr", w, {"min_lr_rate": 0.1, "warmup_lr_rate": 0.3},
       lambda s, w=w: lr_rate(s, w, T, 0.5, 0.1, 0.3)),
  ]
  for nc in (0.5, 0.3, 1.0, 1.7):
    CASES.append(("cosine", w, {"num_cycles": nc}, lambda s, w=w, nc=nc: cosine(s, w, T, nc)))
  for nc in (1, 3):
    CASES.append(("cosine_with_restarts", w, {"num_cycles": nc},
                  lambda s, w=w, nc=nc: hard_restarts(s, w, T, nc)))
  for wt in ("linear", "cosine", "1-sqrt"):
    for dt in ("linear", "cosine", "1-sqrt"):
      CASES.append(("warmup_stable_decay", w, {"num_decay_steps": 30, "warmup_type": wt,
                                               "decay_type": dt, "min_lr_ratio": 0.05},
                    lambda s, w=w, wt=wt, dt=dt: wsd(s, w, T - w - 30, 30, wt, dt, 0.05)))


@pytest.mark.parametrize("name,w,kwargs,ref", CASES,
                         ids=[f"{c[0]}-w{c[1]}-{i}" for i, c in enumerate(CASES)])
def test_get_scheduler_matches_transformers(name, w, kwargs, ref):
  s = hf.get_scheduler(name, LR, num_warmup_steps=w, num_training_steps=T,
                       scheduler_specific_kwargs=kwargs)
  check(s, ref)
  assert jaxlrs.from_config(s.to_config()) == s


def test_constant_and_wsd_with_stable_steps():
  check(hf.get_scheduler("constant", LR), lambda s: 1.0)
  s = hf.get_scheduler("warmup_stable_decay", LR, num_warmup_steps=5,
                       scheduler_specific_kwargs={"num_decay_steps": 10, "num_stable_steps": 20})
  check(s, lambda k: wsd(k, 5, 20, 10, "linear", "cosine", 0.0), np.arange(0, 60))


def test_past_the_end_holds_final_value_where_transformers_rises():
  s = hf.get_scheduler("cosine", LR, 10, T)
  assert cosine(T + 20, 10, T) > 0.01  # Transformers' cosine comes back up...
  np.testing.assert_allclose(s(np.array([T, T + 20, 10**9])), 0.0, atol=1e-12)  # ours holds 0
  s = hf.get_scheduler("cosine_warmup_with_min_lr", LR, 10, T,
                       scheduler_specific_kwargs={"min_lr_rate": 0.1})
  np.testing.assert_allclose(s(np.array([T + 1, T + 50])), s(T), rtol=1e-6)


def test_named_functions_match_get_scheduler():
  a = hf.get_linear_schedule_with_warmup(LR, num_warmup_steps=10, num_training_steps=T)
  assert a == hf.get_scheduler("linear", LR, 10, T)
  b = hf.get_cosine_schedule_with_warmup(LR, 10, T, num_cycles=0.5)
  assert b == hf.get_scheduler("cosine", LR, 10, T)


@pytest.mark.parametrize("call,exc,match", [
    (lambda: hf.get_scheduler("cosinus", LR, 1, 10), ValueError, "cosinus"),
    (lambda: hf.get_scheduler("reduce_lr_on_plateau", LR), ValueError, "reduce_on_plateau"),
    (lambda: hf.get_scheduler("linear", LR, None, 10), ValueError, "num_warmup_steps"),
    (lambda: hf.get_scheduler("linear", LR, 10, None), ValueError, "num_training_steps"),
    (lambda: hf.get_scheduler("linear", LR, 10, 10), ValueError, "num_training_steps"),
    (lambda: hf.get_scheduler("linear", LR, 1.5, 10), TypeError, "num_warmup_steps"),
    (lambda: hf.get_scheduler("cosine", LR, 1, 10, {"num_cycle": 2}), TypeError, "num_cycle"),
    (lambda: hf.get_scheduler("cosine", LR, 1, 10, {"num_cycles": 0.0}), ValueError,
     "num_cycles"),
    (lambda: hf.get_scheduler("polynomial", LR, 1, 10, {"lr_end": 1.0}), ValueError, "lr_end"),
    (lambda: hf.get_scheduler("cosine_with_min_lr", LR, 1, 10), ValueError, "min_lr"),
    (lambda: hf.get_scheduler("cosine_with_min_lr", LR, 1, 10,
                              {"min_lr": 1e-5, "min_lr_rate": 0.1}), ValueError, "min_lr"),
    (lambda: hf.get_scheduler("warmup_stable_decay", LR, 1, None, {"num_decay_steps": 5}),
     ValueError, "num_training_steps"),
    (lambda: hf.get_scheduler("warmup_stable_decay", LR, 1, 10,
                              {"num_decay_steps": 5, "decay_type": "exp"}), ValueError,
     "decay_type"),
    (lambda: hf.get_scheduler("warmup_stable_decay", LR, 8, 10, {"num_decay_steps": 5}),
     ValueError, "num_training_steps"),
])
def test_bad_arguments(call, exc, match):
  with pytest.raises(exc, match=match):
    call()


@pytest.mark.parametrize("nc", [1.0, 0.3, 1.7])
def test_wsd_cosine_cycles_hold_min_lr_after_the_decay(nc):
  # Transformers returns min_lr_ratio once the decay is over, whatever num_cycles is. (The old
  # port held the cosine's own end value: the peak with num_cycles=1.)
  s = hf.get_wsd_schedule(LR, num_warmup_steps=10, num_decay_steps=30, num_training_steps=T,
                          decay_type="cosine", min_lr_ratio=0.05, num_cycles=nc)
  steps = np.arange(0, T + 50)
  check(s, lambda k: wsd(k, 10, T - 40, 30, "linear", "cosine", 0.05, nc), steps)
  np.testing.assert_allclose(s(np.array([T, T + 1, 10**6])), 0.05 * LR, rtol=1e-6)


def test_wsd_port_is_the_core_wsd():
  s = hf.get_wsd_schedule(LR, num_warmup_steps=10, num_decay_steps=30, num_training_steps=T,
                          warmup_type="1-sqrt", decay_type="cosine", min_lr_ratio=0.1,
                          num_cycles=1.5)
  assert s == jaxlrs.warmup_stable_decay(LR, total_steps=T, warmup_steps=10, decay_steps=30,
                                         warmup_shape="1-sqrt", decay_shape="cosine",
                                         end_value=0.1 * LR, init_value=0.1 * LR,
                                         decay_cycles=1.5)


def test_cosine_cycles_are_a_closed_form():
  # Built as a join of one piece per half wave, num_cycles=1e5 took seconds and grew linearly.
  s = hf.get_cosine_schedule_with_warmup(LR, 10, 10**6, num_cycles=1e5)
  assert s.kind == "warmup" and s.schedule.kind == "cosine"
  assert len(jax.tree.leaves(s)) == 5  # the same leaves as any cosine: O(1) to build
  steps = np.array([0, 5, 10, 12, 15, 17, 1000, 1003])
  want = [cosine(k, 10, 10**6, 1e5) for k in steps]
  # The phase 2 * 1e5 * step / 1e6 reaches ~200 here, where a float32 ulp is 1.5e-5.
  np.testing.assert_allclose(s(steps) / LR, want, rtol=1e-5, atol=3e-5)
