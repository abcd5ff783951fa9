"""Schedule kinds behind the timm port: timm's restarting cycles, its power stable phase, its noise.

These are registered schedules (pytrees with configs) like the core shapes. ``timm_cycles``
carries timm's cycle arithmetic (cycle lengths ``t_initial * cycle_mul**i``, peaks
``lr * cycle_decay**i``, ``cycle_limit`` including 0, ``k_decay``) for the curves timm cycles
through; its cosine and tanh curves are the core ``cosine`` and ``tanh`` curves
(:mod:`jaxlrs._curves`), the tanh one with timm's bounds ``lb``/``ub`` and between the values
timm's formula gives at the ends (it stops short of ``lr`` and ``lr_min``; the core curve is
scaled to meet its ends).
"""

from __future__ import annotations

import math
from dataclasses import KW_ONLY

import jax
import jax.numpy as jnp

from .._core import (
    Schedule, check_steps, child_field, concrete_float, require, require_choice,
    require_positive_steps, require_value, safe_pow, static_field, steps_field,
    value_field)
from .._curves import decay
from .._cyclic import cycle_position
from ._torch_random import torch_noise

CURVES = ("cosine", "poly", "tanh")


class timm_cycles(Schedule, kind="timm_cycles"):
  """timm's cycles (``CosineLRScheduler``/``PolyLRScheduler``/``TanhLRScheduler`` after warmup).

  Cycle ``i`` starts at ``S_i = t_initial (cycle_mul**i - 1) / (cycle_mul - 1)`` (``i t_initial``
  when ``cycle_mul == 1``) and lasts ``T_i = t_initial cycle_mul**i``; with ``u = t - S_i`` and
  ``p = lr cycle_decay**i``:

  * ``cosine``: ``lr_min + (p - lr_min) (1 + cos(pi u^k / T_i^k)) / 2``
  * ``poly``: ``lr_min + (p - lr_min) (1 - u^k / T_i^k)^power``
  * ``tanh``: ``lr_min + (p - lr_min) (1 - tanh(lb (1 - u/T_i) + ub u/T_i)) / 2``

  and ``lr_min`` once ``i >= cycle_limit``.

  Example:
    >>> from jaxlrs.compat._timm_shapes import timm_cycles
    >>> timm_cycles(1.0, t_initial=10, curve="poly", power=1.0)(5)
    Array(0.5, dtype=float32)
  """

  lr: float = value_field()
  _: KW_ONLY
  t_initial: int = steps_field()
  lr_min: float = value_field(default=0.0)
  cycle_mul: float = value_field(default=1.0)
  cycle_decay: float = value_field(default=1.0)
  cycle_limit: int = static_field(default=1)
  k_decay: float = value_field(default=1.0)
  curve: str = static_field(default="cosine")
  power: float = value_field(default=0.5)
  lb: float = value_field(default=-7.0)
  ub: float = value_field(default=3.0)

  def _check(self):
    require_positive_steps("t_initial", self.t_initial)
    object.__setattr__(self, "cycle_limit", check_steps("cycle_limit", self.cycle_limit))
    require(self.cycle_limit >= 0, "cycle_limit", self.cycle_limit, "a non-negative int")
    require_choice("curve", self.curve, CURVES)
    require_value("cycle_mul", self.cycle_mul, lambda m: m >= 1, ">= 1")
    require_value("cycle_decay", self.cycle_decay, lambda m: m >= 0, ">= 0")
    require_value("k_decay", self.k_decay, lambda k: k > 0, "positive")

  def _value_at(self, step):
    t = step.value
    i, frac = cycle_position(step, self.t_initial, self.cycle_mul)
    peak = self.lr * safe_pow(jnp.asarray(self.cycle_decay, t.dtype), i)
    if self.curve == "cosine":
      value = decay(peak, self.lr_min, safe_pow(frac, self.k_decay), "cosine")
    elif self.curve == "poly":
      factor = safe_pow(1 - safe_pow(frac, self.k_decay), self.power)
      value = self.lr_min + (peak - self.lr_min) * factor
    else:
      # timm's values stop short of both ends: the core curve between the values timm implies.
      start, end = (self.lr_min + (peak - self.lr_min) * 0.5 * (1 - jnp.tanh(b))
                    for b in (self.lb, self.ub))
      value = decay(start, end, frac, "tanh", lb=self.lb, ub=self.ub)
    return jnp.where(i >= self.cycle_limit, jnp.asarray(self.lr_min, t.dtype), value)

  def horizon(self) -> int:
    m = concrete_float(self.cycle_mul)
    n = self.cycle_limit
    if m is None or m == 1:
      return max(1, self.t_initial * n)
    return max(1, math.ceil(self.t_initial * (m**n - 1) / (m - 1)))


