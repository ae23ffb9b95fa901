"""``printf`` formatting and ``echo -e`` escapes, shared by the builtins and /usr/bin/printf."""

from __future__ import annotations

import re

SPEC = re.compile(r"%([-+ #0]*)(\*|\d+)?(?:\.(\*|\d*))?([diouxXeEfFgGcsbq%])")
ESCAPES = {"a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b", "f": "\f", "n": "\n", "r": "\r",
           "t": "\t", "v": "\v", "\\": "\\", '"': '"', "'": "'"}


def byte_char(value: int) -> str:
    """What a ``\\xHH`` or ``\\NNN`` escape stands for. bash strings are bytes, so a value
    above 0x7f is one raw byte (a surrogate escape here, written out as that byte),
    not the Unicode character of that number."""
    value &= 0xFF
    return chr(value) if value < 0x80 else chr(0xDC00 + value)


def unicode_char(value: int) -> str:
    """What a ``\\uHHHH`` or ``\\UHHHHHHHH`` escape stands for in a UTF-8 locale: the code
    point's UTF-8 bytes as bash's u32toutf8() writes them, which also encodes surrogates
    and values past U+10FFFF (in the old 4 to 6 byte forms) and gives nothing past
    0x7fffffff. As raw bytes, so join_escaped() turns only valid UTF-8 into a character."""
    if value < 0x80:
        return chr(value)
    for size, limit in ((2, 0x800), (3, 0x10000), (4, 0x200000), (5, 0x4000000), (6, 0x80000000)):
        if value < limit:
            lead = (0xFF00 >> size) & 0xFF | value >> 6 * (size - 1)  # 110xxxxx, 1110xxxx, ...
            tail = [0x80 | (value >> 6 * i) & 0x3F for i in reversed(range(size - 1))]
            return "".join(byte_char(b) for b in [lead, *tail])
    return ""


def join_escaped(parts: list[str]) -> str:
    """Join escape output; raw bytes that spell UTF-8 become the characters they encode."""
    return "".join(parts).encode("utf-8", "surrogateescape").decode("utf-8", "surrogateescape")


class Notice(str):
    """A message bash's printf prints as an error but that leaves its status at 0."""


def backslash_escapes(text: str, echo: bool = False,
                      errors: list[str] | None = None) -> tuple[str, bool]:
    """Interpret C escapes; returns (text, stop) where ``\\c`` asks to stop output.
    printf (not echo) complains into ``errors`` about a \\u or \\U without digits."""
    if "\\" not in text:
        return text, False
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c != "\\" or i + 1 >= n:
            out.append(c)
            i += 1
            continue
        e = text[i + 1]
        if e == "c":
            return join_escaped(out), True
        if e in ESCAPES and not (echo and e in "\"'"):
            out.append(ESCAPES[e])
            i += 2
        elif e == "x":
            m = re.match(r"[0-9a-fA-F]{1,2}", text[i + 2:])
            if m:
                out.append(byte_char(int(m.group(), 16)))
                i += 2 + m.end()
            else:
                out.append("\\x")
                i += 2
        elif e in "uU":  # \u takes up to 4 hex digits, \U up to 8
            m = re.match(r"[0-9a-fA-F]{1,4}" if e == "u" else r"[0-9a-fA-F]{1,8}", text[i + 2:])
            if m:
                out.append(unicode_char(int(m.group(), 16)))
                i += 2 + m.end()
            else:
                if errors is not None:
                    errors.append(Notice(f"missing unicode digit for \\{e}"))
                out.append("\\" + e)
                i += 2
        elif e in "01234567":
            if echo and e != "0":
                out.append("\\" + e)
                i += 2
            elif echo:  # echo -e and %b take \0NNN
                m = re.match(r"[0-7]{0,3}", text[i + 2:])
                out.append(byte_char(int(m.group() or "0", 8)))
                i += 2 + m.end()
            else:  # a printf format takes \NNN
                m = re.match(r"[0-7]{1,3}", text[i + 1:])
                out.append(byte_char(int(m.group(), 8)))
                i += 1 + m.end()
        else:
            out.append("\\" + e)
            i += 2
    return join_escaped(out), False


INT_MIN, INT_MAX = -(1 << 31), (1 << 31) - 1
# Fields this wide are real (bash prints up to INT_MAX pad characters) but would not fit
# in the model's memory: they stop the script as not simulated.
MAX_FIELD = 1 << 24


class PrintfError(Exception):
    """A field too wide to simulate; the message names it."""


def failed(errors: list[str]) -> bool:
    """Whether printf's messages include an error (warnings and notices leave the status at 0)."""
    return any(not message.startswith("warning: ") and not isinstance(message, Notice)
               for message in errors)


def _number(arg: str, errors: list[str]) -> int:
    if arg[:1] in ("'", '"'):
        if len(arg) < 2:
            return 0
        code = ord(arg[1])
        return code - 0xDC00 if 0xDC80 <= code <= 0xDCFF else code  # a raw byte
    text = arg.strip()
    try:
        if text.lower().startswith(("0x", "-0x")):
            return int(text, 16)
        if len(text) > 1 and text.lstrip("-+").startswith("0") and text.lstrip("-+").isdigit():
            return int(text, 8)
        return int(text or "0")
    except ValueError:
        m = re.match(r"[-+]?\d+", text)
        errors.append(f"{arg}: invalid number")
        return int(m.group()) if m else 0


