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
