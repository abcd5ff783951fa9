"""Cyclical schedules: triangular cycles (Smith 2017), SGDR restarts, and one-cycle.

All are closed forms in the step: the cycle index comes from arithmetic (or a logarithm for
geometrically growing cycles), so a step costs the same for any number of cycles.
"""

from __future__ import annotations

import math

import jax.numpy as jnp

from ._compose import warmup
from ._schedule import (
    Schedule, _check_steps, ramp, register, require, require_choice,
    require_nonnegative_steps, require_positive_steps, require_value, safe_div, safe_pow,
    static_field, steps_field, value_field)


@register("cyclic")
class cyclic(Schedule):
  """Cyclical learning rate between ``base_value`` and ``max_value`` (PyTorch ``CyclicLR``).

  Each cycle rises linearly for ``step_size_up`` steps and falls for ``step_size_down``.
  With ``c = floor(1 + t / (u + d))`` and ``x = 1 + t / (u + d) - c``:

  .. math:: f(t) = b + (m - b)\\, h(x)\\, g(t), \\quad
     h(x) = \\begin{cases} x / r & x \\le r \\\\ (x - 1) / (r - 1) & x > r\\end{cases},
     \\ r = \\frac{u}{u + d}

  with ``g = 1`` (``triangular``), ``g = 2^{1 - c}`` (``triangular2``) or ``g = \\gamma^t``
  (``exp_range``). Periodic: it never stops cycling.

  Args:
    base_value: lower bound of each cycle.
    max_value: upper bound of the first cycle (``>= base_value``).
    step_size_up: steps of the rising half (a positive int).
    step_size_down: steps of the falling half (default: ``step_size_up``).
    mode: ``triangular``, ``triangular2`` or ``exp_range``.
    gamma: decay base for ``exp_range``, in ``(0, 1]``.

  Raises:
    ValueError: unknown ``mode``, ``max_value < base_value``, non-positive ``step_size_up``,
      negative ``step_size_down``, ``gamma`` outside ``(0, 1]``.

  Example:
    >>> s = jaxlrs.cyclic(0.1, 1.0, step_size_up=10)
    >>> s(5), s(10), s(20)
    (Array(0.55, dtype=float32), Array(1., dtype=float32), Array(0.1, dtype=float32))
  """

  base_value: float = value_field()
  max_value: float = value_field()
  step_size_up: int = steps_field()
  step_size_down: int | None = steps_field(default=None)
  mode: str = static_field(default="triangular")
  gamma: float = value_field(default=1.0)

  def _check(self):
    require_positive_steps("step_size_up", self.step_size_up)
    if self.step_size_down is not None:
      require_nonnegative_steps("step_size_down", self.step_size_down)
    require_choice("mode", self.mode, ("triangular", "triangular2", "exp_range"))
    require_value("gamma", self.gamma, lambda g: 0 < g <= 1, "in (0, 1]")
    if isinstance(self.base_value, float) and isinstance(self.max_value, float):
      require(self.max_value >= self.base_value, "max_value", self.max_value,
              f">= base_value ({self.base_value})")

  def _value(self, t):
    up = self.step_size_up
    down = up if self.step_size_down is None else self.step_size_down
    total = up + down
    ratio = up / jnp.asarray(total, t.dtype)
    cycle = jnp.floor(1 + t / total)
    x = 1 + t / total - cycle
    h = jnp.where(x <= ratio, safe_div(x, ratio), safe_div(1 - x, 1 - ratio))
    if self.mode == "triangular":
      g = 1.0
    elif self.mode == "triangular2":
      g = safe_pow(jnp.asarray(0.5, t.dtype), cycle - 1)
    else:
      g = safe_pow(jnp.asarray(self.gamma, t.dtype), t)
    return self.base_value + (self.max_value - self.base_value) * h * g


