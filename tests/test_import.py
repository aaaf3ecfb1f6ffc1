"""An editor bootstraps the corpus from annotated corpora made elsewhere.

A Label Studio export from another server, CoNLL-2003 files and a brat folder are imported:
their texts go through our ingest and cleaning, and every annotation made on the original text
lands on the same words of the clean text, or is reported. Nothing is dropped without a trace.
"""

import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from annotation.importers import ImportReport, SpanNote, import_annotations, parse_label_map
from annotation.model import AnnotationRecord, Link, RegionChoice, Span
from annotation.schema import LabelSchema
from annotation.store import AnnotationStore
from corpus.cleaning import PROTECTED, spare_protected
from corpus.errors import NewsdeskError
from corpus.ingest import clean, ingest
from corpus.model import Document
from corpus.offsets import Edit
from corpus.store import CorpusStore
from corpus.workspace import Workspace
from newsdesk.cli.annotate import annotate_app

FIXTURES = Path(__file__).parent / "fixtures" / "import"
EXPORT = FIXTURES / "labelstudio" / "export.json"
CONLL = FIXTURES / "conll" / "news.conll"
BRAT = FIXTURES / "brat"

LS_MAP = "PER=PERSON,role:said_by=source"
CONLL_MAP = {"PER": "PERSON", "MISC": "NORP"}
# A PARC-style attribution corpus: Source/Cue/Content spans, Attribution events, its own attributes.
PARC_MAP = (
    "Source=SOURCE,Attribution=CUE,Cue=CUE,Content=CLAIM,Person=PERSON,"
    "role:Source=source,role:AttributedTo=source,role:CueOf=cue,"
    "attr:ClaimType=claim_type,attr:Speech=speech,value:Prediction=prediction,value:Direct=direct"
)


def new_workspace(path: Path) -> Workspace:
    return Workspace.init(path / "ws")


def records_of(ws: Workspace) -> dict[str, AnnotationRecord]:
    """Stored records by their record id without the document part: ANNOTATOR/FILE#POSITION."""
    return {r.record_id.rsplit("@", 1)[0]: r for r in AnnotationStore(ws).records()}


def document_of(ws: Workspace, record: AnnotationRecord) -> Document:
    return CorpusStore(ws).document(record.doc_id)


def span_at(doc: Document, span_id: str, layer: str, label: str, words: str, nth: int = 1) -> Span:
    """The span we expect: ``words`` where they stand (the nth time) in the clean text."""
    start = -1
    for _ in range(nth):
        start = doc.text.index(words, start + 1)
    return Span(span_id, layer, label, start, start + len(words), words)


def store_files(ws: Workspace) -> dict[str, bytes]:
    return {str(p.relative_to(ws.root)): p.read_bytes() for p in sorted(ws.root.rglob("*.jsonl"))}


# --- a Label Studio export from another server ---------------------------------------------------


@pytest.fixture(scope="module")
def ls_import(tmp_path_factory) -> tuple[Workspace, ImportReport]:
    ws = new_workspace(tmp_path_factory.mktemp("labelstudio"))
    return ws, import_annotations(ws, EXPORT, "labelstudio", label_map=LS_MAP)


def test_the_export_is_imported_and_its_report_says_what_happened(ls_import):
    ws, report = ls_import
    records = records_of(ws)
    first = records["user-11/export.json#task1.annotation1"]
    assert report.format == "labelstudio" and report.path == str(EXPORT)
    assert (report.documents, report.documents_added, report.records, report.records_written) == (2, 2, 4, 4)
    assert report.spans_carried == 11  # 6 + 2 + 0 (cancelled) + 2 + the footer's: annotated text stays
    assert report.spans_noted == [
        SpanNote(
            first.record_id,
            first.doc_id,
            f"{EXPORT}#task1",
            "p1",
            "PERSON",
            50,
            62,
            "Olu  Adeyemi",
            "cleaning edited inside it (whitespace): 'Olu  Adeyemi' -> 'Olu Adeyemi'",
            51,
            62,
        ),
        SpanNote(
            records["user-12/export.json#task1.annotation2"].record_id,
            first.doc_id,
            f"{EXPORT}#task1",
            "p2",
            "PERSON",
            50,
            62,
            "Olu  Adeyemi",
            "cleaning edited inside it (whitespace): 'Olu  Adeyemi' -> 'Olu Adeyemi'",
            51,
            62,
        ),
    ]
    assert report.spans_reported == []
    assert report.skipped == Counter({"labelstudio prediction": 1})
    assert report.problems == [
        "user-12/export.json#task1.annotation2: choice claim_type=['factual'] on region c2 kept as a note: 'claim_type' "
        "has no value 'factual' (its values: statement of fact, quotation or opinion, prediction, denial, other; "
        "map one with --map value:FOREIGN=OURS)"
    ]
    assert json.loads(json.dumps(report.to_record()))["spans_noted"][0]["span_id"] == "p1"


