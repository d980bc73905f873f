"""The projection engine: pure NumPy, arrays in and arrays out.

No I/O and no Python loop over scenarios, indicators or years: every path is
a broadcast cumulative product (compound growth) or sum (additive change),
selected per scenario and indicator by a mode, then held within bounds.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np


class Mode(IntEnum):
    COMPOUND = 0  # value[t+1] = value[t] * (1 + step)
    ADDITIVE = 1  # value[t+1] = value[t] + step
    DIRECT = 2  # value[t+1] = step (a growth rate that is itself the indicator)


def project_paths(
    base_value: np.ndarray,
    growth: np.ndarray,
    mode: np.ndarray,
    start: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
) -> np.ndarray:
    """Yearly paths, S x I x (T + 1), from base values and annual steps.

    Parameters
    ----------
    base_value : (I,) value in each indicator's base year; NaN where unknown.
    growth : (S, I, T) step into each following year (see ``Mode``).
    mode : (S, I) a ``Mode`` per scenario and indicator.
    start : (I,) index on the year axis of each indicator's base year; steps
        before it are ignored and the path is NaN before it.
    lower, upper : (I,) bounds: shares stay in [0, 100], ranks at >= 1.

    Notes
    -----
    For a compound indicator with base value ``v0`` and rates ``g``,
    ``path[t] = v0 * prod(1 + g[start:t])``; for an additive one,
    ``path[t] = v0 + sum(g[start:t])``. Bounds saturate the path: a share
    whose underlying trajectory passes 100 reads 100 while it stays above.
    A compound or additive indicator without a base value has no value to
    grow from, so its whole path is NaN (never zero).

    Examples
    --------
    >>> import numpy as np
    >>> project_paths(np.array([100.0]), np.full((1, 1, 2), 0.1), np.zeros((1, 1), int),
    ...               np.array([0]), np.array([0.0]), np.array([np.inf])).round(6).tolist()
    [[[100.0, 110.0, 121.0]]]
    """
    n_scenarios, n_indicators, n_steps = growth.shape
    step_index = np.arange(n_steps)
    active = step_index[None, None, :] >= start[None, :, None]  # (1, I, T)
    effective = np.where(active, growth, 0.0)

    ones = np.ones((n_scenarios, n_indicators, 1))
    # Overflow surfaces as inf, which callers reject as a scenario error.
    with np.errstate(over="ignore", invalid="ignore"):
        compound = np.concatenate([ones, np.cumprod(1.0 + effective, axis=-1)], axis=-1)
        additive = np.concatenate([0.0 * ones, np.cumsum(effective, axis=-1)], axis=-1)
    direct = np.concatenate([0.0 * ones, growth], axis=-1)

    base = base_value[None, :, None]
    year_index = np.arange(n_steps + 1)
    at_base = year_index[None, None, :] == start[None, :, None]
    with np.errstate(over="ignore", invalid="ignore"):
        grown = np.where(mode[..., None] == Mode.ADDITIVE, base + additive, base * compound)
    paths = np.where(mode[..., None] == Mode.DIRECT, np.where(at_base, base, direct), grown)
    before_base = year_index[None, None, :] < start[None, :, None]
    paths = np.where(before_base, np.nan, paths)
    return np.clip(paths, lower[None, :, None], upper[None, :, None])
