"""Physical memory of the simulated host: free pages and the /proc/meminfo ledger.

Pages are counted by kind (``file``, ``shmem``, ``anon``, ``kernel_stack``,
``pagetables``, ``slab_reclaimable`` ...). Whoever allocates a folio calls
``alloc`` and whoever frees it ``free``; when free memory falls below the low
watermark, the machine's global reclaim is asked to make room (kswapd).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from memcglab.kernel.page_counter import PAGE_SIZE

# Memory the kernel itself uses at boot (text, data, memmap, early allocations).
KERNEL_RESERVED_BYTES = 64 << 20


class PhysicalMemory:
    def __init__(self, total_bytes: int):
        self.total_pages = total_bytes // PAGE_SIZE
        self.reserved_pages = min(KERNEL_RESERVED_BYTES // PAGE_SIZE, self.total_pages // 4)
        self.pages: Counter[str] = Counter()
        self.bytes: Counter[str] = Counter()  # byte-sized kernel objects (slab, percpu)
        # min/low/high watermarks, like a zone's with min_free_kbytes scaled to size.
        self.wmark_min = max(self.total_pages // 256, 128)
        self.wmark_low = self.wmark_min * 5 // 4
        self.wmark_high = self.wmark_min * 3 // 2
        self.reclaim: Callable[[int], int] = lambda nr: 0
        self._in_reclaim = False
        # Pages count whole, byte-sized objects share pages: used pages are
        # pages + ceil(bytes / PAGE_SIZE) = ceil((pages * PAGE_SIZE + bytes) / PAGE_SIZE),
        # so one byte total serves both the ledger and the watermark test.
        self._used_bytes = 0
        self._wmark_low_limit = (self.total_pages - self.reserved_pages - self.wmark_low) \
            * PAGE_SIZE

    @property
    def used_pages(self) -> int:
        return self.reserved_pages + -(-self._used_bytes // PAGE_SIZE)

    @property
    def free_pages(self) -> int:
        return self.total_pages - self.used_pages

    def alloc(self, kind: str, nr: int = 1) -> None:
        self.pages[kind] += nr
        self._used_bytes += nr * PAGE_SIZE
        if self._used_bytes > self._wmark_low_limit:
            self._balance()

    def free(self, kind: str, nr: int = 1) -> None:
        self.pages[kind] -= nr
        self._used_bytes -= nr * PAGE_SIZE

    def alloc_bytes(self, kind: str, nr: int) -> None:
        self.account_bytes(kind, nr)
        if self._used_bytes > self._wmark_low_limit:
            self._balance()

    def free_bytes(self, kind: str, nr: int) -> None:
        self.account_bytes(kind, -nr)

    def account_bytes(self, kind: str, delta: int) -> None:
        """Kernel objects allocated where reclaim must not run (memcg structures while
        a css is being set up): counted at once, balanced at the next allocation."""
        self.bytes[kind] += delta
        self._used_bytes += delta

    def _balance(self) -> None:
        """kswapd: free memory is below the low watermark; reclaim up to the high one."""
        if self._in_reclaim:
            return
        self._in_reclaim = True
        try:
            self.reclaim(self.wmark_high - self.free_pages)
        finally:
            self._in_reclaim = False
