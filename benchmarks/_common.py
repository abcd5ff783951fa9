"""Timing helpers and the one row format shared by the benchmarks.

* Data is passed as jit arguments (never closed over: XLA would fold it into constants), and
  what a training loop donates (parameters, optimizer state) is donated.
* Compile time is measured apart from steady state: ``jax.jit(f).lower(...).compile()``.
* Candidates compared with each other are timed *interleaved* in rounds (one call of each per
  round, the order rotating), so that drift and load from other processes hit all of them alike.
  A row reports medians, and the spread of the per-round ratio as its interquartile range; a
  ratio whose IQR contains 1.0 is flagged ``~`` (not a measured difference).
* Every result is a :func:`row`: times in milliseconds, ``ratio = baseline / jaxlrs`` (above 1:
  jaxlrs is faster), free-text notes, and any extra numbers under ``extra``.
"""

from __future__ import annotations

import datetime
import os
import platform
import time
from typing import Any, Callable, Sequence

import jax
import numpy as np

# The keys of one result row, in table order.
ROW_KEYS = ("benchmark", "case", "jaxlrs_ms", "baseline_ms", "ratio", "ratio_iqr", "flag",
            "notes", "extra")


def interleaved(fns: dict[str, Callable[[], Any]], rounds: int,
                warmup: int = 1) -> dict[str, list[float]]:
  """Seconds per call of each ``fn()``, one call of each per round, the order rotating."""
  names = list(fns)
  for name in names:
    for _ in range(warmup):
      jax.block_until_ready(fns[name]())
  times: dict[str, list[float]] = {name: [] for name in names}
  for r in range(rounds):
    for name in names[r % len(names):] + names[:r % len(names)]:
      start = time.perf_counter()
      jax.block_until_ready(fns[name]())
      times[name].append(time.perf_counter() - start)
  return times


def compile_seconds(fn: Callable, *args: Any, **jit_kwargs: Any) -> tuple[float, Any]:
  """Seconds to trace, lower and compile ``jax.jit(fn, **jit_kwargs)`` for ``args``."""
  start = time.perf_counter()
  compiled = jax.jit(fn, **jit_kwargs).lower(*args).compile()
  return time.perf_counter() - start, compiled


def compile_interleaved(fns: dict[str, Callable[[], Any]], rounds: int) -> dict[str, list[float]]:
  """Compile times of each ``fn()`` (which lowers and compiles afresh), interleaved in rounds."""
  out: dict[str, list[float]] = {name: [] for name in fns}
  for r in range(rounds):
    names = list(fns)
    for name in names[r % len(names):] + names[:r % len(names)]:
      jax.clear_caches()
      start = time.perf_counter()
      fns[name]()
      out[name].append(time.perf_counter() - start)
  return out


def jaxpr_size(fn: Callable, *args: Any) -> int:
  """Number of equations in the jaxpr of ``fn(*args)``, counting nested jaxprs (jit, cond, scan)."""
  return _count_eqns(jax.make_jaxpr(fn)(*args).jaxpr)


def _count_eqns(jaxpr: Any) -> int:
  n = 0
  for eqn in jaxpr.eqns:
    n += 1
    for param in eqn.params.values():
      for sub in (param if isinstance(param, (tuple, list)) else (param,)):
        inner = getattr(sub, "jaxpr", sub)  # ClosedJaxpr -> Jaxpr
        if hasattr(inner, "eqns"):
          n += _count_eqns(inner)
  return n


def _seconds(x: float | Sequence[float] | None) -> list[float] | None:
  if x is None:
    return None
  return [float(x)] if np.isscalar(x) else [float(v) for v in x]


