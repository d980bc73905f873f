"""Volatilities and correlations of annual growth, compiled from a scenario.

Shocks perturb each year's step around the scenario's own: compound steps
are multiplied by a log-normal factor ``exp(sigma * z)`` (median-preserving,
so the deterministic scenario is the median path), additive and growth-rate
steps get ``sigma * z`` added; in the engine's increments, where a compound
step is a log growth factor, both are the same addition. ``z`` is standard
normal, or Student-t scaled to unit variance when ``df`` is given, and
correlated across indicators within a year by a Cholesky factor. Linked
indicators default to no shock of their own: they inherit their drivers'.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from nscc_proj.core.engine import Link, Mode
from nscc_proj.errors import InputError
from nscc_proj.inputs.catalog import Catalog, Kind
from nscc_proj.inputs.quantities import parse_change, parse_rate
from nscc_proj.inputs.scenario import Scenario
from nscc_proj.inputs.scenario_blocks import Uncertainty

# Documented defaults: the standard deviation of one year's shock.
DEFAULT_COMPOUND_SIGMA = 0.02  # of the log growth factor: about 2 % a year
DEFAULT_RANK_SIGMA = 0.5  # places a year
DEFAULT_POINTS_SIGMA = 0.2  # percentage points a year, shares and rates moved by change
DEFAULT_LEVEL_CHANGE_SIGMA = 0.01  # of the base value, levels moved by change
DEFAULT_GROWTH_RATE_SIGMA = 1.0  # percentage points, growth-rate indicators


@dataclass(frozen=True)
class Volatility:
    """(N,) sigma in each series' step units, (N, N) Cholesky factor, and tails."""

    sigma: np.ndarray
    cholesky: np.ndarray
    df: float | None


def default_sigma(catalog: Catalog, mode: np.ndarray, link: np.ndarray) -> np.ndarray:
    """The documented default volatility of every series, given how it moves."""
    sigma = np.full(len(catalog.series), DEFAULT_COMPOUND_SIGMA)
    for n, series in enumerate(catalog.series):
        if link[n] != Link.NONE:
            sigma[n] = 0.0
        elif mode[n] == Mode.DIRECT:
            sigma[n] = DEFAULT_GROWTH_RATE_SIGMA
        elif mode[n] == Mode.ADDITIVE:
            if series.kind is Kind.RANK:
                sigma[n] = DEFAULT_RANK_SIGMA
            elif series.kind.is_percent_bounded:
                sigma[n] = DEFAULT_POINTS_SIGMA
            else:
                sigma[n] = DEFAULT_LEVEL_CHANGE_SIGMA * abs(series.base_value or 0.0)
    return sigma


def compile_volatility(
    catalog: Catalog, scenario: Scenario, mode: np.ndarray, link: np.ndarray
) -> Volatility:
    """The scenario's volatility for each series (``mode`` and ``link`` as compiled, (N,))."""
    sigma = default_sigma(catalog, mode, link)
    owner = next(
        (node for node in reversed(scenario.chain()) if "uncertainty" in node.model_fields_set),
        scenario,
    )
    spec: Uncertainty | None = owner.uncertainty
    if spec is None:
        return Volatility(sigma, np.eye(len(sigma)), None)
    # The default first, so a key named explicitly wins whatever its order in the file.
    for key, value in sorted(spec.sigma.items(), key=lambda item: item[0] != "default"):
        if key == "default":
            compound = (link == Link.NONE) & (mode == Mode.COMPOUND)
            sigma[compound] = _sigma(value, Mode.COMPOUND, owner, ("uncertainty", "sigma", key))
        else:
            row = _index(catalog, owner, key, ("sigma", key))
            sigma[row] = _sigma(value, mode[row], owner, ("uncertainty", "sigma", key))
    correlation = _correlation(catalog, owner, spec)
    if np.array_equal(correlation, np.eye(len(sigma))):
        return Volatility(sigma, np.eye(len(sigma)), spec.df)
    # A symmetric square root through eigenvalues also serves singular matrices (rho = 1).
    values, vectors = np.linalg.eigh(correlation)
    if values.min() < -1e-9:
        raise owner.error(
            ("uncertainty",),
            "the correlations are not consistent (the matrix is not positive semi-definite): "
            "groups or matrix entries contradict each other",
        )
    factor = vectors * np.sqrt(np.clip(values, 0.0, None))
    return Volatility(sigma, factor, spec.df)


def _index(catalog: Catalog, owner: Scenario, key: str, location: tuple[object, ...]) -> int:
    if key not in catalog.index:
        from nscc_proj.inputs.catalog import INDICATOR_HINT, unknown_name_message

        message = unknown_name_message("indicator", key, catalog.series_keys, INDICATOR_HINT)
        raise owner.error(("uncertainty", *location), message)
    return catalog.index[key]


def _sigma(value: float | str, mode: int, owner: Scenario, location: tuple[object, ...]) -> float:
    try:
        sigma = parse_rate(value) if mode == Mode.COMPOUND else parse_change(value)
    except ValueError as exc:
        raise owner.error(location, str(exc)) from None
    if sigma < 0 or not math.isfinite(sigma):
        raise owner.error(location, f"a volatility is zero or more, got {value!r}")
    return sigma


def _correlation(catalog: Catalog, owner: Scenario, spec: Uncertainty) -> np.ndarray:
    size = len(catalog.series)
    correlation = np.eye(size)
    set_by: dict[tuple[int, int], int] = {}
    for number, group in enumerate(spec.groups):
        members = [
            _index(catalog, owner, key, ("groups", number, "members", position))
            for position, key in enumerate(group.members)
        ]
        if len(set(members)) != len(members):
            raise owner.error(
                ("uncertainty", "groups", number, "members"), "a member is listed twice"
            )
        for a in members:
            for b in members:
                if a == b:
                    continue
                if (a, b) in set_by and correlation[a, b] != group.rho:
                    pair = f"{catalog.series[a].key} and {catalog.series[b].key}"
                    raise owner.error(
                        ("uncertainty", "groups", number),
                        f"{pair} are already correlated by group {set_by[a, b]} with another rho",
                    )
                correlation[a, b], set_by[a, b] = group.rho, number
    if spec.matrix is not None:
        keys = [
            _index(catalog, owner, key, ("matrix", "keys", position))
            for position, key in enumerate(spec.matrix.keys)
        ]
        if len(set(keys)) != len(keys):
            raise owner.error(("uncertainty", "matrix", "keys"), "a key is listed twice")
        values = np.array(spec.matrix.values, dtype=float)
        if not np.allclose(values, values.T) or not np.allclose(np.diag(values), 1.0):
            raise owner.error(
                ("uncertainty", "matrix", "values"),
                "a correlation matrix is symmetric with ones on its diagonal",
            )
        if np.abs(values).max() > 1:
            raise owner.error(("uncertainty", "matrix", "values"), "correlations lie in [-1, 1]")
        correlation[np.ix_(keys, keys)] = values
    return correlation


def shocked_increments(steps: np.ndarray, sigma: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Increments (P, N, T) around ``steps`` (N, T) for draws ``z`` (P, N, T) of unit variance.

    ``steps`` are in ``engine.increments`` form, where a compound step is a
    log growth factor: adding ``sigma * z`` there multiplies the factor by
    ``exp(sigma * z)``, and adds the shock to every other kind of step.
    """
    shocked: np.ndarray = z * sigma[:, None]
    shocked += steps
    return shocked


def check_paths(paths: int) -> None:
    if paths < 1:
        raise InputError(f"--paths must be at least 1, got {paths}")
