"""Run shell scripts on a real Linux kernel booted under qemu.

The model in the rest of memcglab is only worth what it agrees with; this
package boots an unmodified Debian kernel (6.1 or 6.12) in a throw-away qemu
guest, runs a user's script there as root and hands back its output, so the
two can be compared on the very same script.

Entry points: :func:`setup` (fetch qemu and the kernels once) and
:func:`run_real` (one guest per call).
"""

from memcglab.real.errors import RealKernelError, RealKernelTimeout
from memcglab.real.packages import KERNELS, default_cache_dir, setup
from memcglab.real.runner import RealResult, run_real

__all__ = [
    "KERNELS",
    "RealKernelError",
    "RealKernelTimeout",
    "RealResult",
    "default_cache_dir",
    "run_real",
    "setup",
]
