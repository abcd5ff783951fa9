"""The `Schedule` base class: a frozen dataclass that is a JAX pytree and a callable of the step.

Every schedule declares its fields with one of four roles:

* ``value``: a float hyperparameter (or a tuple of them). A pytree **leaf**: it can be traced,
  vmapped over and differentiated, and changing it never retraces a jitted function.
* ``steps``: an integer number of steps (or a tuple of them). **Static**: part of the treedef.
* ``static``: a choice of shape (a string, a bool, ``None``). Static too.
* ``child``: a nested schedule (or a tuple of them). A pytree node.

Subclasses implement ``_value(t)``, where ``t`` is a float array of steps already clipped to
``t >= 0``. ``_value`` must treat ``steps`` fields as numbers that may be traced scalars (so only
``jnp`` arithmetic on them, no Python branching): this lets :func:`jaxlrs.join` gather the step
counts of many pieces from arrays instead of building one graph branch per piece.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from typing import Any, Callable, ClassVar

import jax
import jax.numpy as jnp
import numpy as np

_REGISTRY: dict[str, type["Schedule"]] = {}

_ROLE = "jaxlrs_role"


def value_field(sequence: bool = False, **kwargs: Any) -> Any:
  """A float hyperparameter: a pytree leaf."""
  return dataclasses.field(metadata={_ROLE: "value", "sequence": sequence}, **kwargs)


def steps_field(sequence: bool = False, **kwargs: Any) -> Any:
  """An integer number of steps: static."""
  return dataclasses.field(metadata={_ROLE: "steps", "sequence": sequence}, **kwargs)


def static_field(**kwargs: Any) -> Any:
  """A choice of shape (string, bool, None): static."""
  return dataclasses.field(metadata={_ROLE: "static"}, **kwargs)


def child_field(sequence: bool = False, **kwargs: Any) -> Any:
  """A nested schedule, or a tuple of them: a pytree node."""
  return dataclasses.field(metadata={_ROLE: "child", "sequence": sequence}, **kwargs)


def _roles(cls: type) -> list[tuple[str, str]]:
  return [(f.name, f.metadata.get(_ROLE, "static")) for f in dataclasses.fields(cls)]


# ---------------------------------------------------------------------------------------------
# Argument checking, shared by every schedule. Only concrete Python/NumPy numbers are checked:
# while JAX rebuilds a schedule under vmap the values are tracers and must pass through.


def is_concrete(x: Any) -> bool:
  """True when ``x`` is a number whose value is known now (not a tracer)."""
  if isinstance(x, jax.core.Tracer):
    return False
  return isinstance(x, (numbers.Number, np.ndarray, np.generic, jax.Array))


def _check_value(name: str, x: Any) -> Any:
  if isinstance(x, (bool, np.bool_)):
    raise TypeError(f"{name} must be a float, got the bool {x!r}.")
  if isinstance(x, numbers.Real) and not isinstance(x, np.generic):
    x = float(x)
  elif isinstance(x, str) or x is None:
    raise TypeError(f"{name} must be a float, got {x!r}.")
  if is_concrete(x):
    arr = np.asarray(x)
    if not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
      raise TypeError(f"{name} must be a real float, got {x!r}.")
    if not np.all(np.isfinite(arr)):
      raise ValueError(f"{name} must be finite, got {x!r}.")
  return x


def _check_steps(name: str, x: Any) -> int:
  if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, np.integer)):
    raise TypeError(f"{name} must be an integer number of steps, got {x!r} ({type(x).__name__}).")
  return int(x)


def _check_child(name: str, x: Any) -> "Schedule":
  if isinstance(x, Schedule):
    return x
  if callable(x):
    from ._compose import from_callable  # local import: _compose builds on this module

    return from_callable(x)
  raise TypeError(f"{name} must be a schedule or a callable of the step, got {x!r}.")


def _tuple_of(name: str, x: Any, check: Callable[[str, Any], Any]) -> tuple:
  if isinstance(x, (str, bytes)) or not hasattr(x, "__iter__"):
    raise TypeError(f"{name} must be a sequence, got {x!r}.")
  return tuple(check(f"{name}[{i}]", v) for i, v in enumerate(x))


def concrete_float(x: Any) -> float | None:
  """The float value of ``x`` if it is a concrete scalar, else None."""
  if is_concrete(x) and np.ndim(x) == 0:
    return float(x)
  return None


def require(condition: bool, name: str, value: Any, what: str) -> None:
  """Raise ``ValueError`` naming the argument when ``condition`` fails."""
  if not condition:
    raise ValueError(f"{name} must be {what}, got {value!r}.")


def require_positive_steps(name: str, value: int) -> None:
  require(value > 0, name, value, "a positive number of steps")


def require_nonnegative_steps(name: str, value: int) -> None:
  require(value >= 0, name, value, "a non-negative number of steps")


def require_choice(name: str, value: Any, choices: tuple) -> None:
  if value not in choices:
    raise ValueError(f"{name} must be one of {choices}, got {value!r}.")


def require_value(name: str, value: Any, predicate: Callable[[float], bool], what: str) -> None:
  """Check a float hyperparameter when it is concrete; tracers pass."""
  v = concrete_float(value)
  if v is not None and not predicate(v):
    raise ValueError(f"{name} must be {what}, got {v!r}.")


# ---------------------------------------------------------------------------------------------
# The base class.


class Schedule:
  """A learning-rate schedule: a frozen pytree you call with the step.

  ``sched(step)`` returns the value at ``step`` as a ``jax.Array`` (float32, or float64 under
  ``jax_enable_x64`` with float64 values). Step 0 is the first optimizer update. The step may be a
  Python int or float, a NumPy or JAX integer of any width (unsigned included) or float, or an
  array of steps (evaluated elementwise). A negative step gives the value at step 0; past its end a
  finite schedule holds its final value.

  Any schedule can be passed to an Optax optimizer: ``optax.adamw(learning_rate=sched)``.
  """

  kind: ClassVar[str] = "schedule"

  # -- construction ------------------------------------------------------------------------

  def __post_init__(self) -> None:
    for f in dataclasses.fields(self):
      name, role, x = f.name, f.metadata.get(_ROLE, "static"), getattr(self, f.name)
      if x is None and role in ("value", "steps", "child") and f.default is not None:
        raise TypeError(f"{name} must be given, got None.")
      if f.metadata.get("sequence"):
        x = _tuple_of(name, x, lambda n, v: v)
      elif role in ("value", "steps") and isinstance(x, (tuple, list)):
        raise TypeError(f"{name} must be a single number, got {x!r}.")
      if role == "value":
        if isinstance(x, (tuple, list)):
          x = _tuple_of(name, x, _check_value)
        elif x is not None:
          x = _check_value(name, x)
      elif role == "steps":
        if isinstance(x, (tuple, list, np.ndarray)):
          x = _tuple_of(name, x, _check_steps)
        elif x is not None:
          x = _check_steps(name, x)
      elif role == "child":
        if isinstance(x, (tuple, list)):
          x = _tuple_of(name, x, _check_child)
        else:
          x = _check_child(name, x)
      object.__setattr__(self, name, x)
    self._check()

  def _check(self) -> None:
    """Validate arguments (subclasses). Called once, at construction."""

  # -- evaluation --------------------------------------------------------------------------

  def _value(self, t: jax.Array) -> jax.Array:
    """The value at float steps ``t >= 0``. Implemented by each shape."""
    raise NotImplementedError

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
    return _evaluate(self, _canonical_step(step))

  # -- arithmetic --------------------------------------------------------------------------

  def __mul__(self, other: Any) -> "Schedule":
    from ._compose import product

    return product(self, other)

  __rmul__ = __mul__

  def __truediv__(self, other: Any) -> "Schedule":
    if isinstance(other, Schedule) or callable(other):
      raise TypeError("A schedule can only be divided by a number.")
    from ._compose import product

    return product(self, 1.0 / _check_value("divisor", other))

  def __add__(self, other: Any) -> "Schedule":
    from ._compose import sum_of

    return sum_of(self, other)

  __radd__ = __add__

  def shift(self, steps: int) -> "Schedule":
    """This schedule delayed by ``steps``: ``s.shift(n)(t) == s(t - n)`` (negative n advances)."""
    from ._compose import shift

    return shift(self, steps)

  def clip(self, min_value: float | None = None, max_value: float | None = None) -> "Schedule":
    """This schedule clipped to ``[min_value, max_value]`` (either bound may be None)."""
    from ._compose import clip

    return clip(self, min_value=min_value, max_value=max_value)

  def time_scale(self, factor: float) -> "Schedule":
    """This schedule on a stretched clock: ``s.time_scale(f)(t) == s(t * f)``."""
    from ._compose import time_scale

    return time_scale(self, factor)

  def summary(self, total_steps: int):
    """Peak, warmup length, minimum, final value and area over ``total_steps`` updates."""
    from ._summary import summary

    return summary(self, total_steps)

  # -- config, repr, equality ---------------------------------------------------------------

  def _config_items(self) -> list[tuple[str, Any]]:
    return [(f.name, getattr(self, f.name)) for f in dataclasses.fields(self)]

  def to_config(self) -> dict[str, Any]:
    """A plain JSON-serialisable dict that :func:`jaxlrs.from_config` turns back into this."""
    return {"kind": self.kind, **{k: _encode(k, v) for k, v in self._config_items()}}

  def __repr__(self) -> str:
    args = ", ".join(f"{k}={_short(v)}" for k, v in self._config_items())
    return f"{self.kind}({args})"

  def __eq__(self, other: Any) -> bool:
    if type(self) is not type(other):
      return NotImplemented
    a, ta = jax.tree.flatten(self)
    b, tb = jax.tree.flatten(other)
    if ta != tb:
      return False
    try:
      return all(np.array_equal(np.asarray(x), np.asarray(y)) for x, y in zip(a, b))
    except (TypeError, jax.errors.ConcretizationTypeError):
      return self is other

  def __hash__(self) -> int:
    return hash(jax.tree.structure(self))


def _short(v: Any) -> str:
  if isinstance(v, float):
    return repr(v)
  if isinstance(v, tuple) and len(v) > 8:
    return f"({', '.join(_short(x) for x in v[:3])}, ... {len(v) - 6} more ..., " + (
        f"{', '.join(_short(x) for x in v[-3:])})")
  if isinstance(v, tuple):
    return "(" + ", ".join(_short(x) for x in v) + ("," if len(v) == 1 else "") + ")"
  return repr(v)


def _encode(name: str, v: Any) -> Any:
  if isinstance(v, Schedule):
    return v.to_config()
  if isinstance(v, (tuple, list)):
    return [_encode(name, x) for x in v]
  if v is None or isinstance(v, (bool, str, int)):
    return v
  if isinstance(v, float):
    return v
  if is_concrete(v) and np.ndim(v) == 0:
    return float(v) if np.issubdtype(np.asarray(v).dtype, np.floating) else int(v)
  raise ValueError(
      f"Cannot serialise {name}={v!r}: to_config needs concrete scalar values, not traced or "
      "batched arrays.")


def _decode(v: Any) -> Any:
  if isinstance(v, dict):
    return from_config(v)
  if isinstance(v, list):
    return tuple(_decode(x) for x in v)
  return v


def from_config(config: dict[str, Any]) -> Schedule:
  """Rebuild a schedule from :meth:`Schedule.to_config` output.

  Args:
    config: a dict with a ``"kind"`` key naming the schedule and its arguments as keys.

  Returns:
    A schedule equal to the one the config came from.

  Raises:
    ValueError: the kind is unknown, or a key is not an argument of that kind.

  Example:
    >>> s = jaxlrs.cosine(init_value=1e-3, total_steps=100)
    >>> jaxlrs.from_config(s.to_config()) == s
    True
  """
  if not isinstance(config, dict):
    raise TypeError(f"config must be a dict, got {config!r}.")
  if "kind" not in config:
    raise ValueError(f"config has no 'kind' key: {config!r}.")
  kind = config["kind"]
  if kind not in _REGISTRY:
    raise ValueError(f"Unknown schedule kind {kind!r}; known kinds: {sorted(_REGISTRY)}.")
  cls = _REGISTRY[kind]
  args = {k: v for k, v in config.items() if k != "kind"}
  return cls._from_config_args({k: _decode(v) for k, v in args.items()})


def _from_config_args(cls: type[Schedule], args: dict[str, Any]) -> Schedule:
  known = [f.name for f in dataclasses.fields(cls) if f.init]
  unknown = sorted(set(args) - set(known))
  if unknown:
    raise ValueError(f"Unknown key(s) {unknown} for schedule kind {cls.kind!r}; expected {known}.")
  return cls(**args)


Schedule._from_config_args = classmethod(_from_config_args)  # type: ignore[attr-defined]


def register(kind: str) -> Callable[[type], type]:
  """Make a class a frozen dataclass, a registered pytree and a config kind."""

  def wrap(cls: type) -> type:
    cls = dataclasses.dataclass(frozen=True, eq=False, repr=False)(cls)
    cls.kind = kind
    roles = _roles(cls)
    data = tuple(n for n, r in roles if r in ("value", "child"))
    meta = tuple(n for n, r in roles if r not in ("value", "child"))

    def flatten_with_keys(s):
      return [(jax.tree_util.GetAttrKey(n), getattr(s, n)) for n in data], tuple(
          getattr(s, n) for n in meta)

    def flatten(s):
      return [getattr(s, n) for n in data], tuple(getattr(s, n) for n in meta)

    def unflatten(aux, children):
      # Bypasses __init__: no re-validation, and leaves may be tracers or placeholders.
      s = object.__new__(cls)
      for n, v in zip(data, children):
        object.__setattr__(s, n, v)
      for n, v in zip(meta, aux):
        object.__setattr__(s, n, v)
      return s

    jax.tree_util.register_pytree_with_keys(cls, flatten_with_keys, unflatten, flatten)
    if kind in _REGISTRY:
      raise RuntimeError(f"schedule kind {kind!r} registered twice")
    _REGISTRY[kind] = cls
    return cls

  return wrap


# ---------------------------------------------------------------------------------------------
# Evaluation: one jitted function, so that an eager call (e.g. logging the LR from Python) is one
# cached dispatch per schedule structure, not a fresh trace.


def _canonical_step(step: Any) -> Any:
  if isinstance(step, (bool, np.bool_)):
    raise TypeError(f"step must be a number, got the bool {step!r}.")
  if isinstance(step, (int, float)):
    return float(step)  # Python ints beyond int32 would overflow as a jit argument.
  if isinstance(step, (list, tuple)):
    step = np.asarray(step)
  if isinstance(step, (np.ndarray, np.generic)):
    if step.dtype.itemsize > 4 and not jax.config.jax_enable_x64:
      # A 64-bit host integer would be truncated to 32 bits on the way into JAX: go via float.
      step = step.astype(np.float64)
  return step


@jax.jit
def _evaluate(schedule: Schedule, step: jax.Array) -> jax.Array:
  return evaluate_traced(schedule, step)


def evaluate_traced(schedule: Schedule, step: Any) -> jax.Array:
  """Evaluate inside a trace: cast the step to float (never subtract in unsigned), clip at 0."""
  dtype = schedule.dtype
  t = jnp.asarray(step)
  if not jnp.issubdtype(t.dtype, jnp.number) or jnp.issubdtype(t.dtype, jnp.complexfloating):
    raise TypeError(f"step must be a real number, got dtype {t.dtype}.")
  t = jnp.maximum(t.astype(dtype), 0)
  return jnp.asarray(schedule._value(t), dtype)


# ---------------------------------------------------------------------------------------------
# Numeric helpers used by the shapes. All keep gradients finite everywhere.


def safe_div(num: jax.Array, den: Any) -> jax.Array:
  """``num / den`` where ``den > 0``, else 0 — with a finite gradient either way."""
  den = jnp.asarray(den, jnp.result_type(num))
  ok = den > 0
  return jnp.where(ok, num / jnp.where(ok, den, 1), 0)


def safe_pow(base: jax.Array, power: Any) -> jax.Array:
  """``base ** power`` for ``base >= 0``, with a finite gradient at ``base == 0``."""
  pos = base > 0
  return jnp.where(pos, jnp.where(pos, base, 1) ** power, jnp.where(power == 0, 1.0, 0.0))


def fraction(t: jax.Array, steps: Any) -> jax.Array:
  """``clip(t / steps, 0, 1)``; 1 when ``steps == 0``."""
  return jnp.where(jnp.asarray(steps) > 0, jnp.clip(safe_div(t, steps), 0, 1), 1)


def ramp(start: Any, end: Any, frac: jax.Array, shape: str) -> jax.Array:
  """Move from ``start`` (frac 0) to ``end`` (frac 1) along ``shape``.

  The one place the library writes its transition curves: warmups, one-cycle phases, SWA
  annealing and warmup-stable-decay cooldowns all use it.

  * ``linear``: ``start + (end - start) * f``
  * ``cosine`` (or ``cos``): ``end + (start - end) * (1 + cos(pi f)) / 2``
  * ``exponential``: ``start * (end / start) ** f`` (both positive)
  * ``1-sqrt``: ``end + (start - end) * (1 - sqrt(f))``
  """
  if shape == "linear":
    return start + (end - start) * frac
  if shape in ("cosine", "cos"):
    return end + (start - end) * 0.5 * (1 + jnp.cos(math.pi * frac))
  if shape == "exponential":
    ratio = safe_div(jnp.asarray(end, frac.dtype), start)
    return start * safe_pow(ratio, frac)
  if shape == "1-sqrt":
    return end + (start - end) * (1 - safe_pow(frac, 0.5))
  raise ValueError(f"Unknown ramp shape {shape!r}.")


RAMP_SHAPES = ("linear", "cosine", "exponential", "1-sqrt")

