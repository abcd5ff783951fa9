"""One vocabulary: curve shapes accepted by every composer, config kinds that take their
function's arguments, and gradients that match finite differences for every kind."""

import dataclasses
import inspect
import json
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxlrs
from jaxlrs import _curves
from jaxlrs._core import registered_kinds
from jaxlrs.compat import _timm_shapes as timm_shapes

SHAPES = jaxlrs.SHAPES


def close(a, b, rtol=1e-6, atol=1e-7):
  np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(b, np.float64), rtol=rtol,
                             atol=atol)


# --- the curves -------------------------------------------------------------------------------


def test_registry_holds_the_documented_shapes():
  assert SHAPES == ("linear", "cosine", "exponential", "1-sqrt", "tanh")


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("a,b", [(2.0, 0.5), (0.5, 2.0)])
def test_every_curve_meets_its_ends_and_is_monotone(shape, a, b):
  f = jnp.linspace(0.0, 1.0, 101)
  for curve in (_curves.decay, _curves.rise):
    v = np.asarray(curve(a, b, f, shape), np.float64)
    close(v[0], a)
    close(v[-1], b)
    steps = np.diff(v) * np.sign(b - a)
    assert np.all(steps >= -1e-6), (curve.__name__, shape)


def test_rise_reads_the_curve_backwards_in_time():
  f = jnp.linspace(0.0, 1.0, 11)
  close(_curves.rise(0.0, 1.0, f, "1-sqrt"), 1 - np.sqrt(1 - np.asarray(f)))  # HF WSD warmup
  close(_curves.decay(1.0, 0.0, f, "1-sqrt"), 1 - np.sqrt(np.asarray(f)))


def test_tanh_is_timms_curve_scaled_to_its_ends():
  # timm TanhLRScheduler: lr_min + 0.5 (lr - lr_min) (1 - tanh(lb (1 - f) + ub f)), lb=-7, ub=3.
  lr, lr_min = 0.1, 0.001
  f = np.linspace(0, 1, 21)
  timm = lr_min + 0.5 * (lr - lr_min) * (1 - np.tanh(-7 * (1 - f) + 3 * f))
  start = lr_min + 0.5 * (lr - lr_min) * (1 - math.tanh(-7))
  end = lr_min + 0.5 * (lr - lr_min) * (1 - math.tanh(3))
  close(jaxlrs.anneal(start, end_value=end, total_steps=20, shape="tanh")(np.arange(21)), timm,
        rtol=2e-6)


@pytest.mark.parametrize("lb,ub", [(-7.0, 3.0), (-3.0, 3.0), (-6.0, 5.0), (-1.0, 1.0)])
def test_tanh_bounds_are_parameters_of_the_one_curve(lb, ub):
  # The timm port's curve for any bounds is the core curve between timm's end values.
  lr, lr_min = 0.1, 0.001
  f = np.linspace(0, 1, 21)
  timm = lr_min + 0.5 * (lr - lr_min) * (1 - np.tanh(lb * (1 - f) + ub * f))
  start = lr_min + 0.5 * (lr - lr_min) * (1 - math.tanh(lb))
  end = lr_min + 0.5 * (lr - lr_min) * (1 - math.tanh(ub))
  f32 = jnp.asarray(f, jnp.float32)
  # Float32 tanh near +-1 loses digits: at (-6, 5) timm's own formula in float32 is 5e-4 off.
  rtol = 1e-3 if ub > 3 else 2e-6
  close(_curves.decay(start, end, f32, "tanh", lb=lb, ub=ub), timm, rtol=rtol)
  close(_curves.decay(start, end, f32, "tanh", lb=jnp.float32(lb), ub=jnp.float32(ub)), timm,
        rtol=rtol)
  close(_curves.rise(end, start, 1 - f32, "tanh", lb=lb, ub=ub), timm, rtol=rtol)
  if (lb, ub) == (-7.0, 3.0):  # the documented defaults, bit for bit
    np.testing.assert_array_equal(_curves.decay(start, end, f32, "tanh", lb=lb, ub=ub),
                                  _curves.decay(start, end, f32, "tanh"))


