"""obj_cgroup: the indirection that lets charged objects outlive their memcg.

Objects (slab objects, kmem pages, percpu, and from 7.1 LRU folios) point at
an ``ObjCgroup``, not at the memcg. At offline ``memcg_reparent_objcgs()``
re-points every objcg of the dying memcg to the parent, so later uncharges and
stat updates land there and the dead memcg is not referenced (mm/memcontrol.c).

Refcounting (a percpu_ref): a base reference dropped when the objcg is killed
at reparenting, one reference per charged object, the memcg's ``orig_objcg``
reference until the memcg is freed, and one per per-cpu stock caching it. When
a killed objcg reaches zero, ``obj_cgroup_release()`` uncharges the leftover
whole pages of ``nr_charged_bytes`` from its *current* memcg.

From 5.9 to about 5.15 an objcg also held a css reference on its current
memcg (moved to the parent at reparenting); the profile switch
``objcg_pins_memcg`` models that.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from memcglab.kernel.memcontrol import MemCgroup


class ObjCgroup:
    __slots__ = ("memcg", "refcnt", "killed", "released", "nr_charged_bytes", "is_root", "nid")

    def __init__(self, memcg: MemCgroup, nid: int = 0, is_root: bool = False):
        self.memcg = memcg
        self.refcnt = 1  # base reference
        self.killed = False
        self.released = False
        self.nr_charged_bytes = 0
        self.is_root = is_root
        self.nid = nid

    def __repr__(self) -> str:
        state = "killed" if self.killed else "live"
        return f"<objcg {self.memcg.css.cgroup.path()} nid={self.nid} {state} ref={self.refcnt}>"


def obj_cgroup_memcg(objcg: ObjCgroup) -> MemCgroup:
    return objcg.memcg


def obj_cgroup_get(objcg: ObjCgroup, nr: int = 1) -> None:
    objcg.refcnt += nr


def obj_cgroup_put(objcg: ObjCgroup, nr: int = 1) -> None:
    objcg.refcnt -= nr
    if objcg.refcnt < 0:
        raise AssertionError(f"obj_cgroup_put underflow on {objcg!r}")
    if objcg.refcnt == 0:
        objcg.memcg.ctl.obj_cgroup_release(objcg)
