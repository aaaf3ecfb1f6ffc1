"""Each validation code on a hand-built annotation that breaks exactly one rule; the clean one passes."""

from __future__ import annotations

from dataclasses import replace

import pytest
from corpus_helpers import clean_text
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from annotation.model import AnnotationRecord, Link, RegionChoice, Span
from annotation.schema import LabelSchema
from annotation.store import AnnotationStore
from corpus.errors import NewsdeskError
from corpus.ingest import ingest
from corpus.store import CorpusStore
from corpus.workspace import Workspace
from newsdesk.cli import app
from validation.validate import validate, validate_data

RAW = (
    "Minister warns of cuts\n\n"
    "“We will cut the budget by 5 percent”, said Finance Minister Anna Berg on Monday. "
    "According to a Treasury spokeswoman, the cuts are final."
)
SCHEMA = LabelSchema.default()


@pytest.fixture(scope="module")
def doc():
    return clean_text(RAW)


def span(doc, sid: str, layer: str, label: str, needle: str) -> Span:
    start = doc.text.index(needle)
    return Span(sid, layer, label, start, start + len(needle), needle)


def clean_record(doc) -> AnnotationRecord:
    claim = span(doc, "c1", "claims", "CLAIM", "We will cut the budget by 5 percent")
    claim2 = span(doc, "c2", "claims", "CLAIM", "the cuts are final")
    return AnnotationRecord(
        doc_id=doc.id,
        text_sha256=doc.text_sha256,
        annotator="ana@newsdesk.example",
        origin="labelstudio",
        record_id="1",
        task_id=7,
        spans=[
            span(doc, "p1", "entities", "PERSON", "Anna Berg"),
            span(doc, "d1", "entities", "DATE", "Monday"),
            claim,
            span(doc, "q1", "claims", "CUE", "said"),
            claim2,
            span(doc, "q2", "claims", "CUE", "According to"),
            span(doc, "s2", "claims", "SOURCE", "a Treasury spokeswoman"),
        ],
        links=[
            Link("c1", "p1", "source"),
            Link("c1", "q1", "cue"),
            Link("c2", "s2", "source"),
            Link("c2", "q2", "cue"),
        ],
        choices=[
            RegionChoice(c, name, (value,))
            for c in ("c1", "c2")
            for name, value in (
                ("check_worthiness", "check-worthy"),
                ("claim_type", "prediction"),
                ("speech", "direct"),
            )
        ],
        document_choices={"text_quality": ["residue left"]},
    )


def codes(doc, rec) -> list[str]:
    return sorted({f.code for f in validate_data([doc], [rec], SCHEMA).findings})


def test_a_clean_annotation_passes(doc):
    report = validate_data([doc], [clean_record(doc)], SCHEMA)
    assert report.findings == [] and report.exit_status() == 0
    assert (report.spans, report.claims, report.links) == (7, 2, 4)


def with_span(rec, sid, **changes):
    return replace(rec, spans=[s._replace(**changes) if s.id == sid else s for s in rec.spans])


def test_V101_an_unknown_label_breaks_the_spans_schema(doc):
    rec = with_span(clean_record(doc), "d1", label="WEEKDAY")
    report = validate_data([doc], [rec], SCHEMA)
    (f,) = [f for f in report.findings if f.code == "V101"]
    assert "WEEKDAY" in f.message and "label" in f.message and f.doc_id == doc.id


def test_V201_a_span_outside_the_text(doc):
    assert codes(doc, with_span(clean_record(doc), "d1", start=len(doc.text) - 2, end=len(doc.text) + 5)) == ["V201"]


def test_V202_a_span_whose_text_moved_is_found_and_fixable(doc):
    rec = with_span(clean_record(doc), "p1", start=3, end=12)
    (f,) = validate_data([doc], [rec], SCHEMA).findings
    assert f.code == "V202" and f.fix is not None and doc.text[f.fix.start : f.fix.end] == "Anna Berg"
    assert f.task_id == 7 and f.annotator == "ana@newsdesk.example" and "Anna Berg" in f.message


def test_V203_an_empty_or_blank_span(doc):
    blank = doc.text.index(" ")
    assert codes(doc, with_span(clean_record(doc), "d1", start=blank, end=blank + 1, text=" ")) == ["V203"]


