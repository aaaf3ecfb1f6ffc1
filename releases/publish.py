"""Publish a built release to the Hugging Face Hub: one commit holding the release folder, tagged VERSION.

What reaches the Hub is exactly the immutable folder the build wrote. Before anything is sent the
folder is checked against its SHA256SUMS and searched for the token, and the Hub is asked whether
the tag exists (a published version never changes). The commit mirrors the folder: files of an
earlier version that this one no longer has are deleted in the same commit, so a card's
``data/<config>/<split>-*.parquet`` glob never picks up a stale shard. The tag points at that very
commit, so consumers pin it with ``load_dataset(repo, config, revision=VERSION)``.

The token is huggingface_hub's own (``get_token()``: ``HF_TOKEN``, else the token `hf auth login`
stored under ``HF_HOME``), or the ``token`` argument; it is passed to the client only and never
logged, printed or written.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from huggingface_hub import HfApi, get_token
from huggingface_hub import constants as hub_constants
from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError

from corpus.errors import Errors, NewsdeskError
from releases.settings import REPO_ID
from releases.versions import CHECKSUMS, SEMVER, verify_release

try:  # huggingface_hub 2.x talks through httpx2, 1.x through httpx
    from httpx2 import TransportError as HubUnreachable
except ImportError:  # pragma: no cover
    from httpx import TransportError as HubUnreachable

log = logging.getLogger(__name__)

TOKEN_ENV = "HF_TOKEN"
REPO_TYPE = "dataset"


@dataclass(frozen=True)
class ReleaseFile:
    path: str  # relative, with forward slashes: the path in the repository
    size: int


@dataclass
class PublishReport:
    """What was (or, with ``dry_run``, would be) sent, and where it landed."""

    repo_id: str
    version: str
    endpoint: str
    dry_run: bool
    private: bool
    files: list[ReleaseFile] = field(default_factory=list)
    repo_created: bool = False
    commit_oid: str | None = None
    commit_url: str | None = None
    seconds: float = 0.0

    @property
    def tag(self) -> str:
        return self.version

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)

    def load_snippet(self) -> str:
        return f'load_dataset("{self.repo_id}", revision="{self.version}")'

    def to_record(self) -> dict:
        return {
            "repo_id": self.repo_id,
            "repo_type": REPO_TYPE,
            "version": self.version,
            "tag": self.tag,
            "endpoint": self.endpoint,
            "dry_run": self.dry_run,
            "private": self.private,
            "repo_created": self.repo_created,
            "commit_oid": self.commit_oid,
            "commit_url": self.commit_url,
            "files": [{"path": f.path, "size": f.size} for f in self.files],
            "total_bytes": self.total_bytes,
            "seconds": round(self.seconds, 3),
        }


def release_files(release_dir: Path) -> tuple[str, list[ReleaseFile]]:
    """The release's version (from manifest.json) and its files, after checking it is intact.

    Refuses a missing folder (E303), a manifest that is missing, names no version or another
    version than the folder's name (E401), and a folder that does not match its SHA256SUMS: a
    changed, missing or unlisted file (E305, as `newsdesk release verify` reports it).
    """
    release_dir = Path(release_dir)
    if not release_dir.is_dir():
        raise NewsdeskError(Errors.E303, where=str(release_dir))
    manifest_path = release_dir / "manifest.json"
    try:
        version = json.loads(manifest_path.read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise NewsdeskError(Errors.E401, where=str(manifest_path), detail=type(exc).__name__) from exc
    if not isinstance(version, str) or not version:
        raise NewsdeskError(Errors.E401, where=str(manifest_path), detail="no version")
    if SEMVER.match(release_dir.name) and release_dir.name != version:
        raise NewsdeskError(
            Errors.E401,
            where=str(manifest_path),
            detail=f"it says version {version} but the folder is {release_dir.name}",
        )
    if not (release_dir / CHECKSUMS).is_file():
        raise NewsdeskError(Errors.E305, where=str(release_dir), detail=f"{CHECKSUMS} is missing")
    try:
        check = verify_release(release_dir)
    except ValueError as exc:
        raise NewsdeskError(Errors.E305, where=str(release_dir / CHECKSUMS), detail="malformed line") from exc
    if not check.ok:
        named = (
            [f"changed {n}" for n in check.changed]
            + [f"missing {n}" for n in check.missing]
            + [f"not listed {n}" for n in check.unlisted]
        )
        raise NewsdeskError(Errors.E305, where=str(release_dir), detail=", ".join(named))
    files = [
        ReleaseFile(p.relative_to(release_dir).as_posix(), p.stat().st_size)
        for p in sorted(release_dir.rglob("*"))
        if p.is_file()
    ]
    return version, files


def _contains(path: Path, needle: bytes) -> bool:
    """Whether the file holds ``needle``, read in blocks (a release can be large)."""
    overlap = b""
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            if needle in overlap + block:
                return True
            overlap = block[-(len(needle) - 1) :] if len(needle) > 1 else b""
    return False


def _refuse_token_in_release(release_dir: Path, files: list[ReleaseFile], token: str) -> None:
    for f in files:
        if _contains(release_dir / f.path, token.encode()):
            raise NewsdeskError(Errors.E402, where=str(release_dir / f.path))


def _hub_error(exc: BaseException, where: str, token: str) -> NewsdeskError:
    """The catalogue error for what the client raised; the detail never carries the token."""
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, (HfHubHTTPError, HubUnreachable)):
        cause = cause.__cause__ or cause.__context__
    if isinstance(cause, HubUnreachable):
        error, detail = Errors.E406, f"{type(cause).__name__}: {cause}"
    elif isinstance(cause, HfHubHTTPError) and cause.response is not None:
        status = cause.response.status_code
        error = Errors.E407 if status in (401, 403) else Errors.E408
        message = cause.server_message or str(cause).strip().splitlines()[0]
        detail = f"HTTP {status}: {message.strip()}"
    else:
        error, detail = Errors.E408, f"{type(exc).__name__}: {exc}"
    return NewsdeskError(error, where=where, detail=detail.replace(token, "***") if token else detail)


def _repository(release_dir: Path, repo_id: str | None) -> str:
    """The repository to publish to: the one given, else the one the release was built for; never another
    than that one, which the card's loading snippet names (a release built without one names none)."""
    built_for = json.loads((release_dir / "manifest.json").read_text(encoding="utf-8")).get("repo_id")
    repo_id = repo_id or built_for
    if not repo_id:
        raise NewsdeskError(
            Errors.E404,
            where=str(release_dir),
            detail="no repository given (--repo ORG/NAME), and the release was built without `repo_id`",
        )
    if not REPO_ID.match(repo_id) or "--" in repo_id or ".." in repo_id:
        raise NewsdeskError(Errors.E404, where=repo_id)
    if built_for and repo_id != built_for:
        raise NewsdeskError(
            Errors.E409, where=str(release_dir), detail=f"its card tells consumers to load {built_for}, not {repo_id}"
        )
    return repo_id


