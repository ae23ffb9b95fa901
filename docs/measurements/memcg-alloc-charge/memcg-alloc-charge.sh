#!/bin/bash
# What does creating a child memcg charge to its parent? 1000 children of one
# parent; stats read after the periodic rstat flush (2 s) has run.
P=/sys/fs/cgroup/pcpu
mkdir $P
echo +memory > $P/cgroup.subtree_control
for i in $(seq 1 1000); do mkdir $P/c$i; done
sleep 3
echo "== 1000 children"
echo "current $(cat $P/memory.current)"
grep -v " 0$" $P/memory.stat
for i in $(seq 1 1000); do rmdir $P/c$i; done
sleep 3
echo "== after rmdir"
echo "current $(cat $P/memory.current)"
grep -v " 0$" $P/memory.stat
grep nr_dying $P/cgroup.stat
echo "nproc $(nproc) possible $(cat /sys/devices/system/cpu/possible)"
