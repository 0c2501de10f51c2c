"""Measuring rules against ground truth: which rule codes must find each injected defect, and precision/recall.

A defect is found when a finding of one of its `expected` codes is about its unit (same file; for an
interaction or session defect, any finding inside it). A finding is a false positive when no injected defect of
the unit explains it: neither a defect that expects its code nor one that `also` lists it as a consequence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from siqa.findings import Finding

EXPECTED: dict[str, tuple[str, ...]] = {
    "corrupt_wav": ("IN001",), "malformed_json": ("IN002",), "pickled_npz": ("IN003",),
    "missing_modality": ("IN005",), "wrong_audio_format": ("IN009",), "duration_mismatch": ("IN010",),
    "nan_features": ("IN011",), "low_tracking_validity": ("IN012",), "silent_audio": ("IN013",),
    "silent_audio_with_vad": ("IN013", "IN014"), "empty_vad": ("IN014",), "segments_unsorted": ("IN015",),
    "segments_overlapping": ("IN015",), "segments_negative_length": ("IN015",), "segments_out_of_bounds": ("IN015",),
    "word_outside_segment": ("IN016",), "wrong_metadata_id": ("IN017",), "missing_partner": ("IN006",),
    "malformed_file_name": ("IN007",), "duplicate_file": ("IN008",),
    "timing_offset": ("TS001",), "start_too_late": ("TS002",), "end_too_early": ("TS002",),
    "start_too_early": ("TS003", "TS006"), "end_too_late": ("TS003", "TS006"),  # silence, or off-prompt talk
    "high_bleed": ("BL001",), "echo_words": ("BL002",), "swapped_channels": ("BL003",),
    "duplicated_channel": ("BL003",), "low_snr": ("RQ001",), "clipping": ("RQ002",), "dropouts": ("RQ003",),
    "dc_offset": ("RQ004",), "mains_hum": ("RQ005",), "loudness_off": ("RQ006",), "out_of_frame": ("RQ007",),
    "moi_truncated": ("MO001",), "moi_displaced": ("MO002",), "moi_spurious": ("MO002",),
    "av_offset": ("AV001",), "frame_drift": ("AV002",),
    "transcript_substitution": ("TR001",), "transcript_deletion": ("TR001", "TR002"),
    "speech_without_transcript": ("TR002",), "transcript_without_speech": ("TR003",),
    "prompt_mismatch": ("PR001",), "prompt_off_by_one": ("PR002",),
    # someone recorded under another person's id splits that id; someone under a new id duplicates their own
    "id_shared": ("ID001",), "id_split": ("ID002",),
}
"""Defects with rules today; families whose rules do not exist yet are simply not scored."""

ALSO: dict[str, tuple[str, ...]] = {
    # consequences that are findings in their own right, not false positives
    "malformed_file_name": ("IN006", "IN021"),  # the partner left alone; the file list names the id, now absent
    "frame_drift": ("IN010",),  # the video is longer than the audio
    # words that were never said (or said by the partner) sit in this channel's silence
    "transcript_without_speech": ("TS005",), "echo_words": ("TS005",),
    # rescaling a channel changes its SNR estimate, its level, and the bleed measured against it
    # clipped speech (asymmetric) has a mean; -28 dB rounds quiet passages to 16-bit zeros
    "clipping": ("RQ001", "RQ006", "BL001", "RQ004"), "loudness_off": ("RQ001", "BL001", "RQ003"),
    "low_tracking_validity": ("RQ007",), "dc_offset": ("RQ001", "RQ006"),
    # a boundary placed into the neighbouring interaction's talk falls inside one of its utterances
    "start_too_early": ("TS002",), "end_too_late": ("TS002",),
    # a channel that holds the wrong voice, or the partner at nearly full level, contradicts its own timing
    "swapped_channels": ("TS001", "TS004", "TS005", "BL001"),
    "duplicated_channel": ("TS001", "TS004", "TS005", "BL001", "RQ001", "RQ006"),
    "high_bleed": ("TS004", "TS005"),
    # noise and hum hide quiet speech from the acoustic activity; dropouts silence words
    "low_snr": ("TS004", "TS005"), "mains_hum": ("TS004", "TS005", "RQ001"), "dropouts": ("TS005",),
    "empty_vad": ("TS004",), "segments_out_of_bounds": ("TS004",), "segments_overlapping": ("TS004",),
}
_CROSS_CHECK_CONSEQUENCES = {
    # ASR hears what a channel really holds: the wrong voice, or the partner's voice no longer told apart from
    # the owner's (partner channel missing, unreadable or silenced; bleed made loud, also by clipping's gain), or
    # speech that the acoustic activity misses under a DC offset, so transcript and speech disagree
    "swapped_channels": ("TR001", "TR002", "TR003"), "duplicated_channel": ("TR001", "TR002", "TR003"),
    "silent_audio_with_vad": ("TR001", "TR002", "TR003"), "dc_offset": ("TR001", "TR002", "TR003"),
    "echo_words": ("TR003",), "silent_audio": ("TR002",), "high_bleed": ("TR002",), "clipping": ("TR002",),
    "malformed_file_name": ("TR002",), "missing_partner": ("TR002",), "corrupt_wav": ("TR002",),
    # noise 0-8 dB under the speech makes ASR mishear and miss words
    "low_snr": ("TR001", "TR002"),
    # the shifted session's interactions each carry a wrong prompt (PR002 says why)
    "prompt_off_by_one": ("PR001",),
}
for _defect, _codes in _CROSS_CHECK_CONSEQUENCES.items():
    ALSO[_defect] = (*ALSO.get(_defect, ()), *_codes)
ID_FLOORS = {"id_shared": 1.0, "id_split": 1.0}
"""Floors (`score`) for id errors whose magnitude is the sessions that reveal them (`with_revealing_sessions`)."""


@dataclass
class Score:
    true_positives: int = 0
    false_negatives: int = 0
    false_positives: int = 0
    below_floor: int = 0  # injected smaller than the rule says it reports: neither found nor missed

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        total = self.true_positives + self.false_negatives
        return self.true_positives / total if total else 1.0


def with_revealing_sessions(truth: Iterable[dict[str, Any]], appearances: Iterable[tuple[str, str]]) -> list[dict]:
    """The id errors as the batch's `appearances` (session key, written id) show them, each with its magnitude
    set to the sessions that can reveal it: an id error shows only against other sessions.

    - The person's own sessions under their own id reveal either kind (ID002 matches a new id to them; ID001
      names the id the session belongs to).
    - For `id_shared`, so do the written id's own person's sessions when they outnumber the wrong one.
    - An `id_shared` whose written id has no session of its own person is, as the batch shows it, the person
      under a second id: an `id_split` (ID002).
    One session against one is symmetric: nothing says which of an id's two sessions is the wrong person, nor
    which of two ids of one person to keep, so a finding on either session explains itself (`sessions`).
    With `ID_FLOORS`, an error that nothing reveals is neither found nor missed: a person seen once under a
    new id cannot be told from a new person."""
    truth, appearances = list(truth), set(appearances)
    wrong = {(r["session_key"], r["details"]["written_id"]) for r in truth if r["defect"] in ID_FLOORS}
    own: dict[str, list[str]] = {}
    for session, pid in sorted(appearances - wrong):
        own.setdefault(pid, []).append(session)
    out = []
    for record in truth:
        if record["defect"] in ID_FLOORS:
            person, written = own.get(record["details"]["person"], []), own.get(record["details"]["written_id"], [])
            owner = written if record["defect"] == "id_shared" else []
            record = {**record, "defect": "id_shared" if owner else "id_split",
                      "magnitude": len(person) + (len(owner) if len(owner) >= 2 else 0)}
            if len(owner) == 1 and not person:  # one id, two people, one session each
                record["sessions"] = [record["session_key"], *owner]
            elif not owner and len(person) == 1:  # one person, two ids, one session each
                record["sessions"] = [record["session_key"], *person]
        out.append(record)
    return out


def _about(finding: Finding, record: dict[str, Any]) -> bool:
    if "file_id" in record:
        return finding.file_id == record["file_id"] or (
            finding.file_id is None and finding.interaction_key == record.get("interaction_key"))
    if record["scope"] == "interaction":
        return finding.interaction_key == record["interaction_key"]
    return finding.session_key in record.get("sessions", [record.get("session_key")])


def score(findings: Iterable[Finding], truth: Iterable[dict[str, Any]], codes: set[str],
          floors: Mapping[str, float] | None = None) -> tuple[Score, list, list]:
    """Score the rules in `codes`: returns the score, the missed defects and the unexplained findings.

    `floors` maps a defect to the smallest magnitude its rule states it reports (TS001's `min_offset_ms` for a
    timing offset): a defect injected below it counts neither as found nor as missed, and a finding on it is
    still explained."""
    findings = [f for f in findings if f.code in codes and f.caused_by is None]  # a consequence counts at its root
    truth = list(truth)
    result, missed = Score(), []
    for record in truth:
        expected = set(EXPECTED.get(record["defect"], ())) & codes
        if not expected:
            continue
        floor = (floors or {}).get(record["defect"])
        if floor is not None and abs(record.get("magnitude") or 0.0) < floor:
            result.below_floor += 1
            continue
        if any(f.code in expected and _about(f, record) for f in findings):
            result.true_positives += 1
        else:
            result.false_negatives += 1
            missed.append(record)
    unexplained = [f for f in findings if not any(
        (f.code in EXPECTED.get(r["defect"], ()) and _about(f, r))
        # a consequence may land on the partner's channel (a quieter partner makes the bleed look louder)
        or (f.code in ALSO.get(r["defect"], ()) and f.interaction_key == r.get("interaction_key", f.interaction_key))
        for r in truth)]
    result.false_positives = len(unexplained)
    return result, missed, unexplained
