"""The ASR cache: keys follow the audio, the model and the decoding settings; results and counters persist."""

from __future__ import annotations

import numpy as np

from siqa.asr.backend import AsrWord
from siqa.asr.cache import AsrCache, clip_key, read_stats

DECODING = {"device": "cpu", "compute_type": "int8", "language": "en", "beam_size": 1}


def test_the_key_changes_with_the_audio_the_model_and_the_decoding():
    clip = np.linspace(-0.5, 0.5, 16000, dtype=np.float32)
    key = clip_key(clip, "ct2:abc", DECODING)
    assert key == clip_key(clip.astype(np.float64), "ct2:abc", DECODING)  # samples, not their dtype
    changed = clip.copy()
    changed[100] += 1e-3
    assert len({key, clip_key(changed, "ct2:abc", DECODING), clip_key(clip, "ct2:xyz", DECODING),
                clip_key(clip, "ct2:abc", {**DECODING, "beam_size": 5})}) == 4


def test_results_and_counters_survive_a_new_connection(tmp_path):
    words = [AsrWord("tent", 0.1, 0.4, 0.9), AsrWord("lake", 0.5, 0.8, 0.75)]
    first = AsrCache(tmp_path)
    first.record([("k1", 2.0, words)], compute_seconds=0.5, cached_seconds=[])
    first.record([], 0.0, cached_seconds=[2.0, 1.0])
    again = AsrCache(tmp_path)
    assert again.get_many(["k1", "k2"]) == {"k1": words}
    stats = read_stats(tmp_path)
    assert (stats["transcribed_clips"], stats["transcribed_seconds"], stats["cached_clips"],
            stats["cached_seconds"]) == (1, 2.0, 2, 3.0)


def test_without_a_folder_nothing_is_kept_but_the_work_is_counted():
    cache = AsrCache(None)
    cache.record([("k", 1.5, [])], 0.2, [])
    assert cache.get_many(["k"]) == {} and cache.counts["transcribed_seconds"] == 1.5
