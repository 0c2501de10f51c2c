"""Rules on real recorded speech (`python -m benchmarks.real_speech`): dyads of human recordings from
Debian packages (`siqa.synth.recorded`) in the release layout, audited as `benchmarks.precision` audits
synthetic ones.

- clean batch: warnings plus errors per hour of participant audio per family, and per rule (every one a false
  positive: nothing was injected);
- defect batch (disjoint host recordings): timing offsets of 200-500 ms, -15 dB bleed, swapped channels,
  -25 dB loudness, noise at 5 dB SNR, a silent 8 s tail and a replaced transcript segment on top; precision
  and recall per family (`siqa.synth.scoring`).

Words come from Whisper tiny.en (the sources ship no word times), so TR, which hears with the same model, is
partly circular here. Batches and the sources' transcripts are cached under `--work`; `--asr none` skips
TR."""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from collections import Counter
from pathlib import Path

from benchmarks.precision import SCORED, _counted, _family_codes, _floors, _print
from siqa.audit import AuditOptions, run_audit
from siqa.outputs.files import read_findings
from siqa.synth import SynthResult
from siqa.synth.recorded import generate_recorded, missing_sources, recordings, speech_of
from siqa.synth.scoring import score


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--asr", default="bundled", help="'bundled' (Whisper tiny.en) or 'none' (skips TR)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "siqa-real-speech",
                        help="cache of the sources' transcripts and the built batches")
    parser.add_argument("--rebuild", action="store_true", help="build the batches again (transcripts stay)")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("real_speech_results.json"))
    return parser.parse_args()


def _batch(args: argparse.Namespace, name: str, half: int) -> SynthResult:
    """The batch `name` under the work folder, built unless it is there already."""
    root = args.work / name
    done = root / ".built.json"
    if args.rebuild or not done.is_file():
        shutil.rmtree(root, ignore_errors=True)
        speech = speech_of(recordings(), args.work / "asr")
        result = generate_recorded(root, speech, half=half, seed=args.seed, defects=name == "defects")
        done.write_text(json.dumps({"batch": result.batch, "label": result.label, "truth": result.truth}))
    built = json.loads(done.read_text())
    return SynthResult(root, built["batch"], built["label"], built["truth"])


def _audit(args: argparse.Namespace, batch: SynthResult):
    outcome = run_audit(AuditOptions(batch=batch.batch, root=batch.root, label=batch.label,
                                     out=args.work / f"out-{batch.root.name}", jobs=args.jobs,
                                     asr={"backend": "none"} if args.asr == "none" else {"model": args.asr}))
    return outcome, list(read_findings(outcome.findings_path))


def main() -> None:
    args = _arguments()
    if reason := missing_sources():
        raise SystemExit(f"real speech unavailable: {reason}")
    families = [f for f in SCORED if args.asr != "none" or f != "TR"]
    clean, clean_findings = _audit(args, _batch(args, "clean", 0))
    hours = clean.summary.audio_seconds / 3600
    per_family = Counter(f.family for f in _counted(clean_findings))
    per_rule = Counter(f.code for f in _counted(clean_findings))
    results: dict = {"asr": args.asr, "seed": args.seed, "defects": {}, "clean": {
        "audio_hours": round(hours, 3), "per_hour": {f: round(per_family[f] / hours, 2) for f in families},
        "total_per_hour": round(sum(per_family[f] for f in families) / hours, 2),
        "findings_by_rule": dict(sorted(per_rule.items()))}}
    batch = _batch(args, "defects", 1)
    _, found = _audit(args, batch)
    counted = [f for f in found if f.caused_by is None]
    for family in families:
        codes = {f.code for f in counted if f.family == family} | _family_codes(family)
        result, missed, unexplained = score(counted, batch.truth, codes, _floors())
        results["defects"][family] = {
            "precision": round(result.precision, 3), "recall": round(result.recall, 3),
            "true_positives": result.true_positives, "false_negatives": result.false_negatives,
            "false_positives": result.false_positives, "below_floor": result.below_floor,
            "missed": sorted(Counter(r["defect"] for r in missed).items()),
            "unexplained": sorted(Counter(f.code for f in unexplained).items())}
    _print(results, families)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"results: {args.out}")


if __name__ == "__main__":
    main()
