"""Expected target feasibility, the contract ``nscc check`` enforces in CI.

The file is YAML meant for people: one line per target, ``met``, ``missed``
or ``not_assessable``, with the indicator's name as a comment. Every name
and path from the user is written by PyYAML's emitter as a double-quoted
scalar on one line, and comments are cleaned of line breaks, so no name can
break the file or add content to it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, PrivateAttr, ValidationError

from nscc_proj.analysis.projection import Projection
from nscc_proj.errors import InputError
from nscc_proj.inputs.scenario import Scenario, load_scenario
from nscc_proj.inputs.yaml_source import YamlDocument, read_yaml, validation_error

Feasibility = Literal["met", "missed", "not_assessable"]
# scenario -> indicator key -> milestone -> feasibility
FeasibilityMap = dict[str, dict[str, dict[int, Feasibility]]]

MAX_EXPECTATIONS_BYTES = 16 * 1024 * 1024
"""Largest expectations file: 16 MiB.

The file has a line of about 20 bytes per target: ten thousand indicators,
six milestones and five scenarios come to about 7 MiB. Reading takes about
a second per MiB, so the limit also bounds the time before a wrong file is
rejected.
"""

MAX_EXPECTATIONS_NODES = 1_000_000
"""Most values an expectations file may build into: 1,000,000.

One per target and one per indicator and scenario: ten thousand indicators,
six milestones and five scenarios build about 350,000. The limit stops
aliases expanding a small file into a huge tree.
"""


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
    document = read_yaml(
        path,
        max_bytes=MAX_EXPECTATIONS_BYTES,
        max_nodes=MAX_EXPECTATIONS_NODES,
        kind="an expectations file",
    )
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
    observed = "none" if projection.observed is None else projection.observed.source
    return expectations_text(
        feasibility(projection),
        table=projection.catalog.source,
        observed=observed,
        references=references,
        names={
            ind.key: f"{ind.id} {ind.name_zh} / {ind.name_en}"
            for ind in projection.catalog.indicators
        },
    )


def expectations_text(
    feasible: FeasibilityMap,
    *,
    table: str | None,
    observed: str | None,
    references: Mapping[str, str] | None = None,
    names: Mapping[str, str] | None = None,
) -> str:
    """``feasible`` as the commented YAML ``read_expectations`` reads back to the same data.

    Strings from the user (table, observed, scenario names and references)
    are double-quoted by PyYAML's emitter; indicator keys are written bare
    when they read back as the same text (``gdp``), quoted otherwise
    (``"yes"``); ``names`` become comments, cleaned of line breaks.
    """
    names = names or {}
    lines = [
        "# Expected target feasibility, checked by `nscc check --expect FILE`.",
        "# Written by `nscc check --write-expect FILE`; edit by hand or rewrite it.",
        "# Each target is met, missed or not_assessable.",
    ]
    if table is not None:
        lines.append(f"table: {_quoted(table)}")
    if observed is not None:
        lines.append(f"observed: {_quoted(observed)}")
    extra = {name: ref for name, ref in (references or {}).items() if ref != name}
    if extra:
        lines.append("sources:  # how a check without --scenario loads each scenario")
        for name, ref in extra.items():
            lines.extend(_entry("  ", _quoted(name), f" {_quoted(ref)}"))
    lines.append("scenarios:" if feasible else "scenarios: {}")
    keys = {key: _key(key) for by_key in feasible.values() for key in by_key}
    width = max((len(text) for text in keys.values()), default=0) + 6
    for scenario, by_key in feasible.items():
        lines.extend(_entry("  ", _quoted(scenario), "" if by_key else " {}"))
        for key, by_milestone in by_key.items():
            value = "" if by_milestone else " {}"
            comment = f"# {_comment(names[key])}" if key in names else ""
            written = f"{keys[key]}:{value}"
            if len(keys[key]) <= _LONGEST_KEY and comment:
                lines.append(f"    {written:<{width}}{comment}".rstrip())
            else:
                lines.extend(_entry("    ", keys[key], value))
                if comment:
                    lines[-1] = f"{lines[-1]}  {comment}".rstrip()
            lines.extend(f"      {milestone}: {label}" for milestone, label in by_milestone.items())
    return "\n".join(lines) + "\n"


# YAML reads a key on one line only up to 1024 characters; longer ones use ``? KEY``.
_LONGEST_KEY = 1000
_PLAIN_KEY = re.compile(r"[a-z][a-z0-9_]*")
# Characters a comment may keep: printable for YAML, and not a line break (U+2028, U+2029).
_NOT_IN_COMMENT = re.compile(
    "[^\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)


def _entry(indent: str, key: str, value: str) -> list[str]:
    """``key:value`` on one line, or as ``? key`` / ``: value`` when the key is too long."""
    if len(key) <= _LONGEST_KEY:
        return [f"{indent}{key}:{value}"]
    return [f"{indent}? {key}", f"{indent}:{value}"]


def _quoted(text: str) -> str:
    """``text`` as one double-quoted YAML scalar on one line, escaped by PyYAML's emitter."""
    import yaml

    emitted = yaml.dump(
        text,
        Dumper=yaml.SafeDumper,
        default_style='"',
        allow_unicode=True,
        width=2**31 - 1,
    )
    return emitted.removesuffix("\n")


def _key(key: str) -> str:
    """An indicator key bare when YAML reads it back as the same text, else double-quoted."""
    import yaml

    # A bare word can still read as something else: ``yes`` and ``off`` are booleans.
    if _PLAIN_KEY.fullmatch(key) and yaml.safe_load(key) == key:
        return key
    return _quoted(key)


def _comment(text: str) -> str:
    """``text`` fit for a YAML comment: line breaks and unprintable characters become spaces."""
    return _NOT_IN_COMMENT.sub(" ", text)
