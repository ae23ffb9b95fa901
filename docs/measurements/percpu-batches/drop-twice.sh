#!/bin/bash
# tests/fidelity/scripts/seed000_v2.sh up to its 'after sync+drop_caches' mark, then:
# the shell's CPU and the host's dirty/writeback pages, one more drop_caches, and a
# last one after a process has exited on each CPU (taskset -c 0 true; taskset -c 1 true).
dd if=/dev/zero of=temp bs=4096 count=1 2>/dev/null
echo '== before'
cat /proc/cgroups | grep memory
cat /sys/fs/cgroup/cgroup.stat
for i in {1..50}
do
mkdir /sys/fs/cgroup/test$i
echo $$ > /sys/fs/cgroup/test$i/cgroup.procs
cat temp >> log
echo $$ > /sys/fs/cgroup/cgroup.procs
rmdir /sys/fs/cgroup/test$i
done
echo '== after'
cat /proc/cgroups | grep memory
cat /sys/fs/cgroup/cgroup.stat
echo 3 > /proc/sys/vm/drop_caches
sleep 1
echo '== after drop_caches'
cat /proc/cgroups | grep memory
cat /sys/fs/cgroup/cgroup.stat
sync
echo 3 > /proc/sys/vm/drop_caches
sleep 1
echo '== after sync+drop_caches'
cat /sys/fs/cgroup/cgroup.stat | grep dying
echo "shell cpu: $(awk '{print $39}' /proc/$$/stat)"
grep -E "^nr_(dirty|writeback) " /proc/vmstat
echo 3 > /proc/sys/vm/drop_caches
echo '== again, no drain'
cat /sys/fs/cgroup/cgroup.stat | grep dying
taskset -c 0 true; taskset -c 1 true
echo 3 > /proc/sys/vm/drop_caches
echo '== after draining both cpus'
cat /sys/fs/cgroup/cgroup.stat | grep dying
