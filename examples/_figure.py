"""The fine-tuning example's figures: learning rates, LLRD per depth and accuracy; the searches."""

from __future__ import annotations

import pathlib

import numpy as np

from jaxlrs import layerwise


def write_figure(out: pathlib.Path, table: dict, results: dict, steps: int, depths,
                 baseline: list[float], searches: dict) -> pathlib.Path:
  """``finetune.png``: the recipes' learning rates, LLRD per depth and accuracy; with searches,
  ``find_lr.png`` too: the range test and the sweep."""
  try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
  except ImportError:
    return out / "(no matplotlib: no figure)"
  fig, axes = plt.subplots(1, 3, figsize=(18, 5.2))
  colors = {name: plt.cm.tab10(i % 10) for i, name in enumerate(table)}
  _learning_rates(axes[0], table, steps, colors)
  _per_depth(axes[1], table, steps, depths)
  _accuracy(axes[2], results, baseline, colors)
  fig.tight_layout()
  path = out / "finetune.png"
  fig.savefig(path, dpi=90, bbox_inches="tight")
  plt.close(fig)
  if searches:
    _search_figure(out, searches, plt)
  return path


def _search_figure(out, searches, plt):
  fig, axes = plt.subplots(1, 3, figsize=(18, 4.8))
  finder, sweep = searches.get("finder"), searches.get("sweep")
  if finder is not None:
    finder["result"].plot(ax=axes[0])
    axes[0].set_title(f"LR range test: {len(finder['result'].lrs)} steps, "
                      f"{finder['seconds']:.0f} s", fontsize="medium")
  else:
    axes[0].axis("off")
  if sweep is not None:
    r = sweep["result"]
    r.plot(ax=axes[1], curves=False)
    axes[1].set_ylabel("validation loss (cross-entropy)")
    axes[1].get_lines()[0].set_label("validation loss after the run")
    axes[1].legend(fontsize="small")
    axes[1].set_title(f"vmapped sweep: {len(r.values)} peaks x {r.num_steps} steps in one "
                      f"program, {sweep['seconds']:.0f} s", fontsize="medium")
    r.plot_losses(ax=axes[2])
  else:
    axes[1].axis("off")
    axes[2].axis("off")
  fig.tight_layout()
  fig.savefig(out / "find_lr.png", dpi=90)
  plt.close(fig)


def _learning_rates(ax, table, steps, colors):
  """One line per distinct schedule; recipes that share one share its legend entry."""
  xs = np.arange(steps)
  shared: list[tuple[object, list[str]]] = []
  for name, recipe in table.items():
    for schedule, names in shared:
      if schedule is recipe["schedule"] or schedule == recipe["schedule"]:
        names.append(name)
        break
    else:
      shared.append((recipe["schedule"], [name]))
  keys = {name: recipe["key"] for name, recipe in table.items()}
  for schedule, names in shared:
    label = names[0] if len(names) == 1 else (
        f"{names[0]}, also {', '.join(keys[n] for n in names[1:])}")
    ax.plot(xs, np.asarray(schedule(xs)), color=colors[names[0]], lw=1.5, label=label)
  ax.set_yscale("log")
  ax.set_xlabel("step")
  ax.set_ylabel("learning rate of the top layer (log)")
  ax.set_title("learning rate per recipe", fontsize="medium")
  ax.grid(alpha=0.3)
  ax.legend(fontsize="x-small", loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2)


def _per_depth(ax, table, steps, depths):
  """LLRD: one line per distinct multiplier, naming the depths it covers."""
  llrd = next((r for r in table.values() if r.get("multipliers") is not None), None)
  if llrd is None:
    ax.axis("off")
    return
  by_mult: dict[float, list[int]] = {}
  for _, d, m, _ in layerwise.plan(depths, llrd["multipliers"]):
    if m is not None and d not in by_mult.setdefault(m, []):
      by_mult[m].append(d)
  xs = np.arange(steps)
  base = np.asarray(llrd["schedule"](xs))
  for m, ds in sorted(by_mult.items()):
    which = f"depth {ds[0]}" if len(ds) == 1 else f"depths {', '.join(map(str, sorted(ds)))}"
    ax.plot(xs, base * m, label=f"{which} (x{m:.2f})")
  ax.set_xlabel("step")
  ax.set_ylabel("learning rate")
  ax.set_title("LLRD x0.7: learning rate per depth (0 embeddings, 5 head)", fontsize="medium")
  ax.grid(alpha=0.3)
  ax.legend(fontsize="x-small")


def _accuracy(ax, results, baseline, colors):
  """Mean over seeds with a band of one standard deviation, and the no-fine-tuning baseline."""
  for name, runs in results.items():
    xs = [s for s, _ in runs[0]["curve"]]
    ys = np.array([[a for _, a in r["curve"]] for r in runs])
    mean, std = ys.mean(0), ys.std(0)
    ax.plot(xs, mean, color=colors[name], lw=1.5, label=name)
    ax.fill_between(xs, mean - std, mean + std, color=colors[name], alpha=0.12, lw=0)
  ax.axhline(np.mean(baseline), color="k", ls="--", lw=1,
             label=f"no fine-tuning ({np.mean(baseline):.3f})")
  ax.set_xlabel("step")
  ax.set_ylabel("held-out accuracy")
  ax.set_title("held-out accuracy (mean ± std over seeds)", fontsize="medium")
  ax.set_ylim(0, 1)
  ax.grid(alpha=0.3)
  ax.legend(fontsize="x-small", loc="lower right")
