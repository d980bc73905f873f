"""End-to-end tests of the analysis layer: observed values, ``required --from latest``,
``consistency``, ``solve``, ``validate`` and the scenario language, through typer's CliRunner.

Every test runs in its own empty working folder (``workdir``) on the frozen data in
tests/data. Expected numbers are computed here from its figures, not read back from the library.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

import nscc_proj
from cli_helpers import assert_input_error, csv_rows, find_row, run
from conftest import FROZEN_DATA, FROZEN_SCENARIOS
from nscc_proj.analysis.requirements import LATEST_COLUMNS

WriteFile = Callable[[str, str], Path]

SHIPPED_SCENARIOS = sorted((Path(nscc_proj.__file__).parent / "scenarios").glob("*.yaml"))
YEARS = range(2020, 2036)

# The 2020 table and the observations of the frozen data (tests/data) these tests rely on.
GDP_2020 = 6571.6
GDP_OBSERVED = {2022: 7695.8, 2023: 8122.1, 2024: 9027.1}
REVENUE_2020, REVENUE_2024, REVENUE_2025 = 736.1, 825.6, 794.2
POPULATION_2020, POPULATION_2024 = 907.0, 924.3
OBSERVED_HEADER = "indicator_key,year,value,source,grade,note\n"
RATIOS_HEADER = "key,name_zh,name_en,numerator,operator,denominator,scale,unit,note\n"

# A scenario whose budget revenue holds its ratio to GDP (the ratio's steps are all 0).
LINKED = "name: linked\nextends: base\ngrowth:\n  budget_revenue: {ratio_to: gdp}\n"


def ok_csv(*args: str | Path) -> list[dict[str, str]]:
    result = run(*args)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return csv_rows(result.stdout)


def paths(*args: str | Path) -> dict[str, dict[int, tuple[float, bool]]]:
    """``project --paths -f csv``: key -> year -> (value, observed) of the one scenario run."""
    rows = ok_csv("project", "--paths", "-f", "csv", *args)
    assert len({row["scenario"] for row in rows}) == 1
    result: dict[str, dict[int, tuple[float, bool]]] = {}
    for row in rows:
        assert row["observed"] in ("true", "false")
        result.setdefault(row["indicator_key"], {})[int(row["year"])] = (
            float(row["value"]),
            row["observed"] == "true",
        )
    return result


def values(path: dict[int, tuple[float, bool]]) -> dict[int, float]:
    return {year: value for year, (value, _) in path.items()}


def steps(path: dict[int, tuple[float, bool]]) -> dict[int, float]:
    """Year -> compound growth into that year."""
    v = values(path)
    return {year: v[year] / v[year - 1] - 1 for year in v if year - 1 in v}


def yearly_rates(spec: object) -> dict[int, float]:
    """Year -> rate of a plain-rate growth entry as written in YAML (narrower periods win)."""

    def rate(value: object) -> float:
        text = str(value).strip()
        return float(text[:-1]) / 100 if text.endswith("%") else float(text)

    def span(period: object) -> range:
        start, _, end = str(period).partition("-")
        return range(int(start), int(end or start) + 1)

    if not isinstance(spec, dict):
        return dict.fromkeys(YEARS[1:], rate(spec))
    rates: dict[int, float] = {}
    for period, value in sorted(spec.items(), key=lambda item: -len(span(item[0]))):
        rates.update(dict.fromkeys(span(period), rate(value)))
    return rates


def base_gdp_rates() -> dict[int, float]:
    data = yaml.safe_load((FROZEN_SCENARIOS / "base.yaml").read_text("utf-8"))
    assert not data.get("shocks"), "base.yaml has shocks: the gdp oracle below ignores them"
    spec = data["growth"]["gdp"]
    assert not (isinstance(spec, dict) and {"real", "change", "ratio_to", "share_of"} & set(spec))
    rates = yearly_rates(spec)
    assert set(rates) == set(YEARS[1:]), "base.yaml must give gdp a rate for every year"
    return rates


def latest_observed_years() -> dict[str, int]:
    with (FROZEN_DATA / "observed.csv").open(encoding="utf-8-sig", newline="") as handle:
        latest: dict[str, int] = {}
        for row in csv.DictReader(handle):
            latest[row["indicator_key"]] = max(
                latest.get(row["indicator_key"], 0), int(row["year"])
            )
    return latest


# --- project follows observations ---------------------------------------------------------------


def test_project_paths_follow_the_observations(workdir: Path) -> None:
    gdp = paths()["gdp"]
    for year, value in GDP_OBSERVED.items():
        assert gdp[year] == (value, True), year
    assert [year for year, (_, seen) in gdp.items() if seen] == sorted(GDP_OBSERVED)
    assert gdp[2020] == (GDP_2020, False)
    # 2021 lies on the geometric interpolation between 2020 and the 2022 observation.
    assert gdp[2021][0] == pytest.approx(math.sqrt(GDP_2020 * GDP_OBSERVED[2022]), rel=1e-12)
    # From 2025 the scenario's own rates apply, from the 2024 observation.
    rates = base_gdp_rates()
    expected = GDP_OBSERVED[2024]
    for year in range(2025, 2036):
        expected *= 1 + rates[year]
        assert gdp[year][0] == pytest.approx(expected, rel=1e-12), year


def test_project_without_observed_values_grows_from_the_base_year(workdir: Path) -> None:
    gdp = paths("--no-observed")["gdp"]
    assert not any(seen for _, seen in gdp.values())
    rates = base_gdp_rates()
    assert gdp[2022][0] == pytest.approx(GDP_2020 * (1 + rates[2021]) * (1 + rates[2022]))
    assert gdp[2022][0] != GDP_OBSERVED[2022]


def test_project_assessment_with_and_without_observations(workdir: Path) -> None:
    rows = ok_csv("project", "-f", "csv")
    gdp_2025 = find_row(rows, indicator_key="gdp", milestone="2025")
    expected = GDP_OBSERVED[2024] * (1 + base_gdp_rates()[2025])
    assert float(gdp_2025["projected_value"]) == pytest.approx(expected, rel=1e-12)
    assert (gdp_2025["base_year"], gdp_2025["base_value"]) == ("2020", "6571.6")
    unanchored = ok_csv("project", "-f", "csv", "--no-observed")
    gdp_free = find_row(unanchored, indicator_key="gdp", milestone="2025")
    assert float(gdp_free["projected_value"]) != pytest.approx(expected, rel=1e-9)


def test_observed_option_names_another_file(workdir: Path, write_file: WriteFile) -> None:
    write_file("other.csv", OBSERVED_HEADER + "gdp,2023,8000,my notes,B,\n")
    projected = paths("--observed", "other.csv")
    gdp = projected["gdp"]
    assert gdp[2023] == (8000.0, True)
    assert [year for year, (_, seen) in gdp.items() if seen] == [2023]
    # The 2022 value of observed.csv is not used: 2022 interpolates 2020 -> 2023 geometrically.
    assert gdp[2022][0] == pytest.approx(GDP_2020 * (8000 / GDP_2020) ** (2 / 3), rel=1e-12)
    rates = base_gdp_rates()
    assert gdp[2024][0] == pytest.approx(8000 * (1 + rates[2024]), rel=1e-12)
    # No other indicator is anchored: population has no observed year.
    assert not any(seen for _, seen in projected["population"].values())


# (row(s) after the header, line, field, fragment); every case exits 2 and names o.csv:line.
BAD_OBSERVED = {
    "unknown key": ("gpd,2022,7000,src,C,\n", 2, "indicator_key", "did you mean 'gdp'"),
    "duplicate key and year": (
        "gdp,2022,7000,src,C,\ngdp,2022,7100,src,C,\n",
        3,
        "year",
        "gdp 2022 is observed twice (first on line 2)",
    ),
    "non-numeric value": ("gdp,2022,abc,src,C,\n", 2, "value", "expected a number, got 'abc'"),
    "infinite value": ("gdp,2022,inf,src,C,\n", 2, "value", "finite"),
    "negative level": ("gdp,2022,-5,src,C,\n", 2, "value", "positive"),
    "share above 100": ("high_end_equipment_share,2022,120,src,C,\n", 2, "value", "[0, 100]"),
    "the base year": ("gdp,2020,7000,src,C,\n", 2, "year", "2020 lies outside 2021-2035"),
    "before the base year": ("gdp,2019,7000,src,C,\n", 2, "year", "2019 lies outside 2021-2035"),
    "after the last milestone": ("gdp,2036,7000,src,C,\n", 2, "year", "outside 2021-2035"),
    "not a year": ("gdp,x,7000,src,C,\n", 2, "year", "expected a year, got 'x'"),
    "missing source": ("gdp,2022,7000,,C,\n", 2, "source", "needs its source"),
    "bad grade": ("gdp,2022,7000,src,D,\n", 2, "grade", "got 'D'"),
    "error after a good row": (
        "gdp,2022,7000,src,C,\n\ngdp,2023,7100,src,X,\n",
        4,
        "grade",
        "must be one of A, B, B-derived, C",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_OBSERVED))
def test_malformed_observed_file(workdir: Path, write_file: WriteFile, case: str) -> None:
    body, line, field, fragment = BAD_OBSERVED[case]
    write_file("o.csv", OBSERVED_HEADER + body)
    result = run("project", "--observed", "o.csv", "-f", "csv", "-o", "out.csv")
    assert_input_error(result, f"Error: o.csv:{line}: {field}: ", fragment)
    assert not (workdir / "out.csv").exists()


def test_observed_file_missing_a_column(workdir: Path, write_file: WriteFile) -> None:
    write_file("o.csv", "indicator_key,year,value,source,grade\ngdp,2022,7000,src,C\n")
    assert_input_error(run("project", "--observed", "o.csv"), "o.csv:1: missing column(s): note")


def test_observed_file_not_found(workdir: Path) -> None:
    assert_input_error(run("project", "--observed", "nope.csv"), "nope.csv")


def test_observation_in_the_base_year_of_an_indicator_without_base_value(
    workdir: Path, write_file: WriteFile
) -> None:
    """Only an indicator with a base value rejects an observation in its base year."""
    write_file("o.csv", OBSERVED_HEADER + "digital_economy_share,2020,5,src,B,\n")
    share = paths("--observed", "o.csv")["digital_economy_share"]
    assert share[2020] == (5.0, True)


def test_malformed_observed_row_with_a_multiline_note_names_its_first_line(
    workdir: Path, write_file: WriteFile
) -> None:
    write_file("o.csv", OBSERVED_HEADER + 'gdp,2022,7000,src,X,"line one\nline two"\n')
    assert_input_error(run("project", "--observed", "o.csv"), "o.csv:2: grade: ")


@pytest.mark.parametrize(
    "command",
    [
        ("project",),
        ("required",),
        ("consistency",),
        ("check", "-s", "base", "--write-expect", "e.yaml"),
        ("solve", "--target", "gdp:2035", "--vary", "gdp:2026-2035"),
    ],
    ids=lambda command: command[0],
)
def test_observed_and_no_observed_together(
    workdir: Path, write_file: WriteFile, command: tuple[str, ...]
) -> None:
    write_file("o.csv", OBSERVED_HEADER + "gdp,2023,8000,src,B,\n")
    result = run(*command, "--observed", "o.csv", "--no-observed")
    assert_input_error(result, "give --observed FILE or --no-observed, not both")
    assert not (workdir / "e.yaml").exists()


def test_a_table_brings_its_own_observed_file(workdir: Path, write_file: WriteFile) -> None:
    """observed.csv beside a custom --data table is loaded, and errors name it by path."""
    for name in ("indicators_2020.csv", "context.csv"):
        write_file(f"city/{name}", (FROZEN_DATA / name).read_text("utf-8"))
    write_file("city/observed.csv", OBSERVED_HEADER + "gdp,2023,8000,src,B,\n")
    gdp = paths("--data", "city/indicators_2020.csv")["gdp"]
    assert [year for year, (_, seen) in gdp.items() if seen] == [2023]
    write_file("city/observed.csv", OBSERVED_HEADER + "gdp,2023,8000,src,Z,\n")
    result = run("project", "--data", "city/indicators_2020.csv")
    assert_input_error(result, f"{Path('city/observed.csv')}:2: grade: ")


# --- an indicator without base value, made assessable by an observation -------------------------


def test_observation_gives_an_indicator_without_base_value_a_base(
    workdir: Path, write_file: WriteFile
) -> None:
    write_file("o.csv", OBSERVED_HEADER + "digital_economy_share,2023,9.0,some source,B,\n")
    rows = ok_csv("project", "--observed", "o.csv", "-f", "csv")
    for milestone in ("2025", "2035"):
        row = find_row(rows, indicator_key="digital_economy_share", milestone=milestone)
        assert (row["base_year"], row["base_value"]) == ("2023", "9.0")
        assert row["projected_value"] != ""
        assert row["met"] in ("true", "false")
        assert row["outcome"] != "not_assessable"
    row = find_row(rows, indicator_key="digital_economy_share", milestone="2025")
    assert float(row["required_cagr_from_base"]) == pytest.approx(
        (10 / 9) ** (1 / 2) - 1, rel=1e-12
    )
    # Without the observation it stays unassessable.
    default = ok_csv("project", "-f", "csv")
    row = find_row(default, indicator_key="digital_economy_share", milestone="2025")
    assert (row["projected_value"], row["met"], row["outcome"]) == ("", "", "not_assessable")


def test_observation_base_grows_with_the_scenario(workdir: Path, write_file: WriteFile) -> None:
    write_file("o.csv", OBSERVED_HEADER + "digital_economy_share,2023,9.0,some source,B,\n")
    write_file(
        "s.yaml", "name: s\nextends: base\ngrowth:\n  digital_economy_share: {change: 0.5}\n"
    )
    rows = ok_csv("project", "-s", "s.yaml", "--observed", "o.csv", "-f", "csv")
    y2025 = find_row(rows, indicator_key="digital_economy_share", milestone="2025")
    y2035 = find_row(rows, indicator_key="digital_economy_share", milestone="2035")
    assert float(y2025["projected_value"]) == pytest.approx(9.0 + 2 * 0.5)
    assert float(y2035["projected_value"]) == pytest.approx(9.0 + 12 * 0.5)
    assert (y2025["met"], y2035["met"]) == ("true", "false")  # targets 10 and 20


# --- required --from latest ---------------------------------------------------------------------


def test_required_from_latest(workdir: Path) -> None:
    result = run("required", "--from", "latest", "-f", "csv")
    assert result.exit_code == 0, result.stderr
    assert next(csv.reader(io.StringIO(result.stdout))) == list(LATEST_COLUMNS)
    assert result.stdout == run("required", "-f", "csv").stdout  # the default with observations
    rows = csv_rows(result.stdout)
    gdp = find_row(rows, indicator_key="gdp", to_year="2025")
    now = (10000 / 9027.1) ** (1 / 1) - 1
    before = (10000 / GDP_2020) ** (1 / 5) - 1
    assert (gdp["as_of"], gdp["from_year"], gdp["from_value"]) == ("2025", "2024", "9027.1")
    assert float(gdp["need_per_year"]) == pytest.approx(now, rel=1e-12)
    assert gdp["need_unit"] == "rate"
    assert float(gdp["required_cagr_from_base"]) == pytest.approx(before, rel=1e-12)
    assert gdp["grade"] == "C"
    assert gdp["note"] == "needs 10.78 % a year from 2024 (the latest observation)"
    gdp_2035 = find_row(rows, indicator_key="gdp", to_year="2035")
    assert gdp_2035["from_year"] == "2024"
    assert float(gdp_2035["need_per_year"]) == pytest.approx((20000 / 9027.1) ** (1 / 11) - 1)
    # Budget revenue was observed in 2025: its 2025 target has a verdict, not a need,
    # and its 2035 target is measured from 2025.
    revenue = [row for row in rows if row["indicator_key"] == "budget_revenue"]
    assert [(r["from_year"], r["to_year"]) for r in revenue] == [("2025", "2025"), ("2025", "2035")]
    assert revenue[0]["need_per_year"] == ""
    assert revenue[0]["note"] == "observed 794.2 in 2025: missed"
    assert revenue[1]["from_value"] == "794.2"
    assert float(revenue[1]["need_per_year"]) == pytest.approx((2000 / 794.2) ** 0.1 - 1)
    # An indicator without observations is measured from the base year.
    routes = [row for row in rows if row["indicator_key"] == "intl_air_routes"]
    assert [(r["from_year"], r["to_year"]) for r in routes] == [("2020", "2025"), ("2020", "2035")]
    for row in routes:
        assert row["note"].endswith("(the base year)")
        assert row["grade"] == ""
        assert row["need_per_year"] == row["required_cagr_from_base"]
    assert float(routes[0]["need_per_year"]) == pytest.approx((50 / 31) ** (1 / 5) - 1)
    # A milestone reached by its latest observation gets a verdict (to_year == from_year).
    assert all(int(row["to_year"]) >= int(row["from_year"]) for row in rows if row["from_year"])
    assert all(row["need_per_year"] == "" for row in rows if row["to_year"] == row["from_year"])


def test_required_from_latest_for_an_indicator_without_base_value(
    workdir: Path, write_file: WriteFile
) -> None:
    write_file("o.csv", OBSERVED_HEADER + "digital_economy_share,2023,9.0,some source,B,\n")
    rows = ok_csv("required", "--from", "latest", "--observed", "o.csv", "-f", "csv")
    share = [row for row in rows if row["indicator_key"] == "digital_economy_share"]
    assert [(r["from_year"], r["to_year"]) for r in share] == [("2023", "2025"), ("2023", "2035")]
    # A share needs points a year: (10 - 9) / 2 and (20 - 9) / 12.
    assert share[0]["need_unit"] == "points"
    assert float(share[0]["need_per_year"]) == pytest.approx(0.5)
    assert float(share[1]["need_per_year"]) == pytest.approx((20 - 9) / 12)
    assert share[0]["required_cagr_from_base"] == ""
    assert share[0]["grade"] == "B"
    assert share[0]["note"] == "needs 0.50 points a year from 2023 (the latest observation)"
    # Only the observed file given is used: gdp has no observation in it now.
    gdp = find_row(rows, indicator_key="gdp", to_year="2025")
    assert gdp["from_year"] == "2020"
    assert gdp["note"].endswith("(the base year)")


def test_required_from_latest_needs_observations(workdir: Path, tiny_table: Path) -> None:
    message = "--from latest needs observed values"
    assert_input_error(run("required", "--from", "latest", "--no-observed"), message)
    assert_input_error(run("required", "--from", "latest", "--data", tiny_table), message)


def test_required_from_latest_table(workdir: Path) -> None:
    result = run("required", "--from", "latest")
    assert result.exit_code == 0, result.stderr
    assert "10.78%" in result.stdout


# --- required --write-scenario ------------------------------------------------------------------


def test_written_scenario_from_the_base_meets_every_target(workdir: Path) -> None:
    result = run("required", "--from", "base", "--write-scenario", "req.yaml", "-f", "csv")
    assert result.exit_code == 0, result.stderr
    assert "req.yaml" in result.stderr
    assert (workdir / "req.yaml").is_file()
    rows = ok_csv("project", "-s", "req.yaml", "--no-observed", "-f", "csv")
    assessable = [row for row in rows if row["projected_value"] != ""]
    assert len(assessable) >= 50
    missed = [(r["indicator_key"], r["milestone"]) for r in assessable if r["met"] != "true"]
    assert missed == []


def test_written_scenario_from_latest_meets_every_remaining_target(workdir: Path) -> None:
    result = run("required", "--from", "latest", "--write-scenario", "req2.yaml", "-f", "csv")
    assert result.exit_code == 0, result.stderr
    latest = latest_observed_years()
    rows = ok_csv("project", "-s", "req2.yaml", "-f", "csv")
    remaining = [
        row
        for row in rows
        if row["projected_value"] != ""
        and int(row["milestone"]) > latest.get(row["indicator_key"], 0)
    ]
    assert len(remaining) >= 50
    missed = [(r["indicator_key"], r["milestone"]) for r in remaining if r["met"] != "true"]
    assert missed == []
    # The passed target: revenue observed at 794.2 in 2025 stays below its 1000.
    revenue = find_row(rows, indicator_key="budget_revenue", milestone="2025")
    assert float(revenue["projected_value"]) == REVENUE_2025
    assert revenue["met"] == "false"


def test_written_scenario_from_latest_with_a_gap_in_growth_rate_observations(
    workdir: Path, write_file: WriteFile
) -> None:
    write_file(
        "rd.csv",
        OBSERVED_HEADER + "rd_spending_growth,2021,12,src,A,\nrd_spending_growth,2023,9,src,A,\n",
    )
    args = ("--observed", "rd.csv", "-f", "csv")
    result = run("required", "--from", "latest", "--write-scenario", "rq.yaml", *args)
    assert result.exit_code == 0, result.stderr
    rows = ok_csv("project", "-s", "rq.yaml", *args)
    row = find_row(rows, indicator_key="rd_spending_growth", milestone="2025")
    assert row["met"] == "true", row["projected_value"]


# --- consistency --------------------------------------------------------------------------------


def test_consistency_csv(workdir: Path) -> None:
    rows = ok_csv("consistency", "-f", "csv")
    revenue = find_row(rows, ratio="revenue_to_gdp")
    base = REVENUE_2020 / GDP_2020 * 100
    latest = REVENUE_2024 / GDP_OBSERVED[2024] * 100
    assert (revenue["base_year"], revenue["latest_year"], revenue["latest_grade"]) == (
        "2020",
        "2024",
        "C",
    )
    assert float(revenue["base_value"]) == pytest.approx(base, rel=1e-12)
    assert float(revenue["latest_value"]) == pytest.approx(latest, rel=1e-12)
    assert float(revenue["implied_2025"]) == pytest.approx(10.0)
    assert float(revenue["implied_2035"]) == pytest.approx(10.0)
    assert float(revenue["observed_trend"]) == pytest.approx((latest / base) ** (1 / 4) - 1)
    assert float(revenue["implied_change"]) == pytest.approx(10.0 / latest - 1)
    assert "runs against the observed trend" in revenue["flag"]
    assert "2020-2024" in revenue["flag"]

    per_resident = find_row(rows, ratio="gdp_per_resident")
    assert float(per_resident["implied_2035"]) == pytest.approx(20000 / 1200 * 10000, rel=1e-12)
    assert float(per_resident["implied_2025"]) == pytest.approx(10000 / 1000 * 10000, rel=1e-12)
    assert float(per_resident["base_value"]) == pytest.approx(GDP_2020 / POPULATION_2020 * 1e4)
    assert float(per_resident["latest_value"]) == pytest.approx(9027.1 / POPULATION_2024 * 1e4)
    assert per_resident["flag"] == ""  # rising, and the targets need it to keep rising


def test_consistency_table(workdir: Path) -> None:
    result = run("consistency")
    assert result.exit_code == 0, result.stderr
    assert "revenue_to_gdp" in result.stdout
    assert "runs against the observed trend" in " ".join(result.stdout.split())


def test_consistency_without_observations_flags_nothing(workdir: Path) -> None:
    rows = ok_csv("consistency", "--no-observed", "-f", "csv")
    revenue = find_row(rows, ratio="revenue_to_gdp")
    assert (revenue["latest_year"], revenue["latest_value"], revenue["flag"]) == ("", "", "")
    assert all(row["flag"] == "" for row in rows)


def test_consistency_with_custom_ratios(workdir: Path, write_file: WriteFile) -> None:
    write_file(
        "r.csv",
        RATIOS_HEADER + "revenue_per_resident,人均收入,Revenue per resident,budget_revenue,/,"
        "population,10000,元,\n",
    )
    rows = ok_csv("consistency", "--ratios", "r.csv", "-f", "csv")
    assert [row["ratio"] for row in rows] == ["revenue_per_resident"]
    row = rows[0]
    assert float(row["base_value"]) == pytest.approx(REVENUE_2020 / POPULATION_2020 * 1e4)
    # Population was last observed in 2024, so that is the last year both terms were.
    assert row["latest_year"] == "2024"
    assert float(row["latest_value"]) == pytest.approx(REVENUE_2024 / POPULATION_2024 * 1e4)
    assert float(row["implied_2035"]) == pytest.approx(2000 / 1200 * 1e4)


@pytest.mark.parametrize(
    ("row", "fragments"),
    [
        (
            "x,x,X,budget_revenu,/,population,1,u,\n",
            ("r.csv:2: numerator: unknown indicator 'budget_revenu'", "did you mean"),
        ),
        (
            "x,x,X,budget_revenue,/,popluation,1,u,\n",
            ("r.csv:2: denominator: unknown indicator", "did you mean 'population'"),
        ),
        ("x,x,X,budget_revenue,-,population,1,u,\n", ("r.csv:2: operator: ", "'-'")),
        ("x,x,X,budget_revenue,/,population,abc,u,\n", ("r.csv:2: scale: ", "'abc'")),
    ],
)
def test_consistency_bad_ratios(
    workdir: Path, write_file: WriteFile, row: str, fragments: tuple[str, ...]
) -> None:
    write_file("r.csv", RATIOS_HEADER + row)
    assert_input_error(run("consistency", "--ratios", "r.csv"), *fragments)


def test_consistency_ratios_missing_columns_or_file(workdir: Path, write_file: WriteFile) -> None:
    write_file("r.csv", "key,numerator\nx,gdp\n")
    assert_input_error(run("consistency", "--ratios", "r.csv"), "r.csv:1: missing column(s)")
    assert_input_error(run("consistency", "--ratios", "nope.csv"), "nope.csv")


# --- solve --------------------------------------------------------------------------------------


def test_solve_and_project_with_the_solution(workdir: Path, write_file: WriteFile) -> None:
    write_file("linked.yaml", LINKED)
    args = ("--target", "budget_revenue:2035", "--vary", "gdp:2026-2035")
    rows = ok_csv("solve", "-s", "linked.yaml", *args, "-f", "csv")
    assert len(rows) == 1
    row = rows[0]
    assert (row["scenario"], row["target_key"], row["milestone"]) == (
        "linked",
        "budget_revenue",
        "2035",
    )
    assert (row["vary_key"], row["period"], row["form"], row["met"]) == (
        "gdp",
        "2026-2035",
        "rate",
        "true",
    )
    assert float(row["target_value"]) == 2000.0
    assert float(row["projected_value"]) == pytest.approx(2000, rel=1e-9)
    # Revenue is observed in 2025 and then moves with GDP at a constant ratio, so GDP must
    # grow by 2000 / 794.2 over the ten years.
    assert float(row["solution"]) == pytest.approx((2000 / REVENUE_2025) ** 0.1 - 1, rel=1e-9)

    solution = row["solution"]
    write_file(
        "solved.yaml", f"name: solved\nextends: linked\ngrowth:\n  gdp: {{2026-2035: {solution}}}\n"
    )
    projected = ok_csv("project", "-s", "solved.yaml", "-f", "csv")
    revenue = find_row(projected, indicator_key="budget_revenue", milestone="2035")
    assert float(revenue["projected_value"]) == pytest.approx(2000, rel=1e-9)
    assert revenue["met"] == "true"
    assert revenue["growth_basis"] == "ratio_to:gdp"
    assert float(row["scenario_projected_value"]) != pytest.approx(2000, rel=1e-3)


def test_solve_table(workdir: Path, write_file: WriteFile) -> None:
    write_file("linked.yaml", LINKED)
    result = run(
        "solve", "-s", "linked.yaml", "--target", "budget_revenue:2035", "--vary", "gdp:2026-2035"
    )
    assert result.exit_code == 0, result.stderr
    assert "meets budget_revenue 2035" in result.stdout
    assert "scenario linked" in result.stdout


def test_solve_target_that_does_not_depend_on_the_assumption(
    workdir: Path, write_file: WriteFile
) -> None:
    # Revenue on its own rate, not linked to GDP.
    write_file("own.yaml", "name: own\nextends: base\ngrowth:\n  budget_revenue: 0.04\n")
    result = run(
        "solve", "-s", "own.yaml", "--target", "budget_revenue:2035", "--vary", "gdp:2026-2035"
    )
    assert_input_error(result, "budget_revenue 2035 does not depend on gdp", "ratio_to")
    # Linked, but the 2025 value is an observation: GDP after 2025 cannot move it.
    write_file("linked.yaml", LINKED)
    result = run(
        "solve", "-s", "linked.yaml", "--target", "budget_revenue:2025", "--vary", "gdp:2026-2035"
    )
    assert_input_error(result, "budget_revenue 2025 does not depend on gdp")


@pytest.mark.parametrize(
    ("target", "fragments"),
    [
        (
            "budget_revenu:2035",
            ("unknown indicator 'budget_revenu'", "did you mean 'budget_revenue'"),
        ),
        ("gdp:2030", ("--target: ", "milestone (2025, 2035)", "'gdp:2030'")),
        ("gdp:", ("--target: ", "KEY:YEAR")),
        ("gdp2035", ("gdp2035",)),
        ("urban_income:2035", ("--target: ", "context series")),
    ],
)
def test_solve_bad_target(workdir: Path, target: str, fragments: tuple[str, ...]) -> None:
    result = run("solve", "--target", target, "--vary", "gdp:2026-2035", "-f", "csv")
    assert_input_error(result, *fragments)


def test_solve_target_without_colon_names_the_option(workdir: Path) -> None:
    result = run("solve", "--target", "gdp2035", "--vary", "gdp:2026-2035")
    assert_input_error(result, "--target", "KEY:YEAR")


@pytest.mark.parametrize(
    ("vary", "fragments"),
    [
        ("gdp:2019-2021", ("--vary: ", "period 2019-2021 lies outside 2021-2035")),
        ("gdp:2021-2040", ("--vary: ", "outside 2021-2035")),
        ("gdp:abc", ("--vary: ", "KEY:PERIOD", "'abc'")),
        ("gdp", ("--vary: ", "KEY:PERIOD")),
        ("gpd:2026-2035", ("unknown indicator 'gpd'", "did you mean 'gdp'")),
    ],
)
def test_solve_bad_vary(workdir: Path, vary: str, fragments: tuple[str, ...]) -> None:
    result = run("solve", "--target", "gdp:2035", "--vary", vary, "-f", "csv")
    assert_input_error(result, *fragments)


def test_solve_target_met_for_every_rate(workdir: Path, write_file: WriteFile) -> None:
    # GDP grows 50 % a year to 2034: even a 90 % fall in 2035 leaves it above 20000.
    write_file("boom.yaml", "name: boom\nextends: base\ngrowth:\n  gdp: {2026-2034: 0.5}\n")
    result = run("solve", "-s", "boom.yaml", "--target", "gdp:2035", "--vary", "gdp:2035")
    assert_input_error(result, "gdp 2035 meets its target for every rate of gdp", "in 2035")


# --- validate -----------------------------------------------------------------------------------


def test_every_shipped_scenario_validates(shipped_workdir: Path) -> None:
    """On the data nscc ships, not the frozen copies: a smoke test of the shipped files."""
    assert len(SHIPPED_SCENARIOS) >= 3
    result = run("validate", *SHIPPED_SCENARIOS)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    assert f"{len(SHIPPED_SCENARIOS)} file(s): 0 error(s)" in result.stdout
    assert ": error: " not in result.stdout + result.stderr


BAD_SCENARIO = "name: bad\ngrowth:\n  gdp: 0.05\n  gpd: 0.03\n"
WARNING_SCENARIO = (
    "name: warn\ngrowth:\n  high_end_equipment_share: 0.4\n"
    "  strategic_emerging_share: {change: 8}\n"
)


def test_validate_reports_an_error(workdir: Path, write_file: WriteFile) -> None:
    write_file("bad.yaml", BAD_SCENARIO)
    result = run("validate", "bad.yaml")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "bad.yaml:4: growth.gpd: unknown indicator 'gpd' — did you mean 'gdp'?",
        "1 file(s): 1 error(s), 0 warning(s)",
    ]


def test_validate_reports_every_file(workdir: Path, write_file: WriteFile) -> None:
    write_file("bad.yaml", BAD_SCENARIO)
    write_file("also_bad.yaml", "name: also\ngrowth:\n  gdp: 6\n")
    write_file("warn.yaml", WARNING_SCENARIO)
    write_file("good.yaml", "name: good\ngrowth:\n  gdp: 0.05\n")
    result = run("validate", "good.yaml", "bad.yaml", "also_bad.yaml", "warn.yaml")
    assert result.exit_code == 2
    assert "bad.yaml:4: growth.gpd: unknown indicator" in result.stderr
    assert "also_bad.yaml:3: growth.gdp: " in result.stderr
    assert "warn.yaml:3: growth.high_end_equipment_share: warning: " in result.stdout
    assert "good.yaml" not in result.stdout + result.stderr
    assert "4 file(s): 2 error(s), 2 warning(s)" in result.stderr


def test_validate_warnings_exit_0(workdir: Path, write_file: WriteFile) -> None:
    write_file("warn.yaml", WARNING_SCENARIO)
    result = run("validate", "warn.yaml")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("warn.yaml:3: growth.high_end_equipment_share: warning: ")
    assert 'did you mean "0.4%"' in lines[0]
    assert lines[1].startswith("warn.yaml:4: growth.strategic_emerging_share.change: warning: ")
    assert "+8 points a year" in lines[1]
    assert lines[2] == "1 file(s): 0 error(s), 2 warning(s)"


def test_validate_does_not_doubt_an_explicit_percent(workdir: Path, write_file: WriteFile) -> None:
    write_file("pct.yaml", 'name: pct\ngrowth:\n  population: "60%"\n')
    result = run("validate", "pct.yaml")
    assert result.exit_code == 0, result.stderr
    assert "pct.yaml:3: growth.population: warning: a level growing +60% a year" in result.stdout
    assert "did you mean" not in result.stdout


def test_validate_error_in_an_extended_file(workdir: Path, write_file: WriteFile) -> None:
    write_file("parent.yaml", BAD_SCENARIO.replace("name: bad", "name: parent"))
    write_file("child.yaml", "name: child\nextends: parent\n")
    result = run("validate", "child.yaml")
    assert result.exit_code == 2
    assert "parent.yaml:4: growth.gpd: unknown indicator" in result.stderr


# --- the scenario language ----------------------------------------------------------------------

PARENT = """\
name: parent
growth:
  gdp: {2021-2025: 0.05, 2026-2035: 0.03}
  population: {2021-2025: 0.01, 2026-2035: 0.03}
  road_density: {2021-2025: 0.01}
