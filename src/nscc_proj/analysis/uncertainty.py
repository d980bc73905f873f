"""Volatilities and correlations of annual growth, compiled from a scenario.

Shocks perturb each year's step around the scenario's own: compound steps
are multiplied by a log-normal factor ``exp(sigma * z)`` (median-preserving,
so the deterministic scenario is the median path), additive and growth-rate
steps get ``sigma * z`` added; in the engine's increments, where a compound
step is a log growth factor, both are the same addition. ``z`` is standard
normal, or Student-t scaled to unit variance when ``df`` is given, and
correlated across indicators within a year. Linked indicators default to
no shock of their own: they inherit their drivers'.

Correlations are stored by group, never as an N x N matrix: the series that
``groups`` and ``matrix`` tie together (directly or through a chain of
nonzero correlations) form one block, and each block keeps its own
correlation matrix and square root. Series in no block are independent, so
compiling, checking and drawing cost the sum of the blocks' sizes (squared
or cubed within a block), not the table's size squared.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from nscc_proj.core.engine import Link, Mode
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
class CorrelatedBlock:
    """Series whose shocks correlate: their (k, k) correlation and a square root of it."""

    members: np.ndarray  # (k,) series indices, ascending
    correlation: np.ndarray  # (k, k)
    factor: np.ndarray  # (k, k): factor @ factor.T == correlation


# Where a series' volatility comes from (``Volatility.source``).
SOURCES = ("calibrated", "scenario", "default", "linked")


@dataclass(frozen=True)
class Volatility:
    """(N,) sigma in each series' step units, correlated blocks, and tails.

    A series in no block has shocks independent of every other series.
    ``source`` says where each sigma comes from: an ``uncertainty:`` block
    written by ``nscc calibrate`` (``calibrated``, from ``calibrated_from``),
    one the author wrote (``scenario``), the documented ``default``, or none of
    its own (``linked``: it moves with its drivers).
    """

    sigma: np.ndarray
    blocks: tuple[CorrelatedBlock, ...]
    df: float | None
    source: tuple[str, ...] = ()
    calibrated_from: str | None = None

    def summary(self) -> str:
        """Where the volatilities come from, in words: ``32 calibrated, 1 linked series
        (what the calibration rests on)``."""
        counts = {source: self.source.count(source) for source in SOURCES}
        parts = [f"{counts[source]} {source}" for source in SOURCES if counts[source]]
        basis = f" ({self.calibrated_from})" if self.calibrated_from else ""
        return f"{', '.join(parts)} series{basis}"

    def defaulted(self, keys: tuple[str, ...]) -> list[str]:
        """The series (``keys`` in series order) whose volatility is the default."""
        return [key for key, source in zip(keys, self.source, strict=True) if source == "default"]

    @cached_property
    def _places(self) -> tuple[np.ndarray, np.ndarray]:
        """(N,) each series' block (-1: none) and its place in it."""
        block_of = np.full(self.sigma.size, -1)
        place = np.zeros(self.sigma.size, int)
        for number, block in enumerate(self.blocks):
            block_of[block.members] = number
            place[block.members] = np.arange(block.members.size)
        return block_of, place

    def correlation(self, series: np.ndarray) -> np.ndarray:
        """The (k, k) correlation of the shocks of ``series`` (indices; repeats allowed)."""
        series = np.asarray(series, dtype=int)
        out: np.ndarray = (series[:, None] == series[None, :]).astype(float)  # itself: 1
        block_of, place = self._places
        numbers = block_of[series]
        for number in np.unique(numbers[numbers >= 0]):
            rows = np.flatnonzero(numbers == number)
            at = place[series[rows]]
            out[np.ix_(rows, rows)] = self.blocks[number].correlation[np.ix_(at, at)]
        return out

    def dense_correlation(self) -> np.ndarray:
        """The full (N, N) correlation matrix: for small tables and tests only."""
        return self.correlation(np.arange(self.sigma.size))


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
    source = np.where(link == Link.NONE, "default", "linked").astype(object)
    owner = next(
        (node for node in reversed(scenario.chain()) if "uncertainty" in node.model_fields_set),
        scenario,
    )
    spec: Uncertainty | None = owner.uncertainty
    if spec is None:
        return Volatility(sigma, (), None, tuple(source))
    stated = "calibrated" if spec.calibrated else "scenario"
    # The default first, so a key named explicitly wins whatever its order in the file.
    for key, value in sorted(spec.sigma.items(), key=lambda item: item[0] != "default"):
        if key == "default":
            compound = (link == Link.NONE) & (mode == Mode.COMPOUND)
            sigma[compound] = _sigma(value, Mode.COMPOUND, owner, ("uncertainty", "sigma", key))
            source[compound] = "scenario"  # a blanket value the author chose, not estimated
        else:
            row = _index(catalog, owner, key, ("sigma", key))
            sigma[row] = _sigma(value, mode[row], owner, ("uncertainty", "sigma", key))
            source[row] = stated
    return Volatility(sigma, _blocks(catalog, owner, spec), spec.df, tuple(source), spec.calibrated)


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


