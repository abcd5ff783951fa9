"""Hugging Face Transformers schedulers (``transformers.optimization``) as jaxlrs schedules.

``get_scheduler(name, learning_rate, ...)`` takes the base learning rate where Transformers takes
an optimizer, and returns a schedule whose value at step ``k`` equals
``learning_rate * lr_lambda(k)`` of the Transformers scheduler for ``k = 0..num_training_steps``.
Every schedule is a composition of jaxlrs shapes (``warmup``, ``linear``, ``cosine``, ...).

Past ``num_training_steps`` the schedules hold their final value. Transformers differs there:
its ``cosine`` family rises again (``cos`` of a progress beyond 1) and ``inverse_sqrt`` keeps
decaying (it has no end, and neither does ours).
"""

from __future__ import annotations

import math
from typing import Any

from .. import _compose, _cyclic, _join, _shapes
from .._schedule import Schedule, _check_steps, _check_value, require

__all__ = [
    "SCHEDULER_NAMES", "get_scheduler", "get_constant_schedule",
    "get_constant_schedule_with_warmup", "get_linear_schedule_with_warmup",
    "get_cosine_schedule_with_warmup", "get_cosine_with_hard_restarts_schedule_with_warmup",
    "get_polynomial_decay_schedule_with_warmup", "get_inverse_sqrt_schedule",
    "get_cosine_with_min_lr_schedule_with_warmup",
    "get_cosine_with_min_lr_schedule_with_warmup_lr_rate", "get_wsd_schedule",
]

SCHEDULER_NAMES = (
    "linear", "cosine", "cosine_with_restarts", "polynomial", "constant", "constant_with_warmup",
    "inverse_sqrt", "reduce_lr_on_plateau", "cosine_with_min_lr", "cosine_warmup_with_min_lr",
    "warmup_stable_decay",
)


def _steps(name: str, value: Any) -> int:
  value = _check_steps(name, value)
  require(value >= 0, name, value, "a non-negative number of steps")
  return value


def _decay_steps(num_warmup_steps: int, num_training_steps: int) -> int:
  w = _steps("num_warmup_steps", num_warmup_steps)
  t = _steps("num_training_steps", num_training_steps)
  require(t > w, "num_training_steps", t, f"greater than num_warmup_steps ({w})")
  return t - w


def _cosine_waves(peak: float, low: float, num_cycles: float, period: int, hold: int) -> Schedule:
  """``low + (peak - low) (1 + cos(2 pi num_cycles u / period)) / 2`` for ``u < hold``; then held.

  Transformers' cosine with ``num_cycles`` waves: half-cosine pieces going down and up, joined on
  a clock where each half wave lasts one unit, then the value at ``hold`` kept constant.
  """
  num_cycles = _check_value("num_cycles", num_cycles)
  require(num_cycles > 0, "num_cycles", num_cycles, "positive")
  if num_cycles == 0.5 and hold == period:
    return _shapes.cosine(peak, period, end_value=low)
  half = period / (2 * num_cycles)  # steps per half wave
  n = max(1, math.ceil(hold / half))
  down, up = _compose.anneal(peak, low, 1, "cosine"), _compose.anneal(low, peak, 1, "cosine")
  waves = _join.join([down if j % 2 == 0 else up for j in range(n)], list(range(1, n)))
  final = low + (peak - low) * 0.5 * (1 + math.cos(2 * math.pi * num_cycles * hold / period))
  return _join.join([waves.time_scale(1 / half), _shapes.constant(final)], [hold])


def _with_warmup(schedule: Schedule, num_warmup_steps: int) -> Schedule:
  return _compose.warmup(schedule, num_warmup_steps) if num_warmup_steps else schedule


def get_constant_schedule(learning_rate: float) -> Schedule:
  """Transformers ``get_constant_schedule``: ``learning_rate`` at every step."""
  return _shapes.constant(learning_rate)


def get_constant_schedule_with_warmup(learning_rate: float, num_warmup_steps: int) -> Schedule:
  """Transformers ``get_constant_schedule_with_warmup``: ``lr * step / w`` then ``lr``."""
  w = _steps("num_warmup_steps", num_warmup_steps)
  return _with_warmup(_shapes.constant(learning_rate), w)


