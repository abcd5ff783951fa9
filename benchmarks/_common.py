"""Timing helpers shared by the benchmarks: compile time apart, medians after block_until_ready."""

from __future__ import annotations

import datetime
import platform
import statistics
import time
from typing import Any, Callable

import jax


def median_seconds(fn: Callable[[], Any], repeats: int, warmup: int = 1) -> float:
  """Median wall time of ``fn()`` (its outputs blocked on) over ``repeats`` runs."""
  for _ in range(warmup):
    jax.block_until_ready(fn())
  times = []
  for _ in range(repeats):
    start = time.perf_counter()
    jax.block_until_ready(fn())
    times.append(time.perf_counter() - start)
  return statistics.median(times)


def compile_seconds(fn: Callable, *args: Any) -> tuple[float, Any]:
  """Seconds to lower and compile ``jax.jit(fn)`` for ``args``, and the compiled function."""
  start = time.perf_counter()
  compiled = jax.jit(fn).lower(*args).compile()
  return time.perf_counter() - start, compiled


def row(benchmark: str, case: str, jaxlrs_s: float | None, optax_s: float | None,
        notes: str = "", **extra: Any) -> dict:
  """One result: times in milliseconds and the ratio Optax / jaxlrs (> 1: jaxlrs is faster)."""
  ratio = None if not (jaxlrs_s and optax_s) else optax_s / jaxlrs_s
  return {"benchmark": benchmark, "case": case,
          "jaxlrs_ms": None if jaxlrs_s is None else jaxlrs_s * 1e3,
          "baseline_ms": None if optax_s is None else optax_s * 1e3,
          "speedup": ratio, "notes": notes, **extra}


def environment() -> dict:
  import flax
  import jaxlib
  import optax

  import jaxlrs

  devices = jax.devices()
  return {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
          "backend": jax.default_backend(), "device_kind": devices[0].device_kind,
          "device_count": len(devices), "python": platform.python_version(),
          "machine": platform.machine(), "jax": jax.__version__, "jaxlib": jaxlib.__version__,
          "optax": optax.__version__, "flax": flax.__version__, "jaxlrs": jaxlrs.__version__}
