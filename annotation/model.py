"""Annotation records: one annotator's work on one document, as every later stage reads it.

A record holds spans (entity or claim layer), links between them (claim -> source, claim ->
cue), per-region choices (claim attributes) and document-level choices. Offsets follow the
project convention (Python ``str`` indices into the document's clean text, end-exclusive)
and the record carries the ``text_sha256`` of the text it was made on, so stale annotations
are detected rather than misread. Serialised once, by ``to_record`` / ``from_record``.

A gold record's provenance (where each of its spans, links and choices came from) is stored
with each distinct value once: ``[keys, values, value_of_key]``. Its twenty-odd entries share
two or three values, and written out entry by entry they were half of gold's JSON lines and of
the time to read them (gold is now stored as columns: :mod:`annotation.columns`). Read back, the entries that share a value share one dict: entries are
replaced, never changed in place. The older form, one dict per entry, still reads.

Spans, links and choices are named tuples: immutable and hashable like the frozen dataclasses
they were, and built from their stored lists twice as fast (a release build reads 2M gold spans
at 100k documents, in each of its two processes: 5.1 -> 3.4 s). Change one with ``_replace``.
"""

from __future__ import annotations

from copy import deepcopy
from dataclasses import asdict, dataclass, field, fields
from typing import NamedTuple

import orjson


class Origin:
    """Where a record came from: the one list every stage reads (schemas, agreement, adjudication)."""

    LABEL_STUDIO = "labelstudio"  # pulled from the workspace's Label Studio project
    LABEL_STUDIO_FILE = "labelstudio-file"  # imported from a Label Studio export made elsewhere
    REVIEW = "labelstudio-review"  # pulled from the review project of adjudication conflicts
    CONLL = "conll"
    BRAT = "brat"
    GOLD = "gold"  # made by adjudication
    PREDICTION = "prediction"  # made by a predictor

    ALL = (LABEL_STUDIO, LABEL_STUDIO_FILE, REVIEW, CONLL, BRAT, GOLD, PREDICTION)
    # Records that are not one person's annotation: they neither vote in adjudication nor count
    # as an annotator in agreement.
    NOT_AN_ANNOTATOR = (PREDICTION, GOLD, REVIEW)


class Span(NamedTuple):
    id: str
    layer: str  # "entities" | "claims"
    label: str
    start: int
    end: int
    text: str


class Link(NamedTuple):
    from_id: str
    to_id: str
    label: str  # "source" | "cue"


class RegionChoice(NamedTuple):
    """A choice made on one region, e.g. a claim's ``claim_type``."""

    region_id: str
    name: str
    values: tuple[str, ...]


@dataclass(slots=True)
class AnnotationRecord:
    doc_id: str
    text_sha256: str
    annotator: str  # the annotator's account (e-mail) in the workspace; pseudonymised in releases
    origin: str  # one of Origin.ALL
    record_id: str  # unique within origin, e.g. the Label Studio annotation id
    task_id: int | None = None
    created_at: str | None = None
    updated_at: str | None = None
    lead_time: float | None = None
    cancelled: bool = False
    ground_truth: bool = False
    spans: list[Span] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    choices: list[RegionChoice] = field(default_factory=list)
    document_choices: dict[str, list[str]] = field(default_factory=dict)
    model_version: str | None = None  # for predictions
    problems: list[str] = field(default_factory=list)  # what conversion repaired or could not place
    # For gold records made by adjudication: where each span / link / choice came from,
    # keyed by span id, "from_id->to_id:label" or "region_id:name": {"annotators": [...], "rule": ...}.
    provenance: dict[str, dict] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str]:
        return self.origin, self.record_id

    def to_record(self) -> dict:
        # Field by field: dataclasses.asdict would first copy every span into a dict that is then
        # thrown away, which made writing a pull's records slower than converting them.
        rec = {name: getattr(self, name) for name in _FIELD_NAMES}
        rec["spans"] = [[s.id, s.layer, s.label, s.start, s.end, s.text] for s in self.spans]
        rec["links"] = [[lk.from_id, lk.to_id, lk.label] for lk in self.links]
        rec["choices"] = [[c.region_id, c.name, list(c.values)] for c in self.choices]
        rec["document_choices"] = deepcopy(self.document_choices) if self.document_choices else {}
        rec["problems"] = list(self.problems)
        rec["provenance"] = stored_provenance(self.provenance) if self.provenance else {}
        return rec

    @classmethod
    def from_record(cls, rec: dict) -> AnnotationRecord:
        rec = dict(rec)
        rec["spans"] = list(map(Span._make, rec["spans"]))
        rec["links"] = list(map(Link._make, rec["links"]))
        rec["choices"] = [RegionChoice(c[0], c[1], tuple(c[2])) for c in rec["choices"]]
        rec["provenance"] = read_provenance(rec.get("provenance") or {})
        return cls(**rec)

    def export_record(self) -> dict:
        """The self-describing view `newsdesk annotate export` writes."""
        rec = asdict(self)
        rec["spans"] = [s._asdict() for s in self.spans]
        rec["links"] = [lk._asdict() for lk in self.links]
        rec["choices"] = [{"region_id": c.region_id, "name": c.name, "values": list(c.values)} for c in self.choices]
        return rec


_FIELD_NAMES = tuple(f.name for f in fields(AnnotationRecord))


def read_provenance(stored: list | dict) -> dict[str, dict]:
    """Provenance as stored (``[keys, values, value_of_key]``, or the older dict) as a dict."""
    if isinstance(stored, list):  # [keys, values, value_of_key]: see the module docstring
        keys, values, value_of = stored
        return dict(zip(keys, map(values.__getitem__, value_of)))
    return stored


def stored_provenance(provenance: dict[str, dict]) -> list:
    """``[keys, values, value_of_key]``: the keys in order, each distinct value once (copied)."""
    values: list[dict] = []
    place: dict[bytes, int] = {}
    value_of: list[int] = []
    for value in provenance.values():
        token = orjson.dumps(
            value, default=repr, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY
        )  # only a key for grouping equal values
        if token not in place:
            place[token] = len(values)
            values.append(deepcopy(value))
        value_of.append(place[token])
    return [list(provenance), values, value_of]


def recency(record: AnnotationRecord) -> tuple:
    """The order of one person's versions of a document, oldest first: by time, and for records
    without one (imported files), by record id."""
    return (record.updated_at or record.created_at or "", record.created_at or "", record.record_id)
