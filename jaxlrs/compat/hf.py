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

from typing import Any, Callable

from .. import _compose, _cyclic, _decays, _join, _recipes, _shapes
from .._core import Schedule, check_steps, check_value, concrete_float, require
from ._args import checked, positive_steps
from ._args import learning_rate as _lr

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
    "warmup_stable_decay", "greedy",
)


def _steps(name: str, value: Any) -> int:
  value = check_steps(name, value)
  require(value >= 0, name, value, "a non-negative number of steps")
  return value


def _decay_steps(num_warmup_steps: int, num_training_steps: int) -> int:
  w = _steps("num_warmup_steps", num_warmup_steps)
  t = _steps("num_training_steps", num_training_steps)
  require(t > w, "num_training_steps", t, f"greater than num_warmup_steps ({w})")
  return t - w


def _cosine(peak: float, low: float, num_cycles: float, period: int) -> Schedule:
  """``low + (peak - low) (1 + cos(2 pi num_cycles u / period)) / 2`` up to ``period``; held.

  The core :func:`jaxlrs.cosine` with ``cycles=num_cycles``: a closed form for any number of
  cycles.
  """
  num_cycles = check_value("num_cycles", num_cycles)
  require(num_cycles > 0, "num_cycles", num_cycles, "positive")
  return _shapes.cosine(peak, total_steps=period, end_value=low, cycles=num_cycles)


def _with_warmup(schedule: Schedule, num_warmup_steps: int) -> Schedule:
  return _compose.warmup(schedule, warmup_steps=num_warmup_steps) if num_warmup_steps else schedule


@checked
def get_constant_schedule(learning_rate: float) -> Schedule:
  """Transformers ``get_constant_schedule``: ``learning_rate`` at every step.

  Args:
    learning_rate: the peak learning rate (Transformers takes it from the optimizer).

  Returns:
    A :func:`jaxlrs.constant` schedule.

  Raises:
    TypeError: ``learning_rate`` is not a real number.
    ValueError: ``learning_rate`` is not finite.

  Example:
    >>> jaxlrs.compat.hf.get_constant_schedule(5e-5)(1000)
    Array(5.e-05, dtype=float32)
  """
  learning_rate = _lr("learning_rate", learning_rate)
  return _shapes.constant(learning_rate)


@checked
def get_constant_schedule_with_warmup(learning_rate: float, num_warmup_steps: int) -> Schedule:
  """Transformers ``get_constant_schedule_with_warmup``: ``lr * step / w`` then ``lr``.

  Args:
    learning_rate: the peak learning rate (Transformers takes it from the optimizer).
    num_warmup_steps: steps of linear warmup from 0 (a non-negative int).

  Returns:
    A schedule rising linearly from 0 to ``learning_rate`` at ``num_warmup_steps``, then constant.

  Raises:
    ValueError: a negative ``num_warmup_steps``.
    TypeError: ``num_warmup_steps`` is not an int.

  Example:
    >>> s = jaxlrs.compat.hf.get_constant_schedule_with_warmup(1.0, num_warmup_steps=10)
    >>> s(5), s(10)
    (Array(0.5, dtype=float32), Array(1., dtype=float32))
  """
  learning_rate = _lr("learning_rate", learning_rate)
  w = _steps("num_warmup_steps", num_warmup_steps)
  return _with_warmup(_shapes.constant(learning_rate), w)


@checked
def get_linear_schedule_with_warmup(learning_rate: float, num_warmup_steps: int,
                                    num_training_steps: int) -> Schedule:
  """Transformers ``get_linear_schedule_with_warmup``: linear warmup, linear decay to 0 at ``T``.

  ``lr * step / w`` for ``step < w``, then ``lr * (T - step) / (T - w)``, then 0.

  Args:
    learning_rate: the peak learning rate (Transformers takes it from the optimizer).
    num_warmup_steps: steps of linear warmup from 0 (a non-negative int).
    num_training_steps: total steps ``T``, warmup included (an int > ``num_warmup_steps``).

  Returns:
    A schedule with the values of the Transformers scheduler, 0 from ``T`` on.

  Raises:
    ValueError: a negative step count, or ``num_training_steps <= num_warmup_steps``.
    TypeError: a step count is not an int.

  Example:
    >>> s = jaxlrs.compat.hf.get_linear_schedule_with_warmup(1.0, 10, 110)
    >>> s(5), s(60), s(110)
    (Array(0.5, dtype=float32), Array(0.5, dtype=float32), Array(0., dtype=float32))
  """
  learning_rate = _lr("learning_rate", learning_rate)
  decay = _decay_steps(num_warmup_steps, num_training_steps)
  return _with_warmup(_shapes.linear(learning_rate, end_value=0.0, total_steps=decay),
                      num_warmup_steps)


