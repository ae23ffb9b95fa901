"""The kselftest cgroup_util helpers, re-expressed against the model (catalogue section 1).

A ``Harness`` stands for the test program: it is a task in the root cgroup of
a cgroup v2 machine, creates cgroups under the root, runs "processes" in them
(``cg_run`` / ``cg_run_nowait``) and reads files with the kernel test's own
parsing (``atol``, first ``strstr`` match in the first 4095 bytes).
"""

from __future__ import annotations

import contextlib
import errno

from memcglab import Machine
from memcglab.invariants import check_machine
from memcglab.shell.system import O_APPEND, O_CREAT, O_RDWR, O_WRONLY, SysError, TaskKilled

MB = 1 << 20
PAGE_SIZE = 4096
NPROCS = 2  # get_nprocs() of the simulated machine (Machine(cpus=2))
MAX_VMSTAT_ERROR = PAGE_SIZE * 64 * NPROCS  # test_kmem.c
KILLED = -1  # cg_run()'s result for a child killed by a signal


def values_close(a: int, b: int, err: int) -> bool:
    """labs(a - b) <= (a + b) / 100 * err, with C integer division first."""
    return abs(a - b) <= (a + b) // 100 * err


def atol(text: str) -> int:
    """C atol(): optional sign and leading digits; anything else (e.g. "max") is 0."""
    s = text.lstrip()
    i = 1 if s[:1] in "+-" else 0
    j = i
    while j < len(s) and s[j].isdigit():
        j += 1
    return int(s[:j]) if j > i else 0


class Harness:
    def __init__(self, kernel: str, swap: str | None = None, memory: str = "2G"):
        self.m = Machine(kernel=kernel, cgroup="v2", memory=memory, swap=swap, cpus=NPROCS)
        self.pid = self.m.spawn("/", "test_memcontrol")
        self.fds: dict[int, list] = {}

    # ---- files ------------------------------------------------------------------
    def path(self, cg: str, file: str = "") -> str:
        return self.m.cgroupfs_path(cg) + (f"/{file}" if file else "")

    def cg_create(self, cg: str) -> None:
        self.m.mkdir(self.pid, self.path(cg))

    def cg_destroy(self, cg: str) -> None:
        """rmdir; on EBUSY kill everything and retry (the kernel helper loops forever)."""
        for _ in range(100):
            try:
                self.m.rmdir(self.pid, self.path(cg))
                return
            except SysError as e:
                if e.errno == errno.ENOENT:
                    return
                if e.errno != errno.EBUSY:
                    raise
            self.cg_killall(cg)
            self.m.charge_time(100e-6)
        raise AssertionError(f"cannot remove {cg}")

    def cg_read(self, cg: str, file: str) -> str:
        return self.m.read_file(self.path(cg, file))[:4095]

    def cg_read_long(self, cg: str, file: str) -> int:
        try:
            return atol(self.m.read_file(self.path(cg, file))[:127])
        except SysError:
            return -1

    def cg_read_key_long(self, cg: str, file: str, key: str) -> int:
        text = self.cg_read(cg, file)
        i = text.find(key)
        return -1 if i < 0 else atol(text[i + len(key):])

    def cg_read_strcmp(self, cg: str, file: str, expected: str) -> bool:
        """True when the first len(expected) bytes equal ``expected`` (reads len+1-1)."""
        return self.cg_read(cg, file)[:max(len(expected), 1)] == expected

    def cg_read_strstr(self, cg: str, file: str, needle: str) -> bool:
        return needle in self.cg_read(cg, file)

    def cg_write(self, cg: str, file: str, text: str) -> int:
        """O_WRONLY|O_APPEND, no trailing newline; 0 or -errno."""
        try:
            f = self.m.open(self.pid, self.path(cg, file), O_WRONLY | O_APPEND)
            try:
                self.m.write(self.pid, f, text.encode())
            finally:
                self.m.close(self.pid, f)
        except SysError as e:
            return -e.errno
        return 0

    def open_rw(self, cg: str, file: str):
        return self.m.open(self.pid, self.path(cg, file), O_RDWR | O_APPEND)

    def read_fd_long(self, f) -> int:
        f.offset = 0  # pread(fd, buf, 128, 0)
        return atol(self.m.read(self.pid, f, 128).decode())

    def write_fd(self, f, data: bytes) -> int:
        try:
            return self.m.write(self.pid, f, data)
        except SysError as e:
            return -e.errno

    def procs(self, cg: str) -> list[int]:
        return [int(x) for x in self.cg_read(cg, "cgroup.procs").split()]

    def cg_killall(self, cg: str) -> None:
        if self.cg_write(cg, "cgroup.kill", "1"):
            for pid in self.procs(cg):
                self.m.kill(self.pid, pid, 9)

    # ---- processes --------------------------------------------------------------
    def _spawn_in(self, cg: str) -> int | None:
        """fork(); the child writes itself to cg/cgroup.procs (exit(1) if that fails)."""
        child = self.m.fork(self.pid)
        try:
            self.m.write_file(self.path(cg, "cgroup.procs"), str(child), pid=child)
        except SysError:
            self.exit(child, 1)
            return None
        return child

    def exit(self, pid: int, status: int) -> None:
        for f in self.fds.pop(pid, []):
            self.m.close(pid, f)
        self.m.exit(pid, status)

    def cg_run(self, cg: str, fn, *args) -> int:
        """Run fn(pid, *args) in a child in cg; its exit status, or KILLED."""
        child = self._spawn_in(cg)
        if child is None:
            return 1
        try:
            status = fn(self, child, *args)
        except TaskKilled:
            status = KILLED
        except SysError:
            status = 255
        if not self.m.alive(child):
            self.fds.pop(child, None)
            return KILLED
        self.exit(child, status)
        return status

    def cg_run_nowait(self, cg: str, fn, *args) -> int | None:
        """Start fn in a child that stays alive (the *_noexit helpers); its pid."""
        child = self._spawn_in(cg)
        if child is None:
            return None
        with contextlib.suppress(SysError, TaskKilled):
            fn(self, child, *args)
        return child

    def check(self) -> None:
        check_machine(self.m)


