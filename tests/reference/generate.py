"""Write reference learning rates from the original libraries into tests/reference/*.json.

Run it in an environment that has torch, timm and keras (KERAS_BACKEND=jax) installed:

    python tests/reference/generate.py

The JSON files are committed; the tests read them and never import these libraries.
Each entry: the port's name, its keyword arguments, the steps, and the original's values.
"""

import json
import os
import pathlib

os.environ.setdefault("KERAS_BACKEND", "jax")

HERE = pathlib.Path(__file__).parent
N = 130  # steps 0..N-1, beyond every schedule's end


def torch_cases():
  import torch
  from torch.optim import lr_scheduler as S

  def run(make, lr=0.1, steps=N):
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    sched = make(opt)
    out = []
    for _ in range(steps):
      out.append(opt.param_groups[0]["lr"])
      opt.step()
      sched.step()
    return out

  cases = [
      ("StepLR", dict(lr=0.1, step_size=7, gamma=0.5), lambda o: S.StepLR(o, 7, 0.5)),
      ("MultiStepLR", dict(lr=0.1, milestones=[10, 30, 30, 80], gamma=0.5),
       lambda o: S.MultiStepLR(o, [10, 30, 30, 80], 0.5)),
      ("ConstantLR", dict(lr=0.1), lambda o: S.ConstantLR(o)),
      ("ConstantLR", dict(lr=0.1, factor=0.5, total_iters=20),
       lambda o: S.ConstantLR(o, 0.5, 20)),
      ("LinearLR", dict(lr=0.1), lambda o: S.LinearLR(o)),
      ("LinearLR", dict(lr=0.1, start_factor=0.1, end_factor=0.5, total_iters=40),
       lambda o: S.LinearLR(o, 0.1, 0.5, 40)),
      ("ExponentialLR", dict(lr=0.1, gamma=0.97), lambda o: S.ExponentialLR(o, 0.97)),
      ("PolynomialLR", dict(lr=0.1, total_iters=50, power=2.0),
       lambda o: S.PolynomialLR(o, 50, 2.0)),
      ("PolynomialLR", dict(lr=0.1), lambda o: S.PolynomialLR(o)),
      ("CosineAnnealingLR", dict(lr=0.1, T_max=100, eta_min=0.001),
       lambda o: S.CosineAnnealingLR(o, 100, 0.001), 101),
      ("CosineAnnealingWarmRestarts", dict(lr=0.1, T_0=10, T_mult=2, eta_min=0.01),
       lambda o: S.CosineAnnealingWarmRestarts(o, 10, 2, 0.01)),
      ("CosineAnnealingWarmRestarts", dict(lr=0.1, T_0=13),
       lambda o: S.CosineAnnealingWarmRestarts(o, 13)),
      ("OneCycleLR", dict(max_lr=0.1, total_steps=100),
       lambda o: S.OneCycleLR(o, 0.1, total_steps=100), 100),
      ("OneCycleLR", dict(max_lr=0.1, total_steps=101, pct_start=0.25, anneal_strategy="linear",
                          three_phase=True),
       lambda o: S.OneCycleLR(o, 0.1, total_steps=101, pct_start=0.25, anneal_strategy="linear",
                              three_phase=True), 101),
      ("OneCycleLR", dict(max_lr=0.1, epochs=4, steps_per_epoch=25, div_factor=10.0,
                          final_div_factor=100.0),
       lambda o: S.OneCycleLR(o, 0.1, epochs=4, steps_per_epoch=25, div_factor=10.0,
                              final_div_factor=100.0), 100),
  ]
  for mode in ("triangular", "triangular2", "exp_range"):
    cases.append(("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=7, step_size_down=11,
                                   mode=mode, gamma=0.99),
                  lambda o, mode=mode: S.CyclicLR(o, 0.01, 0.1, 7, 11, mode=mode, gamma=0.99,
                                                  cycle_momentum=False)))
  out = []
  for name, kwargs, make, *steps in cases:
    n = steps[0] if steps else N
    lr = kwargs.get("lr", kwargs.get("max_lr", kwargs.get("base_lr")))
    out.append(dict(name=name, kwargs=kwargs, steps=list(range(n)), values=run(make, lr, n)))
  return out


