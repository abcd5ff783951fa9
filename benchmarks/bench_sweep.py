"""A hyperparameter sweep in one program: 16 peak LRs trained by one vmapped step."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax

import jaxlrs

from . import _models
from ._common import median_seconds, row


def run(quick: bool) -> list[dict]:
  n_runs, n_steps = 16, (20 if quick else 200)
  model = _models.MLP(width=32 if quick else 128, depth=2)
  rng = np.random.default_rng(0)
  x = jnp.asarray(rng.normal(size=(64, 32)), jnp.float32)
  y = jnp.asarray(rng.integers(0, 10, (64,)), jnp.int32)
  params = _models.init(model, x)
  peaks = jnp.geomspace(1e-4, 1e-1, n_runs)

  def train(peak):
    sched = jaxlrs.warmup(jaxlrs.cosine(peak, total_steps=n_steps - 5), warmup_steps=5)
    tx = optax.sgd(sched, momentum=0.9)
    step = _models.make_step(model, tx)

    def body(carry, _):
      p, s = carry
      return step(p, s, x, y), None

    (p, _), _ = jax.lax.scan(body, (params, tx.init(params)), None, length=n_steps)
    return p

  one = jax.jit(train)
  many = jax.jit(jax.vmap(train))
  jax.block_until_ready(one(peaks[0]))
  t_seq = median_seconds(lambda: [one(p) for p in peaks], 3)
  t_vmap = median_seconds(lambda: many(peaks), 3)
  return [row("sweep", f"{n_runs} peak LRs x {n_steps} steps: vmap vs sequential", t_vmap, t_seq,
              "baseline: 16 runs of the same jitted loop one after another")]
