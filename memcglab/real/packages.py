"""Host tools and kernel packages: apt-get, dpkg-deb and a small JSON manifest.

Kernels are never installed on the host. Their Debian package is downloaded
with ``apt-get download`` and unpacked with ``dpkg-deb -x`` into a cache
directory; from it we keep only what a guest needs (the uncompressed
``vmlinux`` for qemu's fast PVH entry, the bzImage as a fallback, the config,
and the handful of modules the initramfs loads) and record the exact package
versions, so every measurement can say which kernel it came from.
"""

from __future__ import annotations

import json
import lzma
import os
import re
import shutil
import struct
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from memcglab.real.errors import RealKernelError
from memcglab.real.vmlinux import extract_vmlinux

# Kernel series -> Debian (bookworm) meta-package whose dependency names the newest image.
KERNELS = {"6.1": "linux-image-amd64", "6.12": "linux-image-6.12-amd64"}

# Debian package -> the host file it provides that we need.
HOST_PACKAGES = {
    "qemu-system-x86": "/usr/bin/qemu-system-x86_64",
    "busybox-static": "/bin/busybox",
    "bash-static": "/bin/bash-static",
    "e2fsprogs": "/sbin/mkfs.ext4",
    "zstd": "/usr/bin/zstd",  # 6.12's bzImage payload is zstd; Python 3.11 cannot inflate it
}

# Modules Debian builds as =m that the guest needs to mount its ext4 disk on virtio.
# crc32c_generic is a soft dependency of ext4 (through the crypto API), not in depends=.
WANTED_MODULES = ["virtio_pci", "virtio_blk", "crc32c_generic", "ext4"]

MANIFEST = "manifest.json"


def default_cache_dir() -> Path:
    env = os.environ.get("MEMCGLAB_CACHE")
    if env:
        return Path(env)
    return Path.home() / ".cache" / "memcglab" / "real"


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=False, capture_output=True, text=True, **kw)


def is_static_elf(path: Path) -> bool:
    """True for an ELF executable without a PT_INTERP (dynamic loader) program header:
    the initramfs has no libc, so busybox and bash must be the static builds."""
    try:
        data = path.read_bytes()[:65536]
    except OSError:
        return False
    if data[:4] != b"\x7fELF" or data[4] != 2:  # 64-bit ELF only
        return False
    (phoff,) = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    for i in range(phnum):
        (p_type,) = struct.unpack_from("<I", data, phoff + i * phentsize)
        if p_type == 3:  # PT_INTERP
            return False
    return True


def missing_host_packages() -> list[str]:
    missing = []
    for pkg, path in HOST_PACKAGES.items():
        p = Path(path)
        if not p.exists() or (pkg.endswith("-static") and not is_static_elf(p)):
            missing.append(pkg)
    return missing


def install_host_packages(log: Callable[[str], None] = print) -> None:
    """apt-get install whatever of HOST_PACKAGES is missing (needs root)."""
    missing = missing_host_packages()
    if not missing:
        return
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        raise RealKernelError(
            "missing host packages: " + " ".join(missing) + "\n"
            "install them as root: apt-get update && apt-get install -y --no-install-recommends "
            + " ".join(missing)
        )
    log("installing " + " ".join(missing) + " with apt-get")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    res = _run(["apt-get", "install", "-y", "--no-install-recommends", *missing], env=env)
    if res.returncode != 0:
        apt_update_once()  # a fresh machine often has no package lists yet
        res = _run(["apt-get", "install", "-y", "--no-install-recommends", *missing], env=env)
    if res.returncode != 0:
        raise RealKernelError("apt-get install failed:\n" + res.stderr[-2000:])


def package_version(pkg: str) -> str | None:
    res = _run(["dpkg-query", "-W", "-f=${Version}", pkg])
    return res.stdout.strip() if res.returncode == 0 and res.stdout.strip() else None


_updated = False


def apt_update_once() -> bool:
    """Refresh apt's lists (once per process): a fresh machine has none, and stale ones
    name kernel ABIs the mirror no longer has."""
    global _updated
    if _updated or os.geteuid() != 0:
        return False
    _updated = True
    return _run(["apt-get", "update"]).returncode == 0


def resolve_image_package(series: str) -> str:
    """The exact linux-image-<abi>-amd64 package the meta-package points at today."""
    meta = KERNELS.get(series)
    if meta is None:
        raise RealKernelError(f"unknown kernel {series!r}; known: {', '.join(KERNELS)}")
    res = _run(["apt-cache", "depends", meta])
    names = re.findall(r"Depends: (linux-image-\S+)", res.stdout)
    if not names and apt_update_once():
        res = _run(["apt-cache", "depends", meta])
        names = re.findall(r"Depends: (linux-image-\S+)", res.stdout)
    if not names:
        raise RealKernelError(
            f"apt-cache knows no {meta} (run apt-get update; 6.12 comes from bookworm "
            "security/backports updates)"
        )
    return names[0]


def _candidate_version(pkg: str) -> str:
    res = _run(["apt-cache", "policy", pkg])
    m = re.search(r"Candidate: (\S+)", res.stdout)
    return m.group(1) if m else "?"


