#!/bin/bash
# Ten cgroups each run 'mkdir d; rmdir d' (phase a), then ten each 'mkdir g' kept (d1),
# removed later from the root cgroup (d2). After each phase: sync, drop_caches, the
# count; and again after compact_memory, whose lru_add_drain_all() empties the
# buffer-head LRUs. Run with memcglab real --kernel K --cgroup v2.
CG=/sys/fs/cgroup
cd /root
n=0
count() { sync; echo 3 > /proc/sys/vm/drop_caches; sleep 1; local d=$(grep nr_dying_descendants $CG/cgroup.stat | cut -d' ' -f2); echo "$1: +$((d - n)) (total $d) $(grep ^Buffers /proc/meminfo | tr -s ' ')"; n=$d; }
one() { mkdir $CG/$1; echo $$ > $CG/$1/cgroup.procs; eval "$2"; echo $$ > $CG/cgroup.procs; rmdir $CG/$1; }
count start
for i in $(seq 1 10); do one a$i "mkdir d$i; rmdir d$i"; done
count "a: mkdir; rmdir"
count "a: again"
echo 1 > /proc/sys/vm/compact_memory
count "after compact_memory (lru_add_drain_all)"
for i in $(seq 1 10); do one g$i "mkdir g$i"; done
count "d1: mkdir, kept"
echo 1 > /proc/sys/vm/compact_memory
count "d1 after compact_memory"
rmdir g*; count "d2: those removed"
echo 1 > /proc/sys/vm/compact_memory
count "d2 after compact_memory"
