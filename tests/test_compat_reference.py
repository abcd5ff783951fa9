"""PyTorch, timm and Keras ports against values recorded from the original libraries.

tests/reference/generate.py ran torch 2.13, timm 1.0 and Keras 3 (JAX backend) and stored their
learning rates; these tests need none of those libraries.
"""

import json
import pathlib

import numpy as np
import pytest

import jaxlrs
from jaxlrs.compat import keras, timm, torch

HERE = pathlib.Path(__file__).parent / "reference"
MODULES = {"torch": torch, "timm": timm, "keras": keras}
CASES = [(lib, case) for lib in MODULES
         for case in json.loads((HERE / f"{lib}.json").read_text())]


def case_id(c):
  lib, case = c
  return f"{lib}.{case['name']}-" + "-".join(f"{k}={v}" for k, v in case["kwargs"].items())


@pytest.mark.parametrize("lib,case", CASES, ids=[case_id(c) for c in CASES])
def test_port_matches_original_library(lib, case):
  schedule = getattr(MODULES[lib], case["name"])(**case["kwargs"])
  if case["name"] == "create_scheduler_v2":
    schedule, num_epochs = schedule
    assert num_epochs == case["num_epochs"]
  steps = np.asarray(case["steps"])
  expected = np.asarray(case["values"], np.float64)
  if lib == "torch" and case["name"] == "CosineAnnealingLR":
    T = case["kwargs"]["T_max"]  # PyTorch follows the cosine back up after T_max; we hold.
    steps, expected = steps[: T + 1], expected[: T + 1]
  got = np.asarray(schedule(steps), np.float64)
  np.testing.assert_allclose(got, expected, rtol=2e-5, atol=1e-7 * np.max(np.abs(expected)))
  assert jaxlrs.from_config(schedule.to_config()) == schedule


def test_reference_tables_cover_every_port():
  names = {(lib, c["name"]) for lib, c in CASES}
  for lib, module in MODULES.items():
    for name in module.__all__:
      if name in ("PlateauLRScheduler", "PlateauLRSchedulerState"):
        continue  # metric-driven: tests/reference/timm_plateau.json, test_compat_timm_plateau.py
      if name not in ("SequentialLR", "SCHEDULERS", "get_cycle_length", "per_update",
                      "with_momentum"):  # tested in test_compat_ports.py
        assert (lib, name) in names, f"no reference values for {lib}.{name}"


def test_sequential_lr_is_a_join():
  s = torch.SequentialLR([torch.LinearLR(0.1, 0.1, 1.0, total_iters=5),
                          torch.ExponentialLR(0.1, gamma=0.9)], milestones=[5])
  np.testing.assert_allclose(s(np.arange(8)),
                             [0.01, 0.028, 0.046, 0.064, 0.082, 0.1, 0.09, 0.081], rtol=1e-6)


def test_cosine_annealing_holds_eta_min_after_t_max():
  s = torch.CosineAnnealingLR(0.1, T_max=10, eta_min=0.01)
  np.testing.assert_allclose(s(np.array([10, 11, 1000])), 0.01, rtol=1e-6)


@pytest.mark.parametrize("call,exc,match", [
    (lambda: torch.StepLR(0.1, step_size=2.5), TypeError, "step_size"),
    (lambda: torch.MultiStepLR(0.1, []), ValueError, "milestones"),
    (lambda: torch.ConstantLR(0.1, factor=2.0), ValueError, "factor"),
    (lambda: torch.LinearLR(0.1, start_factor=0.0), ValueError, "start_factor"),
    (lambda: torch.CosineAnnealingWarmRestarts(0.1, T_0=10, T_mult=0), ValueError, "T_mult"),
    (lambda: torch.CyclicLR(0.01, 0.1, scale_fn=lambda x: 1.0), ValueError, "scale_fn"),
    (lambda: torch.OneCycleLR(0.1), ValueError, "total_steps"),
    (lambda: torch.OneCycleLR(0.1, 100, pct_start=1.5), ValueError, "pct_start"),
    (lambda: keras.CosineDecayRestarts(0.1, 10, alpha=2.0), ValueError, "alpha"),
    (lambda: keras.PiecewiseConstantDecay([10, 5], [1.0, 0.5, 0.1]), ValueError, "boundaries"),
    (lambda: keras.ExponentialDecay(0.1, 0, 0.5), ValueError, "decay_steps"),
    (lambda: timm.CosineLRScheduler(0.1, t_initial=0), ValueError, "t_initial"),
    (lambda: timm.CosineLRScheduler(0.1, 10, cycle_mul=0.5), ValueError, "cycle_mul"),
    (lambda: torch.CosineAnnealingLR(0.1, T_max=0), ValueError, "T_max"),
    (lambda: torch.CosineAnnealingWarmRestarts(0.1, T_0=-1), ValueError, "T_0"),
    (lambda: torch.LinearLR(0.1, total_iters=0), ValueError, "total_iters"),
    (lambda: torch.PolynomialLR(0.1, total_iters=1.5), TypeError, "total_iters"),
    (lambda: keras.CosineDecayRestarts(0.1, first_decay_steps=0), ValueError,
     "first_decay_steps"),
    (lambda: timm.CosineLRScheduler(0.1, 10, lr_min=-1.0), ValueError, "lr_min"),
])
def test_bad_arguments(call, exc, match):
  with pytest.raises(exc, match=match):
    call()
