"""Numeric helpers with finite gradients everywhere, and the one conversion of a user's step.

Every step a user passes goes through :func:`host_step` (outside a trace) and :func:`float_steps`
(inside it), which turn it into a :class:`Step`. Nothing else in the library converts steps.

A :class:`Step` keeps the whole part of the step exactly, as two int32 pieces
(``whole = hi * 2**31 + lo``), and the fraction in ``[0, 1)`` as a float. So integer steps are
compared with integer boundaries exactly and a piece's start is subtracted exactly, at any size,
without ``jax_enable_x64``; the smooth parts of a schedule use the float :attr:`Step.value`.
Steps are clipped to ``[0, MAX_STEP]``: a negative step, or a NaN step, is step 0; a step beyond
``MAX_STEP`` (a huge Python int, a uint64 above 2**63, ``inf``) is ``MAX_STEP``, where every finite
schedule holds its final value.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

_B = 2**31
MAX_STEP = 2**62 - 1  # the largest step and step count (hi and lo both 2**31 - 1)
_MAX_HI = _B - 1
_MASK = _B - 1


def finite_max(dtype: Any) -> float:
  """The largest finite value of a float dtype: where growing values saturate."""
  return float(jnp.finfo(dtype).max)


def safe_div(num: jax.Array, den: Any) -> jax.Array:
  """``num / den`` where ``den > 0``, else 0 — with a finite gradient either way."""
  if isinstance(den, int):
    den = float(den)
  den = jnp.asarray(den, jnp.result_type(num))
  ok = den > 0
  return jnp.where(ok, num / jnp.where(ok, den, 1), 0)


def _float_dtype(*xs: Any) -> Any:
  dt = jnp.result_type(*xs)
  return dt if jnp.issubdtype(dt, jnp.floating) and jnp.dtype(dt).itemsize >= 4 else jnp.float32


def safe_pow(base: jax.Array, power: Any) -> jax.Array:
  """``base ** power`` for ``base >= 0``, with a finite gradient at ``base == 0``.

  A result beyond the largest finite float saturates there (see :func:`scaled_pow`).
  """
  return scaled_pow(1.0, base, power)


def scaled_pow(value: Any, base: Any, power: Any) -> jax.Array:
  """``value * base ** power`` for ``base >= 0``, finite everywhere with finite gradients.

  Growth saturates: where the exact result is beyond the largest finite float of the dtype, the
  result is that float (with the sign of ``value``) and its gradients are 0. This is the one rule
  for every schedule that grows geometrically (``exponential`` with a rate above 1, restarts with
  ``cycle_decay > 1``, ...).
  """
  dt = _float_dtype(value, base, power)
  value, base = jnp.asarray(value, dt), jnp.asarray(base, dt)
  log_max = math.log(finite_max(dt))
  pos = base > 0
  b = jnp.where(pos, base, 1)
  a = jnp.abs(value)
  a1 = jnp.where(a > 0, a, 1)
  log_pow = jnp.log(b) * power
  over = pos & (a > 0) & (jnp.log(a1) + log_pow > log_max)
  big = pos & (log_pow > log_max - 1)  # base ** power alone would overflow: go through logs
  direct = value * b ** jnp.where(big, 0.0, power)
  via_log = jnp.sign(value) * jnp.exp(jnp.where(big & ~over & (a > 0), jnp.log(a1) + log_pow, 0.0))
  v = jnp.where(big, via_log, direct)
  v = jnp.where(pos, v, jnp.where(power == 0, value, 0.0))
  return jnp.where(over, jnp.sign(value) * finite_max(dt), v).astype(dt)


def fraction(t: Any, steps: Any) -> jax.Array:
  """``clip(t / steps, 0, 1)``; 1 when ``steps == 0``. ``t`` may be a :class:`Step`."""
  if isinstance(t, Step):
    t = t.value
  if isinstance(steps, int):
    return jnp.clip(t / float(steps), 0, 1) if steps > 0 else jnp.ones_like(t)
  return jnp.where(jnp.asarray(steps) > 0, jnp.clip(safe_div(t, steps), 0, 1), 1)


def float_count(k: Any) -> Any:
  """A step count for float arithmetic: Python ints become floats (JAX would overflow on ints
  past int32); traced counts pass through."""
  return float(k) if isinstance(k, (int, np.integer)) else k


# -- steps -----------------------------------------------------------------------------------


def _split_int(k: int) -> tuple[int, int]:
  """A Python int clipped to ``[-MAX_STEP, MAX_STEP]`` as ``(hi, lo)``, ``lo`` in ``[0, 2**31)``."""
  return divmod(max(-MAX_STEP, min(int(k), MAX_STEP)), _B)


def _split_array(k: Any) -> tuple[jax.Array, jax.Array, jax.Array]:
  """``(hi, lo, frac)`` of a real array ``k`` (inside a trace), ``k`` clipped to ``+-MAX_STEP``."""
  k = jnp.asarray(k)
  dt = k.dtype
  if jnp.issubdtype(dt, jnp.floating):
    if jnp.dtype(dt).itemsize < 4:
      k = k.astype(jnp.float32)
    top = np.nextafter(np.asarray(MAX_STEP, k.dtype), 0)
    k = jnp.clip(jnp.where(jnp.isnan(k), 0, k), -top, top)
    whole = jnp.floor(jax.lax.stop_gradient(k))
    mag = jnp.abs(whole)
    hi = jnp.floor(mag / float(_B))
    lo = (mag - hi * float(_B)).astype(jnp.int32)  # exact: mag and hi * 2**31 share exponents
    hi = hi.astype(jnp.int32)
    # A negative whole -(hi 2**31 + lo) is (-hi - 1) 2**31 + (2**31 - lo) (lo > 0), in int32.
    neg, pos = whole < 0, lo > 0
    hi = jnp.where(neg, -hi - pos.astype(jnp.int32), hi)
    lo = jnp.where(neg & pos, jnp.int32(_MASK) - lo + 1, lo)
    return hi, lo, k - whole
  zero = jnp.zeros(k.shape, jnp.float32)
  if dt.itemsize <= 2 or dt == jnp.int32:
    k = k.astype(jnp.int32)
    return jnp.right_shift(k, 31), jnp.bitwise_and(k, _MASK), zero
  if dt == jnp.uint32:
    return (jnp.right_shift(k, 31).astype(jnp.int32),
            jnp.bitwise_and(k, jnp.uint32(_MASK)).astype(jnp.int32), zero)
  # 64-bit integers (only with jax_enable_x64).
  if jnp.issubdtype(dt, jnp.unsignedinteger):
    k = jnp.minimum(k, jnp.asarray(MAX_STEP, dt)).astype(jnp.int64)
  k = jnp.clip(k, -MAX_STEP, MAX_STEP)
  return (jnp.right_shift(k, 31).astype(jnp.int32),
          jnp.bitwise_and(k, _MASK).astype(jnp.int32), zero)


@jax.tree_util.register_pytree_node_class
class Step:
  """A step in ``[0, MAX_STEP]``: ``hi * 2**31 + lo + frac`` with int32 ``hi``, ``lo`` and a float
  ``frac`` in ``[0, 1)``. Integer comparisons and subtractions on it are exact."""

  def __init__(self, hi: Any, lo: Any, frac: Any):
    self.hi, self.lo, self.frac = hi, lo, frac

  def tree_flatten(self) -> tuple[tuple, None]:
    return (self.hi, self.lo, self.frac), None

  @classmethod
  def tree_unflatten(cls, aux: None, data: tuple) -> "Step":
    return cls(*data)

  @classmethod
  def of(cls, t: Any) -> "Step":
    """A step from a real array of steps (or a :class:`Step`), clipped to ``[0, MAX_STEP]``."""
    if isinstance(t, Step):
      return t
    hi, lo, frac = _split_array(t)
    neg = hi < 0
    return cls(jnp.where(neg, 0, hi), jnp.where(neg, 0, lo), jnp.where(neg, 0, frac))

  @property
  def shape(self) -> tuple[int, ...]:
    return jnp.shape(self.frac)

  @property
  def ndim(self) -> int:
    return len(self.shape)

  @property
  def dtype(self) -> Any:
    return jnp.result_type(self.frac)

  @property
  def value(self) -> jax.Array:
    """The step as a float (rounded to the float dtype; exact below 2**24 in float32)."""
    dt = self.dtype
    return (self.hi.astype(dt) * float(_B) + self.lo.astype(dt)) + self.frac

  def astype(self, dtype: Any) -> "Step":
    """The same step with its fraction (and :attr:`value`) in ``dtype``."""
    return Step(self.hi, self.lo, jnp.asarray(self.frac).astype(dtype))

  def map(self, fn: Any) -> "Step":
    """``fn`` applied to every part (``ravel``, ``reshape``, indexing)."""
    return Step(fn(self.hi), fn(self.lo), fn(self.frac))

  def full(self, k: Any) -> "Step":
    """The step count ``k`` as a step of this shape and dtype."""
    if isinstance(k, (int, np.integer)):
      kh, kl = _split_int(max(0, int(k)))
      return Step(jnp.full(self.shape, kh, jnp.int32), jnp.full(self.shape, kl, jnp.int32),
                  jnp.zeros(self.shape, self.dtype))
    return Step.of(jnp.broadcast_to(jnp.asarray(k), self.shape)).astype(self.dtype)

  def cycle(self, period: Any) -> tuple[jax.Array, jax.Array]:
    """``(cycles done, steps into the current cycle)`` for a period of whole steps.

    The position is the exact remainder of the whole step (then rounded once to the float dtype),
    so it does not drift at large steps and is the same in every compiled program. ``period`` is a
    positive count below 2**31 (a Python int, or a traced count below 2**24 inside a join);
    larger periods use float arithmetic.
    """
    dt = self.dtype
    if isinstance(period, (int, np.integer)) and period >= _B:
      done = jnp.floor(self.value / float(period))
      return done, jnp.maximum(self.value - done * float(period), 0)
    p = jnp.asarray(period).astype(jnp.uint32)
    r = self.hi.astype(jnp.uint32) % p
    # (hi * 2**31) mod p, in uint32 without overflow: r < p, so r * 2**k < 2**32 for p <= 2**(32-k).
    if isinstance(period, (int, np.integer)) and period <= 2**16:
      r = (r * jnp.uint32(_B % int(period))) % p
    elif not isinstance(period, (int, np.integer)) or period <= 2**24:
      for k in (8, 8, 8, 7):
        r = (r * jnp.uint32(2**k)) % p
    else:
      for _ in range(31):
        r = (r * jnp.uint32(2)) % p
    r = (r + self.lo.astype(jnp.uint32) % p) % p
    pos = r.astype(dt) + self.frac
    done = jnp.floor((self.value - r.astype(dt)) / jnp.asarray(float_count(period), dt) + 0.5)
    return done, pos

  def lt(self, k: Any) -> jax.Array:
    """``step < k`` exactly, for an integer step count ``k`` (an int, or an array of ints)."""
    kh, kl = _count(k)
    return (self.hi < kh) | ((self.hi == kh) & (self.lo < kl))

  def ge(self, k: Any) -> jax.Array:
    """``step >= k`` exactly."""
    return ~self.lt(k)

  def since(self, k: Any) -> "Step":
    """``max(step - k, 0)`` exactly: the steps since ``k`` (``k`` may be negative)."""
    if isinstance(k, (int, np.integer)):
      return self.plus(-int(k))
    kh, kl = _count(k)
    pos = kl > 0
    return self.plus((-kh - pos.astype(jnp.int32), jnp.where(pos, jnp.int32(_MASK) - kl + 1, 0)))

  def plus(self, k: Any) -> "Step":
    """``step + k`` exactly, clipped to ``[0, MAX_STEP]``."""
    kh, kl = _count(k)
    r = self.lo + jnp.int32(-_B) + kl  # in [-2**31, 2**31): no int32 overflow
    carry = (r >= 0).astype(jnp.int32)
    lo = jnp.where(r >= 0, r, r - jnp.int32(-_B))
    over = self.hi > _MAX_HI - jnp.maximum(kh, 0) - carry
    hi = self.hi + kh + carry
    neg = hi < 0
    lo = jnp.where(neg, 0, jnp.where(over, _MASK, lo))
    frac = jnp.where(neg, 0, jnp.where(over, 0, self.frac)).astype(self.frac.dtype)
    return Step(jnp.where(neg, 0, jnp.where(over, _MAX_HI, hi)), lo, frac)


def _count(k: Any) -> tuple[Any, Any]:
  """A step count as ``(hi, lo)``: Python ints split exactly, arrays inside the trace; a
  ``(hi, lo)`` pair (from :func:`split_counts`) passes through."""
  if isinstance(k, tuple):
    return k
  if isinstance(k, (int, np.integer)):
    return _split_int(int(k))
  hi, lo, _ = _split_array(k)
  return hi, lo


def split_counts(counts: Any) -> tuple[jax.Array, jax.Array]:
  """A sequence of step counts (Python ints, or traced numbers below 2**24) as ``(hi, lo)`` int32
  arrays, to gather a count by index and pass it to :meth:`Step.lt` or :meth:`Step.since`."""
  if all(isinstance(k, (int, np.integer)) for k in counts):
    parts = [_split_int(int(k)) for k in counts]
    return (jnp.asarray(np.array([h for h, _ in parts], np.int32)),
            jnp.asarray(np.array([lo for _, lo in parts], np.int32)))
  hi, lo, _ = _split_array(jnp.stack([jnp.asarray(k, jnp.float32) for k in counts]))
  return hi, lo


def _host_error(step: Any) -> TypeError:
  return TypeError(f"step must be a real number (an int or float, a NumPy or JAX real number or "
                   f"array), got {step!r} of type {type(step).__name__}.")


def host_step(step: Any) -> Any:
  """A user's step made safe to pass into a jitted function (a :class:`Step` or an array).

  Python numbers and 64-bit NumPy values are split into a :class:`Step` here, exactly; narrower
  NumPy and JAX arrays are split inside the trace by :func:`float_steps`, as under ``jax.jit``.

  Raises:
    TypeError: ``step`` is not a real number or an array of them (a string, None, a bool, a
      ``Decimal``, a complex number, a ``datetime64``...).
  """
  if isinstance(step, (bool, np.bool_, str, bytes)) or step is None:
    raise _host_error(step)
  if isinstance(step, (Step, jax.Array)):
    return step
  if isinstance(step, numbers.Real) and not isinstance(step, np.generic):
    if isinstance(step, numbers.Integral):
      if int(step) < _B:  # one int32 argument: the cheapest eager call
        return np.int32(max(0, int(step)))
      hi, lo = _split_int(int(step))
      return Step(np.int32(hi), np.int32(lo), np.float32(0))
    step = np.float64(step)
  if isinstance(step, (list, tuple)):
    try:
      step = np.asarray(step)
    except (TypeError, ValueError):
      raise _host_error(step) from None
  if not isinstance(step, (np.ndarray, np.generic)):
    raise _host_error(step)
  dt = step.dtype
  if dt == np.bool_ or not (np.issubdtype(dt, np.integer) or np.issubdtype(dt, np.floating)):
    raise _host_error(step)
  if dt.itemsize <= 4 or (jax.config.read("jax_enable_x64") and dt.itemsize == 8):
    return step  # JAX takes it as it is: split in the trace, as under jax.jit
  if np.issubdtype(dt, np.integer):
    whole = np.clip(step, 0, MAX_STEP).astype(np.int64) if np.issubdtype(
        dt, np.signedinteger) else np.minimum(step, np.uint64(MAX_STEP)).astype(np.int64)
    frac = np.zeros(np.shape(step), np.float32)
  else:
    x = np.asarray(step, np.float64)
    x = np.clip(np.where(np.isnan(x), 0.0, x), 0.0, np.nextafter(float(MAX_STEP), 0))
    whole_f = np.floor(x)
    whole, frac = whole_f.astype(np.int64), (x - whole_f).astype(np.float32)
  return Step((whole >> 31).astype(np.int32), (whole & _MASK).astype(np.int32), frac)


def float_steps(step: Any, dtype: Any) -> Step:
  """Inside a trace: the step as a :class:`Step` with its fraction in ``dtype``.

  Cast before any arithmetic, so an unsigned step never wraps (``nnx.Optimizer.step`` is uint32).

  Raises:
    TypeError: the step's dtype is not a real number type.
  """
  if not isinstance(step, Step):
    t = jnp.asarray(step)
    if (not jnp.issubdtype(t.dtype, jnp.number) or jnp.issubdtype(t.dtype, jnp.complexfloating)):
      raise TypeError(f"step must be a real number, got dtype {t.dtype}.")
    step = Step.of(t)
  return step.astype(dtype)