def test_the_texts_are_cleaned_like_any_article_but_annotated_text_stays(ls_import):
    """The footer "Source: Reuters" is residue, but an annotator marked "Reuters" in it: it stays."""
    ws, _ = ls_import
    doc = document_of(ws, records_of(ws)["user-11/export.json#task1.annotation1"])
    article = CorpusStore(ws).article(doc.id)
    original = json.loads(EXPORT.read_text())[0]["data"]["text"]
    assert article.raw_text == original and article.format == "labelstudio"
    assert article.source == f"{EXPORT}#task1" and article.title == "Finance ministry sees inflation easing"
    assert doc.text == (
        "Finance ministry sees inflation easing\n\n"
        "In Canada, Olu Adeyemi of the Ministry of Finance said on Tuesday that inflation fell "
        "to 2.1 percent.\n\nAnalysts cautioned that the figures remain preliminary.\n\nSource: Reuters"
    )


def test_every_span_lands_on_the_same_words_of_the_clean_text(ls_import):
    ws, _ = ls_import
    record = records_of(ws)["user-11/export.json#task1.annotation1"]
    doc = document_of(ws, record)
    assert record.spans == [
        span_at(doc, "g1", "entities", "GPE", "Canada"),
        span_at(doc, "p1", "entities", "PERSON", "Olu Adeyemi"),  # the double space was cleaned inside it
        span_at(doc, "o1", "entities", "ORG", "Ministry of Finance"),
        span_at(doc, "d1", "entities", "DATE", "Tuesday"),
        span_at(doc, "q1", "claims", "CUE", "said"),
        span_at(doc, "c1", "claims", "CLAIM", "inflation fell to 2.1 percent"),
        span_at(doc, "r1", "entities", "ORG", "Reuters"),  # in a footer the residue rules take, but annotated
    ]
    for rec in records_of(ws).values():
        text = document_of(ws, rec).text
        assert all(text[s.start : s.end] == s.text for s in rec.spans)


def test_the_first_annotators_record_keeps_links_choices_and_metadata(ls_import):
    ws, _ = ls_import
    record = records_of(ws)["user-11/export.json#task1.annotation1"]
    doc = document_of(ws, record)
    assert (record.doc_id, record.text_sha256) == (doc.id, doc.text_sha256)
    assert record.record_id == f"user-11/export.json#task1.annotation1@{doc.id}"
    assert (record.annotator, record.origin, record.task_id) == ("user-11", "labelstudio-file", None)
    assert (record.created_at, record.updated_at, record.lead_time) == (
        "2026-11-25T12:13:40.787385Z",
        "2026-11-25T12:13:40.787407Z",
        42.5,
    )
    assert (record.cancelled, record.ground_truth, record.model_version) == (False, True, None)
    # The relation labelled "said_by" was mapped; the unlabelled one to a CUE is a cue link.
    assert record.links == [Link("c1", "p1", "source"), Link("c1", "q1", "cue")]
    assert record.choices == [
        RegionChoice("c1", "claim_type", ("statement of fact",)),
        RegionChoice("c1", "speech", ("indirect",)),
    ]
    assert record.document_choices == {"text_quality": ["residue left"]}
    assert record.problems == [
        "span p1 PERSON carried: cleaning edited inside it (whitespace): 'Olu  Adeyemi' -> 'Olu Adeyemi'",
    ]


