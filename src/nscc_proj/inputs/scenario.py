"""Scenario files: growth assumptions written in YAML, validated with pydantic.

A scenario says how each indicator moves every year: compound growth for
levels and shares, an additive change (``{change: x}``) for ranks or where
points per year are the natural unit, the yearly rate itself for
``growth_rate`` indicators, real growth plus a deflator, or a link to another
indicator (a ratio to GDP, a count per resident, the growth rate of a level).
A scenario may extend another and add one-off shocks.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

from nscc_proj.errors import InputError
from nscc_proj.inputs.catalog import unknown_name_message
from nscc_proj.inputs.quantities import Change, PeriodKey, Rate, distinct_periods
from nscc_proj.inputs.scenario_blocks import Shock, Uncertainty
from nscc_proj.inputs.yaml_source import YamlDocument, read_yaml, validation_error

_FROZEN = ConfigDict(extra="forbid", frozen=True)
RatePeriods = Annotated[dict[PeriodKey, Rate], BeforeValidator(distinct_periods)]
ChangePeriods = Annotated[dict[PeriodKey, Change], BeforeValidator(distinct_periods)]


def _named_keys_only(model: str, example: str) -> Any:
    """Reject periods written beside a form's keyword, with the fix in the message."""

    def check(value: Any) -> Any:
        if isinstance(value, dict) and any(
            not isinstance(key, str) or key[:1].isdigit() for key in value
        ):
            raise ValueError(f"periods go inside {model}, e.g. {example}")
        return value

    return check


class ChangeSpec(BaseModel):
    """``{change: -0.5}`` or ``{change: {2021-2025: -0.5, 2026-2035: -1}}``."""

    model_config = _FROZEN

    change: Change | ChangePeriods

    _periods_inside = model_validator(mode="before")(
        _named_keys_only("change", "{change: {2021-2025: 0.5}}")
    )


RatePath = Rate | RatePeriods


def _plain_form(value: Any) -> str:
    if isinstance(value, ChangeSpec) or (isinstance(value, dict) and "change" in value):
        return "change_form"
    return "periods_form" if isinstance(value, dict) else "rate_form"


PlainGrowth = Annotated[
    Annotated[Rate, Tag("rate_form")]
    | Annotated[RatePeriods, Tag("periods_form")]
    | Annotated[ChangeSpec, Tag("change_form")],
    Discriminator(_plain_form),
]


class RealSpec(BaseModel):
    """``{real: 0.05}``: real growth; nominal = (1 + real)(1 + deflator) - 1."""

    model_config = _FROZEN

    real: RatePath

    _periods_inside = model_validator(mode="before")(
        _named_keys_only("real", "{real: {2026-2035: 0.045}}")
    )


class RatioLinkSpec(BaseModel):
    """``{ratio_to: gdp}`` or ``{share_of: gdp}``: value = ratio x driver.

    ``ratio`` moves the ratio (in %, so ``change`` is in percentage points);
    without it the ratio holds where it starts.
    """

    model_config = _FROZEN

    ratio_to: str | None = None
    share_of: str | None = None
    ratio: PlainGrowth = 0.0

    @model_validator(mode="after")
    def _one_driver(self) -> RatioLinkSpec:
        if (self.ratio_to is None) == (self.share_of is None):
            raise ValueError("give exactly one of ratio_to or share_of")
        return self

    @property
    def driver(self) -> str:
        return self.ratio_to or self.share_of or ""


class PerLinkSpec(BaseModel):
    """``{per: population, count: 0.05}``: value = count / driver; ``count`` grows."""

    model_config = _FROZEN

    per: str
    count: PlainGrowth = 0.0

    @property
    def driver(self) -> str:
        return self.per


class RateOfSpec(BaseModel):
    """``{rate_of: urban_income}``: a growth-rate indicator read off a projected level."""

    model_config = _FROZEN

    rate_of: str

    @property
    def driver(self) -> str:
        return self.rate_of


LinkSpec = RatioLinkSpec | PerLinkSpec | RateOfSpec
_FORM_KEYS = (
    ("change", "change_form"),
    ("real", "real_form"),
    ("ratio_to", "ratio_form"),
    ("share_of", "ratio_form"),
    ("per", "per_form"),
    ("rate_of", "rate_of_form"),
)


_MODEL_FORMS: dict[type[BaseModel], str] = {}  # filled below, once the spec models exist


def _growth_form(value: Any) -> str:
    if isinstance(value, dict):
        return next((form for key, form in _FORM_KEYS if key in value), "periods_form")
    return _MODEL_FORMS.get(type(value), "rate_form")


GrowthSpec = Annotated[
    Annotated[Rate, Tag("rate_form")]
    | Annotated[RatePeriods, Tag("periods_form")]
    | Annotated[ChangeSpec, Tag("change_form")]
    | Annotated[RealSpec, Tag("real_form")]
    | Annotated[RatioLinkSpec, Tag("ratio_form")]
    | Annotated[PerLinkSpec, Tag("per_form")]
    | Annotated[RateOfSpec, Tag("rate_of_form")],
    Discriminator(_growth_form),
]
_MODEL_FORMS.update(
    {
        ChangeSpec: "change_form",
        RealSpec: "real_form",
        RatioLinkSpec: "ratio_form",
        PerLinkSpec: "per_form",
        RateOfSpec: "rate_of_form",
    }
)
_GROWTH_TAGS = frozenset(
    {
        "rate_form",
        "periods_form",
        "change_form",
        "real_form",
        "ratio_form",
        "per_form",
        "rate_of_form",
    }
)


def _empty_is_none(value: object) -> object:
    """``growth:`` with nothing under it means no growth given, as an empty mapping would."""
    return {} if value is None else value


