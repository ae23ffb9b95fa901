"""Process and system programs: sleep, kill, sh/bash, env, xargs, nohup, true, false,
test, id, whoami, hostname, uname, date."""

from __future__ import annotations

import errno
import re
import time

from ..builtins import signal_number
from ..conditions import eval_test
from ..system import SysError
from . import UsageError, command

DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)([smhd]?)")
UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


@command("sleep")
def sleep(ctx):
    if len(ctx.argv) < 2:
        raise UsageError("missing operand")
    total = 0.0
    for arg in ctx.argv[1:]:
        m = DURATION.fullmatch(arg)
        if m is None:
            raise UsageError(f"invalid time interval '{arg}'")
        total += float(m.group(1)) * UNIT_SECONDS[m.group(2)]
    return _sleep(ctx, total)


def _sleep(ctx, seconds: float):
    yield from ctx.sleep(seconds)
    return 0


@command("kill")
def kill(ctx) -> int:
    args = ctx.argv[1:]
    sig = 15
    if args and args[0] in ("-s", "-n") and len(args) > 1:
        sig = signal_number(args[1])
        args = args[2:]
    elif args and args[0].startswith("-") and len(args[0]) > 1:
        sig = signal_number(args[0][1:])
        args = args[1:]
    if sig is None:
        raise UsageError(f"unknown signal name: {ctx.argv[1]}")
    status = 0
    for arg in args:
        try:
            ctx.system.kill(ctx.pid, int(arg), sig)
        except ValueError:
            ctx.error(f"cannot find process \"{arg}\"")
            status = 1
        except SysError as e:
            ctx.error(f"({arg}): {e.strerror}")
            status = 1
    return status


@command("true")
def true(ctx) -> int:
    return 0


@command("false")
def false(ctx) -> int:
    return 1


@command("test", "[")
def test(ctx) -> int:
    args = ctx.argv[1:]
    if ctx.name.endswith("["):
        if not args or args[-1] != "]":
            raise UsageError("missing ']'")
        args = args[:-1]
    return eval_test(ctx.proc, args)


def _new_shell(ctx, script_name: str, args: list[str]):
    """A fresh shell process in this (already exec'd) task: only the environment is inherited."""
    from ..interp import Process

    shell = Process(ctx.proc.rt, ctx.pid)
    shell.vars = dict(ctx.env())
    shell.exported = set(shell.vars)
    shell.cwd = ctx.proc.cwd
    shell.fds = dict(ctx.proc.fds)
    shell.script_name = shell.arg0 = script_name
    shell.positional = args
    return shell


def _run_shell(shell, text: str, exec_last: bool = False):
    from ..interp import ShellExit

    try:
        return (yield from shell.run_source(text, exec_last=exec_last))
    except ShellExit as e:
        return e.status


@command("sh", "bash", "dash", "ash")
def sh(ctx):
    args = ctx.argv[1:]
    while args and args[0].startswith("-") and args[0] not in ("-c", "--"):
        args = args[1:]
    if args and args[0] == "-c":
        if len(args) < 2:
            raise UsageError("-c: option requires an argument")
        name = args[2] if len(args) > 2 else ctx.name.rsplit("/", 1)[-1]
        shell = _new_shell(ctx, name, args[3:])
        return _run_shell(shell, args[1], exec_last=True)
    if args and args[0] == "--":
        args = args[1:]
    if not args:
        shell = _new_shell(ctx, ctx.name, [])
        return _run_shell(shell, ctx.stdin().decode("utf-8", "surrogateescape"))
    return _run_file(ctx, args[0], args[1:], args[0])


@command("<script>")
def script_file(ctx):
    """``./repro.sh``: run a script file with a new shell."""
    return _run_file(ctx, ctx.name, ctx.argv[1:], ctx.name)


def _run_file(ctx, path: str, args: list[str], shown: str):
    try:
        if ctx.path(path).startswith(("/dev/", "/proc/", "/sys/")):
            raise SysError(errno.EACCES)  # device and kernel files are not scripts
        text = ctx.read_file(path).decode("utf-8", "surrogateescape")
    except SysError as e:
        if ctx.name == path:  # ./script: the calling shell reports it
            ctx.proc.error(f"{path}: {e.strerror}")
        else:
            ctx.error(f"{shown}: {e.strerror}")
        return 127
    shell = _new_shell(ctx, shown, args)
    return _run_shell(shell, text)


