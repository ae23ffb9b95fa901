import pytest

from memcglab import Machine
from memcglab.shell.system import O_APPEND, O_CREAT, O_RDONLY, O_WRONLY


class Ops:
    """Syscall-level helpers so kernel tests read like the scenario they model."""

    def __init__(self, machine: Machine):
        self.m = machine

    def write(self, pid: int, path: str, data: bytes, append: bool = True) -> None:
        f = self.m.open(pid, path, O_WRONLY | O_CREAT | (O_APPEND if append else 0))
        self.m.write(pid, f, data)
        self.m.close(pid, f)

    def read(self, pid: int, path: str) -> bytes:
        f = self.m.open(pid, path, O_RDONLY)
        try:
            return self.m.read(pid, f)
        finally:
            self.m.close(pid, f)

    def cg(self, path: str = "") -> str:
        return self.m.cgroupfs_path(path)

    def swap_out(self, path: str) -> None:
        """Reclaim every resident page of a tmpfs file into swap."""
        mapping = self.m.vfs.resolve(path).mapping
        for folio in list(mapping.pages.values()):
            assert mapping.evict(folio)

    def enter(self, pid: int, cgroup: str) -> None:
        self.write(pid, self.cg(cgroup) + "/cgroup.procs", str(pid).encode(), append=False)


@pytest.fixture
def ops():
    def make(kernel="6.1", cgroup="v2", **kw):
        return Ops(Machine(kernel=kernel, cgroup=cgroup, **kw))

    return make
