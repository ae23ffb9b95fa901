"""Issue 2: the memcg core — charging, css lifecycle, reparenting, LRU splice."""

import errno

import pytest

from memcglab.helpers import for_each_mem_cgroup, memcg_pins, why_dying
from memcglab.kernel.folio import folio_memcg
from memcglab.kernel.lru import lruvec_folios
from memcglab.kernel.page_counter import PAGE_SIZE
from memcglab.shell.system import SysError


def _one_page_per_cgroup(o, n, kernel_settle=True):
    """mkdir a child, charge one new file folio to it (append a page), rmdir it."""
    m = o.m
    pid = m.spawn("/", "job")
    for i in range(n):
        m.mkdir(pid, o.cg(f"job{i}"))
        o.enter(pid, f"job{i}")
        o.write(pid, "/root/log", bytes(PAGE_SIZE))
        o.enter(pid, "")
        m.rmdir(pid, o.cg(f"job{i}"))
    if kernel_settle:
        m.settle()
    return pid


@pytest.mark.parametrize("cgroup", ["v1", "v2"])
def test_6_1_keeps_2001_dying_memcgs(ops, cgroup):
    o = ops("6.1", cgroup)
    _one_page_per_cgroup(o, 2001)
    assert len(o.m.dying_memcgs()) == 2001
    assert o.m.num_cgroups() == 2002
    # Each is pinned by exactly one file folio: the page it appended. (The first
    # also holds the ext4 inode bitmap it read when it created the log file.)
    assert memcg_pins(o.m, o.m.dying_memcgs()[-1]) == {"file folios": 1}
    assert memcg_pins(o.m, o.m.dying_memcgs()[0]) == {"file folios": 1,
                                                       "ext4 metadata folios": 1}


@pytest.mark.parametrize("cgroup", ["v1", "v2"])
def test_7_1_frees_them_and_the_parent_holds_the_folios(ops, cgroup):
    o = ops("7.1", cgroup)
    _one_page_per_cgroup(o, 2001)
    assert o.m.dying_memcgs() == []
    assert o.m.num_cgroups() == 1
    root = o.m.memcg.root
    log = o.m.vfs.resolve("/root/log")
    log_folios = [f for f in lruvec_folios(root.nodeinfo[0].lruvec) if f.mapping is log.mapping]
    assert len(log_folios) == 2001
    assert all(folio_memcg(f) is root for f in log_folios)


def test_uncharging_the_folios_frees_the_dying_memcgs_on_6_1(ops):
    o = ops("6.1", "v2")
    pid = _one_page_per_cgroup(o, 50)
    assert len(o.m.dying_memcgs()) == 50
    o.m.unlink(pid, "/root/log")
    o.m.settle()
    # All but the first go; it read the ext4 inode bitmap, which the journal keeps.
    [first] = o.m.dying_memcgs()
    assert first.css.cgroup.name == "job0"
    assert memcg_pins(o.m, first) == {"ext4 metadata folios": 1}
    assert o.m.num_cgroups() == 2


def test_dying_memcg_counts_before_settle(ops):
    o = ops("7.1", "v2")
    pid = o.m.spawn("/", "job")
    o.m.mkdir(pid, o.cg("a"))
    o.m.rmdir(pid, o.cg("a"))
    # rmdir only starts the teardown: still counted until deferred work runs.
    assert o.m.hier.root.nr_dying_descendants == 1
    assert o.m.num_cgroups() == 2
    o.m.settle()
    assert o.m.hier.root.nr_dying_descendants == 0
    assert o.m.num_cgroups() == 1


def test_charge_over_max_fails_at_that_level_and_changes_nothing(ops):
    o = ops("6.1", "v1")
    m = o.m
    pid = m.spawn("/", "job")
    m.mkdir(pid, o.cg("a"))
    m.mkdir(pid, o.cg("a/b"))
    o.write(pid, o.cg("a/memory.limit_in_bytes"), b"1M", append=False)
    ctl = m.memcg
    a = m.cgroup_at("/a").subsys["memory"].priv
    b = m.cgroup_at("/a/b").subsys["memory"].priv
    ctl.try_charge_memcg(b, 200)
    before = [(x.memory.usage, x.memsw.usage) for x in (a, b, ctl.root)]
    failcnt = a.memory.failcnt
    ctl.reclaim = lambda memcg, nr, swap: 0
    ctl.out_of_memory = lambda memcg: False
    assert not ctl.try_charge_memcg(b, 100)
    assert [(x.memory.usage, x.memsw.usage) for x in (a, b, ctl.root)] == before
    assert a.memory.failcnt > failcnt
    assert b.memory.failcnt == 0
    assert a.events["max"] >= 1 and b.events["max"] == 0


def test_why_is_it_dying_names_swap_records(ops):
    o = ops("6.1", "v2", swap="64M")
    m = o.m
    pid = m.spawn("/", "job")
    m.mkdir(pid, o.cg("a"))
    o.enter(pid, "a")
    o.write(pid, "/tmp/shm", bytes(3 * PAGE_SIZE))
    o.enter(pid, "")
    o.swap_out("/tmp/shm")
    m.rmdir(pid, o.cg("a"))
    m.settle()
    [(path, pins)] = why_dying(m)
    assert path == "/a"
    assert pins == {"swap records (via memcg ID)": 3}
    # The ID stays in use: a dying memcg with swap records consumes one.
    assert m.dying_memcgs()[0].id != 0


def test_memcg_id_space_exhaustion(ops):
    o = ops("6.1", "v2")
    m = o.m
    m.memcg._next_id = 65535  # the root and 65533 others are "in use"
    pid = m.spawn("/", "job")
    m.mkdir(pid, o.cg("last"))
    with pytest.raises(SysError) as e:
        m.mkdir(pid, o.cg("one-too-many"))
    assert e.value.errno == errno.ENOSPC
    o12 = ops("6.12", "v2")
    o12.m.memcg._next_id = 65536
    with pytest.raises(SysError) as e:
        o12.m.mkdir(o12.m.spawn("/", "j"), o12.cg("x"))
    assert e.value.errno == errno.EBUSY


def test_per_cpu_stock_overcharges_by_a_batch(ops):
    o = ops("6.1", "v2")
    m = o.m
    pid = m.spawn("/", "job")
    m.mkdir(pid, o.cg("a"))
    a = m.cgroup_at("/a").subsys["memory"].priv
    m.memcg.cpu = 0
    assert m.memcg.try_charge_memcg(a, 1)
    assert a.memory.usage == 64  # MEMCG_CHARGE_BATCH pre-charged into the stock
    assert m.memcg.try_charge_memcg(a, 1)
    assert a.memory.usage == 64
    m.memcg.drain_all_stock(a)
    assert a.memory.usage == 2


def test_state_dumps_are_deterministic(ops):
    def dump():
        o = ops("7.1", "v2")
        _one_page_per_cgroup(o, 30)
        return [(m.css.cgroup.path(), m.id, m.memory.usage, sorted(m.stat.items()))
                for m in for_each_mem_cgroup(o.m)], o.m.clock.now

    assert dump() == dump()
