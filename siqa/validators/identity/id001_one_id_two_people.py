from __future__ import annotations

from collections.abc import Iterator

from siqa.findings import Finding, Scope, Severity
from siqa.identity.compare import Split
from siqa.identity.fingerprint import CHANNEL
from siqa.identity.release import IdentityJudgement, judgement
from siqa.registry import Setting, rule
from siqa.release import ReleaseContext, ReleaseView

SETTINGS = {
    "min_confidence": Setting(0.8, "least calibrated probability (1 - p_same) that the separated groups are two "
                                   "people"),
}


@rule("ID001", "one-id-two-people", scope=Scope.RELEASE, severity=Severity.ERROR, reads=(CHANNEL,),
      requires=("ID004",), settings=SETTINGS)
def one_id_two_people(release: ReleaseView, ctx: ReleaseContext) -> Iterator[Finding]:
    """One participant id given to two different people: the id's sessions fall into well-separated groups.

    ## What it detects
    Release-wide, after the audit's sessions (and in `siqa identity` over many audits): the sessions of each
    participant id are compared by voice and face fingerprints (ID004). Sessions closer than the calibrated
    threshold are linked; when an id's sessions form more than one group, every session outside the id's main
    group (its largest) is reported, naming the closest the groups come. When the group is as close to another
    id's sessions as that id's own are, the finding names that id: someone was recorded under the wrong id.

    ## Why it matters
    Per-person models, speaker-disjoint splits and personality labels (`participants.csv`) all key on the id;
    one id for two people gives one person the other's sessions and questionnaire.

    ## Evidence
    `participant_id`, `files` (this session's), `sessions` and `main_sessions` (the two groups),
    `nearest_distance` and `median_distance` between them (fused voice and face distance, about 1 between two
    sessions of one person), `threshold` (this site's calibrated threshold), `p_same` (the calibrated
    probability that the closest pair is one person), `matches_id` and `match_distance`, `proposed_id`.

    ## Fix
    Unsafe: in the session's `relationships.csv` row, the id becomes the matching id, or a new unused id when
    no other id matches (split the id). `<out>/identity/id_map.csv` lists every file concerned.

    ## Thresholds
    `min_confidence`: the least `1 - p_same` for a finding. The distance threshold is not set by hand: it is
    calibrated per site from the release's own same-id and different-id distances (`[signals.identity]` holds
    how; `<out>/identity/calibration.json` reports it).
    """
    judged = judgement(release, ctx.ruleset)
    if judged.comparison.calibration is None:
        judged.refusal_skips(ctx)
    for split in judged.comparison.splits:
        for appearance in split.group:
            finding = _finding(judged, ctx, split, appearance, judged.proposed(split))
            if finding is not None:
                yield finding
    judged.write_id_map()


def _finding(judged: IdentityJudgement, ctx: ReleaseContext, split: Split, appearance: int,
             proposed_id: str) -> Finding | None:
    participant = split.participant_id
    session = judged.table["session_key"].iloc[appearance]
    threshold = judged.threshold(appearance)
    matched = (
        f"; it matches {split.match} (median distance {split.match_distance:.2f})" if split.match else ""
    )
    message = (
        f"{participant} in {session} is not the person {participant} is in {len(split.main)} other "
        f"session(s): nearest fused distance {split.nearest:.2f} (threshold {threshold:.2f}){matched}; "
        f"files {', '.join(judged.files(appearance))}"
    )
    return judged.finding(
        ctx,
        appearance,
        message,
        split.confidence,
        {
            "participant_id": participant,
            "sessions": judged.sessions(split.group),
            "main_sessions": judged.sessions(split.main),
            "nearest_distance": round(split.nearest, 4),
            "median_distance": round(split.median, 4),
            "threshold": threshold,
            "p_same": round(1.0 - split.confidence, 4),
            "matches_id": split.match,
            "match_distance": None if split.match_distance is None else round(split.match_distance, 4),
            "proposed_id": proposed_id,
        },
        proposed_id,
    )
