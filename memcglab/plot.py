"""The timeline plot: dying (and live) memcgs over simulated time, one line per kernel."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # files only; no display needed

import matplotlib.pyplot as plt  # noqa: E402

# Kernels that behave alike draw identical lines: vary the dash and the width so
# that every line stays visible on top of the others.
STYLES = ("-", "--", ":", "-.")


def plot_timelines(records, path: str) -> None:
    fig, (ax_dying, ax_online) = plt.subplots(
        2, 1, figsize=(9, 6), sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    for i, r in enumerate(records):
        if not r.timeline:
            continue
        times = [p[0] for p in r.timeline]
        style = {"linestyle": STYLES[i % len(STYLES)], "linewidth": 3.0 - 0.4 * (i % 5)}
        ax_dying.step(times, [p[2] for p in r.timeline], where="post", label=r.kernel, **style)
        ax_online.step(times, [p[1] for p in r.timeline], where="post", **style)
    ax_dying.set_ylabel("dying memcgs")
    ax_online.set_ylabel("live child\nmemcgs")
    ax_online.set_xlabel("simulated time (s)")
    ax_dying.set_title("memcglab: deleted memory cgroups that are not freed, per kernel")
    ax_dying.legend(loc="upper left", fontsize="small", title="kernel")
    for ax in (ax_dying, ax_online):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)
