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
from nscc_proj.present import report as report_module
from nscc_proj.present.report import markdown_text

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
    generator = random.Random(7)
    for attempt in range(4):
        process = subprocess.Popen(
            [*command, "--out", "out", "--lang", ("zh", "en")[attempt % 2]], cwd=workdir,
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(generator.uniform(0.5, 4.0))
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert _complete(workdir / "out")
        assert _without_workbook(_digest(workdir / "out")) in references
    # The next run clears what the killed ones left beside the folder.
    whole("out", "en")
    assert not [p for p in workdir.iterdir() if p.name.startswith(".out.")]


def _without_workbook(digest: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in digest.items() if name != "report.xlsx"}


@settings(max_examples=200, deadline=None)
@given(st.text() | st.sampled_from(["<script>alert(1)</script>", "a|b", "**x**", "[l](http://e)"]))
def test_user_text_in_markdown_is_literal(text: str) -> None:
    """Escaped text renders as itself: no markup character is left unescaped, one line."""
    escaped = markdown_text(text)
    assert "\n" not in escaped
    assert "\r" not in escaped
    unescaped = re.sub(r"\\(.)", "", escaped)  # drop every escaped character
    assert not set(unescaped) & set("`*_[]<>|#")
    assert re.sub(r"\\(.)", r"\1", escaped).replace("&amp;", "&") == text.replace(
        "\n", " "
    ).replace("\r", " ")
