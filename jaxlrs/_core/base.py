"""The `Schedule` base class: a frozen dataclass that is a JAX pytree and a callable of the step.

A schedule kind is a subclass declaring its fields with the roles of :mod:`.fields` and its kind
name: ``class cosine(Schedule, kind="cosine")``. Defining the class makes it a frozen dataclass, a
registered pytree and a config kind; nothing else needs registering. Arguments after the first
are keyword-only by convention: declare ``_: KW_ONLY`` after the first field.

Subclasses implement ``_value(t)`` (``t`` a float array of steps, ``t >= 0``) or ``_value_at(step)``
(``step`` an exact :class:`.steps.Step`: kinds that compare the step with step counts or hand a
shifted step to a child), and ``horizon()``. ``_value`` treats ``steps`` fields as numbers that may
be traced scalars (``jnp`` arithmetic only, no Python branching), so that :func:`jaxlrs.join` can
gather the step counts of many pieces from arrays instead of building a graph branch per piece.

The operators (``*``, ``+``, ``/``) and ``shift``, ``clip``, ``time_scale`` build the composer
kinds of :mod:`jaxlrs._arithmetic`, and ``from_callable`` (:mod:`.wrap`) wraps plain callables:
both are found through the kind registry, so this module imports neither. The config and ``repr``
come from the base :class:`.config.Configurable`.
"""

from __future__ import annotations

import dataclasses
import sys
from typing import Any, ClassVar, cast

import jax
import jax.numpy as jnp
import numpy as np

from . import fields as _fields
from .checks import check_sequence, check_steps, check_value, is_concrete
from .config import Configurable, kind_class, register_kind
from .eager import eager_call
from .fields import child_field, static_field, steps_field, value_field
from .step_input import host_step
from .steps import Step
from .summary import ScheduleSummary, summary

if sys.version_info >= (3, 11):
  from typing import dataclass_transform
else:  # pragma: no cover
  from typing_extensions import dataclass_transform


@dataclass_transform(frozen_default=True, eq_default=False,
                     field_specifiers=(value_field, steps_field, static_field, child_field,
                                       dataclasses.field))
