"""Errors of the real-kernel runner.

They carry a message meant for a person (what is missing, how to get it), so
the command line prints them as they are instead of a traceback.
"""

from __future__ import annotations

from typing import Any


class RealKernelError(Exception):
    """Something needed to boot or run the guest is missing or went wrong."""


class RealKernelTimeout(RealKernelError):
    """The guest did not finish in time; ``partial`` holds what it printed so far."""

    def __init__(self, message: str, partial: Any = None):
        super().__init__(message)
        self.partial = partial
