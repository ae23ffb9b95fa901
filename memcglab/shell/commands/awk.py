"""A small awk: the one-liners reproducers use, and a clear error for the rest.

Supported: BEGIN/END, ``/re/`` and expression patterns, ``{ ... }`` actions
with print, printf, assignments (``= += -= *= /= %= ++ --``), if/else, while,
for (C-style and ``for (k in a)``), next, exit, associative arrays, fields
(``$0 $1 $NF $(expr)``), NR NF FS OFS ORS, string concatenation, ``~ !~``,
and the functions length substr index split toupper tolower int sprintf
sub gsub. Options: ``-F sep``, ``-v name=value``. Not supported (reported as
``awk: unsupported ...``): getline, output redirection, user functions.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..printf import PrintfError, format_printf
from . import UsageError, command
from .textproc import decode, posix_regex

TOKEN = re.compile(r"""
    (?P<ws>[ \t]+|\\\n|\#[^\n]*)
  | (?P<nl>[\n;])
  | (?P<num>\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+)
  | (?P<str>"(?:[^"\\]|\\.)*")
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\+\+|--|\+=|-=|\*=|/=|%=|\^=|==|!=|<=|>=|&&|\|\||!~|[-+*/%^<>=!~?:,(){}\[\]$])
""", re.X)
REGEX_ALLOWED_AFTER = frozenset([None, "(", ",", "{", "}", ";", "\n", "!", "~", "!~", "&&",
                                 "||", "==", "!=", "<", "<=", ">", ">=", "?", ":", "=", "print",
                                 "printf", "return", "+", "-", "*", "/", "%"])
BUILTIN_FUNCS = frozenset(["length", "substr", "index", "split", "toupper", "tolower", "int",
                           "sprintf", "sub", "gsub", "match"])
MIN_ARGS = {"substr": 2, "index": 2, "split": 2, "toupper": 1, "tolower": 1, "int": 1,
            "sprintf": 1, "sub": 2, "gsub": 2, "match": 2}
KEYWORDS = frozenset(["BEGIN", "END", "print", "printf", "if", "else", "while", "for", "next",
                      "exit", "in", "getline", "function", "delete", "do"])


class AwkError(Exception):
    pass


@lru_cache(maxsize=256)
def _regex(text: str) -> re.Pattern:
    """An awk regular expression; one Python cannot compile is an awk error."""
    try:
        return re.compile(posix_regex(text, True))
    except re.error as e:
        raise AwkError(f"invalid regular expression /{text}/: {e.msg}") from None


def _replacement(text: str):
    """sub()/gsub()'s replacement: ``&`` is the match, ``\\&`` a literal ``&``, every
    other character itself (a Python template would read ``\\1`` as a group)."""
    def expand(m: re.Match) -> str:
        return re.sub(r"\\&|&", lambda t: "&" if len(t.group()) == 2 else m.group(), text)
    return expand


class _Next(Exception):
    pass


class _Exit(Exception):
    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


def tokenize(src: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(src):
        last = tokens[-1][1] if tokens else None
        if src[pos] == "/" and (last in REGEX_ALLOWED_AFTER or (tokens and tokens[-1][0] == "nl")):
            end = pos + 1
            while end < len(src) and src[end] != "/":
                end += 2 if src[end] == "\\" else 1
            if end >= len(src):
                raise AwkError("unterminated regexp")
            tokens.append(("re", src[pos + 1:end]))
            pos = end + 1
            continue
        m = TOKEN.match(src, pos)
        if m is None:
            raise AwkError(f"syntax error at source line 1: unexpected character '{src[pos]}'")
        kind = m.lastgroup
        if kind != "ws":
            tokens.append((kind, m.group(kind)))
        pos = m.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list):
        self.t = tokens
        self.i = 0

    def peek(self, offset: int = 0):
        j = self.i + offset
        return self.t[j][1] if j < len(self.t) else None

    def kind(self):
        return self.t[self.i][0] if self.i < len(self.t) else None

    def take(self, expected: str | None = None):
        if self.i >= len(self.t):
            raise AwkError("syntax error: unexpected end of program")
        kind, text = self.t[self.i]
        if expected is not None and text != expected:
            raise AwkError(f"syntax error at '{text}' (expected '{expected}')")
        self.i += 1
        return kind, text

    def skip_nl(self):
        while self.kind() == "nl":
            self.i += 1

    def program(self):
        items = []
        self.skip_nl()
        while self.i < len(self.t):
            if self.peek() in ("BEGIN", "END"):
                which = self.take()[1]
                self.skip_nl()
                items.append((which, None, self.block()))
            elif self.peek() == "{":
                items.append(("main", None, self.block()))
            elif self.peek() == "function":
                raise AwkError("unsupported: user-defined functions")
            else:
                pattern = self.expr()
                action = self.block() if self.peek() == "{" else None
                items.append(("main", pattern, action))
            self.skip_nl()
        return items

    def block(self):
        self.take("{")
        stmts = []
        self.skip_nl()
        while self.peek() != "}":
            stmts.append(self.statement())
            self.skip_nl()
        self.take("}")
        return ("block", stmts)

    def simple_end(self):
        if self.kind() == "nl":
            self.i += 1
        elif self.peek() not in ("}", None):
            raise AwkError(f"syntax error at '{self.peek()}'")

    def statement(self):
        word = self.peek()
        if word == "{":
            return self.block()
        if word in ("print", "printf"):
            self.take()
            args = []
            parens = self.peek() == "(" and self._paren_list_follows()
            if parens:
                self.take("(")
            if self.peek() not in (None, "}", ";", "\n", ")"):
                args.append(self.expr(no_gt=not parens))
                while self.peek() == ",":
                    self.take()
                    self.skip_nl()
                    args.append(self.expr(no_gt=not parens))
            if parens:
                self.take(")")
            if self.peek() in (">", ">>", "|"):
                raise AwkError("unsupported: output redirection")
            self.simple_end()
            return (word, args)
        if word == "if":
            self.take()
            self.take("(")
            cond = self.expr()
            self.take(")")
            self.skip_nl()
            then = self.statement()
            self.skip_nl()
            other = None
            if self.peek() == "else":
                self.take()
                self.skip_nl()
                other = self.statement()
            return ("if", cond, then, other)
        if word == "while":
            self.take()
            self.take("(")
            cond = self.expr()
            self.take(")")
            self.skip_nl()
            return ("while", cond, self.statement())
        if word == "for":
            self.take()
            self.take("(")
            if self.kind() == "name" and self.peek(1) == "in":
                var = self.take()[1]
                self.take("in")
                array = self.take()[1]
                self.take(")")
                self.skip_nl()
                return ("forin", var, array, self.statement())
            init = None if self.peek() == ";" else self.expr()
            self.take(";")
            cond = None if self.peek() == ";" else self.expr()
            self.take(";")
            step = None if self.peek() == ")" else self.expr()
            self.take(")")
            self.skip_nl()
            return ("for", init, cond, step, self.statement())
        if word == "next":
            self.take()
            self.simple_end()
            return ("next",)
        if word == "exit":
            self.take()
            value = None if self.peek() in (None, "}", ";", "\n") else self.expr()
            self.simple_end()
            return ("exit", value)
        if word == "delete":
            self.take()
            name = self.take()[1]
            index = None
            if self.peek() == "[":
                self.take()
                index = self.expr()
                self.take("]")
            self.simple_end()
            return ("delete", name, index)
        if word in ("getline", "function", "do"):
            raise AwkError(f"unsupported: {word}")
        value = self.expr()
        self.simple_end()
        return ("expr", value)

    def _paren_list_follows(self) -> bool:
        depth = 0
        for j in range(self.i, len(self.t)):
            text = self.t[j][1]
            if text == "(":
                depth += 1
            elif text == ")":
                depth -= 1
                if depth == 0:
                    return j + 1 >= len(self.t) or self.t[j + 1][1] in (";", "\n", "}", ">")
        return False

    # expressions, lowest precedence first
    def expr(self, no_gt: bool = False):
        left = self.ternary(no_gt)
        if self.peek() in ("=", "+=", "-=", "*=", "/=", "%=", "^=") and left[0] in ("var", "field",
                                                                                "index"):
            op = self.take()[1]
            return ("assign", op, left, self.expr(no_gt))
        return left

    def ternary(self, no_gt):
        cond = self.or_(no_gt)
        if self.peek() == "?":
            self.take()
            yes = self.expr(no_gt)
            self.take(":")
            return ("cond", cond, yes, self.expr(no_gt))
        return cond

    def or_(self, no_gt):
        left = self.and_(no_gt)
        while self.peek() == "||":
            self.take()
            self.skip_nl()
            left = ("or", left, self.and_(no_gt))
        return left

    def and_(self, no_gt):
        left = self.in_(no_gt)
        while self.peek() == "&&":
            self.take()
            self.skip_nl()
            left = ("and", left, self.in_(no_gt))
        return left

    def in_(self, no_gt):
        left = self.match(no_gt)
        while self.peek() == "in":
            self.take()
            left = ("in", left, self.take()[1])
        return left

    def match(self, no_gt):
        left = self.compare(no_gt)
        while self.peek() in ("~", "!~"):
            op = self.take()[1]
            left = ("match", op, left, self.compare(no_gt))
        return left

    def compare(self, no_gt):
        left = self.concat(no_gt)
        ops = ("<", "<=", "!=", "==", ">=") if no_gt else ("<", "<=", "!=", "==", ">=", ">")
        if self.peek() in ops:
            op = self.take()[1]
            left = ("cmp", op, left, self.concat(no_gt))
        return left

    def concat(self, no_gt):
        left = self.additive()
        while self._starts_operand():
            left = ("concat", left, self.additive())
        return left

    def _starts_operand(self) -> bool:
        """Juxtaposition means concatenation when an operand follows directly."""
        kind, text = self.kind(), self.peek()
        if kind in ("num", "str", "re"):
            return True
        if kind == "name":
            return text not in KEYWORDS
        return text in ("$", "(", "++", "--")

    def additive(self):
        left = self.multiplicative()
        while self.peek() in ("+", "-"):
            op = self.take()[1]
            left = ("bin", op, left, self.multiplicative())
        return left

    def multiplicative(self):
        left = self.unary()
        while self.peek() in ("*", "/", "%"):
            op = self.take()[1]
            left = ("bin", op, left, self.unary())
        return left

    def unary(self):
        if self.peek() == "!":
            self.take()
            return ("not", self.unary())
        if self.peek() in ("-", "+"):
            op = self.take()[1]
            return ("neg", self.unary()) if op == "-" else ("num", self.unary())
        return self.power()

    def power(self):
        base = self.postfix()
        if self.peek() == "^":
            self.take()
            return ("bin", "^", base, self.unary())
        return base

    def postfix(self):
        if self.peek() in ("++", "--"):
            op = self.take()[1]
            return ("incr", op, self.primary(), True)
        node = self.primary()
        if self.peek() in ("++", "--") and node[0] in ("var", "field", "index"):
            return ("incr", self.take()[1], node, False)
        return node

    def primary(self):
        kind, text = self.take()
        if kind == "num":
            return ("const", float(text))
        if kind == "str":
            return ("const", _unescape(text[1:-1]))
        if kind == "re":
            return ("regex", text)
        if text == "$":
            return ("field", self.primary() if self.peek() != "(" else self.primary())
        if text == "(":
            value = self.expr()
            self.take(")")
            return value
        if kind == "name":
            if text in BUILTIN_FUNCS:
                args = []
                if self.peek() == "(":
                    self.take()
                    while self.peek() != ")":
                        args.append(self.expr())
                        if self.peek() == ",":
                            self.take()
                    self.take(")")
                return ("call", text, args)
            if text in KEYWORDS:
                raise AwkError(f"syntax error at '{text}'")
            if self.peek() == "(":
                raise AwkError(f"unsupported: call to function {text}()")
            if self.peek() == "[":
                self.take()
                index = self.expr()
                while self.peek() == ",":
                    self.take()
                    index = ("concat", ("concat", index, ("const", "\x1c")), self.expr())
                self.take("]")
                return ("index", text, index)
            return ("var", text)
        raise AwkError(f"syntax error at '{text}'")


def _unescape(text: str) -> str:
    table = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "/": "/", "r": "\r", "a": "\a"}
    return re.sub(r"\\(.)", lambda m: table.get(m.group(1), "\\" + m.group(1)), text)


def _num(value) -> float:
    if isinstance(value, float):
        return value
    m = re.match(r"\s*[-+]?(\d+\.?\d*([eE][-+]?\d+)?|\.\d+)", value)
    return float(m.group()) if m else 0.0


def _looks_numeric(value) -> bool:
    return isinstance(value, float) or re.fullmatch(
        r"\s*[-+]?(\d+\.?\d*([eE][-+]?\d+)?|\.\d+)\s*", value) is not None


def _str(value) -> str:
    if isinstance(value, float):
        if value == int(value) and abs(value) < 1e16:
            return str(int(value))
        return f"{value:.6g}"
    return value


class _Awk:
    def __init__(self, ctx, fs: str, variables: dict):
        self.ctx = ctx
        self.vars: dict = {"FS": fs, "OFS": " ", "ORS": "\n", "NR": 0.0, "NF": 0.0,
                           "SUBSEP": "\x1c"}
        self.vars.update(variables)
        self.arrays: dict[str, dict] = {}
        self.fields: list[str] = [""]
        self.out: list[str] = []

    def set_record(self, line: str) -> None:
        fs = self.vars["FS"]
        if fs == " ":
            parts = line.split()
        elif len(fs) == 1 and fs != "\\":
            parts = line.split(fs)
        else:
            parts = _regex(fs).split(line)
        self.fields = [line] + parts
        self.vars["NF"] = float(len(parts))

    def get_field(self, index: int) -> str:
        if index < 0:
            raise AwkError(f"trying to access out of range field {index}")
        return self.fields[index] if index < len(self.fields) else ""

    def set_field(self, index: int, value: str) -> None:
        if index == 0:
            self.set_record(value)
            return
        while len(self.fields) <= index:
            self.fields.append("")
        self.fields[index] = value
        self.vars["NF"] = float(len(self.fields) - 1)
        self.fields[0] = self.vars["OFS"].join(self.fields[1:])

    def lvalue_get(self, node):
        if node[0] == "var":
            return self.vars.get(node[1], "")
        if node[0] == "field":
            return self.get_field(int(_num(self.eval(node[1]))))
        return self.arrays.setdefault(node[1], {}).get(_str(self.eval(node[2])), "")

    def lvalue_set(self, node, value) -> None:
        if node[0] == "var":
            if node[1] in self.arrays:
                raise AwkError(f"can't assign to {node[1]}; it's an array name.")
            self.vars[node[1]] = value
        elif node[0] == "field":
            self.set_field(int(_num(self.eval(node[1]))), _str(value))
        else:
            self.arrays.setdefault(node[1], {})[_str(self.eval(node[2]))] = value

    def eval(self, node):
        kind = node[0]
        if kind == "const":
            return node[1]
        if kind == "var":
            return self.vars.get(node[1], "")
        if kind == "field":
            return self.get_field(int(_num(self.eval(node[1]))))
        if kind == "index":
            return self.arrays.setdefault(node[1], {}).get(_str(self.eval(node[2])), "")
        if kind == "regex":
            return float(_regex(node[1]).search(self.fields[0]) is not None)
        if kind == "concat":
            return _str(self.eval(node[1])) + _str(self.eval(node[2]))
        if kind == "bin":
            a, b = _num(self.eval(node[2])), _num(self.eval(node[3]))
            op = node[1]
            if op in "/%" and b == 0:
                raise AwkError("division by zero")
            return {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b,
                    "/": lambda: a / b, "%": lambda: float(a - b * int(a / b)),
                    "^": lambda: float(a ** b)}[op]()
        if kind == "neg":
            return -_num(self.eval(node[1]))
        if kind == "num":
            return _num(self.eval(node[1]))
        if kind == "not":
            return float(not self.truth(self.eval(node[1])))
        if kind == "and":
            return float(self.truth(self.eval(node[1])) and self.truth(self.eval(node[2])))
        if kind == "or":
            return float(self.truth(self.eval(node[1])) or self.truth(self.eval(node[2])))
        if kind == "cond":
            return self.eval(node[2]) if self.truth(self.eval(node[1])) else self.eval(node[3])
        if kind == "cmp":
            a, b = self.eval(node[2]), self.eval(node[3])
            if _looks_numeric(a) and _looks_numeric(b):
                a, b = _num(a), _num(b)
            else:
                a, b = _str(a), _str(b)
            return float({"<": a < b, "<=": a <= b, "==": a == b, "!=": a != b, ">": a > b,
                          ">=": a >= b}[node[1]])
        if kind == "match":
            rx = node[3][1] if node[3][0] == "regex" else _str(self.eval(node[3]))
            found = _regex(rx).search(_str(self.eval(node[2]))) is not None
            return float(found if node[1] == "~" else not found)
        if kind == "in":
            return float(_str(self.eval(node[1])) in self.arrays.get(node[2], {}))
        if kind == "assign":
            value = self.eval(node[3])
            if node[1] != "=":
                old = _num(self.lvalue_get(node[2]))
                value = self.eval(("bin", node[1][0], ("const", old), ("const", _num(value))))
            self.lvalue_set(node[2], value)
            return value
        if kind == "incr":
            old = _num(self.lvalue_get(node[2]))
            new = old + (1 if node[1] == "++" else -1)
            self.lvalue_set(node[2], new)
            return new if node[3] else old
        if kind == "call":
            return self.call(node[1], node[2])
        raise AwkError(f"unsupported expression {kind}")

    def call(self, name: str, args: list):
        if len(args) < MIN_ARGS.get(name, 0) or (name == "split" and args[1][0] != "var"):
            raise AwkError(f"{name}: wrong arguments")
        values = lambda: [self.eval(a) for a in args]  # noqa: E731 - evaluated lazily per call
        if name == "length":
            if args and args[0][0] == "var" and args[0][1] in self.arrays:
                return float(len(self.arrays[args[0][1]]))
            return float(len(_str(self.eval(args[0])) if args else self.fields[0]))
        if name == "substr":
            v = values()
            s = _str(v[0])
            start = int(round(_num(v[1]))) if len(v) > 1 else 1
            length = int(round(_num(v[2]))) if len(v) > 2 else len(s)
            begin = max(start, 1)
            end = start + length
            return s[begin - 1:max(end - 1, begin - 1)]
        if name == "index":
            v = values()
            return float(_str(v[0]).find(_str(v[1])) + 1)
        if name == "toupper":
            return _str(values()[0]).upper()
        if name == "tolower":
            return _str(values()[0]).lower()
        if name == "int":
            return float(int(_num(values()[0])))
        if name == "sprintf":
            v = values()
            return format_printf(_str(v[0]), [_str(x) for x in v[1:]])[0]
        if name == "split":
            s = _str(self.eval(args[0]))
            sep = _str(self.eval(args[2])) if len(args) > 2 else self.vars["FS"]
            parts = s.split() if sep == " " else _regex(sep).split(s) if s else []
            self.arrays[args[1][1]] = {str(i): p for i, p in enumerate(parts, 1)}
            return float(len(parts))
        if name in ("sub", "gsub"):
            rx = args[0][1] if args[0][0] == "regex" else _str(self.eval(args[0]))
            repl = _replacement(_str(self.eval(args[1])))
            target = args[2] if len(args) > 2 else ("field", ("const", 0.0))
            text = _str(self.lvalue_get(target))
            new, count = _regex(rx).subn(repl, text, count=0 if name == "gsub" else 1)
            self.lvalue_set(target, new)
            return float(count)
        if name == "match":
            m = _regex(_str(self.eval(args[1])) if args[1][0] != "regex"
                       else args[1][1]).search(_str(self.eval(args[0])))
            self.vars["RSTART"] = float(m.start() + 1 if m else 0)
            self.vars["RLENGTH"] = float(len(m.group()) if m else -1)
            return self.vars["RSTART"]
        raise AwkError(f"unsupported: function {name}")

    @staticmethod
    def truth(value) -> bool:
        if isinstance(value, float):
            return value != 0
        return value != ""

    def execute(self, stmt) -> None:
        kind = stmt[0]
        if kind == "block":
            for s in stmt[1]:
                self.execute(s)
        elif kind == "print":
            text = self.vars["OFS"].join(_str(self.eval(a)) for a in stmt[1]) if stmt[1] \
                else self.fields[0]
            self.out.append(text + self.vars["ORS"])
        elif kind == "printf":
            if not stmt[1]:
                raise AwkError("printf: no format")
            values = [self.eval(a) for a in stmt[1]]
            self.out.append(format_printf(_str(values[0]), [_str(v) for v in values[1:]])[0])
        elif kind == "expr":
            self.eval(stmt[1])
        elif kind == "if":
            if self.truth(self.eval(stmt[1])):
                self.execute(stmt[2])
            elif stmt[3] is not None:
                self.execute(stmt[3])
        elif kind == "while":
            guard = 0
            while self.truth(self.eval(stmt[1])):
                self.execute(stmt[2])
                guard += 1
                if guard > 10_000_000:
                    raise AwkError("loop ran too long")
        elif kind == "for":
            if stmt[1] is not None:
                self.eval(stmt[1])
            guard = 0
            while stmt[2] is None or self.truth(self.eval(stmt[2])):
                self.execute(stmt[4])
                if stmt[3] is not None:
                    self.eval(stmt[3])
                guard += 1
                if guard > 10_000_000:
                    raise AwkError("loop ran too long")
        elif kind == "forin":
            for key in list(self.arrays.get(stmt[2], {})):
                self.vars[stmt[1]] = key
                self.execute(stmt[3])
        elif kind == "next":
            raise _Next()
        elif kind == "exit":
            raise _Exit(int(_num(self.eval(stmt[1]))) if stmt[1] is not None else 0)
        elif kind == "delete":
            if stmt[2] is None:
                self.arrays.pop(stmt[1], None)
            else:
                self.arrays.get(stmt[1], {}).pop(_str(self.eval(stmt[2])), None)

    def matches(self, pattern) -> bool:
        return pattern is None or self.truth(self.eval(pattern))


@command("awk", "gawk", "mawk")
def awk(ctx) -> int:
    args = ctx.argv[1:]
    fs = " "
    variables: dict = {}
    while args and args[0].startswith("-") and len(args[0]) > 1:
        opt = args.pop(0)
        if opt == "--":
            break
        if opt.startswith("-F"):
            fs = opt[2:] or (args.pop(0) if args else " ")
            fs = "\t" if fs == "t" else _unescape(fs)
        elif opt.startswith("-v"):
            assignment = opt[2:] or (args.pop(0) if args else "")
            name, _, value = assignment.partition("=")
            variables[name] = _unescape(value)
        else:
            raise UsageError(f"unsupported option {opt}")
    if not args:
        raise UsageError("usage: awk [-F fs][-v var=value] 'prog' [file ...]")
    try:
        program = _Parser(tokenize(args.pop(0))).program()
    except AwkError as e:
        ctx.error(str(e))
        return 2
    machine = _Awk(ctx, fs, variables)
    status = 0
    try:
        try:
            for which, _, action in program:
                if which == "BEGIN":
                    machine.execute(action)
            main = [(p, a) for which, p, a in program if which == "main"]
            ends = [a for which, _, a in program if which == "END"]
            if main or ends:
                for name, data in ctx.inputs(args):
                    if data is None:
                        status = 2
                        continue
                    machine.vars["FILENAME"] = name
                    for line in decode(data).split("\n")[:-1] if data.endswith(b"\n") else \
                            decode(data).split("\n") if data else []:
                        machine.vars["NR"] = _num(machine.vars["NR"]) + 1
                        machine.set_record(line)
                        try:
                            for pattern, action in main:
                                if machine.matches(pattern):
                                    if action is None:
                                        machine.out.append(machine.fields[0] + machine.vars["ORS"])
                                    else:
                                        machine.execute(action)
                        except _Next:
                            continue
                        if len(machine.out) > 256:
                            ctx.out("".join(machine.out))
                            machine.out.clear()
        except _Exit as e:
            status = e.status
        for action in ends:
            try:
                machine.execute(action)
            except _Exit as e:
                status = e.status
                break
    except (AwkError, OverflowError, RecursionError) as e:
        ctx.out("".join(machine.out))
        ctx.error(str(e) if isinstance(e, AwkError) else f"arithmetic or nesting limit: {e}")
        return 2
    except PrintfError as e:
        ctx.proc.not_simulated(f"awk: printf: {e}")
    ctx.out("".join(machine.out))
    return status
