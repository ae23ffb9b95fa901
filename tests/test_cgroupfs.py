"""Issue 4: the files a real kernel shows, compared with Debian's 6.1 and 6.12 kernels.

The expected texts are the raw outputs captured from real guests in docs/measurements/.
"""

import errno
import re
from pathlib import Path

import pytest

from memcglab import Machine
from memcglab.invariants import check_machine, drain_and_settle
from memcglab.shell.system import SysError

MEASURED = Path(__file__).parent.parent / "docs" / "measurements"


def measured(kernel_mode: str, name: str) -> str:
    return (MEASURED / kernel_mode / "inventory" / name).read_text()


def ours(names):
    return sorted(n for n in names if n.startswith(("cgroup.", "memory.")) or "." not in n)


@pytest.mark.parametrize("kernel,mode", [("6.1", "v1"), ("6.1", "v2"), ("6.12", "v2")])
def test_proc_cgroups_text_matches_the_real_kernel(kernel, mode):
    m = Machine(kernel=kernel, cgroup=mode)
    assert m.read_file("/proc/cgroups") == measured(f"{kernel}-{mode}", "proc_cgroups.txt")
    m.mkdir(m.init.pid, m.cgroupfs_path("child"))
    assert m.read_file("/proc/cgroups") == measured(f"{kernel}-{mode}",
                                                     "proc_cgroups_with_child.txt")


@pytest.mark.parametrize("kernel,mode", [("6.1", "v1"), ("6.1", "v2"), ("6.12", "v2")])
def test_cgroup_directory_listings_match(kernel, mode):
    m = Machine(kernel=kernel, cgroup=mode)
    m.mkdir(m.init.pid, m.cgroupfs_path("child"))
    real_child = measured(f"{kernel}-{mode}", "child_files.txt").split()
    real_root = measured(f"{kernel}-{mode}", "ls_root.txt").split()
    assert ours(m.listdir(1, m.cgroupfs_path("child"))) == ours(real_child)
    root = [n for n in m.listdir(1, m.cgroupfs_path()) if n != "child"]
    assert ours(root) == ours(real_root)


@pytest.mark.parametrize("kernel,mode", [("6.1", "v1"), ("6.1", "v2"), ("6.12", "v2")])
def test_memory_stat_keys_in_kernel_order(kernel, mode):
    m = Machine(kernel=kernel, cgroup=mode)
    m.mkdir(m.init.pid, m.cgroupfs_path("child"))
    text = m.read_file(m.cgroupfs_path("child/memory.stat"))
    real = measured(f"{kernel}-{mode}", "child_memory.stat_shell_inside.txt")
    assert [ln.split()[0] for ln in text.splitlines()] == \
        [ln.split()[0] for ln in real.splitlines() if not ln.startswith("rc=")]


def test_cgroup_stat_6_12_format():
    m = Machine(kernel="6.12", cgroup="v2")
    m.mkdir(m.init.pid, m.cgroupfs_path("child"))
    real = measured("6.12-v2", "root_cgroup.stat_with_child.txt")
    ours_text = m.read_file(m.cgroupfs_path("cgroup.stat"))
    keys = [ln.split()[0] for ln in ours_text.splitlines()]
    assert keys == [ln.split()[0] for ln in real.splitlines()]
    assert "nr_subsys_memory 2\n" in ours_text
    assert "nr_dying_subsys_memory 0\n" in ours_text


def test_cgroup_stat_6_1_has_only_two_keys():
    m = Machine(kernel="6.1", cgroup="v2")
    assert m.read_file(m.cgroupfs_path("cgroup.stat")) == \
        "nr_descendants 0\nnr_dying_descendants 0\n"


@pytest.mark.parametrize("kernel,mode", [("6.1", "v1"), ("6.12", "v2")])
def test_meminfo_has_the_real_lines(kernel, mode):
    # Keys in order and every line's layout (numbers aside): HardwareCorrupted is
    # printed "%5lu", 6.12 adds Unaccepted. DirectMap* is x86 page-table detail.
    m = Machine(kernel=kernel, cgroup=mode)

    def layout(text):
        return [re.sub(r"\d+", lambda d: " " * (len(d[0]) - 1) + "N", ln)
                for ln in text.splitlines() if not ln.startswith("DirectMap")]

    def shape(line):  # a wider number eats the padding before it
        return line.split(":")[0], len(line), line.endswith("kB")

    model = layout(m.read_file("/proc/meminfo"))
    real = layout(measured(f"{kernel}-{mode}", "meminfo.txt"))
    assert [shape(ln) for ln in model] == [shape(ln) for ln in real]
    assert "Percpu:              520 kB" in m.read_file("/proc/meminfo")


