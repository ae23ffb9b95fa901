"""The model and the real kernel on the same scripts: the dying-memcg counts must agree.

Each script of the family runs once on the real kernel (shared with
test_real_runs.py) and once on the model at --speed tcg (the guests run under
qemu TCG, and writeback timing depends on how long a script takes). At every
'== label' the dying-memcg counts must agree within ``TOLERANCE``: the last
cgroup or two may still be in teardown on either side. The count right after
drop_caches *without* sync is not compared between the two: how many appended
pages are still dirty then depends on writeback timing, which the model does
not reproduce (docs/fidelity.md, known disagreement 1); on each side it must
only lie between what sync + drop_caches leaves and what the loop left. From
sync + drop_caches on, the real kernel may keep up to a per-CPU batch more than
the model (docs/measurements/percpu-batches). Before any drop, the real kernel may
keep up to ``SHELL_PINS`` more: pages the shell touches for the first time while
it sits in a test cgroup (known disagreement 3; seen: 3 of 50 on 6.12, all gone
at the first drop_caches).
"""

from __future__ import annotations

import pytest

from memcglab.kernel.profiles import get_profile
from memcglab.runner import RunOptions, run_script

from .conftest import SCRIPTS, parse_marks, real_kernel_for, remote_batch_slack

pytestmark = pytest.mark.fidelity

TOLERANCE = 2
SHELL_PINS = 2
UNSYNCED = "after drop_caches"
SYNCED = "after sync+drop_caches"
AFTER_SYNC = (SYNCED, "after cleanup")
CASES = [
    ("seed000", "6.1", "v1"), ("seed000", "6.1", "v2"), ("seed000", "6.12", "v2"),
    ("tmpfs", "6.1", "v1"), ("tmpfs", "6.12", "v2"),
    ("file_unique", "6.1", "v1"), ("file_unique", "6.12", "v2"),
    ("anon", "6.1", "v2"), ("empty", "6.12", "v2"),
    ("seed001", "6.1", "v1"),
]


def dying_by_mark(stdout: str) -> dict[str, int]:
    marks = parse_marks(stdout)
    before = marks["before"]
    key = "nr_dying_descendants" if "nr_dying_descendants" in before else "num_cgroups"
    return {label: m[key] - before[key] for label, m in marks.items()}


def model_marks(name: str, kernel, cgroup: str) -> dict[str, int]:
    text = (SCRIPTS / f"{name}_{cgroup}.sh").read_text()
    record = run_script(text, kernel, RunOptions(cgroup=cgroup, speed="tcg"), settle=False)
    assert record.exit_status == 0, record.stderr
    return dying_by_mark(record.stdout)


def real_marks(name: str, kernel: str, cgroup: str) -> dict[str, int]:
    r = real_kernel_for(kernel).run(SCRIPTS / f"{name}_{cgroup}.sh", cgroup=cgroup)
    assert r.exit_status == 0, r.stderr
    return dying_by_mark(r.stdout)


@pytest.mark.parametrize(("name", "kernel", "cgroup"), CASES,
                         ids=[f"{n}-{k}-{c}" for n, k, c in CASES])
def test_model_agrees_with_the_real_kernel(name, kernel, cgroup):
    real = real_marks(name, kernel, cgroup)
    model = model_marks(name, kernel, cgroup)
    assert model.keys() == real.keys()
    for label, count in real.items():
        if label == UNSYNCED:
            for side in (model, real):
                low = side[SYNCED] - TOLERANCE
                assert low <= side[label] <= side["after"] + TOLERANCE, (label, model, real)
        elif label in AFTER_SYNC:
            # The real side may keep more: pages queued on an undrained CPU (conftest).
            slack = remote_batch_slack(kernel)
            assert -TOLERANCE <= count - model[label] <= TOLERANCE + slack, (label, model, real)
        else:
            assert -TOLERANCE <= count - model[label] <= TOLERANCE + SHELL_PINS, \
                (label, model, real)


def test_a_flipped_profile_switch_breaks_the_agreement():
    # 6.1 with LRU folios not pinning the css (as 7.1 does) must disagree with 6.1.
    wrong = get_profile("6.1").with_switch(lru_pins_css=False, lru_via_objcg=True)
    real = real_marks("seed000", "6.1", "v1")
    model = model_marks("seed000", wrong, "v1")
    assert abs(model["after"] - real["after"]) > TOLERANCE
