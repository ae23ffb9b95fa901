"""Syntax errors and error messages: bash's wording, line numbers, what still ran."""

from fakesys import FakeSystem
from shellrun import run


def test_commands_before_a_syntax_error_run():
    fs = FakeSystem()
    result = run("mkdir /tmp/a\necho one\nfor x in 1; do echo $x; done; done\nmkdir /tmp/b", fs=fs)
    assert result.out == "one\n"
    assert result.err == ("script.sh: line 3: syntax error near unexpected token `done'\n"
                          "script.sh: line 3: `for x in 1; do echo $x; done; done'\n")
    assert result.status == 2
    assert "/tmp/a" in fs.dirs and "/tmp/b" not in fs.dirs


def test_syntax_error_inside_a_multiline_loop_names_its_line():
    result = run("echo start\nwhile true\ndo\n  echo x |\n  )\ndone\n")
    assert result.out == "start\n"
    assert result.err.splitlines()[0] == "script.sh: line 5: syntax error near unexpected token `)'"
    assert result.status == 2


def test_unexpected_end_of_file():
    result = run("echo a\nif true; then\n  echo b\n")
    assert result.out == "a\n"
    assert result.err == "script.sh: line 4: syntax error: unexpected end of file\n"


def test_error_uses_the_script_name():
    result = run("fi", script_name="repro.sh")
    assert result.err.startswith("repro.sh: line 1: syntax error near unexpected token `fi'")


def test_missing_file_messages_follow_coreutils():
    result = run("cat temp\nmkdir /x/y\nrmdir nothere\nrm gone\nls nope\ncp a b\ntouch /no/f")
    assert result.err.splitlines() == [
        "cat: temp: No such file or directory",
        "mkdir: cannot create directory '/x/y': No such file or directory",
        "rmdir: failed to remove 'nothere': No such file or directory",
        "rm: cannot remove 'gone': No such file or directory",
        "ls: cannot access 'nope': No such file or directory",
        "cp: cannot stat 'a': No such file or directory",
        "touch: cannot touch '/no/f': No such file or directory",
    ]


def test_rmdir_of_a_busy_cgroup():
    result = run("cd /sys/fs/cgroup/memory\nmkdir x\necho $$ > x/cgroup.procs\nrmdir x\necho $?")
    assert result.err == "rmdir: failed to remove 'x': Device or resource busy\n"
    assert result.out == "1\n"


def test_redirection_failure_skips_the_command():
    result = run("echo hi > /nodir/f\necho $?")
    assert result.err == "script.sh: line 1: /nodir/f: No such file or directory\n"
    assert result.out == "1\n"


def test_errexit_stops_at_the_failing_command():
    result = run("set -e\necho a\ncat missing\necho b")
    assert result.out == "a\n"
    assert result.status == 1


def test_nounset_and_parameter_errors_end_the_script():
    result = run("set -u\necho $nope\necho after")
    assert result.err == "script.sh: line 2: nope: unbound variable\n"
    assert result.out == "" and result.status == 1


def test_eval_syntax_error_does_not_end_the_script():
    result = run("eval 'echo ('\necho $?")
    assert result.out == "2\n"
    assert "syntax error" in result.err


def test_deep_recursion_is_reported_not_raised():
    result = run("f() { f; }\nf\necho after")
    assert "maximum function nesting level exceeded" in result.err
    assert result.out == "after\n"


def test_malformed_array_references_are_bad_substitutions():
    # bash 5.2 reports them when the line runs and goes on with the next line.
    for ref in ("${a[}", "${a[]}", "${a[@]x}", "${#a[@]:1}", "${#!a[1]}"):
        result = run(f"echo start\necho {ref}\necho after")
        assert result.out == "start\nafter\n"
        assert result.err == f"script.sh: line 2: {ref}: bad substitution\n"
        assert result.status == 0


def test_unterminated_subscript_in_an_assignment():
    result = run("echo one\nx=1 a[1=x\necho two")
    assert result.out == "one\n"
    assert result.err == "script.sh: line 2: unexpected EOF while looking for matching `]'\n"
    assert result.status == 2


def test_bad_array_subscripts_name_the_script_and_line():
    result = run("a=(1 2)\necho ${a[-3]}x\na[-3]=y\necho $?\nunset 'a[-9]'\necho $?\n"
                 "a[1]=(z)\necho $?\necho $((a[1)) $?")
    assert result.out == "x\n1\n1\n1\n"
    assert result.err.splitlines() == [
        "script.sh: line 2: a: bad array subscript",
        "script.sh: line 3: a[-3]: bad array subscript",
        "script.sh: line 5: unset: [-9]: bad array subscript",
        "script.sh: line 7: a[1]: cannot assign list to array member",
        'script.sh: line 9: a[1: bad array subscript (error token is "a[1")',
    ]


