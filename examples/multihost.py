"""Multi-process training with jaxlrs: one JAX program per host, one global mesh, sharded state.

A small causal transformer (flax.nnx) learns to continue arithmetic sequences with a warmup-cosine
schedule, layer-wise LR decay (the scaled form), a frozen token embedding and an EMA of the
weights. Parameters, Adam moments and the EMA are sharded FSDP-style over an ("fsdp", "data") mesh
whose fsdp axis spans the processes, so no process holds a whole parameter.

    # one command per process (on a TPU pod slice or GPU hosts, the same command on every host)
    python examples/multihost.py --coordinator 10.0.0.1:1234 --num-processes 2 --process-id 0
    python examples/multihost.py --coordinator 10.0.0.1:1234 --num-processes 2 --process-id 1
    python examples/multihost.py --auto-initialize        # TPU pod slice, SLURM, Open MPI

    # try it on one machine: N local processes with simulated CPU devices
    python examples/multihost.py launch --num-processes 2 --devices-per-process 4 -- --steps 8

    # stop after step 4 with an orbax checkpoint, then resume (with any number of processes)
    python examples/multihost.py launch -n 2 -- --steps 8 --save-at 4 --stop-at 4 --ckpt-dir ck
    python examples/multihost.py launch -n 1 --devices-per-process 8 -- --steps 8 --ckpt-dir ck
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import pathlib
import re
import socket
import subprocess
import sys
import time
from typing import Any

import jax
import numpy as np
import optax
from flax import nnx
from jax.sharding import AxisType, NamedSharding
from jax.sharding import PartitionSpec as P

import jaxlrs
from jaxlrs import averaging, layerwise

VOCAB, SEQ, DIM, HEADS, LAYERS, BATCH, PEAK_LR, WARMUP = 16, 9, 16, 2, 2, 16, 3e-3, 2


class Block(nnx.Module):
  def __init__(self, rngs: nnx.Rngs):
    self.norm1, self.norm2 = nnx.LayerNorm(DIM, rngs=rngs), nnx.LayerNorm(DIM, rngs=rngs)
    self.attn = nnx.MultiHeadAttention(num_heads=HEADS, in_features=DIM, decode=False,
                                       use_bias=False, rngs=rngs)
    self.mlp1 = nnx.Linear(DIM, 4 * DIM, rngs=rngs)
    self.mlp2 = nnx.Linear(4 * DIM, DIM, rngs=rngs)

  def __call__(self, x, mask):
    h = self.norm1(x)
    x = x + self.attn(h, h, mask=mask)
    return x + self.mlp2(jax.nn.gelu(self.mlp1(self.norm2(x))))


class Transformer(nnx.Module):
  """Token and position embeddings, causal blocks, head (names fit the "nnx" depth preset)."""

  def __init__(self, rngs: nnx.Rngs):
    self.embed = nnx.Embed(VOCAB, DIM, rngs=rngs)
    self.pos = nnx.Param(0.02 * jax.random.normal(rngs.params(), (SEQ - 1, DIM)))
    self.layers = getattr(nnx, "List", list)([Block(rngs) for _ in range(LAYERS)])  # flax<0.12
    self.norm = nnx.LayerNorm(DIM, rngs=rngs)
    self.head = nnx.Linear(DIM, VOCAB, rngs=rngs)

  def __call__(self, tokens):
    x = self.embed(tokens) + self.pos[...]
    mask = nnx.make_causal_mask(tokens)
    for layer in self.layers:
      x = layer(x, mask)
    return self.head(self.norm(x))


# -- the program every process runs ------------------------------------------------------------


def make_mesh(data: int) -> jax.sharding.Mesh:
  # Devices come ordered by process, so the leading fsdp axis spans the processes.
  return jax.make_mesh((jax.device_count() // data, data), ("fsdp", "data"),
                       axis_types=(AxisType.Auto, AxisType.Auto))


def fsdp_sharding(mesh, x) -> NamedSharding:
  """Shard the largest dimension the fsdp axis divides (replicate scalars and the rest)."""
  dims = [i for i in range(x.ndim) if x.shape[i] % mesh.shape["fsdp"] == 0]
  best = max(dims, key=lambda i: x.shape[i], default=None)
  return NamedSharding(mesh, P(*["fsdp" if i == best else None for i in range(x.ndim)]))


def make_optimizer(params, total_steps: int):
  """Warmup-cosine, LLRD x0.8 per block (scaled form), frozen token embedding, EMA 0.9."""
  schedule = jaxlrs.warmup(jaxlrs.cosine(init_value=PEAK_LR, total_steps=total_steps - WARMUP,
                                         end_value=PEAK_LR / 10), warmup_steps=WARMUP)
  depths = layerwise.depth_map(params, preset="nnx")
  multipliers = layerwise.freeze(layerwise.llrd_multipliers(depths, decay=0.8), [r"^embed/"])

  def adamw(lr):
    return optax.adamw(lr, weight_decay=0.01, mask=layerwise.decay_mask)

  tx = averaging.ema(layerwise.scaled(adamw, schedule, multipliers), decay=0.9)
  return tx, schedule, multipliers


def plain_optimizer(total_steps: int) -> optax.GradientTransformation:
  """The same schedule and AdamW from optax alone (for comparing compiled steps)."""
  return optax.adamw(optax.warmup_cosine_decay_schedule(
      0.0, PEAK_LR, WARMUP, total_steps, PEAK_LR / 10), weight_decay=0.01)


def init_state(mesh, tx, params):
  # optax creates its moments with zeros_like, which carries no sharding under jit: give the
  # state its shardings (the FSDP rule depends only on shapes, so moments follow the params).
  shardings = jax.tree.map(lambda x: fsdp_sharding(mesh, x), jax.eval_shape(tx.init, params))
  return jax.jit(tx.init, out_shardings=shardings)(params)


def batch_at(step: int, sharding) -> jax.Array:
  """The global batch of a step; each process materialises only its own devices' rows."""
  rng = np.random.default_rng([1234, step])
  start, stride = rng.integers(VOCAB, size=(BATCH, 1)), rng.integers(1, 4, size=(BATCH, 1))
  tokens = ((start + stride * np.arange(SEQ)) % VOCAB).astype(np.int32)
  return jax.make_array_from_callback(tokens.shape, sharding, lambda index: tokens[index])