class Schedule(Configurable):
  """A learning-rate schedule: a frozen pytree you call with the step.

  ``sched(step)`` returns the value at ``step`` as a ``jax.Array`` (float32, or float64 under
  ``jax_enable_x64`` with float64 values). Step 0 is the first optimizer update. The step may be a
  Python int or float, a NumPy or JAX integer of any width (unsigned included) or float, or an
  array of steps (evaluated elementwise). A negative step, or a NaN step, gives the value at step
  0; past its end a finite schedule holds its final value (also for steps beyond 2**62, ``inf``).
  Integer steps are exact at any size; a non-real step raises ``TypeError``.

  Any schedule can be passed to an Optax optimizer: ``optax.adamw(learning_rate=sched)``.

  Example:
    >>> sched = jaxlrs.cosine(1e-3, total_steps=100)
    >>> sched(50), sched(10**9)
    (Array(0.0005, dtype=float32), Array(0., dtype=float32))
    >>> sched
    cosine(init_value=0.001, total_steps=100, end_value=0.0, exponent=1.0, cycles=0.5)
    >>> sched.horizon(), jaxlrs.from_config(sched.to_config()) == sched
    (100, True)
  """

  kind: ClassVar[str] = "schedule"
  _data_names: ClassVar[tuple[str, ...]] = ()
  _meta_names: ClassVar[tuple[str, ...]] = ()

  def __init_subclass__(cls, kind: str | None = None, **kwargs: Any) -> None:
    super().__init_subclass__(**kwargs)
    dataclasses.dataclass(frozen=True, eq=False, repr=False)(cls)
    roles = _fields.roles(cls)
    cls._data_names = tuple(n for n, r in roles if r in ("value", "child"))
    cls._meta_names = tuple(n for n, r in roles if r not in ("value", "child"))
    if kind is not None:
      cls.kind = kind
      register_kind(kind, cls)
      jax.tree_util.register_pytree_with_keys(
          cls, cls._tree_flatten_with_keys, cls._tree_unflatten, cls._tree_flatten)

  # -- pytree ------------------------------------------------------------------------------

  def _tree_flatten(self) -> tuple[list, tuple]:
    return [getattr(self, n) for n in self._data_names], tuple(
        getattr(self, n) for n in self._meta_names)

  def _tree_flatten_with_keys(self) -> tuple[list, tuple]:
    data, meta = self._tree_flatten()
    return [(jax.tree_util.GetAttrKey(n), v) for n, v in zip(self._data_names, data)], meta

  @classmethod
  def _tree_unflatten(cls, meta: tuple, data: Any) -> "Schedule":
    # Bypasses __init__: no re-validation, and leaves may be tracers or placeholders.
    s = object.__new__(cls)
    for n, v in zip(cls._data_names, data):
      object.__setattr__(s, n, v)
    for n, v in zip(cls._meta_names, meta):
      object.__setattr__(s, n, v)
    return s

  # -- construction ------------------------------------------------------------------------

  def __post_init__(self) -> None:
    for f in dataclasses.fields(self):
      name, role, x = f.name, _fields.role(f), getattr(self, f.name)
      if x is None and role in ("value", "steps", "child") and f.default is not None:
        raise TypeError(f"{name} must be given, got None.")
      if _fields.is_sequence(f):
        x = check_sequence(name, x, lambda n, v: v)
      elif role in ("value", "steps") and isinstance(x, (tuple, list)):
        raise TypeError(f"{name} must be a single number, got {x!r}.")
      if role == "value":
        if isinstance(x, (tuple, list)):
          x = check_sequence(name, x, check_value)
        elif x is not None:
          x = check_value(name, x)
      elif role == "steps":
        if isinstance(x, (tuple, list, np.ndarray)):
          x = check_sequence(name, x, check_steps)
        elif x is not None:
          x = check_steps(name, x)
      elif role == "child":
        x = check_sequence(name, x, check_child) if isinstance(x, (tuple, list)) else (
            check_child(name, x))
      object.__setattr__(self, name, x)
    self._check()

  def _check(self) -> None:
    """Validate arguments (subclasses). Called once, at construction."""

  # -- evaluation --------------------------------------------------------------------------

  def _value(self, t: jax.Array) -> jax.Array:
    """The value at float steps ``t >= 0``. Each kind implements this or :meth:`_value_at`."""
    if type(self)._value_at is Schedule._value_at:
      raise NotImplementedError(f"{self.kind} implements neither _value nor _value_at.")
    return self._value_at(Step.of(t))

  def _value_at(self, step: Step) -> jax.Array:
    """The value at the exact step ``step`` (default: :meth:`_value` of its float value)."""
    return self._value(step.value)

  def horizon(self) -> int:
    """The number of steps that shows this schedule's whole course.

    For a finite schedule: a step from which it holds its final value (the first one, except
    where clipping settles a composite earlier). For one that never settles: its
    characteristic length (two cycles of a periodic schedule; the steps a
    decay without end takes to fall to a tenth of its start). ``python -m jaxlrs`` and plots
    use it as their default range.

    Returns:
      A non-negative Python int.

    Raises:
      ValueError: the schedule wraps a user function whose course is unknown.

    Example:
      >>> s = jaxlrs.linear(1.0, end_value=0.0, total_steps=90)
      >>> jaxlrs.warmup(s, warmup_steps=10).horizon()
      100
    """
    raise NotImplementedError(f"{self.kind} does not define horizon().")

  @property
  def dtype(self) -> jnp.dtype:
    """The float dtype of the values: float32, or float64 under x64 with float64 values."""
    leaves = jax.tree.leaves(self)
    dt = jnp.result_type(*leaves) if leaves else jnp.result_type(float)
    if not jnp.issubdtype(dt, jnp.floating) or jnp.dtype(dt).itemsize < 4:
      dt = jnp.dtype(jnp.float32)
    return jnp.dtype(dt)

  def __call__(self, step: Any) -> jax.Array:
    """The value at ``step`` (see the class docstring for the step semantics)."""
    return eager_call(self, host_step(step))

  # -- arithmetic: built by the composer kinds ---------------------------------------------

  def __mul__(self, other: Any) -> "Schedule":
    return kind_class("product")(self, other)

  __rmul__ = __mul__

  def __truediv__(self, other: Any) -> "Schedule":
    if isinstance(other, Schedule) or callable(other):
      raise TypeError("A schedule can only be divided by a number.")
    divisor = check_value("divisor", other)
    if is_concrete(divisor) and np.any(np.asarray(divisor) == 0):
      raise ValueError(f"divisor must be non-zero, got {other!r}.")
    return kind_class("product")(self, 1.0 / divisor)

  def __add__(self, other: Any) -> "Schedule":
    return kind_class("sum_of")(self, other)

  __radd__ = __add__

  def shift(self, steps: int) -> "Schedule":
    """This schedule delayed by ``steps``: ``s.shift(n)(t) == s(t - n)`` (negative n advances).

    Args:
      steps: the delay, an int.

    Returns:
      A :class:`jaxlrs.shift` schedule.

    Raises:
      TypeError: ``steps`` is not an int.

    Example:
      >>> jaxlrs.linear(0.0, end_value=1.0, total_steps=10).shift(5)(10)
      Array(0.5, dtype=float32)
    """
    return kind_class("shift")(self, steps=steps)

  def clip(self, min_value: float | None = None, max_value: float | None = None) -> "Schedule":
    """This schedule clipped to ``[min_value, max_value]`` (either bound may be None).

    Args:
      min_value: lower bound, or None.
      max_value: upper bound, or None.

    Returns:
      A :class:`jaxlrs.clip` schedule.

    Raises:
      ValueError: both bounds are None, or ``min_value > max_value``.

    Example:
      >>> jaxlrs.linear(1.0, end_value=0.0, total_steps=10).clip(min_value=0.2)(9)
      Array(0.2, dtype=float32)
    """
    return kind_class("clip")(self, min_value=min_value, max_value=max_value)

  def time_scale(self, factor: float) -> "Schedule":
    """This schedule on a stretched clock: ``s.time_scale(f)(t) == s(t * f)``.

    Args:
      factor: steps of this schedule per step, positive.

    Returns:
      A :class:`jaxlrs.time_scale` schedule.

    Raises:
      ValueError: ``factor <= 0``.

    Example:
      >>> jaxlrs.linear(0.0, end_value=1.0, total_steps=10).time_scale(2.0)(2)
      Array(0.4, dtype=float32)
    """
    return kind_class("time_scale")(self, factor=factor)

  def summary(self, total_steps: int) -> ScheduleSummary:
    """Peak, warmup length, minimum, final value and area over ``total_steps`` updates.

    Args:
      total_steps: updates to summarise, steps ``0 .. total_steps - 1`` (a positive int).

    Returns:
      A :class:`jaxlrs.ScheduleSummary` (see :func:`jaxlrs.summary`).

    Raises:
      ValueError: ``total_steps <= 0``. TypeError: ``total_steps`` is not an int.

    Example:
      >>> jaxlrs.constant(0.5).summary(4).area
      2.0
    """
    return summary(self, total_steps)

  # -- equality --------------------------------------------------------------------------

  def __eq__(self, other: Any) -> bool:
    if type(self) is not type(other):
      return NotImplemented
    a, ta = jax.tree.flatten(self)
    b, tb = jax.tree.flatten(other)
    if cast(Any, ta) != tb:  # (jax's PyTreeDef is not resolvable by type checkers)
      return False
    try:
      return all(np.array_equal(np.asarray(x), np.asarray(y)) for x, y in zip(a, b))
    except (TypeError, jax.errors.ConcretizationTypeError):
      return self is other

  def __hash__(self) -> int:
    return hash(jax.tree.structure(self))


def check_child(name: str, x: Any) -> Schedule:
  """A schedule argument: schedules pass, other callables are wrapped by :class:`from_callable`."""
  if isinstance(x, Schedule):
    return x
  if callable(x):
    return kind_class("from_callable")(x)
  raise TypeError(f"{name} must be a schedule or a callable of the step, got {x!r}.")