@pytest.mark.parametrize("kernel,absent,present", [
    ("3.8", ["MemAvailable", "Percpu", "KReclaimable", "Hugetlb"], ["AnonHugePages"]),
    ("3.18", ["Percpu", "ShmemHugePages"], ["MemAvailable"]),
    ("4.19", ["KReclaimable", "FileHugePages"], ["Percpu", "Hugetlb", "ShmemPmdMapped"]),
    ("5.10", ["Zswap", "SecPageTables"], ["KReclaimable", "FilePmdMapped"]),
    ("6.1", ["Unaccepted"], ["Zswapped", "SecPageTables"]),
])
def test_meminfo_lines_follow_the_release(kernel, absent, present):
    m = Machine(kernel=kernel, cgroup="v1")
    keys = [ln.split(":")[0] for ln in m.read_file("/proc/meminfo").splitlines()]
    assert not set(absent) & set(keys) and set(present) <= set(keys)


# (kernel, mode, file, valid write, read back, invalid write, errno)
WRITES = [
    ("6.1", "v2", "memory.max", "1M", "1048576\n", "abc", errno.EINVAL),
    ("6.1", "v2", "memory.max", "1234567", "1232896\n", "-1", errno.EINVAL),
    ("6.1", "v2", "memory.max", "max", "max\n", "1M junk", errno.EINVAL),
    ("6.1", "v2", "memory.high", "64K", "65536\n", "", None),
    ("6.1", "v2", "memory.low", "2M", "2097152\n", "x", errno.EINVAL),
    ("6.1", "v2", "memory.min", "0x100000", "1048576\n", "1Q", errno.EINVAL),
    ("6.1", "v2", "memory.oom.group", "1", "1\n", "2", errno.EINVAL),
    ("6.1", "v2", "memory.swap.max", "max", "max\n", "many", errno.EINVAL),
    ("6.1", "v2", "cgroup.max.descendants", "5", "5\n", "-3", errno.EINVAL),
    ("6.1", "v2", "cgroup.subtree_control", "+memory", "memory\n", "+bogus", errno.EINVAL),
    ("6.1", "v1", "memory.limit_in_bytes", "1M", "1048576\n", "abc", errno.EINVAL),
    ("6.1", "v1", "memory.limit_in_bytes", "-1", "9223372036854771712\n", "1k2", errno.EINVAL),
    ("6.1", "v1", "memory.kmem.limit_in_bytes", "1M", "9223372036854771712\n", "x",
     errno.EINVAL),
    ("6.1", "v1", "memory.move_charge_at_immigrate", "3", "3\n", "4", errno.EINVAL),
    ("6.1", "v1", "memory.use_hierarchy", "1", "1\n", "0", errno.EINVAL),
    ("6.1", "v1", "memory.swappiness", "101", "101\n", "201", errno.EINVAL),
    ("6.1", "v1", "memory.oom_control", "1", "oom_kill_disable 1\nunder_oom 0\noom_kill 0\n",
     "2", errno.EINVAL),
    ("6.1", "v1", "memory.soft_limit_in_bytes", "4K", "4096\n", "?", errno.EINVAL),
    ("6.12", "v2", "memory.peak", "reset", None, None, None),
    ("7.1", "v1", "memory.move_charge_at_immigrate", "0", "0\n", "1", errno.EINVAL),
]


@pytest.mark.parametrize("kernel,mode,name,good,back,bad,err", WRITES)
def test_cgroupfs_writes(kernel, mode, name, good, back, bad, err):
    m = Machine(kernel=kernel, cgroup=mode)
    m.mkdir(m.init.pid, m.cgroupfs_path("child"))
    path = m.cgroupfs_path("child/" + name)
    m.write_file(path, good)
    if back is not None:
        assert m.read_file(path) == back
    if bad is not None and err is not None:
        with pytest.raises(SysError) as e:
            m.write_file(path, bad)
        assert e.value.errno == err


