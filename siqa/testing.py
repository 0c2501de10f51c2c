"""Per-rule tests: build a small batch, run ONE rule with given settings, compare its findings with a snapshot.

ruff's fixture-and-snapshot pattern, for siqa's rules and for plugins' alike. A `Spec` declares a small synthetic
batch (`siqa.synth`: seed, duration, variation; each named defect injected into an interaction of its own, plus
clean ones, plus `Edit`s of bytes the generator has no defect for); `build` writes it once (share it across a
module's cases). `run_rule` runs one rule over it through the audit's own code (sessions, batch rules, batch
passes, judgement against the batch's distribution), with settings overridden as a rule set would
(`RuleSet.from_mapping`). `check` keeps the findings about one unit, asserts they are (or are not) the rule's,
and compares them, normalised, with `<snapshots>/<CODE>_<case>.json`; `SIQA_UPDATE_SNAPSHOTS=1` rewrites
snapshots instead, and a mismatch fails with a unified diff. `run_release` runs the release-wide identity rules
(ID001, ID002) on identity-store rows. docs/testing.md has a worked example.
"""

from __future__ import annotations

import difflib
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from siqa.audit import BatchResults, batch_scope
from siqa.config import RuleSet
from siqa.context import BatchInfo
from siqa.dataset.batch import BatchIndex, open_batches
from siqa.dataset.tables import RootTables
from siqa.engine.plan import Plan
from siqa.engine.task import run_session
from siqa.findings import Finding
from siqa.outputs.results import TaskResult
from siqa.synth import SynthConfig, generate

UPDATE_ENV = "SIQA_UPDATE_SNAPSHOTS"
CLEAN = "clean"  # `Case.unit` of an interaction with no defect and no edit
BATCH = None  # `Case.unit` of a batch-scope rule: every finding counts
MAX_LIST = 10  # evidence lists longer than this are snapshotted as their length only
DROPPED_EVIDENCE = frozenset({"traceback"})  # differs with line numbers, not with the rule's judgement


@dataclass(frozen=True)
class Edit:
    """Bytes the generator has no defect for (an unreadable MP4, a table with a column missing): `change` maps
    the original bytes to the new ones. With `modality`, it edits that file of the first participant of the
    next clean interaction (extracted layout), which `Built.unit(name)` then names; with `path` (relative to
    the dataset root: a root table, an archive), that file, and the unit is the batch."""

    name: str
    change: Callable[[bytes], bytes]
    modality: str | None = None
    path: str | None = None

    def __post_init__(self) -> None:
        if (self.modality is None) == (self.path is None):
            raise ValueError(f"edit {self.name!r}: give a modality or a path, not both or neither")


