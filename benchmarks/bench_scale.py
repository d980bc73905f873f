"""Scale benchmark: `nscc project` and `nscc simulate` on synthetic tables of 31 to 3,000 indicators.

Each synthetic table stacks copies of the shipped one (the shape of a comparison
across cities): copy c of every indicator, context series and observation gets the
key suffix `_c<c>`, and the scenario repeats the shipped `base` scenario for every
copy, links, volatilities and correlated groups included (so correlations are block
diagonal, one block per copy). Domains keep their names, so a domain grows with the
table. The last copy is cut short to reach the exact size.

For each size the benchmark runs, each in a fresh process, `nscc project` and
`nscc simulate --paths 10000` (default threads) with CSV output to /dev/null, and
prints the wall time and the peak memory (the child's VmHWM), in total and per
indicator. Goal: per-indicator time and memory within 1.5x from the smallest table
to the largest. Per indicator, a fixed start (imports, about 0.5 s and 100 MiB)
weighs most on the smallest table, so the table also gives the marginal cost: the
cost added per indicator from 31 to 300 and from 300 to 3,000, whose ratio shows
whether the cost grows linearly.

Run: python benchmarks/bench_scale.py [--sizes 31 300 3000] [--paths 10000]
"""

from __future__ import annotations

import argparse
import csv
import math
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from nscc_proj.inputs.catalog_io import shipped_data_dir

LINK_FIELDS = ("ratio_to", "share_of", "per", "rate_of")

CHILD = """
import os, sys, time
from nscc_proj.cli.common import app

def peak_kib():
    try:
        with open("/proc/self/status", encoding="utf-8") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

sys.argv = ["nscc", *sys.argv[1:]]
code = 0
try:
    app()
except SystemExit as exit:
    code = exit.code or 0
print("PEAK", peak_kib(), "CODE", code, file=sys.stderr)
"""


def _rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header)
        writer.writeheader()
        writer.writerows(rows)


def _key(key: str, copy: int) -> str:
    return key if copy == 0 else f"{key}_c{copy}"


def _renamed(spec: Any, copy: int) -> Any:
    """A growth entry with its link targets renamed for ``copy``."""
    if isinstance(spec, dict):
        return {
            name: _key(value, copy) if name in LINK_FIELDS else _renamed(value, copy)
            for name, value in spec.items()
        }
    return spec


def make_table(folder: Path, size: int) -> tuple[Path, Path]:
    """Write a synthetic table of ``size`` indicators, its context, observations and scenario."""
    data = shipped_data_dir()
    header, indicators = _rows(data / "indicators_2020.csv")
    context_header, context = _rows(data / "context.csv")
    observed_header, observed = _rows(data / "observed.csv")
    copies = math.ceil(size / len(indicators))
    table, extra, seen, kept = [], [], [], set()
    for copy in range(copies):
        for row in indicators[: min(len(indicators), size - copy * len(indicators))]:
            table.append(
                {
                    **row,
                    "id": str(copy * 1000 + int(row["id"])),
                    "key": _key(row["key"], copy),
                    "name_en": row["name_en"] + (f" ({copy})" if copy else ""),
                    "name_zh": row["name_zh"] + (f" ({copy})" if copy else ""),
                }
            )
            kept.add(_key(row["key"], copy))
        for row in context:
            extra.append(
                {**row, "id": str(copy * 1000 + int(row["id"])), "key": _key(row["key"], copy)}
            )
            kept.add(_key(row["key"], copy))
        seen += [
            {**row, "indicator_key": _key(row["indicator_key"], copy)}
            for row in observed
            if _key(row["indicator_key"], copy) in kept
        ]
    _write(folder / "indicators.csv", header, table)
    _write(folder / "context.csv", context_header, extra)
    _write(folder / "observed.csv", observed_header, seen)
    base = yaml.safe_load((data.parent / "scenarios" / "base.yaml").read_text(encoding="utf-8"))
    growth: dict[str, Any] = {}
    sigma: dict[str, Any] = {}
    groups: list[dict[str, Any]] = []
    for copy in range(copies):
        for key, spec in base["growth"].items():
            if _key(key, copy) in kept:
                growth[_key(key, copy)] = _renamed(spec, copy)
        for key, value in base.get("uncertainty", {}).get("sigma", {}).items():
            if key == "default" or _key(key, copy) in kept:
                sigma[key if key == "default" else _key(key, copy)] = value
        for group in base.get("uncertainty", {}).get("groups", []):
            members = [_key(m, copy) for m in group["members"] if _key(m, copy) in kept]
            if len(members) > 1:
                groups.append(
                    {**group, "name": f"{group.get('name', '')} {copy}", "members": members}
                )
    scenario = {
        "name": "scale",
        "description": f"base, repeated for {copies} copies",
        "growth": growth,
        "uncertainty": {"sigma": sigma, "groups": groups},
    }
    if "default" in base:
        scenario["default"] = base["default"]
    (folder / "scale.yaml").write_text(
        yaml.safe_dump(scenario, allow_unicode=True), encoding="utf-8"
    )
    return folder / "indicators.csv", folder / "scale.yaml"


