"""PyTorch ``torch.optim.lr_scheduler`` classes as jaxlrs schedules.

Each function keeps PyTorch's class name, argument names and defaults, with the base learning rate
``lr`` (``base_lr``/``max_lr`` for ``CyclicLR``, ``max_lr`` for ``OneCycleLR``) where PyTorch takes
an optimizer. The value at step ``k`` equals the optimizer's learning rate after ``k`` calls of
``scheduler.step()`` (one call per optimizer update). Each is a jaxlrs shape:

============================  ================================================================
PyTorch                       jaxlrs
============================  ================================================================
``StepLR``                    :func:`jaxlrs.step_decay`
``MultiStepLR``               :func:`jaxlrs.multistep` (repeated milestones: piecewise constant)
``ConstantLR``                :func:`jaxlrs.piecewise_constant`
``LinearLR``                  :func:`jaxlrs.linear`
``ExponentialLR``             :func:`jaxlrs.exponential` with ``decay_steps=1``
``PolynomialLR``              :func:`jaxlrs.polynomial` to 0
``CosineAnnealingLR``         :func:`jaxlrs.cosine` (held after ``T_max``; PyTorch rises again)
``CosineAnnealingWarmRestarts`` :func:`jaxlrs.cosine_restarts`
``CyclicLR``                  :func:`jaxlrs.cyclic`
``OneCycleLR``                :func:`jaxlrs.one_cycle`
``SequentialLR``              :func:`jaxlrs.join`
============================  ================================================================
"""

from __future__ import annotations

import collections
import inspect
from typing import Any, Callable, Sequence

from .. import _cyclic, _decays, _join, _piecewise, _shapes
from .._core import (
    Schedule, check_steps, check_value, concrete_float, require, require_choice)
from ._args import checked, positive_steps

__all__ = ["StepLR", "MultiStepLR", "ConstantLR", "LinearLR", "ExponentialLR", "PolynomialLR",
           "CosineAnnealingLR", "CosineAnnealingWarmRestarts", "CyclicLR", "OneCycleLR",
           "SequentialLR", "with_momentum"]


def _gamma(gamma: Any) -> Any:
  gamma = check_value("gamma", gamma)
  require(concrete_float(gamma) is None or gamma > 0, "gamma", gamma, "positive")
  return gamma


@checked
def StepLR(lr: float, step_size: int, gamma: float = 0.1) -> Schedule:  # noqa: N802
  """PyTorch ``StepLR``: the learning rate decayed by ``gamma`` every ``step_size`` steps.

  The value at step ``k`` is ``lr * gamma ** (k // step_size)``.

  Args:
    lr: the initial learning rate (PyTorch: the optimizer's).
    step_size: the decay period in steps, positive.
    gamma: the multiplicative decay, positive.

  Returns:
    The schedule (a :func:`jaxlrs.step_decay`).

  Raises:
    TypeError: a non-number ``lr``/``gamma`` or a non-int ``step_size``.
    ValueError: a non-finite ``lr``/``gamma``, ``step_size <= 0`` or ``gamma <= 0``.

  Example:
    >>> s = StepLR(1.0, step_size=10, gamma=0.5)
    >>> s(9), s(10), s(25)
    (Array(1., dtype=float32), Array(0.5, dtype=float32), Array(0.25, dtype=float32))
  """
  return _decays.step_decay(lr, period_steps=positive_steps("step_size", step_size),
                            decay_rate=_gamma(gamma))


