"""Issue 8: property-based tests — random operation sequences keep every invariant.

A hypothesis ``RuleBasedStateMachine`` drives a model machine through random
sequences of cgroup, task, file, limit, reclaim, swap and teardown operations,
on profiles 6.1 and 7.1 with cgroup v1 and v2, with the invariant checker run
after every syscall (``Machine(check_invariants=True)``) and after every step.
Every operation may fail with a ``SysError`` (an errno, as a syscall would);
any other exception is a bug.

A differential property runs one limit-free sequence on 6.1 and on 7.1: the
root's memory usage must come out the same after drain + settle — the 2026
series changes who is charged (attribution), not how much.

Budget: derandomized, no deadline; 4 profiles x 100 examples x up to 50 steps, plus 2 x 150
differential sequences, well under a minute in CI.
"""

from __future__ import annotations

import errno
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from memcglab import Machine
from memcglab.invariants import check_machine, drain_and_settle
from memcglab.kernel.folio import Folio
from memcglab.kernel.page_counter import PAGE_SIZE
from memcglab.kernel.profiles import get_profile
from memcglab.shell.system import (
    O_APPEND,
    O_CREAT,
    O_RDONLY,
    O_TRUNC,
    O_WRONLY,
    SysError,
    TaskKilled,
)

IDX = st.integers(min_value=0, max_value=1000)
NAMES = st.sampled_from(["a", "b", "c"])
FILES = st.sampled_from(["/root/f0", "/root/f1", "/root/f2", "/tmp/t0", "/tmp/t1", "/dev/shm/s0"])
DIRS = st.sampled_from(["/root/d0", "/root/d1", "/root/d0/d2", "/tmp/d3"])
SIZES = st.sampled_from([1, 100, PAGE_SIZE, 3 * PAGE_SIZE + 7, 20 * PAGE_SIZE, 70 * PAGE_SIZE])
MAX_CGROUPS = 8
MAX_TASKS = 6

# MEMCGLAB_PROPERTY_EXAMPLES=N runs N random (not derandomized) examples: for bug hunts.
_HUNT = int(os.environ.get("MEMCGLAB_PROPERTY_EXAMPLES", "0"))
STATEFUL = settings(max_examples=_HUNT or 100, stateful_step_count=50, deadline=None,
                    derandomize=not _HUNT,
                    suppress_health_check=list(HealthCheck), print_blob=False,
                    report_multiple_bugs=False)


def _pick(items: list, i: int):
    return items[i % len(items)]


def _cgroup_paths(m: Machine) -> list[str]:
    out = []
    stack = [m.hier.root]
    while stack:
        cg = stack.pop()
        out.append(cg.path())
        stack.extend(cg.children[k] for k in sorted(cg.children, reverse=True))
    return out


def _tasks(m: Machine) -> list[int]:
    return sorted(pid for pid, t in m.tasks.items() if t.alive and pid != m.init.pid)


def _write(m: Machine, pid: int, path: str, data: bytes, append: bool) -> None:
    f = m.open(pid, path, O_WRONLY | O_CREAT | (O_APPEND if append else O_TRUNC))
    try:
        m.write(pid, f, data)
    finally:
        m.close(pid, f)


def _read(m: Machine, pid: int, path: str) -> bytes:
    f = m.open(pid, path, O_RDONLY)
    try:
        return m.read(pid, f)
    finally:
        m.close(pid, f)


def _syscall(fn, *args) -> int:
    """Run one operation; a SysError is a legal outcome. Returns the errno or 0,
    or EINTR when the acting task was killed in the call (TaskKilled)."""
    try:
        fn(*args)
    except TaskKilled:
        return errno.EINTR
    except SysError as e:
        assert isinstance(e.errno, int) and e.errno > 0
        return e.errno
    return 0


