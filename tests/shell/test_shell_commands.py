"""Simulated programs on the fake System."""

import pytest
from fakesys import FakeSystem
from shellrun import run

from memcglab.shell.commands.files import dd_summary


@pytest.mark.parametrize(("total", "seconds", "line"), [
    (4096, 5.7167e-05, "4096 bytes (4.1 kB, 4.0 KiB) copied, 5.7167e-05 s, 71.6 MB/s"),
    (1000, 7.6644e-05, "1000 bytes (1.0 kB) copied, 7.6644e-05 s, 13.0 MB/s"),
    (100, 9.0229e-05, "100 bytes copied, 9.0229e-05 s, 1.1 MB/s"),
    (1, 0.000143869, "1 byte copied, 0.000143869 s, 7.0 kB/s"),
    (104857600, 0.0630857, "104857600 bytes (105 MB, 100 MiB) copied, 0.0630857 s, 1.7 GB/s"),
    (2097152000, 5.57972, "2097152000 bytes (2.1 GB, 2.0 GiB) copied, 5.57972 s, 376 MB/s"),
])
def test_dd_summary_matches_gnu(total, seconds, line):
    assert dd_summary((1, 0), (1, 0), total, seconds).splitlines()[2] == line


def test_dd_copies_blocks_and_options():
    fs = FakeSystem()
    fs.add_file("/root/src", b"0123456789" * 10)
    result = run("dd if=src of=dst bs=10 count=3 skip=2 status=none\n"
                 "dd if=src of=dst bs=5 count=1 oflag=append conv=notrunc status=noxfer", fs=fs)
    assert fs.files["/root/dst"] == b"0123456789" * 3 + b"01234"
    assert result.err == "1+0 records in\n1+0 records out\n"


def test_text_tools():
    script = r"""
printf 'b 2\na 1\nc 3\n' > f
sort f | head -n 2
awk '{ s += $2 } END { print s }' f
awk '$2 > 1 { print $1 }' f
awk -F' ' 'NR==2' f
grep -c '[ab]' f
grep -E '^(a|c)' f
sed -n '3p' f
sed 's/[0-9]/N/' f | tr a-z A-Z
cut -d' ' -f2 f | sort -rn | uniq
wc -l < f
tail -n 1 f
cat f | xargs echo
seq -s, 3
expr length abcd
"""
    result = run(script)
    assert result.out == ("a 1\nb 2\n6\nb\nc\na 1\n2\na 1\nc 3\nc 3\nB N\nA N\nC N\n"
                          "3\n2\n1\n3\nc 3\nb 2 a 1 c 3\n1,2,3\n4\n")
    assert result.err == ""


def test_awk_reports_what_it_does_not_support():
    result = run("echo x | awk '{ getline line }'\necho $?")
    assert result.err == "awk: unsupported: getline\n"
    assert result.out == "2\n"


def test_find_ls_stat_and_rm_r():
    fs = FakeSystem()
    fs.add_file("/srv/a/one.txt", b"1")
    fs.add_file("/srv/a/b/two.log", b"22")
    result = run("cd /srv\nfind a -name '*.txt'\nfind a -type d\nls a\n"
                 "stat -c '%s %n' a/b/two.log\nrm -r a\nls", fs=fs)
    assert result.out == "a/one.txt\na\na/b\nb\none.txt\n2 a/b/two.log\n"
    assert "/srv/a" not in fs.dirs


def test_sh_c_and_script_files():
    fs = FakeSystem()
    fs.add_file("/root/inner.sh", b"echo inner $1 $$\nexit 5\n")
    result = run("x=1; export y=2\nsh -c 'echo \"[$x][$y]\"'\nbash inner.sh arg\necho $?", fs=fs)
    lines = result.out.splitlines()
    assert lines[0] == "[][2]"
    assert lines[1].startswith("inner arg ") and lines[1] != f"inner arg {result.pid}"
    assert lines[2] == "5"


def test_uname_and_identity():
    fs = FakeSystem()
    fs.uname = lambda: "6.1.0-memcg"
    result = run("uname; uname -r; id -u; whoami; hostname", fs=fs)
    assert result.out == "Linux\n6.1.0-memcg\n0\nroot\nmemcglab\n"
