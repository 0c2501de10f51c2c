from __future__ import annotations

from dataclasses import dataclass
from typing import Collection, Iterator

from siqa.context import RuleContext, Skip
from siqa.dataset.errors import ReadError
from siqa.dataset.units import Interaction
from siqa.findings import Finding, Scope, Severity
from siqa.registry import rule
from siqa.signals.lexicon import content_words
from siqa.signals.prompts import recorded_prompts
from siqa.validators.timing.boundaries import boundary_fix, interaction_bounds


ON_TOPIC_SHARE = 0.5  # on the prompt's topic: at least half of a segment's content words are the interaction's


@dataclass(frozen=True)
class _Said:
    start: float
    end: float
    words: frozenset[str]  # content words


@rule("TS006", "off-prompt-edges", scope=Scope.INTERACTION, severity=Severity.WARNING, reads=("json",))
def off_prompt_edges(interaction: Interaction, ctx: RuleContext) -> Iterator[Finding]:
    """Interaction that starts too early or ends too late into talk about something else: the first (or last)
    seconds hold speech whose words belong neither to the prompt nor to the rest of the interaction.

    ## What it detects
    The transcript segments of both participants within the interaction (its files, or the boundary its row of
    `interactions.csv` records, as TS003 describes), in time order. The interaction's vocabulary is the content
    words of its prompt (`interactions.csv`) and of every segment at least half of whose content words the
    prompt names (people follow a prompt and add their own words to it). From each edge inwards, segments
    whose content words are mostly outside that vocabulary form a run, which ends at the first segment on the
    prompt's topic. A run long enough, with enough words, and with few of them in the vocabulary is reported.

    ## Why it matters
    The boundary was annotated into the neighbouring interaction (its last exchange, or the chat while the
    next prompt was handed out): the window pairs speech with a prompt it does not follow, and trains dialogue
    models on a topic switch that never happened within one interaction.

    ## Evidence
    `edge`, `off_prompt_seconds`, `words` (the run's content words), `known_share` (of them, the share in the
    interaction's vocabulary), `proposed_start` or `proposed_end` (the trimmed boundary).

    ## Fix
    Writes the trimmed boundary to the interaction's row of `interactions.csv`, unsafe, as TS003 does. It lies
    `keep_seconds` before the first on-prompt segment (or after the last), but never further out than halfway
    into the pause that separates it from the off-prompt talk.

    ## Thresholds
    `min_seconds`: shortest run reported; `min_words`: content words a run needs to be judged (each time
    said); `max_known_share`: the run is off-prompt when at most this share of its words is in the
    interaction's vocabulary; `keep_seconds`: margin kept by the proposed boundary.
    """
    bounds = interaction_bounds(interaction, ctx)
    said = [s for s in _segments(interaction) if s.end > bounds.start and (bounds.end is None or s.start < bounds.end)]
    if not said:
        return
    prompt = recorded_prompts(ctx, [interaction.key]).get(interaction.key)
    if prompt is None:
        raise Skip(f"{interaction.key} has no prompt in interactions.csv: its topic is unknown")
    start, end = bounds.start, max(s.end for s in said) if bounds.end is None else bounds.end
    settings = ctx.settings
    named = set(content_words(prompt))
    vocabulary = named.union(*(s.words for s in said if _known_share(s.words, named) >= ON_TOPIC_SHARE))
    keep = settings.get("keep_seconds")
    for edge, ordered in (("start", said), ("end", said[::-1])):
        found = _off_prompt_run(ordered, vocabulary)
        if found is None:
            continue
        run, inner = found
        words = [w for segment in run for w in sorted(segment.words)]
        known = _known_share(words, vocabulary)
        seconds = inner.start - start if edge == "start" else end - inner.end
        if len(words) < settings.get("min_words") or known > settings.get("max_known_share") \
                or seconds < settings.get("min_seconds"):
            continue
        if edge == "start":
            proposed = round(max(inner.start - keep, min(inner.start, (run[-1].end + inner.start) / 2)), 3)
            span = (start, inner.start)
        else:
            proposed = round(min(inner.end + keep, max(inner.end, (run[-1].start + inner.end) / 2)), 3)
            span = (inner.end, end)
        what = "starts too early" if edge == "start" else "ends too late"
        yield ctx.report(
            interaction, f"{interaction.key} {what}: {seconds:.1f} s of talk off its prompt at the {edge}",
            span=span, confidence=round(min(1.0, (1 - known) * len(words) / (2 * settings.get("min_words"))), 3),
            fix=boundary_fix(interaction, ctx, edge, proposed),
            evidence={"edge": edge, "off_prompt_seconds": round(seconds, 3), "words": sorted(set(words)),
                      "known_share": round(known, 3), f"proposed_{edge}": proposed})


def _segments(interaction: Interaction) -> list[_Said]:
    """Both participants' transcript segments with content words, in time order."""
    said = []
    for pf in interaction.participants:
        if not pf.has("json"):
            continue
        try:
            meta = pf.meta()
            segments = meta.transcript().items if meta.has_transcript else []
        except ReadError:
            continue
        said += [_Said(s.start, s.end, frozenset(content_words(s.text))) for s in segments]
    return sorted((s for s in said if s.words), key=lambda s: (s.start, s.end))


def _off_prompt_run(ordered: list[_Said], vocabulary: set[str]) -> tuple[list[_Said], _Said] | None:
    """From the edge inwards: the segments said before the first one on the prompt's topic, and that segment;
    None when the edge starts on topic or nothing is on topic."""
    for index, segment in enumerate(ordered):
        if _known_share(segment.words, vocabulary) >= ON_TOPIC_SHARE:
            return (ordered[:index], segment) if index else None
    return None


def _known_share(words: Collection[str], vocabulary: set[str]) -> float:
    return sum(w in vocabulary for w in words) / len(words)