def test_the_second_annotator_and_the_cancelled_annotation_are_kept(ls_import):
    ws, _ = ls_import
    records = records_of(ws)
    assert sorted(records) == [
        "user-11/export.json#task1.annotation1",
        "user-11/export.json#task2.annotation1",
        "user-12/export.json#task1.annotation2",
        "user-12/export.json#task1.annotation3",
    ]
    second = records["user-12/export.json#task1.annotation2"]
    doc = document_of(ws, second)
    # Their region was labelled "PER" under a control named "label": mapped, and put in our layer.
    assert second.spans == [
        span_at(doc, "p2", "entities", "PERSON", "Olu Adeyemi"),
        span_at(doc, "c2", "claims", "CLAIM", "inflation fell to 2.1 percent"),
    ]
    assert second.links == [Link("c2", "p2", "source")]
    assert second.choices == []  # "factual" is no value of claim_type: kept as a note instead
    assert second.problems == [
        "choice claim_type=['factual'] on region c2 kept as a note: 'claim_type' has no value 'factual' (its "
        "values: statement of fact, quotation or opinion, prediction, denial, other; map one with --map "
        "value:FOREIGN=OURS)",
        "span p2 PERSON carried: cleaning edited inside it (whitespace): 'Olu  Adeyemi' -> 'Olu Adeyemi'",
    ]
    assert (second.annotator, second.ground_truth, second.lead_time) == ("user-12", False, 17.0)
    cancelled = records["user-12/export.json#task1.annotation3"]
    assert (cancelled.annotator, cancelled.cancelled, cancelled.spans, cancelled.doc_id) == (
        "user-12",
        True,
        [],
        doc.id,
    )
    other = records["user-11/export.json#task2.annotation1"]
    other_doc = document_of(ws, other)
    assert other_doc.id != doc.id
    assert other.spans == [
        span_at(other_doc, "n1", "entities", "ORG", "Norwegian Meteorological Institute"),
        span_at(other_doc, "n2", "entities", "GPE", "Oslo", nth=2),
    ]


def test_importing_the_same_export_again_adds_nothing(ls_import):
    ws, _ = ls_import
    before = store_files(ws)
    again = import_annotations(ws, EXPORT, "labelstudio", label_map=parse_label_map(LS_MAP))
    assert (again.documents, again.documents_added, again.records, again.records_written) == (2, 0, 4, 0)
    assert store_files(ws) == before


def test_the_annotator_option_names_every_record(tmp_path):
    ws = new_workspace(tmp_path)
    import_annotations(ws, EXPORT, "labelstudio", annotator="ana@example.org", label_map=LS_MAP)
    assert {r.annotator for r in records_of(ws).values()} == {"ana@example.org"}
    assert len(records_of(ws)) == 4  # still one record per annotation
    # Task 1 has annotations by two people: named as one, agreement would take them for one.
    renamed = [p for r in records_of(ws).values() for p in r.problems if p.startswith("annotator ")]
    assert (
        renamed
        == ["annotator user-11 named ana@example.org: the task has annotations by 2 people (user-11, user-12)"]
        + ["annotator user-12 named ana@example.org: the task has annotations by 2 people (user-11, user-12)"] * 2
    )


def test_a_text_already_in_the_corpus_gets_the_annotations(tmp_path):
    ws = new_workspace(tmp_path)
    task = json.loads(EXPORT.read_text())[1]
    (tmp_path / "oslo.txt").write_text(task["data"]["text"], encoding="utf-8")
    ingest(ws, [tmp_path / "oslo.txt"])
    (existing,) = CorpusStore(ws).iter_documents()
    (tmp_path / "one-task.json").write_text(json.dumps(task))  # one task, not a list
    report = import_annotations(ws, tmp_path / "one-task.json", "labelstudio")
    assert (report.documents, report.documents_added, report.records_written) == (1, 0, 1)
    (record,) = records_of(ws).values()
    assert record.doc_id == existing.id
    assert record.spans[0] == span_at(existing, "n1", "entities", "ORG", "Norwegian Meteorological Institute")


def test_a_text_read_from_a_jsonl_line_keeps_its_title_before_the_annotated_text(tmp_path):
    ws = new_workspace(tmp_path)
    task = json.loads(EXPORT.read_text())[1]
    line = {"title": "Weather", "text": task["data"]["text"]}
    (tmp_path / "wire.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8")
    ingest(ws, [tmp_path / "wire.jsonl"])
    (tmp_path / "export.json").write_text(json.dumps([task]))
    import_annotations(ws, tmp_path / "export.json", "labelstudio")
    (record,) = records_of(ws).values()
    doc = document_of(ws, record)
    assert doc.text.startswith("Weather\n\nRain expected")
    assert record.spans[1] == span_at(doc, "n2", "entities", "GPE", "Oslo", nth=2)