class MemcgStateMachine(RuleBasedStateMachine):
    """Random operations on one machine; subclasses fix the profile and hierarchy."""

    KERNEL = "6.1"
    MODE = "v2"

    @initialize()
    def boot(self) -> None:
        self.m = Machine(kernel=self.KERNEL, cgroup=self.MODE, memory="512M", swap="16M",
                         check_invariants=True)
        self.init = self.m.init.pid
        self.m.spawn("/", "job")

    # ---- helpers ---------------------------------------------------------------
    def cg(self, i: int) -> str:
        return _pick(_cgroup_paths(self.m), i)

    def path(self, cgroup: str, name: str = "") -> str:
        base = self.m.cgroupfs_path(cgroup)
        return base + ("/" + name if name else "")

    def task(self, i: int) -> int | None:
        tasks = _tasks(self.m)
        return _pick(tasks, i) if tasks else None

    # ---- cgroups ---------------------------------------------------------------
    @rule(parent=IDX, name=NAMES)
    def mkdir(self, parent: int, name: str) -> None:
        p = self.cg(parent)
        if len(_cgroup_paths(self.m)) >= MAX_CGROUPS or p.count("/") >= 3:
            return
        err = _syscall(self.m.mkdir, self.init, self.path(p.rstrip("/") + "/" + name))
        # ENOMEM: the new memcg's per-cpu data could not be charged to a parent at its
        # limit (5.9+), as mem_cgroup_css_alloc() fails on a real kernel.
        assert err in (0, errno.EEXIST, errno.ENOMEM)

    @rule(i=IDX)
    def rmdir(self, i: int) -> None:
        p = self.cg(i)
        if p == "/":
            return
        cg = self.m.cgroup_at(p)
        err = _syscall(self.m.rmdir, self.init, self.path(p))
        if cg.populated() or cg.children:
            assert err == errno.EBUSY
        else:
            assert err == 0

    @precondition(lambda self: self.MODE == "v2")
    @rule(i=IDX, enable=st.booleans())
    def subtree_control(self, i: int, enable: bool) -> None:
        p = self.cg(i)
        _syscall(self.m.write_file, self.path(p, "cgroup.subtree_control"),
                 "+memory" if enable else "-memory")

    # ---- tasks -----------------------------------------------------------------
    @rule(i=IDX)
    def fork(self, i: int) -> None:
        pid = self.task(i)
        if pid is None or len(_tasks(self.m)) >= MAX_TASKS:
            _syscall(self.m.fork, self.init) if pid is None else None
            return
        _syscall(self.m.fork, pid)

    @rule(i=IDX)
    def exit(self, i: int) -> None:
        pid = self.task(i)
        if pid is not None:
            self.m.exit(pid, 0)

    @rule(i=IDX, j=IDX)
    def move(self, i: int, j: int) -> None:
        pid = self.task(i)
        if pid is not None:
            _syscall(self.m.write_file, self.path(self.cg(j), "cgroup.procs"), str(pid))

    @rule(i=IDX, nbytes=SIZES)
    def touch_anon(self, i: int, nbytes: int) -> None:
        pid = self.task(i)
        if pid is not None:
            _syscall(self.m.touch_anon, pid, nbytes)

    # ---- files -------------------------------------------------------------------
    @rule(i=IDX, path=FILES, nbytes=SIZES, append=st.booleans())
    def write(self, i: int, path: str, nbytes: int, append: bool) -> None:
        pid = self.task(i)
        if pid is not None:
            _syscall(_write, self.m, pid, path, bytes(nbytes), append)

    @rule(i=IDX, path=FILES)
    def read(self, i: int, path: str) -> None:
        pid = self.task(i)
        if pid is not None:
            err = _syscall(_read, self.m, pid, path)
            assert err in (0, errno.ENOENT, errno.EINTR, errno.ESRCH)

    @rule(path=FILES)
    def unlink(self, path: str) -> None:
        err = _syscall(self.m.unlink, self.init, path)
        assert err in (0, errno.ENOENT)

    @rule(i=IDX, path=DIRS)
    def ext4_mkdir(self, i: int, path: str) -> None:
        """A directory block charged to the task's memcg (memcglab.machine.filesystems)."""
        pid = self.task(i)
        if pid is not None:
            err = _syscall(self.m.mkdir, pid, path)
            assert err in (0, errno.EEXIST, errno.EINTR, errno.ENOENT, errno.ESRCH)

    @rule(i=IDX, path=DIRS)
    def ext4_rmdir(self, i: int, path: str) -> None:
        pid = self.task(i)
        if pid is not None:
            err = _syscall(self.m.rmdir, pid, path)
            assert err in (0, errno.ENOENT, errno.ENOTEMPTY, errno.ESRCH)

    # ---- limits, reclaim, swap ------------------------------------------------------
    @rule(i=IDX, which=st.sampled_from(["max", "high"]),
          value=st.sampled_from(["max", "64K", "256K", "1M", "4M"]))
    def limit(self, i: int, which: str, value: str) -> None:
        p = self.cg(i)
        if p == "/":
            return
        if self.MODE == "v2":
            _syscall(self.m.write_file, self.path(p, f"memory.{which}"), value)
        else:
            value = "-1" if value == "max" else value
            err = _syscall(self.m.write_file, self.path(p, "memory.limit_in_bytes"), value)
            assert err in (0, errno.EBUSY, errno.EINVAL, errno.EINTR)

    @rule(i=IDX, amount=st.sampled_from(["4K", "64K", "1M", "16M"]))
    def reclaim(self, i: int, amount: str) -> None:
        p = self.cg(i)
        if self.MODE == "v2":
            err = _syscall(self.m.write_file, self.path(p, "memory.reclaim"), amount)
            assert err in (0, errno.EAGAIN, errno.EINTR, errno.ENOENT)
        elif p != "/":
            _syscall(self.m.write_file, self.path(p, "memory.force_empty"), "0")

    @rule(i=IDX)
    def swap_out(self, i: int) -> None:
        """Reclaim one swap-backed folio (tmpfs or anon) into swap, if there is room."""
        m = self.m
        folios = [f for fs in (m.tmpfs, m.shmfs) for file in fs.files
                  for f in file.mapping.pages.values() if type(f) is Folio]
        for t in m.tasks.values():
            if t.alive and t.mm is not None:
                folios.extend(f for f in t.mm.anon if type(f) is Folio)
        if folios:
            folio = _pick(folios, i)
            if folio.lru >= 0:
                folio.mapping.evict(folio)

    @rule(mode=st.sampled_from(["1", "2", "3"]))
    def drop_caches(self, mode: str) -> None:
        assert _syscall(self.m.write_file, "/proc/sys/vm/drop_caches", mode) == 0

    @rule()
    def sync(self) -> None:
        self.m.sync(self.init)

    @rule()
    def compact_memory(self) -> None:
        """lru_add_drain_all(): every CPU's buffer-head LRU is emptied."""
        assert _syscall(self.m.write_file, "/proc/sys/vm/compact_memory", "1") == 0

    @rule()
    def settle(self) -> None:
        self.m.settle()

    @rule(seconds=st.sampled_from([0.001, 0.01, 6.0, 40.0]))
    def sleep(self, seconds: float) -> None:
        self.m.charge_time(seconds)

    # ---- invariants ------------------------------------------------------------------
    @invariant()
    def invariants_hold(self) -> None:
        if hasattr(self, "m"):
            check_machine(self.m)

    def teardown(self) -> None:
        if hasattr(self, "m"):
            drain_and_settle(self.m)
            check_machine(self.m, quiescent=True)
            for path in _cgroup_paths(self.m):  # every file still reads
                for name in self.m.listdir(self.init, self.path(path)):
                    if name.startswith("memory.") and name != "memory.reclaim":
                        _syscall(self.m.read_file, self.path(path, name))


