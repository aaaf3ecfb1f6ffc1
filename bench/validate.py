"""Benchmark: validate, agreement and adjudicate on a synthetic annotated corpus held in memory.

One run generates ``--docs`` documents (~3 KB of news prose each, built directly as
:class:`~corpus.model.Document` objects with an identity offset map rather than cleaned), one
annotation record per document with ~20 entity and claim spans (two claims, each with its cue,
its source link and the per-claim attributes of the default label schema), and for
``--double`` of the documents a second annotator's record that mostly agrees (dropped,
relabelled and shortened spans, changed attributes, a source left out as "unattributed",
optional entities marked by one annotator only). It plants a known number of errors of several
codes in single-annotated records (:data:`PLANTS`) and checks that ``validate_data`` reports
exactly those, then times:

- ``validate_data`` (total, best of ``--repeat``, and its own ``pandera_seconds``), beside the
  frame building and a direct ``schema.validate(frame, lazy=True)`` per table: what pandera
  alone costs on the same frames;
- ``agreement`` on the double-annotated documents (every record, the texts of those documents,
  as ``agreement_workspace`` calls it);
- ``adjudicate(records, "majority", 2, texts)`` over the double-annotated documents and over all;
- peak resident memory of the whole run (VmHWM).

Each step shows wall seconds and the CPU seconds of this process: on a shared machine the wall
time follows the load (shown too), the CPU time much less.

    .venv/bin/python bench/validate.py --repeat 3 --json-out bench/validate-results.json   # 100k docs, minutes
    .venv/bin/python bench/validate.py --docs 2000                                          # smoke run
    .venv/bin/python bench/validate.py --docs 20000 --profile validate --skip agreement     # cProfile a step
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import platform
import pstats
import random
import resource
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path

import pandera.errors as pa_errors

from annotation.model import AnnotationRecord, Link, RegionChoice, Span
from annotation.schema import (
    ATTRIBUTION,
    CLAIM,
    CLAIM_LAYER,
    ENTITY_LAYER,
    LINK_CUE,
    LINK_SOURCE,
    UNATTRIBUTED,
    LabelSchema,
)
from corpus.model import Block, CleaningRecord, Document, sha256_hex
from corpus.offsets import OffsetMap
from validation import schemas, tables
from validation.adjudicate import adjudicate
from validation.agreement import agreement
from validation.validate import validate_data

TARGETS = {"validate": 10.0, "agreement": 10.0}  # seconds on 2 cores (issue 4)
PIPELINE_VERSION = "bench-identity"

# What is planted, in distinct single-annotated records; each plant makes exactly one finding.
PLANTS = {"V101": 20, "V202": 100, "V204": 100, "V206": 50, "V209": 20, "V210": 20, "V211": 20, "V212": 30}


# --- word pools ------------------------------------------------------------------------------------

FIRST = [
    "Anna",
    "Lars",
    "Maria",
    "Tomas",
    "Eva",
    "Jonas",
    "Sofia",
    "Peter",
    "Helena",
    "Marek",
    "Ines",
    "Karim",
    "Olga",
    "David",
    "Lucia",
    "Stefan",
    "Amira",
    "Pavel",
    "Clara",
    "Henrik",
    "Nadia",
    "Felix",
    "Greta",
    "Omar",
]
LAST = [
    "Berg",
    "Novak",
    "Lindqvist",
    "Moreau",
    "Kowalski",
    "Rossi",
    "Okafor",
    "Hansen",
    "Silva",
    "Weber",
    "Duarte",
    "Nieminen",
    "Papadopoulos",
    "Horvat",
    "Jansen",
    "Costa",
    "Fischer",
    "Dubois",
    "Brennan",
    "Sato",
]
ROLES = [
    "Finance Minister",
    "the mayor",
    "Health Secretary",
    "union leader",
    "chief executive",
    "Professor",
    "opposition leader",
    "spokesman",
    "economist",
    "Interior Minister",
]
ORGS = [
    "the Treasury",
    "Northwind Bank",
    "the Central Bank",
    "Acme Energy",
    "the Health Ministry",
    "Globex",
    "the Port Authority",
    "Union Rail",
    "the Statistics Office",
    "Helix Pharma",
    "the City Council",
    "Baltic Shipping",
    "the Court of Auditors",
    "Vega Telecom",
]
GPES = [
    "Berlin",
    "Warsaw",
    "Lisbon",
    "Oslo",
    "Gdansk",
    "Porto",
    "Helsinki",
    "Vienna",
    "Riga",
    "Lyon",
    "Dublin",
    "Tallinn",
    "Madrid",
    "Prague",
    "Zagreb",
    "Bergen",
]
LOCS = ["the Baltic Sea", "the Alps", "the river Vistula", "the North Sea coast", "the Danube valley"]
NORPS = ["Polish", "German", "Portuguese", "Norwegian", "Catholic", "Finnish", "Socialist", "Irish"]
EVENTS = ["the Spring Fair", "the Harbour Festival", "the Budget Summit", "the Winter Games", "the Book Week"]
DAYS = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "last week",
    "on 3 March",
    "this morning",
    "in January",
    "last year",
]
SOURCE_NOUNS = ["spokeswoman", "spokesman", "official", "adviser", "source close to the talks", "senior aide"]
CLAIM_SUBJECTS = [
    "The government",
    "We",
    "The bank",
    "The new rules",
    "Our members",
    "The company",
    "Inflation",
    "The budget",
    "Rents",
    "The council",
    "Exports",
    "Unemployment",
    "The project",
]
CLAIM_VERBS = [
    "will cut",
    "has doubled",
    "cannot afford",
    "will not raise",
    "expects to increase",
    "never promised",
    "has already reduced",
    "will freeze",
    "plans to review",
    "denies cutting",
]
CLAIM_OBJECTS = [
    "spending on schools",
    "the price of energy",
    "taxes for small firms",
    "the number of trains",
    "public sector wages",
    "the deficit",
    "housing benefit",
    "the defence budget",
    "rail fares",
    "its workforce",
    "funding for hospitals",
    "interest rates",
]
FILLER = [
    "The decision follows months of negotiations between the parties involved.",
    "Critics say the plan does little to address the underlying problems.",
    "Officials declined to comment further when contacted.",
    "The proposal will be debated in committee before any vote takes place.",
    "Several groups have already announced protests against the measures.",
    "Analysts expect the debate to continue well into the coming months.",
    "The figures have not been independently verified.",
    "Residents living near the site have raised concerns about noise and traffic.",
    "The measure was first announced in a short statement published online.",
    "A final report is due to be published later in the year.",
    "Supporters argue that the change is long overdue and broadly popular.",
    "It is not yet clear how the costs will be shared between regions.",
    "The scheme has been criticised for being too complicated to use.",
    "Turnout at the public consultation was lower than organisers had hoped.",
    "Opposition parties have called for an independent inquiry into the matter.",
    "The announcement caught many observers by surprise.",
    "Negotiators are expected to meet again before the end of the month.",
    "Local businesses say they have seen little benefit so far.",
    "The change affects thousands of households across the region.",
    "Questions remain about how the policy will be enforced in practice.",
]
RELABEL = {
    "PERSON": "ORG",
    "ORG": "GPE",
    "GPE": "LOC",
    "LOC": "GPE",
    "NORP": "ORG",
    "DATE": "TIME",
    "CARDINAL": "QUANTITY",
    "PERCENT": "QUANTITY",
    "MONEY": "CARDINAL",
    "EVENT": "ORG",
}


# --- generation --------------------------------------------------------------------------------------


@dataclass
class _Writer:
    """Builds one document's text left to right and records the spans laid on it."""

    parts: list[str] = field(default_factory=list)
    pos: int = 0
    spans: list[tuple[str, str, int, int, str]] = field(default_factory=list)  # (layer, label, start, end, text)
    optional: list[tuple[str, str, int, int, str]] = field(default_factory=list)  # entities annotators may miss

    def put(self, s: str) -> None:
        self.parts.append(s)
        self.pos += len(s)

    def span(self, layer: str, label: str, s: str, optional: bool = False) -> int:
        entry = (layer, label, self.pos, self.pos + len(s), s)
        (self.optional if optional else self.spans).append(entry)
        self.put(s)
        return len(self.spans) - 1


