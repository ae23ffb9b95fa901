"""Kernel primitives as atomic steps of the step language.

Each class is one indivisible action of a kernel path that matters to the
reparenting protocol: taking or dropping an lru_lock, one READ_ONCE of
objcg->memcg, one LRU list update, one store of memcg_reparent_objcgs(), one
stage of css release and RCU-deferred free.  Where a real function does
several such actions, scenarios spell it as several steps, because the
interesting interleavings are exactly the ones between them.

Steps never refuse to run on bad state; they do what the kernel would do and
flag what went wrong, so the counterexample shows the first moment the
protocol is broken.  The checks flagged here are:

* ``folio-lruvec``: a folio is added, moved or removed under an lru_lock that
  is not the one of folio_lruvec(folio) right now, or it is not on that
  lruvec's lists (the binding rule the retry loop in folio_lruvec_lock()
  exists for);
* ``lru-exclusion``: an lruvec's lists are changed while another thread
  holds its lru_lock (a data race on the list);
* ``use-after-free``: a freed memcg or lruvec is read, locked or written.
"""

from __future__ import annotations

from dataclasses import dataclass

from memcglab.check.program import Ctx, Instr, Reg, resolve
from memcglab.check.state import (
    FREED,
    LRUS,
    OFFLINE,
    RELEASED,
    Lruvec,
    MemcgWorld,
    folio_lists,
    folio_lruvec,
    folio_memcg,
    lock_name,
    lruvec_memcg,
    mem_cgroup_lruvec,
)

# -- shared checks -------------------------------------------------------------


def _alive(world: MemcgWorld, ctx: Ctx, memcg: str, what: str) -> None:
    if world.life[memcg] == FREED:
        ctx.flag("use-after-free", f"{ctx.thread} {what}, but memcg {memcg} has been freed")


def _exclusive(world: MemcgWorld, ctx: Ctx, lruvec: Lruvec) -> None:
    holder = world.locks[lruvec]
    if holder not in (None, ctx.thread):
        ctx.flag("lru-exclusion", f"{ctx.thread} changes {lruvec}'s lists while {holder} "
                                  "holds its lru_lock")


def _bound(world: MemcgWorld, ctx: Ctx, folio: str, lruvec: Lruvec, *, on_list: bool) -> None:
    """The folio may be touched only under the lru_lock it maps to *now*."""
    if world.locks[lruvec] != ctx.thread:
        ctx.flag("folio-lruvec", f"{ctx.thread} touches {folio} without holding "
                                 f"{lock_name(lruvec)}")
        return
    actual = folio_lruvec(world, folio)
    if actual != lruvec:
        ctx.flag("folio-lruvec", f"{ctx.thread} holds {lock_name(lruvec)} but "
                                 f"folio_lruvec({folio}) is {actual}")
        return
    if on_list and not any(lv == lruvec for lv, _ in folio_lists(world, folio)):
        found = folio_lists(world, folio)
        where = f"{found[0][0]}" if found else "no list"
        ctx.flag("folio-lruvec", f"{folio} is not on {lruvec}'s lists but on {where}")


def _lru(world: MemcgWorld, folio: str) -> str:
    return "active" if world.pg_active[folio] else "inactive"


def _list_add(world: MemcgWorld, ctx: Ctx, folio: str, lruvec: Lruvec) -> None:
    """lruvec_add_folio(): list_add + update_lru_size on the lruvec passed in."""
    _alive(world, ctx, lruvec.memcg, f"adds {folio} to {lruvec}")
    _exclusive(world, ctx, lruvec)
    lru = _lru(world, folio)
    world.lists[lruvec, lru] += (folio,)
    world.sizes[lruvec, lru] += 1
    world.pg_lru[folio] = True