@checked
def get_cosine_schedule_with_warmup(learning_rate: float, num_warmup_steps: int,
                                    num_training_steps: int, num_cycles: float = 0.5) -> Schedule:
  """Transformers ``get_cosine_schedule_with_warmup``.

  ``lr * step / w``, then ``lr * (1 + cos(2 pi num_cycles p)) / 2`` with
  ``p = (step - w) / (T - w)``; held after ``T`` (Transformers rises again).

  Args:
    learning_rate: the peak learning rate (Transformers takes it from the optimizer).
    num_warmup_steps: steps of linear warmup from 0 (a non-negative int).
    num_training_steps: total steps ``T``, warmup included (an int > ``num_warmup_steps``).
    num_cycles: cosine periods over ``T - w`` (0.5: one half wave down to 0), positive.

  Returns:
    A schedule with the values of the Transformers scheduler up to ``T``, holding the value at
    ``T`` afterwards.

  Raises:
    ValueError: a negative step count, or ``num_training_steps <= num_warmup_steps``.
    TypeError: a step count is not an int.
    ValueError: ``num_cycles <= 0``.

  Example:
    >>> s = jaxlrs.compat.hf.get_cosine_schedule_with_warmup(1.0, 10, 110)
    >>> s(5), s(60), s(110)
    (Array(0.5, dtype=float32), Array(0.49999997, dtype=float32), Array(0., dtype=float32))
  """
  learning_rate = _lr("learning_rate", learning_rate)
  decay = _decay_steps(num_warmup_steps, num_training_steps)
  return _with_warmup(_cosine(learning_rate, 0.0, num_cycles, decay), num_warmup_steps)


@checked
def get_cosine_with_hard_restarts_schedule_with_warmup(
    learning_rate: float, num_warmup_steps: int, num_training_steps: int,
    num_cycles: int = 1) -> Schedule:
  """Transformers ``get_cosine_with_hard_restarts_schedule_with_warmup``.

  ``num_cycles`` hard restarts of a half cosine over ``T - w`` steps (SGDR with equal cycles,
  here :func:`jaxlrs.cosine_restarts` on a clock stretched by ``num_cycles``), then 0.

  Args:
    learning_rate: the peak learning rate (Transformers takes it from the optimizer).
    num_warmup_steps: steps of linear warmup from 0 (a non-negative int).
    num_training_steps: total steps ``T``, warmup included (an int > ``num_warmup_steps``).
    num_cycles: the number of cosine cycles over ``T - w``, positive.

  Returns:
    A schedule with the values of the Transformers scheduler, 0 from ``T`` on.

  Raises:
    ValueError: a negative step count, or ``num_training_steps <= num_warmup_steps``.
    TypeError: a step count is not an int.
    ValueError: ``num_cycles <= 0``.

  Example:
    >>> s = jaxlrs.compat.hf.get_cosine_with_hard_restarts_schedule_with_warmup(
    ...     1.0, 0, 100, num_cycles=2)
    >>> s(25), s(50)  # half-way through the first cycle, then a restart
    (Array(0.49999997, dtype=float32), Array(1., dtype=float32))
  """
  learning_rate = _lr("learning_rate", learning_rate)
  decay = _decay_steps(num_warmup_steps, num_training_steps)
  num_cycles = check_value("num_cycles", num_cycles)
  require(num_cycles > 0, "num_cycles", num_cycles, "positive")
  restarts = _cyclic.cosine_restarts(learning_rate, cycle_steps=decay).time_scale(num_cycles)
  body = _join.join([restarts, _shapes.constant(0.0)], boundaries=[decay])
  return _with_warmup(body, num_warmup_steps)


