"""Processes: fork/exec/exit, builtins in the shell's task, background jobs and time."""

import errno

from fakesys import FakeSystem
from shellrun import run

from memcglab.shell.system import O_APPEND, O_CREAT, O_WRONLY, SysError


def test_external_command_call_sequence():
    fs = FakeSystem()
    fs.add_file("/root/temp", b"abc")
    result = run("cat temp >> log", fs=fs)
    shell = result.pid
    log = [e for e in fs.log if e[0] in ("fork", "exec", "open", "write", "exit")]
    child = log[0][2]
    assert log == [
        ("fork", shell, child),
        ("open", child, "/root/log", O_WRONLY | O_CREAT | O_APPEND),
        ("exec", child, ("cat", "temp")),
        ("open", child, "/root/temp", 0),
        ("write", child, "/root/log", b"abc"),
        ("exit", child, 0),
    ]
    assert fs.files["/root/log"] == b"abc"
    assert fs.open_count == 0


def test_builtin_echo_writes_as_the_shell():
    result = run("echo $$ > out")
    assert result.fs.calls("fork") == []
    expected = ("write", result.pid, "/root/out", f"{result.pid}\n".encode())
    assert result.fs.calls("write") == [expected]


def test_subshells_pipelines_and_substitutions_fork():
    result = run("( echo $$ ); echo $(echo $$) | cat")
    fs = result.fs
    assert result.out == f"{result.pid}\n{result.pid}\n"
    forks = fs.calls("fork")
    # subshell, pipeline stage 1 (echo with a substitution inside it), stage 2 (cat)
    assert len(forks) == 4
    assert all(fs.cgroup_of(child) == fs.cgroup_of(result.pid) for _, _, child in forks)
    assert all(not fs.alive(child) for _, _, child in forks)


def test_background_sleep_stays_alive_until_its_time():
    result = run("sleep 3600 &\necho $!")
    fs = result.fs
    job = int(result.out)
    assert fs.alive(job) and fs.tasks[job]["argv"] == ["sleep", "3600"]
    assert fs.clock == 0.0
    assert fs.run_next()
    assert fs.clock == 3600.0 and not fs.alive(job)
    assert fs.calls("exit")[-1] == ("exit", job, 0)


def test_foreground_sleep_moves_the_clock():
    result = run("sleep 1.5; sleep 1m; date +%s")
    assert result.fs.clock == 61.5
    assert result.out == "61\n"


def test_wait_drives_the_clock_until_jobs_finish():
    result = run("sleep 5 & sleep 2 & wait; echo done $?")
    assert result.out == "done 0\n"
    assert result.fs.clock == 5.0


def test_background_job_runs_until_it_blocks():
    result = run("(echo first; sleep 10; echo third) &\necho second\nwait\necho $?")
    assert result.out == "first\nsecond\nthird\n0\n"
    assert result.fs.clock == 10.0


def test_kill_a_background_job():
    result = run("sleep 100 &\npid=$!\nkill $pid\nwait $pid\necho $?\nkill $pid")
    assert result.out == "143\n"
    job = result.fs.calls("kill")[0][2]
    assert result.err == f"script.sh: line 6: kill: ({job}) - No such process\n"
    assert result.fs.clock == 0.0


def test_background_jobs_are_left_running_when_the_script_ends():
    result = run("sleep 50 &\nsleep 60 &\necho end")
    alive = [p for p, t in result.fs.tasks.items() if t["alive"] and p != result.pid]
    assert len(alive) == 2
    result.fs.charge_time(55)
    assert len([p for p in alive if result.fs.alive(p)]) == 1


def test_exit_status_of_the_script():
    assert run("true\nfalse").status == 1
    assert run("exit 3\necho no").status == 3
    assert run("(exit 4)").status == 4


def test_not_simulated_stops_the_script():
    result = run("echo a\nfrobnicate --all x\necho b")
    assert result.out == "a\n"
    assert result.err == "memcglab: 2: frobnicate: not simulated\n"
    assert result.status == 127


def test_not_simulated_in_a_pipeline_or_substitution_stops_the_script():
    result = run("echo $(frob)\necho after")
    assert result.err == "memcglab: 1: frob: not simulated\n"
    assert result.out == "" and result.status == 127
    result = run("echo x | frob2 | cat\necho after")
    assert "memcglab: 1: frob2: not simulated\n" in result.err
    assert "after" not in result.out and result.status == 127


def test_write_error_from_a_cgroup_file():
    fs = FakeSystem()
    result = run("echo abc > /sys/fs/cgroup/memory/cgroup.procs\necho status $?", fs=fs)
    assert result.err == "script.sh: line 1: echo: write error: Invalid argument\n"
    assert result.out == "status 1\n"


def test_write_error_from_a_special_file_in_an_external_command():
    fs = FakeSystem()

    def refuse(pid, data):
        raise SysError(errno.EINVAL)

    fs.add_special("/sys/kernel/knob", write=refuse)
    result = run("printf 1 > /sys/kernel/knob\n/bin/echo 1 > /sys/kernel/knob\necho $?", fs=fs)
    assert result.err == ("script.sh: line 1: printf: write error: Invalid argument\n"
                          "/bin/echo: write error: Invalid argument\n")
    assert result.out == "1\n"


