"""The tables a release is made from, as pandas DataFrames built from documents and records.

One row per document, per annotation record, per span, per claim (with its attributes and
source), per link. Validation checks these frames; releases write them. Column names are
defined here once.

Frames are built column by column, not row by row (100k documents make 2M span rows): a
record's fields are converted once per record and repeated on its rows, and columns of plain
strings or integers go straight to their pandas arrays. Every column gets the dtype and values
pandas infers from the column's Python values, as when the frames were built from row dicts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import chain
from operator import attrgetter

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa

from annotation.columns import RecordColumns, transposed
from annotation.model import AnnotationRecord, Link, RegionChoice, Span
from annotation.schema import ATTRIBUTION, CLAIM, LINK_CUE, LINK_SOURCE, UNATTRIBUTED, LabelSchema
from corpus.model import Document

DOCUMENT_COLUMNS = [
    "id",
    "title",
    "text_length",
    "text_sha256",
    "raw_sha256",
    "language",
    "published",
    "flags",
    "duplicate_of",
    "cluster",
]
RECORD_COLUMNS = [
    "doc_id",
    "origin",
    "record_id",
    "task_id",
    "annotator",
    "text_sha256",
    "cancelled",
    "ground_truth",
    "spans",
    "links",
    "created_at",
    "updated_at",
    "lead_time",
]
# Who made a span, link or claim: the record's fields repeated on each of its rows.
RECORD_KEY_COLUMNS = ["doc_id", "origin", "record_id", "annotator", "task_id"]
SPAN_COLUMNS = [*RECORD_KEY_COLUMNS, "span_id", "layer", "label", "start", "end", "text"]
LINK_COLUMNS = [*RECORD_KEY_COLUMNS, "from_id", "to_id", "label"]
# A claim with its cue and source, as the claims frame and the release's `claims` rows have it.
CLAIM_FIELDS = [
    "claim_id",
    "start",
    "end",
    "text",
    "cue_start",
    "cue_end",
    "cue_text",
    "source_start",
    "source_end",
    "source_text",
    "source_label",
]
CLAIM_SPAN_COLUMNS = [*RECORD_KEY_COLUMNS, *CLAIM_FIELDS]


def _frame(columns: dict[str, object], order: list[str], rows: int) -> pd.DataFrame:
    if not rows:
        # Empty lists would infer float64; an empty table keeps the object columns it always had.
        return pd.DataFrame.from_records([], columns=order)
    return pd.DataFrame(columns, columns=order, copy=False)  # the arrays were made for this frame


def _column(values: list, tail: pa.Array | None = None):
    """``values`` as pandas infers them, converted by pyarrow when all are str, int or bool (or str
    and None, or int and None: pandas' missing value then); anything else is left to pandas.

    ``tail``: the last values as Arrow has them already (gold's columns), used as they are when
    the others infer the same type (or none), since all of them then infer that type.
    """
    if tail is not None and len(tail):
        head = values[: len(values) - len(tail)]
        try:
            array = pa.array(head)
        except (pa.ArrowException, OverflowError, TypeError, ValueError):
            return _column(values)
        if pa.types.is_null(array.type) or array.type == tail.type:
            joined = pa.concat_arrays([array.cast(tail.type), tail])
            if joined.null_count < len(joined):  # all missing would infer no type: as pandas does
                return _converted(values, joined)
        return _column(values)
    try:
        array = pa.array(values)
    except (pa.ArrowException, OverflowError, TypeError, ValueError):
        return values
    return _converted(values, array)


def _converted(values: list | None, array: pa.Array):
    """``values`` as pandas infers them, given as ``array`` (see :func:`_column`); ``array`` is
    all there is of them where ``values`` is None (it is then a string or int64 array)."""
    if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
        dtype = pd.Series(["x"]).dtype  # the string dtype pandas infers here
        if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
            return pd.Series(dtype.construct_array_type()._from_sequence(array, dtype=dtype))
    elif pa.types.is_int64(array.type):
        # Without None, int64; with None, float64 and NaN, as pandas infers them.
        return array.to_numpy(zero_copy_only=False, writable=True)
    elif pa.types.is_boolean(array.type) and not array.null_count:
        return array.to_numpy(zero_copy_only=False, writable=True)
    return values


class RecordSet:
    """The records validation checks, in order: people's as objects, then gold as columns.

    Frames and checks read each record's fields, and the spans, links and choices of all records
    as flat lists, from here: gold's 2M spans (at 100k documents) then never become objects.
    :meth:`record` makes the object of one record, for the checks that need one.
    """

    def __init__(self, objects: Iterable[AnnotationRecord], columns: RecordColumns | None = None):
        self.objects = list(objects)
        self.columns = columns if columns is not None and len(columns) else None
        self._values: dict[str, object] = {}

    @classmethod
    def of(cls, records: Iterable[AnnotationRecord] | RecordSet) -> RecordSet:
        return records if isinstance(records, RecordSet) else cls(records)

    def __len__(self) -> int:
        return len(self.objects) + (len(self.columns) if self.columns is not None else 0)

    def field(self, name: str) -> list:
        """A field of every record (one of the stored scalars, such as ``doc_id`` or ``updated_at``),
        read once: the list is shared, not to be changed."""
        key = f"field {name}"
        if key not in self._values:
            values = list(map(attrgetter(name), self.objects))
            self._values[key] = values + self.columns.column(name) if self.columns is not None else values
        return self._values[key]

    def counts(self, name: str) -> list[int]:
        """Spans, links or choices per record."""
        values = [len(getattr(r, name)) for r in self.objects]
        return values + self.columns.counts(name) if self.columns is not None else values

    def span_values(self) -> SpanValues:
        if "spans" not in self._values:
            values = SpanValues.of(self.objects)
            if self.columns is not None:
                counts, gold = self.columns.values("spans")
                values = SpanValues(
                    values.counts + counts,
                    *(getattr(values, name) + gold[key] for name, key in zip(SpanValues.FIELDS.values(), Span._fields)),
                    tail=self.columns.flat("spans"),
                )
            self._values["spans"] = values
        return self._values["spans"]

    def links(self) -> tuple[list[int], list, list, list]:
        """Links per record, and every link's from_id, to_id and label."""
        return self._flat("links", Link._fields)

    def choices(self) -> tuple[list[int], list, list, list]:
        """Region choices per record, and every choice's region_id, name and values (a tuple)."""
        return self._flat("choices", RegionChoice._fields)

    def _flat(self, name: str, fields: tuple[str, ...]) -> tuple:
        if name not in self._values:
            items = list(chain.from_iterable(getattr(r, name) for r in self.objects))
            columns = transposed(items, len(fields))
            counts = [len(getattr(r, name)) for r in self.objects]
            if self.columns is not None:
                more, values = self.columns.values(name)
                counts += more
                columns = [mine + values[key] for mine, key in zip(columns, fields)]
            self._values[name] = (counts, *columns)
        return self._values[name]

    def regions(self) -> tuple[list[dict], list[dict], list[bool]]:
        """Per record: the position (among all spans) of each span id, the last one of an id
        winning; its choices by region and name, the last one winning; and whether an id, or a
        name on one region, repeats. Made once, for the integrity checks and the claims frame."""
        if "regions" not in self._values:
            values = self.span_values()
            ids = values.ids
            choice_counts, regions, names, chosen = self.choices()
            span_at, choices, repeats = [], [], []
            s = c = 0
            for n_spans, n_choices in zip(values.counts, choice_counts):
                where: dict = {}
                mine: dict = {}
                try:
                    where.update(zip(ids[s : s + n_spans], range(s, s + n_spans)))
                    repeated = len(where) < n_spans
                    for region, name, picked in zip(
                        regions[c : c + n_choices], names[c : c + n_choices], chosen[c : c + n_choices]
                    ):
                        by_name = mine.setdefault(region, {})
                        repeated = repeated or name in by_name
                        by_name[name] = picked
                except TypeError:  # an unhashable id or name: the integrity checks report the record in full
                    repeated = True
                span_at.append(where)
                choices.append(mine)
                repeats.append(repeated)
                s, c = s + n_spans, c + n_choices
            self._values["regions"] = (span_at, choices, repeats)
        return self._values["regions"]

    def document_choices(self) -> list[dict]:
        values = [r.document_choices for r in self.objects]
        if self.columns is not None:
            values += [orjson.loads(v) if v else {} for v in self.columns.column("document_choices")]
        return values

    def provenance_entries(self, wanted: list[tuple[int, str]]) -> list[dict]:
        """The provenance entry (adjudication's) of each (record, key) in ``wanted``, {} where there is none."""
        mine = len(self.objects)
        out = [self.objects[k].provenance.get(key, {}) if k < mine else None for k, key in wanted]
        if self.columns is not None:
            theirs = [(at, (k - mine, key)) for at, (k, key) in enumerate(wanted) if k >= mine]
            for (at, _), entry in zip(theirs, self.columns.provenance_entries([w for _, w in theirs])):
                out[at] = entry
        return out

    def record(self, k: int) -> AnnotationRecord:
        """Record k as an object (gold's made for the asking)."""
        if k < len(self.objects):
            return self.objects[k]
        k -= len(self.objects)
        return self.columns.slice(k, k + 1).records()[0]


def _record_keys(records: RecordSet, counts: list[int]) -> dict[str, object]:
    """The record columns of a table with ``counts[i]`` rows for record i."""
    rows = np.repeat(np.arange(sum(1 for n in counts if n)), [n for n in counts if n])
    out: dict[str, object] = {}
    for name in RECORD_KEY_COLUMNS:
        # A record without rows adds no value to infer from.
        column = _column([value for value, n in zip(records.field(name), counts) if n])
        if isinstance(column, np.ndarray):
            out[name] = column[rows]
        else:
            out[name] = pd.Series(column).take(rows).reset_index(drop=True)
    return out


def documents_frame(docs: Iterable[Document]) -> pd.DataFrame:
    docs = list(docs)
    columns = {
        name: _column(list(map(attrgetter(name), docs)))
        for name in DOCUMENT_COLUMNS
        if name not in ("text_length", "flags")
    }
    columns["text_length"] = _column([len(d.text) for d in docs])
    columns["flags"] = _column([len(d.flags) for d in docs])
    return _frame(columns, DOCUMENT_COLUMNS, len(docs))


def records_frame(records: Iterable[AnnotationRecord] | RecordSet) -> pd.DataFrame:
    records = RecordSet.of(records)
    columns = {name: _column(records.field(name)) for name in RECORD_COLUMNS if name not in ("spans", "links")}
    columns["spans"] = _column(records.counts("spans"))
    columns["links"] = _column(records.counts("links"))
    return _frame(columns, RECORD_COLUMNS, len(records))


@dataclass
class SpanValues:
    """Every span's fields as one list per field, in record order; ``counts``: spans per record.

    Read once and shared: the spans frame is made of them, and the integrity checks screen them.
    """

    counts: list[int]
    ids: list
    layers: list
    labels: list
    starts: list
    ends: list
    texts: list
    tail: pa.StructArray | None = field(default=None, repr=False, compare=False)  # the last spans, as Arrow has them
    _columns: dict[str, object] = field(default_factory=dict, repr=False, compare=False)

    FIELDS = {"span_id": "ids", "layer": "layers", "label": "labels", "start": "starts", "end": "ends", "text": "texts"}

    @classmethod
    def of(cls, records: list[AnnotationRecord]) -> SpanValues:
        spans = list(chain.from_iterable(r.spans for r in records))
        return cls([len(r.spans) for r in records], *transposed(spans, len(Span._fields)))  # spans are named tuples

    def column(self, name: str):
        """The frame's column ``name`` (see :func:`_column`), converted once."""
        if name not in self._columns:
            tail = self.tail.field(_TAIL_FIELDS[name]) if self.tail is not None else None
            self._columns[name] = _column(getattr(self, self.FIELDS[name]), tail)
        return self._columns[name]

    def all_str(self, name: str) -> bool:
        """Whether every value of column ``name`` is a str (the tail's: a string column without nulls)."""
        raw = getattr(self, self.FIELDS[name])
        if self.tail is None:
            return set(map(type, raw)) <= {str}
        tail = self.tail.field(_TAIL_FIELDS[name])
        return (
            pa.types.is_string(tail.type)
            and not tail.null_count
            and set(map(type, raw[: len(raw) - len(tail)])) <= {str}
        )

    def converted(self, name: str):
        """Column ``name`` if :meth:`column` has converted it already, else None (nothing is converted)."""
        return self._columns.get(name)

    def part(self, name: str, at: np.ndarray):
        """Column ``name`` at positions ``at``, as :meth:`column` would give them.

        A column not converted yet whose values are all str, or all int, infers the same type
        for any part of it, so only the part is converted (the release's claims are a tenth of
        the gold spans). Any other column is converted whole: a part may infer otherwise.
        """
        raw = getattr(self, self.FIELDS[name])
        if name not in self._columns and set(map(type, raw)) in ({str}, {int}):
            return _column([raw[i] for i in at.tolist()])
        column = self.column(name)
        if isinstance(column, pd.Series) and not column.hasnans:
            return column.take(at).reset_index(drop=True)
        if isinstance(column, np.ndarray) and column.dtype in (np.int64, np.bool_):
            return column[at]
        return _column([raw[i] for i in at.tolist()])  # a column with gaps: its part may infer otherwise

    def linked(self, name: str, spans_at: list[int]):
        """Column ``name`` at positions ``spans_at``, -1 for none (missing), as :func:`_column` would
        convert ``[values[i] if i >= 0 else None ...]``: taken from the converted column when it is
        strings or int64, else made of the values."""
        column = self.column(name)
        if (
            isinstance(column, pd.Series)
            and isinstance(column.dtype, pd.StringDtype)
            and column.dtype.storage == "pyarrow"
            or isinstance(column, np.ndarray)
            and column.dtype == np.int64
        ):
            at = np.asarray(spans_at, np.int64)
            taken = pa.array(column.array if isinstance(column, pd.Series) else column).take(pa.array(at, mask=at < 0))
            if taken.null_count < len(taken):  # all missing would infer no type
                return _converted(None, taken)
        raw = getattr(self, self.FIELDS[name])
        return _column([raw[i] if i >= 0 else None for i in spans_at])

    def offsets(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Starts and ends as int64 arrays; None unless every offset is an int."""
        start, end = self.column("start"), self.column("end")
        if isinstance(start, np.ndarray) and isinstance(end, np.ndarray) and start.dtype == end.dtype == np.int64:
            return start, end
        return None


_TAIL_FIELDS = dict(zip(SpanValues.FIELDS, Span._fields))  # frame column -> stored field (span_id -> id)


def spans_frame(records: Iterable[AnnotationRecord] | RecordSet, values: SpanValues | None = None) -> pd.DataFrame:
    """``values``: the records' :class:`SpanValues`, when the caller has them already."""
    records = RecordSet.of(records)
    values = values or records.span_values()
    if not values.ids:
        return pd.DataFrame.from_records([], columns=SPAN_COLUMNS).astype({"start": "int64", "end": "int64"})
    columns = _record_keys(records, values.counts)
    for name in SpanValues.FIELDS:
        columns[name] = values.column(name)
    return _frame(columns, SPAN_COLUMNS, len(values.ids)).astype({"start": "int64", "end": "int64"})


def links_frame(records: Iterable[AnnotationRecord] | RecordSet) -> pd.DataFrame:
    records = RecordSet.of(records)
    counts, *fields = records.links()
    columns = _record_keys(records, counts)
    for name, values in zip(("from_id", "to_id", "label"), fields):
        columns[name] = _column(values)
    return _frame(columns, LINK_COLUMNS, len(fields[0]))


def claims_frame(
    records: Iterable[AnnotationRecord] | RecordSet, schema: LabelSchema, values: SpanValues | None = None
) -> pd.DataFrame:
    """One row per CLAIM span: its text, cue and source (when linked) and one column per attribute.

    ``values``: the records' :class:`SpanValues`, when the caller has them already.
    """
    attr_names = list(dict.fromkeys(a.name for a in schema.claim_attributes))
    # As in a row dict filled in this order, an attribute named like a span column replaces it,
    # and the "unattributed" flag replaces an attribute of that name; the column keeps its place.
    order = list(dict.fromkeys([*CLAIM_SPAN_COLUMNS, *attr_names, "unattributed"]))
    span_columns = [name for name in CLAIM_SPAN_COLUMNS if name not in attr_names and name != "unattributed"]
    attr_columns = [name for name in attr_names if name != "unattributed"]
    records = RecordSet.of(records)
    values = values or records.span_values()
    labels = values.converted("label")  # not converted for this alone: the raw labels serve
    if isinstance(labels, pd.Series):
        is_claim = (labels == CLAIM).to_numpy(dtype=bool, na_value=False)
    else:
        is_claim = np.array([bool(label == CLAIM) for label in values.labels], dtype=bool)
    at = np.flatnonzero(is_claim)  # each claim's position among all spans
    if not at.size:
        return _frame({}, order, 0)
    stops = np.cumsum(values.counts)  # record k's spans end there
    counts = np.bincount(np.searchsorted(stops, at, side="right"), minlength=len(records)).tolist()
    at_list, ids = at.tolist(), values.ids
    cue_at, source_at = [], []  # each claim's cue and source: a position among all spans, -1 for none
    attr_values: dict[str, list] = {name: [] for name in attr_columns}
    unattributed: list[bool] = []
    link_counts, from_ids, to_ids, link_labels = records.links()
    link_stops = np.cumsum(link_counts).tolist()
    span_at, choices_of, _ = records.regions()
    first = 0
    for k, n in enumerate(counts):
        if not n:
            continue
        where, choices = span_at[k], choices_of[k]  # a span id's position, the last one winning
        targets: dict[tuple[str, str], str] = {}
        l_stop = link_stops[k]
        l_start = l_stop - link_counts[k]
        for from_id, to_id, label in zip(from_ids[l_start:l_stop], to_ids[l_start:l_stop], link_labels[l_start:l_stop]):
            targets.setdefault((from_id, label), to_id)
        for i in at_list[first : first + n]:
            claim_id = ids[i]
            cue_at.append(where.get(targets.get((claim_id, LINK_CUE), ""), -1))
            source_at.append(where.get(targets.get((claim_id, LINK_SOURCE), ""), -1))
            mine = choices.get(claim_id, {})
            for name, column in attr_values.items():
                column.append(_first(mine.get(name, ())))
            unattributed.append(UNATTRIBUTED in mine.get(ATTRIBUTION, ()))
        first += n

    columns_by_name = {
        **_record_keys(records, counts),
        "claim_id": values.part("span_id", at),
        "start": values.part("start", at),
        "end": values.part("end", at),
        "text": values.part("text", at),
        "cue_start": values.linked("start", cue_at),
        "cue_end": values.linked("end", cue_at),
        "cue_text": values.linked("text", cue_at),
        "source_start": values.linked("start", source_at),
        "source_end": values.linked("end", source_at),
        "source_text": values.linked("text", source_at),
        "source_label": values.linked("label", source_at),
    }
    columns = {name: columns_by_name[name] for name in span_columns}
    for name in attr_columns:
        columns[name] = _column(attr_values[name])
    columns["unattributed"] = _column(unattributed)
    return _frame(columns, order, len(at_list))


def _first(values: tuple):
    return values[0] if values else None
