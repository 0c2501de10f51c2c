"""Acoustic own-speech activity: own words are active, the partner's bleed is not."""

import numpy as np

from siqa.config import RuleSet
from siqa.context import BatchInfo, RuleContext, SignalCache
from siqa.dataset.batch import open_batches
from siqa.registry import get_rule
from siqa.signals.activity import FRAME_SECONDS, file_activity


def _share(speech: np.ndarray, word) -> float:
    """The share of the word's frames that the activity marks as speech."""
    return float(speech[int(word.start / FRAME_SECONDS):int(word.end / FRAME_SECONDS) + 1].mean())


def test_own_words_are_speech_and_partner_bleed_is_not(clean_tar_batch):
    (index,) = open_batches(clean_tar_batch.root, clean_tar_batch.batch)
    ruleset = RuleSet.load("default")
    rule = get_rule("TS001")
    ctx = RuleContext(rule, ruleset.settings("TS001", rule.severity), BatchInfo("improvised", "dev", "0000"),
                      SignalCache(), ruleset)
    own_hits, bleed_hits = [], []
    for interaction in (i for s in index.sessions for i in s.interactions):
        for pf in interaction.participants:
            partner = interaction.partner_of(pf)
            speech = file_activity(pf, partner, ctx).speech
            own = [w for seg in pf.meta().transcript().items for w in seg.words]
            other = [w for seg in partner.meta().transcript().items for w in seg.words]
            own_hits += [_share(speech, w) for w in own]
            # partner words while this person is silent: only bleed is in this channel
            quiet = [w for w in other if not any(o.start - 0.3 < w.end and w.start < o.end + 0.3 for o in own)]
            bleed_hits += [_share(speech, w) for w in quiet]
    assert np.median(own_hits) > 0.8
    assert bleed_hits and np.mean(bleed_hits) < 0.05
