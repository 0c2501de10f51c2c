"""`siqa.synth.generate`: a batch in a real layout, with injected defects and their ground truth."""

from __future__ import annotations

import json
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from siqa.dataset.ids import FileId
from siqa.dataset.schema import TRANSCRIPT_KEY, VAD_KEY
from siqa.synth import write
from siqa.synth.annotations import annotate, behaviour_events
from siqa.synth.conversation import converse, vad_segments
from siqa.synth.defects import CATALOGUE
from siqa.synth.draft import FileDraft, InteractionDraft
from siqa.synth.features import behaviour_curve, frames_for, livelier_voice, make_features, speech_envelope
from siqa.synth.mixing import mix_channel
from siqa.synth.people import Person, people_pool
from siqa.synth.profiles import DefectProfile
from siqa.synth.room import room_tone
from siqa.synth.sites import SITES
from siqa.synth.sounds import with_sounds
from siqa.synth.topics import TOPICS
from siqa.synth.variation import VARIATIONS, Variation


@dataclass(frozen=True)
class SynthConfig:
    layout: str = "extracted"
    label: str = "improvised"
    split: str = "dev"
    batch: int = 0
    sessions: int = 5
    interactions_per_session: int = 4
    interactions_per_archive: int = 4
    duration: float = 20.0
    seed: int = 0
    defects: str = "default"
    people: int = 0  # size of the recurring pool; 0: about 1.5 people per session, at least 6
    variation: str = "natural"  # natural: real rooms' and people's spread; none: the old narrow generator

    def __post_init__(self) -> None:
        if self.layout not in write.LAYOUTS:
            raise ValueError(f"layout must be one of {write.LAYOUTS}, not {self.layout!r}")
        if self.variation not in VARIATIONS:
            raise ValueError(f"variation must be one of {tuple(VARIATIONS)}, not {self.variation!r}")
        if self.duration < 6.0:
            raise ValueError("duration must be at least 6 seconds (room for a few turns)")


@dataclass
class SynthResult:
    root: Path
    batch: str  # `<split>/<batch:04d>`, as `siqa audit --batch` takes it
    label: str
    truth: list[dict[str, Any]] = field(default_factory=list)
    interactions: int = 0
    files: int = 0

    @property
    def truth_path(self) -> Path:
        return ground_truth_path(self.root, self.label, self.batch)


def ground_truth_path(root: Path, label: str, batch: str) -> Path:
    split, number = batch.split("/")
    if (root / label / split / number).is_dir():
        return root / label / split / number / "ground_truth.jsonl"
    return root / label / split / f"ground_truth_{number}.jsonl"


def _truth(name: str, fields: dict[str, Any], draft: InteractionDraft) -> dict[str, Any]:
    spec = CATALOGUE[name]
    target = fields.pop("file", None)
    record = {"family": spec.family, "defect": name, "scope": "file" if target else spec.scope,
              "site": draft.site.site, "interaction_key": draft.key, "magnitude": fields.pop("magnitude", None),
              "unit": fields.pop("unit", None), "span": fields.pop("span", None), "details": fields.pop("details", {})}
    if target is not None:
        record["file_id"] = str(target.file_id)
    return record


def _session_plan(config: SynthConfig, pool: list[Person], rng: np.random.Generator) -> list[dict[str, Any]]:
    gains = VARIATIONS[config.variation].site_gains([site.site for site in SITES], config.seed)
    plans = []
    for s in range(config.sessions):
        pair = rng.choice(len(pool), size=2, replace=False)
        site = SITES[s % len(SITES)]
        plans.append({"number": config.batch * 1000 + s + 1, "site": site, "gain_db": gains[site.site],
                      "people": [pool[int(pair[0])], pool[int(pair[1])]], "ids": [None, None],
                      "topics": [TOPICS[int(t)] for t in rng.choice(len(TOPICS), config.interactions_per_session,
                                                                    replace=False)]})
    return plans


def _people_defects(plans: list[dict[str, Any]], profile: DefectProfile, pool: list[Person],
                    rng: np.random.Generator) -> list[dict[str, Any]]:
    """id_shared: someone recorded under another (recurring) person's id; id_split: someone under a new id."""
    recurring = sorted({p.number for plan in plans for p in plan["people"]})
    count = int(round(profile.people_affected * len(recurring)))
    records = []
    for k, s in enumerate(rng.choice(len(plans), size=min(count, len(plans)), replace=False)):
        plan = plans[int(s)]
        slot = int(rng.integers(2))
        person = plan["people"][slot]
        if k % 2 == 0:
            others = [n for n in recurring if n not in {p.number for p in plan["people"]}]
            written = int(rng.choice(others)) if others else person.number
            kind = "id_shared"
        else:
            written, kind = 9000 + 2 * int(plan["number"]) + slot, "id_split"  # unique across batches
        plan["ids"][slot] = written
        records.append({"family": "ID", "defect": kind, "scope": "session", "site": plan["site"].site,
                        "session_key": f"{plan['site'].site}_S{plan['number']:04d}", "magnitude": None,
                        "unit": None, "span": None,
                        "details": {"person": person.participant_id, "written_id": f"P{written:04d}"}})
    return records


