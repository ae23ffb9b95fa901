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

ext4 metadata: a new inode is written into the inode table, whose 4 KiB blocks
live in the block device's page cache. The first task to touch a block pays for
its page (grow_dev_page() charges ``current``), and the page stays: its buffer
heads are held by the journal, so neither reclaim nor drop_caches frees it. On
a real 6.1 or 6.12 guest, 200 cgroups that each create one file leave 14 dying
memcgs pinned this way (docs/measurements/, var-file-unique): thirteen inode
table blocks and the inode bitmap, read by the first file's creator.
"""

from __future__ import annotations

import errno
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
EXT4_FIRST_FREE_INO = 12  # 1..10 are reserved, 11 is lost+found
# A freed inode number waits this long before reuse. This is a stand-in: a journalled
# ext4 (the model's) reuses a freed number at once, since recently_deleted() applies
# only without a journal (fs/ext4/ialloc.c, find_inode_bit()). The delay lets new
# inode-table blocks stand in for the directory data blocks that really pin memcgs in
# create/delete loops (docs/fidelity.md, known disagreement 4).
RECENTLY_DELETED = 5.0
# Where group 0's inode bitmap sits in the model's block-device page cache (any
# index apart from the inode table's).
INODE_BITMAP_BLOCK = -1
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
        self.fs.free_slab(d)
        self.fs.free_ino(d.ino)

    def create(self, name: str, task: Task) -> Node:
        if name in self.children:
            raise SysError(errno.EEXIST)
        f = FsFile(self.fs)
        self.fs.alloc_slab(f, task)
        f.ino = self.fs.alloc_ino(task)
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
        f.nlink -= 1
        if f.nlink == 0 and f.open_count == 0:
            f.evict_inode()


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

    def evict_inode(self) -> None:
        """The last link and the last opener are gone: free cache and slab."""
        self.truncate(0)
        self.fs.free_slab(self)
        self.fs.free_ino(self.ino)
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
            self.node.evict_inode()


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
        # ext4 only: the inode table's pages in the block device's page cache.
        self.bdev = None if shmem else AddressSpace(self, None)
        self.used_inos = {2, 11}  # the root directory and lost+found
        self.deleted_at: dict[int, float] = {}

    def alloc_ino(self, task: Task) -> int:
        """__ext4_new_inode(): the lowest free inode number, then its table block."""
        if self.bdev is None:
            return 0
        now = self.machine.clock.now
        ino = EXT4_FIRST_FREE_INO
        while ino in self.used_inos or now - self.deleted_at.get(ino, -RECENTLY_DELETED) \
                < RECENTLY_DELETED:
            ino += 1
        self.used_inos.add(ino)
        self._touch_metadata(task, INODE_BITMAP_BLOCK)  # ext4_read_inode_bitmap()
        self.touch_inode_table(task, ino)
        return ino

    def free_ino(self, ino: int) -> None:
        if ino:
            self.used_inos.discard(ino)
            self.deleted_at[ino] = self.machine.clock.now

    def touch_inode_table(self, task: Task, ino: int) -> None:
        """ext4_get_inode_loc(): read the block holding the inode, charging the reader."""
        self._touch_metadata(task, (ino - 1) // INODES_PER_TABLE_BLOCK)

    def _touch_metadata(self, task: Task, index: int) -> None:
        if index not in self.bdev.pages:
            folio = self.machine.filemap_get_folio(task, self.bdev, index, for_write=False)
            folio.flags |= PG_PRIVATE
            self.attach_buffers(folio)  # sb_bread(): the block's buffer_head

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
