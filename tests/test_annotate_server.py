"""Annotators work in a real Label Studio server: push the sample corpus, annotate as two people, pull.

Runs against the session's one server (the ``studio`` fixture). The tests build on each other
in file order, as a maintainer's day does: push, annotate, pull, break things, repair them.
"""

from __future__ import annotations

import json

import pytest
from corpus_helpers import SAMPLES
from typer.testing import CliRunner

from annotation.project import TaskMap
from annotation.pull import pull, status
from annotation.push import push
from annotation.store import AnnotationStore
from annotation.studio import TEAM_API_KEY_ENV, create_studio_user, start_studio, stop_studio, studio_client
from corpus.errors import NewsdeskError
from corpus.ingest import clean, ingest
from corpus.store import CorpusStore
from corpus.workspace import Workspace
from newsdesk.cli import app

pytestmark = pytest.mark.studio

SEED_ID = "5fad4439250b7d19"
ANNOTATOR_B = "ben@newsdesk.example"


def set_config(ws: Workspace, old: str, new: str) -> Workspace:
    path = ws.path("newsdesk.toml")
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    return Workspace.open(ws.root)


@pytest.fixture(scope="module")
def ws(studio):
    workspace = Workspace.init(studio.workspace)
    report = ingest(workspace, [SAMPLES])
    assert report.ok
    path = workspace.path("newsdesk.toml")
    path.write_text(path.read_text() + '\n[annotation]\nbatch_size = 3\npredictor = "baseline"\n')
    return Workspace.open(workspace.root)


@pytest.fixture(scope="module")
def second_annotator(studio):
    return create_studio_user(studio.workspace, ANNOTATOR_B, "Ben-annotates-1")


def region(text: str, rid: str, layer: str, label: str, needle: str, after: str = "") -> dict:
    start = text.index(needle, text.index(after) if after else 0)
    return {
        "id": rid,
        "from_name": layer,
        "to_name": "text",
        "type": "labels",
        "value": {"start": start, "end": start + len(needle), "text": needle, "labels": [label]},
    }


def choice(of: dict, name: str, value: str) -> dict:
    return {
        "id": of["id"],
        "from_name": name,
        "to_name": "text",
        "type": "choices",
        "value": {**{k: of["value"][k] for k in ("start", "end", "text")}, "choices": [value]},
    }


def relation(a: dict, b: dict, label: str | None) -> dict:
    rel = {"from_id": a["id"], "to_id": b["id"], "type": "relation", "direction": "right"}
    if label:
        rel["labels"] = [label]
    return rel


QUOTE = "I will send American troops to Eastern Europe and NATO countries soon, not a lot"


def seed_results(text: str, who: str) -> list[dict]:
    """Two annotators' work on the seed: mostly the same, a few honest differences."""
    biden = region(text, f"{who}-biden", "entities", "PERSON", "Joe Biden", after="Joe Biden maintained")
    moscow = region(text, f"{who}-moscow", "entities", "GPE", "Moscow")
    zelensky = region(text, f"{who}-zel", "entities", "PERSON", "Volodymyr Zelensky")
    claim = region(text, f"{who}-c1", "claims", "CLAIM", QUOTE)
    cue = region(text, f"{who}-q1", "claims", "CUE", "announced", after=QUOTE)
    source = region(text, f"{who}-s1", "claims", "SOURCE", "the American president")
    results = [
        biden,
        moscow,
        zelensky,
        claim,
        cue,
        source,
        choice(claim, "check_worthiness", "check-worthy"),
        choice(claim, "speech", "direct"),
    ]
    if who == "a":
        friday = region(text, "a-friday", "entities", "DATE", "Friday", after="Moscow")
        results += [
            friday,
            choice(claim, "claim_type", "prediction"),
            relation(claim, source, "source"),
            relation(claim, cue, "cue"),
            {
                "from_name": "text_quality",
                "to_name": "text",
                "type": "choices",
                "value": {"choices": ["translation glitches"]},
            },
        ]
    else:  # B links the claim to the named entity and leaves the cue relation unlabelled
        results += [
            choice(claim, "claim_type", "quotation or opinion"),
            relation(claim, biden, "source"),
            relation(claim, cue, None),
        ]
    return results