def test_a_span_partly_in_removed_text_is_reported_with_its_links(tmp_path):
    ws = new_workspace(tmp_path)
    text = "Markets rallied in Tokyo\nTraders said shares rose on Monday.\nShare this article\nMore text follows here."
    crossing = "Monday.\nShare"

    def region(rid, layer, label, words):
        start = text.index(words)
        return {
            "id": rid,
            "from_name": layer,
            "to_name": "text",
            "type": "labels",
            "value": {"start": start, "end": start + len(words), "text": words, "labels": [label]},
        }

    task = {
        "data": {"text": text},
        "annotations": [
            {
                "id": 1,
                "completed_by": 3,
                "result": [
                    region("c", "claims", "CLAIM", "shares rose"),
                    region("d", "entities", "DATE", crossing),
                    {"from_id": "c", "to_id": "d", "type": "relation", "labels": ["source"]},
                    {
                        "id": "d",
                        "from_name": "speech",
                        "to_name": "text",
                        "type": "choices",
                        "value": {"start": 0, "end": 1, "choices": ["direct"]},
                    },
                ],
            }
        ],
    }
    (tmp_path / "export.json").write_text(json.dumps([task]))
    report = import_annotations(ws, tmp_path / "export.json", "labelstudio", keep_annotated_text=False)
    (note,) = report.spans_reported
    assert (note.span_id, note.label, note.text, note.start) == ("d", "DATE", crossing, text.index(crossing))
    assert note.reason == "partly in text removed by cleaning (paragraph_breaks, residue_lines): 'Share'"
    (record,) = records_of(ws).values()
    assert [s.id for s in record.spans] == ["c"] and record.links == []
    assert report.problems == [
        "user-3/export.json#task1.annotation1: choice speech=['direct'] on region d kept as a note: "
        "it is on d (DATE), not on a CLAIM",
        "user-3/export.json#task1.annotation1: link c --source--> d not carried: span d was not",
    ]
    assert record.problems[-1] == "link c --source--> d not carried: span d was not"


# --- CoNLL-2003 ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def conll_import(tmp_path_factory) -> tuple[Workspace, ImportReport]:
    ws = new_workspace(tmp_path_factory.mktemp("conll"))
    return ws, import_annotations(ws, CONLL, "conll", label_map=CONLL_MAP)


def test_conll_documents_are_rebuilt_from_their_tokens(conll_import):
    ws, report = conll_import
    assert (report.documents, report.documents_added, report.records, report.records_written) == (2, 2, 2, 2)
    assert (report.spans_carried, report.spans_noted, report.spans_reported) == (12, [], [])
    assert (report.skipped, report.problems) == (Counter(), [])
    store = CorpusStore(ws)
    raw = {r.record_id.rsplit("@", 1)[0]: store.article(r.doc_id).raw_text for r in records_of(ws).values()}
    # Tokens joined by single spaces, one sentence per line.
    assert raw == {
        "conll/news.conll#doc1": "EU rejects German call to boycott British lamb .\nPeter Blackburn\n"
        "Diplomats from Britain France and Italy met in Brussels .",
        "conll/news.conll#doc2": "Olu Adeyemi of the Ministry of Finance said inflation fell .\nAdeyemi spoke in Ottawa .",
    }


def test_iob1_tags_become_spans_on_the_clean_text(conll_import):
    ws, _ = conll_import
    record = records_of(ws)["conll/news.conll#doc1"]
    doc = document_of(ws, record)
    assert (record.annotator, record.origin, record.cancelled, record.text_sha256) == (
        "conll",
        "conll",
        False,
        doc.text_sha256,
    )
    assert record.spans == [
        span_at(doc, "s1", "entities", "ORG", "EU"),
        span_at(doc, "s2", "entities", "NORP", "German"),
        span_at(doc, "s3", "entities", "NORP", "British"),
        span_at(doc, "s4", "entities", "PERSON", "Peter Blackburn"),
        span_at(doc, "s5", "entities", "LOC", "Britain"),  # I-LOC then B-LOC: two entities in IOB1
        span_at(doc, "s6", "entities", "LOC", "France"),
        span_at(doc, "s7", "entities", "LOC", "Italy"),
        span_at(doc, "s8", "entities", "LOC", "Brussels"),
    ]
    assert (record.links, record.choices, record.problems) == ([], [], [])


def test_iob2_tags_become_spans_on_the_clean_text(conll_import):
    ws, _ = conll_import
    record = records_of(ws)["conll/news.conll#doc2"]
    doc = document_of(ws, record)
    assert record.spans == [
        span_at(doc, "s1", "entities", "PERSON", "Olu Adeyemi"),
        span_at(doc, "s2", "entities", "ORG", "Ministry of Finance"),
        span_at(doc, "s3", "entities", "PERSON", "Adeyemi", nth=2),
        span_at(doc, "s4", "entities", "LOC", "Ottawa"),
    ]


