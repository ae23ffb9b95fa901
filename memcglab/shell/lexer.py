"""Tokeniser for shell source.

Tokens are produced on demand because shell lexing depends on the parser's
state only in ways the parser handles itself (reserved words are plain WORD
tokens that the parser recognises in command position). The lexer owns
here-documents: when it reads a ``<<`` operator it remembers the next word as
a delimiter and reads the bodies as soon as it passes the end of that line.
``$(...)`` is parsed by calling back into the parser (``subparse``), since the
closing parenthesis can only be found by parsing the command inside.
"""

from __future__ import annotations

from .nodes import DQ, Arith, CmdSub, HereDoc, Lit, Param, ProcSub, Quoted, Tilde, Word
from .printf import byte_char, join_escaped, unicode_char


class _BadSubstitution(Exception):
    """A malformed ``${text}`` that ends at ``end`` (see read_braced_param())."""

    def __init__(self, text: str, end: int):
        super().__init__(text)
        self.text = text
        self.end = end


class ParseError(Exception):
    """A syntax error: ``token`` is the unexpected token (None for end of file)."""

    def __init__(self, line: int, token: str | None, message: str | None = None):
        super().__init__(line, token, message)
        self.line = line
        self.token = token
        self.message = message


class Token:
    __slots__ = ("kind", "text", "word", "line", "fd", "start")

    def __init__(self, kind: str, text: str, line: int, start: int, word=None, fd=None):
        self.kind = kind  # WORD, OP, NL, EOF
        self.text = text
        self.line = line
        self.start = start
        self.word = word
        self.fd = fd

    def __repr__(self) -> str:
        return f"Token({self.kind}, {self.text!r}, line={self.line})"


METACHARS = frozenset(" \t\n;&|<>()")
OPERATORS = sorted(
    [
        "&&", "||", ";;&", ";;", ";&", ";", "&>>", "&>", "&", "|&", "|", "(", ")",
        "<<<", "<<-", "<<", "<&", "<>", "<", ">>", ">&", ">|", ">",
    ],
    key=len,
    reverse=True,
)
REDIR_OPS = frozenset(
    ["<", ">", ">>", "<<", "<<-", "<<<", "<&", ">&", "<>", ">|", "&>", "&>>"]
)
SPECIAL_PARAMS = frozenset("@*#?$!-0123456789")
NAME_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
NAME_CHARS = NAME_START | frozenset("0123456789")
ANSI_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "e": "\x1b",
                "E": "\x1b", "f": "\f", "v": "\v", "\\": "\\", "'": "'", '"': '"', "?": "?"}


