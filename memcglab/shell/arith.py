"""Shell arithmetic: ``$((...))``, ``((...))``, ``let`` and C-style ``for``.

Expressions are parsed once into tuples (cached by text) and evaluated with
64-bit wrap-around like bash. Variables are read and written through the
``get``/``set`` functions passed to ``evaluate``; an array element is named
``a[3]`` there, its index already evaluated, or for an associative array
(``assoc(name)`` true) ``m[key]`` with the subscript's text as the key.
"""

from __future__ import annotations

import re
from functools import lru_cache


class ArithError(Exception):
    """An arithmetic error; ``str()`` is bash's message after ``EXPR: ``, where
    EXPR is ``expr`` when set (an array subscript's own text), else the whole
    expression."""

    def __init__(self, message: str, expr: str | None = None):
        super().__init__(message)
        self.expr = expr


_TOKEN = re.compile(
    r"\s*(?:(?P<num>0[xX][0-9a-fA-F]+|[0-9]+#[0-9a-zA-Z@_]+|[0-9]+)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>\*\*=|<<=|>>=|\+\+|--|\*\*|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&^|]=|[-+*/%<>=!~&^|?:,()\[\]]))"
)
ASSIGN_OPS = frozenset(["=", "*=", "/=", "%=", "+=", "-=", "<<=", ">>=", "&=", "^=", "|="])
BINARY = [  # lowest to highest precedence, after ?: and assignment
    ("||",), ("&&",), ("|",), ("^",), ("&",), ("==", "!="), ("<=", ">=", "<", ">"),
    ("<<", ">>"), ("+", "-"), ("*", "/", "%"),
]


BASE_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ@_"


def _wrap(value: int) -> int:
    value &= 0xFFFFFFFFFFFFFFFF
    return value - (1 << 64) if value >= 1 << 63 else value


def parse_number(text: str) -> int:
    """A constant as bash reads it: accumulated in an intmax_t, so past 64 bits it wraps
    (99999999999999999999 is 7766279631452241919)."""
    return _wrap(_constant(text))


