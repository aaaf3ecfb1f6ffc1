"""Adjudication: one gold annotation per document, made from every annotator's version.

Which versions count: for each document, the latest non-cancelled record of each annotator
(predictions, earlier gold and review-project records do not vote), made on the document's
current text (``texts``; without texts, the text of the most recently updated record).
Records on another text are skipped and listed, never compared: their offsets mean other words.

Strategies:

- ``majority``: a span (layer, label, start, end) is kept when at least ``min_agree`` (k)
  annotators drew it. A document with fewer annotators than k needs all of them; a document
  with one annotator takes its version whole (rule ``single``). A link is kept when both its
  ends are kept and k annotators drew it; links are compared through the spans they connect,
  since region ids differ per annotator. A claim attribute takes the value most of the
  claim's annotators chose (not answering is a choice too); a document choice keeps each value
  ticked by more than half of the annotators.
- ``ground-truth``: a record marked ground truth (by a reviewer in Label Studio, or in the
  review project ``push_review_tasks`` makes, where a submitted review is the truth) wins whole; the latest one when there are
  several. Documents with no ground truth fall back to ``majority``: the gold record says so
  in its provenance and the result lists them in ``fallbacks``, so nothing is silently left out
  of a release and nothing is passed off as reviewed.
- ``prefer`` (with any strategy): a version by a preferred person (emails in order of
  preference; ``reviewer`` means everyone recorded with that role) wins whole, rule
  ``preferred``; only a ground truth under ``ground-truth`` goes before it.
- ``single``: the one version of a document becomes gold; several versions are a conflict
  (unless they are identical) and the document is unresolved.

A disagreement is *settled* when a version reaches k votes (the others are outvoted) or when
at least k annotators drew nothing there (majority says: no annotation). Spans of one layer
that cross (or nest where the schema forbids it) are rival versions of one region, as are
spans of one label on overlapping words. Anything else is a :class:`Conflict`: different
labels on the same words (``label``), overlapping spans with other boundaries (``boundary``),
a span one side drew and the other did not with neither side reaching k (``span``), claim ->
source/cue links (``link``), tied or unanswered claim attributes (``attribute``) or document
choices (``document``), several versions under ``single`` (``versions``), gold that would not
pass validation (``invalid``). Every conflict is listed, and its document is *unresolved* until
a reviewer settles it.

Gold never holds what validation would reject. The gold record keeps what is settled and names
its open conflicts in ``problems``; a claim whose required attribute or source is not settled
is left out of it (with its links and choices; the conflict says why), since a claim without
them is not valid gold; a document whose gold would still fail validation's integrity checks
gets no gold record (conflict ``invalid``, naming the findings). ``push_review_tasks`` sends
conflicted documents back to Label Studio with every version as a prediction, and
``pull_reviews`` brings the reviewer's ground truth back.

Gold span ids are ``layer:LABEL:start-end``: stable across runs and machines, and links and
choices refer to them. Every span, link and choice records its annotators and rule in
``provenance`` (the key ``"record"`` describes the whole record).


This module holds the voting rules alone: it reads records and writes nothing. Gold is stored
and read by :mod:`validation.gold`; the review project in Label Studio is :mod:`validation.review`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import NamedTuple

from annotation.model import AnnotationRecord, Link, Origin, RegionChoice, Span, recency
from annotation.schema import ATTRIBUTION, CLAIM, LINK_SOURCE, UNATTRIBUTED, LabelSchema
from annotation.store import AnnotationStore
from corpus.errors import Errors, NewsdeskError
from corpus.model import sha256_hex
from corpus.runtime import without_cyclic_gc
from corpus.store import CorpusStore
from corpus.workspace import Workspace
from validation.integrity import check_records, check_without_text

STRATEGIES = ("ground-truth", "majority", "single")
CONFLICT_KINDS = ("span", "label", "boundary", "link", "attribute", "document", "versions", "invalid")

GOLD_ORIGIN = Origin.GOLD
GOLD_ANNOTATOR = "adjudication"
REVIEW_ORIGIN = Origin.REVIEW  # records pulled from the review project
# Records that are not an annotator's own version and so never vote.
NON_VOTING_ORIGINS = Origin.NOT_AN_ANNOTATOR


SpanKey = tuple[str, str, int, int]  # layer, label, start, end
LinkKey = tuple[SpanKey, SpanKey, str]  # from span, to span, link label


def gold_span_id(key: SpanKey) -> str:
    """The id of a gold span: the same span gets the same id on every run."""
    layer, label, start, end = key
    return f"{layer}:{label}:{start}-{end}"


def link_provenance_key(from_id: str, to_id: str, label: str) -> str:
    return f"{from_id}->{to_id}:{label}"


def choice_provenance_key(region_id: str, name: str) -> str:
    return f"{region_id}:{name}"


def document_provenance_key(name: str) -> str:
    return f"document:{name}"


# --- results ---------------------------------------------------------------------------------------


@dataclass
class Conflict:
    """A disagreement no rule settles, with every competing version and who holds it.

    ``versions`` items hold ``annotators`` and one of: ``span`` (a span dict, or None for
    "drew nothing"), ``to`` (the link target span, or None; with ``values``, the claim's
    attribution, for a source nobody decided), ``values`` (attribute or document choice values),
    ``record`` (a whole version, for ``single``), ``findings`` (validation's, for ``invalid``
    gold). ``region`` is the span the conflict is about (the claim of a link or attribute
    conflict, the disputed stretch of text for span conflicts); ``name`` the attribute, document
    choice or link label.
    """

    doc_id: str
    task_id: int | None
    kind: str
    description: str
    versions: list[dict]
    region: dict | None = None
    name: str | None = None

    def to_record(self) -> dict:
        return asdict(self)

    @classmethod
    def from_record(cls, rec: dict) -> Conflict:
        return cls(**rec)


@dataclass
class AdjudicationResult:
    strategy: str
    min_agree: int
    gold: list[AnnotationRecord] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    documents: int = 0
    without_gold: list[str] = field(default_factory=list)  # documents that get no gold record
    fallbacks: list[str] = field(default_factory=list)  # ground-truth documents decided by majority
    skipped: list[dict] = field(default_factory=list)  # records that did not take part, and why
    claims_left_out: int = 0  # claims left out of gold records, their attribute or source undecided
    # Required attributes nobody answered, with how many left-out claims each: an imported corpus
    # that never asked them (PolNeAR) loses every claim unless labels.toml marks them optional.
    unanswered: Counter = field(default_factory=Counter)

    @property
    def unresolved(self) -> list[str]:
        """The documents with an open conflict: their gold leaves out what is disputed, or they have none."""
        return sorted({c.doc_id for c in self.conflicts})

    @property
    def counts(self) -> dict[str, int]:
        return {
            "documents": self.documents,
            "gold": len(self.gold),
            "gold_spans": sum(len(g.spans) for g in self.gold),
            "gold_links": sum(len(g.links) for g in self.gold),
            "gold_choices": sum(len(g.choices) for g in self.gold),
            "conflicts": len(self.conflicts),
            "documents_with_conflicts": len(self.unresolved),
            "unresolved": len(self.unresolved),
            "without_gold": len(self.without_gold),
            "claims_left_out": self.claims_left_out,
            "claims_left_out_unanswered": sum(self.unanswered.values()),
            "fallbacks": len(self.fallbacks),
            "skipped_records": len(self.skipped),
        }

    def conflicts_of(self, doc_id: str) -> list[Conflict]:
        return [c for c in self.conflicts if c.doc_id == doc_id]

    def to_record(self, include_gold: bool = False) -> dict:
        """The report as JSON; gold records only on request (they are in gold/gold.arrow)."""
        rec = {
            "strategy": self.strategy,
            "min_agree": self.min_agree,
            "counts": self.counts,
            "unresolved": self.unresolved,
            "without_gold": self.without_gold,
            "fallbacks": self.fallbacks,
            "skipped": self.skipped,
            "unanswered_required": dict(sorted(self.unanswered.items())),
            "conflicts": [c.to_record() for c in self.conflicts],
        }
        if include_gold:
            rec["gold"] = [g.to_record() for g in self.gold]
        return rec


# --- one annotator's version, seen through span keys ----------------------------------------------


@dataclass
class _Version:
    record: AnnotationRecord
    spans: dict[SpanKey, str] = field(default_factory=dict)  # key -> text
    links: set[LinkKey] = field(default_factory=set)
    choices: dict[tuple[SpanKey, str], tuple[str, ...]] = field(default_factory=dict)
    document_choices: dict[str, frozenset[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def annotator(self) -> str:
        return self.record.annotator

    def content(self) -> tuple:
        return (
            frozenset(self.spans),
            frozenset(self.links),
            frozenset(self.choices.items()),
            frozenset(self.document_choices.items()),
        )


def _version(record: AnnotationRecord, text: str | None) -> _Version:
    version = _Version(record)
    key_of: dict[str, SpanKey] = {}
    for s in record.spans:
        if text is not None and text[s.start : s.end] != s.text:
            # Offsets that do not hold the span's words cannot be compared with anyone's.
            version.notes.append(
                f"{record.annotator}: span {s.label} {s.text!r} [{s.start}:{s.end}] does not match the text; left out"
            )
            continue
        key = (s.layer, s.label, s.start, s.end)
        key_of[s.id] = key
        version.spans[key] = s.text
    for lk in record.links:
        if lk.from_id in key_of and lk.to_id in key_of:
            version.links.add((key_of[lk.from_id], key_of[lk.to_id], lk.label))
    for c in record.choices:
        if c.region_id in key_of:
            version.choices[(key_of[c.region_id], c.name)] = tuple(sorted(c.values))
    for name, values in record.document_choices.items():
        if values:
            version.document_choices[name] = frozenset(values)
    return version


def _span_dict(key: SpanKey, text: str) -> dict:
    return {"layer": key[0], "label": key[1], "start": key[2], "end": key[3], "text": text}


def _show(key: SpanKey, text: str) -> str:
    short = text if len(text) <= 40 else text[:37] + "..."
    return f"{key[1]} {short!r} [{key[2]}:{key[3]}]"


def _overlap(a: SpanKey, b: SpanKey) -> bool:
    return a[2] < b[3] and b[2] < a[3]


def _competes(a: SpanKey, b: SpanKey, nesting: dict[str, bool]) -> bool:
    """Two spans are rival versions of one region: same layer, overlapping, and same label, same
    words, or unable to stand together in gold (crossing; nested where ``nesting`` forbids it)."""
    if a[0] != b[0] or not _overlap(a, b):
        return False
    if a[1] == b[1] or a[2:] == b[2:]:
        return True
    nested = (a[2] <= b[2] and b[3] <= a[3]) or (b[2] <= a[2] and a[3] <= b[3])
    return not nested or not nesting.get(a[0], False)


def _components(keys: Iterable[SpanKey]) -> list[list[SpanKey]]:
    """Groups of spans (one layer) connected by overlap: a sweep over start offsets."""
    groups: list[list[SpanKey]] = []
    reach = -1
    for key in sorted(keys, key=lambda k: (k[2], k[3], k[1])):
        if groups and key[2] < reach:
            groups[-1].append(key)
            reach = max(reach, key[3])
        else:
            groups.append([key])
            reach = key[3]
    return groups


# --- building one gold record ----------------------------------------------------------------------


class _Gold:
    def __init__(self, doc_id: str, text_sha256: str, sources: list[AnnotationRecord], text: str | None):
        self.doc_id, self.text_sha256, self.sources, self.text = doc_id, text_sha256, sources, text
        self.spans: dict[SpanKey, str] = {}
        self.links: dict[LinkKey, None] = {}
        self.choices: dict[tuple[SpanKey, str], tuple[str, ...]] = {}
        self.document_choices: dict[str, list[str]] = {}
        self.provenance: dict[str, dict] = {}
        self.problems: list[str] = []

    def span(self, key: SpanKey, text: str, annotators: Iterable[str], rule: str, **extra) -> None:
        self.spans[key] = self.text[key[2] : key[3]] if self.text is not None else text
        self.provenance[gold_span_id(key)] = {"annotators": sorted(annotators), "rule": rule, **extra}

    def link(self, key: LinkKey, annotators: Iterable[str], rule: str, **extra) -> None:
        self.links[key] = None
        self.provenance[link_provenance_key(gold_span_id(key[0]), gold_span_id(key[1]), key[2])] = {
            "annotators": sorted(annotators),
            "rule": rule,
            **extra,
        }

    def choice(
        self, key: SpanKey, name: str, values: tuple[str, ...], annotators: Iterable[str], rule: str, **extra
    ) -> None:
        self.choices[(key, name)] = values
        self.provenance[choice_provenance_key(gold_span_id(key), name)] = {
            "annotators": sorted(annotators),
            "rule": rule,
            **extra,
        }

    def adopt(self, version: _Version, rule: str, annotators: list[str] | None = None) -> None:
        """Take one version whole."""
        who = annotators or [version.annotator]
        for key, text in version.spans.items():
            self.span(key, text, who, rule)
        for key in version.links:
            self.link(key, who, rule)
        for (key, name), values in version.choices.items():
            self.choice(key, name, values, who, rule)
        for name, values in version.document_choices.items():
            self.document_choices[name] = sorted(values)
            self.provenance[document_provenance_key(name)] = {"annotators": sorted(who), "rule": rule}
        self.problems.extend(version.notes)

    def leave_out(self, key: SpanKey, why: str) -> None:
        """Take a span out again, with its links and choices, and say why in ``problems``."""
        span_id = gold_span_id(key)
        del self.spans[key]
        self.provenance.pop(span_id, None)
        for link in [lk for lk in self.links if key in (lk[0], lk[1])]:
            del self.links[link]
            self.provenance.pop(link_provenance_key(gold_span_id(link[0]), gold_span_id(link[1]), link[2]), None)
        for choice in [c for c in self.choices if c[0] == key]:
            del self.choices[choice]
            self.provenance.pop(choice_provenance_key(span_id, choice[1]), None)
        self.problems.append(f"{span_id} left out: {why}")

    def record(self, task_id: int | None, **about) -> AnnotationRecord:
        self.provenance["record"] = {**about, "records": [f"{r.origin}/{r.record_id}" for r in self.sources]}
        ids = {key: gold_span_id(key) for key in self.spans}
        order = sorted(self.spans, key=lambda k: (k[2], k[3], k[0], k[1]))
        return AnnotationRecord(
            doc_id=self.doc_id,
            text_sha256=self.text_sha256,
            annotator=GOLD_ANNOTATOR,
            origin=GOLD_ORIGIN,
            record_id=self.doc_id,
            task_id=task_id,
            # From the sources, not the clock: a rerun on the same records writes the same bytes.
            created_at=min((r.created_at for r in self.sources if r.created_at), default=None),
            updated_at=max((r.updated_at or r.created_at or "" for r in self.sources), default=None) or None,
            spans=[Span(ids[k], k[0], k[1], k[2], k[3], self.spans[k]) for k in order],
            links=sorted(
                (Link(ids[f], ids[t], label) for f, t, label in self.links),
                key=lambda lk: (lk.from_id, lk.label, lk.to_id),
            ),
            choices=sorted(
                (RegionChoice(ids[k], name, values) for (k, name), values in self.choices.items()),
                key=lambda c: (c.region_id, c.name),
            ),
            document_choices=dict(sorted(self.document_choices.items())),
            provenance=dict(sorted(self.provenance.items())),
            problems=self.problems,
        )


# --- the strategies ----------------------------------------------------------------------------------


class _Document:
    """One document's versions and the conflicts found while adjudicating it."""

    def __init__(
        self, doc_id: str, task_id: int | None, versions: list[_Version], text: str | None, schema: LabelSchema
    ):
        self.doc_id, self.task_id, self.versions, self.text = doc_id, task_id, versions, text
        self.schema, self.nesting = schema, schema.nesting
        self.conflicts: list[Conflict] = []
        self.claims_left_out = 0
        self.unanswered: Counter = Counter()

    def conflict(
        self, kind: str, description: str, versions: list[dict], region: dict | None = None, name: str | None = None
    ) -> None:
        self.conflicts.append(Conflict(self.doc_id, self.task_id, kind, description, versions, region, name))

    def majority(self, gold: _Gold, k: int) -> int:
        """Vote; returns the k that applied (fewer annotators than k: all of them)."""
        annotators = {v.annotator for v in self.versions}
        n = len(annotators)
        k = min(k, n)
        votes: dict[SpanKey, set[str]] = defaultdict(set)
        texts: dict[SpanKey, str] = {}
        for v in self.versions:
            for key, text in v.spans.items():
                votes[key].add(v.annotator)
                texts.setdefault(key, text)
            gold.problems.extend(v.notes)
        kept, handled = self._kept_spans(votes, texts, k)
        self._disputed_spans(votes, texts, kept, handled, annotators, k)
        for key in sorted(kept, key=lambda q: (q[2], q[3], q[0], q[1])):
            gold.span(key, texts[key], votes[key], "majority", votes=len(votes[key]), of=n, min_agree=k)
        self._links(gold, votes, texts, kept, k)
        self._attributes(gold, votes, texts, kept)
        self._document_choices(gold, n)
        return k

    def _kept_spans(self, votes, texts, k) -> tuple[set[SpanKey], set[SpanKey]]:
        """(kept, handled): spans with k votes; rival versions that both reach k (possible when
        k <= n/2) keep the strictly most voted one, and a tie is a conflict (``handled``)."""
        reached = [key for key, who in votes.items() if len(who) >= k]
        kept, handled = set(reached), set()
        by_layer = defaultdict(list)
        for key in reached:
            by_layer[key[0]].append(key)
        for keys in by_layer.values():
            for group in _components(keys):
                rivals = [a for a in group if any(_competes(a, b, self.nesting) for b in group if b != a)]
                if not rivals:
                    continue
                best = max(len(votes[r]) for r in rivals)
                winners = [r for r in rivals if len(votes[r]) == best]
                kept -= set(rivals)
                if len(winners) == 1:
                    kept.add(winners[0])
                else:
                    handled |= set(rivals)
                    self._span_conflict(rivals, votes, texts, set(), k, tied=True)
        return kept, handled

    def _disputed_spans(self, votes, texts, kept, handled, annotators, k) -> None:
        by_layer = defaultdict(list)
        for key in votes:
            # Dropped spans that a kept rival outvoted are settled.
            if (
                key not in kept
                and key not in handled
                and not any(_competes(key, other, self.nesting) for other in kept)
            ):
                by_layer[key[0]].append(key)
        for keys in by_layer.values():
            for group in _components(keys):
                markers = set().union(*(votes[key] for key in group))
                silent = annotators - markers
                if len(markers) < k and len(silent) >= k:
                    continue  # the majority drew nothing here
                self._span_conflict(group, votes, texts, silent if len(markers) < k else set(), k)

    def _span_conflict(self, group, votes, texts, silent, k, tied: bool = False) -> None:
        group = sorted(group, key=lambda q: (q[2], q[3], q[1]))
        versions = [{"annotators": sorted(votes[key]), "span": _span_dict(key, texts[key])} for key in group]
        if silent:
            versions.append({"annotators": sorted(silent), "span": None})
        start, end = min(q[2] for q in group), max(q[3] for q in group)
        region = {
            "layer": group[0][0],
            "start": start,
            "end": end,
            "text": self.text[start:end] if self.text is not None else texts[group[0]],
        }
        shown = "; ".join(f"{_show(key, texts[key])} by {', '.join(sorted(votes[key]))}" for key in group)
        outcome = "the most voted versions tie" if tied else f"no version has {k} votes"
        if silent:
            kind = "span"
            description = f"{shown}; nothing by {', '.join(sorted(silent))}; neither side has {k} votes"
        elif len({q[2:] for q in group}) == 1:
            kind = "label"
            description = f"different labels on the same words: {shown}; {outcome}"
        else:
            kind = "boundary"
            description = f"overlapping spans with other boundaries: {shown}; {outcome}"
        self.conflict(kind, description, versions, region)

    def _links(self, gold, span_votes, texts, kept, k) -> None:
        link_votes: dict[LinkKey, set[str]] = defaultdict(set)
        for v in self.versions:
            for key in v.links:
                link_votes[key].add(v.annotator)
        groups: dict[tuple[SpanKey, str], dict[SpanKey, set[str]]] = defaultdict(dict)
        for (src, dst, label), who in link_votes.items():
            if src in kept:  # links of a dropped span go with it
                groups[(src, label)][dst] = who
        for (src, label), targets in sorted(groups.items(), key=lambda item: (item[0][0][2:], item[0][1])):
            voters = span_votes[src]
            won = [dst for dst, who in targets.items() if len(who) >= k and dst in kept]
            for dst in won:
                gold.link(
                    (src, dst, label), targets[dst], "majority", votes=len(targets[dst]), of=len(voters), min_agree=k
                )
            if won:
                continue
            markers = set().union(*targets.values())
            silent = voters - markers
            if len(markers) < k and len(silent) >= k:
                continue
            versions = [
                {"annotators": sorted(who), "to": _span_dict(dst, texts[dst])}
                for dst, who in sorted(targets.items(), key=lambda item: (item[0][2], item[0][1]))
            ]
            if silent:
                versions.append({"annotators": sorted(silent), "to": None})
            shown = "; ".join(
                f"{_show(dst, texts[dst])} by {', '.join(sorted(who))}"
                for dst, who in sorted(targets.items(), key=lambda item: (item[0][2], item[0][1]))
            )
            if silent:
                shown += f"; no {label} link by {', '.join(sorted(silent))}"
            self.conflict(
                "link",
                f"{label} of {_show(src, texts[src])}: {shown}; no target has {k} votes",
                versions,
                _span_dict(src, texts[src]),
                label,
            )

    def _attributes(self, gold, span_votes, texts, kept) -> None:
        by_annotator = {v.annotator: v for v in self.versions}
        for key in sorted(kept, key=lambda q: (q[2], q[3], q[0], q[1])):
            voters = sorted(span_votes[key])
            names = sorted({name for a in voters for (k2, name) in by_annotator[a].choices if k2 == key})
            for name in names:
                ballots: dict[tuple[str, ...], list[str]] = defaultdict(list)
                for a in voters:
                    ballots[by_annotator[a].choices.get((key, name), ())].append(a)
                ranked = sorted(ballots.items(), key=lambda item: (-len(item[1]), item[0]))
                if len(ranked) > 1 and len(ranked[0][1]) == len(ranked[1][1]):
                    tied = [(vals, who) for vals, who in ranked if len(who) == len(ranked[0][1])]
                    shown = "; ".join(f"{', '.join(vals) or 'no answer'} by {', '.join(who)}" for vals, who in tied)
                    self.conflict(
                        "attribute",
                        f"{name} of {_show(key, texts[key])} is tied: {shown}",
                        [{"annotators": who, "values": list(vals)} for vals, who in ranked],
                        _span_dict(key, texts[key]),
                        name,
                    )
                    continue
                values, who = ranked[0]
                if values:
                    gold.choice(key, name, values, who, "majority", votes=len(who), of=len(voters))

    def _document_choices(self, gold, n) -> None:
        names = sorted({name for v in self.versions for name in v.document_choices})
        for name in names:
            ticks: dict[str, list[str]] = defaultdict(list)
            for v in self.versions:
                for value in v.document_choices.get(name, ()):
                    ticks[value].append(v.annotator)
            chosen = {}
            for value, who in sorted(ticks.items()):
                if 2 * len(who) > n:
                    chosen[value] = sorted(who)
                elif 2 * len(who) == n:
                    others = sorted({v.annotator for v in self.versions} - set(who))
                    self.conflict(
                        "document",
                        f"{name} {value!r}: ticked by {', '.join(sorted(who))}, not by {', '.join(others)}",
                        [{"annotators": sorted(who), "values": [value]}, {"annotators": others, "values": []}],
                        name=name,
                    )
            if chosen:
                gold.document_choices[name] = sorted(chosen)
                gold.provenance[document_provenance_key(name)] = {
                    "annotators": sorted(set().union(*chosen.values())),
                    "rule": "majority",
                    "values": chosen,
                    "of": n,
                }

    def complete_claims(self, gold: _Gold, versions: list[_Version]) -> None:
        """Leave out of gold each claim whose required attribute or source is undecided (validation
        would reject it: V212, V206), keeping everything else; each reason is a listed conflict, the
        tie that caused it or, where nobody disagreed (nobody answered), a new one. ``versions``:
        the versions gold was made of."""
        required = [a.name for a in self.schema.required_attributes]
        sourced = {src for src, _, label in gold.links if label == LINK_SOURCE}
        for key in [k for k in gold.spans if k[1] == CLAIM]:
            missing = [name for name in required if not gold.choices.get((key, name))]
            unsourced = key not in sourced and UNATTRIBUTED not in gold.choices.get((key, ATTRIBUTION), ())
            if not missing and not unsourced:
                continue
            drew = [v for v in versions if key in v.spans]
            region = _span_dict(key, gold.spans[key])
            for name in missing:
                if not any(v.choices.get((key, name)) for v in drew):
                    self.unanswered[name] += 1
                if not self._listed("attribute", key, name):
                    ballots: dict[tuple[str, ...], list[str]] = defaultdict(list)
                    for v in drew:
                        ballots[v.choices.get((key, name), ())].append(v.annotator)
                    ranked = sorted(ballots.items(), key=lambda item: (-len(item[1]), item[0]))
                    shown = "; ".join(f"{', '.join(vals) or 'no answer'} by {', '.join(who)}" for vals, who in ranked)
                    self.conflict(
                        "attribute",
                        f"{name} of {_show(key, gold.spans[key])} is required and not decided: {shown}",
                        [{"annotators": who, "values": list(vals)} for vals, who in ranked],
                        region,
                        name,
                    )
            if (
                unsourced
                and not self._listed("link", key, LINK_SOURCE)
                and not self._listed("attribute", key, ATTRIBUTION)
            ):
                versions_of = [
                    {
                        "annotators": [v.annotator],
                        "to": next(
                            (
                                _span_dict(dst, v.spans[dst])
                                for src, dst, label in sorted(v.links)
                                if src == key and label == LINK_SOURCE
                            ),
                            None,
                        ),
                        "values": list(v.choices.get((key, ATTRIBUTION), ())),
                    }
                    for v in drew
                ]
                self.conflict(
                    "link",
                    f"{LINK_SOURCE} of {_show(key, gold.spans[key])}: no source link is "
                    f"decided and the claim is not marked {UNATTRIBUTED}",
                    versions_of,
                    region,
                    LINK_SOURCE,
                )
            undecided = missing + ([LINK_SOURCE] if unsourced else [])
            gold.leave_out(key, f"claim without a decided {' / '.join(undecided)} (see its conflicts)")
            self.claims_left_out += 1

    def _listed(self, kind: str, key: SpanKey, name: str) -> bool:
        return any(
            c.kind == kind
            and c.name == name
            and c.region is not None
            and (c.region.get("layer"), c.region.get("label"), c.region.get("start"), c.region.get("end")) == key
            for c in self.conflicts
        )


