"""Imported first by conftest: where nscc's requirements are not installed, the run stops
with one line saying what to install, instead of a collection error in whichever test file
first imports one (``python3 -m pytest`` with a Python that lacks them)."""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path

import pytest


def missing() -> list[str]:
    """nscc's requirements (pyproject.toml) and hypothesis that this Python cannot import."""
    project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    names = [
        re.split(r"[<>=!~\[ ;]", need, maxsplit=1)[0] for need in project["project"]["dependencies"]
    ]
    modules = {"PyYAML": "yaml"}  # the one whose module is not named as its distribution
    wanted = [modules.get(name, name) for name in names] + ["hypothesis"]
    return [name for name in wanted if importlib.util.find_spec(name) is None]


if absent := missing():
    pytest.exit(
        f"cannot import {', '.join(absent)}: run the tests where nscc and its test extra are "
        "installed (README: python3 -m venv .venv && . .venv/bin/activate && "
        "pip install '.[test]' && pytest)",
        returncode=4,
    )
