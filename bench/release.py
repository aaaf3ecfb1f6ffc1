"""Benchmark: `build_release` on a large synthetic workspace, the release's size, and cold `load_dataset`.

One run generates, in a temporary folder, a workspace of ``--docs`` documents (~3 KB of news
prose each, with the article they were cleaned from: a byline and a footer removed, so every
document has a real edit log and offset map), one gold record per document (20 spans: 14
entities and two claims, each with its cue, its source link and the claim attributes, with
adjudication provenance for every span, link and choice), and two annotators' records for
``--annotated`` of the documents. Everything is written straight into the stores
(``CorpusStore.save_articles`` / ``save_documents``, ``AnnotationStore.append``, and
``gold/gold.arrow`` in the format ``save_gold`` writes), built as objects rather than cleaned,
and valid, so validation passes. Then, in fresh processes:

- ``validate(ws)`` on its own, and ``build_release(ws, "0.1.0")``, which validates in a process
  forked before the read (it reads the workspace itself, beside the build's own reading of the
  corpus and gold and its writing of the data files): total, validation and every step
  ``BuildReport.timings`` records (wall clock, and CPU of the thread that ran it, which the
  other benchmarks running beside it on 2 cores do not inflate; steps of the forked process
  are marked "(forked)", and the total CPU includes that process); peak resident memory;
- the release's size on disk, total and per config;
- a cold ``load_dataset(<release folder>, config)`` per config: a fresh interpreter each, an
  empty ``HF_HOME``, ``HF_DATASETS_OFFLINE=1``.

    .venv/bin/python bench/release.py --json-out bench/release-results.json   # 100k docs, ~20 min (8 generating)
    .venv/bin/python bench/release.py --docs 2000                             # smoke run
    .venv/bin/python bench/release.py --docs 20000 --keep /tmp/ws-20k         # keep the workspace ...
    .venv/bin/python bench/release.py --workspace /tmp/ws-20k --profile 40    # ... rebuild it, cProfiled
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from importlib import metadata
from itertools import accumulate
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # this checkout's code, so a copy of an older checkout measures its own

from annotation.columns import RecordColumns, RecordFile  # noqa: E402
from annotation.model import AnnotationRecord, Link, RegionChoice, Span  # noqa: E402
from annotation.schema import CLAIM, CLAIM_LAYER, CUE, ENTITY_LAYER, LINK_CUE, LINK_SOURCE, SOURCE  # noqa: E402
from annotation.store import AnnotationStore  # noqa: E402
from corpus.model import Article, Block, CleaningRecord, Document, Flag, document_id, sha256_hex  # noqa: E402
from corpus.offsets import AppliedEdit, OffsetMap  # noqa: E402
from corpus.store import CorpusStore  # noqa: E402
from corpus.workspace import Workspace  # noqa: E402
from releases.configs import CONFIG_NAMES as CONFIGS  # noqa: E402
from validation.adjudicate import (  # noqa: E402
    GOLD_ANNOTATOR,
    GOLD_ORIGIN,
    AdjudicationResult,
    choice_provenance_key,
    gold_span_id,
    link_provenance_key,
)
from validation.gold import GOLD_FILE, save_gold  # noqa: E402
from validation.verdict import VERDICT_FILE  # noqa: E402

TARGET_SECONDS = 20.0  # build on 2 cores (issue 5)
VERSION = "0.1.0"
PIPELINE_VERSION = "bench-release"
BATCH = 10_000  # documents per store write: bounded memory while generating
ANNOTATORS = [f"annotator{k:02d}@newsdesk.example" for k in range(8)]


# --- word pools --------------------------------------------------------------------------------------

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
EVENTS = ["Spring Fair", "Harbour Festival", "Budget Summit", "Winter Games", "Book Week"]
DATES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "last week", "3 March", "January", "last year"]
SOURCE_NOUNS = ["spokeswoman", "spokesman", "official", "adviser", "senior aide"]
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
    "rail fares",
    "funding for hospitals",
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
    "A final report is due to be published later in the year.",
    "Supporters argue that the change is long overdue and broadly popular.",
    "It is not yet clear how the costs will be shared between regions.",
    "Turnout at the public consultation was lower than organisers had hoped.",
    "Opposition parties have called for an independent inquiry into the matter.",
    "Negotiators are expected to meet again before the end of the month.",
    "Local businesses say they have seen little benefit so far.",
    "Questions remain about how the policy will be enforced in practice.",
]
# Filler prose from a Zipf-distributed vocabulary of made-up words, so that the text compresses
# about as well as real news (a handful of fixed sentences would shrink the Parquet files tenfold).
_SYLLABLES = [c + v for c in "bcdfghjklmnprstvwz" for v in ("a", "e", "i", "o", "u", "ai", "ou", "ie")]
_VOCABULARY = sorted({"".join(random.Random(k).choices(_SYLLABLES, k=1 + k % 4)) for k in range(30_000)})
random.Random(0).shuffle(_VOCABULARY)
_ZIPF = [1 / (rank + 1) for rank in range(len(_VOCABULARY))]
_ZIPF_CUMULATIVE = list(accumulate(_ZIPF))


def _filler(rng: random.Random) -> str:
    if rng.random() < 0.3:
        return rng.choice(FILLER)
    words = rng.choices(_VOCABULARY, cum_weights=_ZIPF_CUMULATIVE, k=rng.randint(8, 20))
    return " ".join(words).capitalize() + "."


ATTRIBUTES = {
    "check_worthiness": (["check-worthy", "not check-worthy", "unsure"], (6, 3, 1)),
    "claim_type": (["statement of fact", "quotation or opinion", "prediction", "denial", "other"], (5, 3, 2, 1, 1)),
}


# --- one document ------------------------------------------------------------------------------------

SpanKey = tuple[str, str, int, int]  # layer, label, start, end (gold span ids are made from it)


@dataclass
class Sentence:
    """A sentence with its spans at offsets local to it; a claim sentence names its claim, cue and source."""

    text: str = ""
    spans: list[SpanKey] = field(default_factory=list)
    claim: dict | None = None  # {"claim": i, "cue": i, "source": i, "speech": ...}: indices into spans

    def put(self, s: str) -> None:
        self.text += s

    def span(self, layer: str, label: str, s: str) -> int:
        self.spans.append((layer, label, len(self.text), len(self.text) + len(s)))
        self.text += s
        return len(self.spans) - 1


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _claim_sentence(rng: random.Random) -> Sentence:
    s = Sentence()
    claim = f"{rng.choice(CLAIM_SUBJECTS)} {rng.choice(CLAIM_VERBS)} {rng.choice(CLAIM_OBJECTS)}"
    if rng.random() < 0.5:
        claim += f" by {rng.randint(2, 40)} percent"
    kind = rng.randrange(3)
    if kind == 0:  # “…”, said Finance Minister Anna Berg.
        s.put("“")
        c = s.span(CLAIM_LAYER, CLAIM, claim)
        s.put("”, ")
        cue = s.span(CLAIM_LAYER, CUE, "said")
        s.put(f" {rng.choice(ROLES)} ")
        src = s.span(ENTITY_LAYER, "PERSON", _person(rng))
        s.put(".")
        speech = "direct"
    elif kind == 1:  # According to a Helix Pharma spokeswoman, the budget …
        cue = s.span(CLAIM_LAYER, CUE, "According to")
        s.put(" ")
        src = s.span(CLAIM_LAYER, SOURCE, f"a {rng.choice(ORGS).removeprefix('the ')} {rng.choice(SOURCE_NOUNS)}")
        s.put(", ")
        c = s.span(CLAIM_LAYER, CLAIM, claim[0].lower() + claim[1:])
        s.put(".")
        speech = "indirect"
    else:  # Northwind Bank said in a statement that …
        src = s.span(ENTITY_LAYER, "ORG", rng.choice(ORGS[::2]))
        s.put(" ")
        cue = s.span(CLAIM_LAYER, CUE, "said")
        s.put(" in a statement that ")
        c = s.span(CLAIM_LAYER, CLAIM, claim[0].lower() + claim[1:])
        s.put(".")
        speech = "indirect"
    s.claim = {"claim": c, "cue": cue, "source": src, "speech": speech}
    return s


def _entity_sentence(rng: random.Random, at_most: int) -> Sentence:
    """A sentence with one to three entities (never more than ``at_most``)."""
    s = Sentence()
    k = rng.randrange(3) if at_most >= 3 else rng.randrange(2) if at_most == 2 else 0
    if k == 0:
        variant = rng.randrange(3)
        if variant == 0:
            s.put("Officials in ")
            s.span(ENTITY_LAYER, "GPE", rng.choice(GPES))
            s.put(" declined to comment.")
        elif variant == 1:
            s.span(ENTITY_LAYER, "PERSON", _person(rng))
            s.put(" did not respond to a request for comment.")
        else:
            s.put("The figures were first published on ")
            s.span(ENTITY_LAYER, "DATE", rng.choice(DATES))
            s.put(".")
    elif k == 1:
        if rng.random() < 0.5:
            s.span(ENTITY_LAYER, "ORG", rng.choice(ORGS[1::2]))
            s.put(" opened a new office in ")
            s.span(ENTITY_LAYER, "GPE", rng.choice(GPES))
            s.put(".")
        else:
            s.put("Prices rose by ")
            s.span(ENTITY_LAYER, "PERCENT", f"{rng.randint(2, 30)} percent")
            s.put(" to ")
            s.span(ENTITY_LAYER, "MONEY", f"{rng.randint(2, 900)} million euros")
            s.put(".")
    else:
        if rng.random() < 0.5:
            s.span(ENTITY_LAYER, "PERSON", _person(rng))
            s.put(", a ")
            s.span(ENTITY_LAYER, "NORP", rng.choice(NORPS))
            s.put(" economist, visited ")
            s.span(ENTITY_LAYER, "GPE", rng.choice(GPES))
            s.put(" for talks.")
        else:
            s.put("The ")
            s.span(ENTITY_LAYER, "EVENT", rng.choice(EVENTS))
            s.put(" drew ")
            s.span(ENTITY_LAYER, "CARDINAL", f"{rng.randint(2, 90)},000")
            s.put(" visitors to ")
            s.span(ENTITY_LAYER, "LOC", rng.choice(LOCS))
            s.put(".")
    return s


def _sentences(rng: random.Random, target_chars: int) -> list[Sentence]:
    """Two claim sentences, entity sentences up to 14 entities, filler up to ``target_chars``, shuffled."""
    sentences = [_claim_sentence(rng), _claim_sentence(rng)]  # 6 spans: claim, cue and source, twice
    entities = 0
    while entities < 14:
        sentence = _entity_sentence(rng, 14 - entities)
        entities += len(sentence.spans)
        sentences.append(sentence)
    length = sum(len(s.text) + 1 for s in sentences)
    while length < target_chars:
        sentences.append(Sentence(_filler(rng)))
        length += len(sentences[-1].text) + 1
    rng.shuffle(sentences)
    return sentences


def _document(i: int, rng: random.Random, sentences: list[Sentence], original: Document | None) -> tuple:
    """Lay the sentences out as title + paragraphs; returns the document, its article and gold spans."""
    org = rng.choice(ORGS).removeprefix("the ").capitalize()
    title = f"{org} {rng.choice(CLAIM_VERBS)} {rng.choice(CLAIM_OBJECTS)}"
    parts, pos = [title, "\n\n"], len(title) + 2
    blocks = [Block("title", 0, len(title))]
    spans: list[SpanKey] = []
    claims: list[dict] = []
    para_start, in_para = pos, 0
    for n, s in enumerate(sentences):
        if in_para:
            parts.append(" ")
            pos += 1
        base = len(spans)
        spans += [(layer, label, pos + a, pos + b) for layer, label, a, b in s.spans]
        if s.claim:
            claims.append({**{k: base + v for k, v in s.claim.items() if k != "speech"}, "speech": s.claim["speech"]})
        parts.append(s.text)
        pos += len(s.text)
        in_para += 1
        if in_para == 4 or n == len(sentences) - 1:
            blocks.append(Block("paragraph", para_start, pos))
            if n < len(sentences) - 1:
                parts.append("\n\n")
                pos += 2
                para_start, in_para = pos, 0
    text = "".join(parts)
    # The article it was cleaned from: a byline above and a share line below, both removed as residue.
    byline = f"By {_person(rng)}\n"
    footer = "\nShare this article"
    raw = byline + text + footer
    url = f"https://news.example/{i:07d}"
    doc_id = document_id(url, raw.encode())
    published = f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}"
    edits = [
        AppliedEdit("residue_lines", 0, len(byline), byline, ""),
        AppliedEdit("residue_lines", len(byline) + len(text), len(raw), footer, ""),
    ]
    offset_map = OffsetMap(
        [(0, len(byline), 0, 0), (len(byline) + len(text), len(raw), len(text), len(text))], len(raw), len(text)
    )
    flags = []
    if rng.random() < 0.03:
        first_word = text.index(" ")
        flags.append(Flag("mistranslated_conjunction", 0, first_word, "suspected machine-translation artefact"))
    if original is not None:
        flags.append(
            Flag("near_duplicate", 0, len(text), f"near-duplicate of document {original.id} (cluster {original.id})")
        )
    raw_sha = sha256_hex(raw)
    doc = Document(
        id=doc_id,
        source=url,
        title=title,
        text=text,
        raw_sha256=raw_sha,
        text_sha256=sha256_hex(text),
        encoding="utf-8",
        language="en",
        published=published,
        blocks=blocks,
        flags=flags,
        cleaning=CleaningRecord(PIPELINE_VERSION, edits, offset_map),
        duplicate_of=original.id if original else None,
        cluster=original.id if original else None,
    )
    article = Article(
        id=doc_id,
        source=url,
        raw_text=raw,
        raw_sha256=raw_sha,
        encoding="utf-8",
        format="txt",
        url=url,
        title=title,
        published=published,
    )
    return doc, article, spans, claims


def _annotation(
    doc: Document, spans: list[SpanKey], claims: list[dict], attrs: list[dict], ids: list[str]
) -> tuple[list[Span], list[Link], list[RegionChoice]]:
    """Spans, links and choices of one version, with region ids ``ids`` (parallel to ``spans``)."""
    text = doc.text
    out_spans = [Span(ids[k], layer, label, s, e, text[s:e]) for k, (layer, label, s, e) in enumerate(spans)]
    links, choices = [], []
    for c, a in zip(claims, attrs):
        links.append(Link(ids[c["claim"]], ids[c["source"]], LINK_SOURCE))
        links.append(Link(ids[c["claim"]], ids[c["cue"]], LINK_CUE))
        choices += [RegionChoice(ids[c["claim"]], name, (value,)) for name, value in a.items()]
    return out_spans, links, choices


def _records(
    i: int, doc: Document, spans: list[SpanKey], claims: list[dict], rng: random.Random, annotated: bool
) -> tuple[AnnotationRecord, list[AnnotationRecord]]:
    """The gold record, and when ``annotated`` the two annotators' records it was adjudicated from."""
    attrs = [
        {
            "check_worthiness": rng.choices(*ATTRIBUTES["check_worthiness"])[0],
            "claim_type": rng.choices(*ATTRIBUTES["claim_type"])[0],
            "speech": c["speech"],
        }
        for c in claims
    ]
    when = f"2026-02-{1 + i % 28:02d}T10:{i % 60:02d}:00Z"
    records = []
    if annotated:
        first, second = rng.sample(ANNOTATORS, 2)
        a_spans, a_links, a_choices = _annotation(doc, spans, claims, attrs, [f"a{i:x}x{k}" for k in range(len(spans))])
        records.append(
            AnnotationRecord(
                doc_id=doc.id,
                text_sha256=doc.text_sha256,
                annotator=first,
                origin="labelstudio",
                record_id=str(2 * i + 1),
                task_id=i + 1,
                created_at=when,
                updated_at=when,
                lead_time=round(rng.uniform(60, 900), 1),
                ground_truth=True,
                spans=a_spans,
                links=a_links,
                choices=a_choices,
            )
        )
        # The second annotator mostly agrees: now and then an entity relabelled or a claim type changed.
        linked = {c[k] for c in claims for k in ("claim", "cue", "source")}
        b_spans_keys = [
            (layer, "LOC" if label == "GPE" and rng.random() < 0.3 else label, s, e)
            if k not in linked
            else (layer, label, s, e)
            for k, (layer, label, s, e) in enumerate(spans)
        ]
        b_attrs = [
            {**a, "claim_type": rng.choices(*ATTRIBUTES["claim_type"])[0]} if rng.random() < 0.2 else a for a in attrs
        ]
        b_spans, b_links, b_choices = _annotation(
            doc, b_spans_keys, claims, b_attrs, [f"b{i:x}x{k}" for k in range(len(spans))]
        )
        records.append(
            AnnotationRecord(
                doc_id=doc.id,
                text_sha256=doc.text_sha256,
                annotator=second,
                origin="labelstudio",
                record_id=str(2 * i + 2),
                task_id=i + 1,
                created_at=when,
                updated_at=when,
                lead_time=round(rng.uniform(60, 900), 1),
                spans=b_spans,
                links=b_links,
                choices=b_choices,
            )
        )
        who, rule = [first], "ground-truth"
        about = {
            "strategy": "ground-truth",
            "annotators": sorted([first, second]),
            "rule": rule,
            "reviewer": first,
            "records": [f"labelstudio/{r.record_id}" for r in records[:1]],
        }
    else:
        who, rule = [rng.choice(ANNOTATORS)], "single"
        about = {
            "strategy": "majority",
            "annotators": who,
            "rule": rule,
            "min_agree": 2,
            "records": [f"labelstudio/{i + 10**7}"],
        }
    # Gold: what adjudication writes, ids from the span keys, everything in its canonical order.
    ids = [gold_span_id(k) for k in spans]
    g_spans, g_links, g_choices = _annotation(doc, spans, claims, attrs, ids)
    provenance = {sid: {"annotators": who, "rule": rule} for sid in ids}
    provenance.update(
        {link_provenance_key(lk.from_id, lk.to_id, lk.label): {"annotators": who, "rule": rule} for lk in g_links}
    )
    provenance.update(
        {choice_provenance_key(c.region_id, c.name): {"annotators": who, "rule": rule} for c in g_choices}
    )
    provenance["record"] = about
    order = sorted(range(len(spans)), key=lambda k: (spans[k][2], spans[k][3], spans[k][0], spans[k][1]))
    gold = AnnotationRecord(
        doc_id=doc.id,
        text_sha256=doc.text_sha256,
        annotator=GOLD_ANNOTATOR,
        origin=GOLD_ORIGIN,
        record_id=doc.id,
        task_id=i + 1,
        created_at=when,
        updated_at=when,
        spans=[g_spans[k] for k in order],
        links=sorted(g_links, key=lambda lk: (lk.from_id, lk.label, lk.to_id)),
        choices=sorted(g_choices, key=lambda c: (c.region_id, c.name)),
        provenance=dict(sorted(provenance.items())),
    )
    return gold, records


