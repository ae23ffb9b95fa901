"""memcg-aware list_lru (mm/list_lru.c).

A ``ListLru`` keeps one list per (memcg, node) for objects such as dentries
and inodes, indexed by the memcg's ``kmemcg_id``; the root (and kmem-disabled
memcgs) use the global per-node list. Every memcg with a list has lists in all
its ancestors (``memcg_list_lru_alloc`` allocates top-down), which makes
reparenting possible.

Lifetime rule (Dave Chinner, seed 003): list_lru does not pin the memcg. At
``css_offline`` ``memcg_reparent_list_lrus()`` splices the dying memcg's items
onto the parent's list *before* the objcgs are reparented and marks the old
list dead (``nr_items = LONG_MIN``); a late ``list_lru_add`` naming the dying
memcg walks up to the nearest live ancestor. Items are kept in insertion-ordered
dicts (O(1) add, delete and splice-by-update).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from memcglab.kernel.memcontrol import MemCgroup

LONG_MIN = -(2**63)


class ListLruOne:
    __slots__ = ("items", "nr_items")

    def __init__(self) -> None:
        self.items: dict[object, None] = {}
        self.nr_items = 0

    @property
    def dead(self) -> bool:
        return self.nr_items == LONG_MIN


class ListLru:
    """One list_lru, e.g. a superblock's dentry or inode LRU."""

    def __init__(self, name: str, nr_nodes: int, memcg_aware: bool = True):
        self.name = name
        self.memcg_aware = memcg_aware
        self.nr_nodes = nr_nodes
        self.node = [ListLruOne() for _ in range(nr_nodes)]  # global / root lists
        self.xa: dict[int, list[ListLruOne]] = {}  # kmemcg_id -> per-node lists

    def _list(self, nid: int, memcg: MemCgroup | None) -> ListLruOne | None:
        if memcg is None or not self.memcg_aware or memcg.kmemcg_id < 0:
            return self.node[nid]
        lists = self.xa.get(memcg.kmemcg_id)
        return lists[nid] if lists is not None else None


def memcg_list_lru_alloc(lru: ListLru, memcg: MemCgroup) -> None:
    """Give memcg (and every ancestor lacking one) a list, farthest ancestor first."""
    if not lru.memcg_aware:
        return
    chain = []
    m: MemCgroup | None = memcg
    while m is not None and m.kmemcg_id >= 0 and m.kmemcg_id not in lru.xa:
        chain.append(m)
        m = m.parent
    for m in reversed(chain):
        if m.css.dying:
            break  # never allocate for a dying memcg: reparenting may be done already
        lru.xa[m.kmemcg_id] = [ListLruOne() for _ in range(lru.nr_nodes)]


def _lock_list_lru_of_memcg(lru: ListLru, nid: int, memcg: MemCgroup | None) -> ListLruOne:
    while True:
        lst = lru._list(nid, memcg)
        if lst is not None and not lst.dead:
            return lst
        # Raced with reparenting (or never allocated): use the parent's list.
        memcg = memcg.parent if memcg is not None else None


def list_lru_add(lru: ListLru, item: object, nid: int, memcg: MemCgroup | None) -> bool:
    lst = _lock_list_lru_of_memcg(lru, nid, memcg)
    if item in lst.items:
        return False
    lst.items[item] = None
    lst.nr_items += 1
    return True


def list_lru_del(lru: ListLru, item: object, nid: int, memcg: MemCgroup | None) -> bool:
    lst = _lock_list_lru_of_memcg(lru, nid, memcg)
    if item not in lst.items:
        return False
    del lst.items[item]
    lst.nr_items -= 1
    return True


def list_lru_count_one(lru: ListLru, nid: int, memcg: MemCgroup | None) -> int:
    lst = lru._list(nid, memcg)
    return max(lst.nr_items, 0) if lst is not None else 0


def memcg_reparent_list_lrus(lrus: list[ListLru], memcg: MemCgroup, parent: MemCgroup) -> None:
    """At offline: move the memcg's items to the head of the parent's lists."""
    for lru in lrus:
        lists = lru.xa.pop(memcg.kmemcg_id, None)
        if lists is None:
            continue
        for nid, src in enumerate(lists):
            dst = _lock_list_lru_of_memcg(lru, nid, parent)
            if src.items:
                # list_splice_init() puts the child's items at the head of dst.
                merged = dict(src.items)
                merged.update(dst.items)
                dst.items = merged
                dst.nr_items += src.nr_items
            src.items = {}
            src.nr_items = LONG_MIN