@checked
def MultiStepLR(lr: float, milestones: Sequence[int], gamma: float = 0.1) -> Schedule:  # noqa: N802
  """PyTorch ``MultiStepLR``: the learning rate decayed by ``gamma`` at each milestone.

  The value at step ``k`` is ``lr * gamma ** bisect_right(sorted(milestones), k)``. As in
  PyTorch, a milestone listed twice multiplies by ``gamma`` twice.

  Args:
    lr: the initial learning rate (PyTorch: the optimizer's).
    milestones: the steps at which ``gamma`` applies, in any order, non-empty.
    gamma: the multiplicative decay.

  Returns:
    The schedule (a :func:`jaxlrs.multistep`, or a :func:`jaxlrs.piecewise_constant` when a
    milestone repeats).

  Raises:
    TypeError: a non-number ``lr``/``gamma`` or a non-int milestone.
    ValueError: a non-finite ``lr``/``gamma``, empty ``milestones`` or a negative milestone.

  Example:
    >>> s = MultiStepLR(1.0, milestones=[10, 20, 20], gamma=0.5)
    >>> s(9), s(10), s(20)
    (Array(1., dtype=float32), Array(0.5, dtype=float32), Array(0.125, dtype=float32))
  """
  counts = collections.Counter(
      check_steps(f"milestones[{i}]", m) for i, m in enumerate(milestones))
  require(len(counts) > 0, "milestones", milestones, "non-empty")
  bounds = sorted(counts)
  if all(c == 1 for c in counts.values()):
    return _piecewise.multistep(lr, boundaries=bounds, decay_rate=gamma)
  lr, gamma = check_value("lr", lr), check_value("gamma", gamma)
  values, v = [lr], lr
  for b in bounds:
    v = v * gamma ** counts[b]
    values.append(v)
  return _piecewise.piecewise_constant(bounds, values=values)


@checked
def ConstantLR(lr: float, factor: float = 1.0 / 3, total_iters: int = 5) -> Schedule:  # noqa: N802
  """PyTorch ``ConstantLR``: ``lr * factor`` for ``k < total_iters``, then ``lr``.

  Args:
    lr: the learning rate after ``total_iters`` (PyTorch: the optimizer's).
    factor: the multiplier of the first ``total_iters`` steps, in ``[0, 1]``.
    total_iters: how many steps use ``lr * factor``; 0 gives a constant ``lr``.

  Returns:
    The schedule (a :func:`jaxlrs.piecewise_constant`, or :func:`jaxlrs.constant`).

  Raises:
    TypeError: a non-number ``lr``/``factor`` or a non-int ``total_iters``.
    ValueError: a non-finite ``lr``/``factor``, ``factor`` outside ``[0, 1]`` or
      ``total_iters < 0``.

  Example:
    >>> s = ConstantLR(1.0, factor=0.5, total_iters=4)
    >>> s(3), s(4)
    (Array(0.5, dtype=float32), Array(1., dtype=float32))
  """
  factor = check_value("factor", factor)
  require(0 <= factor <= 1, "factor", factor, "in [0, 1] (as PyTorch)")
  total_iters = check_steps("total_iters", total_iters)
  require(total_iters >= 0, "total_iters", total_iters, "non-negative")
  if total_iters == 0:
    return _shapes.constant(lr)
  return _piecewise.piecewise_constant([total_iters], values=[lr * factor, lr])


@checked
def LinearLR(lr: float, start_factor: float = 1.0 / 3, end_factor: float = 1.0,  # noqa: N802
             total_iters: int = 5) -> Schedule:
  """PyTorch ``LinearLR``: ``lr`` times a factor moving linearly from ``start_factor`` to ``end_factor``.

  The value at step ``k`` is ``lr * (start_factor + (end_factor - start_factor) *
  min(k, total_iters) / total_iters)``.

  Args:
    lr: the base learning rate (PyTorch: the optimizer's).
    start_factor: the factor at step 0, in ``(0, 1]``.
    end_factor: the factor from ``total_iters`` on, in ``[0, 1]``.
    total_iters: the length of the ramp in steps, positive.

  Returns:
    The schedule (a :func:`jaxlrs.linear`).

  Raises:
    TypeError: a non-number ``lr`` or factor, or a non-int ``total_iters``.
    ValueError: a non-finite ``lr`` or factor, a factor out of its range or
      ``total_iters <= 0``.

  Example:
    >>> s = LinearLR(1.0, start_factor=0.5, end_factor=1.0, total_iters=10)
    >>> s(0), s(5), s(20)
    (Array(0.5, dtype=float32), Array(0.75, dtype=float32), Array(1., dtype=float32))
  """
  start_factor = check_value("start_factor", start_factor)
  end_factor = check_value("end_factor", end_factor)
  require(0 < start_factor <= 1, "start_factor", start_factor, "in (0, 1] (as PyTorch)")
  require(0 <= end_factor <= 1, "end_factor", end_factor, "in [0, 1] (as PyTorch)")
  total_iters = positive_steps("total_iters", total_iters)
  return _shapes.linear(lr * start_factor, end_value=lr * end_factor, total_steps=total_iters)


