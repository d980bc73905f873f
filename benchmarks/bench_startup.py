"""Start-up benchmark: `nscc project` against a bare NumPy import, side by side in one run.

`nscc project` is mostly start-up: the interpreter, NumPy, typer, pydantic,
PyYAML and nscc's own modules, then a run of a few tens of milliseconds. Its
wall time as a ratio to `python -c "import numpy"` says what nscc adds to the
one import it cannot do without, whatever the machine:

    python -c "import numpy"      nscc project -f csv      nscc project (the table)

Goals (issue 9): the CSV form within 3 times NumPy's import, the table within
1.3 times the CSV form. The three commands run ``--repeats`` times each in
fresh processes, in turn, so a busy machine slows all alike; the median and
best wall time of each are printed, and the CPU time of the children.

Byte-code: a package installed by pip has its ``.pyc`` files; an editable
install under ``PYTHONDONTWRITEBYTECODE`` compiles nscc's sources on every
start (about 55 ms). The benchmark runs without that variable, so the warm-up
writes the byte-code and the figures are those of an installed package.

Run: python benchmarks/bench_startup.py [--repeats 30]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def nscc() -> str:
    beside = Path(sys.executable).with_name("nscc")
    return str(beside) if beside.exists() else shutil.which("nscc") or "nscc"


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of ``command`` (which must succeed)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    commands = {
        "numpy": [sys.executable, "-c", "import numpy"],
        "csv": [nscc(), "project", "-f", "csv"],
        "table": [nscc(), "project"],
    }
    for command in commands.values():  # warm the file cache and write the byte-code
        for _ in range(3):
            timed(command, env)
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(args.repeats):
        for name, command in commands.items():
            runs[name].append(timed(command, env))
    median = {name: statistics.median(wall for wall, _ in times) for name, times in runs.items()}
    for name, times in runs.items():
        walls = [wall for wall, _ in times]
        cpu = statistics.median(cpu for _, cpu in times)
        print(
            f"{' '.join(commands[name][1:]) if name != 'numpy' else 'python -c import numpy':28s}"
            f" median {1000 * median[name]:6.1f} ms  best {1000 * min(walls):6.1f} ms"
            f"  CPU {1000 * cpu:6.1f} ms"
        )
    print(f"CSV form / NumPy import:   {median['csv'] / median['numpy']:.2f}  (goal <= 3)")
    print(f"table / CSV form:          {median['table'] / median['csv']:.2f}  (goal <= 1.3)")


if __name__ == "__main__":
    main()
