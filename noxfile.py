"""Developer sessions: `nox -l` lists them, `nox` runs the default ones."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True

PYTHON = ["3.11", "3.12", "3.13"]


@nox.session(python=PYTHON[0])
def tests(session: nox.Session) -> None:
    """Run the test suite against a regular (non-editable) install."""
    session.install(".[test]")
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON[0])
def lint(session: nox.Session) -> None:
    """Check style and formatting with ruff."""
    session.install("ruff")
    session.run("ruff", "check", ".", *session.posargs)
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON[0])
def typecheck(session: nox.Session) -> None:
    """Type-check the package with mypy (strict) and check its layers with import-linter."""
    session.install("-e", ".[dev]")
    session.run("mypy", *session.posargs)
    session.run("lint-imports")


@nox.session(python=PYTHON[0], default=False)
def bench(session: nox.Session) -> None:
    """Measure the engine, the CLI start and memory, as ratios (slow)."""
    session.install(".")
    session.run("python", "benchmarks/bench_engine.py", *session.posargs)