@checked
def ExponentialLR(lr: float, gamma: float) -> Schedule:  # noqa: N802
  """PyTorch ``ExponentialLR``: ``lr * gamma ** k`` at step ``k``.

  Args:
    lr: the initial learning rate (PyTorch: the optimizer's).
    gamma: the decay per step, positive.

  Returns:
    The schedule (a :func:`jaxlrs.exponential` with ``period_steps=1``).

  Raises:
    TypeError: a non-number ``lr``/``gamma``.
    ValueError: a non-finite ``lr``/``gamma`` or ``gamma <= 0``.

  Example:
    >>> ExponentialLR(1.0, gamma=0.5)(3)
    Array(0.125, dtype=float32)
  """
  return _decays.exponential(lr, decay_rate=_gamma(gamma), period_steps=1)


@checked
def PolynomialLR(lr: float, total_iters: int = 5, power: float = 1.0) -> Schedule:  # noqa: N802
  """PyTorch ``PolynomialLR``: a polynomial decay from ``lr`` to 0 over ``total_iters`` steps.

  The value at step ``k`` is ``lr * (1 - min(k, total_iters) / total_iters) ** power``.

  Args:
    lr: the initial learning rate (PyTorch: the optimizer's).
    total_iters: the length of the decay in steps, positive.
    power: the exponent.

  Returns:
    The schedule (a :func:`jaxlrs.polynomial` ending at 0).

  Raises:
    TypeError: a non-number ``lr``/``power`` or a non-int ``total_iters``.
    ValueError: a non-finite ``lr``/``power``, ``total_iters <= 0`` or a ``power`` that
      :func:`jaxlrs.polynomial` rejects (negative).

  Example:
    >>> PolynomialLR(1.0, total_iters=10, power=2.0)(5)
    Array(0.25, dtype=float32)
  """
  total_iters = positive_steps("total_iters", total_iters)
  return _shapes.polynomial(lr, end_value=0.0, total_steps=total_iters, power=power)


@checked
def CosineAnnealingLR(lr: float, T_max: int, eta_min: float = 0.0) -> Schedule:  # noqa: N802,N803
  """PyTorch ``CosineAnnealingLR``: a half cosine from ``lr`` down to ``eta_min``.

  The value at step ``k`` is ``eta_min + (lr - eta_min)(1 + cos(pi k / T_max)) / 2``. Past
  ``T_max`` the value stays at ``eta_min``; PyTorch's keeps following the cosine back up.

  Args:
    lr: the initial learning rate (PyTorch: the optimizer's).
    T_max: the length of the half cosine in steps, positive.
    eta_min: the final learning rate.

  Returns:
    The schedule (a :func:`jaxlrs.cosine`).

  Raises:
    TypeError: a non-number ``lr``/``eta_min`` or a non-int ``T_max``.
    ValueError: a non-finite ``lr``/``eta_min`` or ``T_max <= 0``.

  Example:
    >>> s = CosineAnnealingLR(1.0, T_max=10, eta_min=0.1)
    >>> [round(float(s(k)), 6) for k in (5, 10, 15)]
    [0.55, 0.1, 0.1]
  """
  return _shapes.cosine(lr, total_steps=positive_steps("T_max", T_max), end_value=eta_min)


