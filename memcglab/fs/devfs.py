"""/dev: null, zero, full and urandom (drivers/char/mem.c).

/dev/urandom is fed from the machine's seeded RNG, so output stays reproducible.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from memcglab.machine.vfs import DictDir, Node, OpenFile
from memcglab.shell.system import SysError

if TYPE_CHECKING:
    from memcglab.machine.machine import Machine
    from memcglab.machine.task import Task


class CharDev(Node):
    mode = 0o666

    def __init__(self, reader, writer):
        self.reader = reader
        self.writer = writer

    def open(self, task: Task, flags: int) -> OpenFile:
        return CharDevFile("", flags, self)


class CharDevFile(OpenFile):
    node: CharDev

    def read(self, task: Task, size: int) -> bytes:
        return self.node.reader(size if size >= 0 else 1 << 16)

    def write(self, task: Task, data: bytes) -> int:
        return self.node.writer(data)


def _no_space(data: bytes) -> int:
    raise SysError(errno.ENOSPC)


def devfs_root(machine: Machine) -> DictDir:
    rng = machine.memcg.rng
    return DictDir({
        "null": CharDev(lambda n: b"", len),
        "zero": CharDev(bytes, len),
        "full": CharDev(bytes, _no_space),
        "urandom": CharDev(rng.randbytes, len),
        "random": CharDev(rng.randbytes, len),
    })
