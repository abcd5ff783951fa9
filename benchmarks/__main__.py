"""Run every benchmark on the default JAX backend, print a markdown table and write JSON.

    python -m benchmarks [--quick] [--out DIR] [--only join,eager,...]
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys
import time

from . import (bench_averaging, bench_eager, bench_find_lr, bench_hyperparams, bench_join,
               bench_layerwise, bench_sweep, bench_train_step)
from ._common import environment

BENCHMARKS = {"train_step": bench_train_step, "join": bench_join, "eager": bench_eager,
              "layerwise": bench_layerwise, "averaging": bench_averaging, "sweep": bench_sweep,
              "hyperparams": bench_hyperparams, "find_lr": bench_find_lr}


def _fmt(x, digits=3):
  return "-" if x is None else f"{x:.{digits}g}"


def table(rows: list[dict]) -> str:
  lines = ["| benchmark | case | jaxlrs (ms) | baseline (ms) | baseline / jaxlrs | notes |",
           "|---|---|---:|---:|---:|---|"]
  for r in rows:
    lines.append(f"| {r['benchmark']} | {r['case']} | {_fmt(r['jaxlrs_ms'])} | "
                 f"{_fmt(r['baseline_ms'])} | {_fmt(r['speedup'])} | {r['notes']} |")
  return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
  parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
  parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run")
  parser.add_argument("--out", default="benchmarks/results", help="directory for the JSON")
  parser.add_argument("--only", default="", help=f"comma-separated subset of {list(BENCHMARKS)}")
  args = parser.parse_args(argv)
  names = [n for n in args.only.split(",") if n] or list(BENCHMARKS)
  unknown = sorted(set(names) - set(BENCHMARKS))
  if unknown:
    print(f"error: unknown benchmark(s) {unknown}; known: {list(BENCHMARKS)}", file=sys.stderr)
    return 2
  env = environment()
  print(f"# jaxlrs benchmarks ({'quick' if args.quick else 'full'}) on {env['backend']} "
        f"{env['device_kind']} x{env['device_count']}, jax {env['jax']}, optax {env['optax']}, "
        f"flax {env['flax']}, {env['date']}")
  rows = []
  for name in names:
    start = time.perf_counter()
    rows += BENCHMARKS[name].run(args.quick)
    print(f"  {name}: {time.perf_counter() - start:.1f} s", file=sys.stderr)
  print(table(rows))
  out = pathlib.Path(args.out)
  out.mkdir(parents=True, exist_ok=True)
  path = out / f"{env['backend']}_{'quick' if args.quick else 'full'}.json"
  path.write_text(json.dumps({"environment": env, "quick": args.quick, "rows": rows}, indent=1))
  print(f"wrote {path}")
  return 0


if __name__ == "__main__":
  sys.exit(main())
