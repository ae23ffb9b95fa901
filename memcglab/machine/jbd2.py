"""The ext4 journal: one running transaction at a time (fs/jbd2/transaction.c, commit.c).

A handle (``jbd2_journal_start()``) starts a transaction if none is running and
arms its commit ``JBD2_COMMIT_INTERVAL`` later; ``sync`` commits at once. What the
model needs from it is timing and buffer traffic, not durability:

* blocks freed while a transaction runs may be allocated again only after it
  commits (``ext4_mb_free_metadata()``; the filesystem's ``on_commit`` callback);
* kjournald2 gets a descriptor block (if anything was logged), a revoke block (if
  a block was forgotten) and the commit block with ``__getblk()`` on the journal
  device (``jbd2_journal_get_descriptor_buffer()``); the logged blocks' copies use
  bare buffer heads (``jbd2_journal_write_metadata_buffer()``). Those lookups pass
  through the buffer-head LRU of the CPU kjournald2 runs on
  (memcglab.machine.bh_lru), pushing older buffers out. The kthread is not bound:
  a sync wakes it on the waiting task's CPU, the commit timer where it last ran.
  Journal blocks are not kept in the model's page cache.

Lifetime: a commit timer carries its transaction's id and does nothing if that
transaction was already committed by a sync.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from memcglab.machine.machine import Machine

# JBD2_DEFAULT_MAX_COMMIT_AGE: a transaction commits this long after it started.
JBD2_COMMIT_INTERVAL = 5.0


class JournalBlock:
    """A block of the journal, as a buffer-head LRU entry."""

    __slots__ = ("block",)

    def __init__(self, block: int):
        self.block = block


class Journal:
    __slots__ = ("machine", "on_commit", "tid", "running", "logged", "revoked", "head",
                 "kjournald_cpu")

    def __init__(self, machine: Machine, on_commit: Callable[[], None]):
        self.machine = machine
        self.on_commit = on_commit
        self.tid = 0  # the running transaction's id, while ``running``
        self.running = False
        self.logged: set[int] = set()  # metadata blocks the transaction logs
        self.revoked = False  # whether it forgot (revoked) a freed block
        self.head = 0  # the next journal block a commit writes
        self.kjournald_cpu = 0

    def jbd2_journal_start(self) -> None:
        """A handle on the running transaction, started (and its commit armed) if none."""
        if not self.running:
            self.running = True
            tid = self.tid
            self.machine.clock.call_later(JBD2_COMMIT_INTERVAL, lambda: self.commit(tid))

    def jbd2_journal_dirty_metadata(self, block: int) -> None:
        if self.running:
            self.logged.add(block)

    def jbd2_journal_revoke(self, block: int) -> None:
        """A freed metadata block is forgotten: not logged, a revoke record instead."""
        self.logged.discard(block)
        self.revoked = True

    def commit(self, tid: int | None = None, cpu: int | None = None) -> None:
        """Commit the running transaction: the commit timer's ``tid``, or any at sync
        from a task on ``cpu``."""
        if not self.running or (tid is not None and tid != self.tid):
            return
        if cpu is not None:
            self.kjournald_cpu = cpu
        install = self.machine.bh_lrus.bh_lru_install
        for _ in range(bool(self.logged) + self.revoked + 1):
            install(self.kjournald_cpu, JournalBlock(self.head))
            self.head += 1
        self.running = False
        self.logged.clear()
        self.revoked = False
        self.tid += 1
        self.on_commit()
