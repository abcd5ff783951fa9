"""Command line: ``python -m jaxlrs show|plot SPEC``, ``python -m jaxlrs list``.

SPEC is a JSON config (a file path or inline JSON, as written by ``Schedule.to_config()``; its
``kind`` may also name any public schedule function such as ``step_decay``) or a recipe from a
ported library: ``hf:<name>``, ``sambaflow:<name>``, ``torch:<Class>``, ``keras:<Class>``,
``timm:<Class>``, ``optax:<function>``. ``--learning-rate`` fills the recipe's learning-rate
argument (``lr``, ``learning_rate``, ``initial_learning_rate``, ``max_lr``, ``peak_value``, ...).
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
  python -m jaxlrs show timm:CosineLRScheduler --learning-rate 0.1 --arg t_initial=100
  python -m jaxlrs list
"""

# Schedule-building functions of the README's table whose names are not (all) registered kinds.
SCHEDULE_FUNCTIONS = ("step_decay",)
PORTS = ("hf", "sambaflow", "torch", "keras", "timm", "optax")
# The learning-rate argument of a port function, by name, in order of preference.
LR_ARGS = ("lr", "learning_rate", "initial_learning_rate", "max_lr", "peak_value", "init_value",
           "value")


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
  # A flag the spec has no use for is an error, never silently dropped.
  if not (prefix in PORTS and name):
    for flag, given in (("--learning-rate", args.learning_rate), ("--arg", args.arg),
                        ("--warmup-steps", args.warmup_steps)):
      if given is not None:
        raise UsageError(f"{flag} is for recipes (hf:, torch:, ...); a JSON config holds its "
                         "own arguments")
  elif prefix not in ("hf", "sambaflow") and args.warmup_steps is not None:
    raise UsageError(f"--warmup-steps is for hf: and sambaflow: recipes; give {prefix}: "
                     "recipes their own argument with --arg")
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
  if prefix in ("torch", "keras", "timm", "optax") and name:
    module = getattr(compat, prefix)
    if name not in _port_names(prefix):
      raise UsageError(f"unknown {prefix} scheduler {name!r}; known: "
                       f"{', '.join(_port_names(prefix))}")
    fn = getattr(module, name)
    if args.learning_rate is not None:
      extra.setdefault(_lr_argument(prefix, fn), args.learning_rate)
    result = fn(**extra)
    if prefix == "timm" and name == "create_scheduler_v2":
      result = result[0]
    if not isinstance(result, jaxlrs.Schedule):  # timm's plateau: an Optax transform
      raise UsageError(f"{spec} with these arguments depends on a metric: nothing to show")
    return result
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
  kind = config.get("kind") if isinstance(config, dict) else None
  if kind in SCHEDULE_FUNCTIONS and hasattr(jaxlrs, kind):
    # A public function of the README's table that builds a schedule.
    return getattr(jaxlrs, kind)(**{k: v for k, v in config.items() if k != "kind"})
  return jaxlrs.from_config(config)


