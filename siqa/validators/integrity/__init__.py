"""Integrity rules (`IN`): files that cannot be read, are missing, or contradict themselves.

Importing this package registers every rule module in it (the `integrity` entry point of `siqa.validators`).
"""

from siqa.validators.integrity import (  # noqa: F401
    in001_unreadable_wav,
    in002_unreadable_json,
    in003_unreadable_npz,
    in004_unreadable_archive,
    in005_missing_modality,
    in006_not_a_dyad,
    in007_malformed_file_id,
    in008_duplicate_file_id,
    in009_audio_format,
    in010_duration_mismatch,
    in011_non_finite_features,
    in012_low_tracking_validity,
    in013_silent_audio,
    in014_vad_audio_disagreement,
    in015_bad_segments,
    in016_word_outside_segment,
    in017_malformed_metadata,
    in018_missing_npz_keys,
    in019_root_table_error,
    in020_unreadable_video,
    in021_filelist_mismatch,
)
