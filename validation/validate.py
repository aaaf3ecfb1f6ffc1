"""`newsdesk validate`: every table through its pandera schema, every record through the integrity checks.

Nothing reaches a release without passing here. The report groups findings by code, with
counts and first examples; ``fix`` applies only the listed safe fixes (whitespace trimming,
offset repair proven by the text) by appending corrected records, never rewriting stored ones.
The records of documents removed with ``newsdesk docs remove`` are not checked: they left the
dataset with their document (:mod:`annotation.removed`), and the report counts them.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter, defaultdict
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pandas as pd
import pandera.errors as pa_errors

from annotation.columns import RecordColumns
from annotation.model import AnnotationRecord, Origin
from annotation.removed import RemovedDocuments
from annotation.schema import LabelSchema
from annotation.store import AnnotationStore
from corpus.errors import Errors
from corpus.model import Document
from corpus.runtime import without_cyclic_gc
from corpus.store import CorpusStore
from corpus.workspace import Workspace
from validation import schemas, tables, verdict
from validation.integrity import Finding, check_records, finding

if TYPE_CHECKING:
    from validation.agreement import AgreementReport

SAFE_FIXES = ("V202", "V204")


@dataclass
class ValidationReport:
    findings: list[Finding] = field(default_factory=list)
    documents: int = 0
    records: int = 0
    spans: int = 0
    claims: int = 0
    links: int = 0
    fixed: int = 0
    removed_document_records: int = 0  # people's and gold records of removed documents: left out, not checked
    seconds: float = 0.0
    pandera_seconds: float = 0.0
    # The agreement the V301 warnings come from; the release card quotes it instead of measuring again.
    agreement: AgreementReport | None = field(default=None, repr=False, compare=False)
    # The claims frame checked (people's records and gold): a release's `claims` config is made of its gold rows.
    claims_frame: pd.DataFrame | None = field(default=None, repr=False, compare=False)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    def exit_status(self, strict: bool = False) -> int:
        return 1 if self.errors or (strict and self.warnings) else 0

    def by_code(self, examples: int = 3) -> dict[str, dict]:
        groups: dict[str, list[Finding]] = defaultdict(list)
        for f in self.findings:
            groups[f.code].append(f)
        return {
            code: {
                "count": len(items),
                "severity": items[0].severity,
                "title": getattr(Errors, code).title,
                "hint": items[0].hint,
                "fixable": sum(1 for f in items if f.fix is not None),
                "examples": [f.to_record() for f in items[:examples]],
            }
            for code, items in sorted(groups.items())
        }

    def to_record(self) -> dict:
        return {
            "ok": not self.errors,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "documents": self.documents,
            "records": self.records,
            "spans": self.spans,
            "claims": self.claims,
            "links": self.links,
            "fixed": self.fixed,
            "removed_document_records": self.removed_document_records,
            "seconds": round(self.seconds, 3),
            "pandera_seconds": round(self.pandera_seconds, 3),
            "by_code": self.by_code(),
            "findings": [f.to_record() for f in self.findings],
        }


def validated_records(store: AnnotationStore, workspace: Workspace | None = None) -> list[AnnotationRecord]:
    """What validation looks at: people's annotations and gold, not the machine's predictions."""
    from validation.gold import load_gold

    gold = load_gold(workspace) if workspace is not None else []
    return [r for r in store.records() if r.origin != Origin.PREDICTION] + gold


@dataclass
class WorkspaceData:
    """Everything validation reads from a workspace, read once.

    The release build reads it, validates it and builds from the very same objects, so the
    stores are parsed once and what is released is exactly what was validated. Gold is read as
    columns; validation and the release read them as they are, and make objects only for the
    records a check flags.
    """

    schema: LabelSchema
    docs: list[Document]  # in store order
    human: list[AnnotationRecord]  # people's records: the store's records that are not predictions
    gold_columns: RecordColumns
    removed_document_records: int = 0  # people's and gold records left out with their removed document

    @classmethod
    def read(cls, workspace: Workspace, people: bool = True) -> WorkspaceData:
        """``people=False`` leaves people's records unread (``human`` is then empty), for a reader
        that needs only the corpus and gold."""
        from validation.gold import read_gold

        # Read whole and split here, not left out by the readers, so that the report can count what is left out.
        removed = RemovedDocuments.of(workspace)
        stored = AnnotationStore(workspace).records(of_removed_documents=True) if people else []
        human, human_left_out = removed.split(r for r in stored if r.origin != Origin.PREDICTION)
        gold, gold_left_out = removed.split_columns(read_gold(workspace, of_removed_documents=True))
        docs = list(CorpusStore(workspace).iter_documents())
        return cls(LabelSchema.load(workspace), docs, human, gold, len(human_left_out) + gold_left_out)

    def fingerprint(self) -> str:
        """A hash of what was read of the corpus and gold: every document's id and text hash, every
        gold record's key, update time, text hash and numbers of spans, links and choices.

        Two reads under the workspace lock should agree; different fingerprints prove they did
        not (a writer that ignored the lock). Equal ones are no proof of equal content: hashing
        every span would cost a second per read at 100k documents.
        """
        digest = hashlib.sha256()
        for d in self.docs:
            digest.update(f"{d.id}\0{d.text_sha256}\n".encode("utf-8", "surrogatepass"))
        gold = self.gold_columns
        for values in zip(
            *map(gold.column, ("origin", "record_id", "updated_at", "text_sha256")),
            *map(gold.counts, ("spans", "links", "choices")),
        ):
            digest.update(("\0".join(map(str, values)) + "\n").encode("utf-8", "surrogatepass"))
        return digest.hexdigest()

    def record_set(self) -> tables.RecordSet:
        """What validation looks at (:func:`validated_records`): people's records, then gold, whose
        objects are not made. A new set: the values it reads are let go with it."""
        return tables.RecordSet(self.human, self.gold_columns)


def validate_data(
    docs: list[Document], records: list[AnnotationRecord] | tables.RecordSet, schema: LabelSchema
) -> ValidationReport:
    """The checks themselves, on data in memory (the benchmark calls this)."""
    started = time.perf_counter()
    records = tables.RecordSet.of(records)
    report = ValidationReport(documents=len(docs), records=len(records))
    span_values = records.span_values()
    # Each frame is checked and let go before the next is made: the memory of one is reused for
    # the next, instead of all five (2.4M span rows at 100k documents) held to the end.
    frames = {
        "documents": (lambda: tables.documents_frame(docs), schemas.documents_schema, "id"),
        "records": (lambda: tables.records_frame(records), schemas.records_schema, "doc_id"),
        "spans": (
            lambda: tables.spans_frame(records, span_values),
            lambda: schemas.spans_schema(schema, check_unique=not _span_keys_distinct(records, span_values)),
            "doc_id",
        ),
        "links": (lambda: tables.links_frame(records), schemas.links_schema, "doc_id"),
        "claims": (
            lambda: tables.claims_frame(records, schema, span_values),
            lambda: schemas.claims_schema(schema),
            "doc_id",
        ),
    }
    for name, (make_frame, make_schema, id_column) in frames.items():
        frame, frame_schema = make_frame(), make_schema()
        if name in ("spans", "links", "claims"):
            setattr(report, name, len(frame))
        pandera_started = time.perf_counter()
        report.findings += _schema_findings(name, frame, frame_schema, id_column)
        report.pandera_seconds += time.perf_counter() - pandera_started
        if name == "claims":
            report.claims_frame = frame
        del frame
    report.findings += check_records(records, {d.id: d for d in docs}, schema, span_values)
    report.seconds = time.perf_counter() - started
    return report


def _span_keys_distinct(records: tables.RecordSet, values: tables.SpanValues) -> bool:
    """True when no two span rows can share (origin, record_id, span_id): all are plain strings,
    the records with spans are distinct by (origin, record_id) and each record's span ids are
    distinct. False means "not proven": pandera then checks, and reports, the duplicates."""
    having = [n > 0 for n in values.counts]
    origins = [v for v, keep in zip(records.field("origin"), having) if keep]
    record_ids = [v for v, keep in zip(records.field("record_id"), having) if keep]
    if set(map(type, origins)) != {str} or set(map(type, record_ids)) != {str} or not values.all_str("span_id"):
        return False
    if len(set(zip(origins, record_ids))) < len(origins):
        return False
    span_at = records.regions()[0]  # each record's span ids, as a dict
    return all(len(where) == n for where, n in zip(span_at, values.counts))


def _schema_findings(name: str, frame, frame_schema, id_column: str) -> list[Finding]:
    if frame.empty:
        return []
    try:
        frame_schema.validate(frame, lazy=True)
        return []
    except pa_errors.SchemaErrors as exc:
        cases = exc.failure_cases
    found = []
    ids = frame[id_column] if id_column in frame.columns else None
    for case in cases.itertuples(index=False):
        index = case.index
        doc_id = None
        if index is not None and index == index and ids is not None:  # NaN-safe
            try:
                doc_id = str(ids.iloc[int(index)])
            except (ValueError, IndexError):
                doc_id = None
        column = case.column if isinstance(case.column, str) else name
        found.append(
            finding(Errors.V101, f"{name}.{column}: {case.check} failed for {case.failure_case!r}", doc_id=doc_id)
        )
    return found


def validate(workspace: Workspace, fix: bool = False, data: WorkspaceData | None = None) -> ValidationReport:
    """Validate the workspace; with ``fix``, apply the safe fixes first and report what remains.

    ``data``: the workspace as :meth:`WorkspaceData.read` read it, when the caller has it already
    (not with ``fix``, which changes the store).
    """
    if fix and data is not None:
        raise ValueError("validate(fix=True) reads the store again after fixing; do not pass data")
    with without_cyclic_gc(), workspace.lock() if fix else nullcontext():  # fixing writes the store
        return _validate(workspace, fix, data)


def _validate(workspace: Workspace, fix: bool, data: WorkspaceData | None) -> ValidationReport:
    started = time.perf_counter()
    states = None  # the stores' files as this validation found them, when it reads them itself
    if data is None:
        schemas.prepare_pandera()  # before the heap holds the corpus
        states = None if fix else verdict.file_states(workspace)
        data = WorkspaceData.read(workspace)
    schema, docs, records = data.schema, data.docs, data.record_set()
    report = validate_data(docs, records, schema)
    if fix:
        store = AnnotationStore(workspace)
        fixed = apply_fixes(store, records.objects, report.findings)  # gold is derived: never fixed here
        if fixed:
            records = tables.RecordSet(validated_records(store, workspace))
            report = validate_data(docs, records, schema)
            report.fixed = fixed
    report.removed_document_records = data.removed_document_records
    report.agreement = _agreement(docs, records, schema)
    report.findings += [
        finding(
            Errors.V301,
            w.message,
            severity="warning",
            where=f"{w.subject}, {report.agreement.documents} documents annotated by two or more",
        )
        for w in report.agreement.warnings(agreement_threshold(workspace))
    ]
    if states is not None and not report.errors:
        remember_clean(workspace, report, states)
    report.seconds = time.perf_counter() - started
    return report


def remember_clean(workspace: Workspace, report: ValidationReport, states: list) -> None:
    """Record a clean ``report`` of the workspace's stores as they were before they were read
    (``states``: :func:`validation.verdict.file_states`), so that a release build of the very same
    inputs need not validate again; not when the files changed meanwhile, nor where the workspace
    cannot be written (validation itself only reads)."""
    key = verdict.inputs_key(workspace)
    if verdict.file_states(workspace) != states:
        return
    try:
        verdict.record_clean(workspace, key, report.agreement.headline())
    except OSError:
        pass


def agreement_threshold(workspace: Workspace) -> float:
    """``[validation] agreement_threshold`` (default 0.667, Krippendorff's bar for tentative conclusions)."""
    return float(workspace.config.get("validation", {}).get("agreement_threshold", 0.667))


def _agreement(docs: list[Document], records: tables.RecordSet, schema: LabelSchema) -> AgreementReport:
    """Agreement on the documents two or more people annotated; low figures become V301 warnings
    (they fail only under ``--strict``). Gold records never take part: they are counted as left
    out without making their objects."""
    from validation.agreement import NON_ANNOTATOR_ORIGINS, agreement

    taking_part, left_out = records.objects, Counter()
    if records.columns is not None:
        origins = records.columns.column("origin")
        left_out.update(f"origin {o}" for o in origins if o in NON_ANNOTATOR_ORIGINS)
        others = [k for k, o in enumerate(origins) if o not in NON_ANNOTATOR_ORIGINS]
        taking_part = taking_part + (records.columns.take(others).records() if others else [])
    return agreement(taking_part, {d.id: d.text for d in docs}, schema, skipped=left_out)


def apply_fixes(store: AnnotationStore, records: list[AnnotationRecord], findings: list[Finding]) -> int:
    """Append corrected versions of records that have safe fixes; returns the number of spans fixed."""
    fixes: dict[str, dict[str, object]] = defaultdict(dict)
    for f in findings:
        if f.fix is not None and f.code in SAFE_FIXES and f.record:
            fixes[f.record][f.fix.id] = f.fix
    if not fixes:
        return 0
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    fixed_records = []
    for rec in records:
        mine = fixes.get(f"{rec.origin}:{rec.record_id}")
        if not mine or rec.origin == "gold":  # gold is derived: fix the annotations and adjudicate again
            continue
        spans = [mine.get(s.id, s) for s in rec.spans]
        # A later updated_at makes the corrected version the current one in the store.
        fixed_records.append(
            replace(
                rec,
                spans=spans,
                updated_at=now,
                problems=rec.problems + [f"newsdesk validate --fix corrected {len(mine)} span(s)"],
            )
        )
    store.append(fixed_records, "validate-fix")
    return sum(len(v) for v in fixes.values())
