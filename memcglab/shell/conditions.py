"""Conditional expressions: the ``test``/``[`` builtin and bash's ``[[ ... ]]``."""

from __future__ import annotations

import re
import stat

from . import pattern
from .expand import ExpansionError
from .nodes import Word
from .system import SysError

UNARY_FILE = frozenset("efdsrwxLhpSbcugkOGN")
UNARY = frozenset("-" + c for c in UNARY_FILE) | {"-z", "-n", "-t", "-v", "-o"}
BINARY = frozenset(["=", "==", "!=", "<", ">", "-eq", "-ne", "-lt", "-le", "-gt", "-ge",
                    "-nt", "-ot", "-ef", "=~"])


class CondError(Exception):
    """A malformed expression (status 2)."""


class _Evaluator:
    """Recursive descent over a list of operands/operators.

    For ``test`` the items are strings. For ``[[`` they are Words (operands,
    expanded without splitting) or strings (the operators ``&& || ( ) < >``).
    """

    def __init__(self, proc, items: list, double: bool, name: str):
        self.proc = proc
        self.items = items
        self.double = double
        self.name = name
        self.i = 0

    def text(self, i: int) -> str | None:
        """Item ``i`` as an operator candidate (only unquoted words count in [[ ]])."""
        if i >= len(self.items):
            return None
        item = self.items[i]
        if type(item) is str:
            return item
        return item.raw

    def value(self, i: int) -> str:
        item = self.items[i]
        if type(item) is Word:
            return self.proc.expand_word(item)
        return item

    def run(self) -> bool:
        if not self.items:
            return False
        if not self.double and len(self.items) <= 4:
            return self.posix()
        result = self.expr()
        if self.i != len(self.items):
            raise CondError(f"{self.name}: syntax error near `{self.text(self.i)}'"
                            if self.double else "too many arguments")
        return result

    def posix(self) -> bool:
        """test's rules by argument count (they resolve the ambiguous cases)."""
        n = len(self.items)
        t = self.items
        if n == 1:
            return t[0] != ""
        if n == 2:
            if t[0] == "!":
                return t[1] == ""
            if t[0] in UNARY:
                return self.unary(t[0], t[1])
            raise CondError(f"{t[0]}: unary operator expected")
        if n == 3:
            if t[1] in BINARY and t[1] != "=~":
                return self.binary(t[0], t[1], t[2])
            if t[0] == "!":
                self.items = t[1:]
                return not self.posix()
            if t[0] == "(" and t[2] == ")":
                return t[1] != ""
            if t[1] in ("-a", "-o"):
                return self.expr()
            raise CondError(f"{t[1]}: binary operator expected")
        if t[0] == "!":
            self.items = t[1:]
            return not self.posix()
        if t[0] == "(" and t[3] == ")":
            self.items = t[1:3]
            return self.posix()
        result = self.expr()
        if self.i != len(self.items):
            raise CondError("too many arguments")
        return result

    def expr(self) -> bool:
        result = self.and_expr()
        while self.text(self.i) == ("||" if self.double else "-o"):
            self.i += 1
            right = self.and_expr()
            result = result or right
        return result

    def and_expr(self) -> bool:
        result = self.not_expr()
        while self.text(self.i) == ("&&" if self.double else "-a"):
            self.i += 1
            right = self.not_expr()
            result = result and right
        return result

    def not_expr(self) -> bool:
        if self.text(self.i) == "!" and self.i + 1 < len(self.items):
            self.i += 1
            return not self.not_expr()
        return self.primary()

    def primary(self) -> bool:
        i = self.i
        tok = self.text(i)
        if tok is None:
            raise CondError(f"{self.name}: argument expected" if not self.double
                            else "unexpected argument to conditional expression")
        if tok == "(":
            self.i += 1
            result = self.expr()
            if self.text(self.i) != ")":
                raise CondError("`)' expected")
            self.i += 1
            return result
        op = self.text(i + 1)
        if op in BINARY and i + 2 < len(self.items):
            self.i += 3
            return self.binary_items(i, op)
        if tok in UNARY and i + 1 < len(self.items):
            self.i += 2
            return self.unary(tok, self.value(i + 1))
        self.i += 1
        return self.value(i) != ""

    def binary_items(self, i: int, op: str) -> bool:
        left = self.value(i)
        right_item = self.items[i + 2]
        if self.double and op in ("==", "=", "!=") and type(right_item) is Word:
            matched = pattern.match(self.proc.expand_pattern(right_item), left)
            return matched if op != "!=" else not matched
        if op == "=~":
            try:
                return re.search(self.value(i + 2), left) is not None
            except re.error:
                raise CondError("invalid regular expression") from None
        return self.binary(left, op, self.value(i + 2))

    def binary(self, left: str, op: str, right: str) -> bool:
        if op in ("=", "=="):
            return left == right
        if op == "!=":
            return left != right
        if op == "<":
            return left < right
        if op == ">":
            return left > right
        if op in ("-nt", "-ot", "-ef"):
            a, b = self.stat(left), self.stat(right)
            if op == "-ef":
                return a is not None and b is not None and a.ino == b.ino
            if op == "-nt":
                return a is not None and (b is None or a.mtime > b.mtime)
            return b is not None and (a is None or a.mtime < b.mtime)
        a, b = self.integer(left), self.integer(right)
        return {"-eq": a == b, "-ne": a != b, "-lt": a < b, "-le": a <= b,
                "-gt": a > b, "-ge": a >= b}[op]

    def integer(self, text: str) -> int:
        stripped = text.strip()
        if self.double:  # [[ ]] evaluates the operands as arithmetic
            try:
                return self.proc.arith_text(stripped or "0")
            except ExpansionError as e:
                e.message = "[[: " + e.message
                raise
        try:
            value = int(stripped)
        except ValueError:
            raise CondError(f"{text}: integer expression expected") from None
        if not -(1 << 63) <= value < 1 << 63:  # legal_number() wants an intmax_t
            raise CondError(f"{text}: integer expression expected")
        return value

    def stat(self, path: str):
        if not path:
            return None
        try:
            return self.proc.stat_path(self.proc.path(path))
        except SysError:
            return None

    def unary(self, op: str, arg: str) -> bool:
        if op == "-z":
            return arg == ""
        if op == "-n":
            return arg != ""
        if op == "-t":
            return False
        if op == "-v":
            return self.proc.is_set(arg)
        if op == "-o":
            return bool(getattr(self.proc.opts, arg, False))
        st = self.stat(arg)
        if st is None:
            return False
        if op == "-f":
            return not st.is_dir and not stat.S_ISFIFO(st.mode)
        if op == "-p":
            return stat.S_ISFIFO(st.mode)
        if op == "-d":
            return st.is_dir
        if op == "-s":
            return st.size > 0
        return op not in ("-L", "-h", "-p", "-S", "-b", "-c", "-u", "-g", "-k")


def eval_test(proc, args: list[str], name: str = "test") -> int:
    """``test``/``[`` on already-expanded arguments: 0 true, 1 false, 2 error."""
    try:
        return 0 if _Evaluator(proc, args, False, name).run() else 1
    except CondError as e:
        proc.error(f"{name}: {e}")
        return 2
    except ExpansionError as e:  # -v's subscript: reported like any failed expansion
        return proc.expansion_failed(e)


def eval_cond(proc, words: list) -> int:
    """``[[ ... ]]``: raises CondError on a malformed expression."""
    return 0 if _Evaluator(proc, words, True, "[[").run() else 1
