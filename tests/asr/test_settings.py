"""`[signals.asr]` from the rule set and the command line: overrides reach every site, bad settings say why."""

from __future__ import annotations

import pytest

from siqa.asr.backend import AsrSettings
from siqa.config import ConfigError, RuleSet


def test_command_line_overrides_reach_every_site_and_leave_the_rule_set_alone(tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text('extends = "default"\n[sites.V01.signals.asr]\nbudget = 0.3\nmodel = "small.en"\n')
    ruleset = RuleSet.load(rules)
    overridden = ruleset.override_signal("asr", {"budget": 1.0, "backend": "none"})
    assert overridden.signal("asr", site="V01")["budget"] == 1.0
    assert overridden.signal("asr", site="V01")["model"] == "small.en"  # what was not overridden stays per site
    assert overridden.signal("asr", site="V00")["backend"] == "none"
    assert ruleset.signal("asr", site="V01")["budget"] == 0.3 and ruleset.signal("asr")["backend"] != "none"
    assert ruleset.override_signal("asr", {}) is ruleset


def test_settings_name_what_is_missing_or_unknown():
    values = RuleSet.load("default").signal("asr")
    assert AsrSettings.from_dict(values).decoding()["compute_type"] == values["compute_type"]
    with pytest.raises(ConfigError, match="backend 'whisper.cpp'"):
        AsrSettings.from_dict({**values, "backend": "whisper.cpp"})
    with pytest.raises(ConfigError, match="missing \\['budget'\\].*unknown \\['budgett'\\]"):
        AsrSettings.from_dict({**{k: v for k, v in values.items() if k != "budget"}, "budgett": 0.1})
