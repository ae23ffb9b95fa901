"""Model invariants, checkable after every step (``Machine(check_invariants=True)``).

``check_machine(machine)`` walks the whole model (every memcg, lruvec, folio,
objcg, stock, swap record, list_lru and task) and raises ``InvariantViolation``
naming the invariant and the object the first time something does not add up.

What is checked, and why it holds in the model (the kernel reference for each
identity is cited beside its check):

* **Page counters.** Every non-root charge is a walk from a leaf counter to the
  root (mm/page_counter.c), and every uncharge starts at the charge's *current*
  owner: ``folio_memcg()`` for LRU and kmem folios, ``obj_cgroup_memcg()`` for
  byte-charged slab, the cached memcg of a per-cpu stock, the memcg behind a
  swap record's ID. Owners only ever move *up* (objcg reparenting, the 7.1 LRU
  splice, the <= 3.18 per-page reparent), and a dead child's counter keeps its
  stale usage. Hence, for every memcg that has not been offlined (and is not the
  root)::

      memory.usage == sum over charges owned in its subtree of their pages
                      (LRU folios + kmem folios + page-stock pages
                       + objcg bytes / PAGE_SIZE)

  where the objcg bytes of one objcg are its live objects, its per-cpu byte
  stock and its ``nr_charged_bytes`` remainder: that sum is always a whole
  number of pages (obj_cgroup_charge() charges ceil(size) pages and banks the
  rest; drain_obj_stock() and obj_cgroup_release() keep it whole). v1 adds
  ``memsw == memory + swap records`` and ``kmem == kmem pages + objcg pages``;
  v2 ``swap == swap records``. An offlined memcg's counter is *at least* that
  (stale charges), and any counter is at least the sum of its not-offlined
  children. The root is never charged directly (try_charge() returns early),
  so its memory counter equals the sum of every charge that went through a
  non-root leaf.

  The equalities are exact only when no deferred work is pending: an exited
  task's slab (task_struct & co.) is freed by an RCU callback the checker
  cannot see into, and objcg base references are dropped one grace period
  after reparenting. With work pending the checker asserts the ``>=`` bounds;
  after ``settle()`` it asserts equality (``drain_and_settle()`` also empties
  the per-cpu stocks, which the identities account for either way).

* **LRU lists.** Every folio on a list is on exactly one list, the one its
  flags select (folio_lru_list()), of the lruvec of ``folio_memcg(folio)`` and
  its node; ``lruvec.nr`` matches the list lengths (unevictable folios are
  counted, not listed); the lists are well linked; no lru_lock is left held.
  Every LRU folio belongs to a page cache or an address space and vice versa.

* **No freed object is reachable**: from folios, objcgs (and their
  ``objcg_list``), per-cpu stocks, swap records, list_lrus, slab objects, tasks
  or the memcg ID table.

* **Reference counts** are never negative; each css's ``refcnt`` equals the sum
  of its named holders, and the per-holder counts match what the model can see
  (``folio``, ``stock``, ``memcg id``, ``swap record``, ``task``...). A memcg is
  released exactly when its refcount is zero and freed one grace period later:
  with no deferred work pending, ``refcnt == 0 <=> released <=> freed``. Each
  objcg's refcount is its base reference (until killed) + the orig_objcg
  reference + one per folio, stock and object naming it.

* **Buffer-head LRUs** (fs/buffer.c): each CPU's holds at most 16 distinct
  buffers, each buffer's reference count is the number of LRUs holding it, and a
  held block's folio is still in the block device's page cache (a referenced buffer
  cannot be freed).
* **Statistics**: the hierarchical LRU-size, anon/file/shmem, kernel-stack,
  page-table and swap statistics equal what the folios and records say.

Cost: one O(folios + objects + memcgs) walk per call. ``Machine(check_invariants=N)``
with an int N > 1 checks every N-th call only.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from memcglab.kernel.folio import (
    LRU_NAMES,
    LRU_UNEVICTABLE,
    NR_LRU_LISTS,
    PG_ANON,
    PG_KMEM,
    PG_LRU,
    PG_SWAPBACKED,
    Folio,
    folio_lru_list,
)
from memcglab.kernel.list_lru import LONG_MIN
from memcglab.kernel.objcg import ObjCgroup
from memcglab.kernel.page_counter import PAGE_SIZE
from memcglab.machine.bh_lru import BH_LRU_SIZE

if TYPE_CHECKING:
    from memcglab.kernel.memcontrol import MemCgroup
    from memcglab.machine.machine import Machine

__all__ = ["InvariantViolation", "check_machine", "drain_and_settle"]


class InvariantViolation(AssertionError):
    """An invariant of the model does not hold; names the invariant and the object."""

    def __init__(self, invariant: str, obj: object, detail: str = ""):
        self.invariant = invariant
        self.obj = obj
        self.detail = detail
        msg = f"invariant violated: {invariant}: {obj!r}"
        super().__init__(msg + (f": {detail}" if detail else ""))


def drain_and_settle(machine: Machine) -> None:
    """Flush every CPU's page and byte stocks, then let all deferred work run."""
    ctl = machine.memcg
    saved = ctl.cpu
    for cpu in range(ctl.nr_cpus):
        ctl.cpu = cpu  # drain_all_stock() drains the current CPU synchronously
        ctl.drain_all_stock(ctl.root)
    ctl.cpu = saved
    machine.settle()


