"""Placeholder until the transcription lands."""

from __future__ import annotations


def sdg_progress_status(
    series: list[tuple[int, float]],
    *,
    increasing: bool,
    target: float,
    target_year: int,
    base_year: int,
) -> str | None:
    return None