@dataclass
class Corpus:
    docs: list[Document]
    records: list[AnnotationRecord]
    double: list[str]  # ids of the double-annotated documents
    spans_first: int  # spans in the first annotators' records
    claims_first: int


def _claim_text(rng: random.Random) -> str:
    tail = f" by {rng.randint(2, 40)} percent" if rng.random() < 0.5 else f" in {rng.choice(GPES)}"
    return f"{rng.choice(CLAIM_SUBJECTS)} {rng.choice(CLAIM_VERBS)} {rng.choice(CLAIM_OBJECTS)}{tail}"


def _write_claim(w: _Writer, rng: random.Random, curly: bool) -> dict:
    """One claim sentence; returns the claim's span indices and attributes."""
    kind = rng.random()
    claim = _claim_text(rng)
    if kind < 0.45:  # "…", said Finance Minister Anna Berg on Monday.
        q1, q2 = ("“", "”") if curly else ('"', '"')
        w.put(q1)
        c = w.span(CLAIM_LAYER, CLAIM, claim)
        w.put(f"{q2}, ")
        cue = w.span(CLAIM_LAYER, "CUE", "said")
        w.put(f" {rng.choice(ROLES)} ")
        src = w.span(ENTITY_LAYER, "PERSON", f"{rng.choice(FIRST)} {rng.choice(LAST)}")
        w.put(" ")
        w.span(ENTITY_LAYER, "DATE", rng.choice(DAYS))
        w.put(". ")
        speech = "direct"
    elif kind < 0.75:  # According to a Treasury spokeswoman, the budget will …
        cue = w.span(CLAIM_LAYER, "CUE", "According to")
        w.put(" ")
        org = rng.choice(ORGS).removeprefix("the ")
        src = w.span(CLAIM_LAYER, "SOURCE", f"a {org} {rng.choice(SOURCE_NOUNS)}")
        w.put(", ")
        c = w.span(CLAIM_LAYER, CLAIM, claim)
        w.put(". ")
        speech = "indirect"
    elif kind < 0.95:  # Northwind Bank said in a statement that …
        src = w.span(ENTITY_LAYER, "ORG", rng.choice(ORGS[1::2]))
        w.put(" ")
        cue = w.span(CLAIM_LAYER, "CUE", "said")
        w.put(" in a statement that ")
        c = w.span(CLAIM_LAYER, CLAIM, claim[0].lower() + claim[1:])
        w.put(". ")
        speech = "indirect"
    else:  # unattributed: no source, no cue
        c = w.span(CLAIM_LAYER, CLAIM, claim)
        w.put(", it emerged ")
        w.span(ENTITY_LAYER, "DATE", rng.choice(DAYS))
        w.put(". ")
        cue = src = None
        speech = "indirect"
    attrs = {
        "check_worthiness": rng.choices(["check-worthy", "not check-worthy", "unsure"], (6, 3, 1))[0],
        "claim_type": rng.choices(
            ["statement of fact", "quotation or opinion", "prediction", "denial", "other"], (5, 3, 2, 1, 1)
        )[0],
        "speech": speech,
    }
    if src is None:
        attrs[ATTRIBUTION] = UNATTRIBUTED
    return {"claim": c, "cue": cue, "source": src, "attrs": attrs}


