"""Training recipes built from the shapes: warmup-stable-decay, the SWA schedule, and noise."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from ._compose import anneal, warmup
from ._join import join
from ._schedule import (
    Schedule, _check_steps, child_field, fraction, ramp, register, require, require_choice,
    require_nonnegative_steps, require_positive_steps, require_value, static_field, steps_field,
    value_field)
from ._shapes import constant


def warmup_stable_decay(peak_value: float, total_steps: int, warmup_steps: int,
                        decay_steps: int, decay_shape: str = "linear", end_value: float = 0.0,
                        init_value: float = 0.0) -> Schedule:
  """Warmup-stable-decay (WSD, "trapezoid"): warm up, hold the peak, then cool down.

  .. math:: f(t) = \\begin{cases}
     v_0 + (p - v_0) t / w & t < w \\\\
     p & w \\le t < T - d \\\\
     \\mathrm{ramp}(p, v_e, (t - T + d) / d) & T - d \\le t < T \\\\
     v_e & t \\ge T \\end{cases}

  Built as ``warmup(join([constant(p), anneal(p, v_e, d, shape)], [T - w - d]), w, v_0)``.

  Args:
    peak_value: the stable value.
    total_steps: total length, warmup included (a positive int).
    warmup_steps: linear warmup length (a non-negative int).
    decay_steps: cooldown length at the end (a positive int).
    decay_shape: ``linear``, ``cosine`` or ``1-sqrt`` (Hägele et al. 2024).
    end_value: value after the cooldown.
    init_value: value at step 0.

  Raises:
    ValueError: ``warmup_steps + decay_steps > total_steps``, non-positive ``decay_steps``,
      unknown ``decay_shape``.

  Example:
    >>> s = jaxlrs.warmup_stable_decay(1.0, total_steps=100, warmup_steps=10, decay_steps=20)
    >>> s(5), s(50), s(90)
    (Array(0.5, dtype=float32), Array(1., dtype=float32), Array(0.5, dtype=float32))
  """
  total_steps = _check_steps("total_steps", total_steps)
  warmup_steps = _check_steps("warmup_steps", warmup_steps)
  decay_steps = _check_steps("decay_steps", decay_steps)
  require_positive_steps("total_steps", total_steps)
  require_nonnegative_steps("warmup_steps", warmup_steps)
  require_positive_steps("decay_steps", decay_steps)
  require(warmup_steps + decay_steps <= total_steps, "warmup_steps + decay_steps",
          warmup_steps + decay_steps, f"<= total_steps ({total_steps})")
  require_choice("decay_shape", decay_shape, ("linear", "cosine", "1-sqrt"))
  stable_steps = total_steps - warmup_steps - decay_steps
  body = join([constant(peak_value), anneal(peak_value, end_value, decay_steps, decay_shape)],
              [stable_steps])
  return warmup(body, warmup_steps, init_value=init_value)


@register("swa_schedule")
class swa_schedule(Schedule):
  """The stochastic weight averaging schedule (Izmailov et al. 2018; PyTorch ``SWALR``).

  ``schedule`` until ``swa_start``; then anneal from ``schedule(swa_start)`` to ``swa_value``
  over ``anneal_steps`` (cos or linear); then hold ``swa_value``:

  .. math:: f(t) = \\begin{cases} s(t) & t < t_s \\\\
     \\mathrm{ramp}(s(t_s), v_{swa}, (t - t_s) / a) & t \\ge t_s \\end{cases}

  The seed recipe: decay for the first 75% of training, then a reasonably high constant rate
  while the weights are averaged (see :mod:`jaxlrs.averaging`).

  Args:
    schedule: the schedule before ``swa_start``.
    swa_start: the step the SWA phase begins (a non-negative int).
    swa_value: the constant learning rate of the SWA phase.
    anneal_steps: steps to move to ``swa_value`` (0: jump at ``swa_start``).
    anneal: ``"cos"`` or ``"linear"``.

  Raises:
    ValueError: negative ``swa_start`` or ``anneal_steps``, unknown ``anneal``.

  Example:
    >>> base = jaxlrs.cosine(1.0, total_steps=75)
    >>> s = jaxlrs.swa_schedule(base, swa_start=75, swa_value=0.05)
    >>> s(74) > 0.05, s(80)
    (Array(False, dtype=bool), Array(0.05, dtype=float32))
  """

  schedule: Schedule = child_field()
  swa_start: int = steps_field()
  swa_value: float = value_field()
  anneal_steps: int = steps_field(default=0)
  anneal: str = static_field(default="cos")

  def _check(self):
    require_nonnegative_steps("swa_start", self.swa_start)
    require_nonnegative_steps("anneal_steps", self.anneal_steps)
    require_choice("anneal", self.anneal, ("cos", "linear"))

  def _value(self, t):
    start_value = self.schedule._value(jnp.full_like(t, self.swa_start))
    frac = fraction(t - self.swa_start, self.anneal_steps)
    annealed = ramp(start_value, self.swa_value, frac, "cosine" if self.anneal == "cos" else
                    "linear")
    return jnp.where(t < self.swa_start, self.schedule._value(t), annealed)


@register("noisy")
class noisy(Schedule):
  """Multiplicative noise on a schedule, a pure function of ``(seed, step)`` (timm-style).

  For ``start_step <= t < end_step``: ``f(t) = s(t) (1 + n(t))`` with ``n`` drawn from
  ``normal`` (std ``noise_std``, resampled until ``|n| < noise_pct``, i.e. a truncated normal)
  or ``uniform`` on ``[-noise_pct, noise_pct]``, using ``fold_in(PRNGKey(seed), floor(t))``.
  Outside the range ``f(t) = s(t)``. A resumed run sees the same values. (The values are not
  timm's, which come from the PyTorch generator.)

  Args:
    schedule: the schedule to perturb.
    noise_pct: bound on the relative noise, in ``(0, 1)``.
    noise_std: standard deviation of the normal noise, positive.
    noise_type: ``"normal"`` or ``"uniform"``.
    start_step: first noisy step (a non-negative int).
    end_step: first step after the noise (None: forever).
    seed: an int.

  Example:
    >>> s = jaxlrs.noisy(jaxlrs.constant(1.0), noise_pct=0.1, seed=0)
    >>> bool(0.9 < s(3) < 1.1) and bool(s(3) == s(3))
    True
  """

  schedule: Schedule = child_field()
  noise_pct: float = value_field(default=0.67)
  noise_std: float = value_field(default=1.0)
  noise_type: str = static_field(default="normal")
  start_step: int = steps_field(default=0)
  end_step: int | None = steps_field(default=None)
  seed: int = static_field(default=42)

  def _check(self):
    require_value("noise_pct", self.noise_pct, lambda p: 0 < p < 1, "in (0, 1)")
    require_value("noise_std", self.noise_std, lambda s: s > 0, "positive")
    require_choice("noise_type", self.noise_type, ("normal", "uniform"))
    require_nonnegative_steps("start_step", self.start_step)
    if self.end_step is not None:
      require(self.end_step > self.start_step, "end_step", self.end_step,
              f"> start_step ({self.start_step})")
    object.__setattr__(self, "seed", _check_steps("seed", self.seed))

  def _value(self, t):
    base = self.schedule._value(t)
    step = jax.lax.stop_gradient(jnp.floor(jnp.clip(t, 0, 2.0**31 - 1))).astype(jnp.int32)
    noise = jax.vmap(self._noise)(step.ravel()).reshape(t.shape).astype(t.dtype)
    active = t >= self.start_step
    if self.end_step is not None:
      active = active & (t < self.end_step)
    return jnp.where(active, base * (1 + noise), base)

  def _noise(self, step: Any) -> jax.Array:
    key = jax.random.fold_in(jax.random.PRNGKey(self.seed), step)
    pct = jnp.asarray(self.noise_pct, jnp.float32)
    if self.noise_type == "uniform":
      return jax.random.uniform(key, (), jnp.float32, -pct, pct)
    std = jnp.asarray(self.noise_std, jnp.float32)
    return std * jax.random.truncated_normal(key, -pct / std, pct / std, (), jnp.float32)
