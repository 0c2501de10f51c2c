import re

import pytest

from siqa.config import RuleSet
from siqa.findings import Scope, Severity
from siqa.registry import FAMILIES, RegistryError, all_rules, get_rule, matches, rule


def test_codes_must_have_a_known_family_and_three_digits():
    for bad in ("XX001", "IN01", "in001", "IN0001"):
        with pytest.raises(RegistryError):
            rule(bad, "x", scope=Scope.FILE, severity=Severity.INFO)


def test_a_rule_without_docstring_is_refused():
    with pytest.raises(RegistryError, match="docstring"):
        rule("IN999", "undocumented", scope=Scope.FILE, severity=Severity.INFO)(lambda unit, ctx: ())


def test_selection_by_family_prefix_and_code():
    assert matches("IN012", ["IN"]) and matches("IN012", ["IN01"]) and matches("IN012", ["ALL"])
    assert not matches("IN012", ["TS", "IN013"])


def test_builtin_rules_are_discovered_through_entry_points():
    codes = {r.code for r in all_rules()}
    assert {"IN001", "IN005", "IN006", "IN015", "SQ001", "SQ002"} <= codes
    assert get_rule("in001").name == "unreadable-wav"


@pytest.mark.parametrize("r", [r for r in all_rules()], ids=lambda r: r.code)
def test_every_rule_documents_itself_and_its_thresholds_exist(r):
    assert r.family in FAMILIES and r.title and r.doc.count("\n## ") >= 1
    documented = re.search(r"## Thresholds\n(.*?)(\n## |\Z)", r.doc, re.S)
    names = set(re.findall(r"`(\w+)`", documented.group(1))) if documented else set()
    configured = set(RuleSet.load("default").thresholds(r.code)["default"])
    assert names == configured, f"{r.code}: doc names {sorted(names)}, default.toml sets {sorted(configured)}"
