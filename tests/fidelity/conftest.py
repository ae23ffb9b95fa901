"""Fidelity suite harness: run scripts on a real kernel under qemu.

Tests that need a real kernel take the ``real_kernel`` fixture (or carry
``@pytest.mark.real_kernel``); they are SKIPPED, with the reason printed by
``pytest -rs``, when qemu or the prepared kernel images are missing. Set
MEMCGLAB_REQUIRE_REAL=1 to turn those skips into failures (for a CI that is
known to have run .ci/real-setup.sh successfully).
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from memcglab.kernel.profiles import get_profile
from memcglab.real import RealKernelError, RealResult, run_real
from memcglab.real.packages import default_cache_dir, read_manifest

SCRIPTS = Path(__file__).parent / "scripts"
_RUNS: dict[tuple, RealResult] = {}


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "real_kernel(kernel): needs qemu and the prepared kernel (skips visibly)"
    )


def real_kernel_unavailable(kernel: str) -> str | None:
    """Why ``kernel`` cannot be booted here, or None when it can."""
    if shutil.which("qemu-system-x86_64") is None:
        return "qemu-system-x86_64 not installed (run .ci/real-setup.sh or memcglab real --setup)"
    cache = default_cache_dir()
    entry = read_manifest(cache).get("kernels", {}).get(kernel)
    if entry is None or not (cache / kernel / "vmlinux").exists():
        return f"kernel {kernel} not prepared in {cache} (run .ci/real-setup.sh)"
    return None


def _skip_or_fail(reason: str):
    if os.environ.get("MEMCGLAB_REQUIRE_REAL") == "1":
        pytest.fail(f"real kernel required but unavailable: {reason}")
    pytest.skip(f"real kernel unavailable: {reason}")


def pytest_runtest_setup(item):
    for mark in item.iter_markers("real_kernel"):
        kernel = mark.args[0] if mark.args else "6.1"
        reason = real_kernel_unavailable(kernel)
        if reason:
            _skip_or_fail(reason)


@dataclass
class RealKernel:
    """Runs scripts on one prepared kernel; each call boots a fresh guest (~5 s + script)."""

    kernel: str

    def run(self, script: str | Path, cgroup: str = "auto", **kw) -> RealResult:
        """Boot a guest for the script, once per session: the real-kernel facts and
        the model-versus-real comparisons share each run (CI time)."""
        text = script.read_text() if isinstance(script, Path) else script
        key = (self.kernel, text, cgroup, tuple(sorted(kw.items())))
        if key not in _RUNS:
            try:
                _RUNS[key] = run_real(text, kernel=self.kernel, cgroup=cgroup, **kw)
            except RealKernelError as e:
                pytest.fail(f"real kernel run failed: {e}")
        return _RUNS[key]

    def script(self, name: str) -> Path:
        return SCRIPTS / name


@pytest.fixture(params=["6.1", "6.12"])
def real_kernel(request) -> RealKernel:
    """A RealKernel for each kernel series; skipped visibly where it cannot boot."""
    reason = real_kernel_unavailable(request.param)
    if reason:
        _skip_or_fail(reason)
    return RealKernel(request.param)


def real_kernel_for(kernel: str) -> RealKernel:
    """Like the fixture, for tests parametrised by hand over (kernel, cgroup) pairs."""
    reason = real_kernel_unavailable(kernel)
    if reason:
        _skip_or_fail(reason)
    return RealKernel(kernel)


# Per-CPU LRU batches (docs/measurements/percpu-batches): a drop_caches that meets dirty
# pages queues each one, with a reference, on its CPU's lru_deactivate_file batch
# (mm/swap.c deactivate_file_folio()). Until that CPU drains it, a later drop_caches
# cannot evict them even once clean, so their memcgs stay dying. The model has no
# per-CPU folio batches and reports the drained case; a real count may exceed it by up
# to one batch less one page. Since 6.6 drop_caches drains every CPU first
# (lru_add_drain_all() in drop_caches_sysctl_handler()), so no slack there.
PAGEVEC_SIZE = 15  # 31 since 6.10, when drop_caches already drains


def remote_batch_slack(kernel: str) -> int:
    """How many more memcgs real ``kernel`` may keep after sync + drop_caches when an
    earlier, unsynced drop_caches left dirty pages queued on an undrained CPU."""
    return 0 if get_profile(kernel).drop_caches_drains_lru else PAGEVEC_SIZE - 1


def parse_marks(stdout: str) -> dict[str, dict[str, int]]:
    """Parse the fidelity scripts' output into {label: {counter: value}}.

    The scripts print "== label" and then the /proc/cgroups memory line (giving
    hierarchy and num_cgroups) and, on v2, the root's cgroup.stat lines.
    """
    marks: dict[str, dict[str, int]] = {}
    cur: dict[str, int] | None = None
    for line in stdout.splitlines():
        if line.startswith("== "):
            cur = marks.setdefault(line[3:].strip(), {})
            continue
        if cur is None:
            continue
        f = line.split()
        if len(f) == 4 and f[0] == "memory" and all(x.isdigit() for x in f[1:]):
            cur["hierarchy"], cur["num_cgroups"], cur["enabled"] = map(int, f[1:])
        elif len(f) == 2 and re.fullmatch(r"nr_\w+", f[0]) and f[1].isdigit():
            cur[f[0]] = int(f[1])
    return marks
