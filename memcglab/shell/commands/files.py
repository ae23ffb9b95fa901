"""File programs: cat, dd, mkdir, rmdir, rm, touch, cp, mv, ls, stat, find, tee, sync, truncate."""

from __future__ import annotations

import posixpath
import re

from .. import pattern
from ..system import O_APPEND, O_CREAT, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY, SysError
from . import CHUNK, UsageError, command, split_options


@command("cat")
def cat(ctx) -> int:
    _, names = split_options(ctx.argv[1:])
    status = 0
    for name in names or ["-"]:
        if name == "-":
            ctx.write(ctx.stdin())
            continue
        try:
            stream = ctx.open(name, O_RDONLY)
        except SysError as e:
            ctx.error(f"{name}: {e.strerror}")
            status = 1
            continue
        try:
            while True:
                ctx.proc.tick()
                data = stream.read(ctx.pid, CHUNK)
                if not data:
                    break
                ctx.write(data)
        except SysError as e:
            ctx.error(f"{name}: {e.strerror}")
            status = 1
        finally:
            stream.close(ctx.pid)
    return status


INTMAX_MAX = (1 << 63) - 1
# A dd buffer (or a seek, which the model writes out as zeros) past this size is real but
# would not fit in the model's memory: the script stops as not simulated.
MAX_DD_BYTES = 1 << 31
SIZE_SUFFIXES = {"c": 1, "w": 2, "b": 512, "k": 1024, "K": 1024, "kB": 1000, "KB": 1000,
                 "M": 1024**2, "MB": 1000**2, "G": 1024**3, "GB": 1000**3, "T": 1024**4,
                 "KiB": 1024, "MiB": 1024**2, "GiB": 1024**3}


def parse_size(text: str) -> int:
    """A dd/head-style size: ``4096``, ``4k``, ``1M``, ``2x512``."""
    if "x" in text:
        total = 1
        for piece in text.split("x"):
            total *= parse_size(piece)
        return total
    m = re.fullmatch(r"(\d+)([A-Za-z]*)", text)
    if m is None or (m.group(2) and m.group(2) not in SIZE_SUFFIXES):
        raise UsageError(f"invalid number: '{text}'")
    value = int(m.group(1)) * SIZE_SUFFIXES.get(m.group(2), 1)
    if value > INTMAX_MAX:
        raise UsageError(f"invalid number: '{text}': Value too large for defined data type")
    return value


def _human(value: float, base: int, units: list[str], rate: bool = False) -> str:
    unit = 0
    while value >= base and unit < len(units) - 1:
        value /= base
        unit += 1
    decimals = value < (100 if rate else 10)
    return f"{value:.1f} {units[unit]}" if decimals else f"{value:.0f} {units[unit]}"


def dd_summary(records_in: tuple, records_out: tuple, total: int, seconds: float) -> str:
    lines = [f"{records_in[0]}+{records_in[1]} records in",
             f"{records_out[0]}+{records_out[1]} records out"]
    si = ["B", "kB", "MB", "GB", "TB"]
    iec = ["B", "KiB", "MiB", "GiB", "TiB"]
    if total == 1:
        amount = "1 byte"
    elif total < 1000:
        amount = f"{total} bytes"
    elif total < 1024:
        amount = f"{total} bytes ({_human(total, 1000, si)})"
    else:
        amount = f"{total} bytes ({_human(total, 1000, si)}, {_human(total, 1024, iec)})"
    rate = "Infinity B/s" if seconds <= 0 else _human(total / seconds, 1000, si, True) + "/s"
    lines.append(f"{amount} copied, {seconds:g} s, {rate}")
    return "\n".join(lines) + "\n"


# Modelled cost of copying, so dd's summary shows a plausible rate on the simulated clock.
DD_SECONDS_PER_BYTE = 1 / 2e9
DD_SECONDS_PER_CALL = 2e-6


DD_OPERANDS = frozenset(["if", "of", "bs", "ibs", "obs", "count", "skip", "seek", "conv",
                         "oflag", "iflag", "status"])


