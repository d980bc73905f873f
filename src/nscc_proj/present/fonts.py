"""Chinese text in charts: find an installed CJK font in matplotlib's font list.

The charts' Latin face (DejaVu Sans, which ships with matplotlib) has no CJK
glyphs. Without a CJK font a chart with Chinese labels shows empty boxes, so the
report looks for one (Debian's ``fonts-noto-cjk`` first) and, when none is
installed, draws its charts with English labels and says so in one line instead.
Even English charts need it: units are Chinese (亿元).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

# Simplified Chinese first: the same code points render with regional glyph
# shapes, and the plan is written for mainland readers.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "Heiti SC",
    "SimHei",
    "Noto Sans CJK TC",
    "Noto Sans CJK JP",
    "Droid Sans Fallback",
)
# File names that may hold one of the families above, for a font installed
# after matplotlib built its font cache.
_FILE_HINTS = ("cjk", "sourcehan", "wqy", "notosanssc", "simhei", "msyh", "droidsansfallback")
LATIN_FAMILY = "DejaVu Sans"
MISSING_FONT_WARNING = (
    "no CJK font found (install fonts-noto-cjk): charts use English labels and omit Chinese units"
)
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")


@functools.cache
def cjk_font() -> str | None:
    """The family name of an installed CJK font matplotlib can use, or None.

    Cached: matplotlib's font list does not change during a run, and the
    fallback scan of font files is slow.
    """
    from matplotlib import font_manager

    found = _first_known(font_manager.fontManager)
    if found is not None:
        return found
    # The font cache may predate the font's installation: register matching files.
    for path in font_manager.findSystemFonts():
        if any(hint in Path(path).name.lower() for hint in _FILE_HINTS):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
    return _first_known(font_manager.fontManager)


def _first_known(manager: Any) -> str | None:
    names = {entry.name for entry in manager.ttflist}
    return next((family for family in CJK_FAMILIES if family in names), None)


def chart_families(lang: str, font: str | None) -> tuple[str, ...]:
    """The font families of charts in ``lang`` with the CJK ``font`` (None: none found), in
    the order a glyph is looked for: the Latin face first in English charts, so Latin text
    keeps its usual face and Chinese units still render; the CJK face first in Chinese
    ones, so Chinese text and its punctuation come from one face."""
    families = [LATIN_FAMILY] if font is None else [LATIN_FAMILY, font]
    if lang == "zh" and font is not None:
        families.reverse()
    return tuple(families)


def strip_cjk(text: str) -> str:
    """Text without CJK characters, for a chart drawn without a CJK font.

    Brackets and separators left empty go too: "density (公里/平方公里)" -> "density".
    """
    stripped = re.sub(r"\s*\([\s/·,、]*\)", "", _CJK.sub("", text)).strip()
    return stripped if re.search(r"[\w%]", stripped) else ""
