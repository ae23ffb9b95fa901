"""The memcglab command line: run, demo, kernels, check-locking, real, compare."""

from __future__ import annotations

import json
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from importlib import resources
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from memcglab.kernel.profiles import DEFAULT_KERNEL, PROFILES, get_profile
from memcglab.runner import SPEEDS, RunOptions, RunRecord, run_script

err_console = Console(stderr=True, highlight=False)


def _kernels(values: tuple[str, ...]) -> list[str]:
    if not values:
        return [DEFAULT_KERNEL]
    out: list[str] = []
    for v in values:
        for k in v.split(","):
            if k == "all":
                out.extend(PROFILES)
            elif k not in PROFILES:
                known = ", ".join(PROFILES)
                raise click.BadParameter(f"unknown kernel {k!r}; known: {known}, all",
                                         param_hint="--kernel")
            else:
                out.append(k)
    return list(dict.fromkeys(out))


def _options(f):
    opts = [
        click.option("--kernel", "-k", "kernels", multiple=True,
                     help="Kernel profile (repeatable, comma list, or 'all'; "
                          f"default {DEFAULT_KERNEL})."),
        click.option("--cgroup", type=click.Choice(["auto", "v1", "v2"]), default="auto",
                     show_default=True, help="cgroup interface to mount."),
        click.option("--cpus", type=click.IntRange(1, 256), default=2, show_default=True),
        click.option("--nodes", type=click.IntRange(1, 16), default=1, show_default=True),
        click.option("--memory", default="2G", show_default=True, help="RAM size."),
        click.option("--swap", default=None, help="Swap size (default: no swap)."),
        click.option("--seed", type=int, default=0, show_default=True),
        click.option("--speed", type=click.Choice(list(SPEEDS)), default="native",
                     show_default=True, help="Command costs: native hardware, or qemu TCG."),
    ]
    for o in reversed(opts):
        f = o(f)
    return f


def _run_opts(cgroup, cpus, nodes, memory, swap, seed, speed, check=False) -> RunOptions:
    return RunOptions(cgroup=cgroup, cpus=cpus, nodes=nodes, memory=memory, swap=swap,
                      seed=seed, speed=speed, check_invariants=check)


def _script_name(script) -> str:
    """The name a script file's messages carry (``run.sh: line 3: ...``). For ``-``, click
    reads stdin through a wrapper over its byte stream, which is named ``<stdin>`` from a
    terminal or pipe but has no name at all under click's CliRunner (a BytesIO)."""
    return Path(getattr(script, "name", "<stdin>")).name


def _run_one(args: tuple[str, str, RunOptions, str]) -> RunRecord | str:
    """One kernel's run, in a worker process: the record, or the error to report."""
    text, kernel, opts, name = args
    try:
        record = run_script(text, kernel, opts, name=name)
    except ValueError as e:
        return str(e)
    del record.machine  # stays in the worker; records are plain data
    return record


def _run_all(text: str, name: str, kernels: list[str], opts: RunOptions) -> list[RunRecord]:
    """Run the script on each kernel, several at a time (the runs are independent)."""
    jobs = [(text, k, opts, name) for k in kernels]
    status = err_console.status(f"running {name} on {', '.join(kernels)}", spinner="dots") \
        if err_console.is_terminal else None
    if status:
        status.start()
    try:
        if len(jobs) == 1:
            results = [_run_one(jobs[0])]
        else:
            workers = min(len(jobs), os.cpu_count() or 1)
            with ProcessPoolExecutor(max_workers=workers) as pool:
                results = list(pool.map(_run_one, jobs))
    finally:
        if status:
            status.stop()
    for r in results:
        if isinstance(r, str):
            raise click.ClickException(r)
    return results


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="memcglab")
def main() -> None:
    """An executable model of the Linux memory-cgroup controller and its dying memcgs."""


@main.command()
@click.argument("script", type=click.File("r", errors="surrogateescape"))
@_options
@click.option("--json", "json_out", type=click.File("w"), default=None,
              help="Write one JSON record per run ('-' for stdout).")
@click.option("--plot", type=click.Path(dir_okay=False), default=None,
              help="Write a PNG of online and dying memcgs over simulated time.")
@click.option("--why", is_flag=True, help="After the run, say what pins each dying memcg.")
@click.option("--check-invariants", is_flag=True, help="Check model invariants after every write.")
def run(script, kernels, cgroup, cpus, nodes, memory, swap, seed, speed, json_out, plot, why,
        check_invariants) -> None:
    """Run SCRIPT in a simulated machine, as root, in the root cgroup, in /root."""
    text = script.read()
    ks = _kernels(kernels)
    opts = _run_opts(cgroup, cpus, nodes, memory, swap, seed, speed, check_invariants)
    records = _run_all(text, _script_name(script), ks, opts)
    json_to_stdout = json_out is not None and json_out.name == "<stdout>"
    if not json_to_stdout:
        if len(records) == 1:
            sys.stdout.write(records[0].stdout)
            sys.stderr.write(records[0].stderr)
        else:
            _print_side_by_side(records)
    for r in records:
        if r.note:
            err_console.print(f"memcglab: {r.note}")
    if why:
        for r in records:
            _print_why(r)
    if json_out is not None:
        json.dump([r.to_json() for r in records], json_out, indent=1, sort_keys=True)
        json_out.write("\n")
    if plot:
        _write_plot(records, plot)
        err_console.print(f"memcglab: wrote {escape(plot)}")
    sys.exit(records[0].exit_status if len(records) == 1 else
             max(r.exit_status for r in records))


