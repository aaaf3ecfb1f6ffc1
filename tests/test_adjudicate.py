"""Adjudication: three annotators read the same Biden article, mostly agree, and disagree in places.

Ana, Ben and Cleo all mark Joe Biden, the quoted claim and its cue. Ana and Ben call Moscow a
GPE and an ORG (Cleo leaves it), Ana clips "Eastern Europe" to "Europe", Cleo links the claim
to Joe Biden instead of "the American president" and forgets the cue link, and the three give
the claim three different speech answers. Gold keeps what the majority agrees on, says who
agreed, and lists what no rule settles, ready for a reviewer in Label Studio.
"""

from __future__ import annotations

import dataclasses
import json
import random
from dataclasses import replace

import pytest
from corpus_helpers import SEED

from annotation.columns import RecordColumns
from annotation.convert import flag_results
from annotation.model import AnnotationRecord, Link, RegionChoice, Span
from annotation.schema import FLAG_LAYER, LabelSchema
from annotation.store import AnnotationStore
from annotation.studio import studio_client
from corpus.errors import NewsdeskError
from corpus.ingest import ingest
from corpus.model import sha256_hex
from corpus.store import CorpusStore
from corpus.workspace import Workspace
from validation.adjudicate import AdjudicationResult, Conflict, adjudicate, adjudicate_workspace, gold_span_id
from validation.gold import load_conflicts, load_gold, save_gold
from validation.integrity import check_without_text
from validation.review import pull_reviews, push_review_tasks, review_title, version_label

TEXT = (
    "Joe Biden maintained pressure on Moscow on Friday by announcing the upcoming dispatch of a limited "
    "number of soldiers to Eastern Europe. “I will send American troops to Eastern Europe and NATO countries "
    "soon, not a lot”, announced Friday, January 28 the American president, without further details."
)
QUOTE = "I will send American troops to Eastern Europe and NATO countries soon, not a lot"
DOC, OTHER = "5fad4439250b7d19", "0123456789abcdef"
ANA, BEN, CLEO = "ana@newsdesk.example", "ben@newsdesk.example", "cleo@newsdesk.example"


def span(text: str, rid: str, layer: str, label: str, needle: str, after: str = "") -> Span:
    start = text.index(needle, text.index(after) if after else 0)
    return Span(rid, layer, label, start, start + len(needle), needle)


def record(
    who: str, text: str, spans: list[Span], links=(), choices=(), document=None, doc_id: str = DOC, **fields
) -> AnnotationRecord:
    fields.setdefault("record_id", f"{doc_id[:4]}-{who[:3]}")
    fields.setdefault("updated_at", "2026-02-01T10:00:00")
    return AnnotationRecord(
        doc_id=doc_id,
        text_sha256=sha256_hex(text),
        annotator=who,
        origin="labelstudio",
        task_id=7,
        created_at="2026-02-01T09:00:00",
        spans=list(spans),
        links=[Link(*lk) for lk in links],
        choices=[RegionChoice(r, n, (v,)) for r, n, v in choices],
        document_choices=document or {},
        **fields,
    )


def three_annotators(text: str = TEXT, doc_id: str = DOC, cleo_speech: str | None = None) -> list[AnnotationRecord]:
    """Ana, Ben and Cleo; Cleo leaves the claim's speech unanswered unless ``cleo_speech`` is given."""

    def common(p: str) -> list[Span]:
        return [
            span(text, f"{p}-biden", "entities", "PERSON", "Joe Biden", after="Joe Biden maintained"),
            span(text, f"{p}-claim", "claims", "CLAIM", QUOTE),
            span(text, f"{p}-cue", "claims", "CUE", "announced", after=QUOTE),
        ]

    eastern = lambda p: span(text, f"{p}-europe", "entities", "LOC", "Eastern Europe", after="dispatch")  # noqa: E731
    friday = lambda p: span(text, f"{p}-friday", "entities", "DATE", "Friday", after="Moscow")  # noqa: E731
    source = lambda p: span(text, f"{p}-src", "claims", "SOURCE", "the American president")  # noqa: E731
    ana = record(
        ANA,
        text,
        common("a")
        + [
            span(text, "a-moscow", "entities", "GPE", "Moscow"),
            friday("a"),
            source("a"),
            span(text, "a-europe", "entities", "LOC", "Europe", after="dispatch"),
        ],  # clipped
        links=[("a-claim", "a-src", "source"), ("a-claim", "a-cue", "cue")],
        choices=[
            ("a-claim", "check_worthiness", "check-worthy"),
            ("a-claim", "claim_type", "prediction"),
            ("a-claim", "speech", "direct"),
        ],
        document={"text_quality": ["translation glitches"]},
        doc_id=doc_id,
    )
    ben = record(
        BEN,
        text,
        common("b") + [span(text, "b-moscow", "entities", "ORG", "Moscow"), friday("b"), source("b"), eastern("b")],
        links=[("b-claim", "b-src", "source"), ("b-claim", "b-cue", "cue")],
        choices=[
            ("b-claim", "check_worthiness", "check-worthy"),
            ("b-claim", "claim_type", "quotation or opinion"),
            ("b-claim", "speech", "indirect"),
        ],
        document={"text_quality": ["translation glitches"]},
        doc_id=doc_id,
    )
    cleo = record(
        CLEO,
        text,
        common("c") + [eastern("c")],
        links=[("c-claim", "c-biden", "source")],
        choices=[("c-claim", "check_worthiness", "check-worthy"), ("c-claim", "claim_type", "prediction")]
        + ([("c-claim", "speech", cleo_speech)] if cleo_speech else []),
        doc_id=doc_id,
    )
    return [ana, ben, cleo]


