"""cgroupfs: the cgroup v2 and v1 memory files, with the kernel's formats and errnos.

Sources: kernel/cgroup/cgroup.c (core files, cgroup.stat), mm/memcontrol.c
(memory_files[]), mm/memcontrol-v1.c (mem_cgroup_legacy_files[]). File lists,
formats and error behaviour were checked against Debian's 6.1 and 6.12 kernels
(docs/measurements/). Every write is parsed after strstrip(), so a trailing
newline is harmless and a missing one too.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from memcglab.fs.memstat import (
    format_limit,
    memcg1_numa_stat,
    memory_events,
    memory_numa_stat_v2,
    memory_stat_v1,
    memory_stat_v2,
)
from memcglab.kernel.cgroup import Cgroup, CgroupError
from memcglab.kernel.page_counter import (
    PAGE_COUNTER_MAX,
    PAGE_SIZE,
    page_counter_memparse,
    page_counter_reset_watermark,
    page_counter_set_low,
    page_counter_set_max,
    page_counter_set_min,
)
from memcglab.kernel.rcu import RCU_GRACE_PERIOD
from memcglab.machine.vfs import AttrNode, Node
from memcglab.shell.system import SysError

if TYPE_CHECKING:
    from memcglab.kernel.memcontrol import MemCgroup
    from memcglab.machine.machine import Machine
    from memcglab.machine.task import Task

# Controllers of Debian's 6.x kernels in ssid order (include/linux/cgroup_subsys.h).
V2_CONTROLLERS = ("cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc")
# cgroup.stat's per-subsystem lines: v2-bound controllers (perf_event is implicit).
CGROUP_STAT_SUBSYS = ("cpuset", "cpu", "io", "memory", "perf_event", "hugetlb", "pids", "rdma",
                      "misc")
UNLIMITED_V1 = PAGE_COUNTER_MAX * PAGE_SIZE


def _einval() -> SysError:
    return SysError(errno.EINVAL)


def _parse_int(text: str) -> int:
    text = text.strip()
    try:
        return int(text, 0) if text[:2].lower() == "0x" else int(text)
    except ValueError:
        raise _einval() from None


class CgroupDir(Node):
    """A cgroup directory: child cgroups plus the interface files."""

    is_dir = True
    mode = 0o755

    def __init__(self, machine: Machine, cgroup: Cgroup):
        self.machine = machine
        self.cgroup = cgroup
        self.v1 = not cgroup.hierarchy.on_dfl

    def _files(self) -> dict[str, AttrNode]:
        return cgroup_files(self.machine, self.cgroup)

    def lookup(self, name: str) -> Node | None:
        child = self.cgroup.children.get(name)
        if child is not None:
            return CgroupDir(self.machine, child)
        if not name.startswith("memory."):
            # Most lookups (cgroup.procs) need only the core files.
            core = self.machine.cgroupfs_core_cache.get(self.cgroup)
            if core is None:
                core = self.machine.cgroupfs_core_cache[self.cgroup] = \
                    _core_files(self.machine, self.cgroup)
            if name in core:
                return core[name]
        return self._files().get(name)

    def listdir(self) -> list[str]:
        return sorted([*self._files(), *self.cgroup.children])

    def mkdir(self, name: str, task: Task) -> Node:
        try:
            child = self.machine.core.cgroup_mkdir(self.cgroup, name)
        except CgroupError as e:
            raise SysError(e.errno) from None
        self.machine.events.append((self.machine.clock.now, "mkdir", child.path()))
        return CgroupDir(self.machine, child)

    def rmdir(self, name: str, task: Task) -> None:
        child = self.cgroup.children.get(name)
        if child is None:
            raise SysError(errno.ENOTDIR if name in self._files() else errno.ENOENT)
        try:
            self.machine.core.cgroup_rmdir(child)
        except CgroupError as e:
            raise SysError(e.errno) from None
        # kernfs_remove(): the directory's files go with it (a dying cgroup keeps none).
        self.machine.cgroupfs_core_cache.pop(child, None)
        self.machine.cgroupfs_cache.pop(child, None)
        self.machine.events.append((self.machine.clock.now, "rmdir", child.path()))


def cgroupfs_root(machine: Machine, root: Cgroup) -> CgroupDir:
    return CgroupDir(machine, root)


def cgroup_files(machine: Machine, cg: Cgroup) -> dict[str, AttrNode]:
    """The interface files of a cgroup, built once per (cgroup, memory css)."""
    css = cg.subsys.get("memory")
    cached = machine.cgroupfs_cache.get(cg)
    if cached is not None and cached[0] is css:
        return cached[1]
    files = _build_files(machine, cg, css)
    machine.cgroupfs_cache[cg] = (css, files)
    return files


def _build_files(machine: Machine, cg: Cgroup, css) -> dict[str, AttrNode]:
    files = _core_files(machine, cg)
    if css is not None:
        memcg = css.priv
        if cg.hierarchy.on_dfl:
            files.update(_memory_files_v2(machine, cg, memcg))
        else:
            files.update(_memory_files_v1(machine, cg, memcg))
    return dict(sorted(files.items()))


# ---- cgroup core files ---------------------------------------------------------
def _procs_text(machine: Machine, cg: Cgroup) -> str:
    return "".join(f"{pid}\n" for pid in sorted(cg.tasks))


def _procs_write(machine: Machine, cg: Cgroup):
    def store(task: Task, text: str) -> None:
        pid = _parse_int(text)
        if pid < 0:
            raise _einval()
        target = task if pid == 0 else machine.tasks.get(pid)
        if target is None or not target.alive:
            raise SysError(errno.ESRCH)
        if cg.hierarchy.on_dfl and cg.parent is not None and cg.subtree_control:
            raise SysError(errno.EBUSY)  # no internal processes
        # cgroup_attach_lock(): percpu_down_write(&cgroup_threadgroup_rwsem) waits
        # for a grace period (rcu_sync) unless favordynmods is set.
        machine.clock.advance(RCU_GRACE_PERIOD)
        machine.migrate_task(target, cg)

    return store


def _core_files(machine: Machine, cg: Cgroup) -> dict[str, AttrNode]:
    procs = AttrNode(lambda: _procs_text(machine, cg), _procs_write(machine, cg), 0o644)
    files = {"cgroup.procs": procs}
    if not cg.hierarchy.on_dfl:
        files["tasks"] = AttrNode(lambda: _procs_text(machine, cg), _procs_write(machine, cg),
                                  0o644)
        files["cgroup.clone_children"] = AttrNode(lambda: "0\n", lambda t, s: None, 0o644)
        files["notify_on_release"] = AttrNode(lambda: "0\n", lambda t, s: None, 0o644)
        if cg.parent is None:
            files["release_agent"] = AttrNode(lambda: "\n", lambda t, s: None, 0o644)
            files["cgroup.sane_behavior"] = AttrNode(lambda: "0\n")
        return files
    profile = machine.profile
    files.update({
        "cgroup.threads": AttrNode(lambda: _procs_text(machine, cg),
                                   _procs_write(machine, cg), 0o644),
        "cgroup.controllers": AttrNode(lambda: _controllers(cg)),
        "cgroup.subtree_control": AttrNode(lambda: _subtree_text(cg),
                                           _subtree_write(machine, cg), 0o644),
        "cgroup.stat": AttrNode(lambda: _cgroup_stat(cg, profile.cgroup_stat_subsys)),
        "cgroup.max.descendants": AttrNode(lambda: _max_text(cg.max_descendants),
                                           _max_write(cg, "max_descendants"), 0o644),
        "cgroup.max.depth": AttrNode(lambda: _max_text(cg.max_depth),
                                     _max_write(cg, "max_depth"), 0o644),
        "cgroup.pressure": AttrNode(lambda: "1\n", lambda t, s: None, 0o644),
    })
    if cg.parent is not None:
        files["cgroup.events"] = AttrNode(
            lambda: f"populated {int(cg.populated())}\nfrozen 0\n")
        files["cgroup.type"] = AttrNode(lambda: "domain\n", lambda t, s: None, 0o644)
        files["cgroup.freeze"] = AttrNode(lambda: "0\n", lambda t, s: None, 0o644)
        files["cgroup.kill"] = AttrNode(None, _kill_write(machine, cg), 0o200)
    return files


def _controllers(cg: Cgroup) -> str:
    if cg.parent is None:
        avail = set(V2_CONTROLLERS) if "memory" in cg.hierarchy.subsys else set()
    else:
        avail = cg.parent.subtree_control
    return " ".join(c for c in V2_CONTROLLERS if c in avail) + "\n"


def _subtree_text(cg: Cgroup) -> str:
    return " ".join(c for c in V2_CONTROLLERS if c in cg.subtree_control) + "\n"


def _enable_memory(machine: Machine, cg: Cgroup) -> None:
    """A child's new memcg may fail to charge its parent (ENOMEM): as when
    cgroup_apply_control() fails, the csses made so far are killed again
    (cgroup_finalize_control()) and the write returns the error."""
    try:
        machine.core.enable_subsys(cg, "memory")
    except CgroupError as e:
        cg.subtree_control.discard("memory")
        machine.core.disable_subsys(cg, "memory")
        raise SysError(e.errno) from None


def _subtree_write(machine: Machine, cg: Cgroup):
    def store(task: Task, text: str) -> None:
        ops = text.split()
        available = set(_controllers(cg).split())
        for op in ops:
            if op[:1] not in "+-" or op[1:] not in V2_CONTROLLERS:
                raise _einval()
            if op[0] == "+" and op[1:] not in available:
                raise SysError(errno.ENOENT)
        for op in ops:
            ss = op[1:]
            if op[0] == "+" and ss not in cg.subtree_control:
                if cg.parent is not None and cg.tasks:
                    raise SysError(errno.EBUSY)
                cg.subtree_control.add(ss)
                if ss == "memory":
                    _enable_memory(machine, cg)
            elif op[0] == "-" and ss in cg.subtree_control:
                if any(ss in c.subtree_control for c in cg.children.values()):
                    raise SysError(errno.EBUSY)
                cg.subtree_control.discard(ss)
                if ss == "memory":
                    machine.core.disable_subsys(cg, ss)

    return store


def _cgroup_stat(cg: Cgroup, subsys_lines: bool) -> str:
    """cgroup_stat_show(); 6.12+ adds nr_subsys_* and nr_dying_subsys_*."""
    lines = [f"nr_descendants {cg.nr_descendants}\n"]
    if subsys_lines:
        for ss in CGROUP_STAT_SUBSYS:
            if ss == "memory":
                css = cg.subsys.get(ss)
                n = _live_css_descendants(css) + 1 if css is not None else 0
            elif ss == "perf_event":
                n = cg.nr_descendants + 1  # implicit on v2: every cgroup has one
            else:
                n = 1 if cg.parent is None else 0  # not enabled below the root here
            lines.append(f"nr_subsys_{ss} {n}\n")
    lines.append(f"nr_dying_descendants {cg.nr_dying_descendants}\n")
    if subsys_lines:
        lines += [f"nr_dying_subsys_{ss} {cg.nr_dying_subsys[ss]}\n"
                  for ss in CGROUP_STAT_SUBSYS]
    return "".join(lines)


def _live_css_descendants(css) -> int:
    n = 0
    stack = list(css.children)
    while stack:
        c = stack.pop()
        if not c.dying:
            n += 1
        stack.extend(c.children)
    return n


def _max_text(value: int | None) -> str:
    return "max\n" if value is None else f"{value}\n"


def _max_write(cg: Cgroup, attr: str):
    def store(task: Task, text: str) -> None:
        text = text.strip()
        if text == "max":
            setattr(cg, attr, None)
            return
        value = _parse_int(text)
        if value < 0:
            raise _einval()
        setattr(cg, attr, value)

    return store


def _kill_write(machine: Machine, cg: Cgroup):
    def store(task: Task, text: str) -> None:
        if text.strip() != "1":
            raise _einval()
        for c in _subtree(cg):
            for pid in sorted(c.tasks):
                t = machine.tasks.get(pid)
                if t is not None:
                    machine.kill_task(t, 9)

    return store


def _subtree(cg: Cgroup):
    stack = [cg]
    while stack:
        c = stack.pop()
        yield c
        stack.extend(c.children.values())


# ---- cgroup v2 memory files -------------------------------------------------
def _limit_store(machine: Machine, memcg: MemCgroup, which: str):
    def store(task: Task, text: str) -> None:
        nr = page_counter_memparse(text, "max")
        if nr is None:
            raise _einval()
        counter = memcg.swap if which.startswith("swap") else memcg.memory
        if which == "min":
            page_counter_set_min(counter, nr)
        elif which == "low":
            page_counter_set_low(counter, nr)
        elif which in ("high", "swap.high"):
            counter.high = nr
            if which == "high":
                _reclaim_to(machine, memcg, lambda: counter.usage > counter.high, oom=False)
        elif which == "max":
            counter.max = nr
            _reclaim_to(machine, memcg, lambda: counter.usage > counter.max, oom=True)
        elif which == "swap.max":
            counter.max = nr  # never fails: new swap-outs just stop

    return store


def _reclaim_to(machine: Machine, memcg: MemCgroup, over, oom: bool) -> None:
    """memory_high_write()/memory_max_write(): drain, reclaim, then OOM-kill (max)."""
    ctl = machine.memcg
    ctl.drain_all_stock(memcg)
    retries = 16
    while over():
        nr = memcg.memory.usage - min(memcg.memory.max, memcg.memory.high)
        if ctl.reclaim(memcg, max(nr, 1), True):
            continue
        if retries:
            retries -= 1
            continue
        if not oom:
            break
        ctl.memcg_memory_event(memcg, "oom")
        if not machine.oom.mem_cgroup_out_of_memory(memcg):
            break


def _reclaim_write(machine: Machine, memcg: MemCgroup):
    def store(task: Task, text: str) -> None:
        words = text.split()
        if not words:
            raise _einval()
        nr = page_counter_memparse(words[0], "")
        if nr is None:
            raise _einval()
        for w in words[1:]:
            if not w.startswith("swappiness="):
                raise _einval()
        nr_pages = nr
        reclaimed = 0
        retries = 16
        while reclaimed < nr_pages:
            got = machine.vmscan.try_to_free_mem_cgroup_pages(memcg, nr_pages - reclaimed,
                                                              True, proactive=True)
            reclaimed += got
            if not got:
                retries -= 1
                if retries <= 0:
                    raise SysError(errno.EAGAIN)

    return store


def _oom_group_store(memcg: MemCgroup):
    def store(task: Task, text: str) -> None:
        value = _parse_int(text)
        if value not in (0, 1):
            raise _einval()
        memcg.oom_group = bool(value)

    return store


def _peak_store(counter):
    def store(task: Task, text: str) -> None:
        page_counter_reset_watermark(counter)

    return store


def _memory_files_v2(machine: Machine, cg: Cgroup, memcg: MemCgroup) -> dict[str, AttrNode]:
    ctl = machine.memcg
    gen = machine.profile.stat_generation
    files = {
        "memory.stat": AttrNode(lambda: memory_stat_v2(ctl, memcg)),
        "memory.reclaim": AttrNode(None, _reclaim_write(machine, memcg), 0o200),
        "memory.numa_stat": AttrNode(lambda: memory_numa_stat_v2(ctl, memcg)),
        "memory.pressure": AttrNode(
            lambda: "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
                    "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", lambda t, s: None),
    }
    if gen in ("6.12", "7.1"):
        files["memory.zswap.writeback"] = AttrNode(lambda: "1\n", lambda t, s: None, 0o644)
    if cg.parent is None:
        return files
    mem, swap = memcg.memory, memcg.swap
    files.update({
        "memory.current": AttrNode(lambda: f"{mem.usage * PAGE_SIZE}\n"),
        "memory.peak": AttrNode(lambda: f"{mem.watermark * PAGE_SIZE}\n", _peak_store(mem)
                                if gen in ("6.12", "7.1") else None),
        "memory.min": AttrNode(lambda: format_limit(mem.min),
                               _limit_store(machine, memcg, "min"), 0o644),
        "memory.low": AttrNode(lambda: format_limit(mem.low),
                               _limit_store(machine, memcg, "low"), 0o644),
        "memory.high": AttrNode(lambda: format_limit(mem.high),
                                _limit_store(machine, memcg, "high"), 0o644),
        "memory.max": AttrNode(lambda: format_limit(mem.max),
                               _limit_store(machine, memcg, "max"), 0o644),
        "memory.events": AttrNode(lambda: memory_events(memcg.events, gen)),
        "memory.events.local": AttrNode(lambda: memory_events(memcg.events_local, gen)),
        "memory.oom.group": AttrNode(lambda: f"{int(memcg.oom_group)}\n",
                                     _oom_group_store(memcg), 0o644),
        "memory.swap.current": AttrNode(lambda: f"{swap.usage * PAGE_SIZE}\n"),
        "memory.swap.high": AttrNode(lambda: format_limit(swap.high),
                                     _limit_store(machine, memcg, "swap.high"), 0o644),
        "memory.swap.max": AttrNode(lambda: format_limit(swap.max),
                                    _limit_store(machine, memcg, "swap.max"), 0o644),
        "memory.swap.events": AttrNode(
            lambda: "".join(f"{k} {memcg.swap_events[k]}\n" for k in ("high", "max", "fail"))),
        "memory.zswap.current": AttrNode(lambda: "0\n"),
        "memory.zswap.max": AttrNode(lambda: "max\n", lambda t, s: None, 0o644),
    })
    if gen in ("6.12", "7.1"):
        files["memory.swap.peak"] = AttrNode(lambda: f"{swap.watermark * PAGE_SIZE}\n",
                                             _peak_store(swap))
    return files


# ---- cgroup v1 memory files -----------------------------------------------------
def _v1_usage(machine: Machine, memcg: MemCgroup, memsw: bool) -> int:
    """mem_cgroup_usage(): the root's usage is computed from its stats."""
    if memcg.is_root:
        stats = machine.memcg.hierarchical_stat(memcg)
        usage = stats["file"] + stats["anon"]
        return usage + (stats["swap"] if memsw else 0)
    return (memcg.memsw if memsw else memcg.memory).usage * PAGE_SIZE


