"""Helpers shared by the shell tests: run a script on a fresh FakeSystem."""

from __future__ import annotations

from dataclasses import dataclass

from fakesys import FakeSystem

from memcglab.shell import Shell


@dataclass
class Result:
    out: str
    err: str
    status: int
    fs: FakeSystem
    pid: int
    shell: Shell


def run(script: str, fs: FakeSystem | None = None, **kwargs) -> Result:
    fs = fs or FakeSystem()
    pid = kwargs.pop("pid", None) or fs.spawn()
    out: list[bytes] = []
    err: list[bytes] = []
    shell = Shell(fs, pid, stdout=out.append, stderr=err.append, **kwargs)
    status = shell.run(script)
    return Result(b"".join(out).decode(), b"".join(err).decode(), status, fs, pid, shell)
