"""tools/testing/selftests/cgroup/test_kmem.c, re-expressed against the model (catalogue 4)."""

from __future__ import annotations

import contextlib

import pytest

from .cgroup_util import MAX_VMSTAT_ERROR, PAGE_SIZE, Harness
from .conftest import xfail_on

ALL = ("6.1", "6.12", "7.1")


def alloc_dcache(h: Harness, pid: int, n: int) -> int:
    """stat() n nonexistent long paths: each leaves a negative dentry charged to the caller."""
    for i in range(n):
        with contextlib.suppress(Exception):
            h.m.stat(pid, f"/something-non-existent-with-a-long-name-{i:64d}-{pid}")
    return 0


def cg_run_in_subcgroups(h: Harness, parent: str, fn, arg, times: int) -> None:
    for i in range(times):
        child = f"{parent}/child_{i}"
        h.cg_create(child)
        assert h.cg_run(child, fn, arg) == 0
        h.cg_destroy(child)


def alloc_kmem_smp(h: Harness, pid: int, _arg) -> int:
    """2 * nprocs threads each doing alloc_dcache(100); threads are modelled as tasks."""
    threads = [h.m.fork(pid) for _ in range(2 * 2)]
    for t in threads:
        alloc_dcache(h, t, 100)
    for t in threads:
        h.m.exit(t, 0)
    return 0


def test_kmem_basic(kernel, request):
    xfail_on(request, ALL, "negative dentries are not modelled: stat() of a missing path "
             "allocates no slab, so memory.stat slab stays below 1 MiB")
    h = Harness(kernel)
    cg = "kmem_basic_test"
    h.cg_create(cg)
    assert h.cg_run(cg, alloc_dcache, 100_000) == 0
    slab0 = h.cg_read_key_long(cg, "memory.stat", "slab ")
    assert slab0 >= 1 << 20
    h.cg_write(cg, "memory.high", "1M")
    h.m.charge_time(1.0)
    slab1 = h.cg_read_key_long(cg, "memory.stat", "slab ")
    current = h.cg_read_long(cg, "memory.current")
    assert slab1 >= 0 and current >= 0
    assert slab1 < slab0 / 2 and current < slab0 / 2


def test_kmem_memcg_deletion(kernel):
    # On 7.1 the seven-slot per-cpu stock keeps the parent's surplus beside the last
    # child's: current exceeds the stat sum by 107 pages, inside the test's 128.
    h = Harness(kernel)
    parent = "kmem_memcg_deletion_test"
    h.cg_create(parent)
    assert h.cg_write(parent, "cgroup.subtree_control", "+memory") == 0
    cg_run_in_subcgroups(h, parent, alloc_kmem_smp, None, 100)
    current = h.cg_read_long(parent, "memory.current")
    keys = [h.cg_read_key_long(parent, "memory.stat", k)
            for k in ("anon ", "file ", "kernel ", "sock ")]
    assert current >= 0 and all(k >= 0 for k in keys), keys
    assert abs(sum(keys) - current) < MAX_VMSTAT_ERROR, (sum(keys), current)
    h.check()


@pytest.mark.skip(reason="n/a: /proc/kpagecgroup (physical page -> memcg inode map) is not "
                  "modelled")
def test_kmem_proc_kpagecgroup():
    pass


def test_kmem_kernel_stacks(kernel):
    h = Harness(kernel)
    cg = "kmem_kernel_stacks_test"
    h.cg_create(cg)

    def spawn_1000_threads(hh: Harness, pid: int) -> int:
        threads = [hh.m.fork(pid) for _ in range(1000)]  # tasks stand in for threads
        stack = hh.cg_read_key_long(cg, "memory.stat", "kernel_stack ")
        for t in threads:
            hh.m.exit(t, 0)
        return 0 if stack >= PAGE_SIZE * 1000 else 1

    assert h.cg_run(cg, spawn_1000_threads) == 0
    h.check()


def test_kmem_dead_cgroups(kernel):
    h = Harness(kernel)
    parent = "kmem_dead_cgroups_test"
    h.cg_create(parent)
    assert h.cg_write(parent, "cgroup.subtree_control", "+memory") == 0
    cg_run_in_subcgroups(h, parent, alloc_dcache, 100, 30)
    dead = -1
    for _ in range(80):  # cg_read_key_long_poll(..., 80 retries, 100 ms)
        dead = h.cg_read_key_long(parent, "cgroup.stat", "nr_dying_descendants ")
        if dead == 0:
            break
        h.m.charge_time(0.1)
    assert dead == 0


def test_percpu_basic(kernel):
    h = Harness(kernel)
    parent = "percpu_basic_test"
    h.cg_create(parent)
    assert h.cg_write(parent, "cgroup.subtree_control", "+memory") == 0
    for i in range(1000):
        h.cg_create(f"{parent}/child_{i}")
    current = h.cg_read_long(parent, "memory.current")
    percpu = h.cg_read_key_long(parent, "memory.stat", "percpu ")
    slab = h.cg_read_key_long(parent, "memory.stat", "slab ")
    assert current > 0 and percpu > 0 and slab >= 0
    assert abs(current - (percpu + slab)) < MAX_VMSTAT_ERROR
