"""A team from the CLI: a maintainer adds annotators and a reviewer, lists and removes them.

Against the session's real Label Studio server; the first password is shown once and stored
nowhere beside the workspace.
"""

from __future__ import annotations

import json

import httpx
import pytest
from corpus_helpers import SEED
from test_adjudicate import DOC, three_annotators
from typer.testing import CliRunner

from annotation.accounts import add_user, list_users, read_roles, remove_user
from annotation.convert import results_from_record
from annotation.project import TaskMap
from annotation.pull import pull
from annotation.push import push
from annotation.studio import (
    CACHE_ENV,
    STUDIO_VENV_ENV,
    TEAM_API_KEY_ENV,
    TEAM_URL_ENV,
    StudioPaths,
    StudioUserError,
    shared_venv_dir,
    studio_client,
)
from corpus.ingest import ingest
from corpus.store import CorpusStore
from corpus.workspace import Workspace
from newsdesk.cli import app
from newsdesk.cli.studio import studio_app
from validation.gold import load_gold
from validation.review import ReviewMap, version_label

cli = CliRunner()


def _signs_in(url: str, email: str, password: str) -> bool:
    with httpx.Client(base_url=url, timeout=30) as browser:
        browser.get("/user/login/")
        response = browser.post(
            "/user/login/",
            data={"email": email, "password": password, "csrfmiddlewaretoken": browser.cookies.get("csrftoken", "")},
            headers={"Referer": f"{url}/user/login/"},
        )
        return response.status_code == 302


@pytest.mark.studio
def test_maintainer_adds_an_annotator_who_signs_in_with_the_password_shown_once(studio):
    result = cli.invoke(
        studio_app,
        ["users", "add", "Rita@Team.example", "--role", "reviewer", "--workspace", str(studio.workspace), "--json"],
    )
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)

    assert shown["email"] == "rita@team.example" and shown["role"] == "reviewer" and shown["active"]
    assert shown["sign_in_url"] == f"{studio.url}/user/login/"
    assert len(shown["first_password"]) >= 16
    assert _signs_in(studio.url, "rita@team.example", shown["first_password"])
    # Nothing beside the workspace keeps the password: only the email and the role are recorded.
    for path in (studio.workspace / "studio").rglob("*"):
        if path.is_file() and path.suffix in (".json", ".log", ""):
            assert shown["first_password"] not in path.read_text(errors="replace"), path
    assert read_roles(studio.workspace)["rita@team.example"] == "reviewer"

    again = cli.invoke(studio_app, ["users", "add", "rita@team.example", "--workspace", str(studio.workspace)])
    assert again.exit_code == 0 and "has an account already" in again.stdout
    assert read_roles(studio.workspace)["rita@team.example"] == "annotator"  # the role given wins


@pytest.mark.studio
def test_users_list_shows_the_owner_and_the_team_with_roles(studio):
    add_user(studio.workspace, "li@team.example", "annotator")
    add_user(studio.workspace, "rev@team.example", "reviewer")

    result = cli.invoke(studio_app, ["users", "list", "--json", "--workspace", str(studio.workspace)])
    assert result.exit_code == 0, result.output
    listed = {m["email"]: m for m in json.loads(result.stdout)}

    assert listed["li@team.example"]["role"] == "annotator" and listed["li@team.example"]["active"]
    assert listed["rev@team.example"]["role"] == "reviewer"
    assert [m["email"] for m in listed.values() if m["owner"]] == ["admin@newsdesk.local"]
    plain = cli.invoke(studio_app, ["users", "list", "--workspace", str(studio.workspace)])
    assert "li@team.example  (annotator)" in plain.stdout


@pytest.mark.studio
def test_a_removed_annotator_sees_no_project_and_keeps_their_annotations(studio):
    account = add_user(studio.workspace, "gone@team.example")
    admin = studio.admin_client()
    project = admin.projects.create(
        title="removal",
        label_config=(
            '<View><Text name="t" value="$text"/><Choices name="c" toName="t"><Choice value="a"/></Choices></View>'
        ),
    )
    task = admin.tasks.create(project=project.id, data={"text": "hello"})
    account.user.client.annotations.create(
        id=task.id, result=[{"from_name": "c", "to_name": "t", "type": "choices", "value": {"choices": ["a"]}}]
    )

    result = cli.invoke(studio_app, ["users", "remove", "gone@team.example", "--workspace", str(studio.workspace)])
    assert result.exit_code == 0, result.output

    assert "gone@team.example" not in {m.email for m in list_users(studio.workspace)}
    assert "gone@team.example" not in read_roles(studio.workspace)
    assert list(account.user.client.projects.list()) == []  # signed in or not, they see no project
    assert [a.completed_by for a in admin.annotations.list(id=task.id)] == [account.member.id]
    with pytest.raises(StudioUserError, match="removed already"):
        remove_user(studio.workspace, "gone@team.example")
    with pytest.raises(StudioUserError, match="not in its organisation"):
        add_user(studio.workspace, "gone@team.example")


