"""report.pdf: the report's HTML printed to A4 by headless Chromium.

Chromium rather than weasyprint: it is the browser the report is designed and tested in
(its print stylesheet, CJK fonts and page numbers come out as the reader sees them when
printing the page), it needs no Python dependency, and CI installs it for the browser
tests anyway. Where no Chromium is found the report is written without a PDF.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

# Names Chromium goes by on Debian, Fedora, Arch and in Google's packages.
_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_TIMEOUT = 120  # seconds; a page of 33 charts prints in 2-5 s
# Headless, offline and quiet: no sandbox (containers), GPU, network, updates or sync.
HEADLESS_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def find_chromium() -> str | None:
    return next(filter(None, map(shutil.which, _BROWSERS)), None)


def print_pdf(page: bytes, chromium: str) -> bytes:
    """The page printed to PDF (A4 and margins come from its ``@page`` rule).

    The page is written to a private temporary folder, as is Chromium's profile, and
    both are removed afterwards; a failure raises ``OSError`` or
    ``subprocess.SubprocessError`` with Chromium's last words.
    """
    with tempfile.TemporaryDirectory(prefix="nscc-pdf-") as folder:
        source, target = Path(folder) / "report.html", Path(folder) / "report.pdf"
        source.write_bytes(page)
        command = [
            chromium,
            *HEADLESS_FLAGS,
            "--no-pdf-header-footer",
            f"--user-data-dir={Path(folder) / 'profile'}",
            f"--print-to-pdf={target}",
            source.as_uri(),
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=_TIMEOUT)
        if not target.is_file() or target.stat().st_size == 0:
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise subprocess.SubprocessError(f"Chromium printed no PDF ({last[:200]})")
        return target.read_bytes()
