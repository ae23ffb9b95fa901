#!/bin/bash
# Which processes exist while a command runs: each case writes cgroup.procs
# (read by a `cat` inside the case) to /tmp/o, and cnt counts its lines with
# builtins only. The shell sits alone in cgroup t.
cg=/sys/fs/cgroup/t
P=$cg/cgroup.procs
mkdir $cg; echo $$ > $P
cnt() { local n=0 l; while read -r l; do n=$((n+1)); done < /tmp/o; echo "$1 $n"; }
f() { cat $P; cat $P; }
# pipelines: bash forks every stage before the first one runs
cat $P | cat > /tmp/o; cnt pipe-2
cat $P | cat | cat | cat > /tmp/o; cnt pipe-4
echo x | cat $P | cat > /tmp/o; cnt pipe-echo-first
{ cat $P; cat $P; } | cat > /tmp/o; cnt pipe-group
(cat $P; cat $P) | cat > /tmp/o; cnt pipe-subshell
(cat $P | cat) > /tmp/o; cnt subshell-pipe
x=$(cat $P | cat); echo "$x" > /tmp/o; cnt cmdsub-pipe
# ( list ): the last simple command is exec'ed in place of the subshell
(cat $P) > /tmp/o; cnt sub-one
(cat $P > /tmp/o); cnt sub-one-redir
(x=1 cat $P) > /tmp/o; cnt sub-assign
(cd /; cat $P) > /tmp/o; cnt sub-cd
(cat $P; cat $P) > /tmp/o; cnt sub-seq
(cat $P && cat $P) > /tmp/o; cnt sub-and
(false || cat $P) > /tmp/o; cnt sub-or
(true
cat $P) > /tmp/o; cnt sub-newline
(true && true; cat $P) > /tmp/o; cnt sub-and-seq
(true; true && cat $P) > /tmp/o; cnt sub-seq-and
(cat $P; cat $P >> /tmp/o) > /tmp/o; cnt sub-last-redir
(cat $P; true) > /tmp/o; cnt sub-true
(true & cat $P; cat $P) > /tmp/o; wait; cnt sub-amp-seq
(! cat $P) > /tmp/o; cnt sub-negate
(if true; then cat $P; fi) > /tmp/o; cnt sub-if
(f) > /tmp/o; cnt sub-func
(cat $P; (cat $P)) > /tmp/o; cnt sub-sub
( (cat $P) ) > /tmp/o; cnt sub-in-sub
(exec cat $P) > /tmp/o; cnt sub-exec
(trap 'true' EXIT; cat $P; cat $P) > /tmp/o; cnt sub-exit-trap
(trap 'true' INT; cat $P; cat $P) > /tmp/o; cnt sub-int-trap
(cat $P; cat $P) > /tmp/o & wait; cnt sub-bg
{ cat $P; cat $P; } > /tmp/o; cnt group
{ cat $P; cat $P; } > /tmp/o & wait; cnt group-bg
cat $P > /tmp/o & wait; cnt bg
# $( ) and bash -c: the last line's last simple command, without redirections
x=$(cat $P); echo "$x" > /tmp/o; cnt cmdsub-one
x=`cat $P`; echo "$x" > /tmp/o; cnt backquote
x=$(cat $P 2>/dev/null); echo "$x" > /tmp/o; cnt cmdsub-redir
x=$(cd /; cat $P); echo "$x" > /tmp/o; cnt cmdsub-cd
x=$(cat $P; cat $P); echo "$x" > /tmp/o; cnt cmdsub-seq
x=$(cat $P; cat $P 2>/dev/null); echo "$x" > /tmp/o; cnt cmdsub-seq-redir
x=$(true
cat $P); echo "$x" > /tmp/o; cnt cmdsub-newline
x=$(true
true && cat $P); echo "$x" > /tmp/o; cnt cmdsub-newline-and
x=$(trap 'true' EXIT; cat $P); echo "$x" > /tmp/o; cnt cmdsub-trap
bash -c "cat $P" > /tmp/o; cnt bash-c-one
bash -c "cat $P; cat $P" > /tmp/o; cnt bash-c-seq
bash -c "cat $P 2>/dev/null" > /tmp/o; cnt bash-c-redir
