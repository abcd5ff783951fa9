"""Multi-process training with jaxlrs: one JAX program per host, one global mesh, sharded state.

A small causal transformer (flax.nnx) learns to continue arithmetic sequences with a warmup-cosine
schedule, layer-wise LR decay (the scaled form), a frozen token embedding and an EMA of the
weights. Parameters, Adam moments and the EMA are sharded FSDP-style over a ("data", "fsdp") mesh
whose "fsdp" axis spans the processes, so no process ever holds a whole parameter.

    # one command per process (a TPU pod slice or GPU hosts run the same on every host)
    python examples/multihost.py --coordinator 10.0.0.1:1234 --num-processes 2 --process-id 0
    python examples/multihost.py --coordinator 10.0.0.1:1234 --num-processes 2 --process-id 1

    # try it on one machine: N local processes with simulated CPU devices
    python examples/multihost.py launch --num-processes 2 --devices-per-process 4 -- --steps 8

    # stop at step 4 with an orbax checkpoint, then resume (on any number of processes)
    python examples/multihost.py launch -n 2 -- --steps 8 --save-at 4 --stop-at 4 --ckpt-dir ckpt
    python examples/multihost.py launch -n 2 -- --steps 8 --ckpt-dir ckpt
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

VOCAB, SEQ, DIM, HEADS, LAYERS, BATCH = 16, 9, 16, 2, 2, 16


def parse_args(argv):
  p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                              formatter_class=argparse.RawDescriptionHelpFormatter)
  p.add_argument("--coordinator", help="HOST:PORT of process 0 (explicit initialize)")
  p.add_argument("--num-processes", type=int, default=1)
  p.add_argument("--process-id", type=int, default=0)
  p.add_argument("--auto-initialize", action="store_true",
                 help="jax.distributed.initialize() with no arguments (TPU pods, SLURM, ...)")
  p.add_argument("--data", type=int, default=2, help="size of the 'data' mesh axis")
  p.add_argument("--steps", type=int, default=8, help="total training steps")
  p.add_argument("--ckpt-dir", help="orbax checkpoints (step_K); resumes from the latest")
  p.add_argument("--restore-step", type=int, help="resume from this step, not the latest")
  p.add_argument("--save-at", type=int, action="append", default=[], help="save after K steps")
  p.add_argument("--stop-at", type=int, help="stop this run after K steps (resume later)")
  p.add_argument("--inspect", action="store_true",
                 help="compare the compiled step's collectives with plain optax.adamw's and "
                 "check which state jit(tx.init) shards like the params")
  p.add_argument("--report", help="folder for a JSON report per process")
  return p.parse_args(argv)


def initialize(args) -> None:
  import jax

  if args.coordinator:
    jax.distributed.initialize(args.coordinator, num_processes=args.num_processes,
                               process_id=args.process_id, initialization_timeout=120)
  elif args.auto_initialize:
    jax.distributed.initialize()


def make_mesh(data: int):
  """A (data, fsdp) mesh whose fsdp axis spans the processes (every process holds a slice)."""
  import jax
  import numpy as np
  from jax.sharding import Mesh

  devices = sorted(jax.devices(), key=lambda d: (d.process_index, d.id))
  n = jax.process_count()
  grid = np.array(devices, dtype=object).reshape(n, data, -1).transpose(1, 0, 2)
  return Mesh(grid.reshape(data, -1), ("data", "fsdp"))


def build(args, mesh):
  """Model, FSDP shardings, schedule, jaxlrs optimizer and the plain optax one to compare."""
  import jax
  import optax
  from flax import nnx
  from jax.sharding import NamedSharding
  from jax.sharding import PartitionSpec as P

  import jaxlrs
  from jaxlrs import averaging, layerwise

  class Block(nnx.Module):
    def __init__(self, rngs):
      self.norm1, self.norm2 = nnx.LayerNorm(DIM, rngs=rngs), nnx.LayerNorm(DIM, rngs=rngs)
      self.attn = nnx.MultiHeadAttention(num_heads=HEADS, in_features=DIM, decode=False,
                                         use_bias=False,
                                         rngs=rngs)
      self.mlp1, self.mlp2 = nnx.Linear(DIM, 4 * DIM, rngs=rngs), nnx.Linear(4 * DIM, DIM,
                                                                            rngs=rngs)

    def __call__(self, x, mask):
      h = self.norm1(x)
      x = x + self.attn(h, h, mask=mask)
      return x + self.mlp2(jax.nn.gelu(self.mlp1(self.norm2(x))))

  class Transformer(nnx.Module):  # names fit the "nnx" depth-map preset
    def __init__(self, rngs):
      self.embed = nnx.Embed(VOCAB, DIM, rngs=rngs)
      self.pos = nnx.Param(0.02 * jax.random.normal(rngs.params(), (SEQ - 1, DIM)))
      self.layers = nnx.List([Block(rngs) for _ in range(LAYERS)])
      self.norm = nnx.LayerNorm(DIM, rngs=rngs)
      self.head = nnx.Linear(DIM, VOCAB, rngs=rngs)

    def __call__(self, tokens):
      x = self.embed(tokens) + self.pos[...]
      mask = nnx.make_causal_mask(tokens)
      for layer in self.layers:
        x = layer(x, mask)
      return self.head(self.norm(x))

  def init():
    return nnx.split(Transformer(nnx.Rngs(0)))[1]

  graphdef = nnx.graphdef(nnx.eval_shape(lambda: Transformer(nnx.Rngs(0))))
  fsdp = mesh.shape["fsdp"]

  def spec(x):  # FSDP: shard the largest dimension the fsdp axis divides, else replicate
    dims = [i for i in range(x.ndim) if x.shape[i] % fsdp == 0]
    if not dims:
      return P()
    best = max(dims, key=lambda i: x.shape[i])
    return P(*[("fsdp" if i == best else None) for i in range(x.ndim)])

  shardings = jax.tree.map(lambda x: NamedSharding(mesh, spec(x)), jax.eval_shape(init))
  params = jax.jit(init, out_shardings=shardings)()

  warmup = 2
  schedule = jaxlrs.warmup(jaxlrs.cosine(init_value=3e-3, total_steps=args.steps - warmup,
                                         end_value=3e-4), warmup_steps=warmup)
  depths = layerwise.depth_map(params, preset="nnx")
  multipliers = layerwise.freeze(layerwise.llrd_multipliers(depths, decay=0.8), [r"^embed/"])
  tx = averaging.ema(layerwise.scaled(
      lambda lr: optax.adamw(lr, weight_decay=0.01, mask=layerwise.decay_mask), schedule,
      multipliers), decay=0.9)
  plain = optax.adamw(optax.warmup_cosine_decay_schedule(0.0, 3e-3, warmup, args.steps, 3e-4),
                      weight_decay=0.01)

  def losses(p, tokens):  # one loss per sequence
    logits = nnx.merge(graphdef, p)(tokens[:, :-1])
    return optax.softmax_cross_entropy_with_integer_labels(logits, tokens[:, 1:]).mean(-1)

  def loss_fn(p, tokens):
    return losses(p, tokens).mean()

  def make_step(opt):
    def step(p, opt_state, tokens):
      loss, grads = jax.value_and_grad(loss_fn)(p, tokens)
      updates, opt_state = opt.update(grads, opt_state, p)
      return optax.apply_updates(p, updates), opt_state, loss
    return jax.jit(step, donate_argnums=(0, 1))

  batch_sharding = NamedSharding(mesh, P(("data", "fsdp")))

  def init_state(opt, params):
    # Optax creates its moments with zeros_like, which carries no sharding under jit: give the
    # state its shardings (the FSDP rule depends only on shapes, so moments follow the params).
    like = jax.tree.map(lambda x: NamedSharding(mesh, spec(x)), jax.eval_shape(opt.init, params))
    return jax.jit(opt.init, out_shardings=like)(params)

  return {"params": params, "tx": tx, "plain": plain, "schedule": schedule,
          "init_state": init_state, "step": make_step(tx), "plain_step": make_step(plain),
          "losses": jax.jit(losses), "batch_sharding": batch_sharding}


def batch_at(step: int, sharding):
  """The global batch of a step (each process materialises only its own devices' rows)."""
  import jax
  import numpy as np

  rng = np.random.default_rng([1234, step])
  start = rng.integers(VOCAB, size=(BATCH, 1))
  stride = rng.integers(1, 4, size=(BATCH, 1))
  tokens = ((start + stride * np.arange(SEQ)) % VOCAB).astype(np.int32)
  return jax.make_array_from_callback(tokens.shape, sharding, lambda index: tokens[index])


def _shard_sums(x):
  """``(flat offset, replica id, checksum)`` of each shard of ``x`` held by this process.

  The checksum is ``sum(bits[i] * (2654435761 i + 1)) mod 2**32`` over the shard's elements ``i``
  (global flat indices): exact, and the shards' checksums add up to the whole array's.
  """
  import numpy as np

  index = np.arange(x.size, dtype=np.uint64).reshape(x.shape)
  out = []
  for s in x.addressable_shards:
    data = np.asarray(s.data)
    data = data if data.dtype.itemsize == 4 else data.astype(np.float32)
    bits = np.ascontiguousarray(data).view(np.uint32).astype(np.uint64)
    where = index[s.index]
    weights = (where * np.uint64(2654435761) + np.uint64(1)) % np.uint64(2**32)
    out.append((int(where.min()) if where.size else 0, s.replica_id,
                int((bits * weights).sum() % np.uint64(2**32))))  # uint64 wraps: fine mod 2**32
  return out


def checksums(tree) -> tuple[dict[str, int], dict[str, list], bool]:
  """Whole-array checksums of every leaf (the same for any mesh or number of processes), each
  process's shard checksums, and whether all copies of every shard agree across all processes.

  Only shard checksums leave the devices (gathered to every process); no array is gathered.
  """
  import jax
  import numpy as np
  from jax.experimental import multihost_utils

  leaves = jax.tree_util.tree_flatten_with_path(tree)[0]
  local = [_shard_sums(x) for _, x in leaves]
  table = np.array([[(off, rep, c) for off, rep, c in shards] for shards in local], np.int64)
  gathered = table[None] if jax.process_count() == 1 else multihost_utils.process_allgather(
      table)  # (processes, leaves, local devices, 3)
  totals, agree = {}, True
  for i, (path, _) in enumerate(leaves):
    rows = gathered[:, i].reshape(-1, 3)
    by_offset: dict[int, set] = {}
    for off, _, c in rows:
      by_offset.setdefault(int(off), set()).add(int(c))
    agree &= all(len(v) == 1 for v in by_offset.values())
    totals[jax.tree_util.keystr(path)] = int(rows[rows[:, 1] == 0, 2].sum() % 2**32)
  shards = {jax.tree_util.keystr(p): [[off, rep, c] for off, rep, c in sh]
            for (p, _), sh in zip(leaves, local)}
  return totals, shards, bool(agree)


_COLLECTIVE = re.compile(r"=\s+(.*?)\s+(all-reduce|all-gather|reduce-scatter|collective-permute"
                         r"|all-to-all|collective-broadcast)(?:-start)?\(")


def collectives(compiled_text: str) -> collections.Counter:
  """Collective ops of a compiled HLO module as (op, result shape) counts (layouts dropped)."""
  return collections.Counter(f"{op} {re.sub(r'{[^}]*}', '', shape)}"
                             for shape, op in _COLLECTIVE.findall(compiled_text))


def restore(ckpt_dir: pathlib.Path, step: int, template):
  """Restore ``(params, opt_state)`` at ``step`` into ``template``'s shapes and shardings."""
  import jax
  import orbax.checkpoint as ocp

  target = [jax.ShapeDtypeStruct(x.shape, x.dtype, sharding=x.sharding)
            for x in jax.tree.leaves(template)]
  with ocp.StandardCheckpointer() as ckpt:
    leaves = ckpt.restore(ckpt_dir / f"step_{step}", target)
  return jax.tree.unflatten(jax.tree.structure(template), leaves)


def save(ckpt_dir: pathlib.Path, step: int, state) -> None:
  import jax
  import orbax.checkpoint as ocp

  with ocp.StandardCheckpointer() as ckpt:  # every process writes its own shards
    ckpt.save(ckpt_dir / f"step_{step}", jax.tree.leaves(state))


def train(args) -> dict:
  import jax

  import jaxlrs
  from jaxlrs import averaging

  clock = time.perf_counter()
  initialize(args)
  mesh = make_mesh(args.data)
  me, main_process = jax.process_index(), jax.process_index() == 0
  say = print if main_process else (lambda *a, **k: None)
  say(f"{jax.process_count()} process(es), {jax.device_count()} devices, mesh {dict(mesh.shape)}")
  m = build(args, mesh)
  params, tx = m["params"], m["tx"]
  opt_state = m["init_state"](tx, params)
  report: dict[str, Any] = {"process_index": me, "process_count": jax.process_count(),
                            "mesh": dict(mesh.shape), "losses": {}, "lrs": {}, "checksums": {},
                            "seconds": {"setup": time.perf_counter() - clock}}
  first = 0
  ckpt_dir = pathlib.Path(args.ckpt_dir).absolute() if args.ckpt_dir else None
  saved = sorted(int(p.name[5:]) for p in ckpt_dir.glob("step_*")) if ckpt_dir and \
      ckpt_dir.exists() else []
  if args.restore_step is not None or saved:
    first = args.restore_step if args.restore_step is not None else saved[-1]
    params, opt_state = restore(ckpt_dir, first, (params, opt_state))
    say(f"restored step {first} from {ckpt_dir}")
    report["checksums"]["restored"] = checksums((params, opt_state))[0]
  batch = batch_at(first, m["batch_sharding"])
  # Per-sequence losses involve no cross-device arithmetic; their mean does (an all-reduce).
  report["first_losses"] = checksums(m["losses"](params, batch))[0]
  clock = time.perf_counter()
  train_step = m["step"].lower(params, opt_state, batch).compile()  # compiled once, used below
  report["seconds"]["compile"] = time.perf_counter() - clock
  if args.inspect:
    bare = jax.jit(tx.init)(params)  # no out_shardings: which state follows the params?
    report["bare_init_sharded_like_params"] = _sharded_parts(params, bare)
    say(f"jit(tx.init) without out_shardings keeps the params' sharding: "
        f"{report['bare_init_sharded_like_params']}")
    plain_state = m["init_state"](m["plain"], params)
    ours = collectives(train_step.as_text())
    theirs = collectives(m["plain_step"].lower(params, plain_state, batch).compile().as_text())
    report["collectives"] = {"jaxlrs": dict(ours), "plain": dict(theirs),
                             "extra": dict(ours - theirs)}
    say(f"collectives in the step: {dict(ours)}; beyond plain optax.adamw: {dict(ours - theirs)}")
  stop = args.steps if args.stop_at is None else min(args.stop_at, args.steps)
  clock = time.perf_counter()
  for step in range(first, stop):
    params, opt_state, loss = train_step(params, opt_state, batch_at(step, m["batch_sharding"]))
    # The readers run where the state lives: nothing is copied to the host.
    with jax.transfer_guard_device_to_host("disallow_explicit"):
      lr, count = jaxlrs.current_lr(m["schedule"], opt_state), jaxlrs.step_count(opt_state)
    report["losses"][step + 1], report["lrs"][step + 1] = float(loss), float(lr)
    say(f"step {int(count):3d}  loss {float(loss):.4f}  next lr {float(lr):.2e}")
    if ckpt_dir and step + 1 in args.save_at:
      save(ckpt_dir, step + 1, (params, opt_state))
      report["checksums"][f"saved_{step + 1}"] = checksums((params, opt_state))[0]
      say(f"saved step {step + 1} to {ckpt_dir}")
  report["seconds"]["train"] = time.perf_counter() - clock
  report["state_sharded_like_params"] = _sharded_parts(params, opt_state)
  with jax.transfer_guard_device_to_host("disallow_explicit"):
    average = averaging.averaged_params(opt_state, like=params)
    ema_loss = m["losses"](average, batch_at(10**6, m["batch_sharding"])).mean()
  report["average_sharding_kept"] = _sharded_like(params, average) and all(
      a.dtype == p.dtype for a, p in zip(jax.tree.leaves(average), jax.tree.leaves(params)))
  report["average_fully_addressable"] = any(a.is_fully_addressable
                                            for a in jax.tree.leaves(average))
  report["ema_loss"] = float(ema_loss)
  final, report["shards"], report["replicas_agree"] = checksums((params, opt_state))
  report["checksums"]["final"] = final
  say(f"EMA weights: loss {float(ema_loss):.4f} on a held-out batch")
  say(f"state checksum {sum(final.values()) % 2**32:08x}; every copy of every shard on all "
      f"{jax.process_count()} process(es) {'agrees' if report['replicas_agree'] else 'DOES NOT'}")
  if args.report:
    out = pathlib.Path(args.report)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"process_{me}.json").write_text(json.dumps(report, indent=1))
  return report


