"""Around the schedules: step counts, LR reading, summary, plots, the command line, the gallery."""

import json
import subprocess
import sys

import jax.numpy as jnp
import matplotlib
import numpy as np
import optax
import pytest
from flax import nnx

import jaxlrs

matplotlib.use("Agg")


@pytest.mark.parametrize("n,b,e,drop,want", [
    (1000, 32, 3, False, 96), (1000, 32, 3, True, 93), (64, 64, 1, False, 1), (1, 8, 5, False, 5)])
def test_num_train_steps(n, b, e, drop, want):
  assert jaxlrs.num_train_steps(n, b, e, drop_remainder=drop) == want


def test_warmup_ratio_and_batch_scaling():
  assert jaxlrs.warmup_steps_from_ratio(1000, 0.1) == 100
  assert jaxlrs.warmup_steps_from_ratio(999, 0.1) == 100  # ceil, as Hugging Face
  assert jaxlrs.scale_lr(1e-3, 1024, 256) == pytest.approx(4e-3)
  assert jaxlrs.scale_lr(1e-3, 1024, 256, rule="sqrt") == pytest.approx(2e-3)


@pytest.mark.parametrize("call,exc,match", [
    (lambda: jaxlrs.num_train_steps(0, 32, 1), ValueError, "num_examples"),
    (lambda: jaxlrs.num_train_steps(10, 32, 1, drop_remainder=True), ValueError, "batch_size"),
    (lambda: jaxlrs.num_train_steps(10, 3.0, 1), TypeError, "batch_size"),
    (lambda: jaxlrs.warmup_steps_from_ratio(100, 1.5), ValueError, "warmup_ratio"),
    (lambda: jaxlrs.scale_lr(1e-3, 64, 32, rule="cube"), ValueError, "rule"),
    (lambda: jaxlrs.scale_lr(1e-3, 64, 0), ValueError, "base_batch_size"),
])
def test_tool_bad_arguments(call, exc, match):
  with pytest.raises(exc, match=match):
    call()


def sgd_steps(tx, k):
  params = {"w": jnp.zeros(3), "b": jnp.zeros(2)}
  state = tx.init(params)
  for _ in range(k):
    _, state = tx.update(jax_tree_ones(params), state, params)
  return state


def jax_tree_ones(tree):
  return {k: jnp.ones_like(v) for k, v in tree.items()}


SCHED = jaxlrs.warmup(jaxlrs.linear(1.0, end_value=0.0, total_steps=20), warmup_steps=5)


@pytest.mark.parametrize("make", [
    lambda: optax.adamw(SCHED),
    lambda: optax.chain(optax.clip_by_global_norm(1.0), optax.adamw(SCHED)),
    lambda: optax.inject_hyperparams(optax.sgd)(learning_rate=SCHED),
    lambda: optax.multi_transform({"a": optax.adam(SCHED), "z": optax.set_to_zero()},
                                  {"w": "a", "b": "z"}),
], ids=["adamw", "chain", "inject", "multi_transform"])
def test_current_lr_is_the_next_updates_rate(make, standard_promotion):
  state = sgd_steps(make(), 7)
  assert int(jaxlrs.step_count(state)) == 7
  np.testing.assert_allclose(jaxlrs.current_lr(SCHED, state), SCHED(7), rtol=1e-6)


def test_inject_hyperparams_stores_the_previous_rate(standard_promotion):
  state = sgd_steps(optax.inject_hyperparams(optax.sgd)(learning_rate=SCHED), 7)
  np.testing.assert_allclose(state.hyperparams["learning_rate"], SCHED(6), rtol=1e-6)


def test_current_lr_of_nnx_optimizer(standard_promotion):
  model = nnx.Linear(2, 1, rngs=nnx.Rngs(0))
  opt = nnx.Optimizer(model, optax.adamw(SCHED), wrt=nnx.Param)
  for _ in range(3):
    grads = nnx.grad(lambda m: jnp.sum(m(jnp.ones((1, 2)))))(model)
    opt.update(model, grads)
  assert opt.step[...].dtype == jnp.uint32
  np.testing.assert_allclose(jaxlrs.current_lr(SCHED, opt), SCHED(3), rtol=1e-6)


def test_step_count_missing_is_an_error():
  with pytest.raises(ValueError, match="No step count"):
    jaxlrs.step_count(optax.sgd(0.1).init({"w": jnp.zeros(1)}))


def test_summary_values():
  s = jaxlrs.warmup(jaxlrs.linear(1.0, end_value=0.0, total_steps=90), warmup_steps=10)
  out = s.summary(100)
  assert (out.peak_step, out.warmup_steps) == (10, 10)
  assert out.peak_value == pytest.approx(1.0)
  assert out.final_value == pytest.approx(1 / 90, rel=1e-5)
  # Area: warmup 0.1 * (0+...+9) = 4.5, decay sum_{j=0}^{89} (1 - j/90) = 45.5.
  assert out.area == pytest.approx(50.0, rel=1e-5)
  assert "peak 1 at step 10" in str(out)


def test_plot_returns_a_figure_with_one_line_per_schedule(tmp_path):
  fig = jaxlrs.plot({"a": jaxlrs.cosine(1.0, total_steps=50),
                     "b": optax.linear_schedule(1.0, 0.0, 50)}, 60)
  ax = fig.axes[0]
  assert len(ax.lines) == 2
  np.testing.assert_allclose(ax.lines[0].get_ydata()[50:], 0.0, atol=1e-7)
  fig.savefig(tmp_path / "x.png")
  assert (tmp_path / "x.png").stat().st_size > 1000


