"""What every chart is built of, on a ``Scene``: axes with nice ticks, measured text that
wraps or shrinks to its room, and a legend laid out under the plot.

Placing text by its measured width (``scene.Face``) is what keeps it off other text, off
the data and inside the figure without a layout engine: each chart type reserves room
for what it writes, from these measurements, before it draws.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from rich.cells import cell_len

from nscc_proj.present.scene import Box, Face, Scene
from nscc_proj.present.wording import wrap_name

# A line of text, in ems of its size: room above its baseline (capitals, CJK glyphs), room
# below it (descenders), and the distance between the baselines of two lines.
ASCENT = 0.8
DESCENT = 0.25
LINE_SPACING = 1.2
# Where the baseline goes, below a line's centre, to centre capitals and CJK glyphs on it.
MIDDLE = 0.36
ELLIPSIS = "…"
GRID_COLOUR = "#DADADA"
FRAME_COLOUR = "#222222"
TICK_LENGTH = 4.0


def nice_ticks(low: float, high: float, most: int, *, integer: bool = False) -> list[float]:
    """Ticks at the multiples of a step of 1, 2 or 5 times a power of ten (never 2.5, which
    reads badly as a percentage or a year) within [low, high]: the smallest step that gives
    at most ``most`` ticks. ``integer``: steps of 1 or more (years, places). Each tick is
    computed from its integer multiple, so 0.1 x 3 reads 0.3, not 0.30000000000000004."""
    if not (math.isfinite(low) and math.isfinite(high)) or high < low:
        return []
    most = max(2, most)
    span = max(high - low, abs(high) * 1e-9, 1e-12)
    exponent = math.floor(math.log10(span / most)) - 1
    while True:
        for mantissa in (1, 2, 5):
            if integer and exponent < 0:
                continue
            step = mantissa * 10.0**exponent
            first = math.ceil(low / step - 1e-9)
            last = math.floor(high / step + 1e-9)
            if last - first + 1 <= most:
                return [_multiple(n, mantissa, exponent) for n in range(first, last + 1)]
        exponent += 1


def _multiple(n: int, mantissa: int, exponent: int) -> float:
    """n x mantissa x 10^exponent with one rounding: a negative power divides."""
    if exponent >= 0:
        return float(n * mantissa * 10**exponent)
    return n * mantissa / 10.0 ** (-exponent)


def block_height(lines: int, size: float) -> float:
    """Height of ``lines`` lines of text at ``size``, from the top of the first line's
    capitals to the bottom of the last line's descenders."""
    return (ASCENT + DESCENT) * size + max(0, lines - 1) * LINE_SPACING * size


def wrap(face: Face, text: str, size: float, width: float) -> list[str]:
    """``text`` broken into lines no wider than ``width`` pixels where it can break
    (``wording.wrap_name``: at spaces, after - _ /, between Chinese characters)."""
    if face.width(text, size) <= width:
        return [text]
    per_cell = face.width(text, size) / max(1, cell_len(text))
    cells = max(1, int(width / per_cell))
    while True:
        lines = wrap_name(text, cells).split("\n")
        if cells == 1 or all(face.width(line, size) <= width for line in lines):
            return lines
        cells -= 1


def fit(face: Face, text: str, size: float, width: float, smallest: float) -> tuple[str, float]:
    """One line of ``text`` within ``width``: at ``size`` if it fits, else smaller (down to
    ``smallest``), else cut with … (a file name can be any length)."""
    natural = face.width(text, size)
    if natural <= width:
        return text, size
    size = max(smallest, size * width / natural)
    return (text if face.width(text, size) <= width else _cut(face, text, size, width)), size


def _cut(face: Face, text: str, size: float, width: float) -> str:
    """The longest start of ``text`` that fits ``width`` with … after it: a binary search
    over its length, so a text of any length is measured a few dozen times, not once per
    character (each measure is kept by the face)."""
    low, high = 0, len(text)  # the start of ``low`` characters fits (none: … alone)
    while low < high:
        middle = (low + high + 1) // 2
        if face.width(text[:middle].rstrip() + ELLIPSIS, size) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + ELLIPSIS


