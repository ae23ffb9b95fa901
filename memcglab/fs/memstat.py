"""memory.stat (v1 and v2), memory.events and cgroup.stat texts, in each kernel's key order.

Key orders for 6.1 and 6.12 were read off Debian's kernels booted under qemu
(docs/measurements/); older orders follow the kernel sources of those releases
(memory_stats[] in mm/memcontrol.c). 7.1 prints the 6.12 keys (the 2026 series
adds none).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from memcglab.kernel.folio import (
    LRU_NAMES,
    PG_ANON,
    PG_DIRTY,
    PG_MAPPED,
    PG_SWAPBACKED,
    PG_WRITEBACK,
)
from memcglab.kernel.lru import lru_tail
from memcglab.kernel.page_counter import PAGE_COUNTER_MAX, PAGE_SIZE

if TYPE_CHECKING:
    from memcglab.kernel.memcontrol import MemcgController, MemCgroup

_V2_6_1 = (
    "anon file kernel kernel_stack pagetables sec_pagetables percpu sock vmalloc shmem zswap "
    "zswapped file_mapped file_dirty file_writeback swapcached anon_thp file_thp shmem_thp "
    "inactive_anon active_anon inactive_file active_file unevictable slab_reclaimable "
    "slab_unreclaimable slab workingset_refault_anon workingset_refault_file "
    "workingset_activate_anon workingset_activate_file workingset_restore_anon "
    "workingset_restore_file workingset_nodereclaim pgscan pgsteal pgscan_kswapd "
    "pgscan_direct pgsteal_kswapd pgsteal_direct pgfault pgmajfault pgrefill pgactivate "
    "pgdeactivate pglazyfree pglazyfreed zswpin zswpout thp_fault_alloc thp_collapse_alloc"
).split()
_V2_6_12 = (
    "anon file kernel kernel_stack pagetables sec_pagetables percpu sock vmalloc shmem zswap "
    "zswapped file_mapped file_dirty file_writeback swapcached anon_thp file_thp shmem_thp "
    "inactive_anon active_anon inactive_file active_file unevictable slab_reclaimable "
    "slab_unreclaimable slab workingset_refault_anon workingset_refault_file "
    "workingset_activate_anon workingset_activate_file workingset_restore_anon "
    "workingset_restore_file workingset_nodereclaim pgdemote_kswapd pgdemote_direct "
    "pgdemote_khugepaged pgpromote_success pgscan pgsteal pgscan_kswapd pgscan_direct "
    "pgscan_khugepaged pgsteal_kswapd pgsteal_direct pgsteal_khugepaged pgfault pgmajfault "
    "pgrefill pgactivate pgdeactivate pglazyfree pglazyfreed swpin_zero swpout_zero zswpin "
    "zswpout zswpwb thp_fault_alloc thp_collapse_alloc thp_swpout thp_swpout_fallback "
    "numa_pages_migrated numa_pte_updates numa_hint_faults"
).split()
_V2_5_10 = (
    "anon file kernel_stack percpu sock shmem file_mapped file_dirty file_writeback anon_thp "
    "inactive_anon active_anon inactive_file active_file unevictable slab_reclaimable "
    "slab_unreclaimable slab workingset_refault_anon workingset_refault_file "
    "workingset_activate_anon workingset_activate_file workingset_restore_anon "
    "workingset_restore_file workingset_nodereclaim pgfault pgmajfault pgrefill pgscan "
    "pgsteal pgactivate pgdeactivate pglazyfree pglazyfreed thp_fault_alloc "
    "thp_collapse_alloc"
).split()
_V2_4_19 = (
    "anon file kernel_stack slab sock shmem file_mapped file_dirty file_writeback "
    "inactive_anon active_anon inactive_file active_file unevictable slab_reclaimable "
    "slab_unreclaimable pgfault pgmajfault workingset_refault workingset_activate "
    "workingset_nodereclaim pgrefill pgscan pgsteal pgactivate pgdeactivate pglazyfree "
    "pglazyfreed"
).split()
V2_KEYS = {"3.8": _V2_4_19, "4.19": _V2_4_19, "5.10": _V2_5_10, "6.1": _V2_6_1,
           "6.12": _V2_6_12, "7.1": _V2_6_12}

# v1: (printed name, vmstat item) pairs of the local block (memcg1_stat_names).
_V1_6_1 = (
    ("cache", "file"), ("rss", "anon"), ("rss_huge", "anon_thp"), ("shmem", "shmem"),
    ("mapped_file", "file_mapped"), ("dirty", "file_dirty"), ("writeback", "file_writeback"),
    ("workingset_refault_anon", "workingset_refault_anon"),
    ("workingset_refault_file", "workingset_refault_file"), ("swap", "swap"),
    ("pgpgin", "pgpgin"), ("pgpgout", "pgpgout"), ("pgfault", "pgfault"),
    ("pgmajfault", "pgmajfault"), ("inactive_anon", "inactive_anon"),
    ("active_anon", "active_anon"), ("inactive_file", "inactive_file"),
    ("active_file", "active_file"), ("unevictable", "unevictable"),
)
_V1_OLD = tuple(kv for kv in _V1_6_1 if not kv[0].startswith("workingset"))
V1_KEYS = {"3.8": _V1_OLD, "4.19": _V1_OLD, "5.10": _V1_6_1, "6.1": _V1_6_1,
           "6.12": _V1_6_1, "7.1": _V1_6_1}

def _value(stats, key: str) -> int:
    if key == "slab":
        return stats["slab_reclaimable"] + stats["slab_unreclaimable"]
    if key == "pgscan":
        return sum(v for k, v in stats.items() if k.startswith("pgscan_"))
    if key == "pgsteal":
        return sum(v for k, v in stats.items() if k.startswith("pgsteal_"))
    return stats[key]


def memory_stat_v2(ctl: MemcgController, memcg: MemCgroup) -> str:
    stats = ctl.hierarchical_stat(memcg)
    keys = V2_KEYS[ctl.profile.stat_generation]
    return "".join(f"{k} {max(_value(stats, k), 0)}\n" for k in keys)


# memory_numa_stat_show() prints the memory.stat items that are node stats (the rest
# are memcg-wide counters or events), in the same order. Measured on 6.1 and 6.12.
_NODE_ITEMS = frozenset((
    "anon file kernel_stack pagetables sec_pagetables shmem file_mapped file_dirty "
    "file_writeback swapcached anon_thp file_thp shmem_thp inactive_anon active_anon "
    "inactive_file active_file unevictable slab_reclaimable slab_unreclaimable "
    "workingset_refault_anon workingset_refault_file workingset_activate_anon "
    "workingset_activate_file workingset_restore_anon workingset_restore_file "
    "workingset_nodereclaim pgdemote_kswapd pgdemote_direct pgdemote_khugepaged "
    "pgpromote_success").split())


def _lru_pages(ctl: MemcgController, memcg: MemCgroup, nid: int, lru: int,
               tree: bool) -> int:
    """One LRU list's size on node nid: memcg's own lruvec, or its whole subtree's."""
    if not tree:
        return memcg.nodeinfo[nid].lruvec.nr[lru]
    return sum(css.priv.nodeinfo[nid].lruvec.nr[lru]
               for css in ctl.core.css_for_each_descendant_pre(memcg.css))


