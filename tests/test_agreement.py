"""Given two or three annotators' work on the same articles, the agreement figures are the ones
worked out by hand here, and the well-kept implementations (krippendorff, scikit-learn) agree.

Texts are words separated by single spaces, so every word is one token of
``corpus.tokens.tokenize`` and spans are given as word ranges.
"""

import json
import random

import krippendorff
import numpy as np
import pytest
from corpus_helpers import SEED
from sklearn.metrics import cohen_kappa_score

from annotation.model import AnnotationRecord, Link, RegionChoice, Span
from annotation.schema import LabelSchema
from annotation.store import AnnotationStore
from corpus.ingest import ingest
from corpus.model import sha256_hex
from corpus.store import CorpusStore
from corpus.tokens import tokenize
from corpus.workspace import Workspace
from validation.agreement import (
    NON_ANNOTATOR_ORIGINS,
    UNDEFINED_ONE_VALUE,
    agreement,
    agreement_workspace,
    alpha_from_coincidences,
    kappa_from_confusion,
)

SCHEMA = LabelSchema.default()

OLENA = "Olena Petrenko met Kyiv officials today"  # 6 tokens
SADOVYI = "Mayor Andriy Sadovyi of Lviv told Reuters the city held"  # 10 tokens


def word_span(text: str, first: int, last: int) -> tuple[int, int]:
    """Character offsets of words first..last (inclusive)."""
    starts, pos = [], 0
    for word in text.split(" "):
        starts.append((pos, pos + len(word)))
        pos += len(word) + 1
    return starts[first][0], starts[last][1]


def record(text: str, annotator: str, spans=(), doc_id="d1", links=(), choices=(), **kw) -> AnnotationRecord:
    """``spans``: (id, label, first word, last word); the layer follows from the label."""
    built = []
    for span_id, label, first, last in spans:
        start, end = word_span(text, first, last)
        built.append(Span(span_id, SCHEMA.layer_of(label), label, start, end, text[start:end]))
    return AnnotationRecord(
        doc_id=doc_id,
        text_sha256=sha256_hex(text),
        annotator=annotator,
        origin=kw.pop("origin", "labelstudio"),
        record_id=kw.pop("record_id", f"{annotator}-{doc_id}"),
        spans=built,
        links=[Link(*lk) for lk in links],
        choices=[RegionChoice(r, n, tuple(v)) for r, n, v in choices],
        **kw,
    )


def entities(report):
    return report.layers["entities"]


# --- identical annotators --------------------------------------------------------------------------


def test_two_identical_annotators_agree_perfectly():
    spans = [("p", "PERSON", 0, 1), ("g", "GPE", 3, 3)]
    report = agreement([record(OLENA, "alice", spans), record(OLENA, "bob", spans)], {"d1": OLENA}, SCHEMA)

    assert report.documents == 1 and report.annotators == ["alice", "bob"]
    assert report.pair_documents == {("alice", "bob"): 1}
    layer = entities(report)
    assert (layer.exact.f1, layer.overlap.f1) == (1.0, 1.0)
    assert layer.tokens.kappa.value == pytest.approx(1.0)
    assert layer.tokens.alpha.value == pytest.approx(1.0)
    assert (layer.tokens.alpha.n, layer.tokens.alpha.unit) == (6, "tokens")
    assert layer.labels["PERSON"].tokens.alpha.value == pytest.approx(1.0)
    assert layer.labels["PERSON"].tokens.alpha.n == 2  # "Olena Petrenko"


def test_the_headline_names_each_figure_with_its_sample():
    # What a release card and `./run demo` print: each figure with the sample it rests on.
    alice = record(OLENA, "alice", [("p", "PERSON", 0, 1), ("g", "GPE", 3, 3)])
    bob = record(OLENA, "bob", [("p", "PERSON", 1, 1), ("g", "GPE", 3, 3)])
    headline = agreement([alice, bob], {"d1": OLENA}, SCHEMA).headline()
    assert headline["documents annotated by two or more"] == 1
    assert headline["entities: span F1 exact / overlap"] == "0.50 / 1.00"
    assert headline["entities: token Krippendorff's alpha"] == f"alpha {30 / 41:.2f} on 6 tokens"
    assert headline["entities: token Cohen's kappa"] == f"kappa {5 / 7:.2f} on 6 tokens"
    assert agreement([alice], {"d1": OLENA}, SCHEMA).headline() == {}  # nobody to agree with


