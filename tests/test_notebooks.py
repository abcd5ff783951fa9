"""The Colab notebooks run from a fresh runtime as a user runs them, on CPU.

Each notebook is run cell by cell in one new Python process (the kernel) whose working directory
is empty, with an archive of this repository standing in for the user's upload: the only change
made to the notebook is the value of ``JAXLRS_SOURCE`` in its first code cell.
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
    assert (content / "jaxlrs" / "out" / "finetune.png").stat().st_size > 10_000
  else:
    assert "| benchmark | case |" in out
    assert list((content / "jaxlrs" / "benchmarks" / "results").glob("*quick*.json"))