def test_V204_whitespace_at_a_span_edge_is_fixable(doc):
    s = next(s for s in clean_record(doc).spans if s.id == "p1")
    rec = with_span(clean_record(doc), "p1", start=s.start - 1, text=" " + s.text)
    (f,) = validate_data([doc], [rec], SCHEMA).findings
    assert f.code == "V204" and (f.fix.start, f.fix.end, f.fix.text) == (s.start, s.end, "Anna Berg")


def test_V205_entities_may_not_nest_or_cross(doc):
    rec = clean_record(doc)
    rec.spans.append(span(doc, "o1", "entities", "ORG", "Finance Minister Anna"))  # crosses "Anna Berg"
    assert codes(doc, rec) == ["V205"]
    rec = clean_record(doc)
    rec.spans.append(span(doc, "n1", "entities", "PERSON", "Anna"))  # inside "Anna Berg"
    assert codes(doc, rec) == ["V205"]


def test_V205_claims_may_nest_but_not_cross(doc):
    rec = clean_record(doc)
    rec.spans.append(span(doc, "s9", "claims", "SOURCE", "the budget"))  # inside a claim: allowed
    assert codes(doc, rec) == []


def test_V206_a_claim_without_source_or_unattributed(doc):
    rec = clean_record(doc)
    rec = replace(rec, links=[lk for lk in rec.links if not (lk.from_id == "c2" and lk.label == "source")])
    assert codes(doc, rec) == ["V206"]
    rec.choices.append(RegionChoice("c2", "attribution", ("unattributed",)))
    assert codes(doc, rec) == []


def test_V207_a_source_link_to_a_span_that_cannot_be_a_source(doc):
    rec = clean_record(doc)
    rec = replace(
        rec, links=[Link("c1", "d1", "source") if lk == Link("c1", "p1", "source") else lk for lk in rec.links]
    )
    assert codes(doc, rec) == ["V207"]


def test_V208_a_cue_link_to_a_non_cue_or_a_far_cue(doc):
    rec = clean_record(doc)
    rec = replace(rec, links=[Link("c1", "p1", "cue") if lk == Link("c1", "q1", "cue") else lk for lk in rec.links])
    assert codes(doc, rec) == ["V208"]
    far = replace(SCHEMA, cue_max_distance=5)
    rec = clean_record(doc)
    rec = replace(rec, links=[Link("c1", "q2", "cue") if lk == Link("c1", "q1", "cue") else lk for lk in rec.links])
    assert sorted({f.code for f in validate_data([doc], [rec], far).findings}) == ["V208"]


def test_V209_dangling_links_and_choices(doc):
    rec = clean_record(doc)
    rec.links.append(Link("c1", "gone", "source"))
    rec.choices.append(RegionChoice("nowhere", "speech", ("direct",)))
    report = validate_data([doc], [rec], SCHEMA)
    assert [f.code for f in report.findings] == ["V209", "V209"]


def test_V210_a_link_drawn_twice(doc):
    rec = clean_record(doc)
    rec.links.append(Link("c1", "p1", "source"))
    assert codes(doc, rec) == ["V210"]


def test_V211_a_stale_annotation_names_the_document(doc):
    rec = replace(clean_record(doc), text_sha256="0" * 64)
    (f,) = validate_data([doc], [rec], SCHEMA).findings
    assert f.code == "V211" and f.doc_id == doc.id and "newsdesk annotate push" in f.hint


def test_V212_a_required_attribute_missing(doc):
    rec = clean_record(doc)
    rec = replace(rec, choices=[c for c in rec.choices if not (c.region_id == "c1" and c.name == "speech")])
    assert codes(doc, rec) == ["V212"]


def test_V213_a_value_unknown_to_the_schema(doc):
    rec = clean_record(doc)
    rec = replace(
        rec,
        choices=[
            c._replace(values=("maybe",)) if (c.region_id, c.name) == ("c1", "speech") else c for c in rec.choices
        ],
        document_choices={"text_quality": ["smelly"]},
    )
    report = validate_data([doc], [rec], SCHEMA)
    assert {f.code for f in report.findings} == {"V213", "V101"}  # the claims table's isin check too
    assert sum(1 for f in report.findings if f.code == "V213") == 2