def get_linear_schedule_with_warmup(learning_rate: float, num_warmup_steps: int,
                                    num_training_steps: int) -> Schedule:
  """Transformers ``get_linear_schedule_with_warmup``: linear warmup, linear decay to 0 at ``T``.

  ``lr * step / w`` for ``step < w``, then ``lr * (T - step) / (T - w)``, then 0.
  """
  decay = _decay_steps(num_warmup_steps, num_training_steps)
  return _with_warmup(_shapes.linear(learning_rate, 0.0, decay), num_warmup_steps)


def get_cosine_schedule_with_warmup(learning_rate: float, num_warmup_steps: int,
                                    num_training_steps: int, num_cycles: float = 0.5) -> Schedule:
  """Transformers ``get_cosine_schedule_with_warmup``.

  ``lr * step / w``, then ``lr * (1 + cos(2 pi num_cycles p)) / 2`` with
  ``p = (step - w) / (T - w)``; held after ``T`` (Transformers rises again).
  """
  decay = _decay_steps(num_warmup_steps, num_training_steps)
  return _with_warmup(_cosine_waves(learning_rate, 0.0, num_cycles, decay, decay),
                      num_warmup_steps)


def get_cosine_with_hard_restarts_schedule_with_warmup(
    learning_rate: float, num_warmup_steps: int, num_training_steps: int,
    num_cycles: int = 1) -> Schedule:
  """Transformers ``get_cosine_with_hard_restarts_schedule_with_warmup``.

  ``num_cycles`` hard restarts of a half cosine over ``T - w`` steps (SGDR with equal cycles,
  here :func:`jaxlrs.cosine_restarts` on a clock stretched by ``num_cycles``), then 0.
  """
  decay = _decay_steps(num_warmup_steps, num_training_steps)
  num_cycles = _check_value("num_cycles", num_cycles)
  require(num_cycles > 0, "num_cycles", num_cycles, "positive")
  restarts = _cyclic.cosine_restarts(learning_rate, decay).time_scale(num_cycles)
  body = _join.join([restarts, _shapes.constant(0.0)], [decay])
  return _with_warmup(body, num_warmup_steps)


def get_polynomial_decay_schedule_with_warmup(
    learning_rate: float, num_warmup_steps: int, num_training_steps: int, lr_end: float = 1e-7,
    power: float = 1.0) -> Schedule:
  """Transformers ``get_polynomial_decay_schedule_with_warmup``.

  ``lr * step / w``, then ``(lr - lr_end) (1 - (step - w) / (T - w))^power + lr_end``, then
  ``lr_end``.

  Raises:
    ValueError: ``lr_end > learning_rate`` (as Transformers).
  """
  decay = _decay_steps(num_warmup_steps, num_training_steps)
  lr, end = _check_value("learning_rate", learning_rate), _check_value("lr_end", lr_end)
  require(end <= lr, "lr_end", end, f"<= learning_rate ({lr})")
  return _with_warmup(_shapes.polynomial(lr, end, decay, power=power), num_warmup_steps)


def get_inverse_sqrt_schedule(learning_rate: float, num_warmup_steps: int,
                              timescale: int | None = None) -> Schedule:
  """Transformers ``get_inverse_sqrt_schedule``: ``lr / sqrt((step + timescale - w) / timescale)``.

  ``timescale`` defaults to ``num_warmup_steps`` (or 10000 without warmup), as in Transformers.
  """
  w = _steps("num_warmup_steps", num_warmup_steps)
  timescale = (w or 10_000) if timescale is None else _check_steps("timescale", timescale)
  return _with_warmup(_shapes.rsqrt(learning_rate, timescale), w)


