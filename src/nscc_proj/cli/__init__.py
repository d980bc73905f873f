"""The thin command line: options in, library calls, exceptions become exit codes.

``app`` (in ``app.py``) holds the shared options and the one place where
exceptions become exit codes; each command group lives in a module of its
own and registers itself on ``app`` when imported here.
"""

from __future__ import annotations

import os
import sys

# Imported in the order --help lists the commands: each module registers its own.
# isort: off
from nscc_proj.cli import targets
from nscc_proj.cli import analysis
from nscc_proj.cli import report
from nscc_proj.cli import uncertainty
from nscc_proj.cli import data
from nscc_proj.cli import scenarios

# isort: on
from nscc_proj.cli.common import app, app_for

__all__ = ["analysis", "app", "data", "main", "report", "scenarios", "targets", "uncertainty"]


def main() -> None:
    """Console-script entry point: builds only the command it runs (``app_for``).

    Pydantic plugins (entry points that observe every validation) are off unless
    ``PYDANTIC_DISABLE_PLUGINS`` says otherwise: nscc's own models need none, and
    looking them up reads every installed distribution's metadata at each start.
    """
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    app_for(sys.argv[1:])(prog_name="nscc")
