"""Report benchmark: `nscc report` against `nscc project`, side by side in one run.

The report draws a chart per indicator and scenario and simulates; the
projection is the same question answered as a CSV. Their ratio of wall time
says what the report costs on top of the answer, whatever the machine:

    report -s base -s high --simulate 5000      against      project -s base -s high -f csv

Goal (issue 11): the report within 10 times the projection's wall time on 2
cores. Each command runs ``--repeats`` times in a fresh process, alternating,
so a busy machine slows both alike; the best and the median of each are
printed, with the CPU time of the children.

Run: python benchmarks/bench_report.py [--repeats 3] [--paths 5000]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def nscc() -> str:
    beside = Path(sys.executable).with_name("nscc")
    return str(beside) if beside.exists() else shutil.which("nscc") or "nscc"


def timed(command: list[str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one run of ``command`` (which must succeed)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--paths", type=int, default=5000)
    args = parser.parse_args()
    scenarios = ["-s", "base", "-s", "high"]
    runs: dict[str, list[tuple[float, float]]] = {"project": [], "report": []}
    with tempfile.TemporaryDirectory() as folder:
        cwd = Path(folder)
        commands = {
            "project": [nscc(), "project", *scenarios, "-f", "csv"],
            "report": [nscc(), "report", *scenarios, "--simulate", str(args.paths), "--out", "r"],
        }
        timed(commands["project"], cwd)  # warm the file cache and byte-code
        for _ in range(args.repeats):
            for name, command in commands.items():
                runs[name].append(timed(command, cwd))
    print(f"cores: {os.cpu_count()}, repeats: {args.repeats}, paths: {args.paths:,}")
    for name, found in runs.items():
        walls = [wall for wall, _ in found]
        cpus = [cpu for _, cpu in found]
        print(
            f"{name:8} wall best {min(walls):7.2f} s, median {statistics.median(walls):7.2f} s; "
            f"CPU median {statistics.median(cpus):7.2f} s"
        )
    best = min(w for w, _ in runs["report"]) / min(w for w, _ in runs["project"])
    median = statistics.median(w for w, _ in runs["report"]) / statistics.median(
        w for w, _ in runs["project"]
    )
    print(f"report / project: best {best:.1f}x, median {median:.1f}x (goal <= 10x)")


if __name__ == "__main__":
    main()
