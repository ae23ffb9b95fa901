"""Print docs/fidelity.md's agreement table: the model on the very scripts measured on real kernels.

For every docs/measurements/<kernel>-<cgroup>/<name>.sh whose real output
(<name>.txt) was captured, run the model on the same script (same kernel
profile, cgroup mode, --speed tcg) and put the dying-memcg counts of each
observation point side by side. Usage: python tools/fidelity_report.py > table.md
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from memcglab.runner import RunOptions, run_script

MEASURED = Path(__file__).resolve().parent.parent / "docs" / "measurements"
CONFIG_DIR = re.compile(r"\d+\.\d+-v[12]")  # 6.1-v2; other folders hold experiments
SHOW = re.compile(r"^(?P<label>\S.{0,23}?)\s+memory (?P<h>\d+) (?P<n>\d+) \d+ \|"
                  r"(?:.*nr_dying_descendants (?P<d>\d+))?")


def dying_points(text: str) -> list[tuple[str, int]]:
    points, base = [], None
    for line in text.splitlines():
        m = SHOW.match(line)
        if not m:
            continue
        value = int(m["d"]) if m["d"] is not None else int(m["n"]) - 1
        if base is None:
            base = value
        points.append((m["label"].strip(), value - base))
    return points


def main() -> int:
    print("| script | kernel | point | real | model | agree |")
    print("|---|---|---|---|---|---|")
    for config in sorted(p for p in MEASURED.iterdir() if CONFIG_DIR.fullmatch(p.name)):
        kernel, cgroup = config.name.split("-")
        for script in sorted(config.glob("*.sh")):
            real_out = script.with_suffix(".txt")
            if script.name == "inventory.sh" or not real_out.exists():
                continue
            real = dying_points(real_out.read_text())
            if not real:
                continue
            record = run_script(script.read_text(), kernel,
                                RunOptions(cgroup=cgroup, speed="tcg"), settle=False)
            model = dict(dying_points(record.stdout))
            for label, count in real:
                got = model.get(label)
                ok = "yes" if got is not None and abs(got - count) <= 2 else "no"
                print(f"| {script.stem} | {config.name} | {label} | {count} | {got} | {ok} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
