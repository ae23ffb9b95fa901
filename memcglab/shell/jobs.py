"""What bash prints when a job dies of a signal (jobs.c notify_of_job_status()).

A non-interactive bash reports a job killed by a signal on stderr, in one of two
forms. The long one names the script, the line and every process of the job::

    repro.sh: line 5:   128 Killed                  dd if=/dev/zero of=x bs=1M

with each process's status padded to 24 columns (a later process whose status is
the first one's shows none) and its command as bash prints commands
(print_cmd.c: ``2>/dev/null`` becomes ``2> /dev/null``). It is used for every
signal but SIGINT, SIGTERM and SIGPIPE (bash's DONT_REPORT_SIGTERM and
DONT_REPORT_SIGPIPE) and the signals the shell traps. A foreground job killed by
SIGTERM or a trapped signal gets only the signal's name (``Terminated``). The job's
status is its last process's (with pipefail, the last one that failed), so
``cmd | cat`` with cmd killed reports nothing. A background job is reported at the
shell's next notification point: after the next foreground job it forks, or in
``wait``. Nothing is printed inside a command substitution.
"""

from __future__ import annotations

from .nodes import AndOr, ArrayAssign, CmdList, Group, HereDoc, Pipeline, Simple, Subshell
from .system import SIGINT, SIGPIPE, SIGTERM

LONGEST_SIGNAL_DESC = 24  # jobs.c: the width of the status column

# strsignal() texts of glibc, which the guests' bash-static uses
SIGNAL_DESCRIPTIONS = {
    1: "Hangup", 2: "Interrupt", 3: "Quit", 4: "Illegal instruction",
    5: "Trace/breakpoint trap", 6: "Aborted", 7: "Bus error",
    8: "Floating point exception", 9: "Killed", 10: "User defined signal 1",
    11: "Segmentation fault", 12: "User defined signal 2", 13: "Broken pipe",
    14: "Alarm clock", 15: "Terminated", 16: "Stack fault", 17: "Child exited",
    18: "Continued", 19: "Stopped (signal)", 20: "Stopped", 21: "Stopped (tty input)",
    22: "Stopped (tty output)", 23: "Urgent I/O condition", 24: "CPU time limit exceeded",
    25: "File size limit exceeded", 26: "Virtual timer expired",
    27: "Profiling timer expired", 28: "Window changed", 29: "I/O possible",
    30: "Power failure", 31: "Bad system call",
}


def signal_description(sig: int) -> str:
    """j_strsignal(): the text bash shows for signal ``sig``."""
    return SIGNAL_DESCRIPTIONS.get(sig) or f"Real-time signal {sig - 34}"


def job_notice(script: str, line: int, procs: list[tuple[int, str, int, int]],
               pipefail: bool, trapped: frozenset, foreground: bool) -> str:
    """The notice for a finished job, or "". ``procs`` are its processes as
    (pid, command text, exit status, killing signal or 0); ``trapped`` holds the
    numbers of the signals the shell traps."""
    last = procs[-1]
    if pipefail:
        last = next((p for p in reversed(procs) if p[2]), last)
    sig = last[3]
    if not sig:
        return ""
    reported = sig not in (SIGINT, SIGTERM, SIGPIPE) and sig not in trapped
    if reported:
        return f"{script}: line {line or 1}: " + _pretty_print_job(procs)
    if foreground and sig not in (SIGINT, SIGPIPE):
        return signal_description(sig) + "\n"
    return ""


def _pretty_print_job(procs: list[tuple[int, str, int, int]]) -> str:
    """print_pipeline() in the long format bash uses for these notices."""
    lines = []
    first_status = (procs[0][2], procs[0][3])
    for i, (pid, text, status, sig) in enumerate(procs):
        label = signal_description(sig) if sig else "Done" if status == 0 else f"Exit {status}"
        if i and (status, sig) == first_status:
            label = ""
        pad = " " * (LONGEST_SIGNAL_DESC - (len(label) or 2))
        lines.append(f"{'     ' if i else ''}{pid:5d} {label}{pad}{'| ' if i else ''}{text}\n")
    return "".join(lines)


# ---- commands as bash prints them (print_cmd.c make_command_string()) -------------

def command_text(node) -> str:
    """A command as bash shows it in job notices: words as written, redirections
    spaced as print_cmd.c prints them. Only simple commands, ( ) subshells, { }
    groups, pipelines and lists are printed: other compound commands show their
    first keyword."""
    kind = type(node)
    if kind is Simple:
        parts = [_assign_text(a) for a in node.assigns]
        parts += [w.raw if type(w) is not ArrayAssign else f"{w.name}=({w.raw})"
                  for w in node.words]
        parts += [_redir_text(r) for r in node.redirs]
        return " ".join(parts)
    if kind is Pipeline:
        text = " | ".join(command_text(c) for c in node.cmds)
        return ("! " if node.negate else "") + ("time " if node.timed else "") + text
    if kind is AndOr:
        return " ".join([command_text(node.first)]
                        + [f"{op} {command_text(p)}" for op, p in node.rest])
    if kind is CmdList:
        out = []
        for i, (item, background) in enumerate(node.items):
            last = i == len(node.items) - 1
            out.append(command_text(item) + (" &" if background else "" if last else ";"))
        return " ".join(out)
    if kind is Subshell:
        return _with_redirs(f"( {command_text(node.body)} )", node.redirs)
    if kind is Group:
        return _with_redirs(f"{{ {command_text(node.body)}; }}", node.redirs)
    return type(node).__name__.lower()


def _with_redirs(text: str, redirs: list) -> str:
    return " ".join([text] + [_redir_text(r) for r in redirs])


def _assign_text(a) -> str:
    if type(a) is ArrayAssign:
        return f"{a.name}{'+=' if a.append else '='}({a.raw})"
    index = f"[{a.index.text}]" if a.index is not None else ""
    return f"{a.name}{index}{'+=' if a.append else '='}{a.value.raw}"


def _redir_text(r) -> str:
    """print_redirection(): ``2> file``, ``> file``, ``2>&1``, ``<< EOF``."""
    default = 0 if r.op[0] == "<" else 1
    fd = "" if r.fd is None or r.fd == default or r.op in ("&>", "&>>") else str(r.fd)
    if type(r.target) is HereDoc:
        return f"{fd}{r.op} {r.target.delim}"
    if r.op in (">&", "<&"):
        return f"{fd}{r.op}{r.target.raw}"
    return f"{fd}{r.op} {r.target.raw}"