# ---- the allocation helpers of test_memcontrol.c ---------------------------------
def alloc_anon(h: Harness, pid: int, size: int) -> int:
    h.m.touch_anon(pid, size)
    return 0


def get_temp_fd(h: Harness, pid: int):
    """open(".", O_TMPFILE): an unlinked file in /root, freed on its last close."""
    name = f"/root/.tmpfile-{pid}-{len(h.fds.get(pid, []))}"
    f = h.m.open(pid, name, O_RDWR | O_CREAT)
    h.m.unlink(pid, name)
    h.fds.setdefault(pid, []).append(f)
    return f


def alloc_pagecache(h: Harness, pid: int, f, size: int) -> int:
    """Grow the file by size (a hole) and read it from the shared offset: page cache."""
    node = f.node
    node.truncate(node.length + size)
    left = size
    while left > 0:
        got = len(h.m.read(pid, f, min(left, 1 * MB)))
        if not got:
            break
        left -= got
    return 0


def alloc_pagecache_50M_check(h: Harness, pid: int, cg: str) -> int:
    f = get_temp_fd(h, pid)
    alloc_pagecache(h, pid, f, 50 * MB)
    current = h.cg_read_long(cg, "memory.current")
    if current < 50 * MB:
        return 1
    file = h.cg_read_key_long(cg, "memory.stat", "file ")
    if file < 0 or not values_close(file, current, 10):
        return 1
    return 0


def alloc_pagecache_max_30M(h: Harness, pid: int, cg: str) -> int:
    high = h.cg_read_long(cg, "memory.high")
    mx = h.cg_read_long(cg, "memory.max")
    if high != 30 * MB and mx != 30 * MB:
        return 1
    f = get_temp_fd(h, pid)
    alloc_pagecache(h, pid, f, 50 * MB)
    current = h.cg_read_long(cg, "memory.current")
    return 0 if values_close(current, 30 * MB, 5) else 1


def reclaim_until(h: Harness, cg: str, goal: int) -> bool:
    """Proactive reclaim with memory.reclaim until current is close to goal."""
    reclaimed = False
    for _ in range(5):
        current = h.cg_read_long(cg, "memory.current")
        if current < goal or values_close(current, goal, 3):
            break
        if reclaimed:
            return False  # the write claimed success but usage is still far off
        err = h.cg_write(cg, "memory.reclaim", str(current - goal))
        if err == 0:
            reclaimed = True
        elif err != -errno.EAGAIN:
            return False
    return reclaimed
