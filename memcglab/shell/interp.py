"""The interpreter: one :class:`Process` per shell process (the script, a subshell,
a pipeline stage, a background job).

Execution methods are generators (see ``scheduler``): they ``yield`` an Event
when the process must block and ``return`` the exit status. Builtins run in
the process's own task; every other command runs in a forked task:
``fork`` (the child does its redirections as itself), ``exec``, the simulated
program, ``exit``. A forked process whose job is a single simple command
execs it in place, as bash does for ``( cmd )``, ``$(cmd)``, ``a | b`` and
``cmd &``.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import posixpath
import random
import stat

from . import builtins, pattern
from .assoc import CONVERTED_BUCKETS, Assoc
from .commands import Context, UsageError, WriteError, find_command
from .conditions import CondError, eval_cond
from .expand import ArrayArg, Expander, ExpansionError
from .jobs import command_text, job_notice
from .lexer import ParseError
from .nodes import (
    AndOr,
    ArithCmd,
    ArithFor,
    ArrayAssign,
    Case,
    CmdList,
    CondCmd,
    For,
    FuncDef,
    Group,
    HereDoc,
    If,
    Loop,
    Pipeline,
    Simple,
    Subshell,
)
from .parser import Parser
from .scheduler import Task
from .streams import CLOSED, BrokenPipe, BytesInput, FileStream, PipeBuffer
from .system import (
    O_APPEND,
    O_CREAT,
    O_RDONLY,
    O_RDWR,
    O_TRUNC,
    O_WRONLY,
    Stat,
    SysError,
    TaskKilled,
)

FUNCNEST = 150
FORK_FAILED = 254  # bash's status for a command it could not fork
UNSET = object()


class ShellExit(Exception):
    """``exit``, a fatal expansion error, or ``set -e``: the process ends."""

    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


class SyntaxFailure(ShellExit):
    """A syntax error: the script ends with status 2 (``eval`` and ``.`` just fail)."""


class DiscardCommand(Exception):
    """A word failed to expand: bash abandons the whole command being run (back to
    the top level, jump_to_top_level(DISCARD)) with status 1; a subshell exits."""


class Aborted(Exception):
    """The whole script stops (a command that is not simulated, the step limit)."""

    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


class LoopControl(Exception):
    def __init__(self, kind: str, count: int):
        super().__init__(kind, count)
        self.kind = kind
        self.count = count


class FunctionReturn(Exception):
    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


class ProcSubst:
    """One process substitution: /dev/fd/``fd`` names ``stream``, the read end of
    ``<(cmd)``'s pipe or the write end of ``>(cmd)``'s, whose ``reader`` process
    runs as ``task`` once nothing writes to it. ``owner`` is the pid that made it."""

    __slots__ = ("fd", "stream", "owner", "reader", "task")

    def __init__(self, fd: int, stream, owner: int, reader=None, task=None):
        self.fd = fd
        self.stream = stream
        self.owner = owner
        self.reader = reader
        self.task = task


def fd_path_number(path: str) -> int | None:
    """N for a path naming descriptor N (/dev/fd/N, /dev/stdin, ...), else None."""
    if path[:8] == "/dev/fd/":
        number = path[8:]
        return int(number) if number.isdigit() and number.isascii() else None
    return DEV_STD_FDS.get(path)


DEV_STD_FDS = {"/dev/stdin": 0, "/dev/stdout": 1, "/dev/stderr": 2}
PIPE_STAT = Stat(is_dir=False, size=0, mode=stat.S_IFIFO | 0o600)


class Options:
    __slots__ = ("errexit", "nounset", "xtrace", "pipefail", "noglob", "noclobber")

    LETTERS = {"e": "errexit", "u": "nounset", "x": "xtrace", "f": "noglob", "C": "noclobber"}

    def __init__(self):
        self.errexit = self.nounset = self.xtrace = self.pipefail = False
        self.noglob = self.noclobber = False

    def copy(self) -> Options:
        new = Options()
        for name in self.__slots__:
            setattr(new, name, getattr(self, name))
        return new

    def flags(self) -> str:
        return "".join(k for k, v in self.LETTERS.items() if getattr(self, v)) + "hB"


class Runtime:
    """What every process of one script run shares."""

    def __init__(self, system, shell_pid: int, script_name: str, stderr, dialect: str,
                 max_steps: int | None):
        from .scheduler import Scheduler

        self.system = system
        self.sched = Scheduler(system)
        self.shell_pid = shell_pid
        self.parent_pid = 1
        self.script_name = script_name
        self.stderr = stderr
        self.dialect = dialect
        self.braces = dialect == "bash"
        self.max_steps = float("inf") if max_steps is None else max_steps
        self.steps = 0
        self.aborted: int | None = None
        self.random = random.Random(shell_pid)
        self.started = system.now()
        self.subparse = Parser("")._subparse


class Process(Expander):
    def __init__(self, rt: Runtime, pid: int):
        self.rt = rt
        self.pid = pid
        self.shell_pid = pid  # $$: a subshell keeps its parent's
        self.vars: dict[str, str] = {}
        self.arrays: dict = {}  # name -> {index: value} or an Assoc (not also in vars)
        self.exported: set[str] = set()
        self.readonly: set[str] = set()
        self.unassigned_arrays: set[str] = set()  # declare -a x: shown without =()
        self.funcs: dict[str, FuncDef] = {}
        self.positional: list[str] = []
        self.arg0 = rt.script_name
        self.script_name = rt.script_name
        self.opts = Options()
        self.cwd = "/"
        self.fds: dict = {}
        self.status = 0
        self.last_bg: int | None = None
        self.jobs: dict = {}
        self.lineno = 0
        self.locals: list[dict] = []
        self.loop_depth = 0
        self.errexit_guard = 0
        self.errexit_skip = False
        self.cmdsub_status: int | None = None
        self.sourcing = 0
        self.exit_trap: str | None = None  # `trap ACTION EXIT`; subshells start without one
        self.no_fork: Simple | None = None  # the command this subshell execs (exec_target())
        self.traps: frozenset[int | str] = frozenset()  # signal numbers (and "ERR") trapped here
        self.unreported: dict[int, tuple] = {}  # background jobs: pid -> (node, cwd)
        self.in_comsub = False  # a $( ) subshell, or one of its subshells: no job notices
        self.parsed_line = 0  # where the top-level command being run ends
        # process substitutions (see process_substitution); tuples, as an exec_fork
        # child shares them with its parent and must not change the parent's
        self.procsubs: tuple = ()  # the ones whose /dev/fd/N name is open
        self.procsub_readers: tuple = ()  # >(...) readers waiting for their writers
        self.last_procsub = None  # (pid, Task) of the last one, for `wait $!`

    def fork(self, pid: int) -> Process:
        """The state of a child process: a copy of this one's."""
        child = self.exec_fork(pid)
        child.vars = dict(self.vars)
        if self.arrays:
            child.arrays = {name: array.copy() for name, array in self.arrays.items()}
        child.exported = set(self.exported)
        child.unassigned_arrays = set(self.unassigned_arrays)
        child.funcs = dict(self.funcs)
        child.positional = list(self.positional)
        child.opts = self.opts.copy()
        child.fds = dict(self.fds)
        child.jobs = {}
        child.unreported = {}
        child.locals = [dict(f) for f in self.locals]
        child.procsub_readers = ()  # the parent starts its >(...) readers
        child.no_fork = None
        child.traps = frozenset()  # a subshell's traps are reset
        child.last_procsub = None
        return child

    def exec_fork(self, pid: int) -> Process:
        """A child that will only exec a program: it shares (and must not change) our tables."""
        child = Process.__new__(Process)
        # assigning a copy is about twice as fast as update() into the new object's dict
        child.__dict__ = self.__dict__.copy()
        child.pid = pid
        return child

    # ---- variables -------------------------------------------------------

    def setvar(self, name: str, value: str) -> None:
        if name in self.readonly:
            raise ExpansionError(f"{name}: readonly variable")
        if self.arrays and name in self.arrays:
            array = self.arrays[name]
            array["0" if type(array) is Assoc else 0] = value  # a=x on an array sets a[0]
            return
        self.vars[name] = value
        if name == "PWD":
            self.cwd = value or self.cwd

    def unsetvar(self, name: str) -> None:
        if name in self.readonly:
            raise ExpansionError(f"{name}: cannot unset: readonly variable")
        self.vars.pop(name, None)
        self.arrays.pop(name, None)
        self.exported.discard(name)
        self.unassigned_arrays.discard(name)

    def make_local(self, name: str) -> None:
        frame = self.locals[-1]
        if name not in frame:
            array = self.arrays.get(name)
            # a saved array is a dict or an Assoc, a scalar a str
            frame[name] = self.vars.get(name, UNSET) if array is None else array.copy()

    def restore_var(self, name: str, old) -> None:
        """Put back a variable saved by ``make_local`` (or UNSET: remove it)."""
        self.unassigned_arrays.discard(name)
        self.vars.pop(name, None)
        self.arrays.pop(name, None)
        if type(old) is dict or type(old) is Assoc:
            self.arrays[name] = old.copy()
        elif old is not UNSET:
            self.vars[name] = old

    # ---- arrays ------------------------------------------------------------

    def array_for_update(self, name: str):
        """``name``'s array, made one if needed (a scalar becomes element 0): an
        indexed array's dict, or an Assoc."""
        if name in self.readonly:
            raise ExpansionError(f"{name}: readonly variable")
        array = self.arrays.get(name)
        if array is None:
            value = self.vars.pop(name, None)
            array = self.arrays[name] = {} if value is None else {0: value}
        return array

    def declare_assoc(self, name: str, local: bool = False) -> None:
        """``declare -A name``: a new associative array, or a scalar turned into one
        (its value as key 0); an associative array stays as it is. ``local``: a
        new one in any case (the old value was saved by ``make_local``)."""
        array = self.arrays.get(name)
        if local and type(array) is not Assoc:
            self.vars.pop(name, None)
            self.arrays[name] = Assoc()
            return
        if type(array) is Assoc:
            return
        if array is not None:
            raise ExpansionError(f"{name}: cannot convert indexed to associative array")
        if name in self.readonly:
            raise ExpansionError(f"{name}: readonly variable")
        value = self.vars.pop(name, None)
        if value is None:
            self.arrays[name] = Assoc()
        else:
            self.arrays[name] = assoc = Assoc(CONVERTED_BUCKETS)
            assoc["0"] = value

    def assign_element(self, name: str, index, value: str, append: bool = False) -> None:
        """``name[index]=value`` (``+=``: append to the element); index is an Arith."""
        if self.unassigned_arrays:
            self.unassigned_arrays.discard(name)
        array = self.arrays.get(name)
        if type(array) is Assoc:
            key = self.assoc_key(index)
            if not key:
                raise ExpansionError(f"{name}[{index.text}]: bad array subscript")
            if name in self.readonly:
                raise ExpansionError(f"{name}: readonly variable")
            array[key] = (array.get(key) or "") + value if append else value
            return
        if not index.text.strip():
            raise ExpansionError(f"{name}[{index.text}]: bad array subscript")
        i = self.subscript(index)
        array = self.array_for_update(name)
        if i < 0:
            i += max(array) + 1 if array else 0
            if i < 0:
                raise ExpansionError(f"{name}[{index.text}]: bad array subscript")
        array[i] = array.get(i, "") + value if append else value

    def assign_array(self, name: str, items: list, append: bool) -> None:
        """``name=(...)`` or ``name+=(...)``; items are (subscript or None, value),
        a subscript an Arith, evaluated here as bash does, after the values were
        expanded (and as a key if ``name`` is an associative array)."""
        if name.endswith("]"):
            raise ExpansionError(f"{name}: cannot assign list to array member")
        if self.unassigned_arrays:
            self.unassigned_arrays.discard(name)
        if type(self.arrays.get(name)) is Assoc:
            self._assign_assoc(name, items, append)
            return
        array = self.array_for_update(name)
        if not append:
            array.clear()
        nxt = max(array) + 1 if array else 0
        for i, value in items:
            if i is None:
                i = nxt
            else:
                i = self.subscript(i)
                if i < 0:
                    raise ExpansionError(f"[{i}]={value}: bad array subscript")
            array[i] = value
            nxt = i + 1

    def _assign_assoc(self, name: str, items: list, append: bool) -> None:
        """``m=([key]=value ...)``, or ``m=(key value ...)`` when the first word has
        no subscript (bash 5.1 on); a bad element is reported and skipped."""
        if name in self.readonly:
            raise ExpansionError(f"{name}: readonly variable")
        array = self.arrays[name]
        if not append:
            array = self.arrays[name] = array.emptied()
        if items and items[0][0] is None:  # key value pairs; a lone key gets ""
            words = [value if index is None else f"[{index.text}]={value}"
                     for index, value in items]
            for i in range(0, len(words), 2):
                if not words[i]:
                    self.error(f"{name}: bad array subscript")
                    continue
                array[words[i]] = words[i + 1] if i + 1 < len(words) else ""
            return
        for index, value in items:
            if index is None:
                self.error(f"{name}: '{value}': must use subscript when assigning "
                           "associative array")
                continue
            key = self.assoc_key(index)
            if not key:
                self.error(f"[{index.text}]={value}: bad array subscript")
                continue
            array[key] = value

    def array_items_of(self, node: ArrayAssign) -> list[tuple]:
        """Expand an array list: a plain word may give many elements, ``[i]=w`` one;
        subscripts are left for ``assign_array``."""
        items: list = []
        for index, word in node.items:
            if index is None:
                items.extend((None, value) for value in self.expand_words([word]))
            else:
                items.append((index, self.expand_word(word)))
        return items

    def unset_element(self, name: str, index) -> None:
        """``unset 'name[index]'``; index is an Arith."""
        if name in self.readonly:
            raise ExpansionError(f"{name}: cannot unset: readonly variable")
        array = self.arrays.get(name)
        if type(array) is Assoc:
            array.pop(self.assoc_key(index))
            return
        i = self.subscript(index)
        if i < 0 and array:
            i += max(array) + 1
        if i < 0:
            raise ExpansionError(f"[{index.text}]: bad array subscript")
        if array is not None:
            array.pop(i, None)
        elif i == 0:
            self.unsetvar(name)

    def environ(self, extra: dict | None = None) -> dict[str, str]:
        env = {k: self.vars[k] for k in self.exported if k in self.vars}
        if extra:
            env.update(extra)
        return env

    def open_stream(self, path: str, flags: int, fds: dict | None = None):
        """open(2) on an absolute path, as a Stream (``close()`` it when done).

        /dev/fd/N (and /dev/stdin, /dev/stdout, /dev/stderr) are resolved here, by
        the process's descriptors in ``fds`` (default: its own), as Linux's
        /proc/self/fd links do: the pipe itself, a file opened again by its path,
        ENOENT for a descriptor that is not open. The simulated /dev has no fd
        directory, and the shell's pipes are not System files."""
        system = self.rt.system
        if path[:5] == "/dev/":
            number = fd_path_number(path)
            if number is not None:
                stream = self.fd_stream(number, fds if fds is not None else self.fds)
                if type(stream) is not FileStream:
                    return stream
                path = stream.file.path
        return FileStream(system, system.open(self.pid, path, flags))

    def stat_path(self, path: str) -> Stat:
        """stat(2) on an absolute path, /dev/fd/N resolved as ``open_stream`` does
        (a pipe has S_IFIFO in its mode)."""
        if path[:5] == "/dev/":
            number = fd_path_number(path)
            if number is not None:
                stream = self.fd_stream(number, self.fds)
                if type(stream) is not FileStream:
                    return PIPE_STAT
                path = stream.file.path
        return self.rt.system.stat(self.pid, path)

    def fd_stream(self, number: int, fds: dict):
        """What descriptor ``number`` refers to (a process substitution's pipe
        included); SysError(ENOENT) if it is not open."""
        for r in self.procsubs:
            if r.fd == number:
                return r.stream
        stream = fds.get(number)
        if stream is None or stream is CLOSED:
            raise SysError(errno.ENOENT)
        return stream

    def path(self, name: str) -> str:
        """An absolute, normalised path for ``name`` relative to the cwd."""
        # most names need no normalising (no ".", ".." or "//"); slices rather
        # than startswith/endswith calls, as this runs for every file a command names
        if "/." not in name and "//" not in name and name[-1:] != "/" and name[:1] != ".":
            if name[:1] == "/":
                return name
            return ("" if self.cwd == "/" else self.cwd) + "/" + name
        if not name.startswith("/"):
            name = self.cwd.rstrip("/") + "/" + name
        path = posixpath.normpath(name)
        return "/" + path.lstrip("/") if path.startswith("//") else path

    # ---- messages ----------------------------------------------------------

    def error(self, message: str) -> None:
        """Print ``script: line N: message`` on this process's stderr."""
        self.write_err(f"{self.script_name}: line {self.lineno}: {message}\n")

    def write_err(self, text: str) -> None:
        with contextlib.suppress(SysError, BrokenPipe):
            self.fds.get(2, CLOSED).write(self.pid, text.encode("utf-8", "surrogateescape"))

    def tick(self) -> None:
        """Count one step; stop the run when the budget is spent or the script aborted."""
        rt = self.rt
        rt.steps += 1
        if rt.steps > rt.max_steps or rt.aborted is not None:
            self.check_limits()

    def check_limits(self) -> None:
        rt = self.rt
        if rt.aborted is not None:
            raise Aborted(rt.aborted)
        if rt.steps > rt.max_steps:
            rt.aborted = 124
            rt.stderr(f"memcglab: {self.lineno}: step limit of {int(rt.max_steps)} "
                      "exceeded, stopping the script\n".encode())
            raise Aborted(124)

    # ---- running code ------------------------------------------------------

    def run_source(self, text: str, first_line: int = 1, label: str = "",
                   discard: bool = True, exec_last: bool = False):
        """Parse and run ``text`` one complete command at a time (like bash reading a file).
        A command abandoned after an expansion error (DiscardCommand) is skipped, or
        with ``discard`` False ends the whole text (``eval``). With ``exec_last``
        (``bash -c``) the command that ends the text may be exec'ed in place of the
        shell (exec_target())."""
        parser = Parser(text, 0, first_line)
        status = 0
        while True:
            try:
                node = parser.next_command()
            except ParseError as e:
                self._syntax_error(parser, e, label)
                self.status = 2
                raise SyntaxFailure(2) from None
            except RecursionError:
                self.write_err(f"{self.script_name}: nesting too deep, giving up\n")
                raise ShellExit(2) from None
            finally:
                for line, warning in parser.lex.warnings:
                    self.write_err(f"{self.script_name}: line {line}: {warning}\n")
                parser.lex.warnings.clear()
            if node is None:
                return status
            if exec_last and parser.exhausted():
                self.no_fork = exec_target(node.items, False)
            self.parsed_line = parser.last_line
            try:
                status = yield from self.exec_cmdlist(node)
            except DiscardCommand:
                if not discard:
                    raise
                status = self.status = 1  # the rest of this command is abandoned

    def _syntax_error(self, parser: Parser, e: ParseError, label: str) -> None:
        prefix = f"{self.script_name}: {label}line {e.line}: "
        if e.message:
            self.write_err(prefix + e.message + "\n")
        elif e.token is None:
            self.write_err(prefix + "syntax error: unexpected end of file\n")
        else:
            self.write_err(prefix + f"syntax error near unexpected token `{e.token}'\n")
            self.write_err(prefix + f"`{parser.source_line(e.line)}'\n")

    def execute(self, node):
        return EXEC[type(node)](self, node)

    def exec_cmdlist(self, node: CmdList):
        status = 0
        for and_or, background in node.items:
            self.errexit_skip = False
            mark = len(self.procsubs)
            if background:
                status = self.start_job(and_or)
            else:
                status = yield from EXEC[type(and_or)](self, and_or)
            if len(self.procsubs) > mark or self.procsub_readers:
                self.close_procsubs(mark)  # (made by a compound command's words)
            self.status = status
            if not self.rt.system.alive(self.pid):
                raise TaskKilled()  # a signal (kill -9 $$, the OOM killer) ended this shell
            if status and self.opts.errexit and not self.errexit_skip \
                    and not self.errexit_guard:
                raise ShellExit(status)
        return status

    def exec_andor(self, node: AndOr):
        self.errexit_guard += 1
        try:
            status = yield from self.execute(node.first)
        finally:
            self.errexit_guard -= 1
        self.status = status
        last = len(node.rest) - 1
        ran_last = False
        for i, (op, pipeline) in enumerate(node.rest):
            if (op == "&&") != (status == 0):
                continue
            if i == last:
                status = yield from self.execute(pipeline)
                ran_last = True
            else:
                self.errexit_guard += 1
                try:
                    status = yield from self.execute(pipeline)
                finally:
                    self.errexit_guard -= 1
            self.status = status
        if not ran_last:
            self.errexit_skip = True
        return status

    def exec_pipeline(self, node: Pipeline):
        start = self.rt.system.now()
        if len(node.cmds) == 1:
            if node.negate:
                self.errexit_guard += 1
            try:
                status = yield from self.execute(node.cmds[0])
            finally:
                if node.negate:
                    self.errexit_guard -= 1
        else:
            status = yield from self.run_pipeline(node.cmds)
        if node.negate:
            status = int(status == 0)
            self.errexit_skip = True
        if node.timed:
            took = self.rt.system.now() - start
            self.write_err(f"\nreal\t{int(took // 60)}m{took % 60:.3f}s\n"
                           "user\t0m0.000s\nsys\t0m0.000s\n")
        return status

    def run_pipeline(self, cmds: list):
        """bash forks every stage before any of them runs (execute_pipeline()), so
        each stage is in cgroup.procs, and charged, while the others run. Pipes are
        buffers here (see streams), so the stages then run one after another, each
        reading what the one before it wrote."""
        children = []
        for _ in cmds:
            child_pid = self.fork_task()
            if child_pid is None:
                break  # the stages forked so far still run; the pipeline failed
            children.append(self.fork(child_pid))
        stdin = self.fds.get(0, CLOSED)
        statuses = []
        for i, child in enumerate(children):
            last = i == len(cmds) - 1
            out = self.fds.get(1, CLOSED) if last else pipe_to(cmds[i + 1])
            child.fds[0] = stdin
            child.fds[1] = out
            status = yield from self.run_forked(child, cmds[i])
            statuses.append(status)
            if not last:
                stdin = BytesInput(bytes(out.buf))
        self.report_job([(child.pid, cmds[i], status)
                         for i, (child, status) in enumerate(zip(children, statuses, strict=True))])
        if len(children) < len(cmds):
            return FORK_FAILED
        if self.opts.pipefail:
            return next((s for s in reversed(statuses) if s), 0)
        return statuses[-1]

    # ---- processes ----------------------------------------------------------

    def run_in_child(self, node):
        """Fork a subshell that runs ``node``; wait for it and return its status."""
        child_pid = self.fork_task()
        if child_pid is None:
            return FORK_FAILED
        child = self.fork(child_pid)
        status = yield from self.wait_for(child.process_main(child.child_body(node)), child_pid)
        self.report_job([(child_pid, node, status)])
        return status

    def run_forked(self, child: Process, node):
        """Run ``node`` in ``child``, forked earlier; wait for it and return its status.
        A child killed before its turn (the OOM killer may pick it) never runs."""
        system = self.rt.system
        if not system.alive(child.pid):
            return 128 + system.exit_signal(child.pid)
        return (yield from self.wait_for(child.process_main(child.child_body(node)), child.pid))

    def child_body(self, node, lone_redirects: bool = True):
        """What a forked child runs. A simple command is exec'ed in place of the
        child; a subshell, or a command substitution's body (``lone_redirects``
        False), may end by exec'ing its last command (see exec_target())."""
        if type(node) is Simple:
            return (yield from self.exec_simple(node, in_place=True))
        if type(node) is Subshell:
            items = node.body.items
            if len(items) == 1 and not items[0][1] and type(items[0][0]) is Subshell:
                # ( (list) ): bash runs the inner subshell in this process too
                return (yield from self.with_redirs(node.redirs, self.child_body, items[0][0]))
            self.no_fork = exec_target(items, True)
            return (yield from self.with_redirs(node.redirs, self.exec_cmdlist, node.body))
        if type(node) is CmdList:
            target = self.no_fork = exec_target(node.items[node.last_line:], lone_redirects)
            if target is not None and target is node.items[0][0]:
                return (yield from self.exec_simple(target, in_place=True))
            return (yield from self.exec_cmdlist(node))
        return (yield from self.execute(node))

    def process_main(self, body):
        """Run ``body`` as the whole life of this (forked) process, then exit(2) it."""
        try:
            status = yield from body
        except ShellExit as e:
            status = e.status
        except FunctionReturn as e:
            status = e.status
        except LoopControl:
            status = 0
        except BrokenPipe:
            status = 141
        except Aborted as e:
            status = e.status
        except DiscardCommand:
            status = 1  # a subshell's command abandoned: the subshell exits
        except TaskKilled:
            status = 0  # (the signal's status, below)
        if self.procsubs or self.procsub_readers:
            self.finish_procsubs()
        system = self.rt.system
        sig = system.exit_signal(self.pid)
        if sig:
            return 128 + sig  # killed on the way: what it returned never happened
        # it may have been killed meanwhile; not contextlib.suppress, which costs
        # more than a try on this path taken by every command
        try:  # noqa: SIM105
            system.exit(self.pid, status)
        except SysError:
            pass
        return status

    def fork_task(self) -> int | None:
        """fork(2); None (after bash's message) if it failed."""
        try:
            return self.rt.system.fork(self.pid)
        except SysError as e:
            self.error(f"fork: {e.strerror}")
            return None

    def wait_for(self, gen, pid: int):
        """Run a child process inline; if it blocks, hand it to the scheduler and wait."""
        try:
            event = gen.send(None)
        except StopIteration as stop:
            return stop.value
        sched = self.rt.sched
        task = sched.adopt(gen, event, pid)
        self.watch(task)
        while not task.done:
            yield task.exited
        return task.status

    def report_job(self, procs: list[tuple]) -> None:
        """A foreground job ended: bash's notices for it and for background jobs
        that died meanwhile (memcglab.shell.jobs). ``procs`` are (pid, node or
        command text, status)."""
        if self.in_comsub:
            return
        self.report_background()
        system = self.rt.system
        rows = [(pid, node, status, system.exit_signal(pid)) for pid, node, status in procs]
        if rows and any(row[3] for row in rows):
            # bash's line_number then: the line of the job's last simple command
            # (a pipeline's last stage), or of the end of the command it last parsed
            last = procs[-1][1]
            line = last.line if type(last) is Simple else self.parsed_line or self.lineno
            self._write_notice([(pid, node if type(node) is str else command_text(node),
                                 status, sig) for pid, node, status, sig in rows], True, "",
                               line)

    def report_background(self) -> None:
        """Background jobs that ended since the last look, in the order they started."""
        if not self.unreported or self.in_comsub:
            return
        system = self.rt.system
        for pid, (node, cwd) in list(self.unreported.items()):
            if system.alive(pid):
                continue
            del self.unreported[pid]
            sig = system.exit_signal(pid)
            if sig:
                where = "" if cwd == self.cwd else f"  (wd: {self.polite_dir(cwd)})"
                self._write_notice([(pid, command_text(node), 128 + sig, sig)], False, where,
                                   self.lineno)

    def _write_notice(self, rows: list, foreground: bool, where: str, line: int) -> None:
        text = job_notice(self.script_name, line, rows, self.opts.pipefail, self.traps,
                          foreground)
        if text and where:
            text = text[:-1] + where + "\n"
        if text:
            self.write_err(text)

    def polite_dir(self, path: str) -> str:
        """polite_directory_format(): $HOME as ~."""
        home = self.vars.get("HOME", "")
        if home and home != "/" and (path == home or path.startswith(home + "/")):
            return "~" + path[len(home):]
        return path

    def run_sync(self, gen, pid: int) -> int:
        """Run a child process to completion from non-generator code (command substitution)."""
        try:
            event = gen.send(None)
        except StopIteration as stop:
            return stop.value
        sched = self.rt.sched
        task = sched.adopt(gen, event, pid)
        self.watch(task)
        sched.drive(task.exited)
        return task.status

    def watch(self, task) -> None:
        sched = self.rt.sched
        self.rt.system.on_exit(task.pid, lambda status: sched.kill(task, status))

    def start_job(self, node) -> int:
        """``node &``: fork, run the job until it blocks, and go on."""
        child_pid = self.fork_task()
        if child_pid is None:
            return FORK_FAILED
        child = self.fork(child_pid)
        child.fds[0] = BytesInput(b"")
        task = self.rt.sched.start(child.process_main(child.child_body(node)), child_pid)
        if not task.done:
            self.watch(task)
        self.last_bg = child_pid
        self.jobs[child_pid] = task
        self.unreported[child_pid] = (node, self.cwd)
        return 0

    def sleep(self, seconds: float):
        """Block this process until the simulated clock has moved ``seconds``."""
        event = self.rt.sched.event()
        self.rt.system.call_later(seconds, event.fire)
        while not event.done:
            yield event

    def command_substitution(self, part) -> str:
        child_pid = self.fork_task()
        if child_pid is None:
            self.cmdsub_status = FORK_FAILED
            return ""
        child = self.fork(child_pid)
        child.in_comsub = True
        out = PipeBuffer()
        child.fds[1] = out
        status = self.run_sync(child.process_main(child.child_body(part.body, False)), child_pid)
        self.cmdsub_status = status
        if self.rt.aborted is not None:
            raise Aborted(self.rt.aborted)
        return bytes(out.buf).decode("utf-8", "surrogateescape").rstrip("\n")

    # ---- process substitution ------------------------------------------------

    def process_substitution(self, part) -> str:
        """``<(cmd)`` / ``>(cmd)``: fork ``cmd`` as a subshell on a pipe and expand to
        the /dev/fd/N name of the pipe's other end; $! is the child's pid.

        Pipes are buffers here (see streams), so a writer runs before its reader:
        for ``<(cmd)`` the child runs to its end now and the command that uses the
        word reads what it wrote; for ``>(cmd)`` the child is forked now (as bash
        does: it is charged and numbered now) and starts reading once the command
        that writes to it has ended (see ``close_procsubs``)."""
        fd = self._free_procsub_fd()
        child_pid = self.fork_task()
        if child_pid is None:
            return ""
        child = self.fork(child_pid)
        sched = self.rt.sched
        pipe = PipeBuffer()
        body = child.process_main(child.child_body(part.body))
        if part.op == "<":
            child.fds[1] = pipe
            status = self.run_sync(body, child_pid)
            if self.rt.aborted is not None:
                raise Aborted(self.rt.aborted)
            task = Task(None, child_pid, sched)
            sched.finish(task, status)
            record = ProcSubst(fd, BytesInput(bytes(pipe.buf)), self.pid)
        else:
            task = Task(body, child_pid, sched)  # started by _start_reader
            self.watch(task)  # (killed before it starts: it never runs)
            record = ProcSubst(fd, pipe, self.pid, child, task)
        self.procsubs += (record,)
        self.last_bg = child_pid
        self.last_procsub = (child_pid, task)
        return f"/dev/fd/{fd}"

    def _free_procsub_fd(self) -> int:
        """The descriptor bash would pick: the highest free one from 63 down."""
        used = {r.fd for r in self.procsubs}
        return next(fd for fd in itertools.chain(range(63, 9, -1), itertools.count(64))
                    if fd not in used and fd not in self.fds)

    def close_procsubs(self, mark: int) -> None:
        """A command ended: the /dev/fd/N names of the process substitutions made
        while it ran (those past ``mark``) close, as bash closes them when a
        command ends, and ``>(...)`` readers that nothing writes to any more start.
        (So a function's argument, or a for loop's word, stays open for the
        commands in it.)"""
        if len(self.procsubs) > mark:
            closing = self.procsubs[mark:]
            self.procsubs = self.procsubs[:mark]
            self.procsub_readers += tuple(r for r in closing if r.reader is not None)
        if self.procsub_readers:
            self.start_procsub_readers(self.fds)

    def finish_procsubs(self) -> None:
        """This process ends: every pipe it wrote to is closed, so all readers start."""
        self.close_procsubs(0)
        self.start_procsub_readers({})

    def start_procsub_readers(self, open_fds: dict) -> None:
        """Start the readers whose pipe is not still one of ``open_fds`` (after
        ``exec >(cmd)`` the process writes to it until it ends)."""
        waiting = []
        for r in self.procsub_readers:
            if r.owner != self.pid:
                continue  # shared with a parent by exec_fork: the parent starts it
            if any(stream is r.stream for stream in open_fds.values()):
                waiting.append(r)
            else:
                r.reader.fds[0] = BytesInput(bytes(r.stream.buf))
                self.rt.sched.step(r.task)
        self.procsub_readers = tuple(waiting)

    # ---- simple commands -------------------------------------------------------

    def exec_simple(self, node: Simple, in_place: bool = False):
        rt = self.rt
        rt.steps += 1
        if rt.steps > rt.max_steps or rt.aborted is not None:
            self.check_limits()
        self.lineno = node.line
        mark = len(self.procsubs)
        try:
            try:
                if node.arrays:
                    argv = self.expand_declaration(node.words)
                else:
                    argv = self.expand_words(node.words) if node.words else None
            except ExpansionError as e:
                self.word_expansion_failed(e)
            if not argv:
                return self.assign_only(node)
            if self.opts.xtrace:
                self.write_err("+ " + " ".join(argv) + "\n")
            if node is self.no_fork:
                in_place = self.exit_trap is None and not self.traps
            return (yield from self.run_command(argv, node, in_place))
        finally:
            if len(self.procsubs) > mark or self.procsub_readers:
                self.close_procsubs(mark)

    def run_argv(self, argv: list[str], skip_functions: bool = False, in_place: bool = False):
        """Run an already expanded command line (``command``, ``exec``, ``xargs``)."""
        node = Simple([], [], [], self.lineno)
        return (yield from self.run_command(argv, node, in_place, skip_functions))

    def run_command(self, argv: list[str], node: Simple, in_place: bool = False,
                    skip_functions: bool = False):
        name = argv[0]
        func = None if skip_functions else self.funcs.get(name)
        if func is not None:
            return (yield from self.call_function(func, argv, node))
        builtin = builtins.BUILTINS.get(name)
        if builtin is not None:
            return (yield from self.run_builtin(builtin, argv, node))
        command = find_command(name)
        if command is None:
            self.not_simulated(name)
        if in_place:
            return (yield from self.exec_external(command, argv, node))
        child_pid = self.fork_task()
        if child_pid is None:
            return FORK_FAILED
        child = self.exec_fork(child_pid)
        gen = child.process_main(child.exec_external(command, argv, node))
        status = yield from self.wait_for(gen, child_pid)
        if self.unreported or self.rt.system.exit_signal(child_pid):
            self.report_job([(child_pid, node if node.words else " ".join(argv), status)])
        return status

    def not_simulated(self, name: str):
        self.rt.aborted = 127
        self.rt.stderr(f"memcglab: {self.lineno}: {name}: not simulated\n".encode(
            "utf-8", "surrogateescape"))
        raise Aborted(127)

    def expansion_failed(self, e: ExpansionError) -> int:
        """An error in an arithmetic command, [[ ]] or a builtin: the command fails."""
        self.error(e.message)
        if e.fatal:
            raise ShellExit(e.status)
        return e.status

    def word_expansion_failed(self, e: ExpansionError):
        """A word of the command failed to expand (or an assignment statement failed):
        the rest of the top-level command is abandoned (subst.c, expand_word_error)."""
        self.expansion_failed(e)
        raise DiscardCommand

    def expand_declaration(self, words: list) -> list[str]:
        """The words of ``declare``/``local``/... with ``name=(...)`` arguments: those
        become ArrayArg strings that carry their elements to the builtin."""
        argv: list[str] = []
        for word in words:
            if type(word) is ArrayAssign:
                argv.append(ArrayArg(word.name, self.array_items_of(word), word.append,
                                     word.raw))
            else:
                argv.extend(self.expand_words([word]))
        return argv

    def assign_values(self, assigns: list) -> list[tuple[str, str]]:
        """Values for assignments in front of a command (they go in its environment)."""
        out = []
        for a in assigns:
            if type(a) is ArrayAssign:
                out.append((a.name, f"({a.raw})"))  # what bash exports for a=(1 2) cmd
                continue
            if a.index is not None:
                raise ExpansionError(f"`{a.name}[{a.index.text}]': not a valid identifier")
            out.append((a.name, self.assign_value(a)))
        return out

    def assign_value(self, a) -> str:
        value = self.expand_word(a.value)
        if a.value.raw.startswith("~"):
            value = self.tilde_prefix(value)
        if a.append:
            value = (self.get_param(a.name) or "") + value
        return value

    def assign(self, a) -> None:
        """Run one assignment of a command made only of assignments."""
        if type(a) is ArrayAssign:
            self.assign_array(a.name, self.array_items_of(a), a.append)
        elif a.index is not None:
            value = self.expand_word(a.value)
            self.assign_element(a.name, a.index, value, a.append)
        else:
            self.setvar(a.name, self.assign_value(a))

    def tilde_prefix(self, value: str) -> str:
        if value == "~" or value.startswith("~/"):
            return self.vars.get("HOME", "/root") + value[1:]
        return value

    def assign_only(self, node: Simple) -> int:
        self.cmdsub_status = None
        try:
            for a in node.assigns:
                self.assign(a)
        except ExpansionError as e:
            self.word_expansion_failed(e)
        status = self.cmdsub_status or 0
        if node.redirs:
            opened = self.open_redirs(node.redirs, self.pid)
            if opened is None:
                return 1
            self.close_files(opened[1])
        return status

    def run_builtin(self, builtin, argv: list[str], node: Simple):
        saved_vars = None
        if node.assigns:
            try:
                values = self.assign_values(node.assigns)
            except ExpansionError as e:
                return self.expansion_failed(e)
            saved_vars = [(n, self.vars.get(n, UNSET)) for n, _ in values]
            for n, v in values:
                self.vars[n] = v
        saved_fds = self.fds
        opened = None
        if node.redirs:
            got = self.open_redirs(node.redirs, self.pid)
            if got is None:
                return 1
            self.fds, opened = got
        if opened is not None and builtin is builtins.b_exec and len(argv) == 1:
            return 0  # `exec >file`: the redirections stay for the rest of the process
        try:
            result = builtin(self, argv)
            if type(result) is not int:
                result = yield from result
            return result
        except ExpansionError as e:  # a variable the builtin sets is readonly (read, printf -v...)
            return self.expansion_failed(e)
        finally:
            if opened is not None:
                self.fds = saved_fds
                self.close_files(opened)
            if saved_vars is not None:
                for n, old in saved_vars:
                    if old is UNSET:
                        self.vars.pop(n, None)
                    else:
                        self.vars[n] = old

    def call_function(self, func: FuncDef, argv: list[str], node: Simple):
        if len(self.locals) >= FUNCNEST:
            self.error(f"{argv[0]}: maximum function nesting level exceeded ({FUNCNEST})")
            return 1
        try:
            values = self.assign_values(node.assigns) if node.assigns else ()
        except ExpansionError as e:
            return self.expansion_failed(e)
        saved_fds = self.fds
        opened = None
        if node.redirs:
            got = self.open_redirs(node.redirs, self.pid)
            if got is None:
                return 1
            self.fds, opened = got
        saved_positional, saved_loops = self.positional, self.loop_depth
        self.positional = argv[1:]
        self.loop_depth = 0
        frame: dict = {}
        self.locals.append(frame)
        for n, v in values:
            self.make_local(n)
            self.vars[n] = v
        try:
            status = yield from self.execute(func.body)
        except FunctionReturn as r:
            status = r.status
        finally:
            self.locals.pop()
            for n, old in frame.items():
                self.restore_var(n, old)
            self.positional, self.loop_depth = saved_positional, saved_loops
            if opened is not None:
                self.fds = saved_fds
                self.close_files(opened)
        return status

    def exec_external(self, command, argv: list[str], node: Simple):
        """In the forked child: redirections, exec(2), then the simulated program."""
        system = self.rt.system
        env_extra = None
        if node.assigns:
            try:
                env_extra = dict(self.assign_values(node.assigns))
            except ExpansionError as e:
                return self.expansion_failed(e)
        opened = None
        if node.redirs:
            got = self.open_redirs(node.redirs, self.pid)
            if got is None:
                return 1
            self.fds, opened = got
        ctx = Context(self, argv, env_extra)
        try:
            try:
                system.exec(self.pid, argv)
                result = command(ctx)
                if type(result) is not int:
                    result = yield from result
                return result
            except WriteError as e:
                ctx.error(f"write error: {e.error.strerror}")
            except UsageError as e:
                ctx.error(str(e))
            except SysError as e:
                ctx.error(e.strerror)
            except ValueError:
                ctx.error("invalid argument")
            return 1
        finally:
            if opened is not None:
                self.close_files(opened)

    # ---- redirections ------------------------------------------------------

    def open_redirs(self, redirs: list, pid: int):
        """Apply redirections to a copy of the fd table: (fds, files to close), or None."""
        fds = dict(self.fds)
        opened: list = []
        system = self.rt.system
        for r in redirs:
            op = r.op
            fd = r.dest_fd
            try:
                flags = FILE_REDIRS.get(op)
                if flags is not None:
                    # the common case (``> file``, ``>> file``, ``< file``): the
                    # target names a file to open on the one descriptor
                    target = r.target.literal
                    if target is None:
                        target = self.redir_target(r)
                    path = self.path(target)
                    if path[:5] == "/dev/":
                        fds[fd] = self._open_redir_stream(path, flags, fds, opened)
                        continue
                    f = system.open(pid, path, flags)
                    opened.append(f)
                    fds[fd] = FileStream(system, f)
                    continue
                if type(r.target) is HereDoc:
                    body = r.target.body
                    text = self.expand_word(body) if body is not None else ""
                    fds[fd] = BytesInput(text.encode("utf-8", "surrogateescape"))
                    continue
                target = self.redir_target(r)
                if op == "<<<":
                    fds[fd] = BytesInput((target + "\n").encode("utf-8", "surrogateescape"))
                    continue
                if op in (">&", "<&") and (target.isdigit() and target.isascii() or target == "-"):
                    if target == "-":
                        fds.pop(fd, None)
                    elif int(target) in fds:
                        fds[fd] = fds[int(target)]
                    else:
                        self.error(f"{target}: Bad file descriptor")
                        self.close_files(opened)
                        return None
                    continue
                flags = REDIR_FLAGS.get(op, O_WRONLY | O_CREAT | O_TRUNC)
                stream = self._open_redir_stream(self.path(target), flags, fds, opened)
                if op in ("&>", "&>>") or (op == ">&" and r.fd is None):
                    fds[1] = fds[2] = stream
                else:
                    fds[fd] = stream
            except SysError as e:
                self.error(f"{self._target_text(r)}: {e.strerror}")
                self.close_files(opened)
                return None
            except ExpansionError as e:
                self.close_files(opened)
                self.word_expansion_failed(e)
        return fds, opened

    def _open_redir_stream(self, path: str, flags: int, fds: dict, opened: list):
        """Open a redirection's file (``fds``: the table being built, for /dev/fd/N);
        a file it opened goes on ``opened``."""
        stream = self.open_stream(path, flags, fds)
        if type(stream) is FileStream:
            opened.append(stream.file)
        return stream

    def _target_text(self, r) -> str:
        try:
            return self.expand_word(r.target)
        except ExpansionError:
            return r.target.raw

    def redir_target(self, r) -> str:
        word = r.target
        if word.literal is not None:
            return word.literal
        if word.plain:
            # (``> $dir/cgroup.procs``) one field, as expand_words() would find
            text = self._expand_plain(word)
            if text is not None:
                return text
        words = self.expand_words([word])
        if len(words) != 1:
            raise ExpansionError(f"{r.target.raw}: ambiguous redirect")
        return words[0]

    def close_files(self, files: list) -> None:
        system = self.rt.system
        for f in files:
            # not contextlib.suppress, which costs more than a try on this path
            # taken by every redirection
            try:  # noqa: SIM105
                system.close(self.pid, f)
            except SysError:
                pass

    def with_redirs(self, redirs: list, run, arg):
        if not redirs:
            return (yield from run(arg))
        mark = len(self.procsubs)
        got = self.open_redirs(redirs, self.pid)
        if got is None:
            return 1
        saved = self.fds
        self.fds, opened = got
        try:
            return (yield from run(arg))
        finally:
            self.fds = saved
            self.close_files(opened)
            if len(self.procsubs) > mark or self.procsub_readers:
                self.close_procsubs(mark)  # (done < <(cmd), } > >(cmd))

    # ---- compound commands -------------------------------------------------------

    def exec_group(self, node: Group):
        return (yield from self.with_redirs(node.redirs, self.exec_cmdlist, node.body))

    def exec_subshell(self, node: Subshell):
        self.tick()
        return (yield from self.run_in_child(node))

    def exec_if(self, node: If):
        return (yield from self.with_redirs(node.redirs, self._if, node))

    def _if(self, node: If):
        for cond, body in node.clauses:
            self.errexit_guard += 1
            try:
                status = yield from self.exec_cmdlist(cond)
            finally:
                self.errexit_guard -= 1
            if status == 0:
                return (yield from self.exec_cmdlist(body))
        if node.orelse is not None:
            return (yield from self.exec_cmdlist(node.orelse))
        return 0

    def _loop_body(self, body: CmdList):
        """Run a loop body; returns (status, 'break'|'continue'|None)."""
        try:
            return (yield from self.exec_cmdlist(body)), None
        except LoopControl as lc:
            if lc.count > 1:
                lc.count -= 1
                raise
            return 0, lc.kind

    def exec_loop(self, node: Loop):
        return (yield from self.with_redirs(node.redirs, self._while, node))

    def _while(self, node: Loop):
        status = 0
        self.loop_depth += 1
        try:
            while True:
                self.tick()
                self.errexit_guard += 1
                try:
                    cond = yield from self.exec_cmdlist(node.cond)
                finally:
                    self.errexit_guard -= 1
                if (cond == 0) == node.until:
                    break
                status, control = yield from self._loop_body(node.body)
                if control == "break":
                    break
        finally:
            self.loop_depth -= 1
        return status

    def exec_for(self, node: For):
        return (yield from self.with_redirs(node.redirs, self._for, node))

    def _for(self, node: For):
        self.lineno = node.line
        if node.words is None:
            words = list(self.positional)
        else:
            try:
                words = self.expand_words(node.words)
            except ExpansionError as e:
                self.word_expansion_failed(e)
        status = 0
        self.loop_depth += 1
        try:
            for word in words:
                self.tick()
                self.setvar(node.var, word)
                status, control = yield from self._loop_body(node.body)
                if control == "break":
                    break
        except ExpansionError as e:
            return self.expansion_failed(e)
        finally:
            self.loop_depth -= 1
        return status

    def exec_arith_for(self, node: ArithFor):
        return (yield from self.with_redirs(node.redirs, self._arith_for, node))

    def _arith_for(self, node: ArithFor):
        self.lineno = node.line
        status = 0
        self.loop_depth += 1
        try:
            if node.init:
                self.arith(node.init)
            while True:
                self.tick()
                if node.cond and self.arith(node.cond) == "0":
                    break
                status, control = yield from self._loop_body(node.body)
                if control == "break":
                    break
                if node.step:
                    self.arith(node.step)
        except ExpansionError as e:
            return self.expansion_failed(e)
        finally:
            self.loop_depth -= 1
        return status

    def exec_case(self, node: Case):
        return (yield from self.with_redirs(node.redirs, self._case, node))

    def _case(self, node: Case):
        self.lineno = node.line
        try:
            value = self.expand_word(node.word)
            items = node.items
            i = 0
            while i < len(items):
                patterns, body, term = items[i]
                if any(pattern.match(self.expand_pattern(p), value) for p in patterns):
                    status = yield from self.exec_cmdlist(body)
                    while term == ";&" and i + 1 < len(items):
                        i += 1
                        _, body, term = items[i]
                        status = yield from self.exec_cmdlist(body)
                    if term != ";;&":
                        return status
                i += 1
        except ExpansionError as e:
            self.word_expansion_failed(e)
        return 0

    def exec_arith_cmd(self, node: ArithCmd):
        self.tick()
        self.lineno = node.line
        try:
            return 0 if self.arith(node.expr) != "0" else 1
        except ExpansionError as e:
            e.message = "((: " + e.message
            return self.expansion_failed(e)
        yield  # a generator like every exec_* method

    def exec_cond(self, node: CondCmd):
        self.tick()
        self.lineno = node.line
        try:
            return eval_cond(self, node.words)
        except CondError as e:
            self.error(str(e))
            return 2
        except ExpansionError as e:
            return self.expansion_failed(e)
        yield

    def exec_funcdef(self, node: FuncDef):
        self.funcs[node.name] = node
        return 0
        yield


