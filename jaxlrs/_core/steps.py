"""The exact step: :class:`Step`, and step counts to compare it with.

A :class:`Step` keeps the whole part of the step exactly, as two int32 pieces
(``whole = hi * 2**31 + lo``), and the fraction in ``[0, 1)`` as a float. So integer steps are
compared with integer boundaries exactly and a piece's start is subtracted exactly, at any size,
without ``jax_enable_x64``; the smooth parts of a schedule use the float :attr:`Step.value`.

The common case costs no more than a plain int32 step. Which parts are known to be 0 is decided
statically, from dtypes and Python counts, never from traced values: an int32 (or narrower) step
is *small* (``hi`` is statically 0, so only ``lo`` is traced) and *integral* (no fraction is
traced). Comparisons with, and subtractions of, counts below 2**31 then take one or two int32
operations; everything else (uint32 and 64-bit steps, float steps, counts of 2**31 and more) takes
the general two-part path.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

_B = 2**31
MAX_STEP = 2**62 - 1  # the largest step and step count (hi and lo both 2**31 - 1)
_MAX_HI = _B - 1
_MASK = _B - 1


def split_int(k: int) -> tuple[int, int]:
  """A Python int clipped to ``[-MAX_STEP, MAX_STEP]`` as ``(hi, lo)``, ``lo`` in ``[0, 2**31)``."""
  return divmod(max(-MAX_STEP, min(int(k), MAX_STEP)), _B)


def split_array(k: Any) -> tuple[jax.Array, jax.Array, Any]:
  """``(hi, lo, frac)`` of a real array ``k`` (inside a trace), ``k`` clipped to ``+-MAX_STEP``.

  ``frac`` is None for integer arrays (statically 0).
  """
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
  if dt.itemsize <= 2 or dt == jnp.int32:
    k = k.astype(jnp.int32)
    return jnp.right_shift(k, 31), jnp.bitwise_and(k, _MASK), None
  if dt == jnp.uint32:
    return (jnp.right_shift(k, 31).astype(jnp.int32),
            jnp.bitwise_and(k, jnp.uint32(_MASK)).astype(jnp.int32), None)
  # 64-bit integers (only with jax_enable_x64).
  if jnp.issubdtype(dt, jnp.unsignedinteger):
    k = jnp.minimum(k, jnp.asarray(MAX_STEP, dt)).astype(jnp.int64)
  k = jnp.clip(k, -MAX_STEP, MAX_STEP)
  return (jnp.right_shift(k, 31).astype(jnp.int32),
          jnp.bitwise_and(k, _MASK).astype(jnp.int32), None)


def _small_dtype(dt: Any) -> bool:
  """Integer dtypes whose every value, clipped at 0, is below 2**31."""
  return jnp.issubdtype(dt, jnp.integer) and (jnp.dtype(dt).itemsize <= 2 or dt == jnp.int32)


@jax.tree_util.register_pytree_node_class
class Step:
  """A step in ``[0, MAX_STEP]``: ``hi * 2**31 + lo + frac`` with int32 ``hi``, ``lo`` and a float
  ``frac`` in ``[0, 1)``. Integer comparisons and subtractions on it are exact.

  ``hi`` is stored as None when it is statically 0 (a *small* step, below 2**31: any int32 step)
  and ``frac`` as None when it is statically 0 (an integer step); :attr:`hi` and :attr:`frac`
  still read as arrays. ``dtype`` is the float dtype of :attr:`value`.
  """

  def __init__(self, hi: Any, lo: Any, frac: Any = None, dtype: Any = None):
    self._hi, self.lo, self._frac = hi, lo, frac
    if dtype is None:
      dtype = jnp.float32 if frac is None else jnp.result_type(frac)
    self.dtype = jnp.dtype(dtype)

  def tree_flatten(self) -> tuple[tuple, Any]:
    return (self._hi, self.lo, self._frac), self.dtype

  @classmethod
  def tree_unflatten(cls, aux: Any, data: tuple) -> "Step":
    hi, lo, frac = data
    return cls(hi, lo, frac, aux)

  @classmethod
  def of(cls, t: Any) -> "Step":
    """A step from a real array of steps (or a :class:`Step`), clipped to ``[0, MAX_STEP]``."""
    if isinstance(t, Step):
      return t
    t = jnp.asarray(t)
    if _small_dtype(t.dtype):
      return cls(None, jnp.maximum(t.astype(jnp.int32), 0))
    hi, lo, frac = split_array(t)
    if jnp.issubdtype(t.dtype, jnp.unsignedinteger):
      return cls(hi, lo)
    neg = hi < 0
    frac = None if frac is None else jnp.where(neg, 0, frac)
    return cls(jnp.where(neg, 0, hi), jnp.where(neg, 0, lo), frac)

  @property
  def small(self) -> bool:
    """Statically below 2**31 (``hi`` is 0)."""
    return self._hi is None

  @property
  def hi(self) -> jax.Array:
    return jnp.zeros_like(self.lo) if self._hi is None else self._hi

  @property
  def frac(self) -> jax.Array:
    return jnp.zeros(self.shape, self.dtype) if self._frac is None else self._frac

  @property
  def shape(self) -> tuple[int, ...]:
    return jnp.shape(self.lo)

  @property
  def ndim(self) -> int:
    return len(self.shape)

  @property
  def value(self) -> jax.Array:
    """The step as a float (rounded to the float dtype; exact below 2**24 in float32)."""
    dt = self.dtype
    v = self.lo.astype(dt)
    if self._hi is not None:
      v = self._hi.astype(dt) * float(_B) + v
    return v if self._frac is None else v + self._frac

  def astype(self, dtype: Any) -> "Step":
    """The same step with its fraction (and :attr:`value`) in ``dtype``."""
    frac = None if self._frac is None else jnp.asarray(self._frac).astype(dtype)
    return Step(self._hi, self.lo, frac, dtype)

  def map(self, fn: Any) -> "Step":
    """``fn`` applied to every part (``ravel``, ``reshape``, indexing)."""
    hi, frac = (None if x is None else fn(x) for x in (self._hi, self._frac))
    return Step(hi, fn(self.lo), frac, self.dtype)

  def _general(self) -> "Step":
    """The same step with ``hi`` as an array (for the two-part arithmetic)."""
    return self if self._hi is not None else Step(self.hi, self.lo, self._frac, self.dtype)

  def _at_least_zero(self, d: jax.Array) -> "Step":
    """``lo = max(d, 0)`` of a small step (``d`` an int32 difference); fraction 0 where clipped."""
    frac = None if self._frac is None else jnp.where(d < 0, 0, self._frac).astype(self.dtype)
    return Step(None, jnp.maximum(d, 0), frac, self.dtype)

  def full(self, k: Any, shape: Any = None) -> "Step":
    """The step count ``k`` as a step of this dtype and shape (or of ``shape``: ``()`` for a
    value at a fixed step, which then broadcasts)."""
    shape = self.shape if shape is None else shape
    if isinstance(k, (int, np.integer)):
      kh, kl = split_int(max(0, int(k)))
      return Step(None if kh == 0 else jnp.full(shape, kh, jnp.int32),
                  jnp.full(shape, kl, jnp.int32), None, self.dtype)
    return Step.of(jnp.broadcast_to(jnp.asarray(k), shape)).astype(self.dtype)

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
    if self._hi is None:
      r = self.lo.astype(jnp.uint32) % p
    else:
      r = self._hi.astype(jnp.uint32) % p
      # (hi * 2**31) mod p in uint32 without overflow: r < p, so r * 2**k < 2**32 if p <= 2**(32-k).
      if isinstance(period, (int, np.integer)) and period <= 2**16:
        r = (r * jnp.uint32(_B % int(period))) % p
      elif not isinstance(period, (int, np.integer)) or period <= 2**24:
        for k in (8, 8, 8, 7):
          r = (r * jnp.uint32(2**k)) % p
      else:
        for _ in range(31):
          r = (r * jnp.uint32(2)) % p
      r = (r + self.lo.astype(jnp.uint32) % p) % p
    pos = r.astype(dt) if self._frac is None else r.astype(dt) + self._frac
    done = jnp.floor((self.value - r.astype(dt)) / jnp.asarray(float_count(period), dt) + 0.5)
    return done, pos

  def lt(self, k: Any) -> jax.Array:
    """``step < k`` exactly, for an integer step count ``k``: an int, a pair from
    :func:`.counts.take_count`, or a traced integer count below 2**24 (as a join gathers them)."""
    if self._hi is None:
      if isinstance(k, (int, np.integer)):
        if k <= 0 or k >= _B:
          return jnp.full(self.shape, k >= _B)
        return self.lo < int(k)
      if isinstance(k, tuple) and k[0] is None:
        return self.lo < k[1]
      if not isinstance(k, tuple) and jnp.issubdtype(jnp.result_type(k), jnp.floating):
        return self.lo.astype(jnp.result_type(k)) < k  # exact for integers below 2**24
    kh, kl = _count(k)
    return (self.hi < kh) | ((self.hi == kh) & (self.lo < kl))

  def ge(self, k: Any) -> jax.Array:
    """``step >= k`` exactly."""
    return ~self.lt(k)

  def since(self, k: Any, *, nonnegative: bool = False) -> "Step":
    """``max(step - k, 0)`` exactly: the steps since ``k`` (``k`` may be negative).

    ``nonnegative=True`` promises ``k >= 0`` (a validated count, possibly traced by a join); a
    small step then subtracts a traced count in one int32 operation.
    """
    if isinstance(k, (int, np.integer)):
      if self._hi is None and 0 <= k < _B:
        return self._at_least_zero(self.lo - int(k))  # both in [0, 2**31): no overflow
      return self.plus(-int(k))
    if self._hi is None and isinstance(k, tuple) and k[0] is None:
      return self._at_least_zero(self.lo - k[1])
    if (self._hi is None and nonnegative and not isinstance(k, tuple)
        and jnp.issubdtype(jnp.result_type(k), jnp.floating)):  # a whole count below 2**24
      return self._at_least_zero(self.lo - jnp.asarray(k).astype(jnp.int32))
    kh, kl = _count(k)
    pos = kl > 0
    return self.plus((-kh - pos.astype(jnp.int32), jnp.where(pos, jnp.int32(_MASK) - kl + 1, 0)))

  def plus(self, k: Any) -> "Step":
    """``step + k`` exactly, clipped to ``[0, MAX_STEP]``."""
    if isinstance(k, (int, np.integer)) and k <= 0 and self._hi is None:
      return self.since(-int(k)) if -k < _B else self.full(0)
    kh, kl = _count(k)
    hi0 = self.hi
    r = self.lo + jnp.int32(-_B) + kl  # in [-2**31, 2**31): no int32 overflow
    carry = (r >= 0).astype(jnp.int32)
    lo = jnp.where(r >= 0, r, r - jnp.int32(-_B))
    over = hi0 > _MAX_HI - jnp.maximum(kh, 0) - carry
    hi = hi0 + kh + carry
    neg = hi < 0
    lo = jnp.where(neg, 0, jnp.where(over, _MASK, lo))
    frac = None if self._frac is None else jnp.where(
        neg, 0, jnp.where(over, 0, self._frac)).astype(self.dtype)
    return Step(jnp.where(neg, 0, jnp.where(over, _MAX_HI, hi)), lo, frac, self.dtype)


def float_count(k: Any) -> Any:
  """A step count for float arithmetic: Python ints become floats (JAX would overflow on ints
  past int32); traced counts pass through."""
  return float(k) if isinstance(k, (int, np.integer)) else k


def _count(k: Any) -> tuple[Any, Any]:
  """A step count as ``(hi, lo)``: Python ints split exactly, arrays inside the trace; a
  ``(hi, lo)`` pair (from :func:`.counts.take_count`; ``hi`` None when 0) passes through."""
  if isinstance(k, tuple):
    return (0 if k[0] is None else k[0]), k[1]
  if isinstance(k, (int, np.integer)):
    return split_int(int(k))
  hi, lo, _ = split_array(k)
  return hi, lo
