#!/bin/bash
# Anonymous memory only: one short-lived process per cgroup.
# cgroup v1, 50 iterations. Prints '== label' then the /proc/cgroups memory line
# (num_cgroups counts live + dying cgroups). Compared with the model by tests/fidelity.
echo '== before'
cat /proc/cgroups | grep memory
for i in {1..50}
do
mkdir /sys/fs/cgroup/memory/test$i
echo $$ > /sys/fs/cgroup/memory/test$i/cgroup.procs
sh -c true
echo $$ > /sys/fs/cgroup/memory/cgroup.procs
rmdir /sys/fs/cgroup/memory/test$i
done
echo '== after'
cat /proc/cgroups | grep memory
echo 3 > /proc/sys/vm/drop_caches
sleep 1
echo '== after drop_caches'
cat /proc/cgroups | grep memory
sync
echo 3 > /proc/sys/vm/drop_caches
sleep 1
echo '== after sync+drop_caches'
cat /proc/cgroups | grep memory
