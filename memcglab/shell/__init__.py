"""A bash interpreter that runs reproducer scripts on a simulated machine.

Usage::

    sh = Shell(system, pid, script_name="script.sh", stdout=out, stderr=err)
    status = sh.run(text)

Everything the script does goes through ``system`` (see ``system.py``): the
shell never touches the kernel model directly.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from .interp import Aborted, Process, Runtime, ShellExit
from .streams import BytesInput, CallbackOutput
from .system import TaskKilled

RECURSION_LIMIT = 6000


def _discard(data: bytes) -> None:
    """Default stdout/stderr."""


class Shell:
    """One shell process (``pid``) that runs scripts.

    ``dialect`` is ``"bash"`` or ``"sh"`` (busybox ash: no brace expansion).
    ``max_steps`` bounds the commands and loop iterations one ``run`` may
    execute; past it the script stops with a message and status 124.
    """

    def __init__(
        self,
        system,
        pid: int,
        script_name: str = "script.sh",
        stdout: Callable[[bytes], None] | None = None,
        stderr: Callable[[bytes], None] | None = None,
        cwd: str = "/root",
        env: dict[str, str] | None = None,
        dialect: str = "bash",
        max_steps: int | None = None,
    ):
        if dialect not in ("bash", "sh"):
            raise ValueError(f"unknown dialect {dialect!r}")
        self.system = system
        self.pid = pid
        self.dialect = dialect
        stderr = stderr or _discard
        self.runtime = Runtime(system, pid, script_name, stderr, dialect, max_steps)
        proc = Process(self.runtime, pid)
        environ = {"HOME": "/root", "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
                   "/sbin:/bin", "SHELL": "/bin/" + dialect, "USER": "root", "LOGNAME": "root",
                   "HOSTNAME": "memcglab", "PWD": cwd}
        environ.update(env or {})
        proc.vars = dict(environ)
        proc.exported = set(environ)
        proc.vars["IFS"] = " \t\n"
        proc.vars["PPID"] = "1"
        if dialect == "bash":
            proc.vars["BASH"] = "/bin/bash"
            proc.vars["BASH_VERSION"] = "5.2.15(1)-release"
        proc.cwd = cwd
        proc.fds = {0: BytesInput(b""), 1: CallbackOutput(stdout or _discard),
                    2: CallbackOutput(stderr)}
        self.process = proc

    def run(self, text: str) -> int:
        """Run a whole script; returns its exit status. Never raises for any script."""
        rt = self.runtime
        rt.aborted = None
        rt.steps = 0
        sched = rt.sched
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, RECURSION_LIMIT))
        # a script may spell a number with any count of digits; Python's int() refuses
        # more than 4300 unless told otherwise
        digits = sys.get_int_max_str_digits()
        sys.set_int_max_str_digits(0)
        sched.driving += 1
        try:
            task = sched.start(self._main(text))
            if not sched.drive(task.exited):
                rt.stderr(b"memcglab: the script is blocked forever, stopping it\n")
                return 1
            status = task.status
        except RecursionError:
            rt.stderr(b"memcglab: the script nests too deeply, stopping it\n")
            status = 2
        finally:
            sched.driving -= 1
            sys.setrecursionlimit(limit)
            sys.set_int_max_str_digits(digits)
        if rt.aborted is not None:
            status = rt.aborted
        return status

    def _main(self, text: str):
        proc = self.process
        try:
            status = yield from proc.run_source(text)
        except ShellExit as e:
            status = e.status
        except Aborted as e:
            status = e.status
            proc.exit_trap = None  # the simulation stopped the script: no cleanup runs
        except TaskKilled:
            status = 128 + self.system.exit_signal(self.pid)
            proc.exit_trap = None  # killed: no trap runs
        proc.status = status
        if proc.exit_trap is not None:
            # bash runs the EXIT trap once, with $? set to the script's status; an
            # `exit` inside it sets the final status.
            action, proc.exit_trap = proc.exit_trap, None
            try:
                yield from proc.run_source(action, label="trap: ")
            except ShellExit as e:
                status = e.status
            except Aborted as e:
                status = e.status
            proc.status = status
        # the shell's own end closes the pipes of its >(...) process substitutions
        proc.finish_procsubs()
        return status


__all__ = ["Shell"]
