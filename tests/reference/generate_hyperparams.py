"""Record PyTorch OneCycleLR runs with momentum cycling into tests/reference/hyperparams.json.

Run it where torch is installed:

    python tests/reference/generate_hyperparams.py

Each case: the OneCycleLR and optimizer arguments, the learning rate and momentum (SGD's
``momentum`` or Adam's ``betas[0]``) each step used, and the parameters after every step for
gradients ``g_k = sin(p + k)``. The tests read the JSON and never import torch.
"""

import json
import pathlib

import torch

HERE = pathlib.Path(__file__).parent
P0 = [-1.0, -0.25, 0.5, 2.0]


def run(optimizer, one_cycle, steps):
  p = torch.nn.Parameter(torch.tensor(P0, dtype=torch.float32))
  name, opt_kwargs = optimizer
  opt = getattr(torch.optim, name)([p], **opt_kwargs)
  sched = torch.optim.lr_scheduler.OneCycleLR(opt, **one_cycle)
  key = "momentum" if name == "SGD" else "betas"
  lrs, momenta, params = [], [], []
  for k in range(steps):
    group = opt.param_groups[0]
    lrs.append(group["lr"])
    momenta.append(group[key] if name == "SGD" else group[key][0])
    p.grad = torch.sin(p.detach() + k)
    opt.step()
    sched.step()
    params.append(p.detach().tolist())
  return {"optimizer": name, "optimizer_kwargs": opt_kwargs, "one_cycle": one_cycle,
          "p0": P0, "lr": lrs, "momentum": momenta, "params": params}


def main():
  cycle = dict(max_lr=0.1, total_steps=40, pct_start=0.3, base_momentum=0.85,
               max_momentum=0.95, div_factor=25.0, final_div_factor=1e4)
  cases = [
      run(("SGD", dict(lr=0.1, momentum=0.9)), cycle, 40),
      run(("SGD", dict(lr=0.1, momentum=0.9)), dict(cycle, anneal_strategy="linear",
                                                     pct_start=0.25), 40),
      run(("AdamW", dict(lr=0.01, weight_decay=0.01)), dict(cycle, max_lr=0.01), 40),
  ]
  (HERE / "hyperparams.json").write_text(json.dumps(
      {"torch": torch.__version__, "cases": cases}, indent=1))


if __name__ == "__main__":
  main()
