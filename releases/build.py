"""`newsdesk release build`: an immutable, versioned Hugging Face dataset folder.

Steps: refuse an existing version; read documents, gold and every annotator's records once;
validate them and refuse on errors; assign splits (stable, clusters whole); write Parquet per
config and split with declared Features; write the card, datasheet, Croissant, manifest,
changelog and checksums — all in a temporary folder that is renamed into place only when
complete, so an interrupted or refused build leaves no version behind. Validation runs in a
forked copy of the process beside the writing of the data files (the second core), and the
card quotes the agreement validation measured. Where a clean validation of the very same bytes
by the very same code is remembered (:mod:`validation.verdict`: `newsdesk validate` or an earlier
build left it), that process knows the outcome and does not validate again.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from annotation.columns import RecordColumns
from annotation.schema import ATTRIBUTION, LabelSchema
from corpus.errors import Errors, NewsdeskError
from corpus.runtime import Beside, without_cyclic_gc
from corpus.tokens import TOKEN_PATTERN
from corpus.workspace import Workspace
from releases import card, ner, rows
from releases.configs import BY_NAME, CONFIG_NAMES, CONFIGS, GOLD_CONFIGS, Sources, config_features
from releases.features import SPLITS
from releases.pseudonyms import Pseudonyms
from releases.settings import ReleaseSettings
from releases.splits import assign_splits
from releases.versions import (
    bumped,
    diff_releases,
    list_versions,
    parse_version,
    releases_root,
    understates,
    write_checksums,
)
from validation import verdict
from validation.gold import GoldCoverage, gold_coverage, load_conflicts
from validation.schemas import prepare_pandera
from validation.validate import ValidationReport, WorkspaceData, validate

# The installed distribution's version (pyproject.toml): a stage never imports the CLI package for it.
TOOLKIT_VERSION = version("newsdesk")

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class StepTimes:
    """Seconds per build step: wall clock, and CPU of the thread that ran it (bench/release.py prints both)."""

    wall: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def step(self, name: str):
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            yield
        finally:
            self.wall[name] = self.wall.get(name, 0.0) + time.perf_counter() - wall
            self.cpu[name] = self.cpu.get(name, 0.0) + time.thread_time() - cpu

    def call(self, name: str, function, *args):
        with self.step(name):
            return function(*args)

    def merge(self, other: StepTimes, where: str | None) -> None:
        """Add the steps of ``other``, each name marked with ``where`` they ran (another process)."""
        for name, seconds in other.wall.items():
            key = f"{name} ({where})" if where else name
            self.wall[key] = self.wall.get(key, 0.0) + seconds
            self.cpu[key] = self.cpu.get(key, 0.0) + other.cpu.get(name, 0.0)


@dataclass
class BuildReport:
    version: str
    path: Path
    previous: str | None
    level: str
    rows: dict[str, dict[str, int]]
    gold: GoldCoverage
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    timings: StepTimes = field(default_factory=StepTimes)

    def to_record(self) -> dict:
        return {
            "version": self.version,
            "path": str(self.path),
            "previous": self.previous,
            "level": self.level,
            "rows": self.rows,
            "gold": self.gold.to_record(),
            "warnings": self.warnings,
            "seconds": round(self.seconds, 3),
        }


def build_release(workspace: Workspace, version: str | None = None, bump: bool = False) -> BuildReport:
    """Build ``version`` (or, with ``bump``, the version the diff calls for) as a new immutable folder."""
    with without_cyclic_gc():
        return _build_release(workspace, version, bump)


def _build_release(workspace: Workspace, version: str | None, bump: bool) -> BuildReport:
    started = time.perf_counter()
    if version is None and not bump:
        raise NewsdeskError(Errors.E301, where="(none)", detail="give a VERSION or --bump")
    if version is not None:
        parse_version(version)
    settings = ReleaseSettings.of(workspace)  # a setting the Hub would refuse stops the build before it reads
    root = releases_root(workspace)
    existing = list_versions(workspace)
    if version in existing:
        raise NewsdeskError(Errors.E302, where=str(root / version))
    previous = existing[-1] if existing else None
    timings = StepTimes()
    with workspace.lock():  # held while the stores are read: what is validated is what is released
        root.mkdir(parents=True, exist_ok=True)
        _remove_unfinished(root)
        tmp = root / f".building-{version or 'bump'}-{int(time.time() * 1000)}"
        try:
            facts = _write_release(workspace, tmp, version or "0.0.0-pending", previous, settings, timings)
            with timings.step("diff"):
                diff = diff_releases(root / previous if previous else None, tmp)
            warnings = settings.warnings()
            if unreleased := facts.gold_coverage.warning():
                warnings.append(unreleased)
            if bump:
                proposed = bumped(previous, diff.level)
                if version is not None and version != proposed:
                    warnings.append(f"--bump proposes {proposed} for this {diff.level} change; building {version}")
                version = version or proposed
                if version in existing:
                    raise NewsdeskError(Errors.E302, where=str(root / version))
            elif understates(version, previous, diff.level):
                warnings.append(
                    f"{version} understates a {diff.level} change from {previous} "
                    f"(--bump would give {bumped(previous, diff.level)})"
                )
            facts.version = version
            diff.new = version
            _write_documents(workspace, tmp, facts, diff, previous, timings)
            final = root / version
            tmp.rename(final)  # the version appears whole or not at all
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return BuildReport(
        version,
        final,
        previous,
        diff.level,
        facts.split_rows,
        facts.gold_coverage,
        warnings,
        time.perf_counter() - started,
        timings,
    )


def _remove_unfinished(root: Path) -> None:
    for leftover in root.glob(".building-*"):
        shutil.rmtree(leftover, ignore_errors=True)


def validation_lane(validating: bool) -> tuple[str, ...]:
    """The configs validation's process writes (after validating, when it does); this one writes the others.

    Always those that need what only that process reads (``beside_validation``: people's records for
    `annotations`). Validating, also `claims`, made of the claims frame validation has just checked
    (made again from gold, 4 s of CPU at 100k documents), and `documents`, which evens out the two
    processes (21.4 and 20.3 s of CPU at load 9-13). With a clean validation remembered, `ner`
    instead, the largest (~11 s with its Parquet), and this process makes the rest (15.6 and 12.2 s).
    """
    wanted = ("claims", "documents") if validating else ("ner",)
    return tuple(c.name for c in CONFIGS if c.beside_validation or c.name in wanted)


@dataclass
class ReleaseInputs:
    """What the data files are made of, selected from the workspace as read: the documents by
    id, the gold records made on their current text, people's records, and every document's split."""

    schema: LabelSchema
    docs: list  # by id
    by_id: dict
    gold: RecordColumns
    records: list
    splits: dict[str, str]
    features: dict
    ids: rows.LabelIds
    pseudonym: Pseudonyms
    ner_stats: ner.NerStats = field(default_factory=ner.NerStats)
    claims_frame: pd.DataFrame | None = None  # validation's claims frame, where the claims are written

    @classmethod
    def select(cls, workspace: Workspace, data: WorkspaceData, previous: str | None) -> ReleaseInputs:
        docs = sorted(data.docs, key=lambda d: d.id)
        by_id = {d.id: d for d in docs}
        gold = data.gold_columns
        current = [
            k
            for k, (doc_id, text_sha256) in enumerate(zip(gold.column("doc_id"), gold.column("text_sha256")))
            if doc_id in by_id and text_sha256 == by_id[doc_id].text_sha256
        ]
        gold = gold if len(current) == len(gold) else gold.take(current)
        records = [r for r in data.human if r.doc_id in by_id]
        previous_splits = {}
        if previous:
            previous_splits = json.loads((releases_root(workspace) / previous / "splits.json").read_text())
        features = config_features(data.schema)
        return cls(
            data.schema,
            docs,
            by_id,
            gold,
            records,
            assign_splits(docs, previous_splits),
            features,
            rows.LabelIds.of(features),
            Pseudonyms.of(workspace),
        )

    @cached_property
    def entity_spans(self) -> rows.EntitySpans:
        """The gold records' entity spans, for `entities` and `ner`."""
        return rows.EntitySpans.of(self.gold)

    def sources(self, config: str, timings: StepTimes) -> Sources:
        """A config's sources by split, and how a split's sources become its table (:mod:`releases.configs`).

        A config's rows exist only while its table is made: the tokens of `ner` alone are millions of strings.
        """
        return BY_NAME[config].sources(self, timings)


