"""Excel files whose bytes depend only on their content and a stated date.

openpyxl stamps a workbook's properties with the time of saving and its zip
entries with the time of writing, so the same workbook saved twice differs.
A run that is repeated must give the same bytes (a CI diff, a signed copy),
so the stamps are set here: the document's created and modified dates to
``stamp`` (the run's date, which the caller reads once: the clock is read at
the edge, by the CLI), each zip entry to the zip format's earliest date.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openpyxl import Workbook

_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can carry
_CORE = "docProps/core.xml"
_STAMPED = re.compile(rb"(<dcterms:(?:created|modified)\b[^>]*>)[^<]*(</dcterms:)")


def xlsx_bytes(book: Workbook, stamp: datetime) -> bytes:
    """``book`` as .xlsx bytes, dated ``stamp`` (UTC) and otherwise free of the clock."""
    buffer = io.BytesIO()
    book.save(buffer)
    when = stamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ").encode("ascii")
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            data = source.read(entry)
            if entry.filename == _CORE:
                data = _STAMPED.sub(lambda m: m.group(1) + when + m.group(2), data)
            fixed = zipfile.ZipInfo(entry.filename, date_time=_ZIP_EPOCH)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = entry.external_attr
            target.writestr(fixed, data)
    return out.getvalue()
