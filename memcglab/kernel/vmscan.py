"""Reclaim: limit reclaim, global reclaim, drop_caches (mm/vmscan.c, fs/drop_caches.c).

Reclaim walks the memcg tree below its target in pre-order the way
``mem_cgroup_iter()`` does — dying memcgs included, since ``css_tryget()``
still succeeds on them — and scans each lruvec from the cold end with a
priority that starts at 12 (``scan = size >> priority``) and drops while too
little was reclaimed. ``memory.min``/``memory.low`` protection scales each
memcg's scan count with the effective-protection formulas; an offline memcg
whose scan rounds down to zero is "scraped" anyway (Roman Gushchin, 4.19).

The walk counts its work (memcgs visited, folios scanned, folios reclaimed)
so that the cost of dying memcgs in reclaim is visible.

Evicting a folio is delegated to its mapping: page cache drops clean folios,
tmpfs and anon folios are swapped out if swap is available.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from memcglab.kernel import lru as lrumod
from memcglab.kernel.folio import (
    LRU_ACTIVE_ANON,
    LRU_ACTIVE_FILE,
    LRU_INACTIVE_ANON,
    LRU_INACTIVE_FILE,
    PG_ACTIVE,
    PG_DIRTY,
    PG_MAPPED,
    PG_REFERENCED,
    PG_SWAPBACKED,
    PG_WRITEBACK,
    Folio,
)
from memcglab.kernel.page_counter import page_counter_calculate_protection

if TYPE_CHECKING:
    from memcglab.kernel.memcontrol import MemCgroup
    from memcglab.machine.machine import Machine

DEF_PRIORITY = 12
SWAP_CLUSTER_MAX = 32


class Vmscan:
    def __init__(self, machine: Machine):
        self.machine = machine
        self.work: Counter[str] = Counter()  # memcgs_visited, scanned, reclaimed, ...
        # mem_cgroup_reclaim_iter: where the last partial walk under a target stopped.
        self._iter_pos: dict[int, object] = {}

    # ---- entry points -----------------------------------------------------
    def try_to_free_mem_cgroup_pages(self, target: MemCgroup, nr: int, may_swap: bool = True,
                                     proactive: bool = False) -> int:
        """Limit reclaim on target's subtree (memory.max/high/reclaim, v1 limits)."""
        self.work["limit_reclaims"] += 1
        return self._do_try_to_free_pages(target, max(nr, SWAP_CLUSTER_MAX), may_swap,
                                          "proactive" if proactive else "direct")

    def balance_node(self, nr: int) -> int:
        """kswapd / direct global reclaim: the whole tree."""
        self.work["global_reclaims"] += 1
        return self._do_try_to_free_pages(self.machine.memcg.root, nr, True, "kswapd")

    def _do_try_to_free_pages(self, target: MemCgroup, nr: int, may_swap: bool,
                              kind: str) -> int:
        reclaimed = 0
        low_reclaim = False
        while True:
            low_skipped = False
            for priority in range(DEF_PRIORITY, -1, -1):
                got, skipped = self._shrink_node_memcgs(target, nr - reclaimed, priority,
                                                        may_swap, low_reclaim, kind)
                reclaimed += got
                low_skipped |= skipped
                if reclaimed >= nr:
                    return reclaimed
            if reclaimed or not low_skipped or low_reclaim:
                return reclaimed
            low_reclaim = True  # nothing reclaimable outside memory.low: dip into it

    def _shrink_node_memcgs(self, target: MemCgroup, nr: int, priority: int, may_swap: bool,
                            low_reclaim: bool, kind: str) -> tuple[int, bool]:
        ctl = self.machine.memcg
        recursive = False
        reclaimed = 0
        low_skipped = False
        walk = [c for c in ctl.core.css_for_each_descendant_pre(target.css) if not c.released]
        # Partial walks (direct limit reclaim) resume after the memcg where the
        # previous one stopped, so small reclaims spread round-robin (mem_cgroup_iter).
        partial = kind == "direct"
        start = self._iter_pos.get(id(target))
        if partial and start in walk:
            i = walk.index(start) + 1
            walk = walk[i:] + walk[:i]
        for css in walk:
            memcg = css.priv
            self.work["memcgs_visited"] += 1
            if not memcg.css.online:
                self.work["dying_memcgs_visited"] += 1
            page_counter_calculate_protection(target.memory, memcg.memory, recursive)
            if not memcg.memory.usage and not memcg.is_root:
                continue  # "mm/vmscan: skip memcg with !usage in shrink_node_memcgs()"
            if memcg is not target and not memcg.is_root:
                usage = memcg.memory.usage
                if memcg.memory.emin >= usage:
                    continue
                if memcg.memory.elow >= usage:
                    if not low_reclaim:
                        low_skipped = True
                        continue
                    ctl.memcg_memory_event(memcg, "low")
            for nid in range(ctl.nr_nodes):
                lruvec = memcg.nodeinfo[nid].lruvec
                reclaimed += self._shrink_lruvec(lruvec, target, memcg, priority, may_swap,
                                                 low_reclaim, kind)
            if partial and reclaimed >= nr:
                self._iter_pos[id(target)] = css
                break
        return reclaimed, low_skipped

    def _scan_count(self, lruvec: lrumod.Lruvec, lru: int, target: MemCgroup,
                    memcg: MemCgroup, priority: int, low_reclaim: bool) -> int:
        """get_scan_count() for one list, with proportional protection."""
        size = lruvec.nr[lru]
        if not size:
            return 0
        scan = size
        if memcg is not target:
            protection = memcg.memory.emin
            if not low_reclaim and memcg.memory.elow > protection:
                protection = memcg.memory.elow
            if protection:
                cgroup_size = max(memcg.memory.usage, protection)
                scan -= scan * protection // (cgroup_size + 1)
                scan = max(scan, SWAP_CLUSTER_MAX)
        scan >>= priority
        if not scan and not memcg.css.online and self.machine.profile.scrape_offline:
            scan = min(size, SWAP_CLUSTER_MAX)
        return scan

    def _shrink_lruvec(self, lruvec: lrumod.Lruvec, target: MemCgroup, memcg: MemCgroup,
                       priority: int, may_swap: bool, low_reclaim: bool, kind: str) -> int:
        can_swap = may_swap and self.machine.swap_free_pages > 0
        reclaimed = 0
        for inactive, active, is_anon in ((LRU_INACTIVE_FILE, LRU_ACTIVE_FILE, False),
                                          (LRU_INACTIVE_ANON, LRU_ACTIVE_ANON, True)):
            if is_anon and not can_swap:
                continue
            scan = self._scan_count(lruvec, inactive, target, memcg, priority, low_reclaim)
            scan_active = self._scan_count(lruvec, active, target, memcg, priority, low_reclaim)
            if lruvec.nr[inactive] < lruvec.nr[active] and scan_active:
                self._shrink_active_list(lruvec, active, scan_active)
            if scan:
                reclaimed += self._shrink_inactive_list(lruvec, inactive, scan, kind)
        return reclaimed

    def _shrink_active_list(self, lruvec: lrumod.Lruvec, lru: int, nr: int) -> None:
        """Age: move folios from the active tail to the inactive list."""
        for folio in list(_order0_from_tail(lruvec, lru, nr)):
            lrumod.lruvec_del_folio(lruvec, folio)
            folio.flags &= ~(PG_ACTIVE | PG_REFERENCED)
            lrumod.lruvec_add_folio(lruvec, folio)
            lruvec.memcg.stat["pgdeactivate"] += 1

    def _shrink_inactive_list(self, lruvec: lrumod.Lruvec, lru: int, nr: int, kind: str) -> int:
        reclaimed = scanned = 0
        stat = lruvec.memcg.stat
        for folio in list(_order0_from_tail(lruvec, lru, nr)):
            scanned += 1
            if folio.flags & (PG_REFERENCED | PG_MAPPED):
                # Second chance: rotate referenced (or mapped) folios to the head.
                lrumod.lruvec_del_folio(lruvec, folio)
                folio.flags &= ~PG_REFERENCED
                lrumod.lruvec_add_folio(lruvec, folio)
                continue
            if folio.flags & (PG_DIRTY | PG_WRITEBACK) and not folio.flags & PG_SWAPBACKED:
                folio.mapping.start_writeback(folio)
                continue
            if folio.mapping is not None and folio.mapping.evict(folio):
                reclaimed += 1
        self.work["pages_scanned"] += scanned
        self.work["pages_reclaimed"] += reclaimed
        stat[f"pgscan_{kind}"] += scanned
        stat[f"pgsteal_{kind}"] += reclaimed
        return reclaimed

    # ---- drop_caches --------------------------------------------------------
    def drop_pagecache(self) -> int:
        """echo 1: invalidate clean, unmapped page cache (not shmem, not dirty)."""
        freed = 0
        for mapping in self.machine.page_cache_mappings():
            if mapping.fs.shmem:
                continue
            for folio in list(mapping.pages.values()):
                if not isinstance(folio, Folio):
                    continue
                if folio.flags & (PG_DIRTY | PG_WRITEBACK | PG_MAPPED):
                    continue
                if mapping.evict(folio):
                    freed += 1
        self.work["drop_caches_pages"] += freed
        return freed

    def drop_slab(self) -> int:
        """echo 2: shrink every list_lru (unused dentries and inodes)."""
        return self.machine.prune_dcache()


def _order0_from_tail(lruvec: lrumod.Lruvec, lru: int, nr: int):
    """Up to ``nr`` order-0 folios from the cold end, splitting anon runs on the way
    (isolation takes pages one by one; see memcglab.kernel.folio)."""
    for folio in lrumod.lru_tail(lruvec, lru):
        if not nr:
            return
        if folio.nr_pages > 1:
            pieces = folio.mapping.split_anon_run(folio)
            del pieces[nr:]
        else:
            pieces = [folio]
        nr -= len(pieces)
        yield from pieces
