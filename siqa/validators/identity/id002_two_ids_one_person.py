from __future__ import annotations

from collections.abc import Iterator

from siqa.findings import Finding, Scope, Severity
from siqa.identity.compare import Merge
from siqa.identity.fingerprint import CHANNEL
from siqa.identity.release import IdentityJudgement, judgement
from siqa.registry import Setting, rule
from siqa.release import ReleaseContext, ReleaseView

SETTINGS = {
    "min_confidence": Setting(0.75, "least calibrated probability (p_same) that the two ids' sessions are "
                                    "one person"),
}


@rule("ID002", "two-ids-one-person", scope=Scope.RELEASE, severity=Severity.ERROR, reads=(CHANNEL,),
      requires=("ID004",), settings=SETTINGS)
def two_ids_one_person(release: ReleaseView, ctx: ReleaseContext) -> Iterator[Finding]:
    """One person under two participant ids: sessions of different ids as close as one person's sessions.

    ## What it detects
    Release-wide, after the audit's sessions (and in `siqa identity` over many audits): each session's voice
    and face fingerprint (ID004) is compared with the ids nearest to it. Two ids whose sessions are, taken all
    together, closer than the calibrated threshold (as close as one person's own sessions) are one person,
    unless they ever sat in one session together (the two partners of a dyad are two people, whatever their
    fingerprints). The smaller id is reported in each of its sessions, to be merged into the larger.

    ## Why it matters
    Speaker-disjoint train/test splits leak when one person has two ids; per-person statistics count them
    twice and the personality labels of `participants.csv` disagree with themselves.

    ## Evidence
    `participant_id` (the id to merge), `same_person_as` (the id to keep), `files` (this session's),
    `sessions` and `target_sessions`, `median_distance` and `nearest_distance` between the two ids' sessions,
    `within_distance` (how far the kept id's own sessions are from each other), `threshold` (this site's
    calibrated threshold), `p_same` (median calibrated probability of one person over the pairs of sessions).

    ## Fix
    Unsafe: in the session's `relationships.csv` row, the id becomes the kept id (merge the ids).
    `<out>/identity/id_map.csv` lists every file concerned.

    ## Thresholds
    `min_confidence`: the least p_same (probability of one person) for a finding. The distance threshold is
    calibrated per site from the release itself (`[signals.identity]`; reported in
    `<out>/identity/calibration.json`).
    """
    judged = judgement(release, ctx.ruleset)
    if judged.comparison.calibration is None:
        judged.refusal_skips(ctx)
    for merge in judged.comparison.merges:
        for appearance in merge.group:
            finding = _finding(judged, ctx, merge, appearance)
            if finding is not None:
                yield finding
    judged.write_id_map()


def _finding(judged: IdentityJudgement, ctx: ReleaseContext, merge: Merge, appearance: int) -> Finding | None:
    session = judged.table["session_key"].iloc[appearance]
    threshold = judged.threshold(appearance)
    within = f", {merge.into}'s own sessions {merge.within:.2f}" if merge.within is not None else ""
    message = (
        f"{merge.participant_id} in {session} is the same person as {merge.into} ({len(merge.target)} "
        f"session(s)): median fused distance {merge.median:.2f} (threshold {threshold:.2f}{within}); "
        f"files {', '.join(judged.files(appearance))}"
    )
    return judged.finding(
        ctx,
        appearance,
        message,
        merge.confidence,
        {
            "participant_id": merge.participant_id,
            "same_person_as": merge.into,
            "sessions": judged.sessions(merge.group),
            "target_sessions": judged.sessions(merge.target),
            "median_distance": round(merge.median, 4),
            "nearest_distance": round(merge.nearest, 4),
            "within_distance": None if merge.within is None else round(merge.within, 4),
            "threshold": threshold,
            "p_same": round(merge.confidence, 4),
        },
        merge.into,
    )
