"""Host-side pieces of the real-kernel runner; no qemu needed."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from memcglab.real.initramfs import Cpio, choose_cgroup, choose_shell
from memcglab.real.runner import _parse_control

from .conftest import parse_marks


def test_choose_shell():
    # Like `memcglab run`, bash unless the shebang names a POSIX shell (busybox sh then).
    assert choose_shell("#!/bin/bash\necho hi\n") == "bash"
    assert choose_shell("#!/bin/sh\necho {1..3}\n") == "sh"  # the shebang wins
    assert choose_shell("#!/bin/sh -e\necho hi\n") == "sh"
    assert choose_shell("#!/usr/bin/env dash\necho hi\n") == "sh"
    assert choose_shell("#!/usr/bin/env bash\necho hi\n") == "bash"
    assert choose_shell("echo hi $((1 + 2))\n") == "bash"  # no shebang: as the model runs it
    assert choose_shell("(cat /proc/cgroups; cat /proc/cgroups)\n") == "bash"
    assert choose_shell("#!/bin/bash\necho hi\n", "sh") == "sh"


def test_choose_cgroup():
    assert choose_cgroup("echo $$ > /sys/fs/cgroup/memory/x/cgroup.procs") == "v1"
    assert choose_cgroup("mkdir /sys/fs/cgroup/x") == "v2"
    assert choose_cgroup("mkdir /sys/fs/cgroup/x", "v1") == "v1"
    with pytest.raises(ValueError):
        choose_cgroup("", "v3")


def _entries(archive: bytes):
    """Read a newc archive back: [(name, mode, data)]."""
    out, pos = [], 0
    while True:
        assert archive[pos : pos + 6] == b"070701"
        fields = [int(archive[pos + 6 + 8 * i : pos + 14 + 8 * i], 16) for i in range(13)]
        namesize, filesize, mode = fields[11], fields[6], fields[1]
        name = archive[pos + 110 : pos + 110 + namesize - 1].decode()
        pos += 110 + namesize
        pos += -pos % 4
        data = archive[pos : pos + filesize]
        pos += filesize
        pos += -pos % 4
        if name == "TRAILER!!!":
            return out
        out.append((name, mode, data))


def test_cpio_newc_layout():
    c = Cpio()
    c.dir("bin")
    c.file("bin/x", b"abc", 0o755)
    c.symlink("bin/sh", "busybox")
    c.chardev("dev/console", 5, 1)
    archive = c.bytes()
    assert len(archive) % 4 == 0
    entries = _entries(archive)
    assert [(n, d) for n, _, d in entries] == [
        ("bin", b""), ("bin/x", b"abc"), ("bin/sh", b"busybox"), ("dev/console", b""),
    ]  # fmt: skip
    assert entries[1][1] == 0o100755 and entries[3][1] == 0o020600
    if shutil.which("cpio"):  # cross-check with GNU cpio where it is installed
        res = subprocess.run(["cpio", "-t"], input=archive, capture_output=True, check=True)
        assert res.stdout.decode().split() == ["bin", "bin/x", "bin/sh", "dev/console"]


def test_parse_control_and_marks():
    ctl = _parse_control("junk\nMCL kernel=6.1.0-56-amd64\r\nMCL status=3\n")
    assert ctl == {"kernel": "6.1.0-56-amd64", "status": "3"}
    out = (
        "== before\nmemory\t1\t1\t1\n== after\nmemory\t0\t52\t1\n"
        "nr_descendants 0\nnr_dying_descendants 51\n"
    )
    assert parse_marks(out) == {
        "before": {"hierarchy": 1, "num_cgroups": 1, "enabled": 1},
        "after": {"hierarchy": 0, "num_cgroups": 52, "enabled": 1, "nr_descendants": 0,
                  "nr_dying_descendants": 51},
    }  # fmt: skip
