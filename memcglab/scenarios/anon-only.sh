#!/bin/bash
# Each job only runs a short-lived process: its anonymous memory, page tables and
# kernel stack are freed when it exits, so nothing is left to pin the cgroup on
# any kernel.
for i in {1..200}
do
mkdir /sys/fs/cgroup/job$i
echo $$ > /sys/fs/cgroup/job$i/cgroup.procs
sh -c true
echo $$ > /sys/fs/cgroup/cgroup.procs
rmdir /sys/fs/cgroup/job$i
done
sleep 1
grep nr_dying_descendants /sys/fs/cgroup/cgroup.stat