@dataclass(frozen=True)
class Spec:
    """A small synthetic batch: one interaction per defect in `defects` (by its `siqa.synth.defects` name),
    then one per file `Edit`, then `clean` clean ones, `interactions` to a session; `session_defects` names the
    session-level defect (`prompt_off_by_one`) given to that share of sessions."""

    defects: tuple[str, ...] = ()
    clean: int = 1
    edits: tuple[Edit, ...] = ()
    interactions: int = 4
    seed: int = 0
    duration: float = 6.0
    variation: str = "none"
    layout: str = "extracted"
    session_defects: float = 0.0

    def config(self, profile: Path) -> SynthConfig:
        count = len(self.defects) + sum(e.modality is not None for e in self.edits) + self.clean
        sessions = -(-count // self.interactions)
        return SynthConfig(layout=self.layout, sessions=sessions, interactions_per_session=self.interactions,
                           duration=self.duration, seed=self.seed, defects=str(profile), variation=self.variation)

    def profile(self, interactions: int) -> str:
        """The defect profile giving each defect in `defects` to exactly one of `interactions` (every other
        defect of their families weighs 0)."""
        from siqa.synth.defects import CATALOGUE

        unknown = sorted(set(self.defects) - set(CATALOGUE))
        if unknown:
            raise ValueError(f"unknown defects {unknown}; known: {', '.join(sorted(CATALOGUE))}")
        families = sorted({CATALOGUE[name].family for name in self.defects})
        weights = "\n".join(f"{name} = {int(name in self.defects)}" for name, d in sorted(CATALOGUE.items())
                            if d.family in families)
        return (f"affected = {len(self.defects) / interactions!r}\nsession_affected = {self.session_defects!r}\n"
                f"people_affected = 0.0\nfamilies = {json.dumps(families)}\n[weights]\n{weights}\n")


@dataclass(frozen=True)
class UnitRef:
    """Which findings a case keeps: those about this interaction (and its session's session-scope findings),
    this session, or, with neither, every finding of the batch."""

    interaction_key: str | None = None
    session_key: str | None = None

    def holds(self, finding: Finding) -> bool:
        if self.interaction_key is not None:
            return finding.interaction_key == self.interaction_key or (
                finding.interaction_key is None and finding.session_key == self.session_key)
        return self.session_key is None or finding.session_key == self.session_key

    def holds_key(self, unit: str | None) -> bool:
        """Whether a skip's unit (a file, interaction or session key) is, or is inside, this unit."""
        inside = self.interaction_key or self.session_key
        return inside is None or (unit or "").startswith(inside)


@dataclass
class Built:
    """A batch written by `build`: its index, its root tables, the ground truth, and the units it holds."""

    root: Path
    index: BatchIndex
    truth: list[dict[str, Any]]
    edited: dict[str, UnitRef]
    clean: list[UnitRef]
    _runs: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def info(self) -> BatchInfo:
        return BatchInfo(self.index.label, self.index.split, self.index.batch,
                         RootTables.load(self.index.root))

    def unit(self, name: str | None) -> UnitRef:
        """The unit a case judges: the interaction (or session) given `name` (a defect or an edit), the first
        clean interaction for `CLEAN`, the whole batch for `BATCH`."""
        if name is BATCH:
            return UnitRef()
        if name == CLEAN:
            if not self.clean:
                raise ValueError("this batch has no clean interaction left (raise Spec.clean)")
            return self.clean[0]
        if name in self.edited:
            return self.edited[name]
        for record in self.truth:
            if record["defect"] == name:
                return UnitRef(record.get("interaction_key"), record.get("session_key") or
                               _session_of(record["interaction_key"]))
        raise ValueError(f"no unit carries {name!r}: defects {sorted({r['defect'] for r in self.truth})}, "
                         f"edits {sorted(self.edited)}")


def _session_of(interaction_key: str) -> str:
    return interaction_key.rsplit("_", 1)[0]


def build(spec: Spec, root: Path) -> Built:
    """Write the batch `spec` declares under `root` (a fresh folder) and open it as the audit would."""
    root.mkdir(parents=True, exist_ok=True)
    profile = root / "profile.toml"
    config = spec.config(profile)
    profile.write_text(spec.profile(config.sessions * config.interactions_per_session), encoding="utf-8")
    made = generate(root / "data", config)
    (index,) = open_batches(made.root, made.batch, made.label)
    defective = {r["interaction_key"] for r in made.truth if r.get("interaction_key")}
    defective |= {i.key for s in index.sessions if any(r.get("session_key") == s.key for r in made.truth)
                  for i in s.interactions}
    clean = [UnitRef(i.key, i.session_key) for i in index.interactions() if i.key not in defective]
    edited: dict[str, UnitRef] = {}
    for edit in spec.edits:
        if edit.modality is None:  # a path's (`Edit` checks there is one)
            _rewrite(made.root / str(edit.path), edit.change)
            edited[edit.name] = UnitRef()
            continue
        if spec.layout != "extracted":
            raise ValueError(f"edit {edit.name!r}: file edits need the extracted layout")
        unit = clean.pop(0)
        (interaction,) = [i for i in index.interactions() if i.key == unit.interaction_key]
        _rewrite(made.root / interaction.participants[0].path(edit.modality), edit.change)
        edited[edit.name] = unit
    if spec.edits:  # reopen: the index read the files as they were
        (index,) = open_batches(made.root, made.batch, made.label)
    return Built(made.root, index, made.truth, edited, clean)


def _rewrite(path: Path, change: Callable[[bytes], bytes]) -> None:
    path.write_bytes(change(path.read_bytes()))


def ruleset_for(code: str, settings: Mapping[str, Any] | None = None, base: str | Path = "default") -> RuleSet:
    """The rule set `base` with `code`'s settings overridden (checked as a rule-set file is), selecting `code`
    alone."""
    overrides = {"rules": {code: dict(settings)}} if settings else {}
    return RuleSet.from_mapping(overrides, base=base, source=f"<{code} test settings>", select=[code])


def run(code: str, built: Built, settings: Mapping[str, Any] | None = None,
        base: str | Path = "default") -> TaskResult:
    """`code` over the batch as `siqa audit --select CODE` runs it: each session, then the batch-scope rules,
    the batch passes and the judgement of candidates against the batch's distribution. The findings (an SQ001
    where the rule crashed), skips and measurements; computed once per (code, settings, base) on a batch."""
    key = json.dumps([code, settings or {}, str(base)], sort_keys=True, default=str)
    if key not in built._runs:
        plan = Plan.build(ruleset_for(code, settings, base), built.info)
        results = BatchResults(batch_scope(built.index, plan.batch, plan))
        for session in built.index.sessions:
            results.add(run_session(session, plan))
        judged = results.judged(plan).result
        built._runs[key] = replace(judged, collected=results.collected.collected)
    return built._runs[key]


def run_rule(code: str, built: Built, settings: Mapping[str, Any] | None = None,
             base: str | Path = "default") -> list[Finding]:
    """The findings of `run`."""
    return list(run(code, built, settings, base).findings)


def run_release(code: str, rows: pd.DataFrame, settings: Mapping[str, Any] | None = None,
                tables: RootTables | None = None) -> list[Finding]:
    """A release rule over identity-store rows (`siqa.identity.store` columns: what ID004 fingerprints, or
    `siqa.synth.fingerprints.draw_release`), as `siqa audit` runs it after its batches: the rows are the output
    folder's store, in a temporary folder dropped afterwards with the rule's reports."""
    from siqa.identity.run import release_findings

    with tempfile.TemporaryDirectory(prefix="siqa-release-") as out:
        result = release_findings(rows, ruleset_for(code, settings), tables, Path(out))
    return [f for f in result.findings if f.code == code]


def normalize(findings: Iterable[Finding], root: Path | None = None) -> list[dict[str, Any]]:
    """What a snapshot holds of each finding: code, severity, scope, unit, span (rounded), message, the key
    evidence (numbers rounded, long lists as their length, no traceback) and the fix's applicability; the
    dataset root is written `<root>`, so the snapshot does not depend on where the batch was built."""
    prefix = str(root) if root is not None else None
    records = []
    for finding in sorted(findings, key=Finding.sort_key):
        records.append({
            "code": finding.code,
            "severity": finding.severity.value,
            "scope": finding.scope.value,
            "unit": finding.file_id or finding.interaction_key or finding.session_key or "batch",
            "span": [round(s, 2) for s in finding.span] if finding.span else None,
            "message": _text(finding.message, prefix),
            "evidence": {k: _key(v, prefix) for k, v in sorted(finding.evidence.items())
                         if k not in DROPPED_EVIDENCE},
            "fix": finding.fix.applicability.value if finding.fix else None,
        })
    return records


def _text(value: str, prefix: str | None) -> str:
    return value.replace(prefix, "<root>") if prefix else value


def _key(value: Any, prefix: str | None) -> Any:
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, str):
        return _text(value, prefix)
    if isinstance(value, (list, tuple)):
        if len(value) > MAX_LIST:
            return {"length": len(value)}
        return [_key(v, prefix) for v in value]
    if isinstance(value, dict):
        return {str(k): _key(v, prefix) for k, v in sorted(value.items()) if k not in DROPPED_EVIDENCE}
    return value


