"""``nscc report``: an HTML report, charts, an Excel workbook and ``summary.md`` in one folder.

Everything is rendered in memory first and written only when all of it has
rendered, each file under a temporary name and then renamed: a failed run
leaves no half-written file, and a reader never opens a report whose charts
belong to another run. ``summary.md`` holds nothing that changes between
runs of the same inputs (no time, no paths), so it can be diffed and tested
byte for byte; the time of the run goes into the workbook and the HTML.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from nscc_proj.analysis.projection import Projection
from nscc_proj.errors import InputError
from nscc_proj.inputs.scenario import Scenario
from nscc_proj.present.charts import Bands, Chart, render_charts
from nscc_proj.present.export import existing_mode
from nscc_proj.present.labels import Lang, label
from nscc_proj.present.report_facts import (
    growth_header,
    growth_rows,
    headline,
    inputs_line,
    met_rows,
    plan_title,
    probability_lookup,
)
from nscc_proj.present.report_html import report_html
from nscc_proj.present.verdict import VerdictTable, verdict_table
from nscc_proj.present.workbook import (
    domain_counts,
    probability_sheets,
    run_metadata,
    sheets_for,
    workbook_bytes,
)
from nscc_proj.table import Cell, Table

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

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
    run_time: datetime,
    title: str | None = None,
    pdf: bool = False,
    progress: Callable[[], None] | None = None,
    workers: int = 1,
    command: str | None = None,
    volatility: Sequence[tuple[str, str]] = (),
    charts: ChartJob | None = None,
) -> Report:
    """Render every file of the report; nothing touches the disk here (but Chromium's
    temporary folder for the PDF).

    ``bands`` maps (scenario, indicator key) to simulated percentiles
    (years, p5, p25, p50, p75, p95), drawn as fans where present. ``title``
    names the plan (default: ``plan_title``, the shipped plan by name, else the
    table's file), with the as-of year. ``run_time`` is the time of the run the files
    state (the caller reads the clock, or ``SOURCE_DATE_EPOCH``: the same time gives
    the same bytes); its date is printed under every chart. ``pdf`` adds report.pdf
    where Chromium is found (else a note says why not); ``progress`` is called once per chart drawn;
    ``workers`` threads make the charts (see ``render_charts``), unless ``charts`` is a
    ``ChartJob`` already drawing them in a process of its own (started with the same
    projection, bands and ``run_time``): then the other files are made meanwhile and
    the charts collected last. ``command`` is the command line the Metadata sheet
    states, ``volatility`` where a simulation's volatilities came from
    (``Simulation.volatility_sources``).
    """
    from nscc_proj import __version__

    title = title or plan_title(projection, lang)
    when = run_time.isoformat(timespec="seconds")
    if charts is None:
        drawn, notes = render_charts(
            projection, lang, bands, date=chart_date(run_time), progress=progress, workers=workers
        )
    metadata = run_metadata(projection, scenarios, lang, seed, when, paths, command, volatility)
    metadata = {"title / 标题": title, **metadata}
    sheets = sheets_for(projection, lang, metadata)
    if probabilities is not None:
        # Monte Carlo results sit before the metadata, which stays last.
        sheets[-1:-1] = probability_sheets(probabilities, projection.catalog, lang)
    rows = projection.assessment_table.records()
    workbook = workbook_bytes(sheets, lang, run_time)
    summary = summary_markdown(
        projection, rows, lang, title=title, probabilities=probabilities, paths=paths
    ).encode()
    if charts is not None:
        drawn, notes = charts.result(progress)
    files = {f"charts/{chart.name}.png": chart.png for chart in drawn}
    files |= {f"charts/{chart.name}.svg": chart.svg for chart in drawn}
    files |= {"report.xlsx": workbook, "summary.md": summary}
    page = report_html(
        projection,
        scenarios,
        rows,
        drawn,
        lang,
        f"{when} · nscc {__version__}",
        probabilities,
        title=title,
        paths=paths,
    )
    files["report.html"] = page.encode()
    if pdf:
        printed = _pdf(files["report.html"], lang)
        if isinstance(printed, bytes):
            files["report.pdf"] = printed
        else:
            notes.append(printed)
    return Report(files, tuple(drawn), tuple(notes))


def chart_date(run_time: datetime) -> str:
    """The date under every chart: the run's."""
    return run_time.date().isoformat()


class ChartJob:
    """The report's charts, drawn by a process of their own while this one computes the
    probabilities and writes the workbook: on two cores the charts (about a second) then
    cost next to nothing of the report's time.

    The process is spawned when the job is made, so its start (Python, NumPy, the chart
    modules: about half a second) overlaps the caller's loading and simulating; ``start``
    hands it the charts to draw, ``result`` waits for them, passing its progress on. The
    charts are the same bytes as drawn in this process. One pipe carries everything, and
    nothing else is shared (no queue, no lock: nothing a stopped run could leave behind).
    Should the chart process die (killed, out of memory), ``result`` draws the charts
    here instead. Spawning imports the caller's main module again: a script needs its
    ``if __name__ == "__main__"`` guard. Known gap: a Ctrl-C sent in the moment the chart
    process starts is, rarely, not acted on (about one in twenty tries timed to land
    there); a second Ctrl-C stops the report.
    """

    def __init__(self) -> None:
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        self._pipe, theirs = context.Pipe()
        self._process = context.Process(
            target=_chart_process, args=(theirs,), name="nscc-charts", daemon=True
        )
        # Ctrl-C reaches every process of the terminal's group; it is the report's to
        # handle, and the chart process ends with the report (``_end_with_parent``). Held
        # back while the process starts, it starts with it held, and it is delivered here
        # afterwards.
        try:
            with _ctrl_c_held():
                self._process.start()
        except BaseException:  # Ctrl-C held back meanwhile comes now: no charts, then
            if self._process.pid is not None:
                self._process.kill()
                self._process.join()
            raise
        finally:
            theirs.close()
        self._job: tuple[Projection, Lang, Bands | None, str, int] | None = None

    def start(
        self,
        projection: Projection,
        lang: Lang,
        bands: Bands | None,
        run_time: datetime,
        workers: int = 1,
    ) -> None:
        """Draw the charts ``build_report`` would draw for these arguments."""
        self._job = (projection, lang, bands, chart_date(run_time), workers)
        with contextlib.suppress(OSError):  # gone already: ``result`` draws them here
            self._pipe.send(self._job)

    def result(self, progress: Callable[[], None] | None = None) -> tuple[list[Chart], list[str]]:
        """The charts and their notes, as ``render_charts`` returns them; ``progress`` is
        called once per chart drawn. An error in the chart process is raised here."""
        if self._job is None:
            raise RuntimeError("ChartJob.result before ChartJob.start")
        try:
            while True:
                kind, payload = self._pipe.recv()
                if kind == "drawn":
                    if progress is not None:
                        progress()
                elif kind == "done":
                    charts: tuple[list[Chart], list[str]] = payload
                    return charts
                else:
                    raise payload
        except (EOFError, OSError):  # the chart process died: draw them here
            projection, lang, bands, date, workers = self._job
            return render_charts(
                projection, lang, bands, date=date, progress=progress, workers=workers
            )

    def close(self, *, wait: bool = True) -> None:
        """End the chart process: once it has sent its charts (``wait``), else at once."""
        self._pipe.close()  # a process still waiting for its job ends on that
        if not wait:
            self._process.terminate()
        self._process.join(timeout=None if wait else 5)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()

    def __enter__(self) -> ChartJob:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        # A failed or interrupted report does not wait for charts nobody will see.
        self.close(wait=kind is None)


@contextmanager
def _ctrl_c_held() -> Iterator[None]:
    """Ctrl-C (SIGINT) held back meanwhile and acted on afterwards, where this thread may
    handle signals (the main thread): a process started meanwhile starts with it blocked
    (a signal mask outlives the start of a program), and this one receives it after.

    The mask alone does not hold it back here: NumPy's BLAS threads leave SIGINT open and
    any thread may take it for the process, so it is also noted by a handler of its own
    while the process starts, and passed on to the usual handler once it has started.
    """
    import signal
    import threading

    block = getattr(signal, "pthread_sigmask", None)
    if block is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    # Started first: its own start unblocks SIGINT and SIGTERM, which it holds back itself.
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()
    noted: list[int] = []
    usual = signal.signal(signal.SIGINT, lambda number, _: noted.append(number))
    mask = block(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        block(signal.SIG_SETMASK, mask)
        signal.signal(signal.SIGINT, signal.SIG_DFL if usual is None else usual)
    if noted and callable(usual):
        usual(signal.SIGINT, None)  # Python's own raises KeyboardInterrupt
    elif noted and usual == signal.SIG_DFL:
        os.kill(os.getpid(), signal.SIGINT)


def _chart_process(pipe: Connection) -> None:
    """The chart process: waits for its job (it ends if the report closes the pipe
    first), draws it, sends a word per chart drawn, then the charts or the error."""
    import signal
    import threading

    from nscc_proj.present.fonts import cjk_font

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the report's to handle (also on Windows)
    threading.Thread(target=_end_with_parent, daemon=True).start()
    cjk_font()  # the fonts looked up before the job comes
    try:
        projection, lang, bands, date, workers = pipe.recv()
    except EOFError:
        return
    try:
        drawn = render_charts(
            projection,
            lang,
            bands,
            date=date,
            progress=lambda: pipe.send(("drawn", None)),
            workers=workers,
        )
    except Exception as exc:  # told to the report, which raises it
        try:
            pipe.send(("failed", exc))
        except Exception:  # an error that does not pickle: its words, then
            pipe.send(("failed", RuntimeError(f"{type(exc).__name__}: {exc}")))
        return
    pipe.send(("done", drawn))


def _end_with_parent() -> None:
    """End this process when the one that made it ends: a report killed mid-run (a CI
    timeout, ``kill -9``) must not leave its chart process running."""
    import multiprocessing
    from multiprocessing.connection import wait

    parent = multiprocessing.parent_process()
    if parent is not None:
        wait([parent.sentinel])
        os._exit(1)


def _pdf(page: bytes, lang: Lang) -> bytes | str:
    """report.pdf's bytes, or the one-line note saying why there is none."""
    import subprocess

    from nscc_proj.present.pdf import find_chromium, print_pdf

    chromium = find_chromium()
    if chromium is None:
        return label("pdf_skipped", lang)
    try:
        return print_pdf(page, chromium)
    except (OSError, subprocess.SubprocessError) as exc:
        return label("pdf_failed", lang).format(reason=str(exc)[:300])


# What an nscc report folder holds: only these may be replaced along with it.
REPORT_ENTRIES = ("report.html", "report.pdf", "report.xlsx", "summary.md", "charts")
_CHART_SUFFIXES = (".png", ".svg")
# Siblings of the folder ``NAME``: ``.NAME.new-<pid>-<random>`` is a report being written by
# process <pid>, ``.NAME.old-<pid>-<random>`` the previous report between the two renames of a swap
# where the filesystem cannot exchange two folders atomically.
_STAGING, _RETIRED = ".new-", ".old-"


def output_folder(folder: str | Path) -> Path:
    """The folder the report replaces: absolute, with symlinks and ``..`` resolved (a
    symlink to a folder keeps pointing at the new report)."""
    return Path(os.path.realpath(folder))


def check_folder(folder: str | Path) -> None:
    """Fail before rendering, not after, when ``folder`` cannot be the output folder.

    The report replaces the folder whole, so only a missing folder, an empty one or a
    previous nscc report is accepted: ``report.html``, ``report.xlsx``, ``summary.md``
    and ``charts/`` holding only PNG and SVG files. Anything else is refused rather than
    swept away, as is the working folder itself (or one that holds it).
    """
    root = output_folder(folder)
    shown = str(folder)
    if root.exists() and not root.is_dir():
        raise InputError("the output path exists and is not a folder", source=shown)
    if root.parent == root:
        raise InputError("the report replaces its folder whole: give a subfolder", source=shown)
    if not root.is_dir():
        return
    cwd = Path.cwd().resolve()
    if cwd == root or root in cwd.parents:
        raise InputError(
            "the report replaces its folder whole, and this one is (or holds) the working "
            "folder: run nscc from elsewhere or give another folder",
            source=shown,
        )
    try:
        foreign = _foreign_entries(root)
    except OSError as exc:
        raise InputError(f"cannot read the folder: {exc.strerror or exc}", source=shown) from None
    if foreign:
        raise InputError(
            f"the folder holds files that are not an nscc report ({foreign[0]}"
            + (f" and {len(foreign) - 1} more" if len(foreign) > 1 else "")
            + "): give a new or empty folder",
            source=shown,
        )


def _foreign_entries(root: Path) -> list[str]:
    """Entries of ``root`` a report does not write, as paths relative to it."""
    foreign = []
    for path in sorted(root.iterdir()):
        if path.name not in REPORT_ENTRIES or path.is_symlink():
            foreign.append(path.name)
        elif path.name == "charts":
            if not path.is_dir():
                foreign.append(path.name)
                continue
            for chart in sorted(path.iterdir()):
                if chart.suffix not in _CHART_SUFFIXES or not chart.is_file() or chart.is_symlink():
                    foreign.append(f"charts/{chart.name}")
        elif not path.is_file():
            foreign.append(path.name)
    return foreign


def write_report(report: Report, folder: str | Path) -> list[Path]:
    """Replace ``folder`` whole with the report: after a kill at any moment, the folder
    holds the previous report or the complete new one, never a mix.

    Everything is written (and synced) into a sibling staging folder, which is then
    exchanged with the old folder in one atomic step (``renameat2`` with
    ``RENAME_EXCHANGE`` on Linux; elsewhere two renames, between which the old report
    waits beside it as ``.NAME.old-*`` and is put back by the next run if that one is
    killed there). Leftovers of killed runs are removed first; those of a run still
    going (its process alive) are left alone.
    """
    check_folder(folder)
    root = output_folder(folder)
    parent = root.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        _remove_leftovers(parent, root.name)
        mode = existing_mode(root, 0o777)
        staging = Path(tempfile.mkdtemp(prefix=f".{root.name}{_STAGING}{os.getpid()}-", dir=parent))
    except OSError as exc:
        raise InputError(
            f"cannot create the folder: {exc.strerror or exc}", source=str(folder)
        ) from None
    try:
        staging.chmod(mode)  # mkdtemp makes it private (0700); a report folder is not
        (staging / "charts").mkdir()
        for name, data in report.files.items():
            _write_file(staging / name, data)
        _sync_folder(staging / "charts")
        _sync_folder(staging)
        _swap_in(staging, root)
        _sync_folder(parent)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise InputError(
            f"cannot write the report: {exc.strerror or exc}", source=str(folder)
        ) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [Path(folder) / name for name in sorted(report.files)]


def _write_file(path: Path, data: bytes) -> None:
    with path.open("wb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())


def _sync_folder(folder: Path) -> None:
    """Make the folder's entries durable (a no-op where folders cannot be opened)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _owner_alive(path: Path, marker: str) -> bool:
    """Whether the process named in ``.NAME<marker><pid>-<random>`` still runs (then its files
    are not leftovers); a name without a process id is a leftover."""
    pid = path.name.split(marker, 1)[1].split("-", 1)[0]
    if not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


def _remove_leftovers(parent: Path, name: str) -> None:
    for path in parent.glob(f".{glob.escape(name)}{_STAGING}*"):
        if not _owner_alive(path, _STAGING):
            shutil.rmtree(path, ignore_errors=True)
    for path in sorted(parent.glob(f".{glob.escape(name)}{_RETIRED}*")):
        if _owner_alive(path, _RETIRED):
            continue
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
    suffix = staging.name.split(_STAGING, 1)[1]
    retired = root.parent / f".{root.name}{_RETIRED}{suffix}"
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


def summary_markdown(
    projection: Projection,
    rows: Sequence[_Row],
    lang: Lang,
    *,
    title: str | None = None,
    probabilities: Table | None = None,
    paths: int | None = None,
) -> str:
    """The verdict and the executive summary as Markdown, for pasting into documents;
    deterministic. Every piece of user text goes through ``markdown_text``."""
    title = title or plan_title(projection, lang)
    out = [f"# {markdown_text(title)}", "", markdown_text(inputs_line(projection, lang)), ""]
    out += [f"## {label('headline_title', lang)}", ""]
    out += [f"- {markdown_text(sentence)}" for sentence in headline(projection, rows, lang)]
    out += [""]
    chances = probability_lookup(probabilities)
    out += _md_verdict(verdict_table(projection, rows, lang, chances, paths), lang)
    out += [f"## {label('met_by_scenario', lang)}", ""]
    out += _md_table(*met_rows(projection, lang), text=2)
    columns, cells = domain_counts(projection, lang)
    out += [f"## {label('met_by_domain', lang)}", ""]
    out += _md_table([label("domain", lang), *columns], [[d, *c] for d, c in cells.items()])
    out += [f"## {label('growth_title', lang)}", ""]
    out += _md_table(growth_header(projection, lang), growth_rows(projection, rows, lang), text=1)
    return "\n".join(out).rstrip("\n") + "\n"


def _md_verdict(table: VerdictTable, lang: Lang) -> list[str]:
    """The verdict table in Markdown: a bold row per domain above its indicators (the
    domain's name escaped like any user text), then the legend."""
    width = len(table.header)
    lines = _md_table(table.header, [], text=2)[:2]
    for domain, rows in table.groups:
        lines.append("| | **" + markdown_text(domain) + "** |" + " |" * (width - 2))
        lines += _md_table(table.header, [[c.plain() for c in row] for row in rows], text=2)[2:-1]
    heading = [f"### {markdown_text(label('verdict_table_title', lang))}", ""]
    return [*heading, *lines, "", *(markdown_text(line) + "\n" for line in table.legend)]


# Every character some reader takes for the end of a line (CommonMark: LF and CR; Python's
# ``splitlines`` and Unicode: these too) becomes a space: a table row stays one line.
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_MARKDOWN_SPECIALS = str.maketrans(
    {c: "\\" + c for c in "\\`*_[]<>|#"} | dict.fromkeys(LINE_BREAKS, " ")
)


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
