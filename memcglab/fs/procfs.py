"""procfs: /proc/cgroups, /proc/meminfo, /proc/sys/vm/{drop_caches,compact_memory}, /proc/PID/...

Formats follow kernel/cgroup/cgroup-v1.c (proc_cgroupstats_show), fs/proc/meminfo.c
and fs/proc/array.c, checked against Debian's 6.1 and 6.12 kernels
(docs/measurements/).
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from memcglab.kernel.page_counter import PAGE_SIZE
from memcglab.machine.vfs import AttrNode, DictDir, Node
from memcglab.shell.system import SysError

if TYPE_CHECKING:
    from memcglab.machine.machine import Machine
    from memcglab.machine.task import Task

# /proc/cgroups rows of Debian's 6.x kernels, in ssid order.
PROC_CGROUPS_6X = ("cpuset", "cpu", "cpuacct", "blkio", "memory", "devices", "freezer",
                   "net_cls", "perf_event", "net_prio", "hugetlb", "pids", "rdma", "misc")
PROC_CGROUPS_OLD = ("cpuset", "cpu", "cpuacct", "blkio", "memory", "devices", "freezer",
                    "net_cls", "perf_event", "net_prio", "hugetlb", "pids")
# Percpu memory in use right after boot, before any memcg (6.1 guest, 2 CPUs).
PERCPU_BASE_BYTES = 520 << 10
# The release in which each newer /proc/meminfo line appeared (fs/proc/meminfo.c).
MEMINFO_SINCE = {
    "MemAvailable": (3, 14),  # 34e431b0ae39
    "ShmemHugePages": (4, 8), "ShmemPmdMapped": (4, 8),  # 65c453778aea
    "Percpu": (4, 16),  # 7e8a6304d541
    "Hugetlb": (4, 16),  # fcb2b0c577f1
    "KReclaimable": (4, 20),  # 61f94e18de94
    "FileHugePages": (5, 4), "FilePmdMapped": (5, 4),  # 60fbf0ab5da1
    "Zswap": (5, 19), "Zswapped": (5, 19),  # f6498b776d28
    "SecPageTables": (6, 0),  # ebc97a52b5d6
    "Unaccepted": (6, 5),  # dcdfdd40fa82
}


def percpu_kb(machine: Machine) -> int:
    """meminfo's Percpu (pcpu_nr_pages()): the base already holds the root memcg's
    per-cpu data. Kernels before 4.16 do not print it; the model still counts it."""
    return (PERCPU_BASE_BYTES + machine.memcg.percpu_bytes
            - machine.memcg.percpu_bytes_per_memcg) // 1024


def proc_cgroups(machine: Machine) -> str:
    names = PROC_CGROUPS_6X if machine.profile.version[0] in "67" else PROC_CGROUPS_OLD
    if machine.profile.version.startswith("3."):
        names = names[:-1]  # the pids controller arrived in 4.3
    lines = ["#subsys_name\thierarchy\tnum_cgroups\tenabled\n"]
    for name in names:
        h = machine.hier if name == "memory" else machine.dfl
        lines.append(f"{name}\t{h.hierarchy_id}\t{h.nr_cgrps}\t1\n")
    return "".join(lines)


def meminfo(machine: Machine) -> str:
    mem = machine.mem
    kb = PAGE_SIZE // 1024
    p = mem.pages
    file_pages = p["file"] + p["shmem"]
    slab_r = mem.bytes["slab_reclaimable"] // 1024
    slab_u = (mem.bytes["slab_unreclaimable"] + machine.memcg.struct_bytes) // 1024
    lru = [0] * 5
    for memcg in machine.memcg.memcgs:
        for pn in memcg.nodeinfo:
            for i, n in enumerate(pn.lruvec.nr):
                lru[i] += n
    dirty = sum(1 for f in machine.dirty_folios())
    swap_total = machine.swap_total * kb
    swap_free = machine.swap_free_pages * kb
    percpu = percpu_kb(machine)
    free = mem.free_pages * kb
    # fs/proc/meminfo.c: Buffers is the block devices' page cache (ext4 metadata
    # here), and Cached leaves it out.
    buffers = len(machine.ext4.bdev.pages) * kb
    rows = [
        ("MemTotal", mem.total_pages * kb),
        ("MemFree", free),
        ("MemAvailable", free + (p["file"] + lru[2] * 0) * kb + slab_r),
        ("Buffers", buffers),
        ("Cached", file_pages * kb - buffers),
        ("SwapCached", 0),
        ("Active", (lru[1] + lru[3]) * kb),
        ("Inactive", (lru[0] + lru[2]) * kb),
        ("Active(anon)", lru[1] * kb),
        ("Inactive(anon)", lru[0] * kb),
        ("Active(file)", lru[3] * kb),
        ("Inactive(file)", lru[2] * kb),
        ("Unevictable", lru[4] * kb),
        ("Mlocked", 0),
        ("SwapTotal", swap_total),
        ("SwapFree", swap_free),
        ("Zswap", 0),
        ("Zswapped", 0),
        ("Dirty", dirty * kb),
        ("Writeback", 0),
        ("AnonPages", p["anon"] * kb),
        ("Mapped", 0),
        ("Shmem", p["shmem"] * kb),
        ("KReclaimable", slab_r),
        ("Slab", slab_r + slab_u),
        ("SReclaimable", slab_r),
        ("SUnreclaim", slab_u),
        ("KernelStack", p["kernel_stack"] * kb),
        ("PageTables", p["pagetables"] * kb),
        ("SecPageTables", 0),
        ("NFS_Unstable", 0),
        ("Bounce", 0),
        ("WritebackTmp", 0),
        ("CommitLimit", mem.total_pages * kb // 2 + swap_total),
        ("Committed_AS", (p["anon"] + p["shmem"]) * kb),
        ("VmallocTotal", 34359738367),
        ("VmallocUsed", p["kernel_stack"] * kb),
        ("VmallocChunk", 0),
        ("Percpu", percpu),
        ("HardwareCorrupted", 0),
        ("AnonHugePages", 0),
        ("ShmemHugePages", 0),
        ("ShmemPmdMapped", 0),
        ("FileHugePages", 0),
        ("FilePmdMapped", 0),
        ("Unaccepted", 0),
    ]
    release = machine.profile.release
    out = [f"{name + ':':<16}{value:>8} kB\n" for name, value in rows
           if MEMINFO_SINCE.get(name, (0, 0)) <= release]
    # The one line printed "%5lu" (meminfo.c since 2.6.32), whatever its name's width.
    out = [ln.replace("HardwareCorrupted:       ", "HardwareCorrupted:     ") for ln in out]
    out += [f"{name + ':':<16}{value:>8}\n" for name, value in (
        ("HugePages_Total", 0), ("HugePages_Free", 0), ("HugePages_Rsvd", 0),
        ("HugePages_Surp", 0))]
    out.append(f"{'Hugepagesize:':<16}{2048:>8} kB\n")
    if release >= MEMINFO_SINCE["Hugetlb"]:
        out.append(f"{'Hugetlb:':<16}{0:>8} kB\n")
    return "".join(out)


def _drop_caches_store(machine: Machine):
    def store(task: Task, text: str) -> None:
        text = text.strip()
        try:
            mode = int(text)
        except ValueError:
            raise SysError(errno.EINVAL) from None
        if not 1 <= mode <= 4:
            raise SysError(errno.EINVAL)
        if mode & 1:
            if machine.profile.drop_caches_drains_lru:
                machine.lru_add_drain_all()
            machine.vmscan.drop_pagecache()
        if mode & 2:
            machine.vmscan.drop_slab()
        machine.drop_caches_count += 1

    return store


def _compact_memory_store(machine: Machine):
    """compact_nodes() starts with lru_add_drain_all(); the compaction itself (page
    migration) changes nothing the model shows, so it is not simulated."""
    def store(task: Task, text: str) -> None:
        try:
            int(text.strip())
        except ValueError:
            raise SysError(errno.EINVAL) from None
        machine.lru_add_drain_all()

    return store


class ProcRoot(Node):
    is_dir = True
    mode = 0o555

    def __init__(self, machine: Machine):
        self.machine = machine
        m = machine
        vm = DictDir({
            "drop_caches": AttrNode(None, _drop_caches_store(m), 0o200),
            "compact_memory": AttrNode(None, _compact_memory_store(m), 0o200),
            "swappiness": AttrNode(lambda: "60\n", lambda t, s: None, 0o644),
            "dirty_expire_centisecs": AttrNode(lambda: "3000\n"),
            "dirty_writeback_centisecs": AttrNode(lambda: "500\n"),
        })
        self.static = {
            "cgroups": AttrNode(lambda: proc_cgroups(m)),
            "meminfo": AttrNode(lambda: meminfo(m)),
            "mounts": AttrNode(lambda: _mounts(m)),
            "swaps": AttrNode(lambda: _swaps(m)),
            "uptime": AttrNode(lambda: f"{m.clock.now:.2f} {m.clock.now * m.nr_cpus:.2f}\n"),
            "loadavg": AttrNode(lambda: f"0.00 0.00 0.00 1/{len(m.tasks)} {m._next_pid - 1}\n"),
            "sys": DictDir({"vm": vm, "kernel": DictDir({
                "osrelease": AttrNode(lambda: m.kernel_release + "\n"),
            })}),
        }

    def lookup(self, name: str) -> Node | None:
        if name in self.static:
            return self.static[name]
        if name == "self":
            return None  # resolved per task by the shell's "$$"; see pid_dir
        if name.isdigit() and name.isascii():  # int() rejects digits such as '²'
            t = self.machine.tasks.get(int(name))
            if t is not None:
                return pid_dir(self.machine, t)
        return None

    def listdir(self) -> list[str]:
        pids = [str(p) for p, t in sorted(self.machine.tasks.items()) if t.state != "X"]
        return sorted(self.static) + pids


def pid_dir(machine: Machine, t: Task) -> DictDir:
    def cgroup_text() -> str:
        path = t.cgroup.path()
        if machine.cgroup_mode == "v1":
            return f"{machine.hier.hierarchy_id}:memory:{path}\n0::/\n"
        return f"0::{path}\n"

    def stat_text() -> str:
        state = {"R": "R", "S": "S", "X": "Z"}.get(t.state, "S")
        return f"{t.pid} ({t.comm}) {state} {t.ppid} {t.pid} {t.pid} 0 -1 4194304\n"

    def status_text() -> str:
        rss = t.mm.anon_pages * 4 if t.mm else 0
        return (f"Name:\t{t.comm}\nState:\t{t.state}\nPid:\t{t.pid}\nPPid:\t{t.ppid}\n"
                f"VmRSS:\t{rss:>8} kB\nRssAnon:\t{rss:>8} kB\n")

    def oom_adj_store(task: Task, text: str) -> None:
        try:
            value = int(text.strip())
        except ValueError:
            raise SysError(errno.EINVAL) from None
        if not -1000 <= value <= 1000:
            raise SysError(errno.EINVAL)
        t.oom_score_adj = value

    return DictDir({
        "cgroup": AttrNode(cgroup_text),
        "stat": AttrNode(stat_text),
        "status": AttrNode(status_text),
        "comm": AttrNode(lambda: t.comm + "\n"),
        "oom_score_adj": AttrNode(lambda: f"{t.oom_score_adj}\n", oom_adj_store, 0o644),
    })


def _mounts(machine: Machine) -> str:
    lines = ["/dev/vda / ext4 rw,relatime 0 0\n", "proc /proc proc rw,relatime 0 0\n",
             "sysfs /sys sysfs rw,relatime 0 0\n", "devtmpfs /dev devtmpfs rw,relatime 0 0\n",
             "tmpfs /dev/shm tmpfs rw,relatime,inode64 0 0\n",
             "tmpfs /tmp tmpfs rw,relatime,inode64 0 0\n"]
    if machine.cgroup_mode == "v1":
        lines.append("tmpfs /sys/fs/cgroup tmpfs rw,relatime 0 0\n")
        lines.append("none /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0\n")
    else:
        lines.append("none /sys/fs/cgroup cgroup2 rw,relatime 0 0\n")
    return "".join(lines)


def _swaps(machine: Machine) -> str:
    head = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
    if not machine.swap_total:
        return head
    kb = PAGE_SIZE // 1024
    used = (machine.swap_total - machine.swap_free_pages) * kb
    return head + f"/dev/vdb{'':24}partition\t{machine.swap_total * kb}\t\t{used}\t\t-2\n"
