"""A gallery of jaxlrs schedules: a table of values at a few steps, and a PNG of the curves.

    python examples/gallery.py [--out DIR] [--total-steps N]
"""

import argparse
import pathlib

import numpy as np

import jaxlrs
from jaxlrs.compat import hf, keras, torch

T = 1000


def gallery(total: int = T) -> dict:
  """One representative of every schedule kind, over ``total`` steps."""
  w = total // 10
  return {
      "constant": jaxlrs.constant(1e-3),
      "linear": jaxlrs.linear(1e-3, end_value=1e-4, total_steps=total),
      "polynomial p=2": jaxlrs.polynomial(1e-3, end_value=0.0, total_steps=total, power=2.0),
      "cosine": jaxlrs.cosine(1e-3, total_steps=total, end_value=1e-5),
      "exponential": jaxlrs.exponential(1e-3, decay_rate=0.5, period_steps=total // 5),
      "step_decay": jaxlrs.step_decay(1e-3, period_steps=total // 4, decay_rate=0.5),
      "inverse_time": jaxlrs.inverse_time(1e-3, decay_rate=1.0, period_steps=total // 10),
      "rsqrt": jaxlrs.warmup(jaxlrs.rsqrt(1e-3, timescale_steps=w), warmup_steps=w),
      "piecewise_constant": jaxlrs.piecewise_constant([total // 3, 2 * total // 3],
                                                      values=[1e-3, 3e-4, 1e-4]),
      "multistep": jaxlrs.multistep(1e-3, boundaries=[total // 2, 3 * total // 4], decay_rate=0.1),
      "piecewise_linear": jaxlrs.piecewise_linear([0, w, total], values=[0.0, 1e-3, 1e-5]),
      "warmup+cosine": jaxlrs.warmup(jaxlrs.cosine(1e-3, total_steps=total - w), warmup_steps=w),
      "join": jaxlrs.join([jaxlrs.constant(1e-3),
                           jaxlrs.linear(1e-3, end_value=0.0, total_steps=total // 2)],
                          boundaries=[total // 2]),
      "cyclic triangular2": jaxlrs.cyclic(1e-4, peak_value=1e-3, rise_steps=total // 10,
                                          cycle_decay=0.5),
      "cosine_restarts": jaxlrs.cosine_restarts(1e-3, cycle_steps=total // 7, cycle_mul=2.0,
                                                warmup_steps=20),
      "one_cycle": jaxlrs.one_cycle(1e-3, total_steps=total),
      "warmup_stable_decay": jaxlrs.warmup_stable_decay(
          1e-3, total_steps=total, warmup_steps=w, decay_steps=total // 5, decay_shape="1-sqrt"),
      "swa_schedule": jaxlrs.swa_schedule(jaxlrs.cosine(1e-3, total_steps=3 * total // 4),
                                          start_step=3 * total // 4, swa_value=2e-4,
                                          anneal_steps=total // 20),
      "noisy cosine": jaxlrs.noisy(jaxlrs.cosine(1e-3, total_steps=total), noise_ratio=0.2, seed=0),
      "warmup factor x cosine": (jaxlrs.linear(0.0, end_value=1.0, total_steps=w)
                                 * jaxlrs.cosine(1e-3, total_steps=total)),
      "hf:cosine_with_restarts": hf.get_scheduler("cosine_with_restarts", 1e-3, w, total,
                                                  {"num_cycles": 3}),
      "keras:CosineDecayRestarts": keras.CosineDecayRestarts(1e-3, total // 7, alpha=0.1,
                                                             m_mul=0.7),
      "torch:OneCycleLR three_phase": torch.OneCycleLR(1e-3, total, three_phase=True),
  }


def main(argv=None) -> int:
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--out", default="out", help="directory for gallery.png")
  parser.add_argument("--total-steps", type=int, default=T)
  args = parser.parse_args(argv)
  total = args.total_steps
  schedules = gallery(total)
  steps = np.array([0, total // 10, total // 4, total // 2, 3 * total // 4, total - 1, 2 * total])
  print(f"{'schedule':30}" + "".join(f"{f'step {s}':>11}" for s in steps))
  for name, s in schedules.items():
    print(f"{name:30}" + "".join(f"{v:11.3e}" for v in np.asarray(s(steps))))
  try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
  except ImportError:
    print("matplotlib is not installed: no PNG (pip install \"jaxlrs[plot]\")")
    return 0
  cols = 4
  rows = -(-len(schedules) // cols)
  fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 2.6 * rows), sharex=True)
  for ax, (name, s) in zip(axes.ravel(), schedules.items()):
    jaxlrs.plot(s, total, labels=[name], ax=ax)
    ax.get_legend().remove()
    ax.set_title(name, fontsize="medium")
    ax.set_xlabel("")
    ax.set_ylabel("")
  for ax in axes.ravel()[len(schedules):]:
    ax.axis("off")
  fig.tight_layout()
  out = pathlib.Path(args.out)
  out.mkdir(parents=True, exist_ok=True)
  fig.savefig(out / "gallery.png", dpi=90)
  print(f"wrote {out / 'gallery.png'}")
  return 0


if __name__ == "__main__":
  raise SystemExit(main())
