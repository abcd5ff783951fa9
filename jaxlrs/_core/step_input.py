"""The one conversion of a user's step into a :class:`.steps.Step`.

Every step a user passes goes through :func:`host_step` (outside a trace) and :func:`float_steps`
(inside it). Nothing else in the library converts steps. Steps are clipped to ``[0, MAX_STEP]``:
a negative step, or a NaN step, is step 0; a step beyond ``MAX_STEP`` (a huge Python int, a
uint64 above 2**63, ``inf``) is ``MAX_STEP``, where every finite schedule holds its final value.
"""

from __future__ import annotations

import numbers
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .steps import _B, _MASK, MAX_STEP, Step, split_int


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
      hi, lo = split_int(int(step))
      return Step(np.int32(hi), np.int32(lo))
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
    frac = None
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