def _v1_limit_store(machine: Machine, memcg: MemCgroup, which: str):
    ctl = machine.memcg

    def store(task: Task, text: str) -> None:
        nr = page_counter_memparse(text, "-1")
        if nr is None:
            raise _einval()
        if which == "kmem":
            if machine.profile.kmem_limit_enforced:
                if memcg.is_root:
                    raise _einval()
                if machine.profile.kmem_needs_limit and not memcg.kmem_active \
                        and (memcg.css.cgroup.tasks or memcg.css.cgroup.children):
                    raise SysError(errno.EBUSY)
                memcg.kmem.max = nr
                memcg.kmem_active = True
            return  # 6.1+: a no-op kept for compatibility (pr_warn_once)
        if which == "tcp":
            memcg.tcpmem.max = nr
            return
        if memcg.is_root:
            raise _einval()
        memsw = which == "memsw"
        counter = memcg.memsw if memsw else memcg.memory
        if memsw and nr < memcg.memory.max or not memsw and nr > memcg.memsw.max:
            raise _einval()
        drained = False
        while not page_counter_set_max(counter, nr):
            if not drained:
                ctl.drain_all_stock(memcg)
                drained = True
                continue
            if not ctl.reclaim(memcg, 1, not memsw):
                raise SysError(errno.EBUSY)

    return store


