"""PyTorch's cyclical schedulers, ``CyclicLR`` and ``OneCycleLR``, and their cycled momentum.

PyTorch cycles the optimizer's momentum against the learning rate; :func:`with_momentum` returns
both schedules, built on the same core cycle (:func:`jaxlrs.cyclic`, :func:`jaxlrs.one_cycle`).
"""

from __future__ import annotations

import inspect
from typing import Any, Callable

from .. import _cyclic
from .._core import Schedule, check_value, concrete_float, require, require_choice
from ._args import checked, nonnegative_steps, positive_steps, value_where


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
  _momentum_pair(base_momentum, max_momentum)
  base_lr, max_lr = check_value("base_lr", base_lr), check_value("max_lr", max_lr)
  lo, hi = concrete_float(base_lr), concrete_float(max_lr)
  if lo is not None and hi is not None:
    require(hi >= lo, "max_lr", hi, f">= base_lr ({lo})")
  step_size_up = positive_steps("step_size_up", step_size_up)
  if step_size_down is not None:
    step_size_down = nonnegative_steps("step_size_down", step_size_down)
  require_choice("mode", mode, ("triangular", "triangular2", "exp_range"))
  gamma = value_where("gamma", gamma, lambda g: 0 < g <= 1, "in (0, 1]")
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
  pct = value_where("pct_start", pct_start, lambda p: 0 < p < 1, "in (0, 1)")
  require_choice("anneal_strategy", anneal_strategy, ("cos", "linear"))
  for name, d in (("div_factor", div_factor), ("final_div_factor", final_div_factor)):
    value_where(name, d, lambda x: x > 0, "positive")
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