def _lru_folio_items(folio) -> tuple[str, ...]:
    """The node items a folio on an LRU counts toward (its LRU list's among them)."""
    flags = folio.flags
    if flags & PG_ANON:
        return (LRU_NAMES[folio.lru], "anon")
    items = (LRU_NAMES[folio.lru], "file")
    if flags & PG_SWAPBACKED:
        return items + ("shmem",)
    if flags & PG_MAPPED:
        items += ("file_mapped",)
    if flags & PG_DIRTY:
        items += ("file_dirty",)
    if flags & PG_WRITEBACK:
        items += ("file_writeback",)
    return items


def _bytes_per_node(ctl: MemcgController, memcg: MemCgroup) -> dict[str, list[int]]:
    """Walk the LRU folios of memcg's subtree: bytes per node of each folio item."""
    out: dict[str, list[int]] = {}
    for css in ctl.core.css_for_each_descendant_pre(memcg.css):
        for pn in css.priv.nodeinfo:
            for lru in range(len(LRU_NAMES)):
                for folio in lru_tail(pn.lruvec, lru):
                    for item in _lru_folio_items(folio):
                        per_node = out.setdefault(item, [0] * ctl.nr_nodes)
                        per_node[pn.lruvec.nid] += folio.nr_pages * PAGE_SIZE
    return out


