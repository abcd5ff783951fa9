"""Schedules for any numeric hyperparameter of an Optax optimizer factory: :func:`scheduled`.

``scheduled(optax.adamw, learning_rate=s, b1=m, weight_decay=w)`` builds the optimizer anew at
every update from the values its schedules take at that update, and keeps in its state the values
the *next* update will use. Compared with ``optax.inject_hyperparams``:

* one step count: the wrapper reuses the count of the inner optimizer's state when it has one
  (Adam's, Lion's, ...) and keeps its own only when it does not (SGD);
* values stay float32 (float64 under x64) whatever the parameters' dtype, and reach the factory
  as *weakly typed* scalars, as a Python number would: ``1 - b2`` is computed in float32 and only
  the final product with a bfloat16 tensor is bfloat16 (``inject_hyperparams`` casts ``b2 = 0.999``
  to bfloat16 first: 0.99609375);
* after ``k`` updates the state holds ``schedule(k)``, the value the next update uses (not
  ``schedule(k - 1)``).
"""

from __future__ import annotations

import functools
import inspect
import numbers
import types
import typing
from typing import Any, Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax._src.lax import lax as _lax

__all__ = ["ScheduledState", "scheduled", "register_step_count"]


class ScheduledState(NamedTuple):
  """State of :func:`scheduled`.

  ``hyperparams`` maps each scheduled argument to the value the next update uses (float32, or
  float64 under x64). ``count`` is the number of updates applied, or ``optax.EmptyState()`` when
  the inner state already holds that count (then it is read from there).

  Attributes:
    count: updates applied so far (int32), or ``optax.EmptyState()`` when read from the inner
      state.
    hyperparams: argument name -> the value the next update uses.
    inner_state: the state of the wrapped optimizer.

  Example:
    >>> tx = jaxlrs.scheduled(optax.sgd, jaxlrs.linear(1.0, end_value=0.0, total_steps=10))
    >>> state = tx.init({"w": jnp.zeros(2)})
    >>> state.hyperparams["learning_rate"]
    Array(1., dtype=float32)
  """

  count: Any
  hyperparams: dict[str, jax.Array]
  inner_state: Any


# States whose ``count`` field advances by one on every update of their transform.
_STEP_COUNT_TYPES: set[type] = {
    optax.ScaleByAdamState, optax.ScaleByAmsgradState, optax.ScaleByLionState,
    optax.ScaleByBeliefState, optax.ScaleByNovogradState, optax.ScaleByScheduleState,
    optax.ScaleByAdanState}


def register_step_count(state_type: type) -> type:
  """Declare that ``state_type.count`` counts every update, so :func:`scheduled` may reuse it."""
  _STEP_COUNT_TYPES.add(state_type)
  return state_type


def _inner_count(state: Any) -> Any:
  """The update count held by ``state`` (through chains and masks), or None."""
  if type(state) in _STEP_COUNT_TYPES:
    return state.count
  if isinstance(state, optax.MaskedState):
    return _inner_count(state.inner_state)
  if type(state) in (tuple, list):
    for s in state:
      found = _inner_count(s)
      if found is not None:
        return found
  return None


def _float_dtype() -> Any:
  return jnp.result_type(float)  # float32, or float64 under jax_enable_x64


def _weak(x: jax.Array) -> jax.Array:
  # A weakly typed scalar combines with bfloat16 tensors as a Python float does, without
  # promoting them. Public JAX has no spelling for this conversion; without the private one,
  # the value stays strongly typed (and promotes bfloat16 arithmetic to float32).
  convert = getattr(_lax, "_convert_element_type", None)
  return x if convert is None else convert(x, np.dtype(x.dtype), weak_type=True)


def _increment(count: jax.Array) -> jax.Array:
  return jnp.where(count < jnp.iinfo(count.dtype).max, count + 1, count)


# -- argument checks -----------------------------------------------------------------------------

_NUMERIC_TYPES = (float, int, numbers.Real, jax.Array, np.ndarray, np.number)