def _write_plot(records: list[RunRecord], path: str) -> None:
    """A path that cannot be written (or a format matplotlib does not know) is a usage
    error, not a traceback."""
    from memcglab.plot import plot_timelines

    try:
        plot_timelines(records, path)
    except (OSError, ValueError) as e:
        raise click.ClickException(f"cannot write the plot {path}: {e}") from None


def _print_side_by_side(records: list[RunRecord]) -> None:
    out = Console(highlight=False)
    table = Table(title="script output, side by side", show_lines=False)
    table.add_column("line", justify="right")
    for r in records:
        table.add_column(f"{r.kernel} ({r.cgroup})")
    outputs = [r.stdout.splitlines() for r in records]
    for i in range(max(len(o) for o in outputs)):
        # Text(): the script's output is shown as it is, never read as rich markup.
        table.add_row(str(i + 1), *[Text(o[i] if i < len(o) else "") for o in outputs])
    out.print(table)
    _print_counters(out, records)
    _print_stderrs([(f"{r.kernel} ({r.cgroup})", r.stderr) for r in records])


def _print_stderrs(runs: list[tuple[str, str]]) -> None:
    """Each run's stderr (error messages, bash's job notices) after a side-by-side
    view, on stderr as the script wrote it: once if every run wrote the same."""
    if not any(text for _, text in runs):
        return
    if all(text == runs[0][1] for _, text in runs):
        runs = [(" and ".join(label for label, _ in runs) + ", the same", runs[0][1])]
    for label, text in runs:
        err_console.rule(f"stderr of {escape(label)}", characters="-")
        sys.stderr.write(text or "(nothing)\n")
        sys.stderr.flush()


def _print_counters(out: Console, records: list[RunRecord]) -> None:
    table = Table(title="at the end of the script (memory num_cgroups, memcgs) and once "
                        "teardown settles")
    for col in ("kernel", "exit", "cgroups", "online", "dying", "settled", "Percpu kB",
                "time (s)"):
        table.add_column(col, justify="right")
    for r in records:
        table.add_row(r.kernel, str(r.exit_status), str(r.final["num_cgroups"]),
                      str(r.final["online_memcgs"]), str(r.final["dying_memcgs"]),
                      str(r.settled.get("dying_memcgs", "")), str(r.final["percpu_kb"]),
                      f"{r.simulated_seconds:.2f}")
    out.print(table)


def _print_why(r: RunRecord) -> None:
    if not r.dying_pins:
        err_console.print(f"[{r.kernel}] no dying memcgs after teardown settled")
        return
    pins = ", ".join(f"{k}: {v}" for k, v in r.dying_pins.items())
    err_console.print(f"[{r.kernel}] {r.settled['dying_memcgs']} dying memcgs, pinned by {pins}")


SEED_000 = "seed000-eliminate-dying-memcg.sh"
# One kernel per outcome of the seed: reparenting at offline, kmem pins, LRU pins, the fix.
DEMO_KERNELS = ("3.18", "5.10", "6.1", "7.1")


def scenario_text(name: str) -> str:
    return resources.files("memcglab.scenarios").joinpath(name).read_text()


@main.command()
@click.option("--kernel", "-k", "kernels", multiple=True,
              help="Kernels to compare (default: 3.18, 5.10, 6.1, 7.1 — one per outcome; "
                   "'all' for every profile).")
@click.option("--iterations", type=click.IntRange(1, 70000), default=None,
              help="Loop iterations (default: the seed's 2001).")
@click.option("--plot", type=click.Path(dir_okay=False), default="memcglab-demo.png",
              show_default=True)
