"""Test configuration: strict dtype promotion and rank promotion, as in equinox."""

import os

os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false")

import jax  # noqa: E402
import hypothesis  # noqa: E402

jax.config.update("jax_numpy_dtype_promotion", "strict")
jax.config.update("jax_numpy_rank_promotion", "raise")

hypothesis.settings.register_profile(
    "default", max_examples=30, deadline=None, derandomize=True
)
hypothesis.settings.register_profile(
    "ci", max_examples=30, deadline=None, derandomize=True, print_blob=True
)
hypothesis.settings.load_profile("ci" if os.environ.get("CI") else "default")


import pytest  # noqa: E402


@pytest.fixture
def standard_promotion():
  """Optax's own Adam bias correction mixes int32 and float32: run such tests in standard mode.

  jaxlrs code itself is checked under strict promotion everywhere else.
  """
  with jax.numpy_dtype_promotion("standard"):
    yield
