"""Rows of each release config, from documents, gold records and every annotator's records.

A row is a plain dict in the shape of :mod:`releases.features` (``document_row``, ``entity_row``,
``claim_rows``, ``annotation_row``), with every ClassLabel already given as its id
(:class:`LabelIds`, read from the declared Features), so :func:`arrow_table` hands them to Arrow
in one call instead of ``datasets`` encoding each value in Python. The large configs are made
column by column instead (``documents_table``, ``entities_table``, ``claims_table``: no dict per
document, span or claim), and tested equal to the tables of their rows. Annotators appear only
as pseudonyms (see :mod:`releases.pseudonyms`); `ner` is made in :mod:`releases.ner`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import islice
from operator import attrgetter
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from datasets import ClassLabel, Features

from annotation.columns import RecordColumns
from annotation.model import AnnotationRecord
from annotation.schema import ATTRIBUTION, CLAIM, ENTITY_LAYER, LabelSchema
from corpus.model import Document
from validation.tables import CLAIM_FIELDS, RecordSet, claims_frame

NO_SPAN = {"start": -1, "end": -1, "text": ""}


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
    def of(cls, features: dict[str, Features]) -> LabelIds:
        claims = features["claims"]
        annotations = features["annotations"]
        return cls(
            block_kinds=_ids(features["documents"]["blocks"].feature["kind"]),
            entities=_ids(features["entities"]["spans"].feature["label"]),
            iob2=_ids(features["ner"]["ner_tags"].feature),
            sources=_ids(claims["source"]["label"]),
            spans=_ids(annotations["spans"].feature["label"]),
            links=_ids(annotations["links"].feature["label"]),
            attributes={name: _ids(f) for name, f in claims.items() if isinstance(f, ClassLabel)},
        )


def arrow_table(rows: Iterable[dict], features: Features, batch: int = 10_000) -> pa.Table:
    """The rows as one Arrow table with the Features' schema (and its "huggingface" metadata).

    Converted ``batch`` rows at a time, so the row dicts of a whole config never exist at once;
    the table keeps a chunk per batch (see :func:`in_batches`).
    """
    schema = features.arrow_schema
    rows = iter(rows)
    parts = []
    while chunk := list(islice(rows, batch)):
        parts.append(pa.Table.from_pylist(chunk, schema=schema))
    return pa.concat_tables(parts) if parts else schema.empty_table()


def in_batches(items: list, table_of: Callable[[list], pa.Table], batch: int = 2_000) -> pa.Table:
    """``table_of`` ``batch`` items at a time, as one table. Small batches keep every column's
    arrays small enough for the allocator to reuse their memory: made for a whole split at once,
    they were mapped afresh and faulted in page by page (documents and entities ~1.5-2x slower).

    The table keeps a chunk per batch: Parquet's row groups do not follow chunks (the file holds
    the same rows in the same row groups), and joining them copied every value once more.
    """
    parts = [table_of(items[i : i + batch]) for i in range(0, len(items), batch)]
    return pa.concat_tables(parts)


def _lists_of_structs(counts: list[int], fields: dict[str, pa.Array]) -> pa.ListArray:
    """Row i's list holds the next ``counts[i]`` structs of the fields' values."""
    offsets = np.zeros(len(counts) + 1, np.int64)
    np.cumsum(counts, out=offsets[1:])
    return pa.ListArray.from_arrays(
        pa.array(offsets, pa.int32()), pa.StructArray.from_arrays(list(fields.values()), names=list(fields))
    )


def _strings(values: list) -> pa.Array:
    return pa.array(values, pa.string())


def _int32s(values: list) -> pa.Array:
    return pa.array(values, pa.int32())


def documents_table(docs: list[Document], ids: LabelIds, features: Features) -> pa.Table:
    """The `documents` rows (:func:`document_row`), made column by column: the same table as
    ``arrow_table`` of the rows, without a dict per document, block and flag."""
    kinds = ids.block_kinds
    blocks = [b for d in docs for b in d.blocks]
    flags = [f for d in docs for f in d.flags]
    columns = {
        name: _strings([published_source(d.source) if name == "source" else getattr(d, name) for d in docs])
        for name in ("id", "title", "text", "text_sha256", "source", "published", "language")
    }
    columns["blocks"] = _lists_of_structs(
        [len(d.blocks) for d in docs],
        {
            "kind": pa.array([kinds[b.kind] for b in blocks], pa.int64()),
            "start": _int32s([b.start for b in blocks]),
            "end": _int32s([b.end for b in blocks]),
        },
    )
    columns["flags"] = _lists_of_structs(
        [len(d.flags) for d in docs],
        {
            "rule": _strings([f.rule for f in flags]),
            "start": _int32s([f.start for f in flags]),
            "end": _int32s([f.end for f in flags]),
            "message": _strings([f.message for f in flags]),
        },
    )
    columns["duplicate_of"] = _strings([d.duplicate_of for d in docs])
    columns["cluster"] = _strings([d.cluster for d in docs])
    return pa.table(columns).cast(features.arrow_schema)


def entities_table(
    doc_ids: list[str], spans: EntitySpans, by_id: dict[str, Document], ids: LabelIds, features: Features
) -> pa.Table:
    """The `entities` rows (:func:`entity_row`) of the documents ``doc_ids`` (by id in ``by_id``)
    with their gold records' ``spans``: no Python object per span."""
    return pa.table(
        {
            "id": _strings(doc_ids),
            "text": _strings([by_id[d].text for d in doc_ids]),
            "spans": _lists_of_structs(
                spans.counts.tolist(),
                {
                    "start": pa.array(spans.starts).cast(pa.int32()),
                    "end": pa.array(spans.ends).cast(pa.int32()),
                    "text": spans.texts,
                    "label": class_ids(spans.labels, ids.entities),
                },
            ),
        }
    ).cast(features.arrow_schema)


