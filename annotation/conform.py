"""A machine's annotation record made to keep the label schema's rules, as validation checks them.

A prediction is what annotators start from in Label Studio; one they accept as it is becomes
their record, and must not block a release. So every record a predictor makes passes through
:func:`conform` (``make_predictor`` wraps every registered predictor, a future trained model
included), which resolves what validation's integrity checks (``validation/integrity.py``,
V201-V213) would reject, the way a cautious annotator would: leave out what cannot be right,
never invent a judgement.

- spans: a label of another layer, offsets outside the text or not holding the span's text,
  blank spans and repeated region ids are left out; whitespace at an edge is trimmed;
- layers: of spans that cross (or nest where the schema forbids it), the CLAIM and then the
  longer span is kept;
- links and choices: those to a missing region, links drawn twice, a source the schema does
  not allow, a cue that is not a CUE or lies too far, values the schema does not know: left out;
- claims: one with no source link is marked "unattributed"; a required attribute left unset
  gets the attribute's "don't know" value (``unsure``, else ``other``); a claim that still
  cannot be complete is left out, with the CUE and SOURCE spans only it used.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import Counter
from dataclasses import replace

from annotation.model import AnnotationRecord, Link, RegionChoice, Span
from annotation.schema import (
    ATTRIBUTION,
    CLAIM,
    CUE,
    LINK_CUE,
    LINK_SOURCE,
    SOURCE,
    UNATTRIBUTED,
    Attribute,
    LabelSchema,
)

# The value of an attribute that says "no one decided": what a machine may set for a required one.
UNDECIDED_VALUES = ("unsure", "other")


def undecided_value(attribute: Attribute) -> str | None:
    """The attribute's "don't know" value, if it has one."""
    return next((v for v in UNDECIDED_VALUES if v in attribute.values), None)


def conform(
    record: AnnotationRecord,
    text: str,
    schema: LabelSchema,
    counts: Counter | None = None,
    judge_attributes: bool = True,
) -> AnnotationRecord:
    """``record`` with only what validation's integrity checks accept, on ``text`` (the text the
    record was made on). ``counts``, when given, counts what was changed, by kind.

    ``judge_attributes=False`` (people's records, as imported) sets no required attribute a
    person left unanswered and leaves no claim out for it: that is theirs to answer, and
    validation (V212) says so.

    A record that keeps the rules comes back equal to itself.
    """
    counts = Counter() if counts is None else counts
    spans = _untangled(_usable_spans(record.spans, text, schema, counts), schema, counts)
    by_id = {s.id: s for s in spans}
    links = _usable_links(record.links, by_id, schema, counts)
    choices = _usable_choices(record.choices, by_id, schema, counts)
    spans, links, choices = _complete_claims(spans, links, choices, schema, counts, judge_attributes)
    document_choices = _usable_document_choices(record.document_choices, schema, counts)
    if (spans, links, choices, document_choices) == (
        record.spans,
        record.links,
        record.choices,
        record.document_choices,
    ):
        return record
    return replace(record, spans=spans, links=links, choices=choices, document_choices=document_choices)


def _usable_spans(spans: list[Span], text: str, schema: LabelSchema, counts: Counter) -> list[Span]:
    kept, ids = [], set()
    for s in spans:
        if (
            s.id in ids
            or schema.layer_of(s.label) != s.layer
            or not (isinstance(s.start, int) and isinstance(s.end, int) and 0 <= s.start < s.end <= len(text))
            or text[s.start : s.end] != s.text
        ):
            counts["span left out"] += 1
            continue
        stripped = s.text.strip()
        if not stripped:
            counts["span left out"] += 1
            continue
        if stripped != s.text:
            start = s.start + len(s.text) - len(s.text.lstrip())
            s = s._replace(start=start, end=start + len(stripped), text=stripped)
            counts["span trimmed"] += 1
        ids.add(s.id)
        kept.append(s)
    return kept


def _untangled(spans: list[Span], schema: LabelSchema, counts: Counter) -> list[Span]:
    """The spans without crossing (or, where the layer forbids it, nesting) ones: CLAIMs first,
    then longer spans, then earlier ones are kept; the order of the spans kept is unchanged."""
    dropped: set[int] = set()
    for layer in {s.layer for s in spans}:
        nesting = schema.nesting.get(layer, False)
        edges = sorted((s.start, s.end) for s in spans if s.layer == layer)
        if all(end <= start for (_, end), (start, _) in zip(edges, edges[1:])):
            continue  # no two overlap (a model's one decoded sequence per layer): nothing can clash
        mine = sorted(
            (k for k, s in enumerate(spans) if s.layer == layer),
            key=lambda k: (spans[k].label != CLAIM, spans[k].start - spans[k].end, spans[k].start, k),
        )
        taken: list[tuple[int, int]] = []  # (start, end) of the spans kept, sorted
        for k in mine:
            s = spans[k]
            if _clashes(taken, s.start, s.end, nesting):
                dropped.add(k)
            else:
                insort(taken, (s.start, s.end))
    if dropped:
        counts["span crossing another left out"] += len(dropped)
    return [s for k, s in enumerate(spans) if k not in dropped]