def make_fns(graphdef):
  def losses(params, tokens):  # one loss per sequence
    logits = nnx.merge(graphdef, params)(tokens[:, :-1])
    return optax.softmax_cross_entropy_with_integer_labels(logits, tokens[:, 1:]).mean(-1)

  def train_step(tx):
    def step(params, opt_state, tokens):
      loss, grads = jax.value_and_grad(lambda p: losses(p, tokens).mean())(params)
      updates, opt_state = tx.update(grads, opt_state, params)
      return optax.apply_updates(params, updates), opt_state, loss
    return jax.jit(step, donate_argnums=(0, 1))  # no out_shardings: XLA keeps the layout

  return jax.jit(losses), train_step


# -- checks: checksums, collectives, shardings -------------------------------------------------


def checksums(tree) -> tuple[dict[str, int], dict[str, list], bool]:
  """Exact whole-array checksums of every leaf (equal for any mesh or process count), this
  process's shard checksums, and whether all copies of every shard agree on all processes.

  A shard's checksum is ``sum(bits[i] * (2654435761 i + 1)) mod 2**32`` over its elements ``i``
  (global flat indices), so shard checksums add up to the array's. Only these numbers are
  gathered across processes, never an array.
  """
  from jax.experimental import multihost_utils

  leaves = jax.tree_util.tree_flatten_with_path(tree)[0]
  local = []
  for _, x in leaves:
    index, rows = np.arange(x.size, dtype=np.uint64).reshape(x.shape), []
    for s in x.addressable_shards:
      data = np.asarray(s.data)
      bits = data.astype(np.float32) if data.dtype.itemsize != 4 else data
      bits = np.ascontiguousarray(bits).view(np.uint32).astype(np.uint64)
      weights = (index[s.index] * np.uint64(2654435761) + np.uint64(1)) % np.uint64(2**32)
      rows.append((int(index[s.index].flat[0]) if x.size else 0, s.replica_id,
                   int((bits * weights).sum() % np.uint64(2**32))))  # wraps mod 2**64: fine
    local.append(rows)
  table = np.array(local, np.int64)  # (leaves, local devices, 3)
  every = table[None] if jax.process_count() == 1 else multihost_utils.process_allgather(table)
  totals, agree = {}, True
  for i, (path, _) in enumerate(leaves):
    rows = every[:, i].reshape(-1, 3)
    copies: dict[int, set] = {}
    for offset, _, c in rows:
      copies.setdefault(int(offset), set()).add(int(c))
    agree &= all(len(c) == 1 for c in copies.values())
    totals[jax.tree_util.keystr(path)] = int(rows[rows[:, 1] == 0, 2].sum() % 2**32)
  shards = {jax.tree_util.keystr(p): rows for (p, _), rows in zip(leaves, local)}
  return totals, shards, bool(agree)