def _annotation_is_numeric(annotation: Any) -> bool | None:
  """True/False when the annotation says, None when it does not tell."""
  if annotation is inspect.Parameter.empty:
    return None
  if isinstance(annotation, str):
    return any(w in annotation for w in ("float", "Array", "Scalar", "Numeric")) or None
  if annotation is int:
    return False  # an integer argument is a count or a size: static
  if typing.get_origin(annotation) in (typing.Union, types.UnionType):
    return any(a in _NUMERIC_TYPES for a in typing.get_args(annotation))
  return annotation in _NUMERIC_TYPES or None


def _is_numeric(param: inspect.Parameter) -> bool:
  default = param.default
  if isinstance(default, (bool, str, np.bool_)):
    return False
  by_annotation = _annotation_is_numeric(param.annotation)
  if by_annotation is not None:
    return by_annotation
  if default is inspect.Parameter.empty:
    return True  # unannotated, no default (``lambda learning_rate: ...``): trust the caller
  return isinstance(default, (float, jax.Array, np.floating, np.ndarray))


def _factory_name(factory: Any) -> str:
  if isinstance(factory, functools.partial):
    return _factory_name(factory.func)
  module = getattr(factory, "__module__", "") or ""
  name = getattr(factory, "__qualname__", None) or repr(factory)
  return f"optax.{name}" if module.startswith("optax") else name


def _is_schedule(value: Any) -> bool:
  return callable(value) and not isinstance(value, type)


def _split(factory: Callable, args: tuple, kwargs: dict) -> tuple[dict, dict]:
  """(schedules, everything else) from the arguments, checked against the factory's signature."""
  name = _factory_name(factory)
  if not callable(factory):
    raise TypeError(f"optimizer_factory must be a function returning an optax optimizer, "
                    f"got {factory!r}.")
  try:
    sig = inspect.signature(factory)
  except (TypeError, ValueError) as e:
    raise TypeError(f"optimizer_factory {name} does not expose its arguments: {e}") from None
  params = sig.parameters
  var_kw = any(p.kind is p.VAR_KEYWORD for p in params.values())
  for key in kwargs:
    p = params.get(key)
    if p is None and not var_kw:
      known = [k for k, q in params.items() if q.kind not in (q.VAR_POSITIONAL, q.VAR_KEYWORD)]
      raise ValueError(f"{key} is not an argument of {name}; its arguments are {known}.")
    if p is not None and p.kind is p.POSITIONAL_ONLY:
      raise ValueError(f"{name} does not expose {key} as a keyword argument, so it cannot be "
                       "scheduled by name.")
  try:
    bound = sig.bind(*args, **kwargs)
  except TypeError as e:
    raise TypeError(f"Arguments do not fit {name}: {e}.") from None
  arguments = {}
  for key, value in bound.arguments.items():
    p = params[key]
    if p.kind is p.VAR_POSITIONAL:
      if value:
        raise ValueError(f"{name} collects {key} in *{key}: pass its hyperparameters by name.")
    elif p.kind is p.VAR_KEYWORD:  # a forwarding factory: its names cannot be checked here
      arguments.update({k: (v, inspect.Parameter(k, p.KEYWORD_ONLY)) for k, v in value.items()})
    else:
      arguments[key] = (value, p)
  schedules, others = {}, {}
  for key, (value, p) in arguments.items():
    if _is_schedule(value):
      if not _is_numeric(p):
        if "Callable" in str(p.annotation):  # e.g. adamw's mask: a function is a valid value
          others[key] = value
          continue
        raise ValueError(f"{key} of {name} is not a numeric hyperparameter (default "
                         f"{p.default!r}): it cannot take a schedule.")
      schedules[key] = value
    else:
      if isinstance(value, (str, bytes)) and _is_numeric(p) and p.default is not None:
        raise TypeError(f"{key} must be a number or a schedule, got {value!r}.")
      others[key] = value
  return schedules, others