def _write_entities(w: _Writer, rng: random.Random) -> None:
    """One sentence with two or three entities (and sometimes an optional one)."""
    k = rng.randrange(6)
    if k == 0:
        w.span(ENTITY_LAYER, "ORG", rng.choice(ORGS[1::2]))
        w.put(" opened a new office in ")
        w.span(ENTITY_LAYER, "GPE", rng.choice(GPES))
        w.put(" ")
        w.span(ENTITY_LAYER, "DATE", rng.choice(DAYS))
        w.put(". ")
    elif k == 1:
        w.span(ENTITY_LAYER, "PERSON", f"{rng.choice(FIRST)} {rng.choice(LAST)}")
        w.put(", a member of the ")
        w.span(ENTITY_LAYER, "NORP", rng.choice(NORPS))
        w.put(" community, spoke for ")
        w.span(ENTITY_LAYER, "CARDINAL", str(rng.randint(5, 90)))
        w.put(" minutes. ")
    elif k == 2:
        w.put("The ")
        w.span(ENTITY_LAYER, "EVENT", rng.choice(EVENTS).removeprefix("the "))
        w.put(" drew ")
        w.span(ENTITY_LAYER, "CARDINAL", f"{rng.randint(2, 90)},000")
        w.put(" visitors to ")
        w.span(ENTITY_LAYER, "LOC", rng.choice(LOCS))
        w.put(". ")
    elif k == 3:
        w.put("Prices rose by ")
        w.span(ENTITY_LAYER, "PERCENT", f"{rng.randint(2, 30)} percent")
        w.put(" to ")
        w.span(ENTITY_LAYER, "MONEY", f"{rng.randint(2, 900)} million euros")
        w.put(", ")
        w.span(ENTITY_LAYER, "ORG", rng.choice(ORGS))
        w.put(" reported. ")
    elif k == 4:
        w.put("Talks between ")
        w.span(ENTITY_LAYER, "GPE", rng.choice(GPES))
        w.put(" and ")
        w.span(ENTITY_LAYER, "GPE", rng.choice(GPES))
        w.put(" resumed ")
        w.span(ENTITY_LAYER, "DATE", rng.choice(DAYS))
        w.put(". ")
    else:
        w.put("The report, signed by ")
        w.span(ENTITY_LAYER, "PERSON", f"{rng.choice(FIRST)} {rng.choice(LAST)}")
        w.put(", was sent to ")
        w.span(ENTITY_LAYER, "ORG", rng.choice(ORGS), optional=True)
        w.put(" on ")
        w.span(ENTITY_LAYER, "DATE", rng.choice(DAYS))
        w.put(". ")


