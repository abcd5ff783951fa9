"""Every example runs in its tiny mode; resume is bit-identical.

The fine-tuning example's full tiny run is tested where the Colab notebook runs it
(test_notebooks.py).
"""

import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).parent.parent


def run(*args, cwd=ROOT):
  r = subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True,
                     timeout=900)
  assert r.returncode == 0, r.stderr[-3000:]
  return r.stdout


@pytest.fixture(scope="module")
def out(tmp_path_factory):
  return tmp_path_factory.mktemp("finetune")


@pytest.mark.slow
def test_resume_is_bit_identical(out):
  import orbax.checkpoint as ocp

  common = ["examples/finetune.py", "--tiny", "--out", str(out), "--recipe", "+ EMA",
            "--max-steps", "12"]
  run(*common, "--ckpt-dir", str(out / "full"))
  run(*common, "--ckpt-dir", str(out / "split"), "--steps-this-run", "5")
  stdout = run(*common, "--ckpt-dir", str(out / "split"))
  assert "resumed from" in stdout
  again = run(*common, "--ckpt-dir", str(out / "split"))  # a third run: nothing left to do
  assert "already at step 12/12" in again
  with ocp.StandardCheckpointer() as ckpt:
    full = ckpt.restore(out / "full" / "step_12")
    split = ckpt.restore(out / "split" / "step_12")
  assert len(full) == len(split) > 10
  for a, b in zip(full, split):
    np.testing.assert_array_equal(a, b)


def test_recipe_matching_ignores_case_and_prefers_keys():
  sys.path.insert(0, str(ROOT / "examples"))
  try:
    import finetune
  finally:
    sys.path.remove(str(ROOT / "examples"))
  table = {name: {"key": key} for name, key in [
      ("warmup 10% + linear (HF default)", "hf"), ("+ LLRD (x0.7 per layer)", "llrd"),
      ("+ grouped LLRD", "grouped"), ("+ EMA (0.98)", "ema"),
      ("LR finder -> warmup + linear", "finder")]}
  assert finetune.match("llrd", table) == ["+ LLRD (x0.7 per layer)"]
  assert finetune.match("LLRD", table) == ["+ LLRD (x0.7 per layer)"]
  assert finetune.match("+ ema", table) == ["+ EMA (0.98)"]
  assert finetune.match("Grouped", table) == ["+ grouped LLRD"]
  assert finetune.match("lr finder", table) == ["LR finder -> warmup + linear"]
  assert finetune.match("warmup", table) == ["warmup 10% + linear (HF default)"]
  assert finetune.match("nothing", table) == []


@pytest.mark.slow
def test_linen_example_tiny():
  stdout = run("examples/linen_trainstate.py", "--tiny")
  acc = re.search(r"EMA weights: ([01]\.\d+).*?untrained: ([01]\.\d+)", stdout, re.S)
  assert acc and float(acc.group(1)) > float(acc.group(2)) + 0.2, stdout
