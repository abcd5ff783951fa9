"""The jitted AdamW train step with a jaxlrs schedule vs the Optax equivalent (MLP and encoder).

For each model: a constant LR (a plain float, the floor), then warmup+cosine, warmup-stable-decay
and Hugging Face ``linear`` (``jaxlrs.compat.hf``), each against the Optax schedule with the same
values (checked). Compile time is ``lower().compile()`` of the step; step time is the median over
rounds of a few chained steps (parameters and state donated and fed back, batches as arguments,
as in a training loop), all variants timed interleaved in each round.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax

import jaxlrs

from . import _models
from ._common import check_same, compile_seconds, interleaved, row

TOTAL = 1000
CHAIN = 4  # steps per timed call


def _hf_linear(peak: float, warmup: int, total: int):
  from jaxlrs.compat import hf

  return hf.get_scheduler("linear", peak, num_warmup_steps=warmup, num_training_steps=total)


def schedules(peak: float = 1e-3, total: int = TOTAL) -> dict:
  """Name -> (jaxlrs schedule, Optax schedule with the same values)."""
  w, d = total // 10, total // 5
  return {
      "warmup+cosine": (jaxlrs.warmup(jaxlrs.cosine(peak, total_steps=total - w), warmup_steps=w),
                        optax.warmup_cosine_decay_schedule(0.0, peak, w, total)),
      "warmup-stable-decay": (
          jaxlrs.warmup_stable_decay(peak, total_steps=total, warmup_steps=w, decay_steps=d),
          optax.join_schedules([optax.linear_schedule(0.0, peak, w), optax.constant_schedule(peak),
                                optax.linear_schedule(peak, 0.0, d)], [w, total - d])),
      "hf linear (compat)": (
          _hf_linear(peak, w, total),
          optax.join_schedules([optax.linear_schedule(0.0, peak, w),
                                optax.linear_schedule(peak, 0.0, total - w)], [w])),
  }


def _models_for(quick: bool) -> dict:
  rng = np.random.default_rng(0)
  if quick:  # a smoke run: no encoder compiles
    mlp, mlp_x = _models.MLP(width=64, depth=2), rng.normal(size=(32, 64))
    return {"MLP": (mlp, jnp.asarray(mlp_x, jnp.float32))}
  mlp, mlp_x = _models.MLP(width=512, depth=3), rng.normal(size=(128, 256))
  enc, tokens = _models.Encoder(layers=4, width=128), rng.integers(0, 100, (16, 64))
  return {"MLP": (mlp, jnp.asarray(mlp_x, jnp.float32)),
          "encoder": (enc, jnp.asarray(tokens, jnp.int32))}


def _check_values(name: str, ours, theirs) -> None:
  steps = np.arange(0, TOTAL + 5, 7)
  check_same(name, jax.vmap(ours)(steps), jax.vmap(theirs)(steps), rtol=1e-5, atol=1e-10)


def run(quick: bool) -> list[dict]:
  rounds = 7 if quick else 40
  rows = []
  for model_name, (model, x) in _models_for(quick).items():
    y = jnp.asarray(np.random.default_rng(1).integers(0, 10, (x.shape[0],)), jnp.int32)
    params = _models.init(model, x)
    n_params = sum(p.size for p in jax.tree.leaves(params))
    variants = {"constant": 1e-3}
    for name, (ours, theirs) in schedules().items():
      if quick and name == "warmup-stable-decay":
        continue  # quick mode: fewer compiles
      _check_values(name, ours, theirs)
      variants[f"{name}/jaxlrs"], variants[f"{name}/optax"] = ours, theirs

    compile_s, runners = {}, {}
    for key, lr in variants.items():
      tx = optax.adamw(lr, weight_decay=0.01)
      carry = [jax.tree.map(jnp.copy, params)]
      carry.append(tx.init(carry[0]))
      # Parameters and optimizer state are donated, batches are arguments: a real train step.
      compile_s[key], step = compile_seconds(_models.make_step(model, tx), *carry, x, y,
                                             donate_argnums=(0, 1))

      def chained(step=step, carry=carry):
        for _ in range(CHAIN):
          carry[0], carry[1] = step(carry[0], carry[1], x, y)
        return carry[0]
      runners[key] = chained
    times = {k: [t / CHAIN for t in v] for k, v in interleaved(runners, rounds).items()}

    floor = times["constant"]
    label = f"{model_name} ({n_params / 1e6:.2g}M params)"
    rows.append(row("train step", f"{label}: constant LR (float)", floor, None,
                    f"the floor, no schedule; compile {compile_s['constant'] * 1e3:.0f} ms",
                    compile_ms=compile_s["constant"] * 1e3))
    for name in schedules():
      if f"{name}/jaxlrs" not in variants:
        continue
      ours, theirs = times[f"{name}/jaxlrs"], times[f"{name}/optax"]
      vs_floor = row("", "", ours, floor)
      rows.append(row("train step", f"{label}: {name}", ours, theirs,
                      f"jaxlrs vs constant LR: {1 / vs_floor['ratio']:.3f}x "
                      f"(IQR {1 / vs_floor['ratio_iqr'][1]:.2f}-{1 / vs_floor['ratio_iqr'][0]:.2f})",
                      overhead_vs_constant=1 / vs_floor["ratio"]))
      rows.append(row("train step", f"{label}: {name}, compile", compile_s[f"{name}/jaxlrs"],
                      compile_s[f"{name}/optax"], "one compile each"))
  return rows