def _min_lr_rate(learning_rate: float, min_lr: float | None, min_lr_rate: float | None) -> float:
  if min_lr is not None and min_lr_rate is not None:
    raise ValueError(f"Only one of min_lr ({min_lr}) or min_lr_rate ({min_lr_rate}) may be set.")
  if min_lr is not None:
    return _check_value("min_lr", min_lr) / _check_value("learning_rate", learning_rate)
  if min_lr_rate is None:
    raise ValueError("One of min_lr or min_lr_rate must be set (both are None).")
  return _check_value("min_lr_rate", min_lr_rate)


def get_cosine_with_min_lr_schedule_with_warmup(
    learning_rate: float, num_warmup_steps: int, num_training_steps: int,
    num_cycles: float = 0.5, min_lr: float | None = None,
    min_lr_rate: float | None = None) -> Schedule:
  """Transformers ``get_cosine_with_min_lr_schedule_with_warmup``: cosine down to ``min_lr``.

  As the cosine schedule with the factor mapped to ``min_lr_rate + (1 - min_lr_rate) f``.
  """
  decay = _decay_steps(num_warmup_steps, num_training_steps)
  low = learning_rate * _min_lr_rate(learning_rate, min_lr, min_lr_rate)
  return _with_warmup(_cosine_waves(learning_rate, low, num_cycles, decay, decay),
                      num_warmup_steps)


def get_cosine_with_min_lr_schedule_with_warmup_lr_rate(
    learning_rate: float, num_warmup_steps: int, num_training_steps: int,
    num_cycles: float = 0.5, min_lr: float | None = None, min_lr_rate: float | None = None,
    warmup_lr_rate: float | None = None) -> Schedule:
  """Transformers ``get_cosine_with_min_lr_schedule_with_warmup_lr_rate``.

  Its warmup is one step ahead of the others: ``lr (step + 1) / w`` (or from
  ``warmup_lr_rate * lr`` to ``lr`` over ``w - 1`` steps), and the cosine progress is
  ``(step - w + 1) / (T - w)``.
  """
  decay = _decay_steps(num_warmup_steps, num_training_steps)
  w, lr = num_warmup_steps, _check_value("learning_rate", learning_rate)
  low = lr * _min_lr_rate(lr, min_lr, min_lr_rate)
  body = _cosine_waves(lr, low, num_cycles, decay, decay + 1).shift(-1)
  if w == 0:
    return body
  if warmup_lr_rate is None:
    rise = _shapes.linear(lr / w, lr, w - 1) if w > 1 else _shapes.constant(lr)
  else:
    rise = _shapes.linear(lr * _check_value("warmup_lr_rate", warmup_lr_rate), lr, max(1, w - 1))
  return _join.join([rise, body], [w])


def get_wsd_schedule(learning_rate: float, num_warmup_steps: int, num_decay_steps: int,
                     num_training_steps: int | None = None, num_stable_steps: int | None = None,
                     warmup_type: str = "linear", decay_type: str = "cosine",
                     min_lr_ratio: float = 0.0, num_cycles: float = 0.5) -> Schedule:
  """Transformers ``get_wsd_schedule``: warmup, stable, decay, then ``min_lr_ratio * lr``.

  Warmup from ``min_lr_ratio * lr`` (``linear``, ``cosine`` or ``1-sqrt``), hold ``lr`` for
  ``num_stable_steps`` (default ``T - w - d``), decay over ``num_decay_steps`` (``linear``,
  ``cosine`` with ``num_cycles`` or ``1-sqrt``) to ``min_lr_ratio * lr``.
  """
  w = _steps("num_warmup_steps", num_warmup_steps)
  d = _steps("num_decay_steps", num_decay_steps)
  require(d > 0, "num_decay_steps", d, "positive")
  if num_stable_steps is None:
    if num_training_steps is None:
      raise ValueError("Either num_training_steps or num_stable_steps must be given (both None).")
    stable = _steps("num_training_steps", num_training_steps) - w - d
    require(stable >= 0, "num_training_steps", num_training_steps,
            f">= num_warmup_steps + num_decay_steps ({w + d})")
  else:
    stable = _steps("num_stable_steps", num_stable_steps)
  for name, value in (("warmup_type", warmup_type), ("decay_type", decay_type)):
    if value not in ("linear", "cosine", "1-sqrt"):
      raise ValueError(f"{name} must be one of ('linear', 'cosine', '1-sqrt'), got {value!r}.")
  lr = _check_value("learning_rate", learning_rate)
  low = lr * _check_value("min_lr_ratio", min_lr_ratio)
  if decay_type == "cosine":
    cooldown = _cosine_waves(lr, low, num_cycles, d, d)
  else:
    cooldown = _compose.anneal(lr, low, d, decay_type)
  body = _join.join([_shapes.constant(lr), cooldown], [stable])
  return _compose.warmup(body, w, init_value=low, shape=warmup_type) if w else body


