"""The simulate and sensitivity commands: output schemas, exit codes, engines."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cli_helpers import assert_input_error, run
from cli_helpers import csv_rows as rows
from nscc_proj.analysis.sensitivity import TORNADO_COLUMNS
from nscc_proj.analysis.simulation import BAND_COLUMNS, SIMULATION_COLUMNS


def test_simulate_csv_schema_and_numbers(workdir):
    result = run("simulate", "-s", "base", "--paths", "2048", "--seed", "1", "-f", "csv")
    assert result.exit_code == 0, result.stderr
    table = rows(result.stdout)
    assert tuple(table[0]) == SIMULATION_COLUMNS
    targets = [r for r in table if r["scope"] == "target"]
    assert len(targets) == 31 * 2
    gdp = next(r for r in targets if r["indicator_key"] == "gdp" and r["milestone"] == "2035")
    assert 0 <= float(gdp["probability"]) <= 1
    assert float(gdp["p5"]) < float(gdp["p50"]) < float(gdp["p95"])
    assert gdp["probability_analytic"] != ""
    scopes = {r["scope"] for r in table}
    assert scopes == {"target", "domain", "all"}
    overall = [r for r in table if r["scope"] == "all"]
    assert [r["milestone"] for r in overall] == ["2025", "2035", ""]


def test_simulate_is_reproducible_and_seed_sensitive(workdir):
    first = run("simulate", "--paths", "1500", "--seed", "9", "-f", "csv").stdout
    again = run("simulate", "--paths", "1500", "--seed", "9", "-f", "csv").stdout
    other = run("simulate", "--paths", "1500", "--seed", "10", "-f", "csv").stdout
    assert first == again
    assert first != other


def test_simulate_bands_and_json(workdir):
    bands = run("simulate", "--paths", "1024", "--bands", "-f", "csv")
    assert bands.exit_code == 0, bands.stderr
    table = rows(bands.stdout)
    assert tuple(table[0]) == BAND_COLUMNS
    assert {r["indicator_key"] for r in table} >= {"gdp", "urban_income"}
    as_json = run("simulate", "--paths", "1024", "-f", "json", "-o", "sim.json")
    assert as_json.exit_code == 0, as_json.stderr
    assert as_json.stdout == ""
    data = json.loads((workdir / "sim.json").read_text(encoding="utf-8"))
    assert data[0]["scope"] == "target"


def test_simulate_table(workdir):
    result = run("simulate", "-s", "base", "-s", "high", "--paths", "1024")
    assert result.exit_code == 0, result.stderr
    assert "Scenario base: 1,024 paths, seed 42" in result.stdout
    assert "Scenario high" in result.stdout
    assert "Joint probability of meeting every target" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--paths", "0"), "--paths must be 1 to 1,000,000,000 paths, got 0"),
        (("--seed", "-3"), "--seed must be 0 to"),
        (("--scheduler", "tcp://127.0.0.1:1"), "--scheduler needs --engine dask"),
        (("--workers", "0"), "--workers must be 1 to 256, got 0"),
        (
            ("--engine", "dask", "--scheduler", "tcp://127.0.0.1:1", "--workers", "2"),
            "a --scheduler's cluster has its own",
        ),
    ],
)
def test_simulate_bad_options(workdir, args, message):
    result = run("simulate", *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_simulate_bad_uncertainty_names_the_line(workdir):
    (workdir / "u.yaml").write_text(
        "name: u\nuncertainty:\n  sigma:\n    gpd: 0.02\n", encoding="utf-8"
    )
    result = run("simulate", "-s", "u.yaml", "--paths", "10")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: u.yaml:4: uncertainty.sigma.gpd: unknown indicator")
    (workdir / "t.yaml").write_text("name: t\nuncertainty: {df: 2}\n", encoding="utf-8")
    result = run("simulate", "-s", "t.yaml", "--paths", "10")
    assert result.exit_code == 2
    assert "t.yaml:2: uncertainty.df" in result.stderr


@pytest.fixture
def dashboard_port_taken() -> Iterator[None]:
    """Port 8787, Dask's default dashboard port, is in use (a Jupyter dashboard, another run)."""
    with socket.socket() as listener:
        try:
            listener.bind(("127.0.0.1", 8787))
            listener.listen()
        except OSError:
            pass  # taken already
        yield


@pytest.mark.dask
@pytest.mark.usefixtures("dashboard_port_taken")
def test_dask_engine_gives_the_same_numbers(workdir):
    """Bit for bit the NumPy engine's numbers, on a local cluster that needs no fixed port."""
    here = run("simulate", "--paths", "2500", "--seed", "4", "-f", "csv")
    there = run(
        "simulate",
        "--paths",
        "2500",
        "--seed",
        "4",
        "-f",
        "csv",
        "--engine",
        "dask",
        "--workers",
        "1",
    )
    assert there.exit_code == 0, there.stderr
    assert here.stdout == there.stdout