@command("env")
def env(ctx):
    args = ctx.argv[1:]
    extra = {}
    while args and "=" in args[0] and not args[0].startswith("="):
        key, _, value = args.pop(0).partition("=")
        extra[key] = value
    if not args:
        environ = ctx.env()
        environ.update(extra)
        ctx.out("".join(f"{k}={v}\n" for k, v in environ.items()))
        return 0
    proc = ctx.proc
    proc.vars = dict(proc.vars, **extra)
    proc.exported = proc.exported | set(extra)
    return ctx.proc.run_argv(args, skip_functions=True, in_place=True)


@command("nohup")
def nohup(ctx):
    if len(ctx.argv) < 2:
        raise UsageError("missing operand")
    return ctx.proc.run_argv(ctx.argv[1:], skip_functions=True, in_place=True)


@command("xargs")
def xargs(ctx):
    args = ctx.argv[1:]
    max_args = None
    replace = None
    while args and args[0].startswith("-"):
        opt = args.pop(0)
        if opt == "-n" and args:
            max_args = int(args.pop(0))
        elif opt.startswith("-n") and opt[2:].isdigit() and opt[2:].isascii():
            max_args = int(opt[2:])
        elif opt == "-I" and args:
            replace = args.pop(0)
        elif opt in ("-r", "--no-run-if-empty", "-t"):
            continue
        else:
            raise UsageError(f"invalid option -- '{opt.lstrip('-')}'")
    base = args or ["echo"]
    text = ctx.stdin().decode("utf-8", "surrogateescape")
    return _xargs_run(ctx, base, text, max_args, replace)


def _xargs_run(ctx, base: list[str], text: str, max_args, replace):
    status = 0
    if replace is not None:
        batches = [[a.replace(replace, line) for a in base] for line in text.splitlines() if line]
    else:
        items = text.split()
        if not items:
            return 0
        size = max_args or len(items)
        batches = [base + items[i:i + size] for i in range(0, len(items), size)]
    for argv in batches:
        result = yield from ctx.proc.run_argv(argv, skip_functions=True)
        if result:
            status = 123
    return status


@command("id")
def id_(ctx) -> int:
    args = ctx.argv[1:]
    if any(a in ("-u", "-g", "-ru", "-rg") for a in args):
        ctx.out("root\n" if any("n" in a for a in args) else "0\n")
    elif any(a in ("-un", "-nu", "-gn", "-ng") for a in args):
        ctx.out("root\n")
    else:
        ctx.out("uid=0(root) gid=0(root) groups=0(root)\n")
    return 0


@command("whoami")
def whoami(ctx) -> int:
    ctx.out("root\n")
    return 0


@command("hostname")
def hostname(ctx) -> int:
    ctx.out("memcglab\n")
    return 0


def _release(ctx) -> str:
    uname = getattr(ctx.system, "uname", None)
    if uname is None:
        return "Linux"
    value = uname()
    if isinstance(value, dict):
        return str(value.get("release", "Linux"))
    return str(value)


@command("nproc")
def nproc(ctx) -> int:
    """The online CPUs, from /sys/devices/system/cpu/online (a range list)."""
    try:
        text = ctx.read_file("/sys/devices/system/cpu/online").decode()
    except SysError:
        text = "0"
    count = 0
    for part in text.strip().split(","):
        lo, _, hi = part.partition("-")
        count += int(hi or lo) - int(lo) + 1
    ctx.out(f"{count}\n")
    return 0


@command("uname")
def uname(ctx) -> int:
    flags = "".join(a.lstrip("-") for a in ctx.argv[1:]) or "s"
    if "a" in flags:
        flags = "snrvmo"
    fields = {"s": "Linux", "n": "memcglab", "r": _release(ctx), "v": "#1 SMP",
              "m": "x86_64", "p": "x86_64", "i": "x86_64", "o": "GNU/Linux"}
    ctx.out(" ".join(fields[f] for f in "snrvmpio" if f in flags) + "\n")
    return 0


@command("date")
def date(ctx) -> int:
    now = ctx.system.now()
    fmt = next((a[1:] for a in ctx.argv[1:] if a.startswith("+")), "%a %b %e %H:%M:%S UTC %Y")
    fmt = fmt.replace("%N", f"{int(now % 1 * 1e9):09d}").replace("%s", str(int(now)))
    ctx.out(time.strftime(fmt, time.gmtime(now)) + "\n")
    return 0