@command("dd")
def dd(ctx) -> int:
    ops: dict[str, str] = {}
    for arg in ctx.argv[1:]:
        key, eq, value = arg.partition("=")
        if not eq or key not in DD_OPERANDS:
            raise UsageError(f"unrecognized operand '{arg}'")
        ops[key] = value
    ibs = obs = parse_size(ops.get("bs", ops.get("ibs", "512")))
    if "bs" not in ops:
        obs = parse_size(ops.get("obs", "512"))
    count = parse_size(ops["count"]) if "count" in ops else None
    skip, seek = parse_size(ops.get("skip", "0")), parse_size(ops.get("seek", "0"))
    if max(ibs, obs, seek * obs) > MAX_DD_BYTES:
        ctx.proc.not_simulated(f"dd: a buffer or seek of {max(ibs, obs, seek * obs)} bytes")
    conv = set(ops.get("conv", "").split(",")) - {""}
    oflags = set(ops.get("oflag", "").split(",")) - {""}
    status_level = ops.get("status", "")
    system, pid = ctx.system, ctx.pid
    start = system.now()
    infile = outfile = None
    try:
        try:
            if "if" in ops:
                infile = system.open(pid, ctx.path(ops["if"]), O_RDONLY)
        except SysError as e:
            ctx.error(f"failed to open '{ops['if']}': {e.strerror}")
            return 1
        try:
            if "of" in ops:
                flags = O_WRONLY | O_CREAT
                if "append" in oflags:
                    flags |= O_APPEND
                elif "notrunc" not in conv and not seek:
                    flags |= O_TRUNC
                if seek:
                    flags = (flags & ~O_WRONLY) | O_RDWR
                outfile = system.open(pid, ctx.path(ops["of"]), flags)
        except SysError as e:
            ctx.error(f"failed to open '{ops['of']}': {e.strerror}")
            return 1

        def read(size: int) -> bytes:
            if infile is not None:
                return system.read(pid, infile, size)
            return ctx.proc.fds[0].read(pid, size) if 0 in ctx.proc.fds else b""

        def write(data: bytes) -> None:
            if outfile is not None:
                system.write(pid, outfile, data)
            else:
                ctx.write(data)

        for _ in range(skip):
            if not read(ibs):
                break
        if seek and outfile is not None:
            # no lseek(2) in the System: read over the kept part, pad a short file with zeros
            have = len(system.read(pid, outfile, seek * obs))
            if have < seek * obs:
                system.write(pid, outfile, bytes(seek * obs - have))
        full_in = part_in = full_out = part_out = total = 0
        if count != 0:
            # busybox dd malloc()s its buffer (a second one for obs= without bs=),
            # which the first read() faults in: bs=1M is 256 anon pages of its own
            system.touch_anon(pid, ibs if "bs" in ops else ibs + obs)
        while count is None or full_in + part_in < count:
            ctx.proc.tick()
            data = read(ibs)
            if not data:
                break
            if len(data) == ibs:
                full_in += 1
            else:
                part_in += 1
            try:
                write(data)
            except SysError as e:
                ctx.error(f"error writing '{ops.get('of', 'standard output')}': {e.strerror}")
                ctx.err(dd_summary((full_in, part_in), (full_out, part_out), total,
                                   system.now() - start))
                return 1
            if len(data) == obs:
                full_out += 1
            else:
                part_out += 1
            total += len(data)
        system.charge_time(DD_SECONDS_PER_CALL * (full_in + part_in + 1)
                           + DD_SECONDS_PER_BYTE * total)
    except SysError as e:
        ctx.error(f"error reading '{ops.get('if', 'standard input')}': {e.strerror}")
        return 1
    finally:
        for f in (infile, outfile):
            if f is not None:
                system.close(pid, f)
    if status_level != "none":
        summary = dd_summary((full_in, part_in), (full_out, part_out), total, system.now() - start)
        if status_level == "noxfer":
            summary = "\n".join(summary.split("\n")[:2]) + "\n"
        ctx.err(summary)
    return 0


