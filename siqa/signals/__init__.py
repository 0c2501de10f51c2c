"""Signals shared by rules (frame energy, activity, alignment, bleed), computed once per unit and cached. ASR
words are a signal too, one floor up (`siqa.asr.signal`): they build on activity and the lexicon.

    audio       decoded audio at the analysis rate (16 kHz mono)
    energy      frame energy in dBFS                          loudness    active speech level (ITU-T P.56)
    activity    acoustic speech activity per channel           alignment   annotated against acoustic activity
    bleed       the partner's level and lag in one's channel
    lexicon     words as the rules compare them                prompts     the prompts of `interactions.csv`
    behaviour   behaviour activity at 30 Hz                    mouth       mouth opening against the speech
    frames      values on the video's 30 Hz clock
"""
