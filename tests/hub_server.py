"""A local stand-in for the Hugging Face Hub: the API subset huggingface_hub and datasets use, on loopback.

Write side (what `HfApi.create_repo / upload_folder / create_tag / list_repo_refs` send):

    POST /api/repos/create                                   create a repo (409 if it exists)
    GET  /api/whoami-v2                                      who the token belongs to (`hf auth login` asks)
    POST /api/validate-yaml                                  the card's YAML front matter (licence ids, configs)
    POST /api/{type}s/{repo}/preupload/{rev}                 which files go through LFS, remote oids
    POST /{type}s/{repo}.git/info/lfs/objects/batch          LFS batch: where to PUT each object
    PUT  /lfs-storage/{sha256}                               the "S3" upload of one LFS object
    POST /{type}s/{repo}.git/info/lfs/objects/verify         LFS verify step
    POST /api/{type}s/{repo}/commit/{rev}                    NDJSON commit: header, file, lfsFile, deleted*
    POST /api/{type}s/{repo}/tag/{rev}                       create a tag (409 if it exists)
    GET  /api/{type}s/{repo}/refs                            branches and tags

Read side (what `datasets.load_dataset(repo, config, revision=...)` and `hf_hub_download` ask):

    GET  /api/{type}s/{repo}[/revision/{rev}]                repo info at a revision (sha, siblings, cardData)
    GET  /api/{type}s/{repo}/tree/{rev}[/{path}]             tree listing (recursive, expand)
    POST /api/{type}s/{repo}/paths-info/{rev}                info on given paths
    HEAD|GET /{type}s/{repo}/resolve/{rev}/{path}            file bytes, with X-Repo-Commit, ETag, Range

Every request is recorded (`LocalHub.requests`) and checked; a check that fails is answered the
way the Hub would (4xx) *and* written to `LocalHub.problems`, so a test can assert there were none.
Repositories live in memory as real commits (full-tree snapshots), branches and tags, so what is
served back per revision is exactly what the client committed. Everything else answers 404 and is
listed in `LocalHub.unhandled`. The Xet storage protocol is not emulated (see tests/test_publish.py).
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import json
import re
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, unquote, urlsplit

import yaml

from releases.settings import HUB_LICENSES

DEFAULT_GITATTRIBUTES = "".join(
    f"{pattern} filter=lfs diff=lfs merge=lfs -text\n"
    for pattern in ("*.parquet", "*.arrow", "*.bin", "*.gz", "*.zip", "*.zst")
)
LFS_SIZE_THRESHOLD = 10 * 1024 * 1024  # the Hub sends bigger files through LFS whatever their name


def git_blob_oid(content: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


@dataclass(frozen=True)
class Blob:
    content: bytes
    lfs: bool

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def pointer(self) -> bytes:
        return (
            f"version https://git-lfs.github.com/spec/v1\noid sha256:{self.sha256}\nsize {len(self.content)}\n".encode()
        )

    @property
    def oid(self) -> str:
        """The git object id: of the content, or of the LFS pointer for LFS files (as on the Hub)."""
        return git_blob_oid(self.pointer if self.lfs else self.content)

    @property
    def remote_oid(self) -> str:
        """What preupload reports, compared by huggingface_hub to its local oid to skip unchanged files."""
        return self.sha256 if self.lfs else git_blob_oid(self.content)

    @property
    def etag(self) -> str:
        return self.sha256 if self.lfs else self.oid


@dataclass
class Commit:
    oid: str
    parent: str | None
    title: str
    description: str
    date: str
    files: dict[str, Blob]
    operations: list[dict] = field(default_factory=list)  # the NDJSON lines, as received


@dataclass
class Repo:
    repo_type: str
    repo_id: str
    private: bool
    commits: dict[str, Commit] = field(default_factory=dict)
    branches: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    preuploaded: dict[str, dict] = field(default_factory=dict)  # path -> {"size", "sample", "mode"}

    def resolve(self, revision: str) -> Commit | None:
        oid = self.branches.get(revision) or self.tags.get(revision)
        if oid is None and re.fullmatch(r"[0-9a-f]{40}", revision):
            oid = revision
        return self.commits.get(oid) if oid else None


@dataclass
class RecordedRequest:
    method: str
    path: str  # as sent (percent-encoded), without the query
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    status: int = 0

    @property
    def json(self):
        return json.loads(self.body)

    @property
    def authorization(self) -> str | None:
        return self.headers.get("authorization")

    def __repr__(self) -> str:
        return f"<{self.method} {self.path} -> {self.status}>"


class HubError(Exception):
    def __init__(
        self, status: int, message: str, code: str | None = None, problem: bool = False, extra: dict | None = None
    ):
        super().__init__(message)
        self.status, self.message, self.code, self.problem = status, message, code, problem
        self.extra = extra or {}


class LocalHub:
    """State and checks of the local Hub; `serve()` puts it on a free loopback port."""

    def __init__(self, token: str, lfs_patterns: tuple[str, ...] = ("*.parquet",)):
        self.token = token
        # Which files preupload sends through LFS. The real Hub decides from .gitattributes and size;
        # an empty tuple makes every small file "regular" (no LFS / Xet transfer at all).
        self.lfs_patterns = lfs_patterns
        self.repos: dict[tuple[str, str], Repo] = {}
        self.lfs_objects: dict[str, bytes] = {}
        self.lfs_announced: dict[str, int] = {}  # sha256 -> size, from LFS batch requests
        self.requests: list[RecordedRequest] = []
        self.problems: list[str] = []
        self.unhandled: list[str] = []
        self.lock = threading.RLock()
        self.url = ""
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -----------------------------------------------------------------------------

    def serve(self) -> LocalHub:
        hub = self

        class Handler(_HubHandler):
            local_hub = hub

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="local-hub", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    # --- what tests look at ----------------------------------------------------------------------

    def repo(self, repo_id: str, repo_type: str = "dataset") -> Repo:
        return self.repos[(repo_type, repo_id)]

    def files_at(self, repo_id: str, revision: str, repo_type: str = "dataset") -> dict[str, bytes]:
        commit = self.repo(repo_id, repo_type).resolve(revision)
        return {path: blob.content for path, blob in commit.files.items()}

    def calls(self, since: int = 0) -> list[tuple[str, str]]:
        return [(r.method, r.path) for r in self.requests[since:]]

    # --- dispatch ----------------------------------------------------------------------------------

    def handle(self, req: RecordedRequest) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            self.requests.append(req)
            try:
                status, headers, body = self._route(req)
            except HubError as exc:
                if exc.problem:
                    self.problems.append(f"{req.method} {req.path}: {exc.message}")
                headers = {"X-Error-Message": exc.message}
                if exc.code:
                    headers["X-Error-Code"] = exc.code
                status, body = exc.status, json.dumps({"error": exc.message, **exc.extra}).encode()
                headers["Content-Type"] = "application/json"
            req.status = status
            return status, headers, body

    def _route(self, req: RecordedRequest):
        m, p = req.method, req.path
        if m == "POST" and p == "/api/repos/create":
            return self._create_repo(req)
        if m == "POST" and p == "/api/validate-yaml":
            return self._validate_yaml(req)
        if m == "GET" and p == "/api/whoami-v2":  # what `hf auth login` asks before it stores a token
            self._check_auth(req, required=True)
            return _json(
                {
                    "type": "user",
                    "name": "acme-maintainer",
                    "auth": {"type": "access_token", "accessToken": {"displayName": "newsdesk-tests", "role": "write"}},
                }
            )
        if m == "PUT" and p.startswith("/lfs-storage/"):
            return self._lfs_put(req, p.removeprefix("/lfs-storage/"))
        if match := re.fullmatch(r"/(\w+)s/([^/]+/[^/]+)\.git/info/lfs/objects/(batch|verify)", p):
            repo = self._repo_for_write(req, match[1], match[2])
            return self._lfs_batch(req, repo) if match[3] == "batch" else self._lfs_verify(req, repo)
        if match := re.fullmatch(r"/api/(\w+)s/([^/]+/[^/]+)(?:/(\w[\w-]*)(?:/(.*))?)?", p):
            repo_type, repo_id, action, rest = match[1], match[2], match[3], match[4] or ""
            if action in ("preupload", "commit", "tag"):
                if m != "POST":
                    raise HubError(405, f"{m} not allowed")
                repo = self._repo_for_write(req, repo_type, repo_id)
                return getattr(self, f"_{action}")(req, repo, unquote(rest))
            repo = self._repo_for_read(req, repo_type, repo_id)
            if m == "GET" and action is None:
                return self._info(req, repo, "main")
            if m == "GET" and action == "revision":
                return self._info(req, repo, unquote(rest))
            if m == "GET" and action == "refs":
                return self._refs(repo)
            if m == "GET" and action == "tree":
                revision, _, path = rest.partition("/")
                return self._tree(req, repo, unquote(revision), unquote(path))
            if m == "POST" and action == "paths-info":
                return self._paths_info(req, repo, unquote(rest))
        if m in ("GET", "HEAD") and (match := re.fullmatch(r"/(\w+)s/([^/]+/[^/]+)/resolve/([^/]+)/(.+)", p)):
            repo = self._repo_for_read(req, match[1], match[2])
            return self._resolve(req, repo, unquote(match[3]), unquote(match[4]))
        self.unhandled.append(f"{m} {p}")
        raise HubError(404, "not emulated by the local Hub")

    # --- auth and lookup ------------------------------------------------------------------------

    def _check_auth(self, req: RecordedRequest, required: bool) -> bool:
        auth = req.authorization
        if auth is None:
            if required:
                raise HubError(401, "You must be authenticated to do this")
            return False
        if auth != f"Bearer {self.token}":
            raise HubError(401, "Invalid credentials in Authorization header")
        return True

    def _repo_for_write(self, req: RecordedRequest, repo_type: str, repo_id: str) -> Repo:
        self._check_auth(req, required=True)
        if repo_type != "dataset":
            self.problems.append(f"{req.method} {req.path}: repo type {repo_type!r}, expected 'dataset'")
        repo = self.repos.get((repo_type, repo_id))
        if repo is None:
            raise HubError(404, "Repository not found", "RepoNotFound")
        return repo

    def _repo_for_read(self, req: RecordedRequest, repo_type: str, repo_id: str) -> Repo:
        authed = self._check_auth(req, required=False)
        repo = self.repos.get((repo_type, repo_id))
        if repo is None or (repo.private and not authed):
            raise HubError(404, "Repository not found", "RepoNotFound")
        return repo

    def _commit_at(self, repo: Repo, revision: str) -> Commit:
        commit = repo.resolve(revision)
        if commit is None:
            raise HubError(404, f"Invalid rev id: {revision}", "RevisionNotFound")
        return commit

    # --- write endpoints --------------------------------------------------------------------------

    def _create_repo(self, req: RecordedRequest):
        self._check_auth(req, required=True)
        payload = req.json
        repo_type = payload.get("type") or "model"
        if repo_type != "dataset":
            self.problems.append(f"create repo: type {repo_type!r}, expected 'dataset'")
        if not payload.get("organization") or not payload.get("name"):
            raise HubError(400, "organization and name are required", problem=True)
        repo_id = f"{payload['organization']}/{payload['name']}"
        url = f"{self.url}/{repo_type}s/{repo_id}"
        if (repo_type, repo_id) in self.repos:
            raise HubError(409, "You already created this dataset repo", extra={"url": url})
        repo = Repo(repo_type, repo_id, private=payload.get("visibility") == "private")
        # The Hub creates a repo with a first commit holding .gitattributes.
        self._new_commit(
            repo, "main", "initial commit", "", {".gitattributes": Blob(DEFAULT_GITATTRIBUTES.encode(), lfs=False)}, []
        )
        self.repos[(repo_type, repo_id)] = repo
        return _json({"url": url, "name": repo_id, "id": secrets.token_hex(12)})

    def _validate_yaml(self, req: RecordedRequest):
        self._check_auth(req, required=False)
        payload = req.json
        errors = []
        if payload.get("repoType") != "dataset":
            self.problems.append(f"validate-yaml: repoType {payload.get('repoType')!r}")
        match = re.match(r"^---\n(.*?)\n---\n", payload.get("content", ""), re.S)
        try:
            meta = yaml.safe_load(match[1]) if match else {}
            licenses = (meta or {}).get("license")
            for license in licenses if isinstance(licenses, list) else [licenses] if licenses else []:
                if license not in HUB_LICENSES:  # the Hub takes only the ids of its licence list
                    errors.append({"message": f'"license" must be one of the Hub\'s licence ids, not {license!r}'})
            for config in (meta or {}).get("configs", []):
                if not config.get("config_name") or not config.get("data_files"):
                    errors.append({"message": f"config without config_name or data_files: {config}"})
        except yaml.YAMLError as exc:
            errors.append({"message": f"invalid YAML: {exc}"})
        return _json({"errors": errors, "warnings": []}, 400 if errors else 200)

    def _upload_mode(self, path: str, size: int) -> str:
        if size > LFS_SIZE_THRESHOLD or any(fnmatch.fnmatch(path.rsplit("/", 1)[-1], p) for p in self.lfs_patterns):
            return "lfs"
        return "regular"

    def _preupload(self, req: RecordedRequest, repo: Repo, revision: str):
        head = self._commit_at(repo, revision)
        answer = []
        for item in req.json.get("files", []):
            path, size = item.get("path"), item.get("size")
            if not isinstance(path, str) or not isinstance(size, int) or "sample" not in item:
                raise HubError(400, f"malformed preupload entry {item}", problem=True)
            mode = self._upload_mode(path, size)
            repo.preuploaded[path] = {"size": size, "sample": base64.b64decode(item["sample"]), "mode": mode}
            existing = head.files.get(path)
            answer.append(
                {
                    "path": path,
                    "uploadMode": mode,
                    "shouldIgnore": False,
                    "oid": existing.remote_oid if existing else None,
                }
            )
        return _json({"files": answer, "commitOid": head.oid})

    def _lfs_batch(self, req: RecordedRequest, repo: Repo):
        payload = req.json
        if payload.get("operation") != "upload" or payload.get("hash_algo", "sha256") != "sha256":
            raise HubError(400, f"unexpected LFS batch request {payload}", problem=True)
        announced = {(v["size"], v["sample"]) for v in repo.preuploaded.values() if v["mode"] == "lfs"}
        objects = []
        for obj in payload.get("objects", []):
            oid, size = obj["oid"], obj["size"]
            if size not in {s for s, _ in announced}:
                self.problems.append(f"LFS batch: object {oid} of {size} bytes matches no LFS file from preupload")
            self.lfs_announced[oid] = size
            if oid in self.lfs_objects:
                objects.append({"oid": oid, "size": size})  # already stored: nothing to upload
                continue
            objects.append(
                {
                    "oid": oid,
                    "size": size,
                    "authenticated": True,
                    "actions": {
                        "upload": {"href": f"{self.url}/lfs-storage/{oid}?X-Amz-Signature={secrets.token_hex(8)}"},
                        "verify": {"href": f"{self.url}/{repo.repo_type}s/{repo.repo_id}.git/info/lfs/objects/verify"},
                    },
                }
            )
        return _json({"transfer": "basic", "objects": objects}, content_type="application/vnd.git-lfs+json")

    def _lfs_put(self, req: RecordedRequest, oid: str):
        # Storage is "S3": the Hub token must not travel there, the signed URL is the credential.
        if req.authorization is not None:
            self.problems.append(f"LFS upload of {oid} carried an Authorization header to the storage URL")
        if oid not in self.lfs_announced:
            raise HubError(403, f"no LFS batch announced object {oid}", problem=True)
        if len(req.body) != self.lfs_announced[oid]:
            raise HubError(
                400, f"object {oid}: {len(req.body)} bytes, batch announced {self.lfs_announced[oid]}", problem=True
            )
        if hashlib.sha256(req.body).hexdigest() != oid:
            raise HubError(
                400, f"object {oid}: uploaded bytes have sha256 {hashlib.sha256(req.body).hexdigest()}", problem=True
            )
        self.lfs_objects[oid] = req.body
        return 200, {"ETag": f'"{hashlib.md5(req.body).hexdigest()}"'}, b""

    def _lfs_verify(self, req: RecordedRequest, repo: Repo):
        payload = req.json
        stored = self.lfs_objects.get(payload.get("oid"))
        if stored is None or len(stored) != payload.get("size"):
            raise HubError(404, f"LFS object {payload.get('oid')} not stored", problem=True)
        return _json({"success": True})

    def _commit(self, req: RecordedRequest, repo: Repo, revision: str):
        if not req.headers.get("content-type", "").startswith("application/x-ndjson"):
            self.problems.append(f"commit: content type {req.headers.get('content-type')!r}, expected NDJSON")
        if revision not in repo.branches:
            raise HubError(404, f"Invalid rev id: {revision}", "RevisionNotFound")
        lines = [json.loads(line) for line in req.body.splitlines() if line.strip()]
        if not lines or lines[0].get("key") != "header" or not lines[0]["value"].get("summary"):
            raise HubError(400, "commit must start with a header line carrying a summary", problem=True)
        header = lines[0]["value"]
        parent = repo.commits[repo.branches[revision]]
        if header.get("parentCommit") and header["parentCommit"] != parent.oid:
            raise HubError(412, f"A commit has happened since {header['parentCommit']}; branch is at {parent.oid}")
        files = dict(parent.files)
        for line in lines[1:]:
            key, value = line.get("key"), line.get("value", {})
            path = value.get("path")
            announced = repo.preuploaded.get(path)
            if key == "file":
                if value.get("encoding") != "base64":
                    raise HubError(400, f"{path}: encoding {value.get('encoding')!r}", problem=True)
                content = base64.b64decode(value["content"])
                self._check_announced(path, announced, content, "regular")
                files[path] = Blob(content, lfs=False)
            elif key == "lfsFile":
                content = self.lfs_objects.get(value.get("oid"))
                if value.get("algo") != "sha256" or content is None:
                    raise HubError(400, f"{path}: LFS object {value.get('oid')} was never uploaded", problem=True)
                if value.get("size") is not None and value["size"] != len(content):
                    raise HubError(400, f"{path}: size {value['size']} but the object has {len(content)}", problem=True)
                self._check_announced(path, announced, content, "lfs")
                files[path] = Blob(content, lfs=True)
            elif key == "deletedFile":
                if files.pop(path, None) is None:
                    raise HubError(404, f"A file with this name doesn't exist: {path}", "EntryNotFound")
            elif key == "deletedFolder":
                prefix = path.rstrip("/") + "/"
                for name in [n for n in files if n.startswith(prefix)]:
                    del files[name]
            else:
                raise HubError(400, f"unknown commit operation {key!r}", problem=True)
        commit = self._new_commit(repo, revision, header["summary"], header.get("description", ""), files, lines)
        return _json(
            {
                "success": True,
                "commitOid": commit.oid,
                "pullRequestUrl": None,
                "commitUrl": f"{self.url}/{repo.repo_type}s/{repo.repo_id}/commit/{commit.oid}",
            }
        )

    def _check_announced(self, path: str, announced: dict | None, content: bytes, mode: str) -> None:
        if announced is None:
            self.problems.append(f"commit: {path} was not announced in a preupload request")
            return
        if announced["mode"] != mode:
            self.problems.append(f"commit: {path} sent as {mode}, preupload said {announced['mode']}")
        if announced["size"] != len(content) or not content.startswith(announced["sample"]):
            self.problems.append(f"commit: {path} content differs from what preupload announced")

    def _new_commit(
        self, repo: Repo, branch: str, title: str, description: str, files: dict[str, Blob], operations: list[dict]
    ) -> Commit:
        parent = repo.branches.get(branch)
        tree = "".join(f"{path} {blob.oid}\n" for path, blob in sorted(files.items()))
        oid = hashlib.sha1(f"{parent}\n{title}\n{description}\n{tree}{len(repo.commits)}".encode()).hexdigest()
        date = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        repo.commits[oid] = Commit(oid, parent, title, description, date, files, operations)
        repo.branches[branch] = oid
        return repo.commits[oid]

    def _tag(self, req: RecordedRequest, repo: Repo, revision: str):
        tag = req.json.get("tag")
        if not tag:
            raise HubError(400, "tag name missing", problem=True)
        commit = self._commit_at(repo, revision)
        if tag in repo.tags or tag in repo.branches:
            raise HubError(409, f"Tag {tag} already exists")
        latest = list(repo.commits)[-1]
        if commit.oid != latest:
            self.problems.append(f"tag {tag}: points at {commit.oid}, not at the latest commit {latest}")
        repo.tags[tag] = commit.oid
        return _json({"name": tag, "ref": f"refs/tags/{tag}", "targetCommit": commit.oid})

    # --- read endpoints ---------------------------------------------------------------------------

    def _refs(self, repo: Repo):
        def ref(name, kind, oid):
            return {"name": name, "ref": f"refs/{kind}/{name}", "targetCommit": oid}

        return _json(
            {
                "branches": [ref(n, "heads", o) for n, o in repo.branches.items()],
                "tags": [ref(n, "tags", o) for n, o in repo.tags.items()],
                "converts": [],
                "pullRequests": [],
            }
        )

    def _info(self, req: RecordedRequest, repo: Repo, revision: str):
        commit = self._commit_at(repo, revision)
        card = commit.files.get("README.md")
        match = re.match(r"^---\n(.*?)\n---\n", card.content.decode(), re.S) if card else None
        return _json(
            {
                "_id": hashlib.md5(repo.repo_id.encode()).hexdigest()[:24],
                "id": repo.repo_id,
                "author": repo.repo_id.split("/")[0],
                "sha": commit.oid,
                "lastModified": commit.date,
                "createdAt": repo.commits[next(iter(repo.commits))].date,
                "private": repo.private,
                "gated": False,
                "disabled": False,
                "downloads": 0,
                "likes": 0,
                "tags": [],
                "cardData": yaml.safe_load(match[1]) if match else None,
                "siblings": [{"rfilename": p} for p in sorted(commit.files)],
            }
        )

    def _entry(self, repo: Repo, commit: Commit, path: str, expand: bool) -> dict:
        last = {"id": commit.oid, "title": commit.title, "date": commit.date}
        blob = commit.files.get(path)
        if blob is None:  # a folder
            entry = {
                "type": "directory",
                "oid": hashlib.sha1(f"{commit.oid}:{path}".encode()).hexdigest(),
                "size": 0,
                "path": path,
            }
        else:
            entry = {"type": "file", "oid": blob.oid, "size": len(blob.content), "path": path}
            if blob.lfs:
                entry["lfs"] = {"oid": blob.sha256, "size": len(blob.content), "pointerSize": len(blob.pointer)}
        if expand:
            entry["lastCommit"] = last
        return entry

    @staticmethod
    def _folders(commit: Commit) -> set[str]:
        return {"/".join(p.split("/")[:i]) for p in commit.files for i in range(1, p.count("/") + 1)}

    def _tree(self, req: RecordedRequest, repo: Repo, revision: str, path: str):
        commit = self._commit_at(repo, revision)
        recursive = req.query.get("recursive", ["False"])[0].lower() in ("1", "true")
        expand = req.query.get("expand", ["False"])[0].lower() in ("1", "true")
        folders = self._folders(commit)
        path = path.strip("/")
        if path and path not in folders:
            raise HubError(404, f"{path} does not exist on {revision}", "EntryNotFound")
        prefix = f"{path}/" if path else ""
        names = sorted(
            n
            for n in (set(commit.files) | folders)
            if n.startswith(prefix) and n != path and (recursive or "/" not in n[len(prefix) :])
        )
        return _json([self._entry(repo, commit, n, expand) for n in names])

    def _paths_info(self, req: RecordedRequest, repo: Repo, revision: str):
        commit = self._commit_at(repo, revision)
        form = parse_qs(req.body.decode())
        expand = form.get("expand", ["False"])[0].lower() in ("1", "true")
        known = set(commit.files) | self._folders(commit)
        return _json(
            [self._entry(repo, commit, p.strip("/"), expand) for p in form.get("paths", []) if p.strip("/") in known]
        )

    def _resolve(self, req: RecordedRequest, repo: Repo, revision: str, path: str):
        commit = self._commit_at(repo, revision)
        blob = commit.files.get(path)
        if blob is None:
            raise HubError(404, "Entry not found", "EntryNotFound")
        content = blob.content
        headers = {
            "X-Repo-Commit": commit.oid,
            "ETag": f'"{blob.etag}"',
            "Accept-Ranges": "bytes",
            "Content-Type": "application/octet-stream",
        }
        if blob.lfs:
            headers |= {"X-Linked-Etag": f'"{blob.sha256}"', "X-Linked-Size": str(len(content))}
        status = 200
        if (rng := req.headers.get("range")) and (m := re.fullmatch(r"bytes=(\d*)-(\d*)", rng.strip())):
            start, end = m[1], m[2]
            if start == "":  # suffix range: the last N bytes
                first, last = max(0, len(content) - int(end)), len(content) - 1
            else:
                first, last = int(start), min(int(end) if end else len(content) - 1, len(content) - 1)
            if first >= len(content):
                return 416, {"Content-Range": f"bytes */{len(content)}"} | headers, b""
            headers["Content-Range"] = f"bytes {first}-{last}/{len(content)}"
            content, status = content[first : last + 1], 206
        return status, headers, content


def _json(data, status: int = 200, content_type: str = "application/json"):
    return status, {"Content-Type": content_type}, json.dumps(data).encode()


class _HubHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    local_hub: LocalHub

    def log_message(self, format, *args):  # keep test output quiet; requests are recorded instead
        pass

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _handle(self) -> None:
        url = urlsplit(self.path)
        req = RecordedRequest(
            self.command,
            url.path,
            parse_qs(url.query, keep_blank_values=True),
            {k.lower(): v for k, v in self.headers.items()},
            self._body(),
        )
        status, headers, body = self.local_hub.handle(req)
        self.send_response(status)
        headers.setdefault("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = _handle


def quoted(revision: str) -> str:
    """A revision as huggingface_hub puts it into URL paths."""
    return quote(revision, safe="")