@checked
def get_polynomial_decay_schedule_with_warmup(
    learning_rate: float, num_warmup_steps: int, num_training_steps: int, lr_end: float = 1e-7,
    power: float = 1.0) -> Schedule:
  """Transformers ``get_polynomial_decay_schedule_with_warmup``.

  ``lr * step / w``, then ``(lr - lr_end) (1 - (step - w) / (T - w))^power + lr_end``, then
  ``lr_end``.

  Args:
    learning_rate: the peak learning rate (Transformers takes it from the optimizer).
    num_warmup_steps: steps of linear warmup from 0 (a non-negative int).
    num_training_steps: total steps ``T``, warmup included (an int > ``num_warmup_steps``).
    lr_end: the final value, ``<= learning_rate``.
    power: the exponent of the decay, ``>= 0``.

  Returns:
    A schedule with the values of the Transformers scheduler, ``lr_end`` from ``T`` on.

  Raises:
    ValueError: ``lr_end > learning_rate`` (as Transformers).

  Example:
    >>> s = jaxlrs.compat.hf.get_polynomial_decay_schedule_with_warmup(
    ...     1.0, 0, 100, lr_end=0.0, power=2.0)
    >>> s(50)
    Array(0.25, dtype=float32)
  """
  learning_rate = _lr("learning_rate", learning_rate)
  decay = _decay_steps(num_warmup_steps, num_training_steps)
  lr, end = check_value("learning_rate", learning_rate), check_value("lr_end", lr_end)
  lo, hi = concrete_float(end), concrete_float(lr)
  if lo is not None and hi is not None:  # tracers (vmap/grad over the values) are not checked
    require(lo <= hi, "lr_end", lo, f"<= learning_rate ({hi})")
  return _with_warmup(_shapes.polynomial(lr, end_value=end, total_steps=decay, power=power),
                      num_warmup_steps)


@checked
def get_inverse_sqrt_schedule(learning_rate: float, num_warmup_steps: int,
                              timescale: int | None = None) -> Schedule:
  """Transformers ``get_inverse_sqrt_schedule``: ``lr / sqrt((step + timescale - w) / timescale)``.

  ``timescale`` defaults to ``num_warmup_steps`` (or 10000 without warmup), as in Transformers.

  Args:
    learning_rate: the peak learning rate (Transformers takes it from the optimizer).
    num_warmup_steps: steps of linear warmup from 0 (a non-negative int).
    timescale: steps ``tau`` of the decay (a positive int; default ``num_warmup_steps``, or
      10000 without warmup).

  Returns:
    A schedule: the linear warmup, then ``learning_rate`` at ``w`` decaying as ``1 / sqrt`` for
    ever.

  Raises:
    ValueError: a negative ``num_warmup_steps`` or ``timescale <= 0``.
    TypeError: a step count is not an int.

  Example:
    >>> s = jaxlrs.compat.hf.get_inverse_sqrt_schedule(1.0, num_warmup_steps=10)
    >>> s(10), s(40)
    (Array(1., dtype=float32), Array(0.5, dtype=float32))
  """
  learning_rate = _lr("learning_rate", learning_rate)
  w = _steps("num_warmup_steps", num_warmup_steps)
  timescale = (w or 10_000) if timescale is None else positive_steps("timescale", timescale)
  return _with_warmup(_decays.rsqrt(learning_rate, timescale_steps=timescale), w)


def _min_lr_rate(learning_rate: float, min_lr: float | None, min_lr_rate: float | None) -> float:
  if min_lr is not None and min_lr_rate is not None:
    raise ValueError(f"Only one of min_lr ({min_lr}) or min_lr_rate ({min_lr_rate}) may be set.")
  if min_lr is not None:
    low, lr = check_value("min_lr", min_lr), check_value("learning_rate", learning_rate)
    lo, hi = concrete_float(low), concrete_float(lr)
    if hi is not None:  # tracers (vmap/grad over the values) are not checked
      require(hi > 0, "learning_rate", hi, "positive when min_lr is given (min_lr / "
              "learning_rate is the floor ratio)")
    if lo is not None and hi is not None:
      require(0 <= lo <= hi, "min_lr", lo, f"in [0, learning_rate] (learning_rate={hi})")
    return low / lr
  if min_lr_rate is None:
    raise ValueError("One of min_lr or min_lr_rate must be set (both are None).")
  return _ratio("min_lr_rate", min_lr_rate)


def _ratio(name: str, value: Any) -> Any:
  """A fraction of the learning rate, in [0, 1] (tracers pass)."""
  value = check_value(name, value)
  v = concrete_float(value)
  require(v is None or 0 <= v <= 1, name, value, "in [0, 1]")
  return value


