"""Record Transformers learning rates into tests/reference/hf.json.

Run it where transformers and torch are installed:

    python tests/reference/generate_hf.py

Each case: the scheduler name (``transformers.get_scheduler``) or, for what ``get_scheduler``
cannot reach, the ``get_*`` function; ``num_warmup_steps``, ``num_training_steps``, the scheduler's
own keyword arguments, the steps, and the optimizer's learning rate at each step. Steps up to
``STEPS`` are read from the optimizer while ``scheduler.step()`` runs; the far steps are
``lr * lr_lambda(step)``, the value ``LambdaLR`` sets. A step where Transformers raises is recorded
as ``null`` with the error in ``errors``. The tests read the JSON and never import these libraries.
"""

import json
import math
import pathlib
import warnings

import torch
import transformers
from transformers import optimization

HERE = pathlib.Path(__file__).parent
LR = 2e-3
T = 20
WARMUPS = (0, 1, 5, T, T + 5)  # none, one step, a fifth, equal to and longer than training
FAR = [100, 10_000]


def record(name, num_warmup_steps=None, num_training_steps=None, function=None, **kwargs):
  """One case: ``get_scheduler(name, ...)`` or ``optimization.<function>(opt, ...)``."""
  opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=LR)
  case = dict(name=name, function=function, num_warmup_steps=num_warmup_steps,
              num_training_steps=num_training_steps, kwargs=kwargs)
  case = {k: v for k, v in case.items() if v is not None}
  try:
    if function is None:
      sched = transformers.get_scheduler(name, opt, num_warmup_steps=num_warmup_steps,
                                         num_training_steps=num_training_steps,
                                         scheduler_specific_kwargs=kwargs or None)
    else:
      counts = {k: v for k, v in (("num_warmup_steps", num_warmup_steps),
                                  ("num_training_steps", num_training_steps)) if v is not None}
      sched = getattr(optimization, function)(opt, **counts, **kwargs)
  except ZeroDivisionError as e:  # LambdaLR evaluates step 0 when it is built
    return dict(case, steps=[0], values=[None], errors={"0": repr(e)})
  n = max(T, num_warmup_steps or 0) + 6
  values, errors, ok = [], {}, True
  for k in range(n):
    values.append(opt.param_groups[0]["lr"] if ok else None)
    opt.step()
    try:
      sched.step()
      ok = True
    except ZeroDivisionError as e:
      errors[str(k + 1)] = repr(e)
      ok = False
  for k in FAR:
    values.append(LR * sched.lr_lambdas[0](k))
  out = dict(case, steps=list(range(n)) + FAR,
             values=[None if v is None else float(f"{v:.12g}") for v in values])
  return dict(out, errors=errors) if errors else out


def cases():
  out = [record("constant")]
  for w in WARMUPS:
    out += [
        record("linear", w, T),
        record("cosine", w, T),
        record("cosine", w, T, num_cycles=1.7),
        record("cosine_with_restarts", w, T, num_cycles=3),
        record("polynomial", w, T, lr_end=1e-4, power=2.0),
        record("constant_with_warmup", w, T),
        record("inverse_sqrt", w, T),
        record("cosine_with_min_lr", w, T, min_lr_rate=0.1),
        record("cosine_warmup_with_min_lr", w, T, min_lr_rate=0.1),
        record("cosine_warmup_with_min_lr", w, T, min_lr=3e-4, warmup_lr_rate=0.3),
        record("warmup_stable_decay", w, T, num_decay_steps=8, min_lr_ratio=0.05),
    ]
  w = 5
  out += [
      record("cosine", w, T, num_cycles=0.3),
      record("cosine", w, T, num_cycles=1.0),
      record("cosine_with_restarts", w, T),
      record("cosine_with_restarts", w, T, num_cycles=2.5),
      record("polynomial", w, T),
      record("polynomial", w, T, lr_end=0.0, power=0.5),
      record("polynomial", w, T, lr_end=5e-4, power=3.0),
      record("cosine_with_min_lr", w, T, min_lr=4e-4, num_cycles=0.8),
      record("cosine_warmup_with_min_lr", w, T, min_lr_rate=0.2, num_cycles=1.0),
      record("cosine_warmup_with_min_lr", 1, T, min_lr_rate=0.1, warmup_lr_rate=0.5),
      record(None, w, function="get_inverse_sqrt_schedule", timescale=7),
      record(None, 0, function="get_inverse_sqrt_schedule", timescale=3),
      record("warmup_stable_decay", w, None, num_decay_steps=6, num_stable_steps=4,
             decay_type="linear"),
      record("warmup_stable_decay", w, T, num_decay_steps=8, decay_type="cosine",
             num_cycles=1.5, min_lr_ratio=0.1),
      record("warmup_stable_decay", w, T, num_decay_steps=20, decay_type="linear"),  # T < w + d
      record("warmup_stable_decay", 0, 6, num_decay_steps=10, decay_type="1-sqrt"),
      record("warmup_stable_decay", w, T, num_decay_steps=0, min_lr_ratio=0.1),  # no decay
      record("warmup_stable_decay", 0, T, num_decay_steps=0, min_lr_ratio=0.1),
      record("warmup_stable_decay", w, w - 2, num_decay_steps=0, warmup_type="cosine"),
  ]
  for wt in ("linear", "cosine", "1-sqrt"):
    for dt in ("linear", "cosine", "1-sqrt"):
      out.append(record("warmup_stable_decay", w, T, num_decay_steps=8, warmup_type=wt,
                        decay_type=dt, min_lr_ratio=0.05))
  return out


def main():
  warnings.simplefilter("error")
  data = {"transformers": transformers.__version__, "torch": torch.__version__, "lr": LR,
          "cases": cases()}
  assert all(v is None or math.isfinite(v) for c in data["cases"] for v in c["values"])
  path = HERE / "hf.json"
  body = ",\n".join(json.dumps(c) for c in data.pop("cases"))
  path.write_text(json.dumps(data)[:-1] + ', "cases": [\n' + body + "\n]}\n")
  print("wrote", path, path.stat().st_size, "bytes")


if __name__ == "__main__":
  main()
