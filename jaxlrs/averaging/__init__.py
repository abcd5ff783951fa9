"""Parameter averaging (EMA and SWA) kept in the optimizer state.

``optax.ema`` averages *updates* (it is momentum); these average the *parameters* after each
update, ``params + updates``, as PyTorch ``AveragedModel``/timm ``ModelEmaV3`` do, but as an Optax
optimizer: the average lives in the optimizer state, so it is checkpointed, sharded and restored
with it.

They **wrap** an optimizer (``ema(optax.adamw(lr), decay=0.999)``) rather than being a transform to
chain: a wrapper sees the final updates by construction, whereas a chained transform placed before
e.g. a clipping or masking step would silently average parameters that are never applied.

Accumulators are float32 by default, even for bfloat16 parameters (a bfloat16 running average
stalls once the increments fall below its resolution).
"""

from ._read import averaged_model, averaged_params
from ._wrap import AveragingState, ema, swa
from .._batch_norm import refresh_batch_stats, refresh_nnx_batch_norm

__all__ = ["AveragingState", "ema", "swa", "averaged_params", "averaged_model",
           "refresh_batch_stats", "refresh_nnx_batch_norm"]
