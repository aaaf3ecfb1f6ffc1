"""An editor imports corpora annotated by several people, as real corpora come.

Each annotator's folder holds files of the same names (or PolNeAR's ``NAME_ANNOTATOR.ann``
beside ``text/NAME.txt``); every annotator's work is kept, so agreement can be measured, and
importing a file again adds nothing. Files written by real tools have line breaks inside a
span's text and ids defined twice; one unreadable file does not cost the others, and what could
not be stored says so in the exit status.
"""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from annotation.importers import import_annotations
from annotation.schema import LabelSchema
from annotation.store import AnnotationStore
from corpus.errors import NewsdeskError
from corpus.store import CorpusStore
from corpus.workspace import Workspace
from newsdesk.cli.annotate import annotate_app
from validation.agreement import agreement_workspace
from validation.validate import validate

# A short article of our own, and two people's attributions on it (PolNeAR's shape: Source, Cue,
# Content spans, an Attribution trigger on the cue's offsets, the event tying them).
ARTICLE = (
    "Officials in Lagos said on Monday that the bridge would reopen next week.\n\n"
    "The mayor told reporters the repairs were finished.\n"
)
ATTRIBUTION_MAP = "Source=SOURCE,Cue=CUE,Content=CLAIM,Attribution=-,role:Source=source,role:Cue=cue"


def at(words: str, text: str = ARTICLE) -> str:
    start = text.index(words)
    return f"{start} {start + len(words)}\t{words}"


def attribution(n: int, source: str, cue: str, content: str) -> str:
    """The brat lines of one attribution, ids T(4n-3)..T(4n) and E(n)."""
    t = 4 * n - 3
    return (
        f"T{t}\tSource {at(source)}\nT{t + 1}\tCue {at(cue)}\nT{t + 2}\tContent {at(content)}\n"
        f"T{t + 3}\tAttribution {at(cue)}\n"
        f"E{n}\tAttribution:T{t + 3} Content:T{t + 2} Cue:T{t + 1} Source:T{t}\n"
    )


FIRST = attribution(1, "Officials in Lagos", "said", "the bridge would reopen next week") + attribution(
    2, "The mayor", "told", "the repairs were finished"
)
SECOND = attribution(1, "Officials", "said", "the bridge would reopen next week") + attribution(
    2, "The mayor", "told reporters", "the repairs were finished"
)

runner = CliRunner()


