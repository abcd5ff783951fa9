"""Cyclical schedules: triangular cycles (Smith 2017), SGDR restarts, and one-cycle.

All are closed forms in the step: the cycle index comes from arithmetic (or a logarithm for
geometrically growing cycles), so a step costs the same for any number of cycles.
"""

from __future__ import annotations

import math
from typing import Any
from dataclasses import KW_ONLY

import jax.numpy as jnp

from ._compose import warmup_value
from ._core import (
    Schedule, check_steps, concrete_float, finite_max, float_count, require, require_nonnegative_steps,
    require_positive_steps, require_value, safe_div, safe_pow, scaled_pow, static_field,
    steps_field, value_field)
from ._curves import check_shape, decay, rise


class cyclic(Schedule, kind="cyclic"):
  """Cyclical learning rate between ``init_value`` and ``peak_value`` (Smith 2017).

  Each cycle rises along ``shape`` for ``rise_steps`` steps and falls back for ``fall_steps``.
  With ``c = floor(t / (u + d))`` the cycles done and ``x = t - c (u + d)`` the steps into the
  current one:

  .. math:: f(t) = \\begin{cases} \\mathrm{rise}(v_0, h, x / u) & x \\le u \\\\
     \\mathrm{decay}(h, v_0, (x - u) / d) & x > u \\end{cases}, \\quad
     h = v_0 + (p - v_0)\\, \\gamma_c^{c} \\gamma_s^{t}

  with ``gamma_c = cycle_decay`` and ``gamma_s = decay_rate``. PyTorch ``CyclicLR`` modes:
  ``triangular`` is the default, ``triangular2`` is ``cycle_decay=0.5``, ``exp_range`` is
  ``decay_rate=gamma`` (see :func:`jaxlrs.compat.torch.CyclicLR`). Periodic: it never stops.

  Args:
    init_value: the value at the start of every cycle.
    peak_value: the top of the first cycle.
    rise_steps: steps of the rising part (a positive int).
    fall_steps: steps of the falling part (default: ``rise_steps``; may be 0).
    shape: a registered curve shape for both parts.
    cycle_decay: factor on the amplitude per cycle, positive.
    decay_rate: factor on the amplitude per step, in ``(0, 1]``.

  Returns:
    A periodic schedule of period ``rise_steps + fall_steps``: ``init_value`` at the start of
    every cycle, the (possibly decaying) peak at ``rise_steps`` into it. ``horizon()`` is two
    cycles.

  Raises:
    ValueError: non-positive ``rise_steps``, negative ``fall_steps``, unknown ``shape``,
      ``peak_value < init_value``,
      ``cycle_decay <= 0``, ``decay_rate`` outside ``(0, 1]``.

  Example:
    >>> s = jaxlrs.cyclic(0.1, peak_value=1.0, rise_steps=10)
    >>> s(5), s(10), s(20)
    (Array(0.55, dtype=float32), Array(1., dtype=float32), Array(0.1, dtype=float32))
  """

  init_value: float = value_field()
  _: KW_ONLY
  peak_value: float = value_field()
  rise_steps: int = steps_field()
  fall_steps: int | None = steps_field(default=None)
  shape: str = static_field(default="linear")
  cycle_decay: float = value_field(default=1.0)
  decay_rate: float = value_field(default=1.0)

  def _check(self):
    require_positive_steps("rise_steps", self.rise_steps)
    if self.fall_steps is not None:
      require_nonnegative_steps("fall_steps", self.fall_steps)
    check_shape("shape", self.shape, init_value=self.init_value, peak_value=self.peak_value)
    require_value("cycle_decay", self.cycle_decay, lambda g: g > 0, "positive")
    require_value("decay_rate", self.decay_rate, lambda g: 0 < g <= 1, "in (0, 1]")
    lo, hi = concrete_float(self.init_value), concrete_float(self.peak_value)
    if lo is not None and hi is not None:
      require(hi >= lo, "peak_value", hi, f">= init_value ({lo})")

  def _value_at(self, step):
    up = self.rise_steps
    down = up if self.fall_steps is None else self.fall_steps
    t = step.value
    done, pos = step.cycle(up + down)  # completed cycles, steps into this one (exact)
    amplitude = scaled_pow(self.peak_value - self.init_value,
                           jnp.asarray(self.cycle_decay, t.dtype), done)
    top = amplitude >= finite_max(t.dtype)  # saturated growth: no gradient through the decay
    high = jnp.where(top, amplitude, self.init_value + jnp.where(top, 0.0, amplitude)
                     * safe_pow(jnp.asarray(self.decay_rate, t.dtype), t))
    rising = rise(self.init_value, high, jnp.clip(safe_div(pos, up), 0, 1), self.shape)
    falling = decay(high, self.init_value,
                    jnp.clip(safe_div(pos - float_count(up), down), 0, 1), self.shape)
    return jnp.where(pos <= float_count(up), rising, falling)

  def horizon(self) -> int:
    """Two cycles."""
    return 2 * (self.rise_steps + (self.rise_steps if self.fall_steps is None else
                                   self.fall_steps))


