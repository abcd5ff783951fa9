"""Layer-wise LR at 6/12/24/48 layers: multi_transform form vs scaled form vs plain AdamW."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax

import jaxlrs
from jaxlrs import layerwise

from . import _models
from ._common import compile_seconds, median_seconds, row


def _rekey(params, layers):
  p = dict(params)
  return {**{k: v for k, v in p.items() if not k.startswith("layer_")},
          "encoder": {"layer": {str(i): p[f"layer_{i}"] for i in range(layers)}}}


def run(quick: bool) -> list[dict]:
  sizes = (2, 6) if quick else (6, 12, 24, 48)
  repeats = 5 if quick else 30
  rows = []
  for layers in sizes:
    model = _models.Encoder(layers=layers, width=32 if quick else 64)
    x = jnp.asarray(np.random.default_rng(0).integers(0, 100, (8, 16)), jnp.int32)
    params = _rekey(_models.init(model, x), layers)
    depths = layerwise.depth_map(params, preset="bert")
    mults = layerwise.llrd_multipliers(depths, decay=0.9)
    sched = jaxlrs.warmup(jaxlrs.cosine(1e-3, total_steps=900), warmup_steps=100)
    factory = lambda lr: optax.adamw(lr, weight_decay=0.01, mask=layerwise.decay_mask)  # noqa
    forms = {"plain adamw": factory(sched), "scaled (b)": layerwise.scaled(factory, sched, mults),
             "multi_transform (a)": layerwise.multi_transform(factory, sched, mults)}
    grads = jax.tree.map(jnp.ones_like, params)
    times = {}
    for name, tx in forms.items():
      state = tx.init(params)
      nodes = len(jax.tree.leaves(state)) + len(jax.tree_util.tree_flatten(
          state, is_leaf=lambda n: n is not None)[0])
      c, upd = compile_seconds(lambda g, s, p: tx.update(g, s, p), grads, state, params)
      t_update = median_seconds(lambda: upd(grads, state, params), repeats)
      times[name] = (t_update, c, nodes)
    base = times["plain adamw"]
    for name, (t, c, nodes) in times.items():
      rows.append(row("layerwise", f"{layers} layers: {name} update", t, base[0],
                      f"state leaves+nodes {nodes}; compile {c * 1e3:.0f} ms", state_nodes=nodes,
                      compile_ms=c * 1e3))
  return rows
