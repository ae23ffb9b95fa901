#!/bin/bash
# Files and a directory created then deleted inside each cgroup (dentry/inode slab only).
# cgroup v1, 20 iterations. Prints '== label' then the /proc/cgroups memory line
# (num_cgroups counts live + dying cgroups). Compared with the model by tests/fidelity.
echo '== before'
cat /proc/cgroups | grep memory
for i in {1..20}
do
mkdir /sys/fs/cgroup/memory/test$i
echo $$ > /sys/fs/cgroup/memory/test$i/cgroup.procs
for j in 1 2 3 4 5; do echo x > d${i}_$j; rm d${i}_$j; done; mkdir dir$i; rmdir dir$i
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
