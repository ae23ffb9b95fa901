"""lruvecs and LRU lists (mm/swap.c, include/linux/mm_inline.h, mm/memcontrol.c).

Every (memcg, node) pair has a ``Lruvec`` with five intrusive LRU lists and
their sizes. New folios go to the head; reclaim takes from the tail.

Locking rule (the heart of the 2026 series, seed 000): a folio may be moved on
an LRU list only under the ``lru_lock`` of ``folio_lruvec(folio)``. Since 7.1
the folio→memcg binding can change under reparenting, so
``folio_lruvec_lock()`` re-checks the binding after taking the lock and
retries; reparenting itself holds the child's and the parent's lock. The model
runs one step at a time, so the retry loop never spins here; the concurrent
argument is explored by ``memcglab.check``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from memcglab.kernel.folio import (
    LRU_NAMES,
    LRU_UNEVICTABLE,
    NR_LRU_LISTS,
    PG_LRU,
    Folio,
    ListHead,
    folio_lru_list,
    folio_memcg,
)
from memcglab.kernel.page_counter import PAGE_SIZE

if TYPE_CHECKING:
    from memcglab.kernel.memcontrol import MemCgroup


class Lruvec:
    __slots__ = ("memcg", "nid", "lists", "nr", "anon_cost", "file_cost", "lock_depth")

    def __init__(self, memcg: MemCgroup, nid: int):
        self.memcg = memcg
        self.nid = nid
        self.lists = [ListHead() for _ in range(NR_LRU_LISTS)]
        self.nr = [0] * NR_LRU_LISTS
        self.anon_cost = 0
        self.file_cost = 0
        self.lock_depth = 0  # lru_lock held (the model checks lock discipline)

    def __repr__(self) -> str:
        return f"<lruvec {self.memcg.css.cgroup.path()} nid={self.nid} nr={self.nr}>"


def lruvec_memcg(lruvec: Lruvec) -> MemCgroup:
    return lruvec.memcg


def mem_cgroup_lruvec(memcg: MemCgroup, nid: int) -> Lruvec:
    return memcg.nodeinfo[nid].lruvec


def folio_lruvec(folio: Folio) -> Lruvec:
    return mem_cgroup_lruvec(folio_memcg(folio), folio.nid)


def folio_lruvec_lock(folio: Folio) -> Lruvec:
    """Lock the lruvec the folio belongs to, re-checking the binding (7.1)."""
    while True:
        lruvec = folio_lruvec(folio)
        lruvec.lock_depth += 1
        if lruvec_memcg(lruvec) is folio_memcg(folio):
            return lruvec
        lruvec.lock_depth -= 1  # raced with reparenting: retry at the new owner


def lruvec_unlock(lruvec: Lruvec) -> None:
    lruvec.lock_depth -= 1


def _list_add(head: ListHead, item: ListHead) -> None:
    nxt = head.next
    item.prev = head
    item.next = nxt
    nxt.prev = item
    head.next = item


def _list_del(item: ListHead) -> None:
    item.prev.next = item.next
    item.next.prev = item.prev
    item.prev = item.next = None  # see Folio: no self-reference cycles


def lruvec_add_folio(lruvec: Lruvec, folio: Folio) -> None:
    """Put a folio at the head (hot end) of its LRU list; caller holds the lock."""
    lru = folio_lru_list(folio)
    nr = folio.nr_pages
    folio.flags |= PG_LRU
    folio.lru = lru
    if lru != LRU_UNEVICTABLE:
        _list_add(lruvec.lists[lru], folio)
    # update_lru_size(): the list's size and the memcg's memory.stat entry.
    lruvec.nr[lru] += nr
    lruvec.memcg.stat[LRU_NAMES[lru]] += nr * PAGE_SIZE


def lruvec_del_folio(lruvec: Lruvec, folio: Folio) -> None:
    lru = folio.lru
    nr = folio.nr_pages
    if lru != LRU_UNEVICTABLE:
        _list_del(folio)
    folio.flags &= ~PG_LRU
    folio.lru = -1
    lruvec.nr[lru] -= nr  # update_lru_size()
    lruvec.memcg.stat[LRU_NAMES[lru]] -= nr * PAGE_SIZE


def lruvec_link_split(lruvec: Lruvec, folio: Folio, pieces: list[Folio]) -> None:
    """Link the pieces split off ``folio`` next to it, as lru_add_split_folio() does.

    A walk from the tail meets ``folio`` and then ``pieces`` in order. Sizes do not
    change (the pages were counted already); the caller holds the lru_lock.
    """
    if folio.lru == LRU_UNEVICTABLE:
        return  # the model keeps no list for unevictable folios, only their count
    prev = folio
    for piece in pieces:
        toward_head = prev.prev
        piece.next = prev
        piece.prev = toward_head
        toward_head.next = piece
        prev.prev = piece
        prev = piece


def folio_add_lru(folio: Folio) -> None:
    lruvec = folio_lruvec_lock(folio)
    lruvec_add_folio(lruvec, folio)
    lruvec_unlock(lruvec)


def folio_del_lru(folio: Folio) -> None:
    """Take a folio off its LRU (freeing or isolation)."""
    if not folio.flags & PG_LRU:
        return
    lruvec = folio_lruvec_lock(folio)
    lruvec_del_folio(lruvec, folio)
    lruvec_unlock(lruvec)


def lru_tail(lruvec: Lruvec, lru: int):
    """Folios of one list from the cold end (tail) to the head."""
    head = lruvec.lists[lru]
    item = head.prev
    while item is not head:
        prev = item.prev
        yield item
        item = prev


def lru_reparent_memcg(child: Lruvec, parent: Lruvec) -> None:
    """Splice the child's lists onto the tail (cold end) of the parent's (mm/swap.c, 7.1).

    O(1) per list: the folios themselves are not touched. Both lru_locks are held
    by the caller. The child's sizes move to the parent's lruvec.
    """
    parent.anon_cost += child.anon_cost
    parent.file_cost += child.file_cost
    for lru in range(NR_LRU_LISTS):
        if lru != LRU_UNEVICTABLE:
            src, dst = child.lists[lru], parent.lists[lru]
            if src.next is not src:
                first, last = src.next, src.prev
                tail = dst.prev
                tail.next = first
                first.prev = tail
                last.next = dst
                dst.prev = last
                src.next = src
                src.prev = src
        parent.nr[lru] += child.nr[lru]
        child.nr[lru] = 0


def lruvec_folios(lruvec: Lruvec):
    """Every folio on the lruvec's lists (for checks and inspection)."""
    for lru in range(NR_LRU_LISTS):
        if lru == LRU_UNEVICTABLE:
            continue
        head = lruvec.lists[lru]
        item = head.next
        while item is not head:
            yield item
            item = item.next
