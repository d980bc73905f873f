"""The blocks of a scenario file beside its growth: shocks and uncertainty."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, model_validator

_FROZEN = ConfigDict(extra="forbid", frozen=True)


class Shock(BaseModel):
    """A one-off level change in ``year``, optionally undone over ``recover_years``.

    Sizes are fractions or percent strings for indicators that grow
    compoundly (-0.05 or "-5%": five percent below the path) and numbers in
    the indicator's units for indicators that move by ``change``.
    """

    model_config = _FROZEN

    year: int = Field(strict=True)
    name: str = ""
    change: dict[str, StrictFloat | str] = Field(min_length=1)
    recover_years: int | None = Field(default=None, ge=1, le=100, strict=True)


class CorrelationGroup(BaseModel):
    """Indicators whose annual growth shocks move together: ``rho`` between every pair."""

    model_config = _FROZEN

    name: str = ""
    members: list[str] = Field(min_length=2)
    rho: float = Field(ge=-1.0, le=1.0, strict=True)


class CorrelationMatrix(BaseModel):
    """An explicit correlation matrix over ``keys`` (symmetric, ones on the diagonal)."""

    model_config = _FROZEN

    keys: list[str] = Field(min_length=2)
    values: list[list[StrictFloat]]

    @model_validator(mode="after")
    def _square(self) -> CorrelationMatrix:
        size = len(self.keys)
        if len(self.values) != size or any(len(row) != size for row in self.values):
            raise ValueError(f"values must be a {size} x {size} matrix, one row per key")
        return self


class Uncertainty(BaseModel):
    """Volatility of every indicator's annual growth, and how the shocks correlate.

    ``sigma`` maps keys (and ``default``) to the standard deviation of a
    year's shock: a fraction or percent string for compound growth (of the
    log growth factor), the indicator's units for additive change, and
    percentage points for growth-rate indicators.
    """

    model_config = _FROZEN

    # What the volatilities were estimated from, as ``nscc calibrate`` writes it; absent
    # when they are the author's own. Shown by ``simulate`` as where its volatilities come from.
    calibrated: str | None = Field(default=None, min_length=1, max_length=500)
    # Mutable defaults are copied for each model by pydantic; a ``default_factory`` of
    # ``dict`` or ``list`` would cost an inspection of its text signature at import.
    sigma: dict[str, StrictFloat | str] = {}
    groups: list[CorrelationGroup] = []
    matrix: CorrelationMatrix | None = None
    df: float | None = Field(default=None, gt=2.0, strict=True)