# --- boundaries ------------------------------------------------------------------------------------


def test_a_boundary_disagreement_costs_exact_match_but_not_overlap_match():
    alice = record(OLENA, "alice", [("p", "PERSON", 0, 1), ("g", "GPE", 3, 3)])  # "Olena Petrenko"
    bob = record(OLENA, "bob", [("p", "PERSON", 1, 1), ("g", "GPE", 3, 3)])  # "Petrenko"
    report = agreement([alice, bob], {"d1": OLENA}, SCHEMA)
    layer = entities(report)

    # Exact: only GPE matches: 1 of 2 each way; F1 = 2*1 / (2+2) = 0.5. Overlap: both match: F1 = 1.
    assert (layer.exact.matched, layer.exact.reference, layer.exact.other) == (1, 2, 2)
    assert layer.exact.f1 == 0.5 and layer.overlap.f1 == 1.0
    assert layer.labels["PERSON"].exact.f1 == 0.0 and layer.labels["PERSON"].overlap.f1 == 1.0
    assert report.exact.f1 == 0.5  # no claims: overall = entities

    # Tokens    Olena Petrenko met Kyiv officials today
    #   alice   P     P        O   G    O         O
    #   bob     O     P        O   G    O         O
    # kappa: p_o = 5/6; p_e = (2*1 [P] + 1*1 [G] + 3*4 [O]) / 36 = 15/36;
    #        (30/36 - 15/36) / (21/36) = 15/21 = 5/7
    assert layer.tokens.kappa.value == pytest.approx(5 / 7)
    # alpha: n = 12 values, n_P = 3, n_G = 2, n_O = 7; one disagreeing unit gives o_PO = o_OP = 1;
    #        1 - (n-1) * 2 / (n^2 - sum n_c^2) = 1 - 11*2 / (144 - 62) = 60/82 = 30/41
    assert layer.tokens.alpha.value == pytest.approx(30 / 41)


def test_overlap_matching_is_one_to_one_and_takes_the_most_matches():
    text = "aaaa bbbbb ccccc ddddd"
    a = [Span("a1", "entities", "ORG", 0, 4, ""), Span("a2", "entities", "ORG", 4, 10, "")]
    b = [Span("b1", "entities", "ORG", 2, 8, ""), Span("b2", "entities", "ORG", 9, 12, "")]
    recs = [
        AnnotationRecord("d1", sha256_hex(text), name, "labelstudio", name, spans=spans)
        for name, spans in (("alice", a), ("bob", b))
    ]
    layer = entities(agreement(recs, {"d1": text}, SCHEMA))
    # a2-b1 overlap most (4 chars), but taking that pair leaves a1 and b2 alone; a1-b1 + a2-b2 is two matches.
    assert layer.overlap.matched == 2
    assert layer.exact.matched == 0


# --- labels and a hand-computed kappa ---------------------------------------------------------------


def sadovyi_pair():
    alice = record(SADOVYI, "alice", [("p", "PERSON", 1, 2), ("g", "GPE", 4, 4), ("o", "ORG", 6, 6)])
    bob = record(SADOVYI, "bob", [("p", "PERSON", 0, 2), ("g", "GPE", 4, 4), ("r", "PERSON", 6, 6)])
    return agreement([alice, bob], {"d1": SADOVYI}, SCHEMA)