def test_V214_an_annotation_of_an_unknown_document(doc):
    rec = replace(clean_record(doc), doc_id="ffffffffffffffff")
    assert codes(doc, rec) == ["V214"]


def test_the_report_groups_by_code_with_counts_and_examples(doc):
    rec = with_span(clean_record(doc), "p1", start=3, end=12)
    rec = with_span(rec, "d1", start=3, end=9)
    grouped = validate_data([doc], [rec], SCHEMA).by_code()
    assert grouped["V202"]["count"] == 2 and grouped["V202"]["fixable"] == 2
    assert grouped["V202"]["title"] and len(grouped["V202"]["examples"]) == 2


@pytest.fixture
def workspace_with_records(tmp_path, doc):
    ws = Workspace.init(tmp_path / "ws")
    src = tmp_path / "article.txt"
    src.write_text(RAW, encoding="utf-8")
    ingest(ws, [src])
    stored = CorpusStore(ws).document(doc.id)
    assert stored.text_sha256 == doc.text_sha256
    return ws


def test_fix_repairs_only_the_safe_findings_and_keeps_the_old_version(workspace_with_records, doc):
    ws = workspace_with_records
    broken = with_span(clean_record(doc), "p1", start=3, end=12)
    s = next(s for s in broken.spans if s.id == "d1")
    broken = with_span(broken, "d1", start=s.start - 1, text=" " + s.text)
    broken.links.append(Link("c1", "p1", "source"))  # V210: not auto-fixable
    store = AnnotationStore(ws)
    store.append([broken], "test")
    before = validate(ws)
    assert {f.code for f in before.errors} == {"V202", "V204", "V210"}
    after = validate(ws, fix=True)
    assert after.fixed == 2 and {f.code for f in after.errors} == {"V210"}
    assert len(store.segments()) == 2  # the fix was appended, the broken version is still on disk
    (current,) = store.records()
    assert next(s for s in current.spans if s.id == "p1").text == "Anna Berg"


def test_fix_holds_the_workspace_lock(workspace_with_records, doc):
    ws = workspace_with_records
    store = AnnotationStore(ws)
    store.append([with_span(clean_record(doc), "p1", start=3, end=12)], "test")
    with ws.lock():  # another command is writing: fixing, which writes the store too, refuses at once
        with pytest.raises(NewsdeskError) as exc:
            validate(ws, fix=True)
        assert exc.value.code == "E002"
        assert validate(ws).errors  # reading needs no lock
    assert len(store.segments()) == 1


def test_the_cli_exit_status_json_and_table(workspace_with_records, doc):
    ws = workspace_with_records
    runner = CliRunner()
    ok = runner.invoke(app, ["validate", "-w", str(ws.root)])
    assert ok.exit_code == 0, ok.output
    AnnotationStore(ws).append([with_span(clean_record(doc), "p1", start=3, end=12)], "test")
    bad = runner.invoke(app, ["validate", "-w", str(ws.root)])
    assert bad.exit_code == 1 and "V202" in bad.stdout
    assert f"doc {doc.id} · " in bad.stdout and "hint: " in bad.stdout
    import json

    rec = json.loads(runner.invoke(app, ["validate", "-w", str(ws.root), "--json"]).stdout)
    assert rec["errors"] == 1 and rec["by_code"]["V202"]["count"] == 1
    broken_ws = runner.invoke(app, ["validate", "-w", str(ws.root / "nope")])
    assert broken_ws.exit_code == 2


def test_V301_low_agreement_is_a_warning_that_fails_only_when_strict(workspace_with_records, doc):
    ws = workspace_with_records
    ana = clean_record(doc)
    # Ben marks the same words with other entity labels: token alpha on those labels collapses.
    ben = replace(
        ana,
        annotator="ben@newsdesk.example",
        record_id="2",
        spans=[
            s._replace(label="ORG") if s.label == "PERSON" else s._replace(label="TIME") if s.label == "DATE" else s
            for s in ana.spans
        ],
    )
    AnnotationStore(ws).append([ana, ben], "test")
    report = validate(ws)
    low = [f for f in report.findings if f.code == "V301"]
    assert low and all(f.severity == "warning" for f in low) and not report.errors
    assert any("PERSON" in f.message and "alpha" in f.message for f in low)
    assert report.exit_status() == 0 and report.exit_status(strict=True) == 1
    assert all(f.where for f in low) and any("PERSON" in f.where for f in low)  # about no one record: says what
    runner = CliRunner()
    shown = runner.invoke(app, ["validate", "-w", str(ws.root)])
    assert shown.exit_code == 0 and "None" not in shown.stdout
    # One line per example, each saying where, readable at 80 columns (the runner's width).
    examples = [line for line in shown.stdout.splitlines() if line.startswith("  ") and "alpha" in line]
    assert examples and all("documents annotated by two or more:" in line for line in examples)
    assert runner.invoke(app, ["validate", "-w", str(ws.root), "--strict"]).exit_code == 1


