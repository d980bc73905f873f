"""Plain-Python reference transcription of Open SDG sdg-build's progress measure.

Source followed
---------------
* Repository: https://github.com/open-sdg/sdg-build, file ``sdg/ProgressMeasure.py``.
* Commit: ``6d3d128af8826a62c4ed26626663c961f0a94b3c`` ("Methodology changes",
  MaiaPelletier, 2023-06-08 12:21:05 -0400), the head of pull request #318
  (``refs/pull/318/head``, branch ``maia-progress-calculation``). ``setup.py`` at that commit
  says ``version='2.2.0'`` (the branch had 2.3.0-dev merged into it on 2023-05-09).
* Caveat: the file is *not* on sdg-build ``master`` nor in any release tag. The newest snapshot
  examined (``master`` = merge of tag 2.3.0, ``b59aef563a323bd002a3b2ae74bfb9f22214708e``,
  2024-03-05, version 2.3.0) has no progress measure at all; the code only exists in PR #318.
  The fork ``tristanmenard/sdg-build`` (commit ``deb8ba1bfc1ff41fd5323c6f7afe955fed86cadd``)
  carries the same arithmetic, differing only in how the headline rows are selected
  (unit/series options) -- not transcribed here.

Method (as implemented in that commit)
--------------------------------------
Only the headline ("total") series is used: rows whose disaggregation cells are all empty,
with empty values dropped. ``current_year`` is the latest year in the data. ``base_year``
(default 2015) is used if present in the data; if it is absent and later than the latest year
the result is ``None``; otherwise the first year after it that has data is used. If
``current_year - base_year < 1`` the result is ``None``.

``growth_calculation(v1, v2, t1, t2) = (v1 / v2) ** (1 / (t1 - t2)) - 1`` (compound annual
growth rate).

* No target (``target is None``) -- "methodology 1":
  ``cagr_o = growth_calculation(current_value, base_value, current_year, base_year)``, negated
  when ``direction == "negative"``; compared with thresholds high/med/low =
  0.015 / 0.005 / 0.
* Target given -- "methodology 2": a target of exactly 0 is first replaced by 0.001. If
  ``direction == "negative"`` and ``current_value <= target``, or ``direction == "positive"``
  and ``current_value >= target`` -> ``"target_achieved"``. Otherwise
  ``ratio = cagr_o / cagr_r`` with ``cagr_r = growth_calculation(target, base_value,
  target_year, base_year)`` (target_year default 2030; no direction flip), compared with
  thresholds high/med/low = 0.95 / 0.6 / 0.

Classification (``get_progress_status``): ``value >= high`` -> ``"on_track"``;
``med <= value < high`` -> ``"progress_needs_acceleration"``; ``low <= value < med`` ->
``"limited_progress"``; ``value < low`` -> ``"deterioration"``; otherwise (NaN) ``None``.

Directions are sdg-build's strings ``"positive"`` (higher is better) and ``"negative"``
(lower is better, the default). Any other string is accepted silently, as in the original:
methodology 1 then behaves as "positive" and methodology 2 never reports "target_achieved".
Use :func:`sdg_direction` to map "higher is better" onto these strings.

The original computes on numpy scalars (values come from a pandas column), so division by zero
gives +-inf/NaN and a negative base raised to a non-integer power gives NaN instead of raising;
:func:`_np_div` and :func:`_np_pow` reproduce that so that the same inputs give the same status
(the original additionally emits numpy RuntimeWarnings, which are not reproduced).
``target_year == base_year`` raises ``ZeroDivisionError`` in the original (plain Python float
division of the exponent) and here too.

Function names below are the original's; each is marked ``# sdg-build: <name>``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

SOURCE_REPOSITORY = "https://github.com/open-sdg/sdg-build"
SOURCE_PATH = "sdg/ProgressMeasure.py"
SOURCE_COMMIT = "6d3d128af8826a62c4ed26626663c961f0a94b3c"
SOURCE_COMMIT_DATE = "2023-06-08T12:21:05-04:00"
SOURCE_VERSION = "2.2.0 (setup.py at that commit; PR #318, never released)"

TARGET_ACHIEVED = "target_achieved"
ON_TRACK = "on_track"
PROGRESS_NEEDS_ACCELERATION = "progress_needs_acceleration"
LIMITED_PROGRESS = "limited_progress"
DETERIORATION = "deterioration"
STATUSES = (TARGET_ACHIEVED, ON_TRACK, PROGRESS_NEEDS_ACCELERATION, LIMITED_PROGRESS, DETERIORATION)

# sdg-build: update_progress_thresholds (defaults per method)
METHOD_1_THRESHOLDS: dict[str, float] = {"high": 0.015, "med": 0.005, "low": 0}
METHOD_2_THRESHOLDS: dict[str, float] = {"high": 0.95, "med": 0.6, "low": 0}


def sdg_direction(higher_is_better: bool) -> str:
    """Map "higher is better" to sdg-build's ``direction`` strings."""
    return "positive" if higher_is_better else "negative"


# --------------------------------------------------------------------------- numpy semantics