def test_a_label_disagreement_and_a_hand_computed_kappa_on_ten_tokens():
    report = sadovyi_pair()
    layer = entities(report)

    # Spans: alice PERSON(Andriy Sadovyi) GPE(Lviv) ORG(Reuters); bob PERSON(Mayor Andriy Sadovyi) GPE PERSON(Reuters).
    # Exact: GPE only -> 2*1/6 = 1/3. Overlap: PERSON + GPE -> 2*2/6 = 2/3 (Reuters: ORG vs PERSON never matches).
    assert layer.exact.f1 == pytest.approx(1 / 3) and layer.overlap.f1 == pytest.approx(2 / 3)
    org = layer.labels["ORG"].overlap
    assert (org.matched, org.reference, org.other) == (0, 1, 0)
    assert org.recall == 0.0 and org.precision is None and org.f1 == 0.0
    person = layer.labels["PERSON"].overlap  # alice (reference) 1, bob 2, 1 match
    assert (person.precision, person.recall, person.f1) == (0.5, 1.0, pytest.approx(2 / 3))

    # Tokens  Mayor Andriy Sadovyi of Lviv told Reuters the city held
    #   alice O     P      P       O  G    O    ORG     O   O    O
    #   bob   P     P      P       O  G    O    P       O   O    O
    # p_o = 8/10; marginals alice P2 G1 ORG1 O6, bob P4 G1 ORG0 O5;
    # p_e = (2*4 + 1*1 + 1*0 + 6*5) / 100 = 39/100; kappa = (0.80 - 0.39) / 0.61 = 41/61
    kappa = layer.tokens.pair_kappa[("alice", "bob")]
    assert kappa.value == pytest.approx(41 / 61) and kappa.n == 10
    assert layer.tokens.kappa.value == pytest.approx(41 / 61)  # one pair: the mean is that pair
    # PERSON vs the rest: alice P at 1,2; bob at 0,1,2,6. p_o = 8/10; p_e = (2*4 + 8*6)/100 = 0.56;
    # kappa = 0.24 / 0.44 = 6/11, on the 4 tokens either annotator called PERSON.
    person_kappa = layer.labels["PERSON"].tokens.pair_kappa[("alice", "bob")]
    assert person_kappa.value == pytest.approx(6 / 11) and person_kappa.n == 4
    # alpha: n = 20, n_O = 11, n_P = 6, n_G = 2, n_ORG = 1; two disagreeing units -> 4 off-diagonal coincidences;
    #        1 - 19*4 / (400 - (121 + 36 + 4 + 1)) = 1 - 76/238 = 81/119
    assert layer.tokens.alpha.value == pytest.approx(81 / 119)

    # The same figures from scikit-learn and krippendorff on the raw token labels.
    alice = "O P P O G O ORG O O O".split()
    bob = "P P P O G O P O O O".split()
    assert cohen_kappa_score(alice, bob) == pytest.approx(41 / 61)
    assert krippendorff.alpha(reliability_data=[alice, bob], level_of_measurement="nominal") == pytest.approx(81 / 119)


# --- Krippendorff's alpha by hand ---------------------------------------------------------------------


def test_alpha_from_coincidences_matches_the_formula_and_the_krippendorff_package():
    # Two coders, five units:  coder 1: a a b b c;  coder 2: a b b b c
    # Coincidences (each unit's ordered value pairs / (m_u - 1), m_u = 2):
    #   (a,a) -> o_aa += 2;  (a,b) -> o_ab += 1, o_ba += 1;  (b,b) x2 -> o_bb += 4;  (c,c) -> o_cc += 2
    o = np.array([[2, 1, 0], [1, 4, 0], [0, 0, 2]], dtype=float)
    # n_c = (3, 5, 2), n = 10; alpha = 1 - (n-1) * sum_{c!=k} o_ck / (n^2 - sum n_c^2)
    #     = 1 - 9*2 / (100 - (9 + 25 + 4)) = 1 - 18/62 = 22/31
    by_hand = 22 / 31
    assert alpha_from_coincidences(o, 5, "units").value == pytest.approx(by_hand)
    data = [[1, 1, 2, 2, 3], [1, 2, 2, 2, 3]]
    assert krippendorff.alpha(reliability_data=data, level_of_measurement="nominal") == pytest.approx(by_hand)


def test_alpha_is_undefined_when_only_one_value_occurs():
    measure = alpha_from_coincidences(np.array([[6.0, 0.0], [0.0, 0.0]]), 3, "tokens")
    assert measure.value is None and measure.why == UNDEFINED_ONE_VALUE


# --- three annotators, missing values -------------------------------------------------------------------


def three_annotators(min_annotators=2):
    visited, paris = "Olena visited Kyiv", "Paris was calm"
    recs = [
        record(visited, "alice", [("p", "PERSON", 0, 0), ("g", "GPE", 2, 2)]),
        record(visited, "bob", [("p", "PERSON", 0, 0), ("g", "GPE", 2, 2)]),
        record(visited, "carol", [("p", "PERSON", 0, 0)]),
        record(paris, "alice", [("g", "GPE", 0, 0)], doc_id="d2"),
        record(paris, "carol", [("g", "GPE", 0, 0)], doc_id="d2"),  # bob did not annotate d2: missing
    ]
    return agreement(recs, {"d1": visited, "d2": paris}, SCHEMA, min_annotators=min_annotators)