@checked
def get_cosine_with_min_lr_schedule_with_warmup(
    learning_rate: float, num_warmup_steps: int, num_training_steps: int,
    num_cycles: float = 0.5, min_lr: float | None = None,
    min_lr_rate: float | None = None) -> Schedule:
  """Transformers ``get_cosine_with_min_lr_schedule_with_warmup``: cosine down to ``min_lr``.

  As the cosine schedule with the factor mapped to ``min_lr_rate + (1 - min_lr_rate) f``.

  Args:
    learning_rate: the peak learning rate (Transformers takes it from the optimizer).
    num_warmup_steps: steps of linear warmup from 0 (a non-negative int).
    num_training_steps: total steps ``T``, warmup included (an int > ``num_warmup_steps``).
    num_cycles: cosine periods over ``T - w``, positive.
    min_lr: the floor as an absolute value (give this or ``min_lr_rate``).
    min_lr_rate: the floor as a fraction of ``learning_rate``.

  Returns:
    A schedule with the values of the Transformers scheduler up to ``T``, holding the value at
    ``T`` afterwards.

  Raises:
    ValueError: a negative step count, or ``num_training_steps <= num_warmup_steps``.
    TypeError: a step count is not an int.
    ValueError: both or neither of ``min_lr`` and ``min_lr_rate``; ``num_cycles <= 0``.

  Example:
    >>> s = jaxlrs.compat.hf.get_cosine_with_min_lr_schedule_with_warmup(
    ...     1.0, 0, 100, min_lr_rate=0.1)
    >>> s(100)
    Array(0.1, dtype=float32)
  """
  learning_rate = _lr("learning_rate", learning_rate)
  decay = _decay_steps(num_warmup_steps, num_training_steps)
  low = learning_rate * _min_lr_rate(learning_rate, min_lr, min_lr_rate)
  return _with_warmup(_cosine(learning_rate, low, num_cycles, decay), num_warmup_steps)


@checked
def get_cosine_with_min_lr_schedule_with_warmup_lr_rate(
    learning_rate: float, num_warmup_steps: int, num_training_steps: int,
    num_cycles: float = 0.5, min_lr: float | None = None, min_lr_rate: float | None = None,
    warmup_lr_rate: float | None = None) -> Schedule:
  """Transformers ``get_cosine_with_min_lr_schedule_with_warmup_lr_rate``.

  Its warmup is one step ahead of the others: ``lr (step + 1) / w`` (or from
  ``warmup_lr_rate * lr`` to ``lr`` over ``w - 1`` steps), and the cosine progress is
  ``(step - w + 1) / (T - w)``: a cosine delayed by ``w - 1`` steps under a
  :func:`jaxlrs.warmup_multiplier` of ``w - 1`` steps (at least one with ``warmup_lr_rate``).

  Args:
    learning_rate: the peak learning rate (Transformers takes it from the optimizer).
    num_warmup_steps: steps of linear warmup from 0 (a non-negative int).
    num_training_steps: total steps ``T``, warmup included (an int > ``num_warmup_steps``).
    num_cycles: cosine periods over ``T - w``, positive.
    min_lr: the floor as an absolute value (give this or ``min_lr_rate``).
    min_lr_rate: the floor as a fraction of ``learning_rate``.
    warmup_lr_rate: the warmup's start as a fraction of ``learning_rate`` (default ``1 / w``).

  Returns:
    A schedule with the values of the Transformers scheduler up to ``T``, holding the value at
    ``T`` afterwards.

  Raises:
    ValueError: a negative step count, or ``num_training_steps <= num_warmup_steps``.
    TypeError: a step count is not an int.
    ValueError: both or neither of ``min_lr`` and ``min_lr_rate``; ``num_cycles <= 0``.

  Example:
    >>> s = jaxlrs.compat.hf.get_cosine_with_min_lr_schedule_with_warmup_lr_rate(
    ...     1.0, 10, 110, min_lr_rate=0.1)
    >>> s(0), s(9)  # lr (step + 1) / w
    (Array(0.1, dtype=float32), Array(1., dtype=float32))
  """
  learning_rate = _lr("learning_rate", learning_rate)
  decay = _decay_steps(num_warmup_steps, num_training_steps)
  w, lr = num_warmup_steps, check_value("learning_rate", learning_rate)
  low = lr * _min_lr_rate(lr, min_lr, min_lr_rate)
  # The progress reaches 1 at step T - 1 and the value at step T is still on the curve: one more
  # step of cosine, with the number of cycles scaled to keep the period.
  num_cycles = check_value("num_cycles", num_cycles)
  require(num_cycles > 0, "num_cycles", num_cycles, "positive")
  body = _cosine(lr, low, num_cycles * (decay + 1) / decay, decay + 1)
  body = body.shift(w - 1) if w != 1 else body
  if w == 0:
    return body
  if warmup_lr_rate is None:
    return _compose.warmup_multiplier(body, warmup_steps=w - 1, init_ratio=1 / w)
  rate = _ratio("warmup_lr_rate", warmup_lr_rate)
  return _compose.warmup_multiplier(body, warmup_steps=max(1, w - 1), init_ratio=rate)


