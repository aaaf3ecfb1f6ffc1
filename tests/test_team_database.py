"""A team's database: the managed Label Studio on a real PostgreSQL, backups of either database.

The PostgreSQL tests start a second workspace on a cluster newsdesk runs from the installed
PostgreSQL (Debian's ``postgresql`` package; `.ci/run` installs it); without it they are skipped
and say why. The SQLite test backs up and restores the session's own server.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from typer.testing import CliRunner

from annotation.accounts import add_user
from annotation.postgres import (
    POSTGRES_URL_ENV,
    DatabaseError,
    choose_database,
    postgres_bin_dir,
    recorded_choice,
)
from annotation.studio import INSTALL_DONE_MARKER, running_server, studio_client
from newsdesk.cli.studio import studio_app

cli = CliRunner()


def _postgres_missing() -> str | None:
    try:
        postgres_bin_dir()
    except DatabaseError as error:
        return error.message
    return None


def _process_gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return state[state.rindex(")") + 2] in "ZX"


# --------------------------------------------------------------------------- the choice


def test_the_database_is_chosen_at_the_first_start_and_a_named_one_is_recorded_without_its_password(
    tmp_path, monkeypatch
):
    monkeypatch.delenv(POSTGRES_URL_ENV, raising=False)
    assert choose_database(tmp_path, None).kind == "sqlite"
    managed = choose_database(tmp_path, "postgres")
    assert (managed.kind, managed.managed) == ("postgres", True)

    monkeypatch.setenv(POSTGRES_URL_ENV, "postgresql://team:s3cret-pw@db.example:6543/annotations")
    named = choose_database(tmp_path, "postgres")
    assert named.url == "postgresql://team@db.example:6543/annotations" and "s3cret" not in json.dumps(named.describe())

    with pytest.raises(DatabaseError, match="unknown database"):
        choose_database(tmp_path, "mysql")
    monkeypatch.setenv(POSTGRES_URL_ENV, "http://db.example")
    with pytest.raises(DatabaseError, match="not a PostgreSQL URL"):
        choose_database(tmp_path, "postgres")


# --------------------------------------------------------------------------- SQLite backup


@pytest.mark.studio
def test_a_sqlite_backup_restores_the_projects_it_held_and_keeps_the_replaced_database(studio, tmp_path):
    admin = studio.admin_client()
    admin.projects.create(title="kept by the backup")
    backup = tmp_path / "team.sqlite3"
    made = cli.invoke(studio_app, ["backup", "--out", str(backup), "--workspace", str(studio.workspace)])
    assert made.exit_code == 0, made.output
    assert oct(backup.stat().st_mode & 0o777) == "0o600"
    admin.projects.create(title="made after the backup")

    running = cli.invoke(studio_app, ["restore", str(backup), "--workspace", str(studio.workspace)])
    assert running.exit_code == 1 and "S008" in running.stderr and "studio stop" in running.stderr

    assert cli.invoke(studio_app, ["stop", "--workspace", str(studio.workspace)]).exit_code == 0
    restored = cli.invoke(studio_app, ["restore", str(backup), "--workspace", str(studio.workspace)])
    assert restored.exit_code == 0, restored.output
    before = Path(restored.stdout.split("is in ")[-1].strip())
    assert before.exists() and before.read_bytes().startswith(b"SQLite format 3")
    assert cli.invoke(studio_app, ["start", "--workspace", str(studio.workspace)]).exit_code == 0

    titles = {p.title for p in studio.admin_client().projects.list(page_size=100)}
    assert "kept by the backup" in titles and "made after the backup" not in titles
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("hello")
    refused = cli.invoke(studio_app, ["restore", str(not_a_backup), "--workspace", str(studio.workspace)])
    assert refused.exit_code == 1 and "S008" in refused.stderr


# --------------------------------------------------------------------------- PostgreSQL


@pytest.fixture(scope="module")
def postgres_workspace(studio):
    """A second workspace started with --database postgres, on the same Label Studio install."""
    missing = _postgres_missing()
    if missing:
        pytest.skip(f"PostgreSQL is not installed ({missing}); `apt-get install postgresql`, as .ci/run does")
    install_marker = studio.server.venv / INSTALL_DONE_MARKER
    installed_before = install_marker.read_text()
    # Under root the cluster runs as the postgres user, who must be able to enter the folders.
    folder = Path(tempfile.mkdtemp(prefix="newsdesk-team-"))
    folder.chmod(0o755)
    workspace = folder / "ws"
    try:
        started = cli.invoke(
            studio_app, ["start", "--database", "postgres", "--workspace", str(workspace), "--timeout", "600"]
        )
        assert started.exit_code == 0, started.output
        assert install_marker.read_text() == installed_before  # a second workspace installs nothing
        yield workspace
    finally:
        cli.invoke(studio_app, ["stop", "--workspace", str(workspace)])
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.studio
def test_studio_runs_on_a_postgres_it_started_and_status_names_it(studio, postgres_workspace):
    status = cli.invoke(studio_app, ["status", "--json", "--workspace", str(postgres_workspace)])
    report = json.loads(status.stdout)
    database = report["database"]

    assert report["state"] == "running" and report["venv"] == str(studio.server.venv)
    assert database["kind"] == "postgres" and database["managed"] and database["running"]
    assert database["host"] == "127.0.0.1" and database["name"] == "labelstudio"
    assert (postgres_workspace / "studio" / "postgres" / "data" / "PG_VERSION").exists()
    assert not (postgres_workspace / "studio" / "data" / "label_studio.sqlite3").exists()
    assert oct((postgres_workspace / "studio" / "postgres" / "credentials.json").stat().st_mode & 0o777) == "0o600"
    assert recorded_choice(postgres_workspace).kind == "postgres"
    # The choice is kept: asking for SQLite on this workspace is refused with what to do.
    other = cli.invoke(studio_app, ["start", "--database", "sqlite", "--workspace", str(postgres_workspace)])
    assert other.exit_code == 1 and "runs on postgres" in other.stderr


@pytest.mark.studio
def test_annotators_submit_at_once_on_postgres_and_nothing_is_lost(postgres_workspace):
    admin = studio_client(postgres_workspace)
    project = admin.projects.create(
        title="many at once",
        label_config=(
            '<View><Text name="t" value="$text"/><Choices name="c" toName="t"><Choice value="a"/>'
            '<Choice value="b"/></Choices></View>'
        ),
    )
    tasks = [admin.tasks.create(project=project.id, data={"text": f"document {i}"}).id for i in range(12)]
    annotators = [
        add_user(postgres_workspace, f"p{i}@team.example", password=f"Team-annotator-{i}-pw").user for i in range(4)
    ]

    def submit(pair):
        who, task_id = pair
        return who.client.annotations.create(
            id=task_id, result=[{"from_name": "c", "to_name": "t", "type": "choices", "value": {"choices": ["a"]}}]
        ).id

    with ThreadPoolExecutor(max_workers=4) as pool:
        made = list(pool.map(submit, [(who, t) for who in annotators for t in tasks]))

    stored = [a.id for t in tasks for a in admin.annotations.list(id=t)]
    assert len(made) == 48 and sorted(stored) == sorted(made)


@pytest.mark.studio
def test_a_postgres_backup_restores_and_stop_ends_both_servers_by_pid(postgres_workspace, tmp_path):
    admin = studio_client(postgres_workspace)
    admin.projects.create(title="in the dump")
    dump = tmp_path / "team.pgdump"
    assert cli.invoke(studio_app, ["backup", "--out", str(dump), "--workspace", str(postgres_workspace)]).exit_code == 0
    assert dump.read_bytes().startswith(b"PGDMP")
    admin.projects.create(title="after the dump")

    label_studio_pid = running_server(postgres_workspace).pid
    postgres_pid = json.loads((postgres_workspace / "studio" / "postgres" / "server.json").read_text())["pid"]
    assert cli.invoke(studio_app, ["stop", "--workspace", str(postgres_workspace)]).exit_code == 0
    assert _process_gone(label_studio_pid) and _process_gone(postgres_pid)

    restored = cli.invoke(studio_app, ["restore", str(dump), "--workspace", str(postgres_workspace)])
    assert restored.exit_code == 0, restored.output
    sqlite_backup = tmp_path / "x.sqlite3"
    sqlite_backup.write_bytes(b"SQLite format 3\x00" + bytes(100))
    wrong_kind = cli.invoke(studio_app, ["restore", str(sqlite_backup), "--workspace", str(postgres_workspace)])
    assert wrong_kind.exit_code == 1 and "is a sqlite backup" in wrong_kind.stderr
    assert cli.invoke(studio_app, ["start", "--workspace", str(postgres_workspace)]).exit_code == 0

    titles = {p.title for p in studio_client(postgres_workspace).projects.list(page_size=100)}
    assert "in the dump" in titles and "after the dump" not in titles