def _case(kernel: str, mode: str):
    cls = type(f"Memcg_{kernel.replace('.', '_')}_{mode}", (MemcgStateMachine,),
               {"KERNEL": kernel, "MODE": mode})
    case = cls.TestCase
    case.settings = STATEFUL
    return case


TestStateful61v1 = _case("6.1", "v1")
TestStateful61v2 = _case("6.1", "v2")
TestStateful71v1 = _case("7.1", "v1")
TestStateful71v2 = _case("7.1", "v2")


# ---- differential: 6.1 and 7.1 charge the same amount in total ---------------------
OPS = st.one_of(
    st.tuples(st.just("mkdir"), IDX, NAMES),
    st.tuples(st.just("rmdir"), IDX),
    st.tuples(st.just("fork"), IDX),
    st.tuples(st.just("exit"), IDX),
    st.tuples(st.just("move"), IDX, IDX),
    st.tuples(st.just("anon"), IDX, SIZES),
    st.tuples(st.just("write"), IDX, FILES, SIZES),
    st.tuples(st.just("read"), IDX, FILES),
    st.tuples(st.just("unlink"), FILES),
    st.tuples(st.just("drop_caches"), st.sampled_from(["1", "2", "3"])),
    st.tuples(st.just("sync")),
    st.tuples(st.just("settle")),
)


def _apply(m: Machine, ops: list[tuple]) -> None:
    init = m.init.pid
    m.spawn("/", "job")
    for op, *args in ops:
        tasks = _tasks(m)
        pid = _pick(tasks, args[0]) if tasks and isinstance(args[0] if args else None,
                                                               int) else None
        if op == "mkdir":
            p = _pick(_cgroup_paths(m), args[0])
            if len(_cgroup_paths(m)) < MAX_CGROUPS and p.count("/") < 3:
                _syscall(m.mkdir, init, m.cgroupfs_path(p.rstrip("/") + "/" + args[1]))
        elif op == "rmdir":
            p = _pick(_cgroup_paths(m), args[0])
            if p != "/":
                _syscall(m.rmdir, init, m.cgroupfs_path(p))
        elif op == "fork":
            if len(tasks) < MAX_TASKS:
                _syscall(m.fork, pid if pid is not None else init)
        elif op == "exit" and pid is not None:
            m.exit(pid, 0)
        elif op == "move" and pid is not None:
            target = _pick(_cgroup_paths(m), args[1])
            _syscall(m.write_file, m.cgroupfs_path(target) + "/cgroup.procs", str(pid))
        elif op == "anon" and pid is not None:
            _syscall(m.touch_anon, pid, args[1])
        elif op == "write" and pid is not None:
            _syscall(_write, m, pid, args[1], bytes(args[2]), True)
        elif op == "read" and pid is not None:
            _syscall(_read, m, pid, args[1])
        elif op == "unlink":
            _syscall(m.unlink, init, args[0])
        elif op == "drop_caches":
            _syscall(m.write_file, "/proc/sys/vm/drop_caches", args[0])
        elif op == "sync":
            m.sync(init)
        elif op == "settle":
            m.settle()
    drain_and_settle(m)
    check_machine(m, quiescent=True)


