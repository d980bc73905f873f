"""The IAMC layout: what pyam reads as it is (pyam is a test extra)."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from cli_helpers import assert_input_error, csv_rows, run
from conftest import FROZEN_DATA as DATA

pyam = pytest.importorskip("pyam", reason="pyam-iamc is in the test extra")

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")


def _frame(text: str) -> pyam.IamDataFrame:
    return pyam.IamDataFrame(pd.read_csv(io.StringIO(text)))


def test_project_paths_load_in_pyam(workdir: Path) -> None:
    result = run("project", "-s", "base", "-s", "high", "-f", "iamc")
    assert result.exit_code == 0, result.stderr
    frame = _frame(result.stdout)
    assert frame.model == [f"nscc {__import__('nscc_proj').__version__}"]
    assert frame.scenario == ["base", "high"]
    assert frame.region == ["Shenyang"]  # the shipped table's city
    assert "City development level|gdp" in frame.variable
    assert "Context|urban_income" in frame.variable
    assert list(frame.year) == list(range(2020, 2036))
    # Every value equals the --paths CSV's (the same engine, another layout).
    paths = csv_rows(run("project", "-s", "base", "-s", "high", "--paths").stdout)
    series = frame.timeseries()
    checked = 0
    for row in paths:
        key = row["indicator_key"]
        domain = "Context" if key in ("urban_income", "rural_income") else None
        match = [
            v
            for v in frame.variable
            if v.endswith(f"|{key}") and (domain is None or v.startswith(domain))
        ]
        assert len(match) == 1, key
        value = series.xs((row["scenario"], match[0]), level=("scenario", "variable"))[
            int(row["year"])
        ].iloc[0]
        assert value == pytest.approx(float(row["value"]), rel=1e-12)
        checked += 1
    assert checked == len(paths) > 400
    # The table's own base value, by hand.
    gdp_2020 = series.xs(("base", "City development level|gdp"), level=("scenario", "variable"))
    assert gdp_2020[2020].iloc[0] == 6571.6


def test_the_region_is_the_tables_or_the_users(workdir: Path) -> None:
    for name in ("indicators_2020.csv", "context.csv", "observed.csv"):
        (workdir / name.replace("indicators_2020", "mycity")).write_bytes(
            (DATA / name).read_bytes()
        )
    other = _frame(run("project", "-f", "iamc", "--data", "mycity.csv").stdout)
    assert other.region == ["mycity"]  # another table: its file's name
    named = _frame(run("project", "-f", "iamc", "--region", "Liaoning|Shenyang").stdout)
    assert named.region == ["Liaoning|Shenyang"]
    assert_input_error(run("project", "--region", "x"), "--region is the region column")
    assert_input_error(run("project", "-f", "iamc", "--region", " "), "--region must be")


def test_simulated_bands_load_in_pyam(workdir: Path) -> None:
    args = ("simulate", "-s", "base", "--paths", "1024", "--bands", "--seed", "4")
    result = run(*args, "-f", "iamc")
    assert result.exit_code == 0, result.stderr
    frame = _frame(result.stdout)
    statistics = {v.rsplit("|", 1)[1] for v in frame.variable}
    assert statistics == {"median path", "p5", "p25", "p50", "p75", "p95"}
    bands = csv_rows(run(*args, "-f", "csv").stdout)
    gdp = next(r for r in bands if r["indicator_key"] == "gdp" and r["year"] == "2035")
    series = frame.timeseries()
    p95 = series.xs("City development level|gdp|p95", level="variable")[2035].iloc[0]
    assert p95 == pytest.approx(float(gdp["p95"]), rel=1e-12)


def test_iamc_needs_yearly_series(workdir: Path) -> None:
    assert_input_error(
        run("simulate", "--paths", "100", "-f", "iamc"), "--format iamc holds yearly series"
    )