def exec_target(items: list, lone_redirects: bool) -> Simple | None:
    """The simple command that bash execs in place of a subshell rather than forking
    once more for it (bash 5.2: execute_in_subshell(); builtins/evalstring.c
    optimize_subshell_command(), optimize_connection_fork(), should_suppress_fork()).

    ``items`` are a ``( )`` subshell's whole body, or the last line of a ``$( )``
    or ``bash -c`` text (bash runs those a line at a time). The target is the one
    simple command there (with redirections only where ``lone_redirects`` allows:
    a ``( )`` subshell), or the command after the last ``;``, ``&&`` or ``||``
    when it is a simple command without redirections. Not after ``&``, nor when an
    and-or list follows a ``;``: bash's tree then has a connection, not a command,
    on the right. A trap set by the time it runs still makes bash fork
    (exec_simple()).
    """
    if not items or items[-1][1]:
        return None
    last = items[-1][0]
    if len(items) == 1:
        if type(last) is Simple:
            return last if lone_redirects or not last.redirs else None
        if type(last) is not AndOr:
            return None
        last = last.rest[-1][1]
    elif items[-2][1]:
        return None
    return last if type(last) is Simple and not last.redirs else None


def pipe_to(reader) -> PipeBuffer:
    """A pipe buffer sized for its reader: ``head`` stops reading early."""
    if type(reader) is Simple and reader.words and reader.words[0].literal == "head" \
            and all(w.literal is not None for w in reader.words):
        args = [w.literal for w in reader.words[1:]]
        mode, count = "n", "10"
        if len(args) == 2 and args[0] in ("-n", "-c"):
            mode, count = args[0][1], args[1]
        elif len(args) == 1 and args[0][:2] in ("-n", "-c") and len(args[0]) > 2:
            mode, count = args[0][1], args[0][2:]
        elif len(args) == 1 and args[0][1:].isdigit() and args[0][0] == "-":
            count = args[0][1:]
        elif args:
            return PipeBuffer()
        if count.isdigit() and count.isascii():
            if mode == "c":
                return PipeBuffer(cap=max(int(count), 1))
            return PipeBuffer(line_limit=int(count))
    return PipeBuffer()


