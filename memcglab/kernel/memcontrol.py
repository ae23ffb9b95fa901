"""struct mem_cgroup: charging, stats, IDs and the memcg css callbacks (mm/memcontrol.c).

Charges and statistics are separate ledgers, as in the kernel: page counters
are charged by ``try_charge_memcg()``; ``memory.stat`` items are vmstat deltas
attributed to ``folio_memcg()`` at the moment of each update.

References that keep a dying memcg alive are css references with a holder
name (see ``memcglab.kernel.cgroup``): ``folio`` (one per charged LRU folio up
to 7.0), ``memcg id`` (the ID, pinned by swap records), ``stock`` (a per-cpu
charge stock caching it), ``kmem page`` / ``slab page`` (old kernels),
``objcg`` (5.9-5.15), ``task`` (a task's css_set), ``socket``.

Offline order (mem_cgroup_css_offline(), 6.x and 7.1): zero min/low, reparent
list_lrus, reparent objcgs (7.1: with the LRU splice, per node), drain the
per-cpu stocks, drop the online ID reference.

All of it runs single-threaded on the simulated clock; where the kernel uses
per-cpu state (stocks), ``ctl.cpu`` names the CPU the acting task runs on.
"""

from __future__ import annotations

import errno
import heapq
import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from memcglab.kernel import lru as lrumod
from memcglab.kernel.cgroup import CgroupCore, CgroupError, Css, Subsystem
from memcglab.kernel.folio import (
    LRU_NAMES,
    NR_LRU_LISTS,
    PG_ANON,
    PG_KMEM,
    PG_SWAPBACKED,
    Folio,
    folio_memcg,
    folio_objcg,
)
from memcglab.kernel.list_lru import ListLru, memcg_list_lru_alloc, memcg_reparent_list_lrus
from memcglab.kernel.objcg import ObjCgroup, obj_cgroup_get, obj_cgroup_put
from memcglab.kernel.page_counter import (
    PAGE_SIZE,
    PageCounter,
    page_counter_charge,
    page_counter_set_low,
    page_counter_set_min,
    page_counter_try_charge,
    page_counter_uncharge,
)
from memcglab.kernel.profiles import KernelProfile
from memcglab.kernel.rcu import Clock
from memcglab.kernel.swap_cgroup import SwapCgroup

MEM_CGROUP_ID_MAX = 65535
MAX_RECLAIM_RETRIES = 16

# Size of one memcg, from Vasily Averin's trace of a cgroup mkdir (2022) and
# Roman Gushchin's dying-memcg numbers: the struct, the per-node info, and the
# per-cpu vmstats (which show in /proc/meminfo Percpu).
MEMCG_FIXED_BYTES = 8192 + 4096  # struct mem_cgroup + struct cgroup
MEMCG_PER_NODE_BYTES = 2048  # mem_cgroup_per_node (lruvec, stats)
PCPU_MIN_ALLOC_SIZE = 4
MEMCG_PER_CPU_BYTES = 1984  # measured: Percpu grows 3967 B per memcg on a 2-CPU 6.1 guest


@dataclass
class GfpFlags:
    """The bits of gfp_t that change charging."""

    nofail: bool = False  # __GFP_NOFAIL / __GFP_HIGH: charge even over the limit
    may_oom: bool = True  # a user fault may invoke the memcg OOM killer
    may_reclaim: bool = True


GFP_KERNEL = GfpFlags()
GFP_NOFAIL = GfpFlags(nofail=True, may_oom=False)
GFP_NOWAIT = GfpFlags(may_oom=False, may_reclaim=False)


class MemcgPerNode:
    """mem_cgroup_per_node: the lruvec, and from 7.1 the per-node objcgs."""

    __slots__ = ("lruvec", "objcg", "orig_objcg", "objcg_list")

    def __init__(self, memcg: MemCgroup, nid: int):
        self.lruvec = lrumod.Lruvec(memcg, nid)
        self.objcg: ObjCgroup | None = None
        self.orig_objcg: ObjCgroup | None = None
        # Reparented objcgs pointing here (a dict: an ordered set, O(1) removal).
        self.objcg_list: dict[ObjCgroup, None] = {}


class MemCgroup:
    def __init__(self, ctl: MemcgController, css: Css, parent: MemCgroup | None):
        self.ctl = ctl
        self.css = css
        self.parent = parent  # never changes: a memcg is not re-parented, its charges are
        self.is_root = parent is None
        v1 = not ctl.on_dfl
        self.memory = PageCounter(parent.memory if parent else None, protection_support=not v1)
        self.memory.track_failcnt = v1
        self.swap = PageCounter(parent.swap if parent else None)  # v2 swap, v1 memsw
        self.kmem = PageCounter(parent.kmem if parent else None)
        self.tcpmem = PageCounter(parent.tcpmem if parent else None)
        if v1 and not ctl.profile.failcnt_memory_only:
            for c in (self.swap, self.kmem, self.tcpmem):
                c.track_failcnt = True
        self.id = 0
        self.id_ref = 0
        self.kmemcg_id = -1
        self.stat: Counter[str] = Counter()  # local vmstats, in bytes or counts
        self.stat_dead: Counter[str] = Counter()  # folded in from released descendants
        self.events: Counter[str] = Counter()
        self.events_local: Counter[str] = Counter()
        self.swap_events: Counter[str] = Counter()
        self.nodeinfo = [MemcgPerNode(self, nid) for nid in range(ctl.nr_nodes)]
        self.oom_group = False
        self.oom_kill_disable = parent.oom_kill_disable if parent else False
        self.swappiness = parent.swappiness if parent else 60
        self.soft_limit = self.memory.max
        self.move_charge_at_immigrate = 0
        self.kmem_active = not ctl.profile.kmem_needs_limit
        self.under_oom = 0
        self.kmem_limited = False
        # v1 slab in per-memcg caches (<= 5.8): bytes in use per cache.
        self.memcg_caches: Counter[str] = Counter()
        # What this memcg's own per-cpu data and accounted structures are charged
        # through (the parent's objcg at allocation; 5.9+), until it is freed.
        self.alloc_charges: list[tuple[ObjCgroup, str, int]] = []

    def __repr__(self) -> str:
        state = "online" if self.css.online else ("freed" if self.css.freed else "dying")
        return f"<memcg {self.css.cgroup.path()} id={self.id} {state}>"

    def ancestors_or_self(self) -> Iterator[MemCgroup]:
        m: MemCgroup | None = self
        while m is not None:
            yield m
            m = m.parent

    @property
    def memsw(self) -> PageCounter:
        return self.swap


