"""What each interaction's participants said, handed to the prompt rules' batch passes (pass one).

Whether talk fits its prompt can only be judged against the batch: real talk says in its own words what a
one-line prompt names, so a prompt is described by the talk of the other interactions that carry it
(`siqa.validators.prompts.matching`). Pass one therefore reports nothing; per interaction with a recorded
prompt it collects the content words said (`siqa.asr.signal`: ASR words where triage sent a span to ASR, the
transcript elsewhere), computed once per session and collected by PR001 and PR002 alike, each under its own
code, so either rule runs on its own. The record carries the `[signals.prompts]` settings in force at the
session's site: they are part of every cached result's key, so a cached record never holds stale ones.
"""

from __future__ import annotations

from typing import Any

from siqa.asr.signal import ChannelAsr, session_asr
from siqa.context import RuleContext
from siqa.dataset.units import Session
from siqa.signals.lexicon import content_words
from siqa.signals.prompts import recorded_prompts

SIGNAL = "prompts"
SHIFT_SETTINGS = ("shift_min_interactions", "shift_min_consistent_share", "shift_tolerance", "shift_min_effect",
                  "shift_min_units")


def collect_talk(session: Session, ctx: RuleContext) -> None:
    """Hand one record per prompted interaction of the session to the running rule's batch pass."""
    for record in ctx.signals.get("prompt_talk", session.key, lambda: _records(session, ctx)):
        ctx.collect(ctx.rule.code, dict(record))


def _records(session: Session, ctx: RuleContext) -> list[dict[str, Any]]:
    settings = ctx.signal_settings(SIGNAL, session.site)
    prompts = recorded_prompts(ctx, (i.key for i in session.interactions))
    asr = session_asr(session, ctx)
    shift = {k: settings[k] for k in SHIFT_SETTINGS}
    records = []
    for order, interaction in enumerate(session.interactions):
        if interaction.key not in prompts:
            continue
        channels = asr.of(interaction.key)
        said = [w for c in channels for w in c.spoken_words(settings["asr_min_probability"])]
        words = content_words(" ".join(said))
        records.append({"scope": "interaction", "site": session.site, "session_key": session.key,
                        "interaction_key": interaction.key, "order": order, "prompt": prompts[interaction.key],
                        "words": " ".join(words), "judged": len(words) >= settings["min_content_words"],
                        "source": _source(channels), "shift": shift})
    return records


def _source(channels: list[ChannelAsr]) -> str:
    """What the speech comes from: "transcript", "asr", "transcript+asr" or "none"."""
    used = (("transcript", any(c.segments for c in channels)), ("asr", any(c.heard for c in channels)))
    return "+".join(name for name, present in used if present) or "none"
