"""Open SDG's progress measure, run as its authors designed it.

Follows ``sdg/ProgressMeasure.py`` of open-sdg/sdg-build at commit
``6d3d128af8826a62c4ed26626663c961f0a94b3c`` (2023-06-08, "Methodology changes"),
the head of pull request #318: the measure is not on sdg-build's ``master`` nor in
a release (2.3.0 has none), so that pull request is the published design.

On one indicator's observed series (year, value):

- the *current year* is the latest year of the data; the *base year* is the
  configured one if the data have it, else the first data year after it (none
  if the configured base lies after the data); no status unless the current
  year is at least a year after the base;
- with a target: ``target_achieved`` when the current value is on the target's
  side; else the ratio of the observed compound rate (base -> current) to the
  required one (base -> target year), without any flip for direction, graded
  ``on_track`` (>= 0.95), ``progress_needs_acceleration`` (>= 0.6),
  ``limited_progress`` (>= 0) or ``deterioration``; a target of 0 is read as
  0.001;
- a non-finite ratio (a zero required rate, a fractional power of a negative
  ratio) gives no status, except +inf (on track) and -inf (deterioration), as
  NumPy's arithmetic in the original gives.

Growth-rate indicators get no special treatment in the original: their own
series of rates is measured like any other. ``nscc`` uses the table's target
years and base year as the configured ones.
"""

from __future__ import annotations

import numpy as np

ON_TRACK, ACCELERATION, LIMITED = 0.95, 0.6, 0.0


def _growth(new: float, old: float, new_year: int, old_year: int) -> float:
    """``((new / old) ** (1 / years)) - 1`` with NumPy's float semantics (inf, NaN)."""
    with np.errstate(all="ignore"):
        return float(
            np.power(np.float64(new) / np.float64(old), 1.0 / np.float64(new_year - old_year)) - 1.0
        )


def _grade(ratio: float) -> str | None:
    if ratio >= ON_TRACK:
        return "on_track"
    if ratio >= ACCELERATION:
        return "progress_needs_acceleration"
    if ratio >= LIMITED:
        return "limited_progress"
    if ratio < LIMITED:
        return "deterioration"
    return None  # NaN


def sdg_progress_status(
    series: list[tuple[int, float]],
    *,
    increasing: bool,
    target: float,
    target_year: int,
    base_year: int,
) -> str | None:
    """sdg-build's status for one target, or None where it gives none.

    ``series`` holds (year, value) pairs; a repeated year keeps its first value.
    """
    values: dict[int, float] = {}
    for year, value in series:
        values.setdefault(int(year), float(value))
    if not values:
        return None
    current_year = max(values)
    if base_year not in values:
        if base_year > current_year:
            return None
        base_year = min(year for year in values if year > base_year)
    if current_year - base_year < 1:
        return None
    current, base = values[current_year], values[base_year]
    if target == 0:
        target = 0.001
    if (current >= target) if increasing else (current <= target):
        return "target_achieved"
    if target_year == base_year:
        return None  # the original raises ZeroDivisionError: no status
    observed = _growth(current, base, current_year, base_year)
    required = _growth(target, base, target_year, base_year)
    with np.errstate(all="ignore"):
        ratio = float(np.float64(observed) / np.float64(required))
    return _grade(ratio)
