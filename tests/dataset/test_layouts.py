"""The three layouts hold the same batch: reading and auditing them gives the same results."""

from __future__ import annotations

import os
import pickle
import tarfile
from functools import partial

import pytest

from siqa.audit import AuditOptions, run_audit
from siqa.dataset.batch import open_batches
from siqa.dataset.errors import ReadError
from siqa.dataset.layouts import detect_layout
from siqa.dataset.layouts.blob import forget_digests
from siqa.outputs.files import read_findings
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


def _files(result):
    return {str(pf.file_id): pf for pf in open_batches(result.root, result.batch)[0].participant_files()}


def _outcome(load):
    """What a read gives: its value, or the kind of ReadError (a corrupt file must be corrupt in every layout)."""
    try:
        return load()
    except ReadError as error:
        return ("ReadError", error.kind)


def test_layout_is_detected(batches):
    for layout, result in batches.items():
        (index,) = open_batches(result.root, result.batch)
        assert index.layout == layout
        assert index.counts()["interactions"] == 4
        split_dir = result.root / result.label / "dev"
        assert detect_layout(split_dir / "0000" if layout != "modality" else split_dir) == layout
        assert detect_layout(split_dir) == layout


def _features(pf):
    keys = sorted(pf.npz_keys())
    return keys, {k: (v.dtype.str, v.shape, v.tobytes()) for k, v in pf.features(*keys).items()}


READS = {
    "json": [lambda pf: pf.meta().vad().items, lambda pf: pf.meta().transcript().items,
             lambda pf: pf.meta().windows().items],
    "wav": [lambda pf: pf.audio_info(), lambda pf: pf.audio().samples.tobytes()],
    "npz": [_features],
    "mp4": [lambda pf: pf.video_info()],
}


def test_every_layout_reads_the_same_content(batches):
    files = {layout: _files(r) for layout, r in batches.items()}
    assert files["extracted"].keys() == files["tar"].keys() == files["modality"].keys()
    for fid, reference in files["extracted"].items():
        for layout in ("tar", "modality"):
            other = files[layout][fid]
            assert other.source.modalities() == reference.source.modalities(), (layout, fid)
            for modality in reference.source.modalities():
                for read in READS[modality]:
                    assert _outcome(partial(read, other)) == _outcome(partial(read, reference)), (layout, fid)


def _last_wav_byte(root, display: str) -> tuple:
    """The file and offset of the last byte of a WAV, in place or inside its tar."""
    holder, _, member = display.partition(":")
    if not member:
        return root / holder, (root / holder).stat().st_size - 1
    with tarfile.open(root / holder) as tar:
        info = tar.getmember(member)
    return root / holder, info.offset_data + info.size - 1


def test_sources_pickle_without_open_handles_and_digests_follow_the_bytes(batches):
    for layout, result in batches.items():
        pf = next(iter(_files(result).values()))
        clone = pickle.loads(pickle.dumps(pf.source))
        assert clone.audio_info() == pf.source.audio_info()
        digest = pf.source.content_digest("wav")
        assert clone.content_digest("wav") == digest
        path, offset = _last_wav_byte(result.root, pf.path("wav"))
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
        assert pf.source.content_digest("wav") == digest, f"{layout}: a touched file kept its content"
        with open(path, "r+b") as handle:
            handle.seek(offset)
            byte = handle.read(1)
            handle.seek(offset)
            handle.write(bytes([byte[0] ^ 0xFF]))
        assert pf.source.content_digest("wav") != digest, layout


def test_a_digest_is_remembered_by_the_files_identity_until_forgotten(batches):
    for layout, result in batches.items():
        pf = list(_files(result).values())[1]  # not the file the test above changed
        digest = pf.source.content_digest("wav")
        path, offset = _last_wav_byte(result.root, pf.path("wav"))
        stat = path.stat()
        with open(path, "r+b") as handle:  # the same size, and the old times put back: the memo cannot tell
            handle.seek(offset)
            byte = handle.read(1)
            handle.seek(offset)
            handle.write(bytes([byte[0] ^ 0xFF]))
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        assert pf.source.content_digest("wav") == digest, layout
        forget_digests()
        assert pf.source.content_digest("wav") != digest, layout


def test_paths_are_relative_to_the_root_with_forward_slashes(batches):
    expected = {"extracted": "improvised/dev/0000/0000/{id}.wav", "tar": "improvised/dev/0000/0000.tar:{id}.wav",
                "modality": "improvised/dev/audio/{id}.wav"}
    for layout, result in batches.items():
        fid, pf = next(iter(_files(result).items()))
        assert pf.path("wav") == expected[layout].format(id=fid)
    modality = next(iter(_files(batches["modality"]).values()))
    assert modality.path("json").startswith("improvised/dev/metadata/vad/")
    assert modality.path("npz") == f"improvised/dev/{{smplh,boxes_and_keypoints,movement}}/*/{modality.file_id}.npy"


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
