"""Issue 6: limit reclaim, protection, drop_caches and the OOM killer."""


import pytest

from memcglab import Machine
from memcglab.cli import scenario_text
from memcglab.kernel.folio import LRU_INACTIVE_ANON, Folio
from memcglab.kernel.lru import lru_tail
from memcglab.runner import run_script
from memcglab.shell.system import O_CREAT, O_RDONLY, O_WRONLY, TaskKilled

MB = 1 << 20


def values_close(a: int, b: int, err: int) -> bool:
    """cgroup_util's values_close(): C integer division before the multiply."""
    return abs(a - b) <= (a + b) // 100 * err


def current(m: Machine, cg: str) -> int:
    return int(m.read_file(m.cgroupfs_path(cg + "/memory.current")))


def events(m: Machine, cg: str, local: bool = False) -> dict[str, int]:
    name = "memory.events.local" if local else "memory.events"
    text = m.read_file(m.cgroupfs_path(f"{cg}/{name}"))
    return {k: int(v) for k, v in (ln.split() for ln in text.splitlines())}


def task_in(m: Machine, cg: str) -> int:
    pid = m.spawn("/", "t")
    m.write_file(m.cgroupfs_path(cg + "/cgroup.procs"), str(pid), pid=pid)
    return pid


def stat(m: Machine, cg: str) -> dict[str, int]:
    text = m.read_file(m.cgroupfs_path(f"{cg}/memory.stat"))
    return {k: int(v) for k, v in (ln.split() for ln in text.splitlines())}


def create(m: Machine, path: str) -> None:
    m.close(1, m.open(1, path, O_WRONLY | O_CREAT))


def alloc_pagecache(m: Machine, pid: int, path: str, size: int) -> None:
    """Grow the file by ``size`` and read the hole: page cache charged to the reader."""
    node = m.vfs.resolve(path)
    start = node.length
    m.truncate(pid, path, start + size)
    f = m.open(pid, path, O_RDONLY)
    f.offset = start
    m.read(pid, f, size)
    m.close(pid, f)


def protection_tree(attr: str) -> tuple[Machine, dict]:
    """test_memcg_protection(): A(max 200M) / B(50M) / C(75M) D(25M) E(0) F(500M), and G."""
    m = Machine(kernel="6.1", cgroup="v2", memory="2G")
    w = m.write_file
    for cg in ("A", "A/B", "A/G", "A/B/C", "A/B/D", "A/B/E", "A/B/F"):
        m.mkdir(1, m.cgroupfs_path(cg))
        if cg in ("A", "A/B"):
            w(m.cgroupfs_path(cg + "/cgroup.subtree_control"), "+memory")
    w(m.cgroupfs_path("A/memory.max"), "200M")
    w(m.cgroupfs_path("A/memory.swap.max"), "0")
    create(m, "/root/tmpfile")
    for cg in ("A/B/C", "A/B/D", "A/B/E"):
        alloc_pagecache(m, task_in(m, cg), "/root/tmpfile", 50 * MB)
    for cg, value in (("A/B", "50M"), ("A/B/C", "75M"), ("A/B/D", "25M"), ("A/B/E", "0"),
                      ("A/B/F", "500M")):
        w(m.cgroupfs_path(f"{cg}/{attr}"), value)
    m.memcg.drain_all_stock(m.memcg.root)
    assert values_close(current(m, "A/B"), 150 * MB, 3)
    return m, {"G": task_in(m, "A/G")}


@pytest.mark.parametrize("attr", ["memory.min", "memory.low"])
def test_memcg_protection_distribution(attr):
    m, t = protection_tree(attr)
    m.touch_anon(t["G"], 148 * MB)
    m.exit(t["G"], 0)
    assert values_close(current(m, "A/B"), 50 * MB, 3)
    c, d, f = (current(m, f"A/B/{x}") for x in "CDF")
    assert values_close(c, 29 * MB, 15), c / MB
    assert values_close(d, 21 * MB, 20), d / MB
    assert f == 0
    g = task_in(m, "A/G")
    if attr == "memory.min":
        with pytest.raises(TaskKilled):
            m.touch_anon(g, 170 * MB)  # B's 50M cannot be reclaimed: OOM
        assert not m.alive(g)
        assert values_close(current(m, "A/B"), 50 * MB, 3)
    else:
        m.touch_anon(g, 170 * MB)  # low is best effort: breached, no OOM
        assert m.alive(g)
        assert values_close(current(m, "A/B"), 30 * MB, 3)
        low = [events(m, f"A/B/{x}")["low"] for x in "CDEF"]
        assert low[0] > 0 and low[1] > 0 and low[2] == 0 and low[3] == 0
        assert all(events(m, f"A/B/{x}")["oom"] == 0 for x in "CDEF")
    # memory.reclaim ignores C's own protection.
    m.write_file(m.cgroupfs_path("A/B/C/memory.reclaim"), str(current(m, "A/B/C") - 10 * MB))
    assert values_close(current(m, "A/B/C"), 10 * MB, 3) or current(m, "A/B/C") < 10 * MB


