"""Layer-wise LR (LLRD) at 6 to 48 layers: scaled form vs multi_transform form vs plain AdamW.

Per depth and form: compile time of the update and of the full train step; steady-state time of
the update alone and of the full step (forward, backward, update), all forms timed interleaved
with parameters and state donated; the optimizer state's treedef node count and the host time
to flatten and unflatten it (what every jitted call and checkpoint pays). Before timing, both
LLRD forms run the same updates from the same gradients and must give bit-identical params.
"""

from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import numpy as np
import optax

import jaxlrs
from jaxlrs import layerwise

from . import _models
from ._common import compile_seconds, differing_elements, interleaved, row


def _rekey(params, layers):
  p = dict(params)
  return {**{k: v for k, v in p.items() if not k.startswith("layer_")},
          "encoder": {"layer": {str(i): p[f"layer_{i}"] for i in range(layers)}}}


def _unkey(params, layers):
  out = {k: v for k, v in params.items() if k != "encoder"}
  out.update({f"layer_{i}": params["encoder"]["layer"][str(i)] for i in range(layers)})
  return out


def _host_seconds(fn, n: int = 20) -> float:
  start = time.perf_counter()
  for _ in range(n):
    fn()
  return (time.perf_counter() - start) / n


def _donating(fn, args):
  """A call that feeds the donated (params, state) back, as a training loop does."""
  carry = list(args[:2])
  rest = args[2:]

  def call():
    carry[0], carry[1] = fn(carry[0], carry[1], *rest)
    return carry[0]
  return call


def run(quick: bool, sizes: tuple[int, ...] | None = None) -> list[dict]:
  sizes = sizes or ((2,) if quick else (6, 12, 24, 48))
  rounds = 5 if quick else 20
  rows = []
  for layers in sizes:
    model = _models.Encoder(layers=layers, width=32 if quick else 64)
    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.integers(0, 100, (8, 16)), jnp.int32)
    y = jnp.asarray(rng.integers(0, 10, (8,)), jnp.int32)
    params = _rekey(_models.init(model, x), layers)
    mults = layerwise.llrd_multipliers(layerwise.depth_map(params, preset="bert"), decay=0.9)
    sched = jaxlrs.warmup(jaxlrs.cosine(1e-3, total_steps=900), warmup_steps=100)

    def factory(lr):
      return optax.adamw(lr, weight_decay=0.01, mask=layerwise.decay_mask)

    forms = {"plain adamw": factory(sched), "scaled": layerwise.scaled(factory, sched, mults),
             "multi_transform": layerwise.multi_transform(factory, sched, mults)}
    grads = jax.tree.map(lambda p: jnp.full_like(p, 1e-3), params)

    def update(tx):
      def step(p, s, g):
        u, s = tx.update(g, s, p)
        return optax.apply_updates(p, u), s
      return step

    info, update_calls, full_calls = {}, {}, {}
    results = {}
    for name, tx in forms.items():
      state = tx.init(params)
      leaves, treedef = jax.tree.flatten(state)
      flatten_s = _host_seconds(lambda: jax.tree.flatten(state))
      unflatten_s = _host_seconds(lambda: jax.tree.unflatten(treedef, leaves))
      copy = lambda t: jax.tree.map(jnp.copy, t)  # noqa: E731
      c_upd, upd = compile_seconds(update(tx), copy(params), copy(state), grads,
                                   donate_argnums=(0, 1))
      # Same gradients, three updates: the params both LLRD forms reach must be bit-identical.
      p, s = copy(params), copy(state)
      for _ in range(3):
        p, s = upd(p, s, grads)
      results[name] = p
      full_fn = lambda p, s, x, y, tx=tx: _full(model, tx, layers, p, s, x, y)  # noqa: E731
      c_full, full = compile_seconds(full_fn, copy(params), copy(state), x, y,
                                     donate_argnums=(0, 1))
      update_calls[name] = _donating(upd, (copy(params), copy(state), grads))
      full_calls[name] = _donating(full, (copy(params), copy(state), x, y))
      info[name] = dict(nodes=treedef.num_nodes, leaves=treedef.num_leaves,
                        flatten_ms=flatten_s * 1e3, unflatten_ms=unflatten_s * 1e3,
                        compile_update_s=c_upd, compile_full_s=c_full)
    differing = differing_elements(results["scaled"], results["multi_transform"])
    total = sum(a.size for a in jax.tree.leaves(params))
    if differing > total // 1000:  # rounding in XLA's per-subtree Adam aside, they must agree
      raise AssertionError(f"LLRD forms disagree at {layers} layers: {differing} of {total} "
                           "elements differ after 3 updates")
    t_upd = interleaved(update_calls, rounds)
    t_full = interleaved(full_calls, rounds)
    base = info["plain adamw"]
    for name in ("scaled", "multi_transform"):
      i = info[name]
      label = f"{layers} layers: {name} vs plain adamw"
      rows.append(row("layerwise", f"{label}, update only", t_upd[name], t_upd["plain adamw"],
                      f"identical params: {differing} of {total} elements differ", **i))
      rows.append(row("layerwise", f"{label}, full step", t_full[name], t_full["plain adamw"],
                      "forward + backward + update, params and state donated"))
      rows.append(row("layerwise", f"{label}, compile update", i["compile_update_s"],
                      base["compile_update_s"],
                      f"full step compile {i['compile_full_s'] * 1e3:.0f} vs "
                      f"{base['compile_full_s'] * 1e3:.0f} ms"))
      rows.append(row("layerwise", f"{label}, state flatten+unflatten (host)",
                      (i["flatten_ms"] + i["unflatten_ms"]) / 1e3,
                      (base["flatten_ms"] + base["unflatten_ms"]) / 1e3,
                      f"treedef {i['nodes']} vs {base['nodes']} nodes, {i['leaves']} vs "
                      f"{base['leaves']} leaves"))
  return rows


def _full(model, tx, layers, params, state, x, y):
  def loss(p):
    logits = model.apply({"params": _unkey(p, layers)}, x)
    return jnp.mean(jax.nn.logsumexp(logits, -1)
                    - jnp.take_along_axis(logits, y[:, None], 1)[:, 0])
  grads = jax.grad(loss)(params)
  updates, state = tx.update(grads, state, params)
  return optax.apply_updates(params, updates), state
