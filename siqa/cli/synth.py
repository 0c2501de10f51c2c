"""`siqa synth`: write a synthetic batch in a real layout, with injected defects and their ground truth."""

from __future__ import annotations

from pathlib import Path

import typer

from siqa.exit_codes import ExitCode


def synth(
    out: Path = typer.Option(..., help="Dataset root to write into (other batches there are kept)."),
    layout: str = typer.Option("extracted", help="extracted, tar or modality."),
    label: str = typer.Option("improvised", help="improvised or naturalistic."),
    split: str = typer.Option("dev"),
    batch: int = typer.Option(0),
    sessions: int = typer.Option(5, min=1),
    interactions_per_session: int = typer.Option(4, min=1),
    duration: float = typer.Option(20.0, help="Seconds per interaction."),
    seed: int = typer.Option(0),
    defects: str = typer.Option("default", help="none, default, heavy, or a profile .toml."),
    people: int = typer.Option(0, min=0, help="Size of the recurring pool (the same seed gives the same people in "
                                              "every batch); 0: about 1.5 per session."),
    variation: str = typer.Option("natural", help="natural: speakers, rooms, turns and wording vary as in real "
                                                  "recordings; none: the old narrow generator."),
) -> None:
    """Synthesise a batch: espeak-ng speech, H.264 video, NPZ features, root tables, ground_truth.jsonl."""
    from rich.console import Console

    from siqa.synth import SynthConfig, generate

    err = Console(stderr=True)
    try:
        config = SynthConfig(layout=layout, label=label, split=split, batch=batch, sessions=sessions,
                             interactions_per_session=interactions_per_session, duration=duration, seed=seed,
                             defects=defects, people=people, variation=variation)
        result = generate(out, config)
    except (ValueError, OSError) as error:
        err.print(f"[red]siqa synth: {error}[/]")
        raise typer.Exit(ExitCode.TOOL_ERROR) from None
    err.print(f"{result.interactions} interactions, {result.files} files, {len(result.truth)} injected defects "
              f"({layout} layout)")
    err.print(f"audit it with: siqa audit --root {out} --batch {result.batch} --label {label}", soft_wrap=True)
    print(result.truth_path)


def register(app: typer.Typer) -> None:
    app.command()(synth)