def test_step_budget_stops_runaway_loops():
    result = run("while true; do :; done\necho never", max_steps=1000)
    assert result.status == 124
    assert "step limit of 1000 exceeded" in result.err
    assert result.out == ""


def test_pipe_from_endless_producer_ends():
    result = run("yes | head -n 2; while true; do echo x; done | head -n 1; echo ok")
    assert result.out == "y\ny\nx\nok\n"


def test_process_substitutions_are_forked_subshells():
    result = run("cat <(echo $$) > out; echo $!")
    fs = result.fs
    forks = fs.calls("fork")
    procsub, cat = forks[0][2], forks[1][2]
    # forked while the words are expanded, before the command itself; $$ is the shell's
    assert [parent for _, parent, _ in forks] == [result.pid, result.pid]
    assert fs.files["/root/out"] == f"{result.pid}\n".encode()
    assert result.out == f"{procsub}\n"  # $! is the substitution's pid
    assert fs.cgroup_of(procsub) == fs.cgroup_of(result.pid)
    assert not fs.alive(procsub) and not fs.alive(cat)
    # the writer of <(...) has ended before cat opens the pipe (pipes are buffers)
    exits = [pid for _, pid, _ in fs.calls("exit")]
    assert exits == [procsub, cat]


def test_output_process_substitution_reads_after_its_writer():
    result = run("echo hi > >(cat > got); echo next > order; cat got")
    fs = result.fs
    reader = fs.calls("fork")[0][2]
    assert result.out == "hi\n"
    # the reader ran (and ended) when the echo's redirection was closed
    log = fs.calls("exit", "write")
    assert log.index(("exit", reader, 0)) < log.index(("write", result.pid, "/root/order",
                                                       b"next\n"))


def test_output_process_substitution_after_exec_reads_until_the_shell_ends():
    result = run("exec > >(tr a-z A-Z)\necho one\nls /nosuch\necho two")
    assert result.out == "ONE\nTWO\n"
    assert result.err == "ls: cannot access '/nosuch': No such file or directory\n"


def test_process_substitution_that_blocks_moves_the_clock():
    result = run("cat <(sleep 5; echo late); date +%s")
    assert result.out == "late\n5\n"


def test_pipeline_stages_are_all_forked_before_the_first_runs():
    result = run("echo a | cat | cat")
    fs = result.fs
    log = [e[0] for e in fs.log if e[0] in ("fork", "exec", "exit")]
    assert log[:3] == ["fork", "fork", "fork"]
    assert result.out == "a\n"


def test_a_subshell_execs_its_last_command_unless_a_trap_is_set():
    forks = [len(run(script).fs.calls("fork")) for script in (
        "(cat /dev/null; cat /dev/null)",
        "(trap 'echo bye' EXIT; cat /dev/null; cat /dev/null)",
        "(trap 'echo int' INT; cat /dev/null; cat /dev/null)",
        "(trap 'echo int' INT; trap - INT; cat /dev/null; cat /dev/null)",
        "x=$(cat /dev/null; cat /dev/null 2>&1)",
        "bash -c 'cat /dev/null; cat /dev/null'",
    )]
    assert forks == [2, 3, 3, 2, 3, 2]


def test_a_shell_killed_by_a_signal_runs_nothing_more():
    result = run("echo a\n(kill -9 $$)\necho b")
    assert result.out == "a\n" and result.status == 137


def test_a_child_killed_in_its_own_call_ends_with_the_signal_status():
    """sh -c 'kill -9 $$': the child's shell dies at once; its parent sees 137."""
    result = run("sh -c 'kill -9 $$; echo never'; echo \"st=$?\"")
    assert result.out == "st=137\n"


def test_a_pipeline_stage_killed_before_its_turn_never_runs():
    """Stage 1 kills stage 2 (forked already, pid $$ + 2) before stage 2 runs."""
    result = run("kill -9 $(($$ + 2)) | echo never; echo \"st=$?\"")
    assert result.out == "st=137\n"
    stage2 = result.pid + 2
    assert ("kill", result.pid + 1, stage2, 9) in result.fs.calls("kill")
    assert not [e for e in result.fs.log if e[0] == "write" and e[1] == stage2]


def test_a_signal_the_shell_traps_gets_only_its_name():
    """jobs.c: the long notice is skipped for a signal the shell traps (by name or
    number); a foreground job then gets just the signal's name."""
    plain = run("sh -c 'kill -HUP $$'")
    assert plain.err.endswith(" Hangup                  sh -c 'kill -HUP $$'\n")
    for spec in ("HUP", "SIGHUP", "1"):
        trapped = run(f"trap 'echo t' {spec}; sh -c 'kill -HUP $$'")
        assert trapped.err == "Hangup\n", spec
