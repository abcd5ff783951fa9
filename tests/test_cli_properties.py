"""Properties of the command line, run in-process: for random valid configs ``show`` prints the
schedule's values and ``plot`` draws them over the documented range; every listed name is
buildable; a bad argument exits with status 2 and one line naming it."""

import contextlib
import io
import json
import math
import os
import tempfile

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given, settings

import jaxlrs
from jaxlrs import __main__ as cli
from jaxlrs import plotting

values = st.floats(1e-3, 10.0)
lengths = st.integers(1, 150)


@st.composite
def configs(draw):
  """A random valid JSON config (as ``to_config()`` writes it, or a public function's kind)."""
  v0, v1, n = draw(values), draw(values), draw(lengths)
  kind = draw(st.sampled_from(["constant", "linear", "cosine", "warmup", "one_cycle", "wsd",
                               "cosine_restarts", "piecewise", "cyclic", "step_decay"]))
  if kind == "step_decay":  # a function of the README's table, not a registered kind
    return {"kind": "step_decay", "init_value": v0, "period_steps": n,
            "decay_rate": draw(st.floats(0.1, 0.9))}
  if kind == "constant":
    s = jaxlrs.constant(v0)
  elif kind == "linear":
    s = jaxlrs.linear(v0, end_value=v1, total_steps=n)
  elif kind == "cosine":
    s = jaxlrs.cosine(v0, total_steps=n, end_value=v1)
  elif kind == "warmup":
    s = jaxlrs.warmup(jaxlrs.linear(v0, end_value=v1, total_steps=n),
                      warmup_steps=draw(lengths), shape=draw(st.sampled_from(["linear", "cosine"])))
  elif kind == "one_cycle":
    s = jaxlrs.one_cycle(v0, total_steps=n + 1, rise_fraction=draw(st.floats(0.1, 0.9)))
  elif kind == "wsd":
    w, d = draw(st.integers(0, 40)), draw(st.integers(1, 40))
    s = jaxlrs.warmup_stable_decay(v0, total_steps=w + d + draw(st.integers(0, 40)),
                                   warmup_steps=w, decay_steps=d)
  elif kind == "cosine_restarts":
    s = jaxlrs.cosine_restarts(v0, cycle_steps=n, cycle_limit=draw(st.integers(1, 3)))
  elif kind == "piecewise":
    bounds = sorted(set(draw(st.lists(lengths, min_size=1, max_size=3))))
    s = jaxlrs.piecewise_constant(bounds, values=[draw(values) for _ in range(len(bounds) + 1)])
  else:
    s = jaxlrs.cyclic(min(v0, v1), peak_value=max(v0, v1), rise_steps=draw(st.integers(1, 20)))
  return json.loads(json.dumps(s.to_config()))


def run(*argv):
  """``python -m jaxlrs ARGV`` in this process: (status, stdout, stderr)."""
  out, err = io.StringIO(), io.StringIO()
  with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
    try:
      code = cli.main([str(a) for a in argv])
    except SystemExit as e:  # argparse's own errors
      code = e.code
  return code, out.getvalue(), err.getvalue()


def _schedule(config):
  if config["kind"] == "step_decay":
    return jaxlrs.step_decay(**{k: v for k, v in config.items() if k != "kind"})
  return jaxlrs.from_config(config)


@settings(max_examples=15)
@given(configs(), st.one_of(st.none(), st.integers(1, 300)), st.integers(1, 15), st.booleans())
def test_show_prints_the_schedules_values(config, total_steps, points, from_file):
  s = _schedule(config)
  assert jaxlrs.from_config(s.to_config()) == s  # the config round trip the CLI relies on
  spec = json.dumps(config)
  with tempfile.TemporaryDirectory() as tmp:
    if from_file:
      spec = os.path.join(tmp, "s.json")
      with open(spec, "w") as f:
        json.dump(config, f)
    flags = [] if total_steps is None else ["--total-steps", total_steps]
    code, out, err = run("show", spec, "--points", points, *flags)
  assert code == 0, err
  # The range: --total-steps, else the schedule's horizon plus a fifth (at least 10 steps).
  h = s.horizon()
  shown = total_steps if total_steps is not None else max(10, h + math.ceil(h / 5))
  lines = out.splitlines()
  assert lines[0] == repr(s)
  legend = lines[-1 - len(str(s.summary(shown)).splitlines())]
  # The legend names a file as given; inline JSON by the schedule's repr (shortened).
  assert legend == f"  * {spec if from_file else plotting._label(s)}"
  assert lines[1].split() == ["step", "value"]
  rows = [line.split() for line in lines[2:lines.index(next(x for x in lines if "|" in x))]]
  steps = [int(k) for k, _ in rows]
  # ``points`` evenly spaced steps from 0 to the last plotted one (repeats merged).
  assert steps == sorted(set(np.linspace(0, shown - 1, points).round().astype(int).tolist()))
  for k, v in rows:
    assert float(v) == pytest.approx(float(s(int(k))), rel=1e-5, abs=1e-12), (k, v)
  assert str(s.summary(shown)) in out
  assert f"over {shown} steps" in out