def _make_document(i: int, rng: random.Random, target_chars: int) -> tuple[Document, _Writer, list[dict]]:
    w = _Writer()
    curly = rng.random() < 0.2  # most texts stay ASCII (1 byte a character in memory), some are not
    title = (
        f"{rng.choice(ORGS).removeprefix('the ').capitalize()} {rng.choice(CLAIM_VERBS)} {rng.choice(CLAIM_OBJECTS)}"
    )
    w.put(title + "\n\n")
    blocks = [Block("title", 0, len(title))]
    para_start = w.pos
    n_entity_sentences = rng.randint(4, 5)
    claim_at = sorted(rng.sample(range(3, 30), 2))
    claims: list[dict] = []
    sentence = 0
    while w.pos < target_chars or len(claims) < 2 or n_entity_sentences > 0:
        if len(claims) < 2 and sentence >= claim_at[len(claims)]:
            claims.append(_write_claim(w, rng, curly))
        elif n_entity_sentences > 0 and rng.random() < 0.3:
            _write_entities(w, rng)
            n_entity_sentences -= 1
        else:
            w.put(rng.choice(FILLER) + " ")
        sentence += 1
        if sentence % 5 == 0:  # every sentence ends with one space: it becomes a paragraph break
            w.parts[-1] = w.parts[-1][:-1] + "\n\n"
            w.pos += 1
            blocks.append(Block("paragraph", para_start, w.pos - 2))
            para_start = w.pos
    w.parts[-1] = w.parts[-1].rstrip(" ")
    w.pos = sum(map(len, w.parts))
    if para_start < w.pos:
        blocks.append(Block("paragraph", para_start, w.pos))
    text = "".join(w.parts)
    raw = text.encode("utf-8")
    doc_id = sha256_hex(f"bench:{i}")[:16]
    doc = Document(
        id=doc_id,
        source=f"bench/{i:06d}.txt",
        title=title,
        text=text,
        raw_sha256=sha256_hex(raw),
        text_sha256=sha256_hex(text),
        encoding="utf-8",
        language="en",
        published=f"2026-0{1 + i % 9}-{1 + i % 28:02d}",
        blocks=blocks,
        flags=[],
        cleaning=CleaningRecord(PIPELINE_VERSION, [], OffsetMap.identity(len(text))),
        cluster=doc_id,
    )
    return doc, w, claims


def region_id(i: int, k: int) -> str:
    """A region id as Label Studio makes them (ten characters, distinct across the corpus)."""
    return f"{((i << 12) + k) * 0x9E3779B97F4A7C15 % (1 << 40):010x}"


def _optional_id(i: int, k: int) -> str:
    return region_id(i, 2048 + k)


def _first_record(
    doc: Document, i: int, w: _Writer, claims: list[dict], rng: random.Random, optional_marked: list[bool]
) -> AnnotationRecord:
    ids = [region_id(i, k) for k in range(len(w.spans))]
    spans = [Span(ids[k], layer, label, s, e, t) for k, (layer, label, s, e, t) in enumerate(w.spans)]
    spans += [
        Span(_optional_id(i, k), layer, label, s, e, t)
        for k, (layer, label, s, e, t) in enumerate(w.optional)
        if optional_marked[k]
    ]
    links, choices = [], []
    for c in claims:
        cid = ids[c["claim"]]
        if c["source"] is not None:
            links.append(Link(cid, ids[c["source"]], LINK_SOURCE))
        if c["cue"] is not None:
            links.append(Link(cid, ids[c["cue"]], LINK_CUE))
        choices += [RegionChoice(cid, name, (value,)) for name, value in c["attrs"].items()]
    minute = i % 60
    return AnnotationRecord(
        doc_id=doc.id,
        text_sha256=doc.text_sha256,
        annotator="ana@newsdesk.example",
        origin="labelstudio",
        record_id=str(2 * i + 1),
        task_id=i + 1,
        created_at=f"2026-02-01T10:{minute:02d}:00Z",
        updated_at=f"2026-02-01T10:{minute:02d}:30Z",
        lead_time=round(rng.uniform(60, 900), 1),
        spans=spans,
        links=links,
        choices=choices,
        document_choices={"text_quality": ["residue left"]} if rng.random() < 0.05 else {},
    )


