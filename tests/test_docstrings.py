"""Every example in the core docstrings runs and prints what it says."""

import doctest
import importlib

import jax.numpy as jnp
import optax
import pytest

import jaxlrs

MODULES = ["_core.base", "_core.config", "_core.summary", "_curves", "_shapes", "_piecewise",
           "_compose", "_arithmetic", "_join", "_cyclic", "_recipes", "_hyperparams", "_reading",
           "_plateau", "_training", "plotting", "compat.hf", "averaging", "_batch_norm", "layerwise",
           "layerwise._tree", "layerwise._rules", "layerwise._depths", "layerwise._multipliers",
           "layerwise._transforms", "layerwise._plan", "layerwise._reinit",
           "compat.torch", "compat.keras", "compat._optax_basic", "compat._optax_composite",
           "compat._timm_sched", "compat._timm_factory", "compat._timm_shapes", "compat._timm_wsd"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, standard_promotion):
  module = importlib.import_module(f"jaxlrs.{name}")
  result = doctest.testmod(module, extraglobs={"jaxlrs": jaxlrs, "optax": optax, "jnp": jnp},
                           optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
  assert result.failed == 0
