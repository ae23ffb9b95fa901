"""A new memcg's per-cpu data (and on 6.12+ its accounted structures) is charged to
its parent until the memcg is freed: the model against the real kernels' numbers
recorded in docs/measurements/memcg-alloc-charge/."""

from __future__ import annotations

from pathlib import Path

import pytest

from memcglab.runner import RunOptions, run_script

MEASURED = Path(__file__).parent.parent / "docs" / "measurements" / "memcg-alloc-charge"
SCRIPT = (MEASURED / "memcg-alloc-charge.sh").read_text()
BATCH = 64 * 4096  # MEMCG_CHARGE_BATCH pages: what a per-cpu stock can hold


def sections(text: str) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    cur: dict[str, int] = {}
    for line in text.splitlines():
        if line.startswith("== "):
            cur = out.setdefault(line[3:], {})
        elif len(line.split()) == 2 and line.split()[1].isdigit():
            key, value = line.split()
            cur[key] = int(value)
    return out


@pytest.mark.parametrize("kernel", ["6.1", "6.12"])
def test_children_charge_their_parent_what_the_real_kernel_charges(kernel):
    real = sections((MEASURED / f"memcg-alloc-charge.{kernel}-v2.txt").read_text())
    model = sections(run_script(SCRIPT, kernel, RunOptions(cgroup="v2")).stdout)
    with_children, real_with = model["1000 children"], real["1000 children"]
    for key in ("percpu", "slab"):
        assert with_children.get(key, 0) == pytest.approx(real_with.get(key, 0), rel=0.002)
    assert abs(with_children["kernel"] - real_with["kernel"]) <= 2 * 4096
    # memory.current also holds what the two CPUs' stocks keep: at most a batch each.
    assert abs(with_children["current"] - real_with["current"]) <= 2 * BATCH
    after = model["after rmdir"]
    assert after.get("percpu", 0) == 0 and after.get("slab", 0) == 0


def _stat(machine, path: str) -> dict[str, int]:
    text = machine.read_file(path)
    return {k: int(v) for k, v in (line.split() for line in text.splitlines())}


def test_a_dying_child_keeps_its_charge_on_the_parent_until_it_is_freed():
    script = """
mkdir /sys/fs/cgroup/p
echo +memory > /sys/fs/cgroup/p/cgroup.subtree_control
mkdir /sys/fs/cgroup/p/c
echo $$ > /sys/fs/cgroup/p/c/cgroup.procs
echo data > /tmp/pinned
echo $$ > /sys/fs/cgroup/cgroup.procs
rmdir /sys/fs/cgroup/p/c
"""
    record = run_script(script, "6.1", RunOptions(cgroup="v2"))
    m = record.machine
    assert record.settled["nr_dying_descendants"] == 1  # the tmpfs page pins it
    assert _stat(m, "/sys/fs/cgroup/p/memory.stat")["percpu"] == 7136
    m.unlink(m.init.pid, "/tmp/pinned")  # the last pin goes
    m.settle()
    assert _stat(m, "/sys/fs/cgroup/p/memory.stat")["percpu"] == 0


def test_children_of_the_root_charge_nothing():
    record = run_script("mkdir /sys/fs/cgroup/a\n", "6.1", RunOptions(cgroup="v2"))
    assert _stat(record.machine, "/sys/fs/cgroup/a/memory.stat")["percpu"] == 0
    assert record.machine.memcg.root.stat["percpu"] == 0


def test_before_5_9_nothing_is_charged():
    script = "mkdir /sys/fs/cgroup/memory/p\nmkdir /sys/fs/cgroup/memory/p/c\n"
    record = run_script(script, "4.19", RunOptions(cgroup="v1"))
    parent = next(m for m in record.machine.memcg.memcgs if m.css.cgroup.name == "p")
    assert parent.memory.usage == 0


@pytest.mark.parametrize(("kernel", "cpus", "want"), [
    ("6.1", 2, 1784 * 2 + 1784 // 4 * 8),
    ("6.1", 8, 1784 * 8 + 1784 // 4 * 8),   # the objcg pointers do not scale with CPUs
    ("5.10", 8, 1784 * 8),                  # no objcg pointers charged before 5.17
])
def test_the_percpu_charge_is_pcpu_obj_full_size(kernel, cpus, want):
    script = ("mkdir /sys/fs/cgroup/memory/p\nmkdir /sys/fs/cgroup/memory/p/c\n")
    record = run_script(script, kernel, RunOptions(cgroup="v1", cpus=cpus))
    parent = next(m for m in record.machine.memcg.memcgs if m.css.cgroup.name == "p")
    assert parent.stat["percpu"] == want
