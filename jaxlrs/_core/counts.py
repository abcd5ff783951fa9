"""Step counts gathered by index: the boundaries and piece starts of joins and piecewise schedules.

:func:`split_counts` turns a sequence of counts into int32 arrays once; :func:`take_count` picks
one with a traced index, ready for :meth:`.steps.Step.lt` and :meth:`.steps.Step.since`.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .steps import split_array, split_int


def split_counts(counts: Any) -> tuple[Any, jax.Array]:
  """A sequence of step counts (Python ints, or traced numbers below 2**24) as ``(hi, lo)`` int32
  arrays, to pick a count with :func:`take_count`. ``hi`` is None when every count is a Python
  int in ``[0, 2**31)`` (the usual case: one int32 array)."""
  if all(isinstance(k, (int, np.integer)) for k in counts):
    parts = [split_int(int(k)) for k in counts]
    lo = jnp.asarray(np.array([x for _, x in parts], np.int32))
    if all(h == 0 for h, _ in parts):
      return None, lo
    return jnp.asarray(np.array([h for h, _ in parts], np.int32)), lo
  hi, lo, _ = split_array(jnp.stack([jnp.asarray(k, jnp.float32) for k in counts]))
  return hi, lo


def take(a: Any, i: Any) -> jax.Array:
  """``a[i]`` (row ``i`` of ``a``) for traced indices ``i`` known to be in range (a scalar index:
  one dynamic slice, without the wrapping of negative indices)."""
  a = jnp.asarray(a)
  if jnp.ndim(i) > 0:
    return a[i]
  piece = jax.lax.dynamic_slice(a, (i, *(0,) * (a.ndim - 1)), (1, *a.shape[1:]),
                                allow_negative_indices=False)
  return jax.lax.squeeze(piece, (0,))


def take_count(counts: tuple[Any, jax.Array], i: Any) -> tuple[Any, jax.Array]:
  """Count ``i`` (in range) of a :func:`split_counts` pair, for :meth:`Step.lt` and
  :meth:`Step.since`."""
  hi, lo = counts
  return (None if hi is None else take(hi, i)), take(lo, i)