def _second_record(first: AnnotationRecord, i: int, w: _Writer, rng: random.Random) -> AnnotationRecord:
    """A second annotator's version: mostly the same, with the disagreements annotators really have."""
    linked = {lk.to_id for lk in first.links} | {lk.from_id for lk in first.links}
    optional = {_optional_id(i, k) for k in range(len(w.optional))}
    spans, dropped = [], set()
    for s in first.spans:
        if s.id in optional:
            continue  # optional entities: decided independently below
        r = rng.random()
        if s.layer == ENTITY_LAYER and s.id not in linked:
            if r < 0.04:
                dropped.add(s.id)
                continue
            if r < 0.08:
                s = s._replace(label=RELABEL.get(s.label, s.label))
            elif r < 0.12 and " " in s.text:  # shorter: "Anna Berg" -> "Berg"
                cut = s.text.index(" ") + 1
                s = s._replace(start=s.start + cut, text=s.text[cut:])
        elif s.label == CLAIM:
            if r < 0.03:
                dropped.add(s.id)
                continue
            if r < 0.13 and " " in s.text:  # leaves the last word out
                cut = s.text.rindex(" ")
                s = s._replace(end=s.start + cut, text=s.text[:cut])
        spans.append(s)
    spans += [
        Span(_optional_id(i, k), layer, label, s, e, t)
        for k, (layer, label, s, e, t) in enumerate(w.optional)
        if rng.random() < 0.3
    ]
    links = [lk for lk in first.links if lk.from_id not in dropped]
    unsourced = set()
    for lk in list(links):
        if lk.label == LINK_SOURCE and rng.random() < 0.05:  # not sure who said it: ticks "unattributed"
            links.remove(lk)
            unsourced.add(lk.from_id)
    choices = []
    for c in first.choices:
        if c.region_id in dropped:
            continue
        if c.name == ATTRIBUTION:
            choices.append(c)
            continue
        if c.name != "speech" and rng.random() < 0.15:
            values = {
                "check_worthiness": ["check-worthy", "not check-worthy", "unsure"],
                "claim_type": ["statement of fact", "quotation or opinion", "prediction", "denial", "other"],
            }
            c = RegionChoice(c.region_id, c.name, (rng.choice(values[c.name]),))
        choices.append(c)
    choices += [RegionChoice(cid, ATTRIBUTION, (UNATTRIBUTED,)) for cid in sorted(unsourced)]
    minute = i % 60
    return replace(
        first,
        annotator="ben@newsdesk.example",
        record_id=str(2 * i + 2),
        created_at=f"2026-02-02T11:{minute:02d}:00Z",
        updated_at=f"2026-02-02T11:{minute:02d}:45Z",
        lead_time=round(rng.uniform(60, 900), 1),
        spans=spans,
        links=links,
        choices=choices,
        document_choices=dict(first.document_choices),
        problems=[],
        provenance={},
    )


def generate(n_docs: int, seed: int, double_share: float, target_chars: int = 3000) -> Corpus:
    rng = random.Random(seed)
    docs, records, double = [], [], []
    spans_first = claims_first = 0
    for i in range(n_docs):
        doc, w, claims = _make_document(i, rng, target_chars)
        docs.append(doc)
        first = _first_record(doc, i, w, claims, rng, [rng.random() < 0.3 for _ in w.optional])
        records.append(first)
        spans_first += len(first.spans)
        claims_first += len(claims)
        if rng.random() < double_share:
            records.append(_second_record(first, i, w, rng))
            double.append(doc.id)
    return Corpus(docs, records, double, spans_first, claims_first)


# --- planted errors ----------------------------------------------------------------------------------


def plant_errors(corpus: Corpus, seed: int) -> Counter:
    """Break distinct single-annotated records, one finding each; returns the expected count per code."""
    rng = random.Random(seed + 1)
    double = set(corpus.double)
    candidates = [k for k, r in enumerate(corpus.records) if r.doc_id not in double]
    wanted = sum(PLANTS.values())
    if len(candidates) < 2 * wanted:
        print(f"too few documents to plant {wanted} errors: none planted")
        return Counter()
    rng.shuffle(candidates)
    chosen = iter(candidates)
    texts = {d.id: d.text for d in corpus.docs}
    expected: Counter = Counter()
    for code, count in PLANTS.items():
        done = 0
        while done < count:
            k = next(chosen)
            new = _plant(code, corpus.records[k], texts[corpus.records[k].doc_id], rng)
            if new is None:  # nothing to break that way in this record; the next one will do
                continue
            corpus.records[k] = new
            done += 1
        expected[code] += count
    return expected


def _entity_free(rec: AnnotationRecord) -> list[Span]:
    linked = {lk.to_id for lk in rec.links}
    return [s for s in rec.spans if s.layer == ENTITY_LAYER and s.id not in linked]