@settings(max_examples=6)
@given(configs(), st.one_of(st.none(), st.integers(1, 200)))
def test_plot_draws_the_schedule_over_the_documented_range(config, total_steps):
  import matplotlib.pyplot as plt

  figures = []

  def recording_plot(*args, **kwargs):
    figures.append(plotting_plot(*args, **kwargs))
    return figures[-1]

  plotting_plot = plotting.plot
  s = _schedule(config)
  spec = json.dumps(config)
  with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as mp:
    mp.setattr(plotting, "plot", recording_plot)
    png = os.path.join(tmp, "lr.png")
    flags = [] if total_steps is None else ["--total-steps", total_steps]
    code, out, err = run("plot", spec, "-o", png, *flags)
    try:
      assert code == 0, err
      assert out == f"wrote {png}\n" and os.path.getsize(png) > 1000
      (line,) = figures[0].axes[0].get_lines()
      # The legend names the schedule (its repr, shortened), not the whole JSON config.
      assert line.get_label() == plotting._label(s)
      n = cli.plotted_steps(s, total_steps)
      np.testing.assert_array_equal(line.get_xdata(), np.arange(n))
      np.testing.assert_allclose(line.get_ydata(), np.asarray(s(np.arange(n))), rtol=1e-6)
    finally:
      plt.close("all")


def test_every_listed_name_is_one_the_builder_knows():
  code, out, _ = run("list")
  assert code == 0
  lines = out.splitlines()
  kinds = lines[0].partition("}): ")[2].split(", ")
  assert set(kinds) == set(cli._core_kinds()) | set(cli.SCHEDULE_FUNCTIONS)
  for kind in kinds:
    # Without arguments every kind fails on a missing argument, never as an unknown kind.
    code, _, err = run("show", json.dumps({"kind": kind}))
    assert code == 2 and "unknown" not in err.lower(), (kind, err)
  for line, prefix in zip(lines[1:], cli.PORTS):
    names = line.split(": ", 1)[1].split(", ")
    assert names == [f"{prefix}:{n}" for n in cli._port_names(prefix)]


# A valid config and, for each corruption, the argument the error must name.
BASE = {"kind": "warmup_stable_decay", "peak_value": 0.1, "total_steps": 100,
        "warmup_steps": 10, "decay_steps": 20}
CORRUPT = {
    "total_steps": -1, "warmup_steps": -3, "decay_steps": 0, "peak_value": "high",
    "decay_shape": "cosinus", "warmup_shape": 3, "end_value": float("nan"),
    "decay_step": 20,  # a typo: an unknown key
}


@settings(max_examples=20)
@given(st.sampled_from(sorted(CORRUPT)))
def test_a_bad_config_value_exits_2_naming_it(key):
  config = {**BASE, key: CORRUPT[key]}
  code, out, err = run("show", json.dumps(config))
  assert code == 2 and out == ""
  assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
  assert key in err


@settings(max_examples=20)
@given(st.sampled_from([
    (["--total-steps", "-5"], "--total-steps"), (["--points", "0"], "--points"),
    (["--points", "-2"], "--points"), (["--points", "many"], "--points"),
    (["--total-steps", "1.5"], "--total-steps"), (["--arg", "novalue"], "--arg"),
    (["--learning-rate", "fast"], "--learning-rate"), (["--learning-rate", "0.1"], "--learning-rate"),
    (["--warmup-steps", "5"], "--warmup-steps"), (["--arg", "value=0.2"], "--arg")]),
    st.sampled_from(["show", "plot"]))
def test_a_bad_flag_exits_2_naming_it(bad, command):
  # Malformed flags, and flags a JSON config has no use for (they were silently dropped).
  flags, name = bad
  code, out, err = run(command, json.dumps({"kind": "constant", "value": 0.5}), *flags)
  assert code == 2 and out == ""
  assert name in err and "Traceback" not in err
