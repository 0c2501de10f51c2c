"""Hand-built batches of natural talk: conversations that say what their prompt asks in their own words (at most
a fifth of their content words are the prompt's), written as an extracted release with transcripts only, so the
prompt and edge rules can be audited without synthesising speech (`asr` backend "none")."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

LABEL, SPLIT, BATCH = "improvised", "dev", "0000"
SENTENCE_SECONDS, PAUSE_SECONDS = 3.0, 0.6

SCENARIOS: dict[str, tuple[str, ...]] = {
    "Plan a weekend camping trip together. Bring up the tent, the lake and the trail.": (
        "we should pack warm sleeping bags because nights at the campsite get cold",
        "my cousin can lend us his canoe for paddling on the lake",
        "does the campsite have showers or only a toilet block",
        "i want to sit outside at night and watch the stars",
        "last summer the mosquitoes at night were terrible so bring spray",
        "my old hiking boots gave me blisters on the trail so i bought new boots",
        "we could grill sausages on the campfire after sunset",
        "if it rains this weekend we can play cards inside the tent",
        "somebody has to carry the water filter in the canoe",
        "i will bring my headlamp for the campsite at night",
        "the view of the stars from that hill is supposed to be amazing",
        "let us leave early on the trip to grab a campsite near the lake",
        "waking up to birds and the campfire smell is the best part",
        "we might go fishing from the canoe at dawn",
    ),
    "Decide what to cook for a family dinner. Bring up the pasta, the oven and the dessert.": (
        "my mother cannot eat anything spicy so keep the sauce mild",
        "how about roast chicken in the oven with potatoes and gravy",
        "i could make that lentil soup with fresh herbs",
        "the kids will only eat pasta or potatoes with cheese",
        "should we buy bread from the bakery or bake our own bread",
        "my brother turned vegetarian so we need a vegetable dish",
        "grandma always brings her apple pie for dessert anyway",
        "we have leftover rice that could become fried rice",
        "i would rather not spend hours chopping vegetables",
        "a big tray of lasagne with cheese feeds twelve people",
        "somebody should check whether uncle is allergic to nuts in the sauce",
        "let us set the table early before the guests arrive",
        "for dinner we could grill fish and vegetables if the weather holds",
        "ice cream with berries is quick and the kids love it",
    ),
    "Choose a gift for a close friend. Bring up the present, the budget and the card.": (
        "she keeps talking about learning pottery so maybe a pottery class",
        "maybe tickets for that concert she mentioned in march",
        "our budget is under fifty pounds each this year",
        "a cookbook would suit him since he started baking bread",
        "last birthday we gave socks and he looked disappointed",
        "handmade things always mean more to a friend than shop things",
        "could we frame a photo from our holiday together",
        "he collects vinyl records so a record would please him",
        "a spa voucher might help her relax after exams",
        "we should write something funny inside the card",
        "perfume is risky because tastes differ so much",
        "let us order online before delivery gets slow for her birthday",
        "she lost her favourite umbrella last week so a new umbrella",
        "a plant for her new flat would be a lovely gift",
    ),
    "Argue about keeping a new puppy. Bring up the puppy, the walks and the vet.": (
        "who gets up at six to take the puppy on walks every morning",
        "our landlord might not allow a dog in this flat",
        "the shelter said the dog is already house trained",
        "i grew up with dogs and they make a home happier",
        "the carpet will be ruined by the dog within a month",
        "the vet and pet insurance add up quickly",
        "the puppy could sleep in a basket beside the heater",
        "my sister could look after the dog when we travel",
        "he chewed my shoe the moment we brought him home",
        "children learn responsibility by caring for a pet",
        "we both work long hours and the dog would be lonely",
        "obedience classes for a new dog on saturdays are not expensive",
        "i am allergic to dog fur and my eyes already itch",
        "look how he wags his tail when you talk to him",
    ),
    "Discuss a job interview tomorrow. Bring up the manager, the salary and the resume.": (
        "i am nervous the company will ask about the gap last year",
        "you should research what the company sells first",
        "wear the navy jacket because it looks professional",
        "practise explaining to the manager why you left your previous job",
        "the company might give you a written test on spreadsheets",
        "arrive fifteen minutes early and turn off your phone",
        "ask what a normal day in that department looks like",
        "i never know what salary to ask for in a new job",
        "mention the project where you cut costs by half",
        "the commute to the company would take over an hour each way",
        "bring two printed copies of your references",
        "they said the interview panel has three people",
        "do not badmouth your old boss whatever happens",
        "send the panel a thank you email the same evening",
    ),
    "Fix a broken bicycle. Bring up the wheel, the chain and the brake.": (
        "the back wheel keeps going flat overnight so the tyre needs a patch",
        "we need a patch kit and some glue for the tyre",
        "the gears skip whenever i ride the bike uphill",
        "put some oil on the chain because it squeaks terribly",
        "turn the bike upside down so it rests on the seat",
        "the front light on the bike stopped working after the rain",
        "tighten that loose bolt near the handlebars with the spanner",
        "my spanner set is somewhere in the garage",
        "the brake pads are worn so stopping the bike takes forever",
        "maybe take the bike to the repair shop on the corner",
        "the frame has rust spots we should sand",
        "check the spokes of the wheel for any that are bent",
        "raise the seat a little for longer legs",
        "a new inner tube for the tyre costs only a few pounds",
    ),
}
PROMPTS = list(SCENARIOS)


@dataclass
class Planned:
    """One interaction: what was said, in turns (scenario index per sentence), and the prompt its row records."""

    key: str
    spoken: int  # the scenario the conversation follows
    recorded: int  # the scenario whose prompt interactions.csv records
    turns: list[int] = field(default_factory=list)  # scenario of each sentence, in order

    @property
    def duration(self) -> float:
        return len(self.turns) * (SENTENCE_SECONDS + PAUSE_SECONDS) + PAUSE_SECONDS


def plan_batch(sessions: int, per_session: int, sentences: int, seed: int) -> list[list[Planned]]:
    """Sessions of interactions that each follow a different scenario (every scenario comes back across the
    batch), clean: each says `sentences` of its scenario's lines and records its prompt."""
    rng = np.random.default_rng(seed)
    plans = []
    for s in range(sessions):
        topics = rng.permutation(len(SCENARIOS))[:per_session]
        plans.append([Planned(f"V00_S{s + 1:04d}_I{s * per_session + i + 1:08d}", int(t), int(t),
                              [int(t)] * sentences) for i, t in enumerate(topics)])
    return plans


