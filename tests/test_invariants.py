"""Issue 8: the invariant checker (memcglab.invariants) and the bugs it found."""

import errno

import pytest

from memcglab import PROFILES, Machine
from memcglab.invariants import InvariantViolation, check_machine, drain_and_settle
from memcglab.kernel.folio import Folio
from memcglab.kernel.lru import lruvec_folios
from memcglab.kernel.page_counter import PAGE_SIZE
from memcglab.shell.system import SysError


def _modes(profile):
    return [m for m, ok in (("v1", profile.cgroup_v1_memory), ("v2", profile.cgroup_v2)) if ok]


ALL = [(k, mode) for k, p in PROFILES.items() for mode in _modes(p)]


def _memcg(m, path):
    return m.cgroup_at(path).subsys["memory"].priv


def _workload(o, swap: bool) -> None:
    """A bit of everything: cgroups, tasks, page cache, tmpfs, anon, swap, rmdir."""
    m = o.m
    job = m.spawn("/", "job")
    m.mkdir(job, o.cg("a"))
    m.mkdir(job, o.cg("b"))
    o.enter(job, "a")
    o.write(job, "/root/log", bytes(5 * PAGE_SIZE))
    o.write(job, "/tmp/shm", bytes(3 * PAGE_SIZE))
    m.touch_anon(job, 40 * PAGE_SIZE)
    child = m.fork(job)
    o.enter(child, "b")
    o.write(child, "/root/other", bytes(PAGE_SIZE))
    o.read(child, "/root/log")
    m.exit(child, 0)
    if swap:
        f = m.vfs.resolve("/tmp/shm")
        for folio in list(f.mapping.pages.values()):
            f.mapping.evict(folio)
    o.enter(job, "")
    m.rmdir(job, o.cg("a"))
    m.write_file("/proc/sys/vm/drop_caches", "3")
    m.rmdir(job, o.cg("b"))
    m.sync(job)
    m.exit(job, 0)


@pytest.mark.parametrize(("kernel", "mode"), ALL)
def test_fresh_machine_and_workload_pass_on_every_profile(ops, kernel, mode):
    o = ops(kernel, mode, swap="16M", check_invariants=True)
    check_machine(o.m)
    _workload(o, swap=True)
    check_machine(o.m)
    o.m.settle()
    check_machine(o.m)
    drain_and_settle(o.m)
    check_machine(o.m, quiescent=True)


@pytest.mark.parametrize("kernel", ["6.1", "7.1"])
def test_seed_reproducer_with_checks_after_every_syscall(kernel):
    from memcglab.cli import scenario_text
    from memcglab.runner import RunOptions, run_script

    text = scenario_text("seed000-eliminate-dying-memcg.sh").replace("{0..2000}", "{0..30}")
    rec = run_script(text, kernel, RunOptions(check_invariants=True))
    assert rec.exit_status == 0
    check_machine(rec.machine, quiescent=True)


def test_check_every_n_calls():
    m = Machine(kernel="7.1", check_invariants=5)
    lruvec = m.memcg.root.nodeinfo[0].lruvec
    lruvec.nr[2] += 1  # broken, but only every 5th call looks
    for _ in range(4):
        m.mkdir(m.init.pid, m.cgroupfs_path(f"x{_}"))
    with pytest.raises(InvariantViolation):
        m.mkdir(m.init.pid, m.cgroupfs_path("x4"))


# ---- a deliberately broken model is caught ------------------------------------------
def _busy_machine(kernel="6.1"):
    m = Machine(kernel=kernel)
    job = m.spawn("/", "job")
    m.mkdir(job, m.cgroupfs_path("a"))
    m.write_file(m.cgroupfs_path("a/cgroup.procs"), str(job))
    m.touch_anon(job, 8 * PAGE_SIZE)
    m.settle()
    check_machine(m)
    return m, job


def test_corrupt_lru_size_is_caught():
    m, _ = _busy_machine()
    lruvec = _memcg(m, "/a").nodeinfo[0].lruvec
    lruvec.nr[0] -= 1
    with pytest.raises(InvariantViolation) as e:
        check_machine(m)
    assert e.value.invariant == "lruvec.nr matches the list length"
    assert e.value.obj is lruvec