def test_memory_high_reclaims_and_never_ooms():
    m = Machine(kernel="6.1", cgroup="v2")
    m.mkdir(1, m.cgroupfs_path("t"))
    assert m.read_file(m.cgroupfs_path("t/memory.high")) == "max\n"
    m.write_file(m.cgroupfs_path("t/memory.high"), "30M")
    create(m, "/root/cache")
    pid = task_in(m, "t")
    alloc_pagecache(m, pid, "/root/cache", 50 * MB)
    assert values_close(current(m, "t"), 30 * MB, 5)
    ev = events(m, "t")
    assert ev["high"] > 0 and ev["oom"] == 0 and ev["oom_kill"] == 0


def test_memory_max_runaway_anon_gives_one_oom_and_one_kill():
    m = Machine(kernel="6.1", cgroup="v2")
    m.mkdir(1, m.cgroupfs_path("t"))
    m.write_file(m.cgroupfs_path("t/memory.max"), "30M")
    m.write_file(m.cgroupfs_path("t/memory.swap.max"), "0")
    pid = task_in(m, "t")
    with pytest.raises(TaskKilled):
        m.touch_anon(pid, 100 * MB)
    assert not m.alive(pid) and m.exit_signal(pid) == 9
    assert m.read_file(m.cgroupfs_path("t/cgroup.procs")) == ""
    ev = events(m, "t")
    assert ev["oom"] == 1 and ev["oom_kill"] == 1 and ev["max"] > 0
    assert 0 < current(m, "t") <= 30 * MB  # the per-cpu stock still holds some


def test_oom_group_kills_the_whole_group():
    m = Machine(kernel="6.1", cgroup="v2")
    m.mkdir(1, m.cgroupfs_path("g"))
    m.write_file(m.cgroupfs_path("g/memory.max"), "50M")
    m.write_file(m.cgroupfs_path("g/memory.oom.group"), "1")
    bystanders = [task_in(m, "g") for _ in range(3)]
    for pid in bystanders:
        m.touch_anon(pid, 4 * MB)
    hog = task_in(m, "g")
    with pytest.raises(TaskKilled):
        m.touch_anon(hog, 100 * MB)
    assert not any(m.alive(p) for p in [*bystanders, hog])
    ev = events(m, "g")
    # The victim counts twice: once chosen, once in the group sweep (as the kernel does).
    assert ev["oom_kill"] == 5 and ev["oom_group_kill"] == 1 and ev["oom"] == 1


def test_oom_score_adj_protects_a_task():
    m = Machine(kernel="6.1", cgroup="v2")
    m.mkdir(1, m.cgroupfs_path("g"))
    m.write_file(m.cgroupfs_path("g/memory.max"), "40M")
    big = task_in(m, "g")
    m.touch_anon(big, 20 * MB)
    m.write_file(f"/proc/{big}/oom_score_adj", "-1000")
    small = task_in(m, "g")
    with pytest.raises(TaskKilled):
        m.touch_anon(small, 30 * MB)
    assert m.alive(big) and not m.alive(small)


def _seed(iterations: int, extra: str) -> str:
    text = scenario_text("seed000-eliminate-dying-memcg.sh")
    text = text.replace("{0..2000}", f"{{0..{iterations - 1}}}").replace("rm -f temp log", "")
    return text + extra


def test_drop_caches_frees_only_the_clean_pinned_memcgs_on_6_1():
    # The flusher writes the log back once it has been dirty for 30 s: wait for
    # that, append five more pages (dirty again), then drop caches.
    script = _seed(300, "sleep 40\n" + "\n".join(
        f"mkdir /sys/fs/cgroup/memory/late{i}; echo $$ > /sys/fs/cgroup/memory/late{i}/"
        f"cgroup.procs; cat temp >> log; echo $$ > /sys/fs/cgroup/memory/cgroup.procs; "
        f"rmdir /sys/fs/cgroup/memory/late{i}" for i in range(5)) +
        "\necho 3 > /proc/sys/vm/drop_caches\nsleep 1\ncat /proc/cgroups | grep memory\n"
        "sync\necho 3 > /proc/sys/vm/drop_caches\nsleep 1\ncat /proc/cgroups | grep memory\n")
    r = run_script(script, "6.1")
    counts = [int(ln.split("\t")[2]) for ln in r.stdout.splitlines()]
    assert counts[0] == 1
    assert counts[1] == 301              # the loop's 300 pinned memcgs
    assert 6 <= counts[2] <= 8           # drop_caches: only the 5 dirty (late) ones stay
    assert counts[3] == 1                # sync first: all go