def cycle_position(step: Any, cycle_steps: int, cycle_mul: Any) -> tuple[Any, Any]:
  """The cycle index ``i`` and the position ``frac`` in ``[0, 1]`` inside it, at ``step``.

  Cycle ``i`` lasts ``cycle_steps * cycle_mul**i`` steps (SGDR / timm cycles, ``cycle_mul >= 1``).
  Geometric cycles find ``i`` by a logarithm with one correction step for its rounding at a
  restart; equal cycles use the exact remainder of the step (no drift at large steps).
  """
  t = step.value
  period = jnp.asarray(float_count(cycle_steps), t.dtype)
  m = jnp.asarray(cycle_mul, t.dtype)
  geometric = m > 1
  m_safe = jnp.where(geometric, m, 2.0)

  def cycle_start(i):
    return jnp.where(geometric, period * (m_safe**i - 1) / (m_safe - 1), period * i)

  def cycle_length(i):
    return jnp.where(geometric, period * m_safe**i, period)

  i = jnp.floor(jnp.log1p(t * (m_safe - 1) / period) / jnp.log(m_safe))
  i = jnp.where(t < cycle_start(i), i - 1, i)
  i = jnp.where(t >= cycle_start(i) + cycle_length(i), i + 1, i)
  frac = jnp.clip((t - cycle_start(i)) / cycle_length(i), 0, 1)
  done, pos = step.cycle(cycle_steps)
  return (jnp.where(geometric, i, done),
          jnp.where(geometric, frac, jnp.clip(pos / period, 0, 1)))


