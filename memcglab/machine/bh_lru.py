"""Per-CPU buffer-head LRUs (fs/buffer.c ``bh_lrus``).

Every metadata buffer a filesystem looks up by block number (``sb_getblk()``,
``sb_bread()``, ``sb_find_get_block()``) goes through ``__find_get_block()``,
which keeps the CPU's last ``BH_LRU_SIZE`` distinct buffers in a small LRU, each
holding a reference (``bh_lru_install()``). A referenced buffer is busy, so
``try_to_free_buffers()`` fails and neither drop_caches nor reclaim can free its
page: a freed ext4 directory block stays cached, and charged to whoever first read
it, until newer lookups on that CPU push it out or ``lru_add_drain_all()``
invalidates every CPU's LRU (``invalidate_bh_lrus_cpu()``). Since 6.6 drop_caches
drains first ("fs: drop_caches: draining pages before dropping caches").

One ext4 block is one page here, so the LRU holds block-device folios, and the
journal's blocks (written at each commit, not kept in the model's page cache).
Lifetime: an entry pins its folio; the folio cannot be freed while pinned, so
entries never outlive their folios.
"""

from __future__ import annotations

from collections.abc import Hashable

BH_LRU_SIZE = 16  # fs/buffer.c


class BhLrus:
    """The buffer-head LRU of every CPU, most recent first."""

    __slots__ = ("lrus", "refs")

    def __init__(self, nr_cpus: int):
        self.lrus: list[list[Hashable]] = [[] for _ in range(nr_cpus)]
        self.refs: dict[Hashable, int] = {}  # buffer -> how many CPUs' LRUs hold it

    def bh_lru_install(self, cpu: int, folio: Hashable) -> None:
        """Make ``folio``'s buffer the most recent on ``cpu``; the oldest drops out."""
        lru = self.lrus[cpu]
        if lru and lru[0] is folio:
            return
        if folio in lru:
            lru.remove(folio)
        else:
            self.refs[folio] = self.refs.get(folio, 0) + 1
            if len(lru) == BH_LRU_SIZE:
                self._put(lru.pop())
        lru.insert(0, folio)

    def bh_busy(self, folio: Hashable) -> bool:
        """buffer_busy(): some CPU's LRU still holds a reference to the buffer."""
        return folio in self.refs

    def invalidate_bh_lrus(self) -> None:
        """Drop every CPU's LRU (lru_add_drain_all(), umount)."""
        for lru in self.lrus:
            for folio in lru:
                self._put(folio)
            lru.clear()

    def _put(self, folio: Hashable) -> None:
        n = self.refs[folio] - 1
        if n:
            self.refs[folio] = n
        else:
            del self.refs[folio]
