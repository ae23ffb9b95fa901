"""The qemu command line, and running it with a deadline.

TCG only: /dev/kvm exists on these machines but does not run stock kernels.
``-no-reboot`` plus ``panic=-1`` turn a guest panic into qemu exiting, and the
serial ports write to plain files that are read once qemu is gone.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from memcglab.real.errors import RealKernelError

QEMU = "qemu-system-x86_64"
# The kernel console; mitigations=off only speeds up emulation (it has no bearing on memcg).
CMDLINE = "console=ttyS0,115200 panic=-1 rdinit=/init mitigations=off"
SERIALS = ("console", "stdout", "stderr", "control")


@dataclass
class QemuRun:
    files: dict[str, Path]
    returncode: int | None  # None: killed at the deadline
    elapsed: float


def find_qemu() -> str:
    path = shutil.which(QEMU)
    if path is None:
        raise RealKernelError(
            f"{QEMU} not found: run `memcglab real --setup` (or apt-get install qemu-system-x86)"
        )
    return path


def qemu_command(
    kernel: Path,
    initrd: Path,
    disks: list[Path],
    workdir: Path,
    memory: str,
    cpus: int,
) -> tuple[list[str], dict[str, Path]]:
    files = {name: workdir / f"{name}.txt" for name in SERIALS}
    cmd = [
        find_qemu(),
        "-accel", "tcg,thread=multi", "-cpu", "max", "-machine", "pc",
        "-m", memory, "-smp", str(cpus),
        "-kernel", str(kernel), "-initrd", str(initrd), "-append", CMDLINE,
        "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
    ]  # fmt: skip
    for name in SERIALS:
        cmd += ["-serial", f"file:{files[name]}"]
    for d in disks:
        cmd += ["-drive", f"file={d},if=virtio,format=raw,cache=unsafe"]
    return cmd, files


def run_qemu(cmd: list[str], files: dict[str, Path], timeout: float) -> QemuRun:
    t0 = time.monotonic()
    with open(files["console"].with_suffix(".qemu.txt"), "wb") as err:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=err, stderr=err)
        try:
            rc: int | None = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            rc = None
    return QemuRun(files, rc, time.monotonic() - t0)