@dataclass
class ValidationLane:
    """What validation's process sends back: its report (without the claims frame; None when a clean
    validation of the very same inputs was remembered, :mod:`validation.verdict`), the agreement
    headline the card quotes, the fingerprint of the corpus and gold it read, the data files it
    wrote and their rows, the number of annotators whose records are released, how well gold covers
    the documents they annotated, and its step times."""

    report: ValidationReport | None
    agreement: dict
    fingerprint: str
    files: dict[str, dict[str, str]]
    counts: dict[str, dict[str, int]]
    annotators: int
    gold_coverage: GoldCoverage
    ner_stats: ner.NerStats
    timings: StepTimes


def _write_release(
    workspace: Workspace, out: Path, version: str, previous: str | None, settings: ReleaseSettings, timings: StepTimes
) -> card.ReleaseFacts:
    """Read the workspace, validate it, write the data files, and gather the facts for the card.

    Validation runs in a copy of this process (:class:`corpus.runtime.Beside`) forked before
    anything is read. It reads the whole workspace, validates it and writes the configs
    :func:`validation_lane` names; this process reads the corpus and gold (not people's records) and
    writes the others. Both read under the workspace lock, and the build refuses (E306) unless
    both read the same versions. Validation's process hashes what it read
    (:func:`validation.verdict.inputs_key`) and does not validate when the verdict remembered before
    the fork is a clean one of that key; else it validates, and records its verdict when clean. On
    validation errors nothing is written there, and the error (E304) ends the build here, whose
    caller removes the temporary folder.
    """
    read_here: list[WorkspaceData] = []  # what validation read, when it ran in this process
    keys_here: list[str] = []  # the key of what it read, likewise
    # Read once, before the fork: both processes judge by this verdict, so both choose the same lanes
    # (the one it records when it has validated cleanly is for the next build).
    remembered = verdict.read_verdict(workspace)

    def validate_and_write() -> ValidationLane:
        beside = StepTimes()
        prepare_pandera()  # before the heap holds the corpus (1.3 s of CPU less at 100k documents)
        states = verdict.file_states(workspace)
        with beside.step("read"):
            data = WorkspaceData.read(workspace)
            read_here.append(data)
        with beside.step("select"):
            inputs = ReleaseInputs.select(workspace, data, previous)
        with beside.step("inputs key"):  # of the stores' bytes as read: no writer runs while the lock is held
            key = verdict.inputs_key(workspace)
            keys_here.append(key)
            unchanged = verdict.file_states(workspace) == states
        agreement = verdict.clean_agreement(remembered, key)
        report = claims_frame = None
        if agreement is None:
            with beside.step("validate"):
                report = validate(workspace, data=data)
            claims_frame, report.claims_frame = report.claims_frame, None  # the report goes back pickled
            if not report.errors:
                agreement = report.agreement.headline()
                if unchanged:
                    verdict.record_clean(workspace, key, agreement)
        mine = replace(inputs, ner_stats=ner.NerStats(), claims_frame=claims_frame)  # counted apart, even unforked
        configs = validation_lane(validating=report is not None)
        errors = report is not None and report.errors
        files, counts = ({}, {}) if errors else _write_configs(configs, mine.sources, out, beside)
        return ValidationLane(
            report,
            agreement or {},
            data.fingerprint(),
            files,
            counts,
            len({r.annotator for r in inputs.records}),
            # Only this process reads people's records: the documents they annotated are counted here.
            gold_coverage(inputs.records, inputs.gold.column("doc_id"), (c.doc_id for c in load_conflicts(workspace))),
            mine.ner_stats,
            beside,
        )

    # Forked before anything is read: each process reads for itself, so both cores read at once and
    # neither pays for the other's touching of shared pages (reference counts copy a page on write).
    validation = Beside(validate_and_write)  # before this process starts any thread
    with timings.step("read"):
        data = read_here[0] if read_here else WorkspaceData.read(workspace, people=False)
    with timings.step("select"):
        inputs = ReleaseInputs.select(workspace, data, previous)
    validating = True
    try:
        if remembered is not None:  # else validation's process validates: nothing to hash here
            with timings.step("inputs key"):
                key = keys_here[0] if keys_here else verdict.inputs_key(workspace)
            validating = verdict.clean_agreement(remembered, key) is None
        forked = validation_lane(validating)
        files, counts = _write_configs(tuple(c for c in CONFIG_NAMES if c not in forked), inputs.sources, out, timings)
        with timings.step("facts"):  # while validation may still run, what the card counts needs no validation
            tallies = Tallies.of(inputs.docs, inputs.gold, inputs.splits)
        with timings.step("waiting for validation"):
            lane: ValidationLane = validation.result()
    finally:
        validation.stop()
    timings.merge(lane.timings, "forked" if validation.forked else None)
    if lane.fingerprint != data.fingerprint() or (lane.report is not None) != validating:
        raise NewsdeskError(Errors.E306, where=str(workspace.root))  # or the two hashed different bytes
    report = lane.report
    if report is not None and report.errors:
        raise NewsdeskError(
            Errors.E304,
            where=str(workspace.root),
            detail=f"{len(report.errors)} errors: "
            + ", ".join(f"{c} x{g['count']}" for c, g in report.by_code().items()),
        )
    schema = inputs.schema
    (out / "splits.json").write_text(json.dumps(inputs.splits, sort_keys=True))
    # Provisional: what the diff against the previous version needs; the full manifest comes last.
    (out / "manifest.json").write_text(
        json.dumps({"version": version, "schema_hash": schema.fingerprint(), "schema": schema.to_record()})
    )
    with timings.step("facts"):
        released = Released.of(files, counts, inputs.ner_stats, lane)
        return _facts(inputs, tallies, released, settings, version=version, previous=previous)


