"""Peak memory of a command's whole process tree: the sum of its processes' PSS, sampled while it runs.

PSS (proportional set size) counts a page shared by n processes as 1/n in each, so the sum over a tree
is what the tree costs the machine — RSS would count Chromium's shared pages once per process.
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from typing import Any

import psutil


@dataclass
class TreeMemory:
    peak_pss: int  # bytes: the largest sum of the tree's PSS seen in one sample
    peak_processes: int  # the most processes seen in one sample


def _pss(process: psutil.Process) -> int:
    try:
        return process.memory_full_info().pss
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):  # ended since the listing
        return 0


def tree_memory(command: list[str], interval: float = 0.05, **popen: Any) -> TreeMemory:
    """Run command to its end, summing the PSS of it and its descendants every interval seconds."""
    peak_pss = peak_processes = 0
    process = psutil.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **popen)
    while process.poll() is None:
        try:
            tree = [process, *process.children(recursive=True)]
        except psutil.NoSuchProcess:  # ended between poll and listing
            break
        peak_pss = max(peak_pss, sum(map(_pss, tree)))
        peak_processes = max(peak_processes, len(tree))
        time.sleep(interval)
    process.wait()
    return TreeMemory(peak_pss, peak_processes)
