"""Real-kernel facts the model must reproduce, checked on the real thing.

Each test boots a Debian kernel under qemu (TCG) and runs one of scripts/*.sh;
the numbers asserted are those measured in docs/measurements/SUMMARY.md. The
model side of each comparison is added separately (it runs the same script).
Skipped visibly when qemu or the kernels are not prepared (.ci/real-setup.sh).
"""

from __future__ import annotations

import pytest

from memcglab.real import RealKernelError, run_real

from .conftest import SCRIPTS, parse_marks, real_kernel_for, remote_batch_slack

pytestmark = pytest.mark.fidelity

# (kernel, cgroup) pairs that exist: Debian 6.12 has no cgroup v1 memory controller.
CONFIGS = [("6.1", "v1"), ("6.1", "v2"), ("6.12", "v2")]
CONFIG_IDS = [f"{k}-{cg}" for k, cg in CONFIGS]


def run_script(kernel: str, cgroup: str, name: str):
    rk = real_kernel_for(kernel)
    r = rk.run(SCRIPTS / f"{name}_{cgroup}.sh", cgroup=cgroup)
    assert r.exit_status == 0, r.stderr
    return parse_marks(r.stdout), r


def dying(mark: dict[str, int], before: dict[str, int]) -> int:
    """Dying memcgs at a mark: v2 reports them; on v1 num_cgroups counts them (all the
    scripts' cgroups are removed, so whatever num_cgroups gained is dying)."""
    if "nr_dying_descendants" in mark:
        return mark["nr_dying_descendants"] - before["nr_dying_descendants"]
    return mark["num_cgroups"] - before["num_cgroups"]


@pytest.mark.parametrize("kernel", ["6.1", "6.12"])
def test_runner_channels_status_and_shells(kernel):
    rk = real_kernel_for(kernel)
    script = (
        "#!/bin/bash\n"
        "uname -r\n"
        "echo to-stderr >&2\n"
        "for i in {1..3}; do printf '%s ' $i; done; echo\n"
        "sleep 3600 &\n"
        "echo pid=$$ cwd=$(pwd)\n"
        "grep -c . /proc/cgroups\n"
        "exit 7\n"
    )
    r = rk.run(script, cgroup="v2")
    lines = r.stdout.splitlines()
    assert len(lines) == 4, r.stdout
    assert lines[0] == r.kernel_version
    assert r.kernel_version.startswith(kernel + ".")
    assert lines[1] == "1 2 3 "  # bash ran it: brace expansion works
    assert lines[2].startswith("pid=") and lines[2].endswith("cwd=/root")
    assert lines[3] == "15"  # header + 14 controllers
    assert r.stderr == "to-stderr\n"
    assert r.exit_status == 7
    assert r.shell == "bash" and r.cgroup == "v2"
    if kernel == "6.1":  # busybox ash: no brace expansion; output to a pipe, not a tty
        r = rk.run("echo {1..3}; ls /sys/fs/cgroup | head -n 2\n", shell="sh")
        assert (r.shell, r.cgroup) == ("sh", "v2")
        assert r.stdout == "{1..3}\ncgroup.controllers\ncgroup.max.depth\n"


def test_612_has_no_cgroup_v1():
    real_kernel_for("6.12")
    with pytest.raises(RealKernelError, match="no cgroup v1"):
        run_real("true\n", kernel="6.12", cgroup="v1")


@pytest.mark.parametrize(("kernel", "cgroup"), CONFIGS, ids=CONFIG_IDS)
def test_seed000_page_cache_pins_every_cgroup_until_written_back(kernel, cgroup):
    # Measured: 2001 iterations -> exactly 2001 dying on all three configs; drop_caches
    # without sync frees only the clean pages; sync + drop_caches frees them all, unless
    # the first drop_caches left some of them queued on an undrained CPU (conftest).
    m, _ = run_script(kernel, cgroup, "seed000")
    before = m["before"]
    assert before["hierarchy"] == (1 if cgroup == "v1" else 0)
    assert dying(m["after"], before) in (49, 50)
    assert dying(m["after sync+drop_caches"], before) <= 1 + remote_batch_slack(kernel)
    if cgroup == "v2":  # /proc/cgroups num_cgroups counts the dying ones on v2 too
        grown = m["after"]["num_cgroups"] - before["num_cgroups"]
        assert grown == dying(m["after"], before)


@pytest.mark.parametrize(("kernel", "cgroup"), CONFIGS, ids=CONFIG_IDS)
def test_tmpfs_pages_pin_until_the_file_is_removed(kernel, cgroup):
    m, _ = run_script(kernel, cgroup, "tmpfs")
    before = m["before"]
    assert dying(m["after"], before) in (49, 50)
    assert dying(m["after sync+drop_caches"], before) in (49, 50)  # shmem is not dropped
    assert dying(m["after cleanup"], before) <= 1


@pytest.mark.parametrize(("kernel", "cgroup"), [("6.1", "v1"), ("6.12", "v2")])
def test_unique_files_leave_ext4_metadata_pins(kernel, cgroup):
    # 50 new files: all 50 pinned; after sync + drop_caches about one per 16 new inodes
    # stays (inode-table blocks in the block device's page cache), even after rm.
    m, _ = run_script(kernel, cgroup, "file_unique")
    before = m["before"]
    assert dying(m["after"], before) in (49, 50)
    assert 1 <= dying(m["after sync+drop_caches"], before) <= 8 + remote_batch_slack(kernel)
    assert 1 <= dying(m["after cleanup"], before) <= 8


@pytest.mark.parametrize(("kernel", "cgroup", "name"),
                         [("6.1", "v2", "anon"), ("6.12", "v2", "empty")])  # fmt: skip
def test_no_page_cache_no_dying(kernel, cgroup, name):
    m, _ = run_script(kernel, cgroup, name)
    assert dying(m["after sync+drop_caches"], m["before"]) <= 1


@pytest.mark.parametrize(("kernel", "cgroup"), [("6.1", "v1"), ("6.12", "v2")])
def test_background_task_pins_its_cgroup_until_killed(kernel, cgroup):
    # Each sleep gets 0.1 s to exec and fault in before it is moved out (measured: all
    # pinned); a sleep still racing its move pins nothing, hence the slack for slow hosts.
    m, _ = run_script(kernel, cgroup, "bgsleep")
    before = m["before"]
    assert 25 <= dying(m["after"], before) <= 30
    assert 25 <= dying(m["after sync+drop_caches"], before) <= 30
    # the shell's own heap pages, faulted while it sat in a child, keep a few
    assert dying(m["after cleanup"], before) <= 8


def test_seed001_move_charge_leaves_nothing_dying():
    rk = real_kernel_for("6.1")
    r = rk.run(SCRIPTS / "seed001_v1.sh", cgroup="v1")
    m = parse_marks(r.stdout)
    assert m["after"]["num_cgroups"] - m["before"]["num_cgroups"] <= 2
