"""The system-call surface the shell runs on.

The shell never touches the kernel model directly: every effect goes through a
``System``, the way a real shell goes through syscalls. ``memcglab.machine``
provides the real implementation on top of the kernel model; tests of the
shell may provide a small in-memory one.

Rules every implementation follows:

* Errors are raised as :class:`SysError` carrying a kernel errno; the shell
  turns them into the messages a shell prints (``strerror`` text).
* Paths passed in are absolute and normalised by the caller (the shell keeps
  its own cwd and resolves relative names before calling).
* Every call names the acting task (``pid``): charges land in that task's
  memory cgroup, as they do in the kernel (``current``).
* Time is simulated. ``now()`` is in seconds; ``call_later()`` and
  ``run_next()`` are the only way time moves, so the same script always
  gives the same output.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

# open(2) flags, with Linux x86-64 values so they read naturally.
O_RDONLY = os.O_RDONLY
O_WRONLY = os.O_WRONLY
O_RDWR = os.O_RDWR
O_CREAT = os.O_CREAT
O_TRUNC = os.O_TRUNC
O_APPEND = os.O_APPEND
O_EXCL = os.O_EXCL

SIGINT = 2
SIGQUIT = 3
SIGKILL = 9
SIGPIPE = 13
SIGTERM = 15


class SysError(Exception):
    """A failed system call: ``errno`` is the kernel's error number."""

    def __init__(self, err: int, message: str | None = None):
        super().__init__(err, message or os.strerror(err))
        self.errno = err

    @property
    def strerror(self) -> str:
        return os.strerror(self.errno)


class TaskKilled(Exception):
    """The acting task was killed during this call (the OOM killer chose it, or it
    signalled itself): it never returns to user space, so nothing it would have
    done next happens. Its parent sees the signal in its wait status."""


@dataclass(frozen=True)
class Stat:
    """What stat(2) returns that the simulated commands use."""

    is_dir: bool
    size: int
    mode: int = 0o644
    nlink: int = 1
    ino: int = 0
    mtime: float = 0.0


class OpenFile(Protocol):
    """An open file description (shared by every fd that dup()s it)."""

    path: str
    flags: int


class System(Protocol):
    # ---- processes -------------------------------------------------------
    def fork(self, pid: int) -> int:
        """Create a child of ``pid`` in the same cgroup; returns the child pid."""

    def exec(self, pid: int, argv: list[str]) -> None:
        """Replace ``pid``'s image with the program ``argv[0]`` (charges the new mm)."""

    def exit(self, pid: int, status: int) -> None:
        """Task ``pid`` exits: its memory is freed and it is reaped."""

    def kill(self, sender: int, pid: int, sig: int) -> None:
        """Send ``sig`` to ``pid`` (ESRCH if there is no such task)."""

    def alive(self, pid: int) -> bool:
        """True while ``pid`` has not exited or been killed."""

    def on_exit(self, pid: int, callback: Callable[[int], None]) -> None:
        """Call ``callback(status)`` when ``pid`` exits or is killed."""

    def touch_anon(self, pid: int, nbytes: int) -> None:
        """``pid`` writes ``nbytes`` of fresh anonymous memory (a buffer it malloc'ed),
        faulting it in: charged to its memcg, perhaps OOM-killing it (TaskKilled)."""

    def exit_signal(self, pid: int) -> int:
        """The signal that killed ``pid`` (its status is then 128 + it); 0 if it
        exited by itself or still runs (waitpid()'s WIFSIGNALED/WTERMSIG)."""

    # ---- files -----------------------------------------------------------
    def open(self, pid: int, path: str, flags: int, mode: int = 0o644) -> OpenFile: ...

    def read(self, pid: int, f: OpenFile, size: int = -1) -> bytes:
        """Read from the file's current offset; ``size=-1`` reads to EOF."""

    def write(self, pid: int, f: OpenFile, data: bytes) -> int:
        """One write(2) call: cgroupfs files act on each call separately."""

    def close(self, pid: int, f: OpenFile) -> None: ...

    def stat(self, pid: int, path: str) -> Stat: ...

    def listdir(self, pid: int, path: str) -> list[str]: ...

    def mkdir(self, pid: int, path: str, mode: int = 0o755) -> None: ...

    def rmdir(self, pid: int, path: str) -> None: ...

    def unlink(self, pid: int, path: str) -> None: ...

    def rename(self, pid: int, old: str, new: str) -> None: ...

    def truncate(self, pid: int, path: str, size: int) -> None: ...

    def sync(self, pid: int) -> None:
        """sync(2): write back every dirty page."""

    # ---- time ------------------------------------------------------------
    def now(self) -> float:
        """Simulated seconds since boot."""

    def charge_time(self, seconds: float) -> None:
        """Account CPU time spent by a command: moves the clock, running due work."""

    def call_later(self, delay: float, callback: Callable[[], None]) -> None:
        """Run ``callback`` when the simulated clock reaches now + delay."""

    def run_next(self) -> bool:
        """Advance the clock to the next pending timer and run it; False if none."""


def strerror(err: int) -> str:
    return os.strerror(err)


__all__ = [
    "O_APPEND",
    "O_CREAT",
    "O_EXCL",
    "O_RDONLY",
    "O_RDWR",
    "O_TRUNC",
    "O_WRONLY",
    "SIGINT",
    "SIGKILL",
    "SIGPIPE",
    "SIGQUIT",
    "SIGTERM",
    "OpenFile",
    "Stat",
    "SysError",
    "System",
    "TaskKilled",
    "errno",
    "strerror",
]
