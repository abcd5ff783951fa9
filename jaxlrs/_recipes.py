"""Training recipes built from the shapes: warmup-stable-decay, the SWA schedule, and noise."""

from __future__ import annotations

from dataclasses import KW_ONLY
from typing import Any

import jax
import jax.numpy as jnp

from ._compose import warmup_value
from ._core import (
    Schedule, check_steps, child_field, fraction, require, require_choice,
    require_nonnegative_steps, require_positive_steps, require_value, static_field, steps_field,
    value_field)
from ._curves import check_shape, decay


class warmup_stable_decay(Schedule, kind="warmup_stable_decay"):
  """Warmup-stable-decay (WSD, "trapezoid"): warm up, hold the peak, cool down, hold the end.

  .. math:: f(t) = \\begin{cases}
     \\mathrm{rise}(v_0, p, t / w) & t < w \\\\
     p & w \\le t < T - d \\\\
     \\mathrm{decay}(p, v_e, (t - T + d) / d) & T - d \\le t < T \\\\
     v_e & t \\ge T \\end{cases}

  ``rise`` and ``decay`` follow the registered curve shapes ``warmup_shape`` and
  ``decay_shape`` (see :mod:`jaxlrs._curves`; ``1-sqrt`` is the cooldown of Hägele et al. 2024).
  With ``decay_shape="cosine"``, ``decay_cycles`` is the number of cosine periods in the cooldown
  (1/2, the default, is one half wave from ``p`` to ``v_e``); whatever it is, the value from
  ``total_steps`` on is ``end_value``.

  Args:
    peak_value: the stable value.
    total_steps: total length, warmup included (a positive int).
    warmup_steps: warmup length (a non-negative int).
    decay_steps: cooldown length at the end (a positive int).
    warmup_shape: a registered curve shape for the warmup.
    decay_shape: a registered curve shape for the cooldown.
    end_value: value from ``total_steps`` on.
    init_value: value at step 0.
    decay_cycles: cosine periods in the cooldown (only with ``decay_shape="cosine"``), positive.

  Returns:
    A schedule rising from ``init_value`` to ``peak_value`` over ``warmup_steps``, holding it,
    cooling down to ``end_value`` over the last ``decay_steps`` and holding ``end_value`` from
    ``total_steps`` (its ``horizon()``) on.

  Raises:
    ValueError: ``warmup_steps + decay_steps > total_steps``, non-positive ``decay_steps``,
      unknown shapes, ``decay_cycles`` other than 1/2 with a shape other than ``cosine``.

  Example:
    >>> s = jaxlrs.warmup_stable_decay(1.0, total_steps=100, warmup_steps=10, decay_steps=20)
    >>> s(5), s(50), s(90)
    (Array(0.5, dtype=float32), Array(1., dtype=float32), Array(0.5, dtype=float32))
  """

  peak_value: float = value_field()
  _: KW_ONLY
  total_steps: int = steps_field()
  warmup_steps: int = steps_field()
  decay_steps: int = steps_field()
  warmup_shape: str = static_field(default="linear")
  decay_shape: str = static_field(default="linear")
  end_value: float = value_field(default=0.0)
  init_value: float = value_field(default=0.0)
  decay_cycles: float = value_field(default=0.5)

  def _check(self):
    require_positive_steps("total_steps", self.total_steps)
    require_nonnegative_steps("warmup_steps", self.warmup_steps)
    require_positive_steps("decay_steps", self.decay_steps)
    require(self.warmup_steps + self.decay_steps <= self.total_steps,
            "warmup_steps + decay_steps", self.warmup_steps + self.decay_steps,
            f"<= total_steps ({self.total_steps})")
    check_shape("warmup_shape", self.warmup_shape, init_value=self.init_value)
    check_shape("decay_shape", self.decay_shape, peak_value=self.peak_value,
                end_value=self.end_value)
    require_value("decay_cycles", self.decay_cycles, lambda c: c > 0, "positive")
    if self.decay_shape != "cosine":
      require_value("decay_cycles", self.decay_cycles, lambda c: c == 0.5,
                    f"0.5 with decay_shape={self.decay_shape!r} (cycles need 'cosine')")

  def _value_at(self, step):
    cooldown_start = self.total_steps - self.decay_steps
    f = fraction(step.since(cooldown_start), self.decay_steps)
    if self.decay_shape == "cosine":
      f = 2 * self.decay_cycles * f
    cooling = decay(self.peak_value, self.end_value, f, self.decay_shape)
    body = jnp.where(step.lt(cooldown_start), self.peak_value,
                     jnp.where(step.lt(self.total_steps), cooling, self.end_value))
    return warmup_value(step, self.warmup_steps, self.init_value, self.peak_value, body,
                        self.warmup_shape)

  def horizon(self) -> int:
    return self.total_steps