def test_three_annotators_with_missing_values():
    report = three_annotators()
    layer = entities(report)
    assert report.pair_documents == {("alice", "bob"): 1, ("alice", "carol"): 2, ("bob", "carol"): 1}

    # Units (tokens): d1 Olena (P,P,P) visited (O,O,O) Kyiv (G,G,O); d2 Paris (G,-,G) was (O,-,O) calm (O,-,O)
    # Coincidences, weight 1/(m_u - 1):
    #   (P,P,P): 6 ordered P-P pairs / 2 -> o_PP = 3;   (O,O,O) -> o_OO += 3
    #   (G,G,O): G-G 2 ordered / 2 -> o_GG += 1; G-O 4 ordered / 2 -> o_GO = o_OG = 1
    #   d2 (m_u = 2): o_GG += 2, o_OO += 2 + 2
    # o_PP = 3, o_GG = 3, o_OO = 7, o_GO = o_OG = 1; n_P = 3, n_G = 4, n_O = 8, n = 15
    # alpha = 1 - 14 * 2 / (225 - (9 + 16 + 64)) = 1 - 28/136 = 27/34
    assert layer.tokens.alpha.value == pytest.approx(27 / 34)
    nan = np.nan
    data = [[1, 0, 2, 2, 0, 0], [1, 0, 2, nan, nan, nan], [1, 0, 0, 2, 0, 0]]
    assert krippendorff.alpha(reliability_data=data, level_of_measurement="nominal") == pytest.approx(27 / 34)

    # Pairs: alice-bob on d1 (3 tokens) identical -> 1.
    # alice-carol on d1+d2: P O G G O O vs P O O G O O -> p_o 5/6, p_e (1*1 + 3*4 + 2*1)/36 -> 5/7.
    # bob-carol on d1: P O G vs P O O -> p_o 2/3, p_e (1*1 + 1*2)/9 = 1/3 -> (1/3)/(2/3) = 1/2.
    pairs = layer.tokens.pair_kappa
    assert pairs[("alice", "bob")].value == pytest.approx(1.0)
    assert pairs[("alice", "carol")].value == pytest.approx(5 / 7)
    assert pairs[("bob", "carol")].value == pytest.approx(1 / 2)
    # The layer's kappa: mean weighted by tokens compared: (1*3 + 5/7*6 + 1/2*3) / 12 = 41/56
    assert layer.tokens.kappa.value == pytest.approx(41 / 56) and layer.tokens.kappa.n == 6


def test_min_annotators_keeps_only_documents_with_that_many():
    report = three_annotators(min_annotators=3)
    assert report.documents == 1 and report.skipped["documents_below_min_annotators"] == 1


# --- claims: attributes and links --------------------------------------------------------------------------

CLAIMS_TEXT = (
    "Olena said prices rose . Reuters said exports fell . Officials expect growth . "
    "Nobody denies the deal . Someone noted rain"
)
#  words: 0 Olena 1 said 2 prices 3 rose 4 . 5 Reuters 6 said 7 exports 8 fell 9 . 10 Officials 11 expect
#         12 growth 13 . 14 Nobody 15 denies 16 the 17 deal 18 . 19 Someone 20 noted 21 rain


def claims_pair():
    alice = record(
        CLAIMS_TEXT,
        "alice",
        [
            ("olena", "PERSON", 0, 0),
            ("reuters", "ORG", 5, 5),
            ("c1", "CLAIM", 2, 3),
            ("c2", "CLAIM", 7, 8),
            ("c3", "CLAIM", 11, 12),
            ("c4", "CLAIM", 15, 17),
            ("c5", "CLAIM", 21, 21),  # only alice marks this one: not matched, not compared
        ],
        links=[("c1", "olena", "source"), ("c2", "reuters", "source"), ("c4", "olena", "source")],
        choices=[
            ("c1", "claim_type", ["statement of fact"]),
            ("c2", "claim_type", ["statement of fact"]),
            ("c3", "claim_type", ["prediction"]),
            ("c4", "claim_type", ["denial"]),
            ("c5", "claim_type", ["other"]),
            ("c1", "speech", ["indirect"]),
            ("c4", "attribution", ["unattributed"]),
        ],
    )
    bob = record(
        CLAIMS_TEXT,
        "bob",
        [
            ("olena-src", "SOURCE", 0, 0),
            ("officials", "SOURCE", 10, 10),
            ("k1", "CLAIM", 2, 3),
            ("k2", "CLAIM", 6, 8),
            ("k3", "CLAIM", 12, 12),
            ("k4", "CLAIM", 14, 17),
        ],
        links=[("k1", "olena-src", "source"), ("k2", "officials", "source")],
        choices=[
            ("k1", "claim_type", ["statement of fact"]),
            ("k2", "claim_type", ["prediction"]),
            ("k3", "claim_type", ["prediction"]),
            ("k4", "claim_type", ["denial"]),
        ],
    )
    return agreement([alice, bob], {"d1": CLAIMS_TEXT}, SCHEMA)