def publish_release(
    release_dir: Path,
    repo_id: str | None = None,
    token: str | None = None,
    endpoint: str | None = None,
    dry_run: bool = False,
    private: bool = False,
) -> PublishReport:
    """Upload ``release_dir`` to the dataset repository ``repo_id`` in one commit and tag it with its version.

    Args:
        release_dir: a built release folder (``<workspace>/releases/<VERSION>``); its manifest names the version.
        repo_id: ``ORG/NAME`` of the dataset repository; created (public unless ``private``) if missing.
            Default: the ``repo_id`` the release was built with (``[release]`` in newsdesk.toml), which
            its card's loading snippet names; a release built with one is published there only.
        token: a Hub write token; default: huggingface_hub's ``get_token()`` (``HF_TOKEN``, else the
            token `hf auth login` stored), required unless ``dry_run``.
        endpoint: the Hub's URL; default: ``HF_ENDPOINT`` or https://huggingface.co.
        dry_run: only check the release and report what would be sent; nothing is sent at all.
        private: create the repository private (an existing repository keeps its visibility).

    Returns the report: files and sizes, and for a real run the commit the tag points at.
    Raises ``NewsdeskError``: E303, E305, E401, E402 for the release; E403 without a token; E404
    for a bad or missing ``repo_id``; E409 for another repository than the release was built for;
    E405 when the version's tag already exists; E406-E408 when the Hub cannot be reached or says no.
    """
    started = time.monotonic()
    release_dir = Path(release_dir)
    version, files = release_files(release_dir)
    repo_id = _repository(release_dir, repo_id)
    token = token or get_token()
    if token:
        _refuse_token_in_release(release_dir, files, token)
    elif not dry_run:
        raise NewsdeskError(Errors.E403, where=f"{TOKEN_ENV}, {hub_constants.HF_TOKEN_PATH}")
    api = HfApi(endpoint=endpoint, token=token or False, library_name="newsdesk")
    report = PublishReport(repo_id, version, api.endpoint, dry_run, private, files)
    where = f"{repo_id}@{version}"
    if dry_run:
        report.seconds = time.monotonic() - started
        return report

    log.info("publishing release %s (%d files) to %s on %s", version, len(files), repo_id, api.endpoint)
    try:
        # Read-only first: a refused publish must not have written anything.
        try:
            refs = api.list_repo_refs(repo_id, repo_type=REPO_TYPE)
        except RepositoryNotFoundError:
            refs = None
        if refs is not None:
            existing = {t.name: t.target_commit for t in refs.tags}
            if version in existing:
                raise NewsdeskError(Errors.E405, where=where, detail=f"tag {version} -> commit {existing[version]}")
        report.repo_created = refs is None
        api.create_repo(repo_id, repo_type=REPO_TYPE, exist_ok=True, private=True if private else None)
        main = next((b.target_commit for b in refs.branches if b.name == "main"), None) if refs else None
        commit = api.upload_folder(
            folder_path=release_dir,
            repo_id=repo_id,
            repo_type=REPO_TYPE,
            commit_message=f"Release {version}",
            commit_description=f"newsdesk release {version}, {len(files)} files, checked against {CHECKSUMS}.",
            # Mirror the folder: drop what an earlier version had and this one has not.
            delete_patterns=["*"],
            # Fail instead of overwriting if someone committed since the tag check.
            parent_commit=main,
        )
        report.commit_oid, report.commit_url = commit.oid, commit.commit_url
        try:
            api.create_tag(
                repo_id, tag=version, tag_message=f"Release {version}", revision=commit.oid, repo_type=REPO_TYPE
            )
        except HfHubHTTPError as exc:
            if exc.response is not None and exc.response.status_code == 409:
                raise NewsdeskError(Errors.E405, where=where, detail="tagged by someone else meanwhile") from exc
            raise
    except NewsdeskError:
        raise
    except Exception as exc:  # the client's many error types, mapped onto the catalogue
        raise _hub_error(exc, where, token) from exc
    report.seconds = time.monotonic() - started
    log.info("published %s to %s: commit %s, tag %s", version, repo_id, report.commit_oid, version)
    return report
