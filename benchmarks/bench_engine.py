"""Benchmark of the Monte Carlo engine and the CLI, as ratios measured in one run.

Prints:
  (a) raw NumPy normal draws on one thread, values/s, drawn as the engine draws them:
      one block's count at a time into a reused array;
  (b) the Monte Carlo engine (draws, projection, assessment, tallies), path-years/s,
      a path-year being one year of one path over every series, on its default threads
      (every core, up to four) and on one thread;
  (c) a plain per-path Python loop doing the same work on a small run, path-years/s;
  the engine's time on one thread against the time NumPy takes to draw the same
  normals (the engine draws only the shocks that can matter: goal <= 3), and against
  drawing one normal per series and year; b/c;
  the wall time of `nscc project` over all shipped scenarios and of `nscc --help`,
  each as a ratio to `python -c "import numpy"`;
  the peak memory of `nscc simulate` at two path counts.

The engine and the draws are timed in turns (best of several rounds), so a busy
machine slows both alike. Run: python benchmarks/bench_engine.py [--paths 50000]
[--memory 100000 1000000] (or `nox -s bench`). Observations are left out
(--no-observed) so the loop and the engine do the same arithmetic; the loop's results
are checked against the engine's.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import shutil
import subprocess
import sys
import time

import numpy as np

from nscc_proj.analysis import montecarlo
from nscc_proj.core.engine import Link, Mode
from nscc_proj.inputs.catalog_io import load_catalog
from nscc_proj.inputs.scenario import load_scenario


def best_of(repeats: int, action: object) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return min(times)


def draws_per_path(setup: montecarlo.Setup) -> int:
    """Normals the engine draws for one path (every scenario of ``setup``)."""
    return sum(b.draws_per_path for plan in montecarlo.plans_of(setup) for b in plan.batches)


def block_seconds(
    setup: montecarlo.Setup, rounds: int = 5, blocks: int = 16
) -> tuple[float, float]:
    """Seconds per block of the engine (one thread) and of drawing its normals, best of rounds."""
    setup = montecarlo.with_grid(setup, 1)
    rng = np.random.default_rng(0)
    drawn = np.empty((draws_per_path(setup), montecarlo.BLOCK))
    montecarlo.run(setup, 2 * montecarlo.BLOCK, seed=1, threads=1)  # warm up
    engine, draws = [], []
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(blocks):
            rng.standard_normal(out=drawn)
        draws.append((time.perf_counter() - started) / blocks)
        started = time.perf_counter()
        montecarlo.run(setup, blocks * montecarlo.BLOCK, seed=1, threads=1)
        engine.append((time.perf_counter() - started) / blocks)
    return min(engine), min(draws)


def engine_throughput(setup: montecarlo.Setup, paths: int, threads: int | None) -> float:
    setup = montecarlo.with_grid(setup, 1)
    montecarlo.run(setup, 2 * montecarlo.BLOCK, seed=1, threads=threads)  # warm up
    seconds = best_of(3, lambda: montecarlo.run(setup, paths, seed=1, threads=threads))
    years = setup.arrays.growth.shape[-1]
    return paths * years / seconds


def loop_paths(setup: montecarlo.Setup, z: np.ndarray) -> np.ndarray:
    """The engine's arithmetic one path, one year and one series at a time (no observations)."""
    arrays, catalog = setup.arrays, setup.catalog
    n_series, n_steps = arrays.growth.shape[1:]
    sigma = setup.volatility[0].sigma
    lower, upper = catalog.lower_bound, catalog.upper_bound
    order = sorted(range(n_series), key=lambda n: arrays.link[0, n] != Link.NONE)
    out = np.full((z.shape[0], n_series, n_steps + 1), math.nan)
    for p in range(z.shape[0]):
        for n in order:
            mode, link, driver = arrays.mode[0, n], arrays.link[0, n], arrays.driver[0, n]
            start = int(setup.start[n])
            base = setup.base_value[n]
            if link == Link.RATIO:
                own = 100.0 * base / out[p, driver, start]
            elif link == Link.PER:
                own = base * out[p, driver, start]
            else:
                own = base
            if math.isnan(own) and mode != Mode.DIRECT:
                continue
            value = own
            for t in range(start, n_steps + 1):
                if t > start:
                    step = arrays.growth[0, n, t - 1]
                    shock = sigma[n] * z[p, n, t - 1]
                    if mode == Mode.COMPOUND:
                        own = own * (1.0 + step) * math.exp(shock)
                    elif mode == Mode.ADDITIVE:
                        own = own + step + shock
                    else:
                        own = step + shock
                    if link == Link.NONE:
                        own = min(max(own, lower[n]), upper[n])
                if link == Link.RATIO:
                    value = own / 100.0 * out[p, driver, t]
                elif link == Link.PER:
                    value = own / out[p, driver, t]
                elif link == Link.RATE_OF:
                    value = (
                        own
                        if t == start
                        else 100.0 * (out[p, driver, t] / out[p, driver, t - 1] - 1)
                    )
                else:
                    value = own
                out[p, n, t] = min(max(value, lower[n]), upper[n])
    return out


