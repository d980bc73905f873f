"""The shipped table (transcribed exactly from the plan) and the validation of any table of the
same shape. Tests of the shipped table itself use ``shipped_catalog``; the others the frozen
``catalog``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from conftest import TINY_TABLE
from nscc_proj.errors import InputError
from nscc_proj.inputs.catalog import Kind
from nscc_proj.inputs.catalog_io import load_catalog

HEADER = TINY_TABLE.splitlines()[0]


def test_shipped_table_has_the_plans_31_rows_in_eight_domains(shipped_catalog):
    assert len(shipped_catalog) == 31
    assert [ind.id for ind in shipped_catalog.indicators] == list(range(1, 32))
    assert shipped_catalog.milestones == (2025, 2035)
    assert len({ind.domain_zh for ind in shipped_catalog.indicators}) == 8


@pytest.mark.parametrize(
    ("key", "base", "target_2025", "target_2035"),
    [
        ("gdp", 6571.6, 10000, 20000),
        ("budget_revenue", 736.1, 1000, 2000),
        ("population", 907, 1000, 1200),
        ("airport_passengers", 1318.1, 3500, 6500),
        ("freight_volume", 19387.7, 34000, 90000),
        ("strategic_emerging_share", 9.7, 15, 25),
        ("finance_value_added", 516, 800, 2000),
        ("fdi", 7.14, 7.9, 50),
        ("doctors_per_1000", 3.83, 3.85, 4),
        ("green_coverage", 40.82, 41, 43),
        ("good_air_days_ratio", 78.6, 80, 80),
    ],
)
def test_values_are_transcribed_exactly(shipped_catalog, key, base, target_2025, target_2035):
    indicator = shipped_catalog[key]
    assert indicator.base_value == base
    assert indicator.targets[2025].value == target_2025
    assert indicator.targets[2035].value == target_2035


def test_table_conventions_are_encoded(shipped_catalog):
    catalog = shipped_catalog
    assert [ind.key for ind in catalog.indicators if ind.base_value is None] == [
        "income_growth",
        "digital_economy_share",
        "high_value_patents_per_10k",
        "digital_culture_parks",
        "culture_parks",
    ]
    assert [ind.id for ind in catalog.indicators if ind.kind is Kind.GROWTH_RATE] == [4, 13]
    rank = catalog["financial_center_rank"]
    assert (rank.kind, rank.direction.value, rank.targets[2035].op.value) == (
        Kind.RANK,
        "down",
        "<=",
    )
    jobless = catalog["unemployment_rate"]
    assert jobless.targets[2025].op.value == "~"
    assert jobless.tolerance is not None
    assert catalog["doctors_per_1000"].domain_zh == "城市宜居水平"


def test_acceptable_intervals_follow_the_ops(catalog):
    i = catalog.index
    assert catalog.acceptable_low[i["gdp"]].tolist() == [10000, 20000]
    assert np.isinf(catalog.acceptable_high[i["gdp"]]).all()
    # 左右 on a down indicator: anything below the band is met too.
    band = catalog["unemployment_rate"].tolerance
    assert np.isneginf(catalog.acceptable_low[i["unemployment_rate"]]).all()
    assert catalog.acceptable_high[i["unemployment_rate"]].tolist() == [5.5 + band, 5 + band]
    assert catalog.acceptable_high[i["financial_center_rank"]].tolist() == [20, 15]


def test_milestones_come_from_the_column_names(write_file):
    table = TINY_TABLE.replace("target_2035,op_2035", "target_2030,op_2030")
    catalog = load_catalog(write_file("other.csv", table))
    assert catalog.milestones == (2025, 2030)
    assert catalog.years[-1] == 2030


def test_base_year_may_differ_by_row(write_file):
    table = TINY_TABLE.replace(
        "1,gdp,发展,Development,地区生产总值,GDP,亿元,level,up,2020",
        "1,gdp,发展,Development,地区生产总值,GDP,亿元,level,up,2022",
    )
    catalog = load_catalog(write_file("later.csv", table))
    assert catalog["gdp"].base_year == 2022
    assert catalog.years[0] == 2020


def _break(row: int, column: str, value: str) -> str:
    lines = TINY_TABLE.splitlines()
    header = lines[0].split(",")
    cells = lines[row].split(",")
    cells[header.index(column)] = value
    lines[row] = ",".join(cells)
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (_break(1, "base_value", "abc"), "tiny.csv:2: base_value:"),
        (_break(2, "kind", "ratio"), "tiny.csv:3: kind:"),
        (_break(3, "op_2025", "=>"), "tiny.csv:4: op_2025:"),
        (_break(1, "base_value", "0"), "tiny.csv:2: base_value: must be positive"),
        (_break(1, "base_value", "-3"), "tiny.csv:2: base_value: must be positive"),
        (_break(2, "key", "gdp"), "tiny.csv:3: key: duplicate key 'gdp' (first on line 2)"),
        (_break(2, "id", "1"), "tiny.csv:3: id: duplicate id 1 (first on line 2)"),
        (_break(2, "tolerance", ""), "tiny.csv:3: tolerance:"),
        (_break(1, "op_2025", ""), "tiny.csv:2: op_2025:"),
        (_break(5, "target_2035", "120"), "tiny.csv:6: target_2035: a share must lie in [0, 100]"),
        (_break(1, "key", "GDP total"), "tiny.csv:2: key:"),
        (_break(1, "direction", "sideways"), "tiny.csv:2: direction:"),
        (TINY_TABLE.replace(",note\n", "\n", 1), "tiny.csv:1: missing column(s): note"),
        (TINY_TABLE.replace(",op_2035", ",op_2036", 1), "tiny.csv:1: missing column(s): op_2035"),
        (HEADER + "\n", "tiny.csv: the indicator table has no rows"),
    ],
)
def test_malformed_tables_are_rejected_naming_row_and_column(
    write_file: Callable[[str, str], Path], text: str, expected: str
):
    path = write_file("tiny.csv", text)
    with pytest.raises(InputError) as caught:
        load_catalog(path)
    assert expected in str(caught.value)


def test_missing_table_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_catalog(tmp_path / "nope.csv")


def test_unknown_key_suggests_the_closest(catalog):
    with pytest.raises(InputError, match="did you mean 'gdp'"):
        catalog["gpd"]