def _write_configs(
    configs: tuple[str, ...], sources, out: Path, timings: StepTimes
) -> tuple[dict[str, dict[str, str]], dict[str, dict[str, int]]]:
    """Parquet per config and split under ``out``: each written file by config and split, and its rows."""
    data_files: dict[str, dict[str, str]] = {}
    split_rows: dict[str, dict[str, int]] = {}
    # Encoding and compressing Parquet releases the GIL: a table is written while the next is made.
    with ThreadPoolExecutor(max_workers=1, initializer=_background) as writer:
        written = []
        for config in configs:
            data_files[config], split_rows[config] = {}, {}
            grouped, table_of = sources(config, timings)
            for split in SPLITS:
                items = grouped.get(split)
                if not items:
                    continue  # an empty split is left out of the card rather than shipped as an empty file
                relative = f"data/{config}/{split}-00000-of-00001.parquet"
                (out / relative).parent.mkdir(parents=True, exist_ok=True)
                with timings.step(f"rows {config}"):
                    table = table_of(items)
                if written and not written[-1].done():
                    # At most one table waits to be written: its memory is then reused for the next,
                    # instead of several (ner's train split is 660 MB of Arrow) held and touched afresh.
                    with timings.step("waiting for parquet"):
                        written[-1].result()
                written.append(writer.submit(timings.call, f"parquet {config}", write_parquet, table, out / relative))
                data_files[config][split] = relative
                split_rows[config][split] = len(items)
                del table
        with timings.step("waiting for parquet"):
            for done in written:
                done.result()
    return data_files, split_rows


