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


@pytest.mark.parametrize("platform", ["cpu", "cuda"])
def test_no_search_loop_compare_all_only_where_chosen(platform):
  limit = _piecewise.COMPARE_ALL_MAX_BOUNDARIES["cpu" if platform == "cpu" else "default"]
  for n in (1, 9, 33, 300):  # otherwise the unrolled binary search: no loop either
    module = _lowered(n, platform)
    assert "stablehlo.while" not in module
    assert ("stablehlo.reduce" in module) == (n <= limit)


@pytest.mark.parametrize("n", [1, 2, 3, 7, 8, 9, 64, 65])
def test_binary_search_counts_boundaries_at_the_int32_extremes(n):
  bounds = [int(b) for b in np.cumsum(1 + np.arange(n) % 3)]
  bounds[-1] = 2**31 - 1  # a boundary at the largest int32 step
  top = np.iinfo(np.int32).max
  near = [b + d for b in bounds[:3] + bounds[-1:] for d in (-1, 0, 1)]
  steps = np.clip(np.array([-(2**31), -1, 0, *near, top - 1, top], np.int64), -(2**31),
                  top).astype(np.int32)
  got = jax.jit(jax.vmap(lambda t: _piecewise.binary_search(t, bounds)))(jnp.asarray(steps))
  np.testing.assert_array_equal(got, np.searchsorted(np.asarray(bounds), steps, side="right"))
