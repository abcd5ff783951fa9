"""Pretrain a small ViT on digits 0-4, then fine-tune it on digits 5-9 with few examples per class,
comparing learning-rate recipes on the same budget. No downloads: scikit-learn's bundled digits.

    python examples/finetune.py                      # the comparison: table + out/finetune.png
    python examples/finetune.py --seeds 5 --steps 300 --out results/
    python examples/finetune.py --only hf,finder,sweep   # some recipes (keys or name prefixes)
    python examples/finetune.py --recipe llrd --seed 0 --max-steps 200 --steps-this-run 100 \\
        --ckpt-dir ckpt/                            # one recipe, stopped early; run again to resume

Recipe keys: constant, keras, hf, llrd, grouped, reinit, swa, ema, finder (LR range test, then
warmup + linear at the suggested LR), sweep (8 peak LRs trained at once with vmap, then warmup +
linear at the best). Matching ignores case.
"""

from __future__ import annotations

import argparse
import itertools
import pathlib
import sys
import time
from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx

import jaxlrs
from jaxlrs import averaging, layerwise
from jaxlrs.compat import hf, keras

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from _figure import write_figure  # noqa: E402
from _vit import ViT, load_digits_split  # noqa: E402

BASE_LR = 1e-3


# -- recipes ------------------------------------------------------------------------------------
# Each recipe maps (total_steps, params) to (optimizer, schedule, per-parameter multipliers or
# None, whether to re-initialise the top block, which weights to evaluate). The two searched
# recipes get their schedule from a search on seed 0's training images (see search()).


def _adamw(lr):
  return optax.adamw(lr, weight_decay=0.01, mask=layerwise.decay_mask)