class timm_power_stable(Schedule, kind="timm_power_stable"):
  """``lr (1 + t / timescale) ** -power``: the stable phase of timm's ``WSDLRScheduler``.

  ``power=0.5`` is the ``rsqrt`` stable function (big_vision's reciprocal square root).

  Example:
    >>> from jaxlrs.compat._timm_shapes import timm_power_stable
    >>> timm_power_stable(1.0, timescale=10.0, power=0.5)(30)
    Array(0.5, dtype=float32)
  """

  lr: float = value_field()
  _: KW_ONLY
  timescale: float = value_field()
  power: float = value_field(default=0.5)

  def _check(self):
    require_value("timescale", self.timescale, lambda s: s > 0, "positive")
    require_value("power", self.power, lambda p: p > 0, "positive")

  def _value(self, t):
    return self.lr * safe_pow(1 + t / self.timescale, -self.power)

  def horizon(self) -> int:  # never settles: the steps to fall to a tenth
    ts, p = concrete_float(self.timescale), concrete_float(self.power)
    if ts is None or p is None:
      return 1000
    return max(1, math.ceil(ts * (10 ** (1 / p) - 1)))


class timm_noise(Schedule, kind="timm_noise"):
  """``s(t) (1 + n(t))`` inside timm's noise range, ``s(t)`` outside; ``n`` is timm's noise.

  The noise at step ``t`` is the one timm draws from ``torch.Generator().manual_seed(seed +
  floor(t))`` (see :mod:`jaxlrs.compat._torch_random`): the same values as timm, as a pure
  function of ``(seed, t)``. The range is ``start <= floor(t) < end`` (``end=None``: no end).

  Example:
    >>> from jaxlrs.compat._timm_shapes import timm_noise
    >>> import jaxlrs
    >>> s = timm_noise(jaxlrs.constant(1.0), start=0.0, end=None)
    >>> bool(abs(s(3) - 1.0) < 0.67)
    True
  """

  schedule: Schedule = child_field()
  _: KW_ONLY
  start: float = static_field()
  end: float | None = static_field(default=None)
  noise_pct: float = value_field(default=0.67)
  noise_std: float = value_field(default=1.0)
  noise_seed: int = static_field(default=42)
  noise_type: str = static_field(default="normal")

  def _check(self):
    require_choice("noise_type", self.noise_type, ("normal", "uniform"))
    object.__setattr__(self, "noise_seed", check_steps("noise_seed", self.noise_seed))
    require_value("noise_pct", self.noise_pct, lambda p: p > 0, "positive")
    require_value("noise_std", self.noise_std, lambda s: s > 0, "positive")

  def _value(self, t):
    base = self.schedule._value(t)
    step = jax.lax.stop_gradient(jnp.floor(jnp.clip(t, 0, 2.0**31 - 1))).astype(jnp.int32)
    seed = jnp.uint32(self.noise_seed % 2**32) + step.astype(jnp.uint32)
    pct = jnp.asarray(self.noise_pct, t.dtype)
    std = jnp.asarray(self.noise_std, t.dtype)
    noise = jax.vmap(lambda s: torch_noise(s, self.noise_type, pct, std))(seed.ravel())
    noise = noise.reshape(t.shape).astype(t.dtype)
    whole = jnp.floor(t)  # timm steps are whole epochs or updates
    active = whole >= self.start
    if self.end is not None:
      active = active & (whole < self.end)
    return jnp.where(active, base + base * noise, base)

  def horizon(self) -> int:
    return self.schedule.horizon()


class timm_per_epoch(Schedule, kind="timm_per_epoch"):
  """An epoch schedule read per update: ``f(k) = s(floor(k / updates_per_epoch))``.

  timm steps an epoch schedule (``t_in_epochs=True``) once per epoch, so the learning rate is
  constant within an epoch; this turns such a schedule into one of the optimizer update count.

  Example:
    >>> from jaxlrs.compat._timm_shapes import timm_per_epoch
    >>> import jaxlrs
    >>> timm_per_epoch(jaxlrs.linear(0.0, end_value=1.0, total_steps=10),
    ...                updates_per_epoch=4)(7)
    Array(0.1, dtype=float32)
  """

  schedule: Schedule = child_field()
  _: KW_ONLY
  updates_per_epoch: int = steps_field()

  def _check(self):
    require_positive_steps("updates_per_epoch", self.updates_per_epoch)

  def _value(self, t):
    return self.schedule._value(jnp.floor(t / self.updates_per_epoch))

  def horizon(self) -> int:
    return self.schedule.horizon() * self.updates_per_epoch
