"""Issue 8: bad input never produces anything but an errno (or success).

Random bytes and text are written to every cgroupfs file (v1 and v2, root and
child) and to /proc/sys/vm/drop_caches: each write either succeeds or raises
``SysError`` with an errno; afterwards every readable file still reads. Random
and mutated shell scripts run on the real machine (the shell's own fuzzing uses
a fake system) finish with an exit status and never raise; the model's
invariants still hold afterwards.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from memcglab import Machine
from memcglab.invariants import check_machine, drain_and_settle
from memcglab.shell import Shell
from memcglab.shell.system import O_RDONLY, O_WRONLY, SysError

FUZZ = settings(max_examples=40, deadline=None, derandomize=True, print_blob=False,
                suppress_health_check=list(HealthCheck))

# Tokens that parse, nearly parse, or stress the parsers.
TOKENS = ["max", "-1", "0", "1", "2", "3", "4", "5", "1M", "4k", "0x10", "010", "1.0", "1xx",
          "+memory", "-memory", "+cpu", "memory", "reset\n\0", "swappiness=10", "", " ",
          "\n", "\0", "9" * 30, "-9223372036854775808", "18446744073709551616", "1E", "1P",
          "٣", "ｍａｘ", "\udcff"]
PAYLOAD = st.one_of(
    st.binary(max_size=48),
    st.text(max_size=24).map(lambda s: s.encode("utf-8", "surrogatepass")),
    st.lists(st.sampled_from(TOKENS), max_size=4).map(
        lambda xs: " ".join(xs).encode("utf-8", "surrogatepass")),
)


def _boot(kernel: str, mode: str) -> tuple[Machine, list[str]]:
    m = Machine(kernel=kernel, cgroup=mode, swap="8M")
    job = m.spawn("/", "job")
    m.mkdir(m.init.pid, m.cgroupfs_path("child"))
    m.mkdir(m.init.pid, m.cgroupfs_path("child/grand"))
    m.write_file(m.cgroupfs_path("child/cgroup.procs"), str(job))
    m.touch_anon(job, 1 << 20)
    return m, [m.cgroupfs_path(""), m.cgroupfs_path("child")]


def _files(m: Machine, dirs: list[str]) -> list[str]:
    out = []
    for d in dirs:
        for name in m.listdir(m.init.pid, d):
            node = m.vfs.resolve(f"{d}/{name}")
            if not node.is_dir:
                out.append(f"{d}/{name}")
    return out + ["/proc/sys/vm/drop_caches"]


def test_every_listed_file_resolves():
    m, dirs = _boot("6.1", "v1")
    for d in dirs:
        for name in m.listdir(m.init.pid, d):
            m.vfs.resolve(f"{d}/{name}")


def _write_raw(m: Machine, path: str, data: bytes) -> None:
    f = m.open(m.init.pid, path, O_WRONLY)
    try:
        m.write(m.init.pid, f, data)
    finally:
        m.close(m.init.pid, f)


def _read_all(m: Machine, files: list[str]) -> None:
    for path in files:
        node = m.vfs.resolve(path)
        if not node.mode & 0o444:
            continue
        f = m.open(m.init.pid, path, O_RDONLY)
        try:
            assert isinstance(m.read(m.init.pid, f), bytes)
        finally:
            m.close(m.init.pid, f)


@pytest.mark.parametrize(("kernel", "mode"), [("6.1", "v1"), ("6.1", "v2"), ("7.1", "v1"),
                                              ("7.1", "v2")])
@FUZZ
@given(writes=st.lists(st.tuples(st.integers(0, 10_000), PAYLOAD), min_size=1, max_size=25))
def test_random_writes_to_every_file(kernel, mode, writes):
    m, dirs = _boot(kernel, mode)
    files = _files(m, dirs)
    for i, data in writes:
        path = files[i % len(files)]
        try:
            _write_raw(m, path, data)
        except SysError as e:
            assert isinstance(e.errno, int) and e.errno > 0, (path, data)
    _read_all(m, _files(m, [d for d in dirs if _exists(m, d)]))
    check_machine(m)


def _exists(m: Machine, path: str) -> bool:
    try:
        m.vfs.resolve(path)
    except SysError:
        return False
    return True


@pytest.mark.parametrize(("kernel", "mode"), [("6.1", "v1"), ("6.1", "v2"), ("7.1", "v2")])
def test_every_file_takes_every_token(kernel, mode):
    """Exhaustively: each file of root and child, each interesting token."""
    m, dirs = _boot(kernel, mode)
    files = _files(m, dirs)
    for path in files:
        for token in TOKENS:
            if not _exists(m, path):
                break
            try:
                _write_raw(m, path, token.encode("utf-8", "surrogatepass"))
            except SysError as e:
                assert e.errno > 0
    _read_all(m, _files(m, [d for d in dirs if _exists(m, d)]))
    drain_and_settle(m)
    check_machine(m, quiescent=True)


# ---- scripts on the real machine ---------------------------------------------------------
SEED_LINES = [
    "mkdir /sys/fs/cgroup/a", "mkdir -p /sys/fs/cgroup/a/b", "rmdir /sys/fs/cgroup/a",
    "echo +memory > /sys/fs/cgroup/cgroup.subtree_control",
    "echo +memory > /sys/fs/cgroup/a/cgroup.subtree_control",
    "echo $$ > /sys/fs/cgroup/a/cgroup.procs", "echo $$ > /sys/fs/cgroup/cgroup.procs",
    "echo 1M > /sys/fs/cgroup/a/memory.max", "echo 64K > /sys/fs/cgroup/a/memory.high",
    "echo 1M > /sys/fs/cgroup/a/memory.reclaim", "echo 3 > /proc/sys/vm/drop_caches",
    "dd if=/dev/zero of=/root/f bs=4096 count=8", "dd if=/dev/zero of=/tmp/t bs=4096 count=4",
    "cat /root/f >> /root/log", "cat /sys/fs/cgroup/a/memory.stat",
    "cat /proc/cgroups", "cat /proc/meminfo | grep -i percpu", "rm -f /root/f /tmp/t",
    "sleep 1", "sleep 0.01 &", "wait", "sync", "for i in 1 2 3; do mkdir /tmp/d$i; done",
    "while true; do echo x > /dev/null; done", "f() { f; }; f", "exit 3",
    "kill -9 $$", "echo $((1/0))", "cd /nonexistent", "if [ -e /tmp/t ]; then rm /tmp/t; fi",
    "echo 1 > /sys/fs/cgroup/a/cgroup.kill", "cat /sys/fs/cgroup/memory/memory.usage_in_bytes",
    "echo 1M > /sys/fs/cgroup/memory/a/memory.limit_in_bytes", "mkdir /sys/fs/cgroup/memory/a",
    "( echo sub; exit 1 )", "x=$(cat /proc/cgroups | wc -l); echo $x", "unknowncmd --flag",
]
GARBAGE = st.text(alphabet=st.sampled_from(list("ab$(){}[];|&<>'\"\\\n #=*?!-0123456789~`")),
                  max_size=40)


def _mutate(lines: list[str], cuts: list[tuple[int, int]], junk: str) -> str:
    text = "\n".join(lines)
    for pos, n in cuts:  # drop a slice, or splice the junk in
        if not text:
            break
        pos %= len(text)
        text = text[:pos] + (junk if n % 2 else "") + text[pos + n % 7:]
    return text


@pytest.mark.parametrize(("kernel", "mode"), [("6.1", "v2"), ("7.1", "v1")])
@FUZZ
@given(lines=st.lists(st.sampled_from(SEED_LINES), max_size=12),
       cuts=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 20)), max_size=3),
       junk=GARBAGE)
def test_random_and_mutated_scripts_never_raise(kernel, mode, lines, cuts, junk):
    m = Machine(kernel=kernel, cgroup=mode, swap="8M")
    script = _mutate(lines, cuts, junk)
    if mode == "v1":
        script = script.replace("/sys/fs/cgroup/a", "/sys/fs/cgroup/memory/a")
    pid = m.fork(m.init.pid)
    m.exec(pid, ["bash"])
    out = bytearray()
    sh = Shell(m, pid, stdout=out.extend, stderr=out.extend, max_steps=2000)
    status = sh.run(script)
    assert isinstance(status, int) and 0 <= status <= 255
    check_machine(m)
    drain_and_settle(m)
    check_machine(m, quiescent=True)


def test_a_proc_pid_of_non_ascii_digits_does_not_exist():
    m = Machine(kernel="6.1", cgroup="v2")
    with pytest.raises(SysError) as e:
        m.read_file("/proc/²/status")  # '²'.isdigit(), but int('²') raises
    assert e.value.errno == 2
