"""memcglab benchmarks: prints one JSON document to stdout.

    python benchmarks/run.py [--quick] [--no-real] [--out FILE]

Figures (each with its target and whether it was met; nothing is adjusted):

* ``seed000``: the 2001-iteration seed reproducer end to end (memcglab.runner.run_script)
  per profile — target well under a second (flagged met below 0.5 s);
* ``folio_events``: charge + uncharge of fresh folios in a tight loop over the kernel
  API (MemcgController.mem_cgroup_charge / mem_cgroup_uncharge) — target >= 1e6 events/s;
* ``rmdir_reparent``: rmdir + settle of a memcg holding N folios on its LRU — flat in N
  on 7.1 (O(1) splice); 6.1 (folios pin the memcg: nothing to move) and 3.18 (per-page
  reparenting, O(N)) for contrast — target: 7.1's 1M/1k ratio near 1;
* ``memory``: bytes per resident folio and per memcg (tracemalloc) — target < 200 B/folio;
* ``real_kernel``: the same reproducer under qemu (memcglab.real), when kernels are set up.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import platform
import sys
import time
import tracemalloc

from memcglab import Machine
from memcglab.cli import scenario_text
from memcglab.kernel import lru as lrumod
from memcglab.kernel.folio import Folio
from memcglab.runner import RunOptions, run_script

SEED = "seed000-eliminate-dying-memcg.sh"
# Issue 9 asks for the seed reproducer "in well under a second"; read as half of one.
WELL_UNDER_A_SECOND = 0.5


def machine_record() -> dict:
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"cpu": cpu, "python": sys.version.split()[0], "implementation":
            platform.python_implementation(), "platform": platform.platform(),
            "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}


def _best_of(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


# ---- the seed reproducer -------------------------------------------------------------
def bench_seed(repeat: int) -> dict:
    text = scenario_text(SEED)
    out = {}
    for kernel, mode in (("3.8", "v1"), ("4.19", "v1"), ("5.10", "v1"), ("6.1", "v1"),
                         ("6.1", "v2"), ("6.12", "v2"), ("7.1", "v1"), ("7.1", "v2")):
        script = text if mode == "v1" else text.replace("/sys/fs/cgroup/memory", "/sys/fs/cgroup")
        rec = {}

        def run(script=script, kernel=kernel, mode=mode, rec=rec):
            r = run_script(script, kernel, RunOptions(cgroup=mode))
            rec["num_cgroups_after"] = r.settled["num_cgroups"]
            rec["exit_status"] = r.exit_status

        seconds = _best_of(run, repeat)
        out[f"{kernel}-{mode}"] = {"seconds": round(seconds, 4), **rec,
                                   "target_met": seconds < WELL_UNDER_A_SECOND}
    return {"what": "2001 iterations of mkdir / cat temp >> log / rmdir, run + settle",
            "target": f"well under a second (< {WELL_UNDER_A_SECOND} s)", "per_profile": out,
            "target_met": all(v["target_met"] for v in out.values())}


# ---- folio charge/uncharge events -----------------------------------------------------
def bench_folio_events(n: int) -> dict:
    out = {}
    for kernel in ("6.1", "7.1"):
        m = Machine(kernel=kernel)
        m.mkdir(m.init.pid, m.cgroupfs_path("bench"))
        memcg = m.cgroup_at("/bench").subsys["memory"].priv
        ctl = m.memcg
        charge, uncharge = ctl.mem_cgroup_charge, ctl.mem_cgroup_uncharge

        def loop(charge=charge, uncharge=uncharge, memcg=memcg):
            for _ in range(n):
                f = Folio()
                charge(f, memcg)
                uncharge(f)

        seconds = _best_of(loop, 3)
        events = 2 * n / seconds
        out[kernel] = {"pairs": n, "seconds": round(seconds, 4),
                       "events_per_second": round(events), "target_met": events >= 1e6}
    return {"what": "Folio() + mem_cgroup_charge + mem_cgroup_uncharge; 2 events per folio",
            "target": ">= 1e6 events/s", "per_profile": out,
            "target_met": all(v["target_met"] for v in out.values())}


# ---- rmdir / reparent cost --------------------------------------------------------------
def _rmdir_cost(kernel: str, nr: int) -> float:
    m = Machine(kernel=kernel, cgroup="v1" if kernel.startswith("3.") else "v2")
    pid = m.init.pid
    m.mkdir(pid, m.cgroupfs_path("big"))
    memcg = m.cgroup_at("/big").subsys["memory"].priv
    ctl = m.memcg
    for _ in range(nr):
        f = Folio()
        ctl.mem_cgroup_charge(f, memcg)
        lrumod.folio_add_lru(f)  # the LRU keeps it alive
    m.settle()
    gc.collect()
    t = time.perf_counter()
    m.rmdir(pid, m.cgroupfs_path("big"))
    m.settle()
    return time.perf_counter() - t


def bench_rmdir(sizes: list[int], contrast_max: int) -> dict:
    out = {}
    for kernel in ("7.1", "6.1", "3.18"):
        row = {}
        for nr in sizes:
            if kernel == "3.18" and nr > contrast_max:
                continue
            row[str(nr)] = round(min(_rmdir_cost(kernel, nr) for _ in range(3)), 6)
        lo, hi = row[str(sizes[0])], row[str(max(int(k) for k in row))]
        out[kernel] = {"seconds": row, "ratio_largest_to_smallest": round(hi / lo, 2)}
    ratio = out["7.1"]["ratio_largest_to_smallest"]
    return {"what": "rmdir + settle of a memcg with N file folios on its LRU (v2; 3.18 v1)",
            "target": "7.1: cost flat in N (largest/smallest ratio near 1, here <= 3)",
            "per_profile": out, "target_met": ratio <= 3.0}


# ---- memory ---------------------------------------------------------------------------
def bench_memory(nr_folios: int, nr_memcgs: int) -> dict:
    out = {}
    for kernel in ("6.1", "7.1"):
        m = Machine(kernel=kernel)
        m.mkdir(m.init.pid, m.cgroupfs_path("mem"))
        memcg = m.cgroup_at("/mem").subsys["memory"].priv
        ctl = m.memcg
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        folios = []
        for _ in range(nr_folios):
            f = Folio()
            ctl.mem_cgroup_charge(f, memcg)
            lrumod.folio_add_lru(f)
            folios.append(f)
        # The list that keeps them alive here is not part of the model's cost.
        list_bytes = sys.getsizeof(folios)
        per_folio = (tracemalloc.get_traced_memory()[0] - before - list_bytes) / nr_folios
        tracemalloc.stop()
        del folios
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        for i in range(nr_memcgs):
            m.mkdir(m.init.pid, m.cgroupfs_path(f"g{i}"))
        per_memcg = (tracemalloc.get_traced_memory()[0] - before) / nr_memcgs
        tracemalloc.stop()
        out[kernel] = {"bytes_per_resident_folio": round(per_folio, 1),
                       "bytes_per_memcg": round(per_memcg), "target_met": per_folio < 200}
    return {"what": "tracemalloc: charged folio on an LRU; mkdir'ed memcg with its cgroup",
            "target": "< 200 bytes per resident folio", "per_profile": out,
            "target_met": all(v["target_met"] for v in out.values())}


# ---- the real kernel ------------------------------------------------------------------
def bench_real(model_seconds: float) -> dict:
    try:
        from memcglab.real.errors import RealKernelError
        from memcglab.real.runner import kernel_paths, run_real
    except ImportError as e:
        return {"skipped": f"memcglab.real unavailable: {e}"}
    try:
        kernel_paths("6.1")
    except RealKernelError as e:
        return {"skipped": str(e)}
    except Exception as e:  # noqa: BLE001 - report, never fail the benchmark run
        return {"skipped": f"{type(e).__name__}: {e}"}
    try:
        r = run_real(scenario_text(SEED), kernel="6.1", cgroup="v1", timeout=900)
    except Exception as e:  # noqa: BLE001
        return {"skipped": f"{type(e).__name__}: {e}"}
    script = r.script_seconds
    return {"kernel": r.kernel_version, "package": r.package, "accel": "qemu TCG",
            "wall_seconds": round(r.elapsed, 2),
            "script_seconds": round(script, 2) if script else None,
            "model_seconds_6_1_v1": round(model_seconds, 4),
            "ratio_real_script_to_model": round(script / model_seconds) if script else None,
            "ratio_real_wall_to_model": round(r.elapsed / model_seconds)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, one repetition")
    ap.add_argument("--no-real", action="store_true", help="skip the qemu run")
    ap.add_argument("--out", help="also write the JSON to this file")
    args = ap.parse_args()
    quick = args.quick
    result = {"machine": machine_record()}
    result["seed000"] = bench_seed(1 if quick else 5)
    result["folio_events"] = bench_folio_events(20_000 if quick else 300_000)
    sizes = [1_000, 10_000] if quick else [1_000, 10_000, 100_000, 1_000_000]
    result["rmdir_reparent"] = bench_rmdir(sizes, 10_000 if quick else 100_000)
    result["memory"] = bench_memory(10_000 if quick else 200_000, 100 if quick else 1_000)
    if args.no_real:
        result["real_kernel"] = {"skipped": "--no-real"}
    else:
        model = result["seed000"]["per_profile"]["6.1-v1"]["seconds"]
        result["real_kernel"] = bench_real(model)
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
