"""Issue 7: one pin at a time, on every kernel profile, against the timeline of the spec (§9)."""

import errno

import pytest

from memcglab import Machine
from memcglab.kernel.page_counter import PAGE_SIZE
from memcglab.shell.system import O_APPEND, O_CREAT, O_WRONLY, SysError

P, _ = True, False
# profile: page cache, unique file, tmpfs, anon of a live task, kernel stack, slab, swap record
TIMELINE = {
    "3.8": (_, _, _, _, _, _, P),
    "3.18": (_, _, _, _, _, _, P),
    "4.19": (P, P, P, P, P, P, P),
    "5.10": (P, P, P, P, P, _, P),
    "6.1": (P, P, P, P, _, _, P),
    "6.12": (P, P, P, P, _, _, P),
    "7.1": (_, _, _, _, _, _, P),
}
PINS = ("pagecache", "unique_file", "tmpfs", "anon", "kernel_stack", "slab", "swap")


def _write(m, pid, path, data, flags=O_WRONLY | O_CREAT):
    f = m.open(pid, path, flags)
    m.write(pid, f, data)
    m.close(pid, f)


def leaves_dying(kernel: str, pin: str) -> bool:
    mode = "v2" if kernel == "6.12" else "v1"  # Debian's 6.12 has no v1 memory controller
    m = Machine(kernel=kernel, cgroup=mode, swap="16M")
    job = m.spawn("/", "job")
    m.mkdir(job, m.cgroupfs_path("a"))
    if pin == "pagecache":
        _write(m, job, "/root/shared", bytes(PAGE_SIZE))  # first page cached by the root
    m.write_file(m.cgroupfs_path("a/cgroup.procs"), str(job), pid=job)
    if pin == "pagecache":
        _write(m, job, "/root/shared", bytes(PAGE_SIZE), O_WRONLY | O_APPEND)
    elif pin == "unique_file":
        _write(m, job, "/root/unique", b"x")
        m.sync(job)
    elif pin == "tmpfs":
        _write(m, job, "/tmp/t", b"x")
    elif pin == "anon":
        m.touch_anon(job, 4 * PAGE_SIZE)
    elif pin == "kernel_stack":
        sleeper = m.fork(job)  # a new task: its stack is charged to /a
        m.write_file(m.cgroupfs_path("cgroup.procs"), str(sleeper), pid=sleeper)
        m._mmput(m.tasks[sleeper].mm)  # no anon or page tables: only the stack is left
        m.tasks[sleeper].mm = None
    elif pin == "slab":
        # On tmpfs, so that only the dentry and inode are left (an ext4 directory
        # would also leave an inode-table page behind).
        m.mkdir(job, "/tmp/dir-made-in-a")
    elif pin == "swap":
        _write(m, job, "/tmp/s", bytes(PAGE_SIZE))
        f = m.vfs.resolve("/tmp/s")
        [folio] = f.mapping.pages.values()
        assert f.mapping.evict(folio)
    m.write_file(m.cgroupfs_path("cgroup.procs"), str(job), pid=job)
    if pin == "kernel_stack":
        # The fork in /a charged the job's copy-on-write copies there; a fork from
        # the root copies them again and the child takes the old ones away.
        m.exit(m.fork(job), 0)
    m.rmdir(job, m.cgroupfs_path("a"))
    m.settle()
    return len(m.dying_memcgs()) == 1


@pytest.mark.parametrize("kernel", list(TIMELINE))
@pytest.mark.parametrize("pin", PINS)
def test_pin_matrix(kernel, pin):
    assert leaves_dying(kernel, pin) == TIMELINE[kernel][PINS.index(pin)]


def _swap_pinned_jobs(m: Machine, n: int) -> None:
    """n jobs that each leave a swapped-out tmpfs page (a swap record) and go."""
    job = m.spawn("/", "job")
    for i in range(n):
        m.mkdir(job, m.cgroupfs_path(f"j{i}"))
        m.write_file(m.cgroupfs_path(f"j{i}/cgroup.procs"), str(job), pid=job)
        _write(m, job, f"/tmp/s{i}", bytes(PAGE_SIZE))
        m.write_file(m.cgroupfs_path("cgroup.procs"), str(job), pid=job)
        f = m.vfs.resolve(f"/tmp/s{i}")
        [folio] = f.mapping.pages.values()
        assert f.mapping.evict(folio)
        m.rmdir(job, m.cgroupfs_path(f"j{i}"))
    m.settle()


@pytest.mark.parametrize("kernel,mode,err", [("3.18", "v1", errno.ENOSPC),
                                             ("6.1", "v2", errno.ENOSPC),
                                             ("6.12", "v2", errno.EBUSY),
                                             ("7.1", "v2", errno.EBUSY)])
def test_memcg_id_exhaustion_by_swap_pinned_dying_memcgs(kernel, mode, err):
    m = Machine(kernel=kernel, cgroup=mode, swap="16M")
    m.memcg._next_id = 65535 - 9  # pretend 65526 IDs are already in use
    _swap_pinned_jobs(m, 10)
    assert len(m.dying_memcgs()) == 10
    with pytest.raises(SysError) as e:
        m.mkdir(m.init.pid, m.cgroupfs_path("one-more"))
    assert e.value.errno == err


def test_page_cache_pinned_dying_memcgs_give_their_ids_back_after_4_7():
    m = Machine(kernel="6.1", cgroup="v2")
    m.memcg._next_id = 65535 - 9
    job = m.spawn("/", "job")
    for i in range(30):  # three times the IDs left: each dying memcg frees its ID
        m.mkdir(job, m.cgroupfs_path(f"j{i}"))
        m.write_file(m.cgroupfs_path(f"j{i}/cgroup.procs"), str(job), pid=job)
        _write(m, job, f"/root/f{i}", b"x")
        m.write_file(m.cgroupfs_path("cgroup.procs"), str(job), pid=job)
        m.rmdir(job, m.cgroupfs_path(f"j{i}"))
        m.settle()
    assert len(m.dying_memcgs()) == 30
