"""`siqa check rules|patches|policy FILE...`: validate the files a repository keeps, before an audit meets them.

For pre-commit hooks and CI: each problem is printed as `FILE: problem` on stdout. Exit 0 every file is valid,
1 a file is invalid, 2 a file is missing or unreadable.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import typer

from siqa.exit_codes import ExitCode

check_app = typer.Typer(help="Validate rule sets, patches files and gate policies (pre-commit, CI).",
                        no_args_is_help=True)
FILES = typer.Argument(..., help="Files to check.")


def _rules_problems(path: Path) -> list[str]:
    """The loader's own checks (sections, codes, settings and their types, `extends`), limits, and the plugin
    rules the file misconfigures (an audit switches those off)."""
    from siqa.config import ConfigError, RuleSet

    try:
        ruleset = RuleSet.load(path)
        ruleset.limits()
    except ConfigError as error:
        return [str(error)]
    return list(ruleset.refused.values())


def _patches_problems(path: Path) -> list[str]:
    """Shape (the reader apply uses), then each record's target and each fix's operations, as apply checks them."""
    from siqa.patches.model import PatchFileError, read_patches
    from siqa.patches.ops import PatchError, check_operation
    from siqa.patches.targets import TargetError, parse_target

    try:
        records = read_patches(path)
    except PatchFileError as error:
        return [str(error)]
    found = []
    for record in records:
        try:
            parse_target(record.target, record.key_column)
        except TargetError as error:
            found.append(f"target {error}")
        for fix in record.fixes:
            for number, operation in enumerate(fix.operations):
                try:
                    check_operation(operation)
                except PatchError as error:
                    found.append(f"{record.target}: fix {fix.id} ({fix.code}) operation {number}: {error}")
    return found


def _policy_problems(path: Path) -> list[str]:
    from siqa.reports.gate import PolicyError, load_policy

    try:
        load_policy(path)
    except PolicyError as error:
        return [str(error)]
    return []


def _run(files: list[Path], problems_of: Callable[[Path], list[str]]) -> None:
    from siqa.reports.gate.text import visible_controls

    status = ExitCode.OK
    for path in files:
        if not path.is_file():
            typer.echo(f"{path}: no such file", err=True)
            status = ExitCode.TOOL_ERROR
            continue
        try:
            found = problems_of(path)
        except OSError as error:
            typer.echo(f"{path}: {error.strerror or error}", err=True)
            status = ExitCode.TOOL_ERROR
            continue
        for problem in found:
            text = problem if problem.startswith(str(path)) else f"{path}: {problem}"
            typer.echo(visible_controls(text))  # patches carry dataset text
        if found and status is ExitCode.OK:
            status = ExitCode.FAILED
    raise typer.Exit(status)


@check_app.command("rules")
def rules(files: list[Path] = FILES) -> None:
    """Rule sets: TOML, `extends`, known rule codes and settings with their types, severities, limits."""
    _run(files, _rules_problems)


@check_app.command("patches")
def patches(files: list[Path] = FILES) -> None:
    """Patches files: record shape and version, targets inside the root, RFC 6902 operations."""
    _run(files, _patches_problems)


@check_app.command("policy")
def policy(files: list[Path] = FILES) -> None:
    """Gate policies: known keys, allowances in range."""
    _run(files, _policy_problems)


def register(app: typer.Typer) -> None:
    app.add_typer(check_app, name="check")