# --- every composer takes every shape under the same name ---------------------------------------

COMPOSERS = {
    "warmup": lambda shape: jaxlrs.warmup(jaxlrs.cosine(1.0, total_steps=40), warmup_steps=10,
                                          init_value=0.1, shape=shape),
    "warmup_multiplier": lambda shape: jaxlrs.warmup_multiplier(
        jaxlrs.cosine(1.0, total_steps=50), warmup_steps=10, init_ratio=0.1, shape=shape),
    "anneal": lambda shape: jaxlrs.anneal(1.0, end_value=0.1, total_steps=50, shape=shape),
    "wsd warmup": lambda shape: jaxlrs.warmup_stable_decay(
        1.0, total_steps=50, warmup_steps=10, decay_steps=20, warmup_shape=shape, init_value=0.1,
        end_value=0.1),
    "wsd decay": lambda shape: jaxlrs.warmup_stable_decay(
        1.0, total_steps=50, warmup_steps=10, decay_steps=20, decay_shape=shape, end_value=0.1),
    "one_cycle": lambda shape: jaxlrs.one_cycle(1.0, total_steps=48, rise_fraction=0.25,
                                                shape=shape),
    "swa_schedule": lambda shape: jaxlrs.swa_schedule(
        jaxlrs.cosine(1.0, total_steps=30, end_value=0.5), start_step=30, swa_value=0.2,
        anneal_steps=10,
        shape=shape),
    "cyclic": lambda shape: jaxlrs.cyclic(0.1, peak_value=1.0, rise_steps=10, fall_steps=15,
                                          shape=shape),
}
# (a step, the value there whatever the shape): the ends of each transition.
ENDS = {
    "warmup": [(0, 0.1), (10, 1.0)], "warmup_multiplier": [(0, 0.1), (10, 0.9045085)],
    "anneal": [(0, 1.0), (50, 0.1)], "wsd warmup": [(0, 0.1), (10, 1.0), (50, 0.1)],
    "wsd decay": [(30, 1.0), (50, 0.1)], "one_cycle": [(0, 0.04), (11, 1.0), (47, 4e-6)],
    "swa_schedule": [(40, 0.2)], "cyclic": [(0, 0.1), (10, 1.0), (25, 0.1)],
}


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", COMPOSERS)
def test_every_composer_accepts_every_shape(name, shape):
  s = COMPOSERS[name](shape)
  assert jaxlrs.from_config(json.loads(json.dumps(s.to_config()))) == s
  steps, want = zip(*ENDS[name])
  close(s(np.asarray(steps)), want, rtol=2e-6)
  assert np.all(np.isfinite(np.asarray(s(np.arange(80)))))


@pytest.mark.parametrize("name,arg", [
    ("warmup", "shape"), ("warmup_multiplier", "shape"), ("anneal", "shape"),
    ("wsd warmup", "warmup_shape"), ("wsd decay", "decay_shape"), ("one_cycle", "shape"),
    ("swa_schedule", "shape"), ("cyclic", "shape")])
def test_unknown_shape_names_the_argument(name, arg):
  with pytest.raises(ValueError, match=f"{arg} must be one of .*'tanh'"):
    COMPOSERS[name]("cos")


def test_a_new_shape_is_one_definition(monkeypatch):
  monkeypatch.setitem(_curves._CURVES, "quadratic", lambda a, b, f: b + (a - b) * (1 - f) ** 2)
  for name, make in COMPOSERS.items():
    s = make("quadratic")
    steps, want = zip(*ENDS[name])
    close(s(np.asarray(steps)), want, rtol=2e-6)
  close(jaxlrs.anneal(1.0, end_value=0.0, total_steps=10, shape="quadratic")(5), 0.25)


