"""The indicator table: one validated row per target-bearing indicator.

The table is data, not code: milestone years come from its ``target_YYYY``
columns and every convention of the plan (以上, 左右, 全国前N, 年均增长) is
spelt out in its ``kind``, ``direction``, ``op_YYYY`` and ``tolerance``
columns, so another city's table of the same shape works unchanged.
"""

from __future__ import annotations

import csv
import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from nscc_proj.errors import InputError

REQUIRED_COLUMNS = (
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
    "tolerance",
    "note",
)
INDICATOR_HINT = "run `nscc indicators` to list the keys"
_TARGET_COLUMN = re.compile(r"^target_(\d{4})$")


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
            raise _RowError(
                "base_value",
                f"must be positive to grow from, got {self.base_value:g} "
                "(leave the cell empty where the plan publishes no value)",
            )
        for year, target in self.targets.items():
            if (target.value is None) != (target.op is None):
                missing = f"op_{year}" if target.op is None else f"target_{year}"
                raise _RowError(
                    missing, f"target_{year} and op_{year} must both be set or both empty"
                )
            if target.value is None:
                continue
            if year <= self.base_year:
                raise _RowError(
                    f"target_{year}", f"milestone {year} is not after base_year {self.base_year}"
                )
            if target.op is Op.ABOUT and self.tolerance is None:
                raise _RowError(
                    "tolerance", f"op_{year} is '~' (左右), which needs a tolerance band"
                )
            if self.kind.is_percent_bounded and not 0 <= target.value <= 100:
                raise _RowError(
                    f"target_{year}", f"a {self.kind} must lie in [0, 100], got {target.value:g}"
                )
            if self.kind is Kind.RANK and target.value < 1:
                raise _RowError(f"target_{year}", f"a rank is at least 1, got {target.value:g}")
        if self.kind.is_percent_bounded and self.base_value is not None and self.base_value > 100:
            raise _RowError(
                "base_value", f"a {self.kind} must lie in [0, 100], got {self.base_value:g}"
            )
        if self.kind is Kind.RANK and self.base_value is not None and self.base_value < 1:
            raise _RowError("base_value", f"a rank is at least 1, got {self.base_value:g}")
        return self


class _RowError(ValueError):
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

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(ind.key for ind in self.indicators)

    @cached_property
    def index(self) -> dict[str, int]:
        return {ind.key: i for i, ind in enumerate(self.indicators)}

    def __len__(self) -> int:
        return len(self.indicators)

    def __getitem__(self, key: str) -> Indicator:
        try:
            return self.indicators[self.index[key]]
        except KeyError:
            raise InputError(
                unknown_name_message("indicator", key, self.keys, INDICATOR_HINT)
            ) from None

    @cached_property
    def years(self) -> np.ndarray:
        """Every year from the earliest base year to the last milestone."""
        start = min(ind.base_year for ind in self.indicators)
        return np.arange(start, max(self.milestones) + 1)

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
    def tolerance(self) -> np.ndarray:
        return np.array([_nan_if_none(ind.tolerance) for ind in self.indicators], dtype=float)

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
        return np.array([_bounds(ind.kind)[0] for ind in self.indicators], dtype=float)

    @cached_property
    def upper_bound(self) -> np.ndarray:
        return np.array([_bounds(ind.kind)[1] for ind in self.indicators], dtype=float)


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


def shipped_catalog_path() -> Path:
    """The table shipped inside the package, found after a plain install."""
    return Path(str(resources.files("nscc_proj").joinpath("data", "indicators_2020.csv")))


def load_catalog(path: str | Path | None = None) -> Catalog:
    """Read and validate an indicator table; the shipped one when ``path`` is None."""
    csv_path = Path(path) if path is not None else shipped_catalog_path()
    source = str(path) if path is not None else "indicators_2020.csv (shipped)"
    try:
        with csv_path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = list(reader.fieldnames or [])
            milestones = _milestones_from_header(header, source)
            rows = [(reader.line_num, row) for row in reader]
    except FileNotFoundError:
        raise InputError(f"indicator table not found: {csv_path}") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"cannot read the indicator table: {exc}", source=source) from None
    if not rows:
        raise InputError("the indicator table has no rows", source=source)
    indicators = tuple(_parse_row(row, line, milestones, source) for line, row in rows)
    _check_unique(indicators, [line for line, _ in rows], source)
    return Catalog(indicators=indicators, milestones=milestones, source=source)


def _milestones_from_header(header: list[str], source: str) -> tuple[int, ...]:
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise InputError(f"missing column(s): {', '.join(missing)}", source=source, line=1)
    milestones = sorted(int(m.group(1)) for c in header if (m := _TARGET_COLUMN.match(c)))
    if not milestones:
        raise InputError(
            "no target_YYYY column: the table names no milestone", source=source, line=1
        )
    missing_ops = [f"op_{year}" for year in milestones if f"op_{year}" not in header]
    if missing_ops:
        raise InputError(f"missing column(s): {', '.join(missing_ops)}", source=source, line=1)
    return tuple(milestones)


def _parse_row(
    row: Mapping[str, Any], line: int, milestones: tuple[int, ...], source: str
) -> Indicator:
    if None in row:
        raise InputError("more cells than header columns", source=source, line=line)
    cells = {
        name: (value.strip() if isinstance(value, str) else value) for name, value in row.items()
    }
    data: dict[str, Any] = {
        name: (cells[name] or None) for name in REQUIRED_COLUMNS if name != "note"
    }
    data["note"] = cells["note"] or ""
    data["targets"] = {
        year: {"value": cells[f"target_{year}"] or None, "op": cells[f"op_{year}"] or None}
        for year in milestones
    }
    try:
        return Indicator.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        column, message = _column_and_message(error)
        raise InputError(message, source=source, line=line, field=column) from None


def _column_and_message(error: Mapping[str, Any]) -> tuple[str | None, str]:
    context = error.get("ctx") or {}
    original = context.get("error")
    if isinstance(original, _RowError):
        return original.column, str(original)
    loc = tuple(error["loc"])
    column: str | None
    if loc[:1] == ("targets",) and len(loc) >= 3:
        column = f"{'target' if loc[2] == 'value' else 'op'}_{loc[1]}"
    else:
        column = str(loc[0]) if loc else None
    given = error.get("input")
    message = str(error["msg"])
    if given is None:
        return column, "a value is required here"
    return column, f"{message[0].lower()}{message[1:]}, got {given!r}"


def _check_unique(indicators: tuple[Indicator, ...], lines: list[int], source: str) -> None:
    for attribute in ("id", "key"):
        seen: dict[object, int] = {}
        for indicator, line in zip(indicators, lines, strict=True):
            value = getattr(indicator, attribute)
            if value in seen:
                raise InputError(
                    f"duplicate {attribute} {value!r} (first on line {seen[value]})",
                    source=source,
                    line=line,
                    field=attribute,
                )
            seen[value] = line
