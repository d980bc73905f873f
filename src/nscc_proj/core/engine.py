"""The projection engine: pure NumPy, arrays in and arrays out.

No I/O, and no Python loop over scenarios, series or paths: steps become
increments (log growth factors for compound growth, changes for additive
series), every path is a running sum of its increments (exponentiated for
compound growth), selected per scenario and series by a mode, shifted by
shocks, linked to its driver, anchored on observations, then held within
bounds. The running sum takes one vectorised addition per year (along a
short year axis that beats ``np.cumsum``); the only other loop is over link
depth (a series linked to a linked series waits one round), 1 or 2 in
practice.

``project_paths`` serves any number of scenarios at once and is the
reference. ``plan_batches`` and ``project_batch`` do the same arithmetic for
many variants of one scenario (Monte Carlo paths, sensitivity runs) in
batches of series laid out year-major, (year, series, variant): only
compound series are exponentiated (and, if asked, only in the years read),
each link depth is one pass over its own series, and bounds hold year by
year as a carried push. Tests check the two against each other and against
a plain loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np


class Mode(IntEnum):
    COMPOUND = 0  # value[t+1] = value[t] * (1 + step); a step of -100 % or less leaves 0
    ADDITIVE = 1  # value[t+1] = value[t] + step
    DIRECT = 2  # value[t+1] = step (a growth rate that is itself the indicator)


class Link(IntEnum):
    NONE = 0
    RATIO = 1  # value = ratio (%) / 100 x driver; the steps move the ratio
    PER = 2  # value = count / driver; the steps move the count
    RATE_OF = 3  # value = the driver's growth that year, in %


@dataclass(frozen=True)
class Links:
    """(S, N) link kind and driver index (-1 for none) of every series."""

    kind: np.ndarray
    driver: np.ndarray


def increments(growth: np.ndarray, mode: np.ndarray) -> np.ndarray:
    """Steps (..., N, T) in the space where they add up: log(1 + g) for compound growth.

    A compound path is the exponential of a running sum of log growth
    factors, so one running sum serves every mode, and a log-normal shock
    on a compound step is an added ``sigma * z`` like any other shock.
    ``mode`` is (..., N); a compound rate at or below -100 % becomes -inf,
    so the level falls to zero and stays there.
    """
    compound = mode[..., None] == Mode.COMPOUND
    with np.errstate(divide="ignore", invalid="ignore"):
        # A fall of 100 % or more leaves nothing: the level stays at zero.
        return np.where(compound, np.log1p(np.maximum(growth, -1.0)), growth)


def grow_increments(
    base_value: np.ndarray, increments: np.ndarray, mode: np.ndarray, start: np.ndarray
) -> np.ndarray:
    """Unbounded paths, S x N x (T + 1), from base values and annual increments.

    ``increments`` are the steps as ``increments()`` gives them; ``base_value``
    is (N,) or (S, N); ``start`` (N,) is the index on the year axis of each
    series' base year: steps before it are ignored and the path is NaN
    before it. A compound or additive series without a base value has no
    value to grow from, so its whole path is NaN (never zero); a direct
    series holds its yearly rates whatever its base.

    Notes
    -----
    Compound: ``path[t] = v0 * exp(sum(log(1 + g[start:t])))``; additive:
    ``path[t] = v0 + sum(g[start:t])``; direct: ``path[t] = g[t - 1]``.
    The running sum is one vectorised addition per year: along a year axis
    of a few dozen entries that is about twice as fast as ``np.cumsum``.

    Examples
    --------
    >>> import numpy as np
    >>> mode = np.zeros((1, 1), int)
    >>> steps = increments(np.full((1, 1, 2), 0.1), mode)
    >>> grow_increments(np.array([100.0]), steps, mode, np.array([0])).round(6).tolist()
    [[[100.0, 110.0, 121.0]]]
    """
    n_scenarios, n_series, n_steps = increments.shape
    base = np.broadcast_to(base_value, (n_scenarios, n_series))[..., None]
    mode = np.broadcast_to(mode, (n_scenarios, n_series))
    # Written into one array in place: a Monte Carlo block calls this for every chunk.
    paths = np.empty((n_scenarios, n_series, n_steps + 1))
    paths[..., 0] = 0.0
    # Every row is summed and exponentiated, then rows of other modes are put right:
    # masked ufuncs (``where=``) cost several times a plain pass.
    for year in range(1, n_steps + 1):
        np.add(
            paths[..., year - 1 : year],
            increments[..., year - 1 : year],
            out=paths[..., year : year + 1],
        )
    late = np.flatnonzero(start > 0)  # series whose base year is not the first year
    if late.size:
        counted = np.arange(n_steps)[None, :] >= start[late, None]
        paths[:, late, 1:] = np.cumsum(np.where(counted, increments[:, late], 0.0), axis=-1)
    additive = np.flatnonzero((mode == Mode.ADDITIVE).any(axis=0))
    sums = paths[:, additive]  # a copy, kept from the exponential
    compound = (mode == Mode.COMPOUND)[..., None]
    # Overflow surfaces as inf, which callers reject as a scenario error.
    with np.errstate(over="ignore", invalid="ignore"):
        np.exp(paths, out=paths)
        np.multiply(paths, np.where(compound, base, 1.0), out=paths)
    if additive.size:
        chosen = mode[:, additive, None] == Mode.ADDITIVE
        paths[:, additive] = np.where(chosen, sums + base[:, additive], paths[:, additive])
    direct = np.flatnonzero((mode == Mode.DIRECT).any(axis=0))
    if direct.size:
        # A direct series holds each year's step itself, and its base in its base year.
        chosen = mode[:, direct, None] == Mode.DIRECT
        rates = np.concatenate([base[:, direct], increments[:, direct]], axis=-1)
        at_base = np.arange(n_steps + 1)[None, None, :] == start[None, direct, None]
        rates = np.where(at_base, base[:, direct], rates)
        paths[:, direct] = np.where(chosen, rates, paths[:, direct])
    if late.size:
        before = np.arange(n_steps + 1)[None, :] < start[late, None]
        paths[:, late] = np.where(before, np.nan, paths[:, late])
    return paths


def project_paths(
    base_value: np.ndarray,
    growth: np.ndarray,
    mode: np.ndarray,
    start: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    *,
    shift: np.ndarray | None = None,
    links: Links | None = None,
    observed: np.ndarray | None = None,
) -> np.ndarray:
    """Yearly paths, S x N x (T + 1): grown, shocked, linked, anchored, bounded.

    Parameters
    ----------
    base_value : (N,) value in each series' base year; NaN where unknown.
    growth : (S, N, T) step into each following year (see ``Mode``).
    mode : (S, N) a ``Mode`` per scenario and series. ``mode``, ``shift`` and
        ``links`` may have a scenario axis of 1, shared by every scenario (the
        Monte Carlo engine's variants of one scenario).
    start : (N,) index on the year axis of each series' base year.
    lower, upper : (N,) bounds: shares stay in [0, 100], ranks at >= 1.
        Bounds saturate the path: a share whose trajectory passes 100 reads 100.
    shift : (S, N, T + 1) shock factors (compound series) or offsets (additive).
    links : series defined from others (see ``Link``); drivers are final
        (shocked, anchored, bounded) before the series they drive.
    observed : (N, T + 1) observed values, NaN where none (see ``anchor``).

    Examples
    --------
    >>> import numpy as np
    >>> project_paths(np.array([100.0]), np.full((1, 1, 2), 0.1), np.zeros((1, 1), int),
    ...               np.array([0]), np.array([0.0]), np.array([np.inf])).round(6).tolist()
    [[[100.0, 110.0, 121.0]]]
    """
    return project_increments(
        base_value,
        increments(growth, mode),
        mode,
        start,
        lower,
        upper,
        shift=shift,
        links=links,
        observed=observed,
    )


def project_increments(
    base_value: np.ndarray,
    steps: np.ndarray,
    mode: np.ndarray,
    start: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    *,
    shift: np.ndarray | None = None,
    links: Links | None = None,
    observed: np.ndarray | None = None,
) -> np.ndarray:
    """``project_paths`` from steps already in ``increments()`` form (S, N, T).

    The Monte Carlo engine adds its shocks to these increments and projects
    them directly, without a round trip through growth rates.
    """
    n_scenarios, n_series = steps.shape[:2]
    if links is None:
        links = Links(np.zeros((n_scenarios, n_series), int), np.full((n_scenarios, n_series), -1))
    depth = link_depth(links)
    # NaN marks what cannot be known and overflow surfaces as inf for callers
    # to reject, so NumPy's floating-point warnings carry no news here.
    with np.errstate(all="ignore"):
        # Round 0 computes every series as if unlinked, straight into the result: a
        # linked series' stand-in is replaced in its own round, and no column is copied.
        unlinked = Links(np.zeros_like(links.kind[:1]), np.full_like(links.driver[:1], -1))
        own_base = np.broadcast_to(base_value, (n_scenarios, n_series))
        final = _round(own_base, steps, mode, start, lower, upper, shift, unlinked, observed, None)
        for level in range(1, int(depth.max()) + 1):
            cols = np.flatnonzero((depth == level).any(axis=0))
            mine = Links(links.kind[:, cols], links.driver[:, cols])
            value = _round(
                _own_base(base_value[cols], start[cols], mine, final),
                steps[:, cols],
                mode[:, cols],
                start[cols],
                lower[cols],
                upper[cols],
                None if shift is None else shift[:, cols],
                mine,
                None if observed is None else observed[cols],
                final,
            )
            at_level = depth[:, cols] == level
            final[:, cols] = np.where(at_level[..., None], value, final[:, cols])
    return final


def _round(
    own_base: np.ndarray,
    steps: np.ndarray,
    mode: np.ndarray,
    start: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    shift: np.ndarray | None,
    links: Links,
    observed: np.ndarray | None,
    final: np.ndarray | None,
) -> np.ndarray:
    """Final paths of some series, given the ``final`` paths of their drivers (None: unlinked)."""
    own = grow_increments(own_base, steps, mode, start)
    if shift is not None:
        own = np.where(mode[..., None] == Mode.ADDITIVE, own + shift, own * shift)
    may_leave = _may_leave(own_base, mode, lower, upper, shift is not None)
    own = _bounded_own(own, mode, links, lower, upper, may_leave)
    value = own if final is None else _linked(own, links, final, start)
    if observed is not None:
        _anchor_in_place(value, observed, _anchor_mode(mode, links))
        may_leave |= ~np.isnan(observed).all(axis=-1)  # anchoring rescales a path
    if final is not None:
        may_leave[:] = True  # a linked value is its own ratio or count times its driver
    cols = np.flatnonzero(may_leave)
    part = value if cols.size == value.shape[1] else value[:, cols]
    np.minimum(part, upper[cols, None], out=part)  # in place, and quicker than np.clip
    np.maximum(part, lower[cols, None], out=part)
    if part is not value:
        value[:, cols] = part
    return value


def _may_leave(
    own_base: np.ndarray, mode: np.ndarray, lower: np.ndarray, upper: np.ndarray, shifted: bool
) -> np.ndarray:
    """(N,) series whose own paths may leave their bounds.

    Unshifted compound growth from a base of zero or more never falls below
    a lower bound of zero, so a level growing compoundly needs no checking.
    """
    compound = (mode == Mode.COMPOUND).all(axis=0)
    from_zero_or_more = (np.nan_to_num(own_base) >= 0).all(axis=0)
    stays_above = compound & (lower <= 0) & from_zero_or_more & (not shifted)
    may_leave: np.ndarray = np.isfinite(upper) | (np.isfinite(lower) & ~stays_above)
    return may_leave


def bound_year_by_year(path: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """The path that takes ``path``'s yearly steps but never leaves [lower, upper].

    Equivalent to ``y[t] = clip(y[t-1] + path[t] - path[t-1], lower, upper)``
    (so a share pushed to 100 turns down as soon as its steps do), computed
    without a loop over years as the discrete Skorokhod map: the Lindley
    recursion for the lower bound, then Kruk, Lehoczky, Ramanan and Shreve's
    (2007) map for the upper one. Only rows that press against both bounds
    need the quadratic form of the second step.

    ``path`` is (..., Y), NaN before its start; ``lower`` and ``upper`` broadcast
    to (..., 1).

    >>> import numpy as np
    >>> bound_year_by_year(np.array([[90.0, 110.0, 105.0, 95.0]]), np.array([[0.0]]),
    ...                    np.array([[100.0]])).tolist()
    [[90.0, 100.0, 95.0, 85.0]]
    """
    with np.errstate(invalid="ignore"):
        push_up = np.fmax.accumulate(np.maximum(lower - path, 0.0), axis=-1)
        raised = path + np.nan_to_num(push_up)
        over = np.nan_to_num(np.maximum(raised - upper, 0.0))
    push_down = np.maximum.accumulate(over, axis=-1)
    both = np.broadcast_to(np.isfinite(lower), over.shape)[..., 0] & (over > 0).any(axis=-1)
    if both.any():
        push_down = push_down.copy()
        room = np.where(np.isnan(raised), np.inf, raised - lower)[both]  # (k, Y)
        years = room.shape[-1]
        later = np.arange(years)[None, :] >= np.arange(years)[:, None]  # [s, t]: t >= s
        lowest = np.minimum.accumulate(np.where(later, room[:, None, :], np.inf), axis=-1)
        capped = np.where(later, np.minimum(over[both][:, :, None], lowest), -np.inf)
        push_down[both] = capped.max(axis=1)
    bounded: np.ndarray = raised - push_down
    return bounded


def _bounded_own(
    own: np.ndarray,
    mode: np.ndarray,
    links: Links,
    lower: np.ndarray,
    upper: np.ndarray,
    may_leave: np.ndarray,
) -> np.ndarray:
    """Own paths of unlinked series bounded year by year (in logs for compound growth).

    Bounds ``own`` in place; only the series that ``may_leave`` are looked at.
    """
    cols = np.flatnonzero(may_leave & (links.kind == Link.NONE).any(axis=0))
    if cols.size == 0:
        return own
    part = own[:, cols]
    low, high = lower[None, cols, None], upper[None, cols, None]
    with np.errstate(invalid="ignore"):
        outside = ((part < low) | (part > high)).any(axis=-1, keepdims=True)
    # Rows that never leave their bounds keep their exact values (no log round trip).
    affected = (links.kind[:, cols] == Link.NONE)[..., None] & outside
    if not affected.any():
        return own
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        in_logs = np.exp(bound_year_by_year(np.log(part), np.log(low), np.log(high)))
        additive = bound_year_by_year(part, low, high)
    part_mode = mode[:, cols, None]
    bounded = np.select(
        [part_mode == Mode.COMPOUND, part_mode == Mode.ADDITIVE],
        [in_logs, additive],
        np.clip(part, low, high),
    )
    own[:, cols] = np.where(affected, bounded, part)
    return own


def link_depth(links: Links) -> np.ndarray:
    """(S, N) rounds before a series can be computed: 0 unlinked, 1 + its driver's."""
    depth = np.where(links.kind == Link.NONE, 0, 1)
    rows = np.arange(links.kind.shape[0])[:, None]
    for _ in range(links.kind.shape[1]):  # bounded: acyclic chains are shorter than N
        driver_depth = np.where(links.driver >= 0, depth[rows, np.maximum(links.driver, 0)], -1)
        updated = np.where(links.kind == Link.NONE, 0, driver_depth + 1)
        if np.array_equal(updated, depth):
            break
        depth = updated
    return depth


def _driver_paths(links: Links, final: np.ndarray) -> np.ndarray:
    rows = np.arange(final.shape[0])[:, None]
    paths: np.ndarray = final[rows, np.maximum(links.driver, 0)]  # (S, N, Y); junk where no link
    return paths


def _own_base(
    base_value: np.ndarray, start: np.ndarray, links: Links, final: np.ndarray
) -> np.ndarray:
    """(S, N) what each series' own path grows from: its value, ratio (%) or count."""
    driver = _driver_paths(links, final)
    at_start = np.take_along_axis(
        driver, np.broadcast_to(start[None, :, None], (*driver.shape[:2], 1)), -1
    )[..., 0]
    base = np.broadcast_to(base_value, at_start.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.select(
            [links.kind == Link.RATIO, links.kind == Link.PER],
            [100.0 * base / at_start, base * at_start],
            base,
        )


def _linked(own: np.ndarray, links: Links, final: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Values of linked series from their own paths and their drivers' final paths.

    Each formula is computed on the series of its kind only.
    """
    value = own.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        for kind in (Link.RATIO, Link.PER, Link.RATE_OF):
            of_kind = links.kind == kind  # (S, C)
            cols = np.flatnonzero(of_kind.any(axis=0))
            if cols.size == 0:
                continue
            mine = Links(links.kind[:, cols], links.driver[:, cols])
            driver, kept = _driver_paths(mine, final), own[:, cols]
            if kind == Link.RATIO:
                linked = kept / 100.0 * driver
            elif kind == Link.PER:
                linked = kept / driver
            else:
                linked = _rate_of(driver, kept, start[cols])
            value[:, cols] = np.where(of_kind[:, cols, None], linked, value[:, cols])
    return value


def _rate_of(driver: np.ndarray, own: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Each year's growth of ``driver`` in %; ``own`` in the base year, NaN before it."""
    rate = np.full(driver.shape, np.nan)
    rate[..., 1:] = 100.0 * (driver[..., 1:] / driver[..., :-1] - 1.0)
    year_index = np.arange(own.shape[-1])[None, None, :]
    at_start = year_index == start[None, :, None]
    return np.where(at_start, own, np.where(year_index < start[None, :, None], np.nan, rate))


class Anchor(IntEnum):
    MULTIPLY = 0  # levels: interpolate geometrically, carry the ratio forward
    ADD = 1  # additive series: interpolate linearly, carry the difference forward
    REPLACE = 2  # growth rates: observed years replace the model's, nothing carried


def _anchor_mode(mode: np.ndarray, links: Links) -> np.ndarray:
    return np.select(
        [
            links.kind == Link.RATE_OF,
            links.kind != Link.NONE,
            mode == Mode.ADDITIVE,
            mode == Mode.DIRECT,
        ],
        [Anchor.REPLACE, Anchor.MULTIPLY, Anchor.ADD, Anchor.REPLACE],
        Anchor.MULTIPLY,
    )


def anchor(paths: np.ndarray, observed: np.ndarray, how: np.ndarray) -> np.ndarray:
    """Paths that pass through every observation and grow on from the latest.

    Up to a series' latest observation the path is interpolated between its
    anchors (the model's first value and each observation); after it, the
    model path is moved to start from the latest observation (scaled for
    levels, offset for additive series), so the scenario's growth applies
    from what was last observed.

    >>> import numpy as np
    >>> obs = np.array([[np.nan, np.nan, 144.0, np.nan]])
    >>> model = np.array([[[100.0, 110.0, 121.0, 133.1]]])
    >>> anchor(model, obs, np.zeros((1, 1), int)).round(6).tolist()
    [[[100.0, 120.0, 144.0, 158.4]]]
    """
    anchored = paths.copy()
    _anchor_in_place(anchored, observed, how)
    return anchored


def _anchor_in_place(paths: np.ndarray, observed: np.ndarray, how: np.ndarray) -> None:
    """``anchor``, writing into ``paths``: only the observed series change."""
    seen = ~np.isnan(observed)  # (N, Y)
    rows = np.flatnonzero(seen.any(-1))
    if rows.size:
        paths[:, rows] = _anchor_rows(paths[:, rows], observed[rows], seen[rows], how[:, rows])


def _anchor_rows(
    paths: np.ndarray, observed: np.ndarray, seen: np.ndarray, how: np.ndarray
) -> np.ndarray:
    """``anchor`` for series with at least one observation.

    The stretch up to the latest observation interpolates between the path's
    first value (its base, the same on every path) and the observations, so
    it is computed once, on the first path, and broadcast; after it, each
    path is scaled (or offset) once.
    """
    n_rows, n_years = paths.shape[1:]
    year_index = np.arange(n_years)
    last = (seen * year_index).max(-1)  # (N,)
    first = paths[:1]
    first_model = np.argmax(~np.isnan(first), axis=-1)  # (1, N)
    is_anchor = seen[None] | (year_index == first_model[..., None])
    anchor_value = np.where(seen[None], observed[None], first)
    previous = np.maximum.accumulate(np.where(is_anchor, year_index, -1), axis=-1)
    following = np.flip(
        np.minimum.accumulate(np.flip(np.where(is_anchor, year_index, 10**9), -1), -1), -1
    )
    following = np.minimum(following, n_years - 1)
    at_previous = np.take_along_axis(anchor_value, np.maximum(previous, 0), -1)
    at_following = np.take_along_axis(anchor_value, following, -1)
    weight = (year_index - previous) / np.maximum(following - previous, 1)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        geometric = at_previous * (at_following / at_previous) ** weight
        linear = at_previous + (at_following - at_previous) * weight
        interpolated = np.where(how[..., None] == Anchor.MULTIPLY, geometric, linear)
        interpolated = np.where(is_anchor, anchor_value, interpolated)
        interpolated = np.where(previous < 0, first, interpolated)  # before the first value
        # After the latest observation: the model path scaled (levels) or offset (additive).
        model_at_last = paths[:, np.arange(n_rows), last][..., None]  # (P, N, 1)
        observed_last = observed[np.arange(n_rows), last][None, :, None]
        additive = (how == Anchor.ADD)[..., None]
        anchored = paths * np.where(additive, 1.0, observed_last / model_at_last)
        anchored += np.where(additive, observed_last - model_at_last, 0.0)
    interpolated = np.broadcast_to(interpolated, anchored.shape)
    for row, end in enumerate(last + 1):
        anchored[:, row, :end] = interpolated[:, row, :end]
    replaced = np.flatnonzero((how == Anchor.REPLACE).any(axis=0))
    if replaced.size:
        # Growth rates: observed years replace the model's, nothing is carried.
        kept = np.where(seen[replaced], observed[replaced], paths[:, replaced])
        chosen = how[:, replaced, None] == Anchor.REPLACE
        anchored[:, replaced] = np.where(chosen, kept, anchored[:, replaced])
    return anchored


# --- Variants of one scenario, year-major ---------------------------------------------------
#
# The Monte Carlo engine (and sensitivity runs) project thousands of variants of one scenario:
# every series keeps its mode, links, bounds and observations, and only the steps differ. They
# are computed in batches of series, each laid out year-major as (year, series, variant): a
# year's running sum, bound or link is one operation on a contiguous slab, each mode is a
# contiguous range of series (only compound series are exponentiated), every link depth is one
# pass over the series at that depth, and a batch's arrays stay small enough for the cache.


@dataclass(frozen=True)
class Level:
    """The series of one link depth in a batch: contiguous ranges of positions.

    Compound rows come first, then additive, then direct ones; within the
    compound and additive ranges, the rows bounded year by year come first,
    and compound rows needed every year before those needed in a few.
    """

    begin: int
    compound_end: int
    additive_end: int
    end: int
    bounded_compound: int  # rows begin .. begin + this are bounded year by year
    bounded_additive: int  # rows compound_end .. compound_end + this are too
    full_compound: int  # compound rows begin .. begin + this are needed every year
    partial_years: np.ndarray  # the years needed of the other compound rows
    anchored: np.ndarray  # positions of the rows with observations
    how: np.ndarray  # their ``Anchor``
    clipped: np.ndarray  # positions clipped to their bounds at the end


@dataclass(frozen=True)
class Batch:
    """Series projected together, in computing order: drivers before the series they drive.

    Arrays follow that order; ``levels`` are its ranges by link depth.
    """

    series: np.ndarray  # (n,) indices on the full series axis
    mode: np.ndarray  # (n,) Mode
    kind: np.ndarray  # (n,) Link
    driver: np.ndarray  # (n,) position of the driver in this batch; -1 for none
    start: np.ndarray  # (n,) index on the year axis of the base year
    base: np.ndarray  # (n,) base value, NaN where unknown
    lower: np.ndarray  # (n,)
    upper: np.ndarray  # (n,)
    observed: np.ndarray | None  # (Y, n) observed values, NaN where none; None: none at all
    levels: tuple[Level, ...]

    @property
    def size(self) -> int:
        return int(self.series.size)


def plan_batches(
    base_value: np.ndarray,
    mode: np.ndarray,
    start: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    links: Links,
    observed: np.ndarray | None = None,
    *,
    shifted: bool = False,
    ties: tuple[np.ndarray, ...] = (),
    max_series: int | None = None,
    rank: np.ndarray | None = None,
    needed: np.ndarray | None = None,
) -> tuple[Batch, ...]:
    """Batches of one scenario's series (arrays as in ``project_paths``, without a scenario axis).

    A series shares its batch with its driver and with every series ``ties``
    (index arrays, e.g. correlated shocks) binds it to; whole components are
    packed, in order of their first series, into batches of at most
    ``max_series`` series (a larger component is a batch of its own; None:
    one batch). ``shifted`` says whether the scenario has shock factors.
    Within a batch, series are ordered by link depth, mode, whether they are
    bounded year by year, then ``rank`` (if given) and index. The batches
    depend on nothing but these arguments.

    ``needed`` (N, Y) marks the years at which a caller reads each series
    (None: every year). Only those years, and those the series' dependants
    read, are exponentiated for compound series: the values of other years
    are left meaningless. Series bounded year by year or anchored are always
    computed in full.
    """
    n_series = mode.size
    kind, driver = links.kind.reshape(-1), links.driver.reshape(-1)
    parent = list(range(n_series))

    def root(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    def join(a: int, b: int) -> None:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for linked in np.flatnonzero(driver >= 0).tolist():
        join(linked, int(driver[linked]))
    for tie in ties:
        for member in tie[1:].tolist():
            join(int(tie[0]), member)
    components: dict[int, list[int]] = {}
    for n in range(n_series):
        components.setdefault(root(n), []).append(n)
    limit = n_series if max_series is None else max(1, max_series)
    packed: list[list[int]] = []
    for members in components.values():  # in order of their first series
        if packed and len(packed[-1]) + len(members) <= limit:
            packed[-1].extend(members)
        else:
            packed.append(list(members))
    depth = link_depth(Links(kind[None], driver[None]))[0]
    base = np.asarray(base_value, dtype=float)
    from_zero_or_more = np.nan_to_num(base) >= 0
    stays_above = (mode == Mode.COMPOUND) & (lower <= 0) & from_zero_or_more & (not shifted)
    may_leave = np.isfinite(upper) | (np.isfinite(lower) & ~stays_above)
    bounded = may_leave & (depth == 0) & (mode != Mode.DIRECT)
    seen = np.zeros(n_series, bool) if observed is None else ~np.isnan(observed).all(axis=-1)
    how = _anchor_mode(mode, Links(kind, driver))
    order_rank = np.zeros(n_series) if rank is None else rank
    if needed is not None:
        needed = _needed(needed, kind, driver, start, depth, bounded | seen)
    full = np.ones(n_series, bool)
    if needed is not None:
        full = np.asarray(needed.all(axis=-1))
    return tuple(
        _batch(
            np.array(members),
            base,
            mode,
            kind,
            driver,
            start,
            lower,
            upper,
            observed,
            depth,
            bounded,
            may_leave,
            seen,
            how,
            order_rank,
            full,
            needed,
        )
        for members in packed
    )


def _needed(
    needed: np.ndarray,
    kind: np.ndarray,
    driver: np.ndarray,
    start: np.ndarray,
    depth: np.ndarray,
    whole: np.ndarray,
) -> np.ndarray:
    """(N, Y) years each series must be computed at: read by the caller or by its dependants.

    ``whole`` series are needed every year; a linked series reads its driver
    in its own base year and in the years it is needed (a growth rate, also
    the year before).
    """
    needed = needed.copy()
    needed[whole] = True
    for level in range(int(depth.max()), 0, -1):
        for n in np.flatnonzero(depth == level):
            d = driver[n]
            needed[d] |= needed[n]
            needed[d, start[n]] = True
            if kind[n] == Link.RATE_OF:
                needed[d, :-1] |= needed[n, 1:]
    return needed


def _batch(
    members: np.ndarray,
    base: np.ndarray,
    mode: np.ndarray,
    kind: np.ndarray,
    driver: np.ndarray,
    start: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    observed: np.ndarray | None,
    depth: np.ndarray,
    bounded: np.ndarray,
    may_leave: np.ndarray,
    seen: np.ndarray,
    how: np.ndarray,
    rank: np.ndarray,
    full: np.ndarray,
    needed: np.ndarray | None,
) -> Batch:
    keys = [members, rank[members], ~full[members], ~bounded[members], mode[members]]
    index = members[np.lexsort([*keys, depth[members]])]
    position = np.full(mode.size, -1)
    position[index] = np.arange(index.size)
    levels = []
    for level in range(int(depth[index].max()) + 1):
        at = np.flatnonzero(depth[index] == level)
        begin, end = int(at[0]), int(at[-1]) + 1
        mine = index[begin:end]
        modes = mode[mine]
        compound_end = begin + int((modes == Mode.COMPOUND).sum())
        additive_end = compound_end + int((modes == Mode.ADDITIVE).sum())
        anchored = np.flatnonzero(seen[mine])
        # Clipped at the end: what may leave its bounds, unless bounded year by year and
        # not moved since (anchoring rescales a path); a linked value always.
        clip = (may_leave[mine] & ~bounded[mine]) | seen[mine] | (level > 0)
        levels.append(
            Level(
                begin=begin,
                compound_end=compound_end,
                additive_end=additive_end,
                end=end,
                bounded_compound=int(bounded[mine][modes == Mode.COMPOUND].sum()),
                bounded_additive=int(bounded[mine][modes == Mode.ADDITIVE].sum()),
                full_compound=int(full[mine][modes == Mode.COMPOUND].sum()),
                partial_years=(
                    np.zeros(0, int)
                    if needed is None
                    else np.flatnonzero(
                        needed[mine[(modes == Mode.COMPOUND) & ~full[mine]]].any(axis=0)
                    )
                ),
                anchored=begin + anchored,
                how=how[mine][anchored],
                clipped=begin + np.flatnonzero(clip),
            )
        )
    observed_here = None
    if observed is not None and seen[index].any():
        observed_here = np.ascontiguousarray(observed[index].T)
    return Batch(
        series=index,
        mode=mode[index],
        kind=kind[index],
        driver=np.where(driver[index] >= 0, position[np.maximum(driver[index], 0)], -1),
        start=start[index],
        base=base[index],
        lower=lower[index],
        upper=upper[index],
        observed=observed_here,
        levels=tuple(levels),
    )


def project_batch(
    batch: Batch,
    steps: np.ndarray,
    shift: np.ndarray | None = None,
    *,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Paths (Y, n, K) of a batch's series under K variants of their steps (T, n, K).

    ``steps`` are in ``increments()`` form, in the batch's order; they are
    used as scratch (overwritten). ``shift`` (Y, n) holds the scenario's
    shock factors (offsets for additive series), or is None if it has none
    (``plan_batches`` was told which). ``out`` receives the paths if given.
    The arithmetic is ``project_increments``'s for one scenario (tested
    equal), year-major.
    """
    n_steps, n, variants = steps.shape
    paths = np.empty((n_steps + 1, n, variants)) if out is None else out
    with np.errstate(all="ignore"):
        for depth, level in enumerate(batch.levels):
            _project_level(batch, depth, level, steps, paths, shift)
    return paths


def _project_level(
    batch: Batch,
    depth: int,
    level: Level,
    steps: np.ndarray,
    paths: np.ndarray,
    shift: np.ndarray | None,
) -> None:
    """Final paths of one link depth's series, written into ``paths``."""
    begin, c_end, a_end, end = level.begin, level.compound_end, level.additive_end, level.end
    n_steps = steps.shape[0]
    rows = slice(begin, end)
    start, kind, mode = batch.start[rows], batch.kind[rows], batch.mode[rows]
    base = batch.base[rows]
    own_base: np.ndarray = base[:, None]  # (n, 1), or (n, K) for linked series
    if depth > 0:
        at_start = paths[start, batch.driver[rows], :]  # the driver's value in the base year
        own_base = np.where(
            (kind == Link.RATIO)[:, None],
            100.0 * base[:, None] / at_start,
            np.where((kind == Link.PER)[:, None], base[:, None] * at_start, base[:, None]),
        )
    late = np.flatnonzero(start > 0)
    for row in late:  # steps before a series' base year do not count
        steps[: start[row], begin + row] = 0.0
    if a_end > begin:  # running sums of compound and additive steps
        summed = slice(begin, a_end)
        paths[0, summed] = 0.0
        for t in range(n_steps):
            np.add(paths[t, summed], steps[t, summed], out=paths[t + 1, summed])
    # Only compound series are exponentiated, and only in the years needed of them.
    full_end = begin + level.full_compound
    if full_end > begin:
        part = paths[:, begin:full_end]
        np.exp(part, out=part)
        part *= own_base[: full_end - begin][None]
    if c_end > full_end and level.partial_years.size:
        years = level.partial_years
        part = np.exp(paths[years, full_end:c_end])
        part *= own_base[full_end - begin : c_end - begin][None]
        paths[years, full_end:c_end] = part
    if a_end > c_end:
        paths[:, c_end:a_end] += own_base[c_end - begin : a_end - begin][None]
    if end > a_end:  # a direct series holds each year's step, and its base in its base year
        paths[1:, a_end:end] = steps[:, a_end:end]
        direct = slice(a_end - begin, end - begin)
        paths[start[direct], np.arange(a_end, end)] = np.broadcast_to(
            own_base[direct], (end - a_end, steps.shape[2])
        )
    for row in late:
        paths[: start[row], begin + row] = np.nan
    if shift is not None:
        identity = np.where(mode == Mode.ADDITIVE, 0.0, 1.0)
        for row in np.flatnonzero((shift[:, rows] != identity).any(axis=0)):
            if mode[row] == Mode.ADDITIVE:
                paths[:, begin + row] += shift[:, begin + row, None]
            else:
                paths[:, begin + row] *= shift[:, begin + row, None]
    if level.bounded_compound:
        _bound_range(paths, batch, begin, begin + level.bounded_compound, compound=True)
    if level.bounded_additive:
        _bound_range(paths, batch, c_end, c_end + level.bounded_additive, compound=False)
    if depth > 0:
        _link_rows(paths, begin, end, batch)
    if level.anchored.size:
        assert batch.observed is not None
        cols = level.anchored
        paths[:, cols] = _anchor_year_major(paths[:, cols], batch.observed[:, cols], level.how)
    cols = level.clipped
    if cols.size == end - begin:
        part = paths[:, rows]
        np.minimum(part, batch.upper[rows][None, :, None], out=part)
        np.maximum(part, batch.lower[rows][None, :, None], out=part)
    elif cols.size:
        held = paths[:, cols]
        np.minimum(held, batch.upper[cols][None, :, None], out=held)
        np.maximum(held, batch.lower[cols][None, :, None], out=held)
        paths[:, cols] = held


def _bound_range(paths: np.ndarray, batch: Batch, begin: int, end: int, *, compound: bool) -> None:
    """Bound rows ``begin:end`` (unlinked) year by year, in place: the clipping recursion.

    ``y[t] = clip(y[t - 1] + x[t] - x[t - 1])`` (for compound rows, in logs:
    ``y[t] = clip(y[t - 1] * x[t] / x[t - 1])``) from ``y = clip(x)`` in the
    base year, carried as the push ``y - x`` (or ratio ``y / x``), so a path
    that never reaches a bound keeps its exact values.
    """
    low = batch.lower[begin:end, None]
    high = batch.upper[begin:end, None]
    start = batch.start[begin:end]
    late = np.flatnonzero(start > 0)
    neutral = 1.0 if compound else 0.0
    push = np.full((end - begin, paths.shape[2]), neutral)
    moved = np.empty_like(push)
    for t in range(paths.shape[0]):
        now = paths[t, begin:end]
        for row in late[start[late] == t]:
            push[row] = neutral  # the base year starts afresh
        if compound:
            np.multiply(now, push, out=moved)
        else:
            np.add(now, push, out=moved)
        np.maximum(moved, low, out=moved)
        np.minimum(moved, high, out=moved)
        if compound:
            np.divide(moved, now, out=push)
            push[now == 0] = 1.0  # a level at zero stays there
        else:
            np.subtract(moved, now, out=push)
        now[...] = moved


def _link_rows(paths: np.ndarray, begin: int, end: int, batch: Batch) -> None:
    """Values of linked series from their own paths (in ``paths``) and their drivers'."""
    kind, driver, start = batch.kind[begin:end], batch.driver[begin:end], batch.start[begin:end]
    for which in (Link.RATIO, Link.PER, Link.RATE_OF):
        rows = np.flatnonzero(kind == which)
        if rows.size == 0:
            continue
        cols = begin + rows
        drive = paths[:, driver[rows]]  # (Y, r, K)
        if which == Link.RATIO:
            paths[:, cols] = paths[:, cols] / 100.0 * drive
        elif which == Link.PER:
            paths[:, cols] = paths[:, cols] / drive
        else:
            rate = np.full(drive.shape, np.nan)
            rate[1:] = 100.0 * (drive[1:] / drive[:-1] - 1.0)
            year = np.arange(drive.shape[0])[:, None]
            own = paths[:, cols]
            at_start = (year == start[rows][None])[..., None]
            before = (year < start[rows][None])[..., None]
            paths[:, cols] = np.where(at_start, own, np.where(before, np.nan, rate))


def _anchor_year_major(values: np.ndarray, observed: np.ndarray, how: np.ndarray) -> np.ndarray:
    """``anchor`` for paths (Y, r, K) of r series with observations (Y, r); ``how`` is (r,).

    The stretch up to each series' latest observation interpolates between the
    first variant's first value (its base, the same in every variant) and the
    observations; after it, each variant is scaled (or offset) once.
    """
    n_years, n_rows = observed.shape
    year = np.arange(n_years)[:, None]
    seen = ~np.isnan(observed)
    last = (seen * year).max(axis=0)  # (r,)
    first = values[:, :, 0]  # (Y, r)
    first_model = np.argmax(~np.isnan(first), axis=0)
    is_anchor = seen | (year == first_model[None])
    anchor_value = np.where(seen, observed, first)
    previous = np.maximum.accumulate(np.where(is_anchor, year, -1), axis=0)
    following = np.flip(
        np.minimum.accumulate(np.flip(np.where(is_anchor, year, 10**9), 0), axis=0), 0
    )
    following = np.minimum(following, n_years - 1)
    at_previous = np.take_along_axis(anchor_value, np.maximum(previous, 0), 0)
    at_following = np.take_along_axis(anchor_value, following, 0)
    weight = (year - previous) / np.maximum(following - previous, 1)
    geometric = at_previous * (at_following / at_previous) ** weight
    linear = at_previous + (at_following - at_previous) * weight
    interpolated = np.where(how[None] == Anchor.MULTIPLY, geometric, linear)
    interpolated = np.where(is_anchor, anchor_value, interpolated)
    interpolated = np.where(previous < 0, first, interpolated)
    rows = np.arange(n_rows)
    model_at_last = values[last, rows, :]  # (r, K)
    observed_last = observed[last, rows][:, None]
    additive = (how == Anchor.ADD)[:, None]
    anchored = values * np.where(additive, 1.0, observed_last / model_at_last)[None]
    anchored += np.where(additive, observed_last - model_at_last, 0.0)[None]
    upto = (year <= last[None])[..., None]
    anchored = np.where(upto, interpolated[..., None], anchored)
    replaced = np.flatnonzero(how == Anchor.REPLACE)
    if replaced.size:
        # Growth rates: observed years replace the model's, nothing is carried.
        kept = np.where(seen[:, replaced, None], observed[:, replaced, None], values[:, replaced])
        anchored[:, replaced] = kept
    return anchored
