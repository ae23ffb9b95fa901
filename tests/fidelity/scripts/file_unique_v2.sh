#!/bin/bash
# A unique new ext4 file per cgroup.
# cgroup v2, 50 iterations. Prints '== label' then the /proc/cgroups memory line
# and the root's cgroup.stat. Compared with the model by tests/fidelity.
echo '== before'
cat /proc/cgroups | grep memory
cat /sys/fs/cgroup/cgroup.stat
for i in {1..50}
do
mkdir /sys/fs/cgroup/test$i
echo $$ > /sys/fs/cgroup/test$i/cgroup.procs
echo x > file$i
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
rm -f file*
sync
echo 3 > /proc/sys/vm/drop_caches
sleep 1
echo '== after cleanup'
cat /proc/cgroups | grep memory
cat /sys/fs/cgroup/cgroup.stat
