"""Hierarchical page counters (mm/page_counter.c).

A ``PageCounter`` counts pages and is linked to its parent's counter: a charge
walks from the leaf to the root and fails at the first level whose ``max``
would be exceeded, undoing what it already added below. The root memcg is
never charged directly; its counters only accumulate through this chain.

Locking in the kernel is lockless (atomics); the model is single-threaded, so
plain integers keep the same results. Lifetime: a counter lives as long as its
``mem_cgroup``; a dead child's counter keeps its stale usage (the kernel never
reads it again), which is why uncharges after reparenting start at the parent.
"""

from __future__ import annotations

PAGE_SIZE = 4096
PAGE_SHIFT = 12
# LONG_MAX / PAGE_SIZE on 64-bit (include/linux/page_counter.h).
PAGE_COUNTER_MAX = (2**63 - 1) // PAGE_SIZE
U64_MASK = 2**64 - 1


class PageCounter:
    """One counter of a memcg (memory, swap, memsw, kmem or tcpmem)."""

    __slots__ = (
        "usage",
        "parent",
        "max",
        "high",
        "low",
        "min",
        "emin",
        "elow",
        "min_usage",
        "low_usage",
        "children_min_usage",
        "children_low_usage",
        "watermark",
        "local_watermark",
        "failcnt",
        "protection_support",
        "track_failcnt",
    )

    def __init__(self, parent: PageCounter | None = None, protection_support: bool = False):
        # page_counter_init(): everything zero, max unlimited.
        self.usage = 0
        self.parent = parent
        self.max = PAGE_COUNTER_MAX
        self.high = PAGE_COUNTER_MAX
        self.low = 0
        self.min = 0
        self.emin = 0
        self.elow = 0
        self.min_usage = 0
        self.low_usage = 0
        self.children_min_usage = 0
        self.children_low_usage = 0
        self.watermark = 0
        self.local_watermark = 0
        self.failcnt = 0
        self.protection_support = protection_support
        self.track_failcnt = False

    def ancestors(self):
        """This counter and every counter above it, leaf first."""
        c: PageCounter | None = self
        while c is not None:
            yield c
            c = c.parent


def propagate_protected_usage(c: PageCounter, usage: int) -> None:
    """Publish min(usage, min/low) to the parent's children_*_usage sums."""
    if c.parent is None or not c.protection_support:
        return
    protected = min(usage, c.min)
    if protected != c.min_usage:
        c.parent.children_min_usage += protected - c.min_usage
        c.min_usage = protected
    protected = min(usage, c.low)
    if protected != c.low_usage:
        c.parent.children_low_usage += protected - c.low_usage
        c.low_usage = protected


def _note_usage(c: PageCounter, new: int) -> None:
    """A level's usage rose to ``new``: protected usage and the watermarks that
    memory.peak and max_usage_in_bytes read."""
    if c.protection_support and (c.min_usage or c.low_usage or c.min or c.low):
        propagate_protected_usage(c, new)
    if new > c.local_watermark:
        c.local_watermark = new
        if new > c.watermark:
            c.watermark = new


def page_counter_charge(counter: PageCounter, nr: int) -> None:
    """Charge ``nr`` pages unconditionally (forced charges may exceed max)."""
    c: PageCounter | None = counter
    while c is not None:
        new = c.usage + nr
        c.usage = new
        _note_usage(c, new)
        c = c.parent


def page_counter_try_charge(counter: PageCounter, nr: int) -> PageCounter | None:
    """Charge ``nr`` pages up the hierarchy; return None, or the counter that refused.

    The limit test is ``new > max`` (reaching max exactly is allowed). On
    failure failcnt is bumped on the refusing level if the *charged* counter
    tracks failures (v1 memory), and the levels below are uncharged again.
    """
    c: PageCounter | None = counter
    while c is not None:
        new = c.usage + nr
        if new > c.max:
            if counter.track_failcnt:
                c.failcnt += 1
            d = counter
            while d is not c:
                page_counter_cancel(d, nr)
                d = d.parent
            return c
        c.usage = new
        _note_usage(c, new)
        c = c.parent
    return None


def page_counter_cancel(c: PageCounter, nr: int) -> None:
    new = c.usage - nr
    if new < 0:
        # The kernel WARNs once ("page_counter underflow") and clamps.
        new = 0
    c.usage = new
    propagate_protected_usage(c, new)


