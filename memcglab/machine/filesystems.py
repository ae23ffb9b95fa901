"""Disk-backed (ext4-like) filesystems and tmpfs, with their page cache (mm/filemap.c, mm/shmem.c).

A file's data lives in ``blocks`` (the disk, or for tmpfs the pages themselves);
its page cache is ``AddressSpace.pages``: index → ``Folio`` (or a ``SwapSlot``
for a swapped-out tmpfs page). A folio is charged to the memcg of the task
that first brings it into the cache ("first toucher") and stays charged there
while other cgroups read it, until it is reclaimed, truncated or the file is
deleted.

Dirty pages: a write dirties its folio; the flusher writes back folios dirty
for longer than ``dirty_expire`` every ``writeback_interval``; ``sync`` writes
everything back. Dirty folios cannot be dropped. tmpfs folios are shmem: swap
backed, on the anon LRU, never written back, never dropped by drop_caches.

Creating a file or directory allocates a dentry and an inode from slab,
charged byte-precisely to the creator and put on the superblock's list_lrus.

ext4 metadata lives in the block device's page cache, one 4 KiB block per page:
the inode table, the inode and block bitmaps, and every directory's data block.
The first task to touch a block pays for its page (grow_dev_page() charges
``current``). Inode-table and bitmap pages stay: the journal holds their buffers,
so neither reclaim nor drop_caches frees them. On a real 6.1 or 6.12 guest, 200
cgroups that each create one file leave 14 dying memcgs pinned this way
(docs/measurements/, var-file-unique): thirteen inode-table blocks and the inode
bitmap, read by the first file's creator. A directory's block is held while the
directory lives; rmdir frees the block (ext4_free_blocks() forgets its buffer),
but the block is reused only after the running jbd2 transaction commits
(ext4_mb_free_metadata(); memcglab.machine.jbd2), so a burst of mkdir/rmdir takes
a new block, and a new page charged to its cgroup, each time. The freed page stays
cached until dropped, and while a CPU's buffer-head LRU still references it
(memcglab.machine.bh_lru) it cannot be dropped at all
(docs/measurements/ext4-metadata/).
"""

from __future__ import annotations

import errno
import heapq
from typing import TYPE_CHECKING

from memcglab.kernel.folio import (
    PG_DIRTY,
    PG_LOCKED,
    PG_PRIVATE,
    PG_SWAPBACKED,
    PG_WRITEBACK,
    Folio,
    folio_memcg,
)
from memcglab.kernel.list_lru import ListLru, list_lru_add, list_lru_del
from memcglab.kernel.page_counter import PAGE_SIZE
from memcglab.machine.jbd2 import Journal
from memcglab.machine.vfs import O_ACCMODE, Node, OpenFile
from memcglab.shell.system import O_APPEND, O_RDONLY, O_TRUNC, SysError

if TYPE_CHECKING:
    from memcglab.machine.machine import Machine
    from memcglab.machine.task import Task

DENTRY_SIZE = 192
# One ext4 page's buffer: struct buffer_head (104 B) plus the objcg pointer slab
# accounting adds. Real 6.1 charges 110-125 B of reclaimable slab per page written
# (docs/measurements/buffer-heads/).
BUFFER_HEAD_SIZE = 112
INODES_PER_TABLE_BLOCK = 16  # 256-byte ext4 inodes in a 4 KiB block
# The lowest free inode number is taken; a freed one is reused at once, since
# recently_deleted() applies only without a journal (fs/ext4/ialloc.c, find_inode_bit()).
EXT4_FIRST_FREE_INO = 12  # 1..10 are reserved, 11 is lost+found
# Where metadata blocks sit in the model's block-device page cache: the inode table
# from index 0, group 0's bitmaps below it, directory blocks far above it.
INODE_BITMAP_BLOCK = -1
BLOCK_BITMAP_BLOCK = -2
DIR_BLOCK_BASE = 1 << 30
# Simulated cost of an ext4 namespace change (create, unlink, mkdir, rmdir), on the
# scale of machine.COST_SYSCALL. Calibrated on var-createdelete (50 x 22 such
# changes): 16.3 s on the 6.1 TCG guest, 7.3 s in the model without it. It sets how
# many iterations share one journal transaction, hence how many directory blocks
# are new (docs/measurements/ext4-metadata/).
COST_EXT4_NAMESPACE_OP = 600e-6
EXT4_INODE_SIZE = 1184
SHMEM_INODE_SIZE = 776