@register("cosine_restarts")
class _cosine_restarts(Schedule):
  """The restart part of :func:`cosine_restarts` (without its warmup)."""

  init_value: float = value_field()
  cycle_steps: int = steps_field()
  t_mul: float = value_field(default=1.0)
  m_mul: float = value_field(default=1.0)
  end_value: float = value_field(default=0.0)
  cycle_limit: int | None = static_field(default=None)
  k_decay: float = value_field(default=1.0)

  def _check(self):
    require_positive_steps("cycle_steps", self.cycle_steps)
    require_value("t_mul", self.t_mul, lambda m: m >= 1, ">= 1")
    require_value("m_mul", self.m_mul, lambda m: m >= 0, ">= 0")
    require_value("k_decay", self.k_decay, lambda k: k > 0, "positive")
    if self.cycle_limit is not None:
      object.__setattr__(self, "cycle_limit", _check_steps("cycle_limit", self.cycle_limit))
      require(self.cycle_limit >= 1, "cycle_limit", self.cycle_limit, ">= 1 (or None)")

  def _value(self, t):
    period = jnp.asarray(self.cycle_steps, t.dtype)
    m = jnp.asarray(self.t_mul, t.dtype)
    geometric = m > 1
    m_safe = jnp.where(geometric, m, 2.0)

    def cycle_start(i):
      return jnp.where(geometric, period * (m_safe**i - 1) / (m_safe - 1), period * i)

    def cycle_length(i):
      return jnp.where(geometric, period * m_safe**i, period)

    i = jnp.where(geometric, jnp.floor(jnp.log1p(t * (m_safe - 1) / period) / jnp.log(m_safe)),
                  jnp.floor(t / period))
    # One correction step absorbs the rounding of floor(log(...)) near a restart.
    i = jnp.where(t < cycle_start(i), i - 1, i)
    i = jnp.where(t >= cycle_start(i) + cycle_length(i), i + 1, i)
    frac = jnp.clip((t - cycle_start(i)) / cycle_length(i), 0, 1)
    peak = self.init_value * safe_pow(jnp.asarray(self.m_mul, t.dtype), i)
    factor = 0.5 * (1 + jnp.cos(math.pi * safe_pow(frac, self.k_decay)))
    value = self.end_value + (peak - self.end_value) * factor
    if self.cycle_limit is None:
      return value
    return jnp.where(i >= self.cycle_limit, jnp.asarray(self.end_value, t.dtype), value)


def cosine_restarts(init_value: float, cycle_steps: int, t_mul: float = 1.0,
                    m_mul: float = 1.0, end_value: float = 0.0, cycle_limit: int | None = None,
                    warmup_steps: int = 0, k_decay: float = 1.0) -> Schedule:
  """Cosine annealing with warm restarts (SGDR, Loshchilov & Hutter 2017).

  Cycle ``i`` lasts ``T_i = cycle_steps * t_mul**i`` steps and starts at
  ``S_i = cycle_steps (t_mul**i - 1) / (t_mul - 1)`` (``i * cycle_steps`` when ``t_mul == 1``):

  .. math:: f(t) = v_e + (v_0 m^i - v_e)\\, \\tfrac12\\left(1 + \\cos\\left(\\pi
     \\left(\\tfrac{t - S_i}{T_i}\\right)^k\\right)\\right)

  The cycle index is a closed form (a logarithm for ``t_mul > 1``), so any number of cycles
  costs the same. After ``cycle_limit`` cycles the schedule holds ``end_value``. With
  ``warmup_steps > 0`` a linear warmup from 0 comes first and the cycles start after it.
  ``t_mul=2`` with integer ``cycle_steps`` gives PyTorch ``CosineAnnealingWarmRestarts``;
  ``m_mul`` and ``k_decay`` are timm's ``cycle_decay`` and ``k_decay``.

  Args:
    init_value: peak value of the first cycle.
    cycle_steps: length of the first cycle (a positive int).
    t_mul: cycle length multiplier, a real number ``>= 1``.
    m_mul: peak multiplier per cycle, ``>= 0``.
    end_value: value at the end of every cycle.
    cycle_limit: number of cycles before holding ``end_value`` (None: forever).
    warmup_steps: linear warmup steps before the first cycle.
    k_decay: exponent on the cycle fraction (timm ``k_decay``), positive.

  Returns:
    A schedule (a :class:`warmup` around the restarts when ``warmup_steps > 0``).

  Raises:
    ValueError: ``cycle_steps <= 0``, ``t_mul < 1``, ``m_mul < 0``, ``cycle_limit < 1``,
      negative ``warmup_steps``.

  Example:
    >>> s = jaxlrs.cosine_restarts(1.0, cycle_steps=10, t_mul=2.0)
    >>> s(10), s(20)  # restart at 10, half-way through the 20-step second cycle
    (Array(1., dtype=float32), Array(0.49999997, dtype=float32))
  """
  s = _cosine_restarts(init_value, cycle_steps, t_mul=t_mul, m_mul=m_mul, end_value=end_value,
                       cycle_limit=cycle_limit, k_decay=k_decay)
  warmup_steps = _check_steps("warmup_steps", warmup_steps)
  require_nonnegative_steps("warmup_steps", warmup_steps)
  return warmup(s, warmup_steps) if warmup_steps else s


