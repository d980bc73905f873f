"""A report folder is replaced whole: the previous report or the new one, never a mix."""

from __future__ import annotations

import hashlib
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cli_helpers import assert_input_error, run
from nscc_proj.errors import InputError
from nscc_proj.present import report as report_module
from nscc_proj.present.report import LINE_BREAKS, markdown_text

SCENARIO = """\
name: tiny
growth:
  gdp: 0.1
  jobless: {change: -0.1}
  rank: {change: -0.5}
  rd_growth: "10%"
  share: {change: 1}
  parks: 0.1
"""


def _digest(folder: Path) -> dict[str, str]:
    """File -> hash; the report's time of run is left out (it differs from run to run)."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(
            re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[^ <]*", b"", path.read_bytes())
        ).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _complete(folder: Path) -> bool:
    names = {p.name for p in folder.iterdir()}
    return {"report.html", "report.xlsx", "summary.md", "charts"} <= names


@pytest.fixture
def inputs(workdir: Path, tiny_table: Path, write_file: Callable[[str, str], Path]) -> Path:
    write_file("tiny.yaml", SCENARIO)
    return tiny_table


def test_a_failure_mid_write_leaves_the_previous_report(
    workdir: Path, inputs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ("report", "--data", inputs, "-s", workdir / "tiny.yaml", "--out", "out")
    assert run(*args).exit_code == 0
    before = _digest(workdir / "out")
    calls = {"n": 0}
    real_fsync = os.fsync

    def failing_fsync(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] == 5:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(report_module.os, "fsync", failing_fsync)
    result = run(*args, "--lang", "zh")
    assert result.exit_code == 2
    assert "No space left on device" in result.stderr
    assert _digest(workdir / "out") == before
    assert not [p for p in workdir.iterdir() if p.name.startswith(".out.")]


def test_a_folder_with_other_files_is_refused(workdir: Path, inputs: Path) -> None:
    (workdir / "mine").mkdir()
    (workdir / "mine" / "notes.txt").write_text("keep me", encoding="utf-8")
    result = run("report", "--data", inputs, "-s", workdir / "tiny.yaml", "--out", "mine")
    assert_input_error(result, "not an nscc report (notes.txt)")
    assert (workdir / "mine" / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_a_killed_run_leaves_the_old_or_the_new_report(workdir: Path, inputs: Path) -> None:
    """Kill runs that alternate en and zh at random moments: the folder always equals a
    whole English or a whole Chinese report (the workbook, which records the time of
    its run, aside), so no kill ever leaves a mix of the two."""
    command = [
        sys.executable, "-m", "nscc_proj", "report", "--data", str(inputs),
        "-s", str(workdir / "tiny.yaml"),
    ]  # fmt: skip
    env = {**os.environ, "MPLBACKEND": "Agg"}

    def whole(folder: str, lang: str) -> dict[str, str]:
        subprocess.run(
            [*command, "--out", folder, "--lang", lang], cwd=workdir, env=env, check=True,
            capture_output=True,
        )  # fmt: skip
        return _without_workbook(_digest(workdir / folder))

    references = [whole("en", "en"), whole("zh", "zh")]
    assert references[0] != references[1]
    whole("out", "en")
    # Kill at random moments spread over the seconds a run of the tiny table takes (fixed
    # delays: nothing here reads the clock, so a busy machine only moves where kills land).
    generator = random.Random(7)
    for attempt in range(5):
        process = subprocess.Popen(
            [*command, "--out", "out", "--lang", ("zh", "en")[attempt % 2]], cwd=workdir,
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(generator.uniform(0.3, 5.0))
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert _complete(workdir / "out")
        assert _without_workbook(_digest(workdir / "out")) in references
    # The next run clears what the killed ones left beside the folder.
    whole("out", "en")
    assert not [p for p in workdir.iterdir() if p.name.startswith(".out.")]


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        found |= {int(child) for child in (task / "children").read_text().split()}
    return found


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"  # a zombie has ended; only its exit status waits to be read


@pytest.mark.skipif(
    not Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").exists(),
    reason="needs Linux's /proc/PID/task/TID/children",
)
@pytest.mark.parametrize("how", ["kill -9", "Ctrl-C"])
def test_a_stopped_run_leaves_no_chart_process_behind(
    workdir: Path, inputs: Path, how: str
) -> None:
    """The process that draws a report's charts ends with the run, even one killed outright
    (kill -9 leaves no chance to close anything); Ctrl-C, which the terminal sends to every
    process of its group, stops the run (status 130) and leaves nothing to clean up."""
    process = subprocess.Popen(
        [sys.executable, "-m", "nscc_proj", "report", "--data", str(inputs), "--no-observed",
         "-s", str(workdir / "tiny.yaml"), "--out", "out"],
        cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    children: set[int] = set()
    for _ in range(600):  # until the chart process is there (a minute at most)
        children = _children(process.pid)
        if children or process.poll() is not None:
            break
        time.sleep(0.1)
    if how == "kill -9":
        process.send_signal(signal.SIGKILL)
    else:
        # As a user would: Ctrl-C, and again if the run goes on (one that lands while the
        # chart process is being started can be lost, rarely: see ChartJob).
        for _ in range(3):
            if process.poll() is not None:
                break
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                continue
    _, said = process.communicate()
    if how == "Ctrl-C":  # (after kill -9, the resource tracker says what it cleans up)
        assert process.returncode == 130
        assert "leaked" not in said
    if not children:
        pytest.skip("this machine drew the charts in the report's own process (one core)")
    for _ in range(300):  # each child sees its parent gone within moments; allow 30 s
        if not any(_running(child) for child in children):
            break
        time.sleep(0.1)
    assert not [child for child in children if _running(child)]


def test_a_finished_run_says_one_line_and_leaves_no_process(workdir: Path, inputs: Path) -> None:
    """The report's own process and its chart process end cleanly: one line on stderr,
    nothing from the resource tracker about semaphores left behind."""
    done = subprocess.run(
        [sys.executable, "-m", "nscc_proj", "report", "--data", str(inputs), "--no-observed",
         "-s", str(workdir / "tiny.yaml"), "--out", "out"],
        cwd=workdir, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0
    assert len(done.stderr.splitlines()) == 1
    assert done.stderr.startswith("Wrote report.html")


def _without_workbook(digest: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in digest.items() if name != "report.xlsx"}


@settings(max_examples=200, deadline=None)
@given(st.text() | st.sampled_from(["<script>alert(1)</script>", "a|b", "**x**", "[l](http://e)"]))
def test_user_text_in_markdown_is_literal(text: str) -> None:
    """Escaped text renders as itself: no markup character is left unescaped, one line."""
    escaped = markdown_text(text)
    assert len(f"a{escaped}b".splitlines()) == 1
    unescaped = re.sub(r"\\(.)", "", escaped)  # drop every escaped character
    assert not set(unescaped) & set("`*_[]<>|#")
    one_line = text.translate(str.maketrans(dict.fromkeys(LINE_BREAKS, " ")))
    assert re.sub(r"\\(.)", r"\1", escaped).replace("&amp;", "&") == one_line


# --- The folder mechanics, on small fake reports (no rendering) ----------------------------------


def _fake(tag: str) -> report_module.Report:
    files = {
        "report.html": f"<p>{tag}</p>".encode(),
        "report.xlsx": tag.encode() * 3,
        "summary.md": f"# {tag}\n".encode(),
        "charts/indicator_01_gdp.png": f"png {tag}".encode(),
        "charts/indicator_01_gdp.svg": f"svg {tag}".encode(),
    }
    return report_module.Report(files, (), ())


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _beside(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.parent.iterdir() if p.name.startswith(f".{folder.name}."))


def test_a_writer_failing_mid_write_leaves_the_old_report_byte_identical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    report_module.write_report(_fake("old"), out)
    before = _files(out)
    calls = {"n": 0}
    real = report_module._write_file

    def third_fails(path: Path, data: bytes) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("renderer died")
        real(path, data)

    monkeypatch.setattr(report_module, "_write_file", third_fails)
    with pytest.raises(RuntimeError, match="renderer died"):
        report_module.write_report(_fake("new"), out)
    assert _files(out) == before
    assert _beside(out) == []


def test_a_full_disk_mid_write_is_an_input_error_and_keeps_the_old_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    report_module.write_report(_fake("old"), out)
    before = _files(out)

    def full(path: Path, data: bytes) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(report_module, "_write_file", full)
    with pytest.raises(InputError, match="cannot write the report: No space left on device"):
        report_module.write_report(_fake("new"), out)
    assert _files(out) == before
    assert _beside(out) == []


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "two-renames"])
def test_the_new_report_replaces_the_old_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exchange: bool
) -> None:
    if not exchange:
        monkeypatch.setattr(report_module, "_exchange", lambda first, second: False)
    out = tmp_path / "out"
    report_module.write_report(_fake("old"), out)
    (out / "charts" / "indicator_02_gone.png").write_bytes(b"an old chart")
    report_module.write_report(_fake("new"), out)
    assert _files(out) == _fake("new").files
    assert _beside(out) == []


def test_the_folder_keeps_its_mode(tmp_path: Path) -> None:
    out = tmp_path / "out"
    report_module.write_report(_fake("old"), out)
    umask = os.umask(0)
    os.umask(umask)
    assert (out.stat().st_mode & 0o777) == 0o777 & ~umask  # not mkdtemp's private 0700
    out.chmod(0o750)
    report_module.write_report(_fake("new"), out)
    assert (out.stat().st_mode & 0o777) == 0o750


def test_a_symlink_to_the_folder_keeps_pointing_at_the_new_report(tmp_path: Path) -> None:
    real = tmp_path / "real"
    report_module.write_report(_fake("old"), real)
    (tmp_path / "link").symlink_to(real)
    report_module.write_report(_fake("new"), tmp_path / "link")
    assert (tmp_path / "link").is_symlink()
    assert _files(real) == _fake("new").files


@pytest.mark.parametrize(
    ("make", "named"),
    [
        (lambda out: (out / "notes.txt").write_text("keep"), "notes.txt"),
        (lambda out: (out / "charts" / "data.csv").write_text("keep"), "charts/data.csv"),
        (lambda out: (out / "charts" / "more").mkdir(), "charts/more"),
        (lambda out: (out / ".git").mkdir(), ".git"),
    ],
)
def test_a_folder_that_is_not_a_report_is_refused_and_kept(
    tmp_path: Path, make: Callable[[Path], object], named: str
) -> None:
    out = tmp_path / "out"
    report_module.write_report(_fake("old"), out)
    make(out)
    before = _files(out)
    with pytest.raises(InputError, match=re.escape(f"not an nscc report ({named})")):
        report_module.write_report(_fake("new"), out)
    assert _files(out) == before


def test_the_working_folder_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    report_module.write_report(_fake("old"), out)
    monkeypatch.chdir(out / "charts")
    with pytest.raises(InputError, match="working folder"):
        report_module.write_report(_fake("new"), "..")
    with pytest.raises(InputError, match="give a subfolder"):
        report_module.check_folder("/")


def test_leftovers_of_dead_runs_go_and_those_of_live_runs_stay(tmp_path: Path) -> None:
    out = tmp_path / "out"
    report_module.write_report(_fake("old"), out)
    dead = _dead_pid()
    (tmp_path / f".out.new-{dead}-abc").mkdir()  # a run killed while writing
    (tmp_path / ".out.new-xyz").mkdir()  # an older naming, without a process id
    live = tmp_path / f".out.new-{os.getppid()}-def"  # a run still writing
    live.mkdir()
    report_module.write_report(_fake("new"), out)
    assert _beside(out) == [live.name]
    assert _files(out) == _fake("new").files


def test_a_run_killed_between_two_renames_gets_its_old_report_back(tmp_path: Path) -> None:
    """Where folders cannot be exchanged atomically, a kill between renaming the old report
    aside and the new one in leaves no folder: the next run puts the old one back first."""
    out = tmp_path / "out"
    report_module.write_report(_fake("old"), out)
    out.rename(tmp_path / f".out.old-{_dead_pid()}-abc")
    report_module.check_folder(out)  # a missing folder is fine
    calls: list[dict[str, bytes]] = []
    real = report_module._swap_in

    def look_first(staging: Path, root: Path) -> None:
        calls.append(_files(root))  # what is in place just before the swap
        real(staging, root)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(report_module, "_swap_in", look_first)
        report_module.write_report(_fake("new"), out)
    assert calls == [_fake("old").files]
    assert _files(out) == _fake("new").files
    assert _beside(out) == []


def _dead_pid() -> int:
    """The id of a process that has ended."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid
