#!/bin/bash
# Inventory of the cgroup v1 memory controller files: one "=== name ===" section per file.
exec 2>&1
sec() { echo "=== $1 ==="; }
CG=/sys/fs/cgroup/memory
sec uname; uname -r
sec proc_cgroups; cat /proc/cgroups
sec meminfo; cat /proc/meminfo
sec mounts; cat /proc/mounts
sec ls_sys_fs_cgroup; ls /sys/fs/cgroup
sec ls_root; ls $CG
mkdir $CG/child
echo $$ > $CG/child/cgroup.procs
dd if=/dev/zero of=/root/one_file bs=4096 count=4 2>/dev/null
sync
sec child_files; ls $CG/child
for f in memory.stat memory.limit_in_bytes memory.usage_in_bytes memory.max_usage_in_bytes \
         memory.failcnt memory.memsw.limit_in_bytes memory.memsw.usage_in_bytes \
         memory.kmem.limit_in_bytes memory.kmem.usage_in_bytes memory.kmem.max_usage_in_bytes \
         memory.kmem.failcnt memory.kmem.tcp.usage_in_bytes memory.use_hierarchy \
         memory.move_charge_at_immigrate memory.oom_control memory.swappiness \
         memory.soft_limit_in_bytes memory.numa_stat cgroup.procs tasks notify_on_release \
         cgroup.clone_children; do
  sec "child_$f (shell inside)"; cat $CG/child/$f; echo "rc=$?"
done
echo $$ > $CG/cgroup.procs
sec "child_memory.usage_in_bytes (after leaving)"; cat $CG/child/memory.usage_in_bytes
sec "root_memory.stat"; cat $CG/memory.stat
sec "root_memory.use_hierarchy"; cat $CG/memory.use_hierarchy
sec "root_memory.limit_in_bytes"; cat $CG/memory.limit_in_bytes
sec proc_cgroups_with_child; cat /proc/cgroups
cat > /root/errs.sh <<'EOS'
CG=/sys/fs/cgroup/memory
echo "--- echo abc > memory.limit_in_bytes"; echo abc > $CG/child/memory.limit_in_bytes; echo "rc=$?"
echo "--- echo -1 > memory.limit_in_bytes"; echo -1 > $CG/child/memory.limit_in_bytes; echo "rc=$?"; cat $CG/child/memory.limit_in_bytes
echo "--- echo 1M > memory.limit_in_bytes"; echo 1M > $CG/child/memory.limit_in_bytes; echo "rc=$?"; cat $CG/child/memory.limit_in_bytes
echo "--- echo 1234567 > memory.limit_in_bytes"; echo 1234567 > $CG/child/memory.limit_in_bytes; echo "rc=$?"; cat $CG/child/memory.limit_in_bytes
echo -1 > $CG/child/memory.limit_in_bytes
echo "--- echo 1M > memory.kmem.limit_in_bytes"; echo 1M > $CG/child/memory.kmem.limit_in_bytes; echo "rc=$?"; cat $CG/child/memory.kmem.limit_in_bytes
echo "--- mkdir existing"; mkdir $CG/child; echo "rc=$?"
echo "--- rmdir with a task"; sleep 3600 & p=$!; echo $p > $CG/child/cgroup.procs; rmdir $CG/child; echo "rc=$?"
echo $p > $CG/cgroup.procs; kill $p; wait $p 2>/dev/null
for v in 0 1 2 3 4; do
  echo "--- echo $v > memory.move_charge_at_immigrate"; echo $v > $CG/child/memory.move_charge_at_immigrate; echo "rc=$?"; cat $CG/child/memory.move_charge_at_immigrate
done
echo 0 > $CG/child/memory.move_charge_at_immigrate
echo "--- echo 0 > memory.use_hierarchy (child)"; echo 0 > $CG/child/memory.use_hierarchy; echo "rc=$?"; cat $CG/child/memory.use_hierarchy
echo "--- echo 0 > memory.use_hierarchy (root)"; echo 0 > $CG/memory.use_hierarchy; echo "rc=$?"; cat $CG/memory.use_hierarchy
echo "--- echo 1 > memory.use_hierarchy (root)"; echo 1 > $CG/memory.use_hierarchy; echo "rc=$?"
echo "--- echo 1 > memory.oom_control"; echo 1 > $CG/child/memory.oom_control; echo "rc=$?"; cat $CG/child/memory.oom_control
echo "--- echo 2 > memory.oom_control"; echo 2 > $CG/child/memory.oom_control; echo "rc=$?"
echo "--- echo 101 > memory.swappiness"; echo 101 > $CG/child/memory.swappiness; echo "rc=$?"
echo "--- echo 1 > memory.force_empty"; echo 1 > $CG/child/memory.force_empty; echo "rc=$?"
echo "--- echo 5 > memory.usage_in_bytes"; echo 5 > $CG/child/memory.usage_in_bytes; echo "rc=$?"
echo "--- echo 0 > memory.max_usage_in_bytes"; echo 0 > $CG/child/memory.max_usage_in_bytes; echo "rc=$?"
echo "--- echo 1M > root memory.limit_in_bytes"; echo 1M > $CG/memory.limit_in_bytes; echo "rc=$?"
echo "--- rmdir nonexistent"; rmdir $CG/nope; echo "rc=$?"
echo "--- echo 999999 > cgroup.procs (no such pid)"; echo 999999 > $CG/child/cgroup.procs; echo "rc=$?"
echo "--- mkdir grandchild, then rmdir child (not empty)"; mkdir $CG/child/gc; rmdir $CG/child; echo "rc=$?"; rmdir $CG/child/gc
echo "--- rmdir child"; rmdir $CG/child; echo "rc=$?"
EOS
sec "errors_bash"; bash /root/errs.sh
mkdir $CG/child
sec "errors_busybox_sh"; sh /root/errs.sh
sec dmesg_tail; dmesg | tail -n 15
