#!/usr/bin/env bash
# Prepare the real-kernel runner for the fidelity suite: qemu, busybox, bash-static,
# e2fsprogs and zstd from apt, then the Debian 6.1 and 6.12 kernels unpacked into the
# cache (~/.cache/memcglab/real or $MEMCGLAB_CACHE) by memcglab.real.setup().
#
# Idempotent (a second run only checks the manifest) and never fails the build: when
# something cannot be had it says so, and the fidelity tests then skip with that reason.
set -u
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
start=$(date +%s)
say() { echo "real-setup: $*"; }

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  need=""
  for p in qemu-system-x86 busybox-static bash-static e2fsprogs zstd; do
    dpkg -s "$p" >/dev/null 2>&1 || need="$need $p"
  done
  if [ -n "$need" ]; then
    say "installing$need"
    apt-get update -qq >/dev/null 2>&1 || say "apt-get update failed"
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $need >/dev/null 2>&1 \
      || say "apt-get install$need failed: fidelity tests will be skipped"
  fi
else
  say "not root or no apt-get: install qemu-system-x86 busybox-static bash-static e2fsprogs zstd yourself"
fi

export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
prepare() {
  timeout 480 python3 - <<'PY'
import sys
from memcglab.real import RealKernelError, setup
try:
    setup()
except RealKernelError as e:
    sys.exit(f"real-setup: {e}")
PY
}
if ! prepare; then
  # Stale package lists are the usual cause (the kernel ABI moved on): refresh and retry.
  if [ "$(id -u)" = 0 ]; then apt-get update -qq >/dev/null 2>&1; fi
  prepare || say "could not prepare the kernels: fidelity tests will be SKIPPED (see above)"
fi
say "done in $(( $(date +%s) - start )) s"
exit 0
