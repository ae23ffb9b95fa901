#!/bin/bash
# A service restarted 200 times, each run in a fresh cgroup under a slice
# (cgroup v2, as systemd does it). Each run appends a page to a shared log,
# as in seed 000. Where that page pins the deleted cgroup (4.19-7.0), the dying
# child keeps costing the slice: its page, and from 5.9 its per-cpu statistics
# (about 7 kB on 2 CPUs, more on 6.12), which were charged to the slice when the
# child was created and are returned only when it is freed. On 7.1 the pages
# move to the slice and the children are freed.
S=/sys/fs/cgroup/test.slice
mkdir $S
echo +memory > $S/cgroup.subtree_control
dd if=/dev/zero of=temp bs=4096 count=1 2>/dev/null
for i in {1..200}
do
mkdir $S/run$i
echo $$ > $S/run$i/cgroup.procs
cat temp >> log
echo $$ > /sys/fs/cgroup/cgroup.procs
rmdir $S/run$i
done
sleep 3
grep nr_dying_descendants $S/cgroup.stat
echo "slice memory.current $(cat $S/memory.current)"
grep -E '^(file|percpu|slab|kernel) ' $S/memory.stat
