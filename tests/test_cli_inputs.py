"""Starting a scenario of one's own, and a local file that shadows a shipped one."""

from __future__ import annotations

from pathlib import Path

from cli_helpers import assert_input_error, run


def test_scenario_new_copies_a_shipped_scenario(workdir: Path) -> None:
    result = run("scenario", "new", "mine", "--from", "high")
    assert result.exit_code == 0, result.stderr
    text = (workdir / "scenarios" / "mine.yaml").read_text(encoding="utf-8")
    assert text.startswith("# mine: started from the shipped scenario 'high'")
    assert "\nname: mine\n" in text
    projected = run("project", "-s", "mine", "-f", "csv")
    assert projected.exit_code == 0, projected.stderr
    assert {line.split(",")[0] for line in projected.stdout.splitlines()[1:]} == {"mine"}
    assert_input_error(run("scenario", "new", "mine"), "exists already")
    assert run("scenario", "new", "mine", "--force").exit_code == 0
    assert_input_error(run("scenario", "new", "two words"), "one word")
    assert_input_error(run("scenario", "new", "x", "--from", "bse"), "did you mean 'base'")


def test_a_local_scenario_shadowing_a_shipped_one_is_announced(workdir: Path) -> None:
    assert run("scenario", "new", "base").exit_code == 0
    result = run("project", "-s", "base", "-f", "csv")
    assert result.exit_code == 0
    assert "Note: using scenarios/base.yaml here, not the shipped base" in result.stderr