def test_leaked_css_reference_is_caught():
    m, _ = _busy_machine("6.1")
    a = _memcg(m, "/a")
    m.core.css_get(a.css, "folio")  # a reference no folio accounts for
    with pytest.raises(InvariantViolation, match="'folio' references"):
        check_machine(m)


def test_folio_on_two_lists_is_caught():
    m, job = _busy_machine("7.1")
    lruvec = _memcg(m, "/a").nodeinfo[0].lruvec
    folio = next(lruvec_folios(lruvec))
    # Link it into the root's list as well, by hand.
    head = m.memcg.root.nodeinfo[0].lruvec.lists[folio.lru]
    head.next.prev, folio.next = folio, head.next
    with pytest.raises(InvariantViolation):
        check_machine(m)


def test_reference_to_a_freed_memcg_is_caught():
    m, job = _busy_machine("6.1")
    m.mkdir(job, m.cgroupfs_path("gone"))
    gone = _memcg(m, "/gone")
    m.rmdir(job, m.cgroupfs_path("gone"))
    m.settle()
    assert gone.css.freed
    folio = next(lruvec_folios(_memcg(m, "/a").nodeinfo[0].lruvec))
    folio.memcg_data = gone
    with pytest.raises(InvariantViolation, match="freed memcg"):
        check_machine(m)


def test_counter_drift_is_caught_only_exactly_when_quiescent():
    m, _ = _busy_machine("6.1")
    a = _memcg(m, "/a")
    for c in (a.memory, a.memory.parent):
        c.usage += 1
        c.watermark = max(c.watermark, c.usage)
        c.local_watermark = max(c.local_watermark, c.usage)
    check_machine(m, quiescent=False)  # ">=" bounds still hold
    with pytest.raises(InvariantViolation, match="memory usage = pages charged"):
        check_machine(m, quiescent=True)


# ---- regressions for the model bugs the checker found ---------------------------------
@pytest.mark.parametrize("kernel", ["5.10", "6.1", "7.1"])
@pytest.mark.parametrize("mode", ["v1", "v2"])
def test_root_counter_is_uncharged_for_charges_reparented_to_the_root(ops, kernel, mode):
    o = ops(kernel, mode)
    m = o.m
    job = m.spawn("/", "job")
    o.write(job, "/root/f", b"")  # the inode (and its inode-table block) belong to the root
    drain_and_settle(m)
    base = m.memcg.root.memory.usage
    m.mkdir(job, o.cg("a"))
    o.enter(job, "a")
    o.write(job, "/root/f", bytes(3 * PAGE_SIZE))  # page cache
    o.write(job, "/tmp/g", bytes(2 * PAGE_SIZE))  # shmem, and dentry/inode slab
    o.enter(job, "")
    m.rmdir(job, o.cg("a"))
    m.settle()
    m.unlink(job, "/root/f")
    m.unlink(job, "/tmp/g")
    drain_and_settle(m)
    check_machine(m, quiescent=True)
    assert m.memcg.root.memory.usage == base


def test_task_references_follow_subtree_control_changes(ops):
    o = ops("6.1", "v2")
    m = o.m
    job = m.spawn("/", "job")
    m.mkdir(job, o.cg("a"))
    m.write_file(o.cg("cgroup.subtree_control"), "-memory")
    o.enter(job, "a")  # /a has no memory css: the task is charged to the root
    m.write_file(o.cg("cgroup.subtree_control"), "+memory")
    a = _memcg(m, "/a")
    assert a.css.holders["task"] == 1
    m.touch_anon(job, 4 * PAGE_SIZE)
    m.write_file(o.cg("cgroup.subtree_control"), "-memory")
    m.settle()
    assert "task" not in a.css.holders
    assert m.task_memcg(m.tasks[job]) is m.memcg.root
    m.exit(job, 0)  # used to underflow a css count (css_put of a reference never taken)
    drain_and_settle(m)
    check_machine(m, quiescent=True)


def test_check_machine_names_the_object_in_its_message():
    e = InvariantViolation("some invariant", Folio(), "detail")
    assert isinstance(e, AssertionError)
    assert "some invariant" in str(e) and "folio" in str(e) and "detail" in str(e)


def test_syscall_errors_stay_syscall_errors_with_checks_on():
    m = Machine(kernel="7.1", check_invariants=True)
    with pytest.raises(SysError) as e:
        m.rmdir(m.init.pid, m.cgroupfs_path("nope"))
    assert e.value.errno == errno.ENOENT