def timm_cases():
  import importlib
  import importlib.util
  import sys
  import types

  import torch

  # Load timm.scheduler.cosine_lr without timm/__init__ (which needs torchvision).
  root = importlib.util.find_spec("timm").submodule_search_locations[0]
  package = types.ModuleType("_timm_scheduler")
  package.__path__ = [os.path.join(root, "scheduler")]
  sys.modules["_timm_scheduler"] = package
  CosineLRScheduler = importlib.import_module("_timm_scheduler.cosine_lr").CosineLRScheduler

  configs = [
      dict(t_initial=50),
      dict(t_initial=30, lr_min=0.001, cycle_limit=3, warmup_t=5, warmup_lr_init=1e-4),
      dict(t_initial=30, lr_min=0.001, cycle_limit=3, warmup_t=5, warmup_lr_init=1e-4,
           warmup_prefix=True),
      dict(t_initial=10, cycle_mul=2.0, cycle_decay=0.5, cycle_limit=4, lr_min=0.002),
      dict(t_initial=20, k_decay=2.0, cycle_limit=2),
  ]
  out = []
  for cfg in configs:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    sched = CosineLRScheduler(opt, t_in_epochs=False, **cfg)
    values = [sched._get_lr(t)[0] for t in range(N)]
    out.append(dict(name="CosineLRScheduler", kwargs=dict(lr=0.1, **cfg),
                    steps=list(range(N)), values=values))
  return out


def keras_cases():
  import keras
  import numpy as np

  S = keras.optimizers.schedules
  cases = [
      ("ExponentialDecay", dict(initial_learning_rate=0.1, decay_steps=10, decay_rate=0.8)),
      ("ExponentialDecay", dict(initial_learning_rate=0.1, decay_steps=10, decay_rate=0.8,
                                staircase=True)),
      ("PiecewiseConstantDecay", dict(boundaries=[10, 40], values=[0.1, 0.05, 0.01])),
      ("PolynomialDecay", dict(initial_learning_rate=0.1, decay_steps=50)),
      ("PolynomialDecay", dict(initial_learning_rate=0.1, decay_steps=40,
                               end_learning_rate=0.01, power=0.5, cycle=True)),
      ("InverseTimeDecay", dict(initial_learning_rate=0.1, decay_steps=10, decay_rate=0.5)),
      ("InverseTimeDecay", dict(initial_learning_rate=0.1, decay_steps=10, decay_rate=0.5,
                                staircase=True)),
      ("CosineDecay", dict(initial_learning_rate=0.1, decay_steps=100, alpha=0.1)),
      ("CosineDecay", dict(initial_learning_rate=0.0, decay_steps=80, alpha=0.05,
                           warmup_target=0.1, warmup_steps=20)),
      ("CosineDecayRestarts", dict(initial_learning_rate=0.1, first_decay_steps=10)),
      ("CosineDecayRestarts", dict(initial_learning_rate=0.1, first_decay_steps=10, t_mul=1.0,
                                   m_mul=0.8, alpha=0.1)),
      ("CosineDecayRestarts", dict(initial_learning_rate=0.1, first_decay_steps=10, t_mul=2.0,
                                   m_mul=0.5, alpha=0.2)),
  ]
  out = []
  for name, kwargs in cases:
    sched = getattr(S, name)(**kwargs)
    values = [float(np.asarray(sched(t))) for t in range(N)]
    out.append(dict(name=name, kwargs=kwargs, steps=list(range(N)), values=values))
  return out


def main():
  for lib, fn in (("torch", torch_cases), ("timm", timm_cases), ("keras", keras_cases)):
    path = HERE / f"{lib}.json"
    path.write_text(json.dumps(fn(), indent=1) + "\n")
    print("wrote", path)


if __name__ == "__main__":
  main()
