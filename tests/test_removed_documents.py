"""A document removed on purpose takes its annotations out of the dataset with it.

Given two articles, each annotated by Ana and Ben and adjudicated, when I remove one with
`newsdesk docs remove`: its records stay in the store, but validation, adjudication, agreement,
training and the release all leave them out alike, and nothing blocks the next release; a record
of a document that is missing for any other reason is still an error (V214).
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from corpus_helpers import clean_text
from test_validate import RAW, clean_record
from typer.testing import CliRunner

from annotation.store import AnnotationStore
from corpus.ingest import ingest, remove_documents
from corpus.workspace import Workspace
from newsdesk.cli import app
from releases.build import build_release
from training.examples import gold_documents
from validation.adjudicate import adjudicate_workspace
from validation.agreement import agreement_workspace
from validation.gold import read_gold, save_gold
from validation.validate import validate

OTHER_RAW = RAW.replace("Minister warns of cuts", "Minister repeats warning of cuts")
ANA, BEN = "ana@newsdesk.example", "ben@newsdesk.example"


def both_annotators(doc, first_id: str) -> list:
    ana = replace(clean_record(doc), annotator=ANA, record_id=first_id)
    return [ana, replace(ana, annotator=BEN, record_id=first_id + "b")]


@pytest.fixture
def adjudicated(tmp_path):
    """A workspace of two annotated, adjudicated articles; returns it, the one kept and the one to remove."""
    ws = Workspace.init(tmp_path / "ws")
    kept, gone = clean_text(RAW), clean_text(OTHER_RAW)
    for name, raw in (("kept.txt", RAW), ("gone.txt", OTHER_RAW)):
        (tmp_path / name).write_text(raw, encoding="utf-8")
    ingest(ws, [tmp_path / "kept.txt", tmp_path / "gone.txt"])
    AnnotationStore(ws).append(both_annotators(kept, "1") + both_annotators(gone, "2"), "test")
    save_gold(ws, adjudicate_workspace(ws))
    assert sorted(read_gold(ws).column("doc_id")) == sorted([kept.id, gone.id])
    assert not validate(ws).errors
    return ws, kept, gone


def test_records_of_a_removed_document_leave_validation_and_the_release(adjudicated):
    ws, kept, gone = adjudicated
    remove_documents(ws, [gone.id])
    # Its two records and its gold (made before the removal) are left out, counted, not V214.
    report = validate(ws)
    assert not report.errors, report.by_code()
    assert report.removed_document_records == 3 and report.records == 3  # kept: two people's records and gold
    assert report.to_record()["removed_document_records"] == 3
    build_release(ws, bump=True)  # before adjudicating again too: gold of the removed document is left out
    # Nothing stored is lost.
    stored = AnnotationStore(ws).records(of_removed_documents=True)
    assert sum(r.doc_id == gone.id for r in stored) == 2
    assert len(read_gold(ws, of_removed_documents=True)) == 2


def test_every_stage_leaves_the_records_of_a_removed_document_out_alike(adjudicated):
    ws, kept, gone = adjudicated
    remove_documents(ws, [gone.id])
    assert {r.doc_id for r in AnnotationStore(ws).records()} == {kept.id}
    result = adjudicate_workspace(ws)
    assert [g.doc_id for g in result.gold] == [kept.id] and not result.skipped
    assert agreement_workspace(ws).documents == 1
    assert [g.doc.id for g in gold_documents(ws)] == [kept.id]
    assert [g.doc.id for g in gold_documents(ws, ANA)] == [kept.id]
    save_gold(ws, result)
    assert read_gold(ws, of_removed_documents=True).column("doc_id") == [kept.id]
    assert not validate(ws).errors and validate(ws).removed_document_records == 2


def test_a_record_of_a_document_never_ingested_is_still_V214(adjudicated):
    ws, kept, gone = adjudicated
    remove_documents(ws, [gone.id])
    stray = replace(clean_record(kept), doc_id="f" * 16, record_id="9")
    AnnotationStore(ws).append([stray], "test")
    report = validate(ws)
    assert [f.code for f in report.errors] == ["V214"] and report.errors[0].doc_id == "f" * 16
    assert report.removed_document_records == 3


def test_the_cli_says_what_happens_to_the_records(adjudicated, tmp_path):
    ws, kept, gone = adjudicated
    runner = CliRunner()
    removed = runner.invoke(app, ["docs", "remove", gone.id[:8], "-w", str(ws.root)])
    said = " ".join(removed.stdout.split())
    assert removed.exit_code == 0 and "2 annotation records of these documents stay in the store" in said
    assert "left out of validation, adjudication, agreement, training and releases from now on" in said
    checked = runner.invoke(app, ["validate", "-w", str(ws.root)])
    assert checked.exit_code == 0, checked.output
    assert "3 annotation records of documents removed" in " ".join(checked.stdout.split())
    assert runner.invoke(app, ["adjudicate", "-w", str(ws.root)]).exit_code == 0
    built = runner.invoke(app, ["release", "build", "--bump", "-w", str(ws.root)])
    assert built.exit_code == 0, built.output
    out = tmp_path / "records.jsonl"
    assert runner.invoke(app, ["annotate", "export", "--out", str(out), "-w", str(ws.root)]).exit_code == 0
    exported = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert sum(r["doc_id"] == gone.id for r in exported) == 2
