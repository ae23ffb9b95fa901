"""Each memcg check fires on a program built to break it, beyond the stock variants."""

from __future__ import annotations

from memcglab.check import SCENARIOS, search
from memcglab.check.ops import CssOffline, CssPut, ReparentObjcg
from memcglab.check.program import Program
from memcglab.check.scenarios import (
    CHILD,
    LRU_ALL,
    css_free_path,
    lru_user,
    memcg_reparent_objcgs,
)


def world_of(name: str):
    world, _ = SCENARIOS[name].build("correct")
    return world


def test_objcg_repointed_outside_the_lru_locks_is_caught():
    # Re-pointing the objcgs after dropping the lru_locks: a thread that took
    # the child's lock and passed the recheck sees its folio change memcg
    # under its feet.
    topo = SCENARIOS["lru-reparent"].topo
    steps = memcg_reparent_objcgs(topo, "correct")
    late = [s for s in steps if isinstance(s, ReparentObjcg)]
    steps = [s for s in steps if not isinstance(s, ReparentObjcg)] + late
    out = search(world_of("lru-reparent"),
                 [lru_user("T1", LRU_ALL, "correct"), Program.build("T2", "late", steps)])
    assert out.violations[0].check == "folio-lruvec"
    texts = [s.text for s in out.counterexample]
    assert "lruvec_memcg(lruvec(child, node0)) == folio_memcg(N) == child: locked" in texts
    assert texts.index("reparent: child.objcg->memcg = parent") == len(texts) - 2


def test_freeing_a_memcg_with_folios_on_its_lru_loses_them():
    # The dying-memcg problem the series removes, as a check: skip reparenting.
    teardown = [CssOffline(CHILD), CssPut(CHILD), *css_free_path()]
    out = search(world_of("stat-reader"), [Program.build("T1", "no reparent", teardown)])
    assert [v.check for v in out.violations] == ["folio-list", "folio-list"]
    assert out.violations[0].message == (
        "F1 lost: still on lruvec(child, node0) inactive, which has been freed")


def test_adding_a_folio_twice_duplicates_it():
    # Two paths both adding N, each under the right lock: only folio
    # isolation (PG_lru ownership) would prevent this, and it is missing.
    adders = [lru_user(t, [("folio_add_lru", "N")], "correct") for t in ("T1", "T2")]
    out = search(world_of("stat-reader"), adders)
    assert out.violations[0].check == "folio-list"
    assert out.violations[0].message.startswith("N duplicated: on lruvec(child, node0) inactive")


def test_initial_world_satisfies_the_invariants():
    for name in SCENARIOS:
        assert world_of(name).check() == []
