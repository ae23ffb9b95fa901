"""The timeline plot: dying (and live) memcgs over simulated time, one line per kernel."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # files only; no display needed

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

# Kernels that behave alike draw identical lines: vary the dash and the width so
# that every line stays visible on top of the others.
STYLES = ("-", "--", ":", "-.")

# Past this many points a line flips faster than the figure has pixels (the seed's
# live count goes 0, 1, 0 ... 4000 times) and would paint a solid block: the plot
# shows the most the count reached in each of BINS time bins instead.
BINS = 400


def binned_max(points: list[tuple[float, int]], bins: int) -> tuple[list[float], list[int]]:
    """The highest value a step function (time, value) reaches in each of ``bins``
    equal time bins; returns the bins' left edges plus the end, and the maxima."""
    start, end = points[0][0], points[-1][0]
    width = (end - start) / bins or 1.0
    edges = [start + i * width for i in range(bins)] + [end]
    maxima = []
    i = 0
    current = points[0][1]
    for b in range(bins):
        top = current  # the value carried into the bin
        limit = edges[b + 1]
        while i < len(points) and (points[i][0] < limit or b == bins - 1):
            current = points[i][1]
            top = max(top, current)
            i += 1
        maxima.append(top)
    return edges, maxima


def _series(timeline: list[tuple[float, int, int]], column: int):
    points = [(p[0], p[column]) for p in timeline]
    if len(points) <= BINS:
        return [p[0] for p in points], [p[1] for p in points], False
    edges, maxima = binned_max(points, BINS)
    return edges, maxima + maxima[-1:], True


def plot_timelines(records, path: str) -> None:
    fig, (ax_dying, ax_online) = plt.subplots(
        2, 1, figsize=(9, 6), sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    binned = False
    for i, r in enumerate(records):
        if not r.timeline:
            continue
        style = {"linestyle": STYLES[i % len(STYLES)], "linewidth": 3.0 - 0.4 * (i % 5)}
        for ax, column, label in ((ax_dying, 2, r.kernel), (ax_online, 1, None)):
            times, values, was_binned = _series(r.timeline, column)
            binned |= was_binned
            ax.step(times, values, where="post", label=label, **style)
    ax_dying.set_ylabel("dying memcgs" + ("\n(most at once per time bin)" if binned else ""))
    ax_online.set_ylabel("live child\nmemcgs" + ("\n(most at once)" if binned else ""))
    ax_online.set_xlabel("simulated time (s)")
    ax_dying.set_title("memcglab: deleted memory cgroups that are not freed, per kernel")
    if ax_dying.lines:  # a script that made no cgroup has nothing to plot
        ax_dying.legend(loc="upper left", fontsize="small", title="kernel")
    for ax in (ax_dying, ax_online):
        ax.grid(alpha=0.3)
        ax.set_ylim(bottom=0, top=max(ax.get_ylim()[1], 1.5))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    fig.tight_layout()
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)
