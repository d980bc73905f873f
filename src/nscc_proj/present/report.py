"""``nscc report``: an HTML report, charts, an Excel workbook and ``summary.md`` in one folder.

Everything is rendered in memory first and written only when all of it has
rendered, each file under a temporary name and then renamed: a failed run
leaves no half-written file, and a reader never opens a report whose charts
belong to another run. ``summary.md`` holds nothing that changes between
runs of the same inputs (no time, no paths), so it can be diffed and tested
byte for byte; the time of the run goes into the workbook and the HTML.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from nscc_proj.analysis.projection import Projection
from nscc_proj.errors import InputError
from nscc_proj.inputs.scenario import Scenario
from nscc_proj.present.charts import Bands, Chart, render_charts
from nscc_proj.present.render import Lang, label
from nscc_proj.present.report_facts import (
    gap_cells,
    gap_header,
    growth_rows,
    inputs_line,
    met_rows,
)
from nscc_proj.present.report_html import report_html
from nscc_proj.present.workbook import (
    Sheet,
    domain_counts,
    largest_gaps,
    run_metadata,
    sheets_for,
    with_names,
    workbook_bytes,
)
from nscc_proj.table import Cell, Table

_Row = dict[str, Cell]


@dataclass(frozen=True)
class Report:
    """The rendered report: file contents by path inside the output folder."""

    files: dict[str, bytes]
    charts: tuple[Chart, ...]
    warnings: tuple[str, ...]


def build_report(
    projection: Projection,
    scenarios: Sequence[Scenario],
    lang: Lang,
    *,
    bands: Bands | None = None,
    seed: int | None = None,
    probabilities: Table | None = None,
    paths: int | None = None,
    run_time: datetime | None = None,
) -> Report:
    """Render every file of the report; nothing touches the disk here.

    ``bands`` maps (scenario, indicator key) to simulated percentiles
    (years, p5, p25, p50, p75, p95), drawn as fans where present.
    """
    from nscc_proj import __version__

    when = (run_time or datetime.now(UTC)).isoformat(timespec="seconds")
    charts, notes = render_charts(projection, lang, bands)
    sheets = sheets_for(
        projection, lang, run_metadata(projection, scenarios, lang, seed, when, paths)
    )
    if probabilities is not None:
        # Monte Carlo results sit before the metadata, which stays last.
        sheets.insert(
            -1, Sheet("Probabilities", with_names(probabilities, projection.catalog, lang))
        )
    rows = projection.assessment_table.records()
    files = {f"charts/{chart.name}.png": chart.png for chart in charts}
    files |= {f"charts/{chart.name}.svg": chart.svg for chart in charts}
    files["report.xlsx"] = workbook_bytes(sheets, lang)
    files["summary.md"] = summary_markdown(projection, rows, lang).encode()
    page = report_html(
        projection, scenarios, rows, charts, lang, f"{when} · nscc {__version__}", probabilities
    )
    files["report.html"] = page.encode()
    return Report(files, tuple(charts), tuple(notes))


# What an nscc report folder holds: only these may be replaced along with it.
REPORT_ENTRIES = ("report.html", "report.xlsx", "summary.md", "charts")
_STAGING, _RETIRED = ".new-", ".old-"


def check_folder(folder: str | Path) -> None:
    """Fail before rendering, not after, when ``folder`` cannot be the output folder.

    The report replaces the folder whole, so a folder holding anything but a
    previous report is refused rather than swept away.
    """
    root = Path(folder)
    if root.exists() and not root.is_dir():
        raise InputError("the output path exists and is not a folder", source=str(root))
    if root.is_dir():
        foreign = sorted(p.name for p in root.iterdir() if p.name not in REPORT_ENTRIES)
        if foreign:
            raise InputError(
                f"the folder holds files that are not an nscc report ({foreign[0]}"
                + (f" and {len(foreign) - 1} more" if len(foreign) > 1 else "")
                + "): give a new or empty folder",
                source=str(root),
            )


def write_report(report: Report, folder: str | Path) -> list[Path]:
    """Replace ``folder`` whole with the report: after a kill at any moment, the folder
    holds the previous report or the complete new one, never a mix.

    Everything is written into a sibling staging folder, which is then exchanged
    with the old folder in one atomic step (``renameat2`` with
    ``RENAME_EXCHANGE`` on Linux; elsewhere two renames, between which the old
    report waits beside it as ``.NAME.old-*``). Leftovers of a killed run are
    removed first.
    """
    root = Path(folder)
    check_folder(root)
    parent = root.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        _remove_leftovers(parent, root.name)
        staging = Path(tempfile.mkdtemp(prefix=f".{root.name}{_STAGING}", dir=parent))
    except OSError as exc:
        raise InputError(
            f"cannot create the folder: {exc.strerror or exc}", source=str(root)
        ) from None
    try:
        (staging / "charts").mkdir()
        for name, data in report.files.items():
            with (staging / name).open("wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
        _swap_in(staging, root.absolute())
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise InputError(
            f"cannot write the report: {exc.strerror or exc}", source=str(root)
        ) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [root / name for name in sorted(report.files)]


def _remove_leftovers(parent: Path, name: str) -> None:
    for path in parent.glob(f".{name}{_STAGING}*"):
        shutil.rmtree(path, ignore_errors=True)
    for path in parent.glob(f".{name}{_RETIRED}*"):
        if (parent / name).is_dir():  # the swap finished: the retired copy is rubbish
            shutil.rmtree(path, ignore_errors=True)
        else:  # killed between two renames: the previous report comes back
            path.rename(parent / name)


def _swap_in(staging: Path, root: Path) -> None:
    if not root.exists():
        staging.rename(root)
        return
    if _exchange(staging, root):
        shutil.rmtree(staging, ignore_errors=True)  # now the previous report
        return
    retired = root.parent / f".{root.name}{_RETIRED}{staging.name.rsplit('-', 1)[-1]}"
    root.rename(retired)
    staging.rename(root)
    shutil.rmtree(retired, ignore_errors=True)


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    if sys.platform != "linux":
        return False
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange)
    return bool(result == 0)


# --- summary.md -----------------------------------------------------------------------------------


def summary_markdown(projection: Projection, rows: Sequence[_Row], lang: Lang) -> str:
    """The executive summary as Markdown tables, for pasting into documents; deterministic."""
    out = [f"# {label('report_title', lang)}", "", markdown_text(inputs_line(projection, lang)), ""]
    out += [f"## {label('met_by_scenario', lang)}", ""]
    out += _md_table(*met_rows(projection, lang), text=2)
    columns, cells = domain_counts(projection, lang)
    out += [f"## {label('met_by_domain', lang)}", ""]
    out += _md_table([label("domain", lang), *columns], [[d, *c] for d, c in cells.items()])
    out += [f"## {label('largest_gaps', lang)}", ""]
    for scenario in projection.scenario_names:
        gaps = [gap_cells(projection, row, lang) for row in largest_gaps(rows, scenario)]
        out += [
            f"### {markdown_text(scenario)}",
            "",
            *_md_table(gap_header(lang), gaps, text=1, last_text=True),
        ]
    out += [f"## {label('growth_title', lang)}", ""]
    header = [label("indicator", lang), label("milestone", lang), label("required", lang)]
    out += _md_table([*header, *projection.scenario_names], growth_rows(projection, rows, lang))
    return "\n".join(out).rstrip("\n") + "\n"


_MARKDOWN_SPECIALS = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|#"} | {"\n": " ", "\r": " "})


def markdown_text(text: str) -> str:
    """User text as literal Markdown: no markup, no HTML (``<script>`` stays text), one line."""
    # An ampersand only matters where it would start an entity (&lt;): "R&D" stays as it is.
    return re.sub(r"&(?=#?\w+;)", "&amp;", text.translate(_MARKDOWN_SPECIALS))


def _md_table(
    header: Sequence[str], rows: Sequence[Sequence[str]], text: int = 1, last_text: bool = False
) -> list[str]:
    """A Markdown table: the first ``text`` columns (and the last, if ``last_text``) left-aligned,
    numbers right-aligned."""

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(markdown_text(cell) for cell in cells) + " |"

    left = [k < text or (last_text and k == len(header) - 1) for k in range(len(header))]
    rule = ["---" if flush else "---:" for flush in left]
    return [line(header), line(rule).replace(" ", ""), *(line(row) for row in rows), ""]
