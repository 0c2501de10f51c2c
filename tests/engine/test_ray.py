"""The Ray engine on a local Ray instance gives the local engine's outputs, byte for byte."""

from __future__ import annotations

import pytest

from siqa.audit import AuditOptions, run_audit
from siqa.outputs import files
from siqa.synth import SynthConfig, generate

pytest.importorskip("ray")


@pytest.fixture(scope="module")
def tar_batch(tmp_path_factory: pytest.TempPathFactory):
    return generate(tmp_path_factory.mktemp("ray"), SynthConfig(layout="tar", sessions=3, interactions_per_session=2,
                                                                duration=8.0, seed=21, defects="heavy"))


def test_ray_engine_matches_the_local_engine(tar_batch, tmp_path):
    local = run_audit(AuditOptions(batch=tar_batch.batch, root=tar_batch.root, out=tmp_path / "local", jobs=2,
                                   cache=False))
    ray = run_audit(AuditOptions(batch=tar_batch.batch, root=tar_batch.root, out=tmp_path / "ray", jobs=2,
                                 cache=False, engine="ray"))
    for name in (files.FINDINGS_JSONL, files.SKIPS_JSONL, files.METRICS_JSONL):
        assert (tmp_path / "ray" / name).read_text() == (tmp_path / "local" / name).read_text(), name
    assert (tmp_path / "local" / files.FINDINGS_JSONL).read_text().count("\n") > 0
    assert ray.summary.interactions == local.summary.interactions == tar_batch.interactions
    assert ray.summary.peak_worker_rss_mb > 0


def test_an_unknown_engine_is_a_clear_error(tar_batch, tmp_path):
    with pytest.raises(ValueError, match="unknown engine 'spark'"):
        AuditOptions(batch=tar_batch.batch, root=tar_batch.root, out=tmp_path, engine="spark")
