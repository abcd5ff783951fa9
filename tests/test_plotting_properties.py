"""Properties of the plots: the text plot's size, its value range and extreme rows, one mark per
schedule up to the documented limit, and a matplotlib figure that holds the schedule's values."""

import hypothesis.strategies as st
import numpy as np
import optax
import pytest
from hypothesis import given, settings

import jaxlrs

values = st.floats(1e-3, 10.0)
lengths = st.integers(1, 200)


@st.composite
def schedules(draw):
  """A random valid schedule over a short horizon (any kind the text plot draws)."""
  v0, v1, n = draw(values), draw(values), draw(lengths)
  kind = draw(st.sampled_from(["constant", "linear", "cosine", "warmup", "cyclic", "multistep",
                               "exponential", "wsd"]))
  if kind == "constant":
    return jaxlrs.constant(v0)
  if kind == "linear":
    return jaxlrs.linear(v0, end_value=v1, total_steps=n)
  if kind == "cosine":
    return jaxlrs.cosine(v0, total_steps=n, end_value=v1)
  if kind == "warmup":
    return jaxlrs.warmup(jaxlrs.cosine(v0, total_steps=n, end_value=v1),
                         warmup_steps=draw(lengths), init_value=v1,
                         shape=draw(st.sampled_from(jaxlrs.SHAPES)))
  if kind == "cyclic":
    return jaxlrs.cyclic(min(v0, v1), peak_value=max(v0, v1), rise_steps=draw(st.integers(1, 20)))
  if kind == "multistep":
    bounds = sorted(set(draw(st.lists(lengths, min_size=1, max_size=3))))
    return jaxlrs.multistep(v0, boundaries=bounds, decay_rate=draw(st.floats(0.1, 0.9)))
  if kind == "exponential":
    return jaxlrs.exponential(v0, decay_rate=draw(st.floats(0.1, 0.9)), period_steps=n)
  w, d = draw(st.integers(0, 50)), draw(st.integers(1, 50))
  return jaxlrs.warmup_stable_decay(v0, total_steps=w + d + draw(st.integers(0, 50)),
                                    warmup_steps=w, decay_steps=d, init_value=v1,
                                    end_value=v1,
                                    decay_shape=draw(st.sampled_from(jaxlrs.SHAPES)))


def _grid(text, height):
  """The plot rows (without the value labels) and the two value labels of a text plot."""
  lines = text.splitlines()
  return ([line.split("|", 1)[1] for line in lines[:height]],
          lines[0].split("|")[0].strip(), lines[height - 1].split("|")[0].strip())


@settings(max_examples=15)
@given(st.lists(schedules(), min_size=1, max_size=3), st.integers(1, 400), st.integers(8, 100),
       st.integers(3, 30))
def test_text_plot_has_the_requested_size(scheds, total_steps, width, height):
  text = jaxlrs.plot_terminal(scheds, total_steps, labels=[f"s{i}" for i in range(len(scheds))],
                              width=width, height=height)
  lines = text.splitlines()
  assert len(lines) == height + 2 + len(scheds)  # rows, axis, step labels, one legend line each
  assert all(len(line) == 12 + width for line in lines[:height + 2])
  assert all(line[11] == "|" for line in lines[:height])
  assert lines[height] == " " * 11 + "+" + "-" * width
  assert lines[height + 1].split() == ["0", str(total_steps - 1)]
  legend = [line.split() for line in lines[height + 2:]]
  assert [name for _, name in legend] == [f"s{i}" for i in range(len(scheds))]
  marks = [mark for mark, _ in legend]
  assert len(set(marks)) == len(marks)
  rows = "".join(_grid(text, height)[0])
  assert set(rows) <= set(marks) | {" "}
  assert all(m in rows for m in marks[-1:])  # the last schedule is drawn over the others


def _row(y, lo, hi, height):
  span = hi - lo if hi > lo else 1.0
  return height - 1 - int(round((y - lo) / span * (height - 1)))


