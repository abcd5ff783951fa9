"""Command line: ``python -m jaxlrs show|plot SPEC``.

SPEC is a JSON config (a file path or inline JSON, as written by ``Schedule.to_config()``) or a
recipe from a ported library: ``hf:<name>``, ``sambaflow:<name>``, ``torch:<Class>``,
``keras:<Class>``, ``timm:<Class>``.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
  from jaxlrs import Schedule

EXAMPLES = """examples:
  python -m jaxlrs show hf:linear --learning-rate 5e-5 --warmup-steps 100 --total-steps 1000
  python -m jaxlrs show torch:OneCycleLR --arg max_lr=0.1 --arg total_steps=500
  python -m jaxlrs plot sambaflow:cosine_schedule_with_warmup --learning-rate 1e-3 \\
      --warmup-steps 50 --total-steps 500 -o lr.png
  python -m jaxlrs show '{"kind": "cosine", "init_value": 0.001, "total_steps": 100}'
  python -m jaxlrs plot schedule.json --total-steps 2000 -o lr.png
"""


class UsageError(Exception):
  """A bad command line: reported as one line on stderr, exit status 2."""


def _parse_value(text: str) -> Any:
  try:
    return json.loads(text)
  except json.JSONDecodeError:
    return text


def build(spec: str, args: argparse.Namespace) -> Any:
  """The schedule a SPEC and the flags describe."""
  import jaxlrs
  from jaxlrs import compat

  extra = {}
  for item in args.arg or []:
    if "=" not in item:
      raise UsageError(f"--arg expects key=value, got {item!r}")
    key, value = item.split("=", 1)
    extra[key] = _parse_value(value)
  prefix, _, name = spec.partition(":")
  if prefix == "hf" and name:
    if args.learning_rate is None:
      raise UsageError("hf recipes need --learning-rate")
    return compat.hf.get_scheduler(name, args.learning_rate, args.warmup_steps, args.total_steps,
                                   extra or None)
  if prefix == "sambaflow" and name:
    if args.learning_rate is None or args.total_steps is None:
      raise UsageError("sambaflow recipes need --learning-rate and --total-steps")
    return compat.sambaflow.get_schedule(name, args.learning_rate, args.warmup_steps or 0,
                                         args.total_steps, **extra)
  if prefix in ("torch", "keras", "timm") and name:
    module = getattr(compat, prefix)
    if name not in module.__all__:
      raise UsageError(f"unknown {prefix} scheduler {name!r}; known: {', '.join(module.__all__)}")
    return getattr(module, name)(**extra)
  text = spec
  path = pathlib.Path(spec)
  if not spec.lstrip().startswith("{"):
    if not path.is_file():
      raise UsageError(f"SPEC {spec!r} is neither a recipe (hf:, torch:, keras:, timm:, "
                       "sambaflow:), inline JSON, nor an existing file")
    text = path.read_text()
  try:
    config = json.loads(text)
  except json.JSONDecodeError as e:
    raise UsageError(f"SPEC is not valid JSON: {e}") from e
  return jaxlrs.from_config(config)


def plotted_steps(schedule: Schedule, total_steps: int | None = None) -> int:
  """How many steps ``show`` and ``plot`` draw: ``--total-steps``, else the schedule's own
  :meth:`~jaxlrs.Schedule.horizon` with a fifth more to show what follows (at least 10)."""
  if total_steps is not None:
    return total_steps
  horizon = schedule.horizon()
  return max(10, horizon + -(-horizon // 5))


def main(argv: list[str] | None = None) -> int:
  parser = argparse.ArgumentParser(
      prog="python -m jaxlrs", description="Show or plot a learning-rate schedule.",
      epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
  parser.add_argument("command", choices=["show", "plot"],
                      help="show: table and terminal plot; plot: write a PNG")
  parser.add_argument("spec", help="JSON config file, inline JSON, or library:name recipe")
  parser.add_argument("--learning-rate", type=float, help="base learning rate (hf, sambaflow)")
  parser.add_argument("--warmup-steps", type=int, help="warmup steps (hf, sambaflow)")
  parser.add_argument("--total-steps", type=int,
                      help="training steps (hf, sambaflow) and the plotted range (default: the "
                           "schedule's horizon plus a fifth)")
  parser.add_argument("--arg", action="append", metavar="KEY=VALUE",
                      help="extra keyword argument for the recipe (repeatable)")
  parser.add_argument("-o", "--output", default="lr.png", help="PNG path for plot")
  parser.add_argument("--points", type=int, default=11, help="rows in the show table")
  args = parser.parse_args(argv)
  try:
    schedule = build(args.spec, args)
    horizon = plotted_steps(schedule, args.total_steps)
    if args.command == "show":
      import numpy as np

      from jaxlrs.plotting import plot_terminal

      print(repr(schedule))
      steps = np.unique(np.linspace(0, horizon - 1, args.points).round().astype(int))
      values = np.asarray(schedule(steps))
      print(f"{'step':>10}  value")
      for k, v in zip(steps, values):
        print(f"{k:>10}  {v:.6g}")
      print(plot_terminal(schedule, horizon, labels=[args.spec]))
      print(schedule.summary(horizon))
    else:
      from jaxlrs.plotting import plot

      fig = plot(schedule, horizon, labels=[args.spec])
      fig.savefig(args.output, dpi=120)
      print(f"wrote {args.output}")
  except UsageError as e:
    print(f"error: {e}", file=sys.stderr)
    return 2
  except (ValueError, TypeError, ImportError) as e:
    print(f"error: {e}", file=sys.stderr)
    return 2
  return 0


if __name__ == "__main__":
  sys.exit(main())