def task_of(ws: Workspace, doc_id: str) -> int:
    return TaskMap.load(ws).tasks[doc_id]["task_id"]


def test_push_creates_the_project_and_one_task_per_document(ws, studio):
    report = push(ws)
    assert report.project_created and report.tasks_created == 8 and report.documents == 8
    client = studio_client(ws.root)
    project = client.projects.get(report.project_id)
    assert '<Labels name="entities"' in project.label_config and "CLAIM" in project.label_config
    assert "Annotation guidelines" in project.expert_instruction and project.show_instruction
    tasks = list(client.tasks.list(project=report.project_id, fields="all"))
    assert sorted(t.data["doc_id"] for t in tasks) == sorted(d.id for d in CorpusStore(ws).iter_documents())
    seed = next(t for t in tasks if t.data["doc_id"] == SEED_ID)
    doc = CorpusStore(ws).document(SEED_ID)
    assert seed.data["text"] == doc.text and seed.data["text_sha256"] == doc.text_sha256
    assert seed.data["title"] == doc.title and len(seed.data["blocks"]) == len(doc.blocks)
    assert "oninternational" in seed.data["flags_note"]  # mistranslated_conjunction ("corn") is off by default
    # Every task carries a prediction from the offline baseline.
    assert all(t.total_predictions == 1 for t in tasks)
    preds = list(client.predictions.list(task=seed.id))
    assert preds[0].model_version and any(r.get("from_name") == "entities" for r in preds[0].result)


def test_a_second_push_adds_nothing(ws):
    report = push(ws)
    assert (report.tasks_created, report.tasks_present, report.predictions_added) == (0, 8, 0)
    assert not report.project_created and not report.config_updated


def test_a_lost_prediction_is_restored_by_pushing_again(ws):
    client = studio_client(ws.root)
    task_id = task_of(ws, SEED_ID)
    for pred in client.predictions.list(task=task_id):
        client.predictions.delete(pred.id)
    report = push(ws)
    assert report.predictions_added == 1 and report.tasks_created == 0
    assert len(list(client.predictions.list(task=task_id))) == 1


def test_two_annotators_annotate_and_pull_brings_back_every_field(ws, second_annotator):
    admin = studio_client(ws.root)
    text = CorpusStore(ws).document(SEED_ID).text
    seed_task = task_of(ws, SEED_ID)
    admin.annotations.create(id=seed_task, result=seed_results(text, "a"), lead_time=61.5)
    second_annotator.client.annotations.create(id=seed_task, result=seed_results(text, "b"), lead_time=42.0)
    other = next(i for i in TaskMap.load(ws).tasks if i != SEED_ID)
    second_annotator.client.annotations.create(id=task_of(ws, other), result=[], was_cancelled=True)

    report = pull(ws)
    assert report.annotations == 3 and report.tasks == 8 and report.predictions == 8
    assert report.annotators == ["admin@newsdesk.local", ANNOTATOR_B]
    assert not report.problems
    records = {(r.doc_id, r.annotator): r for r in AnnotationStore(ws).records() if r.origin == "labelstudio"}
    a, b = records[(SEED_ID, "admin@newsdesk.local")], records[(SEED_ID, ANNOTATOR_B)]
    doc = CorpusStore(ws).document(SEED_ID)
    for rec in (a, b):
        assert rec.task_id == seed_task and rec.text_sha256 == doc.text_sha256
        assert not rec.cancelled and not rec.ground_truth and rec.created_at and rec.updated_at
        for span in rec.spans:
            assert doc.text[span.start : span.end] == span.text
    assert a.lead_time == 61.5 and b.lead_time == 42.0
    assert {(s.layer, s.label, s.text) for s in a.spans} == {
        ("entities", "PERSON", "Joe Biden"),
        ("entities", "GPE", "Moscow"),
        ("entities", "DATE", "Friday"),
        ("entities", "PERSON", "Volodymyr Zelensky"),
        ("claims", "CLAIM", QUOTE),
        ("claims", "CUE", "announced"),
        ("claims", "SOURCE", "the American president"),
    }
    assert {(lk.from_id, lk.to_id, lk.label) for lk in a.links} == {("a-c1", "a-s1", "source"), ("a-c1", "a-q1", "cue")}
    assert {(lk.from_id, lk.to_id, lk.label) for lk in b.links} == {
        ("b-c1", "b-biden", "source"),
        ("b-c1", "b-q1", "cue"),
    }
    assert {(c.region_id, c.name, c.values) for c in a.choices} == {
        ("a-c1", "check_worthiness", ("check-worthy",)),
        ("a-c1", "speech", ("direct",)),
        ("a-c1", "claim_type", ("prediction",)),
    }
    assert ("b-c1", "claim_type", ("quotation or opinion",)) in {(c.region_id, c.name, c.values) for c in b.choices}
    assert a.document_choices == {"text_quality": ["translation glitches"]} and b.document_choices == {}
    cancelled = records[(other, ANNOTATOR_B)]
    assert cancelled.cancelled and cancelled.spans == []


