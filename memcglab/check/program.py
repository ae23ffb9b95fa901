"""The step language: threads as small programs of atomic steps.

A thread is a straight list of instructions with a program counter and a few
thread-local registers.  Each instruction is one atomic step of the
interleaving: the explorer may switch threads between any two steps, never
inside one.  Control flow is explicit (labels, ``goto``), so a retry loop
such as the one in ``folio_lruvec_lock()`` is a real loop the explorer can go
round, not a Python loop hidden inside a step.

Instructions know nothing about the explorer; the explorer knows nothing
about memory cgroups.  The world an instruction acts on is any object with
``clone()``, ``key()``, ``check()`` and ``final_check()`` (see
:class:`World`), which is how the engine is tested on a toy model too.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Violation:
    """A failed check: ``check`` is a short stable name, ``message`` says what went wrong."""

    check: str
    message: str


class World(Protocol):
    """Shared state the threads act on."""

    def clone(self) -> World: ...

    def key(self) -> Hashable:
        """A canonical, hashable summary: equal keys mean equal states."""
        ...

    def check(self) -> list[Violation]:
        """Invariants that must hold after every step."""
        ...

    def final_check(self) -> list[Violation]:
        """Properties that must hold once every thread has finished."""
        ...


@dataclass
class Ctx:
    """What an instruction sees of its own thread while it runs."""

    thread: str
    regs: dict[str, Any]
    violations: list[Violation] = field(default_factory=list)
    jump: str | None = None

    def flag(self, check: str, message: str) -> None:
        self.violations.append(Violation(check, message))


@dataclass(frozen=True)
class Reg:
    """An operand read from a thread-local register instead of a literal."""

    name: str

    def __str__(self) -> str:
        return self.name


def resolve(ctx: Ctx, operand: Any) -> Any:
    return ctx.regs.get(operand.name) if isinstance(operand, Reg) else operand


class Instr:
    """One atomic step.

    ``goto`` names the label to continue at after this step (default: the next
    instruction).  A conditional step names its target in ``branch`` and
    takes it by setting ``ctx.jump``.
    """

    goto: str | None = None
    branch: str | None = None

    def blocked_on(self, world: Any, ctx: Ctx) -> str | None:
        """Why the thread cannot take this step now (e.g. a held lock), or None."""
        return None

    def run(self, world: Any, ctx: Ctx) -> str:
        """Apply the step to ``world`` (a private copy) and return its trace text."""
        raise NotImplementedError


@dataclass(frozen=True)
class Label:
    name: str


@dataclass
class Program:
    """A thread's code.

    ``cold`` holds out-of-line blocks, reached only by a jump, like the
    ``unlikely()`` paths of kernel code; each must end in a ``goto``.  They
    are laid out first, so ``body`` starts at ``entry`` and the thread is
    finished when it runs off the end of the list.  Both may contain
    :class:`Label` markers and nested lists.
    """

    name: str
    role: str
    instrs: list[Instr]
    labels: dict[str, int]
    entry: int

    @classmethod
    def build(cls, name: str, role: str, body: Iterable, cold: Iterable = ()) -> Program:
        instrs: list[Instr] = []
        labels: dict[str, int] = {}

        def add(items: Iterable) -> None:
            for item in items:
                if isinstance(item, Label):
                    if item.name in labels:
                        raise ValueError(f"{name}: duplicate label {item.name}")
                    labels[item.name] = len(instrs)
                elif isinstance(item, Instr):
                    instrs.append(item)
                else:
                    add(item)

        add(cold)
        entry = len(instrs)
        add(body)
        if entry and instrs[entry - 1].goto is None:
            raise ValueError(f"{name}: out-of-line code must end in a goto")
        for instr in instrs:
            for target in (instr.goto, instr.branch):
                if target is not None and target not in labels:
                    raise ValueError(f"{name}: undefined label {target}")
        return cls(name, role, instrs, labels, entry)