class Lexer:
    def __init__(self, src: str, pos: int = 0, line: int = 1, subparse=None):
        self.src = src
        self.pos = pos
        self.line = line
        self.subparse = subparse  # (src, pos, line, closed) -> (CmdList, pos, line)
        self.pending: list[HereDoc] = []
        self.want_delim: tuple[bool, int] | None = None
        self.warnings: list[tuple[int, str]] = []
        self.ended_line = False

    # ---- tokens ----------------------------------------------------------

    def next_token(self) -> Token:
        src, n = self.src, len(self.src)
        while True:
            pos = self.pos
            while pos < n and src[pos] in " \t":
                pos += 1
            if src.startswith("\\\n", pos):
                self.pos = pos + 2
                self.line += 1
                continue
            if pos < n and src[pos] == "#":
                while pos < n and src[pos] != "\n":
                    pos += 1
            self.pos = pos
            break
        if pos >= n:
            if n and src[n - 1] != "\n" and not self.ended_line:
                # bash sees the end of an unterminated last line as a newline
                self.ended_line = True
                self.line += 1
                if self.pending:
                    self.read_heredocs()
                return Token("NL", "\n", self.line - 1, pos)
            return Token("EOF", "", self.line, pos)
        c = src[pos]
        if c == "\n":
            tok = Token("NL", "\n", self.line, pos)
            self.pos = pos + 1
            self.line += 1
            if self.pending:
                self.read_heredocs()
            return tok
        if c in METACHARS and not _procsub_at(src, pos):
            for op in OPERATORS:
                if src.startswith(op, pos):
                    self.pos = pos + len(op)
                    if op in ("<<", "<<-"):
                        self.want_delim = (op == "<<-", self.line)
                    return Token("OP", op, self.line, pos)
        # an IO number: digits directly followed by < or >
        end = pos
        while end < n and "0" <= src[end] <= "9":  # ASCII only: int() rejects '²'
            end += 1
        if end > pos and end < n and src[end] in "<>" and not _procsub_at(src, end):
            for op in OPERATORS:
                if op in REDIR_OPS and op[0] in "<>" and src.startswith(op, end):
                    self.pos = end + len(op)
                    if op in ("<<", "<<-"):
                        self.want_delim = (op == "<<-", self.line)
                    return Token("OP", op, self.line, pos, fd=int(src[pos:end]))
        line = self.line
        word = self.read_word()
        if self.want_delim is not None:
            strip, hline = self.want_delim
            self.want_delim = None
            quoted = any(type(p) is not Lit for p in word.parts)
            doc = HereDoc(_plain_text(word.parts), strip, quoted, hline)
            self.pending.append(doc)
            return Token("WORD", word.raw, line, pos, word=doc)
        return Token("WORD", word.raw, line, pos, word=word)

    # ---- words -----------------------------------------------------------

    def read_word(self, stop: str = "") -> Word:
        """Read one word up to an unquoted metacharacter (or a char in ``stop``)."""
        src, n = self.src, len(self.src)
        start = self.pos
        parts: list = []
        lit: list[str] = []
        if src.startswith("~", start) and not stop:
            end = start + 1
            while end < n and (src[end] in NAME_CHARS or src[end] in "-.+"):
                end += 1
            if end >= n or src[end] in METACHARS or src[end] == "/":
                parts.append(Tilde(src[start + 1:end]))
                self.pos = end
        while self.pos < n:
            pos = self.pos
            c = src[pos]
            if (c in METACHARS and not stop) or c in stop:
                if stop or not _procsub_at(src, pos):
                    break
                # <(...) and >(...) are part of the word, as in bash (a<(x)b is one word)
                self._flush(parts, lit)
                parts.append(self.read_procsub())
                continue
            if c == "\\":
                if src.startswith("\n", pos + 1):
                    self.pos += 2
                    self.line += 1
                    continue
                self._flush(parts, lit)
                parts.append(Quoted(src[pos + 1:pos + 2] or "\\"))
                self.pos += 2
            elif c == "'":
                self._flush(parts, lit)
                parts.append(Quoted(self.read_single()))
            elif c == '"':
                self._flush(parts, lit)
                parts.append(DQ(self.read_double()))
            elif c == "$" and src.startswith("'", pos + 1):
                self._flush(parts, lit)
                self.pos += 1
                parts.append(Quoted(self.read_ansi()))
            elif c == "$" and src.startswith('"', pos + 1):
                self._flush(parts, lit)
                self.pos += 1
                parts.append(DQ(self.read_double()))
            elif c == "$":
                part = self.read_dollar(False)
                if part is None:
                    lit.append("$")
                else:
                    self._flush(parts, lit)
                    parts.append(part)
            elif c == "`":
                self._flush(parts, lit)
                parts.append(self.read_backquote())
            else:
                if c == "\n":
                    self.line += 1
                lit.append(c)
                self.pos += 1
        self._flush(parts, lit)
        return Word(parts, src[start:self.pos])

    @staticmethod
    def _flush(parts: list, lit: list[str]) -> None:
        if lit:
            parts.append(Lit("".join(lit)))
            lit.clear()

    def _eof(self, what: str) -> ParseError:
        return ParseError(self.line, None, f"unexpected EOF while looking for matching `{what}'")

    def read_single(self) -> str:
        end = self.src.find("'", self.pos + 1)
        if end < 0:
            raise self._eof("'")
        text = self.src[self.pos + 1:end]
        self.line += text.count("\n")
        self.pos = end + 1
        return text

    def read_ansi(self) -> str:
        """``$'...'``: C-style escapes. ``pos`` is at the opening quote."""
        src, n = self.src, len(self.src)
        pos = self.pos + 1
        out: list[str] = []
        while True:
            if pos >= n:
                raise self._eof("'")
            c = src[pos]
            if c == "'":
                break
            if c == "\\" and pos + 1 < n:
                e = src[pos + 1]
                if e in ANSI_ESCAPES:
                    out.append(ANSI_ESCAPES[e])
                    pos += 2
                    continue
                if e == "x":
                    digits = _take(src, pos + 2, "0123456789abcdefABCDEF", 2)
                    out.append(byte_char(int(digits, 16)) if digits else "\\x")
                    pos += 2 + len(digits)
                    continue
                if e in "01234567":
                    digits = _take(src, pos + 1, "01234567", 3)
                    out.append(byte_char(int(digits, 8)))
                    pos += 1 + len(digits)
                    continue
                if e in "uU":  # \u takes up to 4 hex digits, \U up to 8
                    digits = _take(src, pos + 2, "0123456789abcdefABCDEF", 4 if e == "u" else 8)
                    out.append(unicode_char(int(digits, 16)) if digits else "\\" + e)
                    pos += 2 + len(digits)
                    continue
                out.append("\\" + e)
                pos += 2
                continue
            if c == "\n":
                self.line += 1
            out.append(c)
            pos += 1
        self.pos = pos + 1
        # bash builds the string in C: an escaped NUL (\0, \x0, \u0) ends it there
        return join_escaped(out).partition("\x00")[0]

    def read_double(self) -> list:
        """Parts of a double-quoted string; ``pos`` is at the opening quote."""
        self.pos += 1
        parts = self.read_dq_body('"')
        self.pos += 1
        return parts

    def read_dq_body(self, close: str | None) -> list:
        """Read double-quote-like text until ``close`` (None: to the end of input)."""
        src, n = self.src, len(self.src)
        parts: list = []
        lit: list[str] = []
        while True:
            if self.pos >= n:
                if close is None:
                    break
                raise self._eof(close)
            c = src[self.pos]
            if c == close:
                break
            if c == "\\":
                nxt = src[self.pos + 1:self.pos + 2]
                if nxt == "\n":
                    self.pos += 2
                    self.line += 1
                    continue
                if nxt and nxt in '$`\\"' and (nxt != '"' or close == '"'):
                    lit.append(nxt)
                    self.pos += 2
                    continue
                lit.append(c)
                self.pos += 1
            elif c == "$":
                part = self.read_dollar(True)
                if part is None:
                    lit.append("$")
                else:
                    _flush_quoted(parts, lit)
                    parts.append(part)
            elif c == "`":
                _flush_quoted(parts, lit)
                parts.append(self.read_backquote())
            else:
                if c == "\n":
                    self.line += 1
                lit.append(c)
                self.pos += 1
        _flush_quoted(parts, lit)
        return parts

    def read_dollar(self, in_dq: bool):
        """Parse what follows a ``$``; returns None (and skips it) if it is literal."""
        src, n = self.src, len(self.src)
        pos = self.pos + 1
        c = src[pos:pos + 1]
        if c == "{":
            self.pos = pos + 1
            return self.read_braced_param(in_dq)
        if c == "(":
            if src.startswith("((", pos):
                end = _find_arith_end(src, pos + 2)
                if end >= 0:
                    text = src[pos + 2:end]
                    node = Arith(text, self.line)
                    self.line += text.count("\n")
                    self.pos = end + 2
                    return node
            if self.subparse is None:
                raise ParseError(self.line, "(")
            body, self.pos, self.line = self.subparse(src, pos + 1, self.line, True)
            return CmdSub(body)
        if c and c in SPECIAL_PARAMS:
            self.pos = pos + 1
            return Param(c)
        if c and c in NAME_START:
            end = pos
            while end < n and src[end] in NAME_CHARS:
                end += 1
            self.pos = end
            return Param(src[pos:end])
        self.pos = pos
        return None

    def read_braced_param(self, in_dq: bool) -> Param:
        """``${...}``; a malformed one becomes a Param that fails when expanded, since
        bash reports a bad substitution at run time (the script goes on)."""
        try:
            return self._read_braced_param(in_dq)
        except _BadSubstitution as bad:
            self.pos = bad.end
            return Param(bad.text, "bad")

    def _read_braced_param(self, in_dq: bool) -> Param:
        src, n = self.src, len(self.src)
        pos = start = self.pos
        length = False
        if src.startswith("#", pos) and pos + 1 < n and src[pos + 1] not in "}":
            length = True
            pos += 1
        if pos < n and src[pos] in NAME_START:
            end = pos
            while end < n and src[end] in NAME_CHARS:
                end += 1
        elif pos < n and "0" <= src[pos] <= "9":
            end = pos
            while end < n and "0" <= src[end] <= "9":
                end += 1
        elif src.startswith("!", pos) and src[pos + 1:pos + 2] in NAME_START:
            end = pos + 1  # ${!name}: indirection; ${!name[@]}: the indices
            while end < n and src[end] in NAME_CHARS:
                end += 1
        elif pos < n and src[pos] in SPECIAL_PARAMS:
            end = pos + 1
        else:
            raise self._bad_substitution(start)
        name = src[pos:end]
        index = None
        if src.startswith("[", end) and name[-1:] in NAME_CHARS:
            index, end = self._read_subscript(end)
        self.pos = end
        if length:
            if index is not None and (not src.startswith("}", end) or name[0] == "!"):
                raise self._bad_substitution(start)
            self._expect_close_brace()
            return Param(name, "len", index=index)
        if src.startswith("}", end):
            self.pos = end + 1
            if name.startswith("!") and index in ("@", "*"):
                return Param(name[1:], "keys", index=index)
            return Param(name, index=index)
        for op in (":-", ":=", ":+", ":?", "-", "=", "+", "?", "%%", "%", "##", "#",
                   "//", "/#", "/%", "/", "^^", "^", ",,", ",", ":"):
            if src.startswith(op, end):
                break
        else:
            raise self._bad_substitution(start)
        if index in ("@", "*") and name.startswith("!"):
            raise self._bad_substitution(start)
        self.pos = end + len(op)
        if op in ("//", "/#", "/%", "/"):
            pattern = self.read_param_word("/}", in_dq)
            repl = None
            if src.startswith("/", self.pos):
                self.pos += 1
                repl = self.read_param_word("}", in_dq)
            self._expect_close_brace()
            return Param(name, op, pattern, repl, index)
        if op == ":":
            offset = self.read_param_word(":}", in_dq)
            count = None
            if src.startswith(":", self.pos):
                self.pos += 1
                count = self.read_param_word("}", in_dq)
            self._expect_close_brace()
            return Param(name, op, offset, count, index)
        arg = self.read_param_word("}", in_dq)
        self._expect_close_brace()
        return Param(name, op, arg, index=index)

    def _read_subscript(self, pos: int) -> tuple:
        """``[...]`` after a name in ``${...}``: ("@" | "*" | Arith, end)."""
        src = self.src
        depth = braces = 0  # nested [...] and ${...}
        end = pos + 1
        while end < len(src):
            c = src[end]
            if c == "\\" or c in "'\"":  # a quoted ] does not close (m["a]b"])
                end = skip_quoted(src, end)
                continue
            if c == "[":
                depth += 1
            elif c == "]":
                if depth == 0:
                    break
                depth -= 1
            elif c == "{":
                braces += 1
            elif c == "}":
                if braces == 0:
                    break
                braces -= 1
            end += 1
        text = src[pos + 1:end]
        if not src.startswith("]", end) or not text:
            raise self._bad_substitution(self.pos)
        if text in ("@", "*"):
            return text, end + 1
        return Arith(text, self.line), end + 1

    def _bad_substitution(self, start: int) -> Exception:
        """A malformed ``${...}`` whose text starts at ``start`` (up to its ``}``)."""
        close = self.src.find("}", start)
        if close < 0:
            return self._eof("}")
        return _BadSubstitution(self.src[start:close], close + 1)

    def _expect_close_brace(self) -> None:
        if not self.src.startswith("}", self.pos):
            raise self._eof("}")
        self.pos += 1

    def read_param_word(self, stop: str, in_dq: bool) -> Word:
        """The word inside ``${name OP word}``: blanks are literal, ``stop`` ends it."""
        src, n = self.src, len(self.src)
        start = self.pos
        parts: list = []
        lit: list[str] = []
        depth = 0
        while True:
            if self.pos >= n:
                raise self._eof("}")
            c = src[self.pos]
            if c in stop and depth == 0:
                break
            if not in_dq and _procsub_at(src, self.pos):  # ${x:-<(cmd)}
                self._flush(parts, lit)
                parts.append(self.read_procsub())
                continue
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
            if c == "\\":
                self._flush(parts, lit)
                parts.append(Quoted(src[self.pos + 1:self.pos + 2]))
                self.pos += 2
            elif c == "'" and not in_dq:
                self._flush(parts, lit)
                parts.append(Quoted(self.read_single()))
            elif c == '"':
                self._flush(parts, lit)
                parts.append(DQ(self.read_double()))
            elif c == "$":
                part = self.read_dollar(in_dq)
                if part is None:
                    lit.append("$")
                else:
                    self._flush(parts, lit)
                    parts.append(part)
            elif c == "`":
                self._flush(parts, lit)
                parts.append(self.read_backquote())
            else:
                if c == "\n":
                    self.line += 1
                lit.append(c)
                self.pos += 1
        self._flush(parts, lit)
        if in_dq:
            # inside double quotes the operand is quoted too (no splitting/globbing)
            parts = [Quoted(p.text) if type(p) is Lit else p for p in parts]
        return Word(parts, src[start:self.pos])

    def read_procsub(self) -> ProcSub:
        """``<(...)`` or ``>(...)``; ``pos`` is at the ``<`` or ``>``."""
        op = self.src[self.pos]
        if self.subparse is None:
            raise ParseError(self.line, "(")
        body, self.pos, self.line = self.subparse(self.src, self.pos + 2, self.line, True)
        return ProcSub(body, op)

    def read_backquote(self) -> CmdSub:
        src, n = self.src, len(self.src)
        pos = self.pos + 1
        out: list[str] = []
        start_line = self.line
        while True:
            if pos >= n:
                raise self._eof("`")
            c = src[pos]
            if c == "`":
                break
            if c == "\\" and pos + 1 < n and src[pos + 1] in "$`\\":
                out.append(src[pos + 1])
                pos += 2
                continue
            if c == "\n":
                self.line += 1
            out.append(c)
            pos += 1
        self.pos = pos + 1
        if self.subparse is None:
            raise ParseError(self.line, "`")
        inner = "".join(out)
        body, _, _ = self.subparse(inner, 0, start_line, False)
        return CmdSub(body)

    def read_arith_command(self) -> str | None:
        """After ``((`` in command position: the text up to the matching ``))``."""
        end = _find_arith_end(self.src, self.pos)
        if end < 0:
            return None
        text = self.src[self.pos:end]
        self.line += text.count("\n")
        self.pos = end + 2
        return text

    # ---- here-documents --------------------------------------------------

    def read_heredocs(self) -> None:
        docs, self.pending = self.pending, []
        for doc in docs:
            self.read_heredoc(doc)

    def read_heredoc(self, doc: HereDoc) -> None:
        src, n = self.src, len(self.src)
        lines: list[str] = []
        while True:
            if self.pos >= n:
                self.warnings.append(
                    (doc.line + len(lines), "warning: here-document at line "
                     f"{doc.line} delimited by end-of-file (wanted `{doc.delim}')")
                )
                break
            end = src.find("\n", self.pos)
            if end < 0:
                end = n
            text = src[self.pos:end]
            self.pos = min(end + 1, n)
            self.line += 1
            if doc.strip_tabs:
                text = text.lstrip("\t")
            if text == doc.delim:
                break
            lines.append(text + "\n")
        body = "".join(lines)
        if doc.quoted:
            doc.body = Word([Quoted(body)], body)
        else:
            sub = Lexer(body, 0, doc.line + 1, self.subparse)
            doc.body = Word(sub.read_dq_body(None), body)