def page_counter_uncharge(counter: PageCounter, nr: int) -> None:
    """page_counter_cancel() on every level, inlined: this is the hottest path."""
    c: PageCounter | None = counter
    while c is not None:
        new = c.usage - nr
        if new < 0:
            new = 0  # the kernel WARNs once ("page_counter underflow") and clamps
        c.usage = new
        if c.protection_support and (c.min_usage or c.low_usage or c.min or c.low):
            propagate_protected_usage(c, new)
        c = c.parent


def page_counter_set_max(c: PageCounter, nr: int) -> bool:
    """Set max; False (the kernel's -EBUSY) if usage is already above it."""
    if c.usage > nr:
        return False
    c.max = nr
    return True


def page_counter_set_min(c: PageCounter, nr: int) -> None:
    c.min = nr
    for p in c.ancestors():
        propagate_protected_usage(p, p.usage)


def page_counter_set_low(c: PageCounter, nr: int) -> None:
    c.low = nr
    for p in c.ancestors():
        propagate_protected_usage(p, p.usage)


def page_counter_reset_watermark(c: PageCounter) -> None:
    c.watermark = c.usage
    c.local_watermark = c.usage


def effective_protection(
    usage: int,
    parent_usage: int,
    setting: int,
    parent_effective: int,
    siblings_protected: int,
    recursive_protection: bool,
) -> int:
    """The share of memory.min/low a cgroup gets (mm/page_counter.c)."""
    protected = min(usage, setting)
    if siblings_protected > parent_effective:
        # Overcommitted: hand out the parent's protection pro rata.
        return protected * parent_effective // siblings_protected
    ep = protected
    if (
        recursive_protection
        and parent_effective > siblings_protected
        and parent_usage > siblings_protected
        and usage > protected
    ):
        unclaimed = parent_effective - siblings_protected
        unclaimed = unclaimed * (usage - protected) // (parent_usage - siblings_protected)
        ep += unclaimed
    return ep


def page_counter_calculate_protection(
    root: PageCounter, counter: PageCounter, recursive_protection: bool = False
) -> None:
    """Compute counter.emin/elow for a reclaim rooted at ``root``."""
    if counter is root:
        return
    usage = counter.usage
    if not usage:
        return
    parent = counter.parent
    if parent is root:
        counter.emin = counter.min
        counter.elow = counter.low
        return
    counter.emin = effective_protection(
        usage, parent.usage, counter.min, parent.emin, parent.children_min_usage,
        recursive_protection,
    )
    counter.elow = effective_protection(
        usage, parent.usage, counter.low, parent.elow, parent.children_low_usage,
        recursive_protection,
    )


def memparse(text: str) -> int | None:
    """The kernel's memparse(): number (0x / 0 prefixes allowed) + K/M/G/T/P/E suffix.

    Returns None where the kernel would leave trailing characters (-EINVAL).
    An empty string parses as 0, as simple_strtoull() does.
    """
    s = text
    i = 0
    base = 10
    if s[:2].lower() == "0x" and len(s) > 2 and _is_digit(s[2], 16):
        base, i = 16, 2
    elif s[:1] == "0" and len(s) > 1 and _is_digit(s[1], 8):
        base, i = 8, 1
    start = i
    while i < len(s) and _is_digit(s[i], base):
        i += 1
    # simple_strtoull() wraps modulo 2**64; parsing in chunks keeps Python's int()
    # under its digit limit for absurdly long numbers.
    value = 0
    for k in range(start, i, 1000):
        chunk = s[k:min(k + 1000, i)]
        value = (value * base ** len(chunk) + int(chunk, base)) & U64_MASK
    if i < len(s) and s[i] in "KkMmGgTtPpEe":
        value <<= 10 * ("KMGTPE".index(s[i].upper()) + 1)
        i += 1
    if i != len(s):
        return None
    return value & U64_MASK


def _is_digit(ch: str, base: int) -> bool:
    return ch in "0123456789abcdef"[:base] or ch in "ABCDEF"[: max(0, base - 10)]


def page_counter_memparse(text: str, max_token: str) -> int | None:
    """Parse a limit write: ``max_token`` means unlimited; rounds down to pages."""
    text = text.strip()
    if text == max_token:
        return PAGE_COUNTER_MAX
    value = memparse(text)
    if value is None:
        return None
    return min(value // PAGE_SIZE, PAGE_COUNTER_MAX)