def test_attribute_alpha_on_matched_claims():
    report = claims_pair()
    assert report.claim_groups == 4 and report.ambiguous_claim_groups == 0
    claim = report.layers["claims"].labels["CLAIM"]
    assert (claim.overlap.matched, claim.exact.matched) == (4, 1)  # only c1/k1 have the same boundaries

    # claim_type on the 4 matched claims: alice fact fact prediction denial; bob fact prediction prediction denial
    # n = 8: fact 3, prediction 3, denial 2; one disagreeing unit -> 2 off-diagonal coincidences
    # alpha = 1 - 7*2 / (64 - (9 + 9 + 4)) = 1 - 14/42 = 2/3   (alice's unmatched c5 "other" is not a unit)
    claim_type = report.attributes["claim_type"]
    assert claim_type.value == pytest.approx(2 / 3) and (claim_type.n, claim_type.unit) == (4, "claims")
    # speech is required: left out is missing, so no claim has it from two annotators.
    assert report.attributes["speech"].value is None and report.attributes["speech"].n == 0
    # attribution is optional: left out counts as "(none)". Units: (none, none) x3, (unattributed, none)
    # n = 8: none 7, unattributed 1; 2 off-diagonal -> 1 - 7*2 / (64 - (49 + 1)) = 0
    assert report.attributes["attribution"].value == pytest.approx(0.0)
    assert report.attributes["check_worthiness"].why is not None  # nobody answered it


def test_link_agreement_on_matched_claims():
    source = claims_pair().links["source"]
    # c1/k1: PERSON "Olena" vs SOURCE "Olena" -> the same source (agree)
    # c2/k2: "Reuters" vs "Officials" -> disagree
    # c3/k3: neither linked -> agree (both unlinked)
    # c4/k4: alice links Olena, bob nothing -> disagree
    assert source.agreement.value == pytest.approx(2 / 4)
    assert (source.agreement.n, source.agreement.unit, source.both_unlinked) == (4, "claim pairs", 1)


# --- what is left out -------------------------------------------------------------------------------------


def test_a_document_with_one_annotator_is_ignored():
    spans = [("p", "PERSON", 0, 1)]
    recs = [
        record(OLENA, "alice", spans),
        record(OLENA, "bob", spans),
        record(SADOVYI, "alice", [("o", "ORG", 6, 6)], doc_id="d2"),
    ]
    report = agreement(recs, {"d1": OLENA, "d2": SADOVYI}, SCHEMA)
    assert report.documents == 1 and report.skipped["documents_below_min_annotators"] == 1
    assert entities(report).labels["ORG"].tokens.alpha.value is None
    assert entities(report).tokens.alpha.n == 6  # the tokens of d1 only


def test_cancelled_prediction_adjudicated_stale_and_superseded_records_are_ignored():
    spans = [("p", "PERSON", 0, 1), ("g", "GPE", 3, 3)]
    wrong = [("x", "ORG", 4, 5)]
    recs = [
        record(OLENA, "alice", wrong, record_id="old", updated_at="2026-01-01T00:00:00"),
        record(OLENA, "alice", spans, record_id="new", updated_at="2026-02-01T00:00:00"),
        record(OLENA, "bob", spans),
        record(OLENA, "carol", wrong, cancelled=True),
        record(OLENA, "model-v1", wrong, origin="prediction"),
        record(OLENA, "adjudication", wrong, origin="gold"),
        record(OLENA, "erin", wrong, provenance={"p": {"annotators": ["alice"], "rule": "majority"}}),
        record(OLENA, "reviewer", wrong, origin="labelstudio-review"),
        AnnotationRecord("d1", "0" * 64, "dave", "labelstudio", "dave-d1"),  # made on another text
    ]
    report = agreement(recs, {"d1": OLENA}, SCHEMA)
    assert report.annotators == ["alice", "bob"]
    assert entities(report).exact.f1 == 1.0 and entities(report).tokens.alpha.value == pytest.approx(1.0)
    assert report.skipped == {
        "adjudicated": 1,
        "cancelled": 1,
        "origin gold": 1,
        "origin labelstudio-review": 1,
        "origin prediction": 1,
        "stale_records": 1,
        "superseded": 1,
    }


