"""Predictions validate as they are: an annotator who accepts a pre-annotation never blocks a release.

Every prediction of the sample corpus and of news-shaped articles written for this test (nested
quotations, a reported clause that opens a quotation, reporting verbs with no source, a
quotation over several paragraphs, a one-line article, ...) goes through validation's integrity
checks and table schemas with no error, for the baseline and for a spaCy pipeline; the baseline
gets there by its own rules, and any other predictor through the conform step `make_predictor` adds.
"""

from __future__ import annotations

from collections import Counter

import pytest
from corpus_helpers import SAMPLES, clean_text

from annotation.conform import conform
from annotation.model import AnnotationRecord, Link, RegionChoice, Span
from annotation.predict import make_predictor, register_predictor
from annotation.schema import CLAIM, CLAIM_LAYER, CUE, ENTITY_LAYER, LINK_CUE, LINK_SOURCE, SOURCE, LabelSchema
from corpus.ingest import ingest
from corpus.store import CorpusStore
from corpus.workspace import Workspace
from validation.integrity import check_records
from validation.validate import validate_data

SCHEMA = LabelSchema.default()

ARTICLES = {
    "nested quotations and a clause that runs out of one": (
        "Harbour talks stall again\n\n"
        "“I told them plainly that we would not accept it, and the minister said that ‘a deal is close’ before "
        "walking out,” union leader Marta Kowalski said on Tuesday.\n\n"
        "The ministry denied that any talks had been cancelled. “We remain at the table,” a ministry "
        "spokeswoman said.\n"
    ),
    "a reported clause that opens a quotation and ends inside it": (
        "Bridge to open in spring\n\n"
        "Mayor Tom Reyes said that “the new bridge will open in spring.” He added that “nobody should worry "
        "about the cost.”\n\n"
        "Council member Ana Ruiz warned that the budget “has already doubled, and nobody is saying so.”\n"
    ),
    "reporting verbs with no source": (
        "Flood warnings extended\n\n"
        "It was said that the river would peak overnight. Officials are believed to have warned residents, and "
        "it is claimed that the dam is safe.\n\n"
        "According to reports, the road was closed. Many said the water rose faster than expected. "
        "“Nobody saw this coming,” it was reported.\n"
    ),
    "a quotation over several paragraphs": (
        "Storm reaches the coast\n\n"
        "“The storm hit the coast at dawn and the first houses flooded within an hour.\n\n"
        "“We moved everyone we could to the school, but the road was already under water,” said fire chief "
        "Jonas Berg.\n\n"
        "“It was the worst night in twenty years.\n\n"
        "“And it is not over,” he added, “because the tide turns again at noon.”\n"
    ),
    "a one-line article": (
        "The government announced on Monday that it will raise the minimum wage by 5 percent from April, and "
        "Prime Minister Keiko Sato said “this is a first step, not the last one,” while the opposition leader "
        "said that the increase “comes too late for families who are already struggling” and economists warned "
        "that prices will continue to rise, which the central bank denied."
    ),
    "chained quotations far from their verb": (
        "Coach looks ahead\n\n"
        "“We lost the first match, we lost the second match, and for a while it looked as if we would lose "
        "every match of the season, because the players were tired, the pitch was poor and the travelling "
        "never seemed to end.” “But the squad is younger now, the injured are back, and I honestly believe we "
        "can finish in the top four this year if we stay calm, keep working, trust each other on and off the "
        "pitch, listen to the fans who travelled with us through the worst of it and remember why we play,” "
        "coach Lena Fischer said.\n"
    ),
    "guillemets, straight quotes and apostrophes": (
        "Markets in Europe\n\n"
        "«Les marchés restent calmes», a déclaré la ministre. \"It's 'fine' for now, but it won't last,\" "
        "trader Paul O'Neill said. The bank's chief economist said 'rates will rise' and added that \"the "
        "'soft landing' everyone talks about is a myth.\"\n"
    ),
    "a headline quotation and a verb in the next paragraph": (
        "‘We will win’, says coach\n\n"
        "“Our defence is the best in the league”\n\n"
        "said the coach, who asked not to be named. Police said\n"
    ),
    "denials and predictions": (
        "Plant closure\n\n"
        "The company denied reports that it will close the plant. Workers fear the worst: “They’ll shut it "
        "within a year,” said shop steward Ali Demir. The minister insisted the plant was profitable, and "
        "analysts said that the plant “has never made a loss.”\n"
    ),
    "quotation marks that never close, and scare quotes": (
        "Unclosed\n\n"
        "“This quotation never ends, said the minister, and nobody knows where it stops. "
        "The so-called “clear threat” was mentioned. She said: “Yes.”\n"
    ),
    "a quotation inside a quotation with the same marks": (
        "Same marks\n\n"
        '"He told me "no" three times before the vote," she said, and her lawyer said that "the word '
        '"no" means no."\n'
    ),
}