def _np_div(a: float, b: float) -> float:
    """``a / b`` with numpy float64 semantics (x/0 -> +-inf, 0/0 -> nan, no exception)."""
    try:
        return a / b
    except ZeroDivisionError:
        if a == 0 or math.isnan(a):
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)


def _np_pow(base: float, exponent: float) -> float:
    """``base ** exponent`` with numpy float64 (C ``pow``) semantics, never complex."""
    finite = math.isfinite(base) and math.isfinite(exponent)
    if base < 0 and finite and not exponent.is_integer():
        return math.nan
    if base == 0 and exponent < 0:
        if exponent.is_integer() and int(exponent) % 2 == 1:
            return math.copysign(math.inf, base)
        return math.inf
    try:
        return base**exponent
    except OverflowError:  # numpy returns +-inf where Python raises
        odd = exponent.is_integer() and int(exponent) % 2 == 1
        return -math.inf if (base < 0 and odd) else math.inf


def _is_na(x: Any) -> bool:
    """pandas ``isna`` for plain Python cells: ``None`` or a float NaN."""
    return x is None or (isinstance(x, float) and math.isnan(x))


# --------------------------------------------------------------------------- transcription


def measure_indicator_progress(
    meta: Mapping[str, Any],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    trace: dict[str, Any] | None = None,
) -> str | None:
    """sdg-build: measure_indicator_progress(indicator).

    ``meta`` stands for ``indicator.meta``; ``columns``/``rows`` for ``indicator.data`` (a
    table whose first column is ``Year`` and last column ``Value``, disaggregations between).
    If ``trace`` is a dict it receives the intermediate quantities.
    """
    data = (list(columns), [list(r) for r in rows])  # get indicator data (copied: the original
    config: Any = meta  # mutates indicator.data['Year'] in place)

    # checks if progress calculation is turned on
    if "auto_progress_calculation" in config:
        # checks if any inputs have been configured
        if config["auto_progress_calculation"]:
            if "progress_calculation_options" in config:
                # take manual user inputs (first list element only)
                config = config["progress_calculation_options"][0]
            # NB: otherwise the *whole* indicator meta is used as the options dict
        else:
            return None
    # return None if auto progress calculation is not turned on
    else:
        return None

    # get calculation defaults and update with user inputs (if any)
    config = config_defaults(config)

    # get relevant data to calculate progress (aggregate/total line only)
    series = data_progress_measure(*data)
    if series is None:
        return None

    # get years that exist in the data
    years = [year for year, _ in series]

    # set current year to be the most recent year that exists in data
    config.update({"current_year": max(years)})

    # check if the base year input exists in the data
    if not any(y == config["base_year"] for y in years):
        # return None if the base year input is in the future of the most recently available data
        if config["base_year"] > max(years):
            return None
        # if base year is not in available data and not in the future,
        # assign it to be the minimum existing year past the base year given
        config["base_year"] = min(y for y in years if y > config["base_year"])

    # return None if there is not enough data to calculate progress (must be at least 2 data points)
    if config["current_year"] - config["base_year"] < 1:
        return None

    if trace is not None:
        trace.update(base_year=config["base_year"], current_year=config["current_year"])

    # if no target exists, run methodology for qualitative target, else for quantitative target.
    if config["target"] is None:
        config = update_progress_thresholds(config, method=1)
        output = methodology_1(series, config, trace)
    else:
        config = update_progress_thresholds(config, method=2)
        output = methodology_2(series, config, trace)
    return output


def config_defaults(config: Mapping[str, Any]) -> dict[str, Any]:
    """sdg-build: config_defaults(config)."""
    defaults = default_progress_calc_options()
    defaults.update(config)
    # if target is 0, set to 0.001 (avoids dividing by 0 in calculation)
    if defaults["target"] == 0:
        defaults["target"] = 0.001
    return defaults


def default_progress_calc_options() -> dict[str, Any]:
    """sdg-build: default_progress_calc_options()."""
    return {
        "base_year": 2015,
        "target_year": 2030,
        "direction": "negative",
        "target": None,
        "progress_thresholds": {},
    }


def update_progress_thresholds(config: dict[str, Any], method: int) -> dict[str, Any]:
    """sdg-build: update_progress_thresholds(config, method).

    Non-empty user ``progress_thresholds`` replace the defaults wholesale (all of high/med/low
    must then be given, else ``KeyError`` later, as in the original).
    """
    if ("progress_thresholds" in config) & bool(config["progress_thresholds"]):
        progress_thresholds = config["progress_thresholds"]
    elif method == 1:
        progress_thresholds = dict(METHOD_1_THRESHOLDS)
    elif method == 2:
        progress_thresholds = dict(METHOD_2_THRESHOLDS)
    else:
        progress_thresholds = {}
    config.update(progress_thresholds)
    return config