def _levels(plan: dict[str, Any], variation: Variation, rng: np.random.Generator) -> tuple[float, float]:
    """Each channel's speech level (dBFS): the site's, its calibration, the person's and the microphone's."""
    base = plan["site"].speech_dbfs + plan["gain_db"] - variation.headroom_db
    first, second = (base + variation.file_offset_db(person.level_db, rng) for person in plan["people"])
    return first, second


def _build(key: str, plan: dict[str, Any], topic_index: int, config: SynthConfig, defect: str | None,
           rng: np.random.Generator) -> tuple[InteractionDraft, list[dict[str, Any]]]:
    site, people = plan["site"], plan["people"]
    topic, variation = plan["topics"][topic_index], VARIATIONS[config.variation]
    levels = _levels(plan, variation, rng)
    tracks = converse((people[0], people[1]), topic, config.duration, levels, variation, rng)
    files = [FileDraft(FileId.parse(f"{key}_P{plan['ids'][i] or people[i].number:04d}"), people[i],
                       tracks[i].samples, levels[i], meta={"id": "", TRANSCRIPT_KEY: tracks[i].segments})
             for i in range(2)]
    draft = InteractionDraft(key, site, topic, topic.prompt, files, [site.bleed_db, site.bleed_db], variation)
    spec = CATALOGUE.get(defect) if defect else None
    truth = []
    if spec and spec.stage == "tracks":
        truth.append(_truth(spec.name, spec.apply(draft, rng), draft))
    if spec and spec.stage == "mix":
        truth.append(_truth(spec.name, spec.apply(draft, rng), draft))
    for fd in files:  # behaviour first: the livelier voice is what both channels carry
        fd.events = behaviour_events(fd.duration, rng)
        fd.clean = livelier_voice(fd.clean, fd.events)
    for fd in files:
        fd.meta = {"id": str(fd.file_id), TRANSCRIPT_KEY: fd.meta[TRANSCRIPT_KEY],
                   VAD_KEY: vad_segments(fd.clean, fd.speech_dbfs)}
    heard = [with_sounds(fd.clean, fd.meta[VAD_KEY], fd.speech_dbfs, variation, rng) for fd in files]
    for i, fd in enumerate(files):
        tone = room_tone(len(fd.clean), site, variation.room_tone, rng)
        fd.audio = mix_channel(heard[i], heard[1 - i], draft.bleed_db[i], site.bleed_lag_ms, tone,
                               variation.peak_ceiling)
        frames = frames_for(fd.duration)
        valid = rng.random(frames) >= site.invalid_frame_ratio
        fd.features = make_features(fd.person, speech_envelope(fd.clean, frames),
                                    behaviour_curve(frames, fd.events, rng), valid, rng)
        fd.video_frames = frames
        fd.meta.update(annotate(fd.events, rng))
    if spec and spec.stage == "final":
        truth.append(_truth(spec.name, spec.apply(draft, rng), draft))
    return draft, truth


@dataclass
class BuiltFile:
    name: str
    file_id: str
    files: dict[str, bytes]  # modality -> bytes (extracted and tar layouts)
    members: dict[str, bytes]  # path under the split folder -> bytes (per-modality tree)
    duplicate: bool


@dataclass
class BuiltInteraction:
    key: str
    prompt: str
    truth: list[dict[str, Any]]
    files: list[BuiltFile]


def _build_session(config: SynthConfig, plan: dict[str, Any], s: int, first: int,
                   defects: list[str | None]) -> list[BuiltInteraction]:
    """One session, serialised. Runs in a fresh process: espeak-ng carries synthesis state from one utterance
    to the next, so a fresh engine per session is what makes the output depend on the seed alone."""
    built = []
    session_key = f"{plan['site'].site}_S{plan['number']:04d}"
    for i, defect in enumerate(defects):
        key = f"{session_key}_I{config.batch * 100000 + first + i + 1:08d}"
        draft, truth = _build(key, plan, i, config, defect, np.random.default_rng([config.seed, config.batch, s, i]))
        kept = draft.files[:1] if draft.dropped else draft.files
        files = []
        for fd in kept:
            data = write.modality_bytes(fd)
            name = fd.name or str(fd.file_id)
            members = write.modality_members(name, fd, data) if config.layout == "modality" else {}
            files.append(BuiltFile(name, str(fd.file_id), {} if members else data, members, fd.duplicate))
        built.append(BuiltInteraction(key, draft.prompt, truth, files))
    return built


