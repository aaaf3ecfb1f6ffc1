"""Annotations carried over to a document's new text, so that cleaning again loses none.

A document's text changes when it is cleaned again: a new pipeline version after an upgrade,
new repeated lines of its source, a changed config. Every record made on the old text is then
stale (V211): adjudication, training and releases leave it out. The corpus keeps the offset map
of every text a re-clean replaced (``store/document_versions/``, :class:`corpus.store.DocumentShards`),
so each span goes old clean text -> raw text -> new clean text, as ``annotate push`` carries a
Label Studio task's annotations. A record is carried only when every span lands on the same
words (spaced differently is the same words: a whitespace rule changed); otherwise it stays as it is, stale, and is reported with the spans that did not survive
(a person decides: re-annotate, or clean differently). The store is append-only: the old
versions stay readable. Running it twice does nothing the second time.

Records pulled from the workspace's Label Studio projects are not carried here: the server holds
them, on the old text, and the next pull would bring them back stale; ``annotate push`` carries
the task and its annotations on the server (the same span arithmetic), and a pull then brings
them on the new text. Gold is adjudication's: run it again once the records are carried.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from annotation.model import AnnotationRecord, Origin
from annotation.store import AnnotationStore
from corpus.model import Document
from corpus.offsets import OffsetMap
from corpus.store import CorpusStore
from corpus.workspace import Workspace

ON_THE_SERVER = (Origin.LABEL_STUDIO, Origin.REVIEW)  # carried by `annotate push`, brought back by pull


@dataclass
class MigrationReport:
    records: int = 0  # carried over to their document's current text
    documents: int = 0
    left: list[str] = field(default_factory=list)  # records left stale, and why

    def to_record(self) -> dict:
        return {"records": self.records, "documents": self.documents, "left": self.left}


def migrate_span(
    start: int, end: int, old_map: OffsetMap, new_map: OffsetMap, new_text: str, words: str, spacing: bool = True
) -> tuple[int, int] | None:
    """A span of the old clean text on the new one (old clean -> raw -> new clean); None when
    it does not land on the same ``words`` (the same characters, or with ``spacing=False`` the
    same words however spaced: a whitespace rule changed)."""
    raw_start, raw_end = old_map.clean_to_raw(start, end)
    new_start, new_end = new_map.raw_to_clean(raw_start, raw_end)
    found = new_text[new_start:new_end]
    if found == words or (not spacing and found.split() == words.split() and found.strip() == found):
        return new_start, new_end
    return None


def migrate_records(workspace: Workspace, versions: set[tuple[str, str]] | None = None) -> MigrationReport:
    """Carry every record made on a text that a re-clean replaced over to its document's text now
    (``versions``: the store's ``documents.versions()``, when the caller has read them already)."""
    report = MigrationReport()
    corpus = CorpusStore(workspace)
    versions = corpus.documents.versions() if versions is None else versions
    if not versions:
        return report
    with workspace.lock():
        store = AnnotationStore(workspace)
        stored = store.stored()
        candidates = [
            AnnotationRecord.from_record(rec)
            for rec in stored.values()
            if (rec["doc_id"], rec["text_sha256"]) in versions and rec["origin"] not in ON_THE_SERVER
        ]
        stored_documents = corpus.documents.get_many({r.doc_id for r in candidates})
        documents = {i: Document.from_record(rec) for i, rec in stored_documents.items()}
        old_texts = corpus.documents.read_versions((r.doc_id, r.text_sha256) for r in candidates)
        carried = []
        for record in candidates:
            document = documents.get(record.doc_id)
            if document is None or document.text_sha256 == record.text_sha256:
                continue  # removed (V214), or its text is this one again
            moved = _carried(record, document, old_texts[record.doc_id, record.text_sha256], report)
            if moved is not None:
                carried.append(moved)
        store.append_new(carried, "migrate", stored=stored)
    report.records = len(carried)
    report.documents = len({r.doc_id for r in carried})
    return report


def _carried(
    record: AnnotationRecord, document: Document, version: dict, report: MigrationReport
) -> AnnotationRecord | None:
    where = f"{record.origin} record {record.record_id} of document {record.doc_id} ({record.annotator})"
    if version["raw_sha256"] != document.raw_sha256:
        report.left.append(f"{where}: the document is a newer scrape, its raw text changed")
        return None
    old_map, new_map = OffsetMap.from_record(version["offset_map"]), document.cleaning.offset_map
    spans, lost = [], []
    for span in record.spans:
        moved = migrate_span(span.start, span.end, old_map, new_map, document.text, span.text, spacing=False)
        if moved is None:
            lost.append(f"{span.label} {span.text!r} [{span.start}:{span.end}]")
        else:
            spans.append(span._replace(start=moved[0], end=moved[1], text=document.text[moved[0] : moved[1]]))
    if lost:
        more = f" and {len(lost) - 3} more" if len(lost) > 3 else ""
        report.left.append(f"{where}: the new text does not hold {', '.join(lost[:3])}{more}")
        return None
    return replace(record, text_sha256=document.text_sha256, spans=spans)
