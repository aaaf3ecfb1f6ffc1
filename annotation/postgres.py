"""The database under the managed Label Studio: SQLite (the default, one person) or PostgreSQL (a team).

PostgreSQL comes from one of two places:

- a server the user names: ``NEWSDESK_POSTGRES_URL=postgresql://USER:PASSWORD@HOST:PORT/DBNAME``
  (from the environment at every start, like any secret; only its password-free form is
  recorded);
- a server newsdesk runs for the workspace from an installed PostgreSQL (``initdb``,
  ``postgres``; Debian: ``apt-get install postgresql``, binaries in
  ``/usr/lib/postgresql/<version>/bin``; ``NEWSDESK_POSTGRES_BIN`` names another folder). Its
  cluster lives in ``studio/postgres/``, listens on 127.0.0.1 only, on a free port, with a
  generated password (``studio/postgres/credentials.json``, mode 0600), and is started and
  stopped by its recorded PID, as Label Studio is. PostgreSQL refuses to run as root, so
  under root the cluster belongs to the unprivileged ``postgres`` user.

The workspace's choice is recorded in ``studio/database.json`` at the first start and kept:
moving a workspace from one database to the other goes through ``studio backup``/``restore``.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import secrets
import shutil
import signal
import sqlite3
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from annotation.studio_errors import StudioError
from corpus.errors import Errors

DATABASES = ("sqlite", "postgres")
POSTGRES_URL_ENV = "NEWSDESK_POSTGRES_URL"
POSTGRES_BIN_ENV = "NEWSDESK_POSTGRES_BIN"
POSTGRES_SYSTEM_USER = "postgres"  # who runs a managed cluster when newsdesk runs as root
MANAGED_USER = "newsdesk"
MANAGED_DATABASE = "labelstudio"
HOST = "127.0.0.1"
READY_TIMEOUT_SECONDS = 60.0
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


class DatabaseError(StudioError):
    """The server's database cannot be set up, started, backed up or restored."""

    code = Errors.S008.code


@dataclass(frozen=True)
class DatabaseChoice:
    """What ``studio/database.json`` records: which database the workspace's server uses."""

    kind: str  # sqlite | postgres
    managed: bool = False  # postgres: run by newsdesk in studio/postgres
    url: str | None = None  # postgres named by the user, without its password

    def describe(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v not in (None, False) or k == "kind"}


@dataclass(frozen=True)
class PostgresTarget:
    """Where Label Studio connects (the password only in memory)."""

    host: str
    port: int
    user: str
    password: str
    name: str

    def __repr__(self) -> str:
        return f"PostgresTarget({self.user}@{self.host}:{self.port}/{self.name})"

    def safe_url(self) -> str:
        """The URL without its password: what may be recorded and shown."""
        return f"postgresql://{quote(self.user)}@{self.host}:{self.port}/{self.name}"

    def label_studio_env(self) -> dict[str, str]:
        return {
            "DJANGO_DB": "default",
            "POSTGRE_HOST": self.host,
            "POSTGRE_PORT": str(self.port),
            "POSTGRE_USER": self.user,
            "POSTGRE_PASSWORD": self.password,
            "POSTGRE_NAME": self.name,
        }

    def client_env(self) -> dict[str, str]:
        """For pg_dump/pg_restore: the password through the environment, never the command line."""
        return {**os.environ, "PGPASSWORD": self.password, "PGCONNECT_TIMEOUT": "10"}

    def client_args(self) -> list[str]:
        return ["--host", self.host, "--port", str(self.port), "--username", self.user, "--dbname", self.name]


# --------------------------------------------------------------------------- the workspace's choice


def _studio_root(workspace: Path) -> Path:
    return Path(workspace).resolve() / "studio"


def _choice_file(workspace: Path) -> Path:
    return _studio_root(workspace) / "database.json"


def recorded_choice(workspace: Path) -> DatabaseChoice | None:
    try:
        return DatabaseChoice(**json.loads(_choice_file(workspace).read_text()))
    except (OSError, ValueError, TypeError):
        return None