# --- config kinds take the arguments of their public functions ---------------------------------

EXAMPLES = {
    "constant": jaxlrs.constant(0.3),
    "linear": jaxlrs.linear(1.0, end_value=0.1, total_steps=50),
    "polynomial": jaxlrs.polynomial(1.0, end_value=0.1, total_steps=50, power=0.5, cycle=True),
    "cosine": jaxlrs.cosine(1.0, total_steps=50, end_value=0.1, exponent=2.0, cycles=1.75),
    "exponential": jaxlrs.exponential(1.0, decay_rate=0.5, period_steps=10, staircase=True,
                                      end_value=0.1),
    "inverse_time": jaxlrs.inverse_time(1.0, decay_rate=0.5, period_steps=10),
    "rsqrt": jaxlrs.rsqrt(1.0, timescale_steps=10),
    "piecewise_constant": jaxlrs.piecewise_constant([10, 20], values=[1.0, 0.5, 0.25]),
    "multistep": jaxlrs.multistep(1.0, boundaries=[10, 30], decay_rate=0.5),
    "piecewise_linear": jaxlrs.piecewise_linear([0, 10, 40], values=[0.0, 1.0, 0.1]),
    "anneal": jaxlrs.anneal(1.0, end_value=0.1, total_steps=20, shape="tanh"),
    "warmup": jaxlrs.warmup(jaxlrs.cosine(1.0, total_steps=40), warmup_steps=10, shape="1-sqrt"),
    "warmup_multiplier": jaxlrs.warmup_multiplier(jaxlrs.cosine(1.0, total_steps=60),
                                                  warmup_steps=10, init_ratio=0.2),
    "join": jaxlrs.join([jaxlrs.warmup(jaxlrs.constant(1.0), warmup_steps=5),
                         jaxlrs.cosine(1.0, total_steps=30)], boundaries=[10]),
    "cyclic": jaxlrs.cyclic(0.1, peak_value=1.0, rise_steps=5, fall_steps=10, cycle_decay=0.5,
                            decay_rate=0.99, shape="cosine"),
    "cosine_restarts": jaxlrs.cosine_restarts(1.0, cycle_steps=10, cycle_mul=1.5,
                                              cycle_decay=0.5, cycle_limit=4, warmup_steps=3,
                                              time_exponent=1.5),
    "one_cycle": jaxlrs.one_cycle(1.0, total_steps=60, rise_fraction=0.25, three_phase=True),
    "warmup_stable_decay": jaxlrs.warmup_stable_decay(
        1.0, total_steps=60, warmup_steps=5, decay_steps=20, warmup_shape="cosine",
        decay_shape="cosine", decay_cycles=1.5, end_value=0.1),
    "swa_schedule": jaxlrs.swa_schedule(jaxlrs.cosine(1.0, total_steps=45), start_step=45,
                                        swa_value=0.2, anneal_steps=5, shape="linear"),
    "noisy": jaxlrs.noisy(jaxlrs.cosine(1.0, total_steps=50), noise_ratio=0.2, seed=3,
                          start_step=5, end_step=40),
    "product": jaxlrs.cosine(1.0, total_steps=50) * jaxlrs.linear(0.0, end_value=1.0,
                                                                   total_steps=10),
    "sum_of": jaxlrs.cosine(1.0, total_steps=50) + 0.01,
    "shift": jaxlrs.linear(1.0, end_value=0.0, total_steps=30).shift(5),
    "clip": jaxlrs.linear(1.0, end_value=0.0, total_steps=30).clip(min_value=0.1),
    "time_scale": jaxlrs.linear(1.0, end_value=0.0, total_steps=30).time_scale(0.5),
    # The timm port's kinds (jaxlrs.compat.timm).
    "timm_cycles": timm_shapes.timm_cycles(1.0, t_initial=10, lr_min=0.05, cycle_mul=1.5,
                                           cycle_decay=0.5, cycle_limit=3, k_decay=1.5,
                                           curve="poly", power=2.0),
    "timm_power_stable": timm_shapes.timm_power_stable(1.0, timescale=7.5, power=0.3),
    "timm_noise": timm_shapes.timm_noise(jaxlrs.cosine(1.0, total_steps=50), start=5.0,
                                         end=40.0, noise_pct=0.3, noise_std=0.5, noise_seed=3),
    "timm_per_epoch": timm_shapes.timm_per_epoch(jaxlrs.cosine(1.0, total_steps=10),
                                                 updates_per_epoch=4),
}
SERIALISABLE = sorted(set(registered_kinds()) - {"from_callable"})


