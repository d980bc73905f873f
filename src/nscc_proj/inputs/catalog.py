"""The indicator table: one validated row per target-bearing indicator.

The table is data, not code: milestone years come from its ``target_YYYY``
columns and every convention of the plan (以上, 左右, 全国前N, 年均增长) is
spelt out in its ``kind``, ``direction``, ``op_YYYY`` and ``tolerance``
columns, so another city's table of the same shape works unchanged.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from nscc_proj.errors import InputError

INDICATOR_HINT = "run `nscc indicators` to list the keys"


class Kind(StrEnum):
    LEVEL = "level"  # a quantity that grows compoundly (money, people, tonnes)
    COUNT = "count"  # a number of things; grows like a level
    SHARE = "share"  # a part of a whole, in %; bounded to [0, 100]
    RATE = "rate"  # a ratio of people or time, in %; bounded to [0, 100]
    GROWTH_RATE = "growth_rate"  # an annual growth rate, in %; never compounded
    RANK = "rank"  # a national ranking; lower is better, moves by places

    @property
    def is_percent_bounded(self) -> bool:
        return self in (Kind.SHARE, Kind.RATE)


class Direction(StrEnum):
    UP = "up"
    DOWN = "down"

    @property
    def sign(self) -> int:
        return 1 if self is Direction.UP else -1


class Op(StrEnum):
    AT_LEAST = ">="
    AT_MOST = "<="
    ABOUT = "~"


class Target(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    value: float | None = Field(default=None, allow_inf_nan=False)
    op: Op | None = None


class Indicator(BaseModel):
    """One row of the table, validated."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: int
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    domain_zh: str
    domain_en: str
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    unit: str
    # The unit in English, for English reports (the table's ``unit`` is often Chinese: 亿元).
    unit_en: str = ""
    kind: Kind
    direction: Direction
    base_year: int = Field(ge=1900, le=2200)
    base_value: float | None = Field(default=None, allow_inf_nan=False)
    targets: dict[int, Target]
    tolerance: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    note: str = ""

    @model_validator(mode="after")
    def _check_consistency(self) -> Indicator:
        if self.base_value is not None and self.base_value <= 0 and self.kind != Kind.GROWTH_RATE:
            raise RowError(
                "base_value",
                f"must be positive to grow from, got {self.base_value:g} "
                "(leave the cell empty where the plan publishes no value)",
            )
        if self.kind is Kind.RANK and self.direction is not Direction.DOWN:
            raise RowError("direction", "a rank is better when lower: its direction is down")
        contradiction = {Direction.UP: Op.AT_MOST, Direction.DOWN: Op.AT_LEAST}[self.direction]
        for year, target in self.targets.items():
            if target.op is contradiction:
                raise RowError(
                    f"op_{year}",
                    f"'{target.op.value}' contradicts direction '{self.direction.value}' "
                    f"(higher is better: >=; lower is better: <=)",
                )
            if (target.value is None) != (target.op is None):
                missing = f"op_{year}" if target.op is None else f"target_{year}"
                raise RowError(
                    missing, f"target_{year} and op_{year} must both be set or both empty"
                )
            if target.value is None:
                continue
            if year <= self.base_year:
                raise RowError(
                    f"target_{year}", f"milestone {year} is not after base_year {self.base_year}"
                )
            if target.op is Op.ABOUT and self.tolerance is None:
                raise RowError(
                    "tolerance", f"op_{year} is '~' (左右), which needs a tolerance band"
                )
            if self.kind.is_percent_bounded and not 0 <= target.value <= 100:
                raise RowError(
                    f"target_{year}", f"a {self.kind} must lie in [0, 100], got {target.value:g}"
                )
            if self.kind is Kind.RANK and target.value < 1:
                raise RowError(f"target_{year}", f"a rank is at least 1, got {target.value:g}")
        if self.kind.is_percent_bounded and self.base_value is not None and self.base_value > 100:
            raise RowError(
                "base_value", f"a {self.kind} must lie in [0, 100], got {self.base_value:g}"
            )
        if self.kind is Kind.RANK and self.base_value is not None and self.base_value < 1:
            raise RowError("base_value", f"a rank is at least 1, got {self.base_value:g}")
        return self


class RowError(ValueError):
    """A row-level rule broken, with the column that breaks it."""

    def __init__(self, column: str, message: str) -> None:
        self.column = column
        super().__init__(message)


