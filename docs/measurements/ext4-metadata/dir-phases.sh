#!/bin/bash
# Ten cgroups per phase, each creating and removing a directory: in one transaction (a),
# with a commit in between (b), with a commit after (c); kept and removed later (d1, d2);
# 6 s apart (e). After each phase: sync, drop_caches, the count.
CG=/sys/fs/cgroup
cd /root
n=0
count() { sync; echo 3 > /proc/sys/vm/drop_caches; sleep 1; local d=$(grep nr_dying_descendants $CG/cgroup.stat | cut -d' ' -f2); echo "$1: +$((d - n)) (total $d) $(grep ^Buffers /proc/meminfo | tr -s ' ')"; n=$d; }
one() { mkdir $CG/$1; echo $$ > $CG/$1/cgroup.procs; eval "$2"; echo $$ > $CG/cgroup.procs; rmdir $CG/$1; }
count start
for i in $(seq 1 10); do one a$i "mkdir d$i; rmdir d$i"; done
count "a: mkdir; rmdir (same transaction)"
for i in $(seq 1 10); do one b$i "mkdir e$i; sync; rmdir e$i"; done
count "b: mkdir; sync; rmdir"
for i in $(seq 1 10); do one c$i "mkdir f$i; rmdir f$i; sync"; done
count "c: mkdir; rmdir; sync"
for i in $(seq 1 10); do one g$i "mkdir g$i"; done
count "d1: mkdir, kept"
rmdir g*; count "d2: those removed from the root cgroup"
for i in $(seq 1 10); do one h$i "mkdir h$i; rmdir h$i"; sleep 6; done
count "e: mkdir; rmdir, 6 s apart"