def _constant(text: str) -> int:
    if text.startswith(("0x", "0X")):
        return int(text[2:], 16)
    if "#" in text:
        base_text, digits = text.split("#", 1)
        base = int(base_text)
        if not 2 <= base <= 64:
            raise ArithError(f"invalid arithmetic base (error token is \"{text}\")")
        value = 0
        for ch in digits:
            # up to base 36 letters of either case are 10-35; @ and _ are 62 and 63 in any
            # base, too great below 63 (int(ch, 36) raised ValueError for them)
            d = BASE_DIGITS.index(ch.lower() if base <= 36 else ch)
            if d >= base:
                raise ArithError(f"value too great for base (error token is \"{text}\")")
            value = value * base + d
        return value
    if len(text) > 1 and text.startswith("0"):
        try:
            return int(text, 8)
        except ValueError:
            raise ArithError(
                f"value too great for base (error token is \"{text}\")") from None
    return int(text)


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens: list[tuple[str, str, int]] = []
        pos = 0
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if m is None or m.end() == pos:
                if text[pos:].strip() == "":
                    break
                token = text[pos:].strip()
                raise ArithError(
                    f"syntax error: invalid arithmetic operator (error token is \"{token}\")")
            kind = m.lastgroup
            self.tokens.append((kind, m.group(kind), m.start(kind)))
            pos = m.end()
            if kind == "name" and text.startswith("[", pos):
                # name[subscript]: kept as text, an expression or (for an
                # associative array) a key, as bash skips to the matching ]
                close = _closing_bracket(text, pos)
                if close < 0:
                    raise ArithError("bad array subscript (error token is "
                                     f"\"{text[m.start(kind):].strip()}\")")
                self.tokens.append(("sub", text[pos + 1:close], pos))
                pos = close + 1
        self.i = 0

    def peek(self) -> str | None:
        return self.tokens[self.i][1] if self.i < len(self.tokens) else None

    def rest(self) -> str:
        if self.i >= len(self.tokens):
            return self.tokens[-1][1] if self.tokens else ""
        return self.text[self.tokens[self.i][2]:].lstrip()  # bash keeps trailing blanks

    def fail(self, what: str = "operand expected"):
        if not what.startswith("syntax error"):
            what = "syntax error: " + what
        raise ArithError(f"{what} (error token is \"{self.rest()}\")")

    def parse(self):
        if not self.tokens:
            return ("num", 0)
        node = self.comma()
        if self.i < len(self.tokens):
            self.fail("syntax error in expression" if self.tokens[self.i][0] != "op"
                      else "invalid arithmetic operator")
        return node

    def comma(self):
        node = self.assign()
        while self.peek() == ",":
            self.i += 1
            node = ("comma", node, self.assign())
        return node

    def assign(self):
        start = self.i
        if start < len(self.tokens) and self.tokens[start][0] == "name":
            name = self.lvalue()
            op = self.peek()
            if op in ASSIGN_OPS:
                self.i += 1
                return ("assign", op, name, self.assign())
            self.i = start
        return self.ternary()

    def lvalue(self):
        """A variable at the current name token: its name, or ("elem", name, text)
        for an array element ``name[text]``."""
        name = self.tokens[self.i][1]
        self.i += 1
        if self.i < len(self.tokens) and self.tokens[self.i][0] == "sub":
            self.i += 1
            return ("elem", name, self.tokens[self.i - 1][1])
        return name

    def ternary(self):
        cond = self.binary(0)
        if self.peek() == "?":
            self.i += 1
            yes = self.assign()
            if self.peek() != ":":
                self.fail("`:' expected for conditional expression")
            self.i += 1
            no = self.assign()
            return ("cond", cond, yes, no)
        return cond

    def binary(self, level: int):
        if level == len(BINARY):
            return self.power()
        ops = BINARY[level]
        node = self.binary(level + 1)
        while self.peek() in ops:
            op = self.peek()
            self.i += 1
            where = self.rest()
            right = self.binary(level + 1)
            if op in ("&&", "||"):
                node = ("logic", op, node, right)
            else:
                node = ("bin", op, node, right, where)
        return node

    def power(self):
        base = self.unary()
        if self.peek() == "**":
            self.i += 1
            return ("bin", "**", base, self.power())
        return base

    def unary(self):
        tok = self.peek()
        if tok in ("-", "+", "!", "~"):
            self.i += 1
            return ("un", tok, self.unary())
        if tok in ("++", "--"):
            self.i += 1
            if self.i < len(self.tokens) and self.tokens[self.i][0] == "name":
                return ("pre", tok, self.lvalue())
            self.fail()
        return self.postfix()

    def postfix(self):
        if self.i >= len(self.tokens):
            self.fail()
        kind, text, _ = self.tokens[self.i]
        if kind == "name":
            name = self.lvalue()
            if self.peek() in ("++", "--"):
                op = self.peek()
                self.i += 1
                return ("post", op, name)
            return ("var", name)
        self.i += 1
        if kind == "num":
            return ("num", parse_number(text))
        if text == "(":
            node = self.comma()
            if self.peek() != ")":
                self.fail("missing `)'")
            self.i += 1
            return node
        self.i -= 1
        self.fail()


@lru_cache(maxsize=4096)
def parse(text: str):
    return _Parser(text).parse()