class PageStock:
    """memcg_stock_pcp: pre-charged pages cached per CPU, per memcg."""

    __slots__ = ("slots",)

    def __init__(self) -> None:
        self.slots: list[list] = []  # [memcg, nr_pages]


class ObjStock:
    """obj_stock_pcp: one cached objcg and its pre-charged bytes per CPU."""

    __slots__ = ("objcg", "nr_bytes")

    def __init__(self) -> None:
        self.objcg: ObjCgroup | None = None
        self.nr_bytes = 0


def pcpu_obj_full_size(size: int, nr_possible_cpus: int, objcg_extra: bool) -> int:
    """What a percpu allocation of ``size`` bytes per CPU charges (mm/percpu-internal.h):
    every possible CPU's copy, plus (5.17+) an objcg pointer per 4-byte unit."""
    extra = size // PCPU_MIN_ALLOC_SIZE * 8 if objcg_extra else 0
    return size * nr_possible_cpus + extra


class MemcgController(Subsystem):
    """The memory controller bound to one hierarchy (struct cgroup_subsys)."""

    name = "memory"

    def __init__(self, core: CgroupCore, clock: Clock, profile: KernelProfile, on_dfl: bool,
                 nr_cpus: int = 2, nr_nodes: int = 1, seed: int = 0):
        self.core = core
        self.clock = clock
        self.profile = profile
        self.on_dfl = on_dfl
        self.nr_cpus = nr_cpus
        self.nr_nodes = nr_nodes
        self.rng = random.Random(seed)
        self.cpu = 0
        self.root: MemCgroup | None = None
        self.by_id: dict[int, MemCgroup] = {}
        self._free_ids: list[int] = []
        self._next_id = 1
        self.stocks = [PageStock() for _ in range(nr_cpus)]
        self.obj_stocks = [ObjStock() for _ in range(nr_cpus)]
        self.swap_cgroup = SwapCgroup()
        self.list_lrus: list[ListLru] = []
        # Allocated, not yet freed, in allocation order (a dict: O(1) removal).
        self.memcgs: dict[MemCgroup, None] = {}
        self.percpu_bytes = 0
        self.percpu_bytes_per_memcg = MEMCG_PER_CPU_BYTES * nr_cpus
        self.struct_bytes = 0
        self.reparented_pages = 0  # <= 3.18 per-page reparenting work
        # Set by the machine: reclaim and OOM live above the kernel core.
        self.reclaim: Callable[[MemCgroup, int, bool], int] = lambda memcg, nr, swap: 0
        self.out_of_memory: Callable[[MemCgroup], bool] = lambda memcg: False
        # Set by the machine: where memcg structures and per-cpu data are accounted.
        self.account_kernel_bytes: Callable[[str, int], None] = lambda kind, delta: None
        self.forced_charges = 0

    # ---- css callbacks -----------------------------------------------------
    def css_alloc(self, css: Css) -> None:
        parent = css.parent.priv if css.parent is not None else None
        memcg = MemCgroup(self, css, parent)
        memcg.id = self._alloc_id()
        if parent is not None and self.profile.percpu_accounted:
            try:
                self._charge_memcg_alloc(memcg, parent)
            except CgroupError:
                self._release_id(memcg)
                raise
        css.priv = memcg
        self.memcgs[memcg] = None
        self._account_memcg_struct(1)
        if parent is None:
            self.root = memcg

    def _charge_memcg_alloc(self, memcg: MemCgroup, parent: MemCgroup) -> None:
        """mem_cgroup_alloc() runs under set_active_memcg(parent) (5.9+): the new
        memcg's per-cpu stats (pcpu_memcg_post_alloc_hook(), memory.stat percpu)
        and, on 6.12+, its GFP_KERNEL_ACCOUNT structures (slab) are charged to
        the parent's objcg. They stay charged, and follow that objcg when it is
        reparented, until the memcg is freed: a dying child costs its parent.
        A child of the root charges nothing (the root has no objcg to charge)."""
        objcg = self.current_obj_cgroup(parent)
        if objcg is None or not parent.kmem_active:
            return
        p = self.profile
        percpu = pcpu_obj_full_size(p.memcg_percpu_size, self.nr_cpus, p.percpu_objcg_extra)
        for item, size in (("percpu", percpu), ("slab_unreclaimable", p.memcg_struct_slab_charge)):
            if not size:
                continue
            if not self.obj_cgroup_charge(objcg, size):
                self._uncharge_memcg_alloc(memcg)
                raise CgroupError(errno.ENOMEM, "cannot charge the new memcg to its parent")
            obj_cgroup_get(objcg)
            self.mod_memcg_state(objcg.memcg, item, size)
            memcg.alloc_charges.append((objcg, item, size))

    def _uncharge_memcg_alloc(self, memcg: MemCgroup) -> None:
        """__mem_cgroup_free(): give back what _charge_memcg_alloc() charged."""
        for objcg, item, size in memcg.alloc_charges:
            self.mod_memcg_state(objcg.memcg, item, -size)
            self.obj_cgroup_uncharge(objcg, size)
            obj_cgroup_put(objcg)
        memcg.alloc_charges.clear()

    def _alloc_id(self) -> int:
        # idr_alloc()/xa_alloc() hand out the lowest free ID in 1..65535.
        if self._free_ids:
            return heapq.heappop(self._free_ids)
        if self._next_id > MEM_CGROUP_ID_MAX:
            raise CgroupError(self.profile.id_exhaustion_errno, "memcg IDs exhausted")
        self._next_id += 1
        return self._next_id - 1

    def _release_id(self, memcg: MemCgroup) -> None:
        if memcg.id:
            self.by_id.pop(memcg.id, None)
            heapq.heappush(self._free_ids, memcg.id)
            memcg.id = 0

    def css_online(self, css: Css) -> None:
        memcg: MemCgroup = css.priv
        p = self.profile
        if p.lru_via_objcg or (p.slab_via_objcg and not memcg.is_root):
            # memcg_online_kmem(); 7.1 allocates per-node objcgs for every memcg.
            nodes = range(self.nr_nodes) if p.lru_via_objcg else range(1)
            for nid in nodes:
                objcg = ObjCgroup(memcg, nid, is_root=memcg.is_root)
                pn = memcg.nodeinfo[nid]
                pn.objcg = objcg
                pn.orig_objcg = objcg
                obj_cgroup_get(objcg)  # orig_objcg's reference
                if p.objcg_pins_memcg:
                    self.core.css_get(css, "objcg")
        if not memcg.is_root:
            memcg.kmemcg_id = memcg.id
        memcg.id_ref = 1
        if p.private_memcg_id:
            self.core.css_get(css, "memcg id")  # "online state pins memcg ID, ID pins css"
        self.by_id[memcg.id] = memcg

    def css_offline(self, css: Css) -> None:
        memcg: MemCgroup = css.priv
        parent = memcg.parent
        page_counter_set_min(memcg.memory, 0)
        page_counter_set_low(memcg.memory, 0)
        if self.profile.list_lru_reparent:
            memcg_reparent_list_lrus(self.list_lrus, memcg, parent)
        if self.profile.reparent_lru_pages_at_offline:
            self.mem_cgroup_reparent_charges(memcg)
        self.memcg_reparent_objcgs(memcg, parent)
        self.drain_all_stock(memcg)
        if self.profile.private_memcg_id:
            self.mem_cgroup_id_put(memcg)

    def css_released(self, css: Css) -> None:
        memcg: MemCgroup = css.priv
        # The final rstat flush: the dead memcg's stats stay in its ancestors' totals.
        parent = memcg.parent
        parent.stat_dead.update(memcg.stat)
        parent.stat_dead.update(memcg.stat_dead)

    def css_free(self, css: Css) -> None:
        memcg: MemCgroup = css.priv
        if not self.profile.private_memcg_id:
            self._release_id(memcg)  # the css ID lives until the css is freed
        for pn in memcg.nodeinfo:
            if pn.orig_objcg is not None:
                obj_cgroup_put(pn.orig_objcg)
                pn.orig_objcg = None
        self._uncharge_memcg_alloc(memcg)
        del self.memcgs[memcg]
        self._account_memcg_struct(-1)

    def _account_memcg_struct(self, sign: int) -> None:
        """struct mem_cgroup, its per-node info and its per-cpu data (mem_cgroup_alloc())."""
        percpu = sign * self.percpu_bytes_per_memcg
        struct = sign * (MEMCG_FIXED_BYTES + MEMCG_PER_NODE_BYTES * self.nr_nodes)
        self.percpu_bytes += percpu
        self.struct_bytes += struct
        self.account_kernel_bytes("percpu", percpu)
        self.account_kernel_bytes("memcg_struct", struct)

    # ---- the private ID ----------------------------------------------------
    def mem_cgroup_id_put(self, memcg: MemCgroup, nr: int = 1) -> None:
        memcg.id_ref -= nr
        if memcg.id_ref == 0:
            self._release_id(memcg)
            self.core.css_put(memcg.css, "memcg id")

    def mem_cgroup_id_get_online(self, memcg: MemCgroup) -> MemCgroup:
        """The nearest ancestor-or-self whose ID is still referenced."""
        while memcg.id_ref == 0:
            memcg = memcg.parent
        memcg.id_ref += 1
        return memcg

    def mem_cgroup_from_id(self, memcg_id: int) -> MemCgroup | None:
        return self.by_id.get(memcg_id)

    # ---- events and stats ----------------------------------------------------
    def memcg_memory_event(self, memcg: MemCgroup, event: str) -> None:
        memcg.events_local[event] += 1
        for m in memcg.ancestors_or_self():
            if m.is_root:
                break
            m.events[event] += 1
            if not self.on_dfl:
                break  # v1 does not propagate

    def mod_memcg_state(self, memcg: MemCgroup, item: str, delta: int) -> None:
        memcg.stat[item] += delta

    def mod_folio_state(self, folio: Folio, item: str, delta_pages: int) -> None:
        """__lruvec_stat_mod_folio(): attribute to the folio's memcg *now*."""
        memcg = folio_memcg(folio)
        if memcg is not None:
            memcg.stat[item] += delta_pages * PAGE_SIZE

    # ---- page charging -------------------------------------------------------
    def _counter_owner(self, memcg: MemCgroup, counter: PageCounter, attr: str) -> MemCgroup:
        for m in memcg.ancestors_or_self():
            if getattr(m, attr) is counter:
                return m
        raise AssertionError("counter not in the hierarchy")

    def try_charge_memcg(self, memcg: MemCgroup, nr: int, gfp: GfpFlags = GFP_KERNEL) -> bool:
        """Charge ``nr`` pages: stock, batch, reclaim, drain, OOM, or fail."""
        if memcg.parent is None or self.consume_stock(memcg, nr):
            return True  # the common case: this CPU's stock already holds the pages
        memsw = not self.on_dfl
        batch = max(self.profile.charge_batch, nr)
        retries = MAX_RECLAIM_RETRIES
        drained = passed_oom = raised_max = False
        while True:
            if self.consume_stock(memcg, nr):
                return True
            may_swap = True
            failed = page_counter_try_charge(memcg.memsw, batch) if memsw else None
            if failed is None:
                failed = page_counter_try_charge(memcg.memory, batch)
                if failed is None:
                    if batch > nr:
                        self.refill_stock(memcg, batch - nr)
                    self._check_high(memcg, batch)
                    return True
                if memsw:
                    page_counter_uncharge(memcg.memsw, batch)
                over = self._counter_owner(memcg, failed, "memory")
            else:
                over = self._counter_owner(memcg, failed, "swap")
                may_swap = False  # swapping cannot help memory+swap
            if batch > nr:
                batch = nr
                continue
            if not gfp.may_reclaim:
                break
            self.memcg_memory_event(over, "max")
            raised_max = True
            reclaimed = self.reclaim(over, nr, may_swap)
            if self.mem_cgroup_margin(over) >= nr:
                continue
            if not drained:
                self.drain_all_stock(over)
                drained = True
                continue
            if reclaimed and nr <= 8 and retries:
                retries -= 1
                continue
            if retries:
                retries -= 1
                continue
            if gfp.may_oom and not passed_oom and self.mem_cgroup_oom(over):
                passed_oom = True
                retries = MAX_RECLAIM_RETRIES
                continue
            break
        if not gfp.nofail:
            return False
        if not raised_max:
            self.memcg_memory_event(over, "max")
        page_counter_charge(memcg.memory, nr)
        if memsw:
            page_counter_charge(memcg.memsw, nr)
        self.forced_charges += 1
        return True

    def try_charge_faults(self, memcg: MemCgroup, nr: int, gfp: GfpFlags = GFP_KERNEL) -> int:
        """Charge ``nr`` pages the way ``nr`` single-page faults do; returns pages charged.

        Each fault takes a page from this CPU's stock, or charges a whole batch
        and leaves the rest in the stock, so the stock's leftovers come out as on
        a real kernel with O(nr / batch) work.
        """
        if memcg.is_root:
            return nr
        done = 0
        while done < nr:
            for slot in self.stocks[self.cpu].slots:
                if slot[0] is memcg and slot[1]:
                    take = min(slot[1], nr - done)
                    slot[1] -= take
                    done += take
                    break
            else:
                if not self.try_charge_memcg(memcg, 1, gfp):
                    return done
                done += 1
        return done

    def mem_cgroup_margin(self, memcg: MemCgroup) -> int:
        margin = max(memcg.memory.max - memcg.memory.usage, 0)
        if not self.on_dfl:
            margin = min(margin, max(memcg.memsw.max - memcg.memsw.usage, 0))
        return margin

    def mem_cgroup_oom(self, memcg: MemCgroup) -> bool:
        self.memcg_memory_event(memcg, "oom")
        if memcg.oom_kill_disable:
            return False
        return self.out_of_memory(memcg)

    def _check_high(self, memcg: MemCgroup, nr: int) -> None:
        """memory.high: reclaim the overage of every ancestor over its high."""
        for m in memcg.ancestors_or_self():
            if m.is_root:
                break
            over = m.memory.usage - m.memory.high
            if over > 0:
                self.memcg_memory_event(m, "high")
                self.reclaim(m, max(over, nr), True)

    def uncharge_pages(self, memcg: MemCgroup, nr: int, charged_at_root: bool = False) -> None:
        """memcg_uncharge(): give pages back from memcg up to the root.

        The root's own charges never reach a counter (try_charge() returns early
        for it), so they are not uncharged either. But a charge made below the
        root and whose owner reparenting has since made the root (an objcg of a
        deleted child re-pointed to the root) did charge the root's counter, and
        must come off it (``charged_at_root``): the kernel uncharges
        obj_cgroup_memcg()'s counters there (drain_stock() on the root's stock,
        uncharge_batch() for a non-root objcg). memcglab fix (issue 8): the
        invariant checker found the root counter growing forever without it.
        """
        if memcg.is_root and not charged_at_root:
            return
        page_counter_uncharge(memcg.memory, nr)
        if not self.on_dfl:
            page_counter_uncharge(memcg.memsw, nr)

    # ---- per-cpu page stock ------------------------------------------------
    def consume_stock(self, memcg: MemCgroup, nr: int) -> bool:
        if nr > self.profile.charge_batch:
            return False
        for slot in self.stocks[self.cpu].slots:
            if slot[0] is memcg and slot[1] >= nr:
                slot[1] -= nr
                return True
        return False

    def refill_stock(self, memcg: MemCgroup, nr: int) -> None:
        stock = self.stocks[self.cpu]
        for slot in stock.slots:
            if slot[0] is memcg:
                slot[1] += nr
                if slot[1] > self.profile.charge_batch:
                    self._drain_slot(stock, slot)
                return
        if len(stock.slots) >= self.profile.nr_memcg_stock:
            # 6.16+ evicts a random slot; with one slot this is "drain the old one".
            victim = stock.slots[self.rng.randrange(len(stock.slots))]
            self._drain_slot(stock, victim)
        self.core.css_get(memcg.css, "stock")
        slot = [memcg, nr]
        stock.slots.append(slot)
        if nr > self.profile.charge_batch:
            self._drain_slot(stock, slot)

    def _drain_slot(self, stock: PageStock, slot: list) -> None:
        memcg, nr = slot
        stock.slots.remove(slot)
        if nr:
            self.uncharge_pages(memcg, nr)
        self.core.css_put(memcg.css, "stock")

    def drain_all_stock(self, root: MemCgroup) -> None:
        """Flush every CPU's stock that caches root or a descendant of it.

        The current CPU drains at once; the others through per-cpu work items.
        """
        for cpu, stock in enumerate(self.stocks):
            victims = [s for s in stock.slots if _is_descendant(s[0], root)]
            if not victims:
                continue
            if cpu == self.cpu:
                for slot in victims:
                    self._drain_slot(stock, slot)
            else:
                self.clock.queue_work(lambda st=stock, vs=victims: self._drain_later(st, vs))
        self._drain_obj_stocks(root)

    def _drain_later(self, stock: PageStock, victims: list) -> None:
        for slot in victims:
            if slot in stock.slots:
                self._drain_slot(stock, slot)

    # ---- LRU folios ----------------------------------------------------------
    def get_obj_cgroup_from_memcg(self, memcg: MemCgroup, nid: int) -> ObjCgroup:
        """The memcg's per-node objcg, or the nearest ancestor's if it is offline."""
        m: MemCgroup | None = memcg
        while m is not None:
            objcg = m.nodeinfo[nid].objcg
            if objcg is not None and not objcg.killed:
                obj_cgroup_get(objcg)
                return objcg
            m = m.parent
        raise AssertionError("the root always has an objcg")

    def mem_cgroup_charge(self, folio: Folio, memcg: MemCgroup,
                          gfp: GfpFlags = GFP_KERNEL) -> bool:
        """Charge a new LRU folio (anon, page cache, shmem) to memcg."""
        p = self.profile
        if p.lru_via_objcg:
            objcg = self.get_obj_cgroup_from_memcg(memcg, folio.nid)
            if not objcg.is_root and not self.try_charge_memcg(memcg, folio.nr_pages, gfp):
                obj_cgroup_put(objcg)
                return False
            folio.memcg_data = objcg
        else:
            if not self.try_charge_memcg(memcg, folio.nr_pages, gfp):
                return False
            if p.lru_pins_css:
                self.core.css_get(memcg.css, "folio")
            folio.memcg_data = memcg
        self._v1_event(memcg, "pgpgin", 1)
        return True

    def mem_cgroup_uncharge(self, folio: Folio) -> None:
        """The folio is being freed: uncharge whoever owns it now."""
        d = folio.memcg_data
        if d is None:
            return
        folio.memcg_data = None
        nr = folio.nr_pages  # order-0 pages: an anon run holds one reference per page
        if type(d) is ObjCgroup:
            memcg = d.memcg
            self.uncharge_pages(memcg, nr, charged_at_root=not d.is_root)
            obj_cgroup_put(d, nr)
        else:
            memcg = d
            self.uncharge_pages(memcg, nr)
            if self.profile.lru_pins_css:
                self.core.css_put(d.css, "folio", nr)
        self._v1_event(memcg, "pgpgout", nr)

    def _v1_event(self, memcg: MemCgroup, item: str, n: int) -> None:
        if not self.on_dfl:
            memcg.stat[item] += n

    # ---- kmem pages (kernel stacks, page tables) -------------------------
    def current_obj_cgroup(self, memcg: MemCgroup) -> ObjCgroup | None:
        """The objcg kmem is charged through; None for the root (not accounted)."""
        m: MemCgroup | None = memcg
        while m is not None and not m.is_root:
            objcg = m.nodeinfo[0].objcg
            if objcg is not None and not objcg.killed:
                return objcg
            m = m.parent
        return None

    def memcg_kmem_charge_page(self, folio: Folio, memcg: MemCgroup, stat_item: str,
                               stat_bytes: int, gfp: GfpFlags = GFP_KERNEL) -> bool:
        """__memcg_kmem_charge_page() for a __GFP_ACCOUNT allocation."""
        p = self.profile
        nr = folio.nr_pages
        if memcg.is_root or not memcg.kmem_active:
            return True
        if p.kmem_pages_via_objcg:
            objcg = self.current_obj_cgroup(memcg)
            if objcg is None:
                return True
            if not self.obj_cgroup_charge_pages(objcg, nr, gfp):
                return False
            obj_cgroup_get(objcg, nr)  # one reference per page, as for order-0 pages
            folio.memcg_data = objcg
        else:
            if not self._charge_kmem_direct(memcg, nr, gfp):
                return False
            self.core.css_get(memcg.css, f"kmem page ({stat_item})", nr)
            folio.memcg_data = memcg
        folio.flags |= PG_KMEM
        self.mod_memcg_state(folio_memcg(folio), stat_item, stat_bytes)
        return True

    def memcg_kmem_uncharge_page(self, folio: Folio, stat_item: str, stat_bytes: int) -> None:
        d = folio.memcg_data
        if d is None:
            return
        self.mod_memcg_state(folio_memcg(folio), stat_item, -stat_bytes)
        folio.memcg_data = None
        if type(d) is ObjCgroup:
            self.obj_cgroup_uncharge_pages(d, folio.nr_pages)
            obj_cgroup_put(d, folio.nr_pages)
        else:
            self._uncharge_kmem_direct(d, folio.nr_pages)
            self.core.css_put(d.css, f"kmem page ({stat_item})", folio.nr_pages)

    def _charge_kmem_direct(self, memcg: MemCgroup, nr: int, gfp: GfpFlags) -> bool:
        """Pre-5.13 kmem: the memcg itself; 3.8-era charges kmem first (seed 004)."""
        v1 = not self.on_dfl
        if (v1 and self.profile.kmem_limit_enforced
                and page_counter_try_charge(memcg.kmem, nr) is not None):
            return False
        if not self.try_charge_memcg(memcg, nr, gfp):
            if v1 and self.profile.kmem_limit_enforced:
                page_counter_uncharge(memcg.kmem, nr)
            return False
        if v1 and not self.profile.kmem_limit_enforced:
            page_counter_charge(memcg.kmem, nr)
        self.mod_memcg_state(memcg, "kernel", nr * PAGE_SIZE)
        return True

    def _uncharge_kmem_direct(self, memcg: MemCgroup, nr: int) -> None:
        self.mod_memcg_state(memcg, "kernel", -nr * PAGE_SIZE)
        if not self.on_dfl and not memcg.is_root:
            page_counter_uncharge(memcg.kmem, nr)
        self.uncharge_pages(memcg, nr)

    def obj_cgroup_charge_pages(self, objcg: ObjCgroup, nr: int,
                                gfp: GfpFlags = GFP_KERNEL) -> bool:
        memcg = objcg.memcg
        if not self.try_charge_memcg(memcg, nr, gfp):
            return False
        self.mod_memcg_state(memcg, "kernel", nr * PAGE_SIZE)
        if not self.on_dfl and not memcg.is_root:
            page_counter_charge(memcg.kmem, nr)  # v1 mirror; no kmem limit since 5.16
        return True

    def obj_cgroup_uncharge_pages(self, objcg: ObjCgroup, nr: int) -> None:
        memcg = objcg.memcg
        self.mod_memcg_state(memcg, "kernel", -nr * PAGE_SIZE)
        if not self.on_dfl and not memcg.is_root:
            page_counter_uncharge(memcg.kmem, nr)
        if not memcg.is_root:
            self.refill_stock(memcg, nr)
        else:
            # Reparented to the root: the pages were charged below it (memcglab fix,
            # see uncharge_pages()); 6.1 refills the root's stock, drained at once here.
            self.uncharge_pages(memcg, nr, charged_at_root=True)

    # ---- byte-precise objcg charging (slab, percpu) ----------------------
    def obj_cgroup_charge(self, objcg: ObjCgroup, size: int, gfp: GfpFlags = GFP_KERNEL) -> bool:
        stock = self.obj_stocks[self.cpu]
        if stock.objcg is objcg and stock.nr_bytes >= size:
            stock.nr_bytes -= size
            return True
        nr_pages, nr_bytes = divmod(size, PAGE_SIZE)
        if nr_bytes:
            nr_pages += 1
        if not self.obj_cgroup_charge_pages(objcg, nr_pages, gfp):
            return False
        if nr_bytes:
            self._refill_obj_stock(objcg, PAGE_SIZE - nr_bytes, allow_uncharge=False)
        return True

    def obj_cgroup_uncharge(self, objcg: ObjCgroup, size: int) -> None:
        self._refill_obj_stock(objcg, size, allow_uncharge=True)

    def _refill_obj_stock(self, objcg: ObjCgroup, nr_bytes: int, allow_uncharge: bool) -> None:
        stock = self.obj_stocks[self.cpu]
        if stock.objcg is not objcg:
            self._drain_obj_stock(stock)
            obj_cgroup_get(objcg)
            stock.objcg = objcg
            stock.nr_bytes = objcg.nr_charged_bytes
            objcg.nr_charged_bytes = 0
        stock.nr_bytes += nr_bytes
        if allow_uncharge and stock.nr_bytes > PAGE_SIZE:
            nr_pages = stock.nr_bytes // PAGE_SIZE
            stock.nr_bytes -= nr_pages * PAGE_SIZE
            self.obj_cgroup_uncharge_pages(objcg, nr_pages)

    def _drain_obj_stock(self, stock: ObjStock) -> None:
        old = stock.objcg
        if old is None:
            return
        nr_pages, rest = divmod(stock.nr_bytes, PAGE_SIZE)
        if nr_pages:
            self.obj_cgroup_uncharge_pages(old, nr_pages)
        old.nr_charged_bytes += rest
        stock.objcg = None
        stock.nr_bytes = 0
        obj_cgroup_put(old)

    def _drain_obj_stocks(self, root: MemCgroup) -> None:
        for stock in self.obj_stocks:
            if stock.objcg is not None and _is_descendant(stock.objcg.memcg, root):
                self._drain_obj_stock(stock)

    def obj_cgroup_release(self, objcg: ObjCgroup) -> None:
        """The killed objcg's last reference went: settle its sub-page remainder."""
        objcg.released = True
        nr_pages = objcg.nr_charged_bytes // PAGE_SIZE
        objcg.nr_charged_bytes = 0
        if nr_pages:
            memcg = objcg.memcg
            self.mod_memcg_state(memcg, "kernel", -nr_pages * PAGE_SIZE)
            if not self.on_dfl and not memcg.is_root:
                page_counter_uncharge(memcg.kmem, nr_pages)
            # Byte charges always went through a non-root memcg (memcglab fix, see
            # uncharge_pages()).
            self.uncharge_pages(memcg, nr_pages, charged_at_root=True)
        pn = objcg.memcg.nodeinfo[objcg.nid]
        pn.objcg_list.pop(objcg, None)
        if self.profile.objcg_pins_memcg:
            self.core.css_put(objcg.memcg.css, "objcg")

    # ---- slab objects --------------------------------------------------------
    def memcg_slab_alloc(self, memcg: MemCgroup, size: int, item: str,
                         lru: ListLru | None = None) -> ObjCgroup | MemCgroup | None:
        """Charge one slab object; returns what the object now references."""
        if memcg.is_root or not memcg.kmem_active:
            return None
        if lru is not None:
            memcg_list_lru_alloc(lru, memcg)
        if self.profile.slab_via_objcg:
            objcg = self.current_obj_cgroup(memcg)
            if objcg is None:
                return None
            if not self.obj_cgroup_charge(objcg, size):
                return None
            obj_cgroup_get(objcg)
            self.mod_memcg_state(objcg.memcg, item, size)
            return objcg
        # <= 5.8: a per-memcg cache; its slab pages are charged and pin the css.
        before = -(-memcg.memcg_caches[item] // PAGE_SIZE)
        memcg.memcg_caches[item] += size
        after = -(-memcg.memcg_caches[item] // PAGE_SIZE)
        for _ in range(after - before):
            if not self._charge_kmem_direct(memcg, 1, GFP_NOFAIL):
                break
            self.core.css_get(memcg.css, "slab page")
        self.mod_memcg_state(memcg, item, size)
        return memcg

    def memcg_slab_free(self, owner: ObjCgroup | MemCgroup | None, size: int, item: str) -> None:
        if owner is None:
            return
        if type(owner) is ObjCgroup:
            self.mod_memcg_state(owner.memcg, item, -size)
            self.obj_cgroup_uncharge(owner, size)
            obj_cgroup_put(owner)
            return
        memcg = owner
        self.mod_memcg_state(memcg, item, -size)
        before = -(-memcg.memcg_caches[item] // PAGE_SIZE)
        memcg.memcg_caches[item] -= size
        after = -(-memcg.memcg_caches[item] // PAGE_SIZE)
        for _ in range(before - after):
            self._uncharge_kmem_direct(memcg, 1)
            self.core.css_put(memcg.css, "slab page")

    # ---- offline: reparenting ----------------------------------------------
    def memcg_reparent_objcgs(self, memcg: MemCgroup, parent: MemCgroup) -> None:
        """Re-point the dying memcg's objcgs to the parent (7.1: with the LRU splice)."""
        for nid, pn in enumerate(memcg.nodeinfo):
            ppn = parent.nodeinfo[nid if self.profile.lru_via_objcg else 0]
            if self.profile.lru_via_objcg:
                child_lv, parent_lv = pn.lruvec, parent.nodeinfo[nid].lruvec
                child_lv.lock_depth += 1
                parent_lv.lock_depth += 1
                lrumod.lru_reparent_memcg(child_lv, parent_lv)
            objcg = pn.objcg
            if objcg is None:
                continue
            pn.objcg = None
            pn.objcg_list[objcg] = None
            for it in pn.objcg_list:
                if self.profile.objcg_pins_memcg:
                    self.core.css_get(parent.css, "objcg")
                    self.core.css_put(it.memcg.css, "objcg")
                it.memcg = parent
            ppn.objcg_list.update(pn.objcg_list)
            pn.objcg_list = {}
            if self.profile.lru_via_objcg:
                child_lv.lock_depth -= 1
                parent_lv.lock_depth -= 1
            objcg.killed = True
            # percpu_ref_kill(): the base reference goes after a grace period.
            self.clock.call_rcu(lambda o=objcg: obj_cgroup_put(o))

    def mem_cgroup_reparent_charges(self, memcg: MemCgroup) -> None:
        """<= 3.18: move every LRU page and its charge to the parent, one by one."""
        parent = memcg.parent
        for pn in memcg.nodeinfo:
            lruvec = pn.lruvec
            for lru in range(NR_LRU_LISTS):
                for folio in list(lrumod.lru_tail(lruvec, lru)):
                    lrumod.lruvec_del_folio(lruvec, folio)
                    folio.memcg_data = parent
                    # res_counter_uncharge_until(child, parent): only the child's level.
                    memcg.memory.usage -= folio.nr_pages
                    if not self.on_dfl:
                        memcg.memsw.usage -= folio.nr_pages
                    for item in _folio_stat_items(folio):
                        memcg.stat[item] -= folio.nr_pages * PAGE_SIZE
                        parent.stat[item] += folio.nr_pages * PAGE_SIZE
                    lrumod.folio_add_lru(folio)
                    self.reparented_pages += folio.nr_pages

    # ---- swap records (mm/memcontrol.c, mm/memcontrol-v1.c) ------------------
    def _record_swap(self, memcg: MemCgroup, slot: int) -> None:
        self.swap_cgroup.record(slot, memcg.id)
        memcg.stat["swap"] += PAGE_SIZE
        if self.profile.swap_record_css_ref:
            self.core.css_get(memcg.css, "swap record")

    def mem_cgroup_try_charge_swap(self, folio: Folio, slot: int) -> bool:
        """v2: charge the swap counter of the nearest memcg whose ID is alive."""
        memcg = folio_memcg(folio)
        if not self.on_dfl:
            return True
        memcg = self.mem_cgroup_id_get_online(memcg)
        if not memcg.is_root and page_counter_try_charge(memcg.swap, 1) is not None:
            memcg.swap_events["max"] += 1
            memcg.swap_events["fail"] += 1
            self.mem_cgroup_id_put(memcg)
            return False
        self._record_swap(memcg, slot)
        return True

    def memcg1_swapout(self, folio: Folio, slot: int) -> None:
        """v1: the folio's memory charge becomes a memory+swap charge of the record."""
        memcg = folio_memcg(folio)
        swap_memcg = self.mem_cgroup_id_get_online(memcg)
        self._record_swap(swap_memcg, slot)
        d = folio.memcg_data
        folio.memcg_data = None
        if not memcg.is_root or folio_charged_via_objcg(d):  # memcglab fix: uncharge_pages()
            page_counter_uncharge(memcg.memory, folio.nr_pages)
        if memcg is not swap_memcg:
            if not swap_memcg.is_root:
                page_counter_charge(swap_memcg.memsw, folio.nr_pages)
            page_counter_uncharge(memcg.memsw, folio.nr_pages)
        if type(d) is ObjCgroup:
            obj_cgroup_put(d)
        elif self.profile.lru_pins_css:
            self.core.css_put(d.css, "folio")

    def mem_cgroup_uncharge_swap(self, slot: int) -> None:
        """The swap slot is freed: uncharge and drop the ID reference."""
        memcg = self.mem_cgroup_from_id(self.swap_cgroup.clear(slot))
        if memcg is None:
            return
        if not memcg.is_root:
            page_counter_uncharge(memcg.swap, 1)
        memcg.stat["swap"] -= PAGE_SIZE
        if self.profile.swap_record_css_ref:
            self.core.css_put(memcg.css, "swap record")
        self.mem_cgroup_id_put(memcg)

    def mem_cgroup_swapin_charge_folio(self, folio: Folio, slot: int,
                                       fallback: MemCgroup) -> bool:
        """Charge a swapped-in folio to the recorded memcg, if it is still online."""
        memcg = self.mem_cgroup_from_id(self.swap_cgroup.lookup(slot))
        if memcg is None or not memcg.css.online:
            memcg = fallback
        return self.mem_cgroup_charge(folio, memcg)

    # ---- inspection ------------------------------------------------------------
    def for_each_mem_cgroup(self) -> Iterator[MemCgroup]:
        for css in self.core.css_for_each_descendant_pre(self.root.css):
            yield css.priv

    def hierarchical_stat(self, memcg: MemCgroup) -> Counter[str]:
        total: Counter[str] = Counter()
        for css in self.core.css_for_each_descendant_pre(memcg.css):
            m: MemCgroup = css.priv
            total.update(m.stat)
            total.update(m.stat_dead)
        return total


def _folio_stat_items(folio: Folio) -> list[str]:
    items = [LRU_NAMES[folio.lru]] if folio.lru >= 0 else []
    if folio.flags & PG_ANON:
        items.append("anon")
    else:
        items.append("file")
        if folio.flags & PG_SWAPBACKED:
            items.append("shmem")
    return items


def folio_charged_via_objcg(d) -> bool:
    """A folio's memcg_data is a non-root objcg: its charge went through the counters
    even if the objcg now belongs to the root (7.1: the root's own objcg is not charged)."""
    return type(d) is ObjCgroup and not d.is_root


def _is_descendant(memcg: MemCgroup, root: MemCgroup) -> bool:
    m: MemCgroup | None = memcg
    while m is not None:
        if m is root:
            return True
        m = m.parent
    return False


# ---- drgn-style helpers ------------------------------------------------------
def mem_cgroup_from_css(css: Css) -> MemCgroup:
    return css.priv


def parent_mem_cgroup(memcg: MemCgroup) -> MemCgroup | None:
    return memcg.parent


def mem_cgroup_id(memcg: MemCgroup) -> int:
    return memcg.id


def mem_cgroup_online(memcg: MemCgroup) -> bool:
    return memcg.css.online


def css_is_dying(css: Css) -> bool:
    return css.dying


__all__ = [
    "GFP_KERNEL",
    "GFP_NOFAIL",
    "GFP_NOWAIT",
    "GfpFlags",
    "MemCgroup",
    "MemcgController",
    "css_is_dying",
    "folio_memcg",
    "folio_objcg",
    "mem_cgroup_from_css",
    "mem_cgroup_id",
    "mem_cgroup_online",
    "parent_mem_cgroup",
]
