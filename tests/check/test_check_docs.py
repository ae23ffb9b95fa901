"""docs/locking.md quotes the tool verbatim; keep it that way."""

from __future__ import annotations

from pathlib import Path

import pytest

from memcglab.check import SCENARIOS, explore, format_report

DOC = Path(__file__).resolve().parents[2] / "docs" / "locking.md"


@pytest.mark.parametrize(("name", "variant"), [
    ("lruvec-lock-free", "no-recheck"),
    ("reclaim-reparent", "child-lock-only"),
    ("stat-reader", "no-rcu"),
])
def test_counterexamples_in_the_doc_match_the_tool(name, variant):
    assert f"```\n{format_report(explore(name, variant))}\n```" in DOC.read_text()


def test_correct_run_summary_in_the_doc_matches_the_tool():
    text = DOC.read_text()
    for name in SCENARIOS:
        head = "\n".join(format_report(explore(name)).splitlines()[:2])
        assert head in text