def generate(root: Path, n_docs: int, seed: int, annotated: float, target_chars: int = 3000) -> dict:
    """Write the synthetic workspace; returns what was written."""
    ws = Workspace.init(root)
    corpus, store = CorpusStore(ws), AnnotationStore(ws)
    rng = random.Random(seed)
    counts = {"documents": 0, "gold_spans": 0, "gold_claims": 0, "annotator_records": 0, "near_duplicates": 0}
    gold_path = ws.path(*GOLD_FILE)
    records: list[AnnotationRecord] = []
    first_gold: list[AnnotationRecord] = []
    with RecordFile(gold_path) as gold_out:
        for batch_start in range(0, n_docs, BATCH):
            articles, docs, golds = [], [], []
            previous: tuple[Document, list[Sentence]] | None = None
            for i in range(batch_start, min(n_docs, batch_start + BATCH)):
                original = None
                if previous is not None and previous[0].duplicate_of is None and rng.random() < 0.01:
                    # A near-duplicate: the previous article with one sentence more; gold spans still fit.
                    original, sentences = previous[0], previous[1] + [Sentence(_filler(rng))]
                    original.cluster = original.id
                    counts["near_duplicates"] += 1
                else:
                    sentences = _sentences(rng, rng.randint(target_chars - 600, target_chars + 600))
                doc, article, spans, claims = _document(i, rng, sentences, original)
                gold, recs = _records(i, doc, spans, claims, rng, rng.random() < annotated)
                golds.append(gold)
                if len(first_gold) < 3:
                    first_gold.append(gold)
                docs.append(doc)
                articles.append(article)
                records += recs
                previous = (doc, sentences)
                counts["gold_spans"] += len(gold.spans)
                counts["gold_claims"] += len(claims)
            gold_out.write(golds)  # the gold file save_gold writes, a batch at a time (checked below)
            corpus.save_articles(articles)
            corpus.save_documents(docs)
            counts["documents"] += len(docs)
            print(f"  generated {counts['documents']:>7} documents", file=sys.stderr, flush=True)
    store.append(records, "bench")
    counts["annotator_records"] = len(records)
    counts["annotated_documents"] = len({r.doc_id for r in records})
    _check_gold_format(gold_path, first_gold)
    return counts