def _integer(arg: str, signed: bool, errors: list[str]) -> int:
    """An argument as strtoimax() (or, for o u x X, strtoumax()) gives it: bash warns
    about one out of range and uses the limit; a negative unsigned value wraps."""
    value = _number(arg, errors)
    low, high = (-(1 << 63), (1 << 63) - 1) if signed else (-((1 << 64) - 1), (1 << 64) - 1)
    if not low <= value <= high:
        errors.append(f"warning: {arg}: Numerical result out of range")
        value = high if value > 0 or not signed else low
    return value & 0xFFFFFFFFFFFFFFFF if not signed else value


def _float(arg: str, errors: list[str]) -> float:
    try:
        return float(arg or "0")
    except ValueError:
        errors.append(f"{arg}: invalid number")
        return 0.0


def _star(args: list[str], errors: list[str]) -> int:
    """A ``*`` width or precision, taken as a C int: bash clamps a value out of range
    and warns, naming the argument after it; with none left, the value wraps."""
    value = _number(args.pop(0), errors) if args else 0
    if INT_MIN <= value <= INT_MAX:
        return value
    if not args:
        value &= 0xFFFFFFFF
        return value - (1 << 32) if value > INT_MAX else value
    errors.append(f"warning: {args[0]}: Numerical result out of range")
    return INT_MAX if value > 0 else INT_MIN


def _field(text: str | None) -> int:
    """The characters a width or precision asks for; past 18 digits, more than INT_MAX
    (without converting: int() refuses strings of over 4300 digits)."""
    digits = (text or "0").lstrip("-")
    return int(digits) if len(digits) <= 18 else INT_MAX + 1


# What %q puts a backslash before anywhere in a word (bash's lib/sh/shquote.c bstab);
# '#' and '~' only where they would start a word
BACKSLASHED = frozenset(" \t\n!\"$&'()*,;<>?[\\]^`{|}")
ANSIC_ESCAPES = {"\x1b": "E", "\a": "a", "\b": "b", "\f": "f", "\n": "n", "\r": "r",
                 "\t": "t", "\v": "v", "\\": "\\", "'": "'"}


def shell_quote(text: str) -> str:
    """printf %q as bash 5.2 does it: $'...' when a character is not printable, else a
    backslash before each special character."""
    if not text:
        return "''"
    if any(_unprintable(c) for c in text):
        return "$'" + "".join(_ansic_char(c) for c in text) + "'"
    out = []
    for i, c in enumerate(text):
        if c in BACKSLASHED or c == "#" and i == 0 or c == "~" and (i == 0 or text[i - 1] in ":="):
            out.append("\\")
        out.append(c)
    return "".join(out)


def _unprintable(c: str) -> bool:
    """Control characters, DEL and C1 controls, and raw bytes that spell no character."""
    code = ord(c)
    return code < 0x20 or 0x7F <= code < 0xA0 or 0xDC80 <= code <= 0xDCFF


def _ansic_char(c: str) -> str:
    if c in ANSIC_ESCAPES:
        return "\\" + ANSIC_ESCAPES[c]
    if not _unprintable(c):
        return c
    data = c.encode("utf-8", "surrogateescape")
    return "".join(f"\\{b:03o}" for b in data)


def format_printf(fmt: str, args: list[str]) -> tuple[str, list[str]]:
    """Apply ``fmt`` to ``args`` (reusing it while arguments remain): (output, errors)."""
    out: list[str] = []
    errors: list[str] = []
    args = list(args)
    while True:
        consumed = 0
        pos = 0
        stop = False
        for m in SPEC.finditer(fmt):
            text, stop = backslash_escapes(fmt[pos:m.start()], errors=errors)
            out.append(text)
            if stop:
                break
            pos = m.end()
            flags, width, precision, conv = m.groups()
            if conv == "%":
                out.append("%")
                continue
            if width == "*":
                width = str(_star(args, errors))
                consumed += 1
            if precision == "*":
                precision = str(_star(args, errors))
                consumed += 1
            arg = args.pop(0) if args else None
            if arg is not None:
                consumed += 1
            if precision is not None and precision.startswith("-"):
                precision = None  # C: a negative precision is taken as omitted
            if max(_field(width), _field(precision)) > INT_MAX:
                continue  # printf(3) fails with EOVERFLOW and bash prints nothing for it
            # a string's precision only cuts it short; a number's adds zeros
            size = max(_field(width), 0 if conv in "sbqc" else _field(precision))
            if size > MAX_FIELD:
                raise PrintfError(f"a field of {size} characters")
            spec = "%" + flags + (width or "") + ("." + precision if precision is not None else "")
            if conv in "sbq":
                value = arg or ""
                if conv == "b":
                    value, stop = backslash_escapes(value, echo=True, errors=errors)
                elif conv == "q":
                    value = shell_quote(value)
                out.append((spec + "s") % value)
                if stop:
                    break
            elif conv == "c":
                out.append((spec + "s") % (arg or "")[:1])
            elif conv in "diouxX":
                value = _integer(arg or "0", conv in "di", errors)
                out.append((spec + ("d" if conv in "iu" else conv)) % value)
            else:
                out.append((spec + conv) % _float(arg or "0", errors))
        else:
            text, stop = backslash_escapes(fmt[pos:], errors=errors)
            out.append(text)
        if stop or not args or consumed == 0:
            break
    return "".join(out), errors


def echo_text(args: list[str]) -> str:
    """What echo prints for its arguments: -n, -e and -E options, then the words."""
    newline, escapes = True, False
    while args and len(args[0]) > 1 and args[0][0] == "-" and all(c in "neE" for c in args[0][1:]):
        for c in args[0][1:]:
            if c == "n":
                newline = False
            else:
                escapes = c == "e"
        args = args[1:]
    text = " ".join(args)
    if escapes:
        text, stop = backslash_escapes(text, echo=True)
        newline = newline and not stop
    return text + "\n" if newline else text

