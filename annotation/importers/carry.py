"""Carrying imported spans onto the clean text through the document's offset map."""

from __future__ import annotations

from dataclasses import replace

from annotation.importers.base import (
    ForeignDocument,
    ImportReport,
    SpanNote,
    has_words,
    short,
)
from annotation.model import AnnotationRecord, Span
from corpus.model import Document

# --- carrying spans onto the clean text ----------------------------------------------------------------------


def carry_span(raw_text: str, document: Document, start: int, end: int) -> tuple[tuple[int, int] | None, str]:
    """Where the raw span ``[start, end)`` lands in the document's clean text, and why it needs a word.

    Returns ``((clean_start, clean_end), "")`` when cleaning left the span alone,
    ``((clean_start, clean_end), reason)`` when cleaning edited inside it without removing any
    of its words (the span is trimmed of spacing the edit pulled in), and ``(None, reason)``
    when the span lies wholly or partly in text that cleaning removed.
    """
    offsets = document.cleaning.offset_map
    if not 0 <= start < end <= len(raw_text):
        return None, f"offsets [{start}:{end}] are empty or outside the text ({len(raw_text)} characters)"
    if not offsets.raw_touched(start, end):
        return offsets.raw_to_clean(start, end), ""
    touching = [
        e
        for e in document.cleaning.edits
        if e.raw_start < end and e.raw_end > start or (e.raw_start == e.raw_end and start < e.raw_start < end)
    ]
    rules = ", ".join(sorted({e.rule for e in touching}))
    removed = [raw_text[max(e.raw_start, start) : min(e.raw_end, end)] for e in touching if not has_words(e.inserted)]
    removed = [r.strip() for r in removed if has_words(r)]
    clean_start, clean_end = offsets.raw_to_clean(start, end)
    text = document.text
    while clean_start < clean_end and text[clean_start].isspace():
        clean_start += 1
    while clean_end > clean_start and text[clean_end - 1].isspace():
        clean_end -= 1
    if clean_start == clean_end:
        gone = " ".join(raw_text[e.raw_start : e.raw_end].strip() for e in touching if has_words(e.removed))
        return None, f"in text removed by cleaning ({rules}): {short(gone)!r}"
    if removed:
        return None, f"partly in text removed by cleaning ({rules}): {' '.join(removed)!r}"
    return (clean_start, clean_end), (
        f"cleaning edited inside it ({rules}): {raw_text[start:end]!r} -> {text[clean_start:clean_end]!r}"
    )


def carry_record(
    record: AnnotationRecord, doc: ForeignDocument, document: Document, raw_text: str, shift: int, report: ImportReport
) -> AnnotationRecord:
    record_id = f"{record.record_id}@{document.id}"
    problems = list(record.problems)
    spans, carried = [], set()
    for s in record.spans:
        if shift < 0:
            where, reason = None, f"document {document.id} holds this text's raw sha256 but another raw text"
        else:
            where, reason = carry_span(raw_text, document, s.start + shift, s.end + shift)
        note = SpanNote(
            record_id, document.id, doc.where, s.id, s.label, s.start, s.end, s.text, reason, *(where or (None, None))
        )
        if where is None:
            report.spans_reported.append(note)
            problems.append(
                f"span {s.id} {s.label} [{s.start}:{s.end}] {s.text!r} of the original text not carried: {reason}"
            )
            continue
        spans.append(Span(s.id, s.layer, s.label, where[0], where[1], document.text[where[0] : where[1]]))
        carried.add(s.id)
        report.spans_carried += 1
        if reason:
            report.spans_noted.append(note)
            problems.append(f"span {s.id} {s.label} carried: {reason}")
    notes = []
    links = []
    for lk in record.links:
        if lk.from_id in carried and lk.to_id in carried:
            links.append(lk)
        else:
            missing = lk.from_id if lk.from_id not in carried else lk.to_id
            notes.append(f"link {lk.from_id} --{lk.label}--> {lk.to_id} not carried: span {missing} was not")
    choices = []
    for c in record.choices:
        if c.region_id in carried:
            choices.append(c)
        else:
            notes.append(f"choice {c.name}={list(c.values)} on {c.region_id} not carried: the span was not")
    problems += notes
    report.problems += [f"{record.record_id}: {p}" for p in record.problems + notes]
    return replace(
        record,
        doc_id=document.id,
        text_sha256=document.text_sha256,
        record_id=record_id,
        spans=spans,
        links=links,
        choices=choices,
        problems=problems,
    )
