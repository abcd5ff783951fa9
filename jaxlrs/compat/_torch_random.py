"""PyTorch's CPU random generator (MT19937) in JAX, for timm's learning-rate noise.

timm draws its noise with ``torch.Generator().manual_seed(seed + t)`` and one ``torch.randn(1)``
(resampled while outside the limit) or ``torch.rand(1)``. PyTorch's CPU generator is the 32-bit
Mersenne Twister; ``randn`` on a one-element tensor is a Box-Muller transform of two 53-bit doubles
(four 32-bit words) whose second (sine) value is cached for the next call, and ``rand`` uses the
low 24 bits of one word. This module reproduces that stream bit for bit and evaluates the
transforms in float32, so the noise equals timm's to a few float32 ulps (the accept/reject test
can only differ for a draw within an ulp of the limit).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

_N = 624
_MAX_PAIRS = 100_000


def _init(seed: jax.Array) -> jax.Array:
  """The 624-word MT19937 state for a 32-bit seed (``init_genrand``)."""

  def body(prev, j):
    nxt = jnp.uint32(1812433253) * (prev ^ (prev >> 30)) + j
    return nxt, nxt

  _, rest = jax.lax.scan(body, seed, jnp.arange(1, _N, dtype=jnp.uint32))
  return jnp.concatenate([seed[None], rest])


def _twist_part(cur: jax.Array, nxt: jax.Array, far: jax.Array) -> jax.Array:
  y = (cur & jnp.uint32(0x80000000)) | (nxt & jnp.uint32(0x7FFFFFFF))
  mag = jnp.where((y & 1) == 1, jnp.uint32(0x9908B0DF), jnp.uint32(0))
  return far ^ (y >> 1) ^ mag


def _twist(s: jax.Array) -> jax.Array:
  """One MT19937 regeneration of all 624 words, in four vectorised blocks."""
  a = _twist_part(s[0:227], s[1:228], s[397:624])
  b = _twist_part(s[227:454], s[228:455], a)
  c = _twist_part(s[454:623], s[455:624], b[0:169])
  d = _twist_part(s[623:624], a[0:1], b[169:170])
  return jnp.concatenate([a, b, c, d])


def _temper(y: jax.Array) -> jax.Array:
  y = y ^ (y >> 11)
  y = y ^ ((y << 7) & jnp.uint32(0x9D2C5680))
  y = y ^ ((y << 15) & jnp.uint32(0xEFC60000))
  return y ^ (y >> 18)


def _unit53(hi: jax.Array, lo: jax.Array) -> tuple[jax.Array, jax.Array]:
  """``u`` and ``1 - u`` (float32) for the 53-bit double ``((hi << 32 | lo) & (2^53 - 1)) / 2^53``."""
  hi21 = (hi & jnp.uint32(0x1FFFFF)).astype(jnp.float32)
  lo32 = lo.astype(jnp.float32)
  u = hi21 * 2.0**-21 + lo32 * 2.0**-53
  one_minus = (jnp.float32(0x1FFFFF) - hi21) * 2.0**-21 + (2.0**32 - lo32) * 2.0**-53
  return u, one_minus


def _normal_pair(words: jax.Array) -> tuple[jax.Array, jax.Array]:
  """PyTorch's Box-Muller pair (cosine value first, cached sine value second)."""
  u1, _ = _unit53(words[0], words[1])
  u2, one_minus_u2 = _unit53(words[2], words[3])
  log = jnp.where(u2 < 0.5, jnp.log1p(-u2), jnp.log(one_minus_u2))
  r = jnp.sqrt(-2.0 * log)
  theta = 2.0 * math.pi * u1
  return r * jnp.cos(theta), r * jnp.sin(theta)


def torch_noise(seed: jax.Array, noise_type: str, pct: jax.Array, std: jax.Array) -> jax.Array:
  """timm's ``_calculate_noise`` for a generator seeded with ``seed`` (a uint32 scalar).

  ``normal``: ``std * randn()`` redrawn until ``|noise| < pct``; ``uniform``:
  ``2 (rand() - 0.5) pct``. Returns a float32 scalar. Which draw is accepted does not depend on
  ``pct`` and ``std`` differentiably, so the loop runs on their stopped values and the gradient
  flows through ``std * z`` (and ``pct`` for uniform noise).
  """
  state = _twist(_init(seed))
  if noise_type == "uniform":
    u = (_temper(state[0]) & jnp.uint32(0xFFFFFF)).astype(jnp.float32) * 2.0**-24
    return 2.0 * (u.astype(pct.dtype) - 0.5) * pct
  pct_c = jax.lax.stop_gradient(pct).astype(jnp.float32)
  std_c = jax.lax.stop_gradient(std).astype(jnp.float32)

  def cond(carry):  # at most _MAX_PAIRS draws: a limit that rejects every draw ends too
    return ~carry[3] & (carry[4] < _MAX_PAIRS)

  def body(carry):
    s, pos, _, _, n = carry
    s = jax.lax.cond(pos >= _N, _twist, lambda x: x, s)
    pos = jnp.where(pos >= _N, 0, pos)
    words = _temper(jax.lax.dynamic_slice(s, (pos,), (4,)))
    first, second = _normal_pair(words)
    ok1, ok2 = jnp.abs(first * std_c) < pct_c, jnp.abs(second * std_c) < pct_c
    z = jnp.where(ok1, first, second)
    return s, pos + 4, z, ok1 | ok2, n + 1

  init = (state, jnp.int32(0), jnp.float32(0), jnp.bool_(False), jnp.int32(0))
  z = jax.lax.while_loop(cond, body, init)[2]
  return z.astype(std.dtype) * std
