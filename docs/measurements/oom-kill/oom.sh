#!/bin/bash
# OOM kills in a cgroup limited to 8M, as the script sees them: exit statuses,
# bash's "Killed" notices on stderr (2>&1 below), and memory.events.
exec 2>&1
cg=/sys/fs/cgroup/t
mkdir $cg
echo 8M > $cg/memory.max
echo $$ > $cg/cgroup.procs
dd if=/dev/zero of=/dev/shm/x bs=1M count=64 2>/dev/null
echo "dd-shm st=$?"
rm /dev/shm/x
dd if=/dev/zero bs=16M count=1 2>/dev/null | cat > /dev/null
echo "dd-pipe-first st=$?"
cat /dev/null | dd if=/dev/zero of=/dev/null bs=16M count=1 2>/dev/null
echo "dd-pipe-last st=$?"
x=$(dd if=/dev/zero bs=16M count=1 2>/dev/null | wc -c)
echo "cmdsub st=$? x=$x"
(dd if=/dev/zero of=/dev/null bs=16M count=1 2>/dev/null)
echo "subshell st=$?"
dd if=/dev/zero of=/dev/null bs=16M count=1 2>/dev/null &
wait $!
echo "background st=$?"
echo $$ > /sys/fs/cgroup/cgroup.procs
grep -E '^oom' $cg/memory.events
