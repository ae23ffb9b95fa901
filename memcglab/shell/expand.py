"""Word expansion: braces, tilde, parameters, command substitution, arithmetic,
field splitting on IFS, pathname globbing and quote removal, in bash's order.

``Expander`` is a mixin of the interpreter's ``Process``: it reads the
process's variables and runs command substitutions through it.
"""

from __future__ import annotations

import re

from . import pattern
from .arith import ArithError, evaluate
from .assoc import Assoc
from .braces import brace_expand
from .lexer import Lexer, ParseError
from .nodes import DQ, Arith, CmdSub, Lit, Param, ProcSub, Quoted, Tilde, Word

DEFAULT_IFS = " \t\n"
NEEDS_FIELDS = re.compile(r"[ \t\n*?\[]")


class ExpansionError(Exception):
    """An expansion failed; ``fatal`` errors end a non-interactive shell (``${x:?}``, set -u)."""

    def __init__(self, message: str, fatal: bool = False, status: int = 1):
        super().__init__(message)
        self.message = message
        self.fatal = fatal
        self.status = status


def split_ifs(value: str, ifs: str) -> tuple[list[str], bool, bool]:
    """Split ``value`` on ``ifs``: (fields, starts with a separator, ends with one)."""
    if ifs == DEFAULT_IFS:
        return value.split(), value[0] in ifs, value[-1] in ifs
    if not ifs:
        return [value], False, False
    white = "".join(c for c in ifs if c in " \t\n")
    other = "".join(c for c in ifs if c not in " \t\n")
    lead = value[0] in ifs
    trail = value[-1] in ifs
    stripped = value.strip(white) if white else value
    if not stripped:
        return [], lead, trail
    if not other:
        return stripped.split() if white == DEFAULT_IFS else re.split(
            "[" + re.escape(white) + "]+", stripped), lead, trail
    ws = "[" + re.escape(white) + "]*" if white else ""
    delim = f"{ws}[{re.escape(other)}]{ws}" + (f"|[{re.escape(white)}]+" if white else "")
    fields = re.split(delim, stripped)
    if fields and fields[-1] == "" and stripped[-1] in other:
        fields.pop()
    return fields, lead, trail


class ArrayArg(str):
    """An argument ``name=(...)`` of ``declare``/``local``/...: the builtin sees the
    text, and assigns ``items`` (the expanded elements, as (index, value))."""

    def __new__(cls, name: str, items: list, append: bool, raw: str):
        arg = super().__new__(cls, f"{name}{'+' if append else ''}=({raw})")
        arg.name = name
        arg.items = items
        arg.append = append
        return arg


class _Fields:
    """Accumulates the fields one word expands to."""

    __slots__ = ("out", "text", "pat", "globbing", "have", "noglob", "glob")

    def __init__(self, out: list, noglob: bool, glob):
        self.out = out
        self.text: list[str] = []
        self.pat: list[str] = []
        self.globbing = False
        self.have = False
        self.noglob = noglob
        self.glob = glob

    def quoted(self, text: str) -> None:
        self.text.append(text)
        self.pat.append(pattern.escape(text))
        self.have = True

    def unquoted(self, text: str) -> None:
        self.text.append(text)
        self.pat.append(text)
        self.have = True
        if not self.globbing and any(c in text for c in "*?["):
            self.globbing = True

    def split(self, value: str, ifs: str) -> None:
        """An unquoted expansion result: split on IFS, then glob."""
        if not value:
            return
        fields, lead, trail = split_ifs(value, ifs)
        if lead and self.have:
            self.end()
        for i, field in enumerate(fields):
            if i:
                self.end()
            self.unquoted(field)
        if trail and fields:
            self.end()

    def end(self) -> None:
        if not self.have:
            return
        text = "".join(self.text)
        if self.globbing and not self.noglob:
            pat = "".join(self.pat)
            if pattern.has_glob(pat):
                matches = self.glob(pat)
                if matches:
                    self.out.extend(matches)
                    self._reset()
                    return
        self.out.append(text)
        self._reset()

    def _reset(self) -> None:
        self.text = []
        self.pat = []
        self.globbing = False
        self.have = False