def test_pull_is_incremental(ws):
    assert pull(ws).new_or_changed == 0


def test_offsets_counted_by_the_browser_are_repaired_and_the_rest_reported(ws):
    emoji_doc = next(d for d in CorpusStore(ws).iter_documents() if "🎉" in d.text)
    text = emoji_doc.text
    lyon = text.index("Lyon on Saturday") if "Lyon on Saturday" in text else text.index("Lyon", 20)
    astral_before = sum(1 for ch in text[:lyon] if ord(ch) > 0xFFFF)
    gathered = text.index("gathered")
    results = [
        # JavaScript counts the emoji before "Lyon" as two characters.
        {
            "id": "u16",
            "from_name": "entities",
            "to_name": "text",
            "type": "labels",
            "value": {
                "start": lyon + astral_before,
                "end": lyon + astral_before + 4,
                "text": "Lyon",
                "labels": ["GPE"],
            },
        },
        # The browser collapsed a double space in the region's text.
        {
            "id": "ws",
            "from_name": "claims",
            "to_name": "text",
            "type": "labels",
            "value": {"start": gathered, "end": gathered + 11, "text": "gathered in", "labels": ["CUE"]},
        }
        if "gathered  in" in text
        else {
            "id": "ws",
            "from_name": "claims",
            "to_name": "text",
            "type": "labels",
            "value": {"start": gathered + 3, "end": gathered + 14, "text": "gathered in", "labels": ["CUE"]},
        },
        {
            "id": "lost",
            "from_name": "entities",
            "to_name": "text",
            "type": "labels",
            "value": {"start": 0, "end": 5, "text": "Paris", "labels": ["GPE"]},
        },
    ]
    studio_client(ws.root).annotations.create(id=task_of(ws, emoji_doc.id), result=results)
    report = pull(ws)
    (rec,) = [
        r
        for r in AnnotationStore(ws).records()
        if r.doc_id == emoji_doc.id and r.origin == "labelstudio" and not r.cancelled
    ]
    spans = {s.id: s for s in rec.spans}
    assert (spans["u16"].start, spans["u16"].text) == (lyon, "Lyon")
    assert text[spans["ws"].start : spans["ws"].end].split() == ["gathered", "in"]
    assert "lost" not in spans
    assert any("E203" in p and "lost" in p and str(rec.task_id) in p for p in report.problems)


def test_status_counts_per_annotator_and_tasks_under_target(ws):
    report = status(ws)
    assert report.tasks == 8
    assert report.per_annotator[ANNOTATOR_B] == {"completed": 1, "cancelled": 1}
    assert report.per_annotator["admin@newsdesk.local"] == {"completed": 2}
    assert report.by_count == {"0": 6, "1": 1, "2+": 1}  # a cancelled annotation is not one
    assert len(report.under_target) >= 6


