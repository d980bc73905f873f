"""The chart toolkit: nice ticks, measured text that wraps or shrinks to its room, a legend
that keeps within the figure, and a scene written as SVG and painted as PNG alike."""

from __future__ import annotations

import io
import re
import struct
from xml.etree import ElementTree

import pytest

from nscc_proj.present.fonts import LATIN_FAMILY, chart_families, cjk_font
from nscc_proj.present.plotting import Key, Legend, fit, fit_lines, nice_ticks, wrap
from nscc_proj.present.scene import Box, Face, Scene, face

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"


@pytest.fixture(scope="module")
def latin() -> Face:
    return face((LATIN_FAMILY,))


@pytest.fixture(scope="module")
def both() -> Face:
    font = cjk_font()
    if font is None:
        pytest.skip("no CJK font installed (apt install fonts-noto-cjk)")
    return face(chart_families("zh", font))


@pytest.mark.parametrize(
    ("low", "high", "most", "integer", "expected"),
    [
        (0, 23, 6, False, [0, 5, 10, 15, 20]),
        (0, 23, 12, False, [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22]),
        (-3.2, 22.4, 7, False, [0, 5, 10, 15, 20]),  # 2.5 would give 10; never 2.5
        (-1.3, 14.8, 7, False, [0, 5, 10]),
        (0, 0.7, 8, False, [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]),  # 0.3, not 0.30000000000000004
        (5860, 23100, 10, False, [6000, 8000, 10000, 12000, 14000, 16000, 18000, 20000, 22000]),
        (2019.5, 2035.9, 9, True, [2020, 2022, 2024, 2026, 2028, 2030, 2032, 2034]),
        (2019.5, 2021.9, 9, True, [2020, 2021]),  # never half a year
        (0.0012, 0.0031, 5, False, [0.0015, 0.002, 0.0025, 0.003]),
    ],
)
def test_ticks_step_by_one_two_or_five_times_a_power_of_ten(
    low: float, high: float, most: int, integer: bool, expected: list[float]
) -> None:
    assert nice_ticks(low, high, most, integer=integer) == expected


def test_tick_steps_are_never_two_and_a_half() -> None:
    for high in (0.9, 2.4, 7.7, 13, 26, 44, 99, 230, 810):
        for most in (4, 5, 6, 7, 9):
            ticks = nice_ticks(-high / 7, high, most)
            assert 2 <= len(ticks) <= most
            step = ticks[1] - ticks[0]
            mantissa = f"{step:.1e}".split("e")[0]
            assert mantissa in ("1.0", "2.0", "5.0"), (high, most, ticks)


def test_a_wrapped_text_and_a_legend_keep_within_their_width(latin: Face) -> None:
    long = "Target 2025 ≥ 10,000 · 2035 ≥ 20,000 · and a very long note a user gave the target"
    for width in (120.0, 260.0, 620.0):
        lines = wrap(latin, long, 10.5, width)
        assert " ".join(lines) == long
        assert all(latin.width(line, 10.5) <= width for line in lines)
    entries = [(Key("line", "#0072B2"), f"scenario number {n} with a long name") for n in range(7)]
    entries.append((Key("star", "#C0392B", 7.0), long))
    for width in (300.0, 620.0, 940.0):
        legend = Legend.lay_out(latin, entries, 10.5, width, 4)
        assert legend.width <= width
        assert sum(len(column) for column in legend.columns) == len(entries)
        for column, column_width in zip(legend.columns, legend.widths, strict=True):
            for _, lines in column:
                assert all(30 + latin.width(line, 10.5) <= column_width for line in lines)


