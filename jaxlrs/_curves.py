"""The curve shapes: the one vocabulary of transitions, each defined once, here.

A curve moves a value from ``start`` (at ``f = 0``) to ``end`` (at ``f = 1``); ``f`` is the
fraction of the transition done. Every composer that takes a shape (``warmup``,
``warmup_multiplier``, ``anneal``, ``warmup_stable_decay``, ``one_cycle``, ``swa_schedule``,
``cyclic``) takes a registered name here under the argument ``shape`` (``warmup_shape`` /
``decay_shape`` where a composer has both phases) and accepts every registered shape.

A phase moving *away* from a peak (a decay, a cooldown) follows the curve forwards:
:func:`decay`. A phase moving *towards* a peak (a warmup, the rise of a cycle) follows it
backwards in time: :func:`rise`, ``rise(a, b, f) = decay(b, a, 1 - f)``. For the shapes that are
symmetric in time (linear, cosine, exponential) the two agree; for ``1-sqrt`` the warmup is
``1 - sqrt(1 - f)`` (convex), as in Hugging Face's WSD schedule.

Adding a shape is one decorated function below: it appears in :data:`SHAPES`, in every composer,
in the error messages and in the tests that run over every shape. A curve may take parameters of
its own as keyword arguments with documented defaults (``tanh``'s bounds ``lb``/``ub``): the
composers use the defaults, and a port that needs other values passes them to :func:`decay` or
:func:`rise`.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import jax
import jax.numpy as jnp

from ._core import concrete_float, safe_div, safe_pow

CurveFn = Callable[..., jax.Array]  # (start, end, f, **parameters of the curve) -> values
_CURVES: dict[str, CurveFn] = {}
_POSITIVE: set[str] = set()
_SYMMETRIC: set[str] = set()


def _curve(name: str, positive: bool = False,
           symmetric: bool = False) -> Callable[[CurveFn], CurveFn]:
  """Register a curve. ``positive``: both values must be > 0. ``symmetric``: read backwards in
  time it is the same curve, so :func:`rise` may use the forward formula (better rounding)."""
  def add(fn: CurveFn) -> CurveFn:
    _CURVES[name] = fn
    if positive:
      _POSITIVE.add(name)
    if symmetric:
      _SYMMETRIC.add(name)
    return fn
  return add


@_curve("linear", symmetric=True)
def _linear(start, end, f):
  """``start (1 - f) + end f``. Constant slope; exact at both ends in floating point (the form
  ``start + (end - start) f`` misses ``end`` by the rounding of ``end - start``: PyTorch's
  ``OneCycleLR`` linear end of 4e-7 came out as 4.0233e-7 in float32)."""
  return start * (1 - f) + end * f


@_curve("cosine", symmetric=True)
def _cosine(start, end, f):
  """``end + (start - end) (1 + cos(pi f)) / 2``. Zero slope at both ends.

  Also defined for ``f`` outside ``[0, 1]``, where it continues periodically: ``f = 2 c u``
  traces ``c`` full cosine periods over ``u in [0, 1]`` (:func:`jaxlrs.cosine` ``cycles``).

  Evaluated as ``sin(pi d / 2)^2`` with ``d = |(f mod 2) - 1|`` the distance to the bottom, an
  identity that keeps the tail's relative precision: ``1 + cos(pi f)`` cancels near ``f = 1``
  (in float32 the second-to-last of 300 steps was off by 1.4e-4 relative), while ``d`` is exact
  there (a difference of nearby floats) and the sine of a small angle is accurate.
  """
  d = jnp.abs(jnp.mod(f, 2) - 1)
  return end + (start - end) * jnp.square(jnp.sin(0.5 * math.pi * d))


@_curve("exponential", positive=True, symmetric=True)
def _exponential(start, end, f):
  """``start (end / start)^f``: geometric, a constant rate in log space. Both values ``> 0``."""
  return start * safe_pow(safe_div(jnp.asarray(end, f.dtype), start), f)


@_curve("1-sqrt")
def _one_minus_sqrt(start, end, f):
  """``end + (start - end)(1 - sqrt(f))`` (Hägele et al. 2024): infinite slope at ``f = 0``
  (gradients stay finite), slope ``-(start - end) / 2`` at ``f = 1``."""
  return end + (start - end) * (1 - safe_pow(f, 0.5))


_TANH_LB, _TANH_UB = -7.0, 3.0


def _tanh_of(x: Any) -> Any:
  return math.tanh(x) if isinstance(x, (int, float)) else jnp.tanh(x)


@_curve("tanh")
def _tanh(start, end, f, lb=_TANH_LB, ub=_TANH_UB):
  """timm's ``TanhLRScheduler`` curve (bounds ``lb < ub``, timm's defaults -7 and 3), scaled to
  meet both ends exactly:

  ``end + (start - end) (tanh(ub) - tanh(lb + (ub - lb) f)) / (tanh(ub) - tanh(lb))``. With the
  default bounds it is nearly flat at the start and steepest at ``f = 0.7``. timm's own values,
  which stop short of both ends, are this curve between ``lr_min + (lr - lr_min)(1 - tanh(lb)) / 2``
  and ``lr_min + (lr - lr_min)(1 - tanh(ub)) / 2``. The composers use the default bounds.
  """
  hi, lo = _tanh_of(ub), _tanh_of(lb)
  g = (hi - jnp.tanh(lb + (ub - lb) * f)) / (hi - lo)
  return end + (start - end) * g


SHAPES: tuple[str, ...] = tuple(_CURVES)


def check_shape(name: str, shape: Any, **values: Any) -> None:
  """``shape`` is a registered name; a shape needing positive values gets them.

  Args:
    name: the argument name to report (``shape``, ``decay_shape``, ...).
    shape: the user's value.
    **values: the values the curve will move between, by argument name (checked when concrete).

  Raises:
    ValueError: unknown shape, or a non-positive value for ``exponential``.
  """
  if not isinstance(shape, str) or shape not in _CURVES:
    raise ValueError(f"{name} must be one of {SHAPES}, got {shape!r}.")
  if shape in _POSITIVE:
    for arg, v in values.items():
      x = concrete_float(v)
      if x is not None and not x > 0:
        raise ValueError(f"{arg} must be positive for {name}={shape!r}, got {x!r}.")


def decay(start: Any, end: Any, f: jax.Array, shape: str, **params: Any) -> jax.Array:
  """Move from ``start`` to ``end`` along ``shape`` (forwards in time); ``params`` are the
  curve's own parameters (``lb``/``ub`` of ``tanh``), by default its documented defaults."""
  return _CURVES[shape](start, end, f, **params)


def rise(start: Any, end: Any, f: jax.Array, shape: str, **params: Any) -> jax.Array:
  """Move from ``start`` to ``end`` along ``shape`` read backwards in time (warmups)."""
  if shape in _SYMMETRIC:
    return _CURVES[shape](start, end, f, **params)
  return _CURVES[shape](end, start, 1 - f, **params)
