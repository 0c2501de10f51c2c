"""Project configuration: `siqa.toml`, or `[tool.siqa]` in `pyproject.toml`, found from the working directory up.

A CI job or a curator's repository states its dataset root, rule set, output folder, failure threshold, code
selection and worker count once, instead of on every call:

    [tool.siqa]
    root = "/data/seamless_interaction"
    rules = "rules/ours.toml"        # a rule set name, or a path relative to this file
    out = "audit/current"
    fail_on = "warning"
    select = ["IN", "TS"]
    ignore = ["IN018"]
    jobs = 8

The nearest folder that has either file wins (`siqa.toml` before a `pyproject.toml` beside it; a
`pyproject.toml` without `[tool.siqa]` does not count). Paths are relative to the file's folder. Precedence:
command-line flags, then `$SIQA_ROOT` (for `root`), then this file, then siqa's defaults. An unknown key is an
error that names the file, the key and its nearest spelling: a misspelt `fail_on` must not pass silently.
"""

from __future__ import annotations

import difflib
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SIQA_TOML = "siqa.toml"
PYPROJECT = "pyproject.toml"
FAIL_ON = ("error", "warning", "info", "never")
META_KEY = "siqa.project_config"  # where the CLI keeps the configuration it found (click's ctx.meta)


class ProjectConfigError(Exception):
    """A project configuration that cannot be used: names the file and the key."""


@dataclass(frozen=True)
class ProjectConfig:
    path: Path | None = None  # None: no file found
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def where(self) -> str:
        """The file and table, for messages."""
        return f"{self.path} [tool.siqa]" if self.path and self.path.name == PYPROJECT else str(self.path)

    def command_defaults(self) -> dict[str, dict[str, Any]]:
        """Click's `default_map` for the commands that read it: flags still win over these. `out`, the audit's
        output folder, is also the folder `siqa gate` judges and `siqa export` reads. `root` yields to
        `$SIQA_ROOT`."""
        audit = dict(self.values)
        if os.environ.get("SIQA_ROOT"):
            audit.pop("root", None)

        def taken(**options: str) -> dict[str, Any]:
            """The configured keys a command takes, under its own option names (`current=out`)."""
            return {option: audit[key] for option, key in options.items() if key in audit}

        return {"audit": audit, "gate": taken(current="out"), "export": taken(audit="out", root="root")}


def _text(key: str, value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ProjectConfigError(f"{where}: {key} must be a non-empty string, not {value!r}")
    return value


def _codes(key: str, value: Any, where: str) -> list[str]:
    items = [v.strip() for v in value.split(",") if v.strip()] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise ProjectConfigError(f"{where}: {key} must be a list of rule codes or prefixes, not {value!r}")
    return items


def _fail_on(key: str, value: Any, where: str) -> str:
    if not isinstance(value, str) or value.lower() not in FAIL_ON:
        raise ProjectConfigError(f"{where}: {key} must be one of {', '.join(FAIL_ON)}, not {value!r}")
    return value.lower()


def _jobs(key: str, value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ProjectConfigError(f"{where}: {key} must be a whole number of workers (0: all cores), not {value!r}")
    return value


KEYS: dict[str, Callable[[str, Any, str], Any]] = {
    "root": _text, "rules": _text, "out": _text, "fail_on": _fail_on, "select": _codes, "ignore": _codes,
    "jobs": _jobs,
}
RELATIVE = {"root", "out"}  # paths, relative to the configuration file's folder


def _table(path: Path) -> dict[str, Any] | None:
    """The file's siqa table (None: a pyproject.toml without one)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ProjectConfigError(f"cannot read {path}: {error}") from None
    if path.name == SIQA_TOML:
        return data
    table = data.get("tool", {}).get("siqa") if isinstance(data.get("tool"), dict) else None
    if table is not None and not isinstance(table, dict):
        raise ProjectConfigError(f"{path}: [tool.siqa] must be a table")
    return table


def _local(path: Path, value: str) -> str:
    """A path from the file, relative to the file's folder (a rule set name stays a name)."""
    expanded = Path(value).expanduser()
    return str(expanded if expanded.is_absolute() else path.parent / expanded)


def parse(path: Path, table: dict[str, Any]) -> ProjectConfig:
    where = ProjectConfig(path).where
    values = {}
    for key, value in table.items():
        if key not in KEYS:
            near = difflib.get_close_matches(key, KEYS, n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else f" (known: {', '.join(KEYS)})"
            raise ProjectConfigError(f"{where}: unknown key {key!r}{hint}")
        values[key] = KEYS[key](key, value, where)
        if key in RELATIVE or (key == "rules" and value.endswith(".toml")):
            values[key] = _local(path, values[key])
    return ProjectConfig(path, values)


def find(start: Path) -> tuple[Path, dict[str, Any]] | None:
    """The nearest configuration file at or above `start`, with its siqa table."""
    for folder in (start, *start.parents):
        for name in (SIQA_TOML, PYPROJECT):
            path = folder / name
            if path.is_file() and (table := _table(path)) is not None:
                return path, table
    return None


def load(start: Path | None = None) -> ProjectConfig:
    """The project configuration that applies in `start` (default: the working directory); empty when none."""
    found = find((start or Path.cwd()).resolve())
    return parse(*found) if found else ProjectConfig()


SHOWN = ("root", "rules", "out", "fail_on", "select", "ignore", "jobs")


def describe(ctx: Any) -> str:
    """`siqa audit --show-config`: the effective value of every configurable option and where it came from, as
    TOML a `siqa.toml` could hold (sources in comments). `ctx` is the command's click context."""
    from siqa.dataset.batch import resolve_root

    config: ProjectConfig = ctx.meta.get(META_KEY, ProjectConfig())
    found = config.where if config.path else "no siqa.toml or [tool.siqa] found"
    lines = [f"# siqa {ctx.info_name}: flags > $SIQA_ROOT (root) > {found} > defaults"]
    for name in SHOWN:
        value, source = ctx.params[name], ctx.get_parameter_source(name).name  # typer vendors click: by name
        origin = {"COMMANDLINE": "command line", "DEFAULT_MAP": config.where}.get(source, "default")
        if name == "root" and value is None:
            value, origin = resolve_root(None)
        elif name == "out" and value is None:
            value = "reports/<split>-<batch>"
        elif name == "jobs" and value == 0:
            origin += " (0: all cores)"
        shown = [str(v) for v in value] if isinstance(value, (list, tuple)) else value
        shown = shown if isinstance(shown, (int, list)) else str(shown)
        lines.append(f"{name} = {json.dumps(shown, ensure_ascii=False)}  # {origin}")  # JSON's are TOML values
    return "\n".join(lines) + "\n"