def test_the_records_left_out_are_the_ones_adjudication_does_not_count_as_votes():
    from validation.adjudicate import NON_VOTING_ORIGINS

    assert set(NON_ANNOTATOR_ORIGINS) == set(NON_VOTING_ORIGINS)


def test_a_workspace_is_compared_from_its_record_store_against_the_current_texts(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    assert ingest(ws, [SEED]).ok
    (doc,) = CorpusStore(ws).iter_documents()
    (s1, e1), (s2, e2) = tokenize(doc.text)[:2]
    recs = [
        AnnotationRecord(
            doc.id,
            doc.text_sha256,
            name,
            "labelstudio",
            name,
            spans=[Span("x", "entities", "ORG", s1, end, doc.text[s1:end])],
        )
        for name, end in (("alice", e1), ("bob", e2))
    ]
    AnnotationStore(ws).append(recs, "test")
    report = agreement_workspace(ws)
    layer = report.layers["entities"]
    assert report.documents == 1 and (layer.exact.f1, layer.overlap.f1) == (0.0, 1.0)
    assert layer.tokens.alpha.n == len(tokenize(doc.text))


# --- warnings and JSON ---------------------------------------------------------------------------------


def test_low_agreement_labels_become_warnings_with_their_sample_size():
    report = sadovyi_pair()
    # PERSON vs rest: n = 20, n_P = 6, n_N = 14, 4 off-diagonal -> 1 - 19*4 / (400 - 36 - 196) = 23/42 ~ 0.55
    # ORG vs rest: n_ORG = 1, n_N = 19, 2 off-diagonal -> 1 - 19*2 / (400 - 1 - 361) = 0
    # entities layer: 81/119 ~ 0.68; GPE agrees fully (1.0); the claims layer is undefined (all "O").
    warnings = report.warnings(threshold=0.7)
    assert [(w.subject, w.measure) for w in warnings] == [
        ("ORG (entities)", "alpha"),
        ("PERSON (entities)", "alpha"),
        ("entities layer", "alpha"),
    ]
    assert warnings[1].value == pytest.approx(23 / 42) and (warnings[1].n, warnings[1].unit) == (4, "tokens")
    assert warnings[1].message == "PERSON (entities): token alpha 0.55 on 4 tokens (below 0.7)"
    # A value just under the threshold reads as under it (two digits showed "0.55 (below 0.548)").
    (near,) = [w for w in report.warnings(threshold=0.548) if w.subject == "PERSON (entities)"]
    assert near.message == "PERSON (entities): token alpha 0.5476 on 4 tokens (below 0.548)"
    assert [w.subject for w in report.warnings(threshold=0.5)] == ["ORG (entities)"]
    assert report.warnings(threshold=0.0) == []
    f1 = report.warnings(threshold=0.5, measures=["f1_exact"])
    assert [w.message for w in f1] == [
        "ORG (entities): exact-match F1 0.00 on 1 spans (below 0.5)",
        "PERSON (entities): exact-match F1 0.00 on 3 spans (below 0.5)",
        "entities layer: exact-match F1 0.33 on 6 spans (below 0.5)",
    ]
    with pytest.raises(ValueError):
        report.warnings(0.5, measures=["beta"])


def test_the_json_record_has_no_nan_and_says_why_a_figure_is_missing():
    record_ = sadovyi_pair().to_record()
    json.dumps(record_, allow_nan=False)  # raises on NaN
    claims_alpha = record_["layers"]["claims"]["tokens"]["alpha"]
    assert claims_alpha["value"] is None and claims_alpha["undefined_because"] == UNDEFINED_ONE_VALUE
    org = record_["layers"]["entities"]["labels"]["ORG"]["exact"]
    assert org["precision"] is None and "precision" in org["undefined_because"]
    assert record_["pairs"] == [{"annotators": ["alice", "bob"], "documents": 1}]
    assert "IO labels" in record_["conventions"]["tokens"]


# --- against the reference implementations on random annotations -----------------------------------------


def naive_io_labels(text: str, spans: list[Span], layer: str) -> list[str]:
    """Per token: the label of the shortest covering span of the layer (the later one on a tie), else O."""
    out = []
    for start, end in tokenize(text):
        covering = [
            (s.end - s.start, -i, s.label)
            for i, s in enumerate(spans)
            if s.layer == layer and s.start < end and s.end > start
        ]
        out.append(min(covering)[2] if covering else "O")
    return out


def test_kappa_from_confusion_equals_sklearn():
    """Our kappa is scikit-learn's formula: equal on random confusion matrices, sparse ones included."""
    rng = np.random.default_rng(7)
    for _ in range(200):
        v = int(rng.integers(2, 9))
        conf = rng.integers(0, 50, size=(v, v)) * (rng.random((v, v)) < 0.6)
        rows, cols = np.nonzero(conf)
        measure = kappa_from_confusion(conf, int(conf.sum()), "tokens")
        if np.union1d(rows, cols).size < 2:
            assert measure.value is None
            continue
        expected = cohen_kappa_score(rows, cols, labels=np.arange(v), sample_weight=conf[rows, cols])
        assert measure.value == pytest.approx(expected, abs=1e-12)
    assert kappa_from_confusion(np.array([[5, 0], [0, 0]]), 5, "tokens").why == UNDEFINED_ONE_VALUE
    assert kappa_from_confusion(np.zeros((3, 3), int), 0, "tokens").value is None


def test_token_figures_equal_sklearn_and_krippendorff_on_random_annotations():
    rng = random.Random(4)
    words = "the minister of Ukraine’s economy said 2.1 percent growth , officials in Kyiv and Lviv agreed".split()
    labels = ["PERSON", "ORG", "GPE", "CLAIM", "SOURCE", "CUE"]
    names = ["alice", "bob", "carol"]
    texts, recs = {}, []
    for d in range(12):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(5, 30)))
        texts[f"d{d}"] = text
        for name in rng.sample(names, rng.randint(2, 3)):
            spans = []
            for k in range(rng.randint(0, 6)):
                start = rng.randrange(len(text))
                end = min(len(text), start + rng.randint(1, 25))  # may cut words and nest
                label = rng.choice(labels)
                spans.append(Span(f"{name}{k}", SCHEMA.layer_of(label), label, start, end, text[start:end]))
            recs.append(AnnotationRecord(f"d{d}", sha256_hex(text), name, "labelstudio", f"{name}-{d}", spans=spans))
    report = agreement(recs, texts, SCHEMA)

    by_doc = {}
    for rec in recs:
        by_doc.setdefault(rec.doc_id, {})[rec.annotator] = rec
    for layer in ("entities", "claims"):
        rows = {name: [] for name in names}
        for doc_id, annotated in by_doc.items():
            n = len(tokenize(texts[doc_id]))
            for name in names:
                rows[name] += (
                    naive_io_labels(texts[doc_id], annotated[name].spans, layer) if name in annotated else [None] * n
                )
        codes = {value: i for i, value in enumerate(sorted({v for r in rows.values() for v in r if v}))}
        data = [[np.nan if v is None else codes[v] for v in rows[name]] for name in names]
        expected = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
        assert report.layers[layer].tokens.alpha.value == pytest.approx(expected)
        for a, b in [("alice", "bob"), ("alice", "carol"), ("bob", "carol")]:
            both = [(x, y) for x, y in zip(rows[a], rows[b]) if x is not None and y is not None]
            kappa = cohen_kappa_score([x for x, _ in both], [y for _, y in both])
            assert report.layers[layer].tokens.pair_kappa[(a, b)].value == pytest.approx(kappa)
        for label in report.layers[layer].labels:
            binary = [[np.nan if np.isnan(v) else float(v == codes.get(label)) for v in row] for row in data]
            value = report.layers[layer].labels[label].tokens.alpha.value
            if value is not None:
                assert value == pytest.approx(
                    krippendorff.alpha(reliability_data=binary, level_of_measurement="nominal")
                )


