"""An interleaving checker for the lock protocol of LRU folio reparenting.

It proves, by exhaustive exploration of small thread programs, that
folio_lruvec_lock() and memcg_reparent_objcgs() of the "Eliminate Dying
Memory Cgroup" series keep every LRU folio under the right lru_lock and never
touch a freed memcg, and shows a minimal counterexample for each protocol
variant with one ingredient removed.  See docs/locking.md.
"""

from memcglab.check.explorer import explore, search
from memcglab.check.report import Report, format_report, format_table
from memcglab.check.scenarios import SCENARIOS, VARIANTS

__all__ = ["SCENARIOS", "VARIANTS", "Report", "explore", "format_report", "format_table",
           "search"]
