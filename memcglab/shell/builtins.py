"""Shell builtins: they run in the shell's own task (its pid does the I/O).

Each takes ``(proc, argv)`` and returns a status, or a generator (for the
ones that block or run code: ``wait``, ``eval``, ``source``, ``command``).
``trap`` keeps an EXIT (or 0) action, which the shell runs when the script
ends; traps on signals are noted but never run, since the simulation delivers
no signal a trap could catch.
"""

from __future__ import annotations

import errno
import re

from . import varprint
from .assoc import Assoc
from .conditions import eval_test
from .expand import DEFAULT_IFS, ArrayArg, ExpansionError
from .nodes import Arith
from .printf import PrintfError, echo_text, failed, format_printf
from .streams import CLOSED
from .system import O_RDONLY, SysError

SIGNALS = {"HUP": 1, "INT": 2, "QUIT": 3, "ILL": 4, "TRAP": 5, "ABRT": 6, "BUS": 7, "FPE": 8,
           "KILL": 9, "USR1": 10, "SEGV": 11, "USR2": 12, "PIPE": 13, "ALRM": 14, "TERM": 15,
           "CHLD": 17, "CONT": 18, "STOP": 19, "TSTP": 20}


def _write(proc, name: str, data: str, fd: int = 1) -> int:
    """Write builtin output; a failing write gives bash's ``NAME: write error``."""
    try:
        proc.fds.get(fd, CLOSED).write(proc.pid, data.encode("utf-8", "surrogateescape"))
    except SysError as e:
        proc.error(f"{name}: write error: {e.strerror}")
        return 1
    return 0


def b_colon(proc, argv):
    return 0


def b_false(proc, argv):
    return 1


def b_echo(proc, argv):
    return _write(proc, "echo", echo_text(argv[1:]))


def b_printf(proc, argv):
    args = argv[1:]
    var = None
    if len(args) >= 2 and args[0] == "-v":
        var, args = args[1], args[2:]
    if args and args[0] == "--":
        args = args[1:]
    if not args:
        proc.error("printf: usage: printf [-v var] format [arguments]")
        return 2
    try:
        text, errors = format_printf(args[0], args[1:])
    except PrintfError as e:
        proc.not_simulated(f"printf: {e}")
    for message in errors:
        proc.error(f"printf: {message}")
    status = 1 if failed(errors) else 0
    if var is not None:
        proc.setvar(var, text)
        return status
    return _write(proc, "printf", text) or status


def b_test(proc, argv):
    return eval_test(proc, argv[1:])


def b_bracket(proc, argv):
    if argv[-1] != "]":
        proc.error("[: missing `]'")
        return 2
    return eval_test(proc, argv[1:-1], "[")


