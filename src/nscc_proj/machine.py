"""What this machine lets a run use: its cores.

One place for the question that the Monte Carlo engine (threads), the charts (a
compressing thread) and the report (a chart process) each ask.
"""

from __future__ import annotations

import os


def usable_cores() -> int:
    """The cores this process may run on: its CPU affinity where the system has one (a
    container or ``taskset`` may allow fewer than the machine has), else all of them."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
