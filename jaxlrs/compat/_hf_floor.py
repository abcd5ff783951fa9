"""Transformers' schedulers that end on a floor: cosine down to ``min_lr`` and warmup-stable-decay.

The floor is given as an absolute ``min_lr``, a fraction ``min_lr_rate`` of the learning rate
(the cosine schedulers, one or the other), or ``min_lr_ratio`` (WSD, where the warmup also starts
from it). The cosines are :func:`jaxlrs.cosine` under a warmup; WSD is the core
:func:`jaxlrs.warmup_stable_decay`.
"""

from __future__ import annotations

from typing import Any

from .. import _compose, _join, _recipes, _shapes
from .._core import Schedule, check_value, concrete_float, require, require_choice
from ._args import checked, nonnegative_steps, value_where
from ._args import learning_rate as _lr
from ._hf_decay import cosine_to, decay_steps, num_cycles_value, with_warmup


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
  return value_where(name, value, lambda r: 0 <= r <= 1, "in [0, 1]")


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
    num_training_steps: total steps ``T``, warmup included (a non-negative int; ``T <= w``
      leaves one step of cosine, as in Transformers).
    num_cycles: cosine periods over ``max(1, T - w)``, positive.
    min_lr: the floor as an absolute value (give this or ``min_lr_rate``).
    min_lr_rate: the floor as a fraction of ``learning_rate``.

  Returns:
    A schedule with the values of the Transformers scheduler up to ``max(T, w + 1)``, holding
    that value afterwards (Transformers follows the cosine back up).

  Raises:
    ValueError: a negative step count.
    TypeError: a step count is not an int.
    ValueError: both or neither of ``min_lr`` and ``min_lr_rate``; ``num_cycles <= 0``.

  Example:
    >>> s = jaxlrs.compat.hf.get_cosine_with_min_lr_schedule_with_warmup(
    ...     1.0, 0, 100, min_lr_rate=0.1)
    >>> s(100)
    Array(0.1, dtype=float32)
  """
  learning_rate = _lr("learning_rate", learning_rate)
  decay = decay_steps(num_warmup_steps, num_training_steps)
  low = learning_rate * _min_lr_rate(learning_rate, min_lr, min_lr_rate)
  return with_warmup(cosine_to(learning_rate, low, num_cycles, decay), num_warmup_steps)


@checked
def get_cosine_with_min_lr_schedule_with_warmup_lr_rate(
    learning_rate: float, num_warmup_steps: int, num_training_steps: int,
    num_cycles: float = 0.5, min_lr: float | None = None, min_lr_rate: float | None = None,
    warmup_lr_rate: float | None = None) -> Schedule:
  """Transformers ``get_cosine_with_min_lr_schedule_with_warmup_lr_rate``.

  Its warmup is one step ahead of the others: ``lr (step + 1) / w`` (or from
  ``warmup_lr_rate * lr`` to ``lr`` over ``w - 1`` steps), and the cosine progress is
  ``(step - w + 1) / max(1, T - w)``: a cosine delayed by ``w - 1`` steps under a
  :func:`jaxlrs.warmup_multiplier` of ``w - 1`` steps (at least one with ``warmup_lr_rate``).

  Args:
    learning_rate: the peak learning rate (Transformers takes it from the optimizer).
    num_warmup_steps: steps of linear warmup from 0 (a non-negative int).
    num_training_steps: total steps ``T``, warmup included (a non-negative int; ``T <= w``
      leaves two steps of cosine, as in Transformers).
    num_cycles: cosine periods over ``max(1, T - w)``, positive.
    min_lr: the floor as an absolute value (give this or ``min_lr_rate``).
    min_lr_rate: the floor as a fraction of ``learning_rate``.
    warmup_lr_rate: the warmup's start as a fraction of ``learning_rate`` (default ``1 / w``).

  Returns:
    A schedule with the values of the Transformers scheduler up to ``max(T, w + 1)``, holding
    that value afterwards (Transformers follows the cosine back up).

  Raises:
    ValueError: a negative step count.
    TypeError: a step count is not an int.
    ValueError: both or neither of ``min_lr`` and ``min_lr_rate``; ``num_cycles <= 0``.

  Example:
    >>> s = jaxlrs.compat.hf.get_cosine_with_min_lr_schedule_with_warmup_lr_rate(
    ...     1.0, 10, 110, min_lr_rate=0.1)
    >>> s(0), s(9)  # lr (step + 1) / w
    (Array(0.1, dtype=float32), Array(1., dtype=float32))
  """
  learning_rate = _lr("learning_rate", learning_rate)
  decay = decay_steps(num_warmup_steps, num_training_steps)
  w, lr = num_warmup_steps, check_value("learning_rate", learning_rate)
  low = lr * _min_lr_rate(lr, min_lr, min_lr_rate)
  # The progress reaches 1 at step T - 1 and the value at step T is still on the curve: one more
  # step of cosine, with the number of cycles scaled to keep the period.
  num_cycles = num_cycles_value(num_cycles)
  body = cosine_to(lr, low, num_cycles * (decay + 1) / decay, decay + 1)
  body = body.shift(w - 1) if w != 1 else body
  if w == 0:
    return body
  if warmup_lr_rate is None:
    return _compose.warmup_multiplier(body, warmup_steps=w - 1, init_ratio=1 / w)
  rate = _ratio("warmup_lr_rate", warmup_lr_rate)
  return _compose.warmup_multiplier(body, warmup_steps=max(1, w - 1), init_ratio=rate)


_WSD_TYPES = ("linear", "cosine", "1-sqrt")


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

  With ``num_training_steps < w + d`` (accepted, as in Transformers) the decay still ends at
  ``T``: it starts ``w + d - T`` steps before the warmup ends, and the warmup hides its start.

  Args:
    learning_rate: the peak learning rate (Transformers takes it from the optimizer).
    num_warmup_steps: steps of warmup (a non-negative int).
    num_decay_steps: steps of the final decay (a non-negative int; 0: the value drops to the
      floor at the end of the stable phase, as in Transformers).
    num_training_steps: total steps (give this or ``num_stable_steps``, or both when they agree).
    num_stable_steps: steps at ``learning_rate`` (default ``T - w - d``).
    warmup_type: ``"linear"``, ``"cosine"`` or ``"1-sqrt"``.
    decay_type: ``"linear"``, ``"cosine"`` or ``"1-sqrt"``.
    min_lr_ratio: the start of the warmup and the end of the decay, a fraction of
      ``learning_rate``.
    num_cycles: cosine periods in the decay (``decay_type="cosine"``), positive.

  Returns:
    A schedule with the values of the Transformers scheduler (a
    :func:`jaxlrs.warmup_stable_decay` when ``T >= w + d``), ``min_lr_ratio * learning_rate``
    after the decay.

  Raises:
    ValueError: a negative step count, neither ``num_training_steps`` nor ``num_stable_steps``, both with
      ``T != w + num_stable_steps + d`` (Transformers warns and ignores ``num_training_steps``),
      an unknown type, ``num_cycles <= 0``.
    TypeError: a step count is not an int.

  Example:
    >>> s = jaxlrs.compat.hf.get_wsd_schedule(1.0, 10, 20, num_training_steps=100,
    ...                                       decay_type="linear", min_lr_ratio=0.1)
    >>> s(0), s(50), s(90), s(100)
    (Array(0.1, dtype=float32), Array(1., dtype=float32), Array(0.55, dtype=float32),
     Array(0.1, dtype=float32))
  """
  learning_rate = _lr("learning_rate", learning_rate)
  w = nonnegative_steps("num_warmup_steps", num_warmup_steps)
  d = nonnegative_steps("num_decay_steps", num_decay_steps)
  if num_stable_steps is None:
    if num_training_steps is None:
      raise ValueError("Either num_training_steps or num_stable_steps must be given (both None).")
    stable = nonnegative_steps("num_training_steps", num_training_steps) - w - d
  else:
    stable = nonnegative_steps("num_stable_steps", num_stable_steps)
    if num_training_steps is not None and num_training_steps != w + stable + d:
      raise ValueError(
          f"num_training_steps ({num_training_steps}) and num_stable_steps ({stable}) disagree: "
          f"num_warmup_steps + num_stable_steps + num_decay_steps = {w + stable + d}. Give one "
          "of them (Transformers warns and uses num_stable_steps).")
  require_choice("warmup_type", warmup_type, _WSD_TYPES)
  require_choice("decay_type", decay_type, _WSD_TYPES)
  lr = check_value("learning_rate", learning_rate)
  low = lr * _ratio("min_lr_ratio", min_lr_ratio)
  cycles = num_cycles_value(num_cycles)

  def wsd(warmup_steps: int, total_steps: int) -> Schedule:
    return _recipes.warmup_stable_decay(
        lr, total_steps=total_steps, warmup_steps=warmup_steps, decay_steps=d,
        warmup_shape=warmup_type, decay_shape=decay_type, end_value=low, init_value=low,
        decay_cycles=cycles if decay_type == "cosine" else 0.5)

  if d and stable >= 0:
    return wsd(w, w + stable + d)
  # What follows a plateau at the peak: the floor, when there is no decay (from the end of the
  # stable phase on), or a decay that started before the warmup ended (T < w + d), from step w
  # on, -stable steps into it. A warmup covers the first w steps either way.
  if d:
    rest, rest_from = wsd(0, d).shift(stable), w
  else:
    rest, rest_from = _shapes.constant(low), w + max(stable, 0)
  body = _join.join([_shapes.constant(lr), rest], boundaries=[rest_from]) if rest_from else rest
  if not w:
    return body
  return _compose.warmup(body, warmup_steps=w, init_value=low, shape=warmup_type, delay=False)