def test_a_two_column_iobes_file_without_docstart_is_one_document(tmp_path):
    ws = new_workspace(tmp_path)
    (tmp_path / "tiny.txt").write_text("Acme S-ORG\nhired O\nJane B-PER\nDoe E-PER\nJohn S-PER\n\nIt O\nrained O\n")
    report = import_annotations(ws, tmp_path / "tiny.txt", "conll", annotator="lab", label_map="PER=PERSON")
    assert (report.documents, report.spans_carried) == (1, 3)
    (record,) = records_of(ws).values()
    doc = document_of(ws, record)
    assert CorpusStore(ws).article(doc.id).raw_text == "Acme hired Jane Doe John\nIt rained"
    assert record.annotator == "lab"
    assert record.spans == [
        span_at(doc, "s1", "entities", "ORG", "Acme"),
        span_at(doc, "s2", "entities", "PERSON", "Jane Doe"),
        span_at(doc, "s3", "entities", "PERSON", "John"),
    ]


def test_a_file_of_sentences_without_docstart_is_cut_into_news_sized_documents(tmp_path):
    """WikiANN and WNUT-17 hold sentences or posts, no -DOCSTART-: 40 sentences give documents of 15,
    15 and 10 (one document of the whole file is a task nobody can annotate and a corpus no split
    can divide); 0 keeps the whole file one document."""
    lines = []
    for n in range(40):
        lines += [f"Agent{n} B-PER", "Smith I-PER", "visited O", f"Town{n} B-LOC", ". O", ""]
    (tmp_path / "sentences.conll").write_text("\n".join(lines))
    ws = new_workspace(tmp_path)
    report = import_annotations(ws, tmp_path / "sentences.conll", "conll", label_map="PER=PERSON")
    assert (report.documents, report.spans_carried, report.ok) == (3, 80, True)
    texts = {key.split("/", 1)[1]: CorpusStore(ws).article(r.doc_id).raw_text for key, r in records_of(ws).items()}
    assert [len(texts[f"sentences.conll#doc{n}"].splitlines()) for n in (1, 2, 3)] == [15, 15, 10]
    assert texts["sentences.conll#doc2"].startswith("Agent15 Smith visited Town15 .")

    (tmp_path / "whole").mkdir()
    whole = new_workspace(tmp_path / "whole")
    report = import_annotations(
        whole, tmp_path / "sentences.conll", "conll", label_map="PER=PERSON", sentences_per_document=0
    )
    assert (report.documents, report.spans_carried) == (1, 80)


def test_cleaning_never_deletes_imported_gold_even_on_a_line_read_as_residue(tmp_path):
    """A line the residue rules remove ("Follow us on Twitter") stays when an imported span lies on
    it: the annotation says it is text. Unannotated residue still goes, and re-cleaning after the
    rules change keeps the protection (it is the article's, not the document's)."""
    (tmp_path / "gold.conll").write_text(
        "-DOCSTART- O\n\nAcme B-ORG\nhired O\nJane B-PER\nDoe I-PER\n. O\n\n"
        "Follow O\nus O\non O\nTwitter B-ORG\n\nShare O\non O\nFacebook O\n\nIt O\nrained O\n. O\n"
    )
    ws = new_workspace(tmp_path)
    report = import_annotations(ws, tmp_path / "gold.conll", "conll", label_map="PER=PERSON")
    assert (report.spans_carried, len(report.spans_reported)) == (3, 0)
    (record,) = records_of(ws).values()
    doc = document_of(ws, record)
    assert doc.text == "Acme hired Jane Doe .\n\nFollow us on Twitter\n\nIt rained ."
    assert span_at(doc, "s3", "entities", "ORG", "Twitter") in record.spans
    assert PROTECTED not in doc.metadata
    assert CorpusStore(ws).article(doc.id).metadata[PROTECTED] == [[0, 4], [11, 19], [35, 42]]

    config = ws.path("newsdesk.toml")
    config.write_text(config.read_text().replace('"quote_spacing",', ""))
    assert clean(Workspace.open(ws.root)).recleaned == 1
    (again,) = CorpusStore(ws).iter_documents()
    assert "Follow us on Twitter" in again.text and "Share on Facebook" not in again.text


