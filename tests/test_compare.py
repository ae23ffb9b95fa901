"""`memcglab compare`: pairing the model's numbers with a real kernel's.

The real side is stood in for by another model run here (a deliberately different
kernel profile), so these tests check the pairing and the verdict, not qemu; the
fidelity suite in tests/fidelity/ runs the real thing.
"""

from click.testing import CliRunner

import memcglab.compare
from memcglab.cli import main, scenario_text
from memcglab.compare import compare, line_numbers, split_epilogue, wrap
from memcglab.runner import RunOptions, run_script

SEED = scenario_text("seed000-eliminate-dying-memcg.sh").replace("{0..2000}", "{0..99}") \
    .replace("rm -f temp log", "")


class _Result:
    def __init__(self, record):
        self.stdout = record.stdout
        self.stderr = record.stderr
        self.exit_status = record.exit_status
        self.package = "stand-in"


def stand_in(profile):
    def runner(script, kernel, cgroup, memory, cpus, swap, shell):
        assert shell == "bash"  # as the model runs every script, whatever its shebang
        return _Result(run_script(script, profile, RunOptions(cgroup=cgroup)))

    return runner


def test_same_profile_agrees():
    c = compare(SEED, "6.1", RunOptions(), real_runner=stand_in("6.1"))
    assert c.counters["num_cgroups"] == (101, 101)
    assert c.max_counter_difference() == 0
    assert all(a == b for _, _, _, pairs in c.numbers for a, b in pairs)


def test_a_flipped_switch_is_caught():
    # The "real" side behaves like 7.1: the comparison must show the 100 dying memcgs.
    c = compare(SEED, "6.1", RunOptions(), real_runner=stand_in("7.1"))
    assert c.counters["num_cgroups"] == (101, 1)
    assert c.max_counter_difference() == 100
    [(lineno, model_line, real_line, pairs)] = [n for n in c.numbers if n[0] == 2]
    assert pairs[1][0] == 101 and pairs[1][1] <= 3  # the last ones still in teardown


def test_epilogue_is_split_from_the_script_output():
    out, counters = split_epilogue("hello 1\n@@memcglab num_cgroups 7\n@@memcglab percpu_kb 9\n")
    assert out == "hello 1\n"
    assert counters == {"num_cgroups": 7, "percpu_kb": 9}
    assert wrap("echo hi\n").startswith("echo hi\n")


def test_line_numbers_pairs_uneven_lines():
    rows = line_numbers("a 1 2\nno numbers\n", "a 1 3\nno numbers\nextra 5\n")
    assert rows[0][3] == [(1.0, 1.0), (2.0, 3.0)]
    assert rows[1][0] == 3 and rows[1][3][0][1] == 5.0


def test_cli_reads_the_script_from_stdin(monkeypatch):
    # `memcglab compare -` under CliRunner: click's stdin wrapper there has no name (the
    # command raised AttributeError on it). The real side is the stand-in, not qemu.
    seen = {}

    def with_stand_in(text, kernel, opts, name):
        seen.update(text=text, name=name)
        return compare(text, kernel, opts, name=name, real_runner=stand_in("6.1"))

    monkeypatch.setattr(memcglab.compare, "compare", with_stand_in)
    result = CliRunner().invoke(main, ["compare", "-"], input="echo $((6 * 7))\n")
    assert result.exit_code == 0, result.output
    assert seen == {"text": "echo $((6 * 7))\n", "name": "<stdin>"}
    assert "42" in result.output


def test_cli_shows_both_sides_stderr(monkeypatch):
    # The stand-in real side is 3.8, which has no memory.kmem.slabinfo: its error
    # message is shown under the model's (none), as the script wrote it.
    def with_stand_in(text, kernel, opts, name):
        return compare(text, kernel, opts, name=name, real_runner=stand_in("3.8"))

    monkeypatch.setattr(memcglab.compare, "compare", with_stand_in)
    script = "cat /sys/fs/cgroup/memory/memory.kmem.slabinfo >/dev/null\n"
    result = CliRunner().invoke(main, ["compare", "--cgroup", "v1", "-"], input=script)
    err = result.stderr.splitlines()
    assert "stderr of the model" in err[0] and err[1] == "(nothing)"
    assert "stderr of real 6.1" in err[2]
    assert err[3] == "cat: /sys/fs/cgroup/memory/memory.kmem.slabinfo: No such file or directory"
