"""Rows of each release config, from documents, gold records and every annotator's records.

Plain dicts in the shape of :mod:`releases.features`, with every ClassLabel already given as
its id (:class:`LabelIds`, read from the declared Features), so :func:`arrow_table` hands them
to Arrow in one call instead of ``datasets`` encoding each value in Python. Annotators appear
only as pseudonyms (see :mod:`releases.pseudonyms`).
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import islice

import pyarrow as pa
import pyarrow.compute as pc
from datasets import ClassLabel, Features

from annotation.model import AnnotationRecord
from annotation.schema import ATTRIBUTION, CLAIM, ENTITY_LAYER, LabelSchema
from corpus.model import Document
from corpus.tokens import TOKEN_PATTERN, tokenize
from validation.tables import claims_frame

NO_SPAN = {"start": -1, "end": -1, "text": ""}
_TOKEN = re.compile(TOKEN_PATTERN)


def _ids(label: ClassLabel) -> dict[str, int]:
    return {name: i for i, name in enumerate(label.names)}


@dataclass(frozen=True)
class LabelIds:
    """Name -> id of every ClassLabel in the configs, as the Features declare them."""

    block_kinds: dict[str, int]
    entities: dict[str, int]
    iob2: dict[str, int]
    sources: dict[str, int]  # a claim's source label: entity and claim-layer labels
    spans: dict[str, int]  # an annotator's span label, in `annotations`
    links: dict[str, int]
    attributes: dict[str, dict[str, int]]  # claim attribute -> value -> id

    @classmethod
    def of(cls, features: dict[str, Features]) -> "LabelIds":
        claims = features["claims"]
        annotations = features["annotations"]
        return cls(
            block_kinds=_ids(features["documents"]["blocks"].feature["kind"]),
            entities=_ids(features["entities"]["spans"].feature["label"]),
            iob2=_ids(features["ner"]["ner_tags"].feature),
            sources=_ids(claims["source"]["label"]),
            spans=_ids(annotations["spans"].feature["label"]),
            links=_ids(annotations["links"].feature["label"]),
            attributes={name: _ids(f) for name, f in claims.items() if isinstance(f, ClassLabel)})


def arrow_table(rows: Iterable[dict], features: Features, batch: int = 10_000) -> pa.Table:
    """The rows as one Arrow table with the Features' schema (and its "huggingface" metadata).

    Converted ``batch`` rows at a time, so the row dicts of a whole config never exist at once.
    """
    schema = features.arrow_schema
    rows = iter(rows)
    parts = []
    while chunk := list(islice(rows, batch)):
        parts.append(pa.Table.from_pylist(chunk, schema=schema))
    table = pa.concat_tables(parts) if parts else schema.empty_table()
    return table.combine_chunks()


def document_row(doc: Document, ids: LabelIds) -> dict:
    kinds = ids.block_kinds
    return {"id": doc.id, "title": doc.title, "text": doc.text, "text_sha256": doc.text_sha256,
            "source": doc.source, "published": doc.published, "language": doc.language,
            "blocks": [{"kind": kinds[b.kind], "start": b.start, "end": b.end} for b in doc.blocks],
            "flags": [{"rule": f.rule, "start": f.start, "end": f.end, "message": f.message} for f in doc.flags],
            "duplicate_of": doc.duplicate_of, "cluster": doc.cluster}


def _entity_spans(gold: AnnotationRecord) -> list:
    return sorted((s for s in gold.spans if s.layer == ENTITY_LAYER), key=lambda s: (s.start, s.end))


def entity_row(doc: Document, gold: AnnotationRecord, ids: LabelIds) -> dict:
    labels = ids.entities
    return {"id": doc.id, "text": doc.text,
            "spans": [{"start": s.start, "end": s.end, "text": s.text, "label": labels[s.label]}
                      for s in _entity_spans(gold)]}


@dataclass
class NerStats:
    spans: int = 0
    misaligned: int = 0  # spans whose edges fall inside a token: counted, tagged as far as they align


def ner_tokens(doc: Document, gold: AnnotationRecord, stats: NerStats, ids: LabelIds) -> tuple[list[str], list[int]]:
    """Tokens and IOB2 tag ids; a span not on token boundaries is tagged on the tokens inside it and counted."""
    spans = _entity_spans(gold)
    text = doc.text
    found = _tokens_cut_at_spans(text, spans)
    if found is not None:
        words, at = found
        ranges = [(at[s.start], at[s.end]) for s in spans]
        n = len(text)
        aligned = [s.start < n and not text[s.start].isspace() and s.end > 0 and not text[s.end - 1].isspace()
                   for s in spans]
    else:  # a span edge inside a word: every token's offsets, then the tokens inside each span
        tokens = tokenize(text)
        words = [text[s:e] for s, e in tokens]
        starts, ends = [s for s, _ in tokens], [e for _, e in tokens]
        ranges = [(bisect_left(starts, s.start), bisect_right(ends, s.end)) for s in spans]
        aligned = [i < len(starts) and starts[i] == s.start and 0 < j and ends[j - 1] == s.end
                   for s, (i, j) in zip(spans, ranges)]
    tags = [0] * len(words)
    for span, (first, last), ok in zip(spans, ranges, aligned):
        stats.spans += 1
        stats.misaligned += not ok
        if first < last:
            tags[first] = ids.iob2[f"B-{span.label}"]
            tags[first + 1:last] = [ids.iob2[f"I-{span.label}"]] * (last - first - 1)
    return words, tags


def _tokens_cut_at_spans(text: str, spans: list) -> tuple[list[str], dict[int, int]] | None:
    """The tokens of ``text``, and the index of the token at each span edge; None when an edge splits a token.

    The same tokens as :func:`corpus.tokens.tokenize`, found without taking every token's
    offsets (which cost more than the rest of the `ner` config): the text is cut at the span
    edges and each piece tokenised. Tokens never cross whitespace (``\\s`` is exactly
    ``str.isspace``) and the pattern looks no further than the next character, so a piece's
    tokens are its whitespace-separated words' tokens, a word of word characters only
    (``\\w`` is exactly ``str.isalnum`` or "_") is one token, and a cut next to whitespace
    changes nothing. A cut inside a word ("Berg|." or "Ber|g") changes nothing exactly when
    that word's tokens are the same cut there as whole, which is checked.
    """
    n = len(text)
    cuts = sorted({0, n, *(s.start for s in spans), *(s.end for s in spans)})
    for cut in cuts:
        if 0 < cut < n and not text[cut - 1].isspace() and not text[cut].isspace():
            start, end = cut - 1, cut + 1
            while start > 0 and not text[start - 1].isspace():
                start -= 1
            while end < n and not text[end].isspace():
                end += 1
            if _TOKEN.findall(text, start, end) != _TOKEN.findall(text, start, cut) + _TOKEN.findall(text, cut, end):
                return None
    words: list[str] = []
    at = {0: 0}
    for start, end in zip(cuts, cuts[1:]):
        for word in text[start:end].split():
            if word.isalnum():
                words.append(word)
            else:
                words += _TOKEN.findall(word)
        at[end] = len(words)
    return words, at


def ner_table(pairs: Iterable[tuple[Document, AnnotationRecord]], stats: NerStats, ids: LabelIds,
              features: Features, batch: int = 10_000) -> pa.Table:
    """The `ner` rows (id, tokens, IOB2 tags) of each document with its gold record, made column by column.

    Tokens never hold whitespace, so a batch's tokens go to Arrow as one space-joined string
    that Arrow splits: handing over a Python string per token cost more than tokenising.
    """
    schema = features.arrow_schema
    parts = []
    pairs = iter(pairs)
    while chunk := list(islice(pairs, batch)):
        doc_ids, words, tags, offsets = [], [], [], [0]
        for doc, gold in chunk:
            doc_words, doc_tags = ner_tokens(doc, gold, stats, ids)
            doc_ids.append(doc.id)
            if doc_words:
                words.append(" ".join(doc_words))
            tags += doc_tags
            offsets.append(offsets[-1] + len(doc_tags))
        flat = (pc.split_pattern(pa.array([" ".join(words)], pa.large_string()), " ").values if words
                else pa.array([], pa.large_string()))
        offsets = pa.array(offsets, pa.int32())
        parts.append(pa.table({
            "id": pa.array(doc_ids, pa.string()),
            "tokens": pa.ListArray.from_arrays(offsets, flat.cast(pa.string())),
            "ner_tags": pa.ListArray.from_arrays(offsets, pa.array(tags, pa.int64())),
        }).cast(schema))
    table = pa.concat_tables(parts) if parts else schema.empty_table()
    return table.combine_chunks()


def claim_rows(gold: list[AnnotationRecord], schema: LabelSchema, pseudonym: Callable[[str], str],
               ids: LabelIds) -> list[dict]:
    frame = claims_frame(gold, schema)
    provenance = {r.doc_id: r.provenance for r in gold}
    attrs = [a.name for a in schema.claim_attributes if a.name != ATTRIBUTION]
    columns = ["doc_id", "claim_id", "start", "end", "text", "cue_start", "cue_end", "cue_text", "source_start",
               "source_end", "source_text", "source_label", "unattributed", *attrs]
    rows = []
    for c in (dict(zip(columns, values)) for values in zip(*(frame[name].tolist() for name in columns))):
        origin = provenance[c["doc_id"]].get(c["claim_id"], {})
        has_cue = c["cue_start"] is not None and c["cue_start"] == c["cue_start"]
        has_source = c["source_start"] is not None and c["source_start"] == c["source_start"]
        rows.append({
            "id": f"{c['doc_id']}-{c['claim_id']}", "doc_id": c["doc_id"],
            "claim": {"start": int(c["start"]), "end": int(c["end"]), "text": c["text"]},
            "cue": {"start": int(c["cue_start"]), "end": int(c["cue_end"]), "text": c["cue_text"]} if has_cue
            else dict(NO_SPAN),
            "source": {"start": int(c["source_start"]), "end": int(c["source_end"]), "text": c["source_text"],
                       "label": ids.sources[c["source_label"]]} if has_source else {**NO_SPAN, "label": -1},
            **{a: ids.attributes[a][c[a]] if isinstance(c[a], str) else -1 for a in attrs},
            "unattributed": bool(c["unattributed"]),
            "annotators": [pseudonym(a) for a in origin.get("annotators", [])],
            "adjudication": origin.get("rule", ""),
        })
    return rows


def annotation_row(rec: AnnotationRecord, pseudonym: Callable[[str], str], ids: LabelIds) -> dict:
    return {"doc_id": rec.doc_id, "annotator": pseudonym(rec.annotator), "origin": rec.origin,
            "cancelled": rec.cancelled, "ground_truth": rec.ground_truth, "lead_time": rec.lead_time,
            "spans": [{"id": s.id, "layer": s.layer, "start": s.start, "end": s.end, "text": s.text,
                       "label": ids.spans[s.label]} for s in rec.spans],
            "links": [{"from_id": lk.from_id, "to_id": lk.to_id, "label": ids.links[lk.label]} for lk in rec.links],
            "choices": [{"region_id": c.region_id, "name": c.name, "value": v} for c in rec.choices for v in c.values],
            "document_choices": [{"name": k, "value": v} for k, vs in sorted(rec.document_choices.items())
                                 for v in vs]}


def claim_count(gold: list[AnnotationRecord]) -> int:
    return sum(1 for r in gold for s in r.spans if s.label == CLAIM)


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
