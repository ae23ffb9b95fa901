"""Syntax tree of a shell script: word parts and command nodes.

Nodes are plain slotted classes; the parser builds them once and the
interpreter walks them many times (a loop body is parsed once), so anything
that can be worked out ahead of time is kept on the node.
"""

from __future__ import annotations


class Node:
    __slots__ = ()

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__slots__)
        return f"{type(self).__name__}({fields})"


# ---- word parts ---------------------------------------------------------


class Lit(Node):
    """Unquoted literal text (subject to brace expansion and globbing)."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text


class Quoted(Node):
    """Text that came from quotes or a backslash: never split or globbed."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text


class DQ(Node):
    """A double-quoted string: its expansions are not split or globbed."""

    __slots__ = ("parts",)

    def __init__(self, parts: list):
        self.parts = parts


class Tilde(Node):
    """A leading ``~`` or ``~user``."""

    __slots__ = ("user",)

    def __init__(self, user: str):
        self.user = user


class Param(Node):
    """``$name`` or ``${name OP arg}``; ``op`` is None for a plain reference.

    ``index`` is set for an array reference ``${name[...]}``: ``"@"`` or
    ``"*"`` for all elements, else the subscript as an Arith node (for an
    associative array it is expanded as a key instead). ``${!a[i]}`` has the
    name ``!a``: the element names the parameter.
    """

    __slots__ = ("name", "op", "arg", "arg2", "index")

    def __init__(self, name: str, op: str | None = None, arg=None, arg2=None, index=None):
        self.name = name
        self.op = op
        self.arg = arg
        self.arg2 = arg2
        self.index = index


class CmdSub(Node):
    """``$(...)`` or a backquoted command."""

    __slots__ = ("body",)

    def __init__(self, body):
        self.body = body


class ProcSub(Node):
    """``<(...)`` or ``>(...)``: ``op`` is ``"<"`` (the word names the command's
    output) or ``">"`` (the word names its input)."""

    __slots__ = ("body", "op")

    def __init__(self, body, op: str):
        self.body = body
        self.op = op


class Arith(Node):
    """``$((...))``: ``text`` is evaluated after its own $-expansions."""

    __slots__ = ("text", "line", "word", "key")

    def __init__(self, text: str, line: int):
        self.text = text
        self.line = line
        self.word = None  # the text parsed as a word, when it needs expanding
        self.key = None  # a subscript's text parsed as an associative array's key


GLOB_OR_BRACE = frozenset("*?[{")  # characters that keep unquoted text from being literal


class Word(Node):
    """One shell word. ``literal`` is set when the word expands to itself.

    ``plain`` says the word is only literal text and plain ``$name`` references
    (not ``$@``, ``$*``, ``${!name}``), where the expander's fast path may
    apply; ``one_param`` is ``(head, name, tail)`` when such a word has exactly
    one reference (``test$i``, ``$$``): its value goes between two fixed texts.
    """

    __slots__ = ("parts", "raw", "literal", "braced", "plain", "one_param")

    def __init__(self, parts: list, raw: str):
        self.parts = parts
        self.raw = raw
        self.literal = None
        self.braced = None  # brace-expanded words, computed on first use
        self.one_param = None
        if len(parts) == 1 and type(parts[0]) is Lit:
            text = parts[0].text
            if GLOB_OR_BRACE.isdisjoint(text):
                self.literal = text
        elif all(type(p) is Quoted for p in parts):
            self.literal = "".join(p.text for p in parts)
        if self.literal is not None:
            self.plain = True  # (most words: no need to look at the parts again)
            return
        self.plain = all(
            (type(p) is Lit and GLOB_OR_BRACE.isdisjoint(p.text))
            or type(p) is Quoted
            or (type(p) is Param and p.op is None and p.name not in "@*"
                and not p.name.startswith("!") and p.index is None)
            for p in parts
        )
        if self.plain:
            params = [i for i, p in enumerate(parts) if type(p) is Param]
            if len(params) == 1:
                i = params[0]
                self.one_param = ("".join(p.text for p in parts[:i]), parts[i].name,
                                  "".join(p.text for p in parts[i + 1:]))


# ---- commands -----------------------------------------------------------


class Assign(Node):
    """``name=value``, ``name+=value``, or ``name[index]=value`` (index an Arith)."""

    __slots__ = ("name", "value", "append", "index")

    def __init__(self, name: str, value: Word, append: bool, index=None):
        self.name = name
        self.value = value
        self.append = append
        self.index = index


class ArrayAssign(Node):
    """``name=(words)`` or ``name+=(words)``.

    ``items`` is a list of (index, word): index is an Arith for a ``[i]=word``
    element, else None (the next index). ``raw`` is the text between the
    parentheses, which is what bash puts in a command's environment for
    ``a=(1 2) cmd``.
    """

    __slots__ = ("name", "items", "append", "raw", "line")

    def __init__(self, name: str, items: list, append: bool, raw: str, line: int):
        self.name = name
        self.items = items
        self.append = append
        self.raw = raw
        self.line = line