def _list_del(world: MemcgWorld, ctx: Ctx, folio: str, lruvec: Lruvec) -> None:
    """lruvec_del_folio(): list_del unlinks the folio from whatever list it is on,
    but the size is taken off the lruvec passed in - which is how a wrong
    lruvec turns into corrupted LRU sizes."""
    _alive(world, ctx, lruvec.memcg, f"removes {folio} from {lruvec}")
    for key in folio_lists(world, folio):
        _exclusive(world, ctx, key[0])
        folios = list(world.lists[key])
        folios.remove(folio)
        world.lists[key] = tuple(folios)
    world.sizes[lruvec, _lru(world, folio)] -= 1


# -- RCU -------------------------------------------------------------------------


@dataclass
class RcuReadLock(Instr):
    def run(self, world: MemcgWorld, ctx: Ctx) -> str:
        world.rcu_readers |= {ctx.thread}
        return "rcu_read_lock()"


@dataclass
class RcuReadUnlock(Instr):
    def run(self, world: MemcgWorld, ctx: Ctx) -> str:
        world.rcu_readers -= {ctx.thread}
        # Leaving the read-side section is the quiescent state every grace
        # period that started while we were inside is waiting for.
        world.grace_periods = {
            waiter: pending - {ctx.thread} for waiter, pending in world.grace_periods.items()
        }
        return "rcu_read_unlock()"


@dataclass
class RcuGracePeriod(Instr):
    """The wait half of call_rcu()/queue_rcu_work()/synchronize_rcu(): it can
    only complete once every reader that was inside at its start has left."""

    def blocked_on(self, world: MemcgWorld, ctx: Ctx) -> str | None:
        pending = world.grace_periods[ctx.thread]
        return f"grace period waits for {', '.join(sorted(pending))}" if pending else None

    def run(self, world: MemcgWorld, ctx: Ctx) -> str:
        del world.grace_periods[ctx.thread]
        return "RCU grace period elapsed"


# -- lookups -----------------------------------------------------------------------


@dataclass
class FolioMemcg(Instr):
    """folio_memcg(): one READ_ONCE(objcg->memcg); returns a pointer, derefs nothing."""

    folio: str | Reg
    into: str = "memcg"

    def run(self, world: MemcgWorld, ctx: Ctx) -> str:
        folio = resolve(ctx, self.folio)
        ctx.regs[self.into] = folio_memcg(world, folio)
        return f"folio_memcg({folio}) -> {ctx.regs[self.into]}"


@dataclass
class MemCgroupLruvec(Instr):
    """mem_cgroup_lruvec(): reads memcg->nodeinfo[nid], a dereference of the memcg."""

    memcg: Reg
    node: int
    into: str = "lruvec"

    def run(self, world: MemcgWorld, ctx: Ctx) -> str:
        memcg = resolve(ctx, self.memcg)
        _alive(world, ctx, memcg, f"reads {memcg}->nodeinfo[{self.node}]")
        ctx.regs[self.into] = mem_cgroup_lruvec(memcg, self.node)
        return f"mem_cgroup_lruvec({memcg}, node{self.node}) -> {ctx.regs[self.into]}"


@dataclass
class FolioLruvec(Instr):
    """folio_lruvec(): folio_memcg() then mem_cgroup_lruvec() on the folio's node."""

    folio: str | Reg
    into: str = "lruvec"

    def run(self, world: MemcgWorld, ctx: Ctx) -> str:
        folio = resolve(ctx, self.folio)
        memcg = folio_memcg(world, folio)
        _alive(world, ctx, memcg, f"reads {memcg}->nodeinfo")
        ctx.regs[self.into] = folio_lruvec(world, folio)
        return f"folio_lruvec({folio}) -> {ctx.regs[self.into]}"


@dataclass
class LruvecStale(Instr):
    """The recheck of folio_lruvec_lock(): under the lock, compare the lruvec's
    memcg with a fresh folio_memcg(); branch to ``branch`` if they differ."""

    folio: str | Reg
    lruvec: Reg
    branch: str | None = None

    def run(self, world: MemcgWorld, ctx: Ctx) -> str:
        folio, lruvec = resolve(ctx, self.folio), resolve(ctx, self.lruvec)
        _alive(world, ctx, lruvec.memcg, f"reads {lruvec}")
        have, want = lruvec_memcg(lruvec), folio_memcg(world, folio)
        if have == want:
            return f"lruvec_memcg({lruvec}) == folio_memcg({folio}) == {want}: locked"
        ctx.jump = self.branch
        return f"lruvec_memcg({lruvec}) = {have} != folio_memcg({folio}) = {want}: retry"