_COLLECTIVE = re.compile(r"=\s+(.*?)\s+(all-reduce|all-gather|reduce-scatter|collective-permute"
                         r"|all-to-all|collective-broadcast)(?:-start)?\(")


def collectives(compiled) -> collections.Counter:
  """Collective ops of a compiled step as ``"op result-shape"`` counts (layouts dropped)."""
  return collections.Counter(f"{op} {re.sub(r'{[^}]*}', '', shape)}"
                             for shape, op in _COLLECTIVE.findall(compiled.as_text()))


def sharded_like(params, tree) -> bool:
  return all(a.sharding.is_equivalent_to(p.sharding, p.ndim)
             for a, p in zip(jax.tree.leaves(tree), jax.tree.leaves(params), strict=True))


def state_parts_sharded_like(params, opt_state) -> dict[str, bool]:
  adam = opt_state.inner_state[0][0]  # ema(chain(adamw, scale_by_multipliers)) -> adam state
  return {"average": sharded_like(params, opt_state.average),
          "adam_mu": sharded_like(params, adam.mu), "adam_nu": sharded_like(params, adam.nu)}


# -- checkpoints: every process writes and reads its own shards --------------------------------


def save(ckpt_dir: pathlib.Path, step: int, state) -> None:
  import orbax.checkpoint as ocp

  with ocp.StandardCheckpointer() as ckpt:
    ckpt.save(ckpt_dir / f"step_{step}", jax.tree.leaves(state))


def restore(ckpt_dir: pathlib.Path, step: int, like):
  """Restore into ``like``'s shapes and shardings (any mesh, any number of processes)."""
  import orbax.checkpoint as ocp

  target = [jax.ShapeDtypeStruct(x.shape, x.dtype, sharding=x.sharding)
            for x in jax.tree.leaves(like)]
  with ocp.StandardCheckpointer() as ckpt:
    leaves = ckpt.restore(ckpt_dir / f"step_{step}", target)
  return jax.tree.unflatten(jax.tree.structure(like), leaves)


# -- training ----------------------------------------------------------------------------------


