"""Uncertainty commands: Monte Carlo simulation and sensitivity analysis.

Registered on the ``nscc`` app by ``cli``; like it, parse, call, render.
Progress goes to stderr, so csv and json on stdout stay clean.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from nscc_proj.analysis.simulation import Simulation

from nscc_proj.cli.common import (
    MAX_SEED,
    AsOfOption,
    DataOption,
    FormatOption,
    LangOption,
    Language,
    NoObservedOption,
    ObservedOption,
    OutputOption,
    RegionOption,
    ScenarioOption,
    SeriesFormatOption,
    StrictOption,
    app,
    check_range,
    check_region,
    console,
    emit,
    iamc_labels,
    load_inputs,
    load_scenarios,
    present,
    progress_bar,
    reports_errors,
    resolve_format,
    show,
)

# Beyond this a run takes days: a larger question wants --engine dask and several runs.
MAX_PATHS = 1_000_000_000

SeedOption = Annotated[
    int,
    typer.Option(
        "--seed", help="Seed of the random streams, 0 to 2**63 - 1 (same seed, same numbers)."
    ),
]


class SensitivityTable(StrEnum):
    TORNADO = "tornado"
    SOBOL = "sobol"


class Engine(StrEnum):
    NUMPY = "numpy"
    DASK = "dask"


@app.command()
@reports_errors
def simulate(
    scenario: ScenarioOption = ["base"],  # noqa: B006 - typer reads the default from here
    paths: Annotated[
        int, typer.Option("--paths", help="Monte Carlo paths per scenario, 1 to 1,000,000,000.")
    ] = 10_000,
    seed: SeedOption = 42,
    bands: Annotated[
        bool, typer.Option("--bands", help="Output per-year percentile bands (fan charts).")
    ] = False,
    engine: Annotated[
        Engine, typer.Option("--engine", help="Run chunks here (numpy) or on Dask.")
    ] = Engine.NUMPY,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="Dask scheduler address, e.g. tcp://host:8786 [default: a local cluster].",
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            help="Threads of the NumPy engine, or processes of a local Dask cluster "
            "[default: the cores, up to 4].",
        ),
    ] = None,
    fmt: SeriesFormatOption = None,
    output: OutputOption = None,
    lang: LangOption = Language.EN,
    data: DataOption = None,
    observed: ObservedOption = None,
    no_observed: NoObservedOption = False,
    as_of: AsOfOption = None,
    strict: StrictOption = False,
    region: RegionOption = None,
) -> None:
    """Simulate growth shocks: the probability of meeting each target, and percentiles.

    With --bands --format iamc, the bands in the IAMC layout (pyam.IamDataFrame reads it).

    Example: nscc simulate --scenario base --paths 100000 --seed 42
    """
    from nscc_proj.analysis.simulation import simulate as run_simulation
    from nscc_proj.errors import InputError
    from nscc_proj.present.export import Format
    from nscc_proj.present.terminal.uncertainty import simulation_view

    check_range("--paths", paths, 1, MAX_PATHS, "paths")
    check_range("--seed", seed, 0, MAX_SEED)
    if workers is not None:
        check_range("--workers", workers, 1, 256)
    out_format = resolve_format(fmt, output)
    check_region(region, out_format)
    if out_format is Format.IAMC and not bands:
        raise InputError("--format iamc holds yearly series: add --bands")
    if engine is Engine.NUMPY and scheduler is not None:
        raise InputError("--scheduler needs --engine dask")
    if scheduler is not None and workers is not None:
        raise InputError("--workers sizes a local cluster; a --scheduler's cluster has its own")
    if workers is not None and workers < 1:
        raise InputError(f"--workers must be at least 1, got {workers}")
    catalog, observations = load_inputs(data, observed, no_observed)
    scenarios = load_scenarios(scenario, catalog, observations, strict)
    with progress_bar("simulating") as progress:
        map_blocks = None
        if engine is Engine.DASK:
            from nscc_proj.analysis.distributed import dask_map_blocks

            map_blocks = dask_map_blocks(scheduler, workers, progress)
        result = run_simulation(
            catalog,
            scenarios,
            observations,
            paths=paths,
            seed=seed,
            bands=bands,
            map_blocks=map_blocks,
            progress=progress,
            threads=workers,
            as_of=as_of,
        )
    _volatility_header(result, strict)
    if out_format is Format.IAMC:
        from nscc_proj.present.iamc import bands_iamc

        labels = iamc_labels(catalog, region)
        emit(bands_iamc(catalog, result.bands_table(), **labels), out_format, output)
    elif bands:
        present(result.bands_table(), out_format, output, None)
    else:
        present(
            result.table(),
            out_format,
            output,
            lambda width: simulation_view(catalog, result, lang.value, width),
        )
    for note in result.notes:
        typer.echo(f"Note: {note}", err=True)


def _volatility_header(result: Simulation, strict: bool) -> None:
    """Say on stderr where the volatilities come from; warn of defaults (an error with --strict).

    A probability is only as good as its volatility: a reader must see when one rests on
    the blanket default rather than an estimate from the data.
    """
    from nscc_proj.errors import InputError

    warnings = [
        f"{name}: no volatility estimated for {len(series)} series ({', '.join(series)}): "
        "the documented default is used (nscc calibrate estimates them from the data)"
        for name, series in result.defaulted().items()
    ]
    if strict and warnings:
        raise InputError(warnings[0] + " [--strict]")
    for line in result.volatility_notes():
        typer.echo(f"Volatility: {line}", err=True)
    measured = result.measurement_note()
    if measured:
        typer.echo(f"Note: {measured}", err=True)
    for message in warnings:
        typer.echo(f"Warning: {message}", err=True)


@app.command()
@reports_errors
def sensitivity(
    target: Annotated[
        list[str],
        typer.Option(
            "--target",
            metavar="KEY:MILESTONE",
            help="A target, e.g. gdp:2035 (repeat for several).",
        ),
    ],
    scenario: Annotated[
        str, typer.Option("--scenario", "-s", metavar="NAME|PATH", help="The scenario.")
    ] = "base",
    delta: Annotated[
        float,
        typer.Option(
            "--delta",
            help="One-at-a-time step, a fraction of growth a year (0.01 = ±1 point; ±1 unit a "
            "year for series moved by change), from 0.0001 to 0.2.",
        ),
    ] = 0.01,
    paths: Annotated[
        int,
        typer.Option(
            "--paths",
            help="Also re-simulate P(met) for the top assumptions: 100 to 10,000,000 paths "
            "(0: no).",
        ),
    ] = 0,
    sobol: Annotated[
        int,
        typer.Option(
            "--sobol",
            help="Sobol base sample size, a power of two from 64 to 65,536 (0: skip the global "
            "analysis).",
        ),
    ] = 1024,
    table_choice: Annotated[
        SensitivityTable,
        typer.Option("--table", help="With --format csv/json: the tornado or the Sobol indices."),
    ] = SensitivityTable.TORNADO,
    seed: SeedOption = 42,
    fmt: FormatOption = None,
    output: OutputOption = None,
    data: DataOption = None,
    observed: ObservedOption = None,
    no_observed: NoObservedOption = False,
) -> None:
    """Which assumptions drive targets: a +-1 point tornado and global Sobol indices.

    With --format csv/json, --table chooses the tornado (default) or the Sobol
    indices, one row per target and assumption; the terminal view shows both.

    Example: nscc sensitivity --scenario base --target gdp:2035 --target budget_revenue:2035
    """
    from nscc_proj.analysis.sensitivity import TORNADO_COLUMNS, Target, tornado
    from nscc_proj.analysis.sensitivity import sobol as run_sobol
    from nscc_proj.analysis.solve import parse_target
    from nscc_proj.errors import InputError
    from nscc_proj.inputs.scenario import load_scenario
    from nscc_proj.present.export import Format
    from nscc_proj.present.terminal.uncertainty import sensitivity_view
    from nscc_proj.table import Table

    check_range("--delta", delta, 0.0001, 0.2, "a year")
    check_range("--paths", paths, 100, 10_000_000, "paths", zero=True)
    check_range("--sobol", sobol, 64, 65_536, "base samples", zero=True)
    if sobol & (sobol - 1):
        raise InputError(f"--sobol must be a power of two (64, 128, ... 65,536), got {sobol}")
    check_range("--seed", seed, 0, MAX_SEED)
    out_format = resolve_format(fmt, output)
    catalog, observations = load_inputs(data, observed, no_observed)
    loaded = load_scenario(scenario)
    chosen = list(dict.fromkeys(Target(*parse_target(text, catalog)) for text in target))
    if out_format is not Format.TABLE and table_choice is SensitivityTable.SOBOL:
        with progress_bar("Sobol indices") as progress:
            indices, _ = run_sobol(
                catalog,
                loaded,
                chosen,
                observations,
                samples=sobol or 1024,
                seed=seed,
                progress=progress,
            )
        emit(indices, out_format, output)
        return
    spreads = []
    with progress_bar("one at a time") as progress:
        for done, one in enumerate(chosen, 1):
            spreads.append(
                tornado(catalog, loaded, one, observations, delta=delta, paths=paths, seed=seed)
            )
            progress(done, len(chosen))
    spread = Table(TORNADO_COLUMNS, tuple(row for table in spreads for row in table.rows))
    if out_format is not Format.TABLE:
        emit(spread, out_format, output)
        return
    found = None
    if sobol:
        with progress_bar("Sobol indices") as progress:
            found = run_sobol(
                catalog, loaded, chosen, observations, samples=sobol, seed=seed, progress=progress
            )
    terminal = console()
    show(sensitivity_view(spread, found, [one.label for one in chosen], terminal.width), terminal)
