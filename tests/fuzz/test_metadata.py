"""Metadata JSON with a wrong type in one field of the documented schema, through every rule that reads it: the
file is named in a finding (malformed metadata, bad segment or word), and no rule crashes on it."""

from __future__ import annotations

import json

import pytest

from siqa.config import RuleSet
from siqa.context import BatchInfo
from siqa.dataset.batch import open_batches
from siqa.dataset.meta import Meta
from siqa.dataset.schema import TRANSCRIPT_KEY
from siqa.dataset.tables import RootTables
from siqa.dataset.units import Session
from siqa.engine.plan import Plan
from siqa.engine.task import run_session
from siqa.registry import all_rules
from tests.fuzz import strategies
from tests.fuzz.figures import record

METADATA_CODES = {"IN002", "IN015", "IN016", "IN017"}


@pytest.fixture
def metadata_target(batch_copy):
    """(the JSON file of a participant with transcript words, its document, a plan of every rule reading JSON)."""
    (index,) = open_batches(batch_copy.root, batch_copy.batch, batch_copy.label)
    pf = next(pf for pf in index.participant_files() if any(s.words for s in pf.meta().transcript().items))
    ruleset = RuleSet.load("default")
    codes = tuple(r.code for r in all_rules() if not r.emitted and (not r.reads or "json" in r.reads))
    info = BatchInfo(index.label, index.split, index.batch, RootTables.load(index.root))
    path = batch_copy.root / pf.path("json")
    document = json.loads(path.read_text())
    segment = next(i for i, s in enumerate(document[TRANSCRIPT_KEY]) if s.get("words"))
    document[TRANSCRIPT_KEY].insert(0, document[TRANSCRIPT_KEY].pop(segment))  # the fuzzed fields sit at [0]
    return batch_copy, path, document, Plan(ruleset, codes, info)


def test_a_wrong_type_in_any_field_is_a_finding_naming_the_file(fuzz, metadata_target):
    batch, path, document, plan = metadata_target

    def check(case: tuple[tuple, object]) -> None:
        field, value = case
        path.write_text(json.dumps(strategies.with_field(document, field, value)))
        (index,) = open_batches(batch.root, batch.batch, batch.label)
        interaction = next(i for i in index.interactions() if any(path.name.startswith(str(p.file_id))
                                                                 for p in i.participants))
        try:
            result = run_session(Session(interaction.key.rsplit("_", 1)[0], [interaction]), plan)
        except BaseException:
            record("metadata", "crash")
            raise
        crashes = [f for f in result.findings if f.code == "SQ001"]
        if crashes:
            record("metadata", "crash")
        assert not crashes, crashes[0].evidence
        named = [f for f in result.findings if f.code in METADATA_CODES and path.name in (f.path or f.message)]
        record("metadata", "finding" if named else "accepted")
        assert named, f"{field} = {value!r} gave no finding naming {path.name}"

    fuzz(strategies.wrong_field, check, 40)


@pytest.mark.parametrize("value", [5, "text", None, True, [1, 2]])
def test_annotations_of_the_wrong_shape_are_problems_not_exceptions(value):
    meta = Meta({"annotations:1P-IS": value, "annotations:3P-V": [{"start": "a", "end": 1}, 7]}, "x.json")
    windows = meta.windows()
    record("metadata", "finding")
    assert windows.items == [] and any("annotations:3P-V" in p for p in windows.problems)
    assert isinstance(value, list) or any("annotations:1P-IS" in p for p in windows.problems)