class HereDoc(Node):
    """A here-document; the lexer fills ``body`` when it reaches the next line."""

    __slots__ = ("delim", "strip_tabs", "quoted", "body", "line")

    def __init__(self, delim: str, strip_tabs: bool, quoted: bool, line: int):
        self.delim = delim
        self.strip_tabs = strip_tabs
        self.quoted = quoted
        self.body: Word | None = None
        self.line = line


class Redir(Node):
    """``fd OP target``; ``target`` is a Word, or a HereDoc for ``<<``.

    ``dest_fd`` is the descriptor it sets: ``fd``, or by default 0 for the
    ``<`` operators and 1 for the others.
    """

    __slots__ = ("fd", "op", "target", "dest_fd")

    def __init__(self, fd: int | None, op: str, target):
        self.fd = fd
        self.op = op
        self.target = target
        self.dest_fd = fd if fd is not None else (0 if op[0] == "<" else 1)


class Simple(Node):
    """A simple command. ``words`` may hold ArrayAssign nodes after ``declare``,
    ``typeset`` or ``local`` (``local a=(1 2)``); ``arrays`` says so, so that
    other commands keep the plain expansion path."""

    __slots__ = ("assigns", "words", "redirs", "line", "arrays")

    def __init__(self, assigns: list, words: list, redirs: list, line: int):
        self.assigns = assigns
        self.words = words
        self.redirs = redirs
        self.line = line
        self.arrays = any(type(w) is ArrayAssign for w in words)


class Pipeline(Node):
    """``[time] [!] cmd | cmd ...``."""

    __slots__ = ("cmds", "negate", "line", "timed")

    def __init__(self, cmds: list, negate: bool, line: int, timed: bool = False):
        self.cmds = cmds
        self.negate = negate
        self.line = line
        self.timed = timed


class AndOr(Node):
    """``first (&&|| rest)*``: ``rest`` is a list of (op, pipeline)."""

    __slots__ = ("first", "rest")

    def __init__(self, first, rest: list):
        self.first = first
        self.rest = rest


class CmdList(Node):
    """Commands run in order: ``items`` is a list of (and_or, background);
    ``items[last_line:]`` are those on the list's last line."""

    __slots__ = ("items", "last_line")

    def __init__(self, items: list, last_line: int = 0):
        self.items = items
        self.last_line = last_line


class Compound(Node):
    """Base of commands that may carry trailing redirections."""

    __slots__ = ()


class Group(Compound):
    __slots__ = ("body", "redirs", "line")

    def __init__(self, body: CmdList, line: int):
        self.body = body
        self.redirs: list = []
        self.line = line


class Subshell(Compound):
    __slots__ = ("body", "redirs", "line")

    def __init__(self, body: CmdList, line: int):
        self.body = body
        self.redirs: list = []
        self.line = line


class If(Compound):
    """``clauses`` is a list of (condition, body); ``orelse`` may be None."""

    __slots__ = ("clauses", "orelse", "redirs", "line")

    def __init__(self, clauses: list, orelse, line: int):
        self.clauses = clauses
        self.orelse = orelse
        self.redirs: list = []
        self.line = line


class Loop(Compound):
    """``while`` (until=False) or ``until`` loop."""

    __slots__ = ("cond", "body", "until", "redirs", "line")

    def __init__(self, cond: CmdList, body: CmdList, until: bool, line: int):
        self.cond = cond
        self.body = body
        self.until = until
        self.redirs: list = []
        self.line = line


class For(Compound):
    """``for var in words``; ``words`` None means ``"$@"``."""

    __slots__ = ("var", "words", "body", "redirs", "line")

    def __init__(self, var: str, words, body: CmdList, line: int):
        self.var = var
        self.words = words
        self.body = body
        self.redirs: list = []
        self.line = line


class ArithFor(Compound):
    """``for ((init; cond; step))``: each part an Arith, or None when empty."""

    __slots__ = ("init", "cond", "step", "body", "redirs", "line")

    def __init__(self, init, cond, step, body: CmdList, line: int):
        self.init = init
        self.cond = cond
        self.step = step
        self.body = body
        self.redirs: list = []
        self.line = line


class Case(Compound):
    """``items`` is a list of (patterns, body, terminator)."""

    __slots__ = ("word", "items", "redirs", "line")

    def __init__(self, word: Word, items: list, line: int):
        self.word = word
        self.items = items
        self.redirs: list = []
        self.line = line


class ArithCmd(Compound):
    """``(( expr ))``: status 0 when the value is non-zero."""

    __slots__ = ("expr", "redirs", "line")

    def __init__(self, expr: Arith, line: int):
        self.expr = expr
        self.redirs: list = []
        self.line = line


class CondCmd(Compound):
    """``[[ ... ]]``: the words are evaluated like ``test`` with bash extras."""

    __slots__ = ("words", "redirs", "line")

    def __init__(self, words: list, line: int):
        self.words = words
        self.redirs: list = []
        self.line = line


class FuncDef(Node):
    __slots__ = ("name", "body", "line")

    def __init__(self, name: str, body, line: int):
        self.name = name
        self.body = body
        self.line = line
