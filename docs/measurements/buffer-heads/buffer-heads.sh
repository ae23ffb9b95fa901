#!/bin/bash
# Slab charged per page-cache page written to ext4 (buffer heads?) vs tmpfs.
C=/sys/fs/cgroup/bh
mkdir $C
echo $$ > $C/cgroup.procs
show() { echo "== $1"; grep -E '^(file|slab_reclaimable|slab_unreclaimable|kernel) ' $C/memory.stat; }
show start
dd if=/dev/zero of=/root/big bs=4096 count=256 2>/dev/null
sleep 3
show ext4-256-pages
sync
sleep 3
show ext4-256-pages-synced
dd if=/dev/zero of=/tmp/big bs=4096 count=256 2>/dev/null
sleep 3
show tmpfs-256-pages
dd if=/dev/zero of=temp bs=4096 count=1 2>/dev/null
for i in $(seq 1 100); do cat temp >> log; done
sleep 3
show ext4-100-appends
echo $$ > /sys/fs/cgroup/cgroup.procs