@checked
def get_wsd_schedule(learning_rate: float, num_warmup_steps: int, num_decay_steps: int,
                     num_training_steps: int | None = None, num_stable_steps: int | None = None,
                     warmup_type: str = "linear", decay_type: str = "cosine",
                     min_lr_ratio: float = 0.0, num_cycles: float = 0.5) -> Schedule:
  """Transformers ``get_wsd_schedule``: warmup, stable, decay, then ``min_lr_ratio * lr``.

  Warmup from ``min_lr_ratio * lr`` (``linear``, ``cosine`` or ``1-sqrt``), hold ``lr`` for
  ``num_stable_steps`` (default ``T - w - d``), decay over ``num_decay_steps`` (``linear``,
  ``cosine`` with ``num_cycles`` or ``1-sqrt``) to ``min_lr_ratio * lr``, then hold
  ``min_lr_ratio * lr``. This is the core :func:`jaxlrs.warmup_stable_decay` with
  ``warmup_shape=warmup_type``, ``decay_shape=decay_type``, ``decay_cycles=num_cycles`` and
  ``init_value = end_value = min_lr_ratio * learning_rate``.

  Args:
    learning_rate: the peak learning rate (Transformers takes it from the optimizer).
    num_warmup_steps: steps of linear warmup from 0 (a non-negative int).
    num_decay_steps: steps of the final decay (a positive int).
    num_training_steps: total steps (give this or ``num_stable_steps``).
    num_stable_steps: steps at ``learning_rate`` (default ``T - w - d``).
    warmup_type: ``"linear"``, ``"cosine"`` or ``"1-sqrt"``.
    decay_type: ``"linear"``, ``"cosine"`` or ``"1-sqrt"``.
    min_lr_ratio: the start of the warmup and the end of the decay, a fraction of
      ``learning_rate``.
    num_cycles: cosine periods in the decay (``decay_type="cosine"``), positive.

  Returns:
    A :func:`jaxlrs.warmup_stable_decay` schedule, ``min_lr_ratio * learning_rate`` after the decay.

  Raises:
    ValueError: a negative step count, ``num_decay_steps <= 0``, neither ``num_training_steps``
      nor ``num_stable_steps``, ``num_training_steps < w + d``, an unknown type,
      ``num_cycles <= 0``.
    TypeError: a step count is not an int.

  Example:
    >>> s = jaxlrs.compat.hf.get_wsd_schedule(1.0, 10, 20, num_training_steps=100,
    ...                                       decay_type="linear", min_lr_ratio=0.1)
    >>> s(0), s(50), s(90), s(100)
    (Array(0.1, dtype=float32), Array(1., dtype=float32), Array(0.55, dtype=float32),
     Array(0.1, dtype=float32))
  """
  learning_rate = _lr("learning_rate", learning_rate)
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
    if value not in _WSD_TYPES:
      raise ValueError(f"{name} must be one of {_WSD_TYPES}, got {value!r}.")
  lr = check_value("learning_rate", learning_rate)
  low = lr * _ratio("min_lr_ratio", min_lr_ratio)
  cycles = check_value("num_cycles", num_cycles)
  require(cycles > 0, "num_cycles", cycles, "positive")
  return _recipes.warmup_stable_decay(
      lr, total_steps=w + stable + d, warmup_steps=w, decay_steps=d, warmup_shape=warmup_type,
      decay_shape=decay_type, end_value=low, init_value=low,
      decay_cycles=cycles if decay_type == "cosine" else 0.5)


_WSD_TYPES = ("linear", "cosine", "1-sqrt")


@checked
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
    ValueError: unknown name, a missing step count, ``reduce_lr_on_plateau`` or ``greedy``
      (Transformers 5.x; both are metric-driven: use :func:`jaxlrs.reduce_on_plateau`, an Optax
      transform driven by the metric).
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
  if name == "greedy":
    raise ValueError(
        "'greedy' (Transformers 5.x) lowers the learning rate when the metric stops improving, "
        "which depends on the metric, not on the step: use the Optax transform "
        "jaxlrs.reduce_on_plateau(factor=..., patience=..., mode=...) chained after your "
        "optimizer and pass value=metric to its update.")
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


_BY_NAME: dict[str, Callable[..., Schedule]] = {
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
