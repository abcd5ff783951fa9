"""A hyperparameter sweep in one program: 16 peak LRs trained by one ``jax.vmap``-ed jitted loop.

A jaxlrs schedule is a pytree whose peak is a leaf, so a batch of 16 schedules is one pytree with
a leading axis of 16 (``jax.vmap(make_schedule)(peaks)``), and ``jax.jit(jax.vmap(train))`` runs
all 16 trainings in one program. The same jitted ``train`` also takes any single schedule of the
same structure without recompiling. Data and parameters are jit arguments. Per model width,
timed interleaved:

* 16 sequential runs of the jitted single-run loop (one compile, 16 dispatches);
* an Optax schedule built inside the vmapped function (parity check). ``warmup_cosine_decay_schedule``
  itself cannot take a traced peak (it tests ``peak_value == 0.0`` in Python), so this is
  ``peak * unit_schedule(count)``, the workaround an Optax user would write.

vmap wins while 16 small models batched use the device better than one at a time; once a single
model fills it, the batched program is slower. The last row names the widths on each side.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax

import jaxlrs

from . import _models
from ._common import check_same, compile_seconds, interleaved, row

N_RUNS = 16


def _sweep(width: int, n_steps: int, rounds: int) -> dict:
  warmup = n_steps // 10
  model = _models.MLP(width=width, depth=2)
  rng = np.random.default_rng(0)
  x = jnp.asarray(rng.normal(size=(64, 32)), jnp.float32)
  y = jnp.asarray(rng.integers(0, 10, (64,)), jnp.int32)
  params = _models.init(model, x)
  peaks = jnp.asarray(np.geomspace(1e-4, 1e-1, N_RUNS), jnp.float32)

  def make_jaxlrs(peak):
    return jaxlrs.warmup(jaxlrs.cosine(peak, total_steps=n_steps - warmup),
                         warmup_steps=warmup)

  def make_optax_traceable(peak):
    # optax.warmup_cosine_decay_schedule rejects a traced peak (it branches on peak_value == 0),
    # so under vmap an Optax user scales a unit schedule instead.
    unit = optax.warmup_cosine_decay_schedule(0.0, 1.0, warmup, n_steps)
    return lambda count: peak * unit(count)

  def train(sched, params, x, y):
    """``n_steps`` of AdamW on one batch with the LR schedule ``sched``; final parameters."""
    tx = optax.adamw(sched, weight_decay=0.01)
    step = _models.make_step(model, tx)

    def body(carry, _):
      return step(*carry, x, y), None

    (p, _), _ = jax.lax.scan(body, (params, tx.init(params)), None, length=n_steps)
    return p

  batched = jax.vmap(make_jaxlrs)(peaks)  # one schedule pytree holding 16 peaks
  vtrain = jax.vmap(train, in_axes=(0, None, None, None))
  c_vmap, many = compile_seconds(vtrain, batched, params, x, y)
  singles = [make_jaxlrs(float(p)) for p in peaks]
  c_one, one = compile_seconds(train, singles[0], params, x, y)
  inside_fn = jax.vmap(lambda p, *a: train(make_optax_traceable(p), *a), in_axes=(0, None, None, None))
  c_inside, inside = compile_seconds(inside_fn, peaks, params, x, y)

  out_many = many(batched, params, x, y)
  for i in (0, N_RUNS // 2):  # the largest peaks amplify matmul rounding (TF32 on GPU)
    check_same(f"sweep run {i}", jax.tree.leaves(jax.tree.map(lambda a: a[i], out_many))[0],
               jax.tree.leaves(one(singles[i], params, x, y))[0], rtol=1e-2, atol=1e-3)
  # Parity on the lower half of the peaks: at the largest ones, 200 AdamW steps on one batch are
  # chaotic, so the last-bit difference between `peak * unit(count)` and jaxlrs's schedule value
  # grows into a different trajectory (seen: max abs error 0.65 at width 64).
  half = N_RUNS // 2
  check_same("sweep, Optax inside vmap", jax.tree.leaves(inside(peaks, params, x, y))[0][:half],
             jax.tree.leaves(out_many)[0][:half], rtol=1e-2, atol=1e-3)
  times = interleaved({"vmap": lambda: many(batched, params, x, y),
                       "sequential": lambda: [one(s, params, x, y) for s in singles],
                       "optax inside vmap": lambda: inside(peaks, params, x, y)}, rounds)
  return dict(times=times, c_vmap=c_vmap, c_one=c_one, c_inside=c_inside)


def run(quick: bool) -> list[dict]:
  n_steps = 20 if quick else 200
  widths = (32, 128) if quick else (64, 128, 256, 512)
  rounds = 3 if quick else 7
  rows, ratios = [], {}
  case = f"{N_RUNS} peak LRs x {n_steps} steps"
  for width in widths:
    r = _sweep(width, n_steps, rounds)
    t = r["times"]
    main = row("sweep", f"width {width}, {case}: vmap vs 16 sequential runs", t["vmap"],
               t["sequential"], f"one compile each (vmap {r['c_vmap'] * 1e3:.0f} ms, single run "
               f"{r['c_one'] * 1e3:.0f} ms); the jitted loop takes any peak without recompiling",
               width=width)
    ratios[width] = main["ratio"]
    rows.append(main)
    rows.append(row("sweep", f"width {width}, {case}: vmap, jaxlrs vs Optax inside vmap",
                    t["vmap"], t["optax inside vmap"],
                    f"Optax as peak * unit schedule (warmup_cosine_decay_schedule rejects a traced "
                    f"peak); Optax compile {r['c_inside'] * 1e3:.0f} ms", width=width))
  wins = [w for w in widths if ratios[w] > 1]
  loses = [w for w in widths if ratios[w] <= 1]
  rows.append(row("sweep", f"{case}: where vmap wins", None, None,
                  f"vmap faster than sequential at widths {wins or 'none'}, slower at "
                  f"{loses or 'none'} (on {jax.default_backend()}): a batched matmul of 16 small "
                  "models helps until each model alone fills the device",
                  ratios={str(w): r for w, r in ratios.items()}))
  return rows