@checked
def CosineAnnealingWarmRestarts(lr: float, T_0: int, T_mult: int = 1,  # noqa: N802,N803
                                eta_min: float = 0.0) -> Schedule:
  """PyTorch ``CosineAnnealingWarmRestarts``: SGDR cosine cycles restarting at ``lr``.

  Cycle ``i`` lasts ``T_0 * T_mult**i`` steps and runs ``eta_min + (lr - eta_min)(1 +
  cos(pi t / T_i)) / 2`` with ``t`` the step within the cycle.

  Args:
    lr: the learning rate at the start of every cycle (PyTorch: the optimizer's).
    T_0: the first cycle's length in steps, positive.
    T_mult: the growth factor of the cycle length, an int ``>= 1``.
    eta_min: the learning rate at the end of every cycle.

  Returns:
    The schedule (a :func:`jaxlrs.cosine_restarts`).

  Raises:
    TypeError: a non-number ``lr``/``eta_min`` or a non-int ``T_0``/``T_mult``.
    ValueError: a non-finite ``lr``/``eta_min``, ``T_0 <= 0`` or ``T_mult < 1``.

  Example:
    >>> s = CosineAnnealingWarmRestarts(1.0, T_0=10, T_mult=2)
    >>> [round(float(s(k)), 6) for k in (5, 10, 20)]
    [0.5, 1.0, 0.5]
  """
  T_mult = check_steps("T_mult", T_mult)  # noqa: N806
  require(T_mult >= 1, "T_mult", T_mult, "an integer >= 1 (as PyTorch)")
  T_0 = positive_steps("T_0", T_0)  # noqa: N806
  return _cyclic.cosine_restarts(lr, cycle_steps=T_0, cycle_mul=float(T_mult), end_value=eta_min)


def _momentum_pair(base_momentum: float, max_momentum: float) -> tuple[Any, Any]:
  base = check_value("base_momentum", base_momentum)
  high = check_value("max_momentum", max_momentum)
  lo, hi = concrete_float(base), concrete_float(high)
  if lo is not None:
    require(0 <= lo <= 1, "base_momentum", lo, "in [0, 1]")
  if hi is not None:
    require(0 <= hi <= 1, "max_momentum", hi, "in [0, 1]")
  if lo is not None and hi is not None:
    require(lo <= hi, "base_momentum", lo, f"<= max_momentum ({hi})")
  return base, high


def _flag(name: str, value: Any) -> bool:
  if not isinstance(value, bool):
    raise TypeError(f"{name} must be a bool, got {value!r}.")
  return value


