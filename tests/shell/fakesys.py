"""A small in-memory System for testing the shell.

A dict-based file tree, tasks with pids, a timer heap for the simulated clock,
and special files: /dev/null, /dev/zero, /proc/cgroups and a toy cgroupfs
under /sys/fs/cgroup/memory where writing a pid to ``cgroup.procs`` moves that
task, ``rmdir`` fails with EBUSY while a cgroup has tasks, and unknown
control-file writes can be made to fail with any errno.
"""

from __future__ import annotations

import errno
import heapq
import posixpath

from memcglab.shell.system import (
    O_APPEND,
    O_CREAT,
    O_EXCL,
    O_RDWR,
    O_TRUNC,
    O_WRONLY,
    Stat,
    SysError,
    TaskKilled,
)

CGROUP_ROOT = "/sys/fs/cgroup/memory"
CGROUP_FILES = ("cgroup.procs", "memory.move_charge_at_immigrate", "memory.limit_in_bytes",
                "memory.usage_in_bytes", "memory.force_empty")


class OpenFile:
    def __init__(self, path: str, flags: int):
        self.path = path
        self.flags = flags
        self.offset = 0


class Special:
    """A file whose reads and writes are computed: ``read()`` -> bytes, ``write(pid, data)``."""

    def __init__(self, read=None, write=None):
        self.read = read or (lambda pid: b"")
        self.write = write or (lambda pid, data: len(data))


