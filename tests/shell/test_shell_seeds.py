"""The two seed reproducers run verbatim on the fake cgroupfs."""


from fakesys import CGROUP_ROOT
from shellrun import run

SEED_000 = """#!/bin/bash
# Create a temporary file 'temp' filled with zero bytes
dd if=/dev/zero of=temp bs=4096 count=1
# Display memory-cgroup info from /proc/cgroups
cat /proc/cgroups | grep memory
for i in {0..2000}
do
mkdir /sys/fs/cgroup/memory/test$i
echo $$ > /sys/fs/cgroup/memory/test$i/cgroup.procs
# Append 'temp' file content to 'log'
cat temp >> log
echo $$ > /sys/fs/cgroup/memory/cgroup.procs
# Potentially create a dying memory cgroup
rmdir /sys/fs/cgroup/memory/test$i
done
# Display memory-cgroup info after test
cat /proc/cgroups | grep memory
rm -f temp log
"""

SEED_001 = """#!/bin/bash

cat /proc/cgroups | grep memory

cd /sys/fs/cgroup/memory
echo 1 > memory.move_charge_at_immigrate

for i in range{1..500}
do
mkdir kmem_test
echo $$ > kmem_test/cgroup.procs
sleep 3600 &
echo $$ > cgroup.procs
echo `cat kmem_test/cgroup.procs` > cgroup.procs
rmdir kmem_test
done

cat /proc/cgroups | grep memory
"""


def test_seed_000_runs_verbatim():
    result = run(SEED_000)
    fs = result.fs
    assert result.status == 0
    assert result.out == "memory\t2\t1\t1\nmemory\t2\t2002\t1\n"
    lines = result.err.splitlines()
    assert lines[:2] == ["1+0 records in", "1+0 records out"]
    assert lines[2].startswith("4096 bytes (4.1 kB, 4.0 KiB) copied, ")
    assert lines[2].endswith(" MB/s") and len(lines) == 3
    assert fs.cgroup_of(result.pid) == CGROUP_ROOT
    assert "/root/temp" not in fs.files and "/root/log" not in fs.files
    # every iteration's cat ran in the test cgroup and appended 4 KiB to log
    cats = [e for e in fs.calls("exec") if e[2] == ("cat", "temp")]
    assert len(cats) == 2001
    appends = [e for e in fs.calls("write") if e[2] == "/root/log"]
    assert len(appends) == 2001 and all(len(e[3]) == 4096 for e in appends)


def test_seed_001_runs_verbatim_and_leaves_sleepers():
    result = run(SEED_001)
    fs = result.fs
    assert result.status == 0, result.err
    assert result.err == ""
    assert result.out == "memory\t2\t1\t1\nmemory\t2\t501\t1\n"
    sleepers = [pid for pid, t in fs.tasks.items() if t["alive"] and t["argv"] == ["sleep", "3600"]]
    assert len(sleepers) == 500
    # each sleeper was moved back to the root by `echo `cat ...` > cgroup.procs`
    assert all(fs.cgroup_of(pid) == CGROUP_ROOT for pid in sleepers)
    assert f"{CGROUP_ROOT}/kmem_test" not in fs.dirs
    assert fs.clock < 1.0
    # when the clock reaches +3600 s the sleepers exit by themselves
    while fs.run_next():
        pass
    assert fs.clock == 3600.0
    assert not any(fs.alive(pid) for pid in sleepers)
    assert all(fs.tasks[pid]["status"] == 0 for pid in sleepers)
