"""``nscc scenario new``: start a scenario of one's own from a shipped one."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from nscc_proj.cli.common import command_group, reports_errors

scenario_app = command_group("scenario", "Start a scenario of your own from a shipped one.")


@scenario_app.command("new")
@reports_errors
def new(
    name: Annotated[str, typer.Argument(help="The new scenario's name (one word).")],
    origin: Annotated[
        str, typer.Option("--from", metavar="SHIPPED", help="The shipped scenario to copy.")
    ] = "base",
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
) -> None:
    """Write scenarios/NAME.yaml: a commented copy of a shipped scenario to edit.

    Example: nscc scenario new mine --from base; then nscc project -s mine
    """
    from nscc_proj.errors import InputError
    from nscc_proj.inputs.catalog import unknown_name_message
    from nscc_proj.inputs.scenario import shipped_scenario_dir
    from nscc_proj.present.export import write_atomic

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
        raise InputError(f"a scenario name is one word of letters, digits, - _ or ., got {name!r}")
    shipped = sorted(p.stem for p in shipped_scenario_dir().glob("*.yaml"))
    if origin not in shipped:
        raise InputError(
            unknown_name_message("shipped scenario", origin, shipped)
            + f" (shipped: {', '.join(shipped)})",
            field="--from",
        )
    target = Path("scenarios") / f"{name}.yaml"
    if target.exists() and not force:
        raise InputError("exists already: give --force to replace it", source=str(target))
    text = (shipped_scenario_dir() / f"{origin}.yaml").read_text(encoding="utf-8")
    text, count = re.subn(r"(?m)^name: .*$", f"name: {name}", text, count=1)
    if count != 1:
        raise InputError(f"the shipped {origin} has no name line to replace")
    header = (
        f"# {name}: started from the shipped scenario '{origin}' by `nscc scenario new`.\n"
        "# Edit the rates below (docs/scenarios.md explains the language); `nscc validate "
        f"{target}` checks it.\n#\n"
    )
    target.parent.mkdir(exist_ok=True)
    write_atomic(target, header + text)
    typer.echo(f"Wrote {target}: nscc project -s {name}", err=True)