def row(benchmark: str, case: str, jaxlrs: float | Sequence[float] | None,
        baseline: float | Sequence[float] | None, notes: str = "", **extra: Any) -> dict:
  """One result row. ``jaxlrs``/``baseline``: seconds, one number or the per-round times.

  With per-round times of equal length (timed interleaved), the ratio's spread is the IQR of
  the per-round ratios ``baseline_i / jaxlrs_i`` and the ratio is their median; ``flag`` is
  ``"~"`` when the IQR contains 1.0.
  ``None`` means not measured (the notes say why); the ratio is then ``None``.
  """
  ours, base = _seconds(jaxlrs), _seconds(baseline)
  med = lambda ts: None if not ts else float(np.median(ts)) * 1e3  # noqa: E731
  jaxlrs_ms, baseline_ms = med(ours), med(base)
  ratio = iqr = None
  flag = ""
  if jaxlrs_ms and baseline_ms:
    ratio = baseline_ms / jaxlrs_ms
    if len(ours) == len(base) > 1:  # paired rounds: the median and IQR of the per-round ratio
      per_round = np.asarray(base) / np.asarray(ours)
      ratio = float(np.median(per_round))
      iqr = [float(np.percentile(per_round, 25)), float(np.percentile(per_round, 75))]
      flag = "~" if iqr[0] <= 1.0 <= iqr[1] else ""
  return {"benchmark": benchmark, "case": case, "jaxlrs_ms": jaxlrs_ms, "baseline_ms": baseline_ms,
          "ratio": ratio, "ratio_iqr": iqr, "flag": flag, "notes": " ".join(notes.split()),
          "extra": extra}


def _fmt(x: float | None) -> str:
  if x is None:
    return "-"
  return f"{x:.3g}" if abs(x) < 1e4 else f"{x:.0f}"


def table(rows: list[dict]) -> str:
  """The rows as one markdown table."""
  lines = ["| benchmark | case | jaxlrs (ms) | baseline (ms) | baseline / jaxlrs | IQR | notes |",
           "|---|---|---:|---:|---:|---|---|"]
  for r in rows:
    iqr = "-" if r["ratio_iqr"] is None else f"{r['ratio_iqr'][0]:.2f}-{r['ratio_iqr'][1]:.2f}"
    ratio = _fmt(r["ratio"]) + (" ~" if r["flag"] else "")
    lines.append(f"| {r['benchmark']} | {r['case']} | {_fmt(r['jaxlrs_ms'])} | "
                 f"{_fmt(r['baseline_ms'])} | {ratio} | {iqr} | {r['notes'].replace('|', '/')} |")
  return "\n".join(lines)


def differing_elements(a: Any, b: Any) -> int:
  """How many array elements differ bit for bit between two pytrees of the same structure."""
  return sum(int(np.sum(np.asarray(x) != np.asarray(y)))
             for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b)))


def check_same(name: str, ours: Any, theirs: Any, rtol: float = 1e-4, atol: float = 1e-9) -> None:
  """Raise if a jaxlrs result and its baseline differ: the comparison must be like for like."""
  a, b = np.asarray(ours, np.float64), np.asarray(theirs, np.float64)
  if a.shape != b.shape or not np.allclose(a, b, rtol=rtol, atol=atol):
    err = np.max(np.abs(a - b)) if a.shape == b.shape else f"shapes {a.shape} vs {b.shape}"
    raise AssertionError(f"{name}: jaxlrs and its baseline disagree (max abs error {err})")


def _cpu_model() -> str:
  try:
    with open("/proc/cpuinfo") as f:
      for line in f:
        if line.startswith("model name"):
          return line.split(":", 1)[1].strip()
  except OSError:
    pass
  return platform.processor() or platform.machine()


def environment() -> dict:
  """Backend, devices, versions, host and date: what a reader needs to compare two runs."""
  import flax
  import jaxlib
  import optax

  import jaxlrs

  devices = jax.devices()
  return {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
          "backend": jax.default_backend(), "device_kind": devices[0].device_kind,
          "device_count": len(devices), "host_cpu": _cpu_model(), "host_cores": os.cpu_count(),
          "platform": platform.platform(), "python": platform.python_version(),
          "jax": jax.__version__, "jaxlib": jaxlib.__version__, "optax": optax.__version__,
          "flax": flax.__version__, "jaxlrs": jaxlrs.__version__, "numpy": np.__version__}