@pytest.fixture(scope="module")
def documents(tmp_path_factory) -> list:
    workspace = Workspace.init(tmp_path_factory.mktemp("predictions") / "ws")
    ingest(workspace, [SAMPLES])
    return list(CorpusStore(workspace).iter_documents()) + [clean_text(raw) for raw in ARTICLES.values()]


@pytest.fixture(scope="module")
def tiny_spacy(tmp_path_factory) -> str:
    """A spaCy pipeline on disk whose NER knows a few of the articles' names (PER, as many models say)."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("entity_ruler").add_patterns(
        [{"label": "PER", "pattern": name} for name in ("Marta Kowalski", "Tom Reyes", "Lena Fischer", "Joe Biden")]
        + [{"label": "ORG", "pattern": "The company"}, {"label": "LOC", "pattern": "Ukraine"}]
    )
    nlp.meta["name"] = "tiny_validate"
    path = tmp_path_factory.mktemp("spacy") / "tiny"
    nlp.to_disk(path)
    return f"spacy:{path}"


def errors_about_predictions(docs, records) -> list:
    """Validation's errors about the records: integrity checks and the span, link and claim tables
    (the documents table belongs to the corpus stage, not to a prediction)."""
    found = check_records(records, {d.id: d for d in docs}, SCHEMA)
    report = validate_data(docs, records, SCHEMA)
    return [f for f in found + report.errors if not f.message.startswith("documents.")]


@pytest.mark.parametrize("spec", ["baseline", "spacy"])
def test_every_prediction_of_the_samples_and_of_news_shaped_articles_validates(documents, tiny_spacy, spec):
    predictor = make_predictor(tiny_spacy if spec == "spacy" else spec)
    records = [predictor.predict(doc, SCHEMA) for doc in documents]
    assert sum(1 for r in records for s in r.spans if s.label == CLAIM) >= 40  # there is something to check
    errors = errors_about_predictions(documents, records)
    assert errors == [], [(f.code, f.doc_id, f.message) for f in errors[:5]]


def test_the_baseline_keeps_the_rules_by_itself(documents):
    """Its causes fixed, the baseline's records pass the conform step unchanged: conform is a net, not a crutch."""
    baseline = make_predictor("baseline").predictor
    changed = Counter()
    for doc in documents:
        record = baseline.predict(doc, SCHEMA)
        assert conform(record, doc.text, SCHEMA, changed) is record
    assert changed == Counter()


def claims_of(record: AnnotationRecord) -> dict[str, dict]:
    """Each claim's text -> its choices, source text and cue text."""
    spans = {s.id: s for s in record.spans}
    out = {}
    for s in record.spans:
        if s.label == CLAIM:
            out[s.text] = {c.name: c.values for c in record.choices if c.region_id == s.id}
            for lk in record.links:
                if lk.from_id == s.id:
                    out[s.text][lk.label] = spans[lk.to_id].text
    return out


def test_a_reported_clause_takes_the_whole_quotation_it_opens_and_a_quoted_clause_stays_inside(documents):
    baseline = make_predictor("baseline")
    bridge = claims_of(
        baseline.predict(clean_text(ARTICLES["a reported clause that opens a quotation and ends inside it"]), SCHEMA)
    )
    # The full stop inside the closing mark no longer cuts the clause short of the quotation's own claim.
    assert bridge["that “the new bridge will open in spring.”"]["source"] == "Tom Reyes"
    assert "the new bridge will open in spring." not in bridge  # one claim, not two crossing ones
    harbour = claims_of(
        baseline.predict(clean_text(ARTICLES["nested quotations and a clause that runs out of one"]), SCHEMA)
    )
    assert "that ‘a deal is close’ before walking out" in harbour  # ends where the quoted words end
    assert harbour["that ‘a deal is close’ before walking out"]["source"] == "the minister"


def test_a_claim_without_a_source_is_marked_unattributed_and_every_claim_has_its_attributes():
    record = make_predictor("baseline").predict(clean_text(ARTICLES["reporting verbs with no source"]), SCHEMA)
    claims = claims_of(record)
    assert claims["that the river would peak overnight"]["attribution"] == ("unattributed",)
    assert claims["that the river would peak overnight"]["claim_type"] == ("statement of fact",)
    assert all(c["check_worthiness"] == ("unsure",) and "speech" in c and "claim_type" in c for c in claims.values())
    denial = claims_of(make_predictor("baseline").predict(clean_text(ARTICLES["denials and predictions"]), SCHEMA))
    assert denial["that it will close the plant"]["claim_type"] == ("denial",)
    assert denial["They’ll shut it within a year"]["claim_type"] == ("prediction",)


