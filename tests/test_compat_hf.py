"""Hugging Face ports against values recorded from Transformers, and their own promises.

tests/reference/generate_hf.py ran ``transformers.get_scheduler`` (and the ``get_*`` functions
it cannot reach) and stored the learning rate at every step; these tests need neither
transformers nor torch.
"""

import json
import math
import pathlib

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxlrs
from jaxlrs.compat import hf

LR, T = 2e-3, 100
STEPS = np.arange(0, T + 1)
REFERENCE = json.loads((pathlib.Path(__file__).parent / "reference" / "hf.json").read_text())
FUNCTIONS = {
    "constant": hf.get_constant_schedule,
    "constant_with_warmup": hf.get_constant_schedule_with_warmup,
    "linear": hf.get_linear_schedule_with_warmup,
    "cosine": hf.get_cosine_schedule_with_warmup,
    "cosine_with_restarts": hf.get_cosine_with_hard_restarts_schedule_with_warmup,
    "polynomial": hf.get_polynomial_decay_schedule_with_warmup,
    "inverse_sqrt": hf.get_inverse_sqrt_schedule,
    "cosine_with_min_lr": hf.get_cosine_with_min_lr_schedule_with_warmup,
    "cosine_warmup_with_min_lr": hf.get_cosine_with_min_lr_schedule_with_warmup_lr_rate,
    "warmup_stable_decay": hf.get_wsd_schedule,
}
# Transformers' cosines keep following cos() after num_training_steps; ours hold the value there.
HOLDS_PAST_END = ("cosine", "cosine_with_min_lr", "cosine_warmup_with_min_lr")


def case_id(case):
  args = [case.get("name") or case["function"], case.get("num_warmup_steps"),
          case.get("num_training_steps")]
  args += [f"{k}={v}" for k, v in case["kwargs"].items()]
  return "-".join(str(a) for a in args)


def port(case):
  """The case built both through ``get_scheduler`` and through the ``get_*`` function."""
  lr, w, t, kwargs = REFERENCE["lr"], case.get("num_warmup_steps"), case.get(
      "num_training_steps"), case["kwargs"]
  name = case.get("name")
  fn = getattr(hf, case["function"]) if name is None else FUNCTIONS[name]
  if name == "constant":
    direct = fn(lr)
  elif name in ("constant_with_warmup", "inverse_sqrt") or name is None:
    direct = fn(lr, w, **kwargs)
  elif name == "warmup_stable_decay":
    direct = fn(lr, w, num_training_steps=t, **kwargs)
  else:
    direct = fn(lr, w, t, **kwargs)
  if name is not None:
    by_name = hf.get_scheduler(name, lr, num_warmup_steps=w, num_training_steps=t,
                               scheduler_specific_kwargs=kwargs or None)
    assert by_name == direct
  return direct


@pytest.mark.parametrize("case", REFERENCE["cases"], ids=[case_id(c) for c in REFERENCE["cases"]])
def test_port_matches_recorded_transformers(case):
  s = port(case)
  steps = np.asarray(case["steps"])
  recorded = np.array([np.nan if v is None else v for v in case["values"]])
  got = np.asarray(s(steps), np.float64)
  w, t = case.get("num_warmup_steps", 0), case.get("num_training_steps")
  keep = ~np.isnan(recorded)
  if case.get("name") in HOLDS_PAST_END:
    end = max(t, w + 1)  # the cosine runs over max(1, T - w) steps from w
    np.testing.assert_allclose(got[steps > end], float(s(end)), rtol=1e-6)
    keep &= steps <= end
  np.testing.assert_allclose(got[keep], recorded[keep], rtol=2e-5, atol=1e-7 * REFERENCE["lr"])
  if not keep.all() and case.get("name") == "polynomial":  # Transformers divides by T - w = 0
    np.testing.assert_allclose(got[np.isnan(recorded)], case["kwargs"]["lr_end"], rtol=1e-6)
  assert jaxlrs.from_config(s.to_config()) == s


def test_reference_covers_every_scheduler_and_edge():
  cases = REFERENCE["cases"]
  assert REFERENCE["transformers"].startswith("4.57")
  names = {c.get("name") for c in cases}
  assert names >= set(FUNCTIONS), set(FUNCTIONS) - names
  for name in FUNCTIONS.keys() - {"constant"}:
    warmups = {c["num_warmup_steps"] - c.get("num_training_steps", 0) for c in cases
               if c.get("name") == name and c.get("num_training_steps") is not None}
    assert min(warmups) < 0 and 0 in warmups and max(warmups) > 0, name  # w < T, w == T, w > T
  kinds = {(c["kwargs"].get("warmup_type", "linear"), c["kwargs"].get("decay_type", "cosine"))
           for c in cases if c.get("name") == "warmup_stable_decay"}
  assert len(kinds) == 9


def warm(s, w):
  return s / max(1, w)


def cosine(s, w, T, nc=0.5, r=0.0):
  if s < w:
    return warm(s, w)
  p = (s - w) / max(1, T - w)
  return max(0.0, 0.5 * (1 + math.cos(math.pi * nc * 2 * p)) * (1 - r) + r)


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


def test_past_the_end_holds_final_value_where_transformers_rises():
  s = hf.get_scheduler("cosine", LR, 10, T)
  assert cosine(T + 20, 10, T) > 0.01  # Transformers' cosine comes back up...
  np.testing.assert_allclose(s(np.array([T, T + 20, 10**9])), 0.0, atol=1e-12)  # ours holds 0
  s = hf.get_scheduler("cosine_warmup_with_min_lr", LR, 10, T,
                       scheduler_specific_kwargs={"min_lr_rate": 0.1})
  np.testing.assert_allclose(s(np.array([T + 1, T + 50])), s(T), rtol=1e-6)


