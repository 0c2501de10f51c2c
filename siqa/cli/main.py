"""`siqa` entry point: registers each command module on one typer app."""

from __future__ import annotations

import typer

from siqa.cli import apply, audit, check, export, gate, identity, report, revert, rules, schema, synth

app = typer.Typer(
    name="siqa",
    help="Seamless Interaction Quality Audit: find, explain and repair defects in dataset releases.\n\n"
         "audit, gate and export take defaults from siqa.toml or [tool.siqa] in pyproject.toml (the nearest, from "
         "the working directory up); flags override them.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)
for command in (audit, identity, apply, revert, report, gate, export, check, rules, schema, synth):
    command.register(app)
CONFIGURED = ("audit", "gate", "export")  # the commands that read siqa.toml / [tool.siqa]


def _version(value: bool) -> None:
    if value:
        from siqa import __version__

        typer.echo(f"siqa {__version__}")
        raise typer.Exit()


@app.callback()
def options(
    ctx: typer.Context,
    verbose: int = typer.Option(0, "--verbose", "-v", count=True, help="More diagnostics on stderr (-vv: debug)."),
    quiet: int = typer.Option(0, "--quiet", "-q", count=True, help="Errors only (no progress bar either)."),
    version: bool | None = typer.Option(None, "--version", callback=_version, is_eager=True,
                                           help="Print siqa's version and exit."),
) -> None:
    """Options of every command: logging level, version; and the project configuration for those that read it."""
    from siqa import log, project_config
    from siqa.exit_codes import ExitCode

    log.configure(log.level_from(verbose, quiet))
    if ctx.invoked_subcommand not in CONFIGURED or ctx.resilient_parsing:
        return
    try:
        config = project_config.load()
    except project_config.ProjectConfigError as error:
        typer.echo(f"siqa: {error}", err=True)
        raise typer.Exit(ExitCode.TOOL_ERROR) from None
    ctx.meta[project_config.META_KEY] = config
    ctx.default_map = {**config.command_defaults(), **(ctx.default_map or {})}


def main() -> None:
    """The `siqa` command. Ctrl-C ends any command with one line and status 130 (128 + SIGINT), never a
    traceback: typer turns the interrupt into exit 130 silently, an interrupt outside it arrives as itself."""
    import signal
    import sys

    try:
        app()
        return
    except KeyboardInterrupt:
        pass
    except SystemExit as done:
        if done.code != 130:
            raise
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not break the exit into a traceback
    typer.echo("siqa: interrupted; every output is written whole or not at all, and a re-run of the audit "
               "resumes from its finished sessions", err=True)
    sys.exit(130)
