"""Variables printed as bash prints them for ``declare -p``, ``export -p`` and
``readonly -p``: lines that recreate the variables when run again.

Follows bash 5.2's builtins/setattr.def (show_var_attributes), array.c
(array_to_assign), assoc.c (assoc_to_assign) and lib/sh (sh_double_quote,
ansic_quote), in the C locale: a value with any byte outside printable ASCII is
written as ``$'...'``, any other in double quotes.
"""

from __future__ import annotations

from .assoc import Assoc

ANSIC_ESCAPES = {0x1B: "E", 0x07: "a", 0x0B: "v", 0x08: "b", 0x0C: "f", 0x0A: "n",
                 0x0D: "r", 0x09: "t", 0x5C: "\\", 0x27: "'"}
DQ_ESCAPED = frozenset('"$`\\')
SHELL_METAS = frozenset(" \t\n'\"\\|&;()<>!{}*[?]^$`")


def _printable(data: bytes) -> bool:
    return all(0x20 <= b < 0x7F for b in data)


def ansic_quote(data: bytes) -> str:
    """``$'...'`` with C escapes, other unprintable bytes in octal."""
    out = ["$'"]
    for b in data:
        escape = ANSIC_ESCAPES.get(b)
        if escape is not None:
            out.append("\\" + escape)
        elif 0x20 <= b < 0x7F:
            out.append(chr(b))
        else:
            out.append(f"\\{b:03o}")
    out.append("'")
    return "".join(out)


def double_quote(text: str) -> str:
    """``"..."`` with ``"``, ``$``, `````` ` `````` and ``\\`` escaped."""
    return '"' + "".join("\\" + c if c in DQ_ESCAPED else c for c in text) + '"'


def quote_value(value: str) -> str:
    data = value.encode("utf-8", "surrogateescape")
    return double_quote(value) if _printable(data) else ansic_quote(data)


def quote_key(key: str) -> str:
    """An associative array's key: bare unless it needs quoting."""
    data = key.encode("utf-8", "surrogateescape")
    if not _printable(data):
        return ansic_quote(data)
    if _has_shell_metas(key) or key in ("@", "*"):
        return double_quote(key)
    return key


def _has_shell_metas(key: str) -> bool:
    """bash's sh_contains_shell_metas: ``~`` counts at the start or after = or :,
    ``#`` at the start."""
    if key[:1] in ("~", "#"):
        return True
    return any(c in SHELL_METAS or (c == "~" and key[i - 1] in "=:")
               for i, c in enumerate(key))


def array_text(array) -> str:
    """``(...)`` for an indexed array (a dict by index) or an Assoc; an
    associative array's elements each end with a space, as bash writes them."""
    if type(array) is Assoc:
        return "(" + "".join(f"[{quote_key(k)}]={quote_value(v)} "
                             for k, v in array.items()) + ")"
    return "(" + " ".join(f"[{i}]={quote_value(array[i])}" for i in sorted(array)) + ")"


def attributes(proc, name: str) -> str:
    """The attribute letters, in bash's order (a A r x), of a variable the shell
    has (set, or unset with an attribute); None if it has none such."""
    array = proc.arrays.get(name)
    letters = ""
    if array is not None:
        letters = "A" if type(array) is Assoc else "a"
    elif name not in proc.vars and name not in proc.exported and name not in proc.readonly:
        return None
    if name in proc.readonly:
        letters += "r"
    if name in proc.exported:
        letters += "x"
    return letters


def declare_line(proc, name: str) -> str | None:
    """``declare -FLAGS name=value`` for ``name``, or None if there is no such variable."""
    letters = attributes(proc, name)
    if letters is None:
        return None
    head = f"declare -{letters or '-'} {name}"
    array = proc.arrays.get(name)
    if array is not None:
        if not array and name in proc.unassigned_arrays:
            return head + "\n"
        return f"{head}={array_text(array)}\n"
    value = proc.vars.get(name)
    if value is None:
        return head + "\n"  # (export x, readonly x on an unset x)
    return f"{head}={quote_value(value)}\n"


def variable_names(proc) -> list[str]:
    """Every variable the shell has, sorted as bash lists them (the C locale's order)."""
    names = set(proc.vars) | set(proc.arrays) | proc.exported | proc.readonly
    return sorted(names, key=lambda n: n.encode("utf-8", "surrogateescape"))
