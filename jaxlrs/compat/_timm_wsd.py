"""timm 1.0.31's ``WSDLRScheduler`` (warmup, stable phase, decay) as a jaxlrs schedule."""

from __future__ import annotations

from typing import Any

from .. import _compose, _join, _shapes
from .._core import Schedule, require, require_choice, require_value
from . import _timm_args as A
from ._args import checked
from ._timm_shapes import timm_cycles, timm_power_stable

WSD_STABLE_FNS = ("constant", "rsqrt", "power")
WSD_DECAY_FNS = ("linear", "1-sqrt", "cosine", "power", "exp")


@checked
def WSDLRScheduler(lr: float, t_initial: int, decay_t: int, lr_min: float = 0.0,  # noqa: N802
                   stable_fn: str = "constant", stable_timescale: float | None = None,
                   stable_power: float = 0.5, decay_fn: str = "1-sqrt",
                   decay_power: float = 0.5, decay_ratio: float = 0.1, warmup_t: int = 0,
                   warmup_lr_init: float = 0.0, t_in_epochs: bool = True,
                   noise_range_t: Any = None, noise_pct: float = 0.67, noise_std: float = 1.0,
                   noise_seed: int = 42, initialize: bool = True,
                   noise_type: str = "normal") -> Schedule:
  """timm ``WSDLRScheduler`` (timm 1.0.31): warmup, stable phase, decay to ``lr_min``.

  After a linear warmup (always a prefix), with ``t_s = t - warmup_t``::

      lr(t) = lr_min + (max(lr * stable(t_s), lr_min) - lr_min) * decay(frac)

  ``frac`` runs from 0 to 1 over the last ``decay_t`` of the ``t_initial`` steps; ``lr_min`` is
  reached at ``warmup_t + t_initial`` and held. ``stable``: ``constant`` (1), ``rsqrt``
  (``(1 + t_s / timescale)^-0.5``) or ``power`` (exponent ``stable_power``), timescale
  defaulting to ``warmup_t``. ``decay``: ``linear``, ``1-sqrt``, ``cosine``, ``power``
  (``1 - frac^decay_power``) or ``exp`` (``(r^frac - r) / (1 - r)``, ``r = decay_ratio``).
  Built from :func:`jaxlrs.anneal`, :func:`jaxlrs.join`, :func:`jaxlrs.warmup` arithmetic.

  Args:
    lr: base learning rate (timm reads it from the optimizer).
    t_initial: length of the stable and decay phases (a positive int).
    decay_t: length of the decay phase, in ``(0, t_initial]``.
    lr_min: value reached at the end of the decay, in ``[0, lr]``.
    stable_fn: ``"constant"``, ``"rsqrt"`` or ``"power"``.
    stable_timescale: timescale of the ``rsqrt``/``power`` stable phase, positive (None:
      ``warmup_t``).
    stable_power: exponent of the ``power`` stable phase, positive.
    decay_fn: ``"linear"``, ``"1-sqrt"``, ``"cosine"``, ``"power"`` or ``"exp"`` (a callable is
      not supported: build it from jaxlrs shapes).
    decay_power: exponent of the ``power`` decay, positive.
    decay_ratio: ``r`` of the ``exp`` decay, in ``(0, 1)``.
    warmup_t: warmup steps (a non-negative int).
    warmup_lr_init: value at ``t = 0`` of the warmup, ``>= 0``.
    t_in_epochs: timm's step unit; the values do not depend on it.
    noise_range_t: None, a step from which noise is on, or ``(start, end)``.
    noise_pct: noise limit (normal noise is redrawn until ``|n| < noise_pct``), positive.
    noise_std: standard deviation of the normal noise, positive.
    noise_seed: seed; step ``t`` draws from ``manual_seed(noise_seed + t)`` as timm does.
    initialize: accepted for timm's signature (a bool).
    noise_type: ``"normal"`` or ``"uniform"`` (timm's base-class argument).

  Returns:
    A jaxlrs schedule of ``t``.

  Raises:
    ValueError: as timm (``decay_t`` outside ``(0, t_initial]``, unknown functions,
      ``decay_ratio`` outside ``(0, 1)``, non-positive powers or timescale), and
      ``lr_min > lr``.

  Example:
    >>> s = WSDLRScheduler(1.0, t_initial=100, decay_t=20, decay_fn="linear", warmup_t=10)
    >>> s(5), s(50), s(100)
    (Array(0.5, dtype=float32), Array(1., dtype=float32), Array(0.5, dtype=float32))
  """
  lr, lr_min = A.lr_pair(lr, lr_min)
  t_initial = A.steps("t_initial", t_initial, positive=True)
  decay_t = A.steps("decay_t", decay_t, positive=True)
  require(decay_t <= t_initial, "decay_t", decay_t, f"in (0, t_initial] (t_initial={t_initial})")
  warmup_t = A.steps("warmup_t", warmup_t)
  warmup_lr_init = A.value("warmup_lr_init", warmup_lr_init, 0.0)
  A.flag("t_in_epochs", t_in_epochs)
  A.flag("initialize", initialize)
  require_choice("stable_fn", stable_fn, WSD_STABLE_FNS)
  if callable(decay_fn):
    raise ValueError("decay_fn must be one of the named functions "
                     f"{WSD_DECAY_FNS}: build other shapes from jaxlrs schedules.")
  require_choice("decay_fn", decay_fn, WSD_DECAY_FNS)
  ratio = A.value("decay_ratio", decay_ratio)
  require_value("decay_ratio", ratio, lambda r: 0 < r < 1, "in (0, 1)")
  for name, p in (("decay_power", decay_power), ("stable_power", stable_power)):
    require_value(name, A.value(name, p), lambda v: v > 0, "positive")
  if stable_fn == "constant":
    stable: Schedule = _shapes.constant(lr)
  else:
    timescale = warmup_t if stable_timescale is None else A.value("stable_timescale",
                                                                  stable_timescale)
    require_value("stable_timescale", timescale, lambda t: t > 0,
                  f"positive for stable_fn={stable_fn!r} (it defaults to warmup_t)")
    stable = timm_power_stable(lr, timescale=float(timescale) if isinstance(timescale, int)
                               else timescale, power=0.5 if stable_fn == "rsqrt" else stable_power)
  stable_steps = t_initial - decay_t
  if stable_fn == "constant" and decay_fn in ("linear", "1-sqrt", "cosine"):
    cooldown = _compose.anneal(lr, end_value=lr_min, total_steps=decay_t, shape=decay_fn)
    body: Schedule = (_join.join([stable, cooldown], boundaries=[stable_steps]) if stable_steps
                      else cooldown)
    noise = (noise_range_t, noise_pct, noise_std, noise_seed, noise_type)
    return A.with_noise(A.with_warmup(body, lr, warmup_t, warmup_lr_init, True), *noise)
  if decay_fn in ("linear", "1-sqrt", "cosine"):
    down: Schedule = _compose.anneal(1.0, end_value=0.0, total_steps=decay_t, shape=decay_fn)
  elif decay_fn == "power":
    down = timm_cycles(1.0, t_initial=decay_t, curve="poly", power=1.0, k_decay=decay_power)
  else:
    down = _compose.anneal(1.0, end_value=ratio, total_steps=decay_t, shape="exponential")
    down = (down + (-ratio)) * (1 / (1 - ratio))
  factor: Schedule = (_join.join([_shapes.constant(1.0), down], boundaries=[stable_steps])
                      if stable_steps else down)
  body = (stable.clip(min_value=lr_min) + (-lr_min)) * factor + lr_min
  noise = (noise_range_t, noise_pct, noise_std, noise_seed, noise_type)
  return A.with_noise(A.with_warmup(body, lr, warmup_t, warmup_lr_init, True), *noise)
