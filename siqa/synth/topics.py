"""Scenario prompts with distinct vocabularies, so what is said can be matched to the prompt it follows.

A prompt states its scenario and names some of the things to talk about (the first `PROMPT_WORDS` of its
vocabulary). Narrow talk (`sentence`) reuses the vocabulary, as the generator always did; natural talk draws
on the scenario's paraphrase pool (`siqa.synth.paraphrases`), which says the same in other words.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from siqa.synth.paraphrases import TALK

PROMPT_WORDS = 7


@dataclass(frozen=True)
class Topic:
    prompt: str
    words: tuple[str, ...]
    talk: tuple[str, ...]  # natural sentences about the scenario, mostly without the prompt's words


def _prompt(scenario: str, words: list[str]) -> str:
    named = [f"the {w}" for w in words[:PROMPT_WORDS]]
    return f"{scenario} Bring up {', '.join(named[:-1])} and {named[-1]}."


TOPICS: tuple[Topic, ...] = tuple(Topic(_prompt(p, w.split()), tuple(w.split()), TALK[p]) for p, w in [
    ("Plan a weekend camping trip together.", "tent lake trail fire stove rope forest hiking map backpack river"),
    ("Decide what to cook for a family dinner.", "pasta garlic oven salad chicken tomato dessert recipe kitchen onion"),
    ("Talk about a movie you both watched.", "actor scene ending director camera story villain music screen ticket"),
    ("Choose a gift for a close friend.", "present birthday watch book scarf wrapping card budget store ribbon"),
    ("Plan a trip abroad by train.", "station ticket passport luggage hotel border window schedule city bridge"),
    ("Argue about keeping a new puppy.", "puppy leash walk vet food bark garden blanket toy training"),
    ("Discuss a job interview tomorrow.", "manager salary resume office question suit meeting skills team contract"),
    ("Organise a surprise party.", "balloons cake guests music candles invitation secret dance snacks friday"),
    ("Fix a broken bicycle.", "wheel chain brake tire pump saddle handle bolt wrench pedal"),
    ("Pick a new apartment.", "kitchen rent balcony neighbour window stairs heating landlord garage street"),
    ("Prepare for a school exam.", "chapter notes teacher library pencil answer grade history science exam"),
    ("Plan a garden for spring.", "seeds flowers soil water shovel roses carrots sunlight fence compost"),
])

FILLERS = ("i think the", "we could take the", "what about the", "maybe the", "do you like the", "let us get the",
           "i really want the", "remember the", "so the", "and then the")
BACKCHANNELS = ("yeah", "right", "okay", "sure", "mm hmm")


def sentence(topic: Topic, rng: np.random.Generator) -> str:
    """A short utterance that reuses the topic's content words (two or three of them)."""
    words = rng.choice(topic.words, size=int(rng.integers(2, 4)), replace=False)
    parts = [f"{rng.choice(FILLERS)} {words[0]}"] + [f"and the {w}" for w in words[1:]]
    return " ".join(parts)


def lines(topic: Topic, paraphrase: bool, rng: np.random.Generator) -> Iterator[str]:
    """What is said next, forever: narrow `sentence`s, or the paraphrase pool in a shuffled order (each sentence
    once before any comes again), drawn only as they are asked for."""
    while not paraphrase:
        yield sentence(topic, rng)
    while True:
        yield from (topic.talk[int(i)] for i in rng.permutation(len(topic.talk)))