REDIR_FLAGS = {
    ">": O_WRONLY | O_CREAT | O_TRUNC,
    ">|": O_WRONLY | O_CREAT | O_TRUNC,
    ">>": O_WRONLY | O_CREAT | O_APPEND,
    "&>": O_WRONLY | O_CREAT | O_TRUNC,
    "&>>": O_WRONLY | O_CREAT | O_APPEND,
    ">&": O_WRONLY | O_CREAT | O_TRUNC,
    "<": O_RDONLY,
    "<&": O_RDONLY,
    "<>": O_RDWR | O_CREAT,
}

# The operators whose target is always a file opened on one descriptor
# (not ``>&``, ``<&``: their target may name a descriptor; not ``&>``, ``&>>``:
# they set two).
FILE_REDIRS = {op: REDIR_FLAGS[op] for op in (">", ">|", ">>", "<", "<>")}

EXEC = {
    CmdList: Process.exec_cmdlist,
    AndOr: Process.exec_andor,
    Pipeline: Process.exec_pipeline,
    Simple: Process.exec_simple,
    Group: Process.exec_group,
    Subshell: Process.exec_subshell,
    If: Process.exec_if,
    Loop: Process.exec_loop,
    For: Process.exec_for,
    ArithFor: Process.exec_arith_for,
    Case: Process.exec_case,
    ArithCmd: Process.exec_arith_cmd,
    CondCmd: Process.exec_cond,
    FuncDef: Process.exec_funcdef,
}