def measure(arguments: list[str]) -> tuple[float, float]:
    """Wall time (s) and peak memory (MiB) of one `nscc` command in a fresh process."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, *arguments], capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    line = next((ln for ln in done.stderr.splitlines() if ln.startswith("PEAK ")), None)
    if line is None or not line.endswith("CODE 0"):
        raise SystemExit(f"nscc {' '.join(arguments)} failed:\n{done.stderr[-2000:]}")
    return seconds, int(line.split()[1]) / 1024


def runs(sizes: list[int], paths: int, repeats: int) -> Iterator[tuple[int, str, float, float]]:
    with tempfile.TemporaryDirectory(prefix="nscc-scale-") as temp:
        for size in sizes:
            folder = Path(temp) / str(size)
            folder.mkdir()
            table, scenario = make_table(folder, size)
            common = ["--data", str(table), "-s", str(scenario), "-f", "csv", "-o", "/dev/null"]
            commands = {
                "project": ["project", *common],
                f"simulate --paths {paths}": ["simulate", "--paths", str(paths), *common],
            }
            for name, arguments in commands.items():
                results = [measure(arguments) for _ in range(repeats)]
                yield size, name, min(r[0] for r in results), min(r[1] for r in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[31, 300, 3000])
    parser.add_argument("--paths", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=1, help="runs per cell (best kept)")
    args = parser.parse_args()
    table: dict[str, dict[int, tuple[float, float]]] = {}
    print("| indicators | command | time | per indicator | peak memory | per indicator |")
    print("|---|---|---|---|---|---|")
    for size, name, seconds, mib in runs(args.sizes, args.paths, args.repeats):
        table.setdefault(name, {})[size] = (seconds, mib)
        print(
            f"| {size:,} | `{name}` | {seconds:.2f} s | {seconds / size * 1e3:.2f} ms "
            f"| {mib:,.0f} MiB | {mib / size * 1024:,.0f} KiB |",
            flush=True,
        )
    small, large = min(args.sizes), max(args.sizes)
    middle = sorted(args.sizes)[len(args.sizes) // 2]
    print()
    for name, cells in table.items():
        (t0, m0), (t2, m2) = cells[small], cells[large]
        time_ratio = (t2 / large) / (t0 / small)
        memory_ratio = (m2 / large) / (m0 / small)
        line = (
            f"{name}: per indicator, {large:,} against {small:,}: time {time_ratio:.2f}, "
            f"memory {memory_ratio:.2f} (goal <= 1.5)"
        )
        if small < middle < large:
            (t1, m1) = cells[middle]
            marginal_time = ((t2 - t1) / (large - middle)) / ((t1 - t0) / (middle - small))
            marginal_memory = ((m2 - m1) / (large - middle)) / max(
                (m1 - m0) / (middle - small), 1e-9
            )
            line += (
                f"; added per indicator, {middle:,}-{large:,} against {small:,}-{middle:,}: "
                f"time {marginal_time:.2f}, memory {marginal_memory:.2f}"
            )
        print(line)


if __name__ == "__main__":
    main()
