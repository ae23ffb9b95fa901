"""The reparenting lock protocol: verified as written, broken without each ingredient."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from memcglab.check import SCENARIOS, explore, format_report
from memcglab.check.ops import LruvecStale

CORRECT = sorted(SCENARIOS)
BROKEN = sorted((name, variant) for name, s in SCENARIOS.items() for variant in s.expect)
THREE_THREADS = ["lru-pair-reparent", "lru-reclaim-reparent", "lru-stat-free"]


def test_every_broken_variant_is_exercised():
    assert {variant for _, variant in BROKEN} == {"no-recheck", "child-lock-only", "no-rcu"}


@pytest.mark.parametrize("name", CORRECT)
def test_correct_protocol_verifies(name):
    report = explore(name)
    assert report.ok, format_report(report)
    assert report.as_expected
    assert report.counterexample is None
    # The search really branched: many states, more transitions than states
    # (schedules rejoin), and far more schedules than states.
    assert report.states >= 100
    assert report.transitions > report.states
    assert report.interleavings > 10 * report.states


@pytest.mark.parametrize("name", THREE_THREADS)
def test_correct_protocol_verifies_with_three_threads(name):
    report = explore(name, "correct")
    assert len(report.threads) == 3
    assert report.ok, format_report(report)
    assert report.states > 1000


def test_correct_protocol_exercises_the_retry(monkeypatch):
    # Verification means something only if some schedule locks a stale
    # lruvec, fails the recheck and goes round the retry loop.
    retries = []
    recheck = LruvecStale.run

    def spy(self, world, ctx):
        text = recheck(self, world, ctx)
        if ctx.jump:
            retries.append(text)
        return text

    monkeypatch.setattr(LruvecStale, "run", spy)
    assert explore("lru-reparent", "correct").ok
    assert "lruvec_memcg(lruvec(child, node0)) = child != folio_memcg(N) = parent: retry" \
        in retries


@pytest.mark.parametrize(("name", "variant"), BROKEN)
def test_broken_variant_yields_the_expected_counterexample(name, variant):
    report = explore(name, variant)
    assert not report.ok
    assert report.violated == SCENARIOS[name].expect[variant]
    assert report.as_expected
    assert report.counterexample
    assert f"\n  VIOLATED {report.violated}: " in format_report(report)


def test_no_recheck_acts_under_a_stale_lock():
    report = explore("lruvec-lock-free", "no-recheck")
    last = report.counterexample[-1]
    assert last.thread == "T1"
    assert last.text.startswith("lru_activate(lruvec(child, node0), F1) -> ")
    assert report.violations[0].message == (
        "T1 holds lruvec(child, node0)->lru_lock but folio_lruvec(F1) is lruvec(parent, node0)")
    # Acting through the stale lruvec also corrupts both lruvecs' LRU sizes.
    assert [v.check for v in report.violations[1:]] == ["lru-size", "lru-size"]


def test_child_lock_only_races_with_the_parent_lock_holder():
    report = explore("reclaim-reparent", "child-lock-only")
    assert report.violations[0].message == (
        "T2 changes lruvec(parent, node0)'s lists while T1 holds its lru_lock")


def test_no_rcu_frees_the_memcg_under_the_reader():
    report = explore("stat-reader", "no-rcu")
    texts = [s.text for s in report.counterexample]
    assert texts[0] == "folio_memcg(F1) -> child"
    assert "css_free_rwork_fn(child): memcg and its lruvecs freed" in texts
    assert report.violated == "use-after-free"


@pytest.mark.parametrize(("name", "variant", "steps"), [
    # T1 locks the parent lruvec (1); T2 offlines, takes objcg_lock and the
    # child's lock and splices into the locked list (4).
    ("reclaim-reparent", "child-lock-only", 5),
    # T1 needs rcu_read_lock, folio_lruvec, spin_lock and the list op (4), with
    # the lookup before the re-pointing and the lock after the child's unlock.
    # T2 must get that far: offline, objcg_lock, 2 locks, splice, 2 objcg
    # stores, 2 unlocks (9).
    ("lru-reclaim-reparent", "no-recheck", 13),
    # As above on two nodes: T2 takes and drops 4 lru_locks and splices twice.
    ("lru-reparent", "no-recheck", 18),
    # T1 reads folio_memcg (1), T2 runs all of offline (10) and the free path
    # (css_put, css_release, grace period, css_free: 4), T1 derefs (1).
    ("stat-reader", "no-rcu", 16),
])
def test_counterexamples_are_minimal(name, variant, steps):
    assert len(explore(name, variant).counterexample) == steps


ALL_REPORTS = """
from memcglab.check import SCENARIOS, explore, format_report
from memcglab.check.ops import LruvecStale
print("\\n\\n".join(format_report(explore(name, variant))
                  for name in sorted(SCENARIOS) for variant in SCENARIOS[name].variants))
"""


def test_output_is_deterministic():
    # Separate interpreters with different hash seeds: nothing may depend on
    # set or dict hashing order (or on timing).
    root = Path(__file__).resolve().parents[2]
    outputs = []
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=str(root))
        proc = subprocess.run([sys.executable, "-c", ALL_REPORTS], env=env, cwd=root,
                              capture_output=True, text=True, check=True)
        outputs.append(proc.stdout)
    assert outputs[0] == outputs[1]
    assert "VIOLATED" in outputs[0]
    twice = [format_report(explore("lru-stat-free", "no-rcu")) for _ in range(2)]
    assert twice[0] == twice[1]
    assert twice[0] in outputs[0]


def test_unknown_variant_is_rejected():
    with pytest.raises(ValueError, match="no variant 'no-rcu'"):
        explore("reclaim-reparent", "no-rcu")
