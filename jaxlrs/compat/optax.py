"""Optax's schedule functions (``optax.schedules``) by their names, returning jaxlrs schedules.

``s/optax./jaxlrs.compat.optax./`` is a drop-in: the same names, argument names and defaults,
and optax's values at every step ``>= 0``, but the result is a jaxlrs schedule (a pytree with a
``repr``, a config, ``vmap``/``grad`` over its values, and O(1) joins). Each is built from core
shapes: ``linear``, ``polynomial``, ``cosine``, ``exponential``, ``anneal``, ``join``, ``shift``.

Deliberate differences (all documented per function):

* Arguments optax accepts silently raise ``ValueError`` naming the argument: non-positive
  ``transition_steps`` (optax: a constant ``init_value``, logged at INFO), negative
  ``transition_begin`` (optax: clipped to 0), ``decay_rate`` of 0 (optax: a constant) or
  negative (optax: NaN), non-positive ``warmup_steps`` of ``warmup_constant_schedule`` (optax:
  ``init_value`` forever), negative or fractional boundaries, one-cycle fractions outside
  ``[0, 1]`` and non-positive divisors.
* A negative step gives the value at step 0 (optax's ``piecewise_interpolate_schedule`` gives 0).
"""

from ._optax_basic import constant_schedule as constant_schedule
from ._optax_basic import polynomial_schedule as polynomial_schedule
from ._optax_basic import linear_schedule as linear_schedule
from ._optax_basic import piecewise_constant_schedule as piecewise_constant_schedule
from ._optax_basic import exponential_decay as exponential_decay
from ._optax_basic import cosine_decay_schedule as cosine_decay_schedule
from ._optax_interpolate import piecewise_interpolate_schedule as piecewise_interpolate_schedule
from ._optax_interpolate import linear_onecycle_schedule as linear_onecycle_schedule
from ._optax_interpolate import cosine_onecycle_schedule as cosine_onecycle_schedule
from ._optax_composite import warmup_constant_schedule as warmup_constant_schedule
from ._optax_composite import warmup_cosine_decay_schedule as warmup_cosine_decay_schedule
from ._optax_composite import warmup_exponential_decay_schedule as warmup_exponential_decay_schedule
from ._optax_composite import sgdr_schedule as sgdr_schedule
from ._optax_composite import join_schedules as join_schedules

__all__ = [
    "constant_schedule", "polynomial_schedule", "linear_schedule", "piecewise_constant_schedule",
    "exponential_decay", "cosine_decay_schedule", "piecewise_interpolate_schedule",
    "linear_onecycle_schedule", "cosine_onecycle_schedule", "warmup_constant_schedule",
    "warmup_cosine_decay_schedule", "warmup_exponential_decay_schedule", "sgdr_schedule",
    "join_schedules",
]
