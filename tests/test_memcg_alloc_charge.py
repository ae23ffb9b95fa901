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


BUFFER_HEADS = MEASURED.parent / "buffer-heads"


@pytest.mark.parametrize("kernel", ["6.1"])
def test_ext4_pages_charge_a_buffer_head_as_the_real_kernel_does(kernel):
    real = sections((BUFFER_HEADS / f"buffer-heads.{kernel}-v2.txt").read_text())
    model = sections(run_script((BUFFER_HEADS / "buffer-heads.sh").read_text(), kernel,
                                RunOptions(cgroup="v2")).stdout)

    def grew(side, after, before):
        return side[after]["slab_reclaimable"] - side[before]["slab_reclaimable"]

    for after, before, pages in (("ext4-256-pages", "start", 256),
                                 ("ext4-100-appends", "tmpfs-256-pages", 100)):
        # Mostly the pages' buffer heads (besides the new files' dentries and inodes,
        # and on the real kernel a few other ext4 objects): within 15%.
        assert grew(model, after, before) >= 100 * pages
        assert grew(model, after, before) == pytest.approx(grew(real, after, before), rel=0.15)
    # tmpfs pages carry no buffers: only the new file's dentry and inode appear.
    assert grew(model, "tmpfs-256-pages", "ext4-256-pages-synced") < 1024


def _last_number_by_key(text: str) -> dict[str, int]:
    return {" ".join(line.split()[:-1]): int(line.split()[-1])
            for line in text.splitlines() if line.split() and line.split()[-1].isdigit()}


def test_nested_slice_kernel_memory_matches_the_real_kernels():
    script = (MEASURED.parent.parent.parent / "memcglab" / "scenarios"
              / "nested-slice.sh").read_text()
    for kernel in ("6.1", "6.12"):
        real = _last_number_by_key((MEASURED / f"nested-slice.{kernel}-v2.txt").read_text())
        model = _last_number_by_key(run_script(script, kernel, RunOptions(cgroup="v2")).stdout)
        assert model["nr_dying_descendants"] == real["nr_dying_descendants"] == 200
        assert model["file"] == real["file"]
        assert model["percpu"] == pytest.approx(real["percpu"], rel=0.002)
        assert abs(model["kernel"] - real["kernel"]) <= 4096
        assert abs(model["slice memory.current"] - real["slice memory.current"]) <= 4096


def test_mkdir_fails_with_enomem_when_the_parent_cannot_be_charged():
    script = (MEASURED / "mkdir-enomem.sh").read_text()
    real = (MEASURED / "mkdir-enomem.6.1-v2.txt").read_text().splitlines()
    record = run_script(script, "6.1", RunOptions(cgroup="v2"))
    assert record.stdout.splitlines() == real[:-1]  # status, memory.events, no child
    assert record.stderr.rstrip().endswith("Cannot allocate memory")
