"""jaxlrs state across processes: 2 local JAX processes x 4 CPU devices against 1 process x 8.

Runs ``examples/multihost.py`` (a small nnx transformer, warmup-cosine, LLRD in the scaled form, a
frozen embedding, EMA; FSDP sharding over an (fsdp=4, data=2) mesh whose fsdp axis spans the
processes) four times, A with C and then B with D concurrently, and compares their reports:

  A  2 processes: 6 steps, orbax checkpoints at steps 3 and 6, collectives inspected
  B  2 processes: restore step 3 from A, continue to 6
  C  1 process, 8 devices, the same mesh: 6 steps from scratch, checkpoint at 6
  D  1 process, 8 devices, an (fsdp=8, data=1) mesh: restore A's step 3 (re-sharded), continue

Each phase is bounded (8 minutes, for a crowded machine; all runs together use about 85 s of
CPU) and every process it started is killed when it ends.
"""

import contextlib
import json
import math
import os
import pathlib
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "multihost.py"
STEPS, SAVE = 6, 3

pytestmark = pytest.mark.slow


def launch_together(runs: dict[str, tuple], cache: pathlib.Path, timeout: float = 480) -> dict:
  """Run the example's launcher once per entry, concurrently; every process group started here
  is killed at the end, whatever happens."""
  env = {**os.environ, "PYTHONPATH": str(ROOT), "JAX_PLATFORMS": "cpu",
         # Runs of the same program on the same topology reuse its compiled executables.
         "JAX_COMPILATION_CACHE_DIR": str(cache), "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0"}
  procs = {}
  try:
    for name, (n, devices, *args) in runs.items():
      cmd = [sys.executable, str(EXAMPLE), "launch", "-n", str(n), "--devices-per-process",
             str(devices), "--timeout", str(timeout - 20), "--", *args]
      procs[name] = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, start_new_session=True)
    deadline = time.monotonic() + timeout
    out = {name: p.communicate(timeout=max(1, deadline - time.monotonic()))[0]
           for name, p in procs.items()}
  finally:
    for p in procs.values():
      with contextlib.suppress(ProcessLookupError):
        os.killpg(p.pid, signal.SIGKILL)  # the launcher and every process it started
      p.wait()
  for name, p in procs.items():
    assert p.returncode == 0, f"run {name}:\n{out[name][-4000:]}"
  return out


def reports(folder: pathlib.Path, n: int) -> list[dict]:
  found = [json.loads((folder / f"process_{i}.json").read_text()) for i in range(n)]
  assert [r["process_index"] for r in found] == list(range(n))
  return found


def load(path: pathlib.Path) -> list[np.ndarray]:
  import orbax.checkpoint as ocp

  with ocp.StandardCheckpointer() as ckpt:
    meta = ckpt.metadata(path).item_metadata.tree
    return ckpt.restore(path, [np.zeros(m.shape, m.dtype) for m in meta])


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
  tmp = tmp_path_factory.mktemp("multihost")
  steps, cache, ck = ["--steps", str(STEPS)], tmp / "cache", tmp / "ckA"
  out = launch_together({
      "A": (2, 4, *steps, "--ckpt-dir", str(ck), "--save-at", str(SAVE), "--save-at",
            str(STEPS), "--inspect", "--report", str(tmp / "A")),
      "C": (1, 8, *steps, "--ckpt-dir", str(tmp / "ckC"), "--save-at", str(STEPS), "--report",
            str(tmp / "C"))}, cache)
  out.update(launch_together({  # both restore A's checkpoint
      "B": (2, 4, *steps, "--ckpt-dir", str(ck), "--restore-step", str(SAVE), "--report",
            str(tmp / "B")),
      "D": (1, 8, *steps, "--data", "1", "--ckpt-dir", str(ck), "--restore-step", str(SAVE),
            "--report", str(tmp / "D"))}, cache))
  got = {k: reports(tmp / k, 2 if k in "AB" else 1) for k in "ABCD"}
  return {"tmp": tmp, "stdout": out, **got}


def test_every_process_holds_the_same_state(runs):
  for key in "AB":
    p0, p1 = runs[key]
    assert p0["process_count"] == p1["process_count"] == 2
    for field in ("checksums", "losses", "lrs", "first_losses", "ema_loss"):
      assert p0[field] == p1[field], field
    assert p0["replicas_agree"] and p1["replicas_agree"]  # checked on shard sums gathered
    # Here too: every copy of every shard, on every device of every process, is the same.
    for path in p0["shards"]:
      copies: dict[int, set] = {}
      for offset, _, digest in p0["shards"][path] + p1["shards"][path]:
        copies.setdefault(offset, set()).add(digest)
      assert all(len(d) == 1 for d in copies.values()), path
    # A process holds a part of each sharded parameter, never all of it.
    held = {off for off, _, _ in p0["shards"]["[0]['head']['kernel'].value"]}
    assert 0 < len(held) < 4
  assert "on all 2 process(es) agrees" in runs["stdout"]["A"]


