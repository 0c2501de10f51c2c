"""`siqa` entry point: registers each command module on one typer app."""

from __future__ import annotations

import typer

from siqa.cli import apply, audit, gate, identity, report, revert, rules, synth

app = typer.Typer(
    name="siqa",
    help="Seamless Interaction Quality Audit: find, explain and repair defects in dataset releases.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
for command in (audit, identity, apply, revert, report, gate, rules, synth):
    command.register(app)


def main() -> None:
    app()
