"""The main job on the bundled sample corpus, end to end, as a maintainer would run it.

ingest + clean -> Label Studio (local, real) -> push with pre-annotations -> the two demo
annotators' work on the seed article, recorded through the API as their accounts -> a
reviewer marks one version as ground truth -> pull -> validate -> agreement -> adjudicate
-> release 0.1.0 -> `load_dataset` prints one claim with its source.

Every step is idempotent: running the demo again adds nothing and rebuilds nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

from annotation.accounts import add_user
from annotation.project import TaskMap
from annotation.pull import pull
from annotation.push import push
from annotation.review import mark_ground_truth
from annotation.schema import LabelSchema
from annotation.studio import start_studio, stop_studio, studio_client
from corpus.ingest import clean, ingest
from corpus.workspace import CONFIG_NAME, Workspace, atomic_write_text
from newsdesk.cli.common import LineConsole
from releases.build import build_release
from releases.settings import release_section
from releases.versions import list_versions, release_path
from validation.adjudicate import adjudicate_workspace
from validation.agreement import agreement_workspace
from validation.gold import save_gold
from validation.validate import validate

REPO = Path(__file__).resolve().parent.parent
SAMPLE_CORPUS = REPO / "samples" / "corpus"
SAMPLE_ANNOTATIONS = REPO / "samples" / "annotations" / "seed.labelstudio.json"
REVIEWED = "ana@newsdesk.example"  # whose version the demo reviewer marks as ground truth
RELEASE = "0.1.0"
# What the sample corpus's maintainers say about its releases, in newsdesk.toml's [release] section.
# No repo_id: the sample corpus is not published, and its card's loading snippet says so.
RELEASE_SETTINGS = {
    "pretty_name": "newsdesk sample corpus",
    # The seed article was scraped by a third party from an unnamed site: nobody here can license it.
    "license": "unknown",
    # The seed was found on the web, machine-translated; the other articles were written for the project.
    "language_creators": ["found", "machine-generated", "expert-generated"],
    # Two demo annotators following annotation/guidelines.md; gold is adjudicated from their work.
    "annotations_creators": ["expert-generated"],
    "source_datasets": ["original"],
}

console = LineConsole()


def demo_password(email: str) -> str:
    # Demo accounts on a loopback-only server; a real team signs annotators up in Label Studio.
    return f"newsdesk-demo-{email.split('@')[0]}-2026"


def step(title: str) -> None:
    console.rule(f"[bold]{title}")


def record_sample_annotations(workspace: Workspace) -> int:
    """Post each sample annotation as its own account, unless that account already annotated the task."""
    task = json.loads(SAMPLE_ANNOTATIONS.read_text(encoding="utf-8"))
    task = task[0] if isinstance(task, list) else task
    task_id = TaskMap.load(workspace).tasks[task["data"]["doc_id"]]["task_id"]
    admin = studio_client(workspace.root)
    server_text = admin.tasks.get(str(task_id)).data["text"]
    if server_text != task["data"]["text"]:
        raise SystemExit(
            f"the sample annotations were made on another text of {task['data']['doc_id']}; "
            "regenerate them with samples/annotations/make_seed.py"
        )
    posted = 0
    for ann in task["annotations"]:
        email = ann["completed_by"]["email"]
        # What `newsdesk studio users add EMAIL` does; the demo fixes the passwords to post as them.
        user = add_user(workspace.root, email, "annotator", password=demo_password(email)).user
        mine = [a for a in admin.annotations.list(id=task_id) if a.completed_by == user.id]
        if not mine:
            user.client.annotations.create(id=task_id, result=ann["result"], lead_time=ann.get("lead_time"))
            posted += 1
    # What `newsdesk review ground-truth DOC --annotator EMAIL` does (a reviewer's star in the browser).
    mark_ground_truth(workspace, task["data"]["doc_id"], REVIEWED, client=admin)
    return posted


def refresh_repository_datasheet(release: Path) -> None:
    """The repository's DATASHEET.md is the sample corpus's: its facts come from the demo release."""
    from releases.card import copy_facts

    sheet = REPO / "DATASHEET.md"
    current = sheet.read_text(encoding="utf-8")
    fresh = copy_facts((release / "DATASHEET.md").read_text(encoding="utf-8"), current)
    if fresh != current:
        sheet.write_text(fresh, encoding="utf-8")
        console.print(f"updated the facts in {sheet}")


def with_release_settings(ws: Workspace) -> Workspace:
    """The workspace with the sample corpus's [release] settings, written as a maintainer would (once)."""
    if "release" not in ws.config:
        config = ws.path(CONFIG_NAME)
        atomic_write_text(config, config.read_text(encoding="utf-8") + release_section(RELEASE_SETTINGS))
        ws = Workspace.open(ws.root)
    return ws