def annotate(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(annotate_app, list(args))
    return result.exit_code, result.stdout, result.stderr


def stored(ws: Workspace):
    return AnnotationStore(ws).records()


def store_files(ws: Workspace) -> dict[str, bytes]:
    return {str(p.relative_to(ws.root)): p.read_bytes() for p in sorted(ws.root.rglob("*.jsonl"))}


@pytest.fixture
def ws(tmp_path) -> Workspace:
    return Workspace.init(tmp_path / "ws")


def per_annotator_folders(root: Path) -> Path:
    """ann1/ and ann2/, each with story.txt and story.ann: the usual brat layout."""
    for name, ann in (("ann1", FIRST), ("ann2", SECOND)):
        (root / name).mkdir(parents=True)
        (root / name / "story.txt").write_text(ARTICLE, encoding="utf-8")
        (root / name / "story.ann").write_text(ann, encoding="utf-8")
    return root


# --- item 8: several annotators --------------------------------------------------------------------


def test_two_annotators_folders_of_the_same_names_are_both_kept_and_compared(ws, tmp_path):
    root = per_annotator_folders(tmp_path / "corpus")
    for name in ("ann1", "ann2"):
        code, out, err = annotate(
            "import", str(root / name), "-f", "brat", "--annotator", name, "--map", ATTRIBUTION_MAP, "-w", str(ws.root)
        )
        assert code == 0, (out, err)
    records = stored(ws)
    assert sorted(r.annotator for r in records) == ["ann1", "ann2"]
    assert len({r.doc_id for r in records}) == 1  # the same text: one document, two annotators' records
    # The Attribution trigger's label is skipped on purpose (counted): no note on every event.
    assert [r.problems for r in records] == [[], []]
    by = {r.annotator: r for r in records}
    assert [s.text for s in by["ann1"].spans if s.label == "SOURCE"] == ["Officials in Lagos", "The mayor"]
    assert [s.text for s in by["ann2"].spans if s.label == "SOURCE"] == ["Officials", "The mayor"]

    report = agreement_workspace(ws)
    assert (report.documents, report.annotators) == (1, ["ann1", "ann2"])
    claims = report.layers["claims"]
    # 6 spans each; CLAIMs and "said", "The mayor" agree exactly: 4 of 6.
    assert (claims.exact.matched, claims.exact.f1) == (4, pytest.approx(4 / 6))
    assert claims.overlap.f1 == pytest.approx(1.0)

    before = store_files(ws)
    for name in ("ann1", "ann2"):  # importing again adds nothing
        report = import_annotations(ws, root / name, "brat", annotator=name, label_map=ATTRIBUTION_MAP)
        assert (report.records, report.records_written, report.documents_added) == (1, 0, 0)
    assert store_files(ws) == before


def test_polnear_layout_reads_the_annotator_from_the_file_name(ws, tmp_path):
    root = tmp_path / "train"
    (root / "text").mkdir(parents=True)
    (root / "attributions").mkdir()
    (root / "text" / "lagos_2016-01-04_bridge.txt").write_text(ARTICLE, encoding="utf-8")
    (root / "text" / "only-text.txt").write_text("Nobody annotated this one.\n", encoding="utf-8")
    (root / "attributions" / "lagos_2016-01-04_bridge_4e07.ann").write_text(FIRST, encoding="utf-8")
    (root / "attributions" / "lagos_2016-01-04_bridge_d473.ann").write_text(SECOND, encoding="utf-8")

    # Without the option the text is looked for under the file's own name, and the error says what to do.
    report = import_annotations(ws, root, "brat", label_map=ATTRIBUTION_MAP)
    assert [e.where for e in report.failed] == [
        str(root / "attributions" / f"lagos_2016-01-04_bridge_{a}.ann") for a in ("4e07", "d473")
    ]
    assert "--annotator-from-name" in report.failed[0].hint
    assert stored(ws) == []

    code, out, err = annotate(
        "import",
        str(root),
        "-f",
        "brat",
        "--annotator-from-name",
        "--map",
        ATTRIBUTION_MAP,
        "-w",
        str(ws.root),
        "--json",
    )
    assert code == 0, (out, err)
    summary = json.loads(out)
    assert (summary["documents"], summary["records_written"], summary["skipped"]) == (
        2,
        2,
        {"brat .txt without .ann": 1, "label Attribution": 4},
    )
    assert sorted(r.annotator for r in stored(ws)) == ["4e07", "d473"]
    (document,) = CorpusStore(ws).iter_documents()
    assert CorpusStore(ws).article(document.id).source == str(root / "text" / "lagos_2016-01-04_bridge.txt")
    assert agreement_workspace(ws).pair_documents == {("4e07", "d473"): 1}
    # One file alone works too: its text is in the folder beside its folder.
    third = root / "attributions" / "lagos_2016-01-04_bridge_5fec.ann"
    third.write_text(SECOND, encoding="utf-8")
    for _ in range(2):
        import_annotations(ws, third, "brat", label_map=ATTRIBUTION_MAP, annotator_from_name=True)
    assert sorted(r.annotator for r in stored(ws)) == ["4e07", "5fec", "d473"]


def test_a_line_only_one_annotator_marked_stays_for_both(ws, tmp_path):
    """Cleaning keeps the text any annotator's span covers, in whichever file of that text: a line
    the residue rules take ("Follow us on Twitter") that only the second person annotated stays."""
    text = ARTICLE + "\nFollow us on Twitter\n"
    root = tmp_path / "train"
    (root / "text").mkdir(parents=True)
    (root / "attributions").mkdir()
    (root / "text" / "lagos.txt").write_text(text, encoding="utf-8")
    (root / "attributions" / "lagos_4e07.ann").write_text(FIRST, encoding="utf-8")
    (root / "attributions" / "lagos_d473.ann").write_text(
        SECOND + f"T9\tSource {at('Twitter', text)}\n", encoding="utf-8"
    )
    report = import_annotations(ws, root, "brat", label_map=ATTRIBUTION_MAP, annotator_from_name=True)
    assert report.ok and report.spans_reported == []
    (document,) = CorpusStore(ws).iter_documents()
    assert document.text.endswith("Follow us on Twitter")
    second = next(r for r in stored(ws) if r.annotator == "d473")
    assert any(document.text[s.start : s.end] == "Twitter" for s in second.spans)


def test_annotator_and_annotator_from_name_do_not_go_together(ws, tmp_path):
    code, _, err = annotate(
        "import", str(tmp_path), "-f", "brat", "--annotator", "x", "--annotator-from-name", "-w", str(ws.root)
    )
    assert code == 2 and "not both" in err
    (tmp_path / "story.ann").write_text(FIRST)
    report = import_annotations(ws, tmp_path / "story.ann", "brat", label_map=ATTRIBUTION_MAP, annotator_from_name=True)
    assert report.failed[0].detail == "its name does not end in _ANNOTATOR"


def test_two_annotators_conll_files_of_the_same_name_are_both_kept(ws, tmp_path):
    tokens = "Ada Obi flew to Lagos .".split()
    for name, tags in (("ann1", "B-PER I-PER O O B-LOC O"), ("ann2", "B-PER O O O B-LOC O")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "news.conll").write_text(
            "".join(f"{t} {g}\n" for t, g in zip(tokens, tags.split())), encoding="utf-8"
        )
        report = import_annotations(ws, tmp_path / name / "news.conll", "conll", annotator=name, label_map="PER=PERSON")
        assert (report.records_written, report.ok) == (1, True)
    assert sorted(r.annotator for r in stored(ws)) == ["ann1", "ann2"]
    entities = agreement_workspace(ws).layers["entities"]
    assert (entities.exact.matched, entities.overlap.matched) == (1, 2)  # Lagos exact; "Ada Obi" / "Ada" overlap
    again = import_annotations(ws, tmp_path / "ann1" / "news.conll", "conll", annotator="ann1", label_map="PER=PERSON")
    assert again.records_written == 0


def ls_task(text: str, *annotations: tuple[int, list[dict]]) -> dict:
    return {
        "data": {"text": text},
        "annotations": [
            {"id": 100 + k, "completed_by": who, "result": result} for k, (who, result) in enumerate(annotations)
        ],
    }


def region(rid: str, label: str, words: str, text: str = ARTICLE, layer: str = "entities") -> dict:
    start = text.index(words)
    return {
        "id": rid,
        "from_name": layer,
        "to_name": "text",
        "type": "labels",
        "value": {"start": start, "end": start + len(words), "text": words, "labels": [label]},
    }


def test_two_annotators_label_studio_exports_of_the_same_name_are_both_kept(ws, tmp_path):
    # Each exported from their own server, where both were user 1.
    for name, words in (("ann1", "Lagos"), ("ann2", "Officials in Lagos")):
        (tmp_path / name).mkdir()
        task = ls_task(ARTICLE, (1, [region("r1", "GPE" if name == "ann1" else "ORG", words)]))
        (tmp_path / name / "export.json").write_text(json.dumps([task]), encoding="utf-8")
        import_annotations(ws, tmp_path / name, "labelstudio", annotator=name)
    assert sorted(r.annotator for r in stored(ws)) == ["ann1", "ann2"]
    assert import_annotations(ws, tmp_path / "ann2", "labelstudio", annotator="ann2").records_written == 0


def test_every_annotator_of_a_label_studio_task_is_kept(ws, tmp_path):
    task = ls_task(
        ARTICLE,
        (7, [region("a", "GPE", "Lagos")]),
        (8, [region("a", "GPE", "Lagos")]),
        (9, [region("a", "DATE", "Monday")]),
    )
    (tmp_path / "export.json").write_text(json.dumps([task]), encoding="utf-8")
    import_annotations(ws, tmp_path / "export.json", "labelstudio")
    assert sorted(r.annotator for r in stored(ws)) == ["user-7", "user-8", "user-9"]
    assert agreement_workspace(ws).annotators == ["user-7", "user-8", "user-9"]


# --- item 9: an id defined twice ----------------------------------------------------------------------


def test_a_region_id_used_twice_in_a_label_studio_annotation_is_reported_and_kept_once(ws, tmp_path):
    task = ls_task(
        ARTICLE,
        (3, [region("r1", "GPE", "Lagos"), region("r2", "DATE", "Monday"), region("r1", "ORG", "Officials in Lagos")]),
    )
    other = ls_task("Rain fell in Oslo.", (3, [region("x", "GPE", "Oslo", "Rain fell in Oslo.")]))
    (tmp_path / "export.json").write_text(json.dumps([other, task]), encoding="utf-8")
    report = import_annotations(ws, tmp_path / "export.json", "labelstudio")
    assert report.repeated == [
        f"{tmp_path / 'export.json'} task 2 annotation 1: region id 'r1' is used twice: kept the first "
        "(GPE [13:18] 'Lagos'), dropped the other (ORG [0:18] 'Officials in Lagos')"
    ]
    assert not report.ok
    record = next(r for r in stored(ws) if r.spans[0].id == "r1")
    assert [(s.id, s.text) for s in record.spans] == [("r1", "Lagos"), ("r2", "Monday")]
    assert record.problems == [report.repeated[0].split(": ", 1)[1]]
    assert [f for f in validate(ws).findings if f.code == "V101"] == []


def test_a_brat_id_defined_twice_is_reported_with_its_line_and_kept_once(ws, tmp_path):
    (tmp_path / "story.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "story.ann").write_text(
        f"T1\tSource {at('Officials')}\nT2\tCue {at('said')}\nT1\tSource {at('The mayor')}\n", encoding="utf-8"
    )
    code, out, err = annotate("import", str(tmp_path), "-f", "brat", "--map", ATTRIBUTION_MAP, "-w", str(ws.root))
    assert code == 1
    assert (
        f"repeated {tmp_path / 'story.ann'}:3: T1 is defined twice: kept the first "
        f"(line 1: 'T1\\tSource 0 9\\tOfficials'), dropped line 3: 'T1\\tSource 75 84\\tThe mayor'"
    ) in out
    (record,) = stored(ws)
    assert [(s.id, s.text) for s in record.spans] == [("T1", "Officials"), ("T2", "said")]
    assert [f for f in validate(ws).findings if f.code == "V101"] == []


# --- item 11: line breaks in a span's text, one bad file in a folder ------------------------------------------


def test_a_span_text_holding_line_breaks_is_read_by_its_offsets(ws, tmp_path):
    text = "He said the plan\nworks.\n\nIt will pass, she said.\n"
    claim = "the plan\nworks.\n\nIt will pass"
    (tmp_path / "multi.txt").write_text(text, encoding="utf-8")
    start = text.index(claim)
    (tmp_path / "multi.ann").write_text(
        f"T1\tSource {at('He', text)}\nT2\tContent {start} {start + len(claim)}\t{claim}\n"
        f"T3\tCue {at('said', text)}\nE1\tAttribution:T3 Content:T2 Source:T1\n"
        "#1\tAnnotatorNotes T2\tspans two\nparagraphs\n",
        encoding="utf-8",
    )
    report = import_annotations(ws, tmp_path, "brat", label_map=ATTRIBUTION_MAP.replace("Attribution=-,", ""))
    assert (report.failed, report.problems, report.skipped["brat note"]) == ([], [], 1)
    (record,) = stored(ws)
    doc = CorpusStore(ws).document(record.doc_id)
    (content,) = [s for s in record.spans if s.label == "CLAIM"]
    assert content.text == doc.text[content.start : content.end] and content.text.startswith("the plan")
    assert content.text.endswith("It will pass")


def test_one_unreadable_file_is_reported_in_one_line_and_the_others_are_imported(ws, tmp_path):
    for name in ("a", "b", "c"):
        (tmp_path / f"{name}.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "a.ann").write_text(FIRST, encoding="utf-8")
    (tmp_path / "b.ann").write_text(FIRST + "this line is no annotation\n", encoding="utf-8")
    (tmp_path / "c.ann").write_text(SECOND, encoding="utf-8")
    code, out, err = annotate("import", str(tmp_path), "-f", "brat", "--map", ATTRIBUTION_MAP, "-w", str(ws.root))
    assert code == 1
    (line,) = err.splitlines()
    assert line == (
        f"[E209] {tmp_path / 'b.ann'}:11: cannot read the annotation file (unknown annotation kind: "
        "'this line is no annotation') - an annotation line starts with its id and a tab "
        "(T1, R1, E1, A1, N1, #1, *); fix or remove the line"
    )
    assert out.startswith("texts read 2 (1 new documents), records 2 (2 written)")
    assert "skipped 4 label Attribution," in out  # what the unreadable file counted is not in the report
    assert sorted(r.record_id.rsplit("@", 1)[0] for r in stored(ws)) == ["brat/a.ann", "brat/c.ann"]


def test_a_label_studio_task_without_text_is_reported_and_the_others_imported(ws, tmp_path):
    good = ls_task(ARTICLE, (1, [region("r1", "GPE", "Lagos")]))
    (tmp_path / "export.json").write_text(json.dumps([{"data": {"title": "no text"}}, good]), encoding="utf-8")
    report = import_annotations(ws, tmp_path / "export.json", "labelstudio")
    assert [e.one_line() for e in report.failed] == [
        f"[E209] {tmp_path / 'export.json'} task 1: cannot read the annotation file (no data.text) - "
        "check the file's format matches --format"
    ]
    assert (report.documents, len(stored(ws))) == (1, 1)


# --- item 12: an unknown label in many files ------------------------------------------------------------------


def test_an_unknown_label_in_many_files_gives_the_count_and_three_files(ws, tmp_path):
    for n in range(24):
        (tmp_path / f"doc{n:02d}.conll").write_text("Ada B-PER\nsang O\nin O\nRome B-CITY\n", encoding="utf-8")
    with pytest.raises(NewsdeskError) as caught:
        import_annotations(ws, tmp_path, "conll", label_map="PER=PERSON")
    error = caught.value
    assert (error.code, error.where) == ("E210", str(tmp_path / "doc00.conll"))
    assert error.detail == (
        "neither in labels.toml nor mapped: 'CITY' in 24 files (doc00.conll, doc01.conll, doc02.conll, ...)"
    )
    assert len(error.one_line()) < 500


# --- WikiANN's and WNUT's CoNLL ----------------------------------------------------------------------


def test_wikiann_lines_with_a_language_prefix_and_tabs_are_read(ws, tmp_path):
    (tmp_path / "wikiann").write_text(
        "en:Port\tB-LOC\nen:Harcourt\tI-LOC\nen:(\tO\nen:Nigeria\tB-LOC\nen:)\tO\n\n"
        "en:Chinua\tB-PER\nen:Achebe\tI-PER\nen:en:route\tO\n",
        encoding="utf-8",
    )
    report = import_annotations(ws, tmp_path / "wikiann", "conll", label_map="PER=PERSON")
    assert (report.failed, report.spans_carried) == ([], 3)
    (record,) = stored(ws)
    assert CorpusStore(ws).article(record.doc_id).raw_text == "Port Harcourt ( Nigeria )\nChinua Achebe en:route"
    assert [(s.label, s.text) for s in record.spans] == [
        ("LOC", "Port Harcourt"),
        ("LOC", "Nigeria"),
        ("PERSON", "Chinua Achebe"),
    ]


def test_wnut_lines_with_tabs_tab_only_breaks_and_hyphenated_types_are_read(ws, tmp_path):
    (tmp_path / "wnut.conll").write_text(
        "@ada_o\tO\nloved\tO\nThings\tB-creative-work\nFall\tI-creative-work\nApart\tI-creative-work\n\t\n"
        "\ufeff\nin\tO\nen:Lagos\tB-location\n",
        encoding="utf-8",
    )
    report = import_annotations(
        ws, tmp_path / "wnut.conll", "conll", label_map="creative-work=WORK_OF_ART,location=GPE"
    )
    assert (report.failed, report.spans_carried) == ([], 2)
    (record,) = stored(ws)
    # Not every token has the prefix: "en:Lagos" is the token's own text.
    assert CorpusStore(ws).article(record.doc_id).raw_text == "@ada_o loved Things Fall Apart\nin en:Lagos"
    assert [(s.label, s.text) for s in record.spans] == [("WORK_OF_ART", "Things Fall Apart"), ("GPE", "en:Lagos")]


def test_imported_records_validate_as_they_are_every_change_reported(tmp_path):
    """A corpus's own conventions meet our rules at import: a claim given no source is marked
    unattributed (its annotators had no other way to say it); spans that cross and a link drawn
    twice are left out and reported (exit 1), never stored to block a release later."""
    folder = tmp_path / "brat"
    folder.mkdir()
    text = (
        "Officials said the bridge would reopen in May. The mayor insisted the budget was balanced, "
        "and critics claimed it was not.\n"
    )
    (folder / "a.txt").write_text(text)

    def at(words, nth=0):
        start = -1
        for _ in range(nth + 1):
            start = text.index(words, start + 1)
        return start, start + len(words)

    lines = []
    for n, (label, words) in enumerate(
        [
            ("Source", "Officials"),
            ("Cue", "said"),
            ("Content", "the bridge would reopen in May"),
            ("Cue", "claimed"),
            ("Content", "it was not"),
            ("Content", "the budget was balanced, and critics"),
            ("Content", "balanced, and critics claimed"),
        ],
        start=1,
    ):
        start, end = at(words)
        lines.append(f"T{n}\t{label} {start} {end}\t{words}")
    lines += [
        "R1\tSourceOf Arg1:T1 Arg2:T3",
        "R2\tCueOf Arg1:T2 Arg2:T3",
        "R3\tCueOf Arg1:T2 Arg2:T3",
        "R4\tCueOf Arg1:T4 Arg2:T5",
    ]
    (folder / "a.ann").write_text("\n".join(lines) + "\n")
    ws = Workspace.init(tmp_path / "ws")
    labels = ws.path("labels.toml")
    from annotation.schema import LabelSchema

    LabelSchema.write_default(ws)
    labels.write_text(labels.read_text().replace("required = true", "required = false"))
    report = import_annotations(
        ws,
        folder,
        "brat",
        annotator="lab",
        label_map="Source=SOURCE,Cue=CUE,Content=CLAIM,role:SourceOf=source,role:CueOf=cue",
    )
    assert report.conformed["claim marked unattributed"] == 2  # "it was not", and the claim kept of the crossing pair
    assert report.left_out >= 2 and not report.ok  # a crossing claim and the link drawn twice
    assert validate(ws).errors == []


def test_claims_without_the_schemas_required_attributes_are_counted_with_what_to_do(tmp_path):
    """PolNeAR annotates no check-worthiness, claim type or speech: left required, gold would drop every claim."""
    root = per_annotator_folders(tmp_path / "corpus")
    ws = Workspace.init(tmp_path / "ws")
    code, out, err = annotate("import", str(root / "ann1"), "-f", "brat", "--map", ATTRIBUTION_MAP, "-w", str(ws.root))
    assert code == 0, (out, err)
    warning = out.splitlines()[-1]
    assert (
        "of 2 claims, some have no answer to a required attribute (check_worthiness 2, claim_type 2, speech 2)"
        in warning
    )
    assert "set `required = false` for them in labels.toml" in warning

    relaxed = Workspace.init(tmp_path / "relaxed")
    labels = LabelSchema.write_default(relaxed)
    labels.write_text(labels.read_text(encoding="utf-8").replace("required = true", "required = false"))
    code, out, err = annotate(
        "import", str(root / "ann1"), "-f", "brat", "--map", ATTRIBUTION_MAP, "--json", "-w", str(relaxed.root)
    )
    report = json.loads(out)
    assert code == 0 and "required attribute" not in out + err
    assert (report["claims"], report["unanswered"]) == (2, {})


def test_a_brat_file_made_on_another_text_is_refused_and_a_lone_slip_is_kept_with_a_note(ws, tmp_path):
    """Spans whose text fields disagree with their offsets, most of a file's: the .ann was made on
    another version of the text, and its spans would land on the wrong words."""
    shifted = "Updated: " + ARTICLE  # the text as it is now; the .ann counted on the old one
    (tmp_path / "moved.txt").write_text(shifted, encoding="utf-8")
    (tmp_path / "moved.ann").write_text(FIRST, encoding="utf-8")
    slip = FIRST.replace("\tsaid\n", "\tsays\n", 1)  # one text field off: the tool's, not the text's
    (tmp_path / "slip.txt").write_text(ARTICLE.replace("Lagos", "Abuja"), encoding="utf-8")
    (tmp_path / "slip.ann").write_text(slip.replace("Lagos", "Abuja"), encoding="utf-8")
    code, out, err = annotate("import", str(tmp_path), "-f", "brat", "--map", ATTRIBUTION_MAP, "-w", str(ws.root))
    assert code == 1
    (line,) = err.splitlines()
    assert line.startswith(f"[E209] {tmp_path / 'moved.ann'}: cannot read the annotation file (the text does not hold")
    assert "what 8 of 8 spans say" in line and "the .txt it was made on" in line
    (record,) = stored(ws)
    assert record.record_id.startswith("brat/slip.ann")
    assert any("says 'says' but its offsets hold 'said'" in p for p in record.problems)


def test_one_annotators_two_files_of_one_text_are_named_with_the_one_adjudication_takes(ws, tmp_path):
    """A duplicate article annotated twice by one person (here once in full, once left empty): both
    are stored, adjudication takes one, and the import says which."""
    for name, ann in (("x_ann1", FIRST), ("z_ann1", "")):
        (tmp_path / f"{name.split('_')[0]}.txt").write_text(ARTICLE, encoding="utf-8")
        (tmp_path / f"{name}.ann").write_text(ann, encoding="utf-8")
    code, out, err = annotate(
        "import", str(tmp_path), "-f", "brat", "--annotator-from-name", "--map", ATTRIBUTION_MAP, "-w", str(ws.root)
    )
    assert code == 0, (out, err)
    (note,) = [line for line in out.splitlines() if "annotated the text of document" in line]
    assert note.startswith("note ann1 annotated the text of document") and "in 2 files (" in note
    assert note.index("x_ann1.ann") < note.index("z_ann1.ann")
    assert "adjudication takes only ann1/z_ann1.ann (0 spans)" in note
    assert len(stored(ws)) == 2
