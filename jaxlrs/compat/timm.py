"""timm's schedulers (``timm.scheduler``, timm 1.0.31) as jaxlrs schedules.

Each keeps timm's name, argument names and defaults, with the base learning rate ``lr`` in place
of the optimizer. A schedule's step is timm's ``t`` (the epoch given to ``step(epoch)`` with
``t_in_epochs=True``, the update count given to ``step_update`` otherwise) and its value is the
learning rate timm sets for that ``t``, noise included: timm draws the noise from PyTorch's
generator seeded with ``noise_seed + t``, and :mod:`jaxlrs.compat._torch_random` reproduces that
generator, so the noisy values are timm's too. :func:`per_update` reads an epoch schedule per
optimizer update.

``PlateauLRScheduler`` (and ``create_scheduler_v2(sched="plateau")``) depends on a metric, not
only on the epoch: it is an Optax transform whose ``update`` takes ``epoch=`` and ``value=metric``
as timm's ``step(epoch, metric)`` does, and gives timm's learning rates for every sequence of
calls.

Deliberate differences: arguments timm accepts but cannot run with raise here (``cycle_mul < 1``,
unsorted ``decay_t``, ``lr_min > lr``, a one-element ``noise_range_t`` list, non-bool flags,
``decay_rate <= 0``, a plateau ``decay_rate >= 1`` or ``threshold`` outside ``[0, 1)``); a
callable WSD ``decay_fn`` is not supported. The noise needs ``noise_pct > 0`` (timm loops forever
at 0).
"""

from ._timm_factory import SCHEDULERS as SCHEDULERS
from ._timm_factory import create_scheduler_v2 as create_scheduler_v2
from ._timm_factory import get_cycle_length as get_cycle_length
from ._timm_factory import per_update as per_update
from ._timm_plateau import PlateauLRScheduler as PlateauLRScheduler
from ._timm_plateau import PlateauLRSchedulerState as PlateauLRSchedulerState
from ._timm_sched import CosineLRScheduler as CosineLRScheduler
from ._timm_sched import PolyLRScheduler as PolyLRScheduler
from ._timm_sched import TanhLRScheduler as TanhLRScheduler
from ._timm_step import MultiStepLRScheduler as MultiStepLRScheduler
from ._timm_step import StepLRScheduler as StepLRScheduler
from ._timm_wsd import WSDLRScheduler as WSDLRScheduler

__all__ = ["CosineLRScheduler", "MultiStepLRScheduler", "PlateauLRScheduler",
           "PlateauLRSchedulerState", "PolyLRScheduler", "StepLRScheduler", "TanhLRScheduler",
           "WSDLRScheduler", "create_scheduler_v2", "get_cycle_length", "per_update",
           "SCHEDULERS"]