def test_every_registered_kind_has_an_example():
  assert sorted(EXAMPLES) == SERIALISABLE


@pytest.mark.parametrize("kind", SERIALISABLE)
def test_from_config_round_trip_for_every_kind(kind):
  s = EXAMPLES[kind]
  assert s.kind == kind
  config = json.loads(json.dumps(s.to_config()))
  rebuilt = jaxlrs.from_config(config)
  assert rebuilt == s
  steps = np.arange(0, 90)
  np.testing.assert_array_equal(rebuilt(steps), s(steps))


@pytest.mark.parametrize("kind", SERIALISABLE)
def test_config_keys_are_the_public_arguments(kind):
  cls = registered_kinds()[kind]
  public = getattr(timm_shapes if kind.startswith("timm_") else jaxlrs, kind)
  assert public is cls  # the public function is the kind itself
  keys = set(EXAMPLES[kind].to_config()) - {"kind"}
  params = set(inspect.signature(cls).parameters)
  if kind in ("product", "sum_of"):
    assert keys == {"schedules"}
  else:
    assert keys == params


def test_cosine_restarts_config_with_warmup():
  config = {"kind": "cosine_restarts", "init_value": 1.0, "cycle_steps": 10, "warmup_steps": 5}
  s = jaxlrs.from_config(config)
  close(s(np.array([0, 5, 10, 15])), [0.0, 1.0, 0.5, 1.0], rtol=2e-6)


def test_arguments_after_the_first_are_keyword_only():
  for kind in SERIALISABLE:
    params = list(inspect.signature(registered_kinds()[kind]).parameters.values())
    if kind in ("product", "sum_of"):
      continue
    assert all(p.kind is p.KEYWORD_ONLY for p in params[1:]), kind
  with pytest.raises(TypeError):
    jaxlrs.linear(1.0, 0.0, 100)  # pylint: disable=too-many-function-args


def test_value_like_floats_are_leaves():
  # The time-scale factor and the one-cycle rise fraction are values: vmap over them.
  factors = jnp.asarray([0.5, 1.0, 2.0])
  base = jaxlrs.linear(0.0, end_value=1.0, total_steps=10)
  out = jax.vmap(lambda f: base.time_scale(f)(4.0))(factors)
  close(out, [0.2, 0.4, 0.8])
  fractions = jnp.asarray([0.2, 0.5])
  peaks_at = jax.vmap(lambda p: jaxlrs.one_cycle(1.0, total_steps=100, rise_fraction=p,
                                                  shape="linear")(19.0))(fractions)
  close(peaks_at[0], 1.0)
  assert float(peaks_at[1]) < 1.0


# --- gradients: central finite differences, for the step and every value leaf ---------------

FD_STEPS = np.array([0.37, 3.3, 7.7, 12.5, 23.1, 41.7, 55.5, 77.3])
FD_KINDS = [k for k in SERIALISABLE]