default: 0.02
"""
CHILD = """\
name: child
extends: parent
growth:
  gdp: {2026-2030: 0.07}
  population: 0.002
default: 0.001
"""


def test_extends_precedence(workdir: Path, write_file: WriteFile) -> None:
    write_file("parent.yaml", PARENT)
    write_file("child.yaml", CHILD)
    projected = paths("-s", "child.yaml", "--no-observed")
    expected = {
        # The child's period overrides the parent's same years only.
        "gdp": dict.fromkeys(range(2021, 2026), 0.05)
        | dict.fromkeys(range(2026, 2031), 0.07)
        | dict.fromkeys(range(2031, 2036), 0.03),
        # A plain rate replaces the parent's periods.
        "population": dict.fromkeys(range(2021, 2036), 0.002),
        # Years no period covers, and indicators nobody sets, take the child's default.
        "road_density": dict.fromkeys(range(2021, 2026), 0.01)
        | dict.fromkeys(range(2026, 2036), 0.001),
        "listed_companies": dict.fromkeys(range(2021, 2036), 0.001),
    }
    for key, rates in expected.items():
        got = steps(projected[key])
        assert set(got) == set(rates), key
        for year, rate in rates.items():
            assert got[year] == pytest.approx(rate, rel=1e-9), (key, year)
    # The parent alone keeps its own values.
    parent = paths("-s", "parent.yaml", "--no-observed")
    assert steps(parent["population"])[2030] == pytest.approx(0.03, rel=1e-9)
    assert steps(parent["listed_companies"])[2030] == pytest.approx(0.02, rel=1e-9)


def test_extends_a_missing_scenario(workdir: Path, write_file: WriteFile) -> None:
    write_file("child.yaml", "name: child\nextends: nothere\ngrowth:\n  gdp: 0.05\n")
    assert_input_error(
        run("project", "-s", "child.yaml"), "child.yaml:2: extends: ", "unknown scenario 'nothere'"
    )


def test_extends_cycle(workdir: Path, write_file: WriteFile) -> None:
    write_file("a.yaml", "name: a\nextends: b\ngrowth:\n  gdp: 0.01\n")
    write_file("b.yaml", "name: b\nextends: a\ngrowth:\n  gdp: 0.02\n")
    message = assert_input_error(run("project", "-s", "a.yaml"), "extends this scenario in turn")
    assert message.startswith(("Error: a.yaml:2: extends: ", "Error: b.yaml:2: extends: "))


def test_nested_period_override(workdir: Path, write_file: WriteFile) -> None:
    write_file("nest.yaml", "name: nest\ngrowth:\n  gdp: {2021-2025: 0.06, 2022: -0.02}\n")
    got = steps(paths("-s", "nest.yaml", "--no-observed")["gdp"])
    for year in (2021, 2023, 2024, 2025):
        assert got[year] == pytest.approx(0.06, rel=1e-9), year
    assert got[2022] == pytest.approx(-0.02, rel=1e-9)
    assert got[2026] == 0.0


def test_real_growth_and_deflator(workdir: Path, write_file: WriteFile) -> None:
    write_file(
        "real.yaml",
        "name: real\ndeflator: {2021-2035: 0.02, 2026: 0.05}\ngrowth:\n  gdp: {real: 0.04}\n",
    )
    got = steps(paths("-s", "real.yaml", "--no-observed")["gdp"])
    for year in range(2021, 2036):
        deflator = 0.05 if year == 2026 else 0.02
        assert got[year] == pytest.approx((1 + 0.04) * (1 + deflator) - 1, rel=1e-9), year
    rows = ok_csv("project", "-s", "real.yaml", "--no-observed", "-f", "csv")
    assert find_row(rows, indicator_key="gdp", milestone="2035")["growth_basis"] == "real+deflator"
    assert find_row(rows, indicator_key="population", milestone="2035")["growth_basis"] == "rate"


@pytest.mark.parametrize(
    "deflator", ["", "deflator: {2021-2025: 0.02}\n"], ids=["no deflator", "deflator too short"]
)
def test_real_growth_without_a_deflator(
    workdir: Path, write_file: WriteFile, deflator: str
) -> None:
    write_file("real.yaml", f"name: real\n{deflator}growth:\n  gdp: {{real: 0.04}}\n")
    assert_input_error(run("project", "-s", "real.yaml"), "growth.gdp.real: ", "needs a deflator")


LINKS = """\
name: links
growth:
  gdp: {2021-2025: 0.06, 2026-2035: 0.05}
  population: 0.01
  budget_revenue: {ratio_to: gdp}
  finance_value_added: {share_of: gdp, ratio: {change: 0.1}}
  high_value_patents_per_10k: {per: population, count: 0.1}
  urban_income: {2021-2025: 0.05, 2026-2035: 0.04, 2023: 0.1}
  income_growth: {rate_of: urban_income}