@pytest.mark.parametrize("mode", ["v1", "v2"])
@settings(max_examples=_HUNT or 150, deadline=None, derandomize=not _HUNT,
          suppress_health_check=list(HealthCheck), print_blob=False)
@given(ops=st.lists(OPS, max_size=40))
def test_6_1_and_7_1_charge_the_same_total(mode, ops):
    # A memcg's own structures, charged to its parent, are bigger on 7.1 (6.12+ also
    # accounts their slab), and so are a process's page tables; the property is about
    # the charging machinery, so 7.1 runs here with 6.1's sizes.
    v61 = get_profile("6.1")
    v71 = get_profile("7.1").with_switch(
        memcg_percpu_size=v61.memcg_percpu_size,
        memcg_struct_slab_charge=v61.memcg_struct_slab_charge,
        exec_pagetable_pages=v61.exec_pagetable_pages,
        fork_pagetable_pages=v61.fork_pagetable_pages)
    usage = []
    lru = []
    for profile in (v61, v71):
        m = Machine(kernel=profile, cgroup=mode, memory="512M")
        _apply(m, ops)
        usage.append(m.memcg.root.memory.usage)
        lru.append(sum(sum(pn.lruvec.nr) for mc in m.memcg.memcgs for pn in mc.nodeinfo))
    assert usage[0] == usage[1]
    assert lru[0] == lru[1]


def test_replay_a_write_whose_buffer_charge_reclaims():
    """Found by TestStateful61v1: charging a new buffer_head reclaimed at the limit and
    freed the very folio being written (the kernel holds its lock in
    block_write_begin()), leaving a buffer_head on a freed folio."""
    state = type("Memcg_6_1_v1", (MemcgStateMachine,), {"KERNEL": "6.1", "MODE": "v1"})()
    state.boot()
    state.drop_caches(mode='1')
    state.reclaim(amount='4K', i=799)
    state.limit(i=307, value='max', which='max')
    state.mkdir(name='a', parent=238)
    state.limit(i=461, value='64K', which='max')
    state.drop_caches(mode='1')
    state.reclaim(amount='4K', i=0)
    state.touch_anon(i=514, nbytes=1)
    state.mkdir(name='a', parent=477)
    state.drop_caches(mode='1')
    state.reclaim(amount='4K', i=44)
    state.write(append=False, i=200, nbytes=1, path='/root/f0')
    state.fork(i=429)
    state.reclaim(amount='4K', i=438)
    state.drop_caches(mode='1')
    state.drop_caches(mode='1')
    state.drop_caches(mode='1')
    state.drop_caches(mode='1')
    state.drop_caches(mode='1')
    state.touch_anon(i=63, nbytes=1)
    state.touch_anon(i=120, nbytes=1)
    state.move(i=108, j=538)
    state.fork(i=360)
    state.fork(i=393)
    state.limit(i=555, value='4M', which='max')
    state.mkdir(name='c', parent=322)
    state.sleep(seconds=6.0)
    state.reclaim(amount='64K', i=200)
    state.fork(i=214)
    state.move(i=245, j=687)
    state.touch_anon(i=606, nbytes=81920)
    state.limit(i=60, value='64K', which='max')
    state.move(i=128, j=266)
    state.read(i=544, path='/tmp/t1')
    state.read(i=850, path='/root/f2')
    state.limit(i=962, value='1M', which='high')
    state.swap_out(i=292)
    state.drop_caches(mode='3')
    state.fork(i=326)
    state.unlink(path='/dev/shm/s0')
    state.unlink(path='/root/f1')
    state.write(append=False, i=95, nbytes=1, path='/root/f0')
    state.read(i=666, path='/dev/shm/s0')
    state.write(append=True, i=185, nbytes=286720, path='/tmp/t0')
    state.invariants_hold()
    state.teardown()
