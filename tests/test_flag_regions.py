"""Cleaning flags are highlighted in Label Studio at their offsets, and never become annotations.

Push sends each flag as a read-only region of the hidden ``cleaning_flags`` control inside the
prediction Label Studio pre-fills, so a submitted annotation carries the flag regions back. Pull,
the Label Studio import, validation and agreement must see none of them: a flag is what cleaning
suspected, not an entity or a claim an annotator marked, and two annotators never disagree over it.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from annotation.convert import FLAGS_ONLY_VERSION, flag_results, records_from_task
from annotation.importers import import_annotations
from annotation.labelstudio_config import labeling_config
from annotation.project import TaskMap
from annotation.pull import pull
from annotation.push import push
from annotation.schema import FLAG_LAYER, LabelSchema, flag_labels
from annotation.store import AnnotationStore
from annotation.studio import create_studio_user
from corpus.ingest import ingest
from corpus.model import Document, Flag
from corpus.store import CorpusStore
from corpus.workspace import Workspace

FLAGGED = "oninternational"  # run_together_words flags it: "on international" run together
ARTICLE = f"""Harbour council approves new ferry for the island route

The harbour council of Portsmouth approved on Tuesday the purchase of an electric ferry for the
route to the Isle of Wight, the first of its kind {FLAGGED} routes.