class swa_schedule(Schedule, kind="swa_schedule"):
  """The stochastic weight averaging schedule (Izmailov et al. 2018; PyTorch ``SWALR``).

  ``schedule`` until ``start_step``; then anneal from ``schedule(start_step)`` to ``swa_value``
  over ``anneal_steps`` along ``shape``; then hold ``swa_value``:

  .. math:: f(t) = \\begin{cases} s(t) & t < t_s \\\\
     \\mathrm{decay}(s(t_s), v_{swa}, (t - t_s) / a) & t \\ge t_s \\end{cases}

  The seed recipe: decay for the first 75% of training, then a reasonably high constant rate
  while the weights are averaged (see :mod:`jaxlrs.averaging`).

  Args:
    schedule: the schedule before ``start_step``.
    start_step: the step the SWA phase begins (a non-negative int).
    swa_value: the constant learning rate of the SWA phase.
    anneal_steps: steps to move to ``swa_value`` (0: jump at ``start_step``).
    shape: a registered curve shape (PyTorch's ``anneal_strategy="cos"`` is ``"cosine"``).

  Returns:
    A schedule equal to ``schedule`` before ``start_step`` and to ``swa_value`` from
    ``start_step + anneal_steps`` (its ``horizon()``) on.

  Raises:
    ValueError: negative ``start_step`` or ``anneal_steps``, unknown ``shape``.

  Example:
    >>> base = jaxlrs.cosine(1.0, total_steps=75)
    >>> s = jaxlrs.swa_schedule(base, start_step=75, swa_value=0.05)
    >>> s(74) > 0.05, s(80)
    (Array(False, dtype=bool), Array(0.05, dtype=float32))
  """

  schedule: Schedule = child_field()
  _: KW_ONLY
  start_step: int = steps_field()
  swa_value: float = value_field()
  anneal_steps: int = steps_field(default=0)
  shape: str = static_field(default="cosine")

  def _check(self):
    require_nonnegative_steps("start_step", self.start_step)
    require_nonnegative_steps("anneal_steps", self.anneal_steps)
    check_shape("shape", self.shape, swa_value=self.swa_value)

  def _value_at(self, step):
    start_value = self.schedule._value_at(step.full(self.start_step))
    frac = fraction(step.since(self.start_step), self.anneal_steps)
    annealed = decay(start_value, self.swa_value, frac, self.shape)
    return jnp.where(step.lt(self.start_step), self.schedule._value_at(step), annealed)

  def horizon(self) -> int:
    return self.start_step + self.anneal_steps


class noisy(Schedule, kind="noisy"):
  """Multiplicative noise on a schedule, a pure function of ``(seed, step)`` (timm-style).

  For ``start_step <= t < end_step``: ``f(t) = s(t) (1 + n(t))`` with ``n`` drawn from
  ``normal`` (std ``noise_std``, resampled until ``|n| < noise_ratio``, i.e. a truncated normal)
  or ``uniform`` on ``[-noise_ratio, noise_ratio]``, using ``fold_in(PRNGKey(seed), floor(t))``.
  Outside the range ``f(t) = s(t)``. A resumed run sees the same values. (The values are not
  timm's, which come from the PyTorch generator.)

  Args:
    schedule: the schedule to perturb.
    noise_ratio: bound on the relative noise, in ``(0, 1)``.
    noise_std: standard deviation of the normal noise, positive.
    noise_type: ``"normal"`` or ``"uniform"``.
    start_step: first noisy step (a non-negative int).
    end_step: first step after the noise (None: forever).
    seed: an int.

  Returns:
    A schedule within ``(1 +- noise_ratio) * schedule(t)`` on the noisy range and equal to
    ``schedule`` outside it; the same ``(seed, step)`` always gives the same value.

  Raises:
    ValueError: ``noise_ratio`` outside ``(0, 1)``, ``noise_std <= 0``, an unknown
      ``noise_type``, a negative ``start_step`` or ``end_step <= start_step``.
    TypeError: ``seed``, ``start_step`` or ``end_step`` is not an int.

  Example:
    >>> s = jaxlrs.noisy(jaxlrs.constant(1.0), noise_ratio=0.1, seed=0)
    >>> bool(0.9 < s(3) < 1.1) and bool(s(3) == s(3))
    True
  """

  schedule: Schedule = child_field()
  _: KW_ONLY
  noise_ratio: float = value_field(default=0.67)
  noise_std: float = value_field(default=1.0)
  noise_type: str = static_field(default="normal")
  start_step: int = steps_field(default=0)
  end_step: int | None = steps_field(default=None)
  seed: int = static_field(default=42)

  def _check(self):
    require_value("noise_ratio", self.noise_ratio, lambda p: 0 < p < 1, "in (0, 1)")
    require_value("noise_std", self.noise_std, lambda s: s > 0, "positive")
    require_choice("noise_type", self.noise_type, ("normal", "uniform"))
    require_nonnegative_steps("start_step", self.start_step)
    if self.end_step is not None:
      require(self.end_step > self.start_step, "end_step", self.end_step,
              f"> start_step ({self.start_step})")
    object.__setattr__(self, "seed", check_steps("seed", self.seed))

  def _value_at(self, step):
    base = self.schedule._value_at(step)
    noise = jax.vmap(self._noise)(step.hi.ravel(), step.lo.ravel())
    noise = noise.reshape(step.shape).astype(step.dtype)
    active = step.ge(self.start_step)
    if self.end_step is not None:
      active = active & step.lt(self.end_step)
    return jnp.where(active, base * (1 + noise), base)

  def _noise(self, hi: Any, lo: Any) -> jax.Array:
    """The noise of the whole step ``hi * 2**31 + lo`` (``hi`` folded in only when nonzero)."""
    key = jax.random.fold_in(jax.random.PRNGKey(self.seed), lo)
    key = jnp.where(hi > 0, jax.random.fold_in(key, hi), key)
    pct = jnp.asarray(self.noise_ratio, jnp.float32)
    if self.noise_type == "uniform":
      return jax.random.uniform(key, (), jnp.float32, -pct, pct)
    std = jnp.asarray(self.noise_std, jnp.float32)
    return std * jax.random.truncated_normal(key, -pct / std, pct / std, (), jnp.float32)

  def horizon(self) -> int:
    h = self.schedule.horizon()
    return h if self.end_step is None else max(h, self.end_step)