def _hf_linear(lr, total):
  return hf.get_scheduler("linear", lr, num_warmup_steps=total // 10, num_training_steps=total)


def recipes(total: int, params: Any) -> dict[str, dict]:
  depths = layerwise.depth_map(params, preset="nnx")
  hf_linear = _hf_linear(BASE_LR, total)
  llrd = layerwise.llrd_multipliers(depths, decay=0.7)
  top = layerwise.num_layers(depths)
  grouped = layerwise.group_multipliers(depths, boundaries=[top // 2 + 1, top],
                                        multipliers=[0.25, 0.5, 1.0])
  # SWA on top of the HF recipe: the same 10% warmup, cosine decay to 75%, then a constant rate.
  warm, swa_start = total // 10, int(0.75 * total)
  swa_sched = jaxlrs.warmup(
      jaxlrs.swa_schedule(jaxlrs.cosine(BASE_LR, total_steps=swa_start - warm),
                          start_step=swa_start - warm, swa_value=0.3 * BASE_LR,
                          anneal_steps=total // 20), warmup_steps=warm)
  return {
      "constant 1e-3 (Adam default)": dict(key="constant", schedule=jaxlrs.constant(1e-3)),
      "linear decay from 5e-5 (Keras course)": dict(
          key="keras", schedule=keras.PolynomialDecay(5e-5, total, end_learning_rate=0.0)),
      "warmup 10% + linear (HF default)": dict(key="hf", schedule=hf_linear),
      "+ LLRD (x0.7 per layer)": dict(key="llrd", schedule=hf_linear, multipliers=llrd),
      "+ grouped LLRD": dict(key="grouped", schedule=hf_linear, multipliers=grouped),
      "+ re-init top block": dict(key="reinit", schedule=hf_linear, multipliers=llrd, reinit=1),
      "+ SWA (last 25%)": dict(key="swa", schedule=swa_sched, multipliers=llrd,
                               average=lambda tx: averaging.swa(tx, start_step=swa_start)),
      "+ EMA (0.98)": dict(key="ema", schedule=hf_linear, multipliers=llrd,
                           average=lambda tx: averaging.ema(tx, decay=0.98, decay_warmup=True)),
      "LR finder -> warmup + linear": dict(key="finder", search="finder"),
      "vmapped sweep -> warmup + linear": dict(key="sweep", search="sweep"),
  }


def match(query: str, table: dict) -> list[str]:
  """Recipes a query names: its key, else names starting with it (with or without the leading
  '+ '), else names containing it; case is ignored."""
  q = query.strip().lower()
  found = [n for n, r in table.items() if r["key"] == q or n.lower() == q]
  if not found:
    bare = q.removeprefix("+").strip()
    found = [n for n in table if n.lower().startswith(q) or
             n.lower().removeprefix("+").strip().startswith(bare)]
  return found or [n for n in table if q in n.lower()]


def build_optimizer(recipe: dict) -> optax.GradientTransformation:
  mults = recipe.get("multipliers")
  tx = _adamw(recipe["schedule"]) if mults is None else layerwise.scaled(
      _adamw, recipe["schedule"], mults)
  average = recipe.get("average")
  return average(tx) if average else tx


# -- training -----------------------------------------------------------------------------------


def make_fns(graphdef, tx):
  def loss_fn(params, x, y):
    logits = nnx.merge(graphdef, params)(x)
    return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()

  @jax.jit
  def train_step(params, opt_state, x, y):
    loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
    updates, opt_state = tx.update(grads, opt_state, params)
    return optax.apply_updates(params, updates), opt_state, loss

  @jax.jit
  def accuracy(params, x, y):
    return jnp.mean(jnp.argmax(nnx.merge(graphdef, params)(x), -1) == y)

  return train_step, accuracy


def batch_at(key, step, x, y, batch_size):
  """The batch of a given step: a pure function of (seed, step), so resumed runs see the same."""
  idx = jax.random.choice(jax.random.fold_in(key, step), x.shape[0], (batch_size,), replace=True)
  return x[idx], y[idx]


def pretrain(out: pathlib.Path, steps: int, data: dict, quiet: bool = False) -> Any:
  """Pretrain on digits 0-4 (or load the saved checkpoint) and return the params."""
  import orbax.checkpoint as ocp

  model = ViT(num_classes=5, rngs=nnx.Rngs(0))
  graphdef, params = nnx.split(model, nnx.Param)
  path = (out / f"pretrained_{steps}").absolute()
  if path.exists():
    with ocp.StandardCheckpointer() as ckpt:
      leaves = ckpt.restore(path, jax.tree.leaves(params))
    print(f"loaded the pretrained ViT from {path}")
    return jax.tree.unflatten(jax.tree.structure(params), leaves)
  print(f"pretraining the ViT on digits 0-4 for {steps} steps (once; saved to {path}) ...",
        flush=True)
  bar = _progress(steps, quiet, "pretraining")
  tx = optax.adamw(jaxlrs.warmup(jaxlrs.cosine(2e-3, total_steps=steps - steps // 10),
                                 warmup_steps=steps // 10))
  train_step, accuracy = make_fns(graphdef, tx)
  opt_state = tx.init(params)
  key = jax.random.PRNGKey(1234)
  for step in range(steps):
    x, y = batch_at(key, step, data["pre_x"], data["pre_y"], 64)
    params, opt_state, loss = train_step(params, opt_state, x, y)
    bar.update(1)
    if step % 50 == 0:
      bar.set_postfix_str(f"loss={float(loss):.3f}", refresh=False)
  bar.close()
  acc = float(accuracy(params, data["pre_test_x"], data["pre_test_y"]))
  print(f"pretrained on digits 0-4 for {steps} steps: held-out accuracy {acc:.3f}")
  with ocp.StandardCheckpointer() as ckpt:
    ckpt.save(path, jax.tree.leaves(params))
  return params


def fresh_head(pretrained: Any, seed: int, reinit: int) -> Any:
  """Pretrained backbone with a new classifier for digits 5-9 (and the top blocks re-initialised)."""
  fresh = nnx.split(ViT(num_classes=5, rngs=nnx.Rngs(100 + seed)), nnx.Param)[1]
  depths = layerwise.depth_map(pretrained, preset="nnx")
  return layerwise.reinit_top_layers(pretrained, fresh, depths, n=reinit, include_head=True)


def finetune(recipe: dict, pretrained: Any, graphdef: Any, data: dict, seed: int, total: int,
             eval_every: int, fns: tuple, progress: Callable | None = None,
             start: tuple | None = None, stop: int | None = None) -> dict:
  """Fine-tune one recipe and seed; returns curves, final accuracy and the final state."""
  train_step, accuracy = fns
  tx = recipe["tx"]
  x_tr, y_tr = data["few_x"][seed], data["few_y"][seed]
  if start is None:
    params = fresh_head(pretrained, seed, recipe.get("reinit", 0))
    opt_state, first = tx.init(params), 0
  else:
    params, opt_state, first = start
  key = jax.random.PRNGKey(seed)
  curve = []
  stop = total if stop is None else min(stop, total)
  for step in range(first, stop):
    x, y = batch_at(key, step, x_tr, y_tr, 32)
    params, opt_state, loss = train_step(params, opt_state, x, y)
    if progress:
      progress(float(jaxlrs.current_lr(opt_state, recipe["schedule"])), float(loss))
    if (step + 1) % eval_every == 0 or step + 1 == total:
      curve.append((step + 1, float(accuracy(_eval_params(recipe, params, opt_state),
                                              data["test_x"], data["test_y"]))))
  return {"curve": curve, "accuracy": curve[-1][1] if curve else None,
          "state": (params, opt_state, stop)}


def _eval_params(recipe, params, opt_state):
  if recipe.get("average"):
    return averaging.averaged_params(opt_state, like=params)
  return params


# -- searching the peak learning rate -----------------------------------------------------------


def search(kind: str, total: int, pretrained: Any, graphdef: Any, data: dict,
           tiny: bool, quiet: bool) -> dict:
  """Find a peak LR on seed 0's training images, from the pretrained body with a new head.

  ``finder``: the LR range test (100 steps, 1e-6 .. 1, AdamW); its default (valley) suggestion.
  ``sweep``: 8 peaks log-spaced in [1e-4, 3e-2], each trained for the full budget with the HF
  schedule, all at once in one vmapped program; the best by the loss on a validation draw of
  images seed 0 does not train on (the test images choose nothing).
  """
  model = nnx.merge(graphdef, fresh_head(pretrained, 0, 0))
  x, y = data["few_x"][0], data["few_y"][0]
  key = jax.random.PRNGKey(0)
  batches = lambda: (batch_at(key, step, x, y, 32) for step in itertools.count())  # noqa: E731

  def loss_fn(m, batch):
    return optax.softmax_cross_entropy_with_integer_labels(m(batch[0]), batch[1]).mean()

  start = time.perf_counter()
  if kind == "finder":
    result = jaxlrs.find_lr(loss_fn, model, batches, _adamw, min_lr=1e-6, max_lr=1.0,
                            num_steps=30 if tiny else 100, progress=not quiet)
    lr = result.suggested_lr
  else:
    result = jaxlrs.sweep(loss_fn, model, batches, _adamw, num_steps=total,
                          num_values=4 if tiny else 8, min_value=1e-4, max_value=3e-2,
                          eval_fn=lambda m: loss_fn(m, (data["val_x"], data["val_y"])),
                          progress=not quiet)
    lr = result.best_value
  seconds = time.perf_counter() - start
  print(f"{kind}: peak LR {lr:.3g} in {seconds:.1f} s")
  return {"lr": lr, "seconds": seconds, "result": result}


# -- command line -------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
  parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                   formatter_class=argparse.RawDescriptionHelpFormatter,
                                   epilog=__doc__.split("\n\n", 1)[1])
  parser.add_argument("--seeds", type=int, default=3)
  parser.add_argument("--steps", type=int, default=200, help="fine-tuning steps per run")
  parser.add_argument("--pretrain-steps", type=int, default=600)
  parser.add_argument("--shots", type=int, default=10, help="training examples per class")
  parser.add_argument("--out", default="out")
  parser.add_argument("--tiny", action="store_true", help="a few seconds: for the tests")
  parser.add_argument("--no-progress", action="store_true")
  parser.add_argument("--only", help="comma-separated recipe keys or name prefixes to run")
  parser.add_argument("--recipe", help="train one recipe (a key or name prefix) with resume")
  parser.add_argument("--seed", type=int, default=0)
  parser.add_argument("--max-steps", type=int, help="total steps of the resumable run")
  parser.add_argument("--steps-this-run", type=int, help="stop after this many steps this run")
  parser.add_argument("--ckpt-dir", help="checkpoint directory for --recipe runs")
  args = parser.parse_args(argv)
  if args.tiny:
    args.seeds, args.steps, args.pretrain_steps = min(args.seeds, 2), 60, 150
    args.only = args.only or "constant,llrd,ema,finder,sweep"
  out = pathlib.Path(args.out)
  out.mkdir(parents=True, exist_ok=True)
  start_time = time.perf_counter()
  data = load_digits_split(args.shots, max(args.seeds, args.seed + 1))
  pretrained = pretrain(out, args.pretrain_steps, data, quiet=args.no_progress)
  graphdef = nnx.split(ViT(num_classes=5, rngs=nnx.Rngs(0)), nnx.Param)[0]
  total = args.steps if args.max_steps is None else args.max_steps
  table = recipes(total, pretrained)
  if args.recipe:
    return run_resumable(args, table, pretrained, graphdef, data)
  if args.only:
    chosen = []
    for query in (q for q in args.only.split(",") if q.strip()):
      found = match(query, table)
      if not found:
        print(f"error: --only {query!r} matches no recipe; keys: "
              f"{[r['key'] for r in table.values()]}", file=sys.stderr)
        return 2
      chosen += [n for n in found if n not in chosen]
    table = {k: v for k, v in table.items() if k in chosen}
  searches = {}
  for name, recipe in table.items():
    if recipe.get("search"):
      found = search(recipe["search"], total, pretrained, graphdef, data, args.tiny,
                     args.no_progress)
      searches[recipe["search"]] = found
      recipe.update(schedule=_hf_linear(found["lr"], total), lr=found["lr"],
                    seconds=found["seconds"])

  zero_shot = [float(make_fns(graphdef, optax.sgd(0.0))[1](fresh_head(pretrained, s, 0),
                                                            data["test_x"], data["test_y"]))
               for s in range(args.seeds)]
  results = {}
  bar = _progress(len(table) * args.seeds * args.steps, args.no_progress)
  for name, recipe in table.items():
    recipe["tx"] = build_optimizer(recipe)
    fns = make_fns(graphdef, recipe["tx"])
    runs = []
    for seed in range(args.seeds):
      def progress(lr, loss, name=name):
        bar.update(1)
        bar.set_postfix_str(f"{name[:22]} lr={lr:.2e} loss={loss:.3f}", refresh=False)
      runs.append(finetune(recipe, pretrained, graphdef, data, seed, args.steps,
                           max(1, args.steps // 20), fns, progress))
    results[name] = runs
  bar.close()
  print(f"\nfine-tuning on digits 5-9, {args.shots} examples per class, {args.steps} steps, "
        f"{args.seeds} seeds; held-out accuracy on {len(data['test_y'])} images")
  print(f"{'recipe':40} {'accuracy':>16}  {'peak LR':>8}  {'search':>7}")
  print(f"{'(no fine-tuning: pretrained + new head)':40} {np.mean(zero_shot):8.3f} ± "
        f"{np.std(zero_shot):.3f}")
  for name, runs in results.items():
    accs = [r["accuracy"] for r in runs]
    peak = float(np.max(np.asarray(table[name]["schedule"](np.arange(args.steps)))))
    found = f"{table[name]['seconds']:6.1f}s" if "seconds" in table[name] else ""
    print(f"{name:40} {np.mean(accs):8.3f} ± {np.std(accs):.3f}  {peak:8.2g}  {found:>7}")
  depths = layerwise.depth_map(pretrained, preset="nnx")
  png = write_figure(out, table, results, args.steps, depths, zero_shot, searches)
  print(f"wrote {png}; total {time.perf_counter() - start_time:.0f} s")
  return 0


def run_resumable(args, table, pretrained, graphdef, data) -> int:
  """One recipe with SambaFlow-style --max-steps / --steps-this-run and an orbax checkpoint."""
  import orbax.checkpoint as ocp

  matches = match(args.recipe, table)
  if len(matches) != 1:
    print(f"error: --recipe {args.recipe!r} matches {matches or 'nothing'}; choose one of "
          f"{[r['key'] for r in table.values()]}", file=sys.stderr)
    return 2
  if args.max_steps is None or args.ckpt_dir is None:
    print("error: --recipe needs --max-steps and --ckpt-dir", file=sys.stderr)
    return 2
  if table[matches[0]].get("search"):
    found = search(table[matches[0]]["search"], args.max_steps, pretrained, graphdef, data,
                   args.tiny, args.no_progress)
    table[matches[0]]["schedule"] = _hf_linear(found["lr"], args.max_steps)
  recipe = table[matches[0]]
  recipe["tx"] = build_optimizer(recipe)
  fns = make_fns(graphdef, recipe["tx"])
  ckpt_dir = pathlib.Path(args.ckpt_dir).absolute()
  params = fresh_head(pretrained, args.seed, recipe.get("reinit", 0))
  template = (params, recipe["tx"].init(params))
  start = None
  latest = sorted(ckpt_dir.glob("step_*"), key=lambda p: int(p.name.split("_")[1]))
  if latest:
    with ocp.StandardCheckpointer() as ckpt:
      leaves = ckpt.restore(latest[-1], jax.tree.leaves(template))
    state = jax.tree.unflatten(jax.tree.structure(template), leaves)
    start = (*state, int(latest[-1].name.split("_")[1]))
    print(f"resumed from {latest[-1]}")
  first = 0 if start is None else start[2]
  if first >= args.max_steps:  # already finished: report, write nothing
    acc = float(fns[1](_eval_params(recipe, start[0], start[1]), data["test_x"], data["test_y"]))
    print(f"{matches[0]}: already at step {first}/{args.max_steps}, held-out accuracy {acc:.3f}")
    return 0
  stop = args.max_steps if args.steps_this_run is None else first + args.steps_this_run
  run = finetune(recipe, pretrained, graphdef, data, args.seed, args.max_steps,
                 max(1, args.max_steps // 10), fns, start=start, stop=stop)
  params, opt_state, step = run["state"]
  with ocp.StandardCheckpointer() as ckpt:
    ckpt.save(ckpt_dir / f"step_{step}", jax.tree.leaves((params, opt_state)))
  print(f"{matches[0]}: step {step}/{args.max_steps}, lr next "
        f"{float(jaxlrs.current_lr(opt_state, recipe['schedule'])):.3e}, held-out accuracy "
        f"{run['accuracy'] if run['accuracy'] is not None else float('nan'):.3f}")
  return 0


def _progress(total: int, disabled: bool, desc: str = "fine-tuning"):
  try:
    from tqdm import tqdm
  except ImportError:  # tqdm comes with the examples extra
    disabled = True
  if disabled:
    class Null:
      def update(self, n): pass
      def set_postfix_str(self, s, refresh=False): pass
      def close(self): pass
    return Null()
  return tqdm(total=total, desc=desc, unit="step", mininterval=0.5, file=sys.stderr)


if __name__ == "__main__":
  raise SystemExit(main())