def _value_at(name: str, schedule: Callable, step: Any) -> jax.Array:
  v = jnp.asarray(schedule(step))
  if v.shape != ():
    raise ValueError(f"The schedule for {name} must give a scalar, got shape {v.shape}.")
  if not jnp.issubdtype(v.dtype, jnp.floating) and not jnp.issubdtype(v.dtype, jnp.integer):
    raise TypeError(f"The schedule for {name} must give a real number, got dtype {v.dtype}.")
  return v.astype(_float_dtype())


def scheduled(optimizer_factory: Callable[..., optax.GradientTransformation], *args: Any,
              **kwargs: Any) -> optax.GradientTransformationExtraArgs:
  """``optimizer_factory(*args, **kwargs)`` where any numeric argument may be a schedule.

  At update ``k`` (``k`` updates applied before it, counted from 0) the optimizer is
  ``optimizer_factory(..., name=schedule_name(k), ...)``: every scheduled hyperparameter takes its
  schedule's value at the same step. Arguments that are not schedules pass through unchanged.
  Schedules are any callables of the step (jaxlrs schedules, Optax schedules).

  * One count: the count of the inner state (Adam, Lion, ...) is reused; an own ``int32`` count
    (saturating) is kept only for optimizers without one (SGD).
  * The state keeps the values the next update uses, float32 (float64 under x64) for any
    parameter dtype; read them with :func:`jaxlrs.hyperparams`.
  * The values reach the factory as weakly typed scalars, so bfloat16 parameters are combined
    with them exactly as with a Python float: ``scheduled(f, lr=s)`` at step ``k`` gives the
    updates of ``f(lr=float(s(k)))``.
  * Schedules are closed over; build the transform inside a jitted function from schedules passed
    as arguments and a change of schedule values does not retrace.

  Args:
    optimizer_factory: a function returning an Optax transform (``optax.adamw``, ``optax.sgd``,
      a ``functools.partial`` or your own function).
    *args: positional arguments of the factory.
    **kwargs: keyword arguments of the factory.

  Returns:
    An ``optax.GradientTransformationExtraArgs`` (extra arguments are passed to the inner one)
    with :class:`ScheduledState`.

  Raises:
    ValueError: a name that is not an argument of the factory; a schedule for an argument that is
      not numeric (a bool, a dtype, an integer size); an argument the factory takes only by
      position or through ``**kwargs``.
    TypeError: arguments that do not fit the factory (e.g. a required one missing).

  Example:
    >>> tx = jaxlrs.scheduled(optax.sgd, learning_rate=0.1,
    ...                       momentum=jaxlrs.linear(0.5, end_value=0.9, total_steps=4))
    >>> state = tx.init({"w": jnp.zeros(2)})
    >>> jaxlrs.hyperparams(state)
    {'momentum': Array(0.5, dtype=float32)}
  """
  schedules, others = _split(optimizer_factory, args, kwargs)

  def build(values: dict[str, jax.Array]) -> optax.GradientTransformationExtraArgs:
    inner = optimizer_factory(**others, **{k: _weak(v) for k, v in values.items()})
    return optax.with_extra_args_support(inner)

  def values_at(step: Any) -> dict[str, jax.Array]:
    return {k: _value_at(k, s, step) for k, s in schedules.items()}

  def init_fn(params: Any) -> ScheduledState:
    values = values_at(0)
    inner_state = build(values).init(params)
    count = (optax.EmptyState() if _inner_count(inner_state) is not None
             else jnp.zeros([], jnp.int32))
    return ScheduledState(count, values, inner_state)

  def update_fn(updates, state, params=None, **extra_args):
    updates, inner_state = build(state.hyperparams).update(updates, state.inner_state, params,
                                                           **extra_args)
    if isinstance(state.count, optax.EmptyState):
      count, step = state.count, _inner_count(inner_state)
    else:
      count = step = _increment(state.count)
    return updates, ScheduledState(count, values_at(step), inner_state)

  return optax.GradientTransformationExtraArgs(init_fn, update_fn)
