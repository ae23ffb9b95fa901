#!/bin/bash
# Each job appends to a file in /tmp (tmpfs: shmem pages). shmem is never dropped
# by drop_caches, so every deleted cgroup stays dying until the file is removed
# (4.19-7.0); 7.1 splices the pages to the parent and frees them at once.
dd if=/dev/zero of=/tmp/chunk bs=4096 count=1 2>/dev/null
for i in {1..200}
do
mkdir /sys/fs/cgroup/job$i
echo $$ > /sys/fs/cgroup/job$i/cgroup.procs
cat /tmp/chunk >> /tmp/log
echo $$ > /sys/fs/cgroup/cgroup.procs
rmdir /sys/fs/cgroup/job$i
done
sync
echo 3 > /proc/sys/vm/drop_caches
sleep 1
grep nr_dying_descendants /sys/fs/cgroup/cgroup.stat
rm /tmp/log
sleep 1
grep nr_dying_descendants /sys/fs/cgroup/cgroup.stat
