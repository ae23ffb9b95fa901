#!/bin/bash
exec 2>&1
cat /dev/null | sh -c 'kill -9 $$'
echo a
cat /dev/null | sh -c 'kill -9 $$' 2>/dev/null
echo b
cat /dev/null | sh -c 'kill -9 $$'; echo c
(sh -c 'kill -9 $$')
echo d
(sh -c 'kill -9 $$'); echo e
sh -c 'kill -9 $$' 2>/dev/null
echo f
true; cat /dev/null | sh -c 'kill -9 $$'
echo g
x=1; (sh -c 'kill -9 $$')

echo h
for i in 1; do cat /dev/null | sh -c 'kill -9 $$'; done
echo i
if true; then
  (sh -c 'kill -9 $$')
fi
echo j
f() {
  cat /dev/null | sh -c 'kill -9 $$'
}
f
echo k