class FakeSystem:
    def __init__(self, trace: bool = True):
        self.clock = 0.0
        self.timers: list = []
        self.seq = 0
        self.next_pid = 100
        self.tasks: dict[int, dict] = {}
        self.exit_callbacks: dict[int, list] = {}
        self.files: dict[str, bytearray] = {}
        self.dirs: dict[str, set[str]] = {"/": set()}
        self.specials: dict[str, Special] = {}
        self.cgroups: dict[str, set[int]] = {}
        self.dying = 0
        self.trace = trace
        self.log: list[tuple] = []
        self.open_count = 0
        for d in ("/root", "/tmp", "/dev", "/proc", "/sys/fs/cgroup", "/bin", "/etc"):
            self.makedirs(d)
        self.specials["/dev/null"] = Special()
        self.specials["/dev/zero"] = Special(read=lambda pid: bytes(1 << 20))
        self.specials["/proc/cgroups"] = Special(read=self._proc_cgroups)
        self.dirs["/dev"].update(["null", "zero"])
        self.dirs["/proc"].add("cgroups")
        self._make_cgroup(CGROUP_ROOT)

    # ---- helpers for tests ----------------------------------------------------

    def spawn(self, cgroup: str = CGROUP_ROOT) -> int:
        """A task with no parent (the shell under test)."""
        pid = self._new_pid(cgroup)
        return pid

    def makedirs(self, path: str) -> None:
        parts = [p for p in path.split("/") if p]
        current = ""
        for part in parts:
            parent = current or "/"
            current += "/" + part
            self.dirs[parent].add(part)
            self.dirs.setdefault(current, set())

    def add_file(self, path: str, data: bytes = b"") -> None:
        self.makedirs(posixpath.dirname(path))
        self.files[path] = bytearray(data)
        self.dirs[posixpath.dirname(path)].add(posixpath.basename(path))

    def add_special(self, path: str, read=None, write=None) -> None:
        self.makedirs(posixpath.dirname(path))
        self.specials[path] = Special(read, write)
        self.dirs[posixpath.dirname(path)].add(posixpath.basename(path))

    def cgroup_of(self, pid: int) -> str:
        return self.tasks[pid]["cgroup"]

    def calls(self, *names: str) -> list[tuple]:
        return [entry for entry in self.log if entry[0] in names]

    # ---- processes ----------------------------------------------------------------

    def _new_pid(self, cgroup: str) -> int:
        pid = self.next_pid
        self.next_pid += 1
        self.tasks[pid] = {"cgroup": cgroup, "alive": True, "argv": None}
        self.cgroups[cgroup].add(pid)
        return pid

    def _task(self, pid: int) -> dict:
        task = self.tasks.get(pid)
        if task is None or not task["alive"]:
            if task is not None and task.get("signal"):
                raise TaskKilled()
            raise SysError(errno.ESRCH)
        return task

    def fork(self, pid: int) -> int:
        child = self._new_pid(self._task(pid)["cgroup"])
        if self.trace:
            self.log.append(("fork", pid, child))
        return child

    def exec(self, pid: int, argv: list[str]) -> None:
        self._task(pid)["argv"] = list(argv)
        if self.trace:
            self.log.append(("exec", pid, tuple(argv)))

    def _die(self, pid: int, status: int) -> None:
        task = self._task(pid)
        task["alive"] = False
        task["status"] = status
        self.cgroups[task["cgroup"]].discard(pid)
        for callback in self.exit_callbacks.pop(pid, []):
            callback(status)

    def exit(self, pid: int, status: int) -> None:
        if self.trace:
            self.log.append(("exit", pid, status))
        self._die(pid, status)

    def kill(self, sender: int, pid: int, sig: int) -> None:
        if not self.alive(pid):
            raise SysError(errno.ESRCH)
        if self.trace:
            self.log.append(("kill", sender, pid, sig))
        self.tasks[pid]["signal"] = sig
        self._die(pid, 128 + sig)

    def alive(self, pid: int) -> bool:
        task = self.tasks.get(pid)
        return bool(task and task["alive"])

    def touch_anon(self, pid: int, nbytes: int) -> None:
        self._task(pid)
        if self.trace:
            self.log.append(("touch_anon", pid, nbytes))

    def exit_signal(self, pid: int) -> int:
        return self.tasks.get(pid, {}).get("signal", 0)

    def on_exit(self, pid: int, callback) -> None:
        self.exit_callbacks.setdefault(pid, []).append(callback)

    # ---- files ------------------------------------------------------------------------

    def _check_parent(self, path: str) -> str:
        parent = posixpath.dirname(path)
        if parent not in self.dirs:
            if parent in self.files or parent in self.specials:
                raise SysError(errno.ENOTDIR)
            raise SysError(errno.ENOENT)
        return parent

    def open(self, pid: int, path: str, flags: int, mode: int = 0o644) -> OpenFile:
        self._task(pid)
        if self.trace:
            self.log.append(("open", pid, path, flags))
        if path in self.dirs:
            if flags & (O_WRONLY | O_RDWR):
                raise SysError(errno.EISDIR)
        elif path in self.specials:
            pass
        elif path in self.files:
            if flags & O_CREAT and flags & O_EXCL:
                raise SysError(errno.EEXIST)
            if flags & O_TRUNC:
                self.files[path] = bytearray()
        elif flags & O_CREAT:
            parent = self._check_parent(path)
            self.files[path] = bytearray()
            self.dirs[parent].add(posixpath.basename(path))
        else:
            self._check_parent(path)
            raise SysError(errno.ENOENT)
        self.open_count += 1
        return OpenFile(path, flags)

    def read(self, pid: int, f: OpenFile, size: int = -1) -> bytes:
        self._task(pid)
        if f.path in self.dirs:
            raise SysError(errno.EISDIR)
        if f.path in self.specials:
            data = self.specials[f.path].read(pid)
            if f.path == "/dev/zero":
                return bytes(size if size >= 0 else 1 << 20)
        else:
            data = self.files.get(f.path)
            if data is None:
                raise SysError(errno.ENOENT)
        end = len(data) if size < 0 else f.offset + size
        chunk = bytes(data[f.offset:end])
        f.offset += len(chunk)
        return chunk

    def write(self, pid: int, f: OpenFile, data: bytes) -> int:
        self._task(pid)
        if self.trace:
            self.log.append(("write", pid, f.path, bytes(data)))
        if not f.flags & (O_WRONLY | O_RDWR):
            raise SysError(errno.EBADF)
        special = self.specials.get(f.path)
        if special is not None:
            return special.write(pid, bytes(data))
        content = self.files.get(f.path)
        if content is None:
            raise SysError(errno.ENOENT)
        if f.flags & O_APPEND:
            f.offset = len(content)
        if f.offset > len(content):
            content.extend(bytes(f.offset - len(content)))
        content[f.offset:f.offset + len(data)] = data
        f.offset += len(data)
        return len(data)

    def close(self, pid: int, f: OpenFile) -> None:
        self.open_count -= 1

    def stat(self, pid: int, path: str) -> Stat:
        if path in self.dirs:
            return Stat(is_dir=True, size=4096, mode=0o755, nlink=2, ino=hash(path) & 0xFFFF)
        if path in self.files:
            return Stat(is_dir=False, size=len(self.files[path]), ino=hash(path) & 0xFFFF)
        if path in self.specials:
            return Stat(is_dir=False, size=0, ino=hash(path) & 0xFFFF)
        self._check_parent(path)
        raise SysError(errno.ENOENT)

    def listdir(self, pid: int, path: str) -> list[str]:
        if path not in self.dirs:
            if path in self.files or path in self.specials:
                raise SysError(errno.ENOTDIR)
            raise SysError(errno.ENOENT)
        return sorted(self.dirs[path])

    def mkdir(self, pid: int, path: str, mode: int = 0o755) -> None:
        self._task(pid)
        if self.trace:
            self.log.append(("mkdir", pid, path))
        if path in self.dirs or path in self.files or path in self.specials:
            raise SysError(errno.EEXIST)
        parent = self._check_parent(path)
        if parent in self.cgroups or parent == CGROUP_ROOT:
            self._make_cgroup(path)
            return
        self.dirs[path] = set()
        self.dirs[parent].add(posixpath.basename(path))

    def _make_cgroup(self, path: str) -> None:
        self.makedirs(path)
        self.cgroups[path] = set()
        for name in CGROUP_FILES:
            self.specials[f"{path}/{name}"] = self._cgroup_file(path, name)
            self.dirs[path].add(name)

    def _cgroup_file(self, path: str, name: str) -> Special:
        if name != "cgroup.procs":
            return Special()

        def read(pid: int) -> bytes:
            return "".join(f"{p}\n" for p in sorted(self.cgroups.get(path, ()))).encode()

        def write(pid: int, data: bytes) -> int:
            text = data.decode().strip()
            if not text.isdigit():
                raise SysError(errno.EINVAL)
            target = int(text)
            task = self._task(target)
            self.cgroups[task["cgroup"]].discard(target)
            task["cgroup"] = path
            self.cgroups[path].add(target)
            return len(data)

        return Special(read, write)

    def rmdir(self, pid: int, path: str) -> None:
        self._task(pid)
        if self.trace:
            self.log.append(("rmdir", pid, path))
        if path not in self.dirs:
            if path in self.files or path in self.specials:
                raise SysError(errno.ENOTDIR)
            self._check_parent(path)
            raise SysError(errno.ENOENT)
        if path in self.cgroups:
            if self.cgroups[path] or any(p.startswith(path + "/") for p in self.cgroups
                                         if p != path):
                raise SysError(errno.EBUSY)
            for name in CGROUP_FILES:
                del self.specials[f"{path}/{name}"]
            del self.cgroups[path]
            self.dying += 1
        elif self.dirs[path]:
            raise SysError(errno.ENOTEMPTY)
        del self.dirs[path]
        self.dirs[posixpath.dirname(path)].discard(posixpath.basename(path))

    def unlink(self, pid: int, path: str) -> None:
        self._task(pid)
        if path in self.dirs:
            raise SysError(errno.EISDIR)
        if path in self.specials:
            raise SysError(errno.EPERM)
        if path not in self.files:
            self._check_parent(path)
            raise SysError(errno.ENOENT)
        del self.files[path]
        self.dirs[posixpath.dirname(path)].discard(posixpath.basename(path))

    def rename(self, pid: int, old: str, new: str) -> None:
        if old not in self.files:
            raise SysError(errno.ENOENT if old not in self.dirs else errno.EXDEV)
        parent = self._check_parent(new)
        self.files[new] = self.files.pop(old)
        self.dirs[posixpath.dirname(old)].discard(posixpath.basename(old))
        self.dirs[parent].add(posixpath.basename(new))

    def truncate(self, pid: int, path: str, size: int) -> None:
        if path not in self.files:
            raise SysError(errno.ENOENT)
        data = self.files[path]
        del data[size:]
        data.extend(bytes(size - len(data)))

    def sync(self, pid: int) -> None:
        if self.trace:
            self.log.append(("sync", pid))

    def _proc_cgroups(self, pid: int) -> bytes:
        return ("#subsys_name\thierarchy\tnum_cgroups\tenabled\n"
                f"cpuset\t1\t1\t1\nmemory\t2\t{len(self.cgroups) + self.dying}\t1\n").encode()

    # ---- time ---------------------------------------------------------------------------

    def now(self) -> float:
        return self.clock

    def charge_time(self, seconds: float) -> None:
        target = self.clock + seconds
        while self.timers and self.timers[0][0] <= target:
            self.run_next()
        self.clock = max(self.clock, target)

    def call_later(self, delay: float, callback) -> None:
        self.seq += 1
        heapq.heappush(self.timers, (self.clock + delay, self.seq, callback))

    def run_next(self) -> bool:
        if not self.timers:
            return False
        when, _, callback = heapq.heappop(self.timers)
        self.clock = max(self.clock, when)
        callback()
        return True
