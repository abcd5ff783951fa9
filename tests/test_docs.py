"""The API reference covers the public API, and its configuration is sound."""

import pathlib
import pkgutil

import jaxlrs

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _referenced():
  text = "\n".join(p.read_text() for p in (ROOT / "docs").glob("*.md"))
  return {line.split(":::", 1)[1].strip() for line in text.splitlines()
          if line.startswith(":::")}


def test_every_public_name_has_a_reference_entry():
  # A name added to jaxlrs.__all__ (or a new port module) must get an entry on some page.
  referenced = _referenced()
  expected = {f"jaxlrs.{n}" for n in jaxlrs.__all__ if n != "compat"} | {
      m.name for m in pkgutil.iter_modules(jaxlrs.compat.__path__, "jaxlrs.compat.")
      if not m.name.rsplit(".", 1)[1].startswith("_")}
  assert expected - referenced == set()
  assert referenced - expected == set()  # and every entry names something public


def test_every_page_is_in_the_navigation():
  config = (ROOT / "mkdocs.yml").read_text()
  for page in (ROOT / "docs").glob("*.md"):
    assert f": {page.name}" in config, page.name


def test_figures_are_embedded():
  index = (ROOT / "docs" / "index.md").read_text()
  for figure in ("gallery.png", "finetune.png"):
    assert f"]({figure})" in index
    assert (ROOT / "docs" / figure).is_file()
