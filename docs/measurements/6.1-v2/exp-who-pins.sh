#!/bin/bash
# Experiment: what pins the few cgroups left after the obvious pinner is gone?
# Each loop runs in a bash subshell (its own process and heap); we look before and after
# that subshell exits. Hypotheses: the shell's own heap pages (faulted while it sat in a
# child cgroup) vs ext4 metadata (inode-table / directory blocks in the bdev page cache).
CG=/sys/fs/cgroup
d() { echo "$1: $(grep nr_dying_descendants $CG/cgroup.stat)"; }
d "start"
(
  for ((i=0; i<100; i++)); do
    mkdir $CG/a$i; echo $BASHPID > $CG/a$i/cgroup.procs
    sleep 3600 & pid=$!; sleep 0.1
    echo $BASHPID > $CG/cgroup.procs; echo $pid > $CG/cgroup.procs; rmdir $CG/a$i
  done
  d "A bgsleep-settled x100, subshell alive"
  kill $(jobs -p); wait
  sleep 1; d "A after killing the sleeps, subshell alive"
)
sleep 1; d "A after the subshell exited"
(
  for ((i=0; i<100; i++)); do
    mkdir $CG/b$i; echo $BASHPID > $CG/b$i/cgroup.procs
    echo x > file$i
    echo $BASHPID > $CG/cgroup.procs; rmdir $CG/b$i
  done
  sync; echo 3 > /proc/sys/vm/drop_caches; sleep 1
  d "B unique files x100, after sync+drop, subshell alive"
)
sleep 1; d "B after the subshell exited"
sync; echo 3 > /proc/sys/vm/drop_caches; sleep 1; d "B after sync+drop"
rm -f file*; sync; echo 3 > /proc/sys/vm/drop_caches; sleep 1; d "B after rm + sync+drop"
cd / && umount /root && d "B after umount /root"
