"""Fuzzing: no script, however broken, makes ``Shell.run`` raise."""

from bash_cases import CASES
from fakesys import FakeSystem
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_shell_seeds import SEED_000, SEED_001

from memcglab.shell import Shell

TOKENS = [
    "echo", "cat", "x", "$x", "${x:-y}", "${#x}", "${x%%a*}", "$((1+2))", "$(", ")", "`", "'", '"',
    "(", ")", "{", "}", ";", ";;", "&", "&&", "||", "|", "!", ">", ">>", "<", "2>&1", "<<EOF",
    "EOF", "\n", "if", "then", "else", "fi", "for", "in", "do", "done", "while", "until",
    "case", "esac", "f()", "local", "return", "break", "continue", "exit", "set -e", "set -u",
    "[", "]", "[[", "]]", "-eq", "==", "=", "x=1", "i=$((i+1))", "{1..3}", "*", "?", "~",
    "sleep 1", "wait", "kill $!", "mkdir d", "rmdir d", "cd /tmp", "read v", "eval", "shift",
    "printf '%s %d\\n'", "grep -c a", "awk '{print $1}'", "sed s/a/b/", "head -n 1", "yes",
    "\\", "#", "$@", "$*", "$#", "$?", "$$", "$!", "((i++))", "let i+=1", "/dev/null", "unknowncmd",
    "dd if=/dev/zero of=f bs=1 count=2", "seq 3", "wc -l", "sort", "uniq", "tr a b", "cut -f1",
    "echo $$ > /sys/fs/cgroup/memory/cgroup.procs", "source f", "exec 3>f", "function g",
]
EDITS = st.tuples(st.integers(0, 10_000), st.integers(0, 3),
                  st.sampled_from(TOKENS + list("(){}[]$`'\"\\|&;<>")))
CORPUS = [SEED_000.replace("2000", "3"), SEED_001.replace("500", "3")] + [c[0] for c in CASES]


def run_safely(script: str) -> int:
    fs = FakeSystem(trace=False)
    shell = Shell(fs, fs.spawn(), stdout=lambda b: None, stderr=lambda b: None, max_steps=3000)
    status = shell.run(script)
    assert isinstance(status, int) and 0 <= status <= 255
    return status


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TOKENS), max_size=40).map(" ".join))
def test_random_token_soup_never_raises(script):
    run_safely(script)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(CORPUS), st.lists(EDITS, max_size=6))
def test_mutated_scripts_never_raise(script, edits):
    for position, action, token in edits:
        at = position % (len(script) + 1)
        if action == 0:
            script = script[:at] + script[at + 1:]
        elif action == 1:
            script = script[:at] + token + script[at:]
        elif action == 2:
            script = script[:at] + token + script[at + len(token):]
        else:
            script = script[at:] + script[:at]
    run_safely(script)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_never_raises(script):
    run_safely(script)
