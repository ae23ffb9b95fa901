#!/bin/bash
CG=/sys/fs/cgroup
cd /root
dying() { sync; echo 3 > /proc/sys/vm/drop_caches; sleep 1; grep nr_dying_descendants $CG/cgroup.stat | cut -d' ' -f2; }
one() {  # $1 name, $2 command
  mkdir $CG/$1; echo $$ > $CG/$1/cgroup.procs; eval "$2"; echo $$ > $CG/cgroup.procs; rmdir $CG/$1
}
echo "start: $(dying)"
t0=$(cut -d' ' -f1 /proc/uptime)
for i in $(seq 1 30); do one a$i "echo x > f$i; rm f$i"; done
echo "files fast (30): $(dying)  $(awk "BEGIN{print $(cut -d' ' -f1 /proc/uptime)-$t0}") s"
t0=$(cut -d' ' -f1 /proc/uptime)
for i in $(seq 1 30); do one b$i "mkdir d$i; rmdir d$i"; done
echo "dirs fast (30): $(dying)  $(awk "BEGIN{print $(cut -d' ' -f1 /proc/uptime)-$t0}") s"
for i in $(seq 1 6); do one c$i "mkdir e$i; rmdir e$i"; sleep 6; done
echo "dirs slow (6, 6 s apart): $(dying)"
echo x > /root/keep
for i in $(seq 1 30); do one g$i "mkdir k$i; rmdir k$i"; done
echo "dirs fast again (30): $(dying)"
