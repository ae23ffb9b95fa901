"""``memcglab check-locking``: run the interleaving checker from the command line.

Runs every requested (scenario, variant) pair, prints a summary table and the
counterexample of each failing run, and exits 0 only if every correct
protocol verified and every broken variant was caught by the check it is
meant to break - so the command doubles as a regression test of the model.
"""

from __future__ import annotations

import click

from memcglab.check.explorer import explore
from memcglab.check.report import format_report, format_table
from memcglab.check.scenarios import SCENARIOS, VARIANTS

_HELP = """Exhaustively check the folio_lruvec_lock() / reparenting lock protocol.

SCENARIO is one of those below (default: all).  Each is explored over every
interleaving of its threads; the variants it supports are in brackets.  See
docs/locking.md.

\b
""" + "\n".join(f"{s.name}: {s.summary} [{', '.join(s.variants)}]" for s in SCENARIOS.values())


@click.command("check-locking", help=_HELP)
@click.argument("scenario", required=False, default="all", metavar="[SCENARIO]",
                type=click.Choice(["all", *SCENARIOS]))
@click.option("--variant", default="all", show_default=True,
              type=click.Choice([*VARIANTS, "all"]),
              help="Protocol variant to check; broken ones must yield a counterexample.")
def check_locking(scenario: str, variant: str) -> None:
    """Check the requested (scenario, variant) pairs; exit 1 on any surprise."""
    names = list(SCENARIOS) if scenario == "all" else [scenario]
    runs = [(name, v) for name in names for v in SCENARIOS[name].variants
            if variant in ("all", v)]
    if not runs:
        raise click.UsageError(f"scenario {scenario} has no variant {variant} "
                               f"(it has: {', '.join(SCENARIOS[scenario].variants)})")
    reports = [explore(name, v) for name, v in runs]
    click.echo(format_table(reports))
    for report in reports:
        if report.counterexample is not None or not report.as_expected:
            click.echo()
            click.echo(format_report(report))
    bad = [r for r in reports if not r.as_expected]
    click.echo()
    if bad:
        click.echo(f"{len(bad)} of {len(reports)} runs did not go as expected: "
                   + ", ".join(f"{r.scenario}/{r.variant}" for r in bad))
        raise SystemExit(1)
    verified = sum(r.expected is None for r in reports)
    click.echo(f"{verified} correct run(s) verified, {len(reports) - verified} broken "
               "variant(s) caught")