def generate(out: Path, config: SynthConfig = SynthConfig(), workers: int = 2) -> SynthResult:
    """Write one batch under `out` (the dataset root) and its ground truth; deterministic for a seed."""
    profile = DefectProfile.load(config.defects)
    rng = np.random.default_rng([config.seed, config.batch])
    size = config.people or max(6, int(config.sessions * 1.5))
    pool = people_pool(size, config.seed, VARIATIONS[config.variation])
    plans = _session_plan(config, pool, rng)
    truth = _people_defects(plans, profile, pool, rng)
    per = config.interactions_per_session
    defects = profile.assign(config.sessions * per, rng)
    off_by_one = _off_by_one_sessions(plans, profile, config, rng)
    split_dir = out / config.label / config.split
    batch_dir = split_dir / f"{config.batch:04d}"
    tars = write.TarWriter(batch_dir) if config.layout == "tar" else None
    result = SynthResult(out, f"{config.split}/{config.batch:04d}", config.label)
    interaction_rows, file_rows = [], []
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max(1, workers), mp_context=context, max_tasks_per_child=1) as executor:
        sessions = executor.map(_build_session, [config] * len(plans), plans, range(len(plans)),
                                [s * per for s in range(len(plans))],
                                [defects[s * per:(s + 1) * per] for s in range(len(plans))])
        for s, (plan, built) in enumerate(zip(plans, sessions)):
            session_key = f"{plan['site'].site}_S{plan['number']:04d}"
            for i, interaction in enumerate(built):
                archive = (s * per + i) // config.interactions_per_archive
                truth.extend(interaction.truth)
                for bf in interaction.files:
                    _write_file(bf, config, split_dir, batch_dir, archive, tars)
                    file_rows.append({"file_id": bf.file_id, "label": config.label, "split": config.split,
                                      "batch_idx": str(config.batch), "archive_idx": str(archive)})
                    result.files += 1
                result.interactions += 1
            prompts = [b.prompt for b in built]
            if s in off_by_one:
                shift = off_by_one[s]
                truth.append({"family": "PR", "defect": "prompt_off_by_one", "scope": "session",
                              "site": plan["site"].site, "session_key": session_key, "magnitude": shift,
                              "unit": "interactions", "span": None, "details": {"true_prompts": list(prompts)}})
                prompts = prompts[shift:] + prompts[:shift]
            interaction_rows += [{"interaction_key": b.key, "session_key": session_key, "prompt": prompt,
                                  "label": config.label, "split": config.split, "batch_idx": str(config.batch)}
                                 for b, prompt in zip(built, prompts)]
    if tars is not None:
        tars.close()
    _write_tables(out, plans, pool, interaction_rows, file_rows)
    result.truth = truth
    write.atomic_write(result.truth_path, "".join(json.dumps(r, sort_keys=True) + "\n" for r in truth).encode())
    return result


def _off_by_one_sessions(plans: list[dict[str, Any]], profile: DefectProfile, config: SynthConfig,
                         rng: np.random.Generator) -> dict[int, int]:
    if config.interactions_per_session < 3:
        return {}
    count = int(round(profile.session_affected * len(plans)))
    chosen = rng.choice(len(plans), size=min(count, len(plans)), replace=False)
    return {int(s): int(rng.choice([1, -1])) for s in chosen}


def _write_file(bf: BuiltFile, config: SynthConfig, split_dir: Path, batch_dir: Path, archive: int,
                tars: write.TarWriter | None) -> None:
    for relative, data in bf.members.items():
        write.atomic_write(split_dir / relative, data)
    for where in ([archive, archive + 1] if bf.duplicate else [archive]):
        if tars is not None:
            tars.add(where, bf.name, bf.files)
        elif bf.files:
            write.write_extracted(batch_dir, where, bf.name, bf.files)


def _write_tables(out: Path, plans: list[dict[str, Any]], pool: list[Person], interaction_rows: list[dict],
                  file_rows: list[dict]) -> None:
    bfi = ("extraversion", "agreeableness", "conscientiousness", "negative_emotionality", "open_mindedness")
    pool_numbers = {p.number for p in pool}  # a person split under a new id was registered under it too
    registered = [(p.number, p.bfi) for p in pool] + [
        (number, person.bfi) for plan in plans for number, person in zip(plan["ids"], plan["people"])
        if number and number not in pool_numbers]
    write.merge_table(out / "participants.csv", [
        {"participant_id": f"P{number:04d}", **{f"bfi_{d}": str(v) for d, v in zip(bfi, scores)}}
        for number, scores in registered], "participant_id")
    write.merge_table(out / "relationships.csv", [
        {"session_key": f"{plan['site'].site}_S{plan['number']:04d}",
         "participant_a": f"P{plan['ids'][0] or plan['people'][0].number:04d}",
         "participant_b": f"P{plan['ids'][1] or plan['people'][1].number:04d}",
         "relationship": "strangers" if (plan["people"][0].number + plan["people"][1].number) % 3 else "friends"}
        for plan in plans], "session_key")
    write.merge_table(out / "interactions.csv", interaction_rows, "interaction_key")
    write.merge_table(out / "filelist.csv", file_rows, "file_id")
