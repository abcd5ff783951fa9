"""Layer-wise learning rates for fine-tuning: depth maps, LLRD, grouped LLRD, freezing, re-init.

A *depth map* gives every parameter a depth: 0 for the embeddings, ``1..L`` for the blocks,
``L + 1`` for the head (pooler, classifier) when the model has one. It is right or it raises:
depths come from rules (presets for common layouts, or your own), unmatched parameters are listed
in the error, and the head is declared or matched, never guessed from the highest depth;
:func:`check_depths` and :func:`format_plan` show the map before training. Multipliers per parameter follow from the depths
(layer-wise learning-rate decay, or groups), and become an optimizer in one of two forms with the
same result:

* :func:`multi_transform`: ``optax.multi_transform`` with one inner optimizer per distinct
  multiplier, each with learning rate ``schedule * multiplier``; frozen parameters get
  ``optax.set_to_zero()`` and no optimizer state.
* :func:`scaled`: one optimizer and a stateless per-parameter scale of its updates, so the state is
  as small as the plain optimizer's. For optimizers whose update is linear in the learning rate
  (SGD, Adam, AdamW with decoupled weight decay...) this equals the first form up to the order of
  float operations.

Paths are the parameter's keys joined by ``/`` (``encoder/layer/3/attention/query/kernel``), for
linen dicts and ``nnx.State`` alike. Trees returned here have the structure of the params given.

Modules: ``_tree`` (paths), ``_rules`` (what a rule is), ``_presets`` (named rules), ``_depths``
(depth maps and checks), ``_multipliers`` (LLRD, groups, freezing, decay mask), ``_transforms``
(the two optimizer forms), ``_plan`` (the plan table), ``_reinit`` (re-initialization).
"""

from ._depths import Depth as Depth
from ._depths import DepthCheck as DepthCheck
from ._depths import check_depths as check_depths
from ._depths import depth_map as depth_map
from ._depths import num_layers as num_layers
from ._multipliers import decay_mask as decay_mask
from ._multipliers import freeze as freeze
from ._multipliers import group_multipliers as group_multipliers
from ._multipliers import llrd_multipliers as llrd_multipliers
from ._plan import format_plan as format_plan
from ._plan import plan as plan
from ._presets import PRESETS as PRESETS
from ._reinit import reinit_top_layers as reinit_top_layers
from ._rules import Rule as Rule
from ._transforms import ScaleByLeafLRState as ScaleByLeafLRState
from ._transforms import multi_transform as multi_transform
from ._transforms import scale_by_leaf_lr as scale_by_leaf_lr
from ._transforms import scale_by_multipliers as scale_by_multipliers
from ._transforms import scaled as scaled
from ._tree import path_of as path_of

__all__ = ["PRESETS", "Rule", "Depth", "DepthCheck", "path_of", "depth_map", "check_depths",
           "num_layers", "llrd_multipliers", "group_multipliers",
           "freeze", "decay_mask", "multi_transform", "scaled", "scale_by_multipliers",
           "scale_by_leaf_lr", "ScaleByLeafLRState", "plan",
           "format_plan", "reinit_top_layers"]
