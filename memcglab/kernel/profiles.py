"""Kernel generations as frozen sets of switches.

Each switch stands for one kernel change; the comment beside it names the
commit or series. A profile is looked up by version string ("6.1", "7.1", ...).
The switches describe what the memory controller does, not how a distribution
configures it, except ``cgroup_v1_memory`` which follows the Debian kernels
we compare against (Debian's 6.12 is built without CONFIG_MEMCG_V1).
"""

from __future__ import annotations

import errno
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class KernelProfile:
    version: str
    summary: str
    # --- interfaces -------------------------------------------------------
    cgroup_v1_memory: bool = True
    cgroup_v2: bool = True
    # 6.12, Waiman Long: cgroup.stat gains nr_subsys_<ss> / nr_dying_subsys_<ss>.
    cgroup_stat_subsys: bool = False
    # 1813e51eece0 (6.1) "memcg: increase MEMCG_CHARGE_BATCH to 64"; 32 before.
    charge_batch: int = 64
    # 6.16: the per-cpu page stock caches NR_MEMCG_STOCK = 7 memcgs, one before.
    nr_memcg_stock: int = 1
    # --- what pins a memcg after rmdir (reference spec section 9) ---------
    # e8ea14cc6ead (3.19) "take a css reference for each charged page".
    lru_pins_css: bool = True
    # <= 3.18: mem_cgroup_reparent_charges() moves LRU pages one by one at offline.
    reparent_lru_pages_at_offline: bool = False
    # 2026 "Eliminate Dying Memory Cgroup": LRU folios charged through per-node
    # objcgs and spliced to the parent's lists at offline (lru_reparent_memcg()).
    lru_via_objcg: bool = False
    # 73f576c04b94 (4.7): private 16-bit memcg ID, released at offline unless
    # swap records hold it. Before: the css ID is held until the css is released.
    private_memcg_id: bool = True
    # Swap records pin through the ID (4.7+) or with a css ref per record (<= 4.6).
    swap_record_css_ref: bool = False
    # mkdir errno when the 65535 IDs are used up: idr ENOSPC, xarray EBUSY (6.12).
    id_exhaustion_errno: int = errno.ENOSPC
    # Roman Gushchin's "new slab memory controller" (5.9): slab objects via objcg.
    slab_via_objcg: bool = True
    # b4e0b68fbd9d (5.13, seed 001): __GFP_ACCOUNT pages (stacks, page tables) via objcg.
    kmem_pages_via_objcg: bool = True
    # 5.9 - 5.15: an objcg held a css reference on its current memcg.
    objcg_pins_memcg: bool = False
    # 3.8 - 4.5 (Glauber Costa's kmem controller, seed 004): kmem is accounted
    # only once memory.kmem.limit_in_bytes was written; a limit is enforced.
    kmem_needs_limit: bool = False
    kmem_limit_enforced: bool = False
    # 2788cf0c401c (4.0) "reparent list_lrus and free kmemcg_id on css offline".
    list_lru_reparent: bool = True
    # v1 memory.move_charge_at_immigrate works (deprecated 6.3, removed later).
    move_charge: bool = True
    # 6.13: only the v1 memory counter counts failures (track_failcnt).
    failcnt_memory_only: bool = False
    # 4.19/4.20 (Roman Gushchin): reclaim scrapes offline memcgs' last pages.
    scrape_offline: bool = True
    # 5.9: percpu memory accounted (objcg), and a new memcg's per-cpu stats are
    # charged to its parent (mem_cgroup_css_alloc() under set_active_memcg(parent)).
    percpu_accounted: bool = True
    # Bytes per CPU of a new memcg's per-cpu data (charged to the parent through
    # pcpu_obj_full_size()): 1784 on 6.1, from 7136 B per memcg charged on a 2-CPU
    # guest (docs/measurements/memcg-alloc-charge/).
    memcg_percpu_size: int = 1784
    # 5.17: percpu charges include an objcg pointer per 4-byte unit
    # (pcpu_obj_full_size(), mm/percpu-internal.h).
    percpu_objcg_extra: bool = True
    # Bytes of the new memcg's accounted slab (struct memcg_vmstats, per-node
    # lruvec_stats, kzalloc'ed GFP_KERNEL_ACCOUNT) charged to the parent:
    # none on 6.1, 3080 B per memcg measured on 6.12 (6334 B of per-cpu data there).
    memcg_struct_slab_charge: int = 0
    # 4.19 (Shakeel Butt, "fs, mm: account buffer_head to owner memcg"): a page's
    # buffer_head is charged to the page's memcg.
    buffer_head_accounted: bool = True
    # 6.6 (Andrew Yang, "fs: drop_caches: draining pages before dropping caches"):
    # drop_caches runs lru_add_drain_all() first, which also empties every CPU's
    # buffer-head LRU (memcglab.machine.bh_lru).
    drop_caches_drains_lru: bool = False
    # Page-table pages of a small process: after exec (busybox), and of a forked bash
    # that did not exec. Measured on the Debian guests, not tied to one commit
    # (docs/measurements/process-footprint/): 5 and 6 on 6.1, 9 and 10 on 6.12.
    exec_pagetable_pages: int = 5
    fork_pagetable_pages: int = 6
    # memory.stat keys this kernel prints (see memcglab.fs.memstat).
    stat_generation: str = "6.1"
    notes: tuple[str, ...] = field(default=())

    @property
    def release(self) -> tuple[int, int]:
        """(major, minor) of the release, for interfaces that appeared in one."""
        major, minor = self.version.rstrip("*").split(".")[:2]
        return int(major), int(minor)

    def with_switch(self, **changes) -> KernelProfile:
        """A copy with some switches flipped (for what-if runs and tests)."""
        return replace(self, version=self.version + "*", **changes)


