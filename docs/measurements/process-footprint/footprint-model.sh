#!/bin/bash
# The model's variant of footprint.sh: the model has no FIFOs and no `read -t`,
# so pause() does nothing (exited tasks' slab, freed a grace period later, lingers).
cg=/sys/fs/cgroup/t
mkdir $cg
echo $$ > $cg/cgroup.procs
pause() { :; }
snap() {
  local k v out=""
  while read -r k v; do
    case $k in anon|kernel_stack|pagetables|slab_unreclaimable|slab_reclaimable|pgfault) out+="$k=$v ";; esac
  done < $cg/memory.stat
  echo "$1 $out"
}
pause 3; snap base0
pause 3; snap base1
/bin/true; pause 3; snap true1
/bin/true; pause 3; snap true2
/bin/true; pause 3; snap true3
( : ); pause 3; snap subsh1
( : ); pause 3; snap subsh2
sleep 60 & p1=$!; pause 3; snap sleep1
sleep 60 & p2=$!; pause 3; snap sleep2
( pause 60 ) & p3=$!; pause 3; snap sub1
( pause 60 ) & p4=$!; pause 3; snap sub2
kill $p1 $p2 $p3 $p4; wait; pause 3; snap killed