# Each breaks one rule (or, for some, none: the screens must not flag what is fine).
def _drop_source(r):
    return replace(r, links=[lk for lk in r.links if lk != Link("c1", "p1", "source")])


def _unattributed(r):
    return replace(_drop_source(r), choices=r.choices + [RegionChoice("c1", "attribution", ("unattributed",))])


MUTATIONS = [
    _drop_source,
    _unattributed,
    lambda r: replace(r, links=r.links + [Link("c1", "nowhere", "source")]),
    lambda r: replace(r, links=r.links + [Link("gone", "p1", "source")]),
    lambda r: replace(r, choices=r.choices + [RegionChoice("nowhere", "speech", ("direct",))]),
    lambda r: replace(r, links=r.links + [r.links[0]]),
    lambda r: replace(r, links=r.links + [Link("p1", "q1", "cue")]),
    lambda r: replace(r, links=r.links + [Link("c1", "p1", "other")]),
    lambda r: replace(
        r, links=[Link("c1", "q1", "source") if lk.label == "source" and lk.from_id == "c1" else lk for lk in r.links]
    ),
    lambda r: replace(
        r, links=[Link("c1", "d1", "cue") if lk.label == "cue" and lk.from_id == "c1" else lk for lk in r.links]
    ),
    lambda r: replace(r, choices=[c for c in r.choices if not (c.region_id == "c2" and c.name == "claim_type")]),
    lambda r: replace(r, choices=[c._replace(values=()) if c.name == "speech" else c for c in r.choices]),
    lambda r: replace(r, choices=r.choices + [RegionChoice("c2", "claim_type", ("no such type",))]),
    lambda r: replace(r, choices=r.choices + [RegionChoice("c2", "no_such_attribute", ("x",))]),
    lambda r: replace(r, choices=r.choices + [RegionChoice("c1", "speech", ("indirect",))]),
    lambda r: replace(r, document_choices={"text_quality": ["no such quality"]}),
    lambda r: replace(r, document_choices={}),
    lambda r: replace(r, spans=r.spans + [r.spans[0]._replace(label="ORG")]),  # an id twice
    lambda r: replace(r, spans=[s._replace(text=s.text + "x") if s.id == "p1" else s for s in r.spans]),
    lambda r: replace(
        r, spans=[s._replace(start=s.start - 1, text=" " + s.text) if s.id == "d1" and s.start else s for s in r.spans]
    ),
    lambda r: replace(r, spans=[s._replace(end=10**6) if s.id == "q2" else s for s in r.spans]),
    lambda r: replace(
        r, spans=r.spans + [r.spans[0]._replace(id="p9", end=r.spans[0].end + 1, text=r.spans[0].text + " ")]
    ),
    lambda r: replace(r, text_sha256="0" * 64),
    lambda r: replace(r, doc_id="ffffffffffffffff"),
    lambda r: replace(r, spans=[], links=[], choices=[]),
    lambda r: replace(r, spans=r.spans[::-1], links=r.links[::-1], choices=r.choices[::-1]),
]


