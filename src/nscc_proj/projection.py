"""The library's front door: project scenarios and read the results as tables."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from nscc_proj.assess import STATUSES, Assessment, Targets, assess, required_rate
from nscc_proj.catalog import Catalog, Kind
from nscc_proj.engine import project_paths
from nscc_proj.rates import compile_scenarios
from nscc_proj.scenario import Scenario
from nscc_proj.table import Table, plain, plain_row

ASSESSMENT_COLUMNS = (
    "scenario",
    "indicator_id",
    "indicator_key",
    "milestone",
    "base_year",
    "base_value",
    "target_op",
    "target_value",
    "projected_value",
    "met",
    "gap",
    "gap_rel",
    "required_cagr",
    "scenario_cagr",
    "status",
    "first_year_met",
)
PATH_COLUMNS = ("scenario", "indicator_id", "indicator_key", "year", "value")
REQUIRED_COLUMNS = (
    "indicator_id",
    "indicator_key",
    "from_year",
    "to_year",
    "from_value",
    "target_op",
    "target_value",
    "required_cagr",
    "required_change_per_year",
)


def targets_of(catalog: Catalog) -> Targets:
    return Targets(
        years=catalog.years,
        milestones=np.array(catalog.milestones),
        base_value=catalog.base_value,
        base_year=catalog.base_year,
        direction=catalog.direction,
        is_growth_rate=catalog.kind_mask(Kind.GROWTH_RATE),
        value=catalog.target_value,
        low=catalog.acceptable_low,
        high=catalog.acceptable_high,
    )


@dataclass(frozen=True)
class Projection:
    """Paths (S x I x Y) of several scenarios and their assessment (S x I x M)."""

    catalog: Catalog
    scenario_names: tuple[str, ...]
    paths: np.ndarray
    assessment: Assessment

    @property
    def years(self) -> np.ndarray:
        return self.catalog.years

    @cached_property
    def assessment_table(self) -> Table:
        """One row per scenario x indicator x milestone (columns: ``ASSESSMENT_COLUMNS``)."""
        result = self.assessment
        catalog = self.catalog
        rows = []
        for s, scenario in enumerate(self.scenario_names):
            for i, indicator in enumerate(catalog.indicators):
                for m, milestone in enumerate(catalog.milestones):
                    met = result.met[s, i, m]
                    first = result.first_year_met[s, i, m]
                    rows.append(
                        (
                            scenario,
                            indicator.id,
                            indicator.key,
                            milestone,
                            indicator.base_year,
                            plain(catalog.base_value[i]),
                            catalog.target_op[i, m] or None,
                            plain(catalog.target_value[i, m]),
                            plain(result.projected[s, i, m]),
                            None if np.isnan(met) else bool(met),
                            plain(result.gap[s, i, m]),
                            plain(result.gap_rel[s, i, m]),
                            plain(result.required_cagr[s, i, m]),
                            plain(result.scenario_cagr[s, i, m]),
                            STATUSES[result.status[s, i, m]],
                            None if np.isnan(first) else int(first),
                        )
                    )
        return Table(ASSESSMENT_COLUMNS, tuple(rows))

    @cached_property
    def path_table(self) -> Table:
        """One row per scenario x indicator x year with a value (columns: ``PATH_COLUMNS``)."""
        rows = []
        for s, scenario in enumerate(self.scenario_names):
            for i, indicator in enumerate(self.catalog.indicators):
                for year, value in zip(self.years, self.paths[s, i], strict=True):
                    if not np.isnan(value):
                        rows.append(plain_row((scenario, indicator.id, indicator.key, year, value)))
        return Table(PATH_COLUMNS, tuple(rows))


def project(catalog: Catalog, scenarios: Sequence[Scenario]) -> Projection:
    """Project every indicator of ``catalog`` under each scenario and assess the targets."""
    arrays = compile_scenarios(catalog, scenarios)
    start = catalog.base_year - int(catalog.years[0])
    paths = project_paths(
        catalog.base_value,
        arrays.growth,
        arrays.mode,
        start,
        catalog.lower_bound,
        catalog.upper_bound,
    )
    _check_finite(paths, catalog, scenarios)
    return Projection(
        catalog=catalog,
        scenario_names=arrays.names,
        paths=paths,
        assessment=assess(paths, targets_of(catalog)),
    )


def _check_finite(paths: np.ndarray, catalog: Catalog, scenarios: Sequence[Scenario]) -> None:
    """A path that overflows to infinity is a scenario error, not a result."""
    overflow = np.isinf(paths).any(axis=-1)
    if overflow.any():
        s, i = (int(k) for k in np.argwhere(overflow)[0])
        key = catalog.indicators[i].key
        raise scenarios[s].error(
            ("growth", key),
            f"'{key}' grows beyond any representable number: check its rate or change",
        )


def required_growth(catalog: Catalog) -> Table:
    """The growth each target requires, base -> each milestone and milestone -> the next.

    Requirements between milestones start from the earlier target, so an
    indicator with no base value still gets its later requirement. For a
    growth-rate target the requirement is the target rate itself.
    """
    milestones = catalog.milestones
    spans: list[tuple[int | None, int]] = [(None, m) for m in range(len(milestones))]
    spans += [(m - 1, m) for m in range(1, len(milestones))]
    is_rate = catalog.kind_mask(Kind.GROWTH_RATE)
    rows = []
    for i, indicator in enumerate(catalog.indicators):
        for origin, m in spans:
            from_year = indicator.base_year if origin is None else milestones[origin]
            from_value = (
                catalog.base_value[i] if origin is None else catalog.target_value[i, origin]
            )
            target = catalog.target_value[i, m]
            years = milestones[m] - from_year
            if is_rate[i]:
                cagr, change = target / 100.0, np.nan
            else:
                cagr = float(required_rate(np.array(from_value), np.array(target), np.array(years)))
                change = (target - from_value) / years if years > 0 else np.nan
            rows.append(
                (
                    indicator.id,
                    indicator.key,
                    from_year,
                    milestones[m],
                    plain(from_value),
                    catalog.target_op[i, m] or None,
                    plain(target),
                    plain(cagr),
                    plain(change),
                )
            )
    rows.sort(key=lambda row: (row[0], row[2], row[3]))
    return Table(REQUIRED_COLUMNS, tuple(rows))


def catalog_table(catalog: Catalog) -> Table:
    """The catalog as a flat table, one row per indicator, targets in wide columns."""
    columns = [
        "id",
        "key",
        "domain_zh",
        "domain_en",
        "name_zh",
        "name_en",
        "unit",
        "kind",
        "direction",
        "base_year",
        "base_value",
    ]
    for milestone in catalog.milestones:
        columns += [f"target_{milestone}", f"op_{milestone}"]
    columns += ["tolerance", "note"]
    rows = []
    for indicator in catalog.indicators:
        fields = indicator.model_dump(mode="json")
        row = [fields[name] for name in columns[:11]]
        for milestone in catalog.milestones:
            target = indicator.targets[milestone]
            row += [target.value, None if target.op is None else target.op.value]
        row += [indicator.tolerance, indicator.note or None]
        rows.append(plain_row(row))
    return Table(tuple(columns), tuple(rows))
