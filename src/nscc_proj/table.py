"""Tidy long tables: the one shape every result leaves the library in.

Like pyam's timeseries, a result is rows of plain values under named
columns, so the same numbers reach CSV, JSON, the terminal and pandas.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

Cell = str | int | float | bool | None


@dataclass(frozen=True)
class Table:
    """Named columns and rows of plain Python values (None where empty)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[dict[str, Cell]]:
        return (dict(zip(self.columns, row, strict=True)) for row in self.rows)

    def records(self) -> list[dict[str, Cell]]:
        return list(self)

    def column(self, name: str) -> list[Cell]:
        position = self.columns.index(name)
        return [row[position] for row in self.rows]

    def to_frame(self) -> pd.DataFrame:
        """The table as a pandas DataFrame (pandas is imported only here)."""
        import pandas as pd

        return pd.DataFrame.from_records(list(self.rows), columns=list(self.columns))


def plain(value: Any) -> Cell:
    """A NumPy scalar as the Python value a CSV or JSON cell holds; NaN as None."""
    if value is None:
        return None
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating | float):
        number = float(value)
        return None if math.isnan(number) else number
    if isinstance(value, int | str):
        return value
    return str(value)


def plain_row(values: Sequence[Any]) -> tuple[Cell, ...]:
    return tuple(plain(value) for value in values)
