"""The check-locking command."""

from __future__ import annotations

from click.testing import CliRunner

from memcglab.check import SCENARIOS, command
from memcglab.check.command import check_locking


def run(*args: str):
    return CliRunner().invoke(check_locking, list(args))


def test_default_runs_everything_and_passes():
    result = run()
    assert result.exit_code == 0, result.output
    header = result.output.splitlines()[0].split()
    assert header == ["scenario", "variant", "result", "states", "transitions", "time"]
    for verdict in ("verified", "caught folio-lruvec", "caught lru-exclusion",
                    "caught use-after-free"):
        assert verdict in result.output
    assert "VIOLATED use-after-free: " in result.output
    assert result.output.rstrip().endswith("variant(s) caught")


def test_correct_variant_only_prints_no_traces():
    result = run("--variant", "correct")
    assert result.exit_code == 0, result.output
    assert "VIOLATED" not in result.output
    table, summary = result.output.strip().split("\n\n")
    assert "caught" not in table
    assert summary == f"{len(SCENARIOS)} correct run(s) verified, 0 broken variant(s) caught"


def test_one_scenario_one_variant():
    result = run("reclaim-reparent", "--variant", "child-lock-only")
    assert result.exit_code == 0, result.output
    table = result.output.split("\n\n")[0].splitlines()
    assert len(table) == 2
    assert "reclaim-reparent / child-lock-only: caught lru-exclusion" in result.output


def test_unsupported_combination_is_a_usage_error():
    result = run("stat-reader", "--variant", "child-lock-only")
    assert result.exit_code == 2
    assert "has no variant child-lock-only" in result.output


def test_exit_status_is_1_when_a_run_is_not_as_expected(monkeypatch):
    real = command.explore

    def pretend_correct_failed(name, variant):
        report = real(name, "no-recheck")
        report.variant, report.expected = variant, None
        return report

    monkeypatch.setattr(command, "explore", pretend_correct_failed)
    result = run("lru-reparent", "--variant", "correct")
    assert result.exit_code == 1
    assert "FAILED folio-lruvec" in result.output
    assert "1 of 1 runs did not go as expected: lru-reparent/correct" in result.output
