"""Results of a check and how they are printed.

A counterexample prints as one line per atomic step - step number, thread,
what the step did and the state it left behind - followed by the check that
failed.  The text depends only on the scenario and variant, never on
timing, so two runs print identical traces; elapsed time appears only in
the summary table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from memcglab.check.program import Violation


@dataclass(frozen=True)
class TraceStep:
    thread: str
    text: str


@dataclass
class Report:
    scenario: str
    variant: str
    threads: list[tuple[str, str]]  # (name, role)
    ok: bool
    states: int
    transitions: int
    interleavings: int | None  # complete schedules; only known when ok
    elapsed: float
    counterexample: list[TraceStep] | None
    violations: list[Violation]
    expected: str | None  # the check a broken variant must fail; None for "correct"

    @property
    def violated(self) -> str | None:
        return self.violations[0].check if self.violations else None

    @property
    def as_expected(self) -> bool:
        """Correct protocols verify; broken ones fail the check they were built to break."""
        if self.expected is None:
            return self.ok
        return self.violated == self.expected

    @property
    def result(self) -> str:
        if self.ok:
            return "verified" if self.expected is None else "MISSED"
        if self.expected is None:
            return f"FAILED {self.violated}"
        if self.violated != self.expected:
            return f"caught {self.violated} (expected {self.expected})"
        return f"caught {self.violated}"


def format_report(report: Report) -> str:
    """The header, the threads and, if any, the counterexample with its verdict."""
    lines = [f"{report.scenario} / {report.variant}: {report.result}"]
    if report.ok:
        schedules = ("unbounded" if report.interleavings is None
                     else f"{report.interleavings:,}")
        lines.append(f"  {report.states:,} states, {report.transitions:,} transitions, "
                     f"{schedules} complete interleavings")
    else:
        lines.append(f"  first violation after {len(report.counterexample)} steps "
                     f"({report.states:,} states, {report.transitions:,} transitions searched)")
    lines += [f"  {name} = {role}" for name, role in report.threads]
    if report.counterexample is not None:
        width = len(str(len(report.counterexample)))
        for i, step in enumerate(report.counterexample, 1):
            lines.append(f"  {i:>{width}}  {step.thread}  {step.text}")
        first, *rest = report.violations
        lines.append(f"  VIOLATED {first.check}: {first.message}")
        lines += [f"    also {v.check}: {v.message}" for v in rest]
    return "\n".join(lines)


def format_table(reports: Sequence[Report]) -> str:
    """One row per run, with elapsed time (for the CLI, not for comparisons)."""
    header = ("scenario", "variant", "result", "states", "transitions", "time")
    rows = [
        (r.scenario, r.variant, r.result, f"{r.states:,}", f"{r.transitions:,}",
         f"{r.elapsed:.2f}s")
        for r in reports
    ]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    right = {3, 4, 5}

    def fmt(row: Sequence[str]) -> str:
        cells = (c.rjust(w) if i in right else c.ljust(w)
                 for i, (c, w) in enumerate(zip(row, widths, strict=True)))
        return "  ".join(cells).rstrip()

    return "\n".join([fmt(header), *(fmt(row) for row in rows)])