# A scenario's name: one word, as --scenario and the CSV's scenario column take it.
_NAME = re.compile(r"[^\s,]+")


class Scenario(BaseModel):
    """One growth path: how every indicator moves, year by year.

    With ``extends``, keys given here replace the parent's, except
    ``growth``, whose indicators are layered over the parent's one by one
    (see ``rates.compile_scenarios``).
    """

    model_config = _FROZEN

    name: str = Field(min_length=1)
    description: str = ""
    # The description in Chinese, for Chinese reports (``description`` otherwise).
    description_zh: str = ""
    extends: str | None = None
    deflator: RatePath | None = None
    # Pydantic copies a mutable default for each model; ``default_factory=dict`` would cost
    # an inspection of ``dict``'s text signature (a tokenizer's regexes) at import.
    growth: Annotated[dict[str, GrowthSpec], BeforeValidator(_empty_is_none)] = {}
    shocks: list[Shock] | None = None
    uncertainty: Uncertainty | None = None
    default: Rate = 0.0

    _document: YamlDocument | None = PrivateAttr(default=None)
    _parent: Scenario | None = PrivateAttr(default=None)
    _path: Path | None = PrivateAttr(default=None)

    @field_validator("name")
    @classmethod
    def _one_word(cls, name: str) -> str:
        if not _NAME.fullmatch(name):
            raise ValueError(f"a name is one word, without spaces or commas, got {name!r}")
        return name

    @property
    def parent(self) -> Scenario | None:
        return self._parent

    def chain(self) -> list[Scenario]:
        """This scenario and its ancestors, root first."""
        chain: list[Scenario] = []
        node: Scenario | None = self
        while node is not None:
            chain.insert(0, node)
            node = node.parent
        return chain

    def inherited(self, field: str) -> Any:
        """The nearest value of ``field`` set explicitly along the chain, else its default."""
        for node in reversed(self.chain()):
            if field in node.model_fields_set:
                return getattr(node, field)
        return getattr(self, field)

    def error(self, location: tuple[object, ...], message: str) -> InputError:
        """An error located in this scenario's file when it came from one."""
        if self._document is not None:
            return self._document.error(location, message)
        return InputError(
            message, source=f"scenario {self.name}", field=".".join(map(str, location))
        )

    def written(self, location: tuple[object, ...]) -> object:
        """A value as the file wrote it ("60%" rather than 0.6); None without a file."""
        node: object = None if self._document is None else self._document.data
        for part in location:
            if not isinstance(node, dict):
                return None
            node = next((value for key, value in node.items() if str(key) == str(part)), None)
        return node

    @property
    def source(self) -> str | None:
        return None if self._document is None else self._document.source


def scenario_from_dict(data: dict[str, Any], parent: Scenario | None = None) -> Scenario:
    """A scenario built in Python (a goal-seek variant, a test), optionally over a parent."""
    scenario = Scenario.model_validate(data)
    scenario._parent = parent
    return scenario


def load_scenario(name_or_path: str | Path, *, search_dir: str | Path | None = None) -> Scenario:
    """Load and validate a scenario by name (see ``resolve_scenario_path``) or path."""
    return _load(resolve_scenario_path(name_or_path, search_dir=search_dir), search_dir, ())


def _load(path: Path, search_dir: str | Path | None, seen: tuple[Path, ...]) -> Scenario:
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
    scenario._path = path
    if scenario.extends is not None:
        parent_path = _resolve_parent(scenario, path, search_dir)
        if parent_path.resolve() in {*seen, path.resolve()}:
            raise document.error(
                ("extends",), f"'{scenario.extends}' extends this scenario in turn"
            )
        scenario._parent = _load(parent_path, search_dir, (*seen, path.resolve()))
    return scenario


def _resolve_parent(scenario: Scenario, path: Path, search_dir: str | Path | None) -> Path:
    """The parent: a sibling file first, then like --scenario; never the child itself.

    A local ``scenarios/base.yaml`` may thus extend the shipped ``base``.
    """
    name = str(scenario.extends)
    file_name = name if name.endswith((".yaml", ".yml")) else f"{name}.yaml"
    folders = [path.parent, *_scenario_dirs(search_dir)]
    for candidate in (folder / file_name for folder in folders):
        if candidate.is_file() and candidate.resolve() != path.resolve():
            return candidate
    if Path(name).suffix in (".yaml", ".yml") and Path(name).is_file():
        return Path(name)
    try:
        resolved = resolve_scenario_path(name, search_dir=search_dir)
    except InputError as exc:
        raise scenario.error(("extends",), exc.message) from None
    raise scenario.error(("extends",), f"'{name}' resolves to this very file ({resolved})")


def shipped_scenario_dir() -> Path:
    from importlib import resources

    return Path(str(resources.files("nscc_proj").joinpath("scenarios")))


def _scenario_dirs(search_dir: str | Path | None) -> list[Path]:
    # Relative to the working folder, so messages name "scenarios/mine.yaml".
    local = Path(search_dir) if search_dir is not None else Path()
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


def shadowing(scenario: Scenario) -> list[tuple[str, str]]:
    """(file, name) for every file along the scenario's chain that is a local
    ``scenarios/NAME.yaml`` standing in for a shipped scenario of the same name with
    different content (``--scenario base`` or ``extends: base`` then read the local file)."""
    found: list[tuple[str, str]] = []
    local = (Path() / "scenarios").resolve()
    for node in scenario.chain():
        path = node._path
        if path is None or path.parent.resolve() != local:
            continue
        shipped = shipped_scenario_dir() / path.name
        if shipped.is_file() and shipped.read_bytes() != path.read_bytes():
            found.append((str(Path("scenarios") / path.name), path.stem))
    return found
