"""The timeline plot: online and dying memcgs over simulated time, one line per kernel."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # files only; no display needed

import matplotlib.pyplot as plt  # noqa: E402


def plot_timelines(records, path: str) -> None:
    fig, (ax_dying, ax_online) = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
    for r in records:
        if not r.timeline:
            continue
        times = [p[0] for p in r.timeline]
        ax_dying.step(times, [p[2] for p in r.timeline], where="post", label=f"{r.kernel}")
        ax_online.step(times, [p[1] for p in r.timeline], where="post", label=f"{r.kernel}")
    ax_dying.set_ylabel("dying memcgs")
    ax_online.set_ylabel("online memcgs")
    ax_online.set_xlabel("simulated time (s)")
    ax_dying.set_title("memcglab: dying memory cgroups per kernel")
    ax_dying.legend(loc="upper left", fontsize="small")
    ax_dying.grid(alpha=0.3)
    ax_online.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)