def test_rereading_regenerates_the_text():
    from memcglab.shell.system import O_RDONLY

    m = Machine(kernel="6.1", cgroup="v2")
    m.mkdir(1, m.cgroupfs_path("a"))
    f = m.open(1, m.cgroupfs_path("a/memory.max"), O_RDONLY)
    assert m.read(1, f) == b"max\n"
    m.write_file(m.cgroupfs_path("a/memory.max"), "8K")
    f.offset = 0
    assert m.read(1, f) == b"8192\n"


@pytest.mark.parametrize("mode", ["v1", "v2"])
def test_rmdir_and_mkdir_errnos(mode):
    m = Machine(kernel="6.1", cgroup=mode)
    pid = m.spawn("/", "t")
    m.mkdir(pid, m.cgroupfs_path("a"))
    with pytest.raises(SysError) as e:
        m.mkdir(pid, m.cgroupfs_path("a"))
    assert e.value.errno == errno.EEXIST
    m.write_file(m.cgroupfs_path("a/cgroup.procs"), str(pid), pid=pid)
    with pytest.raises(SysError) as e:
        m.rmdir(pid, m.cgroupfs_path("a"))
    assert e.value.errno == errno.EBUSY
    with pytest.raises(SysError) as e:
        m.rmdir(pid, m.cgroupfs_path("nope"))
    assert e.value.errno == errno.ENOENT
    with pytest.raises(SysError) as e:
        m.write_file(m.cgroupfs_path("cgroup.procs"), "999999")
    assert e.value.errno == errno.ESRCH


def test_v1_limit_below_unreclaimable_usage_is_ebusy():
    m = Machine(kernel="6.1", cgroup="v1")
    pid = m.spawn("/", "t")
    m.mkdir(pid, m.cgroupfs_path("a"))
    m.write_file(m.cgroupfs_path("a/cgroup.procs"), str(pid), pid=pid)
    m.touch_anon(pid, 1 << 20)  # anon, and no swap: cannot be reclaimed
    with pytest.raises(SysError) as e:
        m.write_file(m.cgroupfs_path("a/memory.limit_in_bytes"), "64K")
    assert e.value.errno == errno.EBUSY


def test_enabling_memory_a_parent_cannot_pay_for_fails_with_enomem():
    """Each child's new memcg is charged to the parent (5.9+): past its memory.max the
    write fails with ENOMEM and the memcgs made so far die again (it raised CgroupError)."""
    m = Machine(kernel="7.1", cgroup="v2")
    m.mkdir(m.init.pid, "/sys/fs/cgroup/a")
    for child in "bcdef":
        m.mkdir(m.init.pid, f"/sys/fs/cgroup/a/{child}")
    m.write_file("/sys/fs/cgroup/a/memory.max", str(8 * 4096))
    with pytest.raises(SysError) as e:
        m.write_file("/sys/fs/cgroup/a/cgroup.subtree_control", "+memory")
    assert e.value.errno == errno.ENOMEM
    assert m.read_file("/sys/fs/cgroup/a/cgroup.subtree_control") == "\n"
    assert "memory.max" not in m.listdir(m.init.pid, "/sys/fs/cgroup/a/b")
    assert len(m.dying_memcgs()) == 3
    check_machine(m)
    drain_and_settle(m)
    check_machine(m, quiescent=True)


def test_a_limit_with_thousands_of_digits_wraps_as_simple_strtoull_does():
    # memparse() accumulates modulo 2**64; Python's int() refuses over 4300 digits.
    m = Machine(kernel="6.1", cgroup="v1")
    m.mkdir(m.init.pid, m.cgroupfs_path("child"))
    path = m.cgroupfs_path("child/memory.limit_in_bytes")
    m.write_file(path, "9" * 5000)
    wrapped = (pow(10, 5000, 2**64) - 1) % 2**64
    assert m.read_file(path) == f"{min(wrapped // 4096, (2**63 - 1) // 4096) * 4096}\n"
    m.write_file(path, "1" + "0" * 5000 + "K")
    assert m.read_file(path) == f"{(pow(10, 5000, 2**64) << 10) % 2**64 // 4096 * 4096}\n"