def loop_throughput(setup: montecarlo.Setup, paths: int) -> tuple[float, bool]:
    """Loop timing, and whether it reproduces the engine on the same draws."""
    from nscc_proj.analysis.uncertainty import shocked_increments
    from nscc_proj.core.assess import met_at_milestones
    from nscc_proj.core.engine import increments

    rng = np.random.default_rng(3)
    z = rng.standard_normal((paths, setup.arrays.growth.shape[1], setup.arrays.growth.shape[2]))

    def run_loop() -> np.ndarray:
        result = loop_paths(setup, z)
        met_at_milestones(result[:, : len(setup.catalog)], setup.targets)
        return result

    started = time.perf_counter()
    looped = run_loop()
    seconds = time.perf_counter() - started
    steps = increments(setup.arrays.growth[0], setup.arrays.mode[0])
    engine = montecarlo.project_variants(
        setup, 0, shocked_increments(steps, setup.volatility[0].sigma, z)
    )
    agrees = bool(np.allclose(engine, looped, rtol=1e-9, equal_nan=True))
    return paths * setup.arrays.growth.shape[-1] / seconds, agrees


def command_seconds(command: list[str], repeats: int = 10) -> float:
    return best_of(repeats, lambda: subprocess.run(command, check=True, capture_output=True))


PEAK_RSS = """
def peak_kib():
    # VmHWM belongs to this program's own address space; ru_maxrss would also count
    # the benchmark process this one was forked from, whose high-water mark it inherits.
    try:
        with open("/proc/self/status", encoding="utf-8") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
"""


def peak_memory(paths: int) -> float:
    """Peak RSS (MiB) of one `nscc simulate` run, in a fresh process."""
    code = (
        "import os, sys; from nscc_proj.cli.common import app\n"
        + PEAK_RSS
        + f"sys.argv = ['nscc', 'simulate', '--paths', '{paths}', '-f', 'csv', '-o', os.devnull]\n"
        "try:\n    app()\nexcept SystemExit:\n    pass\n"
        "print(peak_kib())"
    )
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return int(done.stdout.strip().splitlines()[-1]) / 1024


def machine() -> str:
    model = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            model = next(
                line.split(":", 1)[1].strip() for line in info if line.startswith("model name")
            )
    except (OSError, StopIteration):
        pass
    return (
        f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"NumPy {np.__version__}, {platform.system()} {platform.machine()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, default=50_000, help="engine run size")
    parser.add_argument("--loop-paths", type=int, default=200, help="plain-loop run size")
    parser.add_argument("--memory", type=int, nargs=2, default=(100_000, 1_000_000), metavar="N")
    args = parser.parse_args()

    catalog = load_catalog()
    setup, _ = montecarlo.prepare(catalog, [load_scenario("base")], None)
    n_series, n_steps = setup.arrays.growth.shape[1:]
    drawn = draws_per_path(setup)
    print(f"machine: {machine()}")
    engine_block, draw_block = block_seconds(setup)
    a = drawn * montecarlo.BLOCK / draw_block
    print(f"(a) NumPy normal draws:       {a:14,.0f} values/s (one thread, {drawn} a path, reused)")
    threads = montecarlo.default_workers()
    b = engine_throughput(setup, args.paths, None)
    print(
        f"(b) Monte Carlo engine:       {b:14,.0f} path-years/s ({drawn} draws a path of "
        f"{n_steps} years, {threads} threads)"
    )
    b1 = montecarlo.BLOCK * n_steps / engine_block
    print(f"    on one thread:            {b1:14,.0f} path-years/s")
    c, agrees = loop_throughput(setup, args.loop_paths)
    print(
        f"(c) plain per-path loop:      {c:14,.0f} path-years/s (agrees with the engine: {agrees})"
    )
    print(
        f"engine / its draws, one thread: {engine_block / draw_block:12.2f}  (goal <= 3; "
        f"{engine_block * 1e3:.1f} ms against {draw_block * 1e3:.1f} ms a block)"
    )
    every = draw_block * n_series * n_steps / drawn
    print(
        f"    / {n_series * n_steps} draws a path:        {engine_block / every:12.2f}  "
        "(one normal per series and year, as the engine drew them before)"
    )
    print(f"b/c:                          {b / c:14,.0f}  (goal >= 100)")

    beside = os.path.join(os.path.dirname(sys.executable), "nscc")
    nscc = beside if os.path.exists(beside) else shutil.which("nscc") or "nscc"
    numpy_import = command_seconds([sys.executable, "-c", "import numpy"])
    scenarios = [arg for name in ("base", "high", "low", "shock") for arg in ("-s", name)]
    project_all = command_seconds([nscc, "project", *scenarios, "-f", "csv"])
    help_only = command_seconds([nscc, "--help"])
    print(f"python -c 'import numpy':     {numpy_import:14.3f} s")
    print(
        f"nscc project (4 scenarios):   {project_all:14.3f} s  ratio {project_all / numpy_import:.2f} (goal <= 3)"
    )
    print(
        f"nscc --help:                  {help_only:14.3f} s  ratio {help_only / numpy_import:.2f} (goal <= 2)"
    )

    small, large = args.memory
    low, high = peak_memory(small), peak_memory(large)
    print(
        f"peak RSS, simulate {small:,} paths: {low:8.1f} MiB; {large:,} paths: {high:8.1f} MiB; ratio {high / low:.2f} (goal <= 1.5)"
    )


if __name__ == "__main__":
    main()