class Expander:
    """Mixin: needs ``vars``, ``positional``, ``arg0``, ``status``, ``rt`` and friends."""

    # ---- whole words -----------------------------------------------------

    def expand_words(self, words: list) -> list[str]:
        out: list[str] = []
        for word in words:
            if word.literal is not None:
                out.append(word.literal)
                continue
            if word.plain:
                text = self._expand_plain(word)
                if text is not None:
                    out.append(text)
                    continue
            if self.rt.braces:
                braced = word.braced
                if braced is None:
                    braced = word.braced = brace_expand(word)
                for w in braced:
                    if w.literal is not None:
                        out.append(w.literal)
                    else:
                        self._expand_into(w, out)
            else:
                self._expand_into(word, out)
        return out

    def _expand_into(self, word: Word, out: list) -> None:
        fields = _Fields(out, self.opts.noglob, self._glob)
        ifs = self.vars.get("IFS", DEFAULT_IFS)
        for part in word.parts:
            kind = type(part)
            if kind is Lit:
                fields.unquoted(part.text)
            elif kind is Quoted:
                fields.quoted(part.text)
            elif kind is Param:
                if part.op is None and part.name in "@*":
                    self._list_into(fields, self.positional, ifs, quoted=False)
                elif type(part.index) is str:  # ${a[@]} and ${a[*]}
                    self._list_into(fields, self.array_values(part), ifs, quoted=False)
                else:
                    fields.split(self.param(part, False), ifs)
            elif kind is DQ:
                self._dq_into(part, fields)
            elif kind is Tilde:
                fields.quoted(self.tilde(part))
            elif kind is CmdSub:
                fields.split(self.command_substitution(part), ifs)
            elif kind is Arith:
                fields.split(self.arith(part), ifs)
            elif kind is ProcSub:
                fields.quoted(self.process_substitution(part))  # /dev/fd/N: one field
        fields.end()

    def _expand_plain(self, word: Word) -> str | None:
        """Fast path for a ``plain`` word: None if a value needs splitting or globbing
        (or is empty or unset: the general path decides whether it vanishes)."""
        variables = self.vars
        if variables.get("IFS") != DEFAULT_IFS:
            return None
        one_param = word.one_param
        if one_param is not None:
            head, name, tail = one_param
            # a set variable is the common case; get_param() does the rest ($$, $1)
            value = variables.get(name)
            if value is None:
                value = self.get_param(name)
            if not value or NEEDS_FIELDS.search(value):
                return None
            return head + value + tail
        pieces = []
        for part in word.parts:
            if type(part) is Param:
                value = variables.get(part.name)
                if value is None:
                    value = self.get_param(part.name)
                if not value or NEEDS_FIELDS.search(value):
                    return None
                pieces.append(value)
            else:
                pieces.append(part.text)
        return "".join(pieces)

    def _list_into(self, fields: _Fields, values: list[str], ifs: str, quoted: bool) -> None:
        """``$@``, ``$*`` or ``${a[@]}``: one field per value (then split unless quoted)."""
        for i, arg in enumerate(values):
            if quoted:
                if i:
                    fields.end()
                fields.quoted(arg)
            else:
                if i and fields.have:
                    fields.end()
                fields.split(arg, ifs)

    def _dq_into(self, dq: DQ, fields: _Fields) -> None:
        parts = dq.parts
        if not parts:
            fields.quoted("")
            return
        for part in parts:
            if type(part) is Param and (part.op is None and part.name == "@"
                                        or part.index == "@"):
                values = self.positional if part.index is None else self.array_values(part)
                if values:
                    self._list_into(fields, values, "", quoted=True)
                elif len(parts) > 1:
                    fields.quoted("")
            else:
                fields.quoted(self.expand_part(part, True))

    def expand_word(self, word: Word) -> str:
        """Expand to one string without splitting or globbing (assignments, case, here-docs)."""
        if word.literal is not None:
            return word.literal
        return "".join([self.expand_part(p, False) for p in word.parts])

    def expand_pattern(self, word: Word) -> str:
        """Expand a word used as a pattern: quoted characters are escaped."""
        out = []
        for part in word.parts:
            kind = type(part)
            if kind is Lit:
                out.append(part.text)
            elif kind in (Quoted, DQ, Tilde):
                out.append(pattern.escape(self.expand_part(part, True)))
            else:
                out.append(self.expand_part(part, False))
        return "".join(out)

    def expand_part(self, part, quoted: bool) -> str:
        kind = type(part)
        if kind is Lit or kind is Quoted:
            return part.text
        if kind is Param:
            return self.param(part, quoted)
        if kind is DQ:
            return "".join([self.expand_part(p, True) for p in part.parts])
        if kind is CmdSub:
            return self.command_substitution(part)
        if kind is Arith:
            return self.arith(part)
        if kind is Tilde:
            return self.tilde(part)
        if kind is ProcSub:
            return self.process_substitution(part)
        raise TypeError(kind)

    def tilde(self, part: Tilde) -> str:
        if part.user == "":
            return self.vars.get("HOME", "/root")
        if part.user == "root":
            return "/root"
        return "~" + part.user

    def _glob(self, pat: str) -> list[str]:
        def listdir(path: str) -> list[str]:
            return self.rt.system.listdir(self.pid, path)

        return pattern.glob(pat, self.cwd, listdir)

    # ---- parameters --------------------------------------------------------

    def get_param(self, name: str) -> str | None:
        """A parameter's value, or None when it is unset."""
        value = self.vars.get(name)
        if value is not None:
            return value
        array = self.arrays.get(name)
        if array is not None:
            # $a is ${a[0]}
            return array.get("0") if type(array) is Assoc else array.get(0)
        if name.isdigit() and name.isascii():
            n = int(name)
            if n == 0:
                return self.arg0
            return self.positional[n - 1] if n <= len(self.positional) else None
        special = self.SPECIAL.get(name)
        if special is not None:
            return special(self)
        if name[-1:] == "]":  # a[3] or m[key], from arithmetic
            name, _, index = name[:-1].partition("[")
            array = self.arrays.get(name)
            if type(array) is Assoc:
                return array.get(index)  # the key as arithmetic gave it
            return self.element(name, Arith(index, self.lineno))
        return None

    def is_set(self, ref: str) -> bool:
        """``-v ref``: ``ref`` is a name or ``name[subscript]`` (expanded again)."""
        if ref[-1:] == "]" and "[" in ref:
            name, _, index = ref[:-1].partition("[")
            array = self.arrays.get(name)
            if type(array) is Assoc:
                subscript = Arith(index, self.lineno)
                try:
                    self.assoc_word(subscript)
                except ExpansionError:
                    return False  # as in bash: a subscript that does not parse is not set
                return self.assoc_key(subscript) in array
            if index in ("@", "*"):
                return bool(self.array_items(name))
            try:
                return self.element(name, Arith(index, self.lineno)) is not None
            except ExpansionError:
                return False
        return self.get_param(ref) is not None

    SPECIAL = {
        "?": lambda self: str(self.status),
        "$": lambda self: str(self.shell_pid),
        "!": lambda self: str(self.last_bg) if self.last_bg is not None else None,
        "#": lambda self: str(len(self.positional)),
        "@": lambda self: " ".join(self.positional),
        "*": lambda self: self.vars.get("IFS", " ")[:1].join(self.positional),
        "-": lambda self: self.opts.flags(),
        "LINENO": lambda self: str(self.lineno),
        "RANDOM": lambda self: str(self.rt.random.randrange(32768)),
        "SECONDS": lambda self: str(int(self.rt.system.now() - self.rt.started)),
        "PPID": lambda self: str(self.rt.parent_pid),
    }

    def param(self, part: Param, quoted: bool) -> str:
        if part.op == "bad":  # see Lexer.read_braced_param()
            raise ExpansionError(f"${{{part.name}}}: bad substitution")
        name = part.name
        index = part.index
        if index is None:
            if name.startswith("!") and len(name) > 1:
                name = self.get_param(name[1:]) or ""
            value = self.get_param(name)
        elif type(index) is str:
            values = self.array_values(part)
            if index == "*":
                return self.vars.get("IFS", " ")[:1].join(values)
            return " ".join(values)
        elif name[0] == "!":  # ${!a[i]}: a[i] names the parameter
            target = self.indirect(name[1:], index)
            value = None if target is None else self.get_param(target)
            name = target or f"{name[1:]}[{index.text}]"
        else:
            value = self.element(name, index)
            name = f"{name}[{index.text}]"  # how bash names it in messages
        return self._operate(part, name, value)

    def indirect(self, name: str, index: Arith) -> str | None:
        """The parameter named by element ``name[index]`` (None: unset element)."""
        target = self.element(name, index)
        if target is None:
            if name in self.arrays or self.get_param(name) is not None:
                return None
            raise ExpansionError(f"{name}[{index.text}]: invalid indirect expansion")
        if not _is_reference(target):
            raise ExpansionError(f"{target}: invalid variable name")
        return target

    def _operate(self, part: Param, name: str, value: str | None) -> str:
        """Apply ``part``'s operator to the value of parameter ``name`` (None: unset)."""
        op = part.op
        if op is None:
            if value is None:
                if self.opts.nounset and name not in ("@", "*"):
                    raise ExpansionError(f"{name}: unbound variable", fatal=True)
                return ""
            return value
        if op == "len":
            if value is None and self.opts.nounset:
                raise ExpansionError(f"{name}: unbound variable", fatal=True)
            if name in ("@", "*"):
                return str(len(self.positional))
            return str(len(value or ""))
        if op in (":-", "-", ":=", "=", ":+", "+", ":?", "?"):
            missing = value is None or (op[0] == ":" and value == "")
            kind = op[-1]
            if kind == "-":
                return self.expand_word(part.arg) if missing else value
            if kind == "+":
                return "" if missing else self.expand_word(part.arg)
            if kind == "=":
                if missing:
                    value = self.expand_word(part.arg)
                    if name.isdigit() and name.isascii() or name in self.SPECIAL:
                        raise ExpansionError(f"${name}: cannot assign in this way")
                    if part.name[0] == "!":  # ${!a[i]:=v} sets what a[i] names
                        self.arith_set(name, value)
                    elif part.index is not None:
                        self.assign_element(part.name, part.index, value)
                    else:
                        self.setvar(name, value)
                return value
            if missing:
                message = self.expand_word(part.arg) or (
                    "parameter null or not set" if op == ":?" else "parameter not set")
                raise ExpansionError(f"{name}: {message}", fatal=True)
            return value
        if value is None:
            if self.opts.nounset:
                raise ExpansionError(f"{name}: unbound variable", fatal=True)
            value = ""
        if op in ("#", "##"):
            return pattern.strip_prefix(value, self.expand_pattern(part.arg), op == "##")
        if op in ("%", "%%"):
            return pattern.strip_suffix(value, self.expand_pattern(part.arg), op == "%%")
        if op in ("/", "//", "/#", "/%"):
            repl = self.expand_word(part.arg2) if part.arg2 is not None else ""
            pat = self.expand_pattern(part.arg)
            if not pat and op in ("/", "//"):  # ${v/#/x} still prepends
                return value
            return pattern.replace(value, pat, repl, op)
        if op == ":":
            return self._substring(value, part)
        if op in ("^^", "^"):
            return value.upper() if op == "^^" else value[:1].upper() + value[1:]
        if op in (",,", ","):
            return value.lower() if op == ",," else value[:1].lower() + value[1:]
        raise ExpansionError(f"${{{name}}}: bad substitution")

    def _substring(self, value: str, part: Param) -> str:
        offset = self.arith_text(self.expand_word(part.arg))
        if offset < 0:
            offset = max(0, len(value) + offset)
        if part.arg2 is None:
            return value[offset:]
        count = self.arith_text(self.expand_word(part.arg2))
        if count < 0:
            end = len(value) + count
            if end < offset:
                raise ExpansionError(f"{count}: substring expression < 0")
            return value[offset:end]
        return value[offset:offset + count]

    # ---- arrays ------------------------------------------------------------
    #
    # An array lives in ``arrays``, never in ``vars`` as well, so plain
    # variables pay nothing for arrays: an indexed array as a dict
    # {index: value}, an associative one as an Assoc (string keys, listed in
    # bash's hash order). A scalar reads as an array whose only element is 0.

    def array_items(self, name: str) -> list[tuple]:
        """The set elements of ``name`` as (index, value), in index order, or
        (key, value) in bash's order for an associative array."""
        array = self.arrays.get(name)
        if array is None:
            value = self.get_param(name)
            return [] if value is None else [(0, value)]
        if type(array) is Assoc:
            return array.items()
        return sorted(array.items())

    def subscript(self, index: Arith) -> int:
        return int(self.arith(index))

    def assoc_key(self, index: Arith) -> str:
        """An associative array's key: the subscript's text expanded as one word
        (parameters, command substitution, arithmetic, quote removal; no
        splitting, globbing or tilde)."""
        return self.expand_word(self.assoc_word(index))

    def assoc_word(self, index: Arith):
        """The parsed word of an associative subscript (cached on ``index``)."""
        if index.key is None:
            try:
                index.key = Lexer(index.text + "\0", 0, index.line, self.rt.subparse) \
                    .read_param_word("\0", False)
            except ParseError as e:
                raise ExpansionError(
                    f"{index.text}: {e.message or 'bad array subscript'}") from None
        return index.key

    def element(self, name: str, index: Arith) -> str | None:
        """``${name[index]}``: None when unset. A negative index counts back from
        past the last element (of an array; a scalar has none)."""
        array = self.arrays.get(name)
        if type(array) is Assoc:
            key = self.assoc_key(index)
            if not key:
                self.error(f"{name}: bad array subscript")  # and goes on, as bash
                return None
            return array.get(key)
        i = self.subscript(index)
        if i < 0 and array:
            i += max(array) + 1
        if i < 0:
            # bash reports it but goes on with an empty value
            self.error(f"{name}: bad array subscript")
            return None
        if array is None:
            return self.get_param(name) if i == 0 else None
        return array.get(i)

    def array_values(self, part: Param) -> list[str]:
        """The words of ``${name[@]}`` or ``${name[*]}`` with ``part``'s operator applied."""
        op = part.op
        name = part.name
        items = self.array_items(name)
        if op is None:
            return [v for _, v in items]
        if op == "keys":
            return [str(i) for i, _ in items]
        if op == "len":
            if not items and self.opts.nounset and name not in self.arrays:
                raise ExpansionError(f"{name}: unbound variable")  # not fatal here
            return [str(len(items))]
        if op == ":":
            if type(self.arrays.get(name)) is Assoc:
                return self._assoc_slice(items, part)
            return self._slice(items, part)
        values = [v for _, v in items]
        if op in (":-", "-", ":=", "=", ":+", "+", ":?", "?"):
            # like "${a[*]}" tested as one string: null when no element has text
            missing = not values or (op[0] == ":" and not any(values))
            kind = op[-1]
            if kind == "-":
                return [self.expand_word(part.arg)] if missing else values
            if kind == "+":
                return [] if missing else [self.expand_word(part.arg)]
            if kind == "=" and missing:
                raise ExpansionError(f"{name}[{part.index}]: bad array subscript")
            if kind == "?" and missing:
                message = self.expand_word(part.arg) or (
                    "parameter null or not set" if op == ":?" else "parameter not set")
                raise ExpansionError(f"{name}: {message}", fatal=True)
            return values
        return [self._operate(part, name, v) for v in values]

    def _slice(self, items: list, part: Param) -> list[str]:
        """``${a[@]:offset:count}``: offset is an index (negative: from past the last)."""
        offset = self.arith_text(self.expand_word(part.arg))
        if offset < 0:
            offset += items[-1][0] + 1 if items else 0
            if offset < 0:
                return []
        return self._slice_count([v for i, v in items if i >= offset], part)

    def _assoc_slice(self, items: list, part: Param) -> list[str]:
        """``${m[@]:offset:count}`` of an associative array: bash counts offsets
        in its listing order from 1 (0 is the first element too); a negative
        offset counts back from one past the last."""
        offset = self.arith_text(self.expand_word(part.arg))
        if offset < 0:
            offset += len(items) + 1
        if offset < 0 or offset > len(items):
            return []
        return self._slice_count([v for _, v in items[max(offset - 1, 0):]], part)

    def _slice_count(self, values: list[str], part: Param) -> list[str]:
        """The ``:count`` of an array slice: the first ``count`` values (all without)."""
        if part.arg2 is None:
            return values
        count = self.arith_text(self.expand_word(part.arg2))
        if count < 0:
            raise ExpansionError(f"{count}: substring expression < 0")
        return values[:count]

    # ---- arithmetic --------------------------------------------------------

    def is_assoc(self, name: str) -> bool:
        return type(self.arrays.get(name)) is Assoc

    def arith(self, part: Arith) -> str:
        text = part.text
        if "$" in text or "`" in text:
            if part.word is None:
                try:
                    lexer = Lexer(text, 0, part.line, self.rt.subparse)
                    part.word = Word(lexer.read_dq_body(None), text)
                except ParseError as e:
                    raise ExpansionError(f"{text}: {e.message or 'syntax error'}") from None
            text = self.expand_word(part.word)
        return str(self.arith_text(text))

    def arith_set(self, name: str, value: str) -> None:
        if name[-1:] == "]":  # a[3]=... or m[key]=..., from arithmetic
            name, _, index = name[:-1].partition("[")
            array = self.arrays.get(name)
            if type(array) is Assoc:
                if name in self.readonly:
                    raise ExpansionError(f"{name}: readonly variable")
                array[index] = value
            else:
                self.assign_element(name, Arith(index, self.lineno), value)
        else:
            self.setvar(name, value)

    def arith_text(self, text: str) -> int:
        try:
            return evaluate(text, self.get_param, self.arith_set, self.is_assoc)
        except ArithError as e:
            expr = text.lstrip() if e.expr is None else e.expr  # trailing blanks stay
            raise ExpansionError(f"{expr}: {e}") from None
        except RecursionError:
            raise ExpansionError(f"{text.strip()}: expression recursion level exceeded") from None


def _is_name(text: str) -> bool:
    return bool(text) and (text[0].isalpha() or text[0] == "_") and text.replace(
        "_", "a").isalnum() and text.isascii()


def _is_reference(text: str) -> bool:
    """Whether ``text`` can name a parameter for indirection: a name, an
    element ``name[subscript]``, a positional or a special parameter."""
    if text.isdigit() and text.isascii() or text in ("@", "*", "#", "?", "$", "!", "-"):
        return True
    base, bracket, rest = text.partition("[")
    return _is_name(base) and (not bracket or len(rest) > 1 and rest[-1] == "]")
