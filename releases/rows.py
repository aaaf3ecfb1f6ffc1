"""Rows of each release config, from documents, gold records and every annotator's records.

Plain dicts in the shape of :mod:`releases.features`; ``datasets`` encodes label strings to
ClassLabel ids. Annotators appear only as pseudonyms (see :mod:`releases.pseudonyms`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from annotation.model import AnnotationRecord
from annotation.schema import ATTRIBUTION, CLAIM, ENTITY_LAYER, LabelSchema
from corpus.model import Document
from corpus.tokens import tokenize
from validation.tables import claims_frame

NO_SPAN = {"start": -1, "end": -1, "text": ""}


def document_row(doc: Document) -> dict:
    return {"id": doc.id, "title": doc.title, "text": doc.text, "text_sha256": doc.text_sha256,
            "source": doc.source, "published": doc.published, "language": doc.language,
            "blocks": [{"kind": b.kind, "start": b.start, "end": b.end} for b in doc.blocks],
            "flags": [{"rule": f.rule, "start": f.start, "end": f.end, "message": f.message} for f in doc.flags],
            "duplicate_of": doc.duplicate_of, "cluster": doc.cluster}


def entity_row(doc: Document, gold: AnnotationRecord) -> dict:
    spans = sorted((s for s in gold.spans if s.layer == ENTITY_LAYER), key=lambda s: (s.start, s.end))
    return {"id": doc.id, "text": doc.text,
            "spans": [{"start": s.start, "end": s.end, "text": s.text, "label": s.label} for s in spans]}


@dataclass
class NerStats:
    spans: int = 0
    misaligned: int = 0  # spans whose edges fall inside a token: counted, tagged as far as they align


def ner_row(doc: Document, gold: AnnotationRecord, stats: NerStats) -> dict:
    """Tokens and IOB2 tags; a span not on token boundaries is tagged on the tokens inside it and counted."""
    tokens = tokenize(doc.text)
    tags = ["O"] * len(tokens)
    starts = {s: i for i, (s, _) in enumerate(tokens)}
    ends = {e: i for i, (_, e) in enumerate(tokens)}
    for span in sorted((s for s in gold.spans if s.layer == ENTITY_LAYER), key=lambda s: (s.start, s.end)):
        stats.spans += 1
        if span.start not in starts or span.end not in ends:
            stats.misaligned += 1
        inside = [i for i, (s, e) in enumerate(tokens) if s >= span.start and e <= span.end]
        for n, i in enumerate(inside):
            tags[i] = f"{'B' if n == 0 else 'I'}-{span.label}"
    return {"id": doc.id, "tokens": [doc.text[s:e] for s, e in tokens], "ner_tags": tags}


def claim_rows(gold: list[AnnotationRecord], schema: LabelSchema, pseudonym: Callable[[str], str]) -> list[dict]:
    frame = claims_frame(gold, schema)
    provenance = {(r.doc_id, sid): info for r in gold for sid, info in r.provenance.items()}
    attrs = [a.name for a in schema.claim_attributes if a.name != ATTRIBUTION]
    rows = []
    for c in frame.to_dict("records"):
        origin = provenance.get((c["doc_id"], c["claim_id"]), {})
        has_cue = c["cue_start"] is not None and c["cue_start"] == c["cue_start"]
        has_source = c["source_start"] is not None and c["source_start"] == c["source_start"]
        rows.append({
            "id": f"{c['doc_id']}-{c['claim_id']}", "doc_id": c["doc_id"],
            "claim": {"start": int(c["start"]), "end": int(c["end"]), "text": c["text"]},
            "cue": {"start": int(c["cue_start"]), "end": int(c["cue_end"]), "text": c["cue_text"]} if has_cue
            else dict(NO_SPAN),
            "source": {"start": int(c["source_start"]), "end": int(c["source_end"]), "text": c["source_text"],
                       "label": c["source_label"]} if has_source else {**NO_SPAN, "label": -1},
            **{a: c[a] if isinstance(c[a], str) else -1 for a in attrs},
            "unattributed": bool(c["unattributed"]),
            "annotators": [pseudonym(a) for a in origin.get("annotators", [])],
            "adjudication": origin.get("rule", ""),
        })
    return rows


def annotation_row(rec: AnnotationRecord, pseudonym: Callable[[str], str]) -> dict:
    return {"doc_id": rec.doc_id, "annotator": pseudonym(rec.annotator), "origin": rec.origin,
            "cancelled": rec.cancelled, "ground_truth": rec.ground_truth, "lead_time": rec.lead_time,
            "spans": [{"id": s.id, "layer": s.layer, "start": s.start, "end": s.end, "text": s.text,
                       "label": s.label} for s in rec.spans],
            "links": [{"from_id": lk.from_id, "to_id": lk.to_id, "label": lk.label} for lk in rec.links],
            "choices": [{"region_id": c.region_id, "name": c.name, "value": v} for c in rec.choices for v in c.values],
            "document_choices": [{"name": k, "value": v} for k, vs in sorted(rec.document_choices.items())
                                 for v in vs]}


def claim_count(gold: list[AnnotationRecord]) -> int:
    return sum(1 for r in gold for s in r.spans if s.label == CLAIM)


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
