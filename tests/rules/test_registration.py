"""Every rule module is registered, and every registered code has its per-rule fixtures.

A built-in family's `__init__.py` imports its rule modules by name: a module left out of it would silently not
run. And a rule without a positive and a negative fixture here is a rule whose regressions show up only as a
precision figure of an end-to-end test."""

from __future__ import annotations

import re
from pathlib import Path

import siqa.validators
from siqa.registry import all_rules

MODULE = re.compile(r"^([a-z]{2}\d{3})_\w+\.py$")
VALIDATORS = Path(siqa.validators.__file__).parent
SNAPSHOTS = Path(__file__).parent / "snapshots"
FIXTURE = re.compile(r"^([A-Z]{2}\d{3})_(\w+)\.json$")


def test_every_rule_module_registers_the_rule_it_is_named_after():
    registered = {rule.module: rule.code for rule in all_rules()}
    modules = {f"siqa.validators.{path.parent.name}.{path.stem}": MODULE.match(path.name).group(1).upper()
               for path in VALIDATORS.glob("*/*.py") if MODULE.match(path.name)}
    assert len(modules) > 40
    missing = {module: code for module, code in modules.items() if registered.get(module) != code}
    assert missing == {}, "rule modules not registered (import them in their family's __init__.py)"


def test_every_builtin_code_has_a_snapshot_fixture():
    codes = {rule.code for rule in all_rules() if rule.builtin}
    snapshotted = {FIXTURE.match(path.name).group(1) for path in SNAPSHOTS.glob("*.json")}
    assert codes - snapshotted - {"ID004"} == set()  # ID004 reports nothing: test_identity checks what it collects