def _plain_text(parts: list) -> str:
    """The text of a here-document delimiter with its quotes removed."""
    out = []
    for p in parts:
        if type(p) is DQ:
            out.append(_plain_text(p.parts))
        elif type(p) is Param:
            out.append("$" + p.name)
        else:
            out.append(getattr(p, "text", ""))
    return "".join(out)


def _procsub_at(src: str, pos: int) -> bool:
    """Whether a process substitution (``<(`` or ``>(``) starts at ``pos``."""
    return src[pos:pos + 1] in ("<", ">") and src.startswith("(", pos + 1)


def _flush_quoted(parts: list, lit: list[str]) -> None:
    if lit:
        parts.append(Quoted("".join(lit)))
        lit.clear()


def _take(src: str, pos: int, chars: str, limit: int) -> str:
    end = pos
    while end < len(src) and end - pos < limit and src[end] in chars:
        end += 1
    return src[pos:end]


def _find_arith_end(src: str, pos: int) -> int:
    """Index of the ``))`` closing an arithmetic expression starting at ``pos``."""
    depth = 0
    n = len(src)
    while pos < n:
        c = src[pos]
        if c == "(":
            depth += 1
        elif c == ")":
            if depth == 0:
                return pos if src.startswith("))", pos) else -1
            depth -= 1
        pos += 1
    return -1


def skip_quoted(src: str, pos: int) -> int:
    """The index after the backslash pair or quoted string starting at ``pos``
    (the end of ``src`` if it is not closed)."""
    c = src[pos]
    if c == "\\":
        return pos + 2
    end = pos + 1
    while end < len(src) and src[end] != c:
        end += 2 if c == '"' and src[end] == "\\" else 1
    return end + 1