class SwapSlot:
    """A swapped-out page of a tmpfs file or an anon mapping."""

    __slots__ = ("slot",)

    def __init__(self, slot: int):
        self.slot = slot


class SlabObject:
    """A charged slab object (dentry, inode): what it references and its size."""

    __slots__ = ("owner", "size", "item", "nid")

    def __init__(self, owner, size: int, item: str):
        self.owner = owner
        self.size = size
        self.item = item
        self.nid = 0


class AddressSpace:
    """A file's page cache."""

    def __init__(self, fs: RegularFs, inode: FsFile):
        self.fs = fs
        self.inode = inode
        self.pages: dict[int, Folio | SwapSlot] = {}

    # --- reclaim interface used by vmscan ---------------------------------
    def evict(self, folio: Folio) -> bool:
        """Drop a clean, unshared page-cache folio (or swap out a tmpfs one)."""
        if folio.flags & (PG_PRIVATE | PG_LOCKED):
            return False  # buffer heads still held (journalled metadata), or being written
        if self.inode is None and self.fs.machine.bh_lrus.bh_busy(folio):
            return False  # a CPU's buffer-head LRU still references the block
        if folio.flags & (PG_DIRTY | PG_WRITEBACK) and not self.fs.shmem:
            return False
        if self.fs.shmem:
            return self.fs.machine.swap_out_folio(folio, self.pages, folio.index)
        del self.pages[folio.index]
        self.fs.machine.free_lru_folio(folio)
        return True

    def start_writeback(self, folio: Folio) -> None:
        """Reclaim met a dirty folio: queue it for I/O (it cannot be dropped yet)."""
        if folio.flags & PG_DIRTY and not self.fs.shmem:
            self.fs.machine.writeback_folio(folio)


class FsDir(Node):
    is_dir = True
    mode = 0o755

    def __init__(self, fs: RegularFs, parent: FsDir | None):
        self.fs = fs
        self.parent = parent
        self.children: dict[str, Node] = {}
        self.slab: list[SlabObject] = []
        self.ino = 0
        self.block: int | None = None  # ext4: the directory's data block

    def lookup(self, name: str) -> Node | None:
        if name == "..":
            return self.parent or self
        return self.children.get(name)

    def listdir(self) -> list[str]:
        return sorted(self.children)

    def mkdir(self, name: str, task: Task) -> Node:
        if name in self.children:
            raise SysError(errno.EEXIST)
        d = FsDir(self.fs, self)
        self.fs.alloc_slab(d, task)
        d.ino = self.fs.alloc_ino(task)
        d.block = self.fs.ext4_init_new_dir(task)
        self.fs.ext4_add_entry(task, self)
        self.children[name] = d
        return d

    def rmdir(self, name: str, task: Task) -> None:
        d = self.children.get(name)
        if d is None:
            raise SysError(errno.ENOENT)
        if not isinstance(d, FsDir):
            raise SysError(errno.ENOTDIR)
        if d.children:
            raise SysError(errno.ENOTEMPTY)
        del self.children[name]
        self.fs.ext4_delete_entry(task, self, d.ino)
        self.fs.free_slab(d)
        if d.block is not None:
            self.fs.ext4_free_dir_block(task, d.block)
        self.fs.free_ino(task, d.ino)

    def create(self, name: str, task: Task) -> Node:
        if name in self.children:
            raise SysError(errno.EEXIST)
        f = FsFile(self.fs)
        self.fs.alloc_slab(f, task)
        f.ino = self.fs.alloc_ino(task)
        self.fs.ext4_add_entry(task, self)
        self.fs.files[f] = None
        self.children[name] = f
        return f

    def unlink(self, name: str, task: Task) -> None:
        f = self.children.get(name)
        if f is None:
            raise SysError(errno.ENOENT)
        if isinstance(f, FsDir):
            raise SysError(errno.EISDIR)
        del self.children[name]
        self.fs.ext4_delete_entry(task, self, f.ino)
        f.nlink -= 1
        if f.nlink == 0 and f.open_count == 0:
            f.evict_inode(task)


