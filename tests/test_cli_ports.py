"""Command line: listing, --version, --learning-rate for every port, README kinds, clean errors."""

import inspect
import json
import pathlib
import re

import pytest

import jaxlrs
from jaxlrs import __main__ as cli
from jaxlrs import compat


def run(capsys, *argv):
  code = cli.main(list(argv))
  out = capsys.readouterr()
  return code, out.out, out.err


@pytest.mark.parametrize("argv", [["list"], ["--list"]])
def test_list_names_core_kinds_and_every_port(capsys, argv):
  code, out, _ = run(capsys, *argv)
  assert code == 0
  for kind in ("cosine", "join", "one_cycle", "step_decay", "warmup_stable_decay"):
    assert kind in out
  for prefix in cli.PORTS:
    for name in cli._port_names(prefix):
      assert f"{prefix}:{name}" in out


def test_version(capsys):
  with pytest.raises(SystemExit) as e:
    cli.main(["--version"])
  assert e.value.code == 0
  assert capsys.readouterr().out.strip() == f"jaxlrs {jaxlrs.__version__}"


# One extra argument set per port function that needs more than its learning rate.
EXTRA = {
    "torch:StepLR": ["step_size=10"], "torch:MultiStepLR": ["milestones=[10, 20]"],
    "torch:ExponentialLR": ["gamma=0.9"], "torch:CosineAnnealingLR": ["T_max=50"],
    "torch:CosineAnnealingWarmRestarts": ["T_0=10"], "torch:CyclicLR": ["base_lr=0.001"],
    "torch:OneCycleLR": ["total_steps=50"],
    "keras:ExponentialDecay": ["decay_steps=10", "decay_rate=0.5"],
    "keras:PiecewiseConstantDecay": ["boundaries=[10]", "values=[0.1, 0.01]"],
    "keras:PolynomialDecay": ["decay_steps=50"],
    "keras:InverseTimeDecay": ["decay_steps=10", "decay_rate=0.5"],
    "keras:CosineDecay": ["decay_steps=50"], "keras:CosineDecayRestarts": ["first_decay_steps=10"],
    "timm:CosineLRScheduler": ["t_initial=50"], "timm:PolyLRScheduler": ["t_initial=50"],
    "timm:TanhLRScheduler": ["t_initial=50"], "timm:StepLRScheduler": ["decay_t=10"],
    "timm:MultiStepLRScheduler": ["decay_t=[10, 20]"],
    "timm:WSDLRScheduler": ["t_initial=50", "decay_t=10"],
    "timm:create_scheduler_v2": ["num_epochs=50"],
    "optax:polynomial_schedule": ["end_value=0.0", "power=2", "transition_steps=50"],
    "optax:linear_schedule": ["end_value=0.0", "transition_steps=50"],
    "optax:exponential_decay": ["transition_steps=10", "decay_rate=0.5"],
    "optax:cosine_decay_schedule": ["decay_steps=50"],
    "optax:linear_onecycle_schedule": ["transition_steps=50"],
    "optax:cosine_onecycle_schedule": ["transition_steps=50"],
    "optax:warmup_constant_schedule": ["init_value=0.0", "warmup_steps=10"],
    "optax:warmup_cosine_decay_schedule": ["init_value=0.0", "warmup_steps=10",
                                           "decay_steps=50"],
    "optax:warmup_exponential_decay_schedule": ["init_value=0.0", "warmup_steps=10",
                                                "transition_steps=10", "decay_rate=0.5"],
    "optax:piecewise_interpolate_schedule": ['interpolate_type="linear"'],
}
PORT_SPECS = [f"{p}:{n}" for p in ("torch", "keras", "timm", "optax") for n in cli._port_names(p)]


@pytest.mark.parametrize("spec", PORT_SPECS)
def test_learning_rate_flag_reaches_every_port(capsys, spec):
  args = [a for e in EXTRA.get(spec, []) for a in ("--arg", e)]
  code, out, err = run(capsys, "show", spec, "--learning-rate", "0.25", "--total-steps", "60",
                       "--points", "3", *args)
  prefix, name = spec.split(":")
  params = inspect.signature(getattr(getattr(compat, prefix), name)).parameters
  if not set(cli.LR_ARGS) & set(params):  # e.g. Keras PiecewiseConstantDecay: values only
    assert code == 2 and "no learning-rate argument" in err and err.count("\n") == 1
    return
  assert code == 0, err
  assert "0.25" in out  # the learning rate shows in the repr or the table


def test_hf_and_sambaflow_keep_their_flags(capsys):
  code, out, _ = run(capsys, "show", "sambaflow:fixed_lr", "--learning-rate", "0.25",
                     "--total-steps", "10")
  assert code == 0 and "constant(value=0.25)" in out


def _readme_kind_names():
  readme = (pathlib.Path(__file__).parent.parent / "README.md").read_text()
  section = readme[readme.index("## Schedules"):]
  section = section[:section.index("\n\n", section.index("| function"))]
  return re.findall(r"^\| `([a-z_0-9]+)\(", section, re.M)


def test_every_readme_kind_name_is_buildable_from_json():
  names = _readme_kind_names()
  assert len(names) >= 15 and "step_decay" in names
  known = set(cli._core_kinds()) | set(cli.SCHEDULE_FUNCTIONS)
  assert set(names) <= known, sorted(set(names) - known)


@pytest.mark.parametrize("config", [
    {"kind": "step_decay", "init_value": 0.1, "period_steps": 10},
    {"kind": "cosine_restarts", "init_value": 0.1, "cycle_steps": 10, "warmup_steps": 5},
    {"kind": "warmup_stable_decay", "peak_value": 0.1, "total_steps": 100, "warmup_steps": 10,
     "decay_steps": 20},
    {"kind": "multistep", "init_value": 0.1, "boundaries": [10, 20]},
])
def test_readme_kind_names_accepted_in_json(capsys, config):
  code, out, err = run(capsys, "show", json.dumps(config), "--total-steps", "30")
  assert code == 0, err
  assert "0.1" in out


def test_total_steps_zero_prints_no_row(capsys):
  code, out, _ = run(capsys, "show", '{"kind": "constant", "value": 0.5}', "--total-steps", "0")
  assert code == 0
  assert "step  value" not in out and "no steps" in out


def test_unwritable_output_is_a_one_line_error(capsys, tmp_path):
  target = tmp_path / "missing" / "lr.png"
  code, _, err = run(capsys, "plot", '{"kind": "constant", "value": 0.5}', "--total-steps",
                     "10", "-o", str(target))
  assert code == 2
  assert err.count("\n") == 1 and "cannot write" in err and "Traceback" not in err


def test_missing_spec_is_a_usage_error(capsys):
  code, _, err = run(capsys, "show")
  assert code == 2 and "SPEC" in err


def test_metric_driven_timm_plateau_is_a_clean_error(capsys):
  code, _, err = run(capsys, "show", "timm:create_scheduler_v2", "--arg", 'sched="plateau"',
                     "--learning-rate", "0.1")
  assert code == 2 and "depends on a metric" in err and err.count("\n") == 1
  assert "PlateauLRScheduler" not in cli._port_names("timm")  # an Optax transform, not plotted