def check_machine(machine: Machine, quiescent: bool | None = None) -> None:
    """Check every invariant; ``quiescent`` defaults to "no deferred work pending".

    ``machine.check_invariants`` may be an int N > 1: then only every N-th call
    (from ``Machine._after_syscall``) checks.
    """
    every = machine.check_invariants
    if type(every) is int and every > 1:
        n = getattr(machine, "_invariant_calls", 0) + 1
        machine._invariant_calls = n
        if n % every:
            return
    if quiescent is None:
        quiescent = machine.clock.deferred_pending == 0
    _Checker(machine, quiescent).run()


def _fail(invariant: str, obj: object, detail: str = "") -> None:
    raise InvariantViolation(invariant, obj, detail)


class _Checker:
    def __init__(self, machine: Machine, quiescent: bool):
        self.m = machine
        self.ctl = machine.memcg
        self.profile = machine.profile
        self.quiescent = quiescent
        self.v1 = not self.ctl.on_dfl
        # Per memcg (by id()): pages charged *locally* (current owner is this memcg).
        self.mem_pages: Counter[int] = Counter()  # memory counter
        self.kmem_pages: Counter[int] = Counter()  # v1 kmem counter
        self.swap_recs: Counter[int] = Counter()
        self.folio_refs: Counter[int] = Counter()  # css "folio" holders expected
        self.kmem_css_refs: dict[int, Counter[str]] = {}
        self.objcg_refs: Counter[int] = Counter()  # refs from folios/stocks/objects
        self.objcg_bytes: Counter[int] = Counter()
        self.objcgs: dict[int, ObjCgroup] = {}
        self.stats: Counter[str] = Counter()  # expected hierarchical stats (bytes)
        self.unevictable: Counter[tuple[int, int]] = Counter()
        self.root_charged = 0  # pages charged through a non-root leaf, owned by the root now

    # ---- driver ---------------------------------------------------------------
    def run(self) -> None:
        self.check_memcgs()
        self.check_lrus()
        self.check_owned_folios()
        self.check_slab()
        self.check_stocks()
        self.check_swap()
        self.check_tasks()
        self.check_objcgs()
        self.check_css_refs()
        self.check_counters()
        self.check_stats()
        self.check_list_lrus()
        self.check_bh_lrus()

    # ---- memcgs, tree, IDs ------------------------------------------------------
    def check_memcgs(self) -> None:
        ctl = self.ctl
        self.live: dict[int, MemCgroup] = {id(m): m for m in ctl.memcgs}
        self.tree: list[MemCgroup] = []
        for css in ctl.core.css_for_each_descendant_pre(ctl.root.css):
            memcg = css.priv
            if id(memcg) not in self.live:
                _fail("memcg in the css tree is allocated", memcg)
            if css.released:
                _fail("released css left its parent's children list", memcg)
            self.tree.append(memcg)
        self.in_tree = {id(m) for m in self.tree}
        for memcg in ctl.memcgs:
            css = memcg.css
            if css.freed:
                _fail("freed memcg not in the controller's list", memcg)
            if css.priv is not memcg:
                _fail("css.priv points back at its memcg", memcg)
            if (memcg.parent is None) != (memcg is ctl.root):
                _fail("only the root memcg has no parent", memcg)
            if memcg.parent is not None and id(memcg.parent) not in self.live:
                _fail("a memcg's parent is not freed before it", memcg, repr(memcg.parent))
            if not css.released and id(memcg) not in self.in_tree:
                _fail("an unreleased memcg is reachable in the css tree", memcg)
        for mid, memcg in ctl.by_id.items():
            if id(memcg) not in self.live:
                _fail("memcg ID table names no freed memcg", memcg, f"id {mid}")
            if memcg.id != mid:
                _fail("memcg ID table matches memcg.id", memcg, f"table id {mid}")
        if self.profile.private_memcg_id:
            for memcg in ctl.memcgs:
                if (memcg.id != 0) != (memcg.id_ref > 0):
                    _fail("private memcg ID held iff id_ref > 0", memcg,
                          f"id={memcg.id} id_ref={memcg.id_ref}")
                if memcg.id_ref < 0:
                    _fail("memcg id_ref never negative", memcg, str(memcg.id_ref))
                if memcg.id and ctl.by_id.get(memcg.id) is not memcg:
                    _fail("a held memcg ID is in the ID table", memcg)

    # ---- LRU lists ---------------------------------------------------------------
    def check_lrus(self) -> None:
        self.on_lru: dict[int, Folio] = {}
        for memcg in self.ctl.memcgs:
            for nid, pn in enumerate(memcg.nodeinfo):
                lruvec = pn.lruvec
                if lruvec.memcg is not memcg or lruvec.nid != nid:
                    _fail("lruvec belongs to its memcg and node", lruvec)
                if lruvec.lock_depth != 0:
                    _fail("no lru_lock held between operations", lruvec,
                          f"lock_depth={lruvec.lock_depth}")
                for lru in range(NR_LRU_LISTS):
                    if lruvec.nr[lru] < 0:
                        _fail("LRU size never negative", lruvec, LRU_NAMES[lru])
                    if lru == LRU_UNEVICTABLE:
                        continue
                    self._walk_list(memcg, lruvec, lru)
                if memcg.css.released and any(lruvec.nr):
                    _fail("a released memcg's lruvec is empty", lruvec)

    def _walk_list(self, memcg: MemCgroup, lruvec, lru: int) -> None:
        head = lruvec.lists[lru]
        on_lru = self.on_lru
        pages = 0
        prev = head
        item = head.next
        while item is not head:
            if type(item) is not Folio:
                _fail("LRU lists hold only folios", lruvec, repr(item))
            if item.prev is not prev:
                _fail("LRU list links are consistent", item, f"{LRU_NAMES[lru]} of {lruvec!r}")
            key = id(item)
            if key in on_lru:
                _fail("a folio is on exactly one LRU list", item, f"seen again on {lruvec!r}")
            on_lru[key] = item
            if item.lru != lru or not item.flags & PG_LRU:
                _fail("folio.lru and PG_LRU match the list it is on", item,
                      f"on {LRU_NAMES[lru]} of {lruvec!r}")
            if folio_lru_list(item) != lru:
                _fail("a folio is on the list its flags select", item,
                      f"on {LRU_NAMES[lru]}, flags select {LRU_NAMES[folio_lru_list(item)]}")
            d = item.memcg_data
            owner = d.memcg if type(d) is ObjCgroup else d
            if id(owner) not in self.live:
                _fail("no folio references a freed memcg", item, repr(owner))
            if owner is not memcg or item.nid != lruvec.nid:
                _fail("an LRU folio is on the lruvec of folio_memcg(folio)", item,
                      f"on {lruvec!r}, folio_memcg is {owner!r}")
            pages += item.nr_pages
            prev = item
            item = item.next
        if head.prev is not prev:
            _fail("LRU list links are consistent", lruvec, f"{LRU_NAMES[lru]} tail")
        if pages != lruvec.nr[lru]:
            _fail("lruvec.nr matches the list length", lruvec,
                  f"{LRU_NAMES[lru]}: nr={lruvec.nr[lru]} listed={pages}")

    # ---- folios owned by page caches, address spaces and tasks --------------------
    def _owner_of(self, d, what) -> MemCgroup:
        owner = d.memcg if type(d) is ObjCgroup else d
        if id(owner) not in self.live:
            _fail("no folio references a freed memcg", what, repr(owner))
        if owner.css.released:
            _fail("no folio references a released memcg", what, repr(owner))
        if type(d) is ObjCgroup:
            self._note_objcg(d, what)
            if d.released:
                _fail("no folio references a released objcg", what, repr(d))
        return owner

    def _note_objcg(self, objcg: ObjCgroup, what) -> None:
        self.objcgs[id(objcg)] = objcg
        if objcg.refcnt < 0:
            _fail("objcg refcount never negative", objcg)

    def _charge_lru_folio(self, folio: Folio, where) -> None:
        d = folio.memcg_data
        if d is None:
            if folio.lru >= 0 or folio.flags & PG_LRU:
                _fail("an uncharged folio is not on an LRU", folio, where)
            return
        owner = self._owner_of(d, folio)
        nr = folio.nr_pages
        if folio.lru < 0:
            _fail("a charged folio of a page cache or mm is on an LRU", folio, where)
        if folio.lru == LRU_UNEVICTABLE:
            self.unevictable[(id(owner), folio.nid)] += nr
        elif self.on_lru.pop(id(folio), None) is None:
            _fail("a folio marked on an LRU is found on that LRU", folio, where)
        if type(d) is ObjCgroup:
            self.objcg_refs[id(d)] += nr  # one per page (anon runs)
            charged = not d.is_root
        else:
            if self.profile.lru_pins_css:
                self.folio_refs[id(d)] += nr  # one per page (anon runs)
            charged = not d.is_root
        if charged:
            if owner.is_root:
                self.root_charged += nr
            else:
                self.mem_pages[id(owner)] += nr
        if folio.flags & PG_ANON:
            self.stats["anon"] += nr * PAGE_SIZE
        else:
            self.stats["file"] += nr * PAGE_SIZE
            if folio.flags & PG_SWAPBACKED:
                self.stats["shmem"] += nr * PAGE_SIZE
        self.stats[LRU_NAMES[folio.lru]] += nr * PAGE_SIZE

    def _charge_kmem_folio(self, folio: Folio, item: str) -> None:
        d = folio.memcg_data
        if d is None:
            return
        if not folio.flags & PG_KMEM:
            _fail("a charged kernel page has PG_KMEM", folio, item)
        owner = self._owner_of(d, folio)
        nr = folio.nr_pages
        # One reference per page, as for order-0 pages (memcg_kmem_charge_page()).
        if type(d) is ObjCgroup:
            self.objcg_refs[id(d)] += nr
        else:
            self.kmem_css_refs.setdefault(id(d), Counter())[f"kmem page ({item})"] += nr
        if owner.is_root:
            self.root_charged += nr
        else:
            self.mem_pages[id(owner)] += nr
            self.kmem_pages[id(owner)] += nr
        self.stats[item] += nr * PAGE_SIZE

    def check_owned_folios(self) -> None:
        m = self.m
        seen: set[int] = set()
        for mapping in m.page_cache_mappings():
            for index, entry in mapping.pages.items():
                if type(entry) is not Folio:
                    continue
                if id(entry) in seen:
                    _fail("a folio belongs to one page cache", entry)
                seen.add(id(entry))
                if entry.mapping is not mapping or entry.index != index:
                    _fail("a page-cache folio points back at its slot", entry,
                          f"index {index}")
                self._charge_lru_folio(entry, f"page cache of {mapping.fs.name}")
        self.mms = {}
        for t in m.tasks.values():
            if t.mm is not None:
                self.mms[id(t.mm)] = t.mm
            for folio in t.stack:
                self._charge_kmem_folio(folio, "kernel_stack")
        for mm in self.mms.values():
            for index, entry in enumerate(mm.anon):
                if type(entry) is not Folio:
                    continue
                if id(entry) in seen:
                    _fail("a folio belongs to one address space", entry)
                seen.add(id(entry))
                if entry.mapping is not mm or entry.index != index:
                    _fail("an anon folio points back at its slot", entry, f"index {index}")
                self._charge_lru_folio(entry, "anon")
            for folio in mm.pagetables:
                self._charge_kmem_folio(folio, "pagetables")
        if self.on_lru:
            folio = next(iter(self.on_lru.values()))
            _fail("every LRU folio belongs to a page cache or an address space", folio,
                  f"{len(self.on_lru)} folio(s) on LRUs that nothing owns")
        for memcg in self.ctl.memcgs:
            for nid, pn in enumerate(memcg.nodeinfo):
                want = self.unevictable[(id(memcg), nid)]
                if pn.lruvec.nr[LRU_UNEVICTABLE] != want:
                    _fail("lruvec.nr[unevictable] counts the unevictable folios", pn.lruvec,
                          f"nr={pn.lruvec.nr[LRU_UNEVICTABLE]} folios={want}")

    # ---- slab objects --------------------------------------------------------------
    def _slab_owner(self, owner, size: int, what) -> None:
        if owner is None:
            return
        if type(owner) is ObjCgroup:
            self._note_objcg(owner, what)
            if owner.released:
                _fail("no slab object references a released objcg", what, repr(owner))
            if id(owner.memcg) not in self.live or owner.memcg.css.released:
                _fail("no objcg references a freed memcg", owner)
            self.objcg_refs[id(owner)] += 1
            self.objcg_bytes[id(owner)] += size
        else:
            if id(owner) not in self.live:
                _fail("no slab object references a freed memcg", what, repr(owner))

    def check_slab(self) -> None:
        m = self.m
        for fs in (m.rootfs, m.ext4, m.tmpfs, m.shmfs):
            stack = [fs.root]
            nodes = []
            while stack:
                d = stack.pop()
                nodes.append(d)
                for child in d.children.values():
                    if hasattr(child, "children"):
                        stack.append(child)
            # Regular files, including unlinked ones still open.
            nodes.extend(fs.files)
            for node in nodes:
                for obj in node.slab:
                    self._slab_owner(obj.owner, obj.size, obj)
            # Buffer heads of ext4 page-cache folios (data and metadata blocks).
            mappings = [f.mapping for f in fs.files] + ([fs.bdev] if fs.bdev else [])
            for mapping in mappings:
                for folio in mapping.pages.values():
                    if type(folio) is Folio and folio.private is not None:
                        bh = folio.private
                        self._slab_owner(bh.owner, bh.size, folio)
        for t in m.tasks.values():
            for owner, size in t.slab:
                self._slab_owner(owner, size, t)
        # 5.9+: each memcg's own per-cpu data (and 6.12+ structures), charged to its parent.
        for memcg in self.ctl.memcgs:
            for objcg, item, size in memcg.alloc_charges:
                self._slab_owner(objcg, size, memcg)
                if item == "percpu":
                    self.stats["percpu"] += size
        # <= 5.8: per-memcg slab caches; their pages are charged to (and pin) the memcg.
        self.slab_pages: Counter[int] = Counter()
        for memcg in self.ctl.memcgs:
            for item, nbytes in memcg.memcg_caches.items():
                if nbytes < 0:
                    _fail("per-memcg slab cache bytes never negative", memcg, item)
                pages = -(-nbytes // PAGE_SIZE)
                self.slab_pages[id(memcg)] += pages
                self.mem_pages[id(memcg)] += pages
                self.kmem_pages[id(memcg)] += pages

    # ---- per-cpu stocks ----------------------------------------------------------
    def check_stocks(self) -> None:
        ctl = self.ctl
        self.stock_refs: Counter[int] = Counter()
        for cpu, stock in enumerate(ctl.stocks):
            if len(stock.slots) > ctl.profile.nr_memcg_stock:
                _fail("a per-cpu stock caches at most NR_MEMCG_STOCK memcgs", stock, f"cpu {cpu}")
            for memcg, nr in stock.slots:
                if id(memcg) not in self.live or memcg.css.released:
                    _fail("no per-cpu stock references a freed memcg", memcg, f"cpu {cpu}")
                if memcg.is_root:
                    _fail("the root memcg is never stocked", memcg, f"cpu {cpu}")
                if not 0 <= nr <= ctl.profile.charge_batch:
                    _fail("stocked pages within 0..MEMCG_CHARGE_BATCH", memcg, f"cpu {cpu}: {nr}")
                self.stock_refs[id(memcg)] += 1
                self.mem_pages[id(memcg)] += nr
        for cpu, stock in enumerate(ctl.obj_stocks):
            objcg = stock.objcg
            if objcg is None:
                if stock.nr_bytes:
                    _fail("an empty byte stock holds no bytes", stock, f"cpu {cpu}")
                continue
            self._note_objcg(objcg, stock)
            if objcg.released:
                _fail("no per-cpu byte stock references a released objcg", objcg, f"cpu {cpu}")
            if stock.nr_bytes < 0:
                _fail("byte stock never negative", objcg, f"cpu {cpu}")
            self.objcg_refs[id(objcg)] += 1
            self.objcg_bytes[id(objcg)] += stock.nr_bytes

    # ---- swap records ------------------------------------------------------------
    def check_swap(self) -> None:
        ctl = self.ctl
        self.swap_records_by_id: Counter[int] = Counter()
        for slot, mid in ctl.swap_cgroup.map.items():
            memcg = ctl.by_id.get(mid)
            if memcg is None:
                _fail("every swap record names a memcg ID in use", ctl.swap_cgroup,
                      f"slot {slot} id {mid}")
            if id(memcg) not in self.live:
                _fail("no swap record references a freed memcg", memcg, f"slot {slot}")
            self.swap_records_by_id[mid] += 1
            self.swap_recs[id(memcg)] += 1
            self.stats["swap"] += PAGE_SIZE
        if self.profile.private_memcg_id:
            for memcg in ctl.memcgs:
                if not memcg.id:
                    continue
                want = int(memcg.css.online) + self.swap_records_by_id[memcg.id]
                if memcg.id_ref != want:
                    _fail("id_ref = online + swap records", memcg,
                          f"id_ref={memcg.id_ref} online={memcg.css.online} "
                          f"records={self.swap_records_by_id[memcg.id]}")

    # ---- tasks ---------------------------------------------------------------------
    def check_tasks(self) -> None:
        self.task_refs: Counter[int] = Counter()
        for t in self.m.tasks.values():
            css = t.cgroup.effective_css("memory")
            if t.alive and t.cgroup.dead:
                _fail("a live task is in a live cgroup", t)
            if t.alive and t.pid not in t.cgroup.tasks:
                _fail("a live task is listed in its cgroup", t)
            if css is None:
                continue
            memcg = css.priv
            if id(memcg) not in self.live:
                _fail("no task references a freed memcg", t, repr(memcg))
            self.task_refs[id(memcg)] += 1

    # ---- objcgs ----------------------------------------------------------------------
    def check_objcgs(self) -> None:
        orig: Counter[int] = Counter()
        for memcg in self.ctl.memcgs:
            for nid, pn in enumerate(memcg.nodeinfo):
                for what, objcg in (("objcg", pn.objcg), ("orig_objcg", pn.orig_objcg)):
                    if objcg is None:
                        continue
                    self._note_objcg(objcg, memcg)
                    if objcg.released:
                        _fail(f"a memcg's {what} is not released", objcg, repr(memcg))
                if pn.objcg is not None and (pn.objcg.killed or pn.objcg.memcg is not memcg
                                             or pn.objcg.nid != nid):
                    _fail("a memcg's current objcg is live and its own", pn.objcg, repr(memcg))
                if pn.orig_objcg is not None:
                    orig[id(pn.orig_objcg)] += 1
                for objcg in pn.objcg_list:
                    self._note_objcg(objcg, memcg)
                    if objcg.memcg is not memcg or not objcg.killed or objcg.released:
                        _fail("objcg_list holds killed, unreleased objcgs re-pointed here",
                              objcg, repr(memcg))
        for objcg in self.objcgs.values():
            if objcg.released:
                continue
            owner = objcg.memcg
            if id(owner) not in self.live or owner.css.released:
                _fail("no objcg references a freed or released memcg", objcg, repr(owner))
            seen_refs = orig[id(objcg)] + self.objcg_refs[id(objcg)]
            base = objcg.refcnt - seen_refs
            if self.quiescent:
                want = 0 if objcg.killed else 1
                if base != want:
                    _fail("objcg refcnt = base + orig_objcg + folios + stocks + objects", objcg,
                          f"refcnt={objcg.refcnt} seen={seen_refs} killed={objcg.killed}")
            elif base < (0 if objcg.killed else 1):  # pending RCU frees hold more
                _fail("objcg refcnt covers every reference to it", objcg,
                      f"refcnt={objcg.refcnt} seen={seen_refs} killed={objcg.killed}")
            total = self.objcg_bytes[id(objcg)] + objcg.nr_charged_bytes
            if objcg.nr_charged_bytes < 0:
                _fail("objcg nr_charged_bytes never negative", objcg)
            if self.quiescent and total % PAGE_SIZE:
                _fail("objcg bytes (objects + stock + remainder) are whole pages", objcg,
                      f"{total} bytes")
            pages = -(-total // PAGE_SIZE)
            if owner.is_root:
                self.root_charged += pages
            else:
                self.mem_pages[id(owner)] += pages
                self.kmem_pages[id(owner)] += pages

    # ---- css references ------------------------------------------------------------
    def check_css_refs(self) -> None:
        p = self.profile
        quiescent = self.quiescent
        cgroups = {}
        for memcg in self.ctl.memcgs:
            css = memcg.css
            self._check_css(css, memcg)
            cgroups[id(css.cgroup)] = css.cgroup
            h = css.holders
            key = id(memcg)
            if p.lru_pins_css and h.get("folio", 0) != self.folio_refs[key]:
                _fail("css 'folio' references = charged LRU folios", memcg,
                      f"holders={h.get('folio', 0)} folios={self.folio_refs[key]}")
            if h.get("stock", 0) != self.stock_refs[key]:
                _fail("css 'stock' references = per-cpu stock slots", memcg,
                      f"holders={h.get('stock', 0)} slots={self.stock_refs[key]}")
            if p.private_memcg_id and h.get("memcg id", 0) != int(memcg.id_ref > 0):
                _fail("the memcg ID pins the css while referenced", memcg)
            if not p.slab_via_objcg and h.get("slab page", 0) != self.slab_pages[key]:
                _fail("css 'slab page' references = per-memcg slab cache pages", memcg,
                      f"holders={h.get('slab page', 0)} pages={self.slab_pages[key]}")
            if p.swap_record_css_ref and h.get("swap record", 0) != self.swap_recs[key]:
                _fail("css 'swap record' references = swap records", memcg)
            for holder, n in self.kmem_css_refs.get(key, Counter()).items():
                if h.get(holder, 0) != n:
                    _fail(f"css '{holder}' references = kmem pages", memcg,
                          f"holders={h.get(holder, 0)} pages={n}")
            if quiescent and h.get("task", 0) != self.task_refs[key]:
                _fail("css 'task' references = tasks attached", memcg,
                      f"holders={h.get('task', 0)} tasks={self.task_refs[key]}")
        for cg in list(cgroups.values()):
            self._check_css(cg.self_css, cg)

    def _check_css(self, css, obj) -> None:
        if css.refcnt < 0:
            _fail("css refcnt never negative", obj, str(css.refcnt))
        if any(n <= 0 for n in css.holders.values()):
            _fail("css holder counts are positive", obj, str(dict(css.holders)))
        if css.refcnt != sum(css.holders.values()):
            _fail("css refcnt = sum of its holders", obj,
                  f"refcnt={css.refcnt} holders={dict(css.holders)}")
        if css.released and css.refcnt:
            _fail("a css is released only at refcount zero", obj)
        if css.freed and not css.released:
            _fail("a css is freed only after release", obj)
        if self.quiescent:
            if (css.refcnt == 0) != css.released:
                _fail("with no deferred work pending: refcnt == 0 <=> released", obj,
                      f"refcnt={css.refcnt} released={css.released}")
            if css.released != css.freed and css.ss is not None:
                _fail("with no deferred work pending: released <=> freed", obj)

    # ---- page counters -----------------------------------------------------------------
    def check_counters(self) -> None:
        quiescent = self.quiescent
        v1 = self.v1
        sub_mem: Counter[int] = Counter()
        sub_kmem: Counter[int] = Counter()
        sub_swap: Counter[int] = Counter()
        children: dict[int, list] = {}
        for memcg in reversed(self.tree):  # children before parents
            key = id(memcg)
            sub_mem[key] += self.mem_pages[key]
            sub_kmem[key] += self.kmem_pages[key]
            if not memcg.is_root:
                sub_swap[key] += self.swap_recs[key]
            parent = memcg.parent
            if parent is not None:
                sub_mem[id(parent)] += sub_mem[key]
                sub_kmem[id(parent)] += sub_kmem[key]
                sub_swap[id(parent)] += sub_swap[key]
                children.setdefault(id(parent), []).append(memcg)
        names = ("memory", "swap", "kmem", "tcpmem")
        for memcg in self.ctl.memcgs:
            for name in names:
                c = getattr(memcg, name)
                if c.usage < 0 or c.watermark < c.usage or c.local_watermark < c.usage:
                    _fail(f"{name} counter: 0 <= usage <= watermarks", memcg,
                          f"usage={c.usage} watermark={c.watermark}")
                want_parent = getattr(memcg.parent, name) if memcg.parent else None
                if c.parent is not want_parent:
                    _fail(f"{name} counter's parent is the parent memcg's", memcg)
        for memcg in self.tree:
            key = id(memcg)
            live_children = [c for c in children.get(key, ()) if c.css.online]
            for name in names:
                c = getattr(memcg, name)
                below = sum(getattr(ch, name).usage for ch in live_children)
                if c.usage < below:
                    _fail(f"{name} usage >= sum of its live children's", memcg,
                          f"usage={c.usage} children={below}")
            if memcg.memory.protection_support:
                kids = children.get(key, ())
                for attr in ("children_min_usage", "children_low_usage"):
                    field = attr[len("children_"):]
                    want = sum(getattr(ch.memory, field) for ch in kids)
                    if getattr(memcg.memory, attr) != want:
                        _fail(f"memory.{attr} = sum of the children's protected usage",
                              memcg, f"{getattr(memcg.memory, attr)} != {want}")
            if memcg.is_root:
                continue
            expected = [("memory", sub_mem[key])]
            if v1:
                expected.append(("memsw", sub_mem[key] + sub_swap[key]))
                expected.append(("kmem", sub_kmem[key]))
            else:
                expected.append(("swap", sub_swap[key]))
            exact = quiescent and memcg.css.online
            for name, want in expected:
                usage = getattr(memcg, "swap" if name == "memsw" else name).usage
                if exact and usage != want:
                    _fail(f"{name} usage = pages charged in the subtree", memcg,
                          f"usage={usage} charged={want}")
                if usage < want:
                    _fail(f"{name} usage >= pages charged in the subtree", memcg,
                          f"usage={usage} charged={want}")
        if not self.profile.reparent_lru_pages_at_offline:
            root = self.ctl.root
            # Every charge went through a non-root leaf; top-level subtrees + the
            # charges now owned by the root itself.
            want = self.root_charged + sum(sub_mem[id(c)] for c in children.get(id(root), ()))
            usage = root.memory.usage
            if (quiescent and usage != want) or usage < want:
                _fail("root memory usage = every charge made below it", root,
                      f"usage={usage} charged={want}")

    # ---- statistics ---------------------------------------------------------------------
    def check_stats(self) -> None:
        total: Counter[str] = Counter()
        for memcg in self.tree:
            total.update(memcg.stat)
            total.update(memcg.stat_dead)
        lru_pages = [0] * NR_LRU_LISTS
        for memcg in self.ctl.memcgs:
            for pn in memcg.nodeinfo:
                for i, n in enumerate(pn.lruvec.nr):
                    lru_pages[i] += n
        for i, name in enumerate(LRU_NAMES):
            if total[name] != lru_pages[i] * PAGE_SIZE:
                _fail(f"hierarchical {name} = LRU sizes", self.ctl.root,
                      f"stat={total[name]} lru={lru_pages[i] * PAGE_SIZE}")
        for name in ("anon", "file", "shmem", "kernel_stack", "pagetables", "swap", "percpu"):
            if total[name] != self.stats[name]:
                _fail(f"hierarchical {name} = what the folios and records say", self.ctl.root,
                      f"stat={total[name]} expected={self.stats[name]}")

    # ---- list_lrus ----------------------------------------------------------------------
    def check_list_lrus(self) -> None:
        by_kmemcg = {m.kmemcg_id: m for m in self.ctl.memcgs
                     if m.kmemcg_id >= 0 and m.css.online}
        for lru in self.ctl.list_lrus:
            lists = [(None, one) for one in lru.node]
            for kid, ones in lru.xa.items():
                memcg = by_kmemcg.get(kid)
                if memcg is None:
                    _fail("a list_lru slot belongs to an online memcg", lru, f"kmemcg_id {kid}")
                lists.extend((memcg, one) for one in ones)
            for memcg, one in lists:
                if one.nr_items == LONG_MIN:
                    _fail("no dead list_lru list is reachable", lru, repr(memcg))
                if one.nr_items != len(one.items):
                    _fail("list_lru nr_items = items listed", lru,
                          f"{memcg!r}: {one.nr_items} != {len(one.items)}")
                for obj in one.items:
                    owner = getattr(obj, "owner", None)
                    if type(owner) is ObjCgroup:
                        if owner.released:
                            _fail("no list_lru item references a released objcg", obj)
                    elif owner is not None and id(owner) not in self.live:
                        _fail("no list_lru item references a freed memcg", obj)

    # ---- buffer-head LRUs -----------------------------------------------------------------
    def check_bh_lrus(self) -> None:
        """fs/buffer.c: a buffer-head LRU entry holds a reference on its buffer, so a
        block's folio is still in the block device's page cache; each buffer's count is
        the number of CPUs whose LRU holds it, at most BH_LRU_SIZE distinct per CPU."""
        lrus = self.m.bh_lrus
        held: Counter[int] = Counter()
        for lru in lrus.lrus:
            if len(lru) > BH_LRU_SIZE or len({id(e) for e in lru}) != len(lru):
                _fail("a CPU's buffer-head LRU holds at most 16 distinct buffers", lru)
            for entry in lru:
                held[id(entry)] += 1
        if len(held) != len(lrus.refs):
            _fail("every buffer in a buffer-head LRU is counted", lrus)
        for entry, n in lrus.refs.items():
            if held[id(entry)] != n:
                _fail("a buffer's LRU references = the LRUs holding it", entry)
            if type(entry) is Folio and self.m.ext4.bdev.pages.get(entry.index) is not entry:
                _fail("a buffer in a buffer-head LRU is still in the page cache", entry)