def test_tmpfs_pinned_memcgs_survive_drop_caches():
    r = run_script(_seed(50, "").replace("cat temp >> log", "cat temp >> /tmp/log") +
                   "sync\necho 3 > /proc/sys/vm/drop_caches\nsleep 1\n"
                   "cat /proc/cgroups | grep memory\n", "6.1")
    assert r.stdout.splitlines()[-1] == "memory\t1\t51\t1"


def test_reclaim_bounds_dying_memcgs_under_pressure_and_costs_more_on_6_1():
    # Fill a 128M machine with clean page cache first, so the loop runs near the
    # low watermark and kswapd keeps reclaiming (dying memcgs included).
    fill = "dd if=/dev/zero of=big bs=1M count=93 2>/dev/null\nsync\n"
    script = fill + _seed(1000, "sync\n")
    tight = {k: run_script(script, k, _opts("128M")) for k in ("6.1", "7.1")}
    roomy = run_script(script, "6.1", _opts("2G"))
    assert roomy.settled["dying_memcgs"] == 1000
    assert tight["6.1"].settled["dying_memcgs"] < 1000
    assert tight["7.1"].settled["dying_memcgs"] == 0
    work61, work71 = tight["6.1"].final["reclaim"], tight["7.1"].final["reclaim"]
    assert work61["dying_memcgs_visited"] > 0
    assert work71.get("dying_memcgs_visited", 0) == 0
    assert work61["memcgs_visited"] > work71["memcgs_visited"]


def _opts(memory: str):
    from memcglab.runner import RunOptions

    return RunOptions(memory=memory)


@pytest.mark.parametrize("kernel,mode", [("6.1", "v2"), ("7.1", "v2"), ("6.1", "v1")])
def test_anon_run_reclaimed_page_by_page(kernel: str, mode: str):
    """A task's faulted-in anon pages are one folio in the model (an anon run); reclaim
    still isolates them one page at a time, and takes exactly as many as it asks for."""
    m = Machine(kernel=kernel, cgroup=mode, swap="64M", check_invariants=True)
    m.mkdir(1, m.cgroupfs_path("A"))
    pid = task_in(m, "A")
    m.touch_anon(pid, 24 * 4096)  # less than one charge batch: a single run
    mm = m.tasks[pid].mm
    assert [f.nr_pages for f in mm.anon] == [24]
    lruvec = m.task_memcg(m.tasks[pid]).nodeinfo[0].lruvec
    assert m.vmscan._shrink_inactive_list(lruvec, LRU_INACTIVE_ANON, 10, "proactive") == 10
    resident = [f for f in mm.anon if isinstance(f, Folio)]
    assert len(mm.anon) == 24 and len(resident) == 14
    # The same pages go as if they had been 24 folios faulted in order: the oldest
    # (lowest addresses, coldest end of the list) first.
    assert [isinstance(e, Folio) for e in mm.anon] == [False] * 10 + [True] * 14
    assert all(f.nr_pages == 1 for f in resident)
    assert lruvec.nr[LRU_INACTIVE_ANON] == 14
    anon = "anon" if mode == "v2" else "rss"
    assert stat(m, "A")[anon] == 14 * 4096
    assert m.swap_free_pages == 64 * 256 - 10
    m.exit(pid, 0)
    m.settle()
    assert stat(m, "A")[anon] == 0
    assert m.swap_free_pages == 64 * 256


def test_split_anon_run_keeps_lru_order():
    """Splitting a run leaves its pages where 24 order-0 folios faulted in order would
    be: between the older and the newer folios, oldest nearest the tail."""
    m = Machine(kernel="6.1", cgroup="v2", check_invariants=True)
    m.mkdir(1, m.cgroupfs_path("A"))
    pid = task_in(m, "A")
    m.touch_anon(pid, 4 * 4096)
    m.touch_anon(pid, 24 * 4096)
    m.touch_anon(pid, 4 * 4096)
    mm = m.tasks[pid].mm
    older, run, newer = mm.anon
    pages = mm.split_anon_run(run)
    lruvec = m.task_memcg(m.tasks[pid]).nodeinfo[0].lruvec
    assert list(lru_tail(lruvec, LRU_INACTIVE_ANON)) == [older, *pages, newer]
    assert [p.index for p in pages] == [1, *range(3, 26)]
    m.write_file(m.cgroupfs_path("A/memory.max"), "max")  # a syscall: invariants checked
