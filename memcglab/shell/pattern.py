"""Shell pattern matching (``case``, ``${x#pat}``, ``[[ == ]]``) and pathname globbing.

Patterns arrive with quoted characters escaped by a backslash (the expander
does that), so ``"*"`` matches only a star while ``*`` matches anything.
"""

from __future__ import annotations

import re
from functools import lru_cache

GLOB_CHARS = frozenset("*?[")
CLASSES = {
    "alpha": "a-zA-Z", "digit": "0-9", "alnum": "a-zA-Z0-9", "upper": "A-Z", "lower": "a-z",
    "space": r" \t\n\r\f\v", "blank": r" \t", "xdigit": "0-9a-fA-F", "word": "a-zA-Z0-9_",
    "punct": re.escape("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"),
}


def escape(text: str) -> str:
    """Quote ``text`` so that it matches only itself as a pattern."""
    if not any(c in text for c in "*?[]\\"):
        return text
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)


def unescape(pattern: str) -> str:
    return re.sub(r"\\(.)", r"\1", pattern, flags=re.S)


def has_glob(pattern: str) -> bool:
    """True if the pattern has an unescaped ``*``, ``?`` or ``[``."""
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if c in GLOB_CHARS:
            return True
        i += 1
    return False


def _bracket(pattern: str, i: int) -> tuple[str, int] | None:
    """Translate the bracket expression starting after ``[``; None if unterminated."""
    n = len(pattern)
    negate = i < n and pattern[i] in "!^"
    i += negate
    out = []
    first = True
    while i < n:
        c = pattern[i]
        if c == "]" and not first:
            return _char_set(out, negate), i + 1
        first = False
        if c == "[" and pattern.startswith("[:", i):
            end = pattern.find(":]", i + 2)
            if end > 0 and pattern[i + 2:end] in CLASSES:
                out.append(CLASSES[pattern[i + 2:end]])
                i = end + 2
                continue
        low, i = _bracket_char(pattern, i)
        if pattern.startswith("-", i) and i + 1 < n and pattern[i + 1] != "]":
            high, i = _bracket_char(pattern, i + 1)
            # bash matches nothing for a reversed range such as [z-a]; Python rejects it
            if low <= high:
                out.append(re.escape(low) + "-" + re.escape(high))
        else:
            out.append(re.escape(low))
    return None


def _bracket_char(pattern: str, i: int) -> tuple[str, int]:
    """The (possibly backslash-quoted) character at ``i`` and the index after it."""
    if pattern[i] == "\\" and i + 1 < len(pattern):
        return pattern[i + 1], i + 2
    return pattern[i], i + 1


def _char_set(items: list[str], negate: bool) -> str:
    """A regex class; one left empty by reversed ranges matches nothing (or, negated, any char)."""
    if not items:
        return "." if negate else "(?!)"
    return "[" + ("^" if negate else "") + "".join(items) + "]"


def translate(pattern: str) -> str:
    out = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            out.append(".*")
        elif c == "?":
            out.append(".")
        elif c == "[":
            got = _bracket(pattern, i + 1)
            if got is None:
                out.append(r"\[")
            else:
                out.append(got[0])
                i = got[1]
                continue
        elif c == "\\" and i + 1 < n:
            out.append(re.escape(pattern[i + 1]))
            i += 1
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


@lru_cache(maxsize=4096)
def compile_pattern(pattern: str) -> re.Pattern:
    return re.compile(translate(pattern), re.S)


def match(pattern: str, text: str) -> bool:
    """Whole-string match of a shell pattern."""
    return compile_pattern(pattern).fullmatch(text) is not None


def strip_prefix(text: str, pattern: str, longest: bool) -> str:
    rx = compile_pattern(pattern)
    ends = range(len(text), -1, -1) if longest else range(0, len(text) + 1)
    for end in ends:
        if rx.fullmatch(text, 0, end):
            return text[end:]
    return text


def strip_suffix(text: str, pattern: str, longest: bool) -> str:
    rx = compile_pattern(pattern)
    starts = range(0, len(text) + 1) if longest else range(len(text), -1, -1)
    for start in starts:
        if rx.fullmatch(text, start):
            return text[:start]
    return text


def replace(text: str, pattern: str, repl: str, mode: str) -> str:
    """``${x/pat/repl}``: mode is '/' (first), '//' (all), '/#' (prefix), '/%' (suffix)."""
    rx = compile_pattern(pattern)
    n = len(text)
    if mode == "/#":
        for end in range(n, -1, -1):
            if rx.fullmatch(text, 0, end):
                return repl + text[end:]
        return text
    if mode == "/%":
        for start in range(0, n + 1):
            if rx.fullmatch(text, start):
                return text[:start] + repl
        return text
    out = []
    i = 0
    replaced = False
    while i <= n:
        if replaced and mode == "/":
            break
        for end in range(n, i - 1, -1):
            if end > i and rx.fullmatch(text, i, end):
                out.append(repl)
                i = end
                replaced = True
                break
        else:
            if i < n:
                out.append(text[i])
            i += 1
    out.append(text[i:])
    return "".join(out)


def glob(pattern: str, cwd: str, listdir) -> list[str]:
    """Expand a pathname pattern; ``listdir(abs_path)`` lists a directory or raises."""
    absolute = pattern.startswith("/")
    parts = [p for p in pattern.split("/") if p]
    results = [("/" if absolute else "", "")]  # (absolute dir, text as the user sees it)
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        grown = []
        for base_abs, shown in results:
            here = base_abs if absolute or base_abs else cwd
            if not has_glob(part):
                name = unescape(part)
                grown.append((_join(here, name), shown + name + ("" if last else "/")))
                continue
            try:
                names = listdir(here or "/")
            except Exception:  # noqa: BLE001 - an unreadable directory simply matches nothing
                continue
            rx = compile_pattern(part)
            for name in sorted(names):
                if name.startswith(".") and not part.startswith("."):
                    continue
                if rx.fullmatch(name):
                    grown.append((_join(here, name), shown + name + ("" if last else "/")))
        results = grown
        if not results:
            return []
    if absolute:
        return ["/" + shown for _, shown in results]
    return [shown for _, shown in results]


def _join(base: str, name: str) -> str:
    return base.rstrip("/") + "/" + name
