"""Training-loop arithmetic: step counts, warmup fractions, batch-size scaling, reading the LR."""

from __future__ import annotations

import math
import re
from typing import Any

import jax
import jax.numpy as jnp

from ._core import check_steps, check_value, require, require_choice


def num_train_steps(num_examples: int, batch_size: int, epochs: int,
                    drop_remainder: bool = False) -> int:
  """Optimizer updates in ``epochs`` passes over ``num_examples`` in batches of ``batch_size``.

  .. math:: T = \\text{epochs} \\times \\lceil n / b \\rceil \\quad(\\lfloor n / b \\rfloor
     \\text{ with drop\\_remainder})

  Args:
    num_examples: examples in one epoch (a positive int).
    batch_size: examples per update (a positive int).
    epochs: passes over the data (a positive int).
    drop_remainder: drop the last partial batch of each epoch.

  Returns:
    The total number of optimizer updates, a Python int.

  Raises:
    ValueError: non-positive arguments, or no full batch with ``drop_remainder``.

  Example:
    >>> jaxlrs.num_train_steps(num_examples=1000, batch_size=32, epochs=3)
    96
  """
  n, b, e = (check_steps(k, v) for k, v in (("num_examples", num_examples),
                                              ("batch_size", batch_size), ("epochs", epochs)))
  require(n > 0, "num_examples", n, "positive")
  require(b > 0, "batch_size", b, "positive")
  require(e > 0, "epochs", e, "positive")
  per_epoch = n // b if drop_remainder else -(-n // b)
  require(per_epoch > 0, "batch_size", b, f"<= num_examples ({n}) with drop_remainder=True")
  return e * per_epoch


def warmup_steps_from_ratio(total_steps: int, warmup_ratio: float) -> int:
  """Warmup given as a fraction of training: ``ceil(total_steps * warmup_ratio)`` (Hugging Face).

  Args:
    total_steps: optimizer updates in the run (a non-negative int).
    warmup_ratio: fraction of them spent warming up, in ``[0, 1]``.

  Returns:
    The number of warmup steps, a Python int.

  Raises:
    ValueError: ``warmup_ratio`` outside ``[0, 1]`` or a negative ``total_steps``.
    TypeError: ``total_steps`` is not an int.

  Example:
    >>> jaxlrs.warmup_steps_from_ratio(total_steps=1000, warmup_ratio=0.1)
    100
  """
  total_steps = check_steps("total_steps", total_steps)
  require(total_steps > 0, "total_steps", total_steps, "positive")
  warmup_ratio = check_value("warmup_ratio", warmup_ratio)
  require(0 <= warmup_ratio <= 1, "warmup_ratio", warmup_ratio, "in [0, 1]")
  return math.ceil(total_steps * warmup_ratio)


def scale_lr(base_lr: float, batch_size: int, base_batch_size: int, rule: str = "linear") -> float:
  """Move a peak learning rate tuned at ``base_batch_size`` to ``batch_size``.

  ``linear``: ``lr * b / b0`` (Goyal et al. 2017, SGD); ``sqrt``: ``lr * sqrt(b / b0)``
  (the usual rule for Adam-type optimizers).

  Args:
    base_lr: the learning rate tuned at ``base_batch_size``.
    batch_size: the new batch size (a positive int).
    base_batch_size: the batch size ``base_lr`` was tuned at (a positive int).
    rule: ``"linear"`` or ``"sqrt"``.

  Returns:
    The scaled learning rate, a Python float.

  Raises:
    ValueError: a non-positive batch size or an unknown ``rule``.
    TypeError: a batch size is not an int.

  Example:
    >>> jaxlrs.scale_lr(1e-3, batch_size=1024, base_batch_size=256, rule="sqrt")
    0.002
  """
  base_lr = check_value("base_lr", base_lr)
  b, b0 = check_steps("batch_size", batch_size), check_steps("base_batch_size", base_batch_size)
  require(b > 0, "batch_size", b, "positive")
  require(b0 > 0, "base_batch_size", b0, "positive")
  require_choice("rule", rule, ("linear", "sqrt"))
  ratio = b / b0
  return base_lr * (ratio if rule == "linear" else math.sqrt(ratio))


_COUNT = re.compile(r"(^|\.)count(\.value)?$")


def step_count(opt_state: Any) -> jax.Array:
  """The number of updates applied so far, found in any Optax optimizer state.

  Looks for the ``count`` of Optax states (``scale_by_adam``, ``scale_by_schedule``,
  ``inject_hyperparams``...) anywhere in the tree, so it works for plain optimizers,
  ``optax.chain``, ``optax.multi_transform`` and ``inject_hyperparams``; for an
  ``nnx.Optimizer`` it reads ``optimizer.step``.

  Args:
    opt_state: an Optax optimizer state (any pytree) or an ``nnx.Optimizer``.

  Returns:
    The step count as a scalar integer ``jax.Array`` (its dtype is the optimizer's: int32, or
    uint32 for ``nnx.Optimizer.step``).

  Raises:
    ValueError: the state holds no step count (e.g. ``optax.sgd`` with a constant rate).

  Example:
    >>> tx = optax.adam(1e-3)
    >>> params = {"w": jnp.zeros(2)}
    >>> state = tx.init(params)
    >>> _, state = tx.update({"w": jnp.ones(2)}, state, params)
    >>> jaxlrs.step_count(state)
    Array(1, dtype=int32)
  """
  step = getattr(opt_state, "step", None)
  if step is not None and hasattr(opt_state, "opt_state"):
    return jnp.asarray(step[...])  # an nnx.OptState variable (uint32)
  for path, leaf in jax.tree_util.tree_flatten_with_path(opt_state)[0]:
    if _COUNT.search(jax.tree_util.keystr(path)):
      return jnp.asarray(leaf)
  raise ValueError(
      "No step count found in the optimizer state: it has no 'count' entry (a constant-rate "
      "optax.sgd keeps none). Track the step yourself or use optax.inject_hyperparams.")
