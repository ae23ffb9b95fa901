"""``memcglab real``: run a script on a real kernel under qemu (registered by memcglab.cli)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from memcglab.real.errors import RealKernelError, RealKernelTimeout
from memcglab.real.packages import KERNELS, setup
from memcglab.real.runner import run_real


@click.command("real")
@click.argument("script", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option("--kernel", type=click.Choice(sorted(KERNELS)), default="6.1", show_default=True)
@click.option(
    "--cgroup", type=click.Choice(["auto", "v1", "v2"]), default="auto", show_default=True,
    help="auto: v1 memory hierarchy if the script names /sys/fs/cgroup/memory, else cgroup2.",
)  # fmt: skip
@click.option("--memory", default="2G", show_default=True, help="guest RAM")
@click.option("--cpus", type=int, default=2, show_default=True)
@click.option("--swap", default=None, help="size of a swap disk, e.g. 512M (default: none)")
@click.option("--timeout", type=float, default=600, show_default=True, help="seconds")
@click.option(
    "--shell", type=click.Choice(["auto", "bash", "sh"]), default="auto", show_default=True,
    help="auto: busybox sh if the shebang names sh, ash or dash, else bash (as the model).",
)  # fmt: skip
@click.option("--setup", "do_setup", is_flag=True, help="install qemu and fetch the kernels")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("-v", "--verbose", is_flag=True, help="report kernel, shell and timing on stderr")
def real(script, kernel, cgroup, memory, cpus, swap, timeout, shell, do_setup, cache_dir,
         verbose):  # fmt: skip
    """Run SCRIPT as root on a real Linux kernel booted under qemu.

    The script runs in /root (an ext4 disk), in the root cgroup. Its stdout and stderr
    are printed as they came and the command exits with the script's status.
    """
    try:
        if do_setup:
            setup(cache_dir, log=lambda m: click.echo(m, err=True))
            if script is None:
                return
        if script is None:
            raise click.UsageError("give a SCRIPT (or --setup)")
        text = Path(script).read_text()
        r = run_real(text, kernel=kernel, cgroup=cgroup, memory=memory, cpus=cpus, swap=swap,
                     timeout=timeout, cache_dir=cache_dir, shell=shell)  # fmt: skip
    except RealKernelTimeout as e:
        if e.partial is not None:
            sys.stdout.write(e.partial.stdout)
            sys.stderr.write(e.partial.stderr)
        click.echo(f"memcglab real: {e}", err=True)
        sys.exit(124)
    except RealKernelError as e:
        click.echo(f"memcglab real: {e}", err=True)
        sys.exit(125)
    sys.stdout.write(r.stdout)
    sys.stdout.flush()
    sys.stderr.write(r.stderr)
    if verbose:
        click.echo(
            f"[{r.kernel_version} ({r.package}), cgroup {r.cgroup}, shell {r.shell}, "
            f"script {r.script_seconds}s, total {r.elapsed:.1f}s, exit {r.exit_status}]",
            err=True,
        )
    sys.exit(r.exit_status)