def entity_positions(gold: RecordColumns) -> tuple[pa.StructArray, np.ndarray, np.ndarray]:
    """All spans of the records (flat), each span's record, and the positions of the entity spans
    among them, in the order stored."""
    flat = gold.flat("spans")
    owners = np.repeat(np.arange(len(gold)), gold.counts("spans"))
    return flat, owners, np.flatnonzero(pc.equal(flat.field("layer"), ENTITY_LAYER).to_numpy(zero_copy_only=False))


class Tagged(NamedTuple):
    """What the tags of `ner` need of an entity span."""

    start: int
    end: int
    label: str


@dataclass
class EntitySpans:
    """The entity spans of many gold records, from their columns: record k's are the next
    ``counts[k]``, in text order (start, then end; else as stored) as :func:`entity_spans` orders them."""

    counts: np.ndarray
    owners: np.ndarray  # each span's record, as an index into the records
    starts: np.ndarray
    ends: np.ndarray
    labels: pa.Array
    texts: pa.Array

    @classmethod
    def of(cls, gold: RecordColumns) -> EntitySpans:
        flat, owners, at = entity_positions(gold)
        starts, ends = flat.field("start").to_numpy()[at], flat.field("end").to_numpy()[at]
        order = np.lexsort((ends, starts, owners[at]))  # stable: spans with equal offsets keep their order
        at = at[order]
        take = pa.array(at)
        return cls(
            np.bincount(owners[at], minlength=len(gold)),
            owners[at],
            starts[order],
            ends[order],
            flat.field("label").take(take),
            flat.field("text").take(take),
        )

    def take(self, records) -> EntitySpans:
        """The spans of ``records`` (positions), as if those were all the records, in that order."""
        records = np.asarray(records, np.int64)
        firsts = np.concatenate(([0], np.cumsum(self.counts)))[records]
        counts = self.counts[records]
        ends = np.cumsum(counts)
        at = np.arange(int(ends[-1]) if counts.size else 0) + np.repeat(firsts - (ends - counts), counts)
        where = pa.array(at)
        return EntitySpans(
            counts,
            np.repeat(np.arange(records.size), counts),
            self.starts[at],
            self.ends[at],
            self.labels.take(where),
            self.texts.take(where),
        )

    def of_record(self, k: int) -> list[Tagged]:
        """Record k's spans, for :func:`releases.ner.ner_tokens`."""
        first = int(self.counts[:k].sum())
        stop = first + int(self.counts[k])
        return list(
            map(
                Tagged,
                self.starts[first:stop].tolist(),
                self.ends[first:stop].tolist(),
                self.labels[first:stop].to_pylist(),
            )
        )


def class_ids(names: pa.Array, ids: dict[str, int]) -> pa.Array:
    """The ClassLabel id of each name; KeyError names one the Features do not know."""
    found = pc.index_in(names, value_set=pa.array(list(ids), pa.string()))
    if found.null_count:
        raise KeyError(names.filter(found.is_null())[0].as_py())
    # index_in gives positions among the names, which are the ids only when the ids count up from 0 in order.
    if list(ids.values()) != list(range(len(ids))):
        return pa.array([ids[name] for name in names.to_pylist()], pa.int64())
    return found.cast(pa.int64())


