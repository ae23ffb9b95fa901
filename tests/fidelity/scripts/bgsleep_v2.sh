#!/bin/bash
# A backgrounded sleep started in the cgroup (given 0.1 s to exec and fault in), moved out
# without move_charge: its pages pin the cgroup until it is killed.
# cgroup v2, 30 iterations. Prints '== label' then the /proc/cgroups memory line
# and the root's cgroup.stat. Compared with the model by tests/fidelity.
echo '== before'
cat /proc/cgroups | grep memory
cat /sys/fs/cgroup/cgroup.stat
for i in {1..30}
do
mkdir /sys/fs/cgroup/test$i
echo $$ > /sys/fs/cgroup/test$i/cgroup.procs
sleep 3600 & pid=$!; sleep 0.1
echo $$ > /sys/fs/cgroup/cgroup.procs
echo $pid > /sys/fs/cgroup/cgroup.procs
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
cat /proc/cgroups | grep memory
cat /sys/fs/cgroup/cgroup.stat
kill $(jobs -p); wait
sync
echo 3 > /proc/sys/vm/drop_caches
sleep 1
echo '== after cleanup'
cat /proc/cgroups | grep memory
cat /sys/fs/cgroup/cgroup.stat