def _pairs(catalog: Catalog, owner: Scenario, spec: Uncertainty) -> dict[tuple[int, int], float]:
    """Correlation of every pair (a < b) that ``groups`` or ``matrix`` sets; the matrix wins."""
    pairs: dict[tuple[int, int], float] = {}
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
        for position, a in enumerate(members):
            for b in members[position + 1 :]:
                pair = (min(a, b), max(a, b))
                if pair in set_by and pairs[pair] != group.rho:
                    names = f"{catalog.series[a].key} and {catalog.series[b].key}"
                    raise owner.error(
                        ("uncertainty", "groups", number),
                        f"{names} are already correlated by group {set_by[pair]} with another rho",
                    )
                pairs[pair], set_by[pair] = group.rho, number
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
        for i, a in enumerate(keys):
            for j in range(i + 1, len(keys)):
                b = keys[j]
                pairs[min(a, b), max(a, b)] = float(values[i, j] if a < b else values[j, i])
    return pairs


def _blocks(catalog: Catalog, owner: Scenario, spec: Uncertainty) -> tuple[CorrelatedBlock, ...]:
    """The correlated blocks: series joined by nonzero correlations, each checked and factored.

    Cost: the pairs given, plus an eigendecomposition of each block (cubic in
    the block's size, not in the table's).
    """
    pairs = {pair: rho for pair, rho in _pairs(catalog, owner, spec).items() if rho != 0.0}
    parent: dict[int, int] = {}

    def root(node: int) -> int:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for a, b in pairs:
        parent[root(a)] = root(b)
    members: dict[int, list[int]] = {}
    for node in sorted(parent):
        members.setdefault(root(node), []).append(node)
    by_block: dict[int, list[tuple[int, int, float]]] = {}
    for (a, b), rho in pairs.items():
        by_block.setdefault(root(a), []).append((a, b, rho))
    blocks = []
    for first_root, series in sorted(members.items(), key=lambda item: item[1][0]):
        index = np.array(series)
        correlation = np.eye(index.size)
        for a, b, rho in by_block[first_root]:
            i, j = np.searchsorted(index, a), np.searchsorted(index, b)
            correlation[i, j] = correlation[j, i] = rho
        factor = correlation_root(correlation)
        if factor is None:
            raise owner.error(
                ("uncertainty",),
                "the correlations are not consistent (the matrix is not positive semi-definite): "
                "groups or matrix entries contradict each other",
            )
        blocks.append(CorrelatedBlock(index, correlation, factor))
    return tuple(blocks)


def correlation_root(correlation: np.ndarray) -> np.ndarray | None:
    """A square root ``F`` (``F @ F.T == correlation``), or None if the matrix is not PSD.

    Through eigenvalues rather than Cholesky, so singular matrices (rho = 1) serve too.
    """
    values, vectors = np.linalg.eigh(correlation)
    if values.min() < -1e-9:
        return None
    root: np.ndarray = vectors * np.sqrt(np.clip(values, 0.0, None))
    return root
