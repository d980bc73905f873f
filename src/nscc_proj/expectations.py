"""Expected target feasibility, the contract ``nscc check`` enforces in CI.

The file is YAML meant for people: one line per target, ``met``, ``missed``
or ``not_assessable``, with the indicator's name as a comment.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, PrivateAttr, ValidationError

from nscc_proj.errors import InputError
from nscc_proj.projection import Projection
from nscc_proj.scenario import Scenario, load_scenario
from nscc_proj.yaml_source import YamlDocument, read_yaml, validation_error

Feasibility = Literal["met", "missed", "not_assessable"]
# scenario -> indicator key -> milestone -> feasibility
FeasibilityMap = dict[str, dict[str, dict[int, Feasibility]]]


class ExpectationsFile(BaseModel):
    """The file's content: the table it was written against, how to find each scenario, targets."""

    model_config = ConfigDict(extra="forbid")

    table: str | None = None
    observed: str | None = None
    sources: dict[str, str] = {}
    scenarios: FeasibilityMap

    _document: YamlDocument | None = PrivateAttr(default=None)

    def scenario_references(self) -> list[str]:
        """What to pass to ``load_scenario`` for each scenario, in the file's order."""
        return [self.sources.get(name, name) for name in self.scenarios]

    def load_scenarios(self) -> list[Scenario]:
        """The scenarios the file names; one that cannot be loaded is reported at its line."""
        loaded = []
        for name, reference in zip(self.scenarios, self.scenario_references(), strict=True):
            try:
                loaded.append(load_scenario(reference))
            except InputError as exc:
                if self._document is None or exc.source is not None:
                    raise
                raise self._document.error(("scenarios", name), exc.message) from None
        return loaded


@dataclass(frozen=True)
class CheckResult:
    differences: list[Difference]
    compared: int  # targets known to the file, the run, or both
    warnings: list[str]


def check_feasibility(expected: ExpectationsFile, projection: Projection) -> CheckResult:
    """Compare a run with an expectations file; note inputs that differ from the file's."""
    actual = feasibility(projection)
    compared = len(_targets(expected.scenarios) | _targets(actual))
    warnings = []
    observed = "none" if projection.observed is None else projection.observed.source
    for what, recorded, now in (
        ("table", expected.table, projection.catalog.source),
        ("observed values", expected.observed, observed),
    ):
        if recorded is not None and recorded != now:
            warnings.append(f"written against the {what} {recorded}, this check uses {now}")
    return CheckResult(compare(expected.scenarios, actual), compared, warnings)


def _targets(feasible: FeasibilityMap) -> set[tuple[str, str, int]]:
    return {
        (scenario, key, milestone)
        for scenario, by_key in feasible.items()
        for key, by_milestone in by_key.items()
        for milestone in by_milestone
    }


@dataclass(frozen=True)
class Difference:
    scenario: str
    indicator_key: str
    milestone: int
    expected: str  # a feasibility, or "absent"
    actual: str

    def __str__(self) -> str:
        return (
            f"{self.scenario} {self.indicator_key} {self.milestone}: "
            f"expected {self.expected}, now {self.actual}"
        )


def feasibility(projection: Projection) -> FeasibilityMap:
    """met / missed / not_assessable for every scenario, indicator and milestone."""
    met = projection.assessment.met
    result: FeasibilityMap = {}
    for s, scenario in enumerate(projection.scenario_names):
        result[scenario] = {
            indicator.key: {
                milestone: _label(met[s, i, m])
                for m, milestone in enumerate(projection.catalog.milestones)
            }
            for i, indicator in enumerate(projection.catalog.indicators)
        }
    return result


def _label(met: float) -> Feasibility:
    if np.isnan(met):
        return "not_assessable"
    return "met" if met else "missed"


def compare(expected: FeasibilityMap, actual: FeasibilityMap) -> list[Difference]:
    """Every target whose feasibility differs, including targets only one side knows."""
    differences = []
    for scenario in sorted(expected.keys() | actual.keys(), key=_order(actual)):
        want = expected.get(scenario, {})
        have = actual.get(scenario, {})
        for key in sorted(want.keys() | have.keys(), key=_order(have)):
            for milestone in sorted(want.get(key, {}).keys() | have.get(key, {}).keys()):
                before = want.get(key, {}).get(milestone, "absent")
                after = have.get(key, {}).get(milestone, "absent")
                if before != after:
                    differences.append(Difference(scenario, key, milestone, before, after))
    return differences


def _order(reference: Mapping[str, object]) -> Callable[[str], tuple[int, str]]:
    """Sort key: the order of ``reference`` first, then names it lacks alphabetically."""
    positions = {name: position for position, name in enumerate(reference)}
    return lambda name: (positions.get(name, len(positions)), name)


def read_expectations(path: str | Path) -> ExpectationsFile:
    """Parse and validate an expectations file, keeping its lines for later messages."""
    document = read_yaml(path)
    if not isinstance(document.data, dict):
        raise InputError(
            "an expectations file must be a mapping with a 'scenarios' key", source=document.source
        )
    try:
        expectations = ExpectationsFile.model_validate(document.data)
    except ValidationError as exc:
        raise validation_error(document, exc) from None
    expectations._document = document
    return expectations


def expectations_yaml(projection: Projection, references: Mapping[str, str] | None = None) -> str:
    """The current feasibility of every target, as a commented YAML document.

    ``references`` maps scenario names to what was passed to ``--scenario``
    where that differs (a path), so a later check can load them again.
    """
    names = {
        ind.key: f"{ind.id} {ind.name_zh} / {ind.name_en}" for ind in projection.catalog.indicators
    }
    width = max(len(key) for key in names) + 6
    lines = [
        "# Expected target feasibility, checked by `nscc check --expect FILE`.",
        "# Written by `nscc check --write-expect FILE`; edit by hand or rewrite it.",
        "# Each target is met, missed or not_assessable.",
        f"table: {_quote(projection.catalog.source)}",
    ]
    observed = "none" if projection.observed is None else projection.observed.source
    lines.append(f"observed: {_quote(observed)}")
    extra = {name: ref for name, ref in (references or {}).items() if ref != name}
    if extra:
        lines.append("sources:  # how a check without --scenario loads each scenario")
        lines.extend(f"  {_quote(name)}: {_quote(ref)}" for name, ref in extra.items())
    lines.append("scenarios:")
    for scenario, by_key in feasibility(projection).items():
        lines.append(f"  {_quote(scenario)}:")
        for key, by_milestone in by_key.items():
            lines.append(f"    {key + ':':<{width}}# {names[key]}")
            lines.extend(f"      {milestone}: {label}" for milestone, label in by_milestone.items())
    return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
