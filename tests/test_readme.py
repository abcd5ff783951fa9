"""The README stays true: its runnable snippets run, and its table of schedules lists the real
signatures (names, keyword-only marker and defaults)."""

import ast
import inspect
import pathlib
import re

import jax
import numpy as np

import jaxlrs

README = (pathlib.Path(__file__).parent.parent / "README.md").read_text()
BLOCKS = re.findall(r"```python\n(.*?)```", README, re.S)


def test_quick_start_and_pytree_snippets_run():
  namespace = {"jax": jax}
  exec(BLOCKS[0], namespace)  # noqa: S102 - the README's own code
  schedule = namespace["schedule"]
  np.testing.assert_allclose([schedule(0), schedule(100), schedule(10**9)], [0.0, 3e-4, 3e-5],
                             rtol=1e-6)
  assert repr(schedule).startswith("warmup(schedule=cosine(init_value=0.0003, ")
  exec(BLOCKS[1], namespace)  # noqa: S102
  np.testing.assert_allclose(namespace["lrs"], np.asarray(namespace["peaks"]) / 2, rtol=1e-6)


def _table_rows():
  section = README.split("| function | value at step `t` |")[1].split("\n\n")[0]
  return re.findall(r"^\| `(\w+)\((.*?)\)` \|", section, re.M)


def test_schedule_table_lists_the_real_signatures():
  rows = _table_rows()
  assert len(rows) >= 20
  for name, args in rows:
    params = inspect.signature(getattr(jaxlrs, name)).parameters
    written = [a.strip() for a in args.split(",") if a.strip() not in ("", "...")]
    keyword_only = False
    for arg in written:
      if arg == "*":
        keyword_only = True
        continue
      key, _, default = arg.partition("=")
      assert key in params, (name, key)
      p = params[key]
      assert (p.kind is p.KEYWORD_ONLY) == keyword_only, (name, key)
      if default:
        assert ast.literal_eval(default) == p.default, (name, key, p.default)
