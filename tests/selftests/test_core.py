"""The memcg-relevant parts of tools/testing/selftests/cgroup/test_core.c (catalogue 5)."""

from __future__ import annotations

import errno

from .cgroup_util import MB, Harness, alloc_anon


def test_cgcore_internal_process_constraint(kernel):
    h = Harness(kernel)
    h.cg_create("cg_test_parent")
    h.cg_create("cg_test_parent/cg_test_child")
    assert h.cg_write("cg_test_parent", "cgroup.subtree_control", "+memory") == 0
    assert h.cg_write("cg_test_parent", "cgroup.procs", "0") != 0  # cg_enter_current
    assert h.cg_run_nowait("cg_test_parent", alloc_anon, 0) is None  # clone into it


def test_cgcore_top_down_constraint_enable(kernel):
    h = Harness(kernel)
    h.cg_create("cg_test_parent")
    h.cg_create("cg_test_parent/cg_test_child")
    assert h.cg_write("cg_test_parent/cg_test_child", "cgroup.subtree_control",
                      "+memory") != 0


def test_cgcore_top_down_constraint_disable(kernel):
    h = Harness(kernel)
    h.cg_create("cg_test_parent")
    h.cg_create("cg_test_parent/cg_test_child")
    assert h.cg_write("cg_test_parent", "cgroup.subtree_control", "+memory") == 0
    assert h.cg_write("cg_test_parent/cg_test_child", "cgroup.subtree_control",
                      "+memory") == 0
    assert h.cg_write("cg_test_parent", "cgroup.subtree_control", "-memory") == -errno.EBUSY


def test_cgcore_populated(kernel):
    h = Harness(kernel)
    for cg in ("cg_test_a", "cg_test_a/cg_test_b", "cg_test_a/cg_test_b/cg_test_c",
               "cg_test_a/cg_test_b/cg_test_d"):
        h.cg_create(cg)
    a, b = "cg_test_a", "cg_test_a/cg_test_b"
    c, d = f"{b}/cg_test_c", f"{b}/cg_test_d"
    assert h.cg_write(c, "cgroup.procs", "0") == 0  # the test process enters C
    for cg in (a, b, c):
        assert h.cg_read_strcmp(cg, "cgroup.events", "populated 1\n")
    assert h.cg_read_strcmp(d, "cgroup.events", "populated 0\n")
    assert h.cg_write("", "cgroup.procs", "0") == 0
    for cg in (a, b, c, d):
        assert h.cg_read_strcmp(cg, "cgroup.events", "populated 0\n")
    child = h.cg_run_nowait(d, lambda hh, pid: 0)  # clone3 into D, stopped
    assert h.cg_read_strcmp(d, "cgroup.events", "populated 1\n")
    h.exit(child, 0)
    assert h.cg_read_strcmp(d, "cgroup.events", "populated 0\n")
    h.cg_destroy(d)
    assert h.cg_run_nowait(d, lambda hh, pid: 0) is None  # the stale fd: clone3 fails
    h.check()


def test_cgcore_destroy(kernel):
    h = Harness(kernel)
    for _ in range(10):
        h.cg_create("cg_test")
        h.cg_run_nowait("cg_test", alloc_anon, 100 * MB)
        assert len(h.procs("cg_test")) >= 1  # cg_wait_for_proc_count(1)
        h.cg_killall("cg_test")
        assert h.procs("cg_test") == []
        h.m.rmdir(h.pid, h.path("cg_test"))  # must succeed at once
    h.m.settle()
    h.check()