@checked
def CyclicLR(base_lr: float, max_lr: float, step_size_up: int = 2000,  # noqa: N802
             step_size_down: int | None = None, mode: str = "triangular", gamma: float = 1.0,
             scale_fn: Callable | None = None, scale_mode: str = "cycle",
             cycle_momentum: bool = True, base_momentum: float = 0.8,
             max_momentum: float = 0.9) -> Schedule:
  """PyTorch ``CyclicLR`` learning rates (its momentum: :func:`with_momentum`).

  Triangular cycles between ``base_lr`` and ``max_lr``: up for ``step_size_up`` steps, down
  for ``step_size_down`` (default: ``step_size_up``), amplitude halved every cycle
  (``triangular2``) or multiplied by ``gamma**k`` (``exp_range``). PyTorch's momentum cycling
  (on by default) moves the momentum inversely, from ``max_momentum`` down to
  ``base_momentum``; :func:`with_momentum` returns both schedules. ``scale_mode`` only matters
  with a custom ``scale_fn`` in PyTorch; it is checked and otherwise unused.

  Args:
    base_lr: the cycle's lower bound.
    max_lr: the cycle's upper bound, ``>= base_lr``.
    step_size_up: the steps of the rise, positive.
    step_size_down: the steps of the fall, non-negative (None: ``step_size_up``).
    mode: ``"triangular"``, ``"triangular2"`` or ``"exp_range"``.
    gamma: the per-step amplitude factor of ``exp_range``, in ``(0, 1]``.
    scale_fn: not supported (must be None).
    scale_mode: ``"cycle"`` or ``"iterations"``.
    cycle_momentum: whether PyTorch cycles the momentum (see :func:`with_momentum`).
    base_momentum: the momentum at the learning rate's peak, in ``[0, 1]``.
    max_momentum: the momentum at ``base_lr``, in ``[base_momentum, 1]``.

  Returns:
    The learning-rate schedule (a :func:`jaxlrs.cyclic`).

  Raises:
    ValueError: a custom ``scale_fn`` (write it as a jaxlrs schedule product instead), unknown
      ``mode``/``scale_mode``, bad bounds or momenta. TypeError: a non-bool ``cycle_momentum``.

  Example:
    >>> s = CyclicLR(0.01, 0.1, step_size_up=10)
    >>> s(0), s(10)
    (Array(0.01, dtype=float32), Array(0.1, dtype=float32))
  """
  if scale_fn is not None:
    raise ValueError("scale_fn is not supported: multiply a jaxlrs.cyclic schedule by your own "
                     "schedule instead (e.g. jaxlrs.cyclic(...) * my_schedule).")
  require_choice("scale_mode", scale_mode, ("cycle", "iterations"))
  _flag("cycle_momentum", cycle_momentum)
  _momentum_pair(base_momentum, max_momentum)
  base_lr, max_lr = check_value("base_lr", base_lr), check_value("max_lr", max_lr)
  lo, hi = concrete_float(base_lr), concrete_float(max_lr)
  if lo is not None and hi is not None:
    require(hi >= lo, "max_lr", hi, f">= base_lr ({lo})")
  step_size_up = positive_steps("step_size_up", step_size_up)
  if step_size_down is not None:
    step_size_down = check_steps("step_size_down", step_size_down)
    require(step_size_down >= 0, "step_size_down", step_size_down, "non-negative")
  require_choice("mode", mode, ("triangular", "triangular2", "exp_range"))
  gamma = check_value("gamma", gamma)
  require(concrete_float(gamma) is None or 0 < gamma <= 1, "gamma", gamma, "in (0, 1]")
  return _cyclic.cyclic(base_lr, peak_value=max_lr, rise_steps=step_size_up,
                        fall_steps=step_size_down,
                        cycle_decay=0.5 if mode == "triangular2" else 1.0,
                        decay_rate=gamma if mode == "exp_range" else 1.0)


