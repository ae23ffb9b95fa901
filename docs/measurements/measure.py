"""Re-run the real-kernel measurements in this directory (needs `memcglab real --setup`).

usage: python docs/measurements/measure.py [JOB-PREFIX ...]
Each job is (kernel, cgroup, name, script file); outputs go to <kernel>-<cgroup>/<name>.txt,
with the script copied next to it. Inventory outputs are split into one file per section.
"""

import re
import shutil
import sys
import time
from pathlib import Path

from memcglab.real import run_real

HERE = Path(__file__).resolve().parent
CONFIGS = [("6.1", "v1"), ("6.1", "v2"), ("6.12", "v2")]


def jobs():
    for k, cg in CONFIGS:
        yield k, cg, "inventory", HERE / f"inventory-{cg}.sh"
    for p in sorted((HERE / "scripts").glob("*.sh")):
        # name.v1.sh / name.v2.sh / name.sh (verbatim seeds: v1 only)
        stem = p.name.removesuffix(".sh")
        cgs = [stem.rsplit(".", 1)[1]] if "." in stem else ["v1"]
        name = stem.rsplit(".", 1)[0]
        for k, cg in CONFIGS:
            if cg in cgs:
                yield k, cg, name, p


def safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")


def main(prefixes):
    for k, cg, name, script in jobs():
        tag = f"{k}-{cg}/{name}"
        if prefixes and not any(tag.startswith(p) or name.startswith(p) for p in prefixes):
            continue
        out = HERE / f"{k}-{cg}"
        out.mkdir(exist_ok=True)
        t0 = time.monotonic()
        r = run_real(script.read_text(), kernel=k, cgroup=cg, timeout=900)
        dt = time.monotonic() - t0
        shutil.copy(script, out / f"{name}.sh")
        header = (
            f"# kernel {r.kernel_version} ({r.package}), cgroup {r.cgroup}, shell {r.shell}, "
            f"exit {r.exit_status}, wall {dt:.1f}s, script {r.script_seconds}s\n"
        )
        (out / f"{name}.txt").write_text(
            header + r.stdout + ("\n--- stderr ---\n" + r.stderr if r.stderr else "")
        )
        (out / f"{name}.boot.log").write_text(r.boot_log)
        if name == "inventory":
            secdir = out / "inventory"
            secdir.mkdir(exist_ok=True)
            for m in re.finditer(r"^=== (.*?) ===\n(.*?)(?=^=== |\Z)", r.stdout, re.S | re.M):
                (secdir / f"{safe(m.group(1))}.txt").write_text(m.group(2))
        print(f"{tag}: exit {r.exit_status} wall {dt:.1f}s script {r.script_seconds}s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
