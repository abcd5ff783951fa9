"""Run the jaxlrs benchmarks on the default JAX backend, print one markdown table, write JSON.

    python -m benchmarks [--quick] [--out DIR] [--name FILE.json] [--markdown PATH]
                         [--readme-section cpu|gpu] [--only NAME,...]

Every row times jaxlrs and its Optax (or plain) baseline in the same process, interleaved in
rounds; ``baseline / jaxlrs`` above 1 means jaxlrs is faster, ``IQR`` is the spread of the
per-round ratio and ``~`` marks a ratio whose spread contains 1.0. The JSON holds the environment
(backend, devices, jax/jaxlib/optax/flax versions, host, date) and the rows.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pathlib
import sys
import time
import traceback

BENCHMARKS = ("train_step", "join", "eager", "layerwise", "averaging", "sweep", "hyperparams",
              "find_lr")
DEFAULT_OUT = pathlib.Path(__file__).parent / "results"
README = pathlib.Path(__file__).parent.parent / "README.md"


def replace_readme_section(path: pathlib.Path, name: str, markdown: str) -> None:
  """Put ``markdown`` between the ``benchmark-table name`` markers of the file at ``path``."""
  begin, end = f"<!-- BEGIN benchmark-table {name} -->", f"<!-- END benchmark-table {name} -->"
  text = path.read_text()
  if text.count(begin) != 1 or text.count(end) != 1 or text.index(begin) > text.index(end):
    raise SystemExit(f"error: {path} needs one {begin} ... {end} pair")
  head, rest = text.split(begin)
  path.write_text(f"{head}{begin}\n{markdown.strip()}\n{end}{rest.split(end, 1)[1]}")


def run_suite(names: list[str], quick: bool) -> tuple[list[dict], list[dict]]:
  """Run the named benchmarks; returns (rows, failures). A failure does not stop the others."""
  from ._common import row

  rows, failures = [], []
  for name in names:
    module = importlib.import_module(f"{__package__ or 'benchmarks'}.bench_{name}")
    start = time.perf_counter()
    try:
      rows += module.run(quick)
    except Exception as e:  # noqa: BLE001 -- report, keep going, fail at the end
      traceback.print_exc()
      message = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
      failures.append({"benchmark": name, "error": message})
      rows.append(row(name, "(failed)", None, None, f"error: {message}"))
    print(f"  {name}: {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)
  return rows, failures


def main(argv: list[str] | None = None) -> int:
  parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
  parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run (~1 min)")
  parser.add_argument("--out", default=str(DEFAULT_OUT),
                      help="directory for the JSON (default: benchmarks/results/)")
  parser.add_argument("--name", default=None,
                      help="JSON file name in --out (default: <backend>_<quick|full>.json)")
  parser.add_argument("--markdown", default=None, metavar="PATH",
                      help="also write the environment line and the table to this file")
  parser.add_argument("--readme-section", default=None, metavar="NAME",
                      help="replace the table between <!-- BEGIN benchmark-table NAME --> and "
                           "<!-- END benchmark-table NAME --> in README.md with this run's")
  parser.add_argument("--only", default="", help=f"comma-separated subset of {list(BENCHMARKS)}")
  args = parser.parse_args(argv)
  names = [n.strip() for n in args.only.split(",") if n.strip()] or list(BENCHMARKS)
  unknown = [n for n in names if n not in BENCHMARKS]
  if unknown:
    print(f"error: unknown benchmark(s) {unknown}; known: {list(BENCHMARKS)}", file=sys.stderr)
    return 2

  from ._common import environment, table  # imports jax: after the argument checks

  mode = "quick" if args.quick else "full"
  env = environment()
  device = " ".join(dict.fromkeys([env["backend"], env["device_kind"]]))  # not "cpu cpu"
  header = (f"jaxlrs benchmarks ({mode}): {device} "
            f"x{env['device_count']} ({env['host_cpu']}, {env['host_cores']} cores), "
            f"jax {env['jax']}, jaxlib {env['jaxlib']}, optax {env['optax']}, flax {env['flax']}, "
            f"jaxlrs {env['jaxlrs']}, {env['date']}")
  print(f"# {header}", flush=True)
  start = time.perf_counter()
  rows, failures = run_suite(names, args.quick)
  env["suite_seconds"] = round(time.perf_counter() - start, 1)
  markdown = f"{header}; {env['suite_seconds']} s\n\n{table(rows)}\n"
  print()
  print(markdown)
  out = pathlib.Path(args.out)
  out.mkdir(parents=True, exist_ok=True)
  path = out / (args.name or f"{env['backend']}_{mode}.json")
  path.write_text(json.dumps({"environment": env, "mode": mode, "benchmarks": names,
                              "rows": rows, "failures": failures}, indent=1) + "\n")
  print(f"wrote {path} ({env['suite_seconds']} s)")
  if args.markdown:
    pathlib.Path(args.markdown).write_text(markdown)
    print(f"wrote {args.markdown}")
  if args.readme_section and not failures:  # never put a partial table in the README
    replace_readme_section(README, args.readme_section, markdown)
    print(f"updated the {args.readme_section!r} table in {README}")
  if failures:
    print(f"error: {len(failures)} benchmark(s) failed: {failures}", file=sys.stderr)
    return 1
  return 0


if __name__ == "__main__":
  sys.exit(main())