def adjudicate(
    records: Iterable[AnnotationRecord],
    strategy: str = "majority",
    min_agree: int = 2,
    texts: dict[str, str] | None = None,
    schema: LabelSchema | None = None,
    prefer: Sequence[str] = (),
) -> AdjudicationResult:
    """One gold record per document.

    Args:
        records: every annotation record (any origin); cancelled ones, predictions, earlier gold
            and review-project records are sorted out here (review records count only as ground truth).
        strategy: ``majority``, ``ground-truth`` or ``single`` (see the module docstring).
        min_agree: k, the number of annotators who must agree for a span or link to be kept.
        texts: doc id -> current clean text. With it, records made on another text are skipped,
            spans are checked against the text and the gold ``text_sha256`` is the text's hash.
        schema: the label schema gold must keep (required claim attributes, nesting, sources);
            the default schema when not given.
        prefer: annotators (emails) whose version wins whole where they made one, first first.

    Returns:
        An :class:`AdjudicationResult`: gold records (sorted by doc id) that pass validation's
        integrity checks, every conflict, the unresolved documents (those with a conflict), the
        documents without gold, ground-truth fallbacks and skipped records.
    """
    if strategy not in STRATEGIES:
        raise NewsdeskError(Errors.E241, "--strategy", f"unknown strategy {strategy!r}; use {', '.join(STRATEGIES)}")
    if min_agree < 1:
        raise NewsdeskError(Errors.E241, "--min-agree", f"at least 1, not {min_agree}")
    result = AdjudicationResult(strategy, min_agree)
    with without_cyclic_gc():
        _adjudicate_all(records, strategy, min_agree, texts, schema or LabelSchema.default(), result, tuple(prefer))
    return result