"""


def test_linked_indicators(workdir: Path, write_file: WriteFile) -> None:
    write_file("links.yaml", LINKS)
    write_file("pat.csv", OBSERVED_HEADER + "high_value_patents_per_10k,2022,5.5,src,B,\n")
    projected = paths("-s", "links.yaml", "--observed", "pat.csv")
    gdp, population = values(projected["gdp"]), values(projected["population"])
    # ratio_to: revenue / GDP holds at its 2020 value every year.
    revenue = values(projected["budget_revenue"])
    assert set(revenue) == set(YEARS)
    for year in YEARS:
        assert revenue[year] / gdp[year] == pytest.approx(REVENUE_2020 / GDP_2020, rel=1e-12)
    # share_of: finance = share (%) x GDP, the share moving 0.1 point a year from 516 / GDP.
    finance = values(projected["finance_value_added"])
    for year in YEARS:
        share = 516 / GDP_2020 * 100 + 0.1 * (year - 2020)
        assert finance[year] == pytest.approx(share / 100 * gdp[year], rel=1e-12), year
    # per: patents per resident = count / population, the count growing 10 % a year from
    # the one observation (2022), which is the indicator's base.
    patents = projected["high_value_patents_per_10k"]
    assert min(patents) == 2022
    assert patents[2022] == (5.5, True)
    for year in range(2023, 2036):
        count = 5.5 * population[2022] * 1.1 ** (year - 2022)
        assert patents[year][0] == pytest.approx(count / population[year], rel=1e-12), year
    # rate_of: income growth is urban income's yearly growth, in %.
    urban, income = values(projected["urban_income"]), values(projected["income_growth"])
    for year in range(2021, 2036):
        assert income[year] == pytest.approx(100 * (urban[year] / urban[year - 1] - 1), rel=1e-9)
    assert income[2023] == pytest.approx(10.0, rel=1e-9)
    assert income[2030] == pytest.approx(4.0, rel=1e-9)
    rows = ok_csv("project", "-s", "links.yaml", "--observed", "pat.csv", "-f", "csv")
    basis = {row["indicator_key"]: row["growth_basis"] for row in rows}
    assert basis["budget_revenue"] == "ratio_to:gdp"
    assert basis["finance_value_added"] == "share_of:gdp"
    assert basis["high_value_patents_per_10k"] == "per:population"
    assert basis["income_growth"] == "rate_of:urban_income"
    patents_2025 = find_row(rows, indicator_key="high_value_patents_per_10k", milestone="2025")
    assert (patents_2025["base_year"], patents_2025["base_value"]) == ("2022", "5.5")


def test_linked_indicator_without_observation_has_no_base(
    workdir: Path, write_file: WriteFile
) -> None:
    write_file("links.yaml", LINKS)
    rows = ok_csv("project", "-s", "links.yaml", "--no-observed", "-f", "csv")
    row = find_row(rows, indicator_key="high_value_patents_per_10k", milestone="2035")
    assert (row["projected_value"], row["outcome"]) == ("", "not_assessable")


def test_link_cycle(workdir: Path, write_file: WriteFile) -> None:
    write_file(
        "cyc.yaml",
        "name: cyc\ngrowth:\n  budget_revenue: {ratio_to: finance_value_added}\n"
        "  finance_value_added: {share_of: budget_revenue}\n",
    )
    assert_input_error(run("project", "-s", "cyc.yaml"), "cyc.yaml:", "links run in a circle")


SHOCK_FREE = "name: calm\ngrowth:\n  gdp: 0.05\n"
SHOCKED = """\
name: {name}
growth:
  gdp: 0.05
