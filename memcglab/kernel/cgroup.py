"""The cgroup tree and the css lifecycle (kernel/cgroup/cgroup.c).

Lifecycle of a css (cgroup_subsys_state), as in the comment above
css_free_rwork_fn() that Dave Chinner quotes in seed 003:

1. rmdir → ``kill_css()``: the css is marked dying at once (tryget_online
   fails) and its percpu_ref is killed; ``kill_css`` holds an extra ref.
2. After a grace period the kill is confirmed; ``css_killed_work_fn`` runs
   from a workqueue: ``->css_offline()``, then the extra ref is put. A parent is
   offlined only after all its children (``online_cnt``).
3. When the refcount reaches zero ``css_release()`` queues the release work:
   the css leaves its parent's children list and the dying counters drop.
4. One more grace period later ``css_free_rwork_fn`` frees it, putting its
   references on the cgroup and on the parent css.

A cgroup's own ("self") css follows the same path; every controller css holds
a reference on it, so a cgroup stays counted in ``/proc/cgroups`` and
``nr_dying_descendants`` until its memcg is freed.

Locking: the kernel serialises all of this under cgroup_mutex; the model runs
one event at a time on the simulated clock, which gives the same ordering.
Every reference is taken with a *holder* name so that "why is this css still
here?" can always be answered (``Css.holders``).
"""

from __future__ import annotations

import errno
from collections import Counter
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from memcglab.kernel.rcu import Clock

if TYPE_CHECKING:
    from memcglab.kernel.memcontrol import MemCgroup


class CgroupError(Exception):
    """A failed cgroup operation; ``errno`` is what the syscall returns."""

    def __init__(self, err: int, message: str = ""):
        super().__init__(err, message)
        self.errno = err


class Css:
    """A cgroup_subsys_state: the memory controller's, or a cgroup's own."""

    __slots__ = (
        "cgroup",
        "ss",
        "parent",
        "children",
        "refcnt",
        "holders",
        "killed",
        "online",
        "dying",
        "released",
        "freed",
        "online_cnt",
        "id",
        "priv",
    )

    def __init__(self, cgroup: Cgroup, ss: str | None, parent: Css | None, css_id: int):
        self.cgroup = cgroup
        self.ss = ss  # None for the cgroup's self css
        self.parent = parent
        self.children: dict[Css, None] = {}  # an ordered set: O(1) removal
        self.refcnt = 1  # the base reference of the percpu_ref
        self.holders: dict[str, int] = {"base": 1}
        self.killed = False
        self.online = False
        self.dying = False
        self.released = False
        self.freed = False
        self.online_cnt = 1
        self.id = css_id
        self.priv: MemCgroup | None = None

    def __repr__(self) -> str:
        return f"<css {self.ss or 'self'} {self.cgroup.path()} ref={self.refcnt}>"


class Hierarchy:
    """A cgroup root: the v2 default hierarchy, or one v1 mount."""

    def __init__(self, hierarchy_id: int, on_dfl: bool, subsys: tuple[str, ...]):
        self.hierarchy_id = hierarchy_id
        self.on_dfl = on_dfl
        self.subsys = subsys
        self.nr_cgrps = 1
        self.root: Cgroup | None = None


class Cgroup:
    """A directory in a cgroup hierarchy."""

    def __init__(self, core: CgroupCore, hierarchy: Hierarchy, name: str, parent: Cgroup | None):
        self.core = core
        self.hierarchy = hierarchy
        self.name = name
        self.parent = parent
        self.level = parent.level + 1 if parent else 0
        self.children: dict[str, Cgroup] = {}  # live directory entries
        self.self_css = Css(self, None, parent.self_css if parent else None, core.next_cgroup_id())
        self.subsys: dict[str, Css] = {}
        self.subtree_control: set[str] = set()
        self.nr_descendants = 0
        self.nr_dying_descendants = 0
        self.nr_dying_subsys: Counter[str] = Counter()
        self.max_descendants: int | None = None
        self.max_depth: int | None = None
        self.tasks: set[int] = set()
        self.nr_populated = 0  # tasks in this cgroup and its descendants
        self.dead = False

    def path(self) -> str:
        parts = []
        c: Cgroup | None = self
        while c is not None and c.parent is not None:
            parts.append(c.name)
            c = c.parent
        return "/" + "/".join(reversed(parts))

    def ancestors(self) -> Iterator[Cgroup]:
        """Parent, grandparent, ... up to the root."""
        c = self.parent
        while c is not None:
            yield c
            c = c.parent

    def populated(self) -> bool:
        return self.nr_populated > 0

    def effective_css(self, ss: str) -> Css | None:
        """The css charged for tasks here: own, or the nearest ancestor's (v2)."""
        c: Cgroup | None = self
        while c is not None:
            css = c.subsys.get(ss)
            if css is not None:
                return css
            c = c.parent
        return None


