"""The same script on the model and on a real kernel, number by number.

Both sides run the script unchanged, followed by a short epilogue that prints
the counters of interest (memory ``num_cgroups``, ``nr_dying_descendants``,
``Percpu``) after letting teardown run for a second. (Not in a subshell: the
reproducers move ``$$`` between cgroups, and a subshell would fork their
commands from a task that stays behind; a script that calls ``exit`` therefore
reports no counters.) The model runs
at ``--speed tcg`` by default, because the real kernel runs under qemu TCG and
writeback timing depends on how long the script takes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from memcglab.runner import RunOptions, run_script

EPILOGUE_MARK = "@@memcglab"
EPILOGUE = f"""
__memcglab_status=$?
sleep 1
echo "{EPILOGUE_MARK} num_cgroups $(grep -w memory /proc/cgroups | cut -f3)"
echo "{EPILOGUE_MARK} percpu_kb $(grep Percpu /proc/meminfo | tr -s ' ' | cut -d' ' -f2)"
for __f in /sys/fs/cgroup/cgroup.stat; do
  [ -f $__f ] && grep nr_dying_descendants $__f | sed 's/^/{EPILOGUE_MARK} /'
done
exit $__memcglab_status
"""
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def wrap(script: str) -> str:
    return script.rstrip("\n") + "\n" + EPILOGUE


def split_epilogue(stdout: str) -> tuple[str, dict[str, int]]:
    lines, counters = [], {}
    for line in stdout.splitlines(keepends=True):
        if line.startswith(EPILOGUE_MARK):
            parts = line.split()
            if len(parts) == 3 and parts[2].lstrip("-").isdigit():
                counters[parts[1]] = int(parts[2])
        else:
            lines.append(line)
    return "".join(lines), counters


@dataclass
class Comparison:
    kernel: str
    cgroup: str
    model_stdout: str
    real_stdout: str
    model_status: int
    real_status: int
    model_stderr: str = ""
    real_stderr: str = ""
    counters: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)
    numbers: list[tuple[int, str, str, list[tuple[float, float]]]] = field(default_factory=list)
    package: str = ""

    def max_counter_difference(self, names=("num_cgroups", "nr_dying_descendants")) -> int:
        worst = 0
        for name in names:
            model, real = self.counters.get(name, (None, None))
            if model is not None and real is not None:
                worst = max(worst, abs(model - real))
        return worst


def line_numbers(model: str, real: str) -> list[tuple[int, str, str, list[tuple[float, float]]]]:
    """Every line with numbers on either side, and its numbers paired up."""
    out = []
    m_lines, r_lines = model.splitlines(), real.splitlines()
    for i in range(max(len(m_lines), len(r_lines))):
        ml = m_lines[i] if i < len(m_lines) else ""
        rl = r_lines[i] if i < len(r_lines) else ""
        mn = [float(x) for x in NUMBER.findall(ml)]
        rn = [float(x) for x in NUMBER.findall(rl)]
        if mn or rn:
            pairs = [(mn[j] if j < len(mn) else float("nan"), rn[j] if j < len(rn) else
                      float("nan")) for j in range(max(len(mn), len(rn)))]
            out.append((i + 1, ml, rl, pairs))
    return out


def compare(script: str, kernel: str = "6.1", opts: RunOptions | None = None,
            name: str = "script.sh", real_runner=None) -> Comparison:
    """Run ``script`` on the model and on the real kernel; pair up what they print."""
    opts = opts or RunOptions(speed="tcg")
    wrapped = wrap(script)
    model = run_script(wrapped, kernel, opts, name=name, settle=False)
    if real_runner is None:
        from memcglab.real import run_real as real_runner
    # bash on both sides, whatever the shebang: the model's shell is bash.
    real = real_runner(wrapped, kernel=kernel, cgroup=model.cgroup, memory=opts.memory,
                       cpus=opts.cpus, swap=opts.swap, shell="bash")
    m_out, m_counters = split_epilogue(model.stdout)
    r_out, r_counters = split_epilogue(real.stdout)
    names = list(dict.fromkeys([*m_counters, *r_counters]))
    return Comparison(
        kernel=kernel, cgroup=model.cgroup, model_stdout=m_out, real_stdout=r_out,
        model_status=model.exit_status, real_status=real.exit_status,
        model_stderr=model.stderr, real_stderr=real.stderr,
        counters={n: (m_counters.get(n), r_counters.get(n)) for n in names},
        numbers=line_numbers(m_out, r_out), package=getattr(real, "package", ""),
    )