def _plant(code: str, rec: AnnotationRecord, text: str, rng: random.Random) -> AnnotationRecord | None:
    def with_span(old: Span, new: Span) -> AnnotationRecord:
        return replace(rec, spans=[new if s.id == old.id else s for s in rec.spans])

    claims = [s for s in rec.spans if s.label == CLAIM]
    if code == "V101":  # a label the schema does not know
        s = rng.choice(_entity_free(rec))
        return with_span(s, s._replace(label="WEEKDAY"))
    if code == "V202":  # the text moved by a character since the span was drawn
        s = rng.choice(_entity_free(rec))
        return with_span(s, s._replace(start=s.start + 1, end=s.end + 1))
    if code == "V204":  # the region swallowed the space before it
        ends = {s.end for s in rec.spans if s.layer == ENTITY_LAYER}
        fits = [s for s in _entity_free(rec) if s.start > 0 and text[s.start - 1] == " " and s.start - 1 not in ends]
        if not fits:
            return None
        s = rng.choice(fits)
        return with_span(s, s._replace(start=s.start - 1, text=" " + s.text))
    if code == "V206":  # the source link was never drawn
        sourced = [lk for lk in rec.links if lk.label == LINK_SOURCE]
        if not sourced:
            return None
        gone = rng.choice(sourced)
        return replace(rec, links=[lk for lk in rec.links if lk != gone])
    if code == "V209":  # a link to a region deleted afterwards
        return replace(rec, links=rec.links + [Link(claims[0].id, "gone", LINK_SOURCE)])
    if code == "V210":  # the same link drawn twice
        return replace(rec, links=rec.links + [rec.links[0]]) if rec.links else None
    if code == "V211":  # made on an older version of the text
        return replace(rec, text_sha256=sha256_hex("an older version of " + text))
    if code == "V212":  # a required attribute left unanswered
        c = rng.choice(claims)
        return replace(
            rec, choices=[ch for ch in rec.choices if not (ch.region_id == c.id and ch.name == "claim_type")]
        )
    raise ValueError(code)


# --- measuring ---------------------------------------------------------------------------------------


def peak_rss_mb() -> float:
    """Peak resident memory of the whole run so far (VmHWM; ru_maxrss where /proc is missing)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _FullCollections:
    """Counts the garbage collector's full (generation 2) collections and their time."""

    def __init__(self):
        self.count, self.seconds, self._t0 = 0, 0.0, 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._t0 = time.perf_counter()
        else:
            self.count += 1
            self.seconds += time.perf_counter() - self._t0


@dataclass
class Timing:
    """One call: wall seconds, CPU seconds of this process, full GC collections, the load around it.

    On a shared machine wall time follows the load; CPU time much less so, which is why both
    are shown.
    """

    wall: float
    cpu: float
    gc_full: int
    gc_seconds: float
    load: float

    def to_record(self) -> dict:
        return {
            "seconds": round(self.wall, 3),
            "cpu_seconds": round(self.cpu, 3),
            "gc_full_collections": self.gc_full,
            "gc_seconds": round(self.gc_seconds, 3),
            "load_1min": round(self.load, 2),
        }


def measure(fn, *args, profile: bool = False):
    """``fn(*args)``, timed; with ``profile``, its cProfile (cumulative and own time) is printed."""
    collections = _FullCollections()
    gc.callbacks.append(collections)
    prof = cProfile.Profile() if profile else None
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        out = prof.runcall(fn, *args) if prof else fn(*args)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        gc.callbacks.remove(collections)
    if prof:
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(35)
        pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(25)
        print(buf.getvalue(), flush=True)
    return out, Timing(wall, cpu, collections.count, collections.seconds, os.getloadavg()[0])


def bench_pandera(corpus: Corpus, schema: LabelSchema) -> dict:
    """Frame building and pandera's own ``validate(frame, lazy=True)`` per table, outside validate_data.

    The spans table is validated twice: with the (origin, record_id, span_id) uniqueness check
    and without it (validate_data leaves it out when it has proven the keys distinct).
    """
    builders = {
        "documents": (lambda: tables.documents_frame(corpus.docs), schemas.documents_schema()),
        "records": (lambda: tables.records_frame(corpus.records), schemas.records_schema()),
        "spans": (lambda: tables.spans_frame(corpus.records), schemas.spans_schema(schema)),
        "links": (lambda: tables.links_frame(corpus.records), schemas.links_schema()),
        "claims": (lambda: tables.claims_frame(corpus.records, schema), schemas.claims_schema(schema)),
    }

    def validate(frame_schema, frame) -> int:
        try:
            frame_schema.validate(frame, lazy=True)
        except pa_errors.SchemaErrors as exc:
            return len(exc.failure_cases)
        return 0

    out = {}
    for name, (build, frame_schema) in builders.items():
        frame, built = measure(build)
        failures, checked = measure(validate, frame_schema, frame)
        out[name] = {
            "rows": len(frame),
            "build_s": round(built.wall, 3),
            "build_cpu_s": round(built.cpu, 3),
            "pandera_s": round(checked.wall, 3),
            "pandera_cpu_s": round(checked.cpu, 3),
            "failure_cases": failures,
        }
        if name == "spans":
            failures, checked = measure(validate, schemas.spans_schema(schema, check_unique=False), frame)
            out["spans_without_key_check"] = {
                "rows": len(frame),
                "pandera_s": round(checked.wall, 3),
                "pandera_cpu_s": round(checked.cpu, 3),
                "failure_cases": failures,
            }
        del frame
        gc.collect()
    rows = [v for k, v in out.items() if k != "spans_without_key_check"]
    out["total"] = {
        key: round(sum(v[key] for v in rows), 3)
        for key in ("rows", "build_s", "build_cpu_s", "pandera_s", "pandera_cpu_s", "failure_cases")
    }
    return out