def _int_arg(proc, name: str, text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        proc.error(f"{name}: {text}: numeric argument required")
        return None


def b_exit(proc, argv):
    from .interp import ShellExit

    status = proc.status
    if len(argv) > 1:
        value = _int_arg(proc, "exit", argv[1])
        status = 2 if value is None else value & 0xFF
    raise ShellExit(status)


def b_return(proc, argv):
    from .interp import FunctionReturn

    if not proc.locals and not proc.sourcing:
        proc.error("return: can only `return' from a function or sourced script")
        return 1
    status = proc.status
    if len(argv) > 1:
        value = _int_arg(proc, "return", argv[1])
        status = 2 if value is None else value & 0xFF
    raise FunctionReturn(status)


def _loop_control(kind: str):
    def control(proc, argv):
        from .interp import LoopControl

        count = 1
        if len(argv) > 2:
            proc.error(f"{kind}: too many arguments")
        if len(argv) > 1:
            value = _int_arg(proc, kind, argv[1])
            if value is None:
                return 1
            if value < 1:
                proc.error(f"{kind}: {argv[1]}: loop count out of range")
                return 1
            count = value
        if proc.loop_depth == 0:
            proc.error(f"{kind}: only meaningful in a `for', `while', or `until' loop")
            return 0
        raise LoopControl(kind, min(count, proc.loop_depth))

    return control


def b_cd(proc, argv):
    args = [a for a in argv[1:] if a not in ("-L", "-P")]
    if len(args) > 1:
        proc.error("cd: too many arguments")
        return 1
    target = args[0] if args else proc.vars.get("HOME")
    if target is None:
        proc.error("cd: HOME not set")
        return 1
    if target == "-":
        target = proc.vars.get("OLDPWD", proc.cwd)
        _write(proc, "cd", target + "\n")
    path = proc.path(target)
    try:
        st = proc.rt.system.stat(proc.pid, path)
        if not st.is_dir:
            raise SysError(errno.ENOTDIR)
    except SysError as e:
        proc.error(f"cd: {target}: {e.strerror}")
        return 1
    proc.vars["OLDPWD"] = proc.cwd
    proc.cwd = path
    proc.vars["PWD"] = path
    return 0


def b_pwd(proc, argv):
    return _write(proc, "pwd", proc.cwd + "\n")


def _is_name(text: str) -> bool:
    return bool(text) and not text[0].isdigit() and text.replace("_", "a").isalnum() \
        and text.isascii()


def _assign_args(proc, name: str, args: list[str], each) -> int:
    """Call ``each(var, value)`` for ``var[=value]`` arguments; value is None without
    ``=``, or an ArrayArg for ``var=(...)`` (see ``_set``)."""
    status = 0
    for arg in args:
        if type(arg) is ArrayArg:
            var, eq, value = arg.name, "=", arg
        else:
            var, eq, value = arg.partition("=")
        if not _is_name(var):
            proc.error(f"{name}: `{arg}': not a valid identifier")
            status = 1
            continue
        try:
            each(var, value if eq else None)
        except ExpansionError as e:
            proc.error(e.message)
            status = 1
    return status


def _set(proc, var: str, value: str) -> None:
    if type(value) is ArrayArg:
        proc.assign_array(var, value.items, value.append)
    else:
        proc.setvar(var, value)


def _declare_flags(argv: list[str]) -> str:
    """The option letters of ``declare``/``local``/``readonly``."""
    return "".join(a[1:] for a in argv[1:] if a.startswith("-") and type(a) is not ArrayArg)


def _declare_kind(proc, command: str, var: str, value, flags: str, local: bool) -> None:
    """Make ``var`` what ``-A`` or ``-a`` asks for. bash names the builtin in the
    conversion errors only when no value is assigned."""
    where = "" if value is not None else f"{command}: "
    if "A" in flags:
        try:
            proc.declare_assoc(var, local)
        except ExpansionError as e:
            raise ExpansionError(where + e.message) from None
    elif "a" in flags and type(proc.arrays.get(var)) is Assoc:
        raise ExpansionError(f"{where}{var}: cannot convert associative to indexed array")


def b_export(proc, argv):
    args = argv[1:]
    unexport = False
    while args and args[0].startswith("-"):
        unexport = unexport or "n" in args[0]
        args = args[1:]
    if not args:  # export, export -p: the exported variables as declare commands
        return _declare_print(proc, "export", "x", [])

    def export(var, value):
        if value is not None:
            _set(proc, var, value)
        if unexport:
            proc.exported.discard(var)
        else:
            proc.exported.add(var)

    return _assign_args(proc, "export", args, export)


def b_readonly(proc, argv):
    flags = _declare_flags(argv)
    if all(a[:1] == "-" for a in argv[1:]):  # readonly, readonly -p
        return _declare_print(proc, "readonly", "r", [])

    def mark(var, value):
        _declare_kind(proc, "readonly", var, value, flags, False)
        if value is not None:
            _set(proc, var, value)
        proc.readonly.add(var)

    return _assign_args(proc, "readonly", [a for a in argv[1:] if not a.startswith("-")], mark)


def b_local(proc, argv):
    if not proc.locals:
        proc.error(f"{argv[0]}: can only be used in a function")
        return 1
    flags = _declare_flags(argv)

    def local(var, value):
        new = var not in proc.locals[-1]
        existed = not new and (var in proc.vars or var in proc.arrays)
        proc.make_local(var)
        if new and var in proc.arrays:
            proc.unsetvar(var)  # a new local starts unset, not as the caller's array
        _declare_kind(proc, argv[0], var, value, flags, new)
        if value is not None:
            _set(proc, var, value)
        elif "a" in flags:
            proc.unsetvar(var)  # a new local array starts empty
            proc.array_for_update(var)
        if "x" in flags:
            proc.exported.add(var)
        if "r" in flags:
            proc.readonly.add(var)
        _mark_unassigned(proc, var, value, existed)

    return _assign_args(proc, argv[0], [a for a in argv[1:] if not a.startswith("-")], local)


def _mark_unassigned(proc, var: str, value, existed: bool) -> None:
    """``declare -a x`` / ``-A`` with no value makes an array bash shows as
    ``declare -a x`` (not ``x=()``) until something is assigned to it."""
    if value is None and not existed and var in proc.arrays:
        proc.unassigned_arrays.add(var)


def b_declare(proc, argv):
    flags = _declare_flags(argv)
    if "p" in flags:
        return _declare_print(proc, argv[0], flags, [a for a in argv[1:] if a[:1] != "-"])
    if proc.locals and "g" not in flags:
        return b_local(proc, argv)

    def declare(var, value):
        existed = var in proc.vars or var in proc.arrays
        _declare_kind(proc, argv[0], var, value, flags, False)
        if value is not None:
            _set(proc, var, value)
        elif "a" in flags:
            proc.array_for_update(var)
        if "x" in flags:
            proc.exported.add(var)
        if "r" in flags:
            proc.readonly.add(var)
        _mark_unassigned(proc, var, value, existed)

    return _assign_args(proc, argv[0], [a for a in argv[1:] if not a.startswith("-")], declare)


def _declare_print(proc, command: str, flags: str, names: list[str]) -> int:
    """``declare -p [name...]``: each variable as a declare command; with no names,
    every variable (with ``-a``, ``-A``, ``-r``, ``-x``: those with the attribute)."""
    if not names:
        wanted = set(flags) & set("aArx")
        lines = []
        for name in varprint.variable_names(proc):
            letters = varprint.attributes(proc, name)
            if letters is not None and wanted <= set(letters):
                lines.append(varprint.declare_line(proc, name))
        return _write(proc, command, "".join(lines))
    status = 0
    for name in names:
        line = varprint.declare_line(proc, str(name))
        if line is None:
            proc.error(f"{command}: {name}: not found")
            status = 1
        elif _write(proc, command, line):
            return 1
    return status


def b_unset(proc, argv):
    functions = False
    status = 0
    for arg in argv[1:]:
        if arg in ("-f", "-v"):
            functions = arg == "-f"
            continue
        if functions:
            proc.funcs.pop(arg, None)
            continue
        try:
            name, bracket, index = arg.partition("[")
            if not bracket or not index.endswith("]"):
                proc.unsetvar(arg)
            elif index in ("@]", "*]") and type(proc.arrays.get(name)) is not Assoc:
                proc.unsetvar(name)  # the whole array (of an associative one: key @ or *)
            else:
                proc.unset_element(name, Arith(index[:-1], proc.lineno))
        except ExpansionError as e:
            proc.error(f"unset: {e.message}")
            status = 1
    return status


OPTION_NAMES = {"errexit": "errexit", "nounset": "nounset", "xtrace": "xtrace",
                "pipefail": "pipefail", "noglob": "noglob", "noclobber": "noclobber"}
IGNORED_OPTIONS = frozenset(["monitor", "posix", "notify", "vi", "emacs", "hashall",
                             "braceexpand", "histexpand", "history", "allexport", "verbose"])


def b_set(proc, argv):
    args = argv[1:]
    if not args:
        for name in sorted(proc.vars):
            _write(proc, "set", f"{name}={_quote(proc.vars[name])}\n")
        return 0
    while args:
        arg = args[0]
        if arg == "--":
            proc.positional = args[1:]
            return 0
        if arg in ("-o", "+o"):
            if len(args) < 2:
                for name in OPTION_NAMES:
                    state = "on" if getattr(proc.opts, name) else "off"
                    _write(proc, "set", f"{name:<15}\t{state}\n")
                return 0
            name = args[1]
            if name in OPTION_NAMES:
                setattr(proc.opts, OPTION_NAMES[name], arg == "-o")
            elif name not in IGNORED_OPTIONS:
                proc.error(f"set: {name}: invalid option name")
                return 2
            args = args[2:]
            continue
        if arg[:1] in "-+" and len(arg) > 1:
            for letter in arg[1:]:
                option = proc.opts.LETTERS.get(letter)
                if option is not None:
                    setattr(proc.opts, option, arg[0] == "-")
                elif letter not in "mbhBHvaknPTEp":
                    proc.error(f"set: {arg[0]}{letter}: invalid option")
                    return 2
            args = args[1:]
            continue
        proc.positional = args
        return 0
    return 0


def _quote(value: str) -> str:
    if value and all(c.isalnum() or c in "_./:-=+,@%" for c in value):
        return value
    return "'" + value.replace("'", "'\\''") + "'"


def b_shift(proc, argv):
    count = 1
    if len(argv) > 1:
        value = _int_arg(proc, "shift", argv[1])
        if value is None:
            return 1
        count = value
    if count < 0 or count > len(proc.positional):
        return 1
    proc.positional = proc.positional[count:]
    return 0


def _read_line(proc, delim: str, limit: int | None, fd: int = 0) -> tuple[str, bool]:
    """Read up to ``delim`` from ``fd`` one byte at a time: (text, reached eof)."""
    stream = proc.fds.get(fd, CLOSED)
    data = bytearray()
    end = delim.encode() or b"\0"
    while limit is None or len(data) < limit:
        try:
            byte = stream.read(proc.pid, 1)
        except SysError:
            return data.decode("utf-8", "surrogateescape"), True
        if not byte:
            return data.decode("utf-8", "surrogateescape"), True
        if byte == end:
            break
        data += byte
    return data.decode("utf-8", "surrogateescape"), False


def b_read(proc, argv):
    args = argv[1:]
    raw, delim, limit, array, fd = False, "\n", None, None, 0
    while args and args[0].startswith("-") and len(args[0]) > 1:
        opt = args.pop(0)
        if opt == "--":
            break
        for i, letter in enumerate(opt[1:], 1):
            if letter == "r":
                raw = True
            elif letter == "s":
                continue
            elif letter in "pdnNtau":
                value = opt[i + 1:] or (args.pop(0) if args else "")
                if letter == "p":
                    _write(proc, "read", value, 2)
                elif letter == "d":
                    delim = value[:1]
                elif letter in "nN":
                    if not (value.isdigit() and value.isascii()):
                        proc.error(f"read: {value}: invalid number")
                        return 1
                    limit = int(value)
                elif letter == "a":
                    array = value
                elif letter == "u":
                    fd = _read_fd(proc, value)
                    if fd is None:
                        return 1
                break
            else:
                proc.error(f"read: -{letter}: invalid option")
                return 2
    names = args or ["REPLY"]
    line, eof = _read_line(proc, delim, limit, fd)
    if not raw:
        while line.endswith("\\") and not eof:
            more, eof = _read_line(proc, delim, limit, fd)
            line = line[:-1] + more
        line = "".join(c if c != "\\" else "" for c in line.replace("\\\\", "\0")).replace(
            "\0", "\\")
    ifs = proc.vars.get("IFS", DEFAULT_IFS)
    white = "".join(c for c in ifs if c in " \t\n")
    if array is not None:
        return _read_array(proc, array, line, ifs, white) or (1 if eof else 0)
    if names == ["REPLY"] and not args:
        proc.setvar("REPLY", line)
        return 1 if eof and not line else (1 if eof else 0)
    rest = line.strip(white) if white else line
    for i, name in enumerate(names):
        if i == len(names) - 1:
            value = rest.rstrip(white) if white else rest
        else:
            value, rest = _split_first(rest, ifs, white)
        proc.setvar(name, value)
    return 1 if eof else 0


def _read_fd(proc, text: str) -> int | None:
    """``read -u FD``: the descriptor, or None after bash's message."""
    if not (text.isdigit() and text.isascii()):
        proc.error(f"read: {text}: invalid file descriptor specification")
        return None
    fd = int(text)
    if proc.fds.get(fd, CLOSED) is CLOSED:
        proc.error(f"read: {text}: invalid file descriptor: Bad file descriptor")
        return None
    return fd


def _read_array(proc, name: str, line: str, ifs: str, white: str) -> int:
    """``read -a name``: every IFS field of the line is an element."""
    if type(proc.arrays.get(name)) is Assoc:
        proc.error(f"read: {name}: not an indexed array")
        return 1
    rest = line.strip(white) if white else line
    fields = []
    while rest:
        field, rest = _split_first(rest, ifs, white)
        fields.append(field)
    try:
        proc.assign_array(name, [(None, f) for f in fields], False)
    except ExpansionError as e:
        proc.error(f"read: {e.message}")
        return 1
    return 0


MAPFILE_USAGE = ("[-d delim] [-n count] [-O origin] [-s count] [-t] [-u fd] "
                 "[-C callback] [-c quantum] [array]")


def b_mapfile(proc, argv):
    """mapfile/readarray [-t] [-d delim] [-n count] [-s count] [-O origin] [-u fd]
    [array]: the lines of the input as an indexed array (MAPFILE by default)."""
    command = argv[0]
    delim, count, skip, origin, strip, fd = "\n", 0, 0, None, False, 0
    args = argv[1:]
    while args and args[0].startswith("-") and len(args[0]) > 1:
        opt = args.pop(0)
        if opt == "--":
            break
        for i, letter in enumerate(opt[1:], 1):
            if letter == "t":
                strip = True
                continue
            if letter not in "dnOsuCc":
                proc.error(f"{command}: -{letter}: invalid option")
                proc.write_err(f"{command}: usage: {command} {MAPFILE_USAGE}\n")
                return 2
            value = opt[i + 1:] or (args.pop(0) if args else None)
            if value is None:
                proc.error(f"{command}: -{letter}: option requires an argument")
                proc.write_err(f"{command}: usage: {command} {MAPFILE_USAGE}\n")
                return 2
            if letter == "d":
                delim = value[:1]
            elif letter == "C":
                proc.error(f"{command}: -C: callbacks are not supported by this shell")
                return 2
            elif not value.isdigit() or not value.isascii() or letter == "c" and value == "0":
                what = {"O": "array origin", "u": "file descriptor",
                        "c": "callback quantum"}.get(letter, "line count")
                proc.error(f"{command}: {value}: invalid {what}")
                return 1
            elif letter == "c":
                pass  # the quantum only matters with a callback
            elif letter == "n":
                count = int(value)
            elif letter == "s":
                skip = int(value)
            elif letter == "O":
                origin = int(value)
            else:
                fd = int(value)
            break
    if fd not in proc.fds:
        proc.error(f"{command}: {fd}: invalid file descriptor: Bad file descriptor")
        return 1
    name = args[0] if args else "MAPFILE"
    if not _is_name(name):
        proc.error(f"{command}: `{name}': not a valid identifier")
        return 1
    if type(proc.arrays.get(name)) is Assoc:
        proc.error(f"{command}: {name}: not an indexed array")
        return 1
    try:
        array = proc.array_for_update(name)
    except ExpansionError as e:
        proc.error(e.message)
        return 1
    if origin is None:
        array.clear()
        origin = 0
    index = origin
    while not count or index - origin < count:
        line, eof = _read_line(proc, delim, None, fd)
        if eof and not line:
            break
        if skip:
            skip -= 1
        else:
            array[index] = line if strip or eof else line + (delim or "\0")
            index += 1
        if eof:
            break
    return 0


def _split_first(text: str, ifs: str, white: str) -> tuple[str, str]:
    for i, c in enumerate(text):
        if c in ifs:
            rest = text[i + 1:]
            rest = rest.lstrip(white) if white else rest
            if c in white and rest[:1] and rest[0] in ifs and rest[0] not in white:
                rest = rest[1:].lstrip(white)
            return text[:i], rest
    return text, ""


def b_eval(proc, argv):
    from .interp import DiscardCommand, SyntaxFailure

    text = " ".join(argv[1:])
    if not text.strip():
        return 0
    try:
        return (yield from proc.run_source(text, proc.lineno, "eval: ", discard=False))
    except DiscardCommand:
        return 1  # an expansion error ends the eval; the caller's command goes on
    except SyntaxFailure:
        return 2


def b_source(proc, argv):
    from .interp import FunctionReturn, SyntaxFailure

    if len(argv) < 2:
        proc.error(f"{argv[0]}: filename argument required")
        return 2
    name = argv[1]
    try:
        stream = proc.open_stream(proc.path(name), O_RDONLY)
        try:
            text = stream.read(proc.pid).decode("utf-8", "surrogateescape")
        finally:
            stream.close(proc.pid)
    except SysError as e:
        proc.error(f"{name}: {e.strerror}")
        return 1
    saved = proc.script_name, proc.positional, proc.lineno
    proc.script_name = name
    if len(argv) > 2:
        proc.positional = argv[2:]
    proc.sourcing += 1
    try:
        return (yield from proc.run_source(text))
    except FunctionReturn as r:
        return r.status
    except SyntaxFailure:
        return 2
    finally:
        proc.sourcing -= 1
        proc.script_name, positional, proc.lineno = saved
        if len(argv) > 2:
            proc.positional = positional


def b_wait(proc, argv):
    status = 0
    tasks = []  # (pid, task)
    for arg in argv[1:]:
        if arg.startswith("-"):
            continue
        pid = _job_pid(proc, arg)
        task = proc.jobs.get(pid) or _procsub_task(proc, pid)
        if task is None:
            proc.error(f"wait: pid {arg} is not a child of this shell")
            status = 127
            continue
        tasks.append((pid, task))
    if len(argv) == 1:
        # bash 5.1+: the jobs, and the last process substitution if it is $!
        tasks = list(proc.jobs.items())
        last = _procsub_task(proc, proc.last_bg)
        if last is not None:
            tasks.append((proc.last_bg, last))
    for pid, task in tasks:
        while not task.done:
            yield task.exited
        status = task.status if len(argv) > 1 else 0
        if len(argv) == 1:
            proc.jobs.pop(pid, None)
    proc.report_background()
    return status


def _procsub_task(proc, pid: int | None):
    """The task of the last process substitution, if its pid is ``pid``."""
    last = proc.last_procsub
    return last[1] if last is not None and last[0] == pid else None


def _job_pid(proc, spec: str) -> int | None:
    if spec.startswith("%"):
        jobs = list(proc.jobs)
        try:
            index = len(jobs) if spec in ("%", "%%", "%+") else int(spec[1:])
            return jobs[index - 1]
        except (ValueError, IndexError):
            return None
    try:
        return int(spec)
    except ValueError:
        return None


def signal_number(text: str) -> int | None:
    if text.isdigit() and text.isascii():
        return int(text)
    name = text.upper().removeprefix("SIG")
    return SIGNALS.get(name)


def b_kill(proc, argv):
    args = argv[1:]
    sig = 15
    if args and args[0] == "-l":
        return _write(proc, "kill", " ".join(SIGNALS) + "\n")
    if args and args[0] in ("-s", "-n") and len(args) > 1:
        number = signal_number(args[1])
        args = args[2:]
    elif args and args[0].startswith("-") and len(args[0]) > 1 and args[0] != "--":
        number = signal_number(args[0][1:])
        args = args[1:]
    else:
        number = sig
    if number is None:
        proc.error(f"kill: {argv[1]}: invalid signal specification")
        return 1
    if args and args[0] == "--":
        args = args[1:]
    if not args:
        proc.error("kill: usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ...")
        return 2
    status = 0
    for arg in args:
        pid = _job_pid(proc, arg)
        if pid is None:
            proc.error(f"kill: {arg}: arguments must be process or job IDs")
            status = 1
            continue
        try:
            proc.rt.system.kill(proc.pid, pid, number)
        except SysError as e:
            proc.error(f"kill: ({pid}) - {e.strerror}")
            status = 1
    return status


def describe(proc, name: str) -> tuple[str, str] | None:
    """How ``name`` would run: (kind, text for ``type``) or None."""
    from .commands import find_command

    if name in KEYWORDS:
        return "keyword", f"{name} is a shell keyword"
    if name in proc.funcs:
        return "function", f"{name} is a function"
    if name in BUILTINS:
        return "builtin", f"{name} is a shell builtin"
    if find_command(name) is not None:
        path = name if "/" in name else f"/usr/bin/{name}"
        return "file", f"{name} is {path}"
    return None


KEYWORDS = frozenset(["if", "then", "else", "elif", "fi", "case", "esac", "for", "while",
                      "until", "do", "done", "function", "in", "{", "}", "!", "[[", "]]",
                      "time"])


def b_type(proc, argv):
    args = argv[1:]
    mode = ""
    while args and args[0].startswith("-"):
        mode += args.pop(0)[1:]
    status = 0
    for name in args:
        found = describe(proc, name)
        if found is None:
            if "t" not in mode and "P" not in mode:
                proc.error(f"type: {name}: not found")
            status = 1
            continue
        kind, text = found
        if "t" in mode:
            _write(proc, "type", kind + "\n")
        elif "P" in mode or "p" in mode:
            if kind == "file":
                _write(proc, "type", text.split(" is ", 1)[1] + "\n")
        else:
            _write(proc, "type", text + "\n")
    return status


def b_command(proc, argv):
    args = argv[1:]
    if args and args[0] in ("-v", "-V"):
        status = 0
        for name in args[1:]:
            found = describe(proc, name)
            if found is None:
                status = 1
                if args[0] == "-V":
                    proc.error(f"command: {name}: not found")
                continue
            kind, text = found
            if args[0] == "-V":
                _write(proc, "command", text + "\n")
            else:
                _write(proc, "command", (text.split(" is ", 1)[1] if kind == "file" else name)
                       + "\n")
        return status
    if args and args[0] == "-p":
        args = args[1:]
    if not args:
        return 0
    return (yield from proc.run_argv(args, skip_functions=True))


def b_exec(proc, argv):
    from .interp import ShellExit

    if len(argv) == 1:
        return 0
    status = yield from proc.run_argv(argv[1:], skip_functions=True, in_place=True)
    raise ShellExit(status)


def b_let(proc, argv):
    if len(argv) < 2:
        proc.error("let: expression expected")
        return 1
    value = 0
    for expr in argv[1:]:
        try:
            value = proc.arith_text(expr)
        except ExpansionError as e:
            proc.error("let: " + e.message)
            return 1
    return 0 if value else 1


def b_ignored(proc, argv):
    return 0


EXIT_NAMES = ("EXIT", "0", "SIGEXIT")


def b_trap(proc, argv):
    """trap [-p] [ACTION SIGNAL...]: only EXIT has an effect (see the module docstring)."""
    args = argv[1:]
    if args and args[0] == "--":
        args = args[1:]
    if not args or args == ["-p"]:
        if proc.exit_trap is not None:
            quoted = "'" + proc.exit_trap.replace("'", "'\\''") + "'"
            return _write(proc, "trap", f"trap -- {quoted} EXIT\n")
        return 0
    action, signals = (("-", args) if len(args) == 1 else (args[0], args[1:]))
    for sig in signals:
        if sig.upper() in EXIT_NAMES:
            proc.exit_trap = None if action in ("-", "") else action
            continue
        # noted only because a trap stops bash from exec'ing a subshell's last command
        # in place (evalstring.c should_optimize_fork()) and silences job notices
        key = "ERR" if sig.upper() == "ERR" else signal_number(sig)
        if key is not None:
            proc.traps = proc.traps - {key} if action == "-" else proc.traps | {key}
    return 0


def b_umask(proc, argv):
    if len(argv) == 1:
        return _write(proc, "umask", "0022\n")
    return 0


def b_jobs(proc, argv):
    for number, (pid, task) in enumerate(proc.jobs.items(), 1):
        state = f"Done({task.status})" if task.done and task.status else (
            "Done" if task.done else "Running")
        _write(proc, "jobs", f"[{number}]  {state:<24}{pid}\n")
    return 0


def b_builtin(proc, argv):
    if len(argv) < 2:
        return 0
    builtin = BUILTINS.get(argv[1])
    if builtin is None:
        proc.error(f"builtin: {argv[1]}: not a shell builtin")
        return 1
    return builtin(proc, argv[1:])


def _optind(text: str) -> int:
    """OPTIND as bash reads it, with atoi(): a value below 1, or no number, starts over."""
    m = re.match(r"\s*([-+]?\d+)", text)
    return max(int(m.group(1)) if m else 0, 1)


def b_getopts(proc, argv):
    if len(argv) < 3:
        proc.error("getopts: usage: getopts optstring name [arg ...]")
        return 2
    spec, name = argv[1], argv[2]
    args = argv[3:] or proc.positional
    index = _optind(proc.vars.get("OPTIND", "1"))
    offset = int(proc.vars.get("_OPTPOS", "1"))
    if index <= len(args) and offset >= len(args[index - 1]):
        offset = 1  # OPTIND was set back while a word of bundled options was half read
    if index > len(args) or not args[index - 1].startswith("-") or args[index - 1] in ("-", "--"):
        if index <= len(args) and args[index - 1] == "--":
            proc.vars["OPTIND"] = str(index + 1)
        elif index > len(args):
            proc.vars["OPTIND"] = str(len(args) + 1)  # bash: past the end is just after it
        proc.setvar(name, "?")
        return 1
    arg = args[index - 1]
    letter = arg[offset]
    offset += 1
    if offset >= len(arg):
        index, offset = index + 1, 1
    status = 0
    if letter not in spec.replace(":", ""):
        proc.error(f"getopts: illegal option -- {letter}")
        proc.setvar(name, "?")
    else:
        proc.setvar(name, letter)
        if spec.find(letter) + 1 < len(spec) and spec[spec.find(letter) + 1] == ":":
            if offset > 1:
                proc.vars["OPTARG"] = arg[offset:]
                index, offset = index + 1, 1
            elif index <= len(args):
                proc.vars["OPTARG"] = args[index - 1]
                index += 1
            else:
                proc.error(f"getopts: option requires an argument -- {letter}")
                proc.setvar(name, "?")
    proc.vars["OPTIND"] = str(index)
    proc.vars["_OPTPOS"] = str(offset)
    return status


BUILTINS = {
    ":": b_colon,
    "true": b_colon,
    "false": b_false,
    "echo": b_echo,
    "printf": b_printf,
    "test": b_test,
    "[": b_bracket,
    "exit": b_exit,
    "return": b_return,
    "break": _loop_control("break"),
    "continue": _loop_control("continue"),
    "cd": b_cd,
    "pwd": b_pwd,
    "export": b_export,
    "readonly": b_readonly,
    "local": b_local,
    "declare": b_declare,
    "typeset": b_declare,
    "unset": b_unset,
    "set": b_set,
    "shift": b_shift,
    "read": b_read,
    "mapfile": b_mapfile,
    "readarray": b_mapfile,
    "eval": b_eval,
    ".": b_source,
    "source": b_source,
    "wait": b_wait,
    "kill": b_kill,
    "type": b_type,
    "command": b_command,
    "exec": b_exec,
    "let": b_let,
    "trap": b_trap,
    "ulimit": b_ignored,
    "shopt": b_ignored,
    "hash": b_ignored,
    "disown": b_ignored,
    "alias": b_ignored,
    "unalias": b_ignored,
    "umask": b_umask,
    "jobs": b_jobs,
    "builtin": b_builtin,
    "getopts": b_getopts,
}