PROFILES: dict[str, KernelProfile] = {}


def _add(p: KernelProfile) -> None:
    PROFILES[p.version] = p


_add(KernelProfile(
    version="3.8",
    summary="2012 kmem controller: kmem accounted once a kmem limit is set; per-memcg slab "
    "caches pin; LRU charges moved to the parent at offline; swap records pin the css",
    cgroup_v2=False,
    charge_batch=32,
    lru_pins_css=False,
    reparent_lru_pages_at_offline=True,
    private_memcg_id=False,
    swap_record_css_ref=True,
    slab_via_objcg=False,
    kmem_pages_via_objcg=False,
    kmem_needs_limit=True,
    kmem_limit_enforced=True,
    list_lru_reparent=False,
    scrape_offline=False,
    percpu_accounted=False,
    buffer_head_accounted=False,
    stat_generation="3.8",
))
_add(KernelProfile(
    version="3.18",
    summary="LRU pages reparented one by one at offline; swap records and kmem pin the css; "
    "every not-yet-freed memcg holds a css ID",
    cgroup_v2=False,
    charge_batch=32,
    lru_pins_css=False,
    reparent_lru_pages_at_offline=True,
    private_memcg_id=False,
    swap_record_css_ref=True,
    slab_via_objcg=False,
    kmem_pages_via_objcg=False,
    kmem_needs_limit=True,
    kmem_limit_enforced=True,
    scrape_offline=False,
    percpu_accounted=False,
    buffer_head_accounted=False,
    stat_generation="3.8",
))
_add(KernelProfile(
    version="4.19",
    summary="LRU folios, slab pages and kmem pages pin the css; memcg ID released at offline",
    charge_batch=32,
    kmem_limit_enforced=True,
    slab_via_objcg=False,
    kmem_pages_via_objcg=False,
    percpu_accounted=False,
    stat_generation="4.19",
))
_add(KernelProfile(
    version="5.10",
    summary="slab objects via obj_cgroup; kmem pages (kernel stacks) and LRU folios still pin",
    charge_batch=32,
    kmem_limit_enforced=True,
    kmem_pages_via_objcg=False,
    objcg_pins_memcg=True,
    percpu_objcg_extra=False,
    stat_generation="5.10",
))
_add(KernelProfile(
    version="6.1",
    summary="kmem pages via obj_cgroup; LRU folios (page cache, anon, shmem) and swap "
    "records pin",
))
_add(KernelProfile(
    version="6.12",
    summary="as 6.1; cgroup.stat gains nr_subsys_memory / nr_dying_subsys_memory; ID "
    "exhaustion gives EBUSY; no cgroup v1 memory (Debian config)",
    cgroup_v1_memory=False,
    cgroup_stat_subsys=True,
    id_exhaustion_errno=errno.EBUSY,
    failcnt_memory_only=False,
    move_charge=False,
    memcg_percpu_size=1584,  # 6334 B charged per memcg with 2 CPUs
    memcg_struct_slab_charge=3080,
    drop_caches_drains_lru=True,
    exec_pagetable_pages=9,
    fork_pagetable_pages=10,
    stat_generation="6.12",
))
_add(KernelProfile(
    version="7.1",
    summary="LRU folios via per-node obj_cgroup, spliced to the parent at offline; swap "
    "records and sockets still pin",
    cgroup_stat_subsys=True,
    nr_memcg_stock=7,
    lru_pins_css=False,
    lru_via_objcg=True,
    id_exhaustion_errno=errno.EBUSY,
    failcnt_memory_only=True,
    move_charge=False,
    memcg_percpu_size=1584,  # assumed as measured on 6.12
    memcg_struct_slab_charge=3080,
    drop_caches_drains_lru=True,
    exec_pagetable_pages=9,  # assumed as measured on 6.12
    fork_pagetable_pages=10,
    stat_generation="7.1",
))

DEFAULT_KERNEL = "6.1"


class UnknownKernel(ValueError):
    pass


def get_profile(version: str) -> KernelProfile:
    try:
        return PROFILES[version]
    except KeyError:
        known = ", ".join(PROFILES)
        raise UnknownKernel(f"unknown kernel {version!r}; known: {known}") from None