def plotted_steps(schedule: Schedule, total_steps: int | None = None) -> int:
  """How many steps ``show`` and ``plot`` draw: ``--total-steps``, else the schedule's own
  :meth:`~jaxlrs.Schedule.horizon` with a fifth more to show what follows (at least 10)."""
  if total_steps is not None:
    return total_steps
  horizon = schedule.horizon()
  return max(10, horizon + -(-horizon // 5))


def _core_kinds() -> list[str]:
  from jaxlrs._core import registered_kinds

  return sorted(k for k in registered_kinds() if not k.startswith("timm_"))


def _port_names(prefix: str) -> list[str]:
  from jaxlrs import compat

  if prefix == "hf":
    return list(compat.hf.SCHEDULER_NAMES)
  if prefix == "sambaflow":
    return list(compat.sambaflow.LR_SCHEDULES)
  module = getattr(compat, prefix)
  skip = {"SCHEDULERS", "get_cycle_length", "per_update", "with_momentum", "SequentialLR",
          "join_schedules", "sgdr_schedule",  # helpers and combinators of other schedules
          "PlateauLRScheduler", "PlateauLRSchedulerState"}  # metric-driven: not schedules
  return [n for n in module.__all__ if n not in skip]


def _lr_argument(prefix: str, fn: Any) -> str:
  import inspect

  names = list(inspect.signature(fn).parameters)
  for candidate in LR_ARGS:
    if candidate in names:
      return candidate
  raise UsageError(f"{prefix}:{fn.__name__} has no learning-rate argument; use --arg")


def _labels(spec: str) -> list[str] | None:
  """The legend label: the recipe or file name as given; for inline JSON the schedule's repr
  (shortened by the plot), not the whole config."""
  return None if spec.lstrip().startswith("{") else [spec]


def list_kinds() -> str:
  """Everything the command line builds: core kinds, public functions, and every port."""
  import jaxlrs

  kinds = sorted(set(_core_kinds()) | {n for n in SCHEDULE_FUNCTIONS if hasattr(jaxlrs, n)})
  lines = ["core kinds (JSON {\"kind\": ...}): " + ", ".join(kinds)]
  for prefix in PORTS:
    lines.append(f"{prefix}: " + ", ".join(f"{prefix}:{n}" for n in _port_names(prefix)))
  return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
  parser = argparse.ArgumentParser(
      prog="python -m jaxlrs", description="Show or plot a learning-rate schedule.",
      epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
  parser.add_argument("command", nargs="?", choices=["show", "plot", "list"],
                      help="show: table and terminal plot; plot: write a PNG; list: what can "
                      "be built")
  parser.add_argument("spec", nargs="?",
                      help="JSON config file, inline JSON, or library:name recipe")
  parser.add_argument("--list", action="store_true", help="list what can be built and exit")
  parser.add_argument("--version", action="version", version=f"jaxlrs {_version()}")
  parser.add_argument("--learning-rate", type=float,
                      help="base learning rate (every port with a learning-rate argument)")
  parser.add_argument("--warmup-steps", type=int, help="warmup steps (hf, sambaflow)")
  parser.add_argument("--total-steps", type=int,
                      help="training steps (hf, sambaflow) and the plotted range (default: the "
                           "schedule's horizon plus a fifth)")
  parser.add_argument("--arg", action="append", metavar="KEY=VALUE",
                      help="extra keyword argument for the recipe (repeatable)")
  parser.add_argument("-o", "--output", default="lr.png", help="PNG path for plot")
  parser.add_argument("--points", type=int, default=11, help="rows in the show table")
  args = parser.parse_args(argv)
  if args.list or args.command == "list":
    print(list_kinds())
    return 0
  if args.command is None or args.spec is None:
    print("error: give a command (show, plot, list) and a SPEC; see --help", file=sys.stderr)
    return 2
  try:
    if args.total_steps is not None and args.total_steps < 0:
      raise UsageError(f"--total-steps must be >= 0, got {args.total_steps}")
    if args.points < 1:
      raise UsageError(f"--points must be >= 1, got {args.points}")
    schedule = build(args.spec, args)
    horizon = plotted_steps(schedule, args.total_steps)
    if horizon <= 0:
      if args.command == "show":
        print(repr(schedule))
        print("no steps to show (--total-steps 0)")
      else:
        raise UsageError("--total-steps 0 leaves nothing to plot")
    elif args.command == "show":
      import numpy as np

      from jaxlrs.plotting import plot_terminal

      print(repr(schedule))
      steps = np.unique(np.linspace(0, horizon - 1, args.points).round().astype(int))
      values = np.asarray(schedule(steps))
      print(f"{'step':>10}  value")
      for k, v in zip(steps, values):
        print(f"{k:>10}  {v:.6g}")
      print(plot_terminal(schedule, horizon, labels=_labels(args.spec)))
      print(schedule.summary(horizon))
    else:
      from jaxlrs.plotting import plot

      fig = plot(schedule, horizon, labels=_labels(args.spec))
      try:
        fig.savefig(args.output, dpi=120)
      except OSError as e:
        raise UsageError(f"cannot write {args.output}: {e.strerror or e}") from None
      print(f"wrote {args.output}")
  except UsageError as e:
    print(f"error: {e}", file=sys.stderr)
    return 2
  except (ValueError, TypeError, ImportError) as e:
    print(f"error: {e}", file=sys.stderr)
    return 2
  return 0


def _version() -> str:
  import jaxlrs

  return jaxlrs.__version__


if __name__ == "__main__":
  sys.exit(main())
