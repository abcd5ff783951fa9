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


def torch_momentum_cases():
  """CyclicLR and OneCycleLR momentum (SGD ``momentum``, Adam ``betas[0]``) at every step."""
  import torch
  from torch.optim import lr_scheduler as S

  def run(make, n, adam=False):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.Adam([p], lr=0.1) if adam else torch.optim.SGD([p], lr=0.1, momentum=0.9)
    sched = make(opt)
    out = []
    for _ in range(n):
      g = opt.param_groups[0]
      out.append(g["betas"][0] if adam else g["momentum"])
      opt.step()
      sched.step()
    return out

  cases = [
      ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=7, step_size_down=11), False),
      ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=5, mode="triangular2",
                        base_momentum=0.7, max_momentum=0.95), True),
      ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=6, mode="exp_range", gamma=0.97),
       False),
      ("OneCycleLR", dict(max_lr=0.1, total_steps=100), False),
      ("OneCycleLR", dict(max_lr=0.1, total_steps=101, pct_start=0.25, anneal_strategy="linear",
                          three_phase=True, base_momentum=0.8, max_momentum=0.9), True),
  ]
  out = []
  for name, kwargs, adam in cases:
    n = kwargs.get("total_steps", N)
    make = (lambda o, kw=kwargs, name=name: getattr(S, name)(o, **kw))
    out.append(dict(name=name, kwargs=kwargs, steps=list(range(n)), momentum=run(make, n, adam),
                    optimizer="adam" if adam else "sgd"))
  return out


def signatures():
  """Argument names and defaults of every ported torch and timm scheduler."""
  import inspect

  from torch.optim import lr_scheduler as S

  mods = _timm_scheduler_package()
  timm = {"CosineLRScheduler": mods["cosine_lr"].CosineLRScheduler,
          "PolyLRScheduler": mods["poly_lr"].PolyLRScheduler,
          "TanhLRScheduler": mods["tanh_lr"].TanhLRScheduler,
          "StepLRScheduler": mods["step_lr"].StepLRScheduler,
          "MultiStepLRScheduler": mods["multistep_lr"].MultiStepLRScheduler,
          "WSDLRScheduler": mods["wsd_lr"].WSDLRScheduler,
          "PlateauLRScheduler": mods["plateau_lr"].PlateauLRScheduler,
          "create_scheduler_v2": mods["scheduler_factory"].create_scheduler_v2}
  torch_names = ["StepLR", "MultiStepLR", "ConstantLR", "LinearLR", "ExponentialLR",
                 "PolynomialLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts", "CyclicLR",
                 "OneCycleLR", "SequentialLR"]

  def describe(fn):
    out = []
    for p in inspect.signature(fn).parameters.values():
      if p.name in ("self", "optimizer", "last_epoch", "verbose"):
        continue
      default = None if p.default is inspect.Parameter.empty else repr(p.default)
      out.append([p.name, p.default is not inspect.Parameter.empty, default])
    return out

  return {"torch": {n: describe(getattr(S, n)) for n in torch_names},
          "timm": {n: describe(f) for n, f in timm.items()}}


def _timm_scheduler_package():
  """timm's ``scheduler`` package, loaded without ``timm/__init__`` (which needs torchvision).

  ``TIMM_SCHEDULER_DIR`` may point at a timm 1.0.31 ``timm/scheduler`` source directory (the
  first release with ``wsd_lr.py`` and ``noise_std`` applied to the noise); the default is the
  installed timm's.
  """
  import importlib
  import importlib.util
  import sys
  import types

  directory = os.environ.get("TIMM_SCHEDULER_DIR")
  if directory is None:
    directory = os.path.join(importlib.util.find_spec("timm").submodule_search_locations[0],
                             "scheduler")
  package = types.ModuleType("_timm_scheduler")
  package.__path__ = [directory]
  sys.modules["_timm_scheduler"] = package
  sys.modules.setdefault("timm.scheduler.scheduler",
                         importlib.import_module("_timm_scheduler.scheduler"))
  return {name: importlib.import_module(f"_timm_scheduler.{name}")
          for name in ("cosine_lr", "poly_lr", "tanh_lr", "step_lr", "multistep_lr", "wsd_lr",
                       "plateau_lr", "scheduler_factory")}


TIMM_STEPS = list(range(N)) + [0.5, 2.5, 7.25, 33.5, 99.75]  # fractional epochs too


def _timm_values(sched, steps):
  values = []
  for t in steps:
    lrs = sched._get_lr(t)
    if float(t).is_integer():
      lrs = sched._add_noise(lrs, int(t))
    values.append(float(lrs[0]))
  return values


