#!/bin/bash
# Each job writes a new file of its own (cgroup v2). The page cache pins every
# deleted cgroup on 4.19-7.0 until it is written back and reclaimed; after
# `sync` and drop_caches the ext4 inode-table blocks the jobs read still pin
# about one cgroup in sixteen (as on the real 6.1 and 6.12 kernels). 7.1: none.
for i in {1..200}
do
mkdir /sys/fs/cgroup/job$i
echo $$ > /sys/fs/cgroup/job$i/cgroup.procs
echo "result of job $i" > out$i
echo $$ > /sys/fs/cgroup/cgroup.procs
rmdir /sys/fs/cgroup/job$i
done
grep nr_dying_descendants /sys/fs/cgroup/cgroup.stat
sync
echo 3 > /proc/sys/vm/drop_caches
sleep 1
grep nr_dying_descendants /sys/fs/cgroup/cgroup.stat
