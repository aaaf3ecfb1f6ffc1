"""The tables a release is made from, as pandas DataFrames built from documents and records.

One row per document, per annotation record, per span, per claim (with its attributes and
source), per link. Validation checks these frames; releases write them. Column names are
defined here once.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from annotation.model import AnnotationRecord
from annotation.schema import ATTRIBUTION, CLAIM, LINK_CUE, LINK_SOURCE, UNATTRIBUTED, LabelSchema
from corpus.model import Document


def documents_frame(docs: Iterable[Document]) -> pd.DataFrame:
    rows = [{"id": d.id, "title": d.title, "text_length": len(d.text), "text_sha256": d.text_sha256,
             "raw_sha256": d.raw_sha256, "language": d.language, "published": d.published,
             "flags": len(d.flags), "duplicate_of": d.duplicate_of, "cluster": d.cluster} for d in docs]
    return pd.DataFrame(rows, columns=["id", "title", "text_length", "text_sha256", "raw_sha256", "language",
                                       "published", "flags", "duplicate_of", "cluster"])


def records_frame(records: Iterable[AnnotationRecord]) -> pd.DataFrame:
    rows = [{"doc_id": r.doc_id, "origin": r.origin, "record_id": r.record_id, "task_id": r.task_id,
             "annotator": r.annotator, "text_sha256": r.text_sha256, "cancelled": r.cancelled,
             "ground_truth": r.ground_truth, "spans": len(r.spans), "links": len(r.links),
             "created_at": r.created_at, "updated_at": r.updated_at, "lead_time": r.lead_time} for r in records]
    return pd.DataFrame(rows, columns=["doc_id", "origin", "record_id", "task_id", "annotator", "text_sha256",
                                       "cancelled", "ground_truth", "spans", "links", "created_at", "updated_at",
                                       "lead_time"])


SPAN_COLUMNS = ["doc_id", "origin", "record_id", "annotator", "task_id", "span_id", "layer", "label", "start",
                "end", "text"]


def spans_frame(records: Iterable[AnnotationRecord]) -> pd.DataFrame:
    rows = [(r.doc_id, r.origin, r.record_id, r.annotator, r.task_id, s.id, s.layer, s.label, s.start, s.end, s.text)
            for r in records for s in r.spans]
    frame = pd.DataFrame.from_records(rows, columns=SPAN_COLUMNS)
    return frame.astype({"start": "int64", "end": "int64"})


def links_frame(records: Iterable[AnnotationRecord]) -> pd.DataFrame:
    rows = [(r.doc_id, r.origin, r.record_id, r.annotator, r.task_id, lk.from_id, lk.to_id, lk.label)
            for r in records for lk in r.links]
    return pd.DataFrame.from_records(rows, columns=["doc_id", "origin", "record_id", "annotator", "task_id",
                                                    "from_id", "to_id", "label"])


def claims_frame(records: Iterable[AnnotationRecord], schema: LabelSchema) -> pd.DataFrame:
    """One row per CLAIM span: its text, cue and source (when linked) and one column per attribute."""
    attr_names = [a.name for a in schema.claim_attributes]
    rows = []
    for r in records:
        spans = {s.id: s for s in r.spans}
        choices: dict[str, dict[str, tuple]] = {}
        for c in r.choices:
            choices.setdefault(c.region_id, {})[c.name] = c.values
        targets: dict[tuple[str, str], str] = {}
        for lk in r.links:
            targets.setdefault((lk.from_id, lk.label), lk.to_id)
        for s in r.spans:
            if s.label != CLAIM:
                continue
            mine = choices.get(s.id, {})
            cue = spans.get(targets.get((s.id, LINK_CUE), ""))
            src = spans.get(targets.get((s.id, LINK_SOURCE), ""))
            row = {"doc_id": r.doc_id, "origin": r.origin, "record_id": r.record_id, "annotator": r.annotator,
                   "task_id": r.task_id, "claim_id": s.id, "start": s.start, "end": s.end, "text": s.text,
                   "cue_start": cue.start if cue else None, "cue_end": cue.end if cue else None,
                   "cue_text": cue.text if cue else None,
                   "source_start": src.start if src else None, "source_end": src.end if src else None,
                   "source_text": src.text if src else None, "source_label": src.label if src else None}
            for name in attr_names:
                values = mine.get(name, ())
                row[name] = values[0] if values else None
            row["unattributed"] = UNATTRIBUTED in choices.get(s.id, {}).get(ATTRIBUTION, ())
            rows.append(row)
    columns = ["doc_id", "origin", "record_id", "annotator", "task_id", "claim_id", "start", "end", "text",
               "cue_start", "cue_end", "cue_text", "source_start", "source_end", "source_text", "source_label",
               *attr_names, "unattributed"]
    return pd.DataFrame(rows, columns=list(dict.fromkeys(columns)))
