"""The Colab notebooks run from a fresh runtime as a user runs them, on CPU.

Each notebook is run cell by cell in one new Python process (the kernel) whose working directory
is empty, with an archive of this repository standing in for the user's upload: the only change
made to the notebook is the value of ``JAXLRS_SOURCE`` in its first code cell.

These two runs are also the end-to-end tests of what the notebooks run: the fine-tuning example in
its tiny mode (fine-tuning beats no fine-tuning, the searched LRs train) and the quick benchmark
suite (its JSON report).
"""

import contextlib
import json
import os
import pathlib
import re
import signal
import subprocess
import sys
import warnings
import zipfile

import pytest

ROOT = pathlib.Path(__file__).parent.parent
NOTEBOOKS = ["examples/colab_tpu.ipynb", "benchmarks/colab_tpu.ipynb"]
SOURCE_LINE = re.compile(r'^JAXLRS_SOURCE = "[^"]*"', re.MULTILINE)
SKIP = {".git", "__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis", "out", "build",
        "results"}

KERNEL = """
import json, sys
cells = json.load(open(sys.argv[1]))
scope = {"__name__": "__main__"}
for i, source in enumerate(cells):
  print(f"=== cell {i}", flush=True)
  exec(compile(source, f"<cell {i}>", "exec"), scope)
print("=== jaxlrs imported from", scope["jaxlrs"].__file__, flush=True)
"""


def upload(tmp: pathlib.Path) -> pathlib.Path:
  """This working tree as a zip with one top folder, as GitHub's "Download ZIP" gives it."""
  listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                          cwd=ROOT, capture_output=True, text=True, check=False)
  if listed.returncode == 0:  # what git tracks or would track: no caches, no run outputs
    files = [ROOT / f for f in listed.stdout.split("\0") if f]
  else:
    files = [f for f in ROOT.rglob("*") if not SKIP.intersection(f.relative_to(ROOT).parts)]
  path = tmp / "jaxlrs-main.zip"
  with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
    for f in sorted(files):
      if f.is_file():
        z.write(f, pathlib.PurePosixPath("jaxlrs-main", *f.relative_to(ROOT).parts))
  return path


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_is_valid_with_cell_ids(name):
  import nbformat

  with warnings.catch_warnings():
    warnings.simplefilter("error")  # nbformat warns about cells without ids
    nb = nbformat.read(ROOT / name, as_version=4)
    nbformat.validate(nb)
  raw = json.loads((ROOT / name).read_text())
  ids = [c.get("id") for c in raw["cells"]]
  assert all(ids) and len(set(ids)) == len(ids), ids
  assert raw["metadata"]["accelerator"] == "TPU"
  first = "".join(next(c for c in raw["cells"] if c["cell_type"] == "code")["source"])
  assert len(SOURCE_LINE.findall(first)) == 1
  code = "".join("".join(c["source"]) for c in raw["cells"] if c["cell_type"] == "code")
  # Nothing that could replace the runtime's TPU build of jax.
  assert not re.search(r"^[^#]*\bpip\b|^\s*[!%]", code, re.MULTILINE)


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_from_a_fresh_runtime(name, tmp_path):
  archive = upload(tmp_path)
  raw = json.loads((ROOT / name).read_text())
  cells = ["".join(c["source"]) for c in raw["cells"] if c["cell_type"] == "code"]
  cells[0] = SOURCE_LINE.sub(f"JAXLRS_SOURCE = {str(archive)!r}", cells[0])
  (tmp_path / "cells.json").write_text(json.dumps(cells))
  content = tmp_path / "content"  # the runtime's empty working directory
  content.mkdir()
  env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
  env.update(JAX_PLATFORMS="cpu", MPLBACKEND="Agg")
  proc = subprocess.Popen([sys.executable, "-c", KERNEL, str(tmp_path / "cells.json")],
                          cwd=content, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, start_new_session=True)
  try:
    out, _ = proc.communicate(timeout=900)
  finally:
    with contextlib.suppress(ProcessLookupError):
      os.killpg(proc.pid, signal.SIGKILL)  # the kernel and anything it started
    proc.wait()
  assert proc.returncode == 0, out[-5000:]
  assert f"jaxlrs imported from {content / 'jaxlrs' / 'jaxlrs' / '__init__.py'}" in out
  if name.startswith("examples"):
    assert "held-out accuracy" in out
    check_finetune_tiny(out, content / "jaxlrs" / "out")
  else:
    assert "| benchmark | case |" in out
    reports = list((content / "jaxlrs" / "benchmarks" / "results").glob("*quick*.json"))
    assert len(reports) == 1, reports
    check_quick_report(json.loads(reports[0].read_text()))


def check_finetune_tiny(stdout: str, out: pathlib.Path) -> None:
  """`examples/finetune.py --tiny`: every searched or fixed recipe beats no fine-tuning."""
  rows = dict(re.findall(r"^(.+?)\s+([01]\.\d{3}) ± ", stdout, re.M))
  base = float(rows["(no fine-tuning: pretrained + new head)"])
  tuned = float(rows["constant 1e-3 (Adam default)"])
  assert tuned > base + 0.2, stdout
  for searched in ("LR finder -> warmup + linear", "vmapped sweep -> warmup + linear"):
    assert float(rows[searched]) > base + 0.2, stdout  # trained at the LR its search picked
  picked = dict(re.findall(r"^(finder|sweep): peak LR ([0-9.e-]+) in", stdout, re.M))
  assert set(picked) == {"finder", "sweep"} and all(1e-6 <= float(v) <= 1 for v in
                                                     picked.values()), stdout
  assert (out / "finetune.png").stat().st_size > 10_000
  assert any(path.name.startswith("pretrained_") for path in out.iterdir())  # orbax checkpoint


def check_quick_report(data: dict) -> None:
  """`python -m benchmarks --quick`: every benchmark reports rows, environment and versions."""
  from benchmarks import _common

  env = data["environment"]
  for key in ("backend", "device_kind", "device_count", "jax", "jaxlib", "optax", "flax",
              "jaxlrs", "date"):
    assert key in env
  assert {row["benchmark"] for row in data["rows"]} >= {"train step", "join", "averaging",
                                                       "layerwise"}
  assert all(set(row) == set(_common.ROW_KEYS) for row in data["rows"])
  assert all(row["ratio"] is None or row["ratio"] > 0 for row in data["rows"])
  join = [row for row in data["rows"] if row["case"] == "join 100 pieces: 1e4 steps"][0]
  assert join["ratio"] > 2  # Optax evaluates every piece; jaxlrs one per structure
