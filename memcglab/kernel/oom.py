"""The memcg OOM killer (mm/oom_kill.c, mem_cgroup_out_of_memory()).

When a charge cannot be satisfied after reclaim, the task with the highest
badness in the memcg that hit its limit is killed: rss + page tables + swap,
adjusted by ``oom_score_adj`` (-1000 means never). ``oom_kill`` is counted on
the victim's memcg. If the memcg that is OOM (or an ancestor below it up to
the OOM domain) has ``memory.oom.group`` set, every task in that group dies
and ``oom_group_kill`` is counted; the victim's ``oom_kill`` is then counted
twice, once as the victim and once in the group sweep.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from memcglab.shell.system import SIGKILL

if TYPE_CHECKING:
    from memcglab.kernel.memcontrol import MemCgroup
    from memcglab.machine.machine import Machine
    from memcglab.machine.task import Task

OOM_SCORE_ADJ_MIN = -1000


class OomKiller:
    def __init__(self, machine: Machine):
        self.machine = machine
        self.kills = 0

    def _tasks_below(self, memcg: MemCgroup) -> list[Task]:
        out = []
        for t in self.machine.tasks.values():
            if not t.alive or t.pid == self.machine.init.pid:
                continue
            m = self.machine.task_memcg(t)
            while m is not None and m is not memcg:
                m = m.parent
            if m is memcg:
                out.append(t)
        return out

    @staticmethod
    def oom_badness(t: Task, totalpages: int) -> int | None:
        if t.oom_score_adj == OOM_SCORE_ADJ_MIN:
            return None
        points = len(t.stack)
        if t.mm is not None:
            points += t.mm.anon_pages + len(t.mm.pagetables)
        return points + t.oom_score_adj * totalpages // 1000

    def mem_cgroup_out_of_memory(self, memcg: MemCgroup) -> bool:
        """Kill in memcg's subtree; True if anything was killed."""
        candidates = self._tasks_below(memcg)
        total = max(memcg.memory.max if memcg.memory.max < 1 << 50 else 1 << 20, 1)
        best = None
        best_points = None
        for t in sorted(candidates, key=lambda t: t.pid):
            points = self.oom_badness(t, total)
            if points is None:
                continue
            if best_points is None or points > best_points:
                best, best_points = t, points
        if best is None:
            return False
        ctl = self.machine.memcg
        group = self._oom_group(best, memcg)
        # __oom_kill_process(): the chosen victim first.
        victims = [best]
        if group is not None:
            # mem_cgroup_scan_tasks(oom_kill_memcg_member): every member not exempt,
            # the victim included again (its mm is reaped asynchronously, so it is
            # counted a second time, as test_memcg_oom_group_score_events expects).
            victims += [t for t in self._tasks_below(group)
                        if t.oom_score_adj != OOM_SCORE_ADJ_MIN]
            ctl.memcg_memory_event(group, "oom_group_kill")
        for t in victims:
            ctl.memcg_memory_event(self.machine.task_memcg(t), "oom_kill")
            self.machine.kill_task(t, SIGKILL)
            self.kills += 1
        return True

    def _oom_group(self, victim: Task, oom_domain: MemCgroup) -> MemCgroup | None:
        """mem_cgroup_get_oom_group(): the highest oom.group ancestor within the domain."""
        group = None
        m = self.machine.task_memcg(victim)
        while m is not None:
            if m.oom_group:
                group = m
            if m is oom_domain:
                break
            m = m.parent
        return group