@command("mkdir")
def mkdir(ctx) -> int:
    opts, names = split_options(ctx.argv[1:], "m")
    if not names:
        raise UsageError("missing operand")
    status = 0
    for name in names:
        path = ctx.path(name)
        try:
            if opts.get("p"):
                _mkdir_parents(ctx, path)
            else:
                ctx.system.mkdir(ctx.pid, path)
            if opts.get("v"):
                ctx.out(f"mkdir: created directory '{name}'\n")
        except SysError as e:
            ctx.error(f"cannot create directory '{name}': {e.strerror}")
            status = 1
    return status


def _mkdir_parents(ctx, path: str) -> None:
    parts = [p for p in path.split("/") if p]
    current = ""
    for part in parts:
        current += "/" + part
        try:
            if ctx.system.stat(ctx.pid, current).is_dir:
                continue
        except SysError:
            pass
        ctx.system.mkdir(ctx.pid, current)


@command("rmdir")
def rmdir(ctx) -> int:
    opts, names = split_options(ctx.argv[1:])
    if not names:
        raise UsageError("missing operand")
    status = 0
    for name in names:
        path = ctx.path(name)
        try:
            ctx.system.rmdir(ctx.pid, path)
            while opts.get("p") and "/" in name.strip("/"):
                name = posixpath.dirname(name.rstrip("/"))
                ctx.system.rmdir(ctx.pid, ctx.path(name))
        except SysError as e:
            ctx.error(f"failed to remove '{name}': {e.strerror}")
            status = 1
    return status


@command("rm")
def rm(ctx) -> int:
    opts, names = split_options(ctx.argv[1:])
    force = bool(opts.get("f"))
    recursive = bool(opts.get("r") or opts.get("R") or opts.get("--recursive"))
    if not names and not force:
        raise UsageError("missing operand")
    status = 0
    for name in names:
        path = ctx.path(name)
        try:
            st = ctx.system.stat(ctx.pid, path)
        except SysError as e:
            if not force:
                ctx.error(f"cannot remove '{name}': {e.strerror}")
                status = 1
            continue
        try:
            if st.is_dir:
                if not recursive:
                    ctx.error(f"cannot remove '{name}': Is a directory")
                    status = 1
                    continue
                _remove_tree(ctx, path)
            else:
                ctx.system.unlink(ctx.pid, path)
        except SysError as e:
            ctx.error(f"cannot remove '{name}': {e.strerror}")
            status = 1
    return status


def _remove_tree(ctx, path: str) -> None:
    for entry in ctx.system.listdir(ctx.pid, path):
        child = path.rstrip("/") + "/" + entry
        if ctx.system.stat(ctx.pid, child).is_dir:
            _remove_tree(ctx, child)
        else:
            ctx.system.unlink(ctx.pid, child)
    ctx.system.rmdir(ctx.pid, path)


@command("touch")
def touch(ctx) -> int:
    opts, names = split_options(ctx.argv[1:], "dtr")
    if not names:
        raise UsageError("missing file operand")
    status = 0
    for name in names:
        try:
            f = ctx.system.open(ctx.pid, ctx.path(name), O_WRONLY | O_CREAT)
            ctx.system.close(ctx.pid, f)
        except SysError as e:
            ctx.error(f"cannot touch '{name}': {e.strerror}")
            status = 1
    return status


def _target(ctx, src: str, dst: str) -> str:
    path = ctx.path(dst)
    try:
        if ctx.system.stat(ctx.pid, path).is_dir:
            return path.rstrip("/") + "/" + posixpath.basename(src.rstrip("/"))
    except SysError:
        pass
    return path