def test_plot_terminal_marks_each_schedule():
  text = jaxlrs.plot_terminal([jaxlrs.linear(1.0, end_value=0.0, total_steps=10),
                               jaxlrs.constant(0.5)], 20,
                              labels=["down", "flat"], width=20, height=5)
  lines = text.splitlines()
  assert lines[0].split("|")[1].startswith("*")  # the linear starts at the top
  assert lines[-2].endswith("down") and lines[-1].endswith("flat")
  assert any("o" * 20 in line for line in lines)  # the constant is a full row


def test_plot_errors():
  with pytest.raises(ValueError, match="labels"):
    jaxlrs.plot_terminal([jaxlrs.constant(1.0)], 10, labels=["a", "b"])
  with pytest.raises(TypeError, match="not callable"):
    jaxlrs.plot_terminal({"a": 3.0}, 10)
  with pytest.raises(ValueError, match="total_steps"):
    jaxlrs.plot_terminal(jaxlrs.constant(1.0), 0)


def run_cli(*args, cwd=None):
  return subprocess.run([sys.executable, "-m", "jaxlrs", *args], capture_output=True, text=True,
                        cwd=cwd, timeout=120)


@pytest.mark.slow
def test_cli_show_plot_and_errors(tmp_path):
  r = run_cli("show", "hf:linear", "--learning-rate", "5e-5", "--warmup-steps", "100",
              "--total-steps", "1000")
  assert r.returncode == 0, r.stderr
  assert "warmup(schedule=linear(" in r.stdout and "5e-05" in r.stdout
  assert "peak 5e-05 at step 100" in r.stdout
  cfg = tmp_path / "s.json"
  cfg.write_text(json.dumps(jaxlrs.one_cycle(0.1, total_steps=200).to_config()))
  png = tmp_path / "lr.png"
  r = run_cli("plot", str(cfg), "-o", str(png))
  assert r.returncode == 0, r.stderr
  assert png.stat().st_size > 1000
  r = run_cli("show", "hf:linearr", "--learning-rate", "1e-3", "--warmup-steps", "1",
              "--total-steps", "10")
  assert r.returncode == 2
  assert r.stderr.count("\n") == 1 and "linearr" in r.stderr and "Traceback" not in r.stderr


def test_cli_help():
  r = run_cli("--help")
  assert r.returncode == 0 and "hf:linear" in r.stdout


@pytest.mark.slow
def test_gallery_prints_every_kind_and_writes_png(tmp_path):
  sys.path.insert(0, "examples")
  try:
    import gallery
  finally:
    sys.path.pop(0)
  assert gallery.main(["--out", str(tmp_path), "--total-steps", "200"]) == 0
  assert (tmp_path / "gallery.png").stat().st_size > 10_000
  kinds = {type(s).__name__ for s in gallery.gallery(200).values()}
  assert {"warmup", "join", "cyclic", "one_cycle", "swa_schedule", "noisy", "product"} <= kinds


def test_plot_terminal_draws_and_labels_more_than_eight_schedules():
  # It used to zip with 8 marks and silently drop every schedule after the 8th.
  schedules = {f"s{i}": jaxlrs.constant(float(i)) for i in range(12)}
  text = jaxlrs.plot_terminal(schedules, 10, width=20, height=12)
  lines = text.splitlines()
  legend = lines[-12:]
  assert [line.split()[-1] for line in legend] == list(schedules)
  marks = [line.split()[0] for line in legend]
  assert len(set(marks)) == 12
  plot_rows = "".join(line.split("|", 1)[1] for line in lines[:12])
  assert all(m in plot_rows for m in marks)
  with pytest.raises(ValueError, match="schedules"):
    jaxlrs.plot_terminal([jaxlrs.constant(1.0)] * 45, 10)


@pytest.mark.parametrize("config,horizon", [
    # An exponential with period 10 and rate 0.5 falls to a tenth in 34 steps (was 13 plotted).
    ({"kind": "exponential", "init_value": 1.0, "decay_rate": 0.5, "period_steps": 10}, 34),
    # A composite's horizon is its own (was 1000 for every kind without a total_steps field).
    (jaxlrs.warmup(jaxlrs.cosine(1.0, total_steps=90), warmup_steps=10).to_config(), 100),
    (jaxlrs.join([jaxlrs.constant(1.0), jaxlrs.linear(1.0, end_value=0.0, total_steps=40)],
                 boundaries=[60]).to_config(), 100),
])
def test_cli_plots_the_schedules_own_horizon(config, horizon, capsys):
  from jaxlrs.__main__ import main

  assert jaxlrs.from_config(config).horizon() == horizon
  assert main(["show", json.dumps(config)]) == 0
  out = capsys.readouterr().out
  shown = horizon + -(-horizon // 5)
  assert f"over {shown} steps" in out
  lines = out.splitlines()
  start = next(i for i, line in enumerate(lines) if line.split() == ["step", "value"]) + 1
  end = next(i for i in range(start, len(lines)) if "|" in lines[i])  # the plot starts
  assert int(lines[end - 1].split()[0]) == shown - 1  # the table's last step
  assert main(["show", json.dumps(config), "--total-steps", "7"]) == 0
  assert "over 7 steps" in capsys.readouterr().out