def print_table(result: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=max(Console().width, 150))
    c = result["corpus"]
    console.print(
        f"[bold]{c['documents']:,} documents[/] ({c['mb']:.0f} MB of text), {c['records']:,} records, "
        f"{c['spans']:,} spans ({c['spans_first_annotator']:,} by the first annotator), "
        f"{c['claims']:,} claims, {c['links']:,} links; {c['double_annotated']:,} documents double-annotated "
        f"— {result['machine']['cpus']} CPUs, load at start {result['machine']['load_at_start']}"
    )
    table = Table(title="Validation, agreement, adjudication (wall seconds; CPU seconds of this process)")
    for col in ("step", "seconds", "CPU s", "target", "load", "notes"):
        table.add_column(col, justify="left" if col in ("step", "notes") else "right")

    def row(label: str, t: dict, target: float | None = None, notes: str = "") -> None:
        shown = f"{t['seconds']:.2f}"
        if target is not None:
            shown = f"[{'green' if t['seconds'] <= target else 'red'}]{shown}[/]"
        if t.get("gc_full_collections"):
            notes += f" ({t['gc_full_collections']} full GC, {t['gc_seconds']:.1f}s)"
        table.add_row(
            label, shown, f"{t['cpu_seconds']:.2f}", f"≤ {target:.0f}" if target else "", f"{t['load_1min']:.1f}", notes
        )

    v = result["validate"]
    runs = f"best of {len(v['runs'])}; " if len(v["runs"]) > 1 else ""
    row(
        "validate_data (total)",
        v,
        TARGETS["validate"],
        f"{runs}{v['errors']} errors; planted findings {'found exactly' if v['planted_found_exactly'] else 'NOT matched'}",
    )
    table.add_row(
        "  of which pandera",
        f"{v['pandera_seconds']:.2f}",
        "",
        "",
        "",
        "report.pandera_seconds (key uniqueness check left out when proven)",
    )
    p = result["pandera"]
    for name, r in p.items():
        label = {
            "total": "pandera alone, all tables",
            "spans_without_key_check": "pandera alone: spans, no key check",
        }.get(name, f"pandera alone: {name}")
        built = f"; frame built in {r['build_s']:.2f}s ({r['build_cpu_s']:.2f} CPU)" if "build_s" in r else ""
        table.add_row(
            label,
            f"{r['pandera_s']:.2f}",
            f"{r['pandera_cpu_s']:.2f}",
            "",
            "",
            f"{r['rows']:,} rows{built}; {r['failure_cases']} failure cases",
        )
    if "agreement" in result:
        a = result["agreement"]
        row(
            "agreement",
            a,
            TARGETS["agreement"],
            f"{a['documents']:,} documents; token alpha entities {a['entity_alpha']}, claims {a['claim_alpha']}; "
            f"span F1 exact {a['f1_exact']}, overlap {a['f1_overlap']}",
        )
    for key, label in (
        ("adjudicate_double", "adjudicate majority k=2, double-annotated"),
        ("adjudicate_all", "adjudicate majority k=2, every document"),
    ):
        if key in result:
            j = result[key]
            row(
                label,
                j,
                None,
                f"{j['documents']:,} documents, {j['gold']:,} gold, {j['conflicts']:,} conflicts, "
                f"{j['unresolved']} unresolved",
            )
    console.print(table)
    console.print(
        f"peak memory (VmHWM) of the whole run {result['peak_rss_mb']:,.0f} MB; generation "
        f"{c['generate_s']:.1f}s; total {result['total_s']:.1f}s"
    )


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=100_000, help="number of documents (default 100000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--double", type=float, default=0.1, help="share of documents double-annotated (default 0.1)")
    parser.add_argument(
        "--repeat", type=int, default=1, help="run validate_data this many times and keep the fastest (default 1)"
    )
    parser.add_argument("--json-out", type=Path, help="also write the figures as JSON here")
    parser.add_argument(
        "--profile",
        choices=["validate", "agreement", "adjudicate"],
        action="append",
        default=[],
        help="print a cProfile of this step (repeatable); its time then includes profiling overhead",
    )
    parser.add_argument(
        "--skip",
        choices=["pandera", "agreement", "adjudicate"],
        action="append",
        default=[],
        help="leave a step out (repeatable)",
    )
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    schema = LabelSchema.default()
    schemas.prepare_pandera()  # as `validate` does before it reads: pandera's first import is not a run's
    corpus = generate(args.docs, args.seed, args.double)
    expected = plant_errors(corpus, args.seed)
    generate_s = time.perf_counter() - t0
    n_spans = sum(len(r.spans) for r in corpus.records)
    n_links = sum(len(r.links) for r in corpus.records)
    n_claims = sum(1 for r in corpus.records for s in r.spans if s.label == CLAIM)
    mb = sum(len(d.text.encode("utf-8")) for d in corpus.docs) / 1e6
    result = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_at_start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
            "versions": {p: metadata.version(p) for p in ("pandas", "pandera", "pyarrow", "numpy", "krippendorff")},
        },
        "args": {"docs": args.docs, "seed": args.seed, "double": args.double, "repeat": args.repeat},
        "corpus": {
            "documents": len(corpus.docs),
            "mb": round(mb, 1),
            "records": len(corpus.records),
            "spans": n_spans,
            "spans_first_annotator": corpus.spans_first,
            "claims": n_claims,
            "links": n_links,
            "double_annotated": len(corpus.double),
            "generate_s": round(generate_s, 1),
        },
        "targets_s": TARGETS,
    }
    print(
        f"generated {len(corpus.docs):,} documents, {len(corpus.records):,} records, {n_spans:,} spans "
        f"in {generate_s:.1f}s",
        flush=True,
    )

    runs = []
    for run in range(max(1, args.repeat)):
        gc.collect()
        print(f"validate_data{f' (run {run + 1})' if args.repeat > 1 else ''} ...", flush=True)
        report, timing = measure(
            validate_data, corpus.docs, corpus.records, schema, profile="validate" in args.profile and run == 0
        )
        runs.append((timing, report.pandera_seconds))
        if run < args.repeat - 1:
            del report
    best, pandera_s = min(runs, key=lambda r: r[0].wall)
    found = Counter(f.code for f in report.findings)
    result["validate"] = {
        **best.to_record(),
        "pandera_seconds": round(pandera_s, 3),
        "runs": [{**t.to_record(), "pandera_seconds": round(p, 3)} for t, p in runs],
        "errors": len(report.errors),
        "warnings": len(report.warnings),
        "findings_by_code": dict(sorted(found.items())),
        "planted_by_code": dict(sorted(expected.items())),
        "planted_found_exactly": found == expected,
        "fixable": sum(1 for f in report.findings if f.fix is not None),
        "counts": {"spans": report.spans, "claims": report.claims, "links": report.links},
    }
    if found != expected:
        print(f"findings differ from what was planted: found {dict(found)}, planted {dict(expected)}", flush=True)
    del report
    gc.collect()

    result["pandera"] = {}
    if "pandera" not in args.skip:
        print("pandera alone, per table ...", flush=True)
        result["pandera"] = bench_pandera(corpus, schema)

    double = set(corpus.double)
    texts_double = {d.id: d.text for d in corpus.docs if d.id in double}
    if "agreement" not in args.skip:
        # As agreement_workspace calls it: every record, the texts of the documents two annotators share.
        print("agreement ...", flush=True)
        gc.collect()
        rep, timing = measure(agreement, corpus.records, texts_double, schema, profile="agreement" in args.profile)
        layers = rep.layers
        r3 = lambda x: None if x is None else round(x, 3)  # noqa: E731
        result["agreement"] = {
            **timing.to_record(),
            "documents": rep.documents,
            "entity_alpha": r3(layers[ENTITY_LAYER].tokens.alpha.value),
            "claim_alpha": r3(layers[CLAIM_LAYER].tokens.alpha.value),
            "f1_exact": r3(rep.exact.f1),
            "f1_overlap": r3(rep.overlap.f1),
            "attribute_alpha": {k: r3(m.value) for k, m in rep.attributes.items()},
            "links": {k: r3(lk.agreement.value) for k, lk in rep.links.items()},
            "skipped": rep.skipped,
        }
        del rep

    if "adjudicate" not in args.skip:
        texts_all = {d.id: d.text for d in corpus.docs}
        for key, records, texts in (
            ("adjudicate_double", [r for r in corpus.records if r.doc_id in double], texts_double),
            ("adjudicate_all", corpus.records, texts_all),
        ):
            print(f"{key} ...", flush=True)
            gc.collect()
            res, timing = measure(
                adjudicate,
                records,
                "majority",
                2,
                texts,
                profile="adjudicate" in args.profile and key == "adjudicate_double",
            )
            result[key] = {
                **timing.to_record(),
                "records": len(records),
                "documents": res.documents,
                "gold": len(res.gold),
                "conflicts": len(res.conflicts),
                "conflicts_by_kind": dict(Counter(c.kind for c in res.conflicts)),
                "unresolved": len(res.unresolved),
                "skipped": len(res.skipped),
            }
            del res

    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    result["total_s"] = round(time.perf_counter() - t0, 1)
    print_table(result)
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"figures written to {args.json_out}")
    return result


if __name__ == "__main__":
    main()