def fit_lines(
    face: Face, text: str, size: float, width: float, lines: int, smallest: float
) -> tuple[list[str], float]:
    """``text`` wrapped within ``width`` on at most ``lines`` lines: smaller if it needs more
    (down to ``smallest``), then cut with … on the last line."""
    while True:
        wrapped = wrap(face, text, size, width)
        if len(wrapped) <= lines or size <= smallest:
            break
        size = max(smallest, size * 0.92)
    if len(wrapped) > lines:
        end = 0  # where the lines kept end in ``text`` (Chinese breaks have no space)
        for line in wrapped[: lines - 1]:
            end = text.index(line, end) + len(line)
        wrapped = [*wrapped[: lines - 1], _cut(face, text[end:].lstrip(), size, width)]
    return wrapped, size


def text_block(
    scene: Scene,
    x: float,
    top: float,
    lines: Sequence[str],
    size: float,
    *,
    colour: str = "#000000",
    anchor: Literal["start", "middle", "end"] = "start",
) -> float:
    """``lines`` under one another, the first's capitals at ``top``; returns the bottom."""
    baseline = top + ASCENT * size
    for line in lines:
        scene.text(x, baseline, line, size, colour=colour, anchor=anchor)
        baseline += LINE_SPACING * size
    return top + block_height(len(lines), size)


@dataclass(frozen=True)
class Axes:
    """A plot area and the data range it shows: ``xlim`` left to right, ``ylim`` bottom to
    top (a larger bottom than top turns the axis upside down: ranks, best on top)."""

    box: Box
    xlim: tuple[float, float]
    ylim: tuple[float, float]

    def x(self, values: float | np.ndarray | Sequence[float]) -> np.ndarray:
        low, high = self.xlim
        return self.box.x + (np.asarray(values, dtype=float) - low) / (high - low) * self.box.w

    def y(self, values: float | np.ndarray | Sequence[float]) -> np.ndarray:
        bottom, top = self.ylim
        return self.box.bottom - (np.asarray(values, dtype=float) - bottom) / (top - bottom) * (
            self.box.h
        )

    def points(
        self, xs: np.ndarray | Sequence[float], ys: np.ndarray | Sequence[float]
    ) -> np.ndarray:
        return np.column_stack([self.x(xs), self.y(ys)])

    def grid(self, scene: Scene, xticks: Sequence[float], yticks: Sequence[float]) -> None:
        """Light grid lines at the ticks, under the data."""
        box = self.box
        for tick in xticks:
            x = float(self.x(tick))
            scene.line([(x, box.y), (x, box.bottom)], GRID_COLOUR, 0.8)
        for tick in yticks:
            y = float(self.y(tick))
            scene.line([(box.x, y), (box.right, y)], GRID_COLOUR, 0.8)

    def frame(
        self,
        scene: Scene,
        xticks: Sequence[tuple[float, str]],
        yticks: Sequence[tuple[float, str]],
        size: float,
    ) -> None:
        """The frame, outward tick marks and tick labels (x under the plot, y to its left,
        right-aligned)."""
        box = self.box
        scene.rect(box, None, stroke=FRAME_COLOUR, width=0.9)
        for tick, text in xticks:
            x = float(self.x(tick))
            scene.line([(x, box.bottom), (x, box.bottom + TICK_LENGTH)], FRAME_COLOUR, 0.9)
            scene.text(x, box.bottom + TICK_LENGTH + 3 + ASCENT * size, text, size, anchor="middle")
        for tick, text in yticks:
            y = float(self.y(tick))
            scene.line([(box.x - TICK_LENGTH, y), (box.x, y)], FRAME_COLOUR, 0.9)
            scene.text(box.x - TICK_LENGTH - 3, y + MIDDLE * size, text, size, anchor="end")


def padded(low: float, high: float, margin: float) -> tuple[float, float]:
    """[low, high] widened by ``margin`` of its span on each side; a single value by a
    little (or by 1 around zero), so a flat line sits in the middle of its plot."""
    if high > low:
        pad = margin * (high - low)
        return low - pad, high + pad
    pad = abs(low) * 0.05 or 1.0
    return low - pad, high + pad