def test_the_cli_pushes_pulls_and_exports(ws, tmp_path):
    runner = CliRunner()
    pushed = runner.invoke(app, ["annotate", "push", "-w", str(ws.root), "--json"])
    assert pushed.exit_code == 0, pushed.output
    assert json.loads(pushed.stdout)["tasks_created"] == 0
    out = tmp_path / "annotations.jsonl"
    exported = runner.invoke(app, ["annotate", "export", "--out", str(out), "-w", str(ws.root)])
    assert exported.exit_code == 0, exported.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    human = [r for r in rows if r["origin"] == "labelstudio"]
    assert len(human) == 4
    for key in (
        "doc_id",
        "task_id",
        "annotator",
        "created_at",
        "updated_at",
        "cancelled",
        "ground_truth",
        "spans",
        "links",
        "choices",
    ):
        assert key in human[0]
    assert {"start", "end", "label", "text"} <= set(human[0]["spans"][0]) if human[0]["spans"] else True
    status_out = runner.invoke(app, ["annotate", "status", "-w", str(ws.root), "--json"])
    assert json.loads(status_out.stdout)["tasks"] == 8


def test_a_wrong_token_names_the_variable_to_set(ws, monkeypatch):
    monkeypatch.setenv(TEAM_API_KEY_ENV, "not-a-real-token")
    with pytest.raises(NewsdeskError) as exc:
        push(ws)
    assert exc.value.code == "E208" and TEAM_API_KEY_ENV in exc.value.one_line()
    result = CliRunner().invoke(app, ["annotate", "push", "-w", str(ws.root)])
    assert result.exit_code == 1 and TEAM_API_KEY_ENV in result.stderr and "not-a-real-token" not in result.stderr


def test_server_stopped_during_a_push_then_a_rerun_completes_without_duplicates(ws, tmp_path):
    feed = tmp_path / "more.jsonl"
    feed.write_text(
        "".join(
            json.dumps(
                {
                    "url": f"https://more.example/{i}",
                    "text": f"Story {i} headline\n\nParagraph {i} about port number {i * 7}.",
                }
            )
            + "\n"
            for i in range(7)
        )
    )
    assert ingest(ws, [feed]).added == 7

    def stop_after_first_batch(done: int, total: int) -> None:
        if done == 3:
            stop_studio(ws.root)

    with pytest.raises(NewsdeskError) as exc:
        push(ws, progress=stop_after_first_batch)
    assert exc.value.code == "E207" and "newsdesk studio start" in exc.value.one_line()
    start_studio(ws.root)
    report = push(ws)
    assert report.tasks_created == 4 and report.tasks_present == 11
    client = studio_client(ws.root)
    tasks = list(client.tasks.list(project=report.project_id, fields="all"))
    doc_ids = [t.data["doc_id"] for t in tasks]
    assert len(doc_ids) == len(set(doc_ids)) == 15
    assert all(t.total_predictions == 1 for t in tasks)


def test_a_changed_text_is_migrated_only_when_every_span_survives(ws, second_annotator):
    client = studio_client(ws.root)
    seed_task = task_of(ws, SEED_ID)
    text = CorpusStore(ws).document(SEED_ID).text
    doomed = client.annotations.create(
        id=seed_task, result=[region(text, "d1", "claims", "CUE", "” he added")]
    )  # holds a space the quote rule inserted
    ws2 = set_config(ws, '"quote_spacing",', "")
    assert clean(ws2).text_changed == 1
    with pytest.raises(NewsdeskError) as exc:
        push(ws2)
    assert exc.value.code == "E206" and SEED_ID in exc.value.one_line() and "” he added" in exc.value.one_line()
    assert client.tasks.get(str(seed_task)).data["text"] == text  # nothing changed on the server

    client.annotations.delete(doomed.id)
    report = push(ws2)
    assert report.texts_migrated == 1 and report.annotations_migrated == 2
    new_text = CorpusStore(ws2).document(SEED_ID).text
    assert client.tasks.get(str(seed_task)).data["text"] == new_text
    pull(ws2)
    for rec in AnnotationStore(ws2).records():
        if rec.doc_id == SEED_ID and rec.origin == "labelstudio":
            assert rec.text_sha256 == CorpusStore(ws2).document(SEED_ID).text_sha256
            zel = next(s for s in rec.spans if s.text == "Volodymyr Zelensky")
            assert new_text[zel.start : zel.end] == "Volodymyr Zelensky" and zel.start == text.index("Volodymyr") - 2