def keys(rec: AnnotationRecord) -> set[tuple]:
    return {(s.label, s.text) for s in rec.spans}


def links_by_text(rec: AnnotationRecord) -> set[tuple]:
    text = {s.id: s.text for s in rec.spans}
    return {(text[lk.from_id], lk.label, text[lk.to_id]) for lk in rec.links}


def test_majority_keeps_what_two_of_three_agree_on_and_says_who_agreed():
    result = adjudicate(three_annotators(cleo_speech="direct"), "majority", min_agree=2, texts={DOC: TEXT})
    (gold,) = result.gold
    assert (gold.doc_id, gold.origin, gold.annotator, gold.record_id, gold.task_id) == (
        DOC,
        "gold",
        "adjudication",
        DOC,
        7,
    )
    assert gold.text_sha256 == sha256_hex(TEXT)
    assert keys(gold) == {
        ("PERSON", "Joe Biden"),
        ("DATE", "Friday"),
        ("LOC", "Eastern Europe"),
        ("CLAIM", QUOTE),
        ("CUE", "announced"),
        ("SOURCE", "the American president"),
    }
    # Cleo's link to Joe Biden is outvoted; her missing cue link too.
    assert links_by_text(gold) == {(QUOTE, "source", "the American president"), (QUOTE, "cue", "announced")}
    claim = next(s for s in gold.spans if s.label == "CLAIM")
    assert {(c.region_id, c.name, c.values) for c in gold.choices} == {
        (claim.id, "check_worthiness", ("check-worthy",)),
        (claim.id, "claim_type", ("prediction",)),
        (claim.id, "speech", ("direct",)),
    }
    assert gold.document_choices == {"text_quality": ["translation glitches"]}

    prov = gold.provenance
    assert prov[claim.id] == {"annotators": [ANA, BEN, CLEO], "rule": "majority", "votes": 3, "of": 3, "min_agree": 2}
    friday = next(s for s in gold.spans if s.label == "DATE")
    assert prov[friday.id]["annotators"] == [ANA, BEN] and prov[friday.id]["votes"] == 2
    europe = next(s for s in gold.spans if s.label == "LOC")
    assert prov[europe.id]["annotators"] == [BEN, CLEO]
    source = next(s for s in gold.spans if s.label == "SOURCE")
    assert prov[f"{claim.id}->{source.id}:source"] == {
        "annotators": [ANA, BEN],
        "rule": "majority",
        "votes": 2,
        "of": 3,
        "min_agree": 2,
    }
    assert prov[f"{claim.id}:claim_type"] == {"annotators": [ANA, CLEO], "rule": "majority", "votes": 2, "of": 3}
    assert prov["document:text_quality"]["values"] == {"translation glitches": [ANA, BEN]}
    assert prov["record"]["rule"] == "majority" and prov["record"]["annotators"] == [ANA, BEN, CLEO]
    assert gold.problems == ["1 open conflict(s): label"]
    # The Moscow label is open: the document is unresolved, though it has gold for all the rest.
    assert result.counts["gold_spans"] == 6 and result.counts["gold_links"] == 2
    assert result.unresolved == [DOC] and result.counts["unresolved"] == 1 and result.without_gold == []


def test_the_moscow_label_and_the_speech_tie_are_conflicts_for_a_reviewer():
    result = adjudicate(three_annotators(), "majority", min_agree=2, texts={DOC: TEXT})
    label, attribute = sorted(result.conflicts, key=lambda c: c.kind, reverse=True)
    assert (label.kind, label.doc_id, label.task_id) == ("label", DOC, 7)
    assert [(v["annotators"], v["span"]["label"], v["span"]["text"]) for v in label.versions] == [
        ([ANA], "GPE", "Moscow"),
        ([BEN], "ORG", "Moscow"),
    ]
    assert "Moscow" in label.description and "GPE" in label.description and "ORG" in label.description
    assert attribute.kind == "attribute" and attribute.name == "speech" and attribute.region["text"] == QUOTE
    assert sorted((v["annotators"], v["values"]) for v in attribute.versions) == [
        ([ANA], ["direct"]),
        ([BEN], ["indirect"]),
        ([CLEO], []),
    ]
    assert "tied" in attribute.description