def get_scheduler(name: str, learning_rate: float, num_warmup_steps: int | None = None,
                  num_training_steps: int | None = None,
                  scheduler_specific_kwargs: dict | None = None) -> Schedule:
  """Transformers ``get_scheduler`` by name, with ``learning_rate`` in place of the optimizer.

  Args:
    name: one of :data:`SCHEDULER_NAMES`.
    learning_rate: the optimizer's base learning rate.
    num_warmup_steps: required by every name but ``constant``.
    num_training_steps: required by the decaying schedules.
    scheduler_specific_kwargs: e.g. ``num_cycles``, ``lr_end``, ``power``, ``timescale``,
      ``min_lr``, ``min_lr_rate``, ``num_decay_steps``, ``num_stable_steps``, ``warmup_type``,
      ``decay_type``, ``min_lr_ratio``.

  Returns:
    A jaxlrs schedule with the values of the Transformers scheduler.

  Raises:
    ValueError: unknown name, a missing step count, ``reduce_lr_on_plateau`` (use
      :func:`jaxlrs.reduce_on_plateau`, an Optax transform driven by the metric).
    TypeError: a keyword the scheduler does not take.

  Example:
    >>> s = get_scheduler("linear", 5e-5, num_warmup_steps=100, num_training_steps=1000)
    >>> s(50), s(100), s(1000)
    (Array(2.5e-05, dtype=float32), Array(5.e-05, dtype=float32), Array(0., dtype=float32))
  """
  if name not in SCHEDULER_NAMES:
    raise ValueError(f"Unknown scheduler name {name!r}; expected one of {SCHEDULER_NAMES}.")
  kwargs = dict(scheduler_specific_kwargs or {})
  if name == "reduce_lr_on_plateau":
    raise ValueError(
        "'reduce_lr_on_plateau' depends on a metric, not on the step: use the Optax transform "
        "jaxlrs.reduce_on_plateau(...) chained after your optimizer and pass value=metric to "
        "its update.")
  if name == "constant":
    return get_constant_schedule(learning_rate)
  if num_warmup_steps is None:
    raise ValueError(f"{name} requires num_warmup_steps (got None).")
  fn = _BY_NAME[name]
  if name == "constant_with_warmup":
    return fn(learning_rate, num_warmup_steps, **kwargs)
  if name == "inverse_sqrt":
    return fn(learning_rate, num_warmup_steps, **kwargs)
  if name == "warmup_stable_decay":
    return fn(learning_rate, num_warmup_steps, num_training_steps=num_training_steps, **kwargs)
  if num_training_steps is None:
    raise ValueError(f"{name} requires num_training_steps (got None).")
  return fn(learning_rate, num_warmup_steps, num_training_steps, **kwargs)


_BY_NAME = {
    "linear": get_linear_schedule_with_warmup,
    "cosine": get_cosine_schedule_with_warmup,
    "cosine_with_restarts": get_cosine_with_hard_restarts_schedule_with_warmup,
    "polynomial": get_polynomial_decay_schedule_with_warmup,
    "constant_with_warmup": get_constant_schedule_with_warmup,
    "inverse_sqrt": get_inverse_sqrt_schedule,
    "cosine_with_min_lr": get_cosine_with_min_lr_schedule_with_warmup,
    "cosine_warmup_with_min_lr": get_cosine_with_min_lr_schedule_with_warmup_lr_rate,
    "warmup_stable_decay": get_wsd_schedule,
}