def _adjudicate_all(
    records, strategy, min_agree, texts, schema: LabelSchema, result: AdjudicationResult, prefer: tuple = ()
) -> None:
    by_doc: dict[str, list[AnnotationRecord]] = defaultdict(list)
    for r in records:
        if r.cancelled or r.origin in (Origin.PREDICTION, GOLD_ORIGIN):
            continue
        by_doc[r.doc_id].append(r)
    for doc_id in sorted(by_doc):
        _adjudicate_document(doc_id, by_doc[doc_id], strategy, min_agree, texts, schema, result, prefer)
    _leave_out_invalid(result, texts, schema)


def _skip(result: AdjudicationResult, record: AnnotationRecord, reason: str) -> None:
    result.skipped.append(
        {
            "doc_id": record.doc_id,
            "annotator": record.annotator,
            "origin": record.origin,
            "record_id": record.record_id,
            "reason": reason,
        }
    )


def _adjudicate_document(
    doc_id: str,
    records: list[AnnotationRecord],
    strategy: str,
    min_agree: int,
    texts: dict[str, str] | None,
    schema: LabelSchema,
    result: AdjudicationResult,
    prefer: tuple = (),
) -> None:
    text = None
    if texts is not None:
        if doc_id not in texts:
            for r in records:
                _skip(result, r, "document is not in the corpus")
            return
        text = texts[doc_id]
        sha = sha256_hex(text)
    else:
        sha = max(records, key=recency).text_sha256
    current = []
    for r in records:
        if r.text_sha256 != sha:
            _skip(result, r, "made on another version of the text")
        else:
            current.append(r)
    latest: dict[str, AnnotationRecord] = {}
    for r in sorted((r for r in current if r.origin not in NON_VOTING_ORIGINS), key=recency):
        if r.annotator in latest:
            _skip(result, latest[r.annotator], "superseded by a later record of the same annotator")
        latest[r.annotator] = r
    voting = [latest[a] for a in sorted(latest)]
    # A review submitted in the review project settles the document: that is what it was made for.
    truths = sorted((r for r in current if r.ground_truth or r.origin == REVIEW_ORIGIN), key=recency)
    if not voting and not (strategy == "ground-truth" and truths):
        return
    result.documents += 1
    task_ids = Counter(r.task_id for r in voting if r.task_id is not None)
    task_id = task_ids.most_common(1)[0][0] if task_ids else None
    doc = _Document(doc_id, task_id, [_version(r, text) for r in voting], text, schema)
    about = {"strategy": strategy, "annotators": [r.annotator for r in voting]}

    def finish(gold: _Gold, versions: list[_Version], **record_about) -> None:
        doc.complete_claims(gold, versions)
        if doc.conflicts:
            gold.problems.append(
                f"{len(doc.conflicts)} open conflict(s): " + ", ".join(sorted({c.kind for c in doc.conflicts}))
            )
        result.gold.append(gold.record(task_id, **record_about))
        result.conflicts.extend(doc.conflicts)
        result.claims_left_out += doc.claims_left_out
        result.unanswered.update(doc.unanswered)

    if strategy == "ground-truth" and truths:
        chosen = truths[-1]
        gold = _Gold(doc_id, sha, [chosen], text)
        version = _version(chosen, text)
        gold.adopt(version, "ground-truth")
        overridden = [f"{r.origin}/{r.record_id}" for r in truths[:-1]]
        if overridden:
            gold.problems.append(f"later ground truth {chosen.origin}/{chosen.record_id} overrides {overridden}")
        finish(
            gold,
            [version],
            rule="ground-truth",
            reviewer=chosen.annotator,
            **about,
            **({"overridden": overridden} if overridden else {}),
        )
        return

    preferred = next((latest[a] for a in prefer if a in latest), None)
    if preferred is not None:
        gold = _Gold(doc_id, sha, [preferred], text)
        version = _version(preferred, text)
        gold.adopt(version, "preferred")
        finish(gold, [version], rule="preferred", preferred=preferred.annotator, **about)
        return

    gold = _Gold(doc_id, sha, voting, text)
    if strategy == "single" or len(doc.versions) == 1:
        identical = len({v.content() for v in doc.versions}) == 1
        if len(doc.versions) == 1 or identical:
            rule = "single" if len(doc.versions) == 1 else "single (identical versions)"
            gold.adopt(doc.versions[0], rule, [v.annotator for v in doc.versions])
            for v in doc.versions[1:]:
                gold.problems.extend(v.notes)
            if strategy == "ground-truth":
                result.fallbacks.append(doc_id)
                rule = f"{rule} (no ground truth)"
            finish(gold, doc.versions, rule=rule, **about)
            return
        doc.conflict(
            "versions",
            f"{len(doc.versions)} different versions; the single strategy needs one (use majority or ground-truth)",
            [
                {
                    "annotators": [v.annotator],
                    "record": f"{v.record.origin}/{v.record.record_id}",
                    "spans": len(v.spans),
                    "links": len(v.links),
                }
                for v in doc.versions
            ],
        )
        result.conflicts.extend(doc.conflicts)
        result.without_gold.append(doc_id)
        return

    k = doc.majority(gold, min_agree)
    rule = "majority"
    if strategy == "ground-truth":
        result.fallbacks.append(doc_id)
        rule = "majority (no ground truth)"
    finish(gold, doc.versions, rule=rule, min_agree=k, **about)