def run_demo(root: Path, keep_server: bool = False) -> None:
    step("1. workspace, ingest and clean the sample corpus")
    ws = with_release_settings(Workspace.init(root))
    LabelSchema.write_default(ws)
    report = ingest(ws, [SAMPLE_CORPUS])
    console.print(
        f"read {report.read}, added {report.added}, skipped {dict(report.skipped)}, "
        f"near-duplicates {report.near_duplicates}"
    )
    console.print(f"clean: re-cleaned {clean(ws).recleaned} (nothing when the rules did not change)")

    step("2. Label Studio (local server, SQLite in the workspace)")
    server = start_studio(ws.root)
    try:
        step("3. push documents with baseline pre-annotations")
        pushed = push(ws)
        console.print(
            f"project {pushed.project_id}: {pushed.tasks_created} tasks created, {pushed.tasks_present} already there"
        )
        step("4. two demo annotators' work on the seed article, through the API as their accounts")
        console.print(f"annotations posted: {record_sample_annotations(ws)} (0 when they were already there)")
        step("5. pull")
        pulled = pull(ws)
        console.print(
            f"{pulled.annotations} annotations by {pulled.annotators}; {pulled.new_or_changed} new or changed records"
        )
    finally:
        if keep_server:
            console.print(
                f"Label Studio keeps running at {server.url} (admin login in "
                f"{ws.path('studio', 'credentials.json')}); stop it with "
                f"`newsdesk studio stop --workspace {ws.root}`"
            )
        else:
            stop_studio(ws.root)

    step("6. validate the annotations")
    checked = validate(ws)
    console.print(
        f"{len(checked.errors)} errors, {len(checked.warnings)} warnings in {checked.records} records "
        f"({checked.spans} spans, {checked.claims} claims)"
    )
    for code, group in checked.by_code().items():
        console.print(f"  {code} x{group['count']}: {group['title']}")

    step("7. inter-annotator agreement")
    for name, value in agreement_workspace(ws).headline().items():
        console.print(f"{name}: {value}")

    step("8. adjudicate: the reviewed version wins, conflicts listed")
    by_majority = adjudicate_workspace(ws, "majority", 2)
    console.print(f"majority of 2 alone would leave {by_majority.counts['conflicts']} conflicts, e.g.:")
    for conflict in by_majority.conflicts[:3]:
        console.print(f"  {conflict.kind}: {conflict.description[:100]}")
    gold = adjudicate_workspace(ws, "ground-truth")
    save_gold(ws, gold)
    console.print(
        f"ground truth (the reviewer marked {REVIEWED}'s version): {gold.counts['gold']} gold documents, "
        f"{gold.counts['gold_spans']} spans, {gold.counts['gold_links']} links; "
        f"{gold.counts['conflicts']} conflicts left"
    )

    step(f"9. release {RELEASE}")
    if RELEASE in list_versions(ws):
        console.print(f"{RELEASE} exists already (releases are immutable): {release_path(ws, RELEASE)}")
    else:
        built = build_release(ws, RELEASE)
        console.print(f"built {built.path}: " + ", ".join(f"{c} {sum(s.values())}" for c, s in built.rows.items()))

    refresh_repository_datasheet(release_path(ws, RELEASE))

    step("10. a consumer loads it with datasets.load_dataset")
    from datasets import load_dataset

    claims = load_dataset(str(release_path(ws, RELEASE)), "claims")["train"]
    labels = claims.features["source"]["label"]
    claim = next(c for c in claims if c["source"]["label"] >= 0)
    console.print(f"claim:  “{claim['claim']['text']}”")
    console.print(f"cue:    {claim['cue']['text']}")
    console.print(f"source: {claim['source']['text']} ({labels.int2str(claim['source']['label'])})")
    console.print(
        f"type:   {claims.features['claim_type'].int2str(claim['claim_type'])}, "
        f"speech {claims.features['speech'].int2str(claim['speech'])}"
    )