def prompt_share(planned: Planned) -> float:
    """The share of the talk's content words that its prompt names."""
    from siqa.signals.lexicon import content_words

    named = set(content_words(PROMPTS[planned.spoken]))
    words = [w for line in _lines(planned) for w in content_words(line)]
    return sum(w in named for w in words) / len(words)


def _lines(planned: Planned) -> list[str]:
    """The sentences said: the interaction's own scenario from a line that depends on its key (so interactions
    differ), another scenario's from its first lines (talk from another conversation, which names its subject)."""
    used: dict[int, int] = {}
    out = []
    for topic in planned.turns:
        lines = SCENARIOS[PROMPTS[topic]]
        n = used.get(topic, 0)
        offset = int(planned.key[-2:]) if topic == planned.spoken else 0
        out.append(lines[(offset + n) % len(lines)])
        used[topic] = n + 1
    return out


def records(plans: list[list[Planned]]) -> list[dict]:
    """The records the prompt rules collect in pass one for these interactions (transcript words only)."""
    from siqa.config import RuleSet
    from siqa.signals.lexicon import content_words
    from siqa.validators.prompts.talk import SHIFT_SETTINGS

    signal = RuleSet.load("default").signal("prompts")
    shift = {k: signal[k] for k in SHIFT_SETTINGS}
    out = []
    for session in plans:
        for order, planned in enumerate(session):
            words = content_words(" ".join(_lines(planned)))
            out.append({"scope": "interaction", "site": planned.key[:3],
                        "session_key": planned.key.rsplit("_", 1)[0], "interaction_key": planned.key,
                        "order": order, "prompt": PROMPTS[planned.recorded],
                        "words": " ".join(words), "judged": len(words) >= signal["min_content_words"],
                        "source": "transcript", "shift": shift})
    return out


def _segment(text: str, start: float) -> dict:
    words = text.split()
    step = SENTENCE_SECONDS / len(words)
    return {"start": round(start, 3), "end": round(start + SENTENCE_SECONDS, 3), "transcript": text,
            "words": [{"word": w, "start": round(start + k * step, 3), "end": round(start + (k + 1) * step, 3),
                       "score": 0.9} for k, w in enumerate(words)]}


def write_batch(root: Path, plans: list[list[Planned]]) -> str:
    """The batch as an extracted release under `root` (short silent WAVs, JSON with transcript and VAD) and its
    interactions.csv; returns the batch name for `AuditOptions`."""
    folder = root / LABEL / SPLIT / BATCH / "0000"
    folder.mkdir(parents=True)
    rows = []
    for session in plans:
        for planned in session:
            segments: list[list[dict]] = [[], []]
            for k, line in enumerate(_lines(planned)):
                segments[k % 2].append(_segment(line, PAUSE_SECONDS + k * (SENTENCE_SECONDS + PAUSE_SECONDS)))
            for p, own in enumerate(segments):
                file_id = f"{planned.key}_P{int(planned.key[5:9]) * 2 + p:04d}"
                vad = [{"start": s["start"], "end": s["end"]} for s in own]
                (folder / f"{file_id}.json").write_text(json.dumps(
                    {"id": file_id, "metadata:transcript": own, "metadata:vad": vad}))
                sf.write(folder / f"{file_id}.wav", np.zeros(4800, np.int16), 48000, subtype="PCM_16")
            rows.append({"interaction_key": planned.key, "session_key": planned.key.rsplit("_", 1)[0],
                         "prompt": PROMPTS[planned.recorded]})
    with open(root / "interactions.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, ["interaction_key", "session_key", "prompt"])
        writer.writeheader()
        writer.writerows(rows)
    return f"{SPLIT}/{BATCH}"


def audit(root: Path, plans: list[list[Planned]], select: list[str]):
    """Audit the batch with transcripts only: (findings, output folder)."""
    from siqa.audit import AuditOptions, run_audit
    from siqa.outputs.files import read_findings

    batch = write_batch(root / "data", plans)
    outcome = run_audit(AuditOptions(batch=batch, root=root / "data", out=root / "out", jobs=1, select=select,
                                     asr={"backend": "none"}))
    return list(read_findings(outcome.findings_path)), outcome.out_dir


def metrics(out_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (out_dir / "metrics.jsonl").read_text().splitlines()]


def norm_of(out_dir: Path, code: str) -> dict:
    """The one norm `code` was judged against (norms.jsonl)."""
    norms = [json.loads(line) for line in (out_dir / "norms.jsonl").read_text().splitlines()]
    (found,) = [n for n in norms if n["code"] == code]
    return found