def test_protected_ranges_drop_the_edits_deleting_them_and_move_with_the_others():
    text = "ab\nFollow us\ncd  ef"
    protected = [(3, 9), (13, 15)]  # "Follow", "cd"
    edits = [Edit(0, 3, ""), Edit(3, 13, ""), Edit(15, 17, " "), Edit(13, 14, "C")]
    kept, moved = spare_protected(text, edits, protected)
    assert kept == [Edit(0, 3, ""), Edit(13, 14, "C"), Edit(15, 17, " ")]  # the line with "Follow" stays
    after = "Follow us\nCd ef"
    assert [after[s:e] for s, e in moved] == ["Follow", "Cd"]

    # One deletion over a run of residue lines loses the other lines, not the protected one.
    text = "Lead.\n\nFollow us on Twitter\n\nShare on Facebook\n\nEnd."
    kept, moved = spare_protected(text, [Edit(7, 48, "")], [(20, 27)])  # "Twitter"
    assert kept == [Edit(29, 48, "")]
    after = text[:29] + text[48:]
    assert after == "Lead.\n\nFollow us on Twitter\n\nEnd." and after[moved[0][0] : moved[0][1]] == "Twitter"
    # A footer removed from the end of the line before it keeps that line break.
    text = "Lead.\n\nSource: Reuters"
    kept, moved = spare_protected(text, [Edit(5, 22, "")], [(15, 22)])
    assert kept == [] and moved == [(15, 22)]


def test_labels_set_to_a_corpus_own_without_their_source_labels_say_which_to_set(tmp_path):
    """The first step of importing CoNLL-2003 as its users do: labels.toml's entity labels set to
    PER / ORG / LOC / MISC. The default source_labels (PERSON, GPE, NORP) then name labels that are
    gone: the error says which, and which labels to choose from."""
    ws = new_workspace(tmp_path)
    labels = LabelSchema.write_default(ws)  # as `newsdesk init` writes it
    text = labels.read_text()
    start = text.index("labels = [")
    labels.write_text(text[:start] + 'labels = ["PER", "ORG", "LOC", "MISC"]' + text[text.index("]", start) + 1 :])
    with pytest.raises(NewsdeskError) as caught:
        import_annotations(ws, CONLL, "conll")
    line = caught.value.one_line()
    assert caught.value.code == "E201" and str(labels) in line
    assert "['PERSON', 'GPE', 'NORP'] are not entity labels" in line
    assert "set source_labels to those of labels ['PER', 'ORG', 'LOC', 'MISC']" in line


def test_a_label_skipped_on_purpose_is_counted(tmp_path):
    ws = new_workspace(tmp_path)
    report = import_annotations(ws, CONLL, "conll", label_map="PER=PERSON,MISC=-")
    assert report.skipped == Counter({"label MISC": 2})
    assert report.spans_carried == 10
    assert all(s.label != "NORP" for r in records_of(ws).values() for s in r.spans)


def test_an_unknown_label_stops_the_import_naming_file_label_and_fix(tmp_path):
    ws = new_workspace(tmp_path)
    with pytest.raises(NewsdeskError) as caught:
        import_annotations(ws, CONLL, "conll", label_map="PER=PERSON")
    assert caught.value.code == "E210"
    assert caught.value.one_line() == (
        f"[E210] {CONLL}: unknown label (neither in labels.toml nor mapped: 'MISC') - map them onto the schema "
        "with --map MISC=OURS (OURS is a label of labels.toml, a link label source/cue for role:, or - to skip), "
        "or add the labels to labels.toml"
    )
    # Nothing was written: not the texts, not the records.
    assert list(CorpusStore(ws).iter_documents()) == [] and AnnotationStore(ws).records() == []


# --- a brat folder from a PARC-style attribution corpus -----------------------------------------------------


@pytest.fixture(scope="module")
def brat_import(tmp_path_factory) -> tuple[Workspace, ImportReport]:
    ws = new_workspace(tmp_path_factory.mktemp("brat"))
    return ws, import_annotations(ws, BRAT, "brat", label_map=PARC_MAP)


def test_the_brat_folder_is_imported_and_reported(brat_import):
    ws, report = brat_import
    assert (report.documents, report.documents_added, report.records, report.records_written) == (1, 1, 1, 1)
    assert (report.spans_carried, report.spans_noted, report.spans_reported) == (7, [], [])
    assert report.skipped == Counter({"brat note": 1})
    assert report.problems == [
        "brat/parc_0001.ann: T3 is discontinuous: one span per fragment (T3, T3.2), each with the entity's links "
        "and choices",
        "brat/parc_0001.ann: A3 Negated on T6 kept as a note: no claim attribute 'Negated' in labels.toml "
        "(map it with --map attr:Negated=NAME)",
    ]