“The new ferry will cut the crossing to twenty minutes by next summer,” said council leader
Margaret Oduya after the vote.
"""


def flagged_workspace(tmp_path, predictor: str) -> tuple[Workspace, Document]:
    source = tmp_path / "ferry.txt"
    source.write_text(ARTICLE, encoding="utf-8")
    ws = Workspace.init(tmp_path / "ws")
    path = ws.path("newsdesk.toml")
    # The flagging rule on whatever its default: this story is about showing a flag.
    text = path.read_text()
    rules = re.search(r"^rules = \[[^\]]*\]", text, re.M)
    if '"run_together_words"' not in rules.group():
        text = text.replace(rules.group(), rules.group()[:-1] + ', "run_together_words"]')
    path.write_text(text + f'\n[annotation]\npredictor = "{predictor}"\n')
    ws = Workspace.open(ws.root)
    assert ingest(ws, [source]).ok
    (doc,) = CorpusStore(ws).iter_documents()
    assert [(f.rule, doc.text[f.start : f.end]) for f in doc.flags] == [("run_together_words", FLAGGED)]
    return ws, doc


# --- without a server -------------------------------------------------------------------------------


def test_the_config_has_a_hidden_flag_control_with_one_label_per_flagging_rule(tmp_path):
    config = ET.fromstring(labeling_config(LabelSchema.load(Workspace.init(tmp_path / "ws"))))
    (control,) = [e for e in config.iter("Labels") if e.get("name") == FLAG_LAYER]
    assert [label.get("value") for label in control] == flag_labels()
    assert "run_together_words" in flag_labels() and "unicode_repair" not in flag_labels()
    (hidden,) = [v for v in config.iter("View") if control in list(v)]
    assert "display: none" in hidden.get("style")  # nobody draws a flag
    assert list(config)[-1] is hidden  # last: the entity and claim labels keep their hotkeys


def test_each_flag_is_a_read_only_region_at_its_offsets_and_whole_text_flags_stay_in_the_header(tmp_path):
    _, doc = flagged_workspace(tmp_path, "none")
    text, (flag,) = doc.text, doc.flags
    start = text.index(FLAGGED)
    doc.flags += [
        Flag("near_duplicate", 0, len(text), "near-duplicate of d0"),
        Flag("not_an_article", 0, len(text), "no article"),
    ]
    (region,) = flag_results(doc)
    assert region["from_name"] == FLAG_LAYER and region["readonly"] is True
    assert region["value"] == {
        "start": start,
        "end": start + len(FLAGGED),
        "text": FLAGGED,
        "labels": ["run_together_words"],
    }
    assert region["meta"] == {"text": [flag.message]}


def annotated_task(text: str, with_flag: bool) -> dict:
    """One exported task whose annotation kept the flag region, with a choice and a link on it."""
    start = text.index("Portsmouth")
    entity = {
        "id": "e1",
        "from_name": "entities",
        "to_name": "text",
        "type": "labels",
        "value": {"start": start, "end": start + 10, "text": "Portsmouth", "labels": ["GPE"]},
    }
    result = [entity]
    if with_flag:
        at = text.index(FLAGGED)
        flag = {  # as the labeling app sends a pre-filled flag region back
            "id": "flag1",
            "from_name": FLAG_LAYER,
            "to_name": "text",
            "type": "labels",
            "readonly": True,
            "value": {"start": at, "end": at + len(FLAGGED), "text": FLAGGED, "labels": ["run_together_words"]},
        }
        on_flag = {**flag, "from_name": "check_worthiness", "type": "choices", "readonly": False}
        on_flag["value"] = {**flag["value"], "choices": ["unsure"]}
        del on_flag["value"]["labels"]
        result += [flag, on_flag, {"from_id": "e1", "to_id": flag["id"], "type": "relation", "labels": ["source"]}]
    return {
        "id": 7,
        "data": {"text": text, "doc_id": "d1", "text_sha256": "x"},
        "annotations": [{"id": 70, "completed_by": 1, "result": result}],
    }


def test_reading_an_annotation_drops_the_flag_region_and_what_hangs_on_it():
    text = ARTICLE
    (with_flag,) = records_from_task(annotated_task(text, with_flag=True))
    (without,) = records_from_task(annotated_task(text, with_flag=False))
    assert [(s.layer, s.label, s.text) for s in with_flag.spans] == [("entities", "GPE", "Portsmouth")]
    assert with_flag.links == [] and with_flag.choices == [] and with_flag.problems == []
    assert (with_flag.spans, with_flag.links, with_flag.choices) == (without.spans, without.links, without.choices)


def test_importing_a_labelstudio_export_with_flag_regions_keeps_only_the_annotation(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    export = tmp_path / "export.json"
    export.write_text(json.dumps([annotated_task(ARTICLE, with_flag=True)]), encoding="utf-8")
    report = import_annotations(ws, export, "labelstudio")
    assert report.records_written == 1
    (record,) = AnnotationStore(ws).records()
    assert [(s.layer, s.label, s.text) for s in record.spans] == [("entities", "GPE", "Portsmouth")]
    assert record.links == [] and record.choices == []


# --- on the session's Label Studio -----------------------------------------------------------------


def pushed_alone(ws, doc, admin):
    """Push the workspace's one document: its task id and the task's one prediction."""
    assert push(ws, client=admin).tasks_created == 1
    task_id = TaskMap.load(ws).tasks[doc.id]["task_id"]
    (prediction,) = admin.predictions.list(task=task_id)
    return task_id, prediction


@pytest.mark.studio
def test_flags_reach_the_annotators_and_never_the_records_validation_or_agreement(studio, tmp_path):
    from validation.agreement import agreement_workspace
    from validation.validate import validate

    ws, doc = flagged_workspace(tmp_path, "baseline")
    admin = studio.admin_client()
    task_id, prediction = pushed_alone(ws, doc, admin)
    flags = [r for r in prediction.result if r.get("from_name") == FLAG_LAYER]
    assert flags == flag_results(doc)  # read-only, at the flag's offsets, beside the model's regions
    assert any(r.get("from_name") == "entities" for r in prediction.result)

    # Two annotators accept the pre-filled regions: one sends the flag region back (as the
    # labeling app does), the other does not. They agree on every entity and claim.
    kept = create_studio_user(studio.workspace, "flag.keeper@newsdesk.example", "Keeps-flags-1")
    dropped = create_studio_user(studio.workspace, "flag.dropper@newsdesk.example", "Drops-flags-1")
    kept.client.annotations.create(id=task_id, result=prediction.result, lead_time=3.0)
    dropped.client.annotations.create(
        id=task_id, result=[r for r in prediction.result if r.get("from_name") != FLAG_LAYER], lead_time=3.0
    )
    report = pull(ws, client=admin)
    assert report.annotations == 2 and report.predictions == 1
    records = [r for r in AnnotationStore(ws).records() if r.doc_id == doc.id]
    for record in records:
        assert all(s.layer != FLAG_LAYER and s.text != FLAGGED for s in record.spans), record.spans
        assert not [p for p in record.problems if FLAG_LAYER in p or "flag" in p], record.problems
    people = {r.annotator: r for r in records if r.origin == "labelstudio"}
    a, b = people["flag.keeper@newsdesk.example"], people["flag.dropper@newsdesk.example"]
    assert a.spans == b.spans and a.links == b.links and a.choices == b.choices
    assert not validate(ws).errors
    measured = agreement_workspace(ws)
    assert measured.documents == 1 and FLAG_LAYER not in measured.layers
    for layer in ("entities", "claims"):
        assert measured.layers[layer].exact.f1 == 1.0, (layer, measured.layers[layer])


@pytest.mark.studio
def test_without_a_predictor_the_flags_alone_are_pre_filled_until_a_predictor_is_set(studio, tmp_path):
    ws, doc = flagged_workspace(tmp_path, "none")
    admin = studio.admin_client()
    task_id, prediction = pushed_alone(ws, doc, admin)
    assert prediction.model_version == FLAGS_ONLY_VERSION and prediction.result == flag_results(doc)
    report = pull(ws, client=admin)
    assert report.predictions == 0 and AnnotationStore(ws).records() == []
    # A predictor set later replaces the flags-only prediction; its prediction carries the flags.
    path = ws.path("newsdesk.toml")
    path.write_text(path.read_text().replace('predictor = "none"', 'predictor = "baseline"'))
    assert push(Workspace.open(ws.root), client=admin).predictions_added == 1
    (prediction,) = admin.predictions.list(task=task_id)
    assert prediction.model_version != FLAGS_ONLY_VERSION
    assert [r for r in prediction.result if r.get("from_name") == FLAG_LAYER] == flag_results(doc)


@pytest.mark.studio
def test_a_review_task_shows_the_cleaning_flags_with_every_version_and_the_review_comes_back_without(studio, tmp_path):
    from annotation.model import AnnotationRecord, Span
    from validation.adjudicate import adjudicate
    from validation.review import pull_reviews, push_review_tasks, version_label

    ws, doc = flagged_workspace(tmp_path, "none")
    at = doc.text.index("Portsmouth")

    def version(who: str, label: str) -> AnnotationRecord:
        portsmouth = Span(f"{who[:3]}-p", "entities", label, at, at + len("Portsmouth"), "Portsmouth")
        return AnnotationRecord(doc.id, doc.text_sha256, who, "labelstudio", f"r-{who[:3]}", spans=[portsmouth])

    records = [version("ana@newsdesk.example", "GPE"), version("ben@newsdesk.example", "ORG")]
    conflicts = adjudicate(records, texts={doc.id: doc.text}).conflicts
    assert {c.doc_id for c in conflicts} == {doc.id}
    admin = studio.admin_client()
    assert push_review_tasks(ws, conflicts, records, client=admin) == 1

    task_id = json.loads(ws.path("gold", "review_tasks.json").read_text())["tasks"][doc.id]["task_id"]
    predictions = {p.model_version: p for p in admin.predictions.list(task=task_id)}
    assert sorted(predictions) == [version_label(r.annotator) for r in records]
    for record in records:  # each version beside the flag, read-only at its offsets
        result = predictions[version_label(record.annotator)].result
        assert [r for r in result if r.get("from_name") == FLAG_LAYER] == flag_results(doc)
        assert [r["value"]["labels"] for r in result if r.get("from_name") == "entities"] == [[record.spans[0].label]]

    # The reviewer takes Ana's version as the labeling app sends it back, flag region included.
    admin.annotations.create(id=task_id, result=predictions[version_label(records[0].annotator)].result)
    (review,) = pull_reviews(ws, client=admin)
    assert [(s.layer, s.label, s.text) for s in review.spans] == [("entities", "GPE", "Portsmouth")]
    assert not [p for p in review.problems if "flag" in p], review.problems
