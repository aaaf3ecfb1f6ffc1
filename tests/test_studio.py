"""The local Label Studio server: start, status, clients for two users, refusals, stop.

All tests share the session's one server (the ``studio`` fixture); the stop-and-restart test
comes last in this file and leaves the server running again for later tests.
"""

from __future__ import annotations

import json
import stat
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from annotation.studio import (
    ADMIN_EMAIL,
    INSTALL_DONE_MARKER,
    INSTALL_STARTED_MARKER,
    STUDIO_VENV_ENV,
    TEAM_API_KEY_ENV,
    TEAM_URL_ENV,
    StudioAuthError,
    StudioInstallError,
    StudioNotRunningError,
    StudioPortBusyError,
    create_studio_user,
    ensure_installed,
    installed_version,
    start_studio,
    stop_studio,
    studio_client,
    studio_status,
)
from corpus.errors import NewsdeskError
from newsdesk.cli.studio import studio_app

pytestmark = pytest.mark.studio

cli = CliRunner()


def _process_exists(pid: int) -> bool:
    """True for a live process; a zombie waiting for its new parent to reap it counts as gone."""
    try:
        stat_line = Path(f"/proc/{pid}/stat").read_text()
        threads = len(list(Path(f"/proc/{pid}/task").iterdir()))
    except OSError:
        return False
    return stat_line[stat_line.rindex(")") + 2] not in "ZX" or threads > 1


# --------------------------------------------------------------------------- a running server


def test_started_server_is_running_and_answers_health(studio):
    status = studio_status(studio.workspace)

    assert status.state == "running"
    assert status.healthy
    assert status.url == studio.server.url
    assert status.url.startswith("http://127.0.0.1:")
    assert status.pid == studio.server.pid and _process_exists(status.pid)
    assert status.version == "1.23.2"


def test_server_keeps_its_files_in_the_workspace(studio):
    studio_dir = studio.workspace / "studio"

    assert (studio_dir / "data" / "label_studio.sqlite3").exists()
    assert (studio_dir / "home" / "config").exists()  # XDG dirs, not ~/.config
    assert "Starting development server" in (studio_dir / "server.log").read_text()
    assert json.loads((studio_dir / "server.json").read_text())["pid"] == studio.server.pid
    credentials_mode = stat.S_IMODE((studio_dir / "credentials.json").stat().st_mode)
    assert credentials_mode == 0o600


def _open_to_others(studio_dir: Path, *, files: bool = True) -> list[str]:
    """What group or others may enter or read: the studio folder, the server's data and home folders
    and every folder in them, and (with ``files``) the log, the credentials and every file in them."""
    paths = [studio_dir]
    for private in (studio_dir / "data", studio_dir / "home"):
        paths += [private, *(p for p in private.rglob("*") if files or p.is_dir())]
    if files:
        paths += [studio_dir / "server.log", studio_dir / "credentials.json"]
    return [
        f"{path.relative_to(studio_dir)} {stat.filemode(path.stat().st_mode)}"
        for path in paths
        if not path.is_symlink() and path.stat().st_mode & 0o077
    ]


def test_the_database_and_everything_the_server_writes_are_its_owners_alone(studio):
    """The SQLite database holds the admin token and annotators' e-mails in plain text."""
    studio_dir = studio.workspace / "studio"
    create_studio_user(studio.workspace, "private@newsdesk.local", "Private-annotator-pw1")  # a write while running
    data = studio_dir / "data"

    assert _open_to_others(studio_dir, files=False) == []  # no folder lets anyone else in
    made_by_the_server = [data / "label_studio.sqlite3", *data.glob("label_studio.sqlite3-*"), data / ".env"]
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in made_by_the_server if p.exists()} == {
        p.name: 0o600 for p in made_by_the_server if p.exists()
    }
    for ours in ("server.log", "credentials.json"):
        assert stat.S_IMODE((studio_dir / ours).stat().st_mode) == 0o600
    # Django's file storage sets 0644 itself on what it saves (exports under data/media): unreachable
    # inside these 0700 folders, and made 0600 at the next start (see the restart test).
    umask = next(
        line for line in Path(f"/proc/{studio.server.pid}/status").read_text().splitlines() if line.startswith("Umask:")
    )
    assert umask.split()[1] == "0077"


def test_admin_token_is_never_logged_or_recorded(studio):
    token = json.loads((studio.workspace / "studio" / "credentials.json").read_text())["token"]
    studio_dir = studio.workspace / "studio"

    assert token not in (studio_dir / "server.log").read_text()
    assert token not in (studio_dir / "server.json").read_text()
    assert token not in repr(studio.admin_client())


def test_sdk_client_authenticates_as_the_admin(studio):
    client = studio_client(studio.workspace)

    assert client.users.whoami().email == ADMIN_EMAIL


def test_second_annotator_gets_a_client_of_their_own(studio):
    annotator = create_studio_user(studio.workspace, "annotator2@newsdesk.local", "Second-annotator-pw1")

    me = annotator.client.users.whoami()
    admin = studio_client(studio.workspace)
    assert me.email == "annotator2@newsdesk.local"
    assert me.id != admin.users.whoami().id
    assert me.email in {user.email for user in admin.users.list()}  # same organisation


def test_existing_annotator_logs_in_again_with_the_same_password(studio):
    first = create_studio_user(studio.workspace, "annotator3@newsdesk.local", "Third-annotator-pw1")
    again = create_studio_user(studio.workspace, "annotator3@newsdesk.local", "Third-annotator-pw1")

    assert again.id == first.id
    assert again.client.users.whoami().email == "annotator3@newsdesk.local"


