"""The three layouts hold the same batch: reading and auditing them gives the same results."""

from __future__ import annotations

import numpy as np
import pytest

from siqa.audit import AuditOptions, run_audit
from siqa.dataset.batch import open_batches
from siqa.reports.outputs import read_findings
from siqa.synth import SynthConfig, generate

LAYOUTS = ("extracted", "tar", "modality")


@pytest.fixture(scope="module")
def batches(tmp_path_factory):
    made = {}
    for layout in LAYOUTS:
        root = tmp_path_factory.mktemp(layout)
        made[layout] = generate(root, SynthConfig(layout=layout, sessions=2, interactions_per_session=2,
                                                  duration=8.0, seed=5, defects="heavy"))
    return made


def test_layout_is_detected(batches):
    for layout, result in batches.items():
        (index,) = open_batches(result.root, result.batch)
        assert index.layout == layout
        assert sum(len(s.interactions) for s in index.sessions) == 4


def test_every_layout_reads_the_same_content(batches):
    files = {layout: {str(pf.file_id): pf for pf in open_batches(r.root, r.batch)[0].participant_files()}
             for layout, r in batches.items()}
    assert files["extracted"].keys() == files["tar"].keys() == files["modality"].keys()
    for fid, reference in files["extracted"].items():
        for layout in ("tar", "modality"):
            other = files[layout][fid]
            assert other.source.modalities() == reference.source.modalities(), (layout, fid)
            if reference.has("json"):
                try:
                    assert other.meta().vad().items == reference.meta().vad().items
                    assert other.meta().transcript().items == reference.meta().transcript().items
                    assert other.meta().windows().items == reference.meta().windows().items
                except Exception as error:  # a corrupt JSON must be corrupt in every layout
                    assert type(error).__name__ == "ReadError", (layout, fid, error)
            if reference.has("wav"):
                assert np.array_equal(other.audio().samples, reference.audio().samples)
            if reference.has("npz"):
                assert sorted(other.npz_keys()) == sorted(reference.npz_keys())


def test_audit_finds_the_same_defects_in_every_layout(batches, tmp_path):
    found = {}
    for layout, result in batches.items():
        outcome = run_audit(AuditOptions(batch=result.batch, root=result.root, out=tmp_path / layout, jobs=1))
        found[layout] = sorted((f.code, f.unit_key) for f in read_findings(outcome.findings_path))
    assert found["extracted"] == found["tar"]
    # the per-modality tree has no file names to duplicate or to malform: those defects vanish there
    layout_specific = {"IN007", "IN008", "IN006"}
    assert [x for x in found["modality"] if x[0] not in layout_specific] == \
        [x for x in found["extracted"] if x[0] not in layout_specific]
