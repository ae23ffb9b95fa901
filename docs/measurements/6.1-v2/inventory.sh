#!/bin/bash
# Inventory of the cgroup v2 memory controller files: one "=== name ===" section per file.
exec 2>&1
sec() { echo "=== $1 ==="; }
CG=/sys/fs/cgroup
sec uname; uname -r
sec proc_cgroups; cat /proc/cgroups
sec meminfo; cat /proc/meminfo
sec mounts; cat /proc/mounts
sec ls_root; ls $CG
sec cgroup.controllers; cat $CG/cgroup.controllers
sec root_cgroup.stat; cat $CG/cgroup.stat
mkdir $CG/child
echo $$ > $CG/child/cgroup.procs
dd if=/dev/zero of=/root/one_file bs=4096 count=4 2>/dev/null
sync
sec child_files; ls $CG/child
for f in cgroup.stat memory.stat memory.events memory.events.local memory.max memory.high \
         memory.low memory.min memory.current memory.swap.max memory.swap.current memory.peak \
         memory.oom.group memory.swap.events memory.swap.high memory.swap.peak memory.zswap.max \
         memory.zswap.current cgroup.events cgroup.procs cgroup.type cgroup.max.depth \
         cgroup.max.descendants cgroup.freeze cgroup.subtree_control cgroup.controllers \
         memory.numa_stat memory.pressure; do
  sec "child_$f (shell inside)"; cat $CG/child/$f; echo "rc=$?"
done
echo $$ > $CG/cgroup.procs
sec "child_cgroup.events (after leaving)"; cat $CG/child/cgroup.events
sec "child_cgroup.procs (after leaving)"; cat $CG/child/cgroup.procs
sec "child_memory.current (after leaving)"; cat $CG/child/memory.current
sec proc_cgroups_with_child; cat /proc/cgroups
sec root_cgroup.stat_with_child; cat $CG/cgroup.stat
cat > /root/errs.sh <<'EOS'
CG=/sys/fs/cgroup
echo "--- echo abc > memory.max"; echo abc > $CG/child/memory.max; echo "rc=$?"
echo "--- echo -1 > memory.max"; echo -1 > $CG/child/memory.max; echo "rc=$?"
echo "--- echo 1M > memory.max"; echo 1M > $CG/child/memory.max; echo "rc=$?"; cat $CG/child/memory.max
echo "--- echo 1234567 > memory.max"; echo 1234567 > $CG/child/memory.max; echo "rc=$?"; cat $CG/child/memory.max
echo "--- echo max > memory.max"; echo max > $CG/child/memory.max; echo "rc=$?"; cat $CG/child/memory.max
echo "--- mkdir existing"; mkdir $CG/child; echo "rc=$?"
echo "--- rmdir with a task"; sleep 3600 & p=$!; echo $p > $CG/child/cgroup.procs; rmdir $CG/child; echo "rc=$?"
echo $p > $CG/cgroup.procs; kill $p; wait $p 2>/dev/null
echo "--- memory.oom.group 1"; echo 1 > $CG/child/memory.oom.group; echo "rc=$?"; cat $CG/child/memory.oom.group
echo "--- memory.oom.group 2"; echo 2 > $CG/child/memory.oom.group; echo "rc=$?"; cat $CG/child/memory.oom.group
echo "--- write to memory.current"; echo 5 > $CG/child/memory.current; echo "rc=$?"
echo "--- write to root memory.max (absent?)"; echo 5 > $CG/memory.max; echo "rc=$?"
echo "--- rmdir nonexistent"; rmdir $CG/nope; echo "rc=$?"
echo "--- echo 999999 > cgroup.procs (no such pid)"; echo 999999 > $CG/child/cgroup.procs; echo "rc=$?"
echo "--- mkdir grandchild, then rmdir child (not empty)"; mkdir $CG/child/gc; rmdir $CG/child; echo "rc=$?"; rmdir $CG/child/gc
echo "--- rmdir child"; rmdir $CG/child; echo "rc=$?"
EOS
sec "errors_bash"; bash /root/errs.sh
mkdir $CG/child
sec "errors_busybox_sh"; sh /root/errs.sh
sec dmesg_tail; dmesg | tail -n 15
