"""run_real: one fresh guest per script."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from memcglab.real.errors import RealKernelError, RealKernelTimeout
from memcglab.real.initramfs import build_initramfs, choose_cgroup, choose_shell
from memcglab.real.packages import (
    HOST_PACKAGES,
    KERNELS,
    default_cache_dir,
    is_static_elf,
    read_manifest,
)
from memcglab.real.qemu import qemu_command, run_qemu


@dataclass
class RealResult:
    stdout: str
    stderr: str
    exit_status: int
    kernel_version: str  # uname -r in the guest
    package: str  # e.g. "linux-image-6.1.0-56-amd64 6.1.192-2"
    boot_log: str
    elapsed: float  # wall seconds for the whole qemu run (boot + script + poweroff)
    script_seconds: float | None = None  # guest uptime spent in the script itself
    shell: str = ""
    cgroup: str = ""
    boot: str = ""  # which image booted: "vmlinux" (PVH entry) or "bzImage"
    control: dict[str, str] = field(default_factory=dict)


def _find_tool(name: str) -> str:
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    if path is None:
        raise RealKernelError(f"{name} not found: apt-get install e2fsprogs")
    return path


def _read(p: Path) -> str:
    return p.read_bytes().decode("utf-8", "replace") if p.exists() else ""


def _parse_control(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        m = re.match(r"MCL (\w+)=(.*)", line.strip())
        if m:
            out[m.group(1)] = m.group(2)
    return out


def kernel_paths(kernel: str, cache_dir: Path | None = None) -> tuple[Path, dict]:
    """The prepared kernel directory and its manifest entry, or a clear error."""
    cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
    if kernel not in KERNELS:
        raise RealKernelError(f"unknown kernel {kernel!r}; known: {', '.join(KERNELS)}")
    entry = read_manifest(cache_dir).get("kernels", {}).get(kernel)
    kdir = cache_dir / kernel
    if entry is None or not (kdir / "vmlinux").exists():
        raise RealKernelError(
            f"kernel {kernel} is not prepared in {cache_dir}: run `memcglab real --setup`"
        )
    return kdir, entry


def run_real(
    script: str,
    kernel: str = "6.1",
    cgroup: str = "auto",
    memory: str = "2G",
    cpus: int = 2,
    swap: str | None = None,
    timeout: float = 600,
    cache_dir: Path | None = None,
    shell: str = "auto",
    disk_size: str = "512M",
    boot: str = "auto",
) -> RealResult:
    """Boot ``kernel`` under qemu, run ``script`` as root in /root, return what it printed.

    ``cgroup``: "v1" mounts the v1 memory hierarchy at /sys/fs/cgroup/memory, "v2" mounts
    cgroup2 at /sys/fs/cgroup with +memory enabled, "auto" picks v1 when the script names
    /sys/fs/cgroup/memory. ``shell``: "bash", "sh" (busybox) or "auto" (sh for a
    POSIX-shell shebang, else bash).
    ``boot``: "pvh" enters the extracted vmlinux directly, "bzimage" boots the bzImage,
    "auto" tries PVH and falls back to the bzImage when the guest never reached /init.
    """
    kdir, entry = kernel_paths(kernel, cache_dir)
    cg = choose_cgroup(script, cgroup)
    if cg == "v1" and not entry.get("memcg_v1", True):
        raise RealKernelError(
            f"kernel {kernel} has no cgroup v1 memory controller (CONFIG_MEMCG_V1 unset); "
            "use --kernel 6.1 or --cgroup v2"
        )
    sh = choose_shell(script, shell)
    for pkg in ("busybox-static", "bash-static"):
        if not is_static_elf(Path(HOST_PACKAGES[pkg])):
            raise RealKernelError(
                f"{HOST_PACKAGES[pkg]} missing or not static: apt-get install {pkg}"
            )
    mkfs = _find_tool("mkfs.ext4")
    with tempfile.TemporaryDirectory(prefix="memcglab-real-") as tmp:
        work = Path(tmp)
        initrd = work / "initrd.cpio"
        initrd.write_bytes(build_initramfs(script, kdir / "modules", cg, sh))
        disk = work / "root.img"
        # Eager inode-table/journal init so the guest's ext4lazyinit thread stays idle.
        res = subprocess.run(
            [mkfs, "-F", "-q", "-E", "lazy_itable_init=0,lazy_journal_init=0", str(disk),
             disk_size],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if res.returncode != 0:
            raise RealKernelError(f"mkfs.ext4 failed: {res.stderr}")
        disks = [disk]
        if swap:
            swapimg = work / "swap.img"
            subprocess.run(["truncate", "-s", swap, str(swapimg)], check=True)
            disks.append(swapimg)
        # "auto": PVH entry into vmlinux (seconds faster under TCG); if that guest never
        # reached /init (no control line at all), boot the bzImage instead.
        images = {"pvh": ["vmlinux"], "bzimage": ["bzImage"], "auto": ["vmlinux", "bzImage"]}
        for name in images[boot]:
            cmd, files = qemu_command(kdir / name, initrd, disks, work, memory, cpus)
            run = run_qemu(cmd, files, timeout)
            control = _parse_control(_read(files["control"]))
            if control or run.returncode is None:
                break
        qemu_err = _read(files["console"].with_suffix(".qemu.txt"))
        result = RealResult(
            stdout=_read(files["stdout"]),
            stderr=_read(files["stderr"]),
            exit_status=int(control.get("status", -1)),
            kernel_version=control.get("kernel", ""),
            package=f"{entry['package']} {entry['version']}",
            boot_log=_read(files["console"]).replace("\r\n", "\n"),
            elapsed=run.elapsed,
            shell=sh,
            cgroup=cg,
            control=control,
            boot=name,
        )
    if "start" in control and "end" in control:
        start, end = (float(control[k].split()[0]) for k in ("start", "end"))
        result.script_seconds = round(end - start, 2)
    if run.returncode is None:
        raise RealKernelTimeout(
            f"guest timed out after {timeout:.0f}s (kernel {kernel}); raise --timeout?",
            partial=result,
        )
    if "error" in control:
        raise RealKernelError(
            f"guest setup failed: {control['error']}\n--- boot log tail ---\n"
            + result.boot_log[-3000:]
        )
    if "status" not in control:
        raise RealKernelError(
            f"guest stopped without reporting the script's status (qemu exit {run.returncode})"
            f"\n{qemu_err[-1000:]}--- boot log tail ---\n{result.boot_log[-3000:]}"
        )
    return result
