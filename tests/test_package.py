"""Package-level promises: doctests hold, the CLI starts light, data ships inside."""

from __future__ import annotations

import doctest
import importlib
import subprocess
import sys

import pytest

import nscc_proj


@pytest.mark.parametrize("module", ["nscc_proj", "nscc_proj.engine", "nscc_proj.assess"])
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


def test_public_names_resolve():
    for name in nscc_proj.__all__:
        assert getattr(nscc_proj, name) is not None
    with pytest.raises(AttributeError):
        nscc_proj.no_such_name  # noqa: B018


def test_tables_become_tidy_frames(catalog):
    result = nscc_proj.project(catalog, [nscc_proj.load_scenario("base")])
    frame = result.assessment_table.to_frame()
    assert list(frame.columns)[:4] == ["scenario", "indicator_id", "indicator_key", "milestone"]
    assert len(frame) == 62
    paths = result.path_table.to_frame()
    assert set(paths["year"]) == set(range(2020, 2036))


def test_all_lists_exactly_the_lazy_exports():
    assert set(nscc_proj.__all__) == {*nscc_proj._EXPORTS, "__version__"}
