"""The prompts `interactions.csv` records for the interactions being audited, and its columns as the release
names them."""

from __future__ import annotations

from collections.abc import Iterable

from siqa.context import BatchInfo, RuleContext, Skip
from siqa.dataset.errors import TableError

TABLE = "interactions.csv"


def recorded_prompts(ctx: RuleContext, keys: Iterable[str]) -> dict[str, str]:
    """Prompt per interaction key (interactions without a row, or with an empty prompt, are absent); Skip when
    the root has no usable `interactions.csv`."""
    tables = ctx.batch.tables
    try:
        frame = tables.interactions if tables is not None else None
    except TableError as error:
        raise Skip(f"{TABLE} cannot be used: {error}") from None
    if frame is None:
        raise Skip(f"no {TABLE} at the dataset root: prompts cannot be checked")
    wanted = set(keys)
    rows = frame[frame["interaction_key"].isin(wanted)]
    return {str(k): str(p) for k, p in zip(rows["interaction_key"], rows["prompt"]) if str(p).strip()}


def interactions_column(ctx: RuleContext, canonical: str) -> str:
    """A column of `interactions.csv` as the release's header spells it (the rule set may map it,
    `[tables.interactions.columns]`)."""
    return table_column(ctx.batch, canonical)


def table_column(batch: BatchInfo, canonical: str) -> str:
    """`interactions_column` where only the batch is at hand (a batch pass)."""
    return batch.tables.column("interactions", canonical) if batch.tables is not None else canonical
