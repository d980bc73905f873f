"""The thin command line: options in, library calls, exceptions become exit codes.

``app`` (in ``app.py``) holds the shared options and the one place where
exceptions become exit codes; each command group lives in a module of its
own and registers itself on ``app`` when imported here.
"""

from __future__ import annotations

# Imported in the order --help lists the commands: each module registers its own.
# isort: off
from nscc_proj.cli import targets
from nscc_proj.cli import analysis
from nscc_proj.cli import report
from nscc_proj.cli import uncertainty
from nscc_proj.cli import data
from nscc_proj.cli import scenarios

# isort: on
from nscc_proj.cli.common import app

__all__ = ["analysis", "app", "data", "main", "report", "scenarios", "targets", "uncertainty"]


def main() -> None:
    """Console-script entry point."""
    app()