def _check_gold_format(gold_path: Path, first: list[AnnotationRecord]) -> None:
    """Our gold file must hold what save_gold writes: the same columns and values."""
    with tempfile.TemporaryDirectory() as scratch:
        ws = Workspace.init(Path(scratch))
        written, _ = save_gold(ws, AdjudicationResult("majority", 2, gold=first))
        expected = RecordColumns.read(written).table
    ours = RecordColumns.read(gold_path).table.slice(0, len(first))
    if not ours.equals(expected, check_metadata=True):
        raise SystemExit("generated gold differs from what save_gold writes")


# --- measuring ---------------------------------------------------------------------------------------


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds() -> float:
    """CPU of this process and of the children it waited for (the build's forked validation)."""
    usage, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime + children.ru_utime + children.ru_stime


def _child_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def validate_child(workspace: Path) -> dict:
    """Runs in a fresh interpreter: ``validate(ws)`` on its own, as `newsdesk validate` runs it."""
    from validation.validate import validate

    started, cpu = time.perf_counter(), _cpu_seconds()
    report = validate(Workspace.open(workspace))
    seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    if report.errors:
        raise SystemExit(f"the generated workspace does not validate: {report.by_code()}")
    return {
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu, 3),
        "peak_rss_mb": round(_rss_mb(), 1),
        "documents": report.documents,
        "records": report.records,
        "spans": report.spans,
        "claims": report.claims,
        "errors": len(report.errors),
        "warnings": len(report.warnings),
    }