def test_readers_work_on_the_sharded_multiprocess_state(runs):
  # current_lr/lr_range/step_count on the global state: the LR of the next update is the
  # warmup-cosine value at the number of updates applied.
  def expected(k):
    if k <= 2:
      return 3e-3 * k / 2
    return 3e-4 + (3e-3 - 3e-4) * (1 + math.cos(math.pi * (k - 2) / (STEPS - 2))) / 2

  for r in runs["A"] + runs["C"]:
    lrs = {int(k): v for k, v in r["lrs"].items()}
    assert sorted(lrs) == list(range(1, STEPS + 1))
    np.testing.assert_allclose([lrs[k] for k in sorted(lrs)],
                               [expected(k) for k in sorted(lrs)], rtol=1e-6)
    # With the LLRD multipliers: the lowest live rate is the position embedding's (depth 0 of
    # 2 blocks: 0.8**2), the highest the head's; the frozen token embedding gets 0.
    for k, (lo, hi) in r["lr_range"].items():
      np.testing.assert_allclose([lo, hi], [0.64 * lrs[int(k)], lrs[int(k)]], rtol=1e-6)
    assert set(r["embed_lr"].values()) == {0.0}
  for r in runs["A"]:
    # Both are global arrays computed on the devices (the LR replicated on all 8, of which a
    # process holds 4); averaged_params keeps the params' sharding: nothing gathered to a host.
    assert r["lr_on_devices"] == 8
    assert r["average_sharding_kept"] and not r["average_fully_addressable"]


def test_state_keeps_the_parameter_sharding(runs):
  for r in runs["A"] + runs["B"] + runs["C"] + runs["D"]:
    assert r["state_sharded_like_params"] == {"average": True, "adam_mu": True, "adam_nu": True}
  # jaxlrs's own state follows the params even through a bare jit(tx.init); optax's moments are
  # zeros_like, which carries no sharding under jit (hence out_shardings in the example).
  assert runs["A"][0]["bare_init_sharded_like_params"]["average"] is True


def test_compiled_step_has_no_collective_beyond_plain_adamw(runs):
  c = runs["A"][0]["collectives"]
  assert sum(c["jaxlrs"].values()) >= 3, c  # FSDP all-gathers and gradient all-reduces are seen
  assert any(k.startswith("all-gather") for k in c["jaxlrs"])
  assert c["extra"] == {}, c["extra"]


def test_multiprocess_resume_is_bit_identical(runs):
  a, b = runs["A"][0], runs["B"][0]
  assert b["checksums"]["restored"] == a["checksums"][f"saved_{SAVE}"]
  assert b["checksums"]["final"] == a["checksums"]["final"]
  assert {k: v for k, v in a["losses"].items() if int(k) > SAVE} == b["losses"]
  assert "restored step 3" in runs["stdout"]["B"]


def test_single_process_run_matches_to_rounding(runs):
  a, c = runs["A"][0], runs["C"][0]
  # The forward pass is bit-identical; only cross-device sums (loss mean, gradient all-reduce)
  # are added in another order by the cross-process (gloo) collectives than in one process.
  assert a["first_losses"] == c["first_losses"]
  multi, single = load(runs["tmp"] / "ckA" / f"step_{STEPS}"), load(
      runs["tmp"] / "ckC" / f"step_{STEPS}")
  assert len(multi) == len(single) > 100
  for x, y in zip(multi, single):
    np.testing.assert_allclose(x, y, rtol=1e-4, atol=1e-6)
  np.testing.assert_allclose(list(a["losses"].values()), list(c["losses"].values()), rtol=1e-5)
  # Frozen embedding: identical everywhere, and the EMA of it is itself.
  key, avg = "[0]['embed']['embedding'].value", "[1].average['embed']['embedding'].value"
  for r in (a, c):
    assert r["checksums"]["final"][key] == r["checksums"]["final"][avg] == c["checksums"][
        "final"][key]


def test_restore_into_one_process_with_another_mesh(runs):
  a, d = runs["A"][0], runs["D"][0]
  assert d["mesh"] == {"data": 1, "fsdp": 8} and d["process_count"] == 1
  assert d["checksums"]["restored"] == a["checksums"][f"saved_{SAVE}"]
  np.testing.assert_allclose([d["losses"][k] for k in ("4", "5", "6")],
                             [a["losses"][k] for k in ("4", "5", "6")], rtol=1e-5)


def test_readme_scaling_snippet_runs_on_8_devices():
  readme = (ROOT / "README.md").read_text()
  section = readme.split("<!-- BEGIN scaling -->")[1].split("<!-- END scaling -->")[0]
  code = section.split("```python\n")[1].split("```")[0]
  env = {**os.environ, "PYTHONPATH": str(ROOT), "JAX_PLATFORMS": "cpu",
         "XLA_FLAGS": "--xla_force_host_platform_device_count=8"}
  r = subprocess.run([sys.executable, "-W", "error", "-c",
                      "import jax, jax.numpy as jnp, optax, jaxlrs\n" + code],
                     cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
  assert r.returncode == 0, r.stderr[-3000:]
  lr, ema_spec, mu_spec = r.stdout.split(maxsplit=2)
  assert float(lr) == pytest.approx(1e-5, rel=1e-6)  # warmup: 1e-3 * 1 / 100 after one update
  assert ema_spec == "P('fsdp',)" and mu_spec.strip() == "P('fsdp',)"
