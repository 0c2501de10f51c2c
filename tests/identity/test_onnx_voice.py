"""The neural speaker-embedding adapter, on a tiny ONNX model built here with the `onnx` package: log-mel
filter banks of own speech in (batch, frames, mels), one unit-length embedding out."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from siqa.config import RuleSet
from siqa.findings import Severity
from siqa.identity.onnx_voice import PCM_SCALE, OnnxVoice, log_mel_fbank, onnx_voice
from siqa.identity.voice import mel_basis
from siqa.identity.voice_backends import voice_backend
from tests.identity.conftest import dyad

MELS, DIMS = 80, 16


def tiny_speaker_model(path: Path, seed: int = 0) -> Path:
    """Statistics pooling as x-vector models do (root mean square per mel band over frames), then a projection."""
    weights = np.random.default_rng(seed).normal(0, 1, (MELS, DIMS)).astype(np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("Mul", ["feats", "feats"], ["squared"]),
            helper.make_node("ReduceMean", ["squared"], ["power"], axes=[1], keepdims=0),
            helper.make_node("Sqrt", ["power"], ["pooled"]),
            helper.make_node("MatMul", ["pooled", "weights"], ["embs"]),
        ],
        "tiny_speaker",
        [helper.make_tensor_value_info("feats", TensorProto.FLOAT, [1, "frames", MELS])],
        [helper.make_tensor_value_info("embs", TensorProto.FLOAT, [1, DIMS])],
        [numpy_helper.from_array(weights, "weights")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return path


@pytest.fixture(scope="module")
def model_path(tmp_path_factory) -> Path:
    return tiny_speaker_model(tmp_path_factory.mktemp("onnx") / "speaker.onnx")


def test_embeds_own_speech_only_as_a_unit_vector(model_path, utterances):
    backend = OnnxVoice.load(model_path, min_frames=100)
    own = utterances[("low", 0)]
    with_high, flags = dyad(own, utterances[("high", 1)])
    with_mid, _ = dyad(own, utterances[("mid", 0)])
    first = backend.embed(with_high, flags)
    assert (
        first is not None and first.shape == (DIMS,) and np.linalg.norm(first) == pytest.approx(1.0, abs=1e-5)
    )
    np.testing.assert_allclose(first, backend.embed(with_mid, flags), atol=1e-5)
    assert np.abs(backend.embed(with_high, np.ones_like(flags)) - first).max() > 1e-3
    short = flags.copy()
    short[50:] = False
    assert backend.embed(with_high, short) is None


def test_the_space_is_named_by_the_model_bytes(model_path, tmp_path):
    other = tiny_speaker_model(tmp_path / "speaker.onnx", seed=1)
    first, second = OnnxVoice.load(model_path, 100), OnnxVoice.load(other, 100)
    assert first.name.startswith("onnx:speaker.onnx:") and first.name != second.name


def test_the_rule_set_selects_the_model_and_a_missing_model_is_an_error(model_path, tmp_path):
    base = RuleSet.load("default").settings("ID004", Severity.INFO)
    settings = type(base)(
        "ID004",
        {**base.values, "voice_backend": "onnx", "onnx_model": str(model_path)},
        base.severity,
        "test",
    )
    assert voice_backend(settings) is onnx_voice(str(model_path), 100)
    with pytest.raises(FileNotFoundError, match="not found"):
        OnnxVoice.load(tmp_path / "absent.onnx", 100)


def test_log_mel_features_are_librosas_without_librosa(utterances):
    """The model's input: siqa's HTK mel bank on 512-point frames equals librosa's melspectrogram, so librosa (and
    numba, llvmlite) need not be installed for the ONNX backend."""
    librosa = pytest.importorskip("librosa", reason="librosa is the reference here, a test-only dependency")
    np.testing.assert_allclose(mel_basis(80, 512, 20.0, 7600.0, "htk"),
                               librosa.filters.mel(sr=16000, n_fft=512, n_mels=80, fmin=20.0, fmax=7600.0, htk=True),
                               atol=1e-7)
    audio = utterances[("mid", 0)].astype(np.float32)
    reference = librosa.feature.melspectrogram(
        y=audio * PCM_SCALE, sr=16000, n_fft=512, win_length=400, hop_length=160, window="hamming", center=False,
        n_mels=80, fmin=20.0, fmax=7600.0, htk=True, power=2.0)
    ours = log_mel_fbank(audio, 80)
    assert ours.shape == reference.T.shape
    np.testing.assert_allclose(ours, np.log(np.maximum(reference, np.finfo(np.float32).eps)).T, atol=2e-3)
