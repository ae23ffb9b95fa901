"""The threads that race on a dying memcg, and the protocol variants to check.

Every scenario starts from the same small hierarchy::

    parent              objcg list: parent.objcg          LRU: P
    └── child (dies)    objcg list: child.objcg, gchild.objcg
                        LRU: F1 (child.objcg), F2 (gchild.objcg)
    N: a new folio charged to child.objcg, not yet on an LRU

``gchild.objcg`` stands for an objcg the child inherited from a descendant
that died earlier: memcg_reparent_objcgs() must re-point it too.

The threads are spelled with the helpers below, one per kernel path, so a
variant is a change in one place:

* ``correct``: folio_lruvec_lock() as in the series (rcu_read_lock, lookup,
  lock, recheck, retry) and reparenting under objcg_lock plus the child's
  and the parent's lru_lock of every node;
* ``no-recheck``: folio_lruvec_lock() without the recheck under the lock;
* ``child-lock-only``: memcg_reparent_objcgs() without the parent's lru_lock;
* ``no-rcu``: the lockless lookups without rcu_read_lock().
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from memcglab.check.ops import (
    CssFree,
    CssOffline,
    CssPut,
    CssRelease,
    FolioLruvec,
    FolioMemcg,
    IsolateLruFolios,
    LruActivate,
    LruReparentMemcg,
    LruvecAddFolio,
    LruvecDelFolio,
    LruvecStale,
    MemCgroupLruvec,
    ModLruvecState,
    RcuGracePeriod,
    RcuReadLock,
    RcuReadUnlock,
    ReparentObjcg,
    SpinLock,
    SpinUnlock,
)
from memcglab.check.program import Instr, Label, Program, Reg
from memcglab.check.state import OBJCG_LOCK, Lruvec, MemcgWorld, Topology

VARIANTS = ("correct", "no-recheck", "child-lock-only", "no-rcu")

CHILD, PARENT = "child", "parent"
LRUVEC = Reg("lruvec")


# -- kernel paths -----------------------------------------------------------------


def folio_lruvec_lock(folio: str | Reg, variant: str, tag: str) -> tuple[list, list]:
    """folio_lruvec_lock() (mm/memcontrol.c): returns (inline steps, out-of-line
    retry block).  The lruvec ends up in the ``lruvec`` register."""
    retry, stale = f"{tag}.retry", f"{tag}.stale"
    body: list = [] if variant == "no-rcu" else [RcuReadLock()]
    body += [Label(retry), FolioLruvec(folio), SpinLock(LRUVEC)]
    if variant == "no-recheck":
        return body, []
    body.append(LruvecStale(folio, LRUVEC, branch=stale))
    return body, [Label(stale), SpinUnlock(LRUVEC, goto=retry)]


def lruvec_unlock(variant: str) -> list[Instr]:
    """lruvec_unlock(): drop the lru_lock, then leave the RCU section."""
    return [SpinUnlock(LRUVEC)] + ([] if variant == "no-rcu" else [RcuReadUnlock()])


def under_folio_lruvec_lock(op: type[Instr], folio: str | Reg, variant: str,
                            tag: str) -> tuple[list, list]:
    body, cold = folio_lruvec_lock(folio, variant, tag)
    return body + [op(folio, LRUVEC)] + lruvec_unlock(variant), cold


# The LRU operations an LRU user performs on one folio, by kernel entry point.
LRU_OPS: dict[str, type[Instr]] = {
    "folio_add_lru": LruvecAddFolio,
    "folio_activate": LruActivate,
    "folio_isolate_lru": LruvecDelFolio,
    "folio_putback_lru": LruvecAddFolio,
}


def lru_user(name: str, ops: list[tuple[str, str]], variant: str) -> Program:
    body, cold = [], []
    for i, (entry, folio) in enumerate(ops):
        b, c = under_folio_lruvec_lock(LRU_OPS[entry], folio, variant, f"{entry}#{i}")
        body += b
        cold += c
    role = "LRU user: " + ", ".join(f"{entry}({folio})" for entry, folio in ops)
    return Program.build(name, role, body, cold)


def reclaim(name: str, variant: str) -> Program:
    """shrink_inactive_list() on the parent's lruvec: isolate the tail folio
    under that lruvec's lock, then put it back through folio_lruvec_lock()
    (move_folios_to_lru()), because by then it may map elsewhere."""
    lruvec = Lruvec(PARENT, 0)
    back, cold = under_folio_lruvec_lock(LruvecAddFolio, Reg("folio"), variant, "putback")
    body = [SpinLock(lruvec), IsolateLruFolios(lruvec), SpinUnlock(lruvec), back]
    return Program.build(name, f"reclaim: isolate from {lruvec} and put back", body, cold)


def stat_reader(name: str, variant: str) -> Program:
    """__lruvec_stat_mod_folio(): a lockless folio_memcg() lookup under RCU
    followed by a write into that memcg's lruvec."""
    body = [FolioMemcg("F1"), MemCgroupLruvec(Reg("memcg"), 0), ModLruvecState(LRUVEC)]
    if variant != "no-rcu":
        body = [RcuReadLock(), *body, RcuReadUnlock()]
    return Program.build(name, "stat update: __lruvec_stat_mod_folio(F1)", body)


