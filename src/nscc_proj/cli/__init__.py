"""The thin command line: options in, library calls, exceptions become exit codes.

``app`` (in ``app.py``) holds the shared options and the one place where
exceptions become exit codes; each command group lives in a module of its
own and registers itself on ``app`` when imported here.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from typing import NoReturn

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

__all__ = [
    "analysis",
    "app",
    "data",
    "leave",
    "main",
    "report",
    "scenarios",
    "targets",
    "uncertainty",
]


def main() -> None:
    """Console-script entry point: builds only the command it runs (``app_for``), and
    ends the process without Python's teardown once the command is over (``leave``).

    Pydantic plugins (entry points that observe every validation) are off unless
    ``PYDANTIC_DISABLE_PLUGINS`` says otherwise: nscc's own models need none, and
    looking them up reads every installed distribution's metadata at each start.
    """
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    try:
        app_for(sys.argv[1:])(prog_name="nscc")
    except SystemExit as stop:
        leave(stop.code)
    leave(0)


def leave(code: object) -> NoReturn:
    """End the process with exit status ``code`` (as ``sys.exit`` takes it).

    Python's teardown of the five to seven hundred modules a run loads takes about 35 ms,
    a tenth of ``nscc project``, and does nothing a finished command needs: its files are
    written and closed, its pools and processes joined. So, once the exit handlers have
    run (``atexit``: coverage's, a plugin's) and stdout and stderr are flushed, the
    process ends at once (``os._exit``), unless a thread or a child process still runs (a
    Dask cluster's, say) or a profiler or tracer watches (it writes its results after
    the program returns): then Python's own exit, as always. A failed flush (a full
    disk, a closed pipe) gives status 120, as Python's exit does.
    """
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:
        if sys.stderr is not None:
            print(code, file=sys.stderr)
        status = 1
    if not _alone() or sys.getprofile() is not None or sys.gettrace() is not None:
        sys.exit(status)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except Exception:  # OSError; ValueError: the stream was closed
            status = status or 120
    os._exit(status)


def _alone() -> bool:
    """Whether nothing but the main thread runs in this process, and no child process."""
    if threading.active_count() > 1:
        return False
    children = sys.modules.get("multiprocessing")
    return children is None or not children.active_children()