def test_the_screens_flag_every_record_with_a_finding_as_gold_columns_and_as_objects(doc, monkeypatch):
    """check_records screens all records at once and checks only the flagged ones in full: its
    findings must be those of checking every record in full, for records that break any rule
    (one, several or none), given as objects or, like gold, as columns."""
    import random

    from annotation.columns import RecordColumns
    from validation.integrity import check_record, check_records
    from validation.tables import RecordSet

    rng = random.Random(4)
    records = []
    for k in range(400):
        rec = replace(clean_record(doc), record_id=str(k))
        for mutate in rng.sample(MUTATIONS, rng.choice([0, 1, 1, 2, 3])):
            rec = mutate(rec)
        records.append(rec)
    docs = {doc.id: doc}
    expected = [f for r in records for f in check_record(r, docs.get(r.doc_id), SCHEMA)]
    assert {f.code for f in expected} >= {
        "V201",
        "V202",
        "V204",
        "V205",
        "V206",
        "V207",
        "V208",
        "V209",
        "V210",
        "V211",
        "V212",
        "V213",
        "V214",
    }
    assert check_records(records, docs, SCHEMA) == expected
    stored = RecordColumns(RecordColumns.of(records[150:]).table)  # no objects kept: gold as it is read
    made, make = [], RecordColumns._make_records
    monkeypatch.setattr(RecordColumns, "_make_records", lambda self: made.append(len(self)) or make(self))
    assert check_records(RecordSet(records[:150], stored), docs, SCHEMA) == expected
    with_findings = len({f.record for f in expected if int(f.record.split(":")[1]) >= 150})
    assert with_findings <= sum(made) < len(records) - 150  # objects for the flagged records only


def test_span_fields_are_read_as_zip_transposes_them_without_an_iterator_per_span():
    """validate_data reads 2M spans field by field: zip(*spans) did it with 2M iterators alive at once,
    enough tracked objects to set off full garbage collections of the whole heap."""
    from annotation.columns import transposed

    spans = [Span("s1", "entities", "PERSON", 0, 4, "Anna"), Span("s2", "claims", "CLAIM", 5, 30, "said it rains")]
    assert transposed(spans, len(Span._fields)) == [list(field) for field in zip(*spans)]
    assert transposed([], len(Span._fields)) == [[] for _ in Span._fields]
    links = [Link("c1", "s1", "source"), Link("c1", "q1", "cue")]
    assert transposed(links, len(Link._fields)) == [["c1", "c1"], ["s1", "q1"], ["source", "cue"]]


# Characters a span's text is made of: ASCII, whitespace of several kinds (str.strip's, not all
# printable-ASCII edges), non-ASCII letters and punctuation, and one outside the BMP.
SPAN_CHARACTERS = "ab. é’\u00a0\u2003\n\t\x1c\x85…🎉"


@st.composite
def texts_and_spans(draw):
    """Documents' texts and, per text, spans whose text mostly is the text at their offsets (and
    sometimes a neighbour's, another string, or offsets outside the text)."""
    texts = draw(st.lists(st.text(alphabet=SPAN_CHARACTERS, max_size=25), min_size=1, max_size=4))
    counts, starts, ends, span_texts = [], [], [], []
    for text in texts:
        n = draw(st.integers(0, 5))
        counts.append(n)
        for _ in range(n):
            a = draw(st.integers(-2, len(text) + 2))
            b = draw(st.integers(a - 1, len(text) + 3))
            kind = draw(st.sampled_from(["same", "same", "same", "shifted", "other"]))
            if kind == "same":
                x = text[max(a, 0) : max(b, 0)]
            elif kind == "shifted":
                x = text[max(a + 1, 0) : max(b + 1, 0)]
            else:
                x = draw(st.text(alphabet=SPAN_CHARACTERS, max_size=6))
            starts.append(a)
            ends.append(b)
            span_texts.append(x)
    return texts, counts, starts, ends, span_texts


@settings(max_examples=400, deadline=None)
@given(texts_and_spans())
def test_the_vectorised_span_screen_is_the_span_by_span_definition(case):
    """integrity._text_differs (all spans at once: Arrow lengths, edge bytes, str.startswith mapped)
    flags exactly the spans the per-span definition flags."""
    import numpy as np

    from validation.integrity import _text_differs
    from validation.tables import SpanValues

    texts, counts, starts, ends, span_texts = case
    n = len(span_texts)
    values = SpanValues(counts, [f"s{k}" for k in range(n)], ["entities"] * n, ["PERSON"] * n, starts, ends, span_texts)
    owners = [k for k, c in enumerate(counts) for _ in range(c)]
    expected = [
        b - a != len(x) or not texts[k].startswith(x, a) or x != x.strip()
        for k, a, b, x in zip(owners, starts, ends, span_texts)
    ]
    if not n:
        return
    got = _text_differs(texts, values, np.array(starts, np.int64), np.array(ends, np.int64))
    assert got.tolist() == expected