def _numa_stat_after_inventory(kernel, mode, nodes=1):
    """The inventory's steps (docs/measurements/inventory-v*.sh): the shell moves into
    child, writes a 4-page file and syncs; then child's memory.numa_stat."""
    m = Machine(kernel=kernel, cgroup=mode, nodes=nodes)
    child = m.cgroupfs_path("child")
    assert m.run(f"mkdir {child}\necho $$ > {child}/cgroup.procs\n"
                 "dd if=/dev/zero of=/root/one_file bs=4096 count=4 2>/dev/null\nsync\n") == 0
    return m, m.read_file(f"{child}/memory.numa_stat")


def _shape(line):
    """'key N0=123' or 'key=5 N0=5' with the numbers taken out."""
    return " ".join(word.split("=")[0] + ("=" if "=" in word else "") for word in line.split())


@pytest.mark.parametrize("kernel,mode", [("6.1", "v1"), ("6.1", "v2"), ("6.12", "v2")])
def test_numa_stat_has_the_real_kernels_lines(kernel, mode):
    # v2 prints the node items of memory.stat in bytes; v1 prints LRU pages, local and
    # hierarchical. The model once printed v2's 15 keys on both. (The values differ
    # from the guest's by the per-CPU lru_add batches, docs/fidelity.md (6).)
    _, text = _numa_stat_after_inventory(kernel, mode)
    real = measured(f"{kernel}-{mode}", "child_memory.numa_stat_shell_inside.txt")
    assert [_shape(ln) for ln in text.splitlines()] == \
        [_shape(ln) for ln in real.splitlines() if not ln.startswith("rc=")]


def test_numa_stat_values_agree_with_memory_stat():
    m, text = _numa_stat_after_inventory("6.12", "v2")
    stat = dict(ln.split() for ln in m.read_file(m.cgroupfs_path("child/memory.stat"))
                .splitlines())
    numa = {ln.split()[0]: ln.split()[1] for ln in text.splitlines()}
    assert int(stat["file"]) >= 4 * 4096
    assert all(value == f"N0={stat[key]}" for key, value in numa.items())


def test_v1_numa_stat_splits_lru_pages_by_node_and_kind():
    m, text = _numa_stat_after_inventory("6.1", "v1", nodes=2)
    rows = {}
    for ln in text.splitlines():
        name, *nodes = ln.split()
        key, total = name.split("=")
        rows[key] = (int(total), [int(n.split("=")[1]) for n in nodes])
    for key, (total, per_node) in rows.items():
        assert len(per_node) == 2 and sum(per_node) == total, key
    for prefix in ("", "hierarchical_"):
        assert rows[prefix + "total"][0] == sum(rows[prefix + k][0]
                                                for k in ("file", "anon", "unevictable"))
    assert rows["file"][0] >= 4 and rows["hierarchical_total"] == rows["total"]
    stat = m.read_file(m.cgroupfs_path("child/memory.stat"))
    lru = {ln.split()[0]: int(ln.split()[1]) // 4096 for ln in stat.splitlines()[:19]}
    assert rows["anon"][0] == lru["inactive_anon"] + lru["active_anon"]


def test_v2_numa_stat_splits_folio_items_by_node():
    # Stats are per memcg in the model; with two nodes, anon and file follow where the
    # LRU folios are (two sleeps, consecutive pids, run on CPUs of both nodes), summing
    # to the total.
    m = Machine(kernel="6.12", cgroup="v2", nodes=2, cpus=4)
    assert m.run("mkdir /sys/fs/cgroup/a\necho $$ > /sys/fs/cgroup/a/cgroup.procs\n"
                 "sleep 100 & sleep 100 &\n") == 0
    text = m.read_file("/sys/fs/cgroup/a/memory.numa_stat")
    rows = {ln.split()[0]: [int(w.split("=")[1]) for w in ln.split()[1:]]
            for ln in text.splitlines()}
    stat = dict(ln.split() for ln in m.read_file("/sys/fs/cgroup/a/memory.stat").splitlines())
    assert all(len(v) == 2 and sum(v) == int(stat[k]) for k, v in rows.items())
    lru_anon = [a + b for a, b in zip(rows["inactive_anon"], rows["active_anon"], strict=True)]
    assert rows["anon"] == lru_anon and min(lru_anon) > 0
    assert rows["kernel_stack"][1] == 0
