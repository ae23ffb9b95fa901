#!/bin/bash
cd /root
echo "tune: $(grep -c . /proc/mounts)"; grep /root /proc/mounts
out=""
for i in $(seq 1 40); do echo x > f$i; out="$out $(stat -c %i f$i)"; rm f$i; done
echo "fast:$out"
mkdir d1; echo "dir: $(stat -c %i d1)"; rmdir d1
out=""
for i in $(seq 1 8); do echo x > g$i; out="$out $(stat -c %i g$i)"; rm g$i; sleep 1.2; done
echo "slow:$out"
out=""
for i in $(seq 1 20); do echo x > h$i; out="$out $(stat -c %i h$i)"; done
echo "kept:$out"