@command("cp")
def cp(ctx) -> int:
    opts, names = split_options(ctx.argv[1:])
    if len(names) < 2:
        raise UsageError("missing destination file operand" if names else "missing file operand")
    *sources, dest = names
    status = 0
    for src in sources:
        try:
            if ctx.system.stat(ctx.pid, ctx.path(src)).is_dir:
                ctx.error(f"-r not specified; omitting directory '{src}'")
                status = 1
                continue
            data = ctx.read_file(src)
        except SysError as e:
            ctx.error(f"cannot stat '{src}': {e.strerror}")
            status = 1
            continue
        target = _target(ctx, src, dest)
        try:
            f = ctx.system.open(ctx.pid, target, O_WRONLY | O_CREAT | O_TRUNC)
            try:
                if data:
                    ctx.system.write(ctx.pid, f, data)
            finally:
                ctx.system.close(ctx.pid, f)
        except SysError as e:
            ctx.error(f"cannot create regular file '{dest}': {e.strerror}")
            status = 1
    return status


@command("mv")
def mv(ctx) -> int:
    _, names = split_options(ctx.argv[1:])
    if len(names) < 2:
        raise UsageError("missing destination file operand" if names else "missing file operand")
    *sources, dest = names
    status = 0
    for src in sources:
        try:
            ctx.system.stat(ctx.pid, ctx.path(src))
        except SysError as e:
            ctx.error(f"cannot stat '{src}': {e.strerror}")
            status = 1
            continue
        try:
            ctx.system.rename(ctx.pid, ctx.path(src), _target(ctx, src, dest))
        except SysError as e:
            ctx.error(f"cannot move '{src}' to '{dest}': {e.strerror}")
            status = 1
    return status


def _mode_string(st) -> str:
    bits = "rwxrwxrwx"
    mode = "".join(b if st.mode & (1 << (8 - i)) else "-" for i, b in enumerate(bits))
    return ("d" if st.is_dir else "-") + mode


@command("ls")
def ls(ctx) -> int:
    opts, names = split_options(ctx.argv[1:])
    names = names or ["."]
    status = 0
    files, dirs = [], []
    for name in names:
        try:
            st = ctx.system.stat(ctx.pid, ctx.path(name))
        except SysError as e:
            ctx.error(f"cannot access '{name}': {e.strerror}")
            status = 2
            continue
        (dirs if st.is_dir and not opts.get("d") else files).append((name, st))

    def show(entries: list) -> None:
        for name, st in entries:
            if opts.get("l"):
                ctx.out(f"{_mode_string(st)} {st.nlink} root root {st.size} Jan  1 00:00 {name}\n")
            else:
                ctx.out(name + "\n")

    show(files)
    for index, (name, _) in enumerate(dirs):
        path = ctx.path(name)
        try:
            entries = sorted(ctx.system.listdir(ctx.pid, path))
        except SysError as e:
            ctx.error(f"cannot open directory '{name}': {e.strerror}")
            status = 2
            continue
        if not opts.get("a") and not opts.get("A"):
            entries = [e for e in entries if not e.startswith(".")]
        if len(names) > 1:
            ctx.out(("\n" if index or files else "") + f"{name}:\n")
        listed = []
        for entry in entries:
            try:
                listed.append((entry, ctx.system.stat(ctx.pid, path.rstrip("/") + "/" + entry)))
            except SysError:
                continue
        if opts.get("l"):
            ctx.out(f"total {sum((st.size + 4095) // 4096 * 4 for _, st in listed)}\n")
        show(listed)
    return status


@command("stat")
def stat(ctx) -> int:
    opts, names = split_options(ctx.argv[1:], "c")
    if not names:
        raise UsageError("missing operand")
    status = 0
    for name in names:
        try:
            st = ctx.system.stat(ctx.pid, ctx.path(name))
        except SysError as e:
            ctx.error(f"cannot stat '{name}': {e.strerror}")
            status = 1
            continue
        fmt = opts.get("c")
        if isinstance(fmt, str):
            ctx.out(_stat_format(fmt, name, st) + "\n")
        else:
            kind = "directory" if st.is_dir else "regular file"
            ctx.out(f"  File: {name}\n  Size: {st.size}\tBlocks: {(st.size + 511) // 512}"
                    f"\tIO Block: 4096   {kind}\nInode: {st.ino}\tLinks: {st.nlink}\n"
                    f"Access: (0{st.mode & 0o7777:o}/{_mode_string(st)})  Uid: (    0/    root)"
                    "   Gid: (    0/    root)\n")
    return status


