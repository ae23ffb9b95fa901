"""trap: the EXIT action runs when the script ends; signal traps are accepted."""

from shellrun import run


def test_exit_trap_runs_at_the_end_with_the_status():
    r = run("trap 'echo cleanup $?' EXIT\necho body\nfalse\n")
    assert r.out == "body\ncleanup 1\n"
    assert r.status == 1


def test_exit_trap_runs_after_exit_and_can_change_the_status():
    r = run("trap 'echo bye; exit 5' 0\necho hi\nexit 3\necho never\n")
    assert r.out == "hi\nbye\n"
    assert r.status == 5


def test_exit_trap_can_be_reset_and_printed():
    r = run("trap 'echo a' EXIT\ntrap -p\ntrap - EXIT\ntrap -p\necho done\n")
    assert r.out == "trap -- 'echo a' EXIT\ndone\n"


def test_subshells_do_not_inherit_the_exit_trap():
    r = run("trap 'echo outer' EXIT\n(echo inner)\n")
    assert r.out == "inner\nouter\n"


def test_signal_traps_are_accepted_and_do_nothing():
    r = run("trap 'echo never' INT TERM\necho ok\n")
    assert (r.out, r.status) == ("ok\n", 0)
