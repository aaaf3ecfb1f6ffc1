"""Annotation records as Arrow columns: how gold is stored, and what a release reads of it.

One row per record; its spans, links and choices are lists of structs, so all spans of all
records are six flat columns (and ``counts``) without a Python object per span. Gold is
written whole by adjudication and read by every validation and release build (2M spans at 100k
documents): parsed from JSON lines into objects it took 3.5 s, in each of a build's two
processes. Read from an Arrow IPC file (memory-mapped), the columns are there at once, and
:meth:`RecordColumns.records` builds the objects from them only for the steps that need objects.

Stored: the fields of :class:`annotation.model.AnnotationRecord`; ``document_choices`` and
``provenance`` (its stored form, see :mod:`annotation.model`) as JSON text per record.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from annotation.model import AnnotationRecord, Link, RegionChoice, Span, read_provenance, stored_provenance

SPAN_TYPE = pa.struct(
    [
        ("id", pa.string()),
        ("layer", pa.string()),
        ("label", pa.string()),
        ("start", pa.int64()),
        ("end", pa.int64()),
        ("text", pa.string()),
    ]
)
LINK_TYPE = pa.struct([("from_id", pa.string()), ("to_id", pa.string()), ("label", pa.string())])
CHOICE_TYPE = pa.struct([("region_id", pa.string()), ("name", pa.string()), ("values", pa.list_(pa.string()))])
SCHEMA = pa.schema(
    [
        ("doc_id", pa.string()),
        ("text_sha256", pa.string()),
        ("annotator", pa.string()),
        ("origin", pa.string()),
        ("record_id", pa.string()),
        ("task_id", pa.int64()),
        ("created_at", pa.string()),
        ("updated_at", pa.string()),
        ("lead_time", pa.float64()),
        ("cancelled", pa.bool_()),
        ("ground_truth", pa.bool_()),
        ("spans", pa.list_(SPAN_TYPE)),
        ("links", pa.list_(LINK_TYPE)),
        ("choices", pa.list_(CHOICE_TYPE)),
        ("document_choices", pa.string()),
        ("model_version", pa.string()),
        ("problems", pa.list_(pa.string())),
        ("provenance", pa.string()),
    ],
    metadata={b"newsdesk": b"annotation records, one row per record"},
)
_SCALARS = (
    "doc_id",
    "text_sha256",
    "annotator",
    "origin",
    "record_id",
    "task_id",
    "created_at",
    "updated_at",
    "lead_time",
    "cancelled",
    "ground_truth",
    "model_version",
)
_FEW = ("layer", "label", "name")  # fields of few distinct values


class UnstorableRecord(ValueError):
    """A record whose values do not fit the stored types (say, a span offset that is not an int)."""

    def __init__(self, rec: AnnotationRecord, reason: str):
        super().__init__(f"record {rec.origin}:{rec.record_id} of document {rec.doc_id}: {reason}")
        self.record = rec


@dataclass
class RecordColumns:
    """Records as one Arrow table of :data:`SCHEMA`; their objects made once, on demand."""

    table: pa.Table
    _records: list[AnnotationRecord] | None = field(default=None, repr=False, compare=False)
    # Rows taken from another instance: their objects are that one's, if it has made them.
    _taken_from: tuple[RecordColumns, list[int]] | None = field(default=None, repr=False, compare=False)

    # --- to and from objects -------------------------------------------------------------------------

    @classmethod
    def of(cls, records: list[AnnotationRecord]) -> RecordColumns:
        """The records as columns; :class:`UnstorableRecord` names the first that does not fit."""
        try:
            return cls(_table_of(records), list(records))
        except (pa.ArrowException, TypeError, ValueError, OverflowError):
            for rec in records:  # the fast path failed: find the record, one at a time
                try:
                    _table_of([rec])
                except (pa.ArrowException, TypeError, ValueError, OverflowError) as exc:
                    raise UnstorableRecord(rec, str(exc)) from exc
            raise

    def __len__(self) -> int:
        return self.table.num_rows

    def take(self, rows: list[int]) -> RecordColumns:
        """The records at ``rows``, in that order."""
        return RecordColumns(self.table.take(pa.array(rows, pa.int64())), _taken_from=(self, rows))

    def slice(self, start: int, stop: int) -> RecordColumns:
        """Records ``start`` to ``stop`` (no copy)."""
        stop = min(stop, len(self))
        return RecordColumns(self.table.slice(start, stop - start), _taken_from=(self, range(start, stop)))

    def column(self, name: str) -> list:
        return self.table.column(name).to_pylist()

    def values(self, name: str) -> tuple[list[int], dict[str, list]]:
        """Spans, links or choices per record, and each of their fields over all records as one
        list of Python values (a choice's values as a tuple). Not kept: the caller keeps them as
        long as it needs them (gold's 2M spans are half a gigabyte of Python values)."""
        flat = self.flat(name)
        fields = {key: _pylist(flat.field(key), few=key in _FEW) for key in flat.type.names}
        if name == "choices":
            fields["values"] = list(map(tuple, fields["values"]))
        return self.counts(name), fields

    def counts(self, name: str) -> list[int]:
        """Spans, links or choices per record."""
        return pc.list_value_length(self.table.column(name)).to_numpy(zero_copy_only=False).tolist()

    def provenance(self) -> list[dict]:
        """Each record's provenance, read from the columns."""
        return [read_provenance(orjson.loads(v)) if v else {} for v in self.column("provenance")]

    def provenance_entries(self, wanted: list[tuple[int, str]]) -> list[dict]:
        """The provenance entry of each (record, key) in ``wanted`` ({} where there is none), found in
        the stored form without making each record's dict (a release looks up one entry per claim)."""
        stored = self.column("provenance")
        parsed: dict[int, object] = {}
        out = []
        for k, key in wanted:
            if k not in parsed:
                parsed[k] = orjson.loads(stored[k]) if stored[k] else {}
            value = parsed[k]
            if isinstance(value, list):  # [keys, values, value_of_key]: see annotation.model
                keys, values, value_of = value
                try:
                    out.append(values[value_of[keys.index(key)]])
                except ValueError:
                    out.append({})
            else:
                out.append(value.get(key, {}))
        return out

    def records(self) -> list[AnnotationRecord]:
        """The records as objects (made once; they are never changed in place)."""
        if self._records is None:
            source = self._taken_from
            if source is not None and source[0]._records is not None:
                made = source[0]._records
                self._records = [made[k] for k in source[1]]
            else:
                self._records = self._make_records()
        return self._records

    def flat(self, name: str) -> pa.StructArray:
        """The spans, links or choices of all records, one after the other (see :meth:`counts`)."""
        column = self.table.column(name)
        values = [chunk.flatten() for chunk in column.chunks]  # flatten() respects each chunk's offsets
        if len(values) == 1:
            return values[0]
        return pa.concat_arrays(values) if values else pa.array([], column.type.value_type)

    def _make_records(self) -> list[AnnotationRecord]:
        n = len(self)
        counts, fields = self.values("spans")
        spans = _split(list(map(Span._make, zip(*fields.values()))), counts)
        counts, fields = self.values("links")
        links = _split(list(map(Link._make, zip(*fields.values()))), counts)
        counts, fields = self.values("choices")
        choices = _split(list(map(RegionChoice._make, zip(*fields.values()))), counts)
        scalars = {name: self.column(name) for name in _SCALARS}
        document_choices = [orjson.loads(v) if v else {} for v in self.column("document_choices")]
        problems = self.column("problems")
        provenance = self.provenance()
        names = list(scalars)
        out = []
        for k, values in enumerate(zip(*scalars.values())) if n else ():
            rec = AnnotationRecord(
                **dict(zip(names, values)),
                spans=spans[k],
                links=links[k],
                choices=choices[k],
                document_choices=document_choices[k],
                problems=problems[k] or [],
                provenance=provenance[k],
            )
            out.append(rec)
        return out

    # --- the file --------------------------------------------------------------------------------------

    @classmethod
    def read(cls, path: Path) -> RecordColumns:
        """The records of an Arrow IPC file :meth:`write` wrote; memory-mapped, so reading costs no copy."""
        with pa.memory_map(str(path)) as source:
            table = pa.ipc.open_file(source).read_all()
        return cls(table)

    def write(self, path: Path) -> None:
        """An Arrow IPC file, written beside ``path`` and renamed into place: readers never see half a file."""
        with RecordFile(path) as out:
            out.write(self.table)


class RecordFile:
    """An Arrow IPC file of records written in parts (``write`` a table or a list of records at a
    time), beside its path and renamed into place on leaving the ``with`` block without an error."""

    def __init__(self, path: Path):
        self.path = path

    def __enter__(self) -> RecordFile:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, self._tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
        os.close(fd)
        self._sink = pa.OSFile(self._tmp, "wb")
        self._writer = pa.ipc.new_file(self._sink, SCHEMA)
        return self

    def write(self, part: pa.Table | list[AnnotationRecord]) -> None:
        self._writer.write_table(part if isinstance(part, pa.Table) else RecordColumns.of(part).table)

    def __exit__(self, kind, error, trace) -> None:
        try:
            self._writer.close()
            self._sink.close()
            if kind is None:
                with open(self._tmp, "rb+") as fh:
                    os.fsync(fh.fileno())
                os.replace(self._tmp, self.path)
        finally:
            Path(self._tmp).unlink(missing_ok=True)


def _pylist(array: pa.Array, few: bool = False) -> list:
    """The values as Python objects. ``few``: a column of few distinct strings (layers, labels),
    whose values then share one object per distinct value (faster, and less memory)."""
    if few and len(array) > 1000:
        encoded = pc.dictionary_encode(array)
        if len(encoded.dictionary) * 20 < len(array) and not encoded.null_count:
            words = encoded.dictionary.to_pylist()
            return list(map(words.__getitem__, encoded.indices.to_numpy(zero_copy_only=False).tolist()))
    return array.to_pylist()


def transposed(rows: list[tuple], width: int) -> list[list]:
    """Field ``k`` of every row, one list per field: what ``zip(*rows)`` gives, without its iterator
    per row. Over 2M spans those are 2M tracked objects alive at once, enough to set off full
    collections of the whole heap (5 of validate_data's 11.6 s at 100k documents)."""
    return [list(map(itemgetter(k), rows)) for k in range(width)]


def _split(items: list, counts: list[int]) -> list[list]:
    """``items`` cut into consecutive lists of ``counts[k]`` items."""
    out, start = [], 0
    for n in counts:
        out.append(items[start : start + n])
        start += n
    return out


def _table_of(records: list[AnnotationRecord]) -> pa.Table:
    columns = {name: pa.array([getattr(r, name) for r in records], SCHEMA.field(name).type) for name in _SCALARS}
    spans = [s for r in records for s in r.spans]
    span_fields = transposed(spans, len(Span._fields))
    columns["spans"] = _lists(
        [len(r.spans) for r in records],
        pa.StructArray.from_arrays(
            [pa.array(values, f.type) for values, f in zip(span_fields, SPAN_TYPE)], fields=list(SPAN_TYPE)
        ),
    )
    links = [lk for r in records for lk in r.links]
    link_fields = transposed(links, len(Link._fields))
    columns["links"] = _lists(
        [len(r.links) for r in records],
        pa.StructArray.from_arrays(
            [pa.array(values, f.type) for values, f in zip(link_fields, LINK_TYPE)], fields=list(LINK_TYPE)
        ),
    )
    choices = [c for r in records for c in r.choices]
    columns["choices"] = _lists(
        [len(r.choices) for r in records],
        pa.StructArray.from_arrays(
            [
                pa.array([c.region_id for c in choices], pa.string()),
                pa.array([c.name for c in choices], pa.string()),
                pa.array([list(c.values) for c in choices], pa.list_(pa.string())),
            ],
            fields=list(CHOICE_TYPE),
        ),
    )
    columns["document_choices"] = pa.array([_json(r.document_choices) for r in records], pa.string())
    columns["problems"] = pa.array([list(r.problems) for r in records], pa.list_(pa.string()))
    columns["provenance"] = pa.array(
        [_json(stored_provenance(r.provenance)) if r.provenance else None for r in records], pa.string()
    )
    return pa.table(columns, schema=SCHEMA)


def _json(value) -> str | None:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode() if value else None


def _lists(counts: list[int], values: pa.Array) -> pa.ListArray:
    offsets = np.zeros(len(counts) + 1, np.int32)
    np.cumsum(counts, out=offsets[1:])
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), values)