@register("one_cycle")
class one_cycle(Schedule):
  """The one-cycle policy (Smith & Topin 2018) with PyTorch ``OneCycleLR`` values.

  From ``v_i = peak_value / div_factor`` up to ``peak_value``, then down to
  ``v_i / final_div_factor``. Phase ends (PyTorch's, as float steps):

  * two phases: up until ``pct_start * T - 1``, down until ``T - 1``;
  * ``three_phase``: up until ``pct_start * T - 1``, back to ``v_i`` until
    ``2 pct_start * T - 2``, down to ``v_i / final_div_factor`` until ``T - 1``.

  Each phase moves along ``anneal`` (``"cos"``: half cosine; ``"linear"``). After ``T - 1`` the
  schedule holds its final value (PyTorch raises instead). Optax's
  ``cosine_onecycle_schedule`` puts its phase ends at ``int(pct_start * T)`` and ``T``: one step
  later than PyTorch.

  Args:
    peak_value: the maximum value.
    total_steps: the cycle length ``T`` (a positive int).
    pct_start: fraction of the cycle spent rising, in ``(0, 1)``.
    anneal: ``"cos"`` or ``"linear"``.
    div_factor: ``peak_value / initial value``, positive.
    final_div_factor: ``initial value / final value``, positive.
    three_phase: use the three-phase variant.

  Raises:
    ValueError: ``total_steps <= 0``, ``pct_start`` outside ``(0, 1)``, unknown ``anneal``,
      non-positive divisors.

  Example:
    >>> s = jaxlrs.one_cycle(1.0, total_steps=100, pct_start=0.3)
    >>> s(0), s(29)
    (Array(0.04000002, dtype=float32), Array(1., dtype=float32))
  """

  peak_value: float = value_field()
  total_steps: int = steps_field()
  pct_start: float = static_field(default=0.3)
  anneal: str = static_field(default="cos")
  div_factor: float = value_field(default=25.0)
  final_div_factor: float = value_field(default=1e4)
  three_phase: bool = static_field(default=False)

  def _check(self):
    require_positive_steps("total_steps", self.total_steps)
    if isinstance(self.pct_start, bool) or not isinstance(self.pct_start, (int, float)):
      raise TypeError(f"pct_start must be a float, got {self.pct_start!r}.")
    require(0 < self.pct_start < 1, "pct_start", self.pct_start, "in (0, 1)")
    object.__setattr__(self, "pct_start", float(self.pct_start))
    require_choice("anneal", self.anneal, ("cos", "linear"))
    require_value("div_factor", self.div_factor, lambda d: d > 0, "positive")
    require_value("final_div_factor", self.final_div_factor, lambda d: d > 0, "positive")
    require(isinstance(self.three_phase, bool), "three_phase", self.three_phase, "a bool")

  def _value(self, t):
    total = self.total_steps
    initial = self.peak_value / self.div_factor
    final = initial / self.final_div_factor
    rise_end = self.pct_start * total - 1
    if self.three_phase:
      phases = [(rise_end, initial, self.peak_value),
                (2 * self.pct_start * total - 2, self.peak_value, initial),
                (total - 1, initial, final)]
    else:
      phases = [(rise_end, initial, self.peak_value), (total - 1, self.peak_value, final)]
    shape = "cosine" if self.anneal == "cos" else "linear"
    values, start = [], 0.0
    for end, v0, v1 in phases:
      length = end - start
      frac = jnp.where(length > 0, jnp.clip(safe_div(t - start, length), 0, 1), 1.0)
      values.append(ramp(v0, v1, frac, shape))
      start = end
    out = values[-1]
    for (end, _, _), v in zip(reversed(phases[:-1]), reversed(values[:-1])):
      out = jnp.where(t <= end, v, out)
    return out