def test_two_annotators_pulled_then_validated_measured_and_adjudicated(ws):
    """The issue-4 story on the server's data: pull -> validate -> agreement -> adjudicate."""
    from validation.adjudicate import adjudicate_workspace
    from validation.agreement import agreement_workspace
    from validation.gold import save_gold
    from validation.validate import validate

    pull(ws)
    report = validate(ws)
    assert not report.errors, report.by_code()
    measured = agreement_workspace(ws)
    assert measured.documents == 1 and measured.annotators == ["admin@newsdesk.local", ANNOTATOR_B]
    entity_f1 = measured.layers["entities"].exact.f1
    assert 0 < entity_f1 < 1  # B did not mark "Friday": agreement is high but not perfect
    result = adjudicate_workspace(ws, "majority", 2)
    save_gold(ws, result)
    gold = {g.doc_id: g for g in result.gold}[SEED_ID]
    agreed = {(s.label, s.text) for s in gold.spans}
    assert ("PERSON", "Joe Biden") in agreed and ("CUE", "announced") in agreed
    assert ("DATE", "Friday") not in agreed  # only one annotator had it
    # A and B chose different sources and types for the quoted claim: both are listed conflicts, and the
    # claim, its type and source undecided, is left out of gold rather than written as gold that fails.
    assert ("CLAIM", QUOTE) not in agreed
    assert {(c.kind, c.name) for c in result.conflicts if (c.region or {}).get("text") == QUOTE} == {
        ("attribute", "claim_type"),
        ("link", "source"),
    }
    assert result.unresolved == [SEED_ID]
    report = validate(ws)  # gold included
    assert not report.errors, report.by_code()


def test_an_import_answered_too_late_is_found_on_the_server_not_sent_twice(studio, tmp_path, monkeypatch):
    """A team's writes can keep the server from answering an import in time, while it still stores
    the batch: push looks for the batch before sending it again, and nothing lands twice."""
    import httpx

    import annotation.push as push_module

    ws = Workspace.init(tmp_path / "ws")
    feed = tmp_path / "late.jsonl"
    stories = [
        {"url": f"https://late.example/{i}", "text": f"Late story {i}\n\nHarbour {i} reopened."} for i in range(6)
    ]
    feed.write_text("".join(json.dumps(s) + "\n" for s in stories))
    assert ingest(ws, [feed]).added == 6
    path = ws.path("newsdesk.toml")
    path.write_text(path.read_text() + '\n[annotation]\nbatch_size = 4\npredictor = "baseline"\n')
    ws = Workspace.open(ws.root)
    # Every import's answer comes too late for push (the server still stores the batch).
    monkeypatch.setattr(push_module, "IMPORT_TIMEOUT_SECONDS", httpx.Timeout(10.0, read=0.001))
    monkeypatch.setattr(push_module, "RETRY_DELAYS_SECONDS", (0.1, 0.1))
    monkeypatch.setattr(push_module, "LANDING_WAITS_SECONDS", (0.5, 1.0, 2.0, 4.0))
    admin = studio.admin_client()
    report = push(ws, client=admin)

    assert report.tasks_created == 6 and report.imports_failed >= 1 and report.imports_found_landed >= 1
    tasks = push_module.read_tasks(admin, report.project_id)
    doc_ids = sorted(t.data["doc_id"] for t in tasks.values())
    assert doc_ids == sorted(d.id for d in CorpusStore(ws).iter_documents())  # each once
    assert all(t.predictions_model_versions for t in tasks.values())
    assert {e["task_id"] for e in TaskMap.load(ws).tasks.values()} == set(tasks)
    again = push(ws, client=admin)
    assert (again.tasks_created, again.duplicates_removed, again.predictions_added) == (0, 0, 0)
