"""optax's interpolating schedules: ``piecewise_interpolate_schedule`` and the one-cycles on it."""

from __future__ import annotations

from typing import Any

from .. import _compose, _join, _shapes
from ._args import checked
from ._optax_basic import _boundaries_and_values, _steps
from .._core import Schedule, check_value, concrete_float, require, require_choice


@checked
def piecewise_interpolate_schedule(interpolate_type: str, init_value: float,
                                   boundaries_and_scales: dict | None = None) -> Schedule:
  """optax ``piecewise_interpolate_schedule``: interpolate between accumulated scaled values.

  The value moves from ``v_i`` at step ``b_i`` to ``v_{i+1} = v_i s_{i+1}`` at ``b_{i+1}``
  (``b_0 = 0``), linearly or along a half cosine; after the last boundary it holds.

  Args:
    interpolate_type: ``"linear"`` or ``"cosine"``.
    init_value: ``v_0``, the value at step 0.
    boundaries_and_scales: ``{b_i: s_i}``; the value reaches ``v_i = v_{i-1} s_i`` at step
      ``b_i``. None or empty: a constant ``init_value``.

  Returns:
    A :func:`jaxlrs.join` of :func:`jaxlrs.anneal` pieces and a final constant.

  Raises:
    ValueError: unknown ``interpolate_type`` or negative scale (as optax), negative boundary,
      non-finite ``init_value`` or scale.
    TypeError: ``boundaries_and_scales`` not a dict, a non-int boundary or a non-number value.

  Example:
    >>> s = piecewise_interpolate_schedule("linear", 1.0, {4: 0.1, 8: 0.01})
    >>> s(2), s(6)
    (Array(0.55, dtype=float32), Array(0.0505, dtype=float32))
  """
  require_choice("interpolate_type", interpolate_type, ("linear", "cosine"))
  bounds, values = _boundaries_and_values(init_value, boundaries_and_scales)
  starts = [0] + bounds
  pieces: list[Schedule] = []
  joins: list[int] = []
  for i in range(len(bounds)):
    if starts[i + 1] > starts[i]:
      if pieces:
        joins.append(starts[i])
      pieces.append(_compose.anneal(values[i], end_value=values[i + 1],
                                    total_steps=starts[i + 1] - starts[i],
                                    shape=interpolate_type))
  final = _shapes.constant(values[-1])
  if not pieces:
    return final
  return _join.join(pieces + [final], boundaries=joins + [starts[-1]])


def _onecycle_args(transition_steps: Any, pct: dict, div_factor: Any, final_div_factor: Any) -> int:
  steps = _steps("transition_steps", transition_steps, positive=True)
  for name, p in pct.items():
    if isinstance(p, bool) or not isinstance(p, (int, float)):
      raise TypeError(f"{name} must be a float, got {p!r}.")
    require(0 <= p <= 1, name, p, "in [0, 1]")
  for name, d in (("div_factor", div_factor), ("final_div_factor", final_div_factor)):
    d = concrete_float(check_value(name, d))
    require(d is None or d > 0, name, d, "positive")
  return steps


@checked
def linear_onecycle_schedule(transition_steps: int, peak_value: float, pct_start: float = 0.3,
                             pct_final: float = 0.85, div_factor: float = 25.0,
                             final_div_factor: float = 1e4) -> Schedule:
  """optax ``linear_onecycle_schedule``: linear from ``peak/div`` up to ``peak`` at
  ``int(pct_start T)``, back to ``peak/div`` at ``int(pct_final T)``, down to
  ``peak/div/final_div_factor`` at ``T``.

  Args:
    transition_steps: ``T``, the cycle length, positive.
    peak_value: the peak learning rate.
    pct_start: the fraction of ``T`` spent rising, in ``[0, 1]``.
    pct_final: the fraction of ``T`` at which the fall back to ``peak/div`` ends, in
      ``[pct_start, 1]``.
    div_factor: the initial value is ``peak_value / div_factor``, positive.
    final_div_factor: the final value is ``peak_value / div_factor / final_div_factor``,
      positive.

  Returns:
    A :func:`piecewise_interpolate_schedule` (linear).

  Raises:
    ValueError: ``transition_steps <= 0`` (as optax), fractions outside ``[0, 1]`` or
      ``pct_final < pct_start``, non-positive divisors, non-finite values.
    TypeError: a non-int ``transition_steps`` or a non-number value (a bool fraction too).

  Example:
    >>> s = linear_onecycle_schedule(100, 1.0)
    >>> s(30), s(85)
    (Array(1., dtype=float32), Array(0.04, dtype=float32))
  """
  steps = _onecycle_args(transition_steps, {"pct_start": pct_start, "pct_final": pct_final},
                         div_factor, final_div_factor)
  require(pct_final >= pct_start, "pct_final", pct_final, f">= pct_start ({pct_start})")
  scales = {int(pct_start * steps): div_factor, int(pct_final * steps): 1.0 / div_factor,
            steps: 1.0 / final_div_factor}
  return piecewise_interpolate_schedule("linear", peak_value / div_factor, scales)


@checked
def cosine_onecycle_schedule(transition_steps: int, peak_value: float, pct_start: float = 0.3,
                             div_factor: float = 25.0, final_div_factor: float = 1e4) -> Schedule:
  """optax ``cosine_onecycle_schedule``: half cosines from ``peak/div`` up to ``peak`` at
  ``int(pct_start T)`` and down to ``peak/(div final_div_factor)`` at ``T`` (PyTorch's
  ``OneCycleLR`` ends its phases one step earlier: see :func:`jaxlrs.one_cycle`).

  Args:
    transition_steps: ``T``, the cycle length, positive.
    peak_value: the peak learning rate.
    pct_start: the fraction of ``T`` spent rising, in ``[0, 1]``.
    div_factor: the initial value is ``peak_value / div_factor``, positive.
    final_div_factor: the final value is ``peak_value / (div_factor * final_div_factor)``,
      positive.

  Returns:
    A :func:`piecewise_interpolate_schedule` (cosine).

  Raises:
    ValueError: ``transition_steps <= 0`` (as optax), ``pct_start`` outside ``[0, 1]``,
      non-positive divisors, non-finite values.
    TypeError: a non-int ``transition_steps`` or a non-number value (a bool fraction too).

  Example:
    >>> cosine_onecycle_schedule(100, 1.0)(30)
    Array(1., dtype=float32)
  """
  steps = _onecycle_args(transition_steps, {"pct_start": pct_start}, div_factor,
                         final_div_factor)
  scales = {int(pct_start * steps): div_factor, steps: 1.0 / (div_factor * final_div_factor)}
  return piecewise_interpolate_schedule("cosine", peak_value / div_factor, scales)
