import pytest

from siqa.config import ConfigError, RuleSet
from siqa.findings import Severity

CUSTOM = """
extends = "default"
[rules]
select = ["IN"]
ignore = ["IN018"]
[rules.IN012]
min_valid_ratio = 0.6
[labels.improvised.rules.IN012]
min_valid_ratio = 0.55
[sites.V02.rules.IN012]
min_valid_ratio = 0.3
severity = "info"
[sites.V03.rules.IN013]
enabled = false
"""


@pytest.fixture
def ruleset(tmp_path):
    path = tmp_path / "custom.toml"
    path.write_text(CUSTOM)
    return RuleSet.load(path)


def test_site_overrides_label_overrides_base(ruleset):
    base = ruleset.settings("IN012", Severity.WARNING)
    label = ruleset.settings("IN012", Severity.WARNING, label="improvised")
    site = ruleset.settings("IN012", Severity.WARNING, site="V02", label="improvised")
    assert (base.get("min_valid_ratio"), label.get("min_valid_ratio"), site.get("min_valid_ratio")) == (0.6, 0.55, 0.3)
    assert base.severity is Severity.WARNING and site.severity is Severity.INFO


def test_extends_inherits_thresholds_of_the_parent(ruleset):
    assert ruleset.settings("IN009", Severity.ERROR).get("sample_rate") == 48000


def test_select_ignore_and_per_site_disable(ruleset):
    assert ruleset.enabled("IN013")
    assert not ruleset.enabled("IN013", site="V03")
    assert not ruleset.enabled("IN018")
    assert not ruleset.enabled("TS001")


def test_command_line_select_and_ignore_take_prefixes():
    ruleset = RuleSet.load("default", select=["IN01"], ignore=["IN013"])
    assert ruleset.enabled("IN012") and not ruleset.enabled("IN013") and not ruleset.enabled("IN005")


def test_missing_threshold_names_rule_and_rule_set(ruleset):
    with pytest.raises(ConfigError, match=r"IN012: threshold 'nope' is not set .*custom.toml"):
        ruleset.settings("IN012", Severity.WARNING).get("nope")


def test_unknown_rule_set_lists_the_builtin_ones():
    with pytest.raises(ConfigError, match="default"):
        RuleSet.load("no-such-set")


def test_broken_toml_is_a_config_error(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[rules\n")
    with pytest.raises(ConfigError, match="bad.toml"):
        RuleSet.load(path)


def test_thresholds_lists_base_and_overrides_for_doc_pages(ruleset):
    layers = ruleset.thresholds("IN012")
    assert layers["default"] == {"min_valid_ratio": 0.6}
    assert layers["site V02"]["min_valid_ratio"] == 0.3
    assert layers["label improvised"]["min_valid_ratio"] == 0.55
