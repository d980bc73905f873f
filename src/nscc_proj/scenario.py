"""Scenario files: growth assumptions written in YAML, validated with pydantic.

A scenario says how each indicator moves every year: compound growth for
levels and shares, an additive change (``{change: x}``) for ranks or where
points per year are the natural unit, and the yearly rate itself for
``growth_rate`` indicators. Rates are fractions or percent strings.
"""

from __future__ import annotations

import math
import re
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, NamedTuple

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    ValidationError,
)

from nscc_proj.catalog import unknown_name_message
from nscc_proj.errors import InputError
from nscc_proj.yaml_source import YamlDocument, read_yaml, validation_error

_PERIOD = re.compile(r"^\s*(\d{4})\s*(?:-\s*(\d{4})\s*)?$")
_GROWTH_TAGS = frozenset({"rate_form", "periods_form", "change_form"})


class Period(NamedTuple):
    """Inclusive span of years, written ``2021-2025`` or ``2022``."""

    start: int
    end: int

    def __str__(self) -> str:
        return str(self.start) if self.start == self.end else f"{self.start}-{self.end}"

    def overlaps(self, other: Period) -> bool:
        return self.start <= other.end and other.start <= self.end


def parse_period(value: object) -> Period:
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


class ChangeSpec(BaseModel):
    """``{change: -0.5}`` or ``{change: {2021-2025: -0.5, 2026-2035: -1}}``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    change: Change | dict[PeriodKey, Change]


def _growth_form(value: Any) -> str:
    if isinstance(value, dict):
        return "change_form" if "change" in value else "periods_form"
    if isinstance(value, ChangeSpec):
        return "change_form"
    return "rate_form"


GrowthSpec = Annotated[
    Annotated[Rate, Tag("rate_form")]
    | Annotated[dict[PeriodKey, Rate], Tag("periods_form")]
    | Annotated[ChangeSpec, Tag("change_form")],
    Discriminator(_growth_form),
]


def _empty_is_none(value: object) -> object:
    """``growth:`` with nothing under it means no growth given, as an empty mapping would."""
    return {} if value is None else value


class Scenario(BaseModel):
    """One growth path: how every indicator moves, year by year."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, pattern=r"^[^\s,]+$")
    description: str = ""
    growth: Annotated[dict[str, GrowthSpec], BeforeValidator(_empty_is_none)] = Field(
        default_factory=dict
    )
    default: Rate = 0.0

    _document: YamlDocument | None = PrivateAttr(default=None)

    def error(self, location: tuple[object, ...], message: str) -> InputError:
        """An error located in this scenario's file when it came from one."""
        if self._document is not None:
            return self._document.error(location, message)
        return InputError(
            message, source=f"scenario {self.name}", field=".".join(map(str, location))
        )


def load_scenario(name_or_path: str | Path, *, search_dir: str | Path | None = None) -> Scenario:
    """Load and validate a scenario by name (see ``resolve_scenario_path``) or path."""
    path = resolve_scenario_path(name_or_path, search_dir=search_dir)
    document = read_yaml(path)
    if not isinstance(document.data, dict):
        raise InputError(
            "a scenario file must be a mapping with name, growth and default",
            source=document.source,
        )
    try:
        scenario = Scenario.model_validate(document.data)
    except ValidationError as exc:
        raise validation_error(document, exc, _GROWTH_TAGS) from None
    scenario._document = document
    return scenario


def shipped_scenario_dir() -> Path:
    return Path(str(resources.files("nscc_proj").joinpath("scenarios")))


def _scenario_dirs(search_dir: str | Path | None) -> list[Path]:
    local = Path(search_dir) if search_dir is not None else Path.cwd()
    return [local / "scenarios", shipped_scenario_dir()]


def available_scenarios(search_dir: str | Path | None = None) -> list[str]:
    """Names resolvable with ``--scenario NAME``, local ones first."""
    names: dict[str, None] = {}
    for folder in _scenario_dirs(search_dir):
        if folder.is_dir():
            names.update(dict.fromkeys(sorted(p.stem for p in folder.glob("*.yaml"))))
    return list(names)


def resolve_scenario_path(
    name_or_path: str | Path, *, search_dir: str | Path | None = None
) -> Path:
    """``scenarios/NAME.yaml`` in the working folder, then the shipped ones; or a path."""
    text = str(name_or_path)
    candidate = Path(text)
    looks_like_path = candidate.suffix in (".yaml", ".yml") or "/" in text or "\\" in text
    if looks_like_path:
        if candidate.is_file():
            return candidate
        raise InputError(f"scenario file not found: {text}")
    for folder in _scenario_dirs(search_dir):
        path = folder / f"{text}.yaml"
        if path.is_file():
            return path
    available = available_scenarios(search_dir)
    listing = f"available: {', '.join(available) or 'none'}"
    message = unknown_name_message("scenario", text, available)
    raise InputError(f"{message} ({listing})")
