"""The label catalogue: every word in both languages, with the same fields to fill."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from string import Formatter

import pytest

import nscc_proj.present.labels as labels_module
from nscc_proj.core.assess import FAR_OFF_RATIO
from nscc_proj.inputs.catalog import Catalog
from nscc_proj.inputs.observed import GRADES
from nscc_proj.present.labels import (
    LABELS,
    STATUS_COLOURS,
    grade_label,
    label,
    scenario_label,
    source_text,
    status_label,
)
from nscc_proj.present.wording import evidence_words, indicator_name, latest_words

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


def test_chinese_text_takes_full_width_punctuation() -> None:
    """A Chinese label writes ：，；（） where it punctuates, never the ASCII ones (a
    {placeholder} and its format spec, such as {far_off:.0%}, are not text)."""
    for name, (_, chinese) in LABELS.items():
        if not re.search(r"[\u4e00-\u9fff]", chinese):
            continue
        text = re.sub(r"\{[^}]*\}", "", chinese)
        assert not re.search(r"[:,;()]", text), (name, chinese)
    assert label("list_sep", "zh") == "，"
    assert source_text("observed.csv (shipped)", "zh") == "observed.csv（随附）"
    assert source_text("observed.csv (shipped)", "en") == "observed.csv (shipped)"


def test_far_off_says_pace_not_the_size_of_the_gap() -> None:
    """far_off is a path whose pace is under 60 % of the pace needed, however small its gap:
    its words name the pace, and the key says the gap does not set it."""
    assert status_label("far_off", "en") == "too slow"
    assert status_label("far_off", "zh") == "速度明显不足"
    assert "差距" not in status_label("far_off", "zh")
    english = label("key_note", "en").format(far_off=FAR_OFF_RATIO)
    chinese = label("key_note", "zh").format(far_off=FAR_OFF_RATIO)
    assert "too slow (under 60% of it)" in english
    assert "not by the size of the gap" in english
    assert "速度明显不足（不足所需的 60%）" in chinese
    assert "与差距大小无关" in chinese


@pytest.mark.parametrize("grade", GRADES)
def test_every_grade_has_words_in_both_languages(grade: str) -> None:
    """A grade reads as its letter; "B-derived" is no English word on a Chinese page."""
    assert grade_label(grade, "en") == grade
    chinese = grade_label(grade, "zh")
    assert re.fullmatch(r"[ABC][^A-Za-z-]*", chinese), chinese
    assert grade_label("B-derived", "zh") == "B推算"


def test_the_latest_value_says_its_grade_in_the_readers_language(catalog: Catalog) -> None:
    gdp = catalog["gdp"]
    assert latest_words(gdp, 9027.1, 2024, "B-derived", "en") == "9,027.10 (2024, B-derived)"
    assert latest_words(gdp, 9027.1, 2024, "B-derived", "zh") == "9,027.10（2024，B推算）"
    assert latest_words(gdp, 9027.1, 2024, None, "zh") == "†"
    row = {"latest_grade": "B-derived", "latest_year": 2024}
    assert evidence_words(row, "zh") == "B推算 2024"  # type: ignore[arg-type]
    assert evidence_words(row) == "B-derived 2024"  # type: ignore[arg-type]
    assert indicator_name(gdp, "zh") == "地区生产总值（亿元）"


def test_a_scenario_under_base_says_so() -> None:
    assert label("same_as_base", "en").format(scenario="shock", base="base") == "shock (= base)"
    assert label("same_as_base", "zh").format(scenario="冲击", base="基准") == "冲击（与基准重合）"
