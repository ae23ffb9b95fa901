"""memcglab: an executable model of the Linux memory-cgroup controller.

It reproduces, per kernel generation, how deleted memory cgroups linger as
"dying" memcgs, and what the 2026 "Eliminate Dying Memory Cgroup" series fixes.
"""

from memcglab.kernel.profiles import PROFILES, get_profile
from memcglab.machine.machine import Machine

__all__ = ["PROFILES", "Machine", "get_profile"]
__version__ = "0.1.0"
