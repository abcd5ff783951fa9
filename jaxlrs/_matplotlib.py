"""matplotlib, imported when a figure is drawn: it is an optional dependency (``jaxlrs[plot]``)."""

from __future__ import annotations

from typing import Any


def pyplot(what: str) -> Any:
  """``matplotlib.pyplot``, or an ``ImportError`` saying that ``what`` needs it."""
  try:
    import matplotlib.pyplot as plt
  except ImportError as e:  # pragma: no cover - exercised without matplotlib only
    raise ImportError(f'{what} needs matplotlib: pip install "jaxlrs[plot]"') from e
  return plt
