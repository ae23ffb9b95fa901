"""The guest's initramfs: a cpio "newc" archive written here, and its /init.

The archive holds a static busybox (every command), a static bash (to run
bash scripts verbatim: busybox ash has no ``{0..2000}``), the modules needed
for the ext4 disk, the user's script and /init. Device nodes are written into
the archive directly, so building it needs no root.

Channels (all 16550 serial ports, so no extra driver is needed):
ttyS0 kernel console, ttyS1 the script's stdout, ttyS2 its stderr,
ttyS3 control lines from /init ("MCL key=value").
"""

from __future__ import annotations

import stat
from pathlib import Path

CGROUP_MODES = ("auto", "v1", "v2")


def _entry(name: str, mode: int, data: bytes = b"", rdev: tuple[int, int] = (0, 0), ino: int = 0):
    name_b = name.encode() + b"\0"
    fields = [
        ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(name_b), 0,
    ]  # fmt: skip
    hdr = b"070701" + b"".join(b"%08X" % f for f in fields)
    out = hdr + name_b
    out += b"\0" * (-len(out) % 4)
    out += data
    out += b"\0" * (-len(out) % 4)
    return out


class Cpio:
    """Minimal writer for the SVR4 "newc" cpio format the kernel unpacks."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.ino = 1

    def _add(self, name: str, mode: int, data: bytes = b"", rdev=(0, 0)) -> None:
        self.ino += 1
        self.parts.append(_entry(name, mode, data, rdev, self.ino))

    def dir(self, name: str) -> None:
        self._add(name, stat.S_IFDIR | 0o755)

    def file(self, name: str, data: bytes, mode: int = 0o644) -> None:
        self._add(name, stat.S_IFREG | mode, data)

    def symlink(self, name: str, target: str) -> None:
        self._add(name, stat.S_IFLNK | 0o777, target.encode())

    def chardev(self, name: str, major: int, minor: int, mode: int = 0o600) -> None:
        self._add(name, stat.S_IFCHR | mode, rdev=(major, minor))

    def bytes(self) -> bytes:
        return b"".join(self.parts) + _entry("TRAILER!!!", 0)


# /init runs under busybox sh. It prepares the machine the way a minimal distro would,
# then runs the script as root in the root cgroup with cwd /root (an ext4 disk, so page
# cache is real disk-backed cache, not shmem).
INIT = r"""#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox --install -s
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/shm /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t devpts devpts /dev/pts
# what udev adds to a devtmpfs: bash's <(cmd) hands commands /dev/fd/N names
ln -s /proc/self/fd /dev/fd
ln -s /proc/self/fd/0 /dev/stdin
ln -s /proc/self/fd/1 /dev/stdout
ln -s /proc/self/fd/2 /dev/stderr
for t in 1 2 3; do stty -F /dev/ttyS$t raw -echo 2>/dev/null; done
ctl() { echo "MCL $*" > /dev/ttyS3; }
fail() { ctl "error=$*"; sync; poweroff -f; }
ctl "kernel=$(uname -r)"
for m in $(cat /lib/modules/order); do insmod /lib/modules/$m || fail "insmod $m"; done
n=0; while [ ! -b /dev/vda ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n+1)); done
mount -t ext4 /dev/vda /root || fail "mount /dev/vda"
if [ -b /dev/vdb ]; then mkswap /dev/vdb >/dev/null && swapon /dev/vdb || fail "swapon"; fi
case "@CGROUP@" in
v1)
  mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup
  mkdir /sys/fs/cgroup/memory
  mount -t cgroup -o memory none /sys/fs/cgroup/memory || fail "mount cgroup v1 memory" ;;
v2)
  mount -t cgroup2 none /sys/fs/cgroup || fail "mount cgroup2"
  echo +memory > /sys/fs/cgroup/cgroup.subtree_control || fail "enable +memory" ;;
esac
ctl "cgroup=@CGROUP@"
ctl "shell=@SHELL@"
mkfifo /.mcl/out /.mcl/err
cat /.mcl/out > /dev/ttyS1 & P1=$!
cat /.mcl/err > /dev/ttyS2 & P2=$!
ctl "start=$(cat /proc/uptime)"
(cd /root && exec @SHELL@ /.mcl/script) </dev/null >/.mcl/out 2>/.mcl/err
st=$?
ctl "end=$(cat /proc/uptime)"
# Background tasks the script left (sleep 3600 &) still hold the pipes open: end them
# (user processes only: kernel threads have no exe) so the readers see EOF.
for d in /proc/[0-9]*; do
  p=${d#/proc/}
  case $p in 1|$P1|$P2) continue ;; esac
  [ -e $d/exe ] && kill -9 $p 2>/dev/null
done
wait $P1 $P2
ctl "status=$st"
sync
poweroff -f
"""


POSIX_SHELLS = ("sh", "ash", "dash")


def choose_shell(script: str, shell: str = "auto") -> str:
    """The shebang's shell: busybox sh for sh, ash or dash, else bash, which is what
    ``memcglab run`` models (a script with no shebang runs under bash there too)."""
    if shell != "auto":
        return shell
    first = script.split("\n", 1)[0]
    words = first[2:].split() if first.startswith("#!") else []
    names = [w.rsplit("/", 1)[-1] for w in words[:2]]  # "#!/usr/bin/env sh" names sh
    if names and (names[0] in POSIX_SHELLS or names[0] == "env" and names[1:] and
                  names[1] in POSIX_SHELLS):
        return "sh"
    return "bash"


def choose_cgroup(script: str, cgroup: str = "auto") -> str:
    if cgroup not in CGROUP_MODES:
        raise ValueError(f"cgroup must be one of {CGROUP_MODES}")
    if cgroup != "auto":
        return cgroup
    return "v1" if "/sys/fs/cgroup/memory" in script else "v2"


def build_initramfs(
    script: str,
    modules_dir: Path,
    cgroup: str,
    shell: str,
    busybox: Path = Path("/bin/busybox"),
    bash: Path = Path("/bin/bash-static"),
) -> bytes:
    c = Cpio()
    for d in (
        "bin",
        "sbin",
        "usr",
        "usr/bin",
        "usr/sbin",
        "dev",
        "proc",
        "sys",
        "tmp",
        "root",
        "run",
        "etc",
        "lib",
        "lib/modules",
        ".mcl",
    ):
        c.dir(d)
    c.chardev("dev/console", 5, 1)
    c.chardev("dev/null", 1, 3, 0o666)
    c.file("bin/busybox", busybox.read_bytes(), 0o755)
    c.file("bin/bash", bash.read_bytes(), 0o755)
    c.file("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n")
    c.file("etc/group", b"root:x:0:\n")
    order = (modules_dir / "order").read_text().split()
    c.file("lib/modules/order", (modules_dir / "order").read_bytes())
    for m in order:
        c.file(f"lib/modules/{m}", (modules_dir / m).read_bytes())
    shell_path = "/bin/bash" if shell == "bash" else "/bin/sh"
    init = INIT.replace("@CGROUP@", cgroup).replace("@SHELL@", shell_path)
    c.file("init", init.encode(), 0o755)
    c.file(".mcl/script", script.encode(), 0o755)
    return c.bytes()