def _modinfo_depends(data: bytes) -> list[str]:
    m = re.search(rb"depends=([^\0]*)\0", data)
    return [d for d in m.group(1).decode().split(",") if d] if m else []


def _read_module(path: Path) -> bytes:
    data = path.read_bytes()
    # busybox insmod cannot read compressed modules: hand it plain .ko files.
    return lzma.decompress(data) if path.name.endswith(".xz") else data


def _module_order(moddir: Path, wanted: list[str]) -> list[tuple[str, bytes]]:
    """Modules to insmod, dependencies first; built-in ones are skipped."""
    files = {}
    for p in moddir.rglob("*.ko*"):
        files[p.name.split(".ko")[0].replace("-", "_")] = p
    bfile = moddir / "modules.builtin"
    builtin_txt = bfile.read_text() if bfile.exists() else ""
    builtin = {Path(line).name.split(".ko")[0].replace("-", "_") for line in builtin_txt.split()}
    order: list[tuple[str, bytes]] = []
    seen: set[str] = set()

    def visit(name: str) -> None:
        name = name.replace("-", "_")
        if name in seen or name in builtin:
            return
        seen.add(name)
        if name not in files:
            raise RealKernelError(f"module {name} not found in {moddir}")
        data = _read_module(files[name])
        for dep in _modinfo_depends(data):
            visit(dep)
        order.append((name, data))

    for w in wanted:
        visit(w)
    return order


def prepare_kernel(series: str, cache_dir: Path, log: Callable[[str], None] = print) -> dict:
    """Download, unpack and trim one kernel package; returns its manifest entry."""
    pkg = resolve_image_package(series)
    version = _candidate_version(pkg)
    kdir = cache_dir / series
    manifest = read_manifest(cache_dir)
    entry = manifest.get("kernels", {}).get(series)
    same = entry and entry.get("package") == pkg and entry.get("version") == version
    if same and (kdir / "vmlinux").exists():
        log(f"kernel {series}: {pkg} {version} already prepared")
        return entry
    log(f"kernel {series}: downloading {pkg} {version}")
    with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
        tmpd = Path(tmp)
        # apt-get download writes into the current directory; as root it warns about the
        # _apt sandbox user, which is harmless.
        res = _run(["apt-get", "download", pkg], cwd=tmpd)
        if res.returncode != 0 and apt_update_once():
            res = _run(["apt-get", "download", pkg], cwd=tmpd)
        debs = list(tmpd.glob("*.deb"))
        if res.returncode != 0 or not debs:
            raise RealKernelError(f"apt-get download {pkg} failed:\n{res.stderr[-2000:]}")
        root = tmpd / "root"
        res = _run(["dpkg-deb", "-x", str(debs[0]), str(root)])
        if res.returncode != 0:
            raise RealKernelError(f"dpkg-deb -x failed:\n{res.stderr[-2000:]}")
        vmlinuz = next((root / "boot").glob("vmlinuz-*"))
        release = vmlinuz.name.removeprefix("vmlinuz-")
        if kdir.exists():
            shutil.rmtree(kdir)
        (kdir / "modules").mkdir(parents=True)
        shutil.copy(vmlinuz, kdir / "bzImage")
        shutil.copy(root / "boot" / f"config-{release}", kdir / "config")
        log(f"kernel {series}: extracting vmlinux from {vmlinuz.name}")
        (kdir / "vmlinux").write_bytes(extract_vmlinux(vmlinuz.read_bytes()))
        order = _module_order(root / "lib" / "modules" / release, WANTED_MODULES)
        for name, data in order:
            (kdir / "modules" / f"{name}.ko").write_bytes(data)
        (kdir / "modules" / "order").write_text("".join(f"{n}.ko\n" for n, _ in order))
    entry = {
        "package": pkg,
        "version": version,
        "release": release,
        "memcg_v1": "CONFIG_MEMCG_V1=y" in (kdir / "config").read_text()
        or "CONFIG_MEMCG_V1" not in (kdir / "config").read_text(),
        "modules": [n for n, _ in order],
    }
    manifest.setdefault("kernels", {})[series] = entry
    write_manifest(cache_dir, manifest)
    return entry


def read_manifest(cache_dir: Path) -> dict:
    p = cache_dir / MANIFEST
    return json.loads(p.read_text()) if p.exists() else {}


def write_manifest(cache_dir: Path, manifest: dict) -> None:
    (cache_dir / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def setup(
    cache_dir: Path | None = None,
    kernels: tuple[str, ...] = ("6.1", "6.12"),
    log: Callable[[str], None] = print,
) -> None:
    """Install the host tools if needed and prepare the kernels (idempotent)."""
    cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
    cache_dir.mkdir(parents=True, exist_ok=True)
    install_host_packages(log)
    for series in kernels:
        prepare_kernel(series, cache_dir, log)
    manifest = read_manifest(cache_dir)
    manifest["host"] = {pkg: package_version(pkg) for pkg in HOST_PACKAGES}
    write_manifest(cache_dir, manifest)
