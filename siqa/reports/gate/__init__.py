"""`siqa gate`: judge a release's audit against the previous release's under a policy, and say so in the
formats CI reads (Markdown for a pull-request comment, JUnit XML, SARIF 2.1.0, GitHub annotations)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from siqa.finding_fingerprints import fingerprint
from siqa.outputs.files import atomic_writer
from siqa.reports.gate import github, junit, markdown, sarif
from siqa.reports.gate.compare import Check, GateResult, run_gate
from siqa.reports.gate.policy import Allowance, Policy, PolicyError, load_policy

GATE_DIR = "gate"
FORMATS: dict[str, tuple[str, Callable[[GateResult], str]]] = {
    "markdown": ("gate.md", markdown.render),
    "junit": ("junit.xml", junit.render),
    "sarif": ("gate.sarif", sarif.render),
    "github": ("annotations.txt", github.render),
}


def write_outputs(result: GateResult, paths: dict[str, Path]) -> dict[str, str]:
    """Render every format, write each to its path (atomically); returns the texts by format name."""
    texts = {name: render(result) for name, (_, render) in FORMATS.items()}
    for name, path in paths.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_writer(path) as handle:
            handle.write(texts[name])
    return texts


def default_paths(folder: Path) -> dict[str, Path]:
    return {name: folder / file_name for name, (file_name, _) in FORMATS.items()}


__all__ = [
    "FORMATS",
    "GATE_DIR",
    "Allowance",
    "Check",
    "GateResult",
    "Policy",
    "PolicyError",
    "default_paths",
    "fingerprint",
    "load_policy",
    "run_gate",
    "write_outputs",
]
