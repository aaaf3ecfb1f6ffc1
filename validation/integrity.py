"""Integrity checks beyond column types: spans against the text, layers, links, claims.

Each check yields :class:`Finding` s with a stable code from the catalogue
(``corpus.errors.Errors.V2xx``), the document / task / annotator it concerns and, where a
safe fix exists (trim whitespace, repair offsets the text proves), the fixed span.

:func:`check_records` runs the same checks over many records: the span and layer checks (some
20 spans a record) are screened for all records at once and run span by span only on the
records the screen flags; a record the screen passes has no V201-V205 finding.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, count, repeat
from operator import attrgetter

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from annotation.convert import SpanLocator
from annotation.model import AnnotationRecord, Origin, Span
from annotation.schema import ATTRIBUTION, CLAIM, CUE, LINK_CUE, LINK_SOURCE, UNATTRIBUTED, Attribute, LabelSchema
from corpus.errors import ErrorCode, Errors
from corpus.model import Document
from validation.tables import RecordSet, SpanValues

_ID = attrgetter("id")


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str  # "error" | "warning"
    message: str
    hint: str
    doc_id: str | None = None
    task_id: int | None = None
    annotator: str | None = None
    record: str | None = None  # "origin:record_id"
    fix: Span | None = None  # the corrected span, for --fix (same id)
    origin: str | None = None  # the record's origin: "gold" for adjudicated gold
    where: str | None = None  # for a finding about no one record: what it is about ("label PERSON (entities)")

    def to_record(self) -> dict:
        rec = {
            k: getattr(self, k)
            for k in (
                "code",
                "severity",
                "message",
                "hint",
                "doc_id",
                "task_id",
                "annotator",
                "origin",
                "record",
                "where",
            )
        }
        rec["fixable"] = self.fix is not None
        return rec


GOLD = Origin.GOLD  # the origin of adjudicated records
GOLD_HINT = (
    "gold is derived: fix the annotations it was made of, or settle the conflicts listed by "
    "`newsdesk adjudicate` (--push-review), then run `newsdesk adjudicate` again"
)


def finding(
    error: ErrorCode,
    message: str,
    rec: AnnotationRecord | None = None,
    *,
    doc_id: str | None = None,
    severity: str = "error",
    fix: Span | None = None,
    where: str | None = None,
) -> Finding:
    gold = rec is not None and rec.origin == GOLD
    return Finding(
        error.code,
        severity,
        f"gold: {message}" if gold else message,
        GOLD_HINT if gold else error.hint,
        doc_id=rec.doc_id if rec else doc_id,
        task_id=rec.task_id if rec else None,
        annotator=rec.annotator if rec else None,
        record=f"{rec.origin}:{rec.record_id}" if rec else None,
        fix=fix,
        origin=rec.origin if rec else None,
        where=where,
    )


class _Rules:
    """What the link and claim checks read from the label schema, looked up once, not per record."""

    def __init__(self, schema: LabelSchema):
        self.schema = schema
        self.allowed_sources = set(schema.allowed_source_labels)
        self.sorted_sources = sorted(self.allowed_sources)
        self.attributes: dict[str, Attribute] = {a.name: a for a in schema.claim_attributes}
        self.required = [a.name for a in schema.required_attributes]
        self.known: set[tuple] = set()  # (name, values) of choices seen to hold only known values

    def unknown(self, name: str, values: tuple) -> list:
        """The values of a choice ``name`` that the schema does not know."""
        attr = self.attributes.get(name)
        unknown = [v for v in values if attr is None or v not in attr.values]
        if not unknown:
            try:
                self.known.add((name, values))
            except TypeError:  # unhashable
                pass
        return unknown


def check_record(rec: AnnotationRecord, doc: Document | None, schema: LabelSchema) -> list[Finding]:
    return _check_record(rec, doc, _Rules(schema), spans_clean=False)


def check_without_text(rec: AnnotationRecord, schema: LabelSchema) -> list[Finding]:
    """The checks that need no text: layers, links and claims (no V201-V204, V211, V214)."""
    rules = _Rules(schema)
    return _check_layers(rec, schema) + _check_links(rec, rules) + _check_claims(rec, rules)


def check_records(
    records: Sequence[AnnotationRecord] | RecordSet,
    docs: Mapping[str, Document],
    schema: LabelSchema,
    values: SpanValues | None = None,
) -> list[Finding]:
    """:func:`check_record` for each record, in order (``docs``: the corpus by document id;
    ``values``: the records' :class:`~validation.tables.SpanValues`, when the caller has them).

    Screens find the records that may have a finding, for all records at once; only those are
    checked one by one (as objects: gold's are made for them alone). Every other record has none.
    """
    records = RecordSet.of(records)
    rules = _Rules(schema)
    values = values or records.span_values()
    span_suspects = _span_suspects(records, docs, values)
    suspects = span_suspects | _document_suspects(records, docs) | _link_and_claim_suspects(records, values, rules)
    found: list[Finding] = []
    for k in sorted(suspects):
        rec = records.record(k)
        found += _check_record(rec, docs.get(rec.doc_id), rules, spans_clean=k not in span_suspects)
    return found


def _check_record(rec: AnnotationRecord, doc: Document | None, rules: _Rules, spans_clean: bool) -> list[Finding]:
    if doc is None:
        return [finding(Errors.V214, f"document {rec.doc_id} is not in the corpus", rec)]
    if rec.text_sha256 != doc.text_sha256:
        # Offsets into another text cannot be checked against this one: one finding says it all.
        return [
            finding(
                Errors.V211,
                f"annotation of document {rec.doc_id} was made on text "
                f"{rec.text_sha256[:12]}…, the document is now {doc.text_sha256[:12]}…",
                rec,
            )
        ]
    found = [] if spans_clean else _check_spans(rec, doc.text) + _check_layers(rec, rules.schema)
    found += _check_links(rec, rules)
    found += _check_claims(rec, rules)
    return found


def _document_suspects(records: RecordSet, docs: Mapping[str, Document]) -> set[int]:
    """The records of a document not in the corpus, or made on another version of its text (V214, V211)."""
    return {
        k
        for k, (doc_id, text_sha256) in enumerate(zip(records.field("doc_id"), records.field("text_sha256")))
        if (doc := docs.get(doc_id)) is None or doc.text_sha256 != text_sha256
    }


def _link_and_claim_suspects(records: RecordSet, values: SpanValues, rules: _Rules) -> set[int]:
    """Indices of the records that may have a V206-V210, V212 or V213 finding; every other has none.

    A record passes when its span ids are distinct, no link is drawn twice, every link and choice
    refers to one of its spans, every link starts at a CLAIM, every source ends at a span allowed
    as a source, every cue link ends at a CUE near enough, each region has at most one choice
    of a name, every choice and document choice holds values the schema knows, and every CLAIM
    is sourced (or marked unattributed) and has every required attribute. Read from the flat
    values of all records: no object per record or span.
    """
    link_counts, from_ids, to_ids, link_labels = records.links()
    ids, labels, starts, ends = values.ids, values.labels, values.starts, values.ends
    if values.offsets() is None:
        return set(range(len(records)))  # offsets that are not all int: check every record in full
    allowed, max_gap = rules.allowed_sources, rules.schema.cue_max_distance
    span_at, choices, repeats = records.regions()
    suspects = {
        k for k, named in enumerate(records.document_choices()) if named and _unknown_document_choice(named, rules)
    }
    s = lk = 0
    for k, (n_spans, n_links) in enumerate(zip(values.counts, link_counts)):
        try:
            clean = (
                not repeats[k]
                and _links_clean(
                    span_at[k],
                    from_ids[lk : lk + n_links],
                    to_ids[lk : lk + n_links],
                    link_labels[lk : lk + n_links],
                    labels,
                    starts,
                    ends,
                    allowed,
                    max_gap,
                )
                and _claims_clean(
                    span_at[k],
                    ids[s : s + n_spans],
                    labels[s : s + n_spans],
                    from_ids[lk : lk + n_links],
                    link_labels[lk : lk + n_links],
                    choices[k],
                    rules,
                )
            )
        except TypeError:  # unhashable values: checked in full
            clean = False
        if not clean:
            suspects.add(k)
        s, lk = s + n_spans, lk + n_links
    return suspects


def _links_clean(
    span_at: dict,
    from_ids: list,
    to_ids: list,
    link_labels: list,
    labels: list,
    starts: list,
    ends: list,
    allowed: set,
    max_gap: int,
) -> bool:
    """No V207-V210 finding for these links (see :func:`_check_links`)."""
    if len(set(zip(from_ids, to_ids, link_labels))) < len(from_ids):
        return False
    for a, b, label in zip(from_ids, to_ids, link_labels):
        i, j = span_at.get(a), span_at.get(b)
        if i is None or j is None or labels[i] != CLAIM:
            return False
        if label == LINK_SOURCE:
            if labels[j] not in allowed:
                return False
        elif label == LINK_CUE and (labels[j] != CUE or max(starts[j] - ends[i], starts[i] - ends[j], 0) > max_gap):
            return False
    return True


def _claims_clean(
    span_at: dict, span_ids: list, span_labels: list, from_ids: list, link_labels: list, choices: dict, rules: _Rules
) -> bool:
    """No V206, V209 (of a choice), V212 or V213 finding for these spans' claims and choices
    (see :func:`_check_links` and :func:`_check_claims`); ``choices`` by region and name."""
    known = rules.known
    for region, named in choices.items():
        if region not in span_at:
            return False
        for name, values in named.items():
            if (name, values) not in known and rules.unknown(name, values):
                return False
    sourced = None
    for span_id, label in zip(span_ids, span_labels):
        if label != CLAIM:
            continue
        if sourced is None:
            sourced = {a for a, link in zip(from_ids, link_labels) if link == LINK_SOURCE}
        mine = choices.get(span_id, {})
        if span_id not in sourced and UNATTRIBUTED not in mine.get(ATTRIBUTION, ()):
            return False
        if not all(mine.get(name) for name in rules.required):
            return False
    return True


def _unknown_document_choice(named: dict, rules: _Rules) -> bool:
    choice = rules.schema.document_choice
    return any(name != choice.name or v not in choice.values for name, values in named.items() for v in values)


def _span_suspects(records: RecordSet, docs: Mapping[str, Document], values: SpanValues) -> set[int]:
    """Indices of the records that may have a V201-V205 finding; every other record has none.

    A span passes when it lies inside the text, the text there is the span's text and stripping
    whitespace leaves it as it is.
    A record's layer passes when no two of its spans overlap: the layer check finds crossing or
    nesting only where a span starts before an earlier one has ended.
    """
    counts = values.counts
    n = len(values.ids)
    if not n:
        return set()
    offsets = values.offsets()
    if offsets is None or not isinstance(values.column("text"), pd.Series) or not values.all_str("text"):
        return set(range(len(records)))  # offsets that are not all int, or texts not all str: check in full
    start, end = offsets
    texts = []
    for doc_id in records.field("doc_id"):
        doc = docs.get(doc_id)
        texts.append(doc.text if doc is not None else "")
    owner = np.repeat(np.arange(len(records)), counts)
    length = np.repeat(np.array([len(t) for t in texts], dtype=np.int64), counts)
    bad = (start < 0) | (start >= end) | (end > length) | _text_differs(texts, values, start, end)
    # Overlaps within a record's layer, for records whose spans all lie inside their text: sort
    # by (record and layer, start) and compare each start with the furthest end before it.
    codes: dict = defaultdict(count().__next__)
    layer = np.fromiter(map(codes.__getitem__, values.layers), dtype=np.int64, count=n)
    limit = int(length.max()) + 2  # clipped offsets stay below it, so no group runs into the next
    group = owner * len(codes) + layer
    s, e = np.clip(start, 0, limit - 1), np.clip(end, 0, limit - 1)
    order = np.argsort(group * limit + s, kind="stable")
    g, s, e = group[order], s[order], e[order]
    reach = np.maximum.accumulate(g * limit + e) - g * limit  # furthest end so far; < 0 before the group's first
    overlaps = np.zeros(n, dtype=bool)
    overlaps[1:] = (g[1:] == g[:-1]) & (reach[:-1] > s[1:])
    return set(np.unique(owner[bad]).tolist()) | set(np.unique(owner[order][overlaps]).tolist())


def _text_differs(texts: list[str], values: SpanValues, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Per span (those of record k are in ``texts[k]``): whether its text is not the document's at
    its offsets, or has whitespace at an edge. What :func:`_check_spans` checks one span at a time,
    ``b - a != len(x) or not t.startswith(x, a) or x != x.strip()``, for all spans at once.

    Lengths come from Arrow; an edge is decided from its byte where that is printable ASCII, by
    ``str.strip`` where it is not (empty texts, whitespace, any non-ASCII character); the text
    is compared in place by ``str.startswith``, mapped over the spans in C (no slice is copied).
    ``values.texts`` must all be str, and its text column Arrow strings.
    """
    spans = pa.array(values.column("text").array)
    if isinstance(spans, pa.ChunkedArray):
        spans = spans.combine_chunks()
    spans = spans.cast(pa.large_string())  # int64 offsets, read as numpy below
    differs = pc.utf8_length(spans).to_numpy(zero_copy_only=False) != end - start
    _, offsets, data = spans.buffers()
    offsets = np.frombuffer(offsets, np.int64)[spans.offset : spans.offset + len(spans) + 1]
    data = np.frombuffer(data, np.uint8) if data is not None else np.zeros(0, np.uint8)
    filled = offsets[1:] > offsets[:-1]
    first, last = np.zeros(len(spans), np.uint8), np.zeros(len(spans), np.uint8)
    first[filled], last[filled] = data[offsets[:-1][filled]], data[offsets[1:][filled] - 1]
    plain = (first >= 0x21) & (first <= 0x7E) & (last >= 0x21) & (last <= 0x7E)  # never whitespace
    raw = values.texts
    for i in np.flatnonzero(~plain & ~differs).tolist():
        differs[i] = raw[i] != raw[i].strip()
    in_place = np.fromiter(
        map(str.startswith, chain.from_iterable(map(repeat, texts, values.counts)), raw, values.starts),
        bool,
        count=len(raw),
    )
    return differs | ~in_place


def _check_spans(rec: AnnotationRecord, text: str) -> list[Finding]:
    found = []
    locator = None
    n = len(text)
    for s in rec.spans:
        where = f"{s.label} span {s.id} [{s.start}:{s.end}]"
        if not (0 <= s.start < s.end <= n):
            found.append(finding(Errors.V201, f"{where} outside a text of {n} characters", rec))
            continue
        actual = text[s.start : s.end]
        if actual != s.text:
            locator = locator or SpanLocator(text)
            located = locator.locate(s.start, s.end, s.text)
            fix = None
            if located is not None and text[located[0] : located[1]] == s.text:
                fix = s._replace(start=located[0], end=located[1])
            found.append(finding(Errors.V202, f"{where} holds {actual!r} but the span says {s.text!r}", rec, fix=fix))
            continue
        stripped = actual.strip()
        if not stripped:
            found.append(finding(Errors.V203, f"{where} is {actual!r}", rec))
        elif stripped != actual:
            lead = len(actual) - len(actual.lstrip())
            fix = s._replace(start=s.start + lead, end=s.start + lead + len(stripped), text=stripped)
            found.append(finding(Errors.V204, f"{where} {actual!r}", rec, fix=fix))
    return found


def _check_layers(rec: AnnotationRecord, schema: LabelSchema) -> list[Finding]:
    found = []
    by_layer: dict[str, list[Span]] = {}
    for s in rec.spans:
        by_layer.setdefault(s.layer, []).append(s)
    for layer, spans in by_layer.items():
        nesting_ok = schema.nesting.get(layer, False)
        open_spans: list[Span] = []
        for s in sorted(spans, key=lambda s: (s.start, -s.end)):
            while open_spans and open_spans[-1].end <= s.start:
                open_spans.pop()
            if open_spans:
                outer = open_spans[-1]
                if s.end > outer.end:
                    found.append(
                        finding(
                            Errors.V205,
                            f"{layer} spans {outer.id} [{outer.start}:{outer.end}] and "
                            f"{s.id} [{s.start}:{s.end}] cross",
                            rec,
                        )
                    )
                elif not nesting_ok:
                    found.append(
                        finding(
                            Errors.V205,
                            f"{layer} span {s.id} [{s.start}:{s.end}] {s.text!r} lies "
                            f"inside {outer.id} {outer.text!r}; {layer} may not nest",
                            rec,
                        )
                    )
            open_spans.append(s)
    return found


def _check_links(rec: AnnotationRecord, rules: _Rules) -> list[Finding]:
    found = []
    spans = dict(zip(map(_ID, rec.spans), rec.spans))  # the last span of an id wins
    schema = rules.schema
    keys = [(lk.from_id, lk.to_id, lk.label) for lk in rec.links]
    if len(set(keys)) < len(keys):
        for (a, b, label), count in Counter(keys).items():
            if count > 1:
                found.append(finding(Errors.V210, f"{label} link {a} -> {b} drawn {count} times", rec))
    for lk in rec.links:
        src, dst = spans.get(lk.from_id), spans.get(lk.to_id)
        if src is None or dst is None:
            missing = lk.from_id if src is None else lk.to_id
            found.append(
                finding(
                    Errors.V209, f"{lk.label} link {lk.from_id} -> {lk.to_id}: region {missing} does not exist", rec
                )
            )
            continue
        if src.label != CLAIM:
            found.append(
                finding(
                    Errors.V207 if lk.label == LINK_SOURCE else Errors.V208,
                    f"{lk.label} link starts at a {src.label} span {src.text!r}, not at a CLAIM",
                    rec,
                )
            )
        elif lk.label == LINK_SOURCE and dst.label not in rules.allowed_sources:
            found.append(
                finding(
                    Errors.V207,
                    f"claim {src.id} links to {dst.label} span {dst.text!r} as its source; "
                    f"sources are {rules.sorted_sources}",
                    rec,
                )
            )
        elif lk.label == LINK_CUE:
            if dst.label != CUE:
                found.append(
                    finding(Errors.V208, f"claim {src.id} has a cue link to a {dst.label} span {dst.text!r}", rec)
                )
            else:
                gap = max(dst.start - src.end, src.start - dst.end, 0)
                if gap > schema.cue_max_distance:
                    found.append(
                        finding(
                            Errors.V208,
                            f"cue {dst.text!r} lies {gap} characters from claim {src.id} "
                            f"(at most {schema.cue_max_distance})",
                            rec,
                        )
                    )
    for c in rec.choices:
        if c.region_id not in spans:
            found.append(
                finding(
                    Errors.V209, f"choice {c.name}={list(c.values)} on region {c.region_id}, which does not exist", rec
                )
            )
    return found


def _check_claims(rec: AnnotationRecord, rules: _Rules) -> list[Finding]:
    found = []
    sourced = {lk.from_id for lk in rec.links if lk.label == LINK_SOURCE}
    choices: dict[str, dict[str, tuple]] = {}
    for c in rec.choices:
        choices.setdefault(c.region_id, {})[c.name] = c.values
    for s in rec.spans:
        if s.label != CLAIM:
            continue
        mine = choices.get(s.id, {})
        if s.id not in sourced and UNATTRIBUTED not in mine.get(ATTRIBUTION, ()):
            found.append(finding(Errors.V206, f"claim {s.id} {s.text[:60]!r}", rec))
        for name in rules.required:
            if not mine.get(name):
                found.append(finding(Errors.V212, f"claim {s.id} {s.text[:40]!r} has no {name}", rec))
    known = rules.known
    for region_id, named in choices.items():
        for name, values in named.items():
            try:
                if (name, values) in known:
                    continue
            except TypeError:  # unhashable
                pass
            unknown = rules.unknown(name, values)
            if unknown:
                found.append(finding(Errors.V213, f"{name}={unknown} on region {region_id}", rec))
    doc_choice = rules.schema.document_choice
    for name, values in rec.document_choices.items():
        unknown = [v for v in values if name != doc_choice.name or v not in doc_choice.values]
        if unknown:
            found.append(finding(Errors.V213, f"document choice {name}={unknown}", rec))
    return found