def test_text_too_long_for_its_room_shrinks_then_is_cut(latin: Face) -> None:
    name = "Source: a_file_name_someone_made_very_long_indeed_2020_final_v3.csv · as of 2025"
    assert fit(latin, "short", 9, 200, 6) == ("short", 9)
    shown, size = fit(latin, name, 9, 200, 6)
    assert size == 6
    assert shown.endswith("…")
    assert latin.width(shown, size) <= 200
    lines, size = fit_lines(latin, name + " " + name, 14, 300, 2, 11)
    assert len(lines) == 2
    assert lines[-1].endswith("…")
    assert all(latin.width(line, size) <= 300 for line in lines)


def test_chinese_text_is_measured_in_the_cjk_face(latin: Face, both: Face) -> None:
    text = "地区生产总值 (亿元)"
    assert both.shape(text).missing == frozenset()
    assert latin.shape(text).missing == set("地区生产总值亿元")
    # A CJK glyph is an em wide: six of them and the brackets, at 10 pixels.
    assert 60 < both.width(text, 10) < 90


def test_a_long_chinese_title_breaks_between_characters_and_is_cut_on_its_last_line(
    both: Face,
) -> None:
    title = "1 " + "高端装备制造业营业收入占装备制造业营业收入比重" * 6 + " (亿元)"
    lines, size = fit_lines(both, title, 14, 500, 3, 11)
    assert size == 11
    assert len(lines) == 3
    assert all(both.width(line, size) <= 500 for line in lines)
    assert lines[-1].endswith("…")
    assert "".join(lines).removesuffix("…") == title[: len("".join(lines)) - 1]  # no spaces added


def test_chart_fonts_put_the_face_of_the_language_first() -> None:
    assert chart_families("en", "Noto Sans CJK SC") == (LATIN_FAMILY, "Noto Sans CJK SC")
    assert chart_families("zh", "Noto Sans CJK SC") == ("Noto Sans CJK SC", LATIN_FAMILY)
    assert chart_families("zh", None) == (LATIN_FAMILY,)


def _scene(latin: Face) -> Scene:
    scene = Scene(200, 100, latin)
    plot = Box(20, 10, 160, 60)
    with scene.clipped(plot):
        scene.rect(Box(100, 10, 80, 60), "#EEF1F4")
        scene.line([(20, 60), (100, float("nan")), (140, 20), (180, 15)], "#0072B2", 2.2)
        scene.line([(20, 65), (180, 25)], "#009E73", 1.25, dash=(5, 2.5), opacity=0.9)
        scene.circle(60, 40, 3.3, "#000000")
    scene.rect(Box(150, 80, 30, 10), "#C0392B")
    scene.text(20, 92, "2020 · 地区", 9, colour="#5F6B7A")
    scene.text(10, 50, "rank", 9, anchor="middle", rotation=90)
    return scene


def test_a_scene_is_one_clip_and_glyphs_defined_once(latin: Face) -> None:
    svg = _scene(latin).svg()
    root = ElementTree.fromstring(svg)
    assert root.get("width") == "200"
    assert root.get("viewBox") == "0 0 200 100"
    assert svg.count(b"clip-path=") == 1
    defined = {element.get("id") for element in root.iter(f"{SVG}path") if element.get("id")}
    used = [element.get(f"{XLINK}href") for element in root.iter(f"{SVG}use")]
    assert len(used) == 11  # "2020", "·", "地区" (boxes: no glyph), "rank"; blanks have none
    assert {href.lstrip("#") for href in used if href} <= defined
    assert len(defined) == len(set(defined))
    assert b"<text" not in svg  # glyph outlines: the file needs no font
    assert b"nan" not in svg  # the NaN broke the line into two runs
    assert svg.count(b"M") >= 2


def test_a_scene_paints_at_twice_its_size_where_the_svg_draws(latin: Face) -> None:
    from PIL import Image

    scene = _scene(latin)
    png = scene.paint(2).png()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert struct.unpack(">II", png[16:24]) == (400, 200)
    with Image.open(io.BytesIO(png)) as image:
        assert image.mode == "RGB"
        assert image.info["dpi"] == pytest.approx((192, 192), abs=0.1)
        assert image.getpixel((330, 170)) == (0xC0, 0x39, 0x2B)  # the red rectangle
        assert image.getpixel((5, 5)) == (255, 255, 255)  # the white background
        assert image.getpixel((330, 120)) == (0xEE, 0xF1, 0xF4)  # the shade, in the clip
    # The same scene, twice: the same bytes, numbered in the order drawn.
    again = _scene(latin)
    assert again.svg() == scene.svg()
    assert again.paint(2).png() == png