# How much lower the Parquet writer's priority is than the build's. Nice is relative: whenever
# anything else runs (validation's lane, or other work on the machine) a thread at +10 gets a
# tenth of a core's share and the build then waits for it. 20k documents at load 11-16, three
# builds each: the build waited for the writer 18-36 s at +10, 8-12 s at +4 and 8-11 s at 0, but at
# 0 validation's lane took longest (21-30 s against 19-24 s): the writer no longer yields to it.
WRITER_NICENESS = 4


def _background() -> None:
    """Lower the calling thread's priority (Linux: nice is per thread), so that Parquet writing
    yields some of a core to the making of rows and to validation, the longer of the build's two lanes."""
    try:
        thread = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, thread, min(os.getpriority(os.PRIO_PROCESS, thread) + WRITER_NICENESS, 19))
    except (AttributeError, OSError):  # not where threads have their own priority
        pass


def write_parquet(table: pa.Table, path: Path) -> None:
    """zstd Parquet with the Features in the file metadata, as `Dataset.to_parquet` writes them.

    ``table`` has the schema of the config's Features, whose metadata (the "huggingface" key)
    is what ``datasets`` reads the Features back from. `to_parquet` would fix the codec to
    snappy in datasets 5, so pyarrow writes the file.
    """
    pq.write_table(table, str(path), compression="zstd")


