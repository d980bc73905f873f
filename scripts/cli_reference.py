"""Write docs/cli.md, the option reference, from the typer app itself.

Run ``python scripts/cli_reference.py`` after changing a command or an option;
``tests/test_docs.py`` fails while docs/cli.md is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer.main

from nscc_proj.cli import app

OUTPUT = Path(__file__).resolve().parent.parent / "docs" / "cli.md"
WIDTH = 100


def _commands(group: Any, prefix: str) -> list[tuple[str, Any]]:
    # Typer vendors its own click: every class comes from the command objects themselves.
    found: list[tuple[str, Any]] = []
    context = group.context_class(group, info_name=prefix)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        if command is None or command.hidden:
            continue
        path = f"{prefix} {name}"
        found.append((path, command))
        if hasattr(command, "list_commands"):  # a group (typer vendors its own click)
            found += _commands(command, path)
    return found


def reference() -> str:
    """The reference text: the top-level help, then every command's help, in order."""
    root = typer.main.get_command(app)
    parts = [
        "# Command-line reference",
        "",
        "Generated from the program by `python scripts/cli_reference.py`; do not edit by hand.",
        "",
    ]
    for path, command in [("nscc", root), *_commands(root, "nscc")]:  # type: ignore[arg-type]
        context = command.context_class(
            command, info_name=path, terminal_width=WIDTH, max_content_width=WIDTH
        )
        text = command.get_help(context)
        parts += [
            f"## `{path}`",
            "",
            "```text",
            *(line.rstrip() for line in text.splitlines()),
            "```",
            "",
        ]
    return "\n".join(parts)


if __name__ == "__main__":
    OUTPUT.write_text(reference(), encoding="utf-8")
    sys.stderr.write(f"Wrote {OUTPUT}\n")