def train(args) -> dict:
  clock = time.perf_counter()
  if args.coordinator:
    jax.distributed.initialize(args.coordinator, num_processes=args.num_processes,
                               process_id=args.process_id, initialization_timeout=120)
  elif args.auto_initialize:
    jax.distributed.initialize()
  mesh = make_mesh(args.data)
  say = print if jax.process_index() == 0 else (lambda *a, **k: None)
  say(f"{jax.process_count()} process(es), {jax.device_count()} devices, mesh {dict(mesh.shape)}")
  graphdef, abstract = nnx.split(nnx.eval_shape(lambda: Transformer(nnx.Rngs(0))))
  params = jax.jit(lambda: nnx.state(Transformer(nnx.Rngs(0))),
                   out_shardings=jax.tree.map(lambda x: fsdp_sharding(mesh, x), abstract))()
  tx, schedule, multipliers = make_optimizer(params, args.steps)
  opt_state = init_state(mesh, tx, params)
  losses, train_step = make_fns(graphdef)
  batch_sharding = NamedSharding(mesh, P(("fsdp", "data")))
  report: dict[str, Any] = {"process_index": jax.process_index(), "losses": {}, "lrs": {},
                            "lr_range": {}, "embed_lr": {},
                            "process_count": jax.process_count(), "mesh": dict(mesh.shape),
                            "checksums": {}, "seconds": {"setup": time.perf_counter() - clock}}
  first, ckpt_dir = 0, pathlib.Path(args.ckpt_dir).absolute() if args.ckpt_dir else None
  saved = sorted(int(p.name[5:]) for p in ckpt_dir.glob("step_*")) if ckpt_dir else []
  if args.restore_step is not None or saved:
    first = saved[-1] if args.restore_step is None else args.restore_step
    params, opt_state = restore(ckpt_dir, first, (params, opt_state))
    say(f"restored step {first} from {ckpt_dir}")
    report["checksums"]["restored"] = checksums((params, opt_state))[0]
  batch = batch_at(first, batch_sharding)
  # Per-sequence losses involve no cross-device arithmetic; their mean does (an all-reduce).
  report["first_losses"] = checksums(losses(params, batch))[0]
  clock = time.perf_counter()
  step_fn = train_step(tx).lower(params, opt_state, batch).compile()  # compiled once
  report["seconds"]["compile"] = time.perf_counter() - clock
  if args.inspect:
    report["bare_init_sharded_like_params"] = state_parts_sharded_like(
        params, jax.jit(tx.init)(params))  # without out_shardings
    plain = plain_optimizer(args.steps)
    ours = collectives(step_fn)
    theirs = collectives(train_step(plain).lower(
        params, init_state(mesh, plain, params), batch).compile())
    report["collectives"] = {"jaxlrs": dict(ours), "plain": dict(theirs),
                             "extra": dict(ours - theirs)}
    say(f"jit(tx.init) without out_shardings shards like the params: "
        f"{report['bare_init_sharded_like_params']}")
    say(f"{sum(ours.values())} collectives in the compiled step, "
        f"{sum((ours - theirs).values())} more than with plain optax.adamw")
  clock = time.perf_counter()
  for step in range(first, min(args.steps, args.stop_at or args.steps)):
    params, opt_state, loss = step_fn(params, opt_state, batch_at(step, batch_sharding))
    # The readers run where the state lives and return global arrays: nothing is copied to a
    # host (on GPU/TPU the guard would raise if it were; CPU arrays already live on the host).
    with jax.transfer_guard_device_to_host("disallow_explicit"):
      lr, count = jaxlrs.current_lr(opt_state, schedule), jaxlrs.step_count(opt_state)
      lo, hi = jaxlrs.lr_range(opt_state, schedule, multipliers=multipliers)  # over layers
      per_param = jaxlrs.current_lr(opt_state, schedule, multipliers=multipliers)
    report["lr_on_devices"] = len(lr.sharding.device_set)
    report["losses"][step + 1], report["lrs"][step + 1] = float(loss), float(lr)
    report["lr_range"][step + 1] = [float(lo), float(hi)]
    report["embed_lr"][step + 1] = float(per_param["embed"]["embedding"])
    say(f"step {int(count):3d}  loss {float(loss):.4f}  next lr {float(lr):.2e}")
    if ckpt_dir and step + 1 in args.save_at:
      save(ckpt_dir, step + 1, (params, opt_state))
      report["checksums"][f"saved_{step + 1}"] = checksums((params, opt_state))[0]
      say(f"saved step {step + 1} to {ckpt_dir}")
  report["seconds"]["train"] = time.perf_counter() - clock
  report["state_sharded_like_params"] = state_parts_sharded_like(params, opt_state)
  with jax.transfer_guard_device_to_host("disallow_explicit"):
    average = averaging.averaged_params(opt_state, like=params)
    ema_loss = losses(average, batch_at(10**6, batch_sharding)).mean()
  report["average_sharding_kept"] = sharded_like(params, average)
  report["average_fully_addressable"] = any(a.is_fully_addressable for a in jax.tree.leaves(average))
  report["ema_loss"] = float(ema_loss)
  final, report["shards"], report["replicas_agree"] = checksums((params, opt_state))
  report["checksums"]["final"] = final
  say(f"EMA weights: loss {float(ema_loss):.4f} on a held-out batch")
  say(f"state checksum {sum(final.values()) % 2**32:08x}; every copy of every shard on all "
      f"{jax.process_count()} process(es) {'agrees' if report['replicas_agree'] else 'DOES NOT'}")
  if args.report:
    out = pathlib.Path(args.report)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"process_{jax.process_index()}.json").write_text(json.dumps(report, indent=1))
  return report


