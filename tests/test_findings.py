import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from siqa.findings import Applicability, Finding, Fix, Scope, Severity


def make(**overrides):
    base = dict(code="TS001", severity=Severity.WARNING, confidence=0.8, scope=Scope.FILE, site="V01",
                message="offset", file_id="V01_S0001_I00000001_P0001", span=(1.0, 2.5),
                evidence={"offset_ms": 240.0}, fix=Fix(Applicability.SAFE, "a/b.json",
                                                      [{"op": "replace", "path": "/x", "value": 1}], "shift"))
    return Finding(**{**base, **overrides})


def test_round_trip_through_json_keeps_every_field():
    finding = make()
    again = Finding.from_dict(json.loads(finding.to_json()))
    assert again == finding
    assert again.family == "TS"
    assert again.fix.applicability is Applicability.SAFE


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_confidence_outside_unit_interval_is_rejected(value):
    if 0.0 <= value <= 1.0:
        assert make(confidence=value).confidence == value
    else:
        with pytest.raises(ValueError):
            make(confidence=value)


@given(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6))
def test_span_must_not_end_before_it_starts(a, b):
    if a <= b:
        assert make(span=(a, b)).span == (a, b)
    else:
        with pytest.raises(ValueError):
            make(span=(a, b))


def test_numpy_evidence_serialises_as_plain_json():
    import numpy as np

    finding = make(evidence={"curve": np.arange(3, dtype=np.float32), "peak": np.float64(0.5)})
    assert json.loads(finding.to_json())["evidence"] == {"curve": [0.0, 1.0, 2.0], "peak": 0.5}


def test_severity_ranks_and_parsing():
    assert Severity.ERROR.rank > Severity.WARNING.rank > Severity.INFO.rank
    assert Severity.parse("Warning") is Severity.WARNING
    with pytest.raises(ValueError, match="unknown severity"):
        Severity.parse("fatal")


def test_evidence_spans_and_fixes_are_plain_json_in_memory():
    import numpy as np

    operations = [{"op": "add", "path": "/t", "value": np.float64(2)}]
    finding = make(confidence=np.float32(0.5), span=(np.float64(1.0), np.float32(2.5)),
                   evidence={"level": np.float32(-24.5), "frames": np.int64(3), "ok": np.bool_(True),
                             "curve": np.arange(3), "pair": (1, np.nan), "nested": {"inf": np.inf},
                             "severity": Severity.ERROR},
                   fix=Fix(Applicability.SAFE, "a/b.json", operations, ""))
    assert finding.evidence == {"level": -24.5, "frames": 3, "ok": True, "curve": [0, 1, 2],
                                "pair": [1, "nan"], "nested": {"inf": "inf"}, "severity": "error"}
    numbers = (finding.confidence, *finding.span, finding.fix.operations[0]["value"])
    assert [type(v) for v in numbers] == [float] * 4
    assert type(finding.evidence["frames"]) is int and type(finding.evidence["ok"]) is bool
    assert finding.to_dict() == json.loads(finding.to_json())
    assert finding.to_dict()["schema_version"] and Finding.from_dict(finding.to_dict()) == finding


def test_evidence_json_cannot_hold_is_refused_where_the_finding_is_made():
    with pytest.raises(TypeError, match="not JSON: set"):
        make(evidence={"codes": {"IN001"}})
    with pytest.raises(ValueError, match="not a finite number: nan"):
        Fix(Applicability.SAFE, "a/b.json", [{"op": "add", "path": "/t", "value": float("nan")}], "")
