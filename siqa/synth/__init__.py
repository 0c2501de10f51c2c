"""Synthetic Seamless Interaction batches with known defects: real espeak-ng speech, real H.264 video, NPZ
features with every documented key, in any of the three layouts, with `ground_truth.jsonl`. Recordings vary
as real ones do (`siqa.synth.variation`: levels, voices, turns, wording, rooms); defects stand outside that."""

from siqa.synth.generate import SynthConfig, SynthResult, generate, ground_truth_path

__all__ = ["SynthConfig", "SynthResult", "generate", "ground_truth_path"]