def test_starting_again_returns_the_running_server(studio):
    before = studio.server
    began = time.monotonic()

    again = start_studio(studio.workspace)

    assert again == before
    assert time.monotonic() - began < 5


def test_status_command_prints_json(studio):
    result = cli.invoke(studio_app, ["status", "--workspace", str(studio.workspace), "--json"])

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["state"] == "running"
    assert report["url"] == studio.url
    assert "token" not in result.stdout


# --------------------------------------------------------------------------- clear refusals


def test_wrong_api_key_names_the_variable_to_set(studio, monkeypatch):
    monkeypatch.setenv(TEAM_API_KEY_ENV, "0" * 40)

    with pytest.raises(StudioAuthError) as refused:
        studio_client(studio.workspace)

    assert refused.value.code == "E208"
    assert TEAM_API_KEY_ENV in str(refused.value)
    assert "0" * 40 not in str(refused.value)


def test_team_url_without_api_key_names_the_variable_to_set(studio, monkeypatch):
    monkeypatch.setenv(TEAM_URL_ENV, studio.url)
    monkeypatch.delenv(TEAM_API_KEY_ENV, raising=False)

    with pytest.raises(StudioAuthError, match=TEAM_API_KEY_ENV):
        studio_client(studio.workspace)


def test_team_server_from_the_environment_takes_precedence(studio, tmp_path, monkeypatch):
    token = json.loads((studio.workspace / "studio" / "credentials.json").read_text())["token"]
    monkeypatch.setenv(TEAM_URL_ENV, studio.url)
    monkeypatch.setenv(TEAM_API_KEY_ENV, token)

    client = studio_client(tmp_path)  # a workspace with no server of its own

    assert client.users.whoami().email == ADMIN_EMAIL


def test_busy_port_is_refused_before_anything_starts(studio, tmp_path):
    with pytest.raises(StudioPortBusyError) as refused:
        start_studio(tmp_path, port=studio.server.port)

    assert refused.value.code == "S002" and isinstance(refused.value, NewsdeskError)  # one catalogue, one printer
    assert str(studio.server.port) in refused.value.message
    assert not (tmp_path / "studio" / "server.json").exists()


def test_busy_port_through_the_cli_is_one_clear_line(studio, tmp_path):
    args = ["start", "--workspace", str(tmp_path), "--port", str(studio.server.port)]

    result = cli.invoke(studio_app, args)

    assert result.exit_code == 1
    assert result.stderr.strip().startswith("[S002] port")
    assert len(result.stderr.strip().splitlines()) == 1


def test_client_without_a_server_says_how_to_start_one(tmp_path, monkeypatch):
    monkeypatch.delenv(TEAM_URL_ENV, raising=False)

    with pytest.raises(StudioNotRunningError, match="newsdesk studio start"):
        studio_client(tmp_path)


def test_stopping_a_workspace_without_a_server_is_a_no_op(tmp_path):
    assert stop_studio(tmp_path) is False
    assert cli.invoke(studio_app, ["stop", "--workspace", str(tmp_path)]).exit_code == 0


# --------------------------------------------------------------------------- the install


def test_unfinished_install_is_not_taken_for_a_finished_one(tmp_path):
    venv = tmp_path / "venv"
    venv.mkdir()
    (venv / INSTALL_STARTED_MARKER).write_text("1.23.2")
    assert installed_version(venv) is None

    (venv / INSTALL_DONE_MARKER).write_text(json.dumps({"label_studio": "1.23.2"}))
    assert installed_version(venv) == "1.23.2"


def test_install_never_deletes_a_directory_it_did_not_make(tmp_path, monkeypatch):
    foreign = tmp_path / "somebody-elses-venv"
    foreign.mkdir()
    (foreign / "precious.txt").write_text("keep me")
    monkeypatch.setenv(STUDIO_VENV_ENV, str(foreign))

    with pytest.raises(StudioInstallError, match=STUDIO_VENV_ENV):
        ensure_installed(tmp_path)

    assert (foreign / "precious.txt").exists()


# --------------------------------------------------------------------------- stop (keep last)


def test_stop_by_pid_then_restart_keeps_the_data(studio):
    before = studio.server
    annotator = create_studio_user(studio.workspace, "annotator4@newsdesk.local", "Fourth-annotator-pw1")

    assert stop_studio(studio.workspace) is True
    assert not _process_exists(before.pid)
    assert studio_status(studio.workspace).state == "stopped"
    assert stop_studio(studio.workspace) is False
    with pytest.raises(StudioNotRunningError):
        studio_client(studio.workspace)
    studio_dir = studio.workspace / "studio"  # as a workspace made before the folder was private left it
    for path, mode in (
        (studio_dir, 0o755),
        (studio_dir / "data", 0o755),
        (studio_dir / "server.log", 0o644),
        (studio_dir / "data" / "label_studio.sqlite3", 0o644),
    ):
        path.chmod(mode)

    began = time.monotonic()
    after = start_studio(studio.workspace)  # no --port: the last port is reused while free
    restart_seconds = time.monotonic() - began

    assert after.pid != before.pid and after.url == before.url
    assert restart_seconds < 30
    assert _open_to_others(studio_dir) == []  # tightened at the start, files too
    assert studio_client(studio.workspace).users.whoami().email == ADMIN_EMAIL
    assert annotator.client.users.whoami().email == "annotator4@newsdesk.local"