def test_associative_array_conversions_are_refused_as_in_bash():
    result = run("a=(1); declare -A a\necho $?\ndeclare -A m; declare -a m\necho $?\n"
                 "declare -A m=([x]=1); declare -a m=(1 2)\necho $? ${!m[@]}\n"
                 "echo x | read -a m\necho $?\nmapfile m < /dev/null\necho $?")
    assert result.out == "1\n1\n1 x\n1\n1\n"
    assert result.err.splitlines() == [
        "script.sh: line 1: declare: a: cannot convert indexed to associative array",
        "script.sh: line 3: declare: m: cannot convert associative to indexed array",
        "script.sh: line 5: m: cannot convert associative to indexed array",
        "script.sh: line 7: read: m: not an indexed array",
        "script.sh: line 9: mapfile: m: not an indexed array",
    ]


def test_mapfile_callbacks_are_refused_clearly():
    result = run("mapfile -C f a < /dev/null\necho $?")
    assert result.out == "2\n"
    assert result.err == \
        "script.sh: line 1: mapfile: -C: callbacks are not supported by this shell\n"


def test_associative_arrays_list_in_bash_hash_order():
    # bash lists bucket by bucket (FNV-1 hash, 1024 buckets), newest first in a
    # bucket; the table grows to 4096 buckets at its 2049th key
    from memcglab.shell.assoc import Assoc, bash_hash

    assert bash_hash("") == 2166136261
    m = Assoc()
    for key in ("a", "b", "c"):
        m[key] = "1"
    assert m.keys() == ["c", "b", "a"]
    m["b"] = "2"  # a new value keeps its place
    m.pop("a")
    m["a"] = "3"
    assert m.items() == [("c", "1"), ("b", "2"), ("a", "3")]
    big = Assoc()
    for i in range(1, 2050):
        big[str(i)] = "x"
    assert big.nbuckets == 4096 and len(big) == 2049
    assert big.keys()[:8] == ["818", "819", "814", "815", "816", "817", "810", "811"]
    copy = big.copy()
    copy["new"] = "y"
    assert "new" not in big and copy.keys() != big.keys()


def test_array_errors_under_nounset():
    result = run("set -u\na=(1)\necho ${a[3]}\necho not reached")
    assert result.err == "script.sh: line 3: a[3]: unbound variable\n"
    assert result.out == ""
    assert result.status == 1


def test_non_ascii_digits_are_not_numbers():
    """str.isdigit() accepts '²', which int() rejects: each of these raised ValueError."""
    for script, message in [
        ("x=²; echo $((x))", "invalid arithmetic operator"),
        ("echo ${²}", "${²}: bad substitution"),
        ("kill -s ² $$", "invalid signal specification"),
        ("yes | head -n ²", "invalid number of lines"),
    ]:
        result = run(script)
        assert message in result.err, script
        assert result.status != 0, script


def test_a_printf_field_too_wide_to_hold_is_not_simulated():
    """bash pads to INT_MAX characters; the model stops instead of running out of memory."""
    for script in ("printf '%2147483647d' 1", "printf '%*s' 99999999 x y",
                   "echo | awk '{printf \"%.99999999d\", 1}'"):
        result = run(script + "\necho after")
        assert "printf: a field of" in result.err and "not simulated" in result.err, script
        assert (result.out, result.status) == ("", 127), script


def test_numbers_of_any_length_are_read():
    """Python's int() refuses strings of over 4300 digits unless told otherwise."""
    n = "9" * 5000
    result = run(f"echo $(({n}-{n})); [ {n} -eq 1 ]; a[{n}]=1; printf '%.0s' {n}; echo x >&{n}")
    assert result.out.startswith("0\n")


def test_dd_sizes_past_intmax_are_invalid_and_huge_buffers_not_simulated():
    result = run("dd if=/dev/zero of=f bs=99999999999999999999 count=1\n"
                 "dd if=/dev/zero of=f seek=3G")
    assert result.err == ("dd: invalid number: '99999999999999999999': Value too large for defined"
                          " data type\nmemcglab: 2: dd: a buffer or seek of 1649267441664 bytes:"
                          " not simulated\n")
    assert result.status == 127


def test_regular_expressions_python_cannot_compile_are_command_errors():
    """Each of these raised re.error (or IndexError) out of the command."""
    for script, message in [
        ("echo a | sed 's/\\(/x/'", "sed: -e expression #1, char 7: invalid regular expression"),
        ("echo a | awk '/(/'", "awk: invalid regular expression /(/"),
        ("echo a | awk '{ sub(\"(\", \"x\") }'", "awk: invalid regular expression /(/"),
        ("echo a | awk '{ print match($0, \"[b-a]\") }'", "awk: invalid regular expression"),
        ("expr a : '\\('", "expr: invalid regular expression"),
        ("echo a | sed -n '/\\(/p'", "sed: -e expression #1, char 3: invalid regular expression"),
    ]:
        result = run(script)
        assert result.err.startswith(message), script
        assert result.status != 0, script
