"""The benchmark harness: rows, interleaving and flags, the README section (the quick suite end to
end runs where the Colab notebook runs it: test_notebooks.py)."""

import pathlib
import subprocess
import sys

import pytest

from benchmarks import _common

ROOT = pathlib.Path(__file__).parent.parent


def test_row_reports_paired_median_ratio_and_flags_a_spread_across_one():
  clear = _common.row("b", "c", [1.0, 1.1, 0.9, 1.0], [2.0, 2.2, 1.8, 2.1])
  assert clear["ratio"] == pytest.approx(2.0, rel=0.05) and clear["flag"] == ""
  assert clear["jaxlrs_ms"] == pytest.approx(1000.0) and clear["baseline_ms"] == pytest.approx(2050.0)
  noisy = _common.row("b", "c", [1.0, 1.0, 1.0, 1.0], [0.8, 1.3, 0.9, 1.2])
  assert noisy["ratio_iqr"][0] < 1 < noisy["ratio_iqr"][1] and noisy["flag"] == "~"
  single = _common.row("b", "c", 0.5, None, "not run")
  assert single["ratio"] is None and single["ratio_iqr"] is None
  assert set(single) == set(_common.ROW_KEYS)
  assert "| ~ |" not in _common.table([clear]) and "~" in _common.table([noisy])


def test_interleaved_rotates_the_order_each_round():
  calls = []
  _common.interleaved({"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}, 3,
                      warmup=0)
  assert calls == ["a", "b", "b", "a", "a", "b"]


def test_bad_benchmark_name_fails():
  r = subprocess.run([sys.executable, "-m", "benchmarks", "--only", "nope"], cwd=ROOT,
                     capture_output=True, text=True, timeout=120)
  assert r.returncode == 2 and "nope" in r.stderr


def test_readme_section_is_replaced_between_its_markers_only(tmp_path):
  from benchmarks.__main__ import replace_readme_section

  readme = tmp_path / "README.md"
  readme.write_text("intro\n<!-- BEGIN benchmark-table cpu -->\nold\n<!-- END benchmark-table cpu -->"
                    "\n<!-- BEGIN benchmark-table gpu -->\ngpu\n<!-- END benchmark-table gpu -->\n")
  replace_readme_section(readme, "cpu", "| new |\n")
  text = readme.read_text()
  assert "old" not in text and "| new |" in text and "\ngpu\n" in text and text.startswith("intro")
  with pytest.raises(SystemExit, match="tpu"):
    replace_readme_section(readme, "tpu", "x")