class cosine_restarts(Schedule, kind="cosine_restarts"):
  """Cosine annealing with warm restarts (SGDR, Loshchilov & Hutter 2017).

  Cycle ``i`` lasts ``T_i = cycle_steps * cycle_mul**i`` steps and starts at
  ``S_i = cycle_steps (cycle_mul**i - 1) / (cycle_mul - 1)`` (``i * cycle_steps`` when
  ``cycle_mul == 1``):

  .. math:: f(t) = v_e + (v_0 m^i - v_e)\\, \\tfrac12\\left(1 + \\cos\\left(\\pi
     \\left(\\tfrac{t - S_i}{T_i}\\right)^k\\right)\\right)

  with ``m = cycle_decay`` and ``k = time_exponent``. The cycle index is a closed form (a
  logarithm for ``cycle_mul > 1``), so any number of cycles costs the same. After
  ``cycle_limit`` cycles the schedule holds ``end_value``. With ``warmup_steps > 0`` a linear
  warmup from 0 comes first and the cycles start after it. ``cycle_mul=2`` with integer
  ``cycle_steps`` gives PyTorch ``CosineAnnealingWarmRestarts``; ``cycle_decay`` and
  ``time_exponent`` are timm's ``cycle_decay`` and ``k_decay``.

  Args:
    init_value: peak value of the first cycle.
    cycle_steps: length of the first cycle (a positive int).
    cycle_mul: cycle length multiplier, a real number ``>= 1``.
    cycle_decay: peak multiplier per cycle, ``>= 0``.
    end_value: value at the end of every cycle.
    cycle_limit: number of cycles before holding ``end_value`` (None: forever).
    warmup_steps: linear warmup steps before the first cycle.
    time_exponent: exponent ``k > 0`` on the fraction of the cycle done.

  Returns:
    A schedule restarting at the start of every cycle; with ``cycle_limit`` it holds
    ``end_value`` after the last cycle (its ``horizon()``), otherwise it cycles for ever and
    ``horizon()`` is the end of the second cycle.

  Raises:
    ValueError: ``cycle_steps <= 0``, ``cycle_mul < 1``, ``cycle_decay < 0``,
      ``cycle_limit < 1``, negative ``warmup_steps``, ``time_exponent <= 0``.

  Example:
    >>> s = jaxlrs.cosine_restarts(1.0, cycle_steps=10, cycle_mul=2.0)
    >>> s(10), s(20)  # restart at 10, half-way through the 20-step second cycle
    (Array(1., dtype=float32), Array(0.49999997, dtype=float32))
  """

  init_value: float = value_field()
  _: KW_ONLY
  cycle_steps: int = steps_field()
  cycle_mul: float = value_field(default=1.0)
  cycle_decay: float = value_field(default=1.0)
  end_value: float = value_field(default=0.0)
  cycle_limit: int | None = static_field(default=None)
  warmup_steps: int = steps_field(default=0)
  time_exponent: float = value_field(default=1.0)

  def _check(self):
    require_positive_steps("cycle_steps", self.cycle_steps)
    require_nonnegative_steps("warmup_steps", self.warmup_steps)
    require_value("cycle_mul", self.cycle_mul, lambda m: m >= 1, ">= 1")
    require_value("cycle_decay", self.cycle_decay, lambda m: m >= 0, ">= 0")
    require_value("time_exponent", self.time_exponent, lambda k: k > 0, "positive")
    if self.cycle_limit is not None:
      object.__setattr__(self, "cycle_limit", check_steps("cycle_limit", self.cycle_limit))
      require(self.cycle_limit >= 1, "cycle_limit", self.cycle_limit, ">= 1 (or None)")

  def _restarts(self, step):
    t = step.value
    i, frac = cycle_position(step, self.cycle_steps, self.cycle_mul)
    peak = scaled_pow(self.init_value, jnp.asarray(self.cycle_decay, t.dtype), i)
    factor = decay(1.0, 0.0, safe_pow(frac, self.time_exponent), "cosine")
    value = self.end_value + (peak - self.end_value) * factor
    if self.cycle_limit is None:
      return value
    return jnp.where(i >= self.cycle_limit, jnp.asarray(self.end_value, t.dtype), value)

  def _value_at(self, step):
    after = self._restarts(step.since(self.warmup_steps, nonnegative=True))
    return warmup_value(step, self.warmup_steps, 0.0, self._restarts(step.full(0, ())), after,
                        "linear")

  def horizon(self) -> int:
    """The end of the last cycle, or two cycles without ``cycle_limit`` (after the warmup)."""
    n = 2 if self.cycle_limit is None else self.cycle_limit
    m = concrete_float(self.cycle_mul)
    if m is None or m == 1:
      length = n * self.cycle_steps
    else:
      length = math.ceil(self.cycle_steps * (m**n - 1) / (m - 1) - 1e-9)
    return self.warmup_steps + length