@pytest.mark.studio
def test_users_refuse_a_bad_role_an_unknown_user_and_the_owner(studio):
    bad_role = cli.invoke(
        studio_app, ["users", "add", "x@team.example", "--role", "boss", "--workspace", str(studio.workspace)]
    )
    assert bad_role.exit_code == 1 and "S007" in bad_role.stderr and "annotator, reviewer" in bad_role.stderr
    unknown = cli.invoke(studio_app, ["users", "remove", "nobody@team.example", "--workspace", str(studio.workspace)])
    assert unknown.exit_code == 1 and "no user nobody@team.example" in unknown.stderr
    not_an_email = cli.invoke(studio_app, ["users", "add", "nobody", "--workspace", str(studio.workspace)])
    assert not_an_email.exit_code == 1 and "not an email address" in not_an_email.stderr
    owner = cli.invoke(studio_app, ["users", "remove", "admin@newsdesk.local", "--workspace", str(studio.workspace)])
    assert owner.exit_code == 1 and "owns the organisation" in owner.stderr


# --------------------------------------------------------------------------- one install per user


def test_label_studio_is_installed_once_per_user_in_the_cache_folder(tmp_path, monkeypatch):
    monkeypatch.delenv(STUDIO_VENV_ENV, raising=False)
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))

    first = StudioPaths.for_workspace(tmp_path / "one").venv_dir
    second = StudioPaths.for_workspace(tmp_path / "two").venv_dir

    assert first == second == tmp_path / "cache" / "label-studio-1.23.2"
    monkeypatch.delenv(CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert shared_venv_dir("9.9.9") == tmp_path / "xdg" / "newsdesk" / "label-studio-9.9.9"
    monkeypatch.setenv(STUDIO_VENV_ENV, str(tmp_path / "exact"))
    assert shared_venv_dir() == tmp_path / "exact"


@pytest.mark.studio
def test_a_second_workspace_starts_on_the_same_install_and_records_it(studio, tmp_path):
    recorded = json.loads((studio.workspace / "studio" / "install.json").read_text())
    assert recorded == {"label_studio": "1.23.2", "venv": str(studio.server.venv)}


# --------------------------------------------------------------------------- review from the CLI


@pytest.fixture
def team(studio, tmp_path, monkeypatch):
    """A workspace on the team's server (the session's, reached through LABEL_STUDIO_URL): the Biden
    article pushed, and Ana, Ben and a reviewer each submitting their own version of it."""
    monkeypatch.setenv(TEAM_URL_ENV, studio.url)
    monkeypatch.setenv(
        TEAM_API_KEY_ENV, json.loads((studio.workspace / "studio" / "credentials.json").read_text())["token"]
    )
    ws = Workspace.init(tmp_path / "team")
    assert ingest(ws, [SEED]).ok
    push(ws)
    doc = CorpusStore(ws).document(DOC)
    task_id = TaskMap.load(ws).tasks[DOC]["task_id"]
    versions = dict(zip(("ana", "ben", "rev"), three_annotators(doc.text)))
    emails = {}
    for who, version in versions.items():
        email = f"{who}.{tmp_path.name[-12:]}@team.example".lower()
        account = add_user(ws.root, email, "reviewer" if who == "rev" else "annotator")
        account.user.client.annotations.create(id=task_id, result=results_from_record(version))
        emails[who] = email
    pull(ws)
    return ws, doc, emails, versions


def _keys(record) -> set:
    return {(s.layer, s.label, s.start, s.end) for s in record.spans}


def _adjudicate(ws: Workspace, *args: str) -> dict:
    result = cli.invoke(app, ["adjudicate", "--workspace", str(ws.root), "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.studio
def test_a_reviewer_marks_a_version_as_the_ground_truth_from_the_cli(team):
    ws, doc, emails, versions = team
    marked = cli.invoke(
        app, ["review", "ground-truth", DOC[:8], "--annotator", emails["ben"], "--workspace", str(ws.root)]
    )
    assert marked.exit_code == 0, marked.output
    assert f"{emails['ben']}'s annotation" in marked.stdout

    pull(ws)
    _adjudicate(ws, "--strategy", "ground-truth")
    (gold,) = load_gold(ws)
    assert _keys(gold) == _keys(versions["ben"])
    assert gold.provenance["record"]["rule"] == "ground-truth"
    assert gold.provenance["record"]["reviewer"] == emails["ben"]

    # Changing one's mind moves the star: Ana's version is now the one truth on the server.
    again = cli.invoke(
        app, ["review", "ground-truth", DOC, "--annotator", emails["ana"], "--workspace", str(ws.root), "--json"]
    )
    assert again.exit_code == 0 and len(json.loads(again.stdout)["cleared"]) == 1
    pull(ws)
    _adjudicate(ws, "--strategy", "ground-truth")
    assert _keys(load_gold(ws)[0]) == _keys(versions["ana"])


@pytest.mark.studio
def test_ground_truth_of_someone_who_did_not_annotate_is_refused_with_who_did(team):
    ws, _, emails, _ = team
    refused = cli.invoke(
        app, ["review", "ground-truth", DOC, "--annotator", "nobody@team.example", "--workspace", str(ws.root)]
    )
    assert refused.exit_code == 1
    assert "E240" in refused.stderr and emails["ana"] in refused.stderr


@pytest.mark.studio
def test_adjudicate_prefers_the_reviewers_version_then_an_annotators(team):
    ws, _, emails, versions = team
    _adjudicate(ws, "--prefer", "reviewer")
    (gold,) = load_gold(ws)
    # The reviewer's version whole, but for the claim whose speech she left unanswered: gold never
    # holds what validation rejects, so that claim (and the cue and source only it used) waits for
    # a person, listed as a conflict.
    left_out = _keys(versions["rev"]) - _keys(gold)
    assert _keys(gold) <= _keys(versions["rev"]) and {layer for layer, *_ in left_out} == {"claims"}
    assert {k for k in _keys(gold) if k[0] == "entities"} == {k for k in _keys(versions["rev"]) if k[0] == "entities"}
    assert gold.provenance["record"]["rule"] == "preferred"
    assert gold.provenance["record"]["preferred"] == emails["rev"]

    _adjudicate(ws, "--prefer", "someone@else.example", "--prefer", emails["ben"])
    assert _keys(load_gold(ws)[0]) == _keys(versions["ben"])


@pytest.mark.studio
def test_a_conflict_pushed_for_review_is_settled_when_the_reviewer_submits(team):
    ws, doc, emails, versions = team
    pushed = _adjudicate(ws, "--push-review")
    assert pushed["review_tasks_pushed"] == 1 and pushed["counts"]["conflicts"] > 0

    # The reviewer opens the review task, keeps Ben's version (one of its predictions) and submits.
    review = ReviewMap.load(ws)
    reviewer = add_user(ws.root, emails["rev"], "reviewer", password=None)
    assert reviewer.first_password is None  # an existing account: nothing new to hand over
    admin = studio_client(ws.root)
    bens = next(
        p
        for p in admin.predictions.list(task=review.tasks[DOC]["task_id"])
        if p.model_version == version_label(emails["ben"])
    )
    admin.annotations.create(id=review.tasks[DOC]["task_id"], result=bens.result)

    settled = _adjudicate(ws, "--strategy", "ground-truth")
    assert settled["counts"]["conflicts"] == 0 and settled["fallbacks"] == []
    (gold,) = load_gold(ws)
    assert _keys(gold) == _keys(versions["ben"])
    assert gold.provenance["record"]["records"][0].startswith("labelstudio-review/")


def test_a_server_too_busy_to_answer_says_to_run_again_not_to_start_it():
    from annotation.project import server_errors
    from corpus.errors import NewsdeskError

    with pytest.raises(NewsdeskError) as caught, server_errors("team-ws"):
        raise httpx.ReadTimeout("timed out")
    line = caught.value.one_line()
    assert caught.value.code == "E207" and "busy" in line and "run the command again" in line
    assert "studio start" not in line
