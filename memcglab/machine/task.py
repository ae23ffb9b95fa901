"""Tasks and their memory (kernel/fork.c, kernel/exit.c, mm/memory.c).

A task charges what a real one does: a 16 KiB kernel stack (four accounted
pages), page tables, accounted slab (task_struct and friends), and anonymous
memory touched after fork and exec. Anonymous memory and page tables belong
to the ``Mm``; they are freed when the last user of the mm goes away.

Lifetime: a task's css_set holds a reference on its memcg's css from attach
until the task_struct is freed, one grace period after the task is reaped.
"""

from __future__ import annotations

from collections.abc import Callable

from memcglab.kernel.cgroup import Cgroup
from memcglab.kernel.folio import Folio

KERNEL_STACK_PAGES = 4  # THREAD_SIZE = 16 KiB on x86-64
# Accounted slab per task: task_struct, signal_struct, mm_struct, files, vmas.
TASK_SLAB_BYTES = 9984 + 1216 + 1152 + 768 + 12 * 200


class Mm:
    """An address space: its anonymous folios (or swap slots) and page tables."""

    def __init__(self) -> None:
        self.anon: list[Folio | object] = []
        self.pagetables: list[Folio] = []
        self.users = 1
        self.machine = None  # set by the machine; reclaim swaps out through it

    def evict(self, folio: Folio) -> bool:
        """Reclaim one anonymous folio: only possible by swapping it out."""
        return self.machine.swap_out_folio(folio, self.anon, folio.index)

    def start_writeback(self, folio: Folio) -> None:
        pass


class Task:
    def __init__(self, pid: int, ppid: int, comm: str, cgroup: Cgroup, cpu: int):
        self.pid = pid
        self.ppid = ppid
        self.comm = comm
        self.cgroup = cgroup
        self.cpu = cpu
        self.mm: Mm | None = None
        self.stack: list[Folio] = []
        self.slab: list = []
        self.state = "R"  # R, S (sleeping), Z (exited, not yet reaped), X (gone)
        self.exit_status = 0
        self.exit_callbacks: list[Callable[[int], None]] = []
        self.oom_score_adj = 0
        self.start_time = 0.0

    def __repr__(self) -> str:
        return f"<task {self.pid} {self.comm} {self.cgroup.path()} {self.state}>"

    @property
    def alive(self) -> bool:
        return self.state in ("R", "S")
