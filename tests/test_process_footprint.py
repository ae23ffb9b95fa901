"""A process's memcg footprint against the Debian guests (docs/measurements/process-footprint/).

The recorded real runs read memory.stat with bash builtins only while busybox
programs and bash subshells come and go in one cgroup; the model runs the same
script (without its pauses) and must land on the measured figures.
"""

from pathlib import Path

import pytest

from memcglab.machine.task import TASK_SLAB_BYTES
from memcglab.runner import RunOptions, run_script

DIR = Path(__file__).resolve().parent.parent / "docs" / "measurements" / "process-footprint"
PAGE = 4096


def parse(text: str) -> dict[str, dict[str, int]]:
    snaps = {}
    for line in text.splitlines():
        label, _, rest = line.partition(" ")
        if "=" in rest:
            snaps[label] = {k: int(v) for k, v in (f.split("=") for f in rest.split())}
    return snaps


def delta(snaps, later: str, earlier: str, key: str) -> int:
    return snaps[later][key] - snaps[earlier][key]


@pytest.fixture(scope="module", params=["6.1", "6.12"])
def pair(request):
    kernel = request.param
    real = parse((DIR / f"real-{kernel}-v2.txt").read_text())
    script = (DIR / "footprint-model.sh").read_text()
    model = parse(run_script(script, kernel, RunOptions(cgroup="v2")).stdout)
    return kernel, model, real


def test_a_shell_charges_its_copy_on_write_pages_where_it_forks(pair):
    """The shell's first forks in a cgroup copy its hot pages there (11-14 pages
    measured); more forks there only swap copies, adding nothing."""
    _, model, real = pair
    for snaps in (model, real):
        assert delta(snaps, "true3", "true2", "anon") <= PAGE  # real 6.12: one more page
    got = delta(model, "true3", "base1", "anon") // PAGE
    want = delta(real, "true3", "base1", "anon") // PAGE
    assert got > 0 and abs(got - want) <= 3, (got, want)


def test_page_faults_of_a_fork_exec_exit(pair):
    """pgfault counts the program's faults on its file-backed text too (about 94)."""
    _, model, real = pair
    got = delta(model, "true3", "true1", "pgfault") / 2
    want = delta(real, "true3", "true1", "pgfault") / 2
    assert abs(got - want) <= 3, (got, want)


def test_a_running_program_charges_stack_page_tables_and_anon(pair):
    kernel, model, real = pair
    for key in ("kernel_stack", "pagetables"):
        assert delta(model, "sleep2", "sleep1", key) == delta(real, "sleep2", "sleep1", key), key
    got = delta(model, "sleep2", "sleep1", "anon") // PAGE
    want = delta(real, "sleep2", "sleep1", "anon") // PAGE
    assert abs(got - want) <= 5, (kernel, got, want)


def test_a_task_charges_the_measured_slab(pair):
    """The model's pauses are no-ops, so freed task slab lingers there: compare the
    per-task figure with what one more live process added on the real guest."""
    _, _, real = pair
    want = delta(real, "sleep2", "sleep1", "slab_unreclaimable")
    assert abs(TASK_SLAB_BYTES - want) <= 0.15 * want, (TASK_SLAB_BYTES, want)