def random_team(rng: random.Random, documents: int, most: int) -> tuple[dict, list]:
    """Texts and 2..``most`` annotators' records per document: spans that cut words, nest, cross,
    repeat, lie partly or wholly outside the text, and claims with sources, cues and attributes."""
    words = "the minister of Ukraine’s economy said 2.1 percent growth , officials in Kyiv and Lviv agreed".split()
    labels = ["PERSON", "ORG", "GPE", "CLAIM", "SOURCE", "CUE"] * 10 + ["MYSTERY", "O"]  # two the schema lacks
    names = ["alice", "bob", "carol", "dan", "erin"]
    texts, recs = {}, []
    for d in range(documents):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(0, 30)))
        texts[f"d{d}"] = text
        for name in rng.sample(names, rng.randint(2, most)):
            spans, links, choices = [], [], []
            tidy, at = rng.random() < 0.8, 0  # tidy: spans one after the other, as most annotators leave them
            for k in range(rng.randint(0, 6)):
                if tidy:
                    start = at + rng.randint(0, 8)
                    end = at = min(len(text), start + rng.randint(1, 12))
                else:
                    start = rng.randrange(-3, len(text) + 3)
                    end = start + rng.randint(-1, 25)
                label = rng.choice(labels)
                layer = SCHEMA.layer_of(label) if label in labels[:6] else "entities"
                spans.append(Span(f"{name}{k}", layer, label, start, end, text[start:end]))
            claims = [s for s in spans if s.label == "CLAIM"]
            for claim in claims:
                others = [s for s in spans if s.label != "CLAIM"]
                if others and rng.random() < 0.7:
                    links.append(Link(claim.id, rng.choice(others).id, rng.choice(["source", "cue"])))
                choices.append(RegionChoice(claim.id, "claim_type", (rng.choice(["prediction", "statistic"]),)))
            recs.append(
                AnnotationRecord(
                    f"d{d}",
                    sha256_hex(text),
                    name,
                    "labelstudio",
                    f"{name}-{d}",
                    spans=spans,
                    links=links,
                    choices=choices,
                )
            )
    return texts, recs