def _binop(op: str, a: int, b: int) -> int:
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op in ("/", "%"):
        if b == 0:
            raise ArithError("division by 0")
        q = abs(a) // abs(b)
        q = q if (a >= 0) == (b >= 0) else -q
        return q if op == "/" else a - q * b
    if op == "**":
        if b < 0:
            raise ArithError("exponent less than 0")
        return pow(a, b, 1 << 64)
    if op == "<<":
        return a << (b & 63)
    if op == ">>":
        return a >> (b & 63)
    if op == "<":
        return int(a < b)
    if op == ">":
        return int(a > b)
    if op == "<=":
        return int(a <= b)
    if op == ">=":
        return int(a >= b)
    if op == "==":
        return int(a == b)
    if op == "!=":
        return int(a != b)
    if op == "&":
        return a & b
    if op == "|":
        return a | b
    if op == "^":
        return a ^ b
    raise ArithError(f"syntax error: invalid arithmetic operator (error token is \"{op}\")")


class Evaluator:
    """Evaluates parsed expressions against ``get(name)``/``set(name, value)``."""

    def __init__(self, get, set_, depth: int = 0, assoc=None):
        self.get = get
        self.set = set_
        self.depth = depth
        self.assoc = assoc

    def key(self, name) -> str:
        """The name to get or set: ``a[3]`` for an element (its index evaluated),
        ``m[text]`` for an element of an associative array."""
        if type(name) is str:
            return name
        array, text = name[1], name[2]
        if self.assoc is not None and self.assoc(array):
            return f"{array}[{text}]"
        try:
            index = parse(text)
        except ArithError as e:
            if e.expr is None:
                e.expr = text.strip()
            raise
        return f"{array}[{self.eval(index)}]"

    def value_of(self, name) -> int:
        text = self.get(self.key(name))
        if text is None or text == "":
            return 0
        text = text.strip()
        if text.isdigit() and text.isascii():
            return parse_number(text)
        if self.depth > 64:
            raise ArithError("expression recursion level exceeded")
        return Evaluator(self.get, self.set, self.depth + 1, self.assoc).eval(parse(text))

    def eval(self, node) -> int:
        kind = node[0]
        if kind == "num":
            return node[1]
        if kind == "var":
            return self.value_of(node[1])
        if kind == "bin":
            try:
                return _wrap(_binop(node[1], self.eval(node[2]), self.eval(node[3])))
            except ArithError as e:
                if len(node) > 4 and str(e) == "division by 0":
                    raise ArithError(f"division by 0 (error token is \"{node[4]}\")") from None
                raise
        if kind == "un":
            v = self.eval(node[2])
            op = node[1]
            return _wrap(-v if op == "-" else v if op == "+" else int(not v) if op == "!" else ~v)
        if kind == "logic":
            left = bool(self.eval(node[2]))
            if node[1] == "&&":
                return int(left and bool(self.eval(node[3])))
            return int(left or bool(self.eval(node[3])))
        if kind == "cond":
            return self.eval(node[2]) if self.eval(node[1]) else self.eval(node[3])
        if kind == "assign":
            op, name = node[1], self.key(node[2])
            value = self.eval(node[3])
            if op != "=":
                value = _wrap(_binop(op[:-1], self.value_of(name), value))
            self.set(name, str(value))
            return value
        if kind in ("pre", "post"):
            name = self.key(node[2])
            old = self.value_of(name)
            new = _wrap(old + 1 if node[1] == "++" else old - 1)
            self.set(name, str(new))
            return new if kind == "pre" else old
        if kind == "comma":
            self.eval(node[1])
            return self.eval(node[2])
        raise ArithError("syntax error")


def evaluate(text: str, get, set_, assoc=None) -> int:
    """Evaluate ``text``; raises ArithError with bash's wording. ``assoc(name)``
    says whether ``name`` is an associative array (its subscripts are keys)."""
    return Evaluator(get, set_, 0, assoc).eval(parse(text))


def _closing_bracket(text: str, pos: int) -> int:
    """Index of the ``]`` matching the ``[`` at ``pos``, or -1."""
    depth = 0
    for i in range(pos, len(text)):
        if text[i] == "[":
            depth += 1
        elif text[i] == "]":
            depth -= 1
            if depth == 0:
                return i
    return -1