def build_child(workspace: Path, profile: int, profile_out: Path | None) -> dict:
    """Runs in a fresh interpreter: ``build_release(ws, VERSION)``, which validates first."""
    from releases.build import build_release

    ws = Workspace.open(workspace)
    rss_before = _rss_mb()
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started, cpu = time.perf_counter(), _cpu_seconds()
    build = build_release(ws, VERSION)
    seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    times = getattr(build, "timings", None)  # absent in a build without the instrumentation (a baseline)
    result = {
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu, 3),
        "timings": {k: round(v, 3) for k, v in times.wall.items()} if times else {},
        "cpu_timings": {k: round(v, 3) for k, v in times.cpu.items()} if times else {},
        "rows": build.rows,
        "validated": any(name.startswith("validate") for name in times.wall) if times else True,
        "path": str(build.path),
        "rss_before_mb": round(rss_before, 1),
        "peak_rss_mb": round(_rss_mb(), 1),
        "forked_peak_rss_mb": round(_child_rss_mb(), 1),
    }
    if profiler is not None:
        import io
        import pstats

        profiler.disable()
        if profile_out:
            profiler.dump_stats(str(profile_out))
        buf = io.StringIO()
        pstats.Stats(profiler, stream=buf).sort_stats("cumulative").print_stats(profile)
        print(buf.getvalue(), file=sys.stderr)
    return result