class _Text(NamedTuple):
    """What validation's integrity checks read of a document: its text and the text's hash."""

    text: str
    text_sha256: str


def _leave_out_invalid(result: AdjudicationResult, texts: dict[str, str] | None, schema: LabelSchema) -> None:
    """Gold is never written as valid when it is not: a record that still fails validation's
    integrity checks (the voting settles the usual causes; what is left comes from annotations
    that break the rules themselves, such as a source link to a DATE or a span with a space at
    its edge) is taken out of gold, and its document is a listed conflict naming the findings.

    One pass over all gold records at once: the checks screen every record in bulk and look
    closely only at those the screens flag.
    """
    if texts is not None:
        docs = {g.doc_id: _Text(texts[g.doc_id], g.text_sha256) for g in result.gold}
        found = check_records(result.gold, docs, schema)
    else:  # the offsets cannot be checked against a text: the layer, link and claim checks only
        found = [f for g in result.gold for f in check_without_text(g, schema)]
    invalid: dict[str, list[str]] = defaultdict(list)
    for f in found:
        if f.severity == "error":
            invalid[f.doc_id].append(f"[{f.code}] {f.message}")
    if not invalid:
        return
    kept = []
    for g in result.gold:
        findings = invalid.get(g.doc_id)
        if not findings:
            kept.append(g)
            continue
        annotators = g.provenance.get("record", {}).get("annotators", [])
        result.conflicts.append(
            Conflict(
                g.doc_id,
                g.task_id,
                "invalid",
                f"gold would not pass validation ({len(findings)} finding(s): {findings[0]}"
                + (" ..." if len(findings) > 1 else "")
                + "); fix the annotations it comes from",
                [{"annotators": sorted(annotators), "findings": findings}],
            )
        )
        result.without_gold.append(g.doc_id)
    result.gold = kept
    result.conflicts.sort(key=lambda c: c.doc_id)  # stable: each document's conflicts stay in order
    result.without_gold.sort()


