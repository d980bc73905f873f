"""One description of a chart's shapes and text, written out as an SVG and as a PNG.

Matplotlib's figures lay every chart out afresh (text extents, constrained layout, a
draw per output) and spent a third of a second of CPU on each; the report's charts have
a fixed layout per type, so ``charts`` places everything itself and this module only
records what to draw (lines, polygons, circles, text: ``Scene``) and writes it twice:

- the SVG directly, text as glyph outlines, each glyph defined once and reused, so the
  file opens anywhere, the chart's fonts installed or not;
- the PNG painted by matplotlib's Agg rasteriser from the same shapes (no figure, no
  artists): about 12 ms a chart at 2x, and 10 more to compress (``Raster.png``), which
  another thread can do. Rasterising the SVG with resvg (vl-convert) took 45 ms a
  chart, 125 ms with the plot's clip area, and wrote PNGs twice as large.

Text is laid out with matplotlib's FreeType fonts, glyph by glyph along a family list
(``Face``), each glyph looked up once per thread. Whatever is numbered in a file
(glyphs, clip areas) is numbered in the order it is drawn, so a chart is the same bytes
whichever process draws it and however many it drew before.
"""

from __future__ import annotations

import functools
import re
import struct
import threading
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, cast

import numpy as np

if TYPE_CHECKING:
    from matplotlib.backend_bases import RendererBase
    from matplotlib.ft2font import GlyphIndexType
    from matplotlib.path import Path

Anchor = Literal["start", "middle", "end"]
Point = tuple[float, float]
# Glyph outlines are kept at this size (pixels per em) and scaled where drawn.
FONT_SCALE = 100.0
_MOVETO, _LINETO, _CURVE3, _CURVE4, _CLOSE = 1, 2, 3, 4, 79


@dataclass(frozen=True)
class Shaped:
    """A string laid out at ``FONT_SCALE``: each glyph (its key in the face) and where it
    starts, the string's width (its advance), and its characters no font of the face has
    (drawn as the first font's "missing glyph" box)."""

    glyphs: tuple[tuple[str, float], ...]
    width: float
    missing: frozenset[str]


@dataclass(frozen=True)
class _Glyph:
    """One character's glyph: its key, advance (at ``FONT_SCALE``), the font that has it
    (its place in the family list) and its index there; index 0 is the missing box."""

    key: str
    advance: float
    font: int
    index: GlyphIndexType


def face(families: tuple[str, ...]) -> Face:
    """The ``Face`` of ``families``, one per thread (as matplotlib keeps its FreeType fonts:
    FreeType is not thread-safe): what it laid out, it keeps."""
    return _face(families, threading.get_ident())


@functools.cache
def _face(families: tuple[str, ...], _thread: int) -> Face:
    return Face(families)