def _child(*args: str) -> dict:
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), *args], capture_output=True, text=True)
    if "--profile" in args:
        sys.stderr.write(done.stderr[-20000:])
    if done.returncode != 0:
        raise SystemExit(f"{args[0]} failed:\n{done.stderr[-5000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


LOADER = textwrap.dedent("""
    import json, sys, time, resource
    started = time.perf_counter()
    from datasets import load_dataset
    imported = time.perf_counter()
    ds = load_dataset(sys.argv[1], sys.argv[2])
    loaded = time.perf_counter()
    rows = {k: v.num_rows for k, v in ds.items()}
    first = ds["train"][0]  # read one row, so the data is really there
    print(json.dumps({"import_seconds": imported - started, "load_seconds": loaded - imported, "rows": rows,
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
""")


def cold_load(folder: Path, config: str, scratch: Path) -> dict:
    """``load_dataset(folder, config)`` in a fresh interpreter with an empty, offline HF cache."""
    home = scratch / f"hf-{config}"
    shutil.rmtree(home, ignore_errors=True)
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(scratch),
        "HF_HOME": str(home),
        "HF_DATASETS_OFFLINE": "1",
        "HF_HUB_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
    }
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-I", "-c", LOADER, str(folder), config],
        cwd=scratch,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"load_dataset({config}) failed:\n{done.stderr[-3000:]}")
    out = json.loads(done.stdout.strip().splitlines()[-1])
    out = {k: round(v, 3) if isinstance(v, float) else v for k, v in out.items()}
    out["process_seconds"] = round(wall, 3)
    out["cache_mb"] = round(_size(home) / 2**20, 1)
    shutil.rmtree(home, ignore_errors=True)
    return out


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def release_sizes(folder: Path) -> dict:
    sizes = {"total_mb": round(_size(folder) / 2**20, 1)}
    for config in CONFIGS:
        sizes[config + "_mb"] = round(_size(folder / "data" / config) / 2**20, 1)
    sizes["other_files_kb"] = {
        p.name: round(p.stat().st_size / 1024, 1) for p in sorted(folder.iterdir()) if p.is_file()
    }
    return sizes