def adjudicate_workspace(
    workspace: Workspace, strategy: str = "majority", min_agree: int = 2, prefer: Sequence[str] = ()
) -> AdjudicationResult:
    """Adjudicate the workspace's stored records against the corpus's current texts.

    ``prefer`` takes emails and role names (``reviewer``: everyone recorded with that role by
    ``newsdesk studio users add``, in email order)."""
    records = AnnotationStore(workspace).records(include_cancelled=False)
    wanted = {r.doc_id for r in records}
    texts = {d.id: d.text for d in CorpusStore(workspace).iter_documents() if d.id in wanted}
    return adjudicate(
        records, strategy, min_agree, texts, LabelSchema.load(workspace), preferred_annotators(workspace, prefer)
    )


def preferred_annotators(workspace: Workspace, prefer: Sequence[str]) -> list[str]:
    """Emails in order of preference, role names expanded to the people recorded with that role."""
    from annotation.accounts import ROLES, members_with_role

    emails: list[str] = []
    for entry in prefer:
        entry = entry.strip().lower()
        found = sorted(members_with_role(workspace.root, entry)) if entry in ROLES else [entry]
        if entry in ROLES and not found:
            raise NewsdeskError(
                Errors.E241,
                "--prefer",
                f"nobody has the role {entry!r} in this workspace",
                f"add one with `newsdesk studio users add EMAIL --role {entry}`",
            )
        emails.extend(e for e in found if e not in emails)
    return emails