@checked
def OneCycleLR(max_lr: float, total_steps: int | None = None, epochs: int | None = None,  # noqa: N802
               steps_per_epoch: int | None = None, pct_start: float = 0.3,
               anneal_strategy: str = "cos", cycle_momentum: bool = True,
               base_momentum: float = 0.85, max_momentum: float = 0.95,
               div_factor: float = 25.0, final_div_factor: float = 1e4,
               three_phase: bool = False) -> Schedule:
  """PyTorch ``OneCycleLR`` learning rates; ``total_steps`` or ``epochs * steps_per_epoch``.

  From ``max_lr / div_factor`` up to ``max_lr`` and down to ``max_lr / div_factor /
  final_div_factor`` (three phases with ``three_phase``), along ``anneal_strategy``. Momentum
  cycling (PyTorch's default) runs ``max_momentum -> base_momentum -> max_momentum`` on the
  same phases: :func:`with_momentum` returns both schedules.

  Args:
    max_lr: the peak learning rate.
    total_steps: the cycle length in steps (wins over ``epochs * steps_per_epoch``).
    epochs: the number of epochs, when ``total_steps`` is None.
    steps_per_epoch: the steps per epoch, when ``total_steps`` is None.
    pct_start: the fraction of the cycle spent rising, in ``(0, 1)``.
    anneal_strategy: ``"cos"`` or ``"linear"``.
    cycle_momentum: whether PyTorch cycles the momentum (see :func:`with_momentum`).
    base_momentum: the momentum at the peak, in ``[0, 1]``.
    max_momentum: the momentum at the start and end, in ``[base_momentum, 1]``.
    div_factor: the initial learning rate is ``max_lr / div_factor``, positive.
    final_div_factor: the final one is ``max_lr / div_factor / final_div_factor``, positive.
    three_phase: rise, fall back to the initial value symmetrically, then anneal to the final.

  Returns:
    The learning-rate schedule (a :func:`jaxlrs.one_cycle`).

  Raises:
    ValueError: no cycle length, ``pct_start`` outside ``(0, 1)``, unknown ``anneal_strategy``,
      non-positive factors, bad momenta. TypeError: non-bool flags.

  Example:
    >>> s = OneCycleLR(0.1, total_steps=100)
    >>> s(29)
    Array(0.1, dtype=float32)
  """
  _flag("cycle_momentum", cycle_momentum)
  _flag("three_phase", three_phase)
  _momentum_pair(base_momentum, max_momentum)
  total_steps = _one_cycle_steps(total_steps, epochs, steps_per_epoch)
  unit = _unit_one_cycle(total_steps, pct_start, anneal_strategy, three_phase, div_factor,
                         final_div_factor)
  div, final_div = check_value("div_factor", div_factor), check_value("final_div_factor",
                                                                        final_div_factor)
  return _cyclic.one_cycle(max_lr, total_steps=total_steps, rise_fraction=unit.rise_fraction,
                           shape=unit.shape, init_ratio=1 / div, end_ratio=1 / (div * final_div),
                           three_phase=three_phase)


def _unit_one_cycle(total_steps: int, pct_start: Any, anneal_strategy: Any, three_phase: bool,
                    div_factor: Any = 1.0, final_div_factor: Any = 1.0) -> _cyclic.one_cycle:
  """PyTorch's one-cycle phases between 0 and 1 (0 -> 1 -> 0), arguments checked by their names."""
  pct = check_value("pct_start", pct_start)
  require(concrete_float(pct) is None or 0 < pct < 1, "pct_start", pct, "in (0, 1)")
  require_choice("anneal_strategy", anneal_strategy, ("cos", "linear"))
  for name, d in (("div_factor", div_factor), ("final_div_factor", final_div_factor)):
    d = check_value(name, d)
    require(concrete_float(d) is None or d > 0, name, d, "positive")
  return _cyclic.one_cycle(1.0, total_steps=total_steps, rise_fraction=pct,
                           shape="cosine" if anneal_strategy == "cos" else "linear",
                           init_ratio=0.0, end_ratio=0.0, three_phase=three_phase)


def _one_cycle_steps(total_steps: Any, epochs: Any, steps_per_epoch: Any) -> int:
  if total_steps is None:
    if epochs is None or steps_per_epoch is None:
      raise ValueError("Give total_steps, or both epochs and steps_per_epoch (got None).")
    return positive_steps("epochs", epochs) * positive_steps("steps_per_epoch", steps_per_epoch)
  return positive_steps("total_steps", total_steps)


