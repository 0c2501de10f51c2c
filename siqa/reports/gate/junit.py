"""The gate's checks as JUnit XML: one test suite per kind of check, one test case per site (and family).

CI systems show JUnit natively, so a breach appears as a failed test named after the site and family it
concerns; a check that could not be judged is a skipped test with the reason.
"""

from __future__ import annotations

import re
from collections import defaultdict
from xml.etree import ElementTree

from siqa.reports.gate.compare import Check, GateResult
from siqa.reports.gate.text import visible_controls

_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """Text XML 1.0 can hold: control characters written visibly, surrogates and non-characters replaced."""
    return _NOT_XML.sub("\ufffd", visible_controls(text))


def _case(suite: ElementTree.Element, check: Check) -> None:
    case = ElementTree.SubElement(suite, "testcase", name=xml_text(check.name),
                                  classname=f"siqa.gate.{check.kind}")
    if check.passed is False:
        failure = ElementTree.SubElement(case, "failure", message=xml_text(check.message), type=check.kind)
        failure.text = xml_text("\n".join([check.message, *(f"{f.code} {f.unit_key}: {f.message}"
                                                            for f in check.findings)]))
    elif check.passed is None:
        ElementTree.SubElement(case, "skipped", message=xml_text(check.message))


def render(result: GateResult) -> str:
    by_kind: dict[str, list[Check]] = defaultdict(list)
    for check in result.checks:
        by_kind[check.kind].append(check)
    root = ElementTree.Element("testsuites", name="siqa gate", tests=str(len(result.checks)),
                               failures=str(len(result.breaches)))
    for kind, checks in by_kind.items():
        suite = ElementTree.SubElement(root, "testsuite", name=f"siqa gate: {kind}", tests=str(len(checks)),
                                       failures=str(sum(c.passed is False for c in checks)),
                                       skipped=str(sum(c.passed is None for c in checks)), errors="0")
        for check in checks:
            _case(suite, check)
    ElementTree.indent(root)
    return ElementTree.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