def memcg_reparent_objcgs(topo: Topology, variant: str) -> list[Instr]:
    """mem_cgroup_css_offline() -> memcg_reparent_objcgs() as the series has it:
    reparent_locks() (objcg_lock, then per node the child's and the parent's
    lru_lock, nested), lru_reparent_memcg() per node, the objcg re-pointing of
    __memcg_reparent_objcgs(), reparent_unlocks() in reverse order."""
    child, parent = CHILD, topo.parent[CHILD]
    both = variant != "child-lock-only"
    steps: list[Instr] = [CssOffline(child), SpinLock(OBJCG_LOCK)]
    for node in topo.nodes:
        steps.append(SpinLock(Lruvec(child, node)))
        if both:
            steps.append(SpinLock(Lruvec(parent, node)))
    steps += [LruReparentMemcg(child, parent, node) for node in topo.nodes]
    steps += [ReparentObjcg(objcg, parent) for objcg in topo.objcgs[child]]
    for node in reversed(topo.nodes):
        if both:
            steps.append(SpinUnlock(Lruvec(parent, node)))
        steps.append(SpinUnlock(Lruvec(child, node)))
    steps.append(SpinUnlock(OBJCG_LOCK))
    return steps


def css_free_path() -> list[Instr]:
    """css_release() -> queue_rcu_work() -> css_free_rwork_fn()."""
    return [CssRelease(CHILD), RcuGracePeriod(), CssFree(CHILD)]


def offline(name: str, topo: Topology, variant: str, *, free: bool) -> Program:
    steps = memcg_reparent_objcgs(topo, variant)
    role = "offline: memcg_reparent_objcgs(child)"
    if free:
        steps += [CssPut(CHILD), *css_free_path()]
        role += ", css_put, css_release, RCU grace period, css_free"
    return Program.build(name, role, steps)


# -- scenarios ------------------------------------------------------------------------


def topology(nodes: tuple[int, ...] = (0,), f2_node: int = 0) -> Topology:
    return Topology(
        parent={PARENT: None, CHILD: PARENT},
        nodes=nodes,
        objcgs={PARENT: ("parent.objcg",), CHILD: ("child.objcg", "gchild.objcg")},
        folio_objcg={"P": "parent.objcg", "F1": "child.objcg", "F2": "gchild.objcg",
                     "N": "child.objcg"},
        folio_node={"P": 0, "F1": 0, "F2": f2_node, "N": 0},
    )


@dataclass(frozen=True)
class Scenario:
    name: str
    summary: str
    topo: Topology
    threads: Callable[[Topology, str], list[Program]]
    # broken variant -> the check it must fail; "correct" must always verify
    expect: dict[str, str] = field(default_factory=dict)

    @property
    def variants(self) -> tuple[str, ...]:
        return ("correct", *self.expect)

    def build(self, variant: str) -> tuple[MemcgWorld, list[Program]]:
        if variant not in self.variants:
            raise ValueError(f"scenario {self.name} has no variant {variant!r} "
                             f"(it has: {', '.join(self.variants)})")
        world = MemcgWorld(self.topo)
        for folio in ("P", "F1", "F2"):
            world.place(folio)
        return world, self.threads(self.topo, variant)


LRU_ALL = [("folio_add_lru", "N"), ("folio_activate", "F1"),
           ("folio_isolate_lru", "F2"), ("folio_putback_lru", "F2")]
LRU_ADD_ACTIVATE = [("folio_add_lru", "N"), ("folio_activate", "F1")]
LRU_ISOLATE_PUTBACK = [("folio_isolate_lru", "F2"), ("folio_putback_lru", "F2")]

_SCENARIOS = [
    Scenario(
        "lru-reparent",
        "LRU add/activate/isolate/putback racing with memcg_reparent_objcgs(), two nodes",
        topology(nodes=(0, 1), f2_node=1),
        lambda topo, v: [lru_user("T1", LRU_ALL, v), offline("T2", topo, v, free=False)],
        {"no-recheck": "folio-lruvec"},
    ),
    Scenario(
        "reclaim-reparent",
        "reclaim isolating from the parent's lruvec while the child's LRU is spliced onto it",
        topology(),
        lambda topo, v: [reclaim("T1", v), offline("T2", topo, v, free=False)],
        {"child-lock-only": "lru-exclusion"},
    ),
    Scenario(
        "lru-reclaim-reparent",
        "three threads: an LRU user, reclaim on the parent and memcg_reparent_objcgs()",
        topology(),
        lambda topo, v: [lru_user("T1", LRU_ADD_ACTIVATE, v), reclaim("T2", v),
                         offline("T3", topo, v, free=False)],
        {"no-recheck": "folio-lruvec", "child-lock-only": "lru-exclusion"},
    ),
    Scenario(
        "lru-pair-reparent",
        "three threads: two LRU users on different child folios and memcg_reparent_objcgs()",
        topology(),
        lambda topo, v: [lru_user("T1", LRU_ADD_ACTIVATE, v),
                         lru_user("T2", LRU_ISOLATE_PUTBACK, v),
                         offline("T3", topo, v, free=False)],
        {"no-recheck": "folio-lruvec"},
    ),
    Scenario(
        "lruvec-lock-free",
        "folio_activate() racing with offline, css release and the RCU-deferred free",
        topology(),
        lambda topo, v: [lru_user("T1", [("folio_activate", "F1")], v),
                         offline("T2", topo, v, free=True)],
        {"no-recheck": "folio-lruvec", "no-rcu": "use-after-free"},
    ),
    Scenario(
        "stat-reader",
        "a lockless folio_memcg() stat update racing with offline and css free",
        topology(),
        lambda topo, v: [stat_reader("T1", v), offline("T2", topo, v, free=True)],
        {"no-rcu": "use-after-free"},
    ),
    Scenario(
        "lru-stat-free",
        "three threads: folio_activate(), a stat update and offline through css free",
        topology(),
        lambda topo, v: [lru_user("T1", [("folio_activate", "F1")], v), stat_reader("T2", v),
                         offline("T3", topo, v, free=True)],
        {"no-recheck": "folio-lruvec", "no-rcu": "use-after-free"},
    ),
]

SCENARIOS: dict[str, Scenario] = {s.name: s for s in _SCENARIOS}