def _stat_format(fmt: str, name: str, st) -> str:
    values = {"s": str(st.size), "n": name, "i": str(st.ino), "h": str(st.nlink),
              "F": "directory" if st.is_dir else "regular file", "a": f"{st.mode & 0o7777:o}",
              "A": _mode_string(st), "U": "root", "G": "root", "u": "0", "g": "0",
              "Y": str(int(st.mtime)), "%": "%"}
    return re.sub(r"%(.)", lambda m: values.get(m.group(1), m.group(0)), fmt)


@command("find")
def find(ctx) -> int:
    args = ctx.argv[1:]
    roots = []
    while args and not args[0].startswith("-") and args[0] not in ("(", "!"):
        roots.append(args.pop(0))
    name_pat = kind = None
    maxdepth, mindepth = 1 << 30, 0
    while args:
        opt = args.pop(0)
        if opt in ("-print", "-xdev"):
            continue
        if not args:
            raise UsageError(f"missing argument to '{opt}'")
        value = args.pop(0)
        if opt == "-name":
            name_pat = value
        elif opt == "-type":
            kind = value
        elif opt == "-maxdepth":
            maxdepth = int(value)
        elif opt == "-mindepth":
            mindepth = int(value)
        else:
            raise UsageError(f"unknown predicate '{opt}'")
    status = 0

    def visit(shown: str, path: str, depth: int) -> None:
        nonlocal status
        try:
            st = ctx.system.stat(ctx.pid, path)
        except SysError as e:
            ctx.error(f"'{shown}': {e.strerror}")
            status = 1
            return
        base = posixpath.basename(shown.rstrip("/")) or shown
        ok = depth >= mindepth
        if name_pat is not None and not pattern.match(name_pat, base):
            ok = False
        if kind is not None and kind != ("d" if st.is_dir else "f"):
            ok = False
        if ok:
            ctx.out(shown + "\n")
        if st.is_dir and depth < maxdepth:
            try:
                entries = sorted(ctx.system.listdir(ctx.pid, path))
            except SysError as e:
                ctx.error(f"'{shown}': {e.strerror}")
                status = 1
                return
            for entry in entries:
                visit(shown.rstrip("/") + "/" + entry, path.rstrip("/") + "/" + entry, depth + 1)

    for root in roots or ["."]:
        visit(root, ctx.path(root), 0)
    return status


@command("tee")
def tee(ctx) -> int:
    opts, names = split_options(ctx.argv[1:])
    flags = O_WRONLY | O_CREAT | (O_APPEND if opts.get("a") else O_TRUNC)
    files = []  # (name, stream)
    status = 0
    for name in names:
        try:
            files.append((name, ctx.open(name, flags)))
        except SysError as e:
            ctx.error(f"{name}: {e.strerror}")
            status = 1
    data = ctx.stdin()
    try:
        for name, stream in files:
            try:
                if data:
                    stream.write(ctx.pid, data)
            except SysError as e:
                ctx.error(f"{name}: {e.strerror}")
                status = 1
        ctx.write(data)
    finally:
        for _, stream in files:
            stream.close(ctx.pid)
    return status


@command("sync")
def sync(ctx) -> int:
    ctx.system.sync(ctx.pid)
    return 0


@command("truncate")
def truncate(ctx) -> int:
    opts, names = split_options(ctx.argv[1:], "s")
    if "s" not in opts or not names:
        raise UsageError("you must specify either '--size' or '--reference'")
    size = parse_size(str(opts["s"]))
    status = 0
    for name in names:
        try:
            try:
                ctx.system.stat(ctx.pid, ctx.path(name))
            except SysError:
                ctx.system.close(ctx.pid, ctx.system.open(ctx.pid, ctx.path(name),
                                                          O_WRONLY | O_CREAT))
            ctx.system.truncate(ctx.pid, ctx.path(name), size)
        except SysError as e:
            ctx.error(f"cannot open '{name}' for writing: {e.strerror}")
            status = 1
    return status