def _v1_reset(counter, field: str):
    def store(task: Task, text: str) -> None:
        if field == "failcnt":
            counter.failcnt = 0
        else:
            page_counter_reset_watermark(counter)

    return store


def _v1_counter_files(machine: Machine, memcg: MemCgroup, prefix: str, counter,
                      which: str) -> dict[str, AttrNode]:
    def usage() -> str:
        if which in ("memory", "memsw"):
            return f"{_v1_usage(machine, memcg, which == 'memsw')}\n"
        return f"{counter.usage * PAGE_SIZE}\n"

    def limit() -> str:
        if which == "kmem" and not machine.profile.kmem_limit_enforced:
            return f"{UNLIMITED_V1}\n"  # 6.1+: the kmem limit is a no-op
        return f"{counter.max * PAGE_SIZE}\n"

    return {
        f"{prefix}usage_in_bytes": AttrNode(usage),
        f"{prefix}limit_in_bytes": AttrNode(limit, _v1_limit_store(machine, memcg, which),
                                            0o644),
        f"{prefix}max_usage_in_bytes": AttrNode(lambda: f"{counter.watermark * PAGE_SIZE}\n",
                                                _v1_reset(counter, "max"), 0o644),
        f"{prefix}failcnt": AttrNode(lambda: f"{counter.failcnt}\n",
                                     _v1_reset(counter, "failcnt"), 0o644),
    }