class FsFile(Node):
    def __init__(self, fs: RegularFs):
        self.fs = fs
        self.blocks: dict[int, bytes] = {}
        self.length = 0
        self.nlink = 1
        self.open_count = 0
        self.mapping = AddressSpace(fs, self)
        self.slab: list[SlabObject] = []
        self.ino = 0

    def size(self) -> int:
        return self.length

    def open(self, task: Task, flags: int) -> OpenFile:
        f = RegularOpenFile("", flags, self)
        self.open_count += 1
        if flags & O_TRUNC and (flags & O_ACCMODE) != O_RDONLY:
            self.truncate(0)
        return f

    def truncate(self, size: int) -> None:
        first_gone = -(-size // PAGE_SIZE)
        for index in [i for i in self.mapping.pages if i >= first_gone]:
            self.fs.machine.drop_cache_entry(self.mapping.pages.pop(index))
        for index in [i for i in self.blocks if i >= first_gone]:
            del self.blocks[index]
        if size % PAGE_SIZE and size // PAGE_SIZE in self.blocks:
            keep = size % PAGE_SIZE
            b = self.blocks[size // PAGE_SIZE]
            self.blocks[size // PAGE_SIZE] = b[:keep] + bytes(PAGE_SIZE - keep)
        self.length = size

    def evict_inode(self, task: Task) -> None:
        """The last link and the last opener are gone: free cache and slab."""
        self.truncate(0)
        self.fs.free_slab(self)
        self.fs.free_ino(task, self.ino)
        self.fs.files.pop(self, None)

    # --- data path --------------------------------------------------------
    def read_at(self, task: Task, offset: int, size: int) -> bytes:
        end = min(self.length, offset + size if size >= 0 else self.length)
        if offset >= end:
            return b""
        out = bytearray()
        for index in range(offset // PAGE_SIZE, (end - 1) // PAGE_SIZE + 1):
            self.fs.machine.filemap_get_folio(task, self.mapping, index, for_write=False)
            block = self.blocks.get(index, bytes(PAGE_SIZE))
            lo = max(offset - index * PAGE_SIZE, 0)
            hi = min(end - index * PAGE_SIZE, PAGE_SIZE)
            out += block[lo:hi]
        return bytes(out)

    def write_at(self, task: Task, offset: int, data: bytes) -> int:
        pos = offset
        view = memoryview(data)
        while view:
            index, lo = divmod(pos, PAGE_SIZE)
            n = min(PAGE_SIZE - lo, len(view))
            self.fs.machine.filemap_get_folio(task, self.mapping, index, for_write=True)
            block = bytearray(self.blocks.get(index, bytes(PAGE_SIZE)))
            block[lo:lo + n] = view[:n]
            self.blocks[index] = bytes(block)
            view = view[n:]
            pos += n
        self.length = max(self.length, pos)
        self.fs.ext4_mark_inode_dirty(task, self.ino)  # file_update_time()
        return len(data)


class RegularOpenFile(OpenFile):
    node: FsFile

    def read(self, task: Task, size: int) -> bytes:
        data = self.node.read_at(task, self.offset, size)
        self.offset += len(data)
        return data

    def write(self, task: Task, data: bytes) -> int:
        if self.flags & O_APPEND:
            self.offset = self.node.length
        n = self.node.write_at(task, self.offset, data)
        self.offset += n
        return n

    def close(self, task: Task) -> None:
        self.node.open_count -= 1
        if self.node.open_count == 0 and self.node.nlink == 0:
            self.node.evict_inode(task)


class RegularFs:
    """An ext4-like disk filesystem, or tmpfs when ``shmem``."""

    def __init__(self, machine: Machine, name: str, shmem: bool):
        self.machine = machine
        self.name = name
        self.shmem = shmem
        nodes = machine.nr_nodes
        self.dentry_lru = ListLru(f"{name}:dentry", nodes)
        self.inode_lru = ListLru(f"{name}:inode", nodes)
        machine.memcg.list_lrus.extend([self.dentry_lru, self.inode_lru])
        self.root = FsDir(self, None)
        self.files: dict[FsFile, None] = {}  # every inode, for drop_caches and sync
        # ext4 only: metadata blocks in the block device's page cache.
        self.bdev = None if shmem else AddressSpace(self, None)
        self.used_inos = {2, 11}  # the root directory and lost+found
        self.journal = None if shmem else Journal(machine, self._release_freed_blocks)
        # Directory blocks: the next never-used one, those free again (a heap, lowest
        # first, as mballoc searches up from the goal), and those freed in the running
        # transaction, which wait for its commit.
        self._next_dir_block = 0
        self._free_dir_blocks: list[int] = []
        self._freed_in_transaction: list[int] = []

    def ext4_mkfs(self, task: Task) -> None:
        """The root directory's block and the block bitmap, read at mount (by ``task``)."""
        self.root.block = self._alloc_dir_block()
        self._getblk(task, DIR_BLOCK_BASE + self.root.block)
        self._getblk(task, BLOCK_BITMAP_BLOCK)

    def _release_freed_blocks(self) -> None:
        """The commit made the blocks freed in its transaction allocatable again
        (ext4_process_freed_data())."""
        for block in self._freed_in_transaction:
            heapq.heappush(self._free_dir_blocks, block)
        self._freed_in_transaction.clear()

    # --- metadata buffers (fs/buffer.c) --------------------------------------
    def _getblk(self, task: Task, index: int) -> Folio:
        """sb_getblk()/sb_bread(): the block's page, read in and charged to ``task``'s
        memcg if not cached, and its buffer put in the CPU's buffer-head LRU."""
        folio = self.bdev.pages.get(index)
        if folio is None:
            folio = self.machine.filemap_get_folio(task, self.bdev, index, for_write=False)
            folio.flags |= PG_PRIVATE  # journalled metadata
            self.attach_buffers(folio)  # the block's buffer_head
        self.machine.bh_lrus.bh_lru_install(task.cpu, folio)
        self.journal.jbd2_journal_dirty_metadata(index)
        return folio

    def _itable_block(self, ino: int) -> int:
        return (ino - 1) // INODES_PER_TABLE_BLOCK

    # --- ext4 operations: which metadata blocks each one reads ----------------
    def alloc_ino(self, task: Task) -> int:
        """__ext4_new_inode(): the lowest free inode number, then its table block."""
        if self.bdev is None:
            return 0
        self.machine.charge_time(COST_EXT4_NAMESPACE_OP)
        self.journal.jbd2_journal_start()
        ino = EXT4_FIRST_FREE_INO
        while ino in self.used_inos:
            ino += 1
        self.used_inos.add(ino)
        self._getblk(task, INODE_BITMAP_BLOCK)  # ext4_read_inode_bitmap()
        self.touch_inode_table(task, ino)
        return ino

    def free_ino(self, task: Task, ino: int) -> None:
        """ext4_free_inode(): clear the bit in the inode bitmap."""
        if ino and self.bdev is not None:
            self._getblk(task, INODE_BITMAP_BLOCK)
            self.used_inos.discard(ino)

    def touch_inode_table(self, task: Task, ino: int) -> None:
        """ext4_get_inode_loc(): read the block holding the inode, charging the reader."""
        self._getblk(task, self._itable_block(ino))

    def ext4_mark_inode_dirty(self, task: Task, ino: int) -> None:
        """An inode change (size, times) is journalled: its table block is read."""
        if self.bdev is not None:
            self.journal.jbd2_journal_start()
            self.touch_inode_table(task, ino)

    def ext4_add_entry(self, task: Task, parent: FsDir) -> None:
        """Link a name into ``parent``: its directory block, then its inode (mtime)."""
        if self.bdev is not None and parent.block is not None:
            self._getblk(task, DIR_BLOCK_BASE + parent.block)
            self.ext4_mark_inode_dirty(task, parent.ino)

    def ext4_delete_entry(self, task: Task, parent: FsDir, ino: int) -> None:
        """Unlink a name: ext4_find_entry() reads ``parent``'s block; the victim's inode
        goes on the orphan list and both inodes are updated."""
        if self.bdev is not None and parent.block is not None:
            self.machine.charge_time(COST_EXT4_NAMESPACE_OP)
            self._getblk(task, DIR_BLOCK_BASE + parent.block)
            self.ext4_mark_inode_dirty(task, ino)
            self.ext4_mark_inode_dirty(task, parent.ino)

    def _alloc_dir_block(self) -> int:
        if self._free_dir_blocks:
            return heapq.heappop(self._free_dir_blocks)
        self._next_dir_block += 1
        return self._next_dir_block - 1

    def ext4_init_new_dir(self, task: Task) -> int | None:
        """mkdir's first block: mballoc reads the block bitmap and takes the lowest
        free block; ext4_getblk() gives it a fresh page, charged to ``task``."""
        if self.bdev is None:
            return None
        self._getblk(task, BLOCK_BITMAP_BLOCK)
        block = self._alloc_dir_block()
        folio = self._getblk(task, DIR_BLOCK_BASE + block)
        folio.flags |= PG_PRIVATE  # a reused, already cached page is journalled again
        return block

    def ext4_free_dir_block(self, task: Task, block: int) -> None:
        """ext4_free_blocks() on rmdir: the bitmap is read, the block's buffer found
        (sb_find_get_block()) and forgotten by the journal, so its page can go, and
        the block waits for the commit before reuse (ext4_mb_free_metadata())."""
        self.journal.jbd2_journal_start()
        self._getblk(task, BLOCK_BITMAP_BLOCK)
        folio = self.bdev.pages.get(DIR_BLOCK_BASE + block)
        if folio is not None:
            folio.flags &= ~PG_PRIVATE  # jbd2_journal_forget()
            self.machine.bh_lrus.bh_lru_install(task.cpu, folio)
        self.journal.jbd2_journal_revoke(DIR_BLOCK_BASE + block)
        self._freed_in_transaction.append(block)

    def attach_buffers(self, folio: Folio) -> None:
        """create_empty_buffers() (fs/buffer.c): an ext4 folio gets a buffer_head when it
        is first written (or read as metadata). alloc_page_buffers() charges it to the
        folio's memcg, not the caller's (4.19+), as reclaimable slab; it is freed with
        the folio (try_to_free_buffers())."""
        machine = self.machine
        if self.shmem or folio.private is not None or not machine.profile.buffer_head_accounted:
            return
        memcg = folio_memcg(folio)
        if memcg is None:
            return
        owner = machine.slab_alloc(memcg, BUFFER_HEAD_SIZE, "slab_reclaimable")
        folio.private = SlabObject(owner, BUFFER_HEAD_SIZE, "slab_reclaimable")

    def free_buffers(self, folio: Folio) -> None:
        obj = folio.private
        folio.private = None
        self.machine.slab_free(obj.owner, obj.size, obj.item)

    def alloc_slab(self, node: FsDir | FsFile, task: Task) -> None:
        """d_alloc() + alloc_inode(): two accounted, reclaimable slab objects."""
        memcg = self.machine.task_memcg(task)
        inode_size = SHMEM_INODE_SIZE if self.shmem else EXT4_INODE_SIZE
        for size, lru in ((DENTRY_SIZE, self.dentry_lru), (inode_size, self.inode_lru)):
            owner = self.machine.slab_alloc(memcg, size, "slab_reclaimable", lru)
            obj = SlabObject(owner, size, "slab_reclaimable")
            node.slab.append(obj)
            list_lru_add(lru, obj, 0, self.machine.slab_obj_memcg(obj))

    def free_slab(self, node: FsDir | FsFile) -> None:
        for obj, lru in zip(node.slab, (self.dentry_lru, self.inode_lru), strict=False):
            list_lru_del(lru, obj, 0, self.machine.slab_obj_memcg(obj))
            self.machine.slab_free(obj.owner, obj.size, obj.item)
        node.slab = []


__all__ = ["PG_SWAPBACKED", "AddressSpace", "FsDir", "FsFile", "RegularFs", "SwapSlot"]
