"""Hugging Face Transformers schedulers (``transformers.optimization``) as jaxlrs schedules.

``get_scheduler(name, learning_rate, ...)`` takes the base learning rate where Transformers takes
an optimizer, and returns a schedule whose value at step ``k`` equals
``learning_rate * lr_lambda(k)`` of the Transformers scheduler (the tests compare them with values
recorded from Transformers 4.57). Every schedule is a composition of jaxlrs shapes. The names of :data:`SCHEDULER_NAMES`:

- ``constant``: :func:`get_constant_schedule` (:func:`jaxlrs.constant`);
- ``constant_with_warmup``: :func:`get_constant_schedule_with_warmup`;
- ``linear``: :func:`get_linear_schedule_with_warmup` (:func:`jaxlrs.linear`);
- ``cosine``: :func:`get_cosine_schedule_with_warmup` (:func:`jaxlrs.cosine`);
- ``cosine_with_restarts``: :func:`get_cosine_with_hard_restarts_schedule_with_warmup`
  (:func:`jaxlrs.cosine_restarts`);
- ``polynomial``: :func:`get_polynomial_decay_schedule_with_warmup` (:func:`jaxlrs.polynomial`);
- ``inverse_sqrt``: :func:`get_inverse_sqrt_schedule` (:func:`jaxlrs.rsqrt`);
- ``cosine_with_min_lr``: :func:`get_cosine_with_min_lr_schedule_with_warmup`;
- ``cosine_warmup_with_min_lr``: :func:`get_cosine_with_min_lr_schedule_with_warmup_lr_rate`
  (under a :func:`jaxlrs.warmup_multiplier`);
- ``warmup_stable_decay``: :func:`get_wsd_schedule` (:func:`jaxlrs.warmup_stable_decay`);
- ``reduce_lr_on_plateau`` and ``greedy`` depend on a metric: :func:`get_scheduler` raises and
  points to :func:`jaxlrs.reduce_on_plateau`.

The others start with a linear warmup from 0 (:func:`jaxlrs.warmup`). As in Transformers,
``num_training_steps <= num_warmup_steps`` is accepted: the decays divide by
``max(1, num_training_steps - num_warmup_steps)``.

Past ``num_training_steps`` the schedules hold their final value, as Transformers' do, with
two deliberate differences: its ``cosine`` family rises again (``cos`` of a progress beyond 1)
where ours holds the value at ``max(num_training_steps, num_warmup_steps + 1)``, and its
``polynomial`` with ``num_training_steps == num_warmup_steps`` divides by zero at that step
where ours gives ``lr_end``. ``inverse_sqrt`` has no end in either.

Where Transformers silently drops what it was given, this port raises: the
``scheduler_specific_kwargs`` of ``constant``, ``constant_with_warmup`` and ``inverse_sqrt``
(call :func:`get_inverse_sqrt_schedule` with ``timescale=`` to set it), a positive
``num_warmup_steps`` for ``constant`` (use ``constant_with_warmup``), and a WSD
``num_stable_steps`` that disagrees with ``num_training_steps``.
"""

from __future__ import annotations

from typing import Callable

from .._core import Schedule
from ._args import checked
from ._hf_decay import get_constant_schedule as get_constant_schedule
from ._hf_decay import get_constant_schedule_with_warmup as get_constant_schedule_with_warmup
from ._hf_decay import get_cosine_schedule_with_warmup as get_cosine_schedule_with_warmup
from ._hf_decay import (
    get_cosine_with_hard_restarts_schedule_with_warmup as
    get_cosine_with_hard_restarts_schedule_with_warmup)
from ._hf_decay import get_inverse_sqrt_schedule as get_inverse_sqrt_schedule
from ._hf_decay import get_linear_schedule_with_warmup as get_linear_schedule_with_warmup
from ._hf_decay import (
    get_polynomial_decay_schedule_with_warmup as get_polynomial_decay_schedule_with_warmup)
from ._hf_floor import (
    get_cosine_with_min_lr_schedule_with_warmup as get_cosine_with_min_lr_schedule_with_warmup)
from ._hf_floor import (
    get_cosine_with_min_lr_schedule_with_warmup_lr_rate as
    get_cosine_with_min_lr_schedule_with_warmup_lr_rate)
from ._hf_floor import get_wsd_schedule as get_wsd_schedule

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



@checked
def get_scheduler(name: str, learning_rate: float, num_warmup_steps: int | None = None,
                  num_training_steps: int | None = None,
                  scheduler_specific_kwargs: dict | None = None) -> Schedule:
  """Transformers ``get_scheduler`` by name, with ``learning_rate`` in place of the optimizer.

  Args:
    name: one of :data:`SCHEDULER_NAMES`.
    learning_rate: the optimizer's base learning rate.
    num_warmup_steps: required by every name but ``constant`` (which takes none or 0).
    num_training_steps: required by the decaying schedules; may be ``<= num_warmup_steps``.
    scheduler_specific_kwargs: e.g. ``num_cycles``, ``lr_end``, ``power``, ``min_lr``,
      ``min_lr_rate``, ``warmup_lr_rate``, ``num_decay_steps``, ``num_stable_steps``,
      ``warmup_type``, ``decay_type``, ``min_lr_ratio``; none for ``constant``,
      ``constant_with_warmup`` and ``inverse_sqrt``.

  Returns:
    A jaxlrs schedule with the values of the Transformers scheduler.

  Raises:
    ValueError: unknown name, a missing step count, ``reduce_lr_on_plateau`` or ``greedy``
      (Transformers 5.x; both are metric-driven: use :func:`jaxlrs.reduce_on_plateau`, an Optax
      transform driven by the metric); ``scheduler_specific_kwargs`` for ``constant``,
      ``constant_with_warmup`` or ``inverse_sqrt``, or ``num_warmup_steps > 0`` for
      ``constant`` (Transformers ignores them).
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
  if kwargs and name in ("constant", "constant_with_warmup", "inverse_sqrt"):
    given = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    hint = (f" To set them, call get_inverse_sqrt_schedule(learning_rate, num_warmup_steps, "
            f"{given})." if name == "inverse_sqrt" else "")
    raise ValueError(
        f"{name!r} takes no scheduler_specific_kwargs, got {kwargs!r}: Transformers' "
        f"get_scheduler ignores them for {name!r}.{hint}")
  if name == "constant":
    if num_warmup_steps:
      raise ValueError(
          f"'constant' has no warmup, got num_warmup_steps={num_warmup_steps!r} (Transformers' "
          "get_scheduler ignores it): use 'constant_with_warmup'.")
    return get_constant_schedule(learning_rate)
  if num_warmup_steps is None:
    raise ValueError(f"{name} requires num_warmup_steps (got None).")
  fn = _BY_NAME[name]
  if name in ("constant_with_warmup", "inverse_sqrt"):
    return fn(learning_rate, num_warmup_steps)
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
