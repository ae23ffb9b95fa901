#!/bin/bash
# The seed-000 reproducer, smaller: append one page-cache page to a shared ext4 log per cgroup.
# cgroup v2, 50 iterations. Prints '== label' then the /proc/cgroups memory line
# and the root's cgroup.stat. Compared with the model by tests/fidelity.
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
cat /proc/cgroups | grep memory
cat /sys/fs/cgroup/cgroup.stat
rm -f temp log
sync
echo 3 > /proc/sys/vm/drop_caches
sleep 1
echo '== after cleanup'
cat /proc/cgroups | grep memory
cat /sys/fs/cgroup/cgroup.stat
