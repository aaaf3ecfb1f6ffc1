"""Run a local Label Studio server for a workspace, or connect to a team's own.

Label Studio lives in its own virtual environment (its dependencies clash with ours), keeps its
SQLite database (or its PostgreSQL cluster) inside the workspace, and is started and stopped by
the PID we record, never by process name. Everything the server writes stays under ``<workspace>/studio/``:

    studio/credentials.json   admin email, password and API token (mode 0600)
    studio/server.json        PID, port and URL of the running server
    studio/server.log         the server's stdout and stderr
    studio/data/              LABEL_STUDIO_BASE_DATA_DIR (SQLite database, media)
    studio/home/              XDG config, data and cache directories
    studio/install.json       which Label Studio install (version, virtualenv) the workspace uses
    studio/database.json      sqlite or postgres, chosen at the first start (annotation.postgres)
    studio/postgres/          the workspace's own PostgreSQL cluster, when it runs one
    studio/team.json          newsdesk's roles of the team's accounts (annotation.accounts)
    studio/backups/           `newsdesk studio backup` files, and what a restore replaced

Label Studio itself is installed once per version for the user, shared by every workspace:
``~/.cache/newsdesk/label-studio-<version>`` (``$NEWSDESK_CACHE`` moves the cache folder,
``$NEWSDESK_STUDIO_VENV`` names the virtualenv itself).

The server's SQLite database holds the admin token and annotators' e-mails in plain text, so
``studio/``, ``studio/data/`` and ``studio/home/`` are 0700, the log 0600, and the server runs with
umask 077: what it writes (database, journals, folders) is its owner's alone. Django's file storage
sets 0644 itself on the files it saves (exports under ``data/media``); inside 0700 folders nobody
else can reach them, and every start strips group and other bits from everything already in
``data/`` and ``home/`` (a workspace made before this, too).

A team's own server is used instead when ``LABEL_STUDIO_URL`` and ``LABEL_STUDIO_API_KEY`` are set.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import deque
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO

import httpx
from filelock import FileLock
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError
from rich.console import Console

# Re-exported: callers catch the server's errors from here.
from annotation.studio_errors import (  # noqa: F401
    StudioAuthError,
    StudioError,
    StudioInstallError,
    StudioNotRunningError,
    StudioPortBusyError,
    StudioStartError,
    StudioUnreachableError,
    StudioUserError,
)

LABEL_STUDIO_VERSION = "1.23.2"
STUDIO_VENV_ENV = "NEWSDESK_STUDIO_VENV"
CACHE_ENV = "NEWSDESK_CACHE"
TEAM_URL_ENV = "LABEL_STUDIO_URL"
TEAM_API_KEY_ENV = "LABEL_STUDIO_API_KEY"
HOST = "127.0.0.1"
LAN_HOST = "0.0.0.0"  # only with `studio start --lan`
HEALTH_TIMEOUT_SECONDS = 180.0
STOP_TIMEOUT_SECONDS = 20.0
HTTP_TIMEOUT_SECONDS = 30.0
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
SERVER_UMASK = 0o077  # what the server creates (database, journals, uploads, exports) is its owner's alone
ADMIN_EMAIL = "admin@newsdesk.local"
INSTALL_DONE_MARKER = "newsdesk-installed.json"
INSTALL_STARTED_MARKER = ".newsdesk-installing"

# Inherited variables that would make the server's Python load our packages instead of its own,
# or that belong to a team server and must not reach the local one.
ENV_VARS_KEPT_FROM_SERVER = (
    "PYTHONPATH",
    "PYTHONHOME",
    "VIRTUAL_ENV",
    "DJANGO_SETTINGS_MODULE",
    TEAM_URL_ENV,
    TEAM_API_KEY_ENV,
)

console = Console(stderr=True, soft_wrap=True)


# --------------------------------------------------------------------------- records


def newsdesk_cache_dir() -> Path:
    """The user's cache folder for newsdesk: ``$NEWSDESK_CACHE``, else ``$XDG_CACHE_HOME/newsdesk``,
    else ``~/.cache/newsdesk`` (the platformdirs convention on Linux)."""
    chosen = os.environ.get(CACHE_ENV, "").strip()
    if chosen:
        return Path(chosen).expanduser().resolve()
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(xdg) if xdg else Path.home() / ".cache").expanduser().resolve() / "newsdesk"


def shared_venv_dir(version: str = LABEL_STUDIO_VERSION) -> Path:
    """Where Label Studio ``version`` is installed once for every workspace of this user.

    ``NEWSDESK_STUDIO_VENV`` names the virtualenv itself (``./run`` keeps one inside the
    repository's .cache for the demo and the tests); otherwise it is
    ``<cache>/label-studio-<version>`` in :func:`newsdesk_cache_dir`.
    """
    override = os.environ.get(STUDIO_VENV_ENV, "").strip()
    if override:
        return Path(override).expanduser().resolve()
    return newsdesk_cache_dir() / f"label-studio-{version}"


@dataclass(frozen=True)
class StudioPaths:
    """Where one workspace keeps its Label Studio server's files."""

    workspace: Path
    venv_dir: Path

    @classmethod
    def for_workspace(cls, workspace: Path, *, version: str = LABEL_STUDIO_VERSION) -> StudioPaths:
        return cls(workspace=Path(workspace).resolve(), venv_dir=shared_venv_dir(version))

    @property
    def root(self) -> Path:
        return self.workspace / "studio"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def home_dir(self) -> Path:
        return self.root / "home"

    @property
    def credentials_file(self) -> Path:
        return self.root / "credentials.json"

    @property
    def install_record(self) -> Path:
        return self.root / "install.json"

    @property
    def server_file(self) -> Path:
        return self.root / "server.json"

    @property
    def last_port_file(self) -> Path:
        return self.root / "last_port"

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    @property
    def lock_file(self) -> Path:
        return self.root / ".server.lock"

    @property
    def label_studio_bin(self) -> Path:
        return self.venv_dir / "bin" / "label-studio"


@dataclass(frozen=True)
class StudioServer:
    """A Label Studio server we started, as recorded in ``studio/server.json``."""

    url: str
    port: int
    pid: int
    base_data_dir: Path
    venv: Path
    version: str
    started_at: float
    # Kernel start time of the process, so a recycled PID is never mistaken for our server.
    process_start_ticks: int | None = None

    def to_json(self) -> dict:
        record = asdict(self)
        record["base_data_dir"] = str(self.base_data_dir)
        record["venv"] = str(self.venv)
        return record

    @classmethod
    def from_json(cls, record: dict) -> StudioServer:
        return cls(
            url=record["url"],
            port=int(record["port"]),
            pid=int(record["pid"]),
            base_data_dir=Path(record["base_data_dir"]),
            venv=Path(record["venv"]),
            version=record["version"],
            started_at=float(record["started_at"]),
            process_start_ticks=record.get("process_start_ticks"),
        )


@dataclass(frozen=True)
class StudioCredentials:
    """The local server's admin login and API token, generated once per workspace."""

    email: str
    password: str
    token: str

    def __repr__(self) -> str:  # keeps the secrets out of logs and tracebacks
        return f"StudioCredentials(email={self.email!r}, password=..., token=...)"


@dataclass(frozen=True)
class StudioStatus:
    """What ``newsdesk studio status`` reports about a workspace's server."""

    running: bool
    healthy: bool
    url: str | None
    port: int | None
    pid: int | None
    version: str | None
    installed: bool
    venv: Path
    base_data_dir: Path
    database: dict | None = None  # kind (sqlite | postgres) and where, from annotation.postgres

    @property
    def state(self) -> str:
        if not self.running:
            return "stopped"
        return "running" if self.healthy else "not answering"

    def to_json(self) -> dict:
        record = asdict(self)
        record["state"] = self.state
        record["venv"] = str(self.venv)
        record["base_data_dir"] = str(self.base_data_dir)
        return record


@dataclass(frozen=True)
class StudioUser:
    """A user on the server (e.g. a second annotator) with a client authenticated as them."""

    id: int
    email: str
    client: LabelStudio

    def __repr__(self) -> str:
        return f"StudioUser(id={self.id}, email={self.email!r})"


# --------------------------------------------------------------------------- install


def ensure_installed(workspace: Path, *, version: str = LABEL_STUDIO_VERSION) -> Path:
    """Install Label Studio into its own virtualenv once; return the venv directory.

    A marker file written last says the install is complete, so an interrupted install is
    detected and redone from scratch. A lock serialises installs into a venv shared between
    workspaces (every workspace of the user uses the same one).
    """
    venv_dir = StudioPaths.for_workspace(workspace, version=version).venv_dir
    if installed_version(venv_dir) == version:
        return venv_dir
    with _file_lock(venv_dir.parent / f".{venv_dir.name}.lock"):
        if installed_version(venv_dir) != version:  # another process may have finished it
            _install_into(venv_dir, version)
    return venv_dir


def installed_version(venv_dir: Path) -> str | None:
    """The Label Studio version of a completed install, or None if absent or unfinished."""
    try:
        return json.loads((venv_dir / INSTALL_DONE_MARKER).read_text())["label_studio"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _install_into(venv_dir: Path, version: str) -> None:
    _remove_unfinished_install(venv_dir)
    venv_dir.mkdir(parents=True)
    # Written first, so a later retry knows this directory is ours to delete.
    (venv_dir / INSTALL_STARTED_MARKER).write_text(version)
    log_path = venv_dir.parent / f"{venv_dir.name}-install.log"
    console.print(
        f"Installing label-studio=={version} into its own virtualenv {venv_dir} (once; about a minute and ~1 GB)"
    )
    started = time.monotonic()
    with open(log_path, "w") as log:
        _run_install_step("create virtualenv", [sys.executable, "-m", "venv", str(venv_dir)], log)
        pip_install = [
            str(venv_dir / "bin" / "python"), "-m", "pip", "install",
            "--disable-pip-version-check", "--no-input", f"label-studio=={version}",
        ]  # fmt: skip
        _run_install_step("pip install", pip_install, log)
    seconds = time.monotonic() - started
    _write_json_atomically(
        venv_dir / INSTALL_DONE_MARKER,
        {"label_studio": version, "installed_at": time.time(), "install_seconds": round(seconds)},
    )
    console.print(f"[green]Installed label-studio {version}[/] in {seconds:.0f} s")


def _remove_unfinished_install(venv_dir: Path) -> None:
    """Delete a half-made install, but never a directory that we did not create."""
    if not venv_dir.exists():
        return
    ours = (venv_dir / INSTALL_STARTED_MARKER).exists() or not any(venv_dir.iterdir())
    if not ours:
        raise StudioInstallError(
            f"{venv_dir} exists but is not a Label Studio install made by newsdesk",
            hint=f"point {STUDIO_VENV_ENV} at a new directory, or remove {venv_dir}",
        )
    console.print(f"[yellow]Removing unfinished Label Studio install at {venv_dir}[/]")
    shutil.rmtree(venv_dir)


def _run_install_step(step: str, command: list[str], log: IO[str]) -> None:
    """Run one install command, streaming its output to the log and its last line to a spinner."""
    with console.status(f"{step} ...") as spinner:
        process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            env=_env_without(os.environ, ENV_VARS_KEPT_FROM_SERVER),
        )
        assert process.stdout is not None
        for line in process.stdout:
            log.write(line)
            if line.strip():
                spinner.update(f"{step}: {line.strip()[:90]}")
        returncode = process.wait()
    log.flush()
    if returncode != 0:
        raise StudioInstallError(
            f"installing Label Studio failed at '{step}' (exit code {returncode})",
            hint=f"read {log.name}; PyPI must be reachable. Running start again retries",
            details=_tail(Path(log.name)),
        )


# --------------------------------------------------------------------------- start


def start_studio(
    workspace: Path,
    port: int | None = None,
    *,
    timeout: float = HEALTH_TIMEOUT_SECONDS,
    database: str | None = None,
    lan: bool = False,
) -> StudioServer:
    """Start the workspace's Label Studio server, installing it first if needed.

    Idempotent: if the recorded server is still running it is returned as it is. With
    ``port=None`` a free port is chosen. ``database`` (``sqlite``, the default, or
    ``postgres``) is chosen at the first start and recorded (see annotation.postgres).
    ``lan`` serves every network interface instead of loopback only (and says so).
    Returns once ``/health`` answers on the port asked for and the server accepts this
    workspace's admin token, i.e. when it is ready to use.
    """
    from annotation.postgres import choose_database, postgres_target, record_choice

    paths = StudioPaths.for_workspace(workspace)
    _make_private(paths.root)
    with _file_lock(paths.lock_file):
        choice = choose_database(paths.workspace, database)
        running = _running_server(paths)
        if running is not None:
            return _already_running(running, paths, port, timeout)
        port = _port_to_use(paths) if port is None else _check_port_is_free(port)
        venv_dir = ensure_installed(paths.workspace)
        _write_json_atomically(
            paths.install_record, {"label_studio": installed_version(venv_dir), "venv": str(venv_dir)}
        )
        credentials = _load_or_create_credentials(paths)
        database_env = postgres_target(paths.workspace, choice).label_studio_env() if choice.kind == "postgres" else {}
        log_offset = paths.log_file.stat().st_size if paths.log_file.exists() else 0
        server = _spawn_server(paths, venv_dir, port, credentials, database_env, lan=lan)
        paths.last_port_file.write_text(str(port))
        started = time.monotonic()
        try:
            with console.status(f"Starting Label Studio on {server.url} (first start ~25 s)"):
                _wait_until_healthy(server, paths, timeout=timeout, log_offset=log_offset)
                _check_admin_token(server.url, credentials)
        except BaseException:
            _stop_process(server)
            paths.server_file.unlink(missing_ok=True)
            raise
        record_choice(paths.workspace, choice)
    console.print(
        f"[green]Label Studio {server.version} running[/] at {server.url} on {choice.kind} "
        f"(pid {server.pid}, ready in {time.monotonic() - started:.1f} s)"
    )
    if lan:
        console.print(
            f"[yellow]Serving the local network:[/] anyone who can reach this machine can open "
            f"http://{_lan_address()}:{server.port} (every interface, plain HTTP, no TLS). Signing up "
            "needs the organisation's invite link; add people with `newsdesk studio users add`. "
            "The database stays on loopback. Stop and start without --lan to close it again."
        )
    return server


def _lan_address() -> str:
    """This machine's address on its default route (a UDP socket is connected; nothing is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never routed anywhere
            return probe.getsockname()[0]
        except OSError:
            return "<this machine's address>"


def _port_to_use(paths: StudioPaths) -> int:
    """The port of the last start when it is free (annotators' bookmarks keep working), else any free one."""
    try:
        last = int(paths.last_port_file.read_text())
    except (OSError, ValueError):
        return _free_port()
    try:
        return _check_port_is_free(last)
    except StudioPortBusyError:
        return _free_port()


def _already_running(server: StudioServer, paths: StudioPaths, port: int | None, timeout: float) -> StudioServer:
    if port is not None and port != server.port:
        console.print(
            f"[yellow]Label Studio is already running on port {server.port}; stop it first to move it to port {port}[/]"
        )
    _wait_until_healthy(server, paths, timeout=timeout)
    console.print(f"Label Studio already running at {server.url} (pid {server.pid})")
    return server


def _spawn_server(
    paths: StudioPaths,
    venv_dir: Path,
    port: int,
    credentials: StudioCredentials,
    database_env: dict[str, str] | None = None,
    *,
    lan: bool = False,
) -> StudioServer:
    """Launch ``label-studio start`` in its own session so it outlives the CLI that started it."""
    for directory in (paths.data_dir, paths.home_dir):
        _make_private(directory, everything_inside=True)
    command = [
        str(paths.label_studio_bin), "start", "--no-browser",
        "--internal-host", LAN_HOST if lan else HOST, "--port", str(port),
    ]  # fmt: skip
    log_fd = os.open(paths.log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE_FILE_MODE)
    os.fchmod(log_fd, PRIVATE_FILE_MODE)  # a log made before may be readable by others
    with open(log_fd, "ab") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=paths.root,
            env={**_server_env(paths, venv_dir, credentials), **(database_env or {})},
            start_new_session=True,
            umask=SERVER_UMASK,
        )
    server = StudioServer(
        url=f"http://{HOST}:{port}",
        port=port,
        pid=process.pid,
        base_data_dir=paths.data_dir,
        venv=venv_dir,
        version=installed_version(venv_dir) or "unknown",
        started_at=time.time(),
        process_start_ticks=_process_start_ticks(process.pid),
    )
    _write_json_atomically(paths.server_file, server.to_json())
    return server


def _make_private(directory: Path, *, everything_inside: bool = False) -> None:
    """``directory`` (made if missing) readable by its owner alone; with ``everything_inside``, what it
    already holds too (a workspace from before this was done, a copy made with another umask)."""
    directory.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    directory.chmod(PRIVATE_DIR_MODE)
    if everything_inside:
        for inside, dirs, files in os.walk(directory):
            for name in dirs + files:
                path = Path(inside, name)
                if not path.is_symlink():
                    path.chmod(path.stat().st_mode & ~0o077 & 0o7777)


def _server_env(paths: StudioPaths, venv_dir: Path, credentials: StudioCredentials) -> dict[str, str]:
    env = _env_without(os.environ, ENV_VARS_KEPT_FROM_SERVER)
    env.update(
        {
            "PATH": f"{venv_dir / 'bin'}{os.pathsep}{env.get('PATH', '')}",
            "LABEL_STUDIO_BASE_DATA_DIR": str(paths.data_dir),
            # Creates the admin at the first start; later starts find it and leave it alone.
            "LABEL_STUDIO_USERNAME": credentials.email,
            "LABEL_STUDIO_PASSWORD": credentials.password,
            "LABEL_STUDIO_USER_TOKEN": credentials.token,
            # Read only when the organisation is created (first start): without it the
            # start-time token is refused for good.
            "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
            "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true",
            # Nothing calls home: no analytics, no version check, no error reporting.
            "COLLECT_ANALYTICS": "false",
            "LATEST_VERSION_CHECK": "false",
            "SENTRY_DSN": "",
            "FRONTEND_SENTRY_DSN": "",
            # Otherwise it writes under ~/.config and ~/.local/share.
            "XDG_CONFIG_HOME": str(paths.home_dir / "config"),
            "XDG_DATA_HOME": str(paths.home_dir / "data"),
            "XDG_CACHE_HOME": str(paths.home_dir / "cache"),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def _wait_until_healthy(
    server: StudioServer, paths: StudioPaths, *, timeout: float, log_offset: int | None = None
) -> None:
    """Poll ``/health`` on the port we asked for until it answers, the process dies, or time runs out.

    With ``log_offset``, the log written since then is watched for Label Studio announcing that
    it moved to another port, which it does silently when the port got taken meanwhile.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _health_answers(server.url):
            return
        if log_offset is not None and _log_says_port_moved(paths.log_file, log_offset, server.port):
            raise StudioPortBusyError(
                f"port {server.port} was taken while Label Studio was starting",
                hint="run start again, or choose another port with --port",
            )
        if not _is_our_process(server):
            raise StudioStartError(
                f"Label Studio exited before answering on {server.url}",
                hint=f"read {paths.log_file}",
                details=_log_tail_details(paths.log_file),
            )
        time.sleep(0.5)
    raise StudioStartError(
        f"Label Studio did not answer {server.url}/health within {timeout:.0f} s",
        hint=f"read {paths.log_file}; the first start runs migrations and may need longer",
        details=_log_tail_details(paths.log_file),
    )


def _log_says_port_moved(log_file: Path, offset: int, port: int) -> bool:
    try:
        with open(log_file, "rb") as log:
            log.seek(offset)
            recent = log.read().decode("utf-8", errors="replace")
    except OSError:
        return False
    return re.search(rf"Port {port} is in use", recent) is not None


def _check_admin_token(url: str, credentials: StudioCredentials) -> None:
    """Prove the server on our port is ours and usable: it must accept the workspace's token."""
    try:
        response = httpx.get(
            f"{url}/api/current-user/whoami",
            headers={"Authorization": f"Token {credentials.token}"},
            timeout=HTTP_TIMEOUT_SECONDS,
        )
    except httpx.HTTPError as error:
        raise StudioStartError(f"Label Studio at {url} stopped answering: {error!r}") from None
    if response.status_code != 200:
        raise StudioStartError(
            f"the server on {url} refused this workspace's admin token (HTTP {response.status_code})",
            hint="the token only takes effect when studio/data is first created with legacy "
            "tokens enabled; stop the server, remove the workspace's studio/data and start again",
        )


# --------------------------------------------------------------------------- stop and status


def stop_studio(workspace: Path, *, timeout: float = STOP_TIMEOUT_SECONDS) -> bool:
    """Stop the workspace's server by its recorded PID; return False if none was running."""
    from annotation.postgres import stop_managed_postgres

    paths = StudioPaths.for_workspace(workspace)
    if not paths.root.exists():
        return False
    with _file_lock(paths.lock_file):
        server = _read_server_record(paths)
        was_running = server is not None and _is_our_process(server)
        if was_running:
            _stop_process(server, timeout=timeout)
        paths.server_file.unlink(missing_ok=True)
        # After Label Studio, which holds connections to it.
        postgres_stopped = stop_managed_postgres(paths.workspace)
    if was_running:
        console.print(f"Stopped Label Studio (pid {server.pid})")
    if postgres_stopped:
        console.print("Stopped the workspace's PostgreSQL")
    return was_running


def studio_status(workspace: Path) -> StudioStatus:
    """Whether the workspace's server is running and answering ``/health``, and where."""
    from annotation.postgres import database_status

    paths = StudioPaths.for_workspace(workspace)
    server = _running_server(paths)
    version = installed_version(paths.venv_dir)
    return StudioStatus(
        database=database_status(paths.workspace),
        running=server is not None,
        healthy=server is not None and _health_answers(server.url),
        url=server.url if server else None,
        port=server.port if server else None,
        pid=server.pid if server else None,
        version=server.version if server else version,
        installed=version is not None,
        venv=paths.venv_dir,
        base_data_dir=paths.data_dir,
    )


def backup_studio(workspace: Path, out: Path | None = None) -> Path:
    """Write a restorable copy of the server's database (default: ``studio/backups/<time>.<kind>``)."""
    from annotation.postgres import backup_database, recorded_choice

    paths = StudioPaths.for_workspace(workspace)
    if out is None:
        kind = recorded_choice(paths.workspace) or None
        suffix = "pgdump" if kind is not None and kind.kind == "postgres" else "sqlite3"
        out = paths.root / "backups" / f"{time.strftime('%Y%m%dT%H%M%S')}.{suffix}"
    return backup_database(paths.workspace, out)


def restore_studio(workspace: Path, backup: Path) -> Path:
    """Put a backup in place of the server's database (the server must be stopped); the database
    it replaces is backed up first, and that backup's path is returned."""
    from annotation.postgres import restore_database

    paths = StudioPaths.for_workspace(workspace)
    with _file_lock(paths.lock_file):
        return restore_database(paths.workspace, backup, server_running=_running_server(paths) is not None)


def running_server(workspace: Path) -> StudioServer | None:
    """The workspace's server if it is running, else None."""
    return _running_server(StudioPaths.for_workspace(workspace))


def _stop_process(server: StudioServer, *, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
    """SIGTERM the server's process group, wait, then SIGKILL whatever is left."""
    if not _is_our_process(server):
        return
    # Started with start_new_session, so the server's PID is also its process group id.
    _signal_group(server.pid, signal.SIGTERM)
    if _wait_for_exit(server, timeout):
        return
    _signal_group(server.pid, signal.SIGKILL)
    _wait_for_exit(server, 5.0)


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signum)


def _wait_for_exit(server: StudioServer, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while _is_our_process(server):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _running_server(paths: StudioPaths) -> StudioServer | None:
    """The recorded server if its process is still alive; a stale record is removed."""
    server = _read_server_record(paths)
    if server is None:
        return None
    if _is_our_process(server):
        return server
    paths.server_file.unlink(missing_ok=True)
    return None


def _read_server_record(paths: StudioPaths) -> StudioServer | None:
    try:
        return StudioServer.from_json(json.loads(paths.server_file.read_text()))
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError):
        # A broken record cannot tell us which process to stop: treat it as no server.
        return None


def _is_our_process(server: StudioServer) -> bool:
    """True if the recorded PID is alive and is still the process we started."""
    _reap_if_our_child(server.pid)
    ticks = _process_start_ticks(server.pid)
    if ticks is None:
        return False
    return server.process_start_ticks is None or ticks == server.process_start_ticks


def _reap_if_our_child(pid: int) -> None:
    # When this Python process started the server, a dead server stays a zombie until reaped.
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def _process_start_ticks(pid: int) -> int | None:
    """The process's start time in clock ticks after boot; None if it is gone or a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Field 2 (the command name) may contain spaces; the fields after its ")" do not.
    fields_after_name = stat[stat.rindex(")") + 2 :].split()
    state, start_ticks = fields_after_name[0], fields_after_name[19]
    if state in ("Z", "X") and not _has_live_threads(pid):
        return None
    return int(start_ticks)


def _has_live_threads(pid: int) -> bool:
    # A multi-threaded server whose main thread has exited shows as a zombie while its other
    # threads, which may still hold the port, are shutting down.
    try:
        return len(os.listdir(f"/proc/{pid}/task")) > 1
    except OSError:
        return False


# --------------------------------------------------------------------------- clients


def studio_client(workspace: Path, *, verify: bool = True) -> LabelStudio:
    """An authenticated ``label_studio_sdk.LabelStudio`` client.

    A team's own server (``LABEL_STUDIO_URL`` + ``LABEL_STUDIO_API_KEY``) takes precedence over
    the workspace's local server; ``LABEL_STUDIO_API_KEY`` alone overrides the local admin token.
    With ``verify`` the key is checked once (``whoami``), so a wrong key fails here, clearly.
    The key is never logged or written anywhere by us.
    """
    url, api_key, key_source = _server_url_and_key(StudioPaths.for_workspace(workspace))
    client = _sdk_client(url, api_key, key_source)
    if verify:
        _verify_client(client, url, key_source)
    return client


def studio_url(workspace: Path) -> str:
    """The URL people open: the team's server, else the workspace's running one."""
    return _server_url_and_key(StudioPaths.for_workspace(workspace))[0]


def create_studio_user(workspace: Path, email: str, password: str | None = None) -> StudioUser:
    """Add a user (e.g. a second annotator) to the server and return a client acting as them.

    Label Studio 1.23 has no API that creates a user who can log in (``POST /api/users/``
    ignores the password and leaves the user outside every organisation), so this signs up
    through the organisation's invite link, as a person would, and then fetches the new user's
    own API token. If the user exists already, it logs in with ``password`` instead.
    """
    url, api_key, key_source = _server_url_and_key(StudioPaths.for_workspace(workspace))
    admin = _sdk_client(url, api_key, key_source)
    _verify_client(admin, url, key_source)
    invite_token = _organisation_invite_token(admin)
    password = password or secrets.token_urlsafe(18)
    with httpx.Client(base_url=url, timeout=HTTP_TIMEOUT_SECONDS) as browser:
        if not _sign_up(browser, email, password, invite_token):
            _log_in(browser, email, password)
        api_key = _users_own_api_key(browser, url)
    client = _sdk_client(url, api_key, key_source=f"the new user {email}")
    me = client.users.whoami()
    return StudioUser(id=me.id, email=me.email, client=client)


def _server_url_and_key(paths: StudioPaths) -> tuple[str, str, str]:
    """Where to connect, with which key, and a name for where the key came from."""
    team_url = os.environ.get(TEAM_URL_ENV, "").strip()
    env_key = os.environ.get(TEAM_API_KEY_ENV, "").strip()
    if team_url:
        if not env_key:
            raise StudioAuthError(
                f"{TEAM_URL_ENV} is set to {team_url} but {TEAM_API_KEY_ENV} is not set",
                hint=f"set {TEAM_API_KEY_ENV} to your access token from Label Studio's Account & Settings page",
            )
        return team_url.rstrip("/"), env_key, TEAM_API_KEY_ENV
    server = _running_server(paths)
    if server is None:
        raise StudioNotRunningError(
            f"no Label Studio server is running for workspace {paths.workspace}",
            hint=f"run `newsdesk studio start --workspace {paths.workspace}`, or set "
            f"{TEAM_URL_ENV} and {TEAM_API_KEY_ENV} to use your team's server",
        )
    if env_key:
        return server.url, env_key, TEAM_API_KEY_ENV
    return server.url, _load_credentials(paths).token, str(paths.credentials_file)


def _sdk_client(url: str, api_key: str, key_source: str) -> LabelStudio:
    try:
        return LabelStudio(base_url=url, api_key=api_key, timeout=HTTP_TIMEOUT_SECONDS)
    except ApiError as error:  # the SDK rejects an expired personal access token up front
        raise _auth_error(url, key_source, error.status_code) from None


def _verify_client(client: LabelStudio, url: str, key_source: str) -> None:
    try:
        client.users.whoami()
    except ApiError as error:
        if error.status_code in (401, 403):
            raise _auth_error(url, key_source, error.status_code) from None
        raise StudioUnreachableError(
            f"Label Studio at {url} answered HTTP {error.status_code} to whoami",
            hint=f"check that {TEAM_URL_ENV} points at a Label Studio server",
        ) from None
    except httpx.HTTPError as error:
        raise StudioUnreachableError(
            f"cannot reach Label Studio at {url} ({type(error).__name__})",
            hint=f"start it with `newsdesk studio start`, or correct {TEAM_URL_ENV}",
        ) from None


def _auth_error(url: str, key_source: str, status_code: int | None) -> StudioAuthError:
    hint = f"set {TEAM_API_KEY_ENV} to a valid access token for {url} (Account & Settings page)"
    if not os.environ.get(TEAM_URL_ENV, "").strip():
        hint += f", or unset {TEAM_API_KEY_ENV} to use the workspace's own admin token"
    return StudioAuthError(
        f"Label Studio at {url} refused the API key from {key_source} (HTTP {status_code})",
        hint=hint,
    )


def _organisation_invite_token(admin: LabelStudio) -> str:
    try:
        return admin.organizations.invites.get_invite_link().token
    except ApiError as error:
        raise StudioUserError(
            f"cannot read the organisation's invite link (HTTP {error.status_code})",
            hint="creating users needs the API key of an organisation owner or administrator",
        ) from None


def _sign_up(browser: httpx.Client, email: str, password: str, invite_token: str) -> bool:
    """Sign up through the invite link; False if a user with this email exists already."""
    browser.get("/user/signup/", params={"token": invite_token})
    response = browser.post(
        "/user/signup/",
        params={"token": invite_token},
        data={"email": email, "password": password, **_csrf_field(browser)},
        headers={"Referer": f"{browser.base_url}user/signup/"},
    )
    if response.status_code == 302:
        return True
    if response.status_code == 200 and "already exists" in response.text:
        return False
    raise StudioUserError(
        f"Label Studio refused to sign up {email} (HTTP {response.status_code})",
        hint="use a valid email and a password of at least 8 characters that is not too common",
    )


def _log_in(browser: httpx.Client, email: str, password: str) -> None:
    browser.get("/user/login/")
    response = browser.post(
        "/user/login/",
        data={"email": email, "password": password, **_csrf_field(browser)},
        headers={"Referer": f"{browser.base_url}user/login/"},
    )
    if response.status_code != 302:
        raise StudioUserError(
            f"user {email} exists already and the password given does not log in",
            hint="pass that user's password, or choose another email",
        )


def _csrf_field(browser: httpx.Client) -> dict[str, str]:
    return {"csrfmiddlewaretoken": browser.cookies.get("csrftoken", "")}


def _users_own_api_key(browser: httpx.Client, url: str) -> str:
    """The logged-in user's legacy token if the server accepts those, else a new personal token."""
    response = browser.get("/api/current-user/token")
    if response.status_code == 200:
        legacy_token = response.json()["token"]
        probe = httpx.get(
            f"{url}/api/current-user/whoami",
            headers={"Authorization": f"Token {legacy_token}"},
            timeout=HTTP_TIMEOUT_SECONDS,
        )
        if probe.status_code == 200:
            return legacy_token
    response = browser.post(
        "/api/token/",
        headers={"X-CSRFToken": browser.cookies.get("csrftoken", ""), "Referer": url},
    )
    if response.status_code != 201:
        raise StudioUserError(
            f"cannot get an API token for the new user (HTTP {response.status_code})",
            hint="enable legacy or personal access tokens in the organisation's settings",
        )
    return response.json()["token"]


# --------------------------------------------------------------------------- small helpers


def _load_or_create_credentials(paths: StudioPaths) -> StudioCredentials:
    """Generate the admin login and token once per workspace.

    Stored in plain text with mode 0600: this is our own local server, bound to 127.0.0.1, and
    we need the same values at every start and for every client we hand out.
    """
    if paths.credentials_file.exists():
        return _load_credentials(paths)
    credentials = StudioCredentials(
        email=ADMIN_EMAIL,
        password=secrets.token_urlsafe(24),
        token=secrets.token_hex(20),  # the 40-hex shape of a Label Studio legacy token
    )
    paths.root.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(paths.credentials_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(asdict(credentials), handle, indent=2)
    return credentials


def _load_credentials(paths: StudioPaths) -> StudioCredentials:
    try:
        return StudioCredentials(**json.loads(paths.credentials_file.read_text()))
    except (OSError, ValueError, TypeError) as error:
        raise StudioAuthError(
            f"cannot read the local server's credentials {paths.credentials_file} ({type(error).__name__})",
            hint="they are written at the first `newsdesk studio start`; if they are lost, stop "
            "the server, remove the workspace's studio/ folder (its annotations too) and start again",
        ) from None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _check_port_is_free(port: int) -> int:
    """Refuse a busy port up front, because Label Studio would silently move to the next one."""
    busy_error = StudioPortBusyError(
        f"port {port} on {HOST} is already in use",
        hint="choose another with --port, or leave --port out to pick a free one",
    )
    # Label Studio itself tests by connecting, so do the same, then make sure we could bind.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(1.0)
        if probe.connect_ex((HOST, port)) == 0:
            raise busy_error
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Django's server does
        try:
            probe.bind((HOST, port))
        except OSError:
            raise busy_error from None
    return port


def _health_answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False


def _file_lock(lock_path: Path) -> FileLock:
    """Serialise starts, stops and installs across processes (two terminals, pytest-xdist)."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    return FileLock(lock_path)


def _env_without(env: os._Environ | dict, names: tuple[str, ...]) -> dict[str, str]:
    return {key: value for key, value in env.items() if key not in names}


def _write_json_atomically(path: Path, record: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(record, indent=2))
    partial.replace(path)


def _log_tail_details(log_file: Path) -> str:
    return f"Last lines of {log_file}:\n{_tail(log_file)}"


def _tail(path: Path, lines: int = 20) -> str:
    try:
        with open(path, errors="replace") as handle:
            return "".join(deque(handle, maxlen=lines)).rstrip()
    except OSError:
        return "(no log)"
