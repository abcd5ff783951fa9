"""SambaFlow ports against their documented formulas, and resume continuity."""

import math

import numpy as np
import pytest

import jaxlrs
from jaxlrs.compat import sambaflow


def expected(name, lr, w, T, ratio, s):
  if name == "fixed_lr":
    return lr
  if s < w:
    return lr * s / w
  p = min(s - w, T - w) / (T - w)
  if name == "cosine_schedule_with_warmup":
    return ratio * lr + (lr - ratio * lr) * 0.5 * (1 + math.cos(math.pi * p))
  return lr + (ratio * lr - lr) * p


@pytest.mark.parametrize("name,ratio,default", [
    ("cosine_schedule_with_warmup", None, 0.1), ("cosine_schedule_with_warmup", 0.3, None),
    ("polynomial_decay_schedule_with_warmup", None, 0.0),
    ("polynomial_decay_schedule_with_warmup", 0.2, None), ("fixed_lr", None, None)])
@pytest.mark.parametrize("warmup_steps", [0, 10])
def test_formula_table(name, ratio, default, warmup_steps):
  s = sambaflow.get_schedule(name, 1e-3, warmup_steps, 100, end_lr_ratio=ratio)
  steps = np.arange(0, 130)
  r = default if ratio is None else ratio
  want = [expected(name, 1e-3, warmup_steps, 100, r, int(k)) for k in steps]
  np.testing.assert_allclose(s(steps), want, rtol=2e-6, atol=1e-10)
  assert jaxlrs.from_config(s.to_config()) == s


def test_stop_and_resume_continues_the_same_curve():
  s = sambaflow.get_schedule("cosine_schedule_with_warmup", 1e-3, 10, 100)
  first = [float(s(k)) for k in range(0, 40)]  # --steps-this-run 40
  second = [float(s(k)) for k in range(40, 100)]  # resumed from the step-40 checkpoint
  np.testing.assert_array_equal(first + second, np.asarray(s(np.arange(100))))


@pytest.mark.parametrize("call,exc,match", [
    (lambda: sambaflow.get_schedule("cosine", 1e-3, 10, 100), ValueError, "lr_schedule"),
    (lambda: sambaflow.get_schedule("fixed_lr", float("nan"), 0, 1), ValueError,
     "learning_rate"),
    (lambda: sambaflow.get_schedule("cosine_schedule_with_warmup", 1e-3, 100, 100), ValueError,
     "max_steps"),
    (lambda: sambaflow.get_schedule("cosine_schedule_with_warmup", 1e-3, 10, 100, 1.5),
     ValueError, "end_lr_ratio"),
    (lambda: sambaflow.get_schedule("cosine_schedule_with_warmup", 1e-3, 1.0, 100), TypeError,
     "warmup_steps"),
])
def test_bad_arguments(call, exc, match):
  with pytest.raises(exc, match=match):
    call()
