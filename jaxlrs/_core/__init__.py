"""The internal API every jaxlrs module builds on: the base class, field roles, argument checks,
the exact step and its conversion, numeric helpers, the kind registry and the eager cache.

Modules outside ``_core`` import from here only (``from ._core import check_steps``); the
submodules of ``_core`` import each other directly and never import anything outside ``_core``.
"""

from .base import Schedule as Schedule
from .base import check_child as check_child
from .checks import check_sequence as check_sequence
from .checks import check_steps as check_steps
from .checks import check_value as check_value
from .checks import concrete_float as concrete_float
from .checks import is_concrete as is_concrete
from .checks import require as require
from .checks import require_choice as require_choice
from .checks import require_nonnegative_steps as require_nonnegative_steps
from .checks import require_positive_steps as require_positive_steps
from .checks import require_value as require_value
from .counts import split_counts as split_counts
from .counts import take as take
from .counts import take_count as take_count
from .config import from_config as from_config
from .config import short_repr as short_repr
from .config import kind_class as kind_class
from .config import registered_kinds as registered_kinds
from .eager import eager_call as eager_call
from .eager import evaluate_traced as evaluate_traced
from .fields import child_field as child_field
from .fields import roles as roles
from .fields import static_field as static_field
from .fields import steps_field as steps_field
from .fields import value_field as value_field
from .numerics import finite_max as finite_max
from .numerics import fraction as fraction
from .numerics import safe_div as safe_div
from .numerics import safe_pow as safe_pow
from .numerics import scaled_pow as scaled_pow
from .numerics import unit_pow as unit_pow
from .step_input import float_steps as float_steps
from .step_input import host_step as host_step
from .steps import MAX_STEP as MAX_STEP
from .steps import Step as Step
from .steps import float_count as float_count
from .summary import ScheduleSummary as ScheduleSummary
from .summary import summary as summary
from .wrap import from_callable as from_callable
