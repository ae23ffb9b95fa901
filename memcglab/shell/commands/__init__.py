"""Simulated external programs (coreutils and friends).

Each program is a function taking a :class:`Context` and returning its exit
status (or a generator, for the ones that block or run other commands). It
runs in the forked child: every System call names the child's pid, so its
I/O is charged to the child's cgroup. Messages follow GNU coreutils' shapes.
"""

from __future__ import annotations

import contextlib

from ..streams import CLOSED
from ..system import O_RDONLY, SysError

CHUNK = 65536
BIN_DIRS = frozenset(["/bin", "/usr/bin", "/sbin", "/usr/sbin", "/usr/local/bin",
                      "/usr/local/sbin"])


class WriteError(Exception):
    """Writing standard output failed (reported as ``NAME: write error: ...``)."""

    def __init__(self, error: SysError):
        super().__init__(error.errno)
        self.error = error


class UsageError(Exception):
    """A bad command line: the message is printed as ``NAME: message``."""


class Context:
    """What a simulated program sees: its argv, pid, cwd, fds and the System."""

    __slots__ = ("proc", "system", "pid", "argv", "name", "env_extra")

    def __init__(self, proc, argv: list[str], env_extra: dict | None = None):
        self.proc = proc
        self.system = proc.rt.system
        self.pid = proc.pid
        self.argv = argv
        self.name = argv[0]
        self.env_extra = env_extra

    @property
    def cwd(self) -> str:
        return self.proc.cwd

    def path(self, name: str) -> str:
        return self.proc.path(name)

    def write(self, data: bytes) -> None:
        try:
            self.proc.fds.get(1, CLOSED).write(self.pid, data)
        except SysError as e:
            raise WriteError(e) from None

    def out(self, text: str) -> None:
        self.write(text.encode("utf-8", "surrogateescape"))

    def err(self, text: str) -> None:
        with contextlib.suppress(SysError):
            self.proc.fds.get(2, CLOSED).write(self.pid, text.encode("utf-8", "surrogateescape"))

    def error(self, message: str) -> None:
        self.err(f"{self.name}: {message}\n")

    def env(self) -> dict[str, str]:
        return self.proc.environ(self.env_extra)

    def read_stream(self, stream) -> bytes:
        chunks = []
        while True:
            self.proc.tick()
            data = stream.read(self.pid, CHUNK)
            if not data:
                return b"".join(chunks)
            chunks.append(data)

    def stdin(self) -> bytes:
        try:
            return self.read_stream(self.proc.fds.get(0, CLOSED))
        except SysError:
            return b""

    def open(self, name: str, flags: int):
        """Open ``name`` as a Stream (/dev/fd/N included); raises SysError."""
        return self.proc.open_stream(self.path(name), flags)

    def read_file(self, name: str) -> bytes:
        """The whole content of ``name`` (``-`` is stdin); raises SysError."""
        if name == "-":
            return self.stdin()
        stream = self.open(name, O_RDONLY)
        try:
            return self.read_stream(stream)
        finally:
            stream.close(self.pid)

    def inputs(self, names: list[str]):
        """(name, bytes or None) for each input file, printing ``NAME: file: error``."""
        for name in names or ["-"]:
            try:
                yield name, self.read_file(name)
            except SysError as e:
                self.error(f"{name}: {e.strerror}")
                yield name, None

    def sleep(self, seconds: float):
        return self.proc.sleep(seconds)


COMMANDS: dict = {}


def command(*names: str):
    def register(fn):
        for name in names:
            COMMANDS[name] = fn
        return fn

    return register


def find_command(name: str):
    """The simulated program ``name`` runs, or None."""
    fn = COMMANDS.get(name)
    if fn is not None:
        return fn
    if "/" in name:
        head, _, base = name.rpartition("/")
        if head in BIN_DIRS:
            return COMMANDS.get(base)
        return COMMANDS.get("<script>")
    return None


def split_options(args: list[str], with_value: str = "") -> tuple[dict, list[str]]:
    """Parse short options: ``-abc``, ``-n 5``/``-n5`` for letters in ``with_value``."""
    opts: dict[str, str | bool] = {}
    rest: list[str] = []
    remaining = iter(args)  # an option's value may be the next argument
    for arg in remaining:
        if arg[:1] != "-" or arg == "-" or arg[1].isdigit():
            rest.append(arg)  # an operand ("-" is stdin; "-5" a negative number)
        elif arg == "--":
            rest.extend(remaining)
            break
        elif arg[1] == "-":
            key, eq, value = arg[2:].partition("=")
            opts["--" + key] = value if eq else True
        else:
            j = 1
            while j < len(arg):
                letter = arg[j]
                if letter in with_value:
                    value = arg[j + 1:] or next(remaining, None)
                    if value is None:
                        raise UsageError(f"option requires an argument -- '{letter}'")
                    opts[letter] = value
                    break
                opts[letter] = True
                j += 1
    return opts, rest


from . import awk, files, procs, textproc  # noqa: E402,F401  (registers the programs)
