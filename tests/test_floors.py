"""The floors script installs exactly the lower bounds that pyproject.toml declares."""

import pathlib
import re

ROOT = pathlib.Path(__file__).parent.parent


def test_floors_file_matches_pyproject_lower_bounds():
  pyproject = (ROOT / "pyproject.toml").read_text()
  dependencies = pyproject.split("dependencies = [", 1)[1].split("]", 1)[0]
  declared = dict(re.findall(r'"([a-z]+)>=([0-9.]+)"', dependencies))
  floors = dict(re.findall(r"^([a-z]+)==([0-9.]+)$", (ROOT / "tools/floors.txt").read_text(),
                           re.M))
  assert declared == floors
  assert set(declared) == {"jax", "jaxlib", "optax", "flax", "numpy"}