def _clashes(taken: list[tuple[int, int]], start: int, end: int, nesting: bool) -> bool:
    """Whether [start:end) crosses a kept span (or overlaps one at all, without ``nesting``)."""
    if not nesting:  # the kept spans do not overlap: only the neighbours can
        at = bisect_left(taken, (start, end))
        return (at > 0 and taken[at - 1][1] > start) or (at < len(taken) and taken[at][0] < end)
    return any(
        a < end and start < b and not (a <= start and end <= b) and not (start <= a and b <= end) for a, b in taken
    )


def _usable_links(links: list[Link], by_id: dict[str, Span], schema: LabelSchema, counts: Counter) -> list[Link]:
    kept, seen = [], set()
    allowed = set(schema.allowed_source_labels)
    for lk in links:
        src, dst = by_id.get(lk.from_id), by_id.get(lk.to_id)
        usable = (
            lk not in seen
            and src is not None
            and dst is not None
            and src.label == CLAIM
            and (
                (lk.label == LINK_SOURCE and dst.label in allowed)
                or (
                    lk.label == LINK_CUE
                    and dst.label == CUE
                    and max(dst.start - src.end, src.start - dst.end, 0) <= schema.cue_max_distance
                )
            )
        )
        if usable:
            seen.add(lk)
            kept.append(lk)
        else:
            counts["link left out"] += 1
    return kept


def _usable_choices(
    choices: list[RegionChoice], by_id: dict[str, Span], schema: LabelSchema, counts: Counter
) -> list[RegionChoice]:
    kept, seen = [], set()
    for c in choices:
        attribute = schema.attribute(c.name)
        values = tuple(v for v in c.values if attribute is not None and v in attribute.values)
        if c.region_id not in by_id or not values or (c.region_id, c.name) in seen:
            counts["choice left out"] += 1
            continue
        if values != tuple(c.values):
            counts["choice value left out"] += 1
        seen.add((c.region_id, c.name))
        kept.append(c if values == tuple(c.values) else c._replace(values=values))
    return kept


def _complete_claims(
    spans: list[Span],
    links: list[Link],
    choices: list[RegionChoice],
    schema: LabelSchema,
    counts: Counter,
    judge_attributes: bool = True,
) -> tuple[list[Span], list[Link], list[RegionChoice]]:
    """Every CLAIM sourced or marked unattributed, with every required attribute; or left out."""
    sourced = {lk.from_id for lk in links if lk.label == LINK_SOURCE}
    named = {(c.region_id, c.name) for c in choices}
    attribution = schema.attribute(ATTRIBUTION)
    can_be_unattributed = attribution is not None and UNATTRIBUTED in attribution.values
    required = schema.required_attributes if judge_attributes else []
    added, incomplete = [], set()
    for s in spans:
        if s.label != CLAIM:
            continue
        if s.id not in sourced:
            if not can_be_unattributed:
                incomplete.add(s.id)
                continue
            if (s.id, ATTRIBUTION) not in named:
                added.append(RegionChoice(s.id, ATTRIBUTION, (UNATTRIBUTED,)))
                counts["claim marked unattributed"] += 1
            elif not any(UNATTRIBUTED in c.values for c in choices if c.region_id == s.id and c.name == ATTRIBUTION):
                incomplete.add(s.id)  # an attribution value other than "unattributed" and no source
                continue
        for attribute in required:
            if (s.id, attribute.name) in named:
                continue
            value = undecided_value(attribute)
            if value is None:
                incomplete.add(s.id)
                break
            added.append(RegionChoice(s.id, attribute.name, (value,)))
            counts[f"{attribute.name} set to {value}"] += 1
    choices = [c for c in choices + added if c.region_id not in incomplete]
    if not incomplete:
        return spans, links, choices
    counts["claim left out"] += len(incomplete)
    # The CUE and SOURCE spans only a left-out claim used go with it.
    used = {lk.to_id for lk in links if lk.from_id not in incomplete}
    orphans = {lk.to_id for lk in links if lk.from_id in incomplete} - used
    gone = incomplete | {s.id for s in spans if s.id in orphans and s.label in (CUE, SOURCE)}
    return (
        [s for s in spans if s.id not in gone],
        [lk for lk in links if lk.from_id not in gone and lk.to_id not in gone],
        [c for c in choices if c.region_id not in gone],
    )


def _usable_document_choices(
    document_choices: dict[str, list[str]], schema: LabelSchema, counts: Counter
) -> dict[str, list[str]]:
    choice = schema.document_choice
    kept = {}
    for name, values in document_choices.items():
        known = [v for v in values if name == choice.name and v in choice.values]
        if len(known) < len(values):
            counts["document choice value left out"] += 1
        if known:
            kept[name] = known
    return kept if kept != document_choices else document_choices