def test_numbers_in_an_svg_keep_two_decimals_at_most(latin: Face) -> None:
    svg = re.sub(r"scale\([^)]*\)", "", _scene(latin).svg().decode())  # a text's size: exact
    numbers = re.findall(r"-?\d+\.\d+", svg)
    assert numbers
    assert all(len(number.split(".")[1]) <= 2 for number in numbers)


@pytest.mark.parametrize(
    ("points", "closed"),
    [
        ([(0, 0), (float("nan"), float("nan")), (10, 10)], False),  # two runs of one point
        ([(5, 5)], True),  # a polygon of one point
        ([(0, 0), (float("inf"), 3), (10, 10)], False),  # a line through inf
        ([(float("nan"), 1), (2, 2), (float("nan"), 3)], True),
    ],
)
def test_a_shape_with_no_run_of_two_points_draws_nothing(
    latin: Face, points: list[tuple[float, float]], closed: bool
) -> None:
    scene = Scene(40, 30, latin)
    if closed:
        scene.polygon(points, "#C0392B")
    else:
        scene.line(points, "#C0392B", 2.0)
    svg = scene.svg()
    assert b'd=""' not in svg
    assert svg.count(b"<path") == 1  # the white background only
    with_nothing = Scene(40, 30, latin)
    assert scene.paint(2).png() == with_nothing.paint(2).png()


@pytest.mark.parametrize(("size", "scale"), [(10.5, "0.105"), (9.5, "0.095"), (12, "0.12")])
def test_an_svg_text_is_written_at_its_size(latin: Face, size: float, scale: str) -> None:
    """10.5-px text is scaled by 0.105, not rounded to 0.1 (5 % smaller than measured)."""
    scene = Scene(100, 40, latin)
    scene.text(5, 20, "Ab", size)
    assert f"scale({scale} -{scale})".encode() in scene.svg()


def test_a_very_long_text_is_cut_in_a_few_measures(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 5000-character name is cut by a binary search: a few dozen measures (each kept
    by the face), not one per character (41 s and 1.5 GB for a report)."""
    fresh = Face((LATIN_FAMILY,))
    measured: list[str] = []
    width = fresh.width

    def counted(text: str, size: float) -> float:
        measured.append(text)
        return width(text, size)

    monkeypatch.setattr(fresh, "width", counted)
    text = "growth of something " * 250
    cut, size = fit(fresh, text, 14, 300, 11)
    assert size == 11
    assert cut.endswith("…")
    assert fresh.width(cut, size) <= 300
    assert fresh.width(text[: len(cut)] + "…", size) > 300  # one character more would not fit
    assert len(measured) < 40
    lines, _ = fit_lines(fresh, "x" * 5000, 14, 300, 3, 11)
    assert len(lines) == 3
    assert sum(map(len, measured)) < 100_000  # linear in the length: lines, a few cuts


def test_a_legend_entry_keeps_to_two_lines(latin: Face) -> None:
    """A 3000-character scenario name is cut with … at the end of its second line: the
    legend keeps its height (it wrapped to two dozen lines over the plot)."""
    long = "scenario with a very long name " * 100
    legend = Legend.lay_out(latin, [(Key("line", "#000000"), long)], 10.5, 600, 4)
    ((_, lines),) = legend.columns[0]
    assert len(lines) == 2
    assert lines[-1].endswith("…")
    assert all(latin.width(line, 10.5) <= 600 - 30 for line in lines)
    assert legend.height < 40