def test_an_attribution_event_becomes_a_claim_linked_to_its_source_and_cue(brat_import):
    ws, _ = brat_import
    record = records_of(ws)["brat/parc_0001.ann"]
    doc = document_of(ws, record)
    assert (record.annotator, record.origin, record.text_sha256) == ("brat", "brat", doc.text_sha256)
    assert record.spans == [
        span_at(doc, "T1", "claims", "SOURCE", "a central bank spokeswoman"),
        span_at(doc, "T2", "claims", "CUE", "said"),
        span_at(doc, "T3", "claims", "CLAIM", "Inflation will fall"),  # a discontinuous content:
        span_at(doc, "T3.2", "claims", "CLAIM", "but only slowly"),  # one span per fragment
        span_at(doc, "T4", "entities", "PERSON", "Jane Doe"),
        span_at(doc, "T5", "claims", "CUE", "told"),
        span_at(doc, "T6", "claims", "CLAIM", "the budget was balanced"),
    ]
    assert record.links == [
        # E1 Attribution:T2 Source:T1 Content:T3, for each fragment of the content
        Link("T3", "T2", "cue"),
        Link("T3.2", "T2", "cue"),
        Link("T3", "T1", "source"),
        Link("T3.2", "T1", "source"),
        Link("T6", "T4", "source"),  # R1 AttributedTo Arg1:T4 Arg2:T6, turned to go from the claim
        Link("T6", "T5", "cue"),  # R2 CueOf Arg1:T6 Arg2:T5
    ]
    assert record.choices == [
        RegionChoice("T3", "claim_type", ("prediction",)),
        RegionChoice("T3.2", "claim_type", ("prediction",)),
        RegionChoice("T3", "speech", ("direct",)),
        RegionChoice("T3.2", "speech", ("direct",)),
    ]
    assert record.document_choices == {}


def test_importing_the_brat_folder_again_adds_nothing(brat_import):
    ws, _ = brat_import
    before = store_files(ws)
    again = import_annotations(ws, BRAT / "parc_0001.ann", "brat", label_map=PARC_MAP)  # the file alone, too
    assert (again.documents_added, again.records_written) == (0, 0)
    assert store_files(ws) == before


def test_unmapped_brat_labels_and_relations_are_named_with_their_fix(tmp_path):
    ws = new_workspace(tmp_path)
    with pytest.raises(NewsdeskError) as caught:
        import_annotations(
            ws, BRAT, "brat", label_map=PARC_MAP.replace("role:CueOf=cue,", "").replace("Person=PERSON,", "")
        )
    assert caught.value.code == "E210" and caught.value.where == str(BRAT / "parc_0001.ann")
    assert "'Person', relation/role 'CueOf'" in caught.value.detail
    assert "--map Person=PERSON,role:CueOf=OURS" in caught.value.hint


# --- bad input ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "entry, detail",
    [
        ("PER", "expected FOREIGN=OURS"),
        ("PER=PERSONS", "'PERSONS' is not a label of labels.toml"),
        ("role:said_by=speaker", "'speaker' is not a link label (source, cue)"),
        ("attr:Kind=kind", "'kind' is not an attribute of labels.toml"),
        ("value:yes=-", "a value cannot be skipped; skip its attribute with attr:NAME=-"),
        ("PER=PERSON,PER=ORG", "'PER' is mapped twice ('PERSON' and 'ORG')"),
    ],
)
def test_a_bad_map_entry_is_refused(tmp_path, entry, detail):
    with pytest.raises(NewsdeskError) as caught:
        import_annotations(new_workspace(tmp_path), CONLL, "conll", label_map=entry)
    assert caught.value.code == "E211" and detail in caught.value.detail


def test_unreadable_files_are_named_with_their_line(tmp_path):
    ws = new_workspace(tmp_path)
    (tmp_path / "bad.conll").write_text("EU I-ORG\nrejects\n")
    (tmp_path / "bad.json").write_text("[{")
    (tmp_path / "lonely").mkdir()
    (tmp_path / "lonely" / "a.ann").write_text("T1\tPERSON 0 3\tAna\n")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "b.txt").write_text("Ana\n")
    (tmp_path / "broken" / "b.ann").write_text("T1\tPERSON 0 30\tAna\n")
    cases = [
        (tmp_path / "bad.conll", "conll", f"{tmp_path / 'bad.conll'}:2"),
        (tmp_path / "bad.json", "labelstudio", str(tmp_path / "bad.json")),
        (tmp_path / "lonely", "brat", str(tmp_path / "lonely" / "a.ann")),
        (tmp_path / "broken", "brat", f"{tmp_path / 'broken' / 'b.ann'}:1"),
    ]
    for path, fmt, where in cases:
        report = import_annotations(ws, path, fmt)
        (failed,) = report.failed
        assert (failed.code, failed.where, report.ok, report.documents) == ("E209", where, False, 0)
    for path, fmt, code, where in [
        (tmp_path / "missing.json", "labelstudio", "E110", str(tmp_path / "missing.json")),
        (CONLL, "xml", "E212", "xml"),
    ]:
        with pytest.raises(NewsdeskError) as caught:
            import_annotations(ws, path, fmt)
        assert (caught.value.code, caught.value.where) == (code, where)
    assert list(CorpusStore(ws).iter_documents()) == [] and AnnotationStore(ws).records() == []