def _sharded_like(params, tree) -> bool:
  import jax

  return all(a.sharding.is_equivalent_to(p.sharding, p.ndim)
             for a, p in zip(jax.tree.leaves(tree), jax.tree.leaves(params), strict=True))


def _sharded_parts(params, opt_state) -> dict[str, bool]:
  """Whether the EMA and the Adam moments are sharded like the parameters."""
  adam = opt_state.inner_state[0][0]  # ema(chain(adamw, scale_by_multipliers)) -> adam state
  return {"average": _sharded_like(params, opt_state.average),
          "adam_mu": _sharded_like(params, adam.mu), "adam_nu": _sharded_like(params, adam.nu)}


def launch(argv: list[str]) -> int:
  """Start N local processes of this script with simulated CPU devices; stop all if one fails."""
  p = argparse.ArgumentParser(prog="multihost.py launch")
  p.add_argument("-n", "--num-processes", type=int, default=2)
  p.add_argument("--devices-per-process", type=int, default=4)
  p.add_argument("--timeout", type=float, default=600, help="seconds before all are stopped")
  own, rest = (argv[:argv.index("--")], argv[argv.index("--") + 1:]) if "--" in argv else (
      argv, [])
  a = p.parse_args(own)
  env = {**os.environ, "JAX_PLATFORMS": "cpu",
         "XLA_FLAGS": f"{os.environ.get('XLA_FLAGS', '')} "
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
  deadline, codes = time.monotonic() + a.timeout, {}
  try:
    while len(codes) < len(procs) and time.monotonic() < deadline:
      for i, proc in enumerate(procs):
        if i not in codes and proc.poll() is not None:
          codes[i] = proc.returncode
      if any(codes.values()):
        break  # one failed: the others would wait for it at the next collective
      time.sleep(0.1)
  finally:
    for proc in procs:
      if proc.poll() is None:
        proc.kill()
      proc.wait()
  failed = {i: c for i, c in codes.items() if c} or (
      {} if len(codes) == len(procs) else {"timeout": a.timeout})
  if failed:
    print(f"launch: failed {failed}", file=sys.stderr)
  return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
  argv = sys.argv[1:] if argv is None else argv
  if argv[:1] == ["launch"]:
    return launch(argv[1:])
  train(parse_args(argv))
  return 0


if __name__ == "__main__":
  raise SystemExit(main())
