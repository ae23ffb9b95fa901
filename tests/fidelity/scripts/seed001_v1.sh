#!/bin/bash
# The seed-001 reproducer, smaller (30 iterations): a background sleep started in a
# cgroup with move_charge_at_immigrate=1, moved out, then the cgroup is removed.
# cgroup v1. Prints '== label' then the /proc/cgroups memory line.
echo '== before'
cat /proc/cgroups | grep memory
cd /sys/fs/cgroup/memory
echo 1 > memory.move_charge_at_immigrate
for i in range{1..30}
do
mkdir kmem_test
echo $$ > kmem_test/cgroup.procs
sleep 3600 &
echo $$ > cgroup.procs
echo `cat kmem_test/cgroup.procs` > cgroup.procs
rmdir kmem_test
done
echo '== after'
cat /proc/cgroups | grep memory