def parse_args(argv):
  p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                              formatter_class=argparse.RawDescriptionHelpFormatter)
  p.add_argument("--coordinator", help="HOST:PORT of process 0 (explicit initialize)")
  p.add_argument("--num-processes", type=int, default=1)
  p.add_argument("--process-id", type=int, default=0)
  p.add_argument("--auto-initialize", action="store_true",
                 help="jax.distributed.initialize() with no arguments (TPU pods, SLURM, MPI)")
  p.add_argument("--data", type=int, default=2, help="size of the 'data' mesh axis")
  p.add_argument("--steps", type=int, default=8, help="total training steps")
  p.add_argument("--ckpt-dir", help="orbax checkpoints (step_K); resumes from the latest")
  p.add_argument("--restore-step", type=int, help="resume from this step, not the latest")
  p.add_argument("--save-at", type=int, action="append", default=[], help="save after K steps")
  p.add_argument("--stop-at", type=int, help="stop this run after K steps (resume later)")
  p.add_argument("--inspect", action="store_true",
                 help="compare the compiled step's collectives with plain optax.adamw's and "
                 "check which state a bare jit(tx.init) shards like the params")
  p.add_argument("--report", help="folder for a JSON report per process")
  return p.parse_args(argv)


# -- local launcher ----------------------------------------------------------------------------


def launch(argv: list[str]) -> int:
  """Start N local processes of this script with simulated CPU devices; stop all if one fails."""
  p = argparse.ArgumentParser(prog="multihost.py launch")
  p.add_argument("-n", "--num-processes", type=int, default=2)
  p.add_argument("--devices-per-process", type=int, default=4)
  p.add_argument("--timeout", type=float, default=600, help="seconds before all are stopped")
  split = argv.index("--") if "--" in argv else len(argv)
  a, rest = p.parse_args(argv[:split]), argv[split + 1:]
  env = {**os.environ, "JAX_PLATFORMS": "cpu", "XLA_FLAGS": f"{os.environ.get('XLA_FLAGS', '')} "
         f"--xla_force_host_platform_device_count={a.devices_per_process}"}
  with socket.socket() as s:  # a free port for the coordinator
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
  procs = []
  for i in range(a.num_processes):
    dist = [] if a.num_processes == 1 else [
        "--coordinator", f"127.0.0.1:{port}", "--num-processes", str(a.num_processes),
        "--process-id", str(i)]
    procs.append(subprocess.Popen([sys.executable, __file__, *dist, *rest], env=env))
  deadline = time.monotonic() + a.timeout
  try:
    while time.monotonic() < deadline and any(q.poll() is None for q in procs):
      if any(q.poll() for q in procs):
        break  # one failed: the others would wait for it at the next collective
      time.sleep(0.1)
  finally:
    for q in procs:
      if q.poll() is None:
        q.kill()
      q.wait()
  codes = [q.returncode for q in procs]
  if any(codes):
    print(f"launch: exit codes {codes}" + (" (timed out)" if time.monotonic() >= deadline
                                           else ""), file=sys.stderr)
  return int(any(codes))


def main(argv: list[str] | None = None) -> int:
  argv = sys.argv[1:] if argv is None else argv
  if argv[:1] == ["launch"]:
    return launch(argv[1:])
  train(parse_args(argv))
  return 0


if __name__ == "__main__":
  raise SystemExit(main())