def _load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# --- the report --------------------------------------------------------------------------------------


def table(result: dict) -> str:
    b, v, g = result["build"], result["validate"], result["generated"]
    wall, cpu = b["timings"], b["cpu_timings"]
    total, total_cpu = b["seconds"], b["cpu_seconds"]
    # Without step timings (a baseline build), validate(ws) run on its own stands in for the build's own.
    forked = "validate (forked)" in wall  # validation ran in a forked process beside the build's writing
    key = "validate (forked)" if forked else "validate"
    validation, validation_cpu = wall.get(key, v["seconds"]), cpu.get(key, v["cpu_seconds"])
    lines = [
        f"build_release({VERSION!r}) on {g['documents']} documents, {g['gold_spans']} gold spans, "
        f"{g['gold_claims']} claims, {g['annotator_records']} annotator records; {result['machine']['cpus']} "
        f"cores, load average {result['load_average_before']} before, {result['load_average_after']} after",
        "",
        f"{'step':<40}{'wall s':>9}{'CPU s':>9}",
        f"{'build_release, total':<40}{total:>9.2f}{total_cpu:>9.2f}   (CPU: the process, all threads"
        f"{', and its forked process' if forked else ''})",
    ]
    if forked:
        lines.append(f"{'  validation (forked, beside the build)':<40}{validation:>9.2f}{validation_cpu:>9.2f}")
    else:
        lines += [
            f"{'  validation (validate(ws), first)':<40}{validation:>9.2f}{validation_cpu:>9.2f}",
            f"{'  the build without validation':<40}{total - validation:>9.2f}{total_cpu - validation_cpu:>9.2f}",
        ]
    lines += _step_lines(b, skip=key)
    lines.append(
        f"{'validate(ws) alone (own process)':<40}{v['seconds']:>9.2f}{v['cpu_seconds']:>9.2f}"
        f"   peak {v['peak_rss_mb']:.0f} MB, {v['errors']} errors, {v['warnings']} warnings"
    )
    verdict = lambda seconds: "met" if seconds <= TARGET_SECONDS else "missed"
    without = "" if forked else f", without validation {verdict(total - validation)}"
    lines += [
        "",
        f"target {TARGET_SECONDS:.0f} s on 2 cores (issue 5) for {g['documents']} documents: with validation "
        f"{verdict(total)}{without} (wall clock; the target is for 100000)",
        f"peak memory of the build process: {b['peak_rss_mb']:.0f} MB "
        f"({b['rss_before_mb']:.0f} MB after imports)"
        + (
            f", of its forked process: {b['forked_peak_rss_mb']:.0f} MB (forked before the read: its own copy)"
            if b.get("forked_peak_rss_mb")
            else ""
        ),
        "",
    ]
    again = result.get("build_remembered")
    if again:
        lines += [
            f"again, the clean validation remembered (validation/verdict.py); load average "
            f"{result['load_average_before_remembered']} before, {result['load_average_after_remembered']} after",
            f"{'build_release, total':<40}{again['seconds']:>9.2f}{again['cpu_seconds']:>9.2f}   "
            f"(validated: {again['validated']})",
            *_step_lines(again),
            "",
        ]
    s = result["size"]
    lines.append(f"release on disk: {s['total_mb']:.1f} MB (workspace stores: {g.get('store_mb', 0):.0f} MB)")
    if not result["cold_load"]:
        lines += [f"{config:<14}{s[config + '_mb']:>8.1f} MB" for config in CONFIGS]
        return "\n".join(lines)
    lines.append(
        "cold load_dataset(folder, config): a fresh process each, empty HF_HOME, offline; import = "
        "`import datasets`, load = the call, process = the whole interpreter, cache = Arrow files it wrote"
    )
    lines.append(
        f"{'config':<14}{'MB':>8}{'rows':>10}{'import s':>9}{'load s':>8}{'process s':>10}{'cache MB':>9}{'peak MB':>8}"
    )
    for config in CONFIGS:
        load = result["cold_load"].get(config, {})
        rows = sum(b["rows"].get(config, {}).values())
        lines.append(
            f"{config:<14}{s[config + '_mb']:>8.1f}{rows:>10}{load.get('import_seconds', 0):>9.2f}"
            f"{load.get('load_seconds', 0):>8.2f}{load.get('process_seconds', 0):>10.2f}"
            f"{load.get('cache_mb', 0):>9.1f}{load.get('peak_rss_mb', 0):>8.0f}"
        )
    return "\n".join(lines)