def data_progress_measure(
    columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> list[tuple[Any, float]] | None:
    """sdg-build: data_progress_measure(data). Returns headline ``(year, value)`` pairs or None.

    * If any ``str(Year)`` is longer than 4 characters (e.g. ``"2015-2016"`` or ``2015.0``),
      every Year becomes ``int(str(Year)[:4])``.
    * With more than 2 columns, keep rows whose cells strictly between the first and the last
      column are all NA, then keep the first (Year) and last (Value) columns.
    * Drop rows whose Value is NA; return None if no row is left.
    """
    columns = list(columns)
    rows = [list(r) for r in rows]
    iy = columns.index("Year")
    if any(len(str(r[iy])) > 4 for r in rows):
        for r in rows:
            r[iy] = int(str(r[iy])[0:4])

    if len(columns) > 2:
        rows = [r for r in rows if all(_is_na(c) for c in r[1:-1])]
        columns = [columns[0], columns[-1]]
        rows = [[r[0], r[-1]] for r in rows]
    iy, iv = columns.index("Year"), columns.index("Value")

    series = [(r[iy], r[iv]) for r in rows if not _is_na(r[iv])]
    if len(series) < 1:
        return None
    return [(y, float(v)) for y, v in series]


def growth_calculation(val1: float, val2: float, t1: float, t2: float) -> float:
    """sdg-build: growth_calculation -- ``((val1 / val2) ** (1 / (t1 - t2))) - 1``."""
    return _np_pow(_np_div(val1, val2), 1 / (t1 - t2)) - 1


def _value_at(series: Sequence[tuple[Any, float]], year: float) -> float:
    # data.Value[data.Year == year].values[0]  -> first matching row in data order
    return next(v for y, v in series if y == year)


def methodology_1(
    series: Sequence[tuple[Any, float]],
    config: Mapping[str, Any],
    trace: dict[str, Any] | None = None,
) -> str | None:
    """sdg-build: methodology_1(data, config) -- no target: direction-signed observed CAGR."""
    direction = str(config["direction"])
    t = float(config["current_year"])
    t_0 = float(config["base_year"])

    current_value = _value_at(series, t)
    base_value = _value_at(series, t_0)
    cagr_o = growth_calculation(current_value, base_value, t, t_0)

    # use negative growth value if desired direction of progress is negative
    if direction == "negative":
        cagr_o = -1 * cagr_o

    if trace is not None:
        trace.update(method=1, base_value=base_value, current_value=current_value, cagr_o=cagr_o)
    return get_progress_status(cagr_o, config, trace)


def methodology_2(
    series: Sequence[tuple[Any, float]],
    config: Mapping[str, Any],
    trace: dict[str, Any] | None = None,
) -> str | None:
    """sdg-build: methodology_2(data, config) -- target: achieved check, then CAGR ratio."""
    direction = str(config["direction"])
    t = float(config["current_year"])
    t_0 = float(config["base_year"])
    target = float(config["target"])
    t_tao = float(config["target_year"])

    current_value = _value_at(series, t)
    base_value = _value_at(series, t_0)
    if trace is not None:
        trace.update(method=2, base_value=base_value, current_value=current_value, target=target)

    # check if the target is achieved
    if (direction == "negative" and current_value <= target) or (
        direction == "positive" and current_value >= target
    ):
        return TARGET_ACHIEVED

    cagr_o = growth_calculation(current_value, base_value, t, t_0)  # observed growth
    cagr_r = growth_calculation(target, base_value, t_tao, t_0)  # theoretical (required) growth
    ratio = _np_div(cagr_o, cagr_r)

    if trace is not None:
        trace.update(cagr_o=cagr_o, cagr_r=cagr_r, ratio=ratio)
    return get_progress_status(ratio, config, trace)


def get_progress_status(
    value: float, config: Mapping[str, Any], trace: dict[str, Any] | None = None
) -> str | None:
    """sdg-build: get_progress_status(value, config)."""
    x = float(config["high"])
    y = float(config["med"])
    z = float(config["low"])
    if trace is not None:
        trace.update(value=value, high=x, med=y, low=z)

    if value >= x:
        return ON_TRACK
    elif y <= value < x:
        return PROGRESS_NEEDS_ACCELERATION
    elif z <= value < y:
        return LIMITED_PROGRESS
    elif value < z:
        return DETERIORATION
    else:
        return None


# --------------------------------------------------------------------------- convenience API


def measure_progress(
    observations: Sequence[tuple[Any, float | None]],
    *,
    direction: str = "negative",
    target: float | None = None,
    target_year: float = 2030,
    base_year: float = 2015,
    progress_thresholds: Mapping[str, float] | None = None,
    trace: dict[str, Any] | None = None,
) -> str | None:
    """Status sdg-build would give a headline series of ``(year, value)`` observations.

    Equivalent to an indicator with ``auto_progress_calculation: true`` and one
    ``progress_calculation_options`` entry holding these keyword arguments (whose defaults are
    sdg-build's defaults). ``direction`` is ``"positive"`` (higher is better) or
    ``"negative"`` (lower is better); see :func:`sdg_direction`.
    """
    options = {
        "direction": direction,
        "target": target,
        "target_year": target_year,
        "base_year": base_year,
        "progress_thresholds": dict(progress_thresholds or {}),
    }
    meta = {"auto_progress_calculation": True, "progress_calculation_options": [options]}
    return measure_indicator_progress(meta, ["Year", "Value"], list(observations), trace)