# --- the command line -----------------------------------------------------------------------------------------

runner = CliRunner()


def annotate(*args: str, ok: bool = True):
    result = runner.invoke(annotate_app, list(args))
    if ok:
        assert result.exit_code == 0, (args, result.output, result.stderr)
    return result


def test_the_import_command_prints_a_summary_and_exits_1_for_a_span_it_could_not_carry(tmp_path):
    ws = str(new_workspace(tmp_path).root)
    result = annotate(
        "import",
        str(EXPORT),
        "--format",
        "labelstudio",
        "--map",
        "PER=PERSON",
        "--map",
        "role:said_by=source",
        "--clean-annotated-text",  # as any article: the footer goes, and its span with it
        "-w",
        ws,
        ok=False,
    )
    assert result.exit_code == 1  # the footer's span is not in the clean text: not everything was stored
    out = result.stdout
    assert out.splitlines()[0] == (
        "texts read 2 (2 new documents), records 4 (4 written), spans carried 10 (2 edited "
        "inside), reported 1, repeated ids 0, failed 0, left out to keep the schema's "
        "rules 0 (0 claims marked unattributed), skipped 1 labelstudio prediction, notes 1"
    )
    assert (
        f"reported {EXPORT}#task1 span r1 ORG [206:213] 'Reuters': in text removed by cleaning "
        "(residue_lines): 'Source: Reuters'"
    ) in out
    again = annotate(
        "import",
        str(EXPORT),
        "-f",
        "labelstudio",
        "--map",
        LS_MAP,
        "--clean-annotated-text",
        "-w",
        ws,
        "--json",
        ok=False,
    )
    assert again.exit_code == 1
    report = json.loads(again.stdout)
    assert (report["documents_added"], report["records_written"], report["spans_carried"]) == (0, 0, 10)
    assert report["skipped"] == {"labelstudio prediction": 1}
    assert report["ok"] is False
    assert report["counts"] == {
        "spans_carried": 10,
        "spans_noted": 2,
        "spans_reported": 1,
        "failed": 0,
        "repeated": 0,
        "problems": 1,
        "left_out": 0,
        "claims_marked_unattributed": 0,
    }
    assert [(n["span_id"], n["text"]) for n in report["spans_reported"]] == [("r1", "Reuters")]


def test_the_import_command_exits_0_when_everything_was_carried(tmp_path):
    ws = str(new_workspace(tmp_path).root)
    report = json.loads(
        annotate("import", str(CONLL), "-f", "conll", "--map", "PER=PERSON,MISC=NORP", "-w", ws, "--json").stdout
    )
    assert report["ok"] is True and report["counts"]["spans_carried"] == 12 and report["failed"] == []


def test_the_import_command_names_every_record_with_the_annotator(tmp_path):
    ws = new_workspace(tmp_path)
    annotate(
        "import", str(BRAT), "--format", "brat", "--annotator", "parc", "--map", PARC_MAP, "--workspace", str(ws.root)
    )
    assert [r.annotator for r in records_of(ws).values()] == ["parc"]


def test_the_import_command_prints_one_line_errors_and_exits_1(tmp_path):
    ws = str(new_workspace(tmp_path).root)
    result = annotate("import", str(CONLL), "--format", "conll", "-w", ws, ok=False)
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"[E210] {CONLL}: unknown label (neither in labels.toml nor mapped: 'MISC', 'PER')")
    assert "--map MISC=OURS,PER=OURS" in line
    result = annotate("import", str(CONLL), "--format", "conll", "--map", "PER", "-w", ws, ok=False)
    assert result.exit_code == 1 and result.stderr.startswith("[E211] PER: invalid --map entry")
    result = annotate("import", str(CONLL), "--format", "tsv", "-w", ws, ok=False)
    assert result.exit_code == 1 and result.stderr.startswith("[E212] tsv: unknown import format")
