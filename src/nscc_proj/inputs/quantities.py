"""The quantities scenario files are written in: rates, changes and periods.

Each parser turns what a person writes ("6%", 0.06, 2021-2025) into one
canonical value, and explains what it cannot accept in words a person can act
on (a bare 6 is a percentage without its '%').
"""

from __future__ import annotations

import math
import re
from typing import Annotated, NamedTuple

from pydantic import BeforeValidator

_PERIOD = re.compile(r"^\s*(\d{4})\s*(?:-\s*(\d{4})\s*)?$")


class Period(NamedTuple):
    """Inclusive span of years, written ``2021-2025`` or ``2022``."""

    start: int
    end: int

    def __str__(self) -> str:
        return str(self.start) if self.start == self.end else f"{self.start}-{self.end}"

    def overlaps(self, other: Period) -> bool:
        return self.start <= other.end and other.start <= self.end

    def contains(self, other: Period) -> bool:
        return self.start <= other.start and other.end <= self.end

    @property
    def years(self) -> int:
        return self.end - self.start + 1


def parse_period(value: object) -> Period:
    """``2021-2025`` or ``2022`` (int or text) as an inclusive ``Period``."""
    if isinstance(value, Period):
        return value
    match = _PERIOD.match(str(value)) if isinstance(value, int | str) else None
    if match is None:
        raise ValueError(f"period {value!r} is not a year or a span like 2021-2025")
    start = int(match.group(1))
    end = int(match.group(2) or start)
    if end < start:
        raise ValueError(f"period {value!r} ends before it starts")
    return Period(start, end)


def parse_rate(value: object) -> float:
    """A growth rate as a fraction: 0.06, "6%" or "6 %"; never a bare 6."""
    if isinstance(value, bool):
        raise ValueError(f"expected a growth rate such as 0.06 or '6%', got {value!r}")
    if isinstance(value, str):
        text = value.strip()
        if text.endswith("%"):
            rate = _finite_number(text[:-1], value) / 100.0
        else:
            rate = _reject_bare_percent(_finite_number(text, value))
    elif isinstance(value, int | float):
        rate = _reject_bare_percent(_finite_number(value, value))
    else:
        raise ValueError(f"expected a growth rate such as 0.06 or '6%', got {value!r}")
    if rate <= -1.0:
        raise ValueError(f"growth of {rate:.2%} a year is -100 % or less: nothing would be left")
    return rate


def parse_change(value: object) -> float:
    """An additive change per year, in the indicator's own units (points for shares)."""
    if isinstance(value, str) and value.strip().endswith("%"):
        raise ValueError(
            f"change is in the indicator's own units (points for shares and rates): "
            f"write {value.strip()[:-1].strip()} rather than {value!r}"
        )
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"expected a number, got {value!r}")
    return _finite_number(value, value)


def _finite_number(text: object, original: object) -> float:
    try:
        number = float(text)  # type: ignore[arg-type]
    except OverflowError:
        raise ValueError("number too large") from None
    except (TypeError, ValueError):
        raise ValueError(f"expected a number, got {original!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"expected a finite number, got {original!r}")
    return number


def _reject_bare_percent(rate: float) -> float:
    if rate > 1.0:
        raise ValueError(
            f"{rate:g} looks like a percentage written without '%': "
            f'write {rate / 100:g} or "{rate:g}%"'
        )
    return rate


Rate = Annotated[float, BeforeValidator(parse_rate)]
Change = Annotated[float, BeforeValidator(parse_change)]
PeriodKey = Annotated[Period, BeforeValidator(parse_period)]


def distinct_periods(value: object) -> object:
    """A mapping of periods that sets something and names no year twice.

    ``2021:`` and ``"2021":`` are different YAML keys but the same period;
    without this check the later one would silently win.
    """
    if not isinstance(value, dict):
        return value
    if not value:
        raise ValueError("an empty mapping sets nothing: give a rate or {PERIOD: rate}")
    seen: dict[Period, object] = {}
    for key in value:
        try:
            period = parse_period(key)
        except ValueError:
            continue  # reported against the key itself
        if period in seen:
            raise ValueError(f"period {period} is given twice ({seen[period]!r} and {key!r})")
        seen[period] = key
    return value
