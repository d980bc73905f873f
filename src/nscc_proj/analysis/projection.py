"""The library's front door: project scenarios and read the results as tables."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from nscc_proj.analysis.rates import ScenarioArrays, compile_scenarios
from nscc_proj.analysis.standing import EVIDENCE, Standing, stand
from nscc_proj.analysis.uncertainty import compile_volatility
from nscc_proj.core.assess import OUTCOMES, Assessment, Targets, assess
from nscc_proj.core.engine import Link, Links, project_paths
from nscc_proj.inputs.catalog import Catalog, Kind
from nscc_proj.inputs.observed import Observations
from nscc_proj.inputs.scenario import Scenario
from nscc_proj.table import Table, plain, plain_row

ASSESSMENT_COLUMNS = (
    "scenario",
    "indicator_id",
    "indicator_key",
    "milestone",
    "as_of",
    "evidence",
    "base_year",
    "base_value",
    "target_op",
    "target_value",
    "projected_value",
    "met",
    "outcome",
    "gap",
    "gap_rel",
    "first_year_met",
    "scenario_cagr",
    "required_cagr_from_base",
    "latest_year",
    "latest_value",
    "latest_grade",
    "progress_status",
    "completion_progress",
    "time_progress",
    "schedule",
    "need_per_year",
    "need_unit",
    "already_met",
    "growth_basis",
)
PATH_COLUMNS = ("scenario", "indicator_id", "indicator_key", "year", "value", "observed")


def targets_of(catalog: Catalog, base_value: np.ndarray, base_year: np.ndarray) -> Targets:
    """The catalog's targets as the assessment's arrays, measured from the given bases."""
    return Targets(
        years=catalog.years,
        milestones=np.array(catalog.milestones),
        base_value=base_value,
        base_year=base_year,
        direction=catalog.direction,
        is_growth_rate=catalog.kind_mask(Kind.GROWTH_RATE),
        value=catalog.target_value,
        low=catalog.acceptable_low,
        high=catalog.acceptable_high,
        whole=catalog.kind_mask(Kind.COUNT, Kind.RANK),
    )


@dataclass(frozen=True)
class Projection:
    """Paths (S x I x Y) of several scenarios and their assessment (S x I x M)."""

    catalog: Catalog
    scenario_names: tuple[str, ...]
    paths: np.ndarray  # S x N x Y: indicators, then context series
    assessment: Assessment
    base_value: np.ndarray  # (N,) what each path grew from (see ``effective_base``)
    base_year: np.ndarray
    basis: tuple[tuple[str, ...], ...]  # S x N: how each series was specified
    standing: Standing  # where each target stands on the data as of ``standing.as_of``
    observed: Observations | None = None  # those known as of the as-of year

    @property
    def as_of(self) -> int:
        return self.standing.as_of

    @property
    def years(self) -> np.ndarray:
        return self.catalog.years

    @cached_property
    def assessment_table(self) -> Table:
        """One row per scenario x indicator x milestone (columns: ``ASSESSMENT_COLUMNS``)."""
        result = self.assessment
        catalog = self.catalog
        standing = self.standing
        evidence = standing.evidence()
        rows = []
        for s, scenario in enumerate(self.scenario_names):
            for i, indicator in enumerate(catalog.indicators):
                for m, milestone in enumerate(catalog.milestones):
                    met = result.met[s, i, m]
                    first = result.first_year_met[s, i, m]
                    need = standing.need[i, m]
                    rows.append(
                        (
                            scenario,
                            indicator.id,
                            indicator.key,
                            milestone,
                            standing.as_of,
                            EVIDENCE[evidence[i, m]],
                            int(self.base_year[i]),
                            plain(self.base_value[i]),
                            catalog.target_op[i, m] or None,
                            plain(catalog.target_value[i, m]),
                            plain(result.projected[s, i, m]),
                            None if np.isnan(met) else bool(met),
                            OUTCOMES[result.outcome[s, i, m]],
                            plain(result.gap[s, i, m]),
                            plain(result.gap_rel[s, i, m]),
                            None if np.isnan(first) else int(first),
                            plain(result.scenario_cagr[s, i, m]),
                            plain(result.required_cagr[s, i, m]),
                            _year(standing.latest_year[i, m]),
                            plain(standing.latest_value[i, m]),
                            standing.latest_grade[i][m],
                            standing.progress_status[i][m],
                            plain(standing.completion[i, m]),
                            plain(standing.time_progress[i, m]),
                            standing.schedule[i][m],
                            plain(need),
                            standing.need_unit[i] if not np.isnan(need) else None,
                            None if np.isnan(need) else bool(standing.met_on_data[i, m]),
                            self.basis[s][i],
                        )
                    )
        return Table(ASSESSMENT_COLUMNS, tuple(rows))

    @cached_property
    def path_table(self) -> Table:
        """One row per scenario x series x year with a value (columns: ``PATH_COLUMNS``).

        Context series follow the indicators; ``observed`` is true where the
        value is an observation rather than a projection.
        """
        observed = (
            np.zeros(self.paths.shape[1:], dtype=bool)
            if self.observed is None
            else ~np.isnan(self.observed.stated(self.catalog))
        )
        rows = []
        for s, scenario in enumerate(self.scenario_names):
            for n, series in enumerate(self.catalog.series):
                for y, (year, value) in enumerate(zip(self.years, self.paths[s, n], strict=True)):
                    if not np.isnan(value):
                        row = (scenario, series.id, series.key, year, value, bool(observed[n, y]))
                        rows.append(plain_row(row))
        return Table(PATH_COLUMNS, tuple(rows))


def _year(value: float) -> int | None:
    return None if np.isnan(value) else int(value)


def project(
    catalog: Catalog,
    scenarios: Sequence[Scenario],
    observed: Observations | None = None,
    as_of: int | None = None,
) -> Projection:
    """Project every series of ``catalog`` under each scenario and assess the targets.

    With ``observed``, paths pass through the observations and grow on from
    the latest one; an indicator without a base value starts from its first
    observation. ``as_of`` (default: the last complete calendar year, see
    ``resolve_as_of``) is the year the reader stands in: observations after it
    are ignored, and milestones at or before it are passed.
    """
    arrays = compile_scenarios(catalog, scenarios)
    for s, scenario in enumerate(scenarios):
        # Checked here too, so a bad uncertainty block is an error before anyone simulates.
        compile_volatility(catalog, scenario, arrays.mode[s], arrays.link[s])
    return project_compiled(catalog, scenarios, arrays, observed, as_of)


def resolve_as_of(catalog: Catalog, as_of: int | None) -> int:
    """The as-of year: given (checked to lie on the catalog's years), else last year's."""
    from nscc_proj.analysis import standing
    from nscc_proj.errors import InputError

    if as_of is None:
        return standing.default_as_of(catalog, standing.current_year())
    first, last = int(catalog.years[0]), int(catalog.years[-1])
    if not first <= as_of <= last:
        raise InputError(f"the as-of year must lie in {first}-{last}, got {as_of}")
    return as_of


def rate_sources(catalog: Catalog, arrays: ScenarioArrays) -> dict[str, str]:
    """Growth-rate indicator -> the level it is read off (``rate_of``), from any scenario."""
    sources: dict[str, str] = {}
    for s in range(len(arrays.names)):
        for n in np.flatnonzero(arrays.link[s] == Link.RATE_OF):
            key = catalog.series[n].key
            sources.setdefault(key, catalog.series[int(arrays.driver[s, n])].key)
    return sources


def project_compiled(
    catalog: Catalog,
    scenarios: Sequence[Scenario],
    arrays: ScenarioArrays,
    observed: Observations | None = None,
    as_of: int | None = None,
) -> Projection:
    """``project`` for scenarios already compiled into ``arrays`` (the Monte Carlo setup's)."""
    year = resolve_as_of(catalog, as_of)
    observed = None if observed is None else observed.until(year)
    base_value, base_year = effective_base(catalog, observed)
    paths = project_paths(
        base_value,
        arrays.growth,
        arrays.mode,
        base_year - int(catalog.years[0]),
        catalog.lower_bound,
        catalog.upper_bound,
        shift=arrays.shift,
        links=Links(arrays.link, arrays.driver),
        observed=None if observed is None else observed.array(catalog),
    )
    _check_finite(paths, catalog, scenarios)
    indicators = len(catalog)
    targets = targets_of(catalog, base_value[:indicators], base_year[:indicators])
    return Projection(
        catalog=catalog,
        scenario_names=arrays.names,
        paths=paths,
        assessment=assess(paths[:, :indicators], targets),
        base_value=base_value,
        base_year=base_year,
        basis=arrays.basis,
        standing=stand(catalog, observed, year, rate_sources(catalog, arrays)),
        observed=observed,
    )


def effective_base(
    catalog: Catalog, observed: Observations | None
) -> tuple[np.ndarray, np.ndarray]:
    """(N,) base values and years: the table's, or the first observation where it has none."""
    base_value = catalog.series_base_value.copy()
    base_year = catalog.series_base_year.copy()
    if observed is not None:
        for n, series in enumerate(catalog.series):
            first = observed.first(series.key)
            if (
                series.base_value is None
                and first is not None
                and series.kind is not Kind.GROWTH_RATE
            ):
                base_value[n], base_year[n] = first.value, first.year
    return base_value, base_year


def _check_finite(paths: np.ndarray, catalog: Catalog, scenarios: Sequence[Scenario]) -> None:
    """A path that overflows to infinity is a scenario error, not a result."""
    overflow = np.isinf(paths).any(axis=-1)
    if overflow.any():
        s, i = (int(k) for k in np.argwhere(overflow)[0])
        key = catalog.series[i].key
        raise scenarios[s].error(
            ("growth", key),
            f"'{key}' grows beyond any representable number: check its rate or change",
        )