_WEB_ADDRESS = re.compile(r"^https?://", re.IGNORECASE)
_FOLDER_SEPARATOR = re.compile(r"[/\\]")
_WEB_LOGIN = re.compile(r"^(https?://)[^/?#@]*@", re.IGNORECASE)


def published_source(source: str) -> str:
    """Where a document came from, as a release may say it: a web address (http, https) as it is
    but for a ``user:password@`` in it; anything else is a file on the machine that ingested it,
    named by the file alone, with the ``:LINE`` of a JSONL line or the ``#doc73`` / ``#task1`` of
    an imported document kept.

    The folders a file sat in name the people and machines it passed through (home folders, user
    names): no consumer needs them, and the document's ``id`` already tells documents apart.
    """
    if _WEB_ADDRESS.match(source):
        return _WEB_LOGIN.sub(r"\1", source, count=1)  # a scraper's login is a secret, never published
    return _FOLDER_SEPARATOR.split(source.rstrip("/\\"))[-1]


def document_row(doc: Document, ids: LabelIds) -> dict:
    kinds = ids.block_kinds
    return {
        "id": doc.id,
        "title": doc.title,
        "text": doc.text,
        "text_sha256": doc.text_sha256,
        "source": published_source(doc.source),
        "published": doc.published,
        "language": doc.language,
        "blocks": [{"kind": kinds[b.kind], "start": b.start, "end": b.end} for b in doc.blocks],
        "flags": [{"rule": f.rule, "start": f.start, "end": f.end, "message": f.message} for f in doc.flags],
        "duplicate_of": doc.duplicate_of,
        "cluster": doc.cluster,
    }


_START_END = attrgetter("start", "end")


def entity_spans(gold: AnnotationRecord) -> list:
    """A gold record's entity spans in text order (start, then end): the order of every config's spans."""
    return sorted((s for s in gold.spans if s.layer == ENTITY_LAYER), key=_START_END)


def entity_row(doc: Document, gold: AnnotationRecord, ids: LabelIds) -> dict:
    labels = ids.entities
    return {
        "id": doc.id,
        "text": doc.text,
        "spans": [
            {"start": s.start, "end": s.end, "text": s.text, "label": labels[s.label]} for s in entity_spans(gold)
        ],
    }


def _claim_columns(attrs: list[str]) -> list[str]:
    """The frame's columns a `claims` row is made of, in order."""
    return ["doc_id", *CLAIM_FIELDS, "unattributed", *attrs]


def claim_rows(
    gold: list[AnnotationRecord], schema: LabelSchema, pseudonym: Callable[[str], str], ids: LabelIds
) -> list[dict]:
    frame = claims_frame(gold, schema)
    provenance = {r.doc_id: r.provenance for r in gold}
    attrs = [a.name for a in schema.claim_attributes if a.name != ATTRIBUTION]
    columns = _claim_columns(attrs)
    rows = []
    for c in (dict(zip(columns, values)) for values in zip(*(frame[name].tolist() for name in columns))):
        origin = provenance[c["doc_id"]].get(c["claim_id"], {})
        has_cue = c["cue_start"] is not None and c["cue_start"] == c["cue_start"]
        has_source = c["source_start"] is not None and c["source_start"] == c["source_start"]
        rows.append(
            {
                "id": f"{c['doc_id']}-{c['claim_id']}",
                "doc_id": c["doc_id"],
                "claim": {"start": int(c["start"]), "end": int(c["end"]), "text": c["text"]},
                "cue": {"start": int(c["cue_start"]), "end": int(c["cue_end"]), "text": c["cue_text"]}
                if has_cue
                else dict(NO_SPAN),
                "source": {
                    "start": int(c["source_start"]),
                    "end": int(c["source_end"]),
                    "text": c["source_text"],
                    "label": ids.sources[c["source_label"]],
                }
                if has_source
                else {**NO_SPAN, "label": -1},
                **{a: ids.attributes[a][c[a]] if isinstance(c[a], str) else -1 for a in attrs},
                "unattributed": bool(c["unattributed"]),
                "annotators": [pseudonym(a) for a in origin.get("annotators", [])],
                "adjudication": origin.get("rule", ""),
            }
        )
    return rows


