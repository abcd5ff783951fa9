"""Scheduled LR, b1 and weight decay: jaxlrs.scheduled vs optax.inject_hyperparams vs plain AdamW.

All three train the encoder of the train-step benchmark with AdamW:

* ``scheduled``: ``jaxlrs.scheduled(optax.adamw, lr, b1=momentum, weight_decay=wd)``;
* ``inject``: ``optax.inject_hyperparams(optax.adamw)`` with the same three schedules;
* ``plain``: ``optax.adamw(lr, weight_decay=0.01)``: only the LR scheduled (the floor).

Rows (one per baseline): ``jaxlrs_ms`` is the scheduled step, ``baseline_ms`` the other's,
``ratio = baseline / jaxlrs``; extra fields ``jaxlrs_compile_s``, ``baseline_compile_s``,
``jaxlrs_state_leaves``, ``baseline_state_leaves``. The three optimizers are timed interleaved
in rounds, parameters and state donated.
"""

from __future__ import annotations


import jax
import jax.numpy as jnp
import numpy as np
import optax

import jaxlrs

from . import _models
from ._common import compile_seconds, interleaved, row


def optimizers(total: int) -> dict:
  w = total // 10
  lr = jaxlrs.warmup(jaxlrs.cosine(1e-3, total_steps=total - w), warmup_steps=w)
  momentum = jaxlrs.one_cycle(0.85, total_steps=total, init_ratio=0.95 / 0.85,
                              end_ratio=0.95 / 0.85)
  wd = jaxlrs.linear(0.0, end_value=0.05, total_steps=total)
  return {
      "scheduled": jaxlrs.scheduled(optax.adamw, lr, b1=momentum, weight_decay=wd),
      "inject": optax.inject_hyperparams(optax.adamw)(lr, b1=momentum, weight_decay=wd),
      "plain": optax.adamw(lr, weight_decay=0.01),
  }


def run(quick: bool) -> list[dict]:
  rng = np.random.default_rng(0)
  model = _models.Encoder(layers=2 if quick else 6, width=32 if quick else 128)
  x = jnp.asarray(rng.integers(0, 100, (16, 32)), jnp.int32)
  y = jnp.asarray(rng.integers(0, 10, (16,)), jnp.int32)
  params = _models.init(model, x)
  compiled, leaves, fns = {}, {}, {}
  with jax.numpy_dtype_promotion("standard"):  # optax's Adam mixes int32 and float32
    txs = optimizers(1000)
    # A first compile warms JAX's caches, so that no optimizer pays for them.
    compile_seconds(_models.make_step(model, txs["plain"]), params, txs["plain"].init(params),
                    x, y)
    for name, tx in txs.items():
      carry = [jax.tree.map(jnp.copy, params)]
      carry.append(tx.init(carry[0]))
      leaves[name] = len(jax.tree.leaves(carry[1]))
      # Parameters and state donated and fed back, batches as arguments: a real train step.
      compiled[name], f = compile_seconds(_models.make_step(model, tx), *carry, x, y,
                                          donate_argnums=(0, 1))

      def call(f=f, carry=carry):
        carry[0], carry[1] = f(carry[0], carry[1], x, y)
        return carry[0]
      fns[name] = call
    times = interleaved(fns, rounds=10 if quick else 80)
  rows = []
  for base, label in (("inject", "optax.inject_hyperparams(adamw)"),
                      ("plain", "plain adamw, LR scheduled only")):
    rows.append(row(
        "hyperparams", f"encoder: scheduled lr+b1+wd vs {label}", times["scheduled"],
        times[base], f"state leaves {leaves['scheduled']} vs {leaves[base]}; compile "
        f"{compiled['scheduled']:.2f} s vs {compiled[base]:.2f} s",
        jaxlrs_compile_s=compiled["scheduled"], baseline_compile_s=compiled[base],
        jaxlrs_state_leaves=leaves["scheduled"], baseline_state_leaves=leaves[base]))
  return rows