shocks:
  - year: 2027
    name: crisis
    change: {{gdp: {size}}}
{recovery}"""


def test_shock_with_and_without_recovery(workdir: Path, write_file: WriteFile) -> None:
    write_file("calm.yaml", SHOCK_FREE)
    write_file(
        "dip.yaml", SHOCKED.format(name="dip", size=-0.04, recovery="    recover_years: 3\n")
    )
    write_file("scar.yaml", SHOCKED.format(name="scar", size='"-4%"', recovery=""))
    rows = ok_csv(
        "project", "--paths", "-f", "csv", "--no-observed",
        "-s", "calm.yaml", "-s", "dip.yaml", "-s", "scar.yaml",
    )  # fmt: skip
    gdp = {
        (row["scenario"], int(row["year"])): float(row["value"])
        for row in rows
        if row["indicator_key"] == "gdp"
    }
    for year in range(2020, 2027):
        assert gdp["dip", year] == gdp["calm", year] == gdp["scar", year], year
    assert gdp["dip", 2027] == pytest.approx(0.96 * gdp["calm", 2027], rel=1e-12)
    for year in (2028, 2029):
        assert gdp["calm", year] * 0.96 < gdp["dip", year] < gdp["calm", year], year
    # Back exactly on the pre-shock trajectory three years after the shock.
    for year in range(2030, 2036):
        assert gdp["dip", year] == gdp["calm", year], year
    # Without recovery the level stays 4 % below for good.
    for year in range(2027, 2036):
        assert gdp["scar", year] == pytest.approx(0.96 * gdp["calm", year], rel=1e-12), year


def test_shock_on_a_growth_rate_indicator(workdir: Path, write_file: WriteFile) -> None:
    write_file(
        "s.yaml",
        "name: s\nshocks:\n  - year: 2027\n    change: {rd_spending_growth: -0.01}\n",
    )
    assert_input_error(
        run("project", "-s", "s.yaml"),
        "s.yaml:4: shocks.0.change.rd_spending_growth: ",
        "is a growth rate",
    )


# --- check with observations --------------------------------------------------------------------


def _met(rows: list[dict[str, str]]) -> list[str]:
    return [row["met"] for row in rows]


def test_check_records_the_observed_values(workdir: Path) -> None:
    result = run("check", "-s", "base", "--write-expect", "exp.yaml")
    assert result.exit_code == 0, result.stderr
    text = (workdir / "exp.yaml").read_text("utf-8")
    assert 'observed: "observed.csv (shipped)"' in text.splitlines()
    same = run("check", "--expect", "exp.yaml")
    assert same.exit_code == 0, same.stdout
    assert same.stderr == ""
    # Checking without the observations says so on stderr; the exit code depends only on
    # whether any status changes without them.
    changed = _met(ok_csv("project", "-f", "csv")) != _met(
        ok_csv("project", "-f", "csv", "--no-observed")
    )
    result = run("check", "--expect", "exp.yaml", "--no-observed")
    assert result.exit_code == (1 if changed else 0), result.stdout
    assert result.stderr.splitlines() == [
        "Warning: exp.yaml was written against the observed values observed.csv (shipped), "
        "this check uses none"
    ]


def test_check_without_observations_records_none(workdir: Path) -> None:
    result = run("check", "-s", "base", "--write-expect", "exp.yaml", "--no-observed")
    assert result.exit_code == 0, result.stderr
    assert 'observed: "none"' in (workdir / "exp.yaml").read_text("utf-8")
    result = run("check", "--expect", "exp.yaml", "--no-observed")
    assert result.exit_code == 0, result.stdout
    assert result.stderr == ""
    # Checked later with observations, the file's "none" is reported.
    later = run("check", "--expect", "exp.yaml")
    assert (
        "written against the observed values none, this check uses observed.csv (shipped)"
        in later.stderr
    )


def test_validate_warns_about_shocks_the_observations_override(workdir: Path) -> None:
    (workdir / "early.yaml").write_text(
        'name: early\nextends: base\nshocks:\n  - {year: 2023, change: {gdp: "-3%"}}\n',
        encoding="utf-8",
    )
    result = run("validate", "early.yaml")
    assert result.exit_code == 0
    assert "early.yaml:4: shocks.0.year: warning: 'gdp' is observed up to 2024" in result.stdout
    quiet = run("validate", "early.yaml", "--no-observed")
    assert "0 warning(s)" in quiet.stdout


def test_a_bad_uncertainty_block_is_caught_before_any_simulation(workdir: Path) -> None:
    (workdir / "u.yaml").write_text(
        "name: u\nuncertainty:\n  sigma: {gpd: 0.01}\n", encoding="utf-8"
    )
    checked = run("validate", "u.yaml")
    assert checked.exit_code == 2
    assert "u.yaml:3: uncertainty.sigma.gpd: unknown indicator 'gpd'" in checked.stderr
    assert_input_error(run("project", "-s", "u.yaml"), "u.yaml:3: uncertainty.sigma.gpd")
