"""The reader's limits come from the rule set (`[limits]`) and reach every reader of an audit: a limit set low
turns each file over it into a finding that names the file and the limit; bad limits are configuration errors."""

from __future__ import annotations

from dataclasses import replace

import pytest

from siqa.audit import AuditOptions, run_audit
from siqa.config import ConfigError, RuleSet
from siqa.dataset.decode import DEFAULT_LIMITS
from siqa.outputs.files import read_findings

LOW = {"audio_seconds": 1, "json_bytes": 200, "array_bytes": 100, "table_bytes": 50}


def test_limits_from_the_rule_set_reach_every_reader(fuzz_batch, tmp_path):
    rules = tmp_path / "low.toml"
    rules.write_text('extends = "default"\n[limits]\n' + "".join(f"{k} = {v}\n" for k, v in LOW.items()))
    assert RuleSet.load(rules).limits() == replace(DEFAULT_LIMITS, **LOW)
    outcome = run_audit(AuditOptions(batch=fuzz_batch.batch, root=fuzz_batch.root, out=tmp_path / "out", jobs=1,
                                     rules=str(rules), select=["IN001", "IN002", "IN003", "IN019"]))
    messages = {(f.code, f.path): f.message for f in read_findings(outcome.findings_path)}
    for code, limit in (("IN001", "over the 1-second limit"), ("IN002", "over the 200-byte limit"),
                        ("IN003", "over the 100-byte limit")):
        named = [m for (c, path), m in messages.items() if c == code and path in m]
        assert len(named) == fuzz_batch.files and all(limit in m for m in named), (code, named[:1])
    assert all("over the 50-byte limit" in messages["IN019", f"{t}.csv"] for t in ("interactions", "filelist"))


@pytest.mark.parametrize("line, reason", [("wav_byte = 10", "unknown limit 'wav_byte'"),
                                          ("json_depth = -1", "positive integer"),
                                          ("json_depth = 2.5", "positive integer"),
                                          ("array_bytes = true", "positive integer"),
                                          ("audio_seconds = \"long\"", "positive number")])
def test_a_bad_limit_is_a_configuration_error(tmp_path, line, reason):
    rules = tmp_path / "bad.toml"
    rules.write_text(f'extends = "default"\n[limits]\n{line}\n')
    with pytest.raises(ConfigError, match=reason):
        RuleSet.load(rules).limits()
