"""Print the dying-memcg table of SUMMARY.md from the raw outputs in this directory."""

import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
CONFIGS = ["6.1-v1", "6.1-v2", "6.12-v2"]
STAGES = ["before", "after", "after sleep 1", "after drop_caches", "after sync+drop_caches"]
EXTRA = [
    "after killing sleeps",
    "after compact_memory",
    "after cleanup+drop",
    "after 5 s more",
    "after 20 s more",
]


def dying(line: str) -> int:
    m = re.search(r"nr_dying_descendants (\d+)", line)
    if m:
        return int(m.group(1))
    return int(re.search(r"memory \d+ (\d+) \d+", line).group(1)) - 1  # v1: minus the root


def rows(name: str):
    for cfg in CONFIGS:
        p = HERE / cfg / f"{name}.txt"
        if not p.exists():
            continue
        text = p.read_text()
        stage = {}
        for line in text.splitlines():
            m = re.match(r"(\w[\w +.:-]*?)\s{2,}memory ", line)
            if m:
                stage[m.group(1)] = dying(line)
        loop = re.search(r"loop: (\d+) iterations in ([\d.]+) s", text)
        percpu = re.findall(r"Percpu: (\d+) kB", text)
        cells = [str(stage.get(s, "")) for s in STAGES]
        later = ", ".join(f"{s.removeprefix('after ')}: {stage[s]}" for s in EXTRA if s in stage)
        ms = f"{1000 * float(loop.group(2)) / int(loop.group(1)):.0f}" if loop else ""
        pc = f"{percpu[0]}→{max(map(int, percpu))}" if percpu else ""
        yield (
            f"| {name} | {cfg} | {loop.group(1) if loop else ''} | "
            + " | ".join(cells)
            + (f" | {later} | {ms} | {pc} |")
        )


if __name__ == "__main__":
    head = ["script", "kernel-cgroup", "N", *STAGES, "later", "ms/iter", "Percpu kB"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * (len(STAGES) + 6))
    names = ["seed000-ext"] + sorted(p.stem for p in (HERE / "6.1-v1").glob("var-*.txt"))
    for n in names:
        for r in rows(n):
            print(r)