class Face:
    """Text in a list of font families: each character drawn by the first that has it.

    Laid out character by character with the font's kerning, as matplotlib laid out text
    before 3.10: each character's glyph and advance is looked up once, then a string is a
    sum of advances (a few microseconds). Matplotlib's own shaping (HarfBuzz, via
    ``TextToPath``) took about a millisecond a string, a third of the cost of the
    charts' text; it adds ligatures and complex-script shaping, which labels of
    indicators in Chinese and English do not need.
    """

    def __init__(self, families: Sequence[str]) -> None:
        from matplotlib.font_manager import FontProperties, findfont, get_font

        files = list(dict.fromkeys(findfont(FontProperties(family=name)) for name in families))
        self._fonts = [get_font(file) for file in files]
        self._glyphs: dict[str, _Glyph] = {}
        self._shaped: dict[str, Shaped] = {}
        self._outlines: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._svg: dict[str, str] = {}
        self._joined: dict[str, Path] = {}

    def shape(self, text: str) -> Shaped:
        shaped = self._shaped.get(text)
        if shaped is None:
            shaped = self._shaped[text] = self._shape(text)
        return shaped

    def width(self, text: str, size: float) -> float:
        """The width of ``text`` (one line) at ``size`` pixels per em."""
        return self.shape(text).width * size / FONT_SCALE

    def _shape(self, text: str) -> Shaped:
        from matplotlib.ft2font import Kerning

        placed: list[tuple[str, float]] = []
        missing: set[str] = set()
        x = 0.0
        previous: _Glyph | None = None
        for char in text:
            glyph = self._glyphs.get(char) or self._glyph(char)
            if previous is not None and previous.font == glyph.font:
                # In font units, whatever size another user of the shared font set last.
                font = self._fonts[glyph.font]
                kerning = font.get_kerning(previous.index, glyph.index, Kerning.UNSCALED)
                x += kerning * FONT_SCALE / font.units_per_EM
            if glyph.index == 0 and not char.isspace():
                missing.add(char)
            if len(self._outlines[glyph.key][0]):  # a blank has no outline
                placed.append((glyph.key, x))
            x += glyph.advance
            previous = glyph
        return Shaped(tuple(placed), x, frozenset(missing))

    def _glyph(self, char: str) -> _Glyph:
        """``char``'s glyph in the first font that has one (else the first font's box)."""
        from matplotlib.ft2font import LoadFlags

        number, index = next(
            ((n, i) for n, font in enumerate(self._fonts) if (i := font.get_char_index(ord(char)))),
            (0, cast("GlyphIndexType", 0)),  # glyph 0: the box of a missing glyph
        )
        font = self._fonts[number]
        font.set_size(FONT_SCALE, 72)  # 72 dpi: a point is a pixel (the font is shared)
        loaded = font.load_glyph(index, flags=LoadFlags.NO_HINTING)
        key = f"{number}-{index}"
        if key not in self._outlines:
            self._outlines[key] = font.get_path()
        glyph = self._glyphs[char] = _Glyph(key, loaded.linearHoriAdvance / 65536, number, index)
        return glyph

    def svg_outline(self, key: str) -> str:
        """A glyph's outline as SVG path data, at ``FONT_SCALE``, y up."""
        found = self._svg.get(key)
        if found is None:
            verts, codes = self._outlines[key]
            found = self._svg[key] = _path_data(verts, codes)
        return found

    def joined(self, text: str) -> Path:
        """The outlines of a whole string as one path, at ``FONT_SCALE``, y up, starting at 0:
        one call of the rasteriser paints it."""
        found = self._joined.get(text)
        if found is None:
            from matplotlib.path import Path

            shaped = self.shape(text)
            verts = [self._outlines[key][0] + (x, 0.0) for key, x in shaped.glyphs]
            codes = [self._outlines[key][1] for key, _ in shaped.glyphs]
            found = self._joined[text] = (
                Path(np.concatenate(verts), np.concatenate(codes))
                if verts
                else Path(np.empty((0, 2)))
            )
        return found


def _path_data(verts: np.ndarray, codes: np.ndarray) -> str:
    """SVG path data of matplotlib path vertices and codes."""
    parts: list[str] = []
    i = 0
    while i < len(codes):
        code = codes[i]
        if code == _CURVE3:
            parts.append("Q" + " ".join(_point(v) for v in verts[i : i + 2]))
            i += 2
        elif code == _CURVE4:
            parts.append("C" + " ".join(_point(v) for v in verts[i : i + 3]))
            i += 3
        else:
            parts.append(
                "Z" if code == _CLOSE else ("M" if code == _MOVETO else "L") + _point(verts[i])
            )
            i += 1
    return "".join(parts)


