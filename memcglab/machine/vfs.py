"""The virtual filesystem: nodes, mounts, path walk and open files.

Every filesystem presents ``Node`` objects. Directories answer ``lookup``,
``listdir``, ``mkdir``, ``rmdir``, ``create``, ``unlink``; files answer ``open``.
Regular filesystems (``memcglab.machine.filesystems``) keep their data and
page cache; pseudo filesystems (procfs, cgroupfs) generate content on read,
the way seq_file does, and act on every write(2) separately.

Errors are ``SysError(errno)``. Paths are absolute and normalised by callers.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from memcglab.shell.system import O_APPEND, O_RDONLY, O_TRUNC, O_WRONLY, Stat, SysError

if TYPE_CHECKING:
    from memcglab.machine.task import Task

O_ACCMODE = 3


class Node:
    """Base of every file and directory."""

    is_dir = False
    mode = 0o644

    def lookup(self, name: str) -> Node | None:
        raise SysError(errno.ENOTDIR)

    def listdir(self) -> list[str]:
        raise SysError(errno.ENOTDIR)

    def mkdir(self, name: str, task: Task) -> Node:
        raise SysError(errno.EPERM)

    def rmdir(self, name: str, task: Task) -> None:
        raise SysError(errno.EPERM)

    def create(self, name: str, task: Task) -> Node:
        raise SysError(errno.EACCES)

    def unlink(self, name: str, task: Task) -> None:
        raise SysError(errno.EPERM)

    def open(self, task: Task, flags: int) -> OpenFile:
        raise SysError(errno.EISDIR if self.is_dir else errno.EACCES)

    def size(self) -> int:
        return 0

    def stat(self) -> Stat:
        return Stat(is_dir=self.is_dir, size=self.size(), mode=self.mode, ino=id(self) & 0xFFFFF)


class OpenFile:
    """An open file description."""

    def __init__(self, path: str, flags: int, node: Node):
        self.path = path
        self.flags = flags
        self.node = node
        self.offset = 0

    @property
    def readable(self) -> bool:
        return (self.flags & O_ACCMODE) != O_WRONLY

    @property
    def writable(self) -> bool:
        return (self.flags & O_ACCMODE) != O_RDONLY

    def read(self, task: Task, size: int) -> bytes:
        raise SysError(errno.EINVAL)

    def write(self, task: Task, data: bytes) -> int:
        raise SysError(errno.EINVAL)

    def close(self, task: Task) -> None:
        pass


class SeqFile(OpenFile):
    """A generated file: the text is regenerated whenever a read starts at 0."""

    def __init__(self, path: str, flags: int, node: Node, show, store):
        super().__init__(path, flags, node)
        self._show = show
        self._store = store
        self._buf = b""

    def read(self, task: Task, size: int) -> bytes:
        if self._show is None:
            raise SysError(errno.EINVAL)
        if self.offset == 0:
            self._buf = self._show().encode()
        end = len(self._buf) if size < 0 else self.offset + size
        data = self._buf[self.offset:end]
        self.offset += len(data)
        return data

    def write(self, task: Task, data: bytes) -> int:
        if self._store is None:
            raise SysError(errno.EINVAL)
        self._store(task, data.decode(errors="replace"))
        return len(data)


class AttrNode(Node):
    """A pseudo file with a show() and/or store(task, text) callback."""

    def __init__(self, show=None, store=None, mode: int | None = None):
        self.show = show
        self.store = store
        if mode is None:
            mode = (0o444 if show else 0) | (0o200 if store else 0)
        self.mode = mode

    def open(self, task: Task, flags: int) -> OpenFile:
        acc = flags & O_ACCMODE
        if acc != O_WRONLY and self.show is None:
            raise SysError(errno.EACCES)
        if acc != O_RDONLY and self.store is None:
            raise SysError(errno.EACCES)
        return SeqFile("", flags & ~(O_TRUNC | O_APPEND), self, self.show, self.store)

    def size(self) -> int:
        return 0 if self.store and not self.show else 4096


class DictDir(Node):
    """A fixed pseudo directory."""

    is_dir = True
    mode = 0o555

    def __init__(self, entries: dict[str, Node] | None = None):
        self.entries = entries or {}

    def lookup(self, name: str) -> Node | None:
        return self.entries.get(name)

    def listdir(self) -> list[str]:
        return sorted(self.entries)


class Vfs:
    """The mount table and path resolution."""

    def __init__(self, root: Node):
        self.root = root
        self.mounts: dict[str, Node] = {}

    def mount(self, path: str, node: Node) -> None:
        self.mounts[path] = node

    def umount(self, path: str) -> None:
        self.mounts.pop(path, None)

    def resolve(self, path: str) -> Node:
        mounts = self.mounts
        node = mounts.get("/", self.root)
        cur = ""
        for part in path.split("/"):
            if not part or part == ".":
                continue
            if not node.is_dir:
                raise SysError(errno.ENOTDIR)
            cur += "/" + part
            child = mounts.get(cur)  # a mount hides what is below it
            if child is None:
                child = node.lookup(part)
                if child is None:
                    raise SysError(errno.ENOENT)
            node = child
        return node

    def resolve_parent(self, path: str) -> tuple[Node, str]:
        head, _, name = path.rstrip("/").rpartition("/")
        if name == ".":
            return self.resolve_parent(head)
        if not name:
            raise SysError(errno.EBUSY)
        parent = self.resolve(head)
        if not parent.is_dir:
            raise SysError(errno.ENOTDIR)
        return parent, name

    def is_mountpoint(self, path: str) -> bool:
        return path in self.mounts