def claims_table(
    gold: list[AnnotationRecord] | RecordColumns,
    schema: LabelSchema,
    pseudonym: Callable[[str], str],
    ids: LabelIds,
    features: Features,
    frame: pd.DataFrame | None = None,
) -> pa.Table:
    """The `claims` rows (:func:`claim_rows`) of all gold records, made column by column from the claims frame.

    ``gold``: the records, as objects or columns. ``frame``: a claims frame of records that
    include ``gold`` (validation's, which a release build has made already); its rows of the
    ``gold`` records are used, in their order.
    """
    gold = RecordSet([], gold) if isinstance(gold, RecordColumns) else RecordSet.of(gold)
    frame = claims_frame(gold, schema) if frame is None else _rows_of(frame, gold)
    attrs = [a.name for a in schema.claim_attributes if a.name != ATTRIBUTION]
    column = {name: frame[name].tolist() for name in dict.fromkeys(_claim_columns(attrs))}
    record_of = {doc_id: k for k, doc_id in enumerate(gold.field("doc_id"))}  # gold: one record per document
    origins = gold.provenance_entries([(record_of[d], c) for d, c in zip(column["doc_id"], column["claim_id"])])

    def linked(prefix: str, labels: dict[str, int] | None = None) -> pa.StructArray:
        """The cue's or source's span, or start = end = -1 (label -1) where the claim has none."""
        present = [v is not None and v == v for v in column[f"{prefix}_start"]]
        fields = {
            "start": _int32s([int(v) if ok else -1 for v, ok in zip(column[f"{prefix}_start"], present)]),
            "end": _int32s([int(v) if ok else -1 for v, ok in zip(column[f"{prefix}_end"], present)]),
            "text": _strings([v if ok else "" for v, ok in zip(column[f"{prefix}_text"], present)]),
        }
        if labels is not None:
            fields["label"] = pa.array(
                [labels[v] if ok else -1 for v, ok in zip(column[f"{prefix}_label"], present)], pa.int64()
            )
        return pa.StructArray.from_arrays(list(fields.values()), names=list(fields))

    columns = {
        "id": _strings([f"{d}-{c}" for d, c in zip(column["doc_id"], column["claim_id"])]),
        "doc_id": _strings(column["doc_id"]),
        "claim": pa.StructArray.from_arrays(
            [
                _int32s(list(map(int, column["start"]))),
                _int32s(list(map(int, column["end"]))),
                _strings(column["text"]),
            ],
            names=["start", "end", "text"],
        ),
        "cue": linked("cue"),
        "source": linked("source", ids.sources),
        **{
            a: pa.array([ids.attributes[a][v] if isinstance(v, str) else -1 for v in column[a]], pa.int64())
            for a in attrs
        },
        "unattributed": pa.array(list(map(bool, column["unattributed"])), pa.bool_()),
        "annotators": pa.array(
            [[pseudonym(a) for a in o.get("annotators", [])] for o in origins], pa.list_(pa.string())
        ),
        "adjudication": _strings([o.get("rule", "") for o in origins]),
    }
    schema_ = features.arrow_schema
    return pa.table({name: columns[name] for name in schema_.names}).cast(schema_)


def _rows_of(frame: pd.DataFrame, records: RecordSet) -> pd.DataFrame:
    """The rows of ``frame`` (a claims frame) that belong to ``records`` (by document, origin and
    record id), in the order of ``records``, as ``claims_frame(records)`` has them."""
    if not len(frame):
        return frame
    place = {key: k for k, key in enumerate(zip(*map(records.field, ("doc_id", "origin", "record_id"))))}
    owner = np.array(
        [place.get(key, -1) for key in zip(*(frame[name].tolist() for name in ("doc_id", "origin", "record_id")))],
        np.int64,
    )
    at = np.flatnonzero(owner >= 0)
    return frame.take(at[np.argsort(owner[at], kind="stable")]).reset_index(drop=True)


def annotation_row(rec: AnnotationRecord, pseudonym: Callable[[str], str], ids: LabelIds) -> dict:
    return {
        "doc_id": rec.doc_id,
        "annotator": pseudonym(rec.annotator),
        "origin": rec.origin,
        "cancelled": rec.cancelled,
        "ground_truth": rec.ground_truth,
        "lead_time": rec.lead_time,
        "spans": [
            {"id": s.id, "layer": s.layer, "start": s.start, "end": s.end, "text": s.text, "label": ids.spans[s.label]}
            for s in rec.spans
        ],
        "links": [{"from_id": lk.from_id, "to_id": lk.to_id, "label": ids.links[lk.label]} for lk in rec.links],
        "choices": [{"region_id": c.region_id, "name": c.name, "value": v} for c in rec.choices for v in c.values],
        "document_choices": [{"name": k, "value": v} for k, vs in sorted(rec.document_choices.items()) for v in vs],
    }


def claim_count(gold: list[AnnotationRecord] | RecordColumns) -> int:
    if isinstance(gold, RecordColumns):
        return pc.sum(pc.equal(gold.flat("spans").field("label"), CLAIM)).as_py() or 0
    return sum(1 for r in gold for s in r.spans if s.label == CLAIM)


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
