#!/bin/bash
# A parent at memory.max 0 cannot be charged its new child's per-cpu data: mkdir fails.
mkdir /sys/fs/cgroup/p
echo +memory > /sys/fs/cgroup/p/cgroup.subtree_control
echo 0 > /sys/fs/cgroup/p/memory.max
mkdir /sys/fs/cgroup/p/c; echo "status $?"
cat /sys/fs/cgroup/p/memory.events
ls /sys/fs/cgroup/p | grep -c '^c$'