def test_sensitivity_tornado_csv_and_table(workdir):
    result = run("sensitivity", "--target", "budget_revenue:2035", "-f", "csv")
    assert result.exit_code == 0, result.stderr
    table = rows(result.stdout)
    assert tuple(table[0]) == TORNADO_COLUMNS
    assumptions = [r["assumption"] for r in table]
    assert set(assumptions) == {"budget_revenue", "gdp"}  # revenue is a ratio to GDP in base
    swings = [float(r["swing"]) for r in table]
    assert swings == sorted(swings, reverse=True)
    view = run("sensitivity", "--target", "gdp:2035", "--sobol", "128")
    assert view.exit_code == 0, view.stderr
    assert "One at a time: gdp 2035" in view.stdout
    assert "Sobol" in view.stdout


def test_sensitivity_bad_target(workdir):
    result = run("sensitivity", "--target", "gdp2035")
    assert result.exit_code == 2
    assert "KEY:YEAR" in result.stderr


def test_sensitivity_sobol_table_export(workdir):
    result = run(
        "sensitivity", "--target", "gdp:2035", "--table", "sobol", "-f", "csv", "--sobol", "256"
    )
    assert result.exit_code == 0, result.stderr
    table = rows(result.stdout)
    assert list(table[0]) == ["target", "assumption", "range", "S1", "S1_conf", "ST", "ST_conf"]
    gdp = next(r for r in table if r["assumption"] == "gdp")
    # GDP 2035 depends on GDP's own growth alone: it carries all the variance.
    assert float(gdp["ST"]) == pytest.approx(1.0, abs=0.05)


def test_sensitivity_of_several_targets(workdir):
    targets = ("--target", "gdp:2035", "--target", "budget_revenue:2035")
    targets += ("--target", "population:2035", "--target", "gdp:2035")  # a repeat counts once
    sobol = run("sensitivity", *targets, "--table", "sobol", "-f", "csv", "--sobol", "256")
    assert sobol.exit_code == 0, sobol.stderr
    table = rows(sobol.stdout)
    assert list(dict.fromkeys(r["target"] for r in table)) == [
        "gdp:2035",
        "budget_revenue:2035",
        "population:2035",
    ]
    by_target = {
        label: {r["assumption"]: float(r["ST"]) for r in table if r["target"] == label}
        for label in ("gdp:2035", "budget_revenue:2035", "population:2035")
    }
    # Each target lists what moves it, with the numbers it gets when analysed alone.
    alone = run(
        "sensitivity", "--target", "gdp:2035", "--table", "sobol", "-f", "csv", "--sobol", "256"
    )
    assert [r for r in table if r["target"] == "gdp:2035"] == rows(alone.stdout)
    assert set(by_target["gdp:2035"]) == {"gdp"}
    assert by_target["gdp:2035"]["gdp"] == pytest.approx(1.0, abs=0.05)
    # Revenue is a ratio to GDP in base; the ratio has no volatility of its own by default.
    assert set(by_target["budget_revenue:2035"]) == {"gdp"}
    assert set(by_target["population:2035"]) == {"population"}
    spread = run("sensitivity", *targets, "-f", "csv")
    assert spread.exit_code == 0, spread.stderr
    labels = [r["target"] for r in rows(spread.stdout)]
    assert labels == sorted(
        labels, key=["gdp:2035", "budget_revenue:2035", "population:2035"].index
    )
    view = run("sensitivity", *targets, "--sobol", "128")
    assert view.exit_code == 0, view.stderr
    for heading in ("gdp 2035", "budget_revenue 2035", "population 2035"):
        assert f"One at a time: {heading}" in view.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--paths", "-5", "--sobol", "0"), "--paths must be 0 (off) or 100 to 10,000,000 paths"),
        (("--delta", "5"), "--delta must be 0.0001 to 0.2 a year, got 5"),
        (("--delta", "1"), "--delta must be 0.0001 to 0.2 a year, got 1"),
        (("--sobol", "10"), "--sobol must be 0 (off) or 64 to 65,536 base samples, got 10"),
        (("--sobol", "100"), "--sobol must be a power of two"),
    ],
)
def test_sensitivity_bad_options(workdir: Path, args: tuple[str, ...], message: str) -> None:
    assert_input_error(run("sensitivity", "--target", "gdp:2035", *args), message)


def test_report_bad_simulate(workdir: Path) -> None:
    assert_input_error(
        run("report", "--simulate", "-1", "--out", "r"), "--simulate must be 0 (off) or 1 to"
    )
    assert not (workdir / "r").exists()


def test_user_text_is_not_rich_markup(
    workdir: Path, write_file: Callable[[str, str], Path]
) -> None:
    write_file("x.yaml", 'name: "[/x][red]y[link=http://e]z"\ngrowth: {gdp: 0.05}\n')
    result = run("project", "-s", "x.yaml")
    assert result.exit_code == 0, result.stderr
    assert "[/x][red]y[link=http://e]z" in result.stdout
    write_file("y.yaml", 'name: "two words"\n')
    assert_input_error(run("project", "-s", "y.yaml"), "a name is one word")
    assert all(line == line.rstrip() for line in result.stdout.splitlines())