@click.option("--json", "json_out", type=click.File("w"), default=None)
def demo(kernels, iterations, plot, json_out) -> None:
    """Seed 000's reproducer on several kernels: a table and a plot."""
    # The seed's last line removes `log`, which would free what pins the dying
    # memcgs; the demo keeps it so that it can show what holds them.
    text = scenario_text(SEED_000).replace("rm -f temp log\n", "")
    if iterations is not None:
        text = text.replace("{0..2000}", f"{{0..{iterations - 1}}}")
    ks = _kernels(kernels) if kernels else list(DEMO_KERNELS)
    records = _run_all(text, SEED_000, ks, RunOptions())
    out = Console(highlight=False)
    out.print("Seed 000 reproducer (\"Eliminate Dying Memory Cgroup\", v6 cover letter): "
              "mkdir, move the shell in, `cat temp >> log`, move out, rmdir.")
    table = Table(title="memory num_cgroups (/proc/cgroups) and what is left once teardown "
                        "settles")
    for col in ("kernel", "before", "after loop", "settled", "dying", "pinned by",
                "Percpu kB"):
        table.add_column(col, justify="right")
    for r in records:
        lines = [ln for ln in r.stdout.splitlines() if ln.startswith("memory")]
        before = lines[0].split("\t")[2] if lines else "?"
        after = lines[-1].split("\t")[2] if len(lines) > 1 else "?"
        pins = ", ".join(f"{k} ({v})" for k, v in r.dying_pins.items()) or "-"
        table.add_row(r.kernel, before, after, str(r.settled["num_cgroups"]),
                      str(r.settled["dying_memcgs"]), pins, str(r.settled["percpu_kb"]))
    out.print(table)
    _write_plot(records, plot)
    out.print(f"plot: {plot}")
    if json_out is not None:
        json.dump([r.to_json() for r in records], json_out, indent=1, sort_keys=True)
        json_out.write("\n")


@main.command()
def kernels() -> None:
    """The kernel profiles and what each changes."""
    out = Console(highlight=False)
    table = Table(show_lines=True)
    table.add_column("kernel")
    table.add_column("what pins a deleted memcg / what changed")
    table.add_column("cgroup")
    for name, p in PROFILES.items():
        modes = "/".join(m for m, ok in (("v1", p.cgroup_v1_memory), ("v2", p.cgroup_v2)) if ok)
        table.add_row(name, p.summary, modes)
    out.print(table)


@main.command()
@click.argument("script", type=click.File("r", errors="surrogateescape"))
@click.option("--kernel", "-k", default="6.1", show_default=True,
              type=click.Choice(["6.1", "6.12"]), help="Real kernel to compare with.")
@click.option("--cgroup", type=click.Choice(["auto", "v1", "v2"]), default="auto",
              show_default=True)
@click.option("--cpus", type=click.IntRange(1, 16), default=2, show_default=True)
@click.option("--memory", default="2G", show_default=True)
@click.option("--swap", default=None)
@click.option("--speed", type=click.Choice(list(SPEEDS)), default="tcg", show_default=True,
              help="Model command costs (the real kernel runs under qemu TCG).")
@click.option("--tolerance", type=int, default=None,
              help="Exit 1 if num_cgroups or nr_dying_descendants differ by more than this.")
@click.option("--json", "json_out", type=click.File("w"), default=None)
def compare(script, kernel, cgroup, cpus, memory, swap, speed, tolerance, json_out) -> None:
    """Run SCRIPT on the model and on the real kernel (qemu), side by side."""
    from dataclasses import asdict

    from memcglab.compare import compare as run_compare
    from memcglab.real import RealKernelError

    opts = RunOptions(cgroup=cgroup, cpus=cpus, memory=memory, swap=swap, speed=speed)
    try:
        result = run_compare(script.read(), kernel, opts, name=_script_name(script))
    except (RealKernelError, ValueError) as e:
        raise click.ClickException(str(e)) from None
    out = Console(highlight=False)
    table = Table(title=f"model vs real kernel {kernel} ({result.cgroup}) {result.package}")
    for col in ("line", "model", "real", "difference"):
        table.add_column(col)
    for lineno, ml, rl, pairs in result.numbers:
        diffs = " ".join(_fmt_diff(a, b) for a, b in pairs)
        table.add_row(str(lineno), Text(ml.expandtabs(4)), Text(rl.expandtabs(4)), diffs)
    out.print(table)
    counters = Table(title="counters after the script (and 1 s of teardown)")
    for col in ("counter", "model", "real", "difference"):
        counters.add_column(col, justify="right")
    for name, (m, r) in result.counters.items():
        counters.add_row(name, str(m), str(r),
                         "" if m is None or r is None else f"{m - r:+d}")
    counters.add_row("exit status", str(result.model_status), str(result.real_status),
                     f"{result.model_status - result.real_status:+d}")
    out.print(counters)
    _print_stderrs([("the model", result.model_stderr), (f"real {kernel}", result.real_stderr)])
    if json_out is not None:
        json.dump(asdict(result), json_out, indent=1, sort_keys=True)
        json_out.write("\n")
    if tolerance is not None and result.max_counter_difference() > tolerance:
        sys.exit(1)


def _fmt_diff(a: float, b: float) -> str:
    if a != a or b != b:  # NaN: one side printed fewer numbers
        return "?"
    d = a - b
    return "=" if d == 0 else (f"{d:+g}")


def _register_optional() -> None:
    from memcglab.check.command import check_locking

    main.add_command(check_locking)
    try:
        from memcglab.real.command import real
    except ImportError:
        return
    main.add_command(real)


_register_optional()


@main.command(hidden=True)
@click.argument("kernel")
def profile(kernel) -> None:
    """Print every switch of one profile."""
    try:
        p = get_profile(kernel)
    except ValueError as e:
        raise click.ClickException(str(e)) from None
    for key, value in vars(p).items():
        click.echo(f"{key} = {value}")


if __name__ == "__main__":
    main()
