"""Text programs: echo, printf, head, tail, grep, wc, cut, sort, uniq, tr, sed, seq,
basename, dirname, expr, yes, tac."""

from __future__ import annotations

import itertools
import re

from ..printf import PrintfError, backslash_escapes, echo_text, failed, format_printf
from ..streams import BrokenPipe
from . import UsageError, command, split_options

YES_LIMIT = 1 << 20  # bytes `yes` writes before it behaves as if its reader went away
SEQ_CHUNK = 8192  # numbers seq writes at a time (64 KiB of 7-digit ones)


def decode(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def lines_of(data: bytes) -> list[str]:
    """Lines without their newlines (a last line lacking one still counts)."""
    text = decode(data)
    if not text:
        return []
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines


@command("echo")
def echo(ctx) -> int:
    ctx.out(echo_text(ctx.argv[1:]))
    return 0


@command("printf")
def printf(ctx) -> int:
    if len(ctx.argv) < 2:
        raise UsageError("missing operand")
    try:
        text, errors = format_printf(ctx.argv[1], ctx.argv[2:])
    except PrintfError as e:
        ctx.proc.not_simulated(f"printf: {e}")
    ctx.out(text)
    for message in errors:
        ctx.error(message)
    return 1 if failed(errors) else 0


def _count_option(opts: dict, args: list[str]) -> tuple[str, str]:
    """head/tail: ('n'|'c', value) from -n N, -c N or the old -N form."""
    mode, value = ("c", str(opts["c"])) if "c" in opts else ("n", str(opts.get("n", "10")))
    if not re.fullmatch(r"[-+]?\d+", value):
        what = "bytes" if mode == "c" else "lines"
        raise UsageError(f"invalid number of {what}: '{value}'")
    return mode, value


def _numeric_shorthand(args: list[str]) -> list[str]:
    """The old ``head -5`` form means ``head -n 5``."""
    return [("-n" + a[1:]) if re.fullmatch(r"-\d+", a) else a for a in args]


def _pieces(data: bytes) -> list[bytes]:
    """Lines with their newlines kept (a last line may lack one)."""
    return re.findall(rb"[^\n]*\n|[^\n]+$", data)


def _head_or_tail(ctx, select) -> int:
    """Shared by head and tail: options, per-file headers; ``select(items, value)``
    picks the lines (or bytes) to print."""
    opts, names = split_options(_numeric_shorthand(ctx.argv[1:]), "nc")
    mode, value = _count_option(opts, names)
    status = 0
    for name, data in ctx.inputs(names):
        if data is None:
            status = 1
            continue
        if len(names) > 1:
            ctx.out(f"==> {name} <==\n")
        items = data if mode == "c" else _pieces(data)
        keep = select(items, value)
        ctx.write(keep if mode == "c" else b"".join(keep))
    return status


def _head_select(items, value: str):
    count = int(value.lstrip("-") or "0")
    return items[:max(len(items) - count, 0)] if value.startswith("-") else items[:count]


def _tail_select(items, value: str):
    count = int(value.lstrip("+-") or "0")
    if value.startswith("+"):
        return items[max(count - 1, 0):]
    return items[len(items) - count:] if count else items[:0]


@command("head")
def head(ctx) -> int:
    return _head_or_tail(ctx, _head_select)


@command("tail")
def tail(ctx) -> int:
    return _head_or_tail(ctx, _tail_select)


def posix_regex(pat: str, extended: bool) -> str:
    """Translate a POSIX BRE/ERE (with GNU extensions) into Python syntax."""
    out: list[str] = []
    i, n = 0, len(pat)
    while i < n:
        c = pat[i]
        if c == "\\" and i + 1 < n:
            d = pat[i + 1]
            if not extended and d in "(){}|+?":
                out.append(d)
            elif d in "<>":
                out.append(r"\b")
            elif d.isdigit() or d in "wWsSbB":
                out.append("\\" + d)
            else:
                out.append(re.escape(d))
            i += 2
            continue
        if c == "[":
            end = i + 1
            if end < n and pat[end] in "^!":
                end += 1
            if end < n and pat[end] == "]":
                end += 1
            while end < n and pat[end] != "]":
                if pat.startswith("[:", end):
                    close = pat.find(":]", end)
                    end = close + 2 if close > 0 else end + 1
                else:
                    end += 1
            if end >= n:
                out.append(r"\[")
                i += 1
                continue
            body = pat[i + 1:end]
            body = re.sub(r"([\\&~|])", r"\\\1", body)
            body = re.sub(r"\[:(\w+):\]", lambda m: _CLASSES.get(m.group(1), m.group(0)), body)
            if body.startswith("!"):
                body = "^" + body[1:]
            out.append("[" + body + "]")
            i = end + 1
            continue
        if not extended and c in "(){}|+?":
            out.append("\\" + c)
        elif c == "*" and (not out or out[-1] in ("^", "(", "|")):
            out.append(r"\*")
        else:
            out.append(c)
        i += 1
    return "".join(out)


_CLASSES = {"alpha": "a-zA-Z", "digit": "0-9", "alnum": "a-zA-Z0-9", "upper": "A-Z",
            "lower": "a-z", "space": r" \t\n\r\f\v", "blank": r" \t", "xdigit": "0-9a-fA-F",
            "punct": r"!-/:-@\[-`{-~"}


def compile_regex(ctx, pat: str, extended: bool, fixed: bool, icase: bool, word: bool = False,
                  line: bool = False) -> re.Pattern:
    text = re.escape(pat) if fixed else posix_regex(pat, extended)
    if word:
        text = r"(?<!\w)(?:" + text + r")(?!\w)"
    if line:
        text = "^(?:" + text + ")$"
    try:
        return re.compile(text, re.I if icase else 0)
    except re.error as e:
        raise UsageError(f"invalid regular expression: {e}") from None


@command("grep", "egrep", "fgrep")
def grep(ctx) -> int:
    args = ctx.argv[1:]
    patterns: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        if args[i] == "-e" and i + 1 < len(args):
            patterns.append(args[i + 1])
            i += 2
            continue
        rest.append(args[i])
        i += 1
    opts, names = split_options(rest, "m")
    if not patterns:
        if not names:
            raise UsageError("usage: grep [OPTION]... PATTERNS [FILE]...")
        patterns = [names.pop(0)]
    extended = bool(opts.get("E")) or ctx.name.endswith("egrep")
    fixed = bool(opts.get("F")) or ctx.name.endswith("fgrep")
    regexes = [compile_regex(ctx, p, extended, fixed, bool(opts.get("i")), bool(opts.get("w")),
                             bool(opts.get("x"))) for p in patterns]
    invert = bool(opts.get("v"))
    max_count = int(opts["m"]) if "m" in opts else None
    show_names = len(names) > 1 and not opts.get("h")
    total = 0
    status = 1
    error = False
    for name, data in ctx.inputs(names):
        if data is None:
            error = True
            continue
        count = 0
        for number, line in enumerate(lines_of(data), 1):
            if max_count is not None and count >= max_count:
                break
            found = [m for rx in regexes for m in rx.finditer(line)] if opts.get("o") else None
            hit = bool(found) if found is not None else any(rx.search(line) for rx in regexes)
            if hit == invert:
                continue
            count += 1
            if opts.get("q"):
                return 0
            if opts.get("c") or opts.get("l"):
                continue
            prefix = (f"{name}:" if show_names else "") + (f"{number}:" if opts.get("n") else "")
            if opts.get("o") and not invert:
                for m in found:
                    if m.group():
                        ctx.out(prefix + m.group() + "\n")
            else:
                ctx.out(prefix + line + "\n")
        if opts.get("c"):
            ctx.out((f"{name}:" if show_names else "") + f"{count}\n")
        if opts.get("l") and count:
            ctx.out(f"{name}\n")
        total += count
        if count:
            status = 0
    if error and not opts.get("s"):
        return 2
    return status


@command("wc")
def wc(ctx) -> int:
    opts, names = split_options(ctx.argv[1:])
    wanted = [k for k in "lwmc" if opts.get(k)] or ["l", "w", "c"]
    rows = []
    status = 0
    for name, data in ctx.inputs(names):
        if data is None:
            status = 1
            continue
        counts = {"l": data.count(b"\n"), "w": len(data.split()), "c": len(data),
                  "m": len(decode(data))}
        rows.append(([counts[k] for k in wanted], name if names else None))
    if len(rows) > 1:
        rows.append(([sum(r[0][i] for r in rows) for i in range(len(wanted))], "total"))
    if len(wanted) == 1 and len(rows) == 1:
        width = 1
    elif not names:
        width = 7
    else:
        width = max((len(str(v)) for r in rows for v in r[0]), default=1)
    for values, name in rows:
        line = " ".join(str(v).rjust(width) for v in values)
        ctx.out(line + (f" {name}" if name else "") + "\n")
    return status


def _field_list(spec: str) -> list[tuple[int, int]]:
    ranges = []
    for piece in spec.split(","):
        start, dash, end = piece.partition("-")
        try:
            lo = int(start) if start else 1
            hi = (int(end) if end else 1 << 30) if dash else lo
        except ValueError:
            raise UsageError(f"invalid field value '{piece}'") from None
        if lo < 1:
            raise UsageError("fields and positions are numbered from 1")
        ranges.append((lo, hi))
    return ranges


@command("cut")
def cut(ctx) -> int:
    opts, names = split_options(ctx.argv[1:], "dfcb")
    delim = str(opts.get("d", "\t"))
    if "f" in opts:
        ranges = _field_list(str(opts["f"]))
    elif "c" in opts or "b" in opts:
        ranges = _field_list(str(opts.get("c", opts.get("b"))))
    else:
        raise UsageError("you must specify a list of bytes, characters, or fields")
    status = 0

    def wanted(index: int) -> bool:
        return any(lo <= index <= hi for lo, hi in ranges)

    for _, data in ctx.inputs(names):
        if data is None:
            status = 1
            continue
        for line in lines_of(data):
            if "f" in opts:
                if delim not in line:
                    if not opts.get("s"):
                        ctx.out(line + "\n")
                    continue
                fields = line.split(delim)
                ctx.out(delim.join(f for i, f in enumerate(fields, 1) if wanted(i)) + "\n")
            else:
                ctx.out("".join(c for i, c in enumerate(line, 1) if wanted(i)) + "\n")
    return status


def _numeric_key(text: str) -> float:
    m = re.match(r"\s*[-+]?\d*\.?\d+", text)
    return float(m.group()) if m else 0.0


@command("sort")
def sort(ctx) -> int:
    opts, names = split_options(ctx.argv[1:], "kto")
    lines: list[str] = []
    status = 0
    for _, data in ctx.inputs(names):
        if data is None:
            status = 2
            continue
        lines.extend(lines_of(data))
    sep = opts.get("t")
    key_field = int(str(opts["k"]).split(",")[0].split(".")[0]) if "k" in opts else None

    def key_text(line: str) -> str:
        if key_field is None:
            return line
        fields = line.split(sep) if isinstance(sep, str) else line.split()
        return fields[key_field - 1] if key_field <= len(fields) else ""

    if opts.get("n") or opts.get("g"):
        lines.sort(key=lambda s: (_numeric_key(key_text(s)), s), reverse=bool(opts.get("r")))
    else:
        fold = opts.get("f")
        lines.sort(key=lambda s: key_text(s).lower() if fold else key_text(s),
                   reverse=bool(opts.get("r")))
    if opts.get("u"):
        seen = set()
        unique = []
        for line in lines:
            k = key_text(line)
            if k not in seen:
                seen.add(k)
                unique.append(line)
        lines = unique
    ctx.out("".join(line + "\n" for line in lines))
    return status


@command("uniq")
def uniq(ctx) -> int:
    opts, names = split_options(ctx.argv[1:])
    data = ctx.read_file(names[0]) if names else ctx.stdin()
    groups: list[list] = []
    for line in lines_of(data):
        same = groups and (groups[-1][0].lower() == line.lower() if opts.get("i")
                           else groups[-1][0] == line)
        if same:
            groups[-1][1] += 1
        else:
            groups.append([line, 1])
    for line, count in groups:
        if opts.get("d") and count < 2 or opts.get("u") and count > 1:
            continue
        ctx.out((f"{count:7d} " if opts.get("c") else "") + line + "\n")
    return 0


_TR_CLASSES = {"[:upper:]": "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "[:lower:]": "abcdefghijklmnopqrstuvwxyz",
               "[:digit:]": "0123456789", "[:space:]": " \t\n\r\f\v", "[:blank:]": " \t",
               "[:alpha:]": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
               "[:alnum:]": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"}


def _tr_set(spec: str) -> str:
    spec, _ = backslash_escapes(spec)
    for name, chars in _TR_CLASSES.items():
        spec = spec.replace(name, chars)
    out: list[str] = []
    i = 0
    while i < len(spec):
        if i + 2 < len(spec) and spec[i + 1] == "-":
            out.extend(chr(c) for c in range(ord(spec[i]), ord(spec[i + 2]) + 1))
            i += 3
        else:
            out.append(spec[i])
            i += 1
    return "".join(out)


@command("tr")
def tr(ctx) -> int:
    opts, sets = split_options(ctx.argv[1:])
    if not sets:
        raise UsageError("missing operand")
    text = decode(ctx.stdin())
    first = _tr_set(sets[0])
    if opts.get("d"):
        text = text.translate({ord(c): None for c in first})
        squeeze = _tr_set(sets[1]) if len(sets) > 1 else ""
    elif len(sets) > 1:
        second = _tr_set(sets[1])
        if not second:
            raise UsageError("when not truncating set1, string2 must be non-empty")
        second = second + second[-1] * (len(first) - len(second))
        text = text.translate({ord(a): b for a, b in zip(first, second, strict=False)})
        squeeze = second
    else:
        squeeze = first
    if opts.get("s"):
        text = re.sub("([" + re.escape(squeeze) + "])\\1+", r"\1", text) if squeeze else text
    ctx.out(text)
    return 0


@command("seq")
def seq(ctx) -> int:
    opts, args = split_options(ctx.argv[1:], "sf")
    numbers = []
    for a in args:
        try:
            numbers.append(float(a) if "." in a else int(a))
        except ValueError:
            raise UsageError(f"invalid floating point argument: '{a}'") from None
    if not 1 <= len(numbers) <= 3:
        raise UsageError("missing operand" if not numbers else f"extra operand '{args[3]}'")
    first, step, last = (1, 1, numbers[0]) if len(numbers) == 1 else (
        (numbers[0], 1, numbers[1]) if len(numbers) == 2 else tuple(numbers))
    if step == 0:
        raise UsageError("invalid Zero increment value: '0'")
    sep = str(opts.get("s", "\n"))
    width = len(str(last)) if opts.get("w") else 0
    if all(isinstance(n, int) for n in (first, step, last)):
        values = iter(range(first, last + (1 if step > 0 else -1), step))
    else:
        values = _float_steps(first, step, last)
    # The output goes out in chunks, as seq's stdio buffer does: memory stays small, and
    # a pipe to head refuses a chunk once head has its lines (BrokenPipe: seq dies of
    # SIGPIPE, status 141), so ``seq 100000000 | head -1`` stops at once.
    lead = ""
    while True:
        ctx.proc.tick()
        chunk = [str(v).zfill(width) if isinstance(v, int) else f"{v:g}"
                 for v in itertools.islice(values, SEQ_CHUNK)]
        if not chunk:
            break
        ctx.out(lead + sep.join(chunk))
        lead = sep
    if lead:
        ctx.out("\n")
    return 0


def _float_steps(value, step, last):
    while (step > 0 and value <= last) or (step < 0 and value >= last):
        yield value
        value += step


@command("basename")
def basename(ctx) -> int:
    args = ctx.argv[1:]
    if not args:
        raise UsageError("missing operand")
    name = args[0].rstrip("/") or "/"
    name = name.rsplit("/", 1)[-1] if name != "/" else "/"
    if len(args) > 1 and name.endswith(args[1]) and name != args[1]:
        name = name[: -len(args[1])]
    ctx.out(name + "\n")
    return 0


@command("dirname")
def dirname(ctx) -> int:
    args = ctx.argv[1:]
    if not args:
        raise UsageError("missing operand")
    for arg in args:
        path = arg.rstrip("/")
        head = path.rsplit("/", 1)[0] if "/" in path else "."
        ctx.out((head.rstrip("/") or "/") + "\n")
    return 0


@command("tac")
def tac(ctx) -> int:
    _, names = split_options(ctx.argv[1:])
    for _, data in ctx.inputs(names):
        if data is not None:
            ctx.out("".join(line + "\n" for line in reversed(lines_of(data))))
    return 0


@command("yes")
def yes(ctx) -> int:
    line = ((" ".join(ctx.argv[1:]) or "y") + "\n").encode()
    chunk = line * max(1, 8192 // len(line))
    written = 0
    try:
        while written < YES_LIMIT:
            ctx.write(chunk)
            written += len(chunk)
    except BrokenPipe:
        pass
    return 141


def _expr_value(text: str):
    return int(text) if re.fullmatch(r"-?\d+", text) else text


def _expr(tokens: list[str]):
    """expr's grammar by precedence: | & (comparisons) (+ -) (* / %) (:)."""
    pos = 0

    def peek():
        return tokens[pos] if pos < len(tokens) else None

    def take():
        nonlocal pos
        if pos >= len(tokens):
            raise UsageError("syntax error: missing argument after last operand")
        pos += 1
        return tokens[pos - 1]

    def primary():
        tok = take()
        if tok == "(":
            value = or_()
            if take() != ")":
                raise UsageError("syntax error: expecting ')'")
            return value
        if tok == "length":
            return len(str(primary()))
        if tok == "substr":
            s, i, n = str(primary()), int(primary()), int(primary())
            return s[i - 1:i - 1 + n] if i > 0 and n > 0 else ""
        if tok == "index":
            s, chars = str(primary()), str(primary())
            return min((s.index(c) + 1 for c in chars if c in s), default=0)
        if tok == "match":
            return match_(str(primary()), str(primary()))
        return _expr_value(tok)

    def match_(s: str, regex: str):
        try:
            rx = re.compile(posix_regex(regex, False))
        except re.error as e:
            raise UsageError(f"invalid regular expression: {e.msg}") from None
        m = rx.match(s)
        if m is None:
            return "" if rx.groups else 0
        return m.group(1) if m.groups() else m.end()

    def colon():
        value = primary()
        while peek() == ":":
            take()
            value = match_(str(value), str(primary()))
        return value

    def binary(next_level, ops, apply):
        def level():
            value = next_level()
            while peek() in ops:
                value = apply(take(), value, next_level())
            return value

        return level

    def arith(op, a, b):
        if not (isinstance(a, int) and isinstance(b, int)):
            raise UsageError("non-integer argument")
        if op in "/%" and b == 0:
            raise UsageError("division by zero")
        if op == "/":
            return abs(a) // abs(b) * (1 if (a >= 0) == (b >= 0) else -1)
        if op == "%":
            return a - b * (abs(a) // abs(b) * (1 if (a >= 0) == (b >= 0) else -1))
        return {"+": a + b, "-": a - b, "*": a * b}[op]

    def compare(op, a, b):
        if not (isinstance(a, int) and isinstance(b, int)):
            a, b = str(a), str(b)
        return int({"=": a == b, "==": a == b, "!=": a != b, "<": a < b, "<=": a <= b,
                    ">": a > b, ">=": a >= b}[op])

    def truthy(v) -> bool:
        return v not in (0, "", "0")

    mul = binary(colon, ("*", "/", "%"), arith)
    add = binary(mul, ("+", "-"), arith)
    cmp_ = binary(add, ("=", "==", "!=", "<", "<=", ">", ">="), compare)
    and_ = binary(cmp_, ("&",), lambda op, a, b: a if truthy(a) and truthy(b) else 0)
    or_ = binary(and_, ("|",), lambda op, a, b: a if truthy(a) else (b if truthy(b) else 0))
    value = or_()
    if pos != len(tokens):
        raise UsageError(f"syntax error: unexpected argument '{tokens[pos]}'")
    return value


@command("expr")
def expr(ctx) -> int:
    try:
        value = _expr(ctx.argv[1:])
    except UsageError as e:
        ctx.error(str(e))
        return 2
    ctx.out(f"{value}\n")
    return 1 if value in (0, "") else 0


def _sed_parse(script: str) -> list[tuple]:
    """Parse a sed script into (address, command, args) tuples (a practical subset)."""
    commands = []
    i, n = 0, len(script)

    def address():
        nonlocal i
        if i < n and script[i].isdigit():
            j = i
            while j < n and script[j].isdigit():
                j += 1
            value = ("line", int(script[i:j]))
            i = j
            return value
        if i < n and script[i] == "$":
            i += 1
            return ("last", None)
        if i < n and script[i] == "/":
            end = script.index("/", i + 1)
            value = ("re", _sed_regex(script[i + 1:end], "", end))
            i = end + 1
            return value
        return None

    while i < n:
        while i < n and script[i] in " ;\n\t":
            i += 1
        if i >= n:
            break
        start = address()
        end = None
        if start is not None and i < n and script[i] == ",":
            i += 1
            end = address()
        negate = False
        if i < n and script[i] == "!":
            negate = True
            i += 1
        if i >= n:
            raise UsageError(f"-e expression #1, char {i}: missing command")
        cmd = script[i]
        i += 1
        if cmd == "s":
            if i >= n:
                raise UsageError(f"-e expression #1, char {i}: unterminated `s' command")
            delim = script[i]
            parts = []
            j = i + 1
            current = []
            while j < n and len(parts) < 2:
                if script[j] == "\\" and j + 1 < n:
                    current.append(script[j:j + 2] if script[j + 1] != delim else delim)
                    j += 2
                    continue
                if script[j] == delim:
                    parts.append("".join(current))
                    current = []
                else:
                    current.append(script[j])
                j += 1
            if len(parts) < 2:
                raise UsageError(f"-e expression #1, char {j}: unterminated `s' command")
            flags_start = j
            while j < n and script[j] not in ";\n}":
                j += 1
            flags = script[flags_start:j].strip()
            i = j
            regex = _sed_regex(parts[0], flags, j)
            for ref in re.findall(r"\\(\d)", parts[1]):
                if int(ref) > regex.groups:
                    raise UsageError(f"-e expression #1, char {j}: invalid reference \\{ref} "
                                     "on `s' command's RHS")
            repl = re.sub(r"\\(\d)", r"\\g<\1>", parts[1].replace("\\&", "\0")).replace(
                "&", r"\g<0>").replace("\0", "&")
            nth = int(re.sub(r"\D", "", flags) or 1)
            if nth == 0:
                raise UsageError(f"-e expression #1, char {j}: number option to `s' command "
                                 "may not be zero")
            commands.append(((start, end, negate), "s", (regex, repl, nth, "g" in flags,
                                                         "p" in flags)))
        elif cmd in "pdq=":
            commands.append(((start, end, negate), cmd, None))
        else:
            raise UsageError(f"-e expression #1, char {i}: unknown command: `{cmd}'")
    return commands


def _sed_regex(pattern: str, flags: str, char: int) -> re.Pattern:
    try:
        return re.compile(posix_regex(pattern, False), re.I if "I" in flags else 0)
    except re.error as e:
        raise UsageError(f"-e expression #1, char {char}: invalid regular expression: "
                         f"{e.msg}") from None


def _sed_substitute(regex: re.Pattern, repl: str, line: str, nth: int,
                    every: bool) -> tuple[str, bool]:
    """``s///N``: replace the Nth match only, or with ``g`` the Nth and all after it."""
    matches = list(regex.finditer(line))
    chosen = matches[nth - 1:] if every else matches[nth - 1:nth]
    out: list[str] = []
    pos = 0
    for m in chosen:
        out.append(line[pos:m.start()])
        out.append(m.expand(repl))
        pos = m.end()
    out.append(line[pos:])
    return "".join(out), bool(chosen)


@command("sed")
def sed(ctx) -> int:
    args = ctx.argv[1:]
    scripts: list[str] = []
    rest: list[str] = []
    quiet = in_place = False
    i = 0
    while i < len(args):
        a = args[i]
        if a == "-e" and i + 1 < len(args):
            scripts.append(args[i + 1])
            i += 2
            continue
        if a in ("-n", "--quiet", "--silent"):
            quiet = True
        elif a.startswith("-i"):
            in_place = True
        elif a in ("-E", "-r"):
            pass
        else:
            rest.append(a)
        i += 1
    if not scripts:
        if not rest:
            raise UsageError("no script specified")
        scripts.append(rest.pop(0))
    program = _sed_parse("\n".join(scripts))
    status = 0
    for name, data in ctx.inputs(rest):
        if data is None:
            status = 2
            continue
        out = _sed_run(program, lines_of(data), quiet)
        if in_place and name != "-":
            from ..system import O_CREAT, O_TRUNC, O_WRONLY

            f = ctx.system.open(ctx.pid, ctx.path(name), O_WRONLY | O_CREAT | O_TRUNC)
            try:
                ctx.system.write(ctx.pid, f, out.encode("utf-8", "surrogateescape"))
            finally:
                ctx.system.close(ctx.pid, f)
        else:
            ctx.out(out)
    return status


def _sed_hit(addr, number: int, last: bool, line: str) -> bool:
    kind, value = addr
    if kind == "line":
        return number == value
    if kind == "last":
        return last
    return value.search(line) is not None


def _sed_run(program: list[tuple], lines: list[str], quiet: bool) -> str:
    out: list[str] = []
    active = [False] * len(program)
    for number, line in enumerate(lines, 1):
        last = number == len(lines)

        deleted = quit_now = False
        for index, ((start, end, negate), cmd, arg) in enumerate(program):
            if start is None:
                selected = True
            elif end is None:
                selected = _sed_hit(start, number, last, line)
            elif active[index]:
                selected = True
                if _sed_hit(end, number, last, line) or (end[0] == "line" and number >= end[1]):
                    active[index] = False
            else:
                selected = _sed_hit(start, number, last, line)
                active[index] = selected and not (end[0] == "line" and number >= end[1])
            if selected == negate:
                continue
            if cmd == "s":
                regex, repl, nth, every, print_it = arg
                new, made = _sed_substitute(regex, repl, line, nth, every)
                if made:
                    line = new
                    if print_it:
                        out.append(line + "\n")
            elif cmd == "p":
                out.append(line + "\n")
            elif cmd == "=":
                out.append(f"{number}\n")
            elif cmd == "d":
                deleted = True
                break
            elif cmd == "q":
                quit_now = True
                break
        if not deleted and not quiet:
            out.append(line + "\n")
        if quit_now:
            break
    return "".join(out)
