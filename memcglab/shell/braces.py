"""Brace expansion (bash): ``{a,b}``, ``{1..10}``, ``{01..10}``, ``{1..10..2}``, ``{a..e}``.

It is purely textual and happens before every other expansion, so each word
is brace-expanded once and the result kept on the word node. A word is seen
as a list of atoms: single unquoted characters (which may be braces or
commas) and whole other parts (quotes, ``$x``) that braces never look into.
"""

from __future__ import annotations

import re

from .nodes import Lit, Word

SEQUENCE = re.compile(
    r"^(-?\d+)\.\.(-?\d+)(?:\.\.(-?\d+))?$|^([a-zA-Z])\.\.([a-zA-Z])(?:\.\.(-?\d+))?$"
)
MAX_WORDS = 1_000_000


def _atoms(word: Word) -> list:
    atoms: list = []
    for part in word.parts:
        if type(part) is Lit:
            atoms.extend(part.text)
        else:
            atoms.append(part)
    return atoms


def _to_word(atoms: list) -> Word:
    raw = "".join([atom for atom in atoms if type(atom) is str])
    if len(raw) == len(atoms):
        # only characters (the common case, e.g. each number of {1..1000}): one literal
        return Word([Lit(raw)], raw)
    parts: list = []
    text: list[str] = []
    for atom in atoms:
        if type(atom) is str:
            text.append(atom)
        else:
            if text:
                parts.append(Lit("".join(text)))
                text = []
            parts.append(atom)
    if text:
        parts.append(Lit("".join(text)))
    return Word(parts, raw)


def _find_close(atoms: list, start: int) -> tuple[int, list[int]] | None:
    """Matching ``}`` for the ``{`` at ``start`` and its top-level commas."""
    depth = 0
    commas = []
    for i in range(start + 1, len(atoms)):
        a = atoms[i]
        if a == "{":
            depth += 1
        elif a == "}":
            if depth == 0:
                return i, commas
            depth -= 1
        elif a == "," and depth == 0:
            commas.append(i)
    return None


def _sequence(body: list) -> list[str] | None:
    if not all(type(a) is str for a in body):
        return None
    m = SEQUENCE.match("".join(body))
    if m is None:
        return None
    if m.group(1) is not None:
        lo_text, hi_text = m.group(1), m.group(2)
        lo, hi = int(lo_text), int(hi_text)
        step = abs(int(m.group(3) or 1)) or 1
        if abs(hi - lo) // step > MAX_WORDS:
            return None
        width = 0
        digits = (lo_text.lstrip("-"), hi_text.lstrip("-"))
        if any(d.startswith("0") and len(d) > 1 for d in digits):
            width = max(len(lo_text), len(hi_text))
        values = range(lo, hi + 1, step) if lo <= hi else range(lo, hi - 1, -step)
        if width:
            # bash's "%0*d": zfill() pads after a minus sign as it does, and costs little
            # more than str() (a nested format spec per value took 3.5 times as long)
            return [str(v).zfill(width) for v in values]
        return [str(v) for v in values]
    lo, hi = ord(m.group(4)), ord(m.group(5))
    step = abs(int(m.group(6) or 1)) or 1
    values = range(lo, hi + 1, step) if lo <= hi else range(lo, hi - 1, -step)
    return [chr(v) for v in values]


def _expand(atoms: list, out: list, limit: int) -> None:
    for i, a in enumerate(atoms):
        if a != "{" or (i > 0 and atoms[i - 1] == "$"):
            continue
        found = _find_close(atoms, i)
        if found is None:
            continue
        close, commas = found
        prefix, suffix = atoms[:i], atoms[close + 1:]
        body = atoms[i + 1:close]
        if commas:
            bounds = [i] + commas + [close]
            choices = [atoms[bounds[k] + 1:bounds[k + 1]] for k in range(len(bounds) - 1)]
        else:
            seq = _sequence(body)
            if seq is None:
                continue
            choices = [list(s) for s in seq]
        for choice in choices:
            if len(out) > limit:
                return
            _expand(prefix + choice + suffix, out, limit)
        return
    out.append(atoms)


def brace_expand(word: Word) -> list[Word]:
    """The words ``word`` brace-expands to (``[word]`` when it has no braces)."""
    if not any(type(p) is Lit and "{" in p.text and "}" in p.text for p in word.parts):
        return [word]
    text = word.parts[0].text if len(word.parts) == 1 else ""
    if text[:1] == "{" and text[-1:] == "}":
        # a word that is one sequence (``for i in {1..1000}``): its values are
        # the words, without going through atoms for each of them
        seq = _sequence(list(text[1:-1]))
        if seq is not None:
            return [Word([Lit(value)], value) for value in seq]
    results: list = []
    _expand(_atoms(word), results, MAX_WORDS)
    if len(results) == 1 and results[0] == _atoms(word):
        return [word]
    return [_to_word(a) for a in results]