@dataclass
class Tallies:
    """What the card counts in the released documents and gold: labels per split, attribute values,
    cleaning edits and flags per rule, and the splits of each near-duplicate cluster."""

    entity_counts: dict[str, Counter]
    attribute_counts: dict[str, Counter]
    edits: Counter
    flags: Counter
    clusters: dict[str, set[str]]  # cluster -> the splits of its members
    claims: int

    @classmethod
    def of(cls, docs: list, gold: RecordColumns, splits: dict[str, str]) -> Tallies:
        """Counted from the gold columns (2M spans at 100k documents); each dict keeps its keys in
        the order first met, as counting the records one by one did."""
        spans, owners, entity = rows.entity_positions(gold)  # in stored order: the counts' key order depends on it
        names = sorted(set(splits.values()))
        record_split = np.array([names.index(splits[d]) for d in gold.column("doc_id")], np.int64)
        span_split = pa.array(names, pa.string()).take(pa.array(record_split[owners[entity]]))
        entity_counts: dict[str, Counter] = defaultdict(Counter)
        for (split, label), n in _pair_counts(span_split, spans.field("label").take(pa.array(entity))):
            entity_counts[split][label] = n
        choices = gold.flat("choices")
        attribute = pc.not_equal(choices.field("name"), ATTRIBUTION)
        named, values = choices.field("name").filter(attribute), choices.field("values").filter(attribute)
        attribute_counts: dict[str, Counter] = {name: Counter() for name in pc.unique(named).to_pylist()}
        value_names = pa.array(
            named.to_numpy(zero_copy_only=False).repeat(pc.list_value_length(values).to_numpy(zero_copy_only=False)),
            pa.string(),
        )
        for (name, value), n in _pair_counts(value_names, pc.list_flatten(values)):
            attribute_counts[name][value] = n
        edits = Counter(e.rule for d in docs for e in d.cleaning.edits)  # counted in one call: in C
        flags = Counter(f.rule for d in docs for f in d.flags)
        clusters: dict[str, set[str]] = defaultdict(set)
        for d in docs:
            if d.cluster:
                clusters[d.cluster].add(splits[d.id])
        return cls(entity_counts, attribute_counts, edits, flags, clusters, rows.claim_count(gold))