def choose_database(workspace: Path, asked: str | None) -> DatabaseChoice:
    """The database to start on: the one recorded, or the one asked for at the first start."""
    recorded = recorded_choice(workspace)
    if recorded is None and sqlite_path(workspace).exists():
        recorded = DatabaseChoice("sqlite")  # a workspace started before the choice was recorded
    if asked is not None and asked not in DATABASES:
        raise DatabaseError(f"unknown database {asked!r}", hint=f"use one of: {', '.join(DATABASES)}")
    if recorded is not None:
        if asked is not None and asked != recorded.kind:
            raise DatabaseError(
                f"this workspace's Label Studio runs on {recorded.kind}, not {asked}",
                hint="to move it: `newsdesk studio backup`, start a new workspace with --database "
                f"{asked}, and `newsdesk studio restore` there (same database kind only), or leave --database out",
            )
        if recorded.kind == "postgres" and not recorded.managed and not os.environ.get(POSTGRES_URL_ENV):
            raise DatabaseError(
                f"this workspace's Label Studio runs on PostgreSQL at {recorded.url}, but "
                f"{POSTGRES_URL_ENV} is not set",
                hint=f"set {POSTGRES_URL_ENV} (with the password)",
            )
        return recorded
    if asked == "postgres":
        url = os.environ.get(POSTGRES_URL_ENV, "").strip()
        choice = (
            DatabaseChoice("postgres", url=_parse_url(url).safe_url())
            if url
            else DatabaseChoice("postgres", managed=True)
        )
    else:
        choice = DatabaseChoice("sqlite")
    return choice


def record_choice(workspace: Path, choice: DatabaseChoice) -> None:
    path = _choice_file(workspace)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(asdict(choice), indent=2))
    partial.replace(path)


def database_status(workspace: Path) -> dict:
    """What ``studio status --json`` says about the database."""
    choice = recorded_choice(workspace) or DatabaseChoice("sqlite")
    status = choice.describe()
    if choice.kind == "sqlite":
        status["path"] = str(sqlite_path(workspace))
    elif choice.managed:
        server = _read_record(workspace)
        running = server is not None and _alive(server)
        status.update(
            {
                "host": HOST,
                "port": server["port"] if server else None,
                "name": MANAGED_DATABASE,
                "pid": server["pid"] if running else None,
                "running": running,
                "data_dir": str(_pg_root(workspace) / "data"),
            }
        )
    return status


def sqlite_path(workspace: Path) -> Path:
    return _studio_root(workspace) / "data" / "label_studio.sqlite3"


# --------------------------------------------------------------------------- a PostgreSQL the user names


def _parse_url(url: str) -> PostgresTarget:
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql") or not parts.hostname:
        raise DatabaseError(
            f"{POSTGRES_URL_ENV} is not a PostgreSQL URL", hint="use postgresql://USER:PASSWORD@HOST:PORT/DBNAME"
        )
    return PostgresTarget(
        host=parts.hostname,
        port=parts.port or 5432,
        user=unquote(parts.username or "postgres"),
        password=unquote(parts.password or ""),
        name=parts.path.lstrip("/") or "postgres",
    )


def postgres_target(workspace: Path, choice: DatabaseChoice) -> PostgresTarget:
    """Where Label Studio's PostgreSQL is, starting the managed one first if it is not running."""
    if not choice.managed:
        return _parse_url(os.environ.get(POSTGRES_URL_ENV, "").strip())
    return start_managed_postgres(workspace)


# --------------------------------------------------------------------------- a PostgreSQL newsdesk runs


def _pg_root(workspace: Path) -> Path:
    return _studio_root(workspace) / "postgres"


def _record_file(workspace: Path) -> Path:
    return _pg_root(workspace) / "server.json"


def _credentials_file(workspace: Path) -> Path:
    return _pg_root(workspace) / "credentials.json"