def _fd_check(s, h_step=1e-5, h_leaf=1e-6, rtol=1e-4, atol=1e-6):
  ts = jnp.asarray(FD_STEPS)
  g_step = np.asarray(jax.vmap(jax.grad(lambda t: s(t)))(ts))
  fd_step = (np.asarray(s(FD_STEPS + h_step)) - np.asarray(s(FD_STEPS - h_step))) / (2 * h_step)
  np.testing.assert_allclose(g_step, fd_step, rtol=rtol, atol=atol * 10)

  weights = np.linspace(0.5, 1.5, len(FD_STEPS))
  total = lambda sched: jnp.sum(sched(ts) * weights)  # noqa: E731
  grads = jax.tree.leaves(jax.grad(total)(s))
  leaves, treedef = jax.tree.flatten(s)
  assert len(grads) == len(leaves)
  for i, leaf in enumerate(leaves):
    arr = np.asarray(leaf, np.float64)
    for j in np.ndindex(arr.shape):
      def at(delta):
        moved = arr.copy()
        moved[j] += delta
        new = list(leaves)
        new[i] = moved if arr.shape else float(moved)
        return float(total(jax.tree.unflatten(treedef, new)))
      fd = (at(h_leaf) - at(-h_leaf)) / (2 * h_leaf)
      np.testing.assert_allclose(np.asarray(grads[i])[j], fd, rtol=rtol, atol=atol,
                                 err_msg=f"leaf {i} {j}")


@pytest.mark.slow
@pytest.mark.parametrize("kind", FD_KINDS)
def test_gradients_match_central_finite_differences(kind):
  with jax.enable_x64(True):
    s = jax.tree.map(lambda x: np.asarray(x, np.float64), EXAMPLES[kind])
    if kind == "noisy":  # its noise is drawn in float32: a coarser difference
      _fd_check(s, h_leaf=1e-3, rtol=2e-3, atol=1e-5)
    else:
      _fd_check(s)


# --- horizon: every kind answers it ------------------------------------------------------------

NEVER_SETTLE = {"exponential", "inverse_time", "rsqrt", "cyclic", "polynomial", "timm_power_stable"}


@pytest.mark.parametrize("kind", SERIALISABLE)
def test_every_kind_answers_its_horizon(kind):
  s = EXAMPLES[kind]
  h = s.horizon()
  assert isinstance(h, int) and h >= 0
  if kind in NEVER_SETTLE:
    assert h > 0
    return
  far = np.asarray(s(10**6))
  if kind != "noisy":
    np.testing.assert_array_equal(np.asarray(s(np.arange(h, h + 30))), np.full(30, far))
  if h > 0 and kind not in ("noisy", "constant", "clip"):  # clipping may settle earlier
    assert np.asarray(s(h - 1)) != far  # the horizon is the first step of the hold


def test_horizons_of_decays_without_end():
  assert jaxlrs.exponential(1.0, decay_rate=0.5, period_steps=10).horizon() == 34
  assert jaxlrs.exponential(1.0, decay_rate=0.5, period_steps=10, staircase=True).horizon() == 40
  assert jaxlrs.exponential(1.0, decay_rate=0.5, period_steps=10, end_value=0.25).horizon() == 20
  assert jaxlrs.inverse_time(1.0, decay_rate=0.5, period_steps=10).horizon() == 180
  assert jaxlrs.rsqrt(1.0, timescale_steps=10).horizon() == 990
  assert jaxlrs.cyclic(0.1, peak_value=1.0, rise_steps=5, fall_steps=10).horizon() == 30
  with pytest.raises(ValueError, match="horizon"):
    jaxlrs.from_callable(lambda t: t).horizon()


def test_warmup_without_delay_overrides_the_start():
  # timm's warmup_prefix=False: the warmup replaces the first steps of a schedule on one clock.
  base = jaxlrs.cosine(1.0, total_steps=90, end_value=0.1)
  s = jaxlrs.warmup(base, warmup_steps=10, init_value=0.01, delay=False)
  t = np.arange(0, 120)
  want = np.where(t < 10, 0.01 + (1.0 - 0.01) * t / 10, np.asarray(base(t), np.float64))
  close(s(t), want, rtol=2e-6)
  assert s.horizon() == 90