class one_cycle(Schedule, kind="one_cycle"):
  """The one-cycle policy (Smith & Topin 2018) with PyTorch ``OneCycleLR`` phase ends.

  From ``v_i = init_ratio * peak_value`` up to ``peak_value``, then down to
  ``v_e = end_ratio * peak_value``. With ``T = total_steps`` and ``p = rise_fraction``, the
  phase ends (PyTorch's, as float steps) are:

  * two phases: up until ``p T - 1``, down until ``T - 1``;
  * ``three_phase``: up until ``p T - 1``, back to ``v_i`` until ``2 p T - 2``, down to
    ``v_e`` until ``T - 1``.

  The rising phase follows ``shape`` backwards in time, the others forwards (see
  :mod:`jaxlrs._curves`). After ``T - 1`` the schedule holds ``v_e`` (PyTorch raises instead).
  PyTorch's ``div_factor`` is ``1 / init_ratio`` and ``final_div_factor`` is
  ``init_ratio / end_ratio`` (see :func:`jaxlrs.compat.torch.OneCycleLR`). Optax's
  ``cosine_onecycle_schedule`` puts its phase ends at ``int(p T)`` and ``T``: one step later.

  Args:
    peak_value: the maximum value.
    total_steps: the cycle length ``T`` (a positive int).
    rise_fraction: fraction of ``total_steps`` spent rising, in ``(0, 1)`` (a value: it can be
      traced and vmapped).
    shape: a registered curve shape for every phase.
    init_ratio: the value at step 0 as a fraction of ``peak_value``, ``>= 0``.
    end_ratio: the final value as a fraction of ``peak_value``, ``>= 0``.
    three_phase: use the three-phase variant.

  Returns:
    A schedule from ``init_ratio * peak_value`` up to ``peak_value`` and down to
    ``end_ratio * peak_value``, held from ``total_steps - 1`` (its ``horizon()``) on.

  Raises:
    ValueError: ``total_steps <= 0``, ``rise_fraction`` outside ``(0, 1)``, unknown ``shape``,
      negative ratios.

  Example:
    >>> s = jaxlrs.one_cycle(1.0, total_steps=100, rise_fraction=0.3)
    >>> s(0), s(29)
    (Array(0.04000002, dtype=float32), Array(1., dtype=float32))
  """

  peak_value: float = value_field()
  _: KW_ONLY
  total_steps: int = steps_field()
  rise_fraction: float = value_field(default=0.3)
  shape: str = static_field(default="cosine")
  init_ratio: float = value_field(default=0.04)
  end_ratio: float = value_field(default=4e-6)
  three_phase: bool = static_field(default=False)

  def _check(self):
    require_positive_steps("total_steps", self.total_steps)
    require_value("rise_fraction", self.rise_fraction, lambda p: 0 < p < 1, "in (0, 1)")
    require_value("init_ratio", self.init_ratio, lambda r: r >= 0, ">= 0")
    require_value("end_ratio", self.end_ratio, lambda r: r >= 0, ">= 0")
    check_shape("shape", self.shape, init_ratio=self.init_ratio, end_ratio=self.end_ratio)
    require(isinstance(self.three_phase, bool), "three_phase", self.three_phase, "a bool")

  def _value(self, t):
    total = float_count(self.total_steps)
    peak = self.peak_value
    initial, final = peak * self.init_ratio, peak * self.end_ratio
    rise_end = self.rise_fraction * total - 1
    if self.three_phase:
      phases = [(rise_end, initial, peak, rise),
                (2 * self.rise_fraction * total - 2, peak, initial, decay),
                (total - 1, initial, final, decay)]
    else:
      phases = [(rise_end, initial, peak, rise), (total - 1, peak, final, decay)]
    values, start = [], 0.0
    for end, v0, v1, curve in phases:
      length = end - start
      frac = jnp.where(length > 0, jnp.clip(safe_div(t - start, length), 0, 1), 1.0)
      values.append(curve(v0, v1, frac, self.shape))
      start = end
    out = values[-1]
    for (end, *_), v in zip(reversed(phases[:-1]), reversed(values[:-1])):
      out = jnp.where(t <= end, v, out)
    # Hold the final value from T - 1 on, also when a middle phase would end later
    # (three phases with rise_fraction > 1/2).
    return jnp.where(t >= total - 1, values[-1], out)

  def horizon(self) -> int:
    """``T - 1``, where the last phase ends (PyTorch's phase ends)."""
    return max(self.total_steps - 1, 0)