def test_requiring_all_three_keeps_less_and_disputes_more():
    two = adjudicate(three_annotators(), "majority", min_agree=2, texts={DOC: TEXT})
    three = adjudicate(three_annotators(), "majority", min_agree=3, texts={DOC: TEXT})
    (gold,) = three.gold
    # All three drew the claim, but its speech is tied and no source has three votes: a claim
    # without them is not valid gold, so it is left out, and both are listed conflicts.
    assert keys(gold) == {("PERSON", "Joe Biden"), ("CUE", "announced")}
    assert keys(gold) < keys(two.gold[0])
    assert gold.links == [] and gold.choices == []
    claim = TEXT.index(QUOTE)
    assert (
        f"claims:CLAIM:{claim}-{claim + len(QUOTE)} left out: claim without a decided speech / source "
        f"(see its conflicts)" in gold.problems
    )
    kinds = sorted(c.kind for c in three.conflicts)
    assert kinds == ["attribute", "boundary", "link", "link", "span", "span", "span"]
    boundary = next(c for c in three.conflicts if c.kind == "boundary")
    assert sorted(v["span"]["text"] for v in boundary.versions) == ["Eastern Europe", "Europe"]
    friday = next(c for c in three.conflicts if c.kind == "span" and c.region["text"] == "Friday")
    assert friday.versions[-1] == {"annotators": [CLEO], "span": None}  # Cleo drew nothing there
    assert gold.provenance["record"]["min_agree"] == 3


def test_two_annotators_who_disagree_are_a_conflict_not_a_silent_drop():
    ana, ben, _ = three_annotators()
    result = adjudicate([ana, ben], "majority", texts={DOC: TEXT})
    kinds = {(c.kind, (c.region or {}).get("text")) for c in result.conflicts}
    # Ana's clipped "Europe" and Ben's "Eastern Europe": one each, so neither wins.
    assert ("label", "Moscow") in kinds and ("boundary", "Eastern Europe") in kinds
    assert ("attribute", QUOTE) in kinds  # claim_type and speech both differ
    assert ("LOC", "Eastern Europe") not in keys(result.gold[0])


def test_rival_versions_that_both_reach_k_tie_and_are_listed():
    ana, ben, cleo = three_annotators()
    dan = record("dan@newsdesk.example", TEXT, [span(TEXT, "d-moscow", "entities", "ORG", "Moscow")])
    eve = record("eve@newsdesk.example", TEXT, [span(TEXT, "e-moscow", "entities", "GPE", "Moscow")])
    result = adjudicate([ana, ben, cleo, dan, eve], "majority", texts={DOC: TEXT})
    moscow = [c for c in result.conflicts if c.region and c.region["text"] == "Moscow"]
    assert len(moscow) == 1 and moscow[0].kind == "label" and "tie" in moscow[0].description
    assert not any(s.text == "Moscow" for s in result.gold[0].spans)


def test_the_ground_truth_wins_whole():
    ana, ben, cleo = three_annotators()
    ben.ground_truth = True
    result = adjudicate([ana, ben, cleo], "ground-truth", texts={DOC: TEXT})
    (gold,) = result.gold
    assert keys(gold) == {(s.label, s.text) for s in ben.spans}
    assert links_by_text(gold) == {(QUOTE, "source", "the American president"), (QUOTE, "cue", "announced")}
    assert {(c.name, c.values) for c in gold.choices} == {
        ("check_worthiness", ("check-worthy",)),
        ("claim_type", ("quotation or opinion",)),
        ("speech", ("indirect",)),
    }
    assert all(
        p["annotators"] == [BEN] and p["rule"] == "ground-truth"
        for key, p in gold.provenance.items()
        if key != "record"
    )
    assert gold.provenance["record"]["reviewer"] == BEN
    assert result.conflicts == [] and result.fallbacks == []


def test_without_a_ground_truth_the_majority_decides_and_the_result_says_so():
    lone = record(CLEO, "Moscow.", [span("Moscow.", "x", "entities", "GPE", "Moscow")], doc_id=OTHER)
    result = adjudicate(three_annotators() + [lone], "ground-truth", texts={DOC: TEXT, OTHER: "Moscow."})
    gold = {g.doc_id: g for g in result.gold}
    assert result.fallbacks == sorted([DOC, OTHER])
    assert gold[DOC].provenance["record"]["rule"] == "majority (no ground truth)"
    assert gold[OTHER].provenance["record"]["rule"] == "single (no ground truth)"
    assert keys(gold[DOC]) == keys(adjudicate(three_annotators(), texts={DOC: TEXT}).gold[0])
    assert result.counts["fallbacks"] == 2 and len(result.conflicts) == 2


def test_single_takes_the_only_version_and_refuses_to_choose_between_several():
    lone = record(CLEO, "Moscow.", [span("Moscow.", "x", "entities", "GPE", "Moscow")], doc_id=OTHER)
    result = adjudicate(three_annotators() + [lone], "single", texts={DOC: TEXT, OTHER: "Moscow."})
    (gold,) = result.gold
    assert gold.doc_id == OTHER and [(s.id, s.text) for s in gold.spans] == [("entities:GPE:0-6", "Moscow")]
    assert gold.provenance["entities:GPE:0-6"] == {"annotators": [CLEO], "rule": "single"}
    assert result.unresolved == [DOC]
    (conflict,) = result.conflicts
    assert conflict.kind == "versions" and [v["annotators"] for v in conflict.versions] == [[ANA], [BEN], [CLEO]]