def _move_charge_store(machine: Machine, memcg: MemCgroup):
    def store(task: Task, text: str) -> None:
        value = _parse_int(text)
        if not machine.profile.move_charge:
            if value:
                raise _einval()
            return
        if value & ~3 or value < 0:
            raise _einval()
        memcg.move_charge_at_immigrate = value

    return store


def _use_hierarchy_store(task: Task, text: str) -> None:
    if _parse_int(text) != 1:
        raise _einval()


def _swappiness_store(memcg: MemCgroup):
    def store(task: Task, text: str) -> None:
        value = _parse_int(text)
        if not 0 <= value <= 200:
            raise _einval()
        memcg.swappiness = value

    return store


def _oom_control_store(memcg: MemCgroup):
    def store(task: Task, text: str) -> None:
        value = _parse_int(text)
        if memcg.is_root or value not in (0, 1):
            raise _einval()
        memcg.oom_kill_disable = bool(value)

    return store


def _force_empty_store(machine: Machine, memcg: MemCgroup):
    def store(task: Task, text: str) -> None:
        if memcg.is_root:
            raise _einval()
        machine.lru_add_drain_all()  # mem_cgroup_force_empty()
        machine.memcg.drain_all_stock(memcg)
        retries = 16
        while memcg.memory.usage and retries:
            if not machine.memcg.reclaim(memcg, 1, True):
                retries -= 1

    return store


