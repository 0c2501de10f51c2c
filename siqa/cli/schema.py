"""`siqa schema [NAME]`: list the JSON Schemas of siqa's files, or print one (to validate them elsewhere)."""

from __future__ import annotations

import json
import sys

import typer

from siqa.exit_codes import ExitCode


def schema(name: str | None = typer.Argument(None, help="A schema's name (findings, summary ...); "
                                                           "omitted: list them.")) -> None:
    """Print a JSON Schema (draft 2020-12) of a file siqa writes or reads; with no name, list them."""
    from siqa.schemas import load, names, schema_text
    from siqa.schemas.version import SCHEMA_VERSION

    if name is None:
        width = max(map(len, names()))
        sys.stdout.write(f"output schema {SCHEMA_VERSION}; `siqa schema NAME` prints one\n")
        sys.stdout.writelines(f"{n:<{width}}  {load(n)['description']}\n" for n in names())
        raise typer.Exit(ExitCode.OK)
    try:
        text = schema_text(name.lower())
    except KeyError as error:
        typer.echo(f"siqa schema: {error.args[0]}", err=True)
        raise typer.Exit(ExitCode.TOOL_ERROR) from None
    sys.stdout.write(json.dumps(json.loads(text), indent=2) + "\n")


def register(app: typer.Typer) -> None:
    app.command()(schema)