def test_a_chained_quotation_keeps_its_source_but_not_a_cue_too_far_away():
    record = make_predictor("baseline").predict(clean_text(ARTICLES["chained quotations far from their verb"]), SCHEMA)
    first = next(c for text, c in claims_of(record).items() if text.startswith("We lost the first match"))
    assert first["source"] == "Lena Fischer" and LINK_CUE not in first


def test_any_registered_predictor_is_made_to_conform():
    """A careless model's record: what validation would reject is resolved, what is right is kept."""
    doc = clean_text(
        "Port strike\n\nUnion leader Henk de Vries said the strike would last a week, "
        "adding that “ports will stay shut until Friday” and the talks would resume.\n"
    )
    text = doc.text

    def at(needle: str, after: str = "") -> tuple[int, int]:
        start = text.index(needle, text.index(after) if after else 0)
        return start, start + len(needle)

    def span(sid: str, layer: str, label: str, bounds: tuple[int, int], text_override: str | None = None) -> Span:
        return Span(sid, layer, label, *bounds, text[bounds[0] : bounds[1]] if text_override is None else text_override)

    long_claim = at("the strike would last a week, adding that “ports will stay shut until Friday”")
    crossing = at("Friday” and the talks would resume")
    spans = [
        span("henk", ENTITY_LAYER, "PERSON", at("Henk de Vries")),
        span("vries", ENTITY_LAYER, "PERSON", at("de Vries")),  # nested entity: not allowed
        span("friday", ENTITY_LAYER, "DATE", at("Friday")),
        span("said", CLAIM_LAYER, CUE, at("said")),
        span("c1", CLAIM_LAYER, CLAIM, long_claim),
        span("c2", CLAIM_LAYER, CLAIM, crossing),  # crosses c1: the shorter goes
        span("c3", CLAIM_LAYER, CLAIM, at("ports will stay shut until Friday")),  # nests in c1: fine
        span("c4", CLAIM_LAYER, CLAIM, at("the talks would resume")),  # no speech: cannot be completed
        span("ghost", CLAIM_LAYER, SOURCE, (0, 4), "Nope"),  # not the text at its offsets
        span("pad", ENTITY_LAYER, "ORG", (at("Union")[0] - 1, at("Union")[1])),  # a space at its edge
        span("c1", CLAIM_LAYER, CLAIM, at("Port strike")),  # a region id used twice
    ]
    links = [
        Link("c1", "henk", LINK_SOURCE),
        Link("c1", "henk", LINK_SOURCE),
        Link("c1", "said", LINK_CUE),
        Link("c3", "friday", LINK_SOURCE),  # a DATE cannot speak
        Link("c3", "ghost", LINK_SOURCE),
        Link("c4", "said", LINK_CUE),
    ]
    choices = [
        RegionChoice("c1", "speech", ("indirect",)),
        RegionChoice("c1", "claim_type", ("rumour",)),
        RegionChoice("c3", "speech", ("direct",)),
        RegionChoice("ghost", "speech", ("direct",)),
    ]

    class Careless:
        name, model_version = "careless", "careless-1"

        def predict(self, d, schema):
            return AnnotationRecord(
                d.id,
                d.text_sha256,
                self.model_version,
                "prediction",
                d.id,
                model_version=self.model_version,
                spans=list(spans),
                links=list(links),
                choices=list(choices),
                document_choices={"text_quality": ["truncated", "odd"]},
            )

    register_predictor("careless", lambda arg: Careless())
    raw = Careless().predict(doc, SCHEMA)
    assert {f.code for f in check_records([raw], {doc.id: doc}, SCHEMA)} >= {
        "V202",
        "V204",
        "V205",
        "V206",
        "V207",
        "V210",
        "V212",
        "V213",
    }
    record = make_predictor("careless").predict(doc, SCHEMA)
    assert check_records([record], {doc.id: doc}, SCHEMA) == []
    assert validate_data([doc], [record], SCHEMA).errors == []
    kept = {(s.id, s.text) for s in record.spans}
    assert kept == {
        ("henk", "Henk de Vries"),
        ("friday", "Friday"),
        ("said", "said"),
        ("pad", "Union"),
        ("c1", text[slice(*long_claim)]),
        ("c3", "ports will stay shut until Friday"),
    }
    claims = claims_of(record)
    assert claims[text[slice(*long_claim)]] == {
        "speech": ("indirect",),
        "source": "Henk de Vries",
        "cue": "said",
        "check_worthiness": ("unsure",),
        "claim_type": ("other",),
    }
    assert claims["ports will stay shut until Friday"] == {
        "speech": ("direct",),
        "attribution": ("unattributed",),
        "check_worthiness": ("unsure",),
        "claim_type": ("other",),
    }
    assert record.document_choices == {"text_quality": ["truncated"]}
    # A record that keeps the rules comes back as it is.
    assert conform(record, text, SCHEMA) is record
