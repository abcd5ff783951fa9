"""Record timm's metric-driven PlateauLRScheduler into tests/reference/timm_plateau.json.

Run it where torch and timm 1.0.31 are installed (``generate.py`` runs it too):

    python tests/reference/generate_plateau.py

Each case: the scheduler's keyword arguments (or ``create_scheduler_v2``'s), the calls
``scheduler.step(epoch, metric)`` made in order (``metric`` null: no metric), and the learning
rate the optimizer holds after each call (``initial``: before the first). The tests read the JSON
and never import torch or timm.
"""

import importlib
import json
import math
import pathlib
import warnings

from generate import _timm_scheduler_package

HERE = pathlib.Path(__file__).parent


def _loss(n, plateau_from, level, seed):
  """A validation loss: falls, plateaus at ``level`` (small wiggles above it), falls again."""
  out = []
  for k in range(n):
    if k < plateau_from:
      out.append(1.0 / (1 + 0.3 * k))
    elif k < plateau_from + 12:
      out.append(level + 0.01 * ((k * 7 + seed) % 3))  # never 1e-4 below the best
    else:
      out.append(level * 0.8 ** (k - plateau_from - 11))
  return out


LOSS = _loss(40, 8, 0.3, 1)
ACC = [0.1 + 0.6 * (1 - math.exp(-k / 6)) if k < 15 else 0.6 - 0.002 * (k % 4) if k < 30
       else 0.62 + 0.01 * (k - 30) for k in range(40)]
NEG = [-1.0, -1.5, -1.4, -1.45, -1.6, -1.55, -1.52, -1.50, -1.61, -1.59, -1.58, -1.57] * 2
TINY = [1.0] * 30  # flat from the first metric: reduce at every chance
ROUTINE = [(e + 1, m) for e, m in enumerate(LOSS)]  # timm's train.py: step(epoch + 1, metric)


def _calls_with_gaps():
  """Metrics every other epoch (no metric in between), then a repeated and a skipped epoch."""
  calls = [(e, LOSS[e] if e % 2 == 0 else None) for e in range(1, 30)]
  return calls + [(29, 0.2), (31, 0.2), (32, None), (33, 0.25), (34, 0.25)]


CASES = [
    (dict(mode="min", patience_t=2), ROUTINE),
    (dict(mode="min", patience_t=0, decay_rate=0.5), ROUTINE),
    (dict(mode="min", patience_t=1, cooldown_t=2, decay_rate=0.5, lr_min=0.01), ROUTINE),
    (dict(mode="min", patience_t=1, threshold=0.05), ROUTINE),
    (dict(mode="min", patience_t=3, warmup_t=5, warmup_lr_init=0.001), ROUTINE),
    (dict(mode="min", patience_t=2, warmup_t=1), ROUTINE),
    (dict(patience_t=2, decay_rate=0.3), [(e + 1, m) for e, m in enumerate(ACC)]),
    (dict(patience_t=1, cooldown_t=3, threshold=0.0, warmup_t=4, warmup_lr_init=0.01),
     [(e + 1, m) for e, m in enumerate(ACC)]),
    (dict(mode="min", patience_t=1, threshold=0.1), [(e + 1, m) for e, m in enumerate(NEG)]),
    (dict(mode="max", patience_t=1), [(e + 1, m) for e, m in enumerate(NEG)]),
    (dict(mode="min", patience_t=0, decay_rate=0.5, lr=1e-7), [(e + 1, m) for e, m in
                                                              enumerate(TINY)]),
    (dict(mode="min", patience_t=0, decay_rate=0.5, lr_min=0.003), [(e + 1, m) for e, m in
                                                                    enumerate(TINY)]),
    (dict(mode="min", patience_t=2, noise_range_t=[6, 30], noise_pct=0.3, noise_std=0.5,
          noise_seed=7), ROUTINE),
    (dict(mode="min", patience_t=2, warmup_t=3, noise_range_t=2), ROUTINE),
    (dict(mode="min", patience_t=1, noise_range_t=[0, 40], noise_type="uniform", noise_pct=0.5),
     ROUTINE),
    (dict(mode="min", patience_t=1, warmup_t=2, warmup_lr_init=0.02), _calls_with_gaps()),
    (dict(mode="min", patience_t=1, noise_range_t=[3, 20]), _calls_with_gaps()),
    (dict(mode="min", patience_t=2), [(e, m) for e, m in enumerate(LOSS)]),  # step(0) first
]

FACTORY = [
    dict(sched="plateau", num_epochs=40),
    dict(sched="plateau", num_epochs=40, plateau_mode="min", patience_epochs=2, decay_rate=0.5,
         min_lr=0.005, warmup_epochs=3, warmup_lr=0.001, cooldown_epochs=5),
    dict(sched="plateau", num_epochs=40, plateau_mode="min", patience_epochs=1,
         warmup_epochs=2, warmup_prefix=True, noise=[0.25, 0.75], noise_pct=0.4, noise_seed=3),
    dict(sched="plateau", num_epochs=30, plateau_mode="min", patience_epochs=3, noise=0.5),
]


def timm_plateau_cases():
  import torch

  mods = _timm_scheduler_package()
  cls = importlib.import_module("_timm_scheduler.plateau_lr").PlateauLRScheduler
  factory = mods["scheduler_factory"].create_scheduler_v2

  def run(make, calls):
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    with warnings.catch_warnings():
      warnings.simplefilter("ignore", FutureWarning)  # timm 1.0.31 deprecates the scheduler
      made = make(opt)
    sched, extra = made if isinstance(made, tuple) else (made, {})
    initial = opt.param_groups[0]["lr"]
    values = []
    for epoch, metric in calls:
      sched.step(epoch, metric)
      values.append(float(opt.param_groups[0]["lr"]))
    return dict(calls=[list(c) for c in calls], initial=initial, values=values, **extra)

  out = []
  for kwargs, calls in CASES:
    kwargs = dict(kwargs)
    lr = kwargs.pop("lr", 0.1)

    def make(opt, kwargs=kwargs, lr=lr):
      opt.param_groups[0]["lr"] = lr
      return cls(opt, **kwargs)

    out.append(dict(name="PlateauLRScheduler", kwargs=dict(lr=lr, **kwargs), **run(make, calls)))
  for cfg in FACTORY:
    def make(opt, cfg=cfg):
      sched, num_epochs = factory(opt, **cfg)
      return sched, dict(num_epochs=num_epochs)

    mode = cfg.get("plateau_mode", "max")
    calls = ROUTINE if mode == "min" else [(e + 1, m) for e, m in enumerate(ACC)]
    out.append(dict(name="create_scheduler_v2", kwargs=dict(lr=0.1, **cfg), **run(make, calls)))
  return out


def main():
  path = HERE / "timm_plateau.json"
  path.write_text(json.dumps(timm_plateau_cases(), indent=1) + "\n")
  print("wrote", path)


if __name__ == "__main__":
  main()
