"""Synthetic Seamless Interaction batches with known defects: real espeak-ng speech, real H.264 video, NPZ
features with every documented key, in any of the three layouts, with `ground_truth.jsonl`."""

from siqa.synth.generate import SynthConfig, SynthResult, generate, ground_truth_path

__all__ = ["SynthConfig", "SynthResult", "generate", "ground_truth_path"]
