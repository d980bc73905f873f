"""Errors that reach the user as one line and an exit code, never a traceback."""

from __future__ import annotations

from pathlib import Path


class NsccError(Exception):
    """Base of the library's errors: each is typed by what happened; the CLI maps the
    types to exit codes (``cli/common.py``)."""


class InputError(NsccError):
    """Bad input: a file, a field or an option the user can fix.

    The message is built as ``file:line: field: message`` so that editors and
    CI logs can jump straight to the offending place.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.source = str(source) if source is not None else None
        self.line = line
        self.field = field
        super().__init__(self.location_prefix() + message)

    def location_prefix(self) -> str:
        parts: list[str] = []
        if self.source is not None:
            parts.append(self.source if self.line is None else f"{self.source}:{self.line}")
        if self.field:
            parts.append(self.field)
        return "".join(f"{part}: " for part in parts)


class NoSolution(NsccError):
    """A goal seek found no value that meets the target (``solve``)."""


class ClusterError(NsccError):
    """A Dask cluster could not be started or reached."""