def test_cancelled_predictions_superseded_and_stale_records_do_not_vote():
    ana, ben, cleo = three_annotators()
    skipped = AnnotationRecord(
        DOC,
        sha256_hex(TEXT),
        "dan@newsdesk.example",
        "labelstudio",
        "skip",
        cancelled=True,
        spans=[span(TEXT, "s", "entities", "ORG", "Moscow")],
    )
    model = AnnotationRecord(
        DOC, sha256_hex(TEXT), "baseline", "prediction", "p1", spans=[span(TEXT, "p", "entities", "ORG", "Moscow")]
    )
    stale = AnnotationRecord(
        DOC,
        sha256_hex("an older text"),
        "eve@newsdesk.example",
        "labelstudio",
        "old",
        spans=[span(TEXT, "o", "entities", "ORG", "Moscow")],
    )
    # Ana's earlier draft, replaced by her later record: only the later one votes.
    draft = record(
        ANA,
        TEXT,
        [span(TEXT, "a0", "entities", "ORG", "Moscow")],
        record_id="a-draft",
        updated_at="2026-01-01T00:00:00",
    )
    result = adjudicate([ana, ben, cleo, skipped, model, stale, draft], "majority", texts={DOC: TEXT})
    assert {(s["record_id"], s["reason"]) for s in result.skipped} == {
        ("old", "made on another version of the text"),
        ("a-draft", "superseded by a later record of the same annotator"),
    }
    assert result.gold[0].provenance["record"]["annotators"] == [ANA, BEN, CLEO]
    assert ("ORG", "Moscow") not in keys(result.gold[0])


def test_gold_offsets_point_at_the_same_words_and_everything_refers_to_gold_ids():
    for k in (1, 2, 3):
        for gold in adjudicate(three_annotators(), "majority", min_agree=k, texts={DOC: TEXT}).gold:
            ids = {s.id for s in gold.spans}
            for s in gold.spans:
                assert TEXT[s.start : s.end] == s.text and s.id == gold_span_id((s.layer, s.label, s.start, s.end))
                assert s.id in gold.provenance
            assert all(lk.from_id in ids and lk.to_id in ids for lk in gold.links)
            assert all(c.region_id in ids for c in gold.choices)


def test_gold_is_the_same_whatever_the_order_of_the_records():
    records = three_annotators(cleo_speech="direct")
    first = adjudicate(records, texts={DOC: TEXT}).to_record(include_gold=True)
    for seed in range(5):
        shuffled = records[:]
        random.Random(seed).shuffle(shuffled)
        assert adjudicate(shuffled, texts={DOC: TEXT}).to_record(include_gold=True) == first
    claim = TEXT.index(QUOTE)
    assert f"claims:CLAIM:{claim}-{claim + len(QUOTE)}" in {
        s["id"] if isinstance(s, dict) else s[0] for s in first["gold"][0]["spans"]
    }