def timm_cases():
  import torch

  mods = _timm_scheduler_package()
  classes = {
      "CosineLRScheduler": mods["cosine_lr"].CosineLRScheduler,
      "PolyLRScheduler": mods["poly_lr"].PolyLRScheduler,
      "TanhLRScheduler": mods["tanh_lr"].TanhLRScheduler,
      "StepLRScheduler": mods["step_lr"].StepLRScheduler,
      "MultiStepLRScheduler": mods["multistep_lr"].MultiStepLRScheduler,
      "WSDLRScheduler": mods["wsd_lr"].WSDLRScheduler,
  }
  warm = dict(warmup_t=5, warmup_lr_init=1e-4)
  noise = dict(noise_range_t=[10, 60], noise_pct=0.3, noise_std=0.5, noise_seed=7)
  configs = [
      ("CosineLRScheduler", dict(t_initial=50)),
      ("CosineLRScheduler", dict(t_initial=30, lr_min=0.001, cycle_limit=3, **warm)),
      ("CosineLRScheduler", dict(t_initial=30, lr_min=0.001, cycle_limit=3, warmup_prefix=True,
                                 **warm)),
      ("CosineLRScheduler", dict(t_initial=10, cycle_mul=2.0, cycle_decay=0.5, cycle_limit=4,
                                 lr_min=0.002)),
      ("CosineLRScheduler", dict(t_initial=20, k_decay=2.0, cycle_limit=2)),
      ("CosineLRScheduler", dict(t_initial=40, warmup_t=1)),
      ("CosineLRScheduler", dict(t_initial=12, cycle_mul=1.5, cycle_limit=4, warmup_t=3,
                                 warmup_prefix=True)),
      ("CosineLRScheduler", dict(t_initial=30, cycle_limit=0, lr_min=0.01, **warm)),
      ("CosineLRScheduler", dict(t_initial=80, **noise)),
      ("CosineLRScheduler", dict(t_initial=80, noise_range_t=20)),
      ("CosineLRScheduler", dict(t_initial=80, noise_range_t=[0, 90], noise_type="uniform",
                                 noise_pct=0.5)),
      ("PolyLRScheduler", dict(t_initial=50)),
      ("PolyLRScheduler", dict(t_initial=50, power=2.0, warmup_prefix=True, **warm)),
      ("PolyLRScheduler", dict(t_initial=10, power=1.0, k_decay=2.0, cycle_mul=2.0,
                               cycle_decay=0.5, cycle_limit=3, lr_min=0.001, warmup_t=1)),
      ("PolyLRScheduler", dict(t_initial=25, cycle_limit=3, lr_min=0.005, **warm, **noise)),
      ("TanhLRScheduler", dict(t_initial=50)),
      ("TanhLRScheduler", dict(t_initial=50, lr_min=0.001, **warm)),
      ("TanhLRScheduler", dict(t_initial=50, lr_min=0.001, warmup_prefix=True, **warm)),
      ("TanhLRScheduler", dict(t_initial=12, lb=-5.0, ub=4.0, cycle_mul=1.5, cycle_decay=0.7,
                               cycle_limit=4, warmup_t=1)),
      ("TanhLRScheduler", dict(t_initial=60, noise_range_t=30, noise_seed=3)),
      ("StepLRScheduler", dict(decay_t=10, decay_rate=0.5)),
      ("StepLRScheduler", dict(decay_t=10, decay_rate=0.5, **warm)),
      ("StepLRScheduler", dict(decay_t=10, decay_rate=0.5, warmup_prefix=False, **warm)),
      ("StepLRScheduler", dict(decay_t=7.5, decay_rate=0.8, warmup_t=1)),
      ("StepLRScheduler", dict(decay_t=20, decay_rate=0.5, **noise)),
      ("MultiStepLRScheduler", dict(decay_t=[10, 30, 30, 80], decay_rate=0.5)),
      ("MultiStepLRScheduler", dict(decay_t=[10, 30, 80], decay_rate=0.5, **warm)),
      ("MultiStepLRScheduler", dict(decay_t=[10, 30, 80], decay_rate=0.5, warmup_prefix=False,
                                    **warm)),
      ("MultiStepLRScheduler", dict(decay_t=[0, 1, 2, 50], decay_rate=0.9, warmup_t=1)),
      ("WSDLRScheduler", dict(t_initial=100, decay_t=20, warmup_t=10)),
      ("WSDLRScheduler", dict(t_initial=100, decay_t=20, lr_min=0.01, decay_fn="linear",
                              **warm)),
      ("WSDLRScheduler", dict(t_initial=100, decay_t=30, decay_fn="cosine", warmup_t=1)),
      ("WSDLRScheduler", dict(t_initial=100, decay_t=25, decay_fn="power", decay_power=2.0)),
      ("WSDLRScheduler", dict(t_initial=100, decay_t=25, lr_min=0.001, decay_fn="exp",
                              decay_ratio=0.05, warmup_t=10)),
      ("WSDLRScheduler", dict(t_initial=110, decay_t=20, stable_fn="rsqrt", decay_fn="linear",
                              warmup_t=10)),
      ("WSDLRScheduler", dict(t_initial=110, decay_t=20, stable_fn="power", stable_power=0.3,
                              stable_timescale=7.5, lr_min=0.02, warmup_t=4)),
      ("WSDLRScheduler", dict(t_initial=100, decay_t=100, warmup_t=10, **noise)),
  ]
  out = []
  for name, cfg in configs:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    cfg = dict(cfg)
    noise_type = cfg.pop("noise_type", None)
    sched = classes[name](opt, t_in_epochs=True, **cfg)
    if noise_type is not None:  # a base-class argument the subclasses do not forward
      sched.noise_type = noise_type
      cfg["noise_type"] = noise_type
    steps = TIMM_STEPS if cfg.get("noise_range_t") is None else list(range(N))
    out.append(dict(name=name, kwargs=dict(lr=0.1, **cfg), steps=steps,
                    values=_timm_values(sched, steps)))
  factory = mods["scheduler_factory"].create_scheduler_v2
  factory_configs = [
      dict(sched="cosine", num_epochs=50, warmup_epochs=5, warmup_prefix=True),
      dict(sched="cosine", num_epochs=30, cycle_limit=3, cycle_decay=0.5, cooldown_epochs=10,
           min_lr=1e-3, warmup_epochs=2),
      dict(sched="cosine", num_epochs=10, cycle_mul=1.5, cycle_limit=3),
      dict(sched="tanh", num_epochs=40, warmup_epochs=3),
      dict(sched="poly", num_epochs=40, decay_rate=2.0, k_decay=1.5, noise=[0.2, 0.8]),
      dict(sched="step", num_epochs=60, decay_epochs=15, decay_rate=0.5, warmup_epochs=2,
           warmup_prefix=True),
      dict(sched="multistep", num_epochs=60, decay_milestones=[20, 40], decay_rate=0.5),
      dict(sched="wsd", num_epochs=100, warmup_epochs=10),
      dict(sched="wsd", num_epochs=100, warmup_epochs=10, warmup_prefix=True, decay_epochs=30,
           decay_fn="cosine", min_lr=1e-3),
      dict(sched="rsqrt", num_epochs=100, warmup_epochs=10),
      dict(sched="cosine", num_epochs=8, warmup_epochs=1, step_on_epochs=False,
           updates_per_epoch=12, noise=0.5),
      dict(sched="wsd", num_epochs=8, warmup_epochs=1, step_on_epochs=False,
           updates_per_epoch=12),
      dict(sched="constant", num_epochs=20, warmup_epochs=3, warmup_lr=1e-4, noise=0.5),
      dict(sched="constant", num_epochs=8, warmup_epochs=1, warmup_prefix=True,
           step_on_epochs=False, updates_per_epoch=12),
      dict(sched="none", num_epochs=20, warmup_epochs=3, warmup_prefix=True),
  ]
  for cfg in factory_configs:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    sched, num_epochs = factory(opt, **cfg)
    steps = list(range(N))
    # "none": timm returns no scheduler and the optimizer keeps its learning rate.
    values = [0.1] * N if sched is None else _timm_values(sched, steps)
    out.append(dict(name="create_scheduler_v2", kwargs=dict(lr=0.1, **cfg), steps=steps,
                    values=values, num_epochs=num_epochs))
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
  import generate_plateau  # timm's metric-driven PlateauLRScheduler: calls, not steps

  generate_plateau.main()
  for lib, fn in (("torch", torch_cases), ("torch_momentum", torch_momentum_cases),
                  ("timm", timm_cases), ("keras", keras_cases), ("signatures", signatures)):
    path = HERE / f"{lib}.json"
    path.write_text(json.dumps(fn(), indent=1) + "\n")
    print("wrote", path)


if __name__ == "__main__":
  main()