def test_implausible_rates_warn_and_strict_refuses(
    workdir: Path, write_file: Callable[[str, str], Path]
) -> None:
    write_file("fast.yaml", "name: fast\nextends: base\ngrowth:\n  population: 0.6\n")
    result = run("project", "-s", "fast.yaml", "-f", "csv")
    assert result.exit_code == 0
    assert (
        'Warning: fast.yaml:4: growth.population: a level growing +60% a year; did you mean "0.6%"?'
        in result.stderr
    )
    strict = run("project", "-s", "fast.yaml", "-f", "csv", "--strict")
    assert_input_error(strict, "growing +60% a year", "--strict makes it an error")


def test_simulate_says_where_its_volatilities_come_from(workdir: Path) -> None:
    # The frozen base has no uncertainty block: every unlinked series takes the default.
    result = run("simulate", "-s", "base", "--paths", "1024", "-f", "csv")
    assert result.exit_code == 0, result.stderr
    lines = result.stderr.splitlines()
    assert "Volatility: base: 29 default, 4 linked series" in lines
    assert any(
        line.startswith("Warning: base: no volatility estimated for 29 series (gdp, population")
        for line in lines
    )
    table = rows(result.stdout)
    gdp = next(r for r in table if r["indicator_key"] == "gdp")
    assert (gdp["volatility_source"], float(gdp["volatility"])) == ("default", 0.02)
    # Every volatility states its unit, so none changes silently between rows.
    units = {r["indicator_key"]: r["volatility_unit"] for r in table if r["scope"] == "target"}
    assert units["gdp"] == "log"  # compound growth: a log fraction, 2 % a year
    assert units["budget_revenue"] == "log"  # its ratio to GDP compounds
    assert units["high_end_equipment_share"] == "points"
    assert units["financial_center_rank"] == "places"
    assert units["income_growth"] == ""  # read off urban income: no shock of its own
    errors = {r["indicator_key"]: r["anchor_error_unit"] for r in table if r["scope"] == "target"}
    assert (errors["gdp"], errors["high_end_equipment_share"]) == ("log", "points")
    assert errors["financial_center_rank"] == "places"
    strict = run("simulate", "-s", "base", "--paths", "1024", "-f", "csv", "--strict")
    assert_input_error(strict, "no volatility estimated for 29 series", "[--strict]")


def test_a_calibrated_block_is_named_as_such(workdir: Path) -> None:
    (workdir / "cal.yaml").write_text(
        "name: cal\nextends: base\nuncertainty:\n"
        '  calibrated: "by hand, for a test"\n  sigma: {default: 0.03, gdp: "2%"}\n',
        encoding="utf-8",
    )
    result = run("simulate", "-s", "cal.yaml", "--paths", "1024", "-f", "csv")
    assert result.exit_code == 0, result.stderr
    # gdp is named (calibrated); the blanket default covers the other compound series
    # (the author's choice: scenario); shares and ranks are left to the documented default.
    header = next(line for line in result.stderr.splitlines() if line.startswith("Volatility:"))
    assert header.startswith("Volatility: cal: 1 calibrated, ")
    assert header.endswith(" series (by hand, for a test)")
    table = rows(result.stdout)
    sources = {r["indicator_key"]: r["volatility_source"] for r in table if r["scope"] == "target"}
    assert sources["gdp"] == "calibrated"
    assert sources["population"] == "scenario"
    assert sources["budget_revenue"] == "linked"


def test_a_grade_c_milestone_is_a_probability_not_a_certainty(workdir: Path) -> None:
    # Revenue 2025 is observed (grade C, 794.2 in the frozen data): its true value is drawn
    # around the stated one, 3 % a side, so the 90 % band holds it strictly inside.
    result = run("simulate", "-s", "base", "--paths", "4096", "--as-of", "2025", "-f", "csv")
    assert result.exit_code == 0, result.stderr
    table = rows(result.stdout)
    revenue = next(
        r for r in table if r["indicator_key"] == "budget_revenue" and r["milestone"] == "2025"
    )
    assert revenue["evidence"] == "observed"
    assert float(revenue["anchor_error"]) == pytest.approx(0.03, rel=1e-12)
    assert float(revenue["p5"]) < 794.2 < float(revenue["p95"])
    assert "measurement error by grade and vintage" in result.stderr


def test_simulate_notes_skipped_joint_probabilities(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nscc_proj.analysis import probability

    (workdir / "hub.yaml").write_text(
        "name: hub\nextends: base\nuncertainty:\n  sigma: {default: 0.03}\n  groups:\n"
        "    - members: [airport_passengers, intl_air_routes, china_europe_trains]\n"
        "      rho: 0.5\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(probability, "MAX_JOINT_TARGETS", 1)
    result = run("simulate", "-s", "hub.yaml", "--paths", "1024", "-f", "csv")
    assert result.exit_code == 0, result.stderr
    assert "Note: probability_analytic is left empty for" in result.stderr
