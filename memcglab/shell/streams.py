"""What a file descriptor refers to: a System file, a pipe buffer, or the caller's output.

Pipelines are modelled as buffers: stages run one after another and each
stage's output is kept in a :class:`PipeBuffer` that the next stage reads.
A buffer refuses writes past ``PIPE_CAP`` bytes with :class:`BrokenPipe`
(the writer then dies as from SIGPIPE), so an endless producer such as
``yes`` or ``while true; do echo; done`` feeding ``head`` ends instead of
filling memory. When the next stage is ``head -n N`` / ``head -c N`` the
buffer refuses writes as soon as it holds what head will read, which is when
head would have exited and the writer got SIGPIPE.
"""

from __future__ import annotations

import errno

from .system import SysError

PIPE_CAP = 64 * 1024 * 1024


class BrokenPipe(Exception):
    """A write to a pipe that no longer takes data (the writer gets SIGPIPE)."""


class Stream:
    """A file descriptor's target; the default refuses both directions (a closed fd)."""

    __slots__ = ()

    def write(self, pid: int, data: bytes) -> None:
        raise SysError(errno.EBADF)

    def read(self, pid: int, size: int = -1) -> bytes:
        raise SysError(errno.EBADF)

    def close(self, pid: int) -> None:
        """Let go of a stream a command opened by name (only a file has anything to close)."""


CLOSED = Stream()


class CallbackOutput(Stream):
    """The caller's stdout or stderr: a function taking bytes."""

    __slots__ = ("fn",)

    def __init__(self, fn):
        self.fn = fn

    def write(self, pid: int, data: bytes) -> None:
        self.fn(data)

    def read(self, pid: int, size: int = -1) -> bytes:
        return b""


class FileStream(Stream):
    """An open System file; each write is one write(2) by the acting pid."""

    __slots__ = ("system", "file")

    def __init__(self, system, file):
        self.system = system
        self.file = file

    def write(self, pid: int, data: bytes) -> None:
        self.system.write(pid, self.file, data)

    def read(self, pid: int, size: int = -1) -> bytes:
        return self.system.read(pid, self.file, size)

    def close(self, pid: int) -> None:
        self.system.close(pid, self.file)


class BytesInput(Stream):
    """Input from memory: a here-document, a here-string or a finished pipe stage."""

    __slots__ = ("data", "pos")

    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0

    def read(self, pid: int, size: int = -1) -> bytes:
        start = self.pos
        end = len(self.data) if size < 0 else min(len(self.data), start + size)
        self.pos = end
        return self.data[start:end]


class PipeBuffer(Stream):
    """The write end of a pipe whose reader runs after the writer finishes."""

    __slots__ = ("buf", "cap", "line_limit", "lines")

    def __init__(self, cap: int = PIPE_CAP, line_limit: int | None = None):
        self.buf = bytearray()
        self.cap = cap
        self.line_limit = line_limit
        self.lines = 0

    def write(self, pid: int, data: bytes) -> None:
        if len(self.buf) >= self.cap:
            raise BrokenPipe()
        if self.line_limit is not None:
            if self.lines >= self.line_limit:
                raise BrokenPipe()
            self.lines += data.count(b"\n")
        self.buf += data
