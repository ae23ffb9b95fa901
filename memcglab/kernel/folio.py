"""Folios and their memcg binding (include/linux/memcontrol.h, mm.h).

``folio.memcg_data`` holds what the folio is charged to:

* a ``MemCgroup`` — LRU folios up to 7.0, and kmem pages before 5.13;
* an ``ObjCgroup`` — LRU folios from 7.1 (the 2026 series), and kmem pages
  (flag ``PG_KMEM``) from 5.13 (Muchun Song, seed 001);
* ``None`` — not charged.

Lifetime: a folio holds one reference on whatever ``memcg_data`` names (a css
reference per folio before 7.1, an objcg reference after). The binding is
stable while the folio is isolated or being (un)charged; ``objcg.memcg`` may
change under reparenting, which is why ``folio_memcg()`` is always derived.

Folios sit on intrusive doubly-linked LRU lists (``prev``/``next``), so a whole
list can be spliced in O(1); ``__slots__`` keeps a resident folio small.

Anon runs: the pages a task faults in together (one charge batch) are created
as one anonymous folio with ``nr_pages`` > 1. The model has no THP, so such a
folio stands for that many order-0 pages in a row on the LRU; it is split into
them (``Mm.split_anon_run()``) before anything handles one page of it (reclaim,
swap-out, charge moving). Charges, statistics, LRU sizes and references are
per page throughout, so a run and its pages look the same to every counter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from memcglab.kernel.objcg import ObjCgroup

if TYPE_CHECKING:
    from memcglab.kernel.memcontrol import MemCgroup

# Folio flags (a subset of enum pageflags).
PG_ANON = 1 << 0
PG_SWAPBACKED = 1 << 1  # anon and shmem: reclaimed by swapping
PG_DIRTY = 1 << 2
PG_WRITEBACK = 1 << 3
PG_ACTIVE = 1 << 4
PG_REFERENCED = 1 << 5
PG_UNEVICTABLE = 1 << 6
PG_LRU = 1 << 7
PG_KMEM = 1 << 8  # MEMCG_DATA_KMEM: a __GFP_ACCOUNT kernel page
PG_SWAPCACHE = 1 << 9
PG_MAPPED = 1 << 10
PG_PRIVATE = 1 << 11  # buffer heads attached and busy (journalled metadata): not freeable
PG_LOCKED = 1 << 12  # held by a writer (write_begin .. write_end): reclaim passes it by


class ListHead:
    """The sentinel of an intrusive list (struct list_head)."""

    __slots__ = ("prev", "next")

    def __init__(self) -> None:
        self.prev = self
        self.next = self


class Folio(ListHead):
    """A folio. Off the LRU its links are None rather than pointing at itself: a
    self-referencing folio would be a reference cycle, left for Python's cyclic
    garbage collector instead of being freed the moment the model drops it."""

    __slots__ = ("memcg_data", "flags", "nid", "lru", "nr_pages", "mapping", "index", "swap",
                 "private")

    def __init__(self, flags: int = 0, nid: int = 0, nr_pages: int = 1):
        self.prev = None
        self.next = None
        self.memcg_data: MemCgroup | ObjCgroup | None = None
        self.flags = flags
        self.nid = nid
        self.lru = -1  # index of the LRU list it is on, -1 when isolated/off-LRU
        self.nr_pages = nr_pages
        self.mapping = None  # the address_space (file) for page cache, else None
        self.index = 0
        self.swap = None  # swap slot while in the swap cache
        self.private = None  # the buffer_head of a block-backed page-cache folio

    def __repr__(self) -> str:
        return f"<folio nid={self.nid} flags={self.flags:#x} lru={self.lru}>"


def folio_objcg(folio: Folio) -> ObjCgroup | None:
    d = folio.memcg_data
    return d if type(d) is ObjCgroup else None


def folio_memcg(folio: Folio) -> MemCgroup | None:
    """The memcg a folio is charged to now: through its objcg if it has one.

    The caller must hold rcu_read_lock() or the lruvec lock in the kernel; the
    model is single-threaded (memcglab.check explores the concurrent case).
    """
    d = folio.memcg_data
    if type(d) is ObjCgroup:
        return d.memcg
    return d


def folio_is_file_lru(folio: Folio) -> bool:
    return not folio.flags & PG_SWAPBACKED


# LRU list indices (enum lru_list).
LRU_INACTIVE_ANON = 0
LRU_ACTIVE_ANON = 1
LRU_INACTIVE_FILE = 2
LRU_ACTIVE_FILE = 3
LRU_UNEVICTABLE = 4
NR_LRU_LISTS = 5
LRU_NAMES = ("inactive_anon", "active_anon", "inactive_file", "active_file", "unevictable")


def folio_lru_list(folio: Folio) -> int:
    if folio.flags & PG_UNEVICTABLE:
        return LRU_UNEVICTABLE
    lru = LRU_INACTIVE_FILE if folio_is_file_lru(folio) else LRU_INACTIVE_ANON
    if folio.flags & PG_ACTIVE:
        lru += 1
    return lru
