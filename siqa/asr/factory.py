"""The ASR backend `[signals.asr]` names. Apart from the interface (`backend`), which every backend imports, so
that no backend module imports the factory that imports it."""

from __future__ import annotations

from siqa.asr.backend import AsrBackend, AsrSettings, AsrUnavailable


def load_backend(settings: AsrSettings) -> AsrBackend:
    """The backend these settings name (its model loads on first use, once per process)."""
    if settings.backend == "none":
        raise AsrUnavailable("ASR is off (--asr none / [signals.asr] backend = \"none\")")
    from siqa.asr.whisper import FasterWhisper  # the extra is imported only when asked for

    return FasterWhisper(settings)