def postgres_bin_dir() -> Path:
    """The folder with initdb and postgres: $NEWSDESK_POSTGRES_BIN, PATH, or Debian's newest."""
    chosen = os.environ.get(POSTGRES_BIN_ENV, "").strip()
    candidates = [Path(chosen)] if chosen else []
    on_path = shutil.which("initdb")
    if on_path and not chosen:
        candidates.append(Path(on_path).resolve().parent)
    if not chosen:
        debian = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: _version_key(p.parent.name))
        candidates.extend(reversed(debian))
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "postgres").exists():
            return folder
    raise DatabaseError(
        "no PostgreSQL server installed (initdb and postgres not found)",
        hint="install it (Debian/Ubuntu: `apt-get install postgresql`; macOS: `brew install postgresql`), set "
        f"{POSTGRES_BIN_ENV} to the folder holding initdb, or name a server with {POSTGRES_URL_ENV}",
    )


def _version_key(name: str) -> tuple:
    return tuple(int(p) if p.isdigit() else 0 for p in name.split("."))


def _server_user() -> pwd.struct_passwd | None:
    """None when we may run PostgreSQL ourselves; the ``postgres`` account when we are root."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(POSTGRES_SYSTEM_USER)
    except KeyError:
        raise DatabaseError(
            "PostgreSQL refuses to run as root and there is no 'postgres' user to run it as",
            hint="run newsdesk as an ordinary user, or install PostgreSQL's package, which creates that user",
        ) from None


def _let_through(workspace: Path, account: pwd.struct_passwd | None) -> None:
    """The studio folder is private (0700: it holds the admin token and e-mails); the account that
    runs PostgreSQL may pass through it (o+x, 0711: no listing, no reading) to the cluster it owns."""
    if account is None:
        return
    studio = _pg_root(workspace).parent
    if studio.exists() and studio.stat().st_uid == os.geteuid():
        studio.chmod(studio.stat().st_mode | 0o001)


def _check_reachable(folder: Path, account: pwd.struct_passwd) -> None:
    """Under root, the postgres account must be able to walk down to the workspace."""
    for parent in [folder, *folder.parents]:
        if not parent.exists():
            continue
        mode = parent.stat().st_mode
        if parent.stat().st_uid != account.pw_uid and not mode & 0o001:
            raise DatabaseError(
                f"the '{account.pw_name}' user that runs PostgreSQL cannot enter {parent}",
                hint=f"put the workspace where others may enter its folders (chmod o+x {parent}), or run "
                "newsdesk as an ordinary user",
            )


def _run(
    command: list[str], account: pwd.struct_passwd | None, *, env: dict | None = None, what: str
) -> subprocess.CompletedProcess:
    as_user = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []} if account else {}
    result = subprocess.run(
        command, capture_output=True, text=True, stdin=subprocess.DEVNULL, env=env, timeout=300, **as_user
    )
    if result.returncode != 0:
        raise DatabaseError(
            f"{what} failed (exit code {result.returncode})",
            hint="see the output below",
            details=(result.stderr or result.stdout)[-2000:],
        )
    return result


def _load_or_create_password(workspace: Path) -> str:
    path = _credentials_file(workspace)
    if path.exists():
        return json.loads(path.read_text())["password"]
    path.parent.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(24)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump({"user": MANAGED_USER, "password": password}, handle)
    return password


def _init_cluster(workspace: Path, bin_dir: Path, account: pwd.struct_passwd | None, password: str) -> None:
    """initdb once; a cluster half made by an interrupted run is removed and made again."""
    root, data = _pg_root(workspace), _pg_root(workspace) / "data"
    if (data / "PG_VERSION").exists() and (root / ".initialised").exists():
        return
    if data.exists():
        shutil.rmtree(data)
    root.mkdir(parents=True, exist_ok=True)
    data.mkdir(mode=0o700)
    pwfile = root / ".initdb-password"
    descriptor = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(password + "\n")
    if account is not None:
        _check_reachable(root, account)
        for path in (root, data, pwfile):
            os.chown(path, account.pw_uid, account.pw_gid)
    try:
        _run(
            [
                str(bin_dir / "initdb"),
                "--pgdata",
                str(data),
                "--username",
                MANAGED_USER,
                "--pwfile",
                str(pwfile),
                "--auth",
                "scram-sha-256",
                "--encoding",
                "UTF8",
                "--locale",
                "C",
            ],
            account,
            what="initdb",
        )
    finally:
        pwfile.unlink(missing_ok=True)
    (root / ".initialised").write_text(str(bin_dir))


def start_managed_postgres(workspace: Path) -> PostgresTarget:
    """Start the workspace's PostgreSQL (idempotent) and return where it listens."""
    password = _load_or_create_password(workspace)
    running = _read_record(workspace)
    if running is not None and _alive(running):
        return _managed_target(running["port"], password)
    bin_dir = _cluster_bin_dir(workspace) or postgres_bin_dir()
    account = _server_user()
    _let_through(workspace, account)
    _init_cluster(workspace, bin_dir, account, password)
    port = _free_port()
    log = _pg_root(workspace) / "server.log"
    as_user = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []} if account else {}
    with open(log, "ab") as handle:
        if account is not None:
            os.chown(log, account.pw_uid, account.pw_gid)
        process = subprocess.Popen(
            [
                str(bin_dir / "postgres"),
                "-D",
                str(_pg_root(workspace) / "data"),
                "-p",
                str(port),
                "-c",
                f"listen_addresses={HOST}",
                "-c",
                "unix_socket_directories=",
                "-c",
                "max_connections=200",
            ],
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            **as_user,
        )
    record = {"pid": process.pid, "port": port, "start_ticks": _start_ticks(process.pid), "bin_dir": str(bin_dir)}
    _write_record(workspace, record)
    _wait_until_ready(workspace, bin_dir, record, log)
    target = _managed_target(port, password)
    _ensure_database(bin_dir, target)
    return target


