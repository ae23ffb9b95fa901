"""Inspection helpers in the spirit of drgn's: plain functions named after the kernel's.

Each takes a ``Machine`` or a kernel object of the model and answers the
questions people ask a live kernel with drgn: which memcgs exist, which are
dying, and above all *why* a dying memcg is still here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from memcglab.kernel.folio import PG_ANON, PG_SWAPBACKED, Folio, folio_memcg
from memcglab.kernel.lru import lruvec_folios
from memcglab.kernel.memcontrol import (
    MemCgroup,
    css_is_dying,
    mem_cgroup_from_css,
    mem_cgroup_id,
    mem_cgroup_online,
    parent_mem_cgroup,
)
from memcglab.machine.machine import Machine


def for_each_mem_cgroup(machine: Machine) -> Iterator[MemCgroup]:
    """Every memcg not yet released, root first (pre-order), like mem_cgroup_iter()."""
    return machine.memcg.for_each_mem_cgroup()


def cgroup_path(memcg: MemCgroup) -> str:
    """The path of the memcg's cgroup, relative to its hierarchy root."""
    return memcg.css.cgroup.path()


def memcg_state(memcg: MemCgroup) -> str:
    css = memcg.css
    if css.freed:
        return "freed"
    if css.released:
        return "released"
    if css.dying:
        return "offline" if not css.online else "dying"
    return "online"


def lruvec_folio_kinds(memcg: MemCgroup) -> Counter[str]:
    """Folios on the memcg's own LRU lists, by kind (file, shmem, anon)."""
    kinds: Counter[str] = Counter()
    for pn in memcg.nodeinfo:
        for folio in lruvec_folios(pn.lruvec):
            kinds[_kind(folio)] += folio.nr_pages
        kinds["unevictable"] += pn.lruvec.nr[4]
    return +kinds


def _kind(folio: Folio) -> str:
    if folio.flags & PG_ANON:
        return "anon"
    if folio.flags & PG_SWAPBACKED:
        return "shmem"
    # The block device's page cache: inode-table, bitmap and directory blocks.
    return "ext4 metadata" if folio.mapping.inode is None else "file"


def memcg_pins(machine: Machine, memcg: MemCgroup,
               folio_kinds: dict[int, Counter[str]] | None = None) -> dict[str, int]:
    """Why is this memcg still allocated? Every reference on its css, by holder.

    The css holder names come from the model's reference accounting; LRU folio
    references are broken down by kind, and the swap records behind the memcg
    ID are counted. ``folio_kinds`` (from ``charged_folio_kinds()``) saves the
    walk over every folio when asking about many memcgs.
    """
    holders = dict(memcg.css.holders)
    folio_refs = holders.pop("folio", 0)
    if folio_refs:
        if folio_kinds is None:
            folio_kinds = charged_folio_kinds(machine)
        kinds = folio_kinds.get(id(memcg), Counter())
        for kind, n in sorted(kinds.items()):
            holders[f"{kind} folios"] = n
        rest = folio_refs - sum(kinds.values())
        if rest:
            holders["other folios"] = rest
    if "memcg id" in holders:
        records = machine.memcg.swap_cgroup.count(memcg.id) if memcg.id else 0
        holders.pop("memcg id")
        if records:
            holders["swap records (via memcg ID)"] = records
        elif memcg.css.online:
            holders["memcg ID (online)"] = 1
    return holders


def charged_folio_kinds(machine: Machine) -> dict[int, Counter[str]]:
    """One walk over every folio: id(memcg) -> kinds of the folios charged directly to it."""
    kinds: dict[int, Counter[str]] = {}
    for m in machine.memcg.memcgs:
        for pn in m.nodeinfo:
            for folio in lruvec_folios(pn.lruvec):
                kinds.setdefault(id(folio.memcg_data), Counter())[_kind(folio)] += folio.nr_pages
    for t in machine.tasks.values():
        if t.mm is not None:
            for f in t.mm.anon:
                if isinstance(f, Folio) and f.lru < 0 and f.memcg_data is not None:
                    kinds.setdefault(id(f.memcg_data), Counter())["anon (isolated)"] += f.nr_pages
    return kinds


def why_dying(machine: Machine) -> list[tuple[str, dict[str, int]]]:
    """For every dying memcg: its path and what pins it."""
    kinds = charged_folio_kinds(machine)
    return [(cgroup_path(m), memcg_pins(machine, m, kinds)) for m in machine.dying_memcgs()]


def memcg_cost_bytes(machine: Machine) -> int:
    """Memory one memcg costs: struct, per-node info, per-cpu stats."""
    from memcglab.kernel.memcontrol import (
        MEMCG_FIXED_BYTES,
        MEMCG_PER_CPU_BYTES,
        MEMCG_PER_NODE_BYTES,
    )

    return (MEMCG_FIXED_BYTES + MEMCG_PER_NODE_BYTES * machine.nr_nodes
            + MEMCG_PER_CPU_BYTES * machine.nr_cpus)


__all__ = [
    "cgroup_path",
    "css_is_dying",
    "folio_memcg",
    "for_each_mem_cgroup",
    "mem_cgroup_from_css",
    "mem_cgroup_id",
    "mem_cgroup_online",
    "memcg_cost_bytes",
    "charged_folio_kinds",
    "memcg_pins",
    "memcg_state",
    "parent_mem_cgroup",
    "why_dying",
]