def _soft_limit_store(memcg: MemCgroup):
    def store(task: Task, text: str) -> None:
        nr = page_counter_memparse(text, "-1")
        if nr is None:
            raise _einval()
        memcg.soft_limit = nr

    return store


def _memory_files_v1(machine: Machine, cg: Cgroup, memcg: MemCgroup) -> dict[str, AttrNode]:
    ctl = machine.memcg
    files = {}
    files.update(_v1_counter_files(machine, memcg, "memory.", memcg.memory, "memory"))
    files.update(_v1_counter_files(machine, memcg, "memory.memsw.", memcg.memsw, "memsw"))
    files.update(_v1_counter_files(machine, memcg, "memory.kmem.", memcg.kmem, "kmem"))
    files.update(_v1_counter_files(machine, memcg, "memory.kmem.tcp.", memcg.tcpmem, "tcp"))
    files.update({
        "memory.stat": AttrNode(lambda: memory_stat_v1(ctl, memcg)),
        "memory.numa_stat": AttrNode(lambda: memcg1_numa_stat(ctl, memcg)),
        "memory.force_empty": AttrNode(None, _force_empty_store(machine, memcg), 0o200),
        "memory.use_hierarchy": AttrNode(lambda: "1\n", _use_hierarchy_store, 0o644),
        "memory.swappiness": AttrNode(lambda: f"{memcg.swappiness}\n", _swappiness_store(memcg),
                                      0o644),
        "memory.move_charge_at_immigrate": AttrNode(
            lambda: f"{memcg.move_charge_at_immigrate}\n", _move_charge_store(machine, memcg),
            0o644),
        "memory.oom_control": AttrNode(
            lambda: f"oom_kill_disable {int(memcg.oom_kill_disable)}\n"
                    f"under_oom {memcg.under_oom}\noom_kill {memcg.events_local['oom_kill']}\n",
            _oom_control_store(memcg), 0o644),
        "memory.soft_limit_in_bytes": AttrNode(lambda: f"{memcg.soft_limit * PAGE_SIZE}\n",
                                               _soft_limit_store(memcg), 0o644),
        "memory.pressure_level": AttrNode(None, None, 0o000),
        "cgroup.event_control": AttrNode(None, lambda t, s: None, 0o222),
    })
    if machine.profile.stat_generation != "3.8":
        files["memory.kmem.slabinfo"] = AttrNode(
            lambda: "slabinfo - version: 2.1\n"
                    "# name            <active_objs> <num_objs> <objsize> <objperslab> "
                    "<pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : "
                    "slabdata <active_slabs> <num_slabs> <sharedavail>\n")
    return files
