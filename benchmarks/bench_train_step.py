"""The jitted train step with a jaxlrs schedule vs the Optax equivalent (MLP and encoder, AdamW)."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import optax

import jaxlrs
from jaxlrs.compat import hf

from . import _models
from ._common import compile_seconds, median_seconds, row


def schedules(total: int) -> dict:
  w = total // 10
  return {
      "warmup+cosine": (jaxlrs.warmup(jaxlrs.cosine(1e-3, total_steps=total - w), warmup_steps=w),
                        optax.warmup_cosine_decay_schedule(0.0, 1e-3, w, total)),
      "warmup-stable-decay": (jaxlrs.warmup_stable_decay(1e-3, total_steps=total, warmup_steps=w,
                                                         decay_steps=total // 5),
                              optax.join_schedules([optax.linear_schedule(0.0, 1e-3, w),
                                                    optax.constant_schedule(1e-3),
                                                    optax.linear_schedule(1e-3, 0.0, total // 5)],
                                                   [w, total - total // 5])),
      "hf linear (compat)": (hf.get_scheduler("linear", 1e-3, w, total),
                             optax.join_schedules([optax.linear_schedule(0.0, 1e-3, w),
                                                   optax.linear_schedule(1e-3, 0.0, total - w)],
                                                  [w])),
  }


def run(quick: bool) -> list[dict]:
  repeats = 5 if quick else 50
  rng = np.random.default_rng(0)
  models = {
      "MLP": (_models.MLP(width=64 if quick else 512), jnp.asarray(rng.normal(size=(32, 64)),
                                                                    jnp.float32)),
      "encoder": (_models.Encoder(layers=2 if quick else 6, width=32 if quick else 128),
                  jnp.asarray(rng.integers(0, 100, (16, 32)), jnp.int32)),
  }
  y = jnp.asarray(rng.integers(0, 10, (32,)), jnp.int32)
  rows = []
  for model_name, (model, x) in models.items():
    yy = y[: x.shape[0]]
    params = _models.init(model, x)

    def timed(lr):
      tx = optax.adamw(lr, weight_decay=0.01)
      state = tx.init(params)
      step = _models.make_step(model, tx)
      c, f = compile_seconds(step, params, state, x, yy)
      return c, median_seconds(lambda: f(params, state, x, yy), repeats)

    _, t_const = timed(1e-3)
    rows.append(row("train step", f"{model_name}: constant LR", t_const, t_const,
                    "the floor: no schedule"))
    for name, (ours, theirs) in schedules(1000).items():
      c_ours, t_ours = timed(ours)
      c_theirs, t_theirs = timed(theirs)
      rows.append(row("train step", f"{model_name}: {name}", t_ours, t_theirs,
                      f"vs constant LR: {t_ours / t_const:.3f}x"))
      rows.append(row("train step", f"{model_name}: {name} compile", c_ours, c_theirs))
  return rows