def with_momentum(scheduler: Callable[..., Schedule], *args: Any,
                  **kwargs: Any) -> tuple[Schedule, Schedule]:
  """The learning rate and PyTorch's cycled momentum of ``CyclicLR`` or ``OneCycleLR``.

  The momentum moves inversely to the learning rate: ``CyclicLR``: ``max_momentum -
  (max_momentum - base_momentum) h(t) g(t)`` with the learning rate's triangle ``h`` and
  scale ``g``; ``OneCycleLR``: ``max_momentum -> base_momentum -> max_momentum`` on the
  learning rate's phases (three-phase: back to ``max_momentum`` and held). Drive an Optax
  optimizer with both through :func:`jaxlrs.scheduled`: SGD's ``momentum`` or Adam's ``b1``
  (PyTorch sets ``betas[0]``)::

      lr, momentum = with_momentum(OneCycleLR, 0.1, total_steps=1000)
      tx = jaxlrs.scheduled(optax.sgd, learning_rate=lr, momentum=momentum)
      tx = jaxlrs.scheduled(optax.adam, learning_rate=lr, b1=momentum)

  Args:
    scheduler: :func:`CyclicLR` or :func:`OneCycleLR`.
    *args: that scheduler's positional arguments.
    **kwargs: that scheduler's keyword arguments.

  Returns:
    ``(lr_schedule, momentum_schedule)``.

  Raises:
    ValueError: another scheduler, or ``cycle_momentum=False`` (nothing to schedule).

  Example:
    >>> lr, m = with_momentum(OneCycleLR, 0.1, total_steps=100)
    >>> [round(float(m(k)), 6) for k in (0, 29, 99)]
    [0.95, 0.85, 0.95]
  """
  if scheduler not in (CyclicLR, OneCycleLR):
    raise ValueError(f"scheduler must be CyclicLR or OneCycleLR, got {scheduler!r}.")
  lr = scheduler(*args, **kwargs)
  bound = inspect.signature(scheduler).bind(*args, **kwargs)
  bound.apply_defaults()
  a = bound.arguments
  if not a["cycle_momentum"]:
    raise ValueError("cycle_momentum=False: the momentum is not scheduled (PyTorch leaves it "
                     "as the optimizer's).")
  base, high = _momentum_pair(a["base_momentum"], a["max_momentum"])
  if scheduler is CyclicLR:  # h(t) g(t) in [0, 1]: the learning rate's triangle and scale
    unit: Schedule = _cyclic.cyclic(0.0, peak_value=1.0, rise_steps=a["step_size_up"],
                          fall_steps=a["step_size_down"],
                          cycle_decay=0.5 if a["mode"] == "triangular2" else 1.0,
                          decay_rate=a["gamma"] if a["mode"] == "exp_range" else 1.0)
  else:  # 0 -> 1 -> 0 on the learning rate's phases
    total = _one_cycle_steps(a["total_steps"], a["epochs"], a["steps_per_epoch"])
    unit = _unit_one_cycle(total, a["pct_start"], a["anneal_strategy"], a["three_phase"])
  return lr, unit * (base - high) + high


def SequentialLR(schedulers: Sequence[Any], milestones: Sequence[int]) -> Schedule:  # noqa: N802
  """PyTorch ``SequentialLR``: schedulers one after another, each from its own step 0.

  Before ``milestones[0]`` the value is ``schedulers[0](k)``; from ``milestones[i]`` on it is
  ``schedulers[i + 1](k - milestones[i])``.

  Args:
    schedulers: the schedules (any jaxlrs schedules or callables of the step), one more than
      ``milestones``.
    milestones: the increasing steps at which the next scheduler starts.

  Returns:
    The joined schedule (a :func:`jaxlrs.join`).

  Raises:
    TypeError: a non-int milestone or a scheduler that is not a schedule or callable.
    ValueError: no schedulers, not one milestone fewer than schedulers, or milestones that are
      negative or not strictly increasing (the checks of :func:`jaxlrs.join`, whose messages
      name ``schedules`` and ``boundaries``).

  Example:
    >>> s = SequentialLR([LinearLR(1.0, start_factor=0.1, total_iters=5),
    ...                   ExponentialLR(1.0, gamma=0.5)], milestones=[5])
    >>> s(0), s(5), s(7)
    (Array(0.1, dtype=float32), Array(1., dtype=float32), Array(0.25, dtype=float32))
  """
  return _join.join(schedulers, boundaries=milestones)