# -- locks -----------------------------------------------------------------------


@dataclass
class SpinLock(Instr):
    """spin_lock(): a waiter is simply not runnable until the holder lets go."""

    lock: Lruvec | Reg | str

    def blocked_on(self, world: MemcgWorld, ctx: Ctx) -> str | None:
        lock = resolve(ctx, self.lock)
        if isinstance(lock, Lruvec) and world.life[lock.memcg] == FREED:
            return None  # spinning on freed memory: let run() report it
        holder = world.locks[lock]
        return f"waits for {lock_name(lock)} held by {holder}" if holder else None

    def run(self, world: MemcgWorld, ctx: Ctx) -> str:
        lock = resolve(ctx, self.lock)
        if isinstance(lock, Lruvec):
            _alive(world, ctx, lock.memcg, f"locks {lock_name(lock)}")
        world.locks[lock] = ctx.thread
        return f"spin_lock({lock_name(lock)})"


@dataclass
class SpinUnlock(Instr):
    lock: Lruvec | Reg | str
    goto: str | None = None

    def run(self, world: MemcgWorld, ctx: Ctx) -> str:
        lock = resolve(ctx, self.lock)
        if isinstance(lock, Lruvec):
            _alive(world, ctx, lock.memcg, f"unlocks {lock_name(lock)}")
        world.locks[lock] = None
        return f"spin_unlock({lock_name(lock)})"


# -- LRU list operations (caller holds the lruvec's lru_lock) ---------------------------


@dataclass
class LruvecAddFolio(Instr):
    """folio_add_lru() / folio_putback_lru(): lruvec_add_folio() under the lock."""

    folio: str | Reg
    lruvec: Reg

    def run(self, world: MemcgWorld, ctx: Ctx) -> str:
        folio, lruvec = resolve(ctx, self.folio), resolve(ctx, self.lruvec)
        _bound(world, ctx, folio, lruvec, on_list=False)
        _list_add(world, ctx, folio, lruvec)
        return f"lruvec_add_folio({lruvec}, {folio}) -> {world.list_text(lruvec)}"


@dataclass
class LruvecDelFolio(Instr):
    """folio_isolate_lru(): lruvec_del_folio() under the lock, PG_lru cleared."""

    folio: str | Reg
    lruvec: Reg

    def run(self, world: MemcgWorld, ctx: Ctx) -> str:
        folio, lruvec = resolve(ctx, self.folio), resolve(ctx, self.lruvec)
        _bound(world, ctx, folio, lruvec, on_list=True)
        _list_del(world, ctx, folio, lruvec)
        world.pg_lru[folio] = False
        return f"lruvec_del_folio({lruvec}, {folio}) -> {world.list_text(lruvec)}"


@dataclass
class LruActivate(Instr):
    """folio_activate()'s move under the lock: del, SetPageActive, add."""

    folio: str | Reg
    lruvec: Reg

    def run(self, world: MemcgWorld, ctx: Ctx) -> str:
        folio, lruvec = resolve(ctx, self.folio), resolve(ctx, self.lruvec)
        _bound(world, ctx, folio, lruvec, on_list=True)
        _list_del(world, ctx, folio, lruvec)
        world.pg_active[folio] = True
        _list_add(world, ctx, folio, lruvec)
        return f"lru_activate({lruvec}, {folio}) -> {world.list_text(lruvec)}"