class Subsystem:
    """Callbacks a controller provides (struct cgroup_subsys)."""

    name = ""

    def css_alloc(self, css: Css) -> None: ...
    def css_online(self, css: Css) -> None: ...
    def css_offline(self, css: Css) -> None: ...
    def css_released(self, css: Css) -> None: ...
    def css_free(self, css: Css) -> None: ...


class CgroupCore:
    """All hierarchies and the deferred css teardown machinery."""

    def __init__(self, clock: Clock):
        self.clock = clock
        self.subsystems: dict[str, Subsystem] = {}
        self.hierarchies: list[Hierarchy] = []
        self._cgroup_ids = 1
        self._css_ids: Counter[str] = Counter()
        self.on_free: list[Callable[[Cgroup], None]] = []  # observers (timelines)

    def next_cgroup_id(self) -> int:
        self._cgroup_ids += 1
        return self._cgroup_ids

    def register(self, ss: Subsystem) -> None:
        self.subsystems[ss.name] = ss

    def add_hierarchy(self, on_dfl: bool, subsys: tuple[str, ...]) -> Hierarchy:
        # cgroup_init_root_id(): the default hierarchy is 0, v1 mounts count from 1.
        hid = 0 if on_dfl else 1 + sum(1 for h in self.hierarchies if not h.on_dfl)
        h = Hierarchy(hid, on_dfl, subsys)
        root = Cgroup(self, h, "", None)
        root.self_css.online = True
        h.root = root
        self.hierarchies.append(h)
        for ss in subsys:
            self._create_css(root, ss)
        if on_dfl:
            root.subtree_control = set()
        return h

    # ---- references ------------------------------------------------------
    def css_get(self, css: Css, holder: str, nr: int = 1) -> None:
        css.refcnt += nr
        holders = css.holders
        holders[holder] = holders.get(holder, 0) + nr

    def css_tryget(self, css: Css, holder: str) -> bool:
        """Succeeds while the refcount is above zero (offline css included)."""
        if css.refcnt <= 0 or css.released:
            return False
        self.css_get(css, holder)
        return True

    def css_tryget_online(self, css: Css, holder: str) -> bool:
        if css.dying or not css.online:
            return False
        self.css_get(css, holder)
        return True

    def css_put(self, css: Css, holder: str, nr: int = 1) -> None:
        holders = css.holders
        left = holders.get(holder, 0) - nr
        if left > 0:
            holders[holder] = left
        elif left == 0:
            del holders[holder]
        else:
            raise AssertionError(f"css_put underflow on {css!r} holder {holder}")
        css.refcnt -= nr
        if css.refcnt == 0:
            # percpu_ref release callback: css_release() punts to a workqueue.
            self.clock.queue_work(lambda: self._css_release_work(css))

    # ---- creation --------------------------------------------------------
    def cgroup_mkdir(self, parent: Cgroup, name: str) -> Cgroup:
        if "\n" in name:
            raise CgroupError(errno.EINVAL)
        if parent.dead:
            raise CgroupError(errno.ENODEV)
        if name in parent.children:
            raise CgroupError(errno.EEXIST)
        for c in (parent, *parent.ancestors()):
            if c.max_descendants is not None and c.nr_descendants >= c.max_descendants:
                raise CgroupError(errno.EAGAIN)
            if c.max_depth is not None and parent.level + 1 - c.level > c.max_depth:
                raise CgroupError(errno.EAGAIN)
        cgrp = Cgroup(self, parent.hierarchy, name, parent)
        # css ids and controller allocation may fail (memcg ID space): allocate first.
        wanted = self._controllers_for(cgrp)
        created: list[Css] = []
        try:
            for ss in wanted:
                created.append(self._create_css(cgrp, ss, online=False))
        except CgroupError:
            for css in created:
                self.subsystems[css.ss].css_free(css)
            raise
        parent.children[name] = cgrp
        cgrp.self_css.online = True
        parent.hierarchy.nr_cgrps += 1
        self.css_get(parent.self_css, f"child cgroup {name}")
        parent.self_css.children[cgrp.self_css] = None
        for a in cgrp.ancestors():
            a.nr_descendants += 1
        for css in created:
            self._online_css(css)
        return cgrp

    def _controllers_for(self, cgrp: Cgroup) -> tuple[str, ...]:
        if cgrp.hierarchy.on_dfl:
            return tuple(ss for ss in cgrp.hierarchy.subsys if ss in cgrp.parent.subtree_control)
        return cgrp.hierarchy.subsys

    def _create_css(self, cgrp: Cgroup, ss: str, online: bool = True) -> Css:
        parent_css = cgrp.parent.subsys.get(ss) if cgrp.parent else None
        if cgrp.parent is not None and parent_css is None:
            parent_css = cgrp.parent.effective_css(ss)
        self._css_ids[ss] += 1
        css = Css(cgrp, ss, parent_css, self._css_ids[ss])
        self.subsystems[ss].css_alloc(css)
        if online:
            self._online_css(css)
        return css

    def _online_css(self, css: Css) -> None:
        """init_and_link_css() + online_css()."""
        cgrp = css.cgroup
        self.css_get(cgrp.self_css, f"{css.ss} css")
        if css.parent is not None:
            self.css_get(css.parent, "child css")
            css.parent.children[css] = None
            css.parent.online_cnt += 1
        self.subsystems[css.ss].css_online(css)
        css.online = True
        cgrp.subsys[css.ss] = css

    # ---- destruction -----------------------------------------------------
    def cgroup_rmdir(self, cgrp: Cgroup) -> None:
        """cgroup_destroy_locked(): checks, then starts killing every css."""
        if cgrp.parent is None:
            raise CgroupError(errno.EBUSY)
        if cgrp.populated():
            raise CgroupError(errno.EBUSY)
        if cgrp.children:
            raise CgroupError(errno.EBUSY)
        cgrp.dead = True
        cgrp.self_css.online = False
        for css in list(cgrp.subsys.values()):
            self.kill_css(css)
        del cgrp.parent.children[cgrp.name]
        for a in cgrp.ancestors():
            a.nr_descendants -= 1
            a.nr_dying_descendants += 1
        self._percpu_ref_kill(cgrp.self_css, confirm=None)

    def kill_css(self, css: Css) -> None:
        """Start killing a controller css (rmdir, or ``-memory`` in subtree_control)."""
        if css.dying:
            return
        css.dying = True
        cgrp = css.cgroup
        cgrp.nr_dying_subsys[css.ss] += 1
        for a in cgrp.ancestors():
            a.nr_dying_subsys[css.ss] += 1
        self.css_get(css, "kill_css")
        self._percpu_ref_kill(css, confirm=self._css_killed_ref_fn)

    def _percpu_ref_kill(self, css: Css, confirm: Callable[[Css], None] | None) -> None:
        """percpu_ref_kill_and_confirm(): confirm after a grace period, then put base."""
        css.killed = True

        def confirmed() -> None:
            if confirm is not None:
                confirm(css)
            self.css_put(css, "base")

        self.clock.call_rcu(confirmed)

    def _css_killed_ref_fn(self, css: Css) -> None:
        css.online_cnt -= 1
        if css.online_cnt == 0:
            self.clock.queue_work(lambda: self._css_killed_work_fn(css))

    def _css_killed_work_fn(self, css: Css | None) -> None:
        # Offline this css, then any parent whose last online child this was.
        while css is not None:
            self._offline_css(css)
            self.css_put(css, "kill_css")
            css = css.parent
            if css is None:
                break
            css.online_cnt -= 1
            if css.online_cnt != 0:
                break

    def _offline_css(self, css: Css) -> None:
        if not css.online:
            return
        self.subsystems[css.ss].css_offline(css)
        css.online = False
        if css.cgroup.subsys.get(css.ss) is css:
            del css.cgroup.subsys[css.ss]

    def _css_release_work(self, css: Css) -> None:
        css.released = True
        if css.parent is not None:
            del css.parent.children[css]
        cgrp = css.cgroup
        if css.ss is not None:
            self.subsystems[css.ss].css_released(css)
            cgrp.nr_dying_subsys[css.ss] -= 1
            for a in cgrp.ancestors():
                a.nr_dying_subsys[css.ss] -= 1
        else:
            for a in cgrp.ancestors():
                a.nr_dying_descendants -= 1
        self.clock.call_rcu(lambda: self._css_free(css))

    def _css_free(self, css: Css) -> None:
        css.freed = True
        cgrp = css.cgroup
        if css.ss is not None:
            self.subsystems[css.ss].css_free(css)
            self.css_put(cgrp.self_css, f"{css.ss} css")
            if css.parent is not None:
                self.css_put(css.parent, "child css")
        else:
            cgrp.hierarchy.nr_cgrps -= 1
            for fn in self.on_free:
                fn(cgrp)
            if cgrp.parent is not None:
                self.css_put(cgrp.parent.self_css, f"child cgroup {cgrp.name}")

    # ---- controllers on a live cgroup (v2 subtree_control) ----------------
    def enable_subsys(self, cgrp: Cgroup, ss: str) -> None:
        """Parent gained ``+ss``: create the css in every live child."""
        for child in cgrp.children.values():
            if ss not in child.subsys:
                before = _effective_csses(child, ss)
                self._create_css(child, ss)
                self._migrate_task_refs(child, ss, before)

    def disable_subsys(self, cgrp: Cgroup, ss: str) -> None:
        """``-ss``: the children's csses die although the cgroups live on."""
        for child in cgrp.children.values():
            css = child.subsys.get(ss)
            if css is not None:
                before = _effective_csses(child, ss)
                # The tasks move to the parent's css at once (below); so do new
                # charges and the interface files (css_clear_dir() in kill_css()).
                del child.subsys[ss]
                self._migrate_task_refs(child, ss, before)
                self.kill_css(css)

    def _migrate_task_refs(self, top: Cgroup, ss: str, before: dict[int, Css | None]) -> None:
        """cgroup_update_dfl_csses(): tasks whose effective css changed get css_sets
        pointing at the new one, so their "task" references move with them.

        memcglab fix (issue 8): the invariant checker found these references left
        on the old css, which later underflowed the new css's count when the task
        exited (and pinned a disabled css for the task's lifetime).
        """
        for c in _subtree(top):
            old, new = before[id(c)], c.effective_css(ss)
            if old is new or not c.tasks:
                continue
            if old is not None:
                self.css_put(old, "task", len(c.tasks))
            if new is not None:
                self.css_get(new, "task", len(c.tasks))

    # ---- walks -----------------------------------------------------------
    @staticmethod
    def css_for_each_descendant_pre(css: Css) -> Iterator[Css]:
        """Pre-order walk over css and every not-yet-released descendant."""
        stack = [css]
        while stack:
            c = stack.pop()
            yield c
            stack.extend(reversed(c.children))


def _subtree(cgrp: Cgroup) -> Iterator[Cgroup]:
    stack = [cgrp]
    while stack:
        c = stack.pop()
        yield c
        stack.extend(c.children.values())


def _effective_csses(cgrp: Cgroup, ss: str) -> dict[int, Css | None]:
    return {id(c): c.effective_css(ss) for c in _subtree(cgrp)}
