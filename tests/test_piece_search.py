"""The piece search of joins and piecewise schedules: method chosen by size and backend."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import export

from jaxlrs import _piecewise


@pytest.mark.parametrize("n", [1, 9, 32, 33, 99, 300])
def test_piece_index_matches_numpy_on_both_sides_of_the_crossover(n):
  bounds = tuple(int(b) for b in np.cumsum(3 + np.arange(n) % 5))
  steps = np.arange(-2, bounds[-1] + 4, dtype=np.int32)
  got = jax.jit(jax.vmap(lambda t: _piecewise.piece_index(t, bounds)))(jnp.asarray(steps))
  np.testing.assert_array_equal(got, np.searchsorted(np.asarray(bounds), steps, side="right"))


def _lowered(n, platform):
  bounds = tuple(range(1, 2 * n, 2))
  f = jax.jit(jax.vmap(lambda t: _piecewise.piece_index(t, bounds)))
  return export.export(f, platforms=[platform])(
      jax.ShapeDtypeStruct((8,), jnp.int32)).mlir_module()


def test_small_joins_compare_all_large_ones_binary_search():
  limits = _piecewise.COMPARE_ALL_MAX_BOUNDARIES
  assert "stablehlo.while" not in _lowered(limits["cpu"], "cpu")  # compare_all: no loop
  assert "stablehlo.while" in _lowered(limits["cpu"] + 1, "cpu")  # binary search: a loop
  assert "stablehlo.while" not in _lowered(limits["cpu"] + 1, "cuda")  # GPU: compare_all longer
  assert "stablehlo.while" in _lowered(limits["default"] + 1, "cuda")
