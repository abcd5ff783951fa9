"""The README's find_lr / sweep snippet runs as written, and picks sensible rates."""

import pathlib
import re

ROOT = pathlib.Path(__file__).parent.parent


def test_readme_find_lr_snippet_runs(capsys):
  text = (ROOT / "README.md").read_text()
  section = text[text.index("<!-- BEGIN find_lr -->"):text.index("<!-- END find_lr -->")]
  code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
  scope: dict = {}
  exec(compile(code, "README.md (find_lr)", "exec"), scope)
  found, result = scope["found"], scope["result"]
  assert found.stopped_early and 1e-3 < scope["lr"] < found.lrs[-1]
  assert 1e-3 <= result.best_value < 1.0 and result.diverged[-1]  # 1.0 with momentum blows up
  assert abs(float(scope["schedule"](20)) - result.best_value) <= 1e-6 * result.best_value
  out = capsys.readouterr().out
  assert "suggestions: valley" in out and "<- best" in out