def _cluster_bin_dir(workspace: Path) -> Path | None:
    """The binaries that made the cluster: a newer PostgreSQL installed later cannot open it."""
    try:
        made_by = Path((_pg_root(workspace) / ".initialised").read_text().strip())
    except OSError:
        return None
    return made_by if (made_by / "postgres").exists() else None


def _managed_target(port: int, password: str) -> PostgresTarget:
    return PostgresTarget(HOST, port, MANAGED_USER, password, MANAGED_DATABASE)


def _wait_until_ready(workspace: Path, bin_dir: Path, record: dict, log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        ready = subprocess.run(
            [str(bin_dir / "pg_isready"), "--host", HOST, "--port", str(record["port"]), "--timeout", "2"],
            capture_output=True,
        )
        if ready.returncode == 0:
            return
        if not _alive(record):
            break
        time.sleep(0.3)
    stop_managed_postgres(workspace)
    raise DatabaseError("the workspace's PostgreSQL did not start", hint=f"read {log}", details=_tail(log))


def _ensure_database(bin_dir: Path, target: PostgresTarget) -> None:
    """Create Label Studio's database once (``createdb`` answers 'already exists' afterwards)."""
    admin = PostgresTarget(target.host, target.port, target.user, target.password, "postgres")
    result = subprocess.run(
        [str(bin_dir / "createdb"), "--host", HOST, "--port", str(target.port), "--username", target.user, target.name],
        capture_output=True,
        text=True,
        env=admin.client_env(),
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    if result.returncode != 0 and "already exists" not in result.stderr:
        raise DatabaseError(f"cannot create the database {target.name}", details=result.stderr[-2000:])


def stop_managed_postgres(workspace: Path, timeout: float = 30.0) -> bool:
    """Fast shutdown (SIGINT) of the recorded PostgreSQL, by its PID; False if it was not running."""
    record = _read_record(workspace)
    if record is None or not _alive(record):
        _record_file(workspace).unlink(missing_ok=True)
        return False
    with contextlib.suppress(ProcessLookupError):
        os.kill(record["pid"], signal.SIGINT)
    deadline = time.monotonic() + timeout
    while _alive(record) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _alive(record):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(record["pid"], signal.SIGKILL)
    _record_file(workspace).unlink(missing_ok=True)
    return True


def _read_record(workspace: Path) -> dict | None:
    try:
        return json.loads(_record_file(workspace).read_text())
    except (OSError, ValueError):
        return None


def _write_record(workspace: Path, record: dict) -> None:
    path = _record_file(workspace)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(record))
    partial.replace(path)


def _alive(record: dict) -> bool:
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(record["pid"], os.WNOHANG)
    ticks = _start_ticks(record["pid"])
    return ticks is not None and ticks == record.get("start_ticks", ticks)


def _start_ticks(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return None if fields[0] in ("Z", "X") else int(fields[19])


def _free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# --------------------------------------------------------------------------- backup and restore


def backup_database(workspace: Path, out: Path) -> Path:
    """Write a restorable copy of the workspace's Label Studio database to ``out`` (atomically).

    SQLite: the sqlite3 backup API (consistent while the server runs). PostgreSQL: ``pg_dump``
    in its custom format (``pg_restore`` reads it)."""
    choice = recorded_choice(workspace) or DatabaseChoice("sqlite")
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    partial.unlink(missing_ok=True)
    # It holds password hashes and API tokens: readable by its owner only.
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    if choice.kind == "sqlite":
        source_path = sqlite_path(workspace)
        if not source_path.exists():
            raise DatabaseError(
                f"no Label Studio database at {source_path}", hint="start the server once with `newsdesk studio start`"
            )
        with (
            contextlib.closing(sqlite3.connect(source_path)) as source,
            contextlib.closing(sqlite3.connect(partial)) as copy,
        ):
            source.backup(copy)
    else:
        target = postgres_target(workspace, choice)
        _run(
            [
                str(_client_bin("pg_dump")),
                "--format",
                "custom",
                "--no-owner",
                "--no-privileges",
                "--file",
                str(partial),
                *target.client_args(),
            ],
            None,
            env=target.client_env(),
            what="pg_dump",
        )
    partial.replace(out)
    return out


def restore_database(workspace: Path, backup: Path, *, server_running: bool) -> Path:
    """Replace the workspace's Label Studio database with ``backup``; the current one is backed up
    first (its path is returned), so a restore loses nothing. The server must be stopped."""
    backup = Path(backup).resolve()
    if server_running:
        raise DatabaseError("Label Studio is running", hint="stop it with `newsdesk studio stop`, restore, start it")
    try:
        magic = backup.open("rb").read(16)
    except OSError as error:
        raise DatabaseError(f"cannot read the backup {backup} ({error.strerror})") from None
    choice = recorded_choice(workspace) or DatabaseChoice("sqlite")
    kind = "sqlite" if magic.startswith(SQLITE_MAGIC) else "postgres" if magic.startswith(PG_DUMP_MAGIC) else None
    if kind is None:
        raise DatabaseError(
            f"{backup} is neither a SQLite database nor a pg_dump archive",
            hint="give a file written by `newsdesk studio backup`",
        )
    if kind != choice.kind:
        raise DatabaseError(
            f"{backup} is a {kind} backup but this workspace's Label Studio runs on {choice.kind}",
            hint=f"restore it into a workspace started with --database {kind}",
        )
    stamp = time.strftime("%Y%m%dT%H%M%S")
    before = (
        _studio_root(workspace) / "backups" / f"before-restore-{stamp}.{'sqlite3' if kind == 'sqlite' else 'pgdump'}"
    )
    if kind == "sqlite":
        current = sqlite_path(workspace)
        if current.exists():
            backup_database(workspace, before)
        current.parent.mkdir(parents=True, exist_ok=True)
        partial = current.with_name(f".{current.name}.partial")
        shutil.copyfile(backup, partial)
        for stale in (current.with_name(current.name + "-wal"), current.with_name(current.name + "-shm")):
            stale.unlink(missing_ok=True)
        partial.replace(current)
    else:
        backup_database(workspace, before)
        target = postgres_target(workspace, choice)
        _run(
            [
                str(_client_bin("pg_restore")),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                *target.client_args(),
                str(backup),
            ],
            None,
            env=target.client_env(),
            what="pg_restore",
        )
    return before


def _client_bin(name: str) -> Path:
    found = shutil.which(name)
    if found:
        return Path(found)
    try:
        return postgres_bin_dir() / name
    except DatabaseError:
        raise DatabaseError(
            f"{name} not found", hint="install PostgreSQL's client tools (Debian: `apt-get install postgresql-client`)"
        ) from None