@dataclass(frozen=True)
class Catalog:
    """The validated table, with the arrays the engine and assessment consume."""

    indicators: tuple[Indicator, ...]
    milestones: tuple[int, ...]
    source: str = "<memory>"
    # Series without targets that scenarios may grow and link to (2020 incomes
    # behind the income-growth target, say). They follow the indicators on
    # every series axis of the engine and never appear in an assessment.
    context: tuple[Indicator, ...] = ()
    # The folder the table was read from, where companion files are looked for.
    folder: Path | None = None

    @property
    def keys(self) -> tuple[str, ...]:
        """Keys of the target-bearing indicators."""
        return tuple(ind.key for ind in self.indicators)

    @property
    def series(self) -> tuple[Indicator, ...]:
        """Indicators, then context series: the engine's series axis."""
        return self.indicators + self.context

    @property
    def series_keys(self) -> tuple[str, ...]:
        return tuple(ind.key for ind in self.series)

    @cached_property
    def index(self) -> dict[str, int]:
        """Position of every series key on the series axis (indicators first)."""
        return {ind.key: i for i, ind in enumerate(self.series)}

    def __len__(self) -> int:
        return len(self.indicators)

    def __getitem__(self, key: str) -> Indicator:
        try:
            return self.series[self.index[key]]
        except KeyError:
            raise InputError(
                unknown_name_message("indicator", key, self.series_keys, INDICATOR_HINT)
            ) from None

    @cached_property
    def years(self) -> np.ndarray:
        """Every year from the earliest base year (or milestone) to the last milestone.

        A milestone earlier than every base year (a table rebased on later
        data) still has its place on the axis, where no path has a value.
        """
        start = min(*(ind.base_year for ind in self.series), *self.milestones)
        return np.arange(start, max(self.milestones) + 1)

    @cached_property
    def series_base_value(self) -> np.ndarray:
        return np.array([_nan_if_none(ind.base_value) for ind in self.series], dtype=float)

    @cached_property
    def series_base_year(self) -> np.ndarray:
        return np.array([ind.base_year for ind in self.series], dtype=int)

    @cached_property
    def base_value(self) -> np.ndarray:
        return np.array([_nan_if_none(ind.base_value) for ind in self.indicators], dtype=float)

    @cached_property
    def base_year(self) -> np.ndarray:
        return np.array([ind.base_year for ind in self.indicators], dtype=int)

    @cached_property
    def direction(self) -> np.ndarray:
        return np.array([ind.direction.sign for ind in self.indicators], dtype=int)

    @cached_property
    def target_value(self) -> np.ndarray:
        """Targets, I x M, NaN where a row sets none for a milestone."""
        return np.array(
            [
                [_nan_if_none(ind.targets[m].value) for m in self.milestones]
                for ind in self.indicators
            ],
            dtype=float,
        ).reshape(len(self), len(self.milestones))

    @cached_property
    def target_op(self) -> np.ndarray:
        """Target operators, I x M, as strings ('' where a row sets none)."""
        return np.array(
            [[_op_text(ind.targets[m].op) for m in self.milestones] for ind in self.indicators],
            dtype=object,
        ).reshape(len(self), len(self.milestones))

    @cached_property
    def acceptable_low(self) -> np.ndarray:
        """I x M lowest value that meets each target (-inf where none binds).

        ``~`` (左右) accepts the band around the target and everything beyond
        it on the good side, so only the bad side of the band binds.
        """
        return np.array(
            [[_interval(ind, m)[0] for m in self.milestones] for ind in self.indicators]
        )

    @cached_property
    def acceptable_high(self) -> np.ndarray:
        """I x M highest value that meets each target (+inf where none binds)."""
        return np.array(
            [[_interval(ind, m)[1] for m in self.milestones] for ind in self.indicators]
        )

    def kind_mask(self, *kinds: Kind) -> np.ndarray:
        return np.array([ind.kind in kinds for ind in self.indicators], dtype=bool)

    @cached_property
    def lower_bound(self) -> np.ndarray:
        """Lowest value of every series (N,): 0 for levels and shares, 1 for ranks."""
        return np.array([_bounds(ind.kind)[0] for ind in self.series], dtype=float)

    @cached_property
    def upper_bound(self) -> np.ndarray:
        """Highest value of every series (N,): 100 for shares and rates."""
        return np.array([_bounds(ind.kind)[1] for ind in self.series], dtype=float)


def _interval(indicator: Indicator, milestone: int) -> tuple[float, float]:
    target = indicator.targets[milestone]
    if target.value is None or target.op is None:
        return np.nan, np.nan
    if target.op is Op.AT_LEAST:
        return target.value, np.inf
    if target.op is Op.AT_MOST:
        return -np.inf, target.value
    band = indicator.tolerance or 0.0
    if indicator.direction is Direction.UP:
        return target.value - band, np.inf
    return -np.inf, target.value + band


def _bounds(kind: Kind) -> tuple[float, float]:
    if kind.is_percent_bounded:
        return 0.0, 100.0
    if kind is Kind.RANK:
        return 1.0, np.inf
    if kind is Kind.GROWTH_RATE:
        return -100.0, np.inf
    return 0.0, np.inf


def _nan_if_none(value: float | None) -> float:
    return np.nan if value is None else value


def _op_text(op: Op | None) -> str:
    return "" if op is None else op.value


def unknown_name_message(what: str, name: str, known: Iterable[str], listing_hint: str = "") -> str:
    """'unknown indicator 'gpd' — did you mean 'gdp'?', or the hint when nothing is close."""
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    if close:
        return f"unknown {what} '{name}' — did you mean '{close[0]}'?"
    return f"unknown {what} '{name}'" + (f" ({listing_hint})" if listing_hint else "")