@settings(max_examples=30)
@given(schedules(), st.integers(1, 400), st.integers(8, 90), st.integers(3, 24))
def test_text_plot_spans_the_schedules_range(s, total_steps, width, height):
  ys = np.asarray(s(np.arange(total_steps)), np.float64)
  lo, hi = float(ys.min()), float(ys.max())
  text = jaxlrs.plot_terminal(s, total_steps, width=width, height=height)
  rows, top_label, bottom_label = _grid(text, height)
  # The labels are the maximum and minimum over every plotted step.
  assert (top_label, bottom_label) == (f"{hi:.3g}", f"{lo:.3g}")
  columns = ["".join(r[x] for r in rows) for x in range(width)]
  # Every column is drawn, as one unbroken run of rows (a step, or the range of a run of steps).
  for col in columns:
    marked = [r for r, c in enumerate(col) if c != " "]
    assert marked and marked == list(range(marked[0], marked[-1] + 1)), col
  # The extreme rows are reached: the maximum at the top (when the values differ), the minimum
  # at the bottom; the first column holds step 0's value, the last column the last step's.
  assert "*" in rows[height - 1]
  assert ("*" in rows[0]) == (hi > lo)
  assert columns[0][_row(ys[0], lo, hi, height)] == "*"
  assert columns[-1][_row(ys[-1], lo, hi, height)] == "*"
  if total_steps <= width:
    # One step per column, in order, none skipped: the rows column by column are the rows step
    # by step, each repeated (consecutive equal rows merged on both sides).
    def merged(seq):
      return [r for i, r in enumerate(seq) if i == 0 or seq[i - 1] != r]
    by_column = [col.index("*") for col in columns]
    assert merged(by_column) == merged([_row(y, lo, hi, height) for y in ys])
  else:
    # Every step's value is on the plot: its row is marked in some column.
    marked = {(r, x) for x, col in enumerate(columns) for r, c in enumerate(col) if c != " "}
    assert {_row(y, lo, hi, height) for y in ys} <= {r for r, _ in marked}


@settings(max_examples=20)
@given(st.integers(1, 50))
def test_one_mark_per_schedule_up_to_the_limit(count):
  scheds = [jaxlrs.constant(float(i)) for i in range(count)]
  if count > 44:  # the documented limit: an error naming the argument, never a silent drop
    with pytest.raises(ValueError, match=r"schedules must be at most 44"):
      jaxlrs.plot_terminal(scheds, 5)
    return
  text = jaxlrs.plot_terminal(scheds, 5, width=10, height=max(3, count))
  legend = text.splitlines()[-count:]
  marks = [line.split()[0] for line in legend]
  assert len(set(marks)) == count
  rows = "".join(line.split("|", 1)[1] for line in text.splitlines()[:max(3, count)])
  assert set(marks) <= set(rows)  # constants 0..count-1: each on a row of its own when it fits


@pytest.mark.parametrize("width,height", [(7, 5), (20, 2), (0, 5), (20, -1)])
def test_text_plot_size_errors_name_the_argument(width, height):
  name = "width" if width < 8 else "height"
  with pytest.raises(ValueError, match=name):
    jaxlrs.plot_terminal(jaxlrs.constant(1.0), 10, width=width, height=height)


def test_any_callable_of_the_step_is_plotted():
  # optax.constant_schedule ignores the step's shape: it used to fail with an IndexError.
  text = jaxlrs.plot_terminal(optax.constant_schedule(0.5), 10, labels=["c"], width=10, height=3)
  assert text.splitlines()[2].endswith("|" + "*" * 10)
  with pytest.raises(ValueError, match="'bad'.*shape"):
    jaxlrs.plot_terminal({"bad": lambda step: np.zeros((2, 3))}, 10)


def test_labels_with_a_dict_is_an_error():
  # A dict's keys are its labels: labels= used to be ignored silently.
  with pytest.raises(ValueError, match="labels"):
    jaxlrs.plot_terminal({"a": jaxlrs.constant(1.0)}, 10, labels=["b"])


@settings(max_examples=10)
@given(st.lists(schedules(), min_size=1, max_size=3), st.integers(1, 300), st.booleans())
def test_figure_holds_the_schedules_values(scheds, total_steps, log_y):
  import matplotlib.pyplot as plt

  labels = [f"s{i}" for i in range(len(scheds))]
  fig = jaxlrs.plot(scheds, total_steps, labels=labels, log_y=log_y, title="t")
  try:
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.get_lines()] == labels
    for line, s in zip(ax.get_lines(), scheds):
      np.testing.assert_array_equal(line.get_xdata(), np.arange(total_steps))
      np.testing.assert_allclose(line.get_ydata(), np.asarray(s(np.arange(total_steps))),
                                 rtol=1e-6)
    assert ax.get_yscale() == ("log" if log_y else "linear") and ax.get_title() == "t"
  finally:
    plt.close(fig)