def assert_snapshot(records: list[dict[str, Any]], path: Path) -> None:
    """`records` equal the snapshot at `path`; with `SIQA_UPDATE_SNAPSHOTS=1` the snapshot is (re)written."""
    text = json.dumps(records, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if os.environ.get(UPDATE_ENV) == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        return
    if not path.exists():
        raise AssertionError(f"no snapshot {path}; run with {UPDATE_ENV}=1 to write it, then review it")
    expected = path.read_text(encoding="utf-8")
    if expected != text:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), text.splitlines(True),
                                            f"{path.name} (snapshot)", f"{path.name} (now)"))
        raise AssertionError(f"findings differ from the snapshot {path} ({UPDATE_ENV}=1 accepts them):\n{diff}")


@dataclass(frozen=True)
class Case:
    """One fixture of one rule: the unit it judges (a defect's or an edit's name, `CLEAN`, or `BATCH`), the
    settings it runs with (a rule set's `[rules.<CODE>]` keys), and whether the rule must report it."""

    code: str
    name: str
    unit: str | None
    positive: bool
    settings: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.code}_{self.name}"

    def snapshot(self, directory: Path) -> Path:
        return directory / f"{self}.json"


def check(case: Case, built: Built, snapshots: Path) -> list[Finding]:
    """Run the case's rule, keep the findings about its unit, assert the rule reports it (a positive case) or
    not (a negative one), and compare them with the case's snapshot. Returns the findings kept."""
    ref = built.unit(case.unit)
    result = run(case.code, built, case.settings)
    kept = [f for f in result.findings if ref.holds(f)]
    skips = [s["reason"] for s in result.skips if ref.holds_key(s.get("unit"))]
    check_findings(case, kept, snapshots, built.root, skips)
    return kept


def check_findings(case: Case, findings: list[Finding], snapshots: Path, root: Path | None = None,
                   skips: Iterable[str] = ()) -> None:
    """`check` for findings got otherwise (`run_release`, an engine builder)."""
    reported = [f for f in findings if f.code == case.code]
    if case.positive and not reported:
        raise AssertionError(f"{case}: {case.code} reported nothing; other findings: "
                             f"{[(f.code, f.message) for f in findings]}; skips: {list(skips)}")
    if not case.positive and reported:
        raise AssertionError(f"{case}: {case.code} reported {[f.message for f in reported]}")
    assert_snapshot(normalize(findings, root), case.snapshot(snapshots))
