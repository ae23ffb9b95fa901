"""ext4 directory blocks, the journal's commit, and the per-CPU buffer-head LRUs.

The model is compared with outputs recorded on real Debian 6.1.192 and 6.12.117
guests (docs/measurements/ext4-metadata/): a freed directory block's page stays
cached, charged to the cgroup that made the directory, and on 6.1 it cannot be
dropped while a CPU's buffer-head LRU holds its buffer; 6.6+ drains those LRUs at
drop_caches.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from memcglab import Machine
from memcglab.kernel.folio import Folio
from memcglab.machine.bh_lru import BH_LRU_SIZE, BhLrus
from memcglab.machine.filesystems import DIR_BLOCK_BASE
from memcglab.runner import RunOptions, run_script

MEASURED = Path(__file__).resolve().parent.parent / "docs" / "measurements"
EXT4 = MEASURED / "ext4-metadata"


def totals(text: str) -> list[tuple[str, int]]:
    """(label, dying total) from the dir-* scripts' 'label: +N (total T)' lines."""
    return [(m[1], int(m[2])) for m in re.finditer(r"^(.+?): \+-?\d+ \(total (\d+)\)", text,
                                                    re.M)]


def model_output(script: Path, kernel: str) -> str:
    record = run_script(script.read_text(), kernel, RunOptions(cgroup="v2", speed="tcg"),
                        settle=False)
    assert record.exit_status == 0, record.stderr
    return record.stdout


# ---- the buffer-head LRU on its own --------------------------------------------------
def test_bh_lru_keeps_the_last_16_distinct_buffers_per_cpu():
    lrus = BhLrus(2)
    folios = [Folio() for _ in range(BH_LRU_SIZE + 2)]
    for f in folios:
        lrus.bh_lru_install(0, f)
    assert not lrus.bh_busy(folios[0]) and not lrus.bh_busy(folios[1])
    assert all(lrus.bh_busy(f) for f in folios[2:])
    lrus.bh_lru_install(0, folios[2])  # a hit moves it to the front: nothing drops
    assert all(lrus.bh_busy(f) for f in folios[2:])
    lrus.bh_lru_install(0, folios[0])  # a miss pushes out the oldest, now folios[3]
    assert lrus.bh_busy(folios[2]) and not lrus.bh_busy(folios[3])


def test_bh_lru_reference_held_by_each_cpu_until_invalidated():
    lrus = BhLrus(2)
    f = Folio()
    lrus.bh_lru_install(0, f)
    lrus.bh_lru_install(1, f)
    for _ in range(BH_LRU_SIZE):
        lrus.bh_lru_install(0, Folio())
    assert lrus.bh_busy(f)  # CPU 1 still holds it
    lrus.invalidate_bh_lrus()
    assert not lrus.bh_busy(f) and lrus.refs == {}


# ---- directory blocks and the journal --------------------------------------------------
def test_a_freed_directory_block_is_reused_only_after_the_commit():
    m = Machine(kernel="6.1", cgroup="v2")
    ext4 = m.ext4
    for i in range(3):
        m.run(f"mkdir /root/d{i}; rmdir /root/d{i}\n", name="s")
    blocks = sorted(i - DIR_BLOCK_BASE for i in ext4.bdev.pages if i >= DIR_BLOCK_BASE)
    assert len(blocks) == 4  # the root directory's and three new ones: no reuse yet
    m.run("sync; mkdir /root/e\n", name="s")
    e = ext4.root.children["e"]
    assert e.block == blocks[1]  # after the commit the lowest freed block comes back
    assert len([i for i in ext4.bdev.pages if i >= DIR_BLOCK_BASE]) == 4


@pytest.mark.parametrize("kernel", ["6.1", "6.12"])
def test_directory_blocks_and_buffer_lrus_match_the_real_kernel(kernel):
    real = totals((EXT4 / f"dir-drain.{kernel}-v2.txt").read_text())
    model = totals(model_output(EXT4 / "dir-drain.sh", kernel))
    assert [label for label, _ in model] == [label for label, _ in real]
    for (label, got), (_, want) in zip(model, real, strict=True):
        assert abs(got - want) <= 2, (label, model, real)


def test_buffer_lrus_are_what_keeps_6_1_directory_pages():
    # Ten mkdir/rmdir cgroups: 6.1 keeps all ten dying through sync + drop_caches until
    # compact_memory empties the buffer-head LRUs; 6.12's drop_caches empties them itself.
    after = {k: dict(totals(model_output(EXT4 / "dir-drain.sh", k))) for k in ("6.1", "6.12")}
    assert after["6.1"]["a: mkdir; rmdir"] == 10
    assert after["6.1"]["after compact_memory (lru_add_drain_all)"] <= 1
    assert after["6.12"]["a: mkdir; rmdir"] <= 1


@pytest.mark.parametrize("kernel", ["6.1", "6.12"])
def test_create_delete_loop_pins_as_on_the_real_kernel(kernel):
    # 50 cgroups each create and delete ten files and a directory (real: 18-19 dying
    # after the loop on 6.1, 17 on 6.12; after sync + drop_caches 14-15 on 6.1, 1 on 6.12).
    script = MEASURED / f"{kernel}-v2" / "var-createdelete.sh"
    real = dict(totals_from_show((script.with_suffix(".txt")).read_text()))
    model = dict(totals_from_show(model_output(script, kernel)))
    assert abs(model["after sync+drop_caches"] - real["after sync+drop_caches"]) <= 2
    assert abs(model["after"] - real["after"]) <= 3


def totals_from_show(text: str) -> list[tuple[str, int]]:
    """(label, nr_dying_descendants) from the measurement scripts' show() lines."""
    return [(m[1].strip(), int(m[2])) for m in
            re.finditer(r"^(\S.{0,23}?)\s+memory .*?nr_dying_descendants (\d+)", text, re.M)]


def test_why_names_ext4_metadata_pages():
    from memcglab.helpers import why_dying

    m = Machine(kernel="6.1", cgroup="v2")
    m.run("for i in 1 2 3; do mkdir /sys/fs/cgroup/t$i; echo $$ > /sys/fs/cgroup/t$i/cgroup.procs\n"
          "mkdir /root/d$i; rmdir /root/d$i\n"
          "echo $$ > /sys/fs/cgroup/cgroup.procs; rmdir /sys/fs/cgroup/t$i; done\n"
          "sync; echo 3 > /proc/sys/vm/drop_caches\n", name="s")
    pins = why_dying(m)
    assert len(pins) == 3
    assert all("ext4 metadata folios" in holders for _, holders in pins)
