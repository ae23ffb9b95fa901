"""Swap records (mm/swap_cgroup.c).

One 16-bit memcg ID per swap slot. A record does not point at the memcg: it
holds a reference on the memcg's *ID* (``memcg.id_ref``), and the ID as a whole
holds one css reference, so a dying memcg with swapped-out pages stays until
every record is gone. Before 4.7 (``swap_record_css_ref``) each record held a
css reference directly, and the ID was the css ID.

``swap_cgroup_migrate()`` is the record rewrite of Johannes Weiner's 2014
proposal (seed 002): it scans every record, which is the cost Michal Hocko
objected to; memcglab counts the records it scans.
"""

from __future__ import annotations

from collections import Counter


class SwapCgroup:
    def __init__(self) -> None:
        self.map: dict[int, int] = {}  # swap slot -> memcg ID
        self.per_id: Counter[int] = Counter()  # records per ID, for inspection
        self.records_scanned = 0

    def record(self, slot: int, memcg_id: int) -> None:
        old = self.map.get(slot)
        if old is not None:
            self.per_id[old] -= 1
        self.map[slot] = memcg_id
        self.per_id[memcg_id] += 1

    def lookup(self, slot: int) -> int:
        return self.map.get(slot, 0)

    def clear(self, slot: int) -> int:
        memcg_id = self.map.pop(slot, 0)
        if memcg_id:
            self.per_id[memcg_id] -= 1
        return memcg_id

    def count(self, memcg_id: int) -> int:
        return self.per_id[memcg_id]

    def migrate(self, old: int, new: int) -> int:
        """Rewrite every record of ``old`` to ``new``; returns how many moved."""
        moved = 0
        for slot, mid in self.map.items():
            self.records_scanned += 1
            if mid == old:
                self.map[slot] = new
                moved += 1
        self.per_id[old] -= moved
        self.per_id[new] += moved
        return moved