def memory_numa_stat_v2(ctl: MemcgController, memcg: MemCgroup) -> str:
    """memory.numa_stat (v2, 5.8+): hierarchical bytes per node. The model's stats are
    per memcg, not per node: with several nodes, a folio item is split by where the
    subtree's LRU folios are, and what is on no LRU (and every kernel item) shows on
    node 0."""
    stats = ctl.hierarchical_stat(memcg)
    split = _bytes_per_node(ctl, memcg) if ctl.nr_nodes > 1 else {}
    lines = []
    for key in V2_KEYS[ctl.profile.stat_generation]:
        if key not in _NODE_ITEMS:
            continue
        total = max(stats[key], 0)
        rest = split.get(key, [0] * ctl.nr_nodes)[1:]
        per_node = [total - sum(rest), *rest]
        lines.append(key + "".join(f" N{nid}={v}" for nid, v in enumerate(per_node)) + "\n")
    return "".join(lines)


# memcg_numa_stat_show() (v1): LRU pages by kind, the memcg's own and its subtree's.
_V1_NUMA_KINDS = (("total", (0, 1, 2, 3, 4)), ("file", (2, 3)), ("anon", (0, 1)),
                  ("unevictable", (4,)))


def memcg1_numa_stat(ctl: MemcgController, memcg: MemCgroup) -> str:
    lines = []
    for prefix, tree in (("", False), ("hierarchical_", True)):
        for name, lrus in _V1_NUMA_KINDS:
            per_node = [sum(_lru_pages(ctl, memcg, nid, lru, tree) for lru in lrus)
                        for nid in range(ctl.nr_nodes)]
            lines.append(f"{prefix}{name}={sum(per_node)}"
                         + "".join(f" N{nid}={v}" for nid, v in enumerate(per_node)) + "\n")
    return "".join(lines)


def memory_stat_v1(ctl: MemcgController, memcg: MemCgroup) -> str:
    keys = V1_KEYS[ctl.profile.stat_generation]
    local = memcg.stat
    total = ctl.hierarchical_stat(memcg)
    lines = [f"{name} {max(local[item], 0)}\n" for name, item in keys]
    mem_limit = min(m.memory.max for m in memcg.ancestors_or_self())
    sw_limit = min(m.memsw.max for m in memcg.ancestors_or_self())
    lines.append(f"hierarchical_memory_limit {mem_limit * PAGE_SIZE}\n")
    lines.append(f"hierarchical_memsw_limit {sw_limit * PAGE_SIZE}\n")
    lines += [f"total_{name} {max(total[item], 0)}\n" for name, item in keys]
    return "".join(lines)


EVENT_KEYS = ("low", "high", "max", "oom", "oom_kill", "oom_group_kill")


def memory_events(counters, profile_gen: str) -> str:
    keys = EVENT_KEYS if profile_gen not in ("4.19", "3.8") else EVENT_KEYS[:5]
    return "".join(f"{k} {counters[k]}\n" for k in keys)


def format_limit(pages: int) -> str:
    """v2 limits: "max" when unlimited, else bytes."""
    return "max\n" if pages >= PAGE_COUNTER_MAX else f"{pages * PAGE_SIZE}\n"


__all__ = (
    "format_limit memcg1_numa_stat memory_events memory_numa_stat_v2 memory_stat_v1 "
    "memory_stat_v2"
).split()