def _number(value: float) -> str:
    """A coordinate with two decimals at most (a hundredth of a pixel), as short as it goes."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _point(vertex: Sequence[float] | np.ndarray) -> str:
    return f"{_number(float(vertex[0]))} {_number(float(vertex[1]))}"


@dataclass(frozen=True)
class _Shape:
    """Runs of points (NaN rows between runs), filled and/or stroked; or a circle (one point
    and a radius)."""

    points: np.ndarray
    radius: float
    closed: bool
    fill: str | None
    stroke: str | None
    width: float
    dash: tuple[float, ...] | None
    opacity: float
    join: Literal["miter", "round"]
    clip: int | None


@dataclass(frozen=True)
class _Text:
    x: float
    y: float
    text: str
    size: float
    colour: str
    rotation: float
    clip: int | None


@dataclass(frozen=True)
class Box:
    """A rectangle: left, top, width, height, in pixels (y down)."""

    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h


class Scene:
    """What one chart draws, in the order drawn (later on top), in pixels at 1x, y down,
    on a white background."""

    def __init__(self, width: int, height: int, face: Face) -> None:
        self.width, self.height, self.face = width, height, face
        self._items: list[_Shape | _Text] = []
        self._clips: list[Box] = []
        self._clip: int | None = None
        self.missing: set[str] = set()
        self.rect(Box(0, 0, width, height), "#ffffff")

    @contextmanager
    def clipped(self, box: Box) -> Iterator[None]:
        """What is drawn inside the block is clipped to ``box``: one clip area (resvg, for one,
        allocates a full-size mask per clip reference, so a plot keeps to one)."""
        self._clips.append(box)
        self._clip = len(self._clips) - 1
        try:
            yield
        finally:
            self._clip = None

    def line(
        self,
        points: Sequence[Point] | np.ndarray,
        colour: str,
        width: float,
        *,
        dash: tuple[float, ...] | None = None,
        opacity: float = 1.0,
    ) -> None:
        """A polyline, its ends cut square; a point with a NaN coordinate breaks it (a path
        with gaps)."""
        self._shape(points, stroke=colour, width=width, dash=dash, opacity=opacity)

    def polygon(
        self,
        points: Sequence[Point] | np.ndarray,
        fill: str | None,
        *,
        opacity: float = 1.0,
        stroke: str | None = None,
        width: float = 0.0,
    ) -> None:
        self._shape(points, fill=fill, stroke=stroke, width=width, opacity=opacity, closed=True)

    def rect(
        self,
        box: Box,
        fill: str | None,
        *,
        opacity: float = 1.0,
        stroke: str | None = None,
        width: float = 0.0,
    ) -> None:
        corners = [(box.x, box.y), (box.right, box.y), (box.right, box.bottom), (box.x, box.bottom)]
        self.polygon(corners, fill, opacity=opacity, stroke=stroke, width=width)

    def circle(self, x: float, y: float, radius: float, fill: str) -> None:
        self._items.append(
            _Shape(
                np.array([[x, y]]),
                radius,
                True,
                fill,
                None,
                0.0,
                None,
                1.0,
                "miter",
                self._clip,
            )
        )

    def text(
        self,
        x: float,
        y: float,
        text: str,
        size: float,
        *,
        colour: str = "#000000",
        anchor: Anchor = "start",
        rotation: float = 0.0,
    ) -> None:
        """One line of ``text`` with its baseline at ``y``; ``anchor`` says which end (or the
        middle) is at ``x``. ``rotation`` in degrees, anticlockwise, about (x, y)."""
        shaped = self.face.shape(text)
        self.missing |= shaped.missing
        if not shaped.glyphs:
            return
        shift = {"start": 0.0, "middle": 0.5, "end": 1.0}[anchor] * shaped.width * size / FONT_SCALE
        angle = np.radians(rotation)
        x, y = x - shift * np.cos(angle), y + shift * np.sin(angle)
        self._items.append(_Text(float(x), float(y), text, size, colour, rotation, self._clip))

    def _shape(
        self,
        points: Sequence[Point] | np.ndarray,
        *,
        fill: str | None = None,
        stroke: str | None = None,
        width: float = 0.0,
        dash: tuple[float, ...] | None = None,
        opacity: float = 1.0,
        closed: bool = False,
    ) -> None:
        array = np.asarray(points, dtype=float).reshape(-1, 2)
        if not _runs(array):  # no run of two finite points or more: nothing to draw
            return
        join: Literal["miter", "round"] = "miter" if closed else "round"
        self._items.append(
            _Shape(array, 0.0, closed, fill, stroke, width, dash, opacity, join, self._clip)
        )

    def svg(self, name: str = "") -> bytes:
        """The scene as an SVG document (UTF-8). Its ids (glyphs, clip areas) begin with
        ``name`` (the chart's), so two charts inlined in one page do not share them."""
        ids = re.sub(r"[^A-Za-z0-9_.-]", "_", name) + "-" if name else ""
        glyphs: dict[str, int] = {}
        body: list[str] = []
        group: int | None = None
        for item in self._items:
            if item.clip != group:
                if group is not None:
                    body.append("</g>")
                if item.clip is not None:
                    body.append(f'<g clip-path="url(#{ids}c{item.clip})">')
                group = item.clip
            body.append(
                _svg_text(item, self.face, glyphs, ids)
                if isinstance(item, _Text)
                else _svg_shape(item)
            )
        if group is not None:
            body.append("</g>")
        defs = [
            f'<clipPath id="{ids}c{n}"><rect x="{_number(box.x)}" y="{_number(box.y)}" '
            f'width="{_number(box.w)}" height="{_number(box.h)}"/></clipPath>'
            for n, box in enumerate(self._clips)
        ]
        defs += [
            f'<path id="{ids}g{n}" d="{self.face.svg_outline(key)}"/>' for key, n in glyphs.items()
        ]
        head = (
            '<?xml version="1.0" encoding="utf-8" standalone="no"?>\n'
            '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
            f'version="1.1" width="{self.width}" height="{self.height}" '
            f'viewBox="0 0 {self.width} {self.height}">\n'
        )
        parts = [head, "<defs>\n", *(d + "\n" for d in defs), "</defs>\n"]
        parts += [line + "\n" for line in body]
        parts.append("</svg>\n")
        return "".join(parts).encode("utf-8")

    def paint(self, scale: int) -> Raster:
        """The scene painted at ``scale`` times its size (``Raster.png`` writes the PNG)."""
        from matplotlib.backends.backend_agg import RendererAgg
        from matplotlib.colors import to_rgb
        from matplotlib.path import Path
        from matplotlib.transforms import Affine2D, Bbox

        width, height = self.width * scale, self.height * scale
        # At 72 dpi times the scale, a line width or dash given in pixels at 1x is scaled.
        renderer: RendererBase = RendererAgg(width, height, 72 * scale)  # type: ignore[no-untyped-call]
        flip = Affine2D().scale(scale, -scale).translate(0, height)  # y up, as Agg draws
        clips = [
            Bbox.from_bounds(
                box.x * scale, height - box.bottom * scale, box.w * scale, box.h * scale
            )
            for box in self._clips
        ]
        for item in self._items:
            gc = renderer.new_gc()
            gc.set_clip_rectangle(None if item.clip is None else clips[item.clip])
            if isinstance(item, _Text):
                gc.set_linewidth(0)
                place = (
                    Affine2D()
                    .scale(item.size / FONT_SCALE * scale)
                    .rotate_deg(item.rotation)
                    # The baseline on a whole pixel: a thin stroke (a dash) then looks the same
                    # in every row of a table, not dark in one and blurred in the next.
                    .translate(item.x * scale, height - round(item.y * scale))
                )
                renderer.draw_path(gc, self.face.joined(item.text), place, to_rgb(item.colour))
            else:
                gc.set_alpha(item.opacity)
                gc.set_linewidth(item.width if item.stroke is not None else 0)
                if item.stroke is not None:
                    gc.set_foreground(item.stroke)
                    gc.set_capstyle("butt")
                    gc.set_joinstyle(item.join)
                    gc.set_dashes(0, item.dash)
                path = (
                    Path.circle(tuple(item.points[0]), item.radius)
                    if item.radius
                    else _agg_path(item.points, item.closed)
                )
                face = None if item.fill is None else to_rgb(item.fill)
                renderer.draw_path(gc, path, flip, face)
            gc.restore()
        rgba = np.asarray(renderer.buffer_rgba())  # type: ignore[attr-defined]
        rows = np.zeros((height, 1 + 3 * width), dtype=np.uint8)  # a filter byte (0), then RGB
        pixels = rows[:, 1:].reshape(height, width, 3)
        for channel in range(3):  # alpha left out; by channel, five times faster than at once
            pixels[..., channel] = rgba[..., channel]
        return Raster(rows, 96 * scale)


def _runs(points: np.ndarray) -> list[np.ndarray]:
    """The runs of finite points (a NaN breaks a line), each of two points or more."""
    finite = np.isfinite(points).all(axis=1)
    runs: list[np.ndarray] = []
    start = None
    for i, ok in enumerate([*finite, False]):
        if ok and start is None:
            start = i
        elif not ok and start is not None:
            if i - start >= 2:
                runs.append(points[start:i])
            start = None
    return runs


def _agg_path(points: np.ndarray, closed: bool) -> Path:
    from matplotlib.path import Path

    verts: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    for run in _runs(points):
        part = np.full(len(run) + closed, _LINETO, dtype=np.uint8)
        part[0] = _MOVETO
        if closed:
            part[-1] = _CLOSE
            run = np.vstack([run, run[:1]])
        verts.append(run)
        codes.append(part)
    return Path(np.concatenate(verts), np.concatenate(codes))


def _svg_shape(shape: _Shape) -> str:
    """A path (or circle) element, with only the attributes that differ from SVG's
    defaults (a miter join)."""
    attributes = [f'fill="{shape.fill or "none"}"']
    if shape.stroke is not None:
        attributes.append(f'stroke="{shape.stroke}" stroke-width="{_number(shape.width)}"')
        if shape.join != "miter":
            attributes.append(f'stroke-linejoin="{shape.join}"')
        if shape.dash:
            attributes.append(f'stroke-dasharray="{" ".join(_number(d) for d in shape.dash)}"')
    if shape.opacity != 1:  # per paint, not "opacity", which composites a layer of its own
        for paint in ("fill", "stroke"):
            if getattr(shape, paint) is not None:
                attributes.append(f'{paint}-opacity="{_number(shape.opacity)}"')
    if shape.radius:
        x, y = shape.points[0]
        centre = f'cx="{_number(x)}" cy="{_number(y)}" r="{_number(shape.radius)}"'
        return f"<circle {centre} {' '.join(attributes)}/>"
    data = "".join(
        "M" + "L".join(_point(p) for p in run) + ("Z" if shape.closed else "")
        for run in _runs(shape.points)
    )
    return f'<path d="{data}" {" ".join(attributes)}/>'


def _svg_text(text: _Text, face: Face, glyphs: dict[str, int], ids: str) -> str:
    """The text as glyph references, each glyph's outline defined once per file."""
    # The size as given (10.5 px is 0.105, not 0.1): the text then matches its measured box.
    scale = f"{text.size / FONT_SCALE:.6g}"
    turn = f" rotate({_number(-text.rotation)})" if text.rotation else ""
    uses = []
    for key, x in face.shape(text.text).glyphs:
        number = glyphs.setdefault(key, len(glyphs))
        uses.append(f'<use xlink:href="#{ids}g{number}" x="{_number(x)}"/>')
    colour = "" if text.colour == "#000000" else f' fill="{text.colour}"'
    place = f"translate({_number(text.x)} {_number(text.y)}){turn} scale({scale} -{scale})"
    return f'<g transform="{place}"{colour}>{"".join(uses)}</g>'


@dataclass(frozen=True)
class Raster:
    """A painted scene as the rows of a PNG (each a filter byte, then RGB), and its dpi:
    96 x the scale, so it prints at the size of the SVG."""

    rows: np.ndarray
    dpi: int

    def png(self) -> bytes:
        """An RGB PNG of the rows, unfiltered, at zlib level 3. Charts are large flat areas:
        PNG's row filters gain nothing there (the files came out 10-15 % larger with them)
        and took most of the encoding time in Pillow, which tries each on every row; level
        6 takes twice as long for files a tenth smaller. Compressing lets go of the GIL:
        another thread can draw meanwhile."""
        height, width = self.rows.shape[0], (self.rows.shape[1] - 1) // 3
        per_metre = round(self.dpi / 0.0254)
        return b"".join(
            (
                b"\x89PNG\r\n\x1a\n",
                _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)),
                _chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1)),
                _chunk(b"IDAT", zlib.compress(self.rows.data, 3)),
                _chunk(b"IEND", b""),
            )
        )


def _chunk(kind: bytes, data: bytes) -> bytes:
    """A PNG chunk: length, type, data, CRC of type and data."""
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(data, zlib.crc32(kind)))
    )
