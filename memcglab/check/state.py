"""The shared state of the lock-protocol model: memcgs, lruvecs, objcgs, folios, RCU.

This is the part of the kernel that ``folio_lruvec_lock()`` and
``memcg_reparent_objcgs()`` (mm/memcontrol.c) race on, reduced to what the
protocol depends on:

* memcgs with a lifecycle (online -> offline -> released -> freed, as in
  mem_cgroup_css_offline / css_release / css_free_rwork_fn) and a css
  reference count;
* one lruvec per (memcg, node) with an ``lru_lock`` (holder or None), LRU
  lists (tuples of folio names) and the LRU sizes kept beside them;
* obj_cgroups whose ``->memcg`` is the one binding reparenting rewrites;
* folios, whose objcg never changes here (the scenarios only touch folios
  that are locked or on the LRU, where folio->objcg is stable), with the
  PG_lru and PG_active flags;
* RCU: the threads inside a read-side section and, per thread waiting for a
  grace period, the readers that period still waits for.

Helper names follow the kernel (and drgn) so scenarios read like the code
they model: folio_memcg, folio_lruvec, lruvec_memcg, mem_cgroup_lruvec.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

from memcglab.check.program import Violation

ONLINE, OFFLINE, RELEASED, FREED = "online", "offline", "released", "freed"
LRUS = ("inactive", "active")
OBJCG_LOCK = "objcg_lock"


@dataclass(frozen=True, order=True)
class Lruvec:
    """A pointer to ``mem_cgroup_per_node(memcg, node)->lruvec``."""

    memcg: str
    node: int

    def __str__(self) -> str:
        return f"lruvec({self.memcg}, node{self.node})"


@dataclass(frozen=True)
class Topology:
    """What never changes during one exploration."""

    parent: dict[str, str | None]
    nodes: tuple[int, ...]
    # memcg->objcg_list: the memcg's own objcg first, then those inherited
    # from descendants that died earlier (what memcg_reparent_objcgs re-points).
    objcgs: dict[str, tuple[str, ...]]
    folio_objcg: dict[str, str]
    folio_node: dict[str, int]


def lock_name(lock: Lruvec | str) -> str:
    return f"{lock}->lru_lock" if isinstance(lock, Lruvec) else lock


class MemcgWorld:
    """The mutable state; the explorer clones it before every step."""

    def __init__(self, topo: Topology) -> None:
        self.topo = topo
        self.life: dict[str, str] = dict.fromkeys(topo.parent, ONLINE)
        self.refs: dict[str, int] = dict.fromkeys(topo.parent, 1)
        self.objcg_memcg: dict[str, str] = {
            objcg: memcg for memcg, objcgs in topo.objcgs.items() for objcg in objcgs
        }
        self.pg_lru: dict[str, bool] = dict.fromkeys(topo.folio_objcg, False)
        self.pg_active: dict[str, bool] = dict.fromkeys(topo.folio_objcg, False)
        self.lists: dict[tuple[Lruvec, str], tuple[str, ...]] = {
            (Lruvec(m, n), lru): () for m in topo.parent for n in topo.nodes for lru in LRUS
        }
        self.sizes: dict[tuple[Lruvec, str], int] = dict.fromkeys(self.lists, 0)
        self.locks: dict[Lruvec | str, str | None] = {OBJCG_LOCK: None}
        self.locks.update({Lruvec(m, n): None for m in topo.parent for n in topo.nodes})
        self.rcu_readers: frozenset[str] = frozenset()
        # waiter thread -> readers its grace period still waits for
        self.grace_periods: dict[str, frozenset[str]] = {}

    # -- set-up ------------------------------------------------------------

    def place(self, folio: str, lru: str = "inactive") -> None:
        """Put ``folio`` on its lruvec before the threads start."""
        lruvec = folio_lruvec(self, folio)
        self.lists[lruvec, lru] += (folio,)
        self.sizes[lruvec, lru] += 1
        self.pg_lru[folio] = True
        self.pg_active[folio] = lru == "active"

    # -- World protocol ----------------------------------------------------

    def clone(self) -> MemcgWorld:
        new = object.__new__(MemcgWorld)
        new.__dict__.update(self.__dict__)
        for name in ("life", "refs", "objcg_memcg", "pg_lru", "pg_active", "lists", "sizes",
                     "locks", "grace_periods"):
            setattr(new, name, dict(getattr(self, name)))
        return new

    def key(self) -> Hashable:
        # Dict keys are fixed at construction (except grace_periods), so the
        # value tuples are canonical without sorting.
        return (
            tuple(self.life.values()), tuple(self.refs.values()),
            tuple(self.objcg_memcg.values()),
            tuple(self.pg_lru.values()), tuple(self.pg_active.values()),
            tuple(self.lists.values()), tuple(self.sizes.values()),
            tuple(self.locks.values()), self.rcu_readers,
            tuple(sorted(self.grace_periods.items())),
        )

    def check(self) -> list[Violation]:
        return self._check_sizes() + self._check_folios()

    def final_check(self) -> list[Violation]:
        return []

    def _check_sizes(self) -> list[Violation]:
        # update_lru_size() runs under the same lru_lock as the list update,
        # so the two never disagree once a step (a critical section slice)
        # is over.
        return [
            Violation("lru-size", f"{lruvec} {lru}: size {self.sizes[lruvec, lru]} but "
                                  f"{len(folios)} folio(s) on the list")
            for (lruvec, lru), folios in self.lists.items()
            if self.life[lruvec.memcg] != FREED and self.sizes[lruvec, lru] != len(folios)
        ]

    def _check_folios(self) -> list[Violation]:
        # Not the converse: the kernel clears PG_lru before taking a folio
        # off its list (folio_isolate_lru), so an unflagged listed folio is fine.
        where: dict[str, list[tuple[Lruvec, str]]] = {f: [] for f in self.pg_lru}
        for (lruvec, lru), folios in self.lists.items():
            for folio in folios:
                where[folio].append((lruvec, lru))
        out = []
        for folio, places in where.items():
            freed = [f"{lv} {lru}" for lv, lru in places if self.life[lv.memcg] == FREED]
            if freed:
                out.append(Violation("folio-list", f"{folio} lost: still on {freed[0]}, "
                                                   "which has been freed"))
            elif len(places) > 1:
                on = ", ".join(f"{lv} {lru}" for lv, lru in places)
                out.append(Violation("folio-list", f"{folio} duplicated: on {on}"))
            elif self.pg_lru[folio] and not places:
                out.append(Violation("folio-list", f"{folio} lost: PG_lru set but on no list"))
        return out

    # -- queries used in trace text -----------------------------------------

    def list_text(self, lruvec: Lruvec) -> str:
        parts = []
        for lru in LRUS:
            folios = self.lists[lruvec, lru]
            if folios:
                parts.append(f"{lru}=[{' '.join(folios)}]")
        return f"{lruvec}: {' '.join(parts) or 'empty'}"


# -- kernel-named helpers ----------------------------------------------------


def folio_objcg(world: MemcgWorld, folio: str) -> str:
    return world.topo.folio_objcg[folio]


def obj_cgroup_memcg(world: MemcgWorld, objcg: str) -> str:
    return world.objcg_memcg[objcg]


def folio_memcg(world: MemcgWorld, folio: str) -> str:
    """READ_ONCE(folio_objcg(folio)->memcg): the binding reparenting rewrites."""
    return obj_cgroup_memcg(world, folio_objcg(world, folio))


def mem_cgroup_lruvec(memcg: str, node: int) -> Lruvec:
    return Lruvec(memcg, node)


def folio_lruvec(world: MemcgWorld, folio: str) -> Lruvec:
    return mem_cgroup_lruvec(folio_memcg(world, folio), world.topo.folio_node[folio])


def lruvec_memcg(lruvec: Lruvec) -> str:
    return lruvec.memcg


def folio_lists(world: MemcgWorld, folio: str) -> list[tuple[Lruvec, str]]:
    """Where the folio's list_head actually is (at most one place when sane)."""
    return [key for key, folios in world.lists.items() if folio in folios]
