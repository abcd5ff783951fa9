"""Checked by mypy in CI (``[tool.mypy] files``), never run: type checkers see the constructors.

Schedule kinds get their ``__init__`` from ``typing.dataclass_transform`` on ``jaxlrs.Schedule``.
Correct calls must pass; each ``type: ignore[...]`` marks a call that must be rejected, and
``warn_unused_ignores`` turns a call that is wrongly accepted into an error.
"""

from __future__ import annotations

import jax
import optax
from typing_extensions import assert_type

import jaxlrs


def correct_calls() -> None:
  cos = jaxlrs.cosine(1e-3, total_steps=100, end_value=1e-5)
  assert_type(cos, jaxlrs.cosine)
  assert_type(cos.total_steps, int)
  assert_type(cos(10), jax.Array)
  wu = jaxlrs.warmup(cos, warmup_steps=10)
  assert_type(wu, jaxlrs.warmup)
  joined = jaxlrs.join([wu, jaxlrs.constant(1e-5)], boundaries=[110])
  assert_type(joined * 0.5, jaxlrs.Schedule)
  jaxlrs.piecewise_constant([10, 20], values=[1.0, 0.1, 0.01])
  jaxlrs.warmup_stable_decay(1.0, total_steps=100, warmup_steps=10, decay_steps=20)
  optax.adamw(learning_rate=cos)


def rejected_calls() -> None:
  jaxlrs.cosine(1e-3, 100)  # type: ignore[call-arg]
  jaxlrs.cosine(1e-3, total_step=100)  # type: ignore[call-arg]
  jaxlrs.linear(1.0, end_value=0.0)  # type: ignore[call-arg]
  jaxlrs.warmup(jaxlrs.constant(1.0), warmup_steps="10")  # type: ignore[arg-type]
  jaxlrs.cosine(1e-3, total_steps=100).total_steps = 5  # type: ignore[misc]