@pytest.mark.parametrize("call,exc,match", [
    (lambda: hf.get_scheduler("cosinus", LR, 1, 10), ValueError, "cosinus"),
    (lambda: hf.get_scheduler("reduce_lr_on_plateau", LR), ValueError, "reduce_on_plateau"),
    (lambda: hf.get_scheduler("linear", LR, None, 10), ValueError, "num_warmup_steps"),
    (lambda: hf.get_scheduler("linear", LR, 10, None), ValueError, "num_training_steps"),
    (lambda: hf.get_scheduler("linear", LR, 10, -1), ValueError, "num_training_steps"),
    (lambda: hf.get_scheduler("linear", LR, 1.5, 10), TypeError, "num_warmup_steps"),
    (lambda: hf.get_scheduler("cosine", LR, 1, 10, {"num_cycle": 2}), TypeError, "num_cycle"),
    (lambda: hf.get_scheduler("cosine", LR, 1, 10, {"num_cycles": 0.0}), ValueError,
     "num_cycles"),
    (lambda: hf.get_scheduler("polynomial", LR, 1, 10, {"lr_end": 1.0}), ValueError, "lr_end"),
    (lambda: hf.get_scheduler("polynomial", LR, 1, 10, {"lr_end": LR}), ValueError, "lr_end"),
    (lambda: hf.get_scheduler("cosine_with_restarts", LR, 1, 10, {"num_cycles": 0}), ValueError,
     "num_cycles"),
    (lambda: hf.get_scheduler("cosine_with_min_lr", LR, 1, 10), ValueError, "min_lr"),
    (lambda: hf.get_scheduler("cosine_with_min_lr", LR, 1, 10,
                              {"min_lr": 1e-5, "min_lr_rate": 0.1}), ValueError, "min_lr"),
    (lambda: hf.get_scheduler("warmup_stable_decay", LR, 1, None, {"num_decay_steps": 5}),
     ValueError, "num_training_steps"),
    (lambda: hf.get_scheduler("warmup_stable_decay", LR, 1, 10,
                              {"num_decay_steps": 5, "decay_type": "exp"}), ValueError,
     "decay_type"),
    (lambda: hf.get_scheduler("warmup_stable_decay", LR, 2, 10,
                              {"num_decay_steps": 5, "num_stable_steps": 4}), ValueError,
     "num_stable_steps"),
    (lambda: hf.get_scheduler("warmup_stable_decay", LR, 2, 10, {"num_decay_steps": -1}),
     ValueError, "num_decay_steps"),
    # What Transformers' get_scheduler silently drops raises here.
    (lambda: hf.get_scheduler("inverse_sqrt", LR, 10, None, {"timescale": 7}), ValueError,
     r"get_inverse_sqrt_schedule\(learning_rate, num_warmup_steps, timescale=7\)"),
    (lambda: hf.get_scheduler("constant_with_warmup", LR, 10, None, {"num_cycles": 2}),
     ValueError, "ignores"),
    (lambda: hf.get_scheduler("constant", LR, None, None, {"min_lr": 0.0}), ValueError,
     "ignores"),
    (lambda: hf.get_scheduler("constant", LR, 10, 100), ValueError, "constant_with_warmup"),
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


def test_wsd_with_agreeing_step_counts_and_a_constant():
  s = hf.get_scheduler("warmup_stable_decay", LR, 5, T,
                       {"num_decay_steps": 10, "num_stable_steps": T - 15})
  assert s == hf.get_scheduler("warmup_stable_decay", LR, 5, T, {"num_decay_steps": 10})
  assert hf.get_scheduler("constant", LR, 0, T) == hf.get_constant_schedule(LR)
  assert hf.get_scheduler("inverse_sqrt", LR, 10, T, {}) == hf.get_inverse_sqrt_schedule(LR, 10)


@pytest.mark.parametrize("build", [
    lambda lr: hf.get_linear_schedule_with_warmup(lr, 10, 10),
    lambda lr: hf.get_polynomial_decay_schedule_with_warmup(lr, 10, 6, lr_end=1e-4, power=2.0),
    lambda lr: hf.get_cosine_schedule_with_warmup(lr, 10, 4, num_cycles=0.3),
    lambda lr: hf.get_cosine_with_min_lr_schedule_with_warmup_lr_rate(lr, 10, 7, min_lr=1e-3),
    lambda lr: hf.get_wsd_schedule(lr, 10, 8, num_training_steps=14, min_lr_ratio=0.1),
    lambda lr: hf.get_wsd_schedule(lr, 0, 8, num_training_steps=5, decay_type="1-sqrt"),
])
def test_training_steps_up_to_warmup_build_under_vmap_and_grad(build):
  steps = jnp.array([3, 10, 11, 13, 40])
  batched = jax.vmap(lambda lr: build(lr)(steps))(jnp.array([0.1, 0.2]))
  np.testing.assert_allclose(batched, [build(0.1)(steps), build(0.2)(steps)], rtol=1e-6)
  weights = jnp.array([1.0, 2.0, 3.0, 5.0, 7.0])
  g = jax.grad(lambda lr: build(lr)(steps) @ weights)(0.1)
  fd = (build(0.1 + 1e-3)(steps) - build(0.1 - 1e-3)(steps)) @ weights / 2e-3
  np.testing.assert_allclose(g, fd, rtol=1e-2)


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