def _step_lines(build: dict, skip: str | None = None) -> list[str]:
    """One line per build step: wall and CPU seconds."""
    wall, cpu = build["timings"], build["cpu_timings"]
    lines = []
    for name in wall:
        if name == skip:
            continue
        label = {
            "read": "    read documents and gold",
            "read (forked)": "    read, people's records too (forked)",
            "facts": "    facts for card, datasheet, Croissant",
        }.get(name, "    " + name)
        if name.startswith("parquet "):
            label = (
                label.removesuffix(" (forked)") + " (writer, forked)"
                if label.endswith(" (forked)")
                else label + " (writer thread)"
            )
        lines.append(f"{label:<40}{wall.get(name, 0.0):>9.2f}{cpu.get(name, 0.0):>9.2f}")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--annotated", type=float, default=0.1, help="share of documents with two annotators' records")
    parser.add_argument("--workspace", type=Path, help="rebuild an existing (generated) workspace instead")
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    parser.add_argument("--skip-load", action="store_true", help="do not measure load_dataset")
    parser.add_argument(
        "--remembered",
        action="store_true",
        help="build a second time, with the clean validation the first recorded (validation/verdict.py)",
    )
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="cProfile the build, print N lines")
    parser.add_argument("--profile-out", type=Path)
    parser.add_argument("--json-out", type=Path)
    parser.add_argument("--build-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--validate-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.validate_child:  # the fresh processes validation and the build are measured in
        print(json.dumps(validate_child(args.validate_child)))
        return
    if args.build_child:
        print(json.dumps(build_child(args.build_child, args.profile, args.profile_out)))
        return

    scratch = Path(tempfile.mkdtemp(prefix="bench-release-"))
    try:
        result = {
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "datasets": metadata.version("datasets"),
                "pyarrow": metadata.version("pyarrow"),
            }
        }
        if args.workspace:
            root = args.workspace
            shutil.rmtree(root / "releases", ignore_errors=True)
            result["generated"] = json.loads((root / "bench-generated.json").read_text())
            result["generated"]["store_mb"] = round(_size(root) / 2**20, 1)  # as the stores are now
        else:
            root = args.keep or scratch / "ws"
            print(f"generating {args.docs} documents in {root} ...", file=sys.stderr)
            started = time.perf_counter()
            result["generated"] = generate(root, args.docs, args.seed, args.annotated)
            result["generated"]["seconds"] = round(time.perf_counter() - started, 1)
            result["generated"]["store_mb"] = round(_size(root) / 2**20, 1)
            (root / "bench-generated.json").write_text(json.dumps(result["generated"]))
        print("validating (fresh process) ...", file=sys.stderr)
        result["validate"] = _child("--validate-child", str(root))
        result["load_average_before"] = _load_average()
        print("building (fresh process) ...", file=sys.stderr)
        profile = ["--profile", str(args.profile)] if args.profile else []
        profile += ["--profile-out", str(args.profile_out)] if args.profile_out else []
        # Without the verdict validate(ws) has just recorded (validation/verdict.py): the build validates.
        Workspace.open(root).path(*VERDICT_FILE).unlink(missing_ok=True)
        result["build"] = _child("--build-child", str(root), *profile)
        result["load_average_after"] = _load_average()
        if args.remembered:
            print("building again, validation remembered (fresh process) ...", file=sys.stderr)
            shutil.rmtree(root / "releases", ignore_errors=True)
            result["load_average_before_remembered"] = _load_average()
            result["build_remembered"] = _child("--build-child", str(root), *profile)
            result["load_average_after_remembered"] = _load_average()
        folder = Path(result["build"]["path"])
        result["size"] = release_sizes(folder)
        result["cold_load"] = {}
        if not args.skip_load:
            for config in CONFIGS:
                print(f"cold load_dataset(..., {config!r}) ...", file=sys.stderr)
                result["cold_load"][config] = cold_load(folder, config, scratch)
        print(table(result))
        if args.json_out:
            args.json_out.write_text(json.dumps(result, indent=2) + "\n")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