@dataclass(frozen=True)
class Key:
    """How a legend entry shows what it stands for: a line (solid or dashed), a dot, a
    star, a patch of colour, or a short vertical bar."""

    kind: Literal["line", "dot", "star", "patch", "bar"]
    colour: str
    width: float = 1.5  # line width; a dot's radius
    dash: tuple[float, ...] | None = None
    opacity: float = 1.0

    def draw(self, scene: Scene, x: float, y: float) -> None:
        """The key in a ``KEY_WIDTH`` wide slot from ``x``, centred on ``y``."""
        middle = x + KEY_WIDTH / 2
        if self.kind == "line":
            scene.line(
                [(x, y), (x + KEY_WIDTH, y)],
                self.colour,
                self.width,
                dash=self.dash,
                opacity=self.opacity,
            )
        elif self.kind == "dot":
            scene.circle(middle, y, self.width, self.colour)
        elif self.kind == "star":
            scene.polygon(star(middle, y, self.width), self.colour)
        elif self.kind == "bar":
            scene.line([(middle, y - 6), (middle, y + 6)], self.colour, self.width)
        else:
            scene.rect(
                Box(x + 2, y - 5, KEY_WIDTH - 4, 10),
                self.colour,
                opacity=self.opacity,
            )


def star(x: float, y: float, radius: float) -> np.ndarray:
    """A five-pointed star around (x, y), point up."""
    angles = np.pi / 2 + np.arange(10) * np.pi / 5
    radii = np.where(np.arange(10) % 2 == 0, radius, radius * 0.4)
    return np.column_stack([x + radii * np.cos(angles), y - radii * np.sin(angles)])


KEY_WIDTH = 24.0
KEY_GAP = 6.0
COLUMN_GAP = 20.0
ENTRY_LINES = 2


@dataclass(frozen=True)
class Legend:
    """Entries in columns, filled column by column (the scenarios stay together), as many
    columns as fit the width (at most the number asked for); an entry wider than the
    whole width wraps onto a second line, cut with … at the end of it (a scenario's name
    can be any length: the legend must leave the plot its room)."""

    columns: tuple[tuple[tuple[Key, tuple[str, ...]], ...], ...]
    widths: tuple[float, ...]
    size: float

    @classmethod
    def lay_out(
        cls, face: Face, entries: Sequence[tuple[Key, str]], size: float, width: float, most: int
    ) -> Legend:
        room = width - KEY_WIDTH - KEY_GAP
        wrapped = [
            (key, tuple(fit_lines(face, text, size, room, ENTRY_LINES, size)[0]))
            for key, text in entries
        ]
        natural = [
            KEY_WIDTH + KEY_GAP + max(face.width(t, size) for t in lines) for _, lines in wrapped
        ]
        for count in range(min(most, len(entries)), 0, -1):
            rows = -(-len(entries) // count)
            chunks = [
                range(start, min(start + rows, len(entries)))
                for start in range(0, len(entries), rows)
            ]
            widths = tuple(max(natural[i] for i in chunk) for chunk in chunks)
            if sum(widths) + COLUMN_GAP * (len(widths) - 1) <= width or count == 1:
                columns = tuple(tuple(wrapped[i] for i in chunk) for chunk in chunks)
                return cls(columns, widths, size)
        return cls((), (), size)  # no entries

    @property
    def width(self) -> float:
        return sum(self.widths) + COLUMN_GAP * max(0, len(self.widths) - 1)

    def _row_heights(self) -> list[float]:
        """Each row as tall as its tallest entry (entries side by side line up)."""
        rows = max((len(column) for column in self.columns), default=0)
        heights = [0.0] * rows
        for column in self.columns:
            for r, (_, lines) in enumerate(column):
                heights[r] = max(heights[r], block_height(len(lines), self.size) + 0.5 * self.size)
        return heights

    @property
    def height(self) -> float:
        return sum(self._row_heights())

    def draw(self, scene: Scene, centre: float, top: float) -> None:
        """The legend centred on ``centre``, its first row's top at ``top``."""
        heights = self._row_heights()
        x = centre - self.width / 2
        for column, column_width in zip(self.columns, self.widths, strict=True):
            y = top
            for r, (key, lines) in enumerate(column):
                middle = y + 0.25 * self.size + (ASCENT - MIDDLE) * self.size  # the first line's
                key.draw(scene, x, middle)
                text_block(scene, x + KEY_WIDTH + KEY_GAP, y + 0.25 * self.size, lines, self.size)
                y += heights[r]
            x += column_width + COLUMN_GAP
