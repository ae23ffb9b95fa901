#!/bin/bash
exec 2>&1
echo "== 1"; sleep 100 & kill -9 $!; echo a; sleep 1; echo b; wait; echo "st=$?"
echo "== 2"; sleep 100 & kill -9 $!; echo a; true; echo b; wait; echo "st=$?"
echo "== 3"; sleep 100 & kill -9 $!; echo a; /bin/true; echo b; wait; echo "st=$?"
echo "== 4"; sleep 100 & p=$!; sh -c "kill -9 $p"; echo a; echo b
echo "== 5"; sleep 100 & p=$!; (sleep 1; kill -9 $p) & wait $p; echo "st=$?"; wait
echo "== 6"; sh -c 'kill -9 $$'; echo "st=$?"
echo "== 7"; sh -c 'kill -TERM $$'; echo "st=$?"
echo "== 8"; sh -c 'kill -TERM $$' | sh -c 'kill -TERM $$'; echo "st=$?"
echo "== 9"; sh -c 'kill -9 $$' | sh -c 'kill -TERM $$'; echo "st=$?"
echo "== 10"; sh -c 'kill -TERM $$' | sh -c 'kill -9 $$'; echo "st=$?"
echo "== 11"; sh -c 'kill -9 $$' | cat | sh -c 'kill -9 $$'; echo "st=$?"
echo "== 12"; sh -c 'kill -ABRT $$'; echo "st=$?"
echo "== 13"; sh -c 'kill -USR2 $$'; echo "st=$?"
echo "== 14"; sh -c 'kill -ALRM $$'; echo "st=$?"
echo "== 15"; sh -c 'kill -QUIT $$'; echo "st=$?"
echo "== 16"; ! sh -c 'kill -9 $$'; echo "st=$?"
echo "== 17"; sh -c 'kill -9 $$' &
wait $!; echo "st=$?"
echo "== 18"; if true; then sh -c 'kill -9 $$'; fi > /dev/null; echo "st=$?"
echo "== 19"; while sh -c 'kill -9 $$'; do :; done; echo "st=$?"
echo "== 20"; sh -c 'kill -9 $$'; sh -c 'kill -9 $$'; echo "st=$?"
echo "== end"
