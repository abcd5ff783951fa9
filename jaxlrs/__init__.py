"""jaxlrs: learning-rate schedules and fine-tuning tools for JAX, Optax and Flax."""

from ._core import Schedule as Schedule
from ._core import ScheduleSummary as ScheduleSummary
from ._core import from_callable as from_callable
from ._core import from_config as from_config
from ._core import summary as summary
from ._curves import SHAPES as SHAPES
from ._shapes import constant as constant
from ._shapes import cosine as cosine
from ._shapes import linear as linear
from ._shapes import polynomial as polynomial
from ._decays import exponential as exponential
from ._decays import inverse_time as inverse_time
from ._decays import rsqrt as rsqrt
from ._decays import step_decay as step_decay
from ._piecewise import multistep as multistep
from ._piecewise import piecewise_constant as piecewise_constant
from ._piecewise import piecewise_linear as piecewise_linear
from ._compose import anneal as anneal
from ._compose import warmup as warmup
from ._compose import warmup_multiplier as warmup_multiplier
from ._arithmetic import clip as clip
from ._arithmetic import product as product
from ._arithmetic import shift as shift
from ._arithmetic import sum_of as sum_of
from ._arithmetic import time_scale as time_scale
from ._join import join as join
from ._cyclic import cosine_restarts as cosine_restarts
from ._cyclic import cyclic as cyclic
from ._cyclic import one_cycle as one_cycle
from ._recipes import noisy as noisy
from ._recipes import swa_schedule as swa_schedule
from ._recipes import warmup_stable_decay as warmup_stable_decay
from ._plateau import ReduceOnPlateauState as ReduceOnPlateauState
from ._plateau import reduce_on_plateau as reduce_on_plateau
from ._hyperparams import ScheduledState as ScheduledState
from ._hyperparams import scheduled as scheduled
from ._reading import current_lr as current_lr
from ._reading import hyperparams as hyperparams
from ._reading import lr_range as lr_range
from ._training import num_train_steps as num_train_steps
from ._training import scale_lr as scale_lr
from ._training import step_count as step_count
from ._training import warmup_steps_from_ratio as warmup_steps_from_ratio
from .plotting import plot as plot
from .plotting import plot_terminal as plot_terminal
from ._lr_finder import LRFinderResult as LRFinderResult
from ._lr_finder import find_lr as find_lr
from ._lr_sweep import SweepResult as SweepResult
from ._lr_sweep import sweep as sweep
from . import averaging as averaging
from . import layerwise as layerwise
from . import compat as compat

__version__ = "0.2.0.dev0"

__all__ = [
    "Schedule", "SHAPES", "anneal", "clip", "constant", "cosine", "cosine_restarts", "cyclic",
    "exponential", "from_callable", "from_config", "inverse_time", "join", "linear",
    "multistep", "noisy", "one_cycle", "piecewise_constant", "piecewise_linear", "polynomial",
    "product", "reduce_on_plateau", "ReduceOnPlateauState", "rsqrt", "shift", "step_decay",
    "sum_of", "swa_schedule", "time_scale", "warmup", "warmup_multiplier", "warmup_stable_decay",
    "ScheduleSummary", "summary", "current_lr", "hyperparams", "lr_range", "scheduled",
    "ScheduledState", "num_train_steps", "scale_lr", "step_count",
    "warmup_steps_from_ratio", "plot", "plot_terminal", "averaging", "compat", "layerwise",
    "find_lr", "LRFinderResult", "sweep", "SweepResult",
]