@pytest.mark.parametrize("seed", range(12))
def test_token_figures_counted_for_all_pair_documents_at_once_are_those_counted_one_by_one(seed, monkeypatch):
    """_Tally counts the token figures of documents two annotators annotated all at once (spans painted
    in one pass); the report must be the one of counting them document by document, with documents of
    three annotators, nested spans and offsets outside the text among them, and with four annotators
    (then nothing is counted at once)."""
    from validation.agreement import _Tally

    rng = random.Random(seed)
    texts, recs = random_team(rng, rng.randint(20, 40), 3 if seed % 4 else 4)
    at_once = agreement(recs, texts, SCHEMA).to_record()
    counted = []
    batched = _Tally._add_pair_tokens
    monkeypatch.setattr(
        _Tally, "_add_pair_tokens", lambda self, docs: counted.append(batched(self, docs)) or counted[-1]
    )
    assert agreement(recs, texts, SCHEMA).to_record() | {"seconds": None} == at_once | {"seconds": None}
    monkeypatch.setattr(_Tally, "_add_pair_tokens", lambda self, docs: np.zeros(len(docs), bool))
    one_by_one = agreement(recs, texts, SCHEMA).to_record()
    assert at_once | {"seconds": None} == one_by_one | {"seconds": None}
    if seed % 4:
        assert counted[0].any()  # some documents were counted at once


def test_records_are_prepared_as_arrays_of_their_known_spans_all_at_once():
    """agreement._prepare reads the spans of all records at once: each record's arrays are its own
    spans of a known label, in order, and the others are counted as skipped."""
    from collections import defaultdict

    from validation.agreement import LAYERS, _Labels, _prepare

    rng = random.Random(3)
    _, recs = random_team(rng, 30, 3)
    recs.append(AnnotationRecord("d0", "0" * 64, "frank", "labelstudio", "empty"))
    labels, skipped = _Labels(SCHEMA), defaultdict(int)
    prepared = _prepare(recs, labels, skipped)
    unknown = 0
    for rec, ann in zip(recs, prepared, strict=True):
        known = [s for s in rec.spans if (s.layer, s.label) in labels.code and s.label != "O"]
        unknown += len(rec.spans) - len(known)
        assert ann.annotator == rec.annotator and ann.ids == [s.id for s in known]
        assert ann.start.tolist() == [s.start for s in known] and ann.end.tolist() == [s.end for s in known]
        assert ann.code.tolist() == [labels.code[(s.layer, s.label)] for s in known]
        assert ann.layer.tolist() == [LAYERS.index(s.layer) for s in known]
    assert unknown and dict(skipped) == {"spans_with_unknown_label": unknown}
    assert _prepare(recs[:1][:0], labels, skipped) == []
