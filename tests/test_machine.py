"""Issue 3: the simulated machine — tasks, threads, page cache, slab and list_lru, swap, meminfo."""

import pytest

from memcglab import Machine
from memcglab.fs.procfs import PERCPU_BASE_BYTES
from memcglab.helpers import memcg_pins
from memcglab.kernel.list_lru import list_lru_count_one
from memcglab.kernel.page_counter import PAGE_SIZE
from memcglab.runner import run_script


def memcg_of(m: Machine, path: str):
    return m.cgroup_at(path).subsys["memory"].priv


def stat(m: Machine, path: str) -> dict[str, int]:
    text = m.read_file(m.cgroupfs_path(path.strip("/") + "/memory.stat"))
    return {k: int(v) for k, v in (ln.split() for ln in text.splitlines())}


@pytest.mark.parametrize("kernel,pins", [("6.1", True), ("7.1", False)])
def test_appending_one_page_charges_one_file_folio(ops, kernel, pins):
    o = ops(kernel, "v2")
    m = o.m
    pid = m.spawn("/", "job")
    o.write(pid, "/root/log", bytes(PAGE_SIZE))  # the first page belongs to the root
    m.mkdir(pid, o.cg("a"))
    o.enter(pid, "a")
    o.write(pid, "/root/log", bytes(PAGE_SIZE))
    assert stat(m, "a")["file"] == PAGE_SIZE
    assert stat(m, "a")["inactive_file"] == PAGE_SIZE
    o.enter(pid, "")
    m.rmdir(pid, o.cg("a"))
    m.settle()
    assert len(m.dying_memcgs()) == (1 if pins else 0)


@pytest.mark.parametrize("kernel,move_charge,dying", [
    ("6.1", 0, 1), ("6.1", 1, 0), ("7.1", 0, 0)])
def test_background_sleeper_moved_out(kernel, move_charge, dying):
    script = (f"cd /sys/fs/cgroup/memory\necho {move_charge} > memory.move_charge_at_immigrate\n"
              "mkdir a\necho $$ > a/cgroup.procs\nsleep 3600 &\necho $$ > cgroup.procs\n"
              "echo $! > cgroup.procs\nrmdir a\nsleep 1\n"
              "cat /proc/cgroups | grep memory\nkill $!\nsleep 1\n"
              "cat /proc/cgroups | grep memory\n")
    r = run_script(script, kernel)
    alive, killed = [int(ln.split("\t")[2]) - 1 for ln in r.stdout.splitlines()]
    assert alive == dying
    assert killed == 0


@pytest.mark.parametrize("kernel,pins", [("5.10", True), ("6.1", False), ("7.1", False)])
def test_a_threads_kernel_stack(ops, kernel, pins):
    o = ops(kernel, "v2")
    m = o.m
    leader = m.spawn("/", "daemon")
    m.mkdir(leader, o.cg("a"))
    o.enter(leader, "a")
    before = stat(m, "a")["kernel_stack"]
    thread = m.clone_thread(leader)
    assert stat(m, "a")["kernel_stack"] - before == 4 * PAGE_SIZE
    assert m.tasks[thread].mm is m.tasks[leader].mm
    # Move the whole process out (thread first: each task is attached on its own).
    o.enter(thread, "")
    o.enter(leader, "")
    m._mmput(m.tasks[leader].mm)  # drop the (shared) anon memory; keep the stacks
    m.tasks[leader].mm = m.tasks[thread].mm = None
    m.rmdir(leader, o.cg("a"))
    m.settle()
    assert len(m.dying_memcgs()) == (1 if pins else 0)
    if pins:
        assert "kmem page (kernel_stack)" in memcg_pins(m, m.dying_memcgs()[0])


@pytest.mark.parametrize("kernel", ["6.1", "7.1"])
def test_slab_objects_move_to_the_parents_list_lru(ops, kernel):
    o = ops(kernel, "v2")
    m = o.m
    pid = m.spawn("/", "job")
    m.mkdir(pid, o.cg("a"))
    o.enter(pid, "a")
    for i in range(5):
        m.mkdir(pid, f"/tmp/d{i}")
    a = memcg_of(m, "/a")
    root = m.memcg.root
    lru = m.tmpfs.dentry_lru
    assert list_lru_count_one(lru, 0, a) == 5
    assert stat(m, "a")["slab_reclaimable"] > 0
    o.enter(pid, "")
    m.rmdir(pid, o.cg("a"))
    m.settle()
    assert m.dying_memcgs() == []
    assert list_lru_count_one(lru, 0, root) >= 5
    d0 = m.vfs.resolve("/tmp/d0")
    assert all(m.slab_obj_memcg(obj) is root for obj in d0.slab)


def test_swap_records_pin_until_swap_in(ops):
    o = ops("7.1", "v2", swap="16M")
    m = o.m
    pid = m.spawn("/", "job")
    m.mkdir(pid, o.cg("a"))
    o.enter(pid, "a")
    o.write(pid, "/tmp/s", bytes(2 * PAGE_SIZE))
    o.enter(pid, "")
    o.swap_out("/tmp/s")
    m.rmdir(pid, o.cg("a"))
    m.settle()
    assert memcg_pins(m, m.dying_memcgs()[0]) == {"swap records (via memcg ID)": 2}
    o.read(pid, "/tmp/s")  # swap-in: the slots are freed, the records go
    m.settle()
    assert m.dying_memcgs() == []


def test_meminfo_adds_up(ops):
    o = ops("6.1", "v2", swap="16M")
    m = o.m

    def meminfo():
        return {k: int(v.split()[0]) for k, v in
                (ln.split(":") for ln in m.read_file("/proc/meminfo").splitlines())}

    shmem_at_boot = meminfo()["Shmem"]  # the initramfs holding /bin
    pid = m.spawn("/", "job")
    m.mkdir(pid, o.cg("a"))
    o.enter(pid, "a")
    o.write(pid, "/root/f", bytes(40 * PAGE_SIZE))
    o.write(pid, "/tmp/t", bytes(10 * PAGE_SIZE))
    m.touch_anon(pid, 30 * PAGE_SIZE)
    info = meminfo()
    used = info["MemTotal"] - info["MemFree"]
    percpu = info["Percpu"] - PERCPU_BASE_BYTES // 1024 + m.memcg.percpu_bytes_per_memcg // 1024
    parts = (m.mem.reserved_pages * PAGE_SIZE // 1024 + info["AnonPages"] + info["Cached"]
             + info["Buffers"] + info["KernelStack"] + info["PageTables"] + info["Slab"] + percpu)
    assert abs(used - parts) <= 8
    assert info["Shmem"] - shmem_at_boot == 10 * 4
    assert info["Dirty"] >= 40 * 4
    assert info["SwapTotal"] == info["SwapFree"] == 16 * 1024


def test_sysfs_cpu_masks_and_nproc_follow_the_cpu_count():
    from memcglab.runner import RunOptions, run_script

    script = "nproc\ncat /sys/devices/system/cpu/online\ncat /sys/devices/system/cpu/possible\n"
    assert run_script(script, "6.1", RunOptions(cpus=2)).stdout == "2\n0-1\n0-1\n"
    assert run_script(script, "6.1", RunOptions(cpus=1)).stdout == "1\n0\n0\n"
