"""The label catalogue: every word in both languages, with the same fields to fill."""

from __future__ import annotations

import ast
from pathlib import Path
from string import Formatter

import nscc_proj.present.labels as labels_module
from nscc_proj.present.labels import LABELS, STATUS_COLOURS, label, scenario_label, status_label

# The dashboard's gap bar has a column without a header, in both languages.
BLANK_ON_PURPOSE = {"gap_bar"}


def _fields(text: str) -> set[str]:
    return {field for _, field, _, _ in Formatter().parse(text) if field}


def test_every_label_exists_in_both_languages_with_the_same_fields() -> None:
    for name, pair in LABELS.items():
        assert len(pair) == 2, name
        english, chinese = pair
        if name in BLANK_ON_PURPOSE:
            assert english == chinese == "", name
            continue
        assert english.strip(), name
        assert chinese.strip(), name
        assert _fields(english) == _fields(chinese), name


def test_the_catalogue_names_each_label_once() -> None:
    """A dict literal keeps the last of two equal keys without a word: the source is checked."""
    tree = ast.parse(Path(labels_module.__file__).read_text(encoding="utf-8"))
    catalogue = next(
        node.value
        for node in tree.body
        if isinstance(node, ast.AnnAssign)
        and isinstance(node.target, ast.Name)
        and node.target.id == "LABELS"
    )
    assert isinstance(catalogue, ast.Dict)
    names = [key.value for key in catalogue.keys if isinstance(key, ast.Constant)]
    assert len(names) == len(set(names)) == len(LABELS)


def test_every_status_has_a_word_and_a_colour() -> None:
    from nscc_proj.core.assess import OUTCOMES

    for status in OUTCOMES:
        assert status in STATUS_COLOURS
        assert status_label(status, "en") != status_label(status, "zh")


def test_label_and_scenario_names() -> None:
    assert label("indicator", "zh") == "指标"
    assert scenario_label("base", "zh") == "基准"
    assert scenario_label("base", "en") == "base"
    assert scenario_label("my_own", "zh") == "my_own"


def test_labels_imports_nothing_of_the_package() -> None:
    """Dependency-free, so any layer may use it."""
    tree = ast.parse(Path(labels_module.__file__).read_text(encoding="utf-8"))
    imported = [
        node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
    ] + [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    ]
    assert not [name for name in imported if name.startswith("nscc_proj")]
