"""The benchmark suite runs end to end in quick mode (the Colab notebook: test_notebooks.py)."""

import json
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).parent.parent


def test_quick_suite_runs_and_reports_ratios(tmp_path):
  r = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--out", str(tmp_path)],
                     cwd=ROOT, capture_output=True, text=True, timeout=600)
  assert r.returncode == 0, r.stderr[-3000:]
  assert "| benchmark | case |" in r.stdout
  data = json.loads((tmp_path / "cpu_quick.json").read_text())
  env = data["environment"]
  for key in ("backend", "device_kind", "device_count", "jax", "jaxlib", "optax", "flax",
              "jaxlrs", "date"):
    assert key in env
  names = {row["benchmark"] for row in data["rows"]}
  assert names == {"train step", "join", "eager call", "layerwise", "averaging", "sweep",
                   "hyperparams", "find_lr"}
  assert all(row["speedup"] is None or row["speedup"] > 0 for row in data["rows"])
  join = [row for row in data["rows"] if row["case"] == "100 pieces: 1e+04 steps"][0]
  assert join["speedup"] > 2  # Optax evaluates every piece; jaxlrs one per structure


def test_bad_benchmark_name_fails():
  r = subprocess.run([sys.executable, "-m", "benchmarks", "--only", "nope"], cwd=ROOT,
                     capture_output=True, text=True, timeout=120)
  assert r.returncode == 2 and "nope" in r.stderr
