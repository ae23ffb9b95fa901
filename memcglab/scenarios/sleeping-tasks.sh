#!/bin/bash
# Each job leaves a sleeping process behind and moves it to the root cgroup before
# the job's cgroup is removed (cgroup v2: charges never move). Its anon pages pin
# the dead cgroup on 4.19-7.0 and its kernel stack on 4.19 and 5.10; 7.1 pins
# nothing. Killing the sleepers frees them.
for i in {1..100}
do
mkdir /sys/fs/cgroup/job$i
echo $$ > /sys/fs/cgroup/job$i/cgroup.procs
sleep 3600 &
echo $$ > /sys/fs/cgroup/cgroup.procs
echo $! > /sys/fs/cgroup/cgroup.procs
rmdir /sys/fs/cgroup/job$i
done
sleep 1
grep nr_dying_descendants /sys/fs/cgroup/cgroup.stat
kill $(cat /sys/fs/cgroup/cgroup.procs | grep -v "^$$\$") 2>/dev/null
sleep 1
grep nr_dying_descendants /sys/fs/cgroup/cgroup.stat
