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

from memcglab.kernel import lru as lrumod
from memcglab.kernel.cgroup import Cgroup
from memcglab.kernel.folio import PG_LRU, Folio

KERNEL_STACK_PAGES = 4  # THREAD_SIZE = 16 KiB on x86-64
# Accounted slab per task: task_struct, signal_struct, sighand_struct, mm_struct,
# files_struct, vmas, anon_vmas and their chains; 19.2-20.6 KB measured per process
# on the Debian guests (docs/measurements/process-footprint/).
TASK_SLAB_BYTES = 9984 + 1216 + 2112 + 1152 + 768 + 12 * 200 + 6 * 128 + 12 * 64


class Mm:
    """An address space: its anonymous folios (or swap slots) and page tables."""

    def __init__(self) -> None:
        self.anon: list[Folio | object] = []
        # The entries a shell rewrites right after each fork (stack, malloc arena):
        # copy-on-write gives them to the child then (Machine.fork()).
        self.cow: list[Folio | object] = []
        self.pagetables: list[Folio] = []
        self.users = 1
        self.machine = None  # set by the machine; reclaim swaps out through it

    @property
    def anon_pages(self) -> int:
        """Anonymous pages of the mm, resident or swapped out."""
        return sum(e.nr_pages if type(e) is Folio else 1 for e in self.anon)

    def split_anon_run(self, folio: Folio) -> list[Folio]:
        """Split an anon run into its order-0 pages (see memcglab.kernel.folio).

        The first page keeps the folio; the others take the next free slots of
        ``anon``, the run's bindings and references (one per page already), and
        follow it on the LRU. The caller holds the lru_lock if it is on one.
        """
        pieces = []
        for _ in range(folio.nr_pages - 1):
            piece = Folio(folio.flags, folio.nid)
            piece.memcg_data = folio.memcg_data
            piece.lru = folio.lru
            piece.mapping = self
            piece.index = len(self.anon)
            self.anon.append(piece)
            pieces.append(piece)
        folio.nr_pages = 1
        if any(e is folio for e in self.cow):
            self.cow.extend(pieces)
        if folio.flags & PG_LRU:
            lrumod.lruvec_link_split(lrumod.folio_lruvec(folio), folio, pieces)
        return [folio, *pieces]

    def split_anon_runs(self) -> None:
        for entry in list(self.anon):
            if type(entry) is Folio and entry.nr_pages > 1:
                self.split_anon_run(entry)

    def evict(self, folio: Folio) -> bool:
        """Reclaim one anonymous page: only possible by swapping it out."""
        if folio.nr_pages > 1:
            self.split_anon_run(folio)
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
        self.state = "R"  # R (running or sleeping), X (exited)
        self.alive = True  # state == "R", kept as a field: tested on every syscall
        self.exit_status = 0
        self.exit_callbacks: list[Callable[[int], None]] = []
        self.oom_score_adj = 0
        self.ignored_signals: frozenset[int] = frozenset()  # kept across fork, reset by exec
        self.start_time = 0.0

    def __repr__(self) -> str:
        return f"<task {self.pid} {self.comm} {self.cgroup.path()} {self.state}>"