def _pair_counts(first: pa.Array, second: pa.Array) -> list[tuple[tuple, int]]:
    """How often each (first[i], second[i]) occurs, in the order the pairs are first met."""
    if not len(first):
        return []
    a, b = (pc.dictionary_encode(x, null_encoding="encode") for x in (first, second))
    width = len(b.dictionary)
    keys = a.indices.to_numpy().astype(np.int64) * width + b.indices.to_numpy()
    found, first_at, counts = np.unique(keys, return_index=True, return_counts=True)
    order = np.argsort(first_at)
    a_names, b_names = a.dictionary.to_pylist(), b.dictionary.to_pylist()
    return [
        ((a_names[k // width], b_names[k % width]), n) for k, n in zip(found[order].tolist(), counts[order].tolist())
    ]


@dataclass
class Released:
    """What the two lanes wrote and measured: each data file and its rows by config and split, the
    entity spans `ner` counted, how many annotators' records are released, and validation's agreement."""

    data_files: dict[str, dict[str, str]]  # config -> split -> path
    split_rows: dict[str, dict[str, int]]  # config -> split -> rows
    ner_stats: ner.NerStats
    annotators: int
    gold_coverage: GoldCoverage
    agreement: dict  # measure -> value, for the card

    @classmethod
    def of(cls, files: dict, counts: dict, ner_stats: ner.NerStats, lane: ValidationLane) -> Released:
        """This process's data files, their rows and its `ner` counts, joined with validation's (``lane``)."""
        files, counts = {**files, **lane.files}, {**counts, **lane.counts}
        return cls(
            data_files={c: files[c] for c in CONFIG_NAMES if files.get(c)},
            split_rows={c: counts[c] for c in CONFIG_NAMES if counts.get(c)},
            ner_stats=ner.NerStats(
                ner_stats.spans + lane.ner_stats.spans, ner_stats.misaligned + lane.ner_stats.misaligned
            ),
            annotators=lane.annotators,
            gold_coverage=lane.gold_coverage,
            agreement=lane.agreement,  # validation's, on the released people's records and texts
        )


def _facts(
    inputs: ReleaseInputs,
    tallies: Tallies,
    released: Released,
    settings: ReleaseSettings,
    *,
    version: str,
    previous: str | None,
) -> card.ReleaseFacts:
    """The card's facts: what was released (``inputs``), counted in it (``tallies``), written and measured
    (``released``), and what the maintainers chose to say (``settings``)."""
    docs, gold, ner_stats = inputs.docs, inputs.gold, released.ner_stats
    entity_counts, attribute_counts, clusters = tallies.entity_counts, tallies.attribute_counts, tallies.clusters
    gold_documents = len(set(gold.column("doc_id")))
    straddling = [c for c, in_splits in clusters.items() if len(in_splits) > 1]
    gold_configs = [f"`{c}`" for c in GOLD_CONFIGS if c in released.data_files]  # only those it has
    limitations = [
        "Articles come from web scraping and may be machine-translated; suspected translation artefacts are "
        "flagged (`documents.flags`), not corrected.",
        f"{len(docs) - gold_documents} of {len(docs)} documents have no gold annotation"
        + (f" and are not in {' or '.join(gold_configs)}." if gold_configs else "."),
    ]
    if coverage := released.gold_coverage.without_gold:
        limitations.append(
            f"{coverage} of the {released.gold_coverage.annotated} documents people annotated have no gold yet "
            "(not adjudicated, or disputed): their records are in `annotations`."
        )
    if "ner" in released.data_files:
        limitations.append(
            f"{ner_stats.misaligned} of {ner_stats.spans} entity spans do not align with the tokenisation of `ner`."
        )
    if straddling:
        limitations.append(
            f"{len(straddling)} near-duplicate clusters span two splits because their members were "
            "released in different versions (released documents never move)."
        )
    return card.ReleaseFacts(
        settings=settings,
        version=version,
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        languages=sorted({d.language for d in docs}) or ["en"],
        features={c: inputs.features[c] for c in released.data_files},
        split_rows=released.split_rows,
        data_files=released.data_files,
        documents=len(docs),
        gold_documents=gold_documents,
        annotators=released.annotators,
        gold_coverage=released.gold_coverage,
        entity_label_counts={s: dict(c) for s, c in entity_counts.items()},
        claim_attribute_counts={a: dict(c) for a, c in attribute_counts.items()},
        claims=tallies.claims,
        cleaning_edits=dict(tallies.edits),
        cleaning_flags=dict(tallies.flags),
        near_duplicate_clusters=len(clusters),
        ner_misaligned=ner_stats.misaligned,
        ner_spans=ner_stats.spans,
        agreement=released.agreement,
        limitations=limitations,
        tokenisation=f"Tokens are the matches of the regular expression `{TOKEN_PATTERN}` on the clean text "
        "(numbers, words with inner hyphens, apostrophe clitics such as “’s”, single other characters).",
        schema_hash=inputs.schema.fingerprint(),
        previous=previous,
    )


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent, capture_output=True, text=True, timeout=5
        )
        return out.stdout.strip() or None if out.returncode == 0 else None
    except OSError:
        return None


def _write_documents(
    workspace: Workspace, out: Path, facts: card.ReleaseFacts, diff, previous: str | None, timings: StepTimes
) -> None:
    schema = LabelSchema.load(workspace)
    with timings.step("card"):
        card.write_text(out / "README.md", card.card_markdown(facts))
    with timings.step("datasheet"):
        datasheet_path = workspace.path("DATASHEET.md")
        existing = datasheet_path.read_text(encoding="utf-8") if datasheet_path.exists() else None
        datasheet = card.render_datasheet(existing, facts)
        card.write_text(out / "DATASHEET.md", datasheet)
        card.write_text(datasheet_path, datasheet)  # people's answers are edited there and kept
    root = releases_root(workspace)
    old_log = (root / previous / "CHANGELOG.md").read_text(encoding="utf-8") if previous else "# Changelog\n"
    header, _, rest = old_log.partition("\n")
    card.write_text(out / "CHANGELOG.md", f"{header}\n\n{diff.markdown()}{rest}")
    manifest = {
        "name": facts.settings.pretty_name,
        "repo_id": facts.settings.repo_id,
        "license": facts.settings.card_license,
        "version": facts.version,
        "created": facts.created,
        "previous": previous,
        "toolkit": {"name": "newsdesk", "version": TOOLKIT_VERSION, "git_commit": _git_commit()},
        "schema_hash": facts.schema_hash,
        "schema": schema.to_record(),
        "counts": {
            "documents": facts.documents,
            "gold_documents": facts.gold_documents,
            "claims": facts.claims,
            "annotators": facts.annotators,
            "rows": facts.split_rows,
        },
        "change_level": diff.level,
        "configs": sorted(facts.data_files),
    }
    card.write_text(out / "manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
    with timings.step("checksums"):
        hashes = write_checksums(out)  # Croissant lists the data files' hashes, then the sums cover Croissant too
    rai = {
        "dataCollection": "News articles scraped from the web, ingested with newsdesk (provenance per document).",
        "dataCollectionType": "Web scraping",
        "dataPreprocessingProtocol": "Offset-preserving cleaning rules with an edit log per document; "
        "suspected machine-translation artefacts flagged, not changed.",
        "dataAnnotationProtocol": "Entities (OntoNotes labels) and claims with cue and source links in Label Studio, "
        "following annotation/guidelines.md; several annotators per document; gold by "
        "adjudication with provenance.",
        "dataAnnotationPlatform": "Label Studio 1.23",
        "annotationsPerItem": "1 to 2 (agreement sample)",
        "dataLimitations": " ".join(facts.limitations),
        "personalSensitiveInformation": "Names of people as reported in the news; annotator identities are "
        "pseudonymised (keyed hash).",
        "dataUseCases": "Named-entity recognition, claim detection and attribution, check-worthiness research.",
        "dataReleaseMaintenancePlan": "Versioned immutable releases with changelog, checksums and stable splits.",
    }
    with timings.step("croissant"):
        card.write_text(
            out / "croissant.json", json.dumps(card.croissant(facts, hashes, rai), indent=2, ensure_ascii=False)
        )
    with timings.step("checksums"):
        write_checksums(out, known=hashes)  # only croissant.json is new since
