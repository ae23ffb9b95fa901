#!/bin/bash
# 30 cgroups each run 'mkdir d; rmdir d'; then drop_caches by parts (1, 2), a wait, a
# journal commit (touch + 7 s), and a last sync + drop_caches.
CG=/sys/fs/cgroup
cd /root
count() { echo "$1: dying $(grep nr_dying_descendants $CG/cgroup.stat | cut -d' ' -f2) $(grep ^Buffers /proc/meminfo | tr -s ' ')"; }
one() { mkdir $CG/$1; echo $$ > $CG/$1/cgroup.procs; eval "$2"; echo $$ > $CG/cgroup.procs; rmdir $CG/$1; }
sync; echo 3 > /proc/sys/vm/drop_caches; sleep 1
count start
t0=$(cut -d' ' -f1 /proc/uptime)
for i in $(seq 1 30); do one b$i "mkdir d$i; rmdir d$i"; done
echo "loop took $(awk "BEGIN{print $(cut -d' ' -f1 /proc/uptime)-$t0}") s"
count "after loop"
sync; count "after sync"
echo 1 > /proc/sys/vm/drop_caches; sleep 1; count "drop 1 (pagecache only)"
echo 1 > /proc/sys/vm/drop_caches; sleep 1; count "drop 1 again"
echo 2 > /proc/sys/vm/drop_caches; sleep 1; count "drop 2 (slab+shrinkers)"
echo 1 > /proc/sys/vm/drop_caches; sleep 1; count "drop 1 after drop 2"
sleep 7; echo 1 > /proc/sys/vm/drop_caches; sleep 1; count "7 s later, drop 1"
touch newfile; sleep 7; count "touch + 7 s (a commit)"
echo 1 > /proc/sys/vm/drop_caches; sleep 1; count "drop 1"
sync; echo 3 > /proc/sys/vm/drop_caches; sleep 1; count "sync + drop 3"
ls /proc/fs/jbd2/
