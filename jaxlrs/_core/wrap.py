"""`from_callable`: any callable of the step (an Optax schedule, a user function) as a schedule.

Every argument that takes a schedule also takes a plain callable and wraps it with this kind
(:func:`.base.check_child` finds it through the kind registry).
"""

from __future__ import annotations

from typing import Any, Callable

import jax
import jax.numpy as jnp

from .base import Schedule
from .fields import static_field


class from_callable(Schedule, kind="from_callable"):
  """Wrap any callable of the step (an Optax schedule, a user function) as a schedule.

  The wrapped function receives float steps ``t >= 0``. Such a schedule evaluates, joins, plots
  and takes part in arithmetic like any other; only :meth:`to_config` and :meth:`horizon` are
  impossible (they raise a ``ValueError`` naming the function). Every argument that takes a
  schedule also takes a plain callable and wraps it with this.

  Args:
    fn: a callable mapping a step array to a value array.

  Returns:
    A schedule whose value at ``t`` is ``fn(t)`` in the schedule dtype.

  Raises:
    TypeError: ``fn`` is not callable (or is already a schedule).

  Example:
    >>> s = jaxlrs.from_callable(optax.cosine_decay_schedule(1.0, 100))
    >>> s(50)
    Array(0.49999997, dtype=float32)
  """

  fn: Callable[[Any], Any] = static_field()

  def _check(self) -> None:
    if isinstance(self.fn, Schedule) or not callable(self.fn):
      raise TypeError(f"fn must be a plain callable of the step, got {self.fn!r}.")

  def _value(self, t: jax.Array) -> jax.Array:
    return jnp.asarray(self.fn(t), t.dtype)

  def horizon(self) -> int:
    raise ValueError(f"The horizon of the custom piece {self.fn!r} is unknown: give the number "
                     "of steps explicitly (e.g. --total-steps).")

  def to_config(self) -> dict[str, Any]:
    raise ValueError(
        f"Cannot serialise the custom piece {self.fn!r}: to_config supports jaxlrs schedules "
        "only. Build it from jaxlrs shapes to save it as a config.")
