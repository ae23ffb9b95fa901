#!/bin/bash
# Run with swap, e.g. `memcglab run scenarios/swapped-tmpfs.sh --swap 256M -k all`.
# Each job writes 2 MiB to tmpfs under a 1 MiB memory.max, so half of it is
# swapped out. Swap records hold the memcg ID and with it the css on every
# kernel, 7.1 included: this is what still pins after the 2026 series.
for i in {1..50}
do
mkdir /sys/fs/cgroup/job$i
echo 1M > /sys/fs/cgroup/job$i/memory.max
echo $$ > /sys/fs/cgroup/job$i/cgroup.procs
dd if=/dev/zero of=/tmp/data$i bs=1M count=2 2>/dev/null
echo $$ > /sys/fs/cgroup/cgroup.procs
rmdir /sys/fs/cgroup/job$i
done
sleep 1
grep nr_dying_descendants /sys/fs/cgroup/cgroup.stat
grep -E "SwapTotal|SwapFree" /proc/meminfo