def test_gold_and_conflicts_are_saved_whole_and_load_back(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    result = adjudicate(three_annotators(), texts={DOC: TEXT})
    gold_path, conflicts_path = save_gold(ws, result)
    assert [g.to_record() for g in load_gold(ws)] == [g.to_record() for g in result.gold]
    assert load_conflicts(ws) == result.conflicts
    before = gold_path.read_bytes(), conflicts_path.read_bytes()
    save_gold(ws, adjudicate(three_annotators(), texts={DOC: TEXT}))
    assert (gold_path.read_bytes(), conflicts_path.read_bytes()) == before  # derived: a rerun changes nothing
    assert len(RecordColumns.read(gold_path)) == 1
    report = json.loads(json.dumps(result.to_record()))
    assert report["counts"]["conflicts"] == 2 and "gold" not in report
    assert Conflict.from_record(report["conflicts"][0]) == result.conflicts[0]


def test_gold_columns_hold_every_field_and_gold_of_an_earlier_version_still_reads(tmp_path):
    """Gold is stored as Arrow columns: every field of every record comes back, from the columns
    alone (objects, span columns, rows taken and sliced); JSON lines gold of an earlier version is
    read until the next adjudication replaces it."""
    (gold,) = adjudicate(three_annotators(), texts={DOC: TEXT}).gold
    other = replace(
        gold,
        doc_id=OTHER,
        record_id=OTHER,
        task_id=None,
        lead_time=12.5,
        cancelled=True,
        spans=[],
        links=[],
        choices=[RegionChoice("x", "claim_type", ())],
        provenance={},
        document_choices={"topic": ["politics", "war"]},
        problems=["moved a span"],
        model_version="m1",
    )
    records = [gold, other, replace(gold, record_id="third", spans=gold.spans[::-1])]
    stored = RecordColumns(RecordColumns.of(records).table)  # no objects kept: all from the columns
    made = stored.records()
    assert [r.to_record() for r in made] == [r.to_record() for r in records]
    assert made[0] == gold and list(made[0].provenance) == list(gold.provenance)
    counts, spans = stored.values("spans")
    assert counts == [len(r.spans) for r in records] and spans["text"] == [s.text for r in records for s in r.spans]
    assert stored.take([2, 0]).records() == [records[2], records[0]]
    made = RecordColumns.of(records)  # objects kept: rows taken or sliced from it share them, not copies
    assert made.take([2, 0]).records()[0] is records[2] and made.slice(1, 2).records()[0] is records[1]
    assert stored.slice(1, 5).records() == records[1:]
    assert RecordColumns(RecordColumns.of([]).table).records() == []

    ws = Workspace.init(tmp_path / "ws")
    legacy = ws.path("gold", "gold.jsonl")
    legacy.parent.mkdir(parents=True)
    legacy.write_text("".join(json.dumps(r.to_record()) + "\n" for r in records))
    assert load_gold(ws) == records
    save_gold(ws, adjudicate(three_annotators(), texts={DOC: TEXT}))
    assert not legacy.exists() and load_gold(ws) == [gold]


def test_gold_that_cannot_be_stored_is_refused_naming_its_document(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    (gold,) = adjudicate(three_annotators(), texts={DOC: TEXT}).gold
    save_gold(ws, adjudicate(three_annotators(), texts={DOC: TEXT}))
    before = ws.path("gold", "gold.arrow").read_bytes()
    bad = replace(gold, doc_id=OTHER, spans=[gold.spans[0]._replace(start="12")])
    with pytest.raises(NewsdeskError) as refused:
        save_gold(ws, AdjudicationResult("majority", 2, gold=[gold, bad]))
    assert refused.value.code == "E216" and OTHER in str(refused.value)
    assert ws.path("gold", "gold.arrow").read_bytes() == before  # nothing written


def test_gold_provenance_is_stored_with_each_value_once_and_the_older_form_still_reads(tmp_path):
    """Gold provenance goes to disk as [keys, values, value_of_key]; read back it is the same
    dict, in the same order; a gold file in the older form (one dict per entry) reads the same;
    a record stored in the older form is not appended again as if it had changed."""
    (gold,) = adjudicate(three_annotators(cleo_speech="direct"), texts={DOC: TEXT}).gold
    stored = json.loads(json.dumps(gold.to_record()))
    keys, values, value_of = stored["provenance"]
    assert keys == list(gold.provenance) and len(keys) > len(values) > 1
    assert [json.dumps(v, sort_keys=True) for v in values] == list(
        dict.fromkeys(json.dumps(v, sort_keys=True) for v in gold.provenance.values())
    )  # each distinct value once
    assert {k: values[i] for k, i in zip(keys, value_of)} == gold.provenance
    back = AnnotationRecord.from_record(stored)
    assert back == gold and list(back.provenance) == list(gold.provenance)
    older = {**stored, "provenance": json.loads(json.dumps(gold.provenance))}
    assert AnnotationRecord.from_record(older) == gold
    assert AnnotationRecord.from_record({**stored, "provenance": {}}).provenance == {}
    copied = gold.to_record()["provenance"][1][0]
    copied["rule"] = "changed"  # the stored form is a copy: the record is not changed through it
    assert "changed" not in json.dumps(gold.to_record())

    ws = Workspace.init(tmp_path / "ws")
    store = AnnotationStore(ws)
    path = store.append([gold], "first")
    path.write_text(json.dumps(older) + "\n")  # as an older version wrote it
    assert store.append([gold], "again") is None
    assert store.records() == [gold]


def test_a_workspace_is_adjudicated_from_its_record_store_against_the_current_texts(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    assert ingest(ws, [SEED]).ok
    doc = CorpusStore(ws).document(DOC)
    AnnotationStore(ws).append(three_annotators(doc.text, cleo_speech="direct"), "test")
    result = adjudicate_workspace(ws, "majority", min_agree=2)
    (gold,) = result.gold
    assert gold.text_sha256 == doc.text_sha256 and len(gold.spans) == 6 and len(result.conflicts) == 1
    assert all(doc.text[s.start : s.end] == s.text for s in gold.spans)


def test_an_unknown_strategy_is_refused():
    with pytest.raises(NewsdeskError, match=r"\[E241\] --strategy: .*ground-truth, majority, single"):
        adjudicate([], "vote")


# --- review in the real Label Studio server ----------------------------------------------------------


@pytest.mark.studio
def test_conflicts_go_to_a_review_project_with_every_version_and_the_review_comes_back(studio, tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    assert ingest(ws, [SEED]).ok
    doc = CorpusStore(ws).document(DOC)
    records = three_annotators(doc.text)
    result = adjudicate(records, texts={DOC: doc.text})
    assert {c.doc_id for c in result.conflicts} == {DOC}
    client = studio_client(studio.workspace)
    with pytest.raises(NewsdeskError) as caught:  # nothing pushed for review yet
        pull_reviews(ws, client=client)
    assert caught.value.code == "E207" and "no review project" in caught.value.one_line()

    assert push_review_tasks(ws, result.conflicts, records, client=client) == 1
    project = next(
        p
        for p in client.projects.list(page_size=100)
        if p.title == review_title(ws)
        and json.loads(ws.path("gold", "review_tasks.json").read_text())["marker"] in (p.description or "")
    )
    (task,) = client.tasks.list(project=project.id, fields="all")
    assert (
        task.data["doc_id"] == DOC
        and task.data["text"] == doc.text
        and "Review: 2 conflict(s)" in task.data["flags_note"]
    )
    predictions = list(client.predictions.list(task=task.id))
    assert sorted(p.model_version for p in predictions) == [version_label(a) for a in (ANA, BEN, CLEO)]
    bens = next(p for p in predictions if p.model_version == version_label(BEN))
    versions = [r for r in bens.result if r.get("type") == "labels" and r.get("from_name") != FLAG_LAYER]
    assert {r["value"]["text"] for r in versions} == {s.text for s in records[1].spans}
    # The cleaning flags ride along, as on annotation tasks (tests/test_flag_regions.py)
    assert [r for r in bens.result if r.get("from_name") == FLAG_LAYER] == flag_results(doc)

    assert push_review_tasks(ws, result.conflicts, records, client=client) == 0
    assert len(list(client.tasks.list(project=project.id))) == 1
    assert len(list(client.predictions.list(task=task.id))) == 3

    # The reviewer takes Ben's version and marks it as ground truth; gold follows it.
    client.annotations.create(id=task.id, result=bens.result, ground_truth=True)
    (review,) = pull_reviews(ws, client=client)
    assert review.ground_truth and review.doc_id == DOC and review.origin == "labelstudio-review"
    (gold,) = adjudicate(records + [review], "ground-truth", texts={DOC: doc.text}).gold
    assert keys(gold) == keys(records[1]) and gold.provenance["record"]["rule"] == "ground-truth"
    # Under majority the review does not vote.
    assert adjudicate(records + [review], texts={DOC: doc.text}).gold[0].to_record() == result.gold[0].to_record()


def test_a_record_reads_back_equal_and_exports_spans_links_and_choices_by_name():
    """Spans, links and choices are stored as lists, read back equal, exported as objects with
    their field names; a stored span of the wrong size is refused, not misread."""
    import pytest

    (gold,) = adjudicate(three_annotators(cleo_speech="direct"), texts={DOC: TEXT}).gold
    stored = json.loads(json.dumps(gold.to_record()))
    back = AnnotationRecord.from_record(stored)
    assert back == gold and back.spans[0].text == gold.spans[0].text
    exported = json.loads(json.dumps(gold.export_record()))
    assert exported["spans"][0] == {
        "id": gold.spans[0].id,
        "layer": gold.spans[0].layer,
        "label": gold.spans[0].label,
        "start": gold.spans[0].start,
        "end": gold.spans[0].end,
        "text": gold.spans[0].text,
    }
    assert set(exported["links"][0]) == {"from_id", "to_id", "label"}
    assert set(exported["choices"][0]) == {"region_id", "name", "values"}
    with pytest.raises(TypeError):
        AnnotationRecord.from_record({**stored, "spans": [stored["spans"][0][:5]]})


# --- the maintainer's story: adjudicate, validate, release ------------------------------------------

HARBOUR = (
    "Harbour strike ends\n\n"
    "The Harbour Authority said on Monday that the strike was over. “We will reopen the port on Friday,” "
    "union leader Marta Kowalski said. A ministry spokeswoman said that the talks would continue in May.\n"
)


def two_who_tie(text: str, doc_id: str) -> list[AnnotationRecord]:
    """Ana and Ben agree on most of the article and tie on a claim attribute, a span, a label and a link.

    Claim A is agreed whole. On claim B ("We will reopen ...") Ana says prediction, Ben quotation.
    On claim C ("that the talks ...") Ana links the spokeswoman as its source, Ben marks it
    unattributed. Ana marks "Friday" a DATE, Ben leaves it; Ana calls "May" a DATE, Ben an EVENT.
    Each record is valid on its own.
    """

    def spans(p: str, may: str) -> list[Span]:
        return [
            span(text, f"{p}-kow", "entities", "PERSON", "Marta Kowalski"),
            span(text, f"{p}-mon", "entities", "DATE", "Monday"),
            span(text, f"{p}-may", "entities", may, "May"),
            span(text, f"{p}-auth", "claims", "SOURCE", "The Harbour Authority"),
            span(text, f"{p}-a", "claims", "CLAIM", "that the strike was over"),
            span(text, f"{p}-a-cue", "claims", "CUE", "said"),
            span(text, f"{p}-b", "claims", "CLAIM", "We will reopen the port on Friday"),
            span(text, f"{p}-b-cue", "claims", "CUE", "said", after="Kowalski"),
            span(text, f"{p}-spk", "claims", "SOURCE", "A ministry spokeswoman"),
            span(text, f"{p}-c", "claims", "CLAIM", "that the talks would continue in May"),
            span(text, f"{p}-c-cue", "claims", "CUE", "said", after="spokeswoman"),
        ]

    def complete(p: str, claim: str, claim_type: str, speech: str) -> list[tuple]:
        return [
            (f"{p}-{claim}", "check_worthiness", "check-worthy"),
            (f"{p}-{claim}", "claim_type", claim_type),
            (f"{p}-{claim}", "speech", speech),
        ]

    def links(p: str) -> list[tuple]:
        return [(f"{p}-a", f"{p}-auth", "source"), (f"{p}-b", f"{p}-kow", "source")] + [
            (f"{p}-{c}", f"{p}-{c}-cue", "cue") for c in "abc"
        ]

    ana = record(
        ANA,
        text,
        spans("a", "DATE") + [span(text, "a-fri", "entities", "DATE", "Friday")],
        links=links("a") + [("a-c", "a-spk", "source")],
        choices=complete("a", "a", "statement of fact", "indirect")
        + complete("a", "b", "prediction", "direct")
        + complete("a", "c", "prediction", "indirect"),
        doc_id=doc_id,
    )
    ben = record(
        BEN,
        text,
        spans("b", "EVENT"),
        links=links("b"),
        choices=complete("b", "a", "statement of fact", "indirect")
        + complete("b", "b", "quotation or opinion", "direct")
        + complete("b", "c", "prediction", "indirect")
        + [("b-c", "attribution", "unattributed")],
        doc_id=doc_id,
    )
    return [ana, ben]


@pytest.fixture
def tied(tmp_path):
    """A workspace whose two annotators tie, validated clean before adjudication."""
    from typer.testing import CliRunner

    from newsdesk.cli import app

    (tmp_path / "harbour.txt").write_text(HARBOUR, encoding="utf-8")
    ws = Workspace.init(tmp_path / "ws")
    assert ingest(ws, [tmp_path / "harbour.txt"]).ok
    (doc,) = CorpusStore(ws).iter_documents()
    AnnotationStore(ws).append(two_who_tie(doc.text, doc.id), "test")
    runner = CliRunner()

    def newsdesk(*args: str):
        return runner.invoke(app, [*args, "-w", str(ws.root)])

    before = newsdesk("validate")
    assert before.exit_code == 0, before.output  # each annotator's work is valid
    return ws, doc, newsdesk


def test_every_tie_is_a_listed_conflict_and_unresolved_means_what_the_table_shows(tied):
    ws, doc, newsdesk = tied
    shown = newsdesk("adjudicate")
    assert shown.exit_code == 0, shown.output
    out = " ".join(shown.stdout.split())  # the table's title may wrap
    assert "1 unresolved documents, 5 conflicts no rule settles" in out
    assert "conflicts no rule settles (5 in 1 unresolved documents)" in out
    assert "2 claims with an undecided attribute or source" in out and "0 unresolved" not in out

    report = json.loads(newsdesk("adjudicate", "--json").stdout)
    assert report["unresolved"] == [doc.id] and report["without_gold"] == []
    assert {
        k: report["counts"][k]
        for k in ("conflicts", "unresolved", "documents_with_conflicts", "without_gold", "claims_left_out", "gold")
    } == {
        "conflicts": 5,
        "unresolved": 1,
        "documents_with_conflicts": 1,
        "without_gold": 0,
        "claims_left_out": 2,
        "gold": 1,
    }
    about = {(c["kind"], c["name"], (c["region"] or {}).get("text")) for c in report["conflicts"]}
    assert about == {
        ("span", None, "Friday"),
        ("label", None, "May"),
        ("attribute", "claim_type", "We will reopen the port on Friday"),
        ("link", "source", "that the talks would continue in May"),
        ("attribute", "attribution", "that the talks would continue in May"),
    }

    # Gold keeps what was agreed; the two claims whose type or source is undecided are left out, saying why.
    (gold,) = load_gold(ws)
    assert [s.text for s in gold.spans if s.label == "CLAIM"] == ["that the strike was over"]
    assert {(s.label, s.text) for s in gold.spans} >= {
        ("PERSON", "Marta Kowalski"),
        ("DATE", "Monday"),
        ("SOURCE", "A ministry spokeswoman"),
    }
    left_out = [p for p in gold.problems if "left out" in p]
    assert len(left_out) == 2 and any("claim_type" in p for p in left_out) and any("source" in p for p in left_out)
    assert load_conflicts(ws) == [Conflict.from_record(c) for c in report["conflicts"]]


def test_validate_after_adjudicate_says_what_release_build_would_and_clean_gold_releases(tied):
    from releases.build import build_release
    from validation.validate import validate

    ws, doc, newsdesk = tied
    assert newsdesk("adjudicate").exit_code == 0
    after = newsdesk("validate")
    assert after.exit_code == 0, after.output  # gold is validated too, and passes
    report = build_release(ws, "0.1.0")
    assert sum(report.rows["claims"].values()) == 1

    # Gold an earlier version wrote: claim B kept without its type and speech, claim C without a source.
    (gold,) = load_gold(ws)
    claims = [
        span(doc.text, f"claims:CLAIM:{s}", "claims", "CLAIM", s)
        for s in ("We will reopen the port on Friday", "that the talks would continue in May")
    ]
    claims = [c._replace(id=gold_span_id((c.layer, c.label, c.start, c.end))) for c in claims]
    stale = replace(
        gold,
        spans=gold.spans + claims,
        choices=gold.choices + [RegionChoice(claims[0].id, "check_worthiness", ("check-worthy",))],
    )
    save_gold(ws, AdjudicationResult("majority", 2, gold=[stale]))
    refused = newsdesk("validate", "--json")
    assert refused.exit_code == 1
    found = json.loads(refused.stdout)
    gold_findings = [f for f in found["findings"] if f["origin"] == "gold"]
    assert {(f["code"], f["doc_id"]) for f in gold_findings} == {("V206", doc.id), ("V212", doc.id)}
    assert all(f["message"].startswith("gold: ") and "adjudicate" in f["hint"] for f in gold_findings)
    assert "gold" in newsdesk("validate").stdout
    with pytest.raises(NewsdeskError) as exc:
        build_release(ws, "0.2.0")
    assert exc.value.code == "E304"
    by_code = validate(ws).by_code()
    assert exc.value.detail == f"{len(gold_findings)} errors: " + ", ".join(
        f"{code} x{group['count']}" for code, group in by_code.items()
    )


# --- gold that validation would reject is never written as gold -------------------------------------


def test_spans_that_cannot_stand_together_in_gold_are_rivals_not_both_kept():
    """Ana and Ben call "Joe Biden" a PERSON, Ben and Cleo call "Biden maintained" an ORG: each has two
    votes, but entities may not overlap, so they tie; the tie is listed and neither is kept."""
    ana, ben, cleo = three_annotators(cleo_speech="direct")
    org = lambda p: span(TEXT, f"{p}-org", "entities", "ORG", "Biden maintained")  # noqa: E731
    ben.spans.append(org("b"))
    cleo.spans.append(org("c"))
    cleo.spans = [s for s in cleo.spans if s.id != "c-biden"]
    cleo.links = [lk for lk in cleo.links if lk.to_id != "c-biden"]
    result = adjudicate([ana, ben, cleo], texts={DOC: TEXT})
    (gold,) = result.gold
    assert not any(s.text in ("Joe Biden", "Biden maintained") for s in gold.spans)
    (tie,) = [c for c in result.conflicts if c.region and c.region["text"] == "Joe Biden maintained"]
    assert tie.kind == "boundary" and "tie" in tie.description
    assert check_without_text(gold, LabelSchema.default()) == []


def test_a_required_attribute_nobody_answered_leaves_the_claim_out_with_a_listed_conflict():
    ana, ben, cleo = three_annotators(cleo_speech="direct")
    for r in (ana, ben, cleo):
        r.choices = [c for c in r.choices if c.name != "check_worthiness"]
    result = adjudicate([ana, ben, cleo], texts={DOC: TEXT})
    (gold,) = result.gold
    assert not any(s.label == "CLAIM" for s in gold.spans) and gold.choices == []
    assert not any(lk for lk in gold.links)  # the claim's links went with it
    (missing,) = [c for c in result.conflicts if c.kind == "attribute"]
    assert missing.name == "check_worthiness" and "not decided" in missing.description
    assert missing.versions == [{"annotators": [ANA, BEN, CLEO], "values": []}]
    assert result.counts["claims_left_out"] == 1 and result.unresolved == [DOC]
    # Nobody was asked: counted apart, so the CLI can say to mark the attribute optional.
    assert result.unanswered == {"check_worthiness": 1}
    assert result.to_record()["unanswered_required"] == {"check_worthiness": 1}


def test_a_required_attribute_answered_by_someone_is_a_disagreement_not_unanswered():
    ana, ben, cleo = three_annotators()  # Cleo left the speech unanswered, Ana and Ben answered it
    result = adjudicate([ana, ben, cleo], "majority", texts={DOC: TEXT})
    # Ana says direct, Ben indirect: the speech is tied, so the claim is left out, yet it was answered.
    assert result.counts["claims_left_out"] == 1
    assert result.unanswered == {}


def test_a_ground_truth_without_a_required_attribute_is_not_passed_off_as_complete():
    ana, ben, cleo = three_annotators()
    cleo.ground_truth = True  # Cleo left the speech unanswered
    result = adjudicate([ana, ben, cleo], "ground-truth", texts={DOC: TEXT})
    (gold,) = result.gold
    assert ("CLAIM", QUOTE) not in keys(gold) and ("PERSON", "Joe Biden") in keys(gold)
    (conflict,) = result.conflicts
    assert (conflict.kind, conflict.name, conflict.versions) == (
        "attribute",
        "speech",
        [{"annotators": [CLEO], "values": []}],
    )
    assert result.unresolved == [DOC]


@pytest.mark.parametrize("with_texts", [True, False])
def test_gold_that_would_still_fail_validation_is_left_out_and_listed(with_texts):
    """Both annotators link the claim to "Friday" as its source (a DATE cannot speak): their records
    fail validation, and gold made of them would too, so the document gets no gold record."""
    ana, ben, _ = three_annotators()
    ben.choices = [c._replace(region_id="b-claim") for c in ana.choices]  # the claim is otherwise complete
    for r, p in ((ana, "a"), (ben, "b")):
        r.links = [lk for lk in r.links if lk.label != "source"] + [Link(f"{p}-claim", f"{p}-friday", "source")]
    lone = record(CLEO, "Moscow.", [span("Moscow.", "x", "entities", "GPE", "Moscow")], doc_id=OTHER)
    texts = {DOC: TEXT, OTHER: "Moscow."} if with_texts else None
    result = adjudicate([ana, ben, lone], texts=texts)
    assert [g.doc_id for g in result.gold] == [OTHER]
    assert result.without_gold == [DOC] and DOC in result.unresolved
    (invalid,) = [c for c in result.conflicts if c.kind == "invalid"]
    assert invalid.doc_id == DOC and "[V207]" in invalid.description
    assert invalid.versions[0]["annotators"] == [ANA, BEN] and invalid.versions[0]["findings"][0].startswith("[V207]")


def test_adjudicate_says_to_mark_optional_a_required_attribute_nobody_answered(tied):
    """An imported corpus never asked the per-claim questions: every claim would be left out, and
    the CLI says why and what to change, rather than only counting conflicts."""
    ws, doc, newsdesk = tied
    store = AnnotationStore(ws)
    store.append([dataclasses.replace(r, choices=[]) for r in store.records()], "unasked")
    shown = newsdesk("adjudicate")
    out = " ".join(shown.stdout.split())
    assert "no annotator answered the required attribute 'claim_type'" in out
    assert "set required = false for it in labels.toml" in out
    report = json.loads(newsdesk("adjudicate", "--json").stdout)
    assert report["unanswered_required"]["claim_type"] >= 1
