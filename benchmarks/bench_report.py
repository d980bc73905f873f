"""Report benchmark: `nscc report` against `nscc project`, side by side in one run.

The report draws a chart per indicator and scenario and simulates; the
projection is the same question answered as a CSV. Their ratio of wall time
says what the report costs on top of the answer, whatever the machine:

    report -s base -s high --simulate 5000      against      project -s base -s high -f csv

Goal (issue 11): the report within 10 times the projection's wall time on 2
cores. Each command runs ``--repeats`` times in a fresh process, alternating,
so a busy machine slows both alike; the best and the median of each are
printed, with the CPU time of the children. Then the report's 33 charts alone
(``render_charts`` as the report calls it, matplotlib's import included), each
time in a fresh process, with the CPU time of all its threads.

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


def charts_alone(paths: int) -> None:
    """Print the wall and CPU seconds of drawing the report's charts, in this process: the
    projection and simulated bands first (untimed), then ``render_charts``."""
    from nscc_proj.analysis.projection import project
    from nscc_proj.analysis.simulation import simulate
    from nscc_proj.cli.common import load_inputs, load_scenarios
    from nscc_proj.present.charts import bands_from_table, chart_count, chart_workers, render_charts

    catalog, observations = load_inputs(None, None, False, note=False)
    scenarios = load_scenarios(["base", "high"], catalog, observations)
    result = project(catalog, scenarios, observations, None)
    simulation = simulate(catalog, scenarios, observations, paths=paths, seed=1, bands=True)
    bands = bands_from_table(simulation.bands_table())
    started, cpu = time.perf_counter(), time.process_time()
    charts, _ = render_charts(
        result, "en", bands, date="2026-12-03", workers=chart_workers(chart_count(result))
    )
    print(f"{time.perf_counter() - started} {time.process_time() - cpu} {len(charts)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--paths", type=int, default=5000)
    parser.add_argument("--charts-alone", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.charts_alone:
        charts_alone(args.paths)
        return
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
    alone = [
        subprocess.run(
            [sys.executable, __file__, "--charts-alone", "--paths", str(args.paths)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        for _ in range(args.repeats)
    ]
    walls = [float(wall) for wall, _, _ in alone]
    cpus = [float(cpu) for _, cpu, _ in alone]
    print(
        f"charts   {alone[0][2]} alone: wall best {min(walls):.2f} s, "
        f"median {statistics.median(walls):.2f} s; CPU median {statistics.median(cpus):.2f} s"
    )


if __name__ == "__main__":
    main()
