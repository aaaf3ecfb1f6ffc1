"""The import: read a format, ingest its texts, carry its records onto the clean texts, store them."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

from annotation.conform import conform
from annotation.importers import SENTENCES_PER_DOCUMENT
from annotation.importers.base import (
    UNATTRIBUTED_MARKED,
    ForeignDocument,
    ImportReport,
    Reading,
)
from annotation.importers.carry import carry_record
from annotation.importers.label_map import LabelMap, parse_label_map
from annotation.model import AnnotationRecord, recency
from annotation.schema import ATTRIBUTION, CLAIM, LINK_SOURCE, UNATTRIBUTED, LabelSchema
from annotation.store import AnnotationStore
from corpus.cleaning import PROTECTED
from corpus.errors import Errors, NewsdeskError
from corpus.ingest import ingest_articles
from corpus.model import Article, Document, document_id, sha256_hex
from corpus.store import CorpusStore
from corpus.workspace import Workspace


def import_annotations(
    workspace: Workspace,
    path: Path | str,
    fmt: str,
    annotator: str | None = None,
    label_map: dict[str, str] | str | None = None,
    annotator_from_name: bool = False,
    sentences_per_document: int = SENTENCES_PER_DOCUMENT,
    keep_annotated_text: bool = True,
) -> ImportReport:
    """Import annotated texts from another tool into the corpus and the annotation store.

    Args:
        workspace: the workspace whose corpus gets the texts and whose store gets the records.
        path: a Label Studio JSON export, a CoNLL-2003 file, a brat ``.ann`` file, or a folder
            of such files.
        fmt: ``"labelstudio"``, ``"conll"`` or ``"brat"``.
        annotator: the annotator of every record; default: the file's own (Label Studio's
            ``completed_by``), else the format name.
        label_map: ``{"[KIND:]FOREIGN": "OURS"}``, or the same as a ``--map`` string; see
            :class:`LabelMap`.
        annotator_from_name: read each file's annotator from its name, ``NAME_ANNOTATOR.ext``
            (a brat file's text is then ``NAME.txt``); not with ``annotator``.
        sentences_per_document: CoNLL files without ``-DOCSTART-`` lines are cut into documents of
            this many sentences; 0 keeps each such file one document.
        keep_annotated_text: cleaning deletes no text an imported span covers (a line it would
            take for residue stays), so every span is carried; False cleans the texts like any
            article's and reports the spans in what it removes.

    Returns:
        An :class:`ImportReport`. A file (or task) that cannot be read is in its ``failed`` and
        the others are imported. Errors in the path, the map or the labels (E110, E210-E212)
        are raised before anything is written.
    """
    from annotation.importers import FORMATS, import_format  # the registry (this module is part of the package)

    if fmt not in FORMATS:
        raise NewsdeskError(Errors.E212, where=str(fmt), detail=f"known: {', '.join(FORMATS)}")
    if annotator and annotator_from_name:
        raise ValueError("give annotator or annotator_from_name, not both")
    path = Path(path)
    if not path.exists():
        raise NewsdeskError(Errors.E110, where=str(path))
    schema = LabelSchema.load(workspace)
    entries = parse_label_map(label_map) if isinstance(label_map, str) else label_map
    skipped: Counter = Counter()
    if sentences_per_document < 0:
        raise ValueError("sentences_per_document is a number of sentences, or 0 for the whole file")
    reading = Reading(
        LabelMap(entries, schema, skipped), annotator, skipped, annotator_from_name, sentences_per_document
    )
    foreign = import_format(fmt).read(path, reading)
    reading.mapping.check(path)

    report = ImportReport(
        format=fmt,
        path=str(path),
        documents=len(foreign),
        records=sum(len(d.records) for d in foreign),
        skipped=skipped,
        failed=reading.failed,
        repeated=reading.repeated,
    )
    corpus = CorpusStore(workspace)
    records = []
    # A Label Studio export of our own project names the document and holds its clean text:
    # its offsets are already ours, nothing to ingest or carry.
    ours = {id(d): document for d in foreign if (document := _our_document(corpus, d)) is not None}
    for doc in foreign:
        document = ours.get(id(doc))
        if document is None:
            continue
        for r in doc.records:
            records.append(
                replace(
                    r, doc_id=document.id, text_sha256=document.text_sha256, record_id=f"{r.record_id}@{document.id}"
                )
            )
        report.spans_carried += sum(len(r.spans) for r in doc.records)
    foreign = [d for d in foreign if id(d) not in ours]
    # Several annotators' files of one text make one article: it keeps every annotator's spans.
    annotated = _annotated(foreign) if keep_annotated_text else {}
    ingested, doc_ids = ingest_articles(workspace, [_article(d, fmt, annotated.get(d.text)) for d in foreign])
    report.documents_added = ingested.added
    report.texts_recleaned = ingested.repeated_lines_recleaned + ingested.completed
    for doc, doc_id in zip(foreign, doc_ids):
        if doc_id is None:  # no document holds the text: it cleans to nothing (E109) or was removed (E113)
            report.skipped["document not stored (empty after cleaning, or removed)"] += 1
            continue
        document, raw_text = corpus.document(doc_id), corpus.article(doc_id).raw_text
        # The same raw bytes as a stored article; one read from a JSONL line has its title before them.
        shift = 0 if raw_text == doc.text else raw_text.find(doc.text)
        records += [
            _keeping_the_rules(
                carry_record(r, doc, document, raw_text, shift, report), r, document.text, schema, report
            )
            for r in doc.records
        ]
    _count_unanswered(records, schema, report)
    _name_texts_annotated_twice(records, report)
    with workspace.lock():
        store = AnnotationStore(workspace)
        current = store.current()
        report.records_written = sum(
            1 for r in records if r.key not in current or current[r.key].to_record() != r.to_record()
        )
        store.append(records, label=f"import-{fmt}")
    return report


def _keeping_the_rules(
    record: AnnotationRecord, read: AnnotationRecord, text: str, schema: LabelSchema, report: ImportReport
) -> AnnotationRecord:
    """The record as validation accepts it, every change counted and noted on the record.

    A foreign corpus has its own conventions: a claim its annotators gave no source is marked
    "unattributed" (what our schema asks them to say); spans that cross, a link drawn twice, a
    cue further than ``cue_max_distance`` are left out and reported (the import then exits 1),
    never stored to block a release later. Unanswered attributes stay unanswered (V212).
    """
    counts: Counter = Counter()
    kept = conform(record, text, schema, counts, judge_attributes=False)
    # A claim whose source the file names but cleaning removed is not "unattributed": its source
    # is reported lost (spans_reported), and the claim stays without one for a person to fix.
    carried = {lk.from_id for lk in record.links if lk.label == LINK_SOURCE}
    sourced = {lk.from_id for lk in read.links if lk.label == LINK_SOURCE} - carried
    marked = [
        c
        for c in kept.choices
        if c.region_id in sourced and c.name == ATTRIBUTION and c.values == (UNATTRIBUTED,) and c not in record.choices
    ]
    if marked:
        kept = replace(kept, choices=[c for c in kept.choices if c not in marked])
        counts[UNATTRIBUTED_MARKED] -= len(marked)
        counts = +counts
    if not counts:
        return record
    report.conformed.update(counts)
    notes = [f"{n} {kind}" for kind, n in sorted(counts.items())]
    report.problems.append(f"{record.record_id}: to keep the schema's rules: {', '.join(notes)}")
    return replace(kept, problems=list(kept.problems) + [f"to keep the schema's rules: {', '.join(notes)}"])


def _name_texts_annotated_twice(records: list[AnnotationRecord], report: ImportReport) -> None:
    """One annotator's records of one document from several files: adjudication keeps the latest
    (for files without times, the last by name), which may be an empty file over a full one."""
    by_person: dict[tuple[str, str], list[AnnotationRecord]] = {}
    for r in records:
        by_person.setdefault((r.doc_id, r.annotator), []).append(r)
    for (doc_id, annotator), several in sorted(by_person.items()):
        if len(several) > 1:
            names = [r.record_id.rsplit("@", 1)[0] for r in sorted(several, key=recency)]
            report.same_text_twice.append(
                f"{annotator} annotated the text of document {doc_id} in {len(names)} files ({', '.join(names)}): "
                f"adjudication takes only {names[-1]} ({len(max(several, key=recency).spans)} spans); "
                "import the one meant, or another annotator name for each"
            )


def _count_unanswered(records: list[AnnotationRecord], schema: LabelSchema, report: ImportReport) -> None:
    """How many claims have no answer to each required attribute (validation's V212)."""
    required = [a.name for a in schema.required_attributes]
    for record in records:
        answered: dict[str, set[str]] = {}
        for c in record.choices:
            if c.values:
                answered.setdefault(c.name, set()).add(c.region_id)
        for span in record.spans:
            if span.label == CLAIM:
                report.claims += 1
                report.unanswered.update(name for name in required if span.id not in answered.get(name, ()))


def _our_document(corpus: CorpusStore, doc: ForeignDocument) -> Document | None:
    if not doc.doc_id:
        return None
    try:
        document = corpus.document(doc.doc_id)
    except NewsdeskError:
        return None
    return document if document.id == doc.doc_id and document.text == doc.text else None


def _article(doc: ForeignDocument, fmt: str, protected: list[list[int]] | None) -> Article:
    data = doc.text.encode("utf-8")
    source = str(doc.text_file) if doc.text_file else doc.where
    return Article(
        id=document_id(None, data),
        source=source,
        raw_text=doc.text,
        raw_sha256=sha256_hex(data),
        encoding="utf-8",
        format=fmt,
        title=doc.title,
        metadata={
            "path": str(doc.text_file or doc.file),
            "imported_from": fmt,
            **({PROTECTED: protected} if protected else {}),
        },
    )


def _annotated(foreign: list[ForeignDocument]) -> dict[str, list[list[int]]]:
    """Per text, the stretches some record's span covers (every file of that text), joined where
    they overlap or touch: cleaning deletes none of them (corpus.cleaning.PROTECTED), so no
    imported span is lost to a rule that takes its line for residue."""
    spans: dict[str, list[tuple[int, int]]] = {}
    for doc in foreign:
        spans.setdefault(doc.text, []).extend((s.start, s.end) for r in doc.records for s in r.spans if s.end > s.start)
    out = {}
    for text, found in spans.items():
        ranges: list[list[int]] = []
        for start, end in sorted(found):
            if ranges and start <= ranges[-1][1]:
                ranges[-1][1] = max(ranges[-1][1], end)
            else:
                ranges.append([start, end])
        out[text] = ranges
    return out