@dataclass
class IsolateLruFolios(Instr):
    """isolate_lru_folios() taking one folio from the tail of the inactive list
    of the lruvec reclaim is scanning (mm/vmscan.c); reclaim gets the lruvec
    from the memcg it iterates, not from a folio, so it never retries."""

    lruvec: Lruvec
    into: str = "folio"

    def run(self, world: MemcgWorld, ctx: Ctx) -> str:
        folio = world.lists[self.lruvec, "inactive"][-1]
        # A folio found on this list under this lock must map to this lruvec.
        _bound(world, ctx, folio, self.lruvec, on_list=True)
        _list_del(world, ctx, folio, self.lruvec)
        world.pg_lru[folio] = False
        ctx.regs[self.into] = folio
        return f"isolate_lru_folios({self.lruvec}) -> {folio}; {world.list_text(self.lruvec)}"


# -- memcg_reparent_objcgs() and css teardown -------------------------------------------


@dataclass
class CssOffline(Instr):
    memcg: str

    def run(self, world: MemcgWorld, ctx: Ctx) -> str:
        world.life[self.memcg] = OFFLINE
        return f"mem_cgroup_css_offline({self.memcg})"


@dataclass
class LruReparentMemcg(Instr):
    """lru_reparent_memcg() (mm/swap.c) for one node: splice each of the child's
    LRU lists onto the tail of the parent's and move the sizes with them."""

    child: str
    parent: str
    node: int

    def run(self, world: MemcgWorld, ctx: Ctx) -> str:
        src, dst = Lruvec(self.child, self.node), Lruvec(self.parent, self.node)
        _exclusive(world, ctx, src)
        _exclusive(world, ctx, dst)
        for lru in LRUS:
            world.lists[dst, lru] += world.lists[src, lru]
            world.sizes[dst, lru] += world.sizes[src, lru]
            world.lists[src, lru] = ()
            world.sizes[src, lru] = 0
        return f"lru_reparent_memcg({self.child} -> {self.parent}, node{self.node}) -> " \
               f"{world.list_text(dst)}"


@dataclass
class ReparentObjcg(Instr):
    """One WRITE_ONCE(objcg->memcg, parent) of __memcg_reparent_objcgs()."""

    objcg: str
    parent: str

    def run(self, world: MemcgWorld, ctx: Ctx) -> str:
        world.objcg_memcg[self.objcg] = self.parent
        return f"reparent: {self.objcg}->memcg = {self.parent}"


@dataclass
class CssPut(Instr):
    memcg: str

    def run(self, world: MemcgWorld, ctx: Ctx) -> str:
        world.refs[self.memcg] -= 1
        return f"css_put({self.memcg}) -> refcount {world.refs[self.memcg]}"


@dataclass
class CssRelease(Instr):
    """css_release() once the last reference is gone: queue_rcu_work() the free,
    i.e. start a grace period this thread will wait for."""

    memcg: str

    def blocked_on(self, world: MemcgWorld, ctx: Ctx) -> str | None:
        refs = world.refs[self.memcg]
        return f"waits for {self.memcg}'s refcount ({refs}) to reach 0" if refs else None

    def run(self, world: MemcgWorld, ctx: Ctx) -> str:
        world.life[self.memcg] = RELEASED
        world.grace_periods[ctx.thread] = world.rcu_readers
        readers = ", ".join(sorted(world.rcu_readers)) or "no readers"
        return f"css_release({self.memcg}): queue_rcu_work(css_free_rwork_fn), " \
               f"grace period waits for {readers}"


@dataclass
class CssFree(Instr):
    """css_free_rwork_fn(): the memcg and its per-node lruvecs are freed."""

    memcg: str

    def run(self, world: MemcgWorld, ctx: Ctx) -> str:
        world.life[self.memcg] = FREED
        return f"css_free_rwork_fn({self.memcg}): memcg and its lruvecs freed"


@dataclass
class ModLruvecState(Instr):
    """__mod_lruvec_state(): a write into the lruvec's per-cpu stats."""

    lruvec: Reg

    def run(self, world: MemcgWorld, ctx: Ctx) -> str:
        lruvec = resolve(ctx, self.lruvec)
        _alive(world, ctx, lruvec.memcg, f"writes {lruvec}'s stats")
        return f"__mod_lruvec_state({lruvec})"

