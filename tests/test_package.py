"""Package-level promises: doctests hold, the CLI starts light, data ships inside and runs.

The smoke tests at the end run the data nscc really ships (every other test runs the frozen
copies in tests/data): they check shapes and consistency only, so a data update passes them.
"""

from __future__ import annotations

import ast
import doctest
import importlib
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import Result

import nscc_proj
from cli_helpers import csv_rows, run
from conftest import FROZEN_DATA, FROZEN_SCENARIOS
from nscc_proj.inputs.catalog_io import load_catalog
from nscc_proj.inputs.scenario import resolve_scenario_path, shipped_scenario_dir


@pytest.mark.parametrize("module", ["nscc_proj", "nscc_proj.core.engine", "nscc_proj.core.assess"])
def test_docstring_examples_run(module):
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0
    assert result.failed == 0


def test_help_imports_no_heavy_module():
    code = (
        "import sys; from nscc_proj.cli import app; import typer.testing as t;"
        "t.CliRunner().invoke(app, ['--help']); t.CliRunner().invoke(app, ['project', '--help']);"
        "print(sorted(m for m in ('numpy', 'pandas', 'scipy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_projection_does_not_import_pandas_or_scipy():
    code = (
        "import sys; from nscc_proj import load_catalog, load_scenario, project;"
        "project(load_catalog(), [load_scenario('base')]).assessment_table;"
        "print(sorted(m for m in ('pandas', 'scipy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


LIBRARY = Path(nscc_proj.__file__).parent


def _error_texts(tree: ast.AST) -> list[tuple[int, str]]:
    """The literal text of every error the library raises (messages and fields)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in {
            "InputError",
            "NoSolution",
            "ClusterError",
        }:
            for part in ast.walk(node):
                if isinstance(part, ast.Constant) and isinstance(part.value, str):
                    found.append((node.lineno, part.value))
    return found


def test_library_errors_name_no_command_line_flag():
    # The library names its own arguments (field="paths"); the CLI shows the flag the user typed.
    offenders = [
        f"{path.relative_to(LIBRARY)}:{line}: {text!r}"
        for layer in ("core", "inputs", "analysis", "present")
        for path in sorted((LIBRARY / layer).glob("*.py"))
        for line, text in _error_texts(ast.parse(path.read_text(encoding="utf-8")))
        if "--" in text
    ]
    assert offenders == []


def test_the_cli_shows_the_flag_for_the_argument_at_fault(workdir: Path) -> None:
    result = run("solve", "-s", "base", "--target", "gdp:2035", "--vary", "gdp")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: --vary: give the assumption as KEY:PERIOD")


def test_public_names_resolve():
    for name in nscc_proj.__all__:
        assert getattr(nscc_proj, name) is not None
    with pytest.raises(AttributeError):
        nscc_proj.no_such_name  # noqa: B018


def test_tables_become_tidy_frames(catalog):
    result = nscc_proj.project(catalog, [nscc_proj.load_scenario(FROZEN_SCENARIOS / "base.yaml")])
    frame = result.assessment_table.to_frame()
    assert list(frame.columns)[:4] == ["scenario", "indicator_id", "indicator_key", "milestone"]
    assert len(frame) == 62
    paths = result.path_table.to_frame()
    assert set(paths["year"]) == set(range(2020, 2036))


def test_all_lists_exactly_the_lazy_exports():
    assert set(nscc_proj.__all__) == {*nscc_proj._EXPORTS, "__version__"}


# --- the shipped data: smoke tests of shape and consistency, never of values --------------------


def test_workdir_reads_the_frozen_copies(workdir: Path) -> None:
    """The fixture every CLI test uses really swaps the shipped data for tests/data."""
    assert load_catalog().folder == FROZEN_DATA
    assert resolve_scenario_path("base") == FROZEN_SCENARIOS / "base.yaml"


def _no_error(result: Result) -> None:
    assert result.exit_code == 0, (result.stdout, result.stderr)
    assert "Error" not in result.stderr
    assert "Traceback" not in result.stderr


def test_the_shipped_data_projects_every_shipped_scenario(shipped_workdir: Path) -> None:
    catalog = load_catalog()
    assert len(catalog) == 31
    names = [path.stem for path in sorted(shipped_scenario_dir().glob("*.yaml"))]
    assert {"base", "high", "low"} <= set(names)
    chosen = [arg for name in names for arg in ("-s", name)]
    result = run("project", *chosen, "-f", "csv")
    _no_error(result)
    rows = csv_rows(result.stdout)
    assert len(rows) == len(names) * len(catalog) * len(catalog.milestones)
    assert [row["scenario"] for row in rows[:: len(catalog) * len(catalog.milestones)]] == names
    assert {row["met"] for row in rows} <= {"true", "false", ""}
    # Observed values ship with the table and are followed by the paths.
    paths = csv_rows(run("project", "-s", "base", "--paths", "-f", "csv").stdout)
    assert any(row["observed"] == "true" for row in paths)
    _no_error(run("project", *chosen))  # the terminal dashboard


@pytest.mark.parametrize(
    "command",
    [
        ("indicators", "-f", "csv"),
        ("required", "--from", "base", "-f", "csv"),
        ("required", "--from", "latest", "-f", "csv"),
        ("consistency", "-f", "csv"),
    ],
    ids=" ".join,
)
def test_the_shipped_data_answers_every_table_command(
    shipped_workdir: Path, command: tuple[str, ...]
) -> None:
    result = run(*command)
    _no_error(result)
    rows = csv_rows(result.stdout)
    assert rows
    keys = {row.get("indicator_key", row.get("key")) for row in rows}
    if command[0] == "consistency":
        return
    if command[:3] == ("required", "--from", "latest"):
        assert keys <= set(load_catalog().keys)
    else:
        assert keys == set(load_catalog().keys)


def test_the_shipped_data_checks_against_itself(shipped_workdir: Path) -> None:
    _no_error(run("check", "-s", "base", "-s", "high", "--write-expect", "e.yaml"))
    checked = run("check", "--expect", "e.yaml")
    _no_error(checked)
    assert checked.stdout.startswith("OK: ")


def test_the_shipped_base_simulates_on_calibrated_volatilities(shipped_workdir: Path) -> None:
    # Structure, not values: the shipped scenarios' volatilities are calibrated (no default),
    # a slow stock never falls below its base value, and a target judged on an observation
    # that is not grade A final is a probability with the stated value inside its band.
    result = run("simulate", "-s", "base", "--paths", "2000", "--as-of", "2025", "-f", "csv")
    _no_error(result)
    assert "Warning:" not in result.stderr
    assert result.stderr.startswith("Volatility: base: ")
    rows = [r for r in csv_rows(result.stdout) if r["scope"] == "target"]
    assert {r["volatility_source"] for r in rows} <= {"calibrated", "linked"}
    catalog = load_catalog()
    for key in ("education_years", "doctors_per_1000", "road_density"):
        indicator = catalog[key]
        first = next(r for r in rows if r["indicator_key"] == key and r["milestone"] == "2025")
        assert indicator.base_value is not None
        assert float(first["p5"]) >= indicator.base_value
    uncertain = [
        r for r in rows if r["evidence"] == "observed" and float(r["anchor_error"] or 0) > 0
    ]
    for row in uncertain:
        assert float(row["p5"]) < float(row["deterministic"]) < float(row["p95"]), row
