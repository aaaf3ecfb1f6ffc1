"""Publishing a release to the Hugging Face Hub, and loading it back the way a consumer would.

The real Hub cannot be reached from here. These tests run the real huggingface_hub client
(`HfApi.create_repo / upload_folder / create_tag / list_repo_refs`) against a local Hub
(tests/hub_server.py) that records and checks every request, then serve the published repository
back and load each version with plain `datasets.load_dataset` in a fresh process.

Upload paths: with `hf_xet` installed (the default), huggingface_hub uploads LFS-tracked files
through the Xet storage protocol, which the local Hub does not emulate. So most tests switch Xet
off and exercise the LFS protocol (batch, PUT, verify) with content checks; one test keeps the
client's default pipeline and has the local Hub take every file as a regular git blob.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
import os
import secrets
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import datasets
import huggingface_hub
import pytest
from hub_server import LocalHub, quoted
from huggingface_hub import HfApi, HfFileSystem
from huggingface_hub.utils import disable_progress_bars, enable_progress_bars, get_session
from release_fixtures import CLAIM_FEATURES, entity_labels, make_release, release_rows, write_sha256sums
from typer.testing import CliRunner

from corpus.errors import NewsdeskError
from corpus.workspace import Workspace
from newsdesk.cli.releases import release_app
from releases.publish import publish_release

REPO = "acme-news/newsdesk-sample"
TOKEN = "hf_" + secrets.token_hex(17)  # a fresh fake write token, so any leak is unmistakable


@pytest.fixture
def hub():
    """A local Hub on a free loopback port, stopped after the test."""
    local = LocalHub(TOKEN).serve()
    try:
        yield local
    finally:
        local.stop()


@pytest.fixture(autouse=True)
def client_env(monkeypatch, tmp_path):
    """HF_TOKEN set, no token file (an HF_HOME of the test's own), Xet off (LFS path, see the module
    docstring), quiet progress bars."""
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    home = tmp_path / "hf-home"  # huggingface_hub read HF_HOME when imported: its paths are set here too
    monkeypatch.setenv("HF_HOME", str(home))
    monkeypatch.setattr(huggingface_hub.constants, "HF_TOKEN_PATH", str(home / "token"))
    monkeypatch.setattr(huggingface_hub.constants, "HF_STORED_TOKENS_PATH", str(home / "stored_tokens"))
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_DISABLE_XET", True)
    disable_progress_bars()
    datasets.disable_progress_bars()
    yield
    enable_progress_bars()
    datasets.enable_progress_bars()


@pytest.fixture
def workspace(tmp_path) -> Path:
    return Workspace.init(tmp_path / "ws").root


def release_bytes(release_dir: Path) -> dict[str, bytes]:
    return {p.relative_to(release_dir).as_posix(): p.read_bytes() for p in release_dir.rglob("*") if p.is_file()}


def commit_lines(hub: LocalHub, since: int = 0) -> list[dict]:
    (commit,) = [r for r in hub.requests[since:] if r.method == "POST" and "/commit/" in r.path]
    return [json.loads(line) for line in commit.body.splitlines()]


# --- publishing ------------------------------------------------------------------------------------


def test_publish_creates_the_repo_commits_every_file_and_tags_the_commit(hub, workspace):
    release = make_release(workspace, "0.1.0")
    files = release_bytes(release)

    report = publish_release(release, REPO, endpoint=hub.url)

    assert hub.problems == [] and hub.unhandled == []
    api = f"/api/datasets/{REPO}"
    calls = hub.calls()
    assert calls[:3] == [("GET", f"{api}/refs"), ("POST", "/api/repos/create"), ("GET", f"{api}/tree/main")]
    assert ("POST", f"{api}/preupload/main") in calls
    assert ("POST", f"/datasets/{REPO}.git/info/lfs/objects/batch") in calls
    assert calls[-2:] == [("POST", f"{api}/commit/main"), ("POST", f"{api}/tag/{report.commit_oid}")]
    # every request to the Hub carried the token; the storage PUTs (presigned, like S3) did not
    for r in hub.requests:
        expected = None if r.path.startswith("/lfs-storage/") else f"Bearer {TOKEN}"
        assert r.authorization == expected, r
    create = next(r for r in hub.requests if r.path == "/api/repos/create").json
    assert create == {"name": "newsdesk-sample", "organization": "acme-news", "type": "dataset"}
    preupload = next(r for r in hub.requests if r.path.endswith("/preupload/main")).json
    assert {f["path"]: f["size"] for f in preupload["files"]} == {p: len(b) for p, b in files.items()}

    # the commit: every file of the release, regular ones inline, Parquet through LFS, same bytes
    header, *operations = commit_lines(hub)
    assert header == {
        "key": "header",
        "value": {"summary": "Release 0.1.0", "description": header["value"]["description"]},
    }
    sent = {op["value"]["path"]: op for op in operations}
    assert set(sent) == set(files)
    for path, content in files.items():
        op = sent[path]
        if path.endswith(".parquet"):
            assert op["key"] == "lfsFile" and op["value"]["oid"] == hashlib.sha256(content).hexdigest()
            assert hub.lfs_objects[op["value"]["oid"]] == content
        else:
            assert op["key"] == "file" and base64.b64decode(op["value"]["content"]) == content
    puts = [r for r in hub.requests if r.method == "PUT"]
    assert sorted(r.path.rsplit("/", 1)[1] for r in puts) == sorted(
        hashlib.sha256(b).hexdigest() for p, b in files.items() if p.endswith(".parquet")
    )

    # the tag names the version and points at that commit; the repo at the tag is the release
    refs = HfApi(endpoint=hub.url).list_repo_refs(REPO, repo_type="dataset")
    assert [(t.name, t.target_commit) for t in refs.tags] == [("0.1.0", report.commit_oid)]
    assert hub.files_at(REPO, "0.1.0") == {**files, ".gitattributes": hub.files_at(REPO, "0.1.0")[".gitattributes"]}
    assert report.repo_created and report.version == "0.1.0" and report.tag == "0.1.0"
    assert {f.path: f.size for f in report.files} == {p: len(b) for p, b in files.items()}


def test_a_new_version_replaces_the_old_files_and_the_old_tag_keeps_them(hub, workspace):
    first = publish_release(make_release(workspace, "0.1.0"), REPO, endpoint=hub.url)
    since = len(hub.requests)
    release = make_release(workspace, "0.2.0")
    second = publish_release(release, REPO, endpoint=hub.url)

    assert hub.problems == []
    assert not second.repo_created and second.commit_oid != first.commit_oid
    stale = "data/claims/train-00000-of-00001.parquet"  # 0.2.0 shards that split in two
    header, *operations = commit_lines(hub, since)
    assert {"key": "deletedFile", "value": {"path": stale}} in operations
    assert header["value"]["parentCommit"] == first.commit_oid  # no silent overwrite of a moved branch
    assert stale in hub.files_at(REPO, "0.1.0") and stale not in hub.files_at(REPO, "0.2.0")
    assert set(hub.files_at(REPO, "0.2.0")) - {".gitattributes"} == set(release_bytes(release))
    assert hub.files_at(REPO, "main") == hub.files_at(REPO, "0.2.0")


def test_publishing_a_version_again_is_refused_before_anything_is_sent(hub, workspace):
    release = make_release(workspace, "0.1.0")
    first = publish_release(release, REPO, endpoint=hub.url)
    since = len(hub.requests)

    with pytest.raises(NewsdeskError) as refused:
        publish_release(release, REPO, endpoint=hub.url)

    assert refused.value.code == "E405"
    assert first.commit_oid in refused.value.one_line() and f"{REPO}@0.1.0" in refused.value.one_line()
    assert hub.calls(since) == [("GET", f"/api/datasets/{REPO}/refs")]  # read-only: nothing uploaded


def test_dry_run_lists_the_files_and_sends_nothing(hub, workspace, monkeypatch):
    monkeypatch.delenv("HF_TOKEN")  # a dry run needs no token
    release = make_release(workspace, "0.1.0")

    report = publish_release(release, REPO, endpoint=hub.url, dry_run=True)

    assert hub.requests == []
    assert report.dry_run and report.commit_oid is None and report.endpoint == hub.url
    assert {f.path: f.size for f in report.files} == {p: len(b) for p, b in release_bytes(release).items()}
    record = report.to_record()
    assert record["repo_id"] == REPO and record["tag"] == "0.1.0" and record["total_bytes"] == report.total_bytes


@pytest.mark.parametrize(
    "tamper, named",
    [
        (
            lambda d: (d / "data/claims/test-00000-of-00001.parquet").write_bytes(b"PAR1 not the same"),
            "changed data/claims/test-00000-of-00001.parquet",
        ),
        (
            lambda d: (d / "README.md").write_text((d / "README.md").read_text() + "\nedited after the build\n"),
            "changed README.md",
        ),
        (lambda d: (d / "DATASHEET.md").unlink(), "missing DATASHEET.md"),
        (lambda d: (d / "data/claims/extra.parquet").write_bytes(b"PAR1"), "not listed data/claims/extra.parquet"),
    ],
)
def test_a_release_changed_after_its_build_is_refused(hub, workspace, tamper, named):
    release = make_release(workspace, "0.1.0")
    tamper(release)

    for dry_run in (True, False):
        with pytest.raises(NewsdeskError) as refused:
            publish_release(release, REPO, endpoint=hub.url, dry_run=dry_run)
        assert refused.value.code == "E305" and named in refused.value.one_line()
    assert hub.requests == []


def test_a_manifest_that_names_another_version_is_refused(hub, workspace):
    release = make_release(workspace, "0.1.0")
    release.rename(release.with_name("0.1.1"))
    with pytest.raises(NewsdeskError) as refused:
        publish_release(release.with_name("0.1.1"), REPO, endpoint=hub.url)
    assert refused.value.code == "E401" and "version 0.1.0 but the folder is 0.1.1" in refused.value.one_line()
    assert hub.requests == []


def test_a_missing_token_is_named_with_how_to_log_in(hub, workspace, monkeypatch):
    monkeypatch.delenv("HF_TOKEN")
    with pytest.raises(NewsdeskError) as refused:
        publish_release(make_release(workspace, "0.1.0"), REPO, endpoint=hub.url)
    line = refused.value.one_line()
    assert refused.value.code == "E403" and "HF_TOKEN" in line and "`hf auth login`" in line
    assert huggingface_hub.constants.HF_TOKEN_PATH in line  # where the token was looked for
    assert hub.requests == []


def run_cli(program: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(program, env=env, capture_output=True, text=True, timeout=300)


def test_a_token_stored_by_hf_auth_login_publishes_without_hf_token(hub, workspace, tmp_path):
    """As with every other Hub tool: `hf auth login` once, then publish in a new shell with no HF_TOKEN."""
    make_release(workspace, "0.1.0")
    home = tmp_path / "login-home"
    env = {k: v for k, v in os.environ.items() if k not in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN")}
    env.update(
        {
            "HF_HOME": str(home),
            "HF_ENDPOINT": hub.url,
            "HF_HUB_DISABLE_XET": "1",
            "HF_HUB_DISABLE_UPDATE_CHECK": "1",
            "HF_HUB_DISABLE_TELEMETRY": "1",
            "NO_COLOR": "1",
        }
    )
    bin_dir = Path(sys.executable).parent
    login = run_cli([str(bin_dir / "hf"), "auth", "login", "--token", TOKEN], env)
    assert login.returncode == 0, login.stderr
    assert (home / "token").read_text().strip() == TOKEN  # where `hf auth login` keeps it
    newsdesk = [sys.executable, "-c", "from newsdesk.cli import main; main()"]
    since = len(hub.requests)  # the hf CLI's own requests (whoami, its agent registry) came before

    published = run_cli([*newsdesk, "release", "publish", "0.1.0", "--repo", REPO, "--workspace", str(workspace)], env)

    assert published.returncode == 0, published.stderr
    assert hub.repo(REPO).tags["0.1.0"] in published.stdout
    assert hub.problems == []
    assert all(
        r.authorization == f"Bearer {TOKEN}" for r in hub.requests[since:] if not r.path.startswith("/lfs-storage/")
    )
    for text in (published.stdout, published.stderr, login.stdout):
        assert TOKEN not in text
    assert [p for p in workspace.rglob("*") if p.is_file() and TOKEN.encode() in p.read_bytes()] == []

    logout = run_cli([str(bin_dir / "hf"), "auth", "logout"], env)
    assert logout.returncode == 0, logout.stderr
    make_release(workspace, "0.2.0")
    refused = run_cli([*newsdesk, "release", "publish", "0.2.0", "--repo", REPO, "--workspace", str(workspace)], env)
    assert refused.returncode == 1 and refused.stderr.startswith("[E403] ")
    assert "`hf auth login`" in refused.stderr and len(refused.stderr.splitlines()) == 1


def test_a_release_built_for_a_repository_is_published_there_and_nowhere_else(hub, workspace):
    release = make_release(workspace, "0.1.0")
    manifest = json.loads((release / "manifest.json").read_text())
    (release / "manifest.json").write_text(json.dumps({**manifest, "repo_id": REPO}))
    write_sha256sums(release)

    with pytest.raises(NewsdeskError) as refused:
        publish_release(release, "acme-news/elsewhere", endpoint=hub.url)
    assert refused.value.code == "E409" and f"load {REPO}, not acme-news/elsewhere" in refused.value.one_line()
    assert hub.requests == []
    report = publish_release(release, endpoint=hub.url)  # no repository given: the one it was built for
    assert report.repo_id == REPO and hub.repo(REPO).tags == {"0.1.0": report.commit_oid}


def test_a_release_built_without_a_repository_needs_one_given(hub, workspace):
    with pytest.raises(NewsdeskError) as refused:
        publish_release(make_release(workspace, "0.1.0"), endpoint=hub.url)
    assert refused.value.code == "E404" and "--repo ORG/NAME" in refused.value.one_line()
    assert hub.requests == []


def test_a_release_holding_the_token_is_refused(hub, workspace):
    release = make_release(workspace, "0.1.0")
    (release / "CHANGELOG.md").write_text(f"oops: {TOKEN}\n")
    write_sha256sums(release)  # checksums fine: the leak is in the content
    with pytest.raises(NewsdeskError) as refused:
        publish_release(release, REPO, endpoint=hub.url)
    assert refused.value.code == "E402" and "CHANGELOG.md" in refused.value.one_line()
    assert TOKEN not in refused.value.one_line()
    assert hub.requests == []


def test_the_token_never_appears_in_logs_outputs_or_files(hub, workspace, tmp_path, monkeypatch):
    monkeypatch.setattr(huggingface_hub.constants, "HF_DEBUG", True)  # the client logs every request as curl
    log = io.StringIO()
    handler = logging.StreamHandler(log)
    loggers = [logging.getLogger(name) for name in ("huggingface_hub", "releases", "")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.DEBUG)
    try:
        make_release(workspace, "0.1.0")
        runner = CliRunner()
        published = runner.invoke(
            release_app,
            ["publish", "0.1.0", "--repo", REPO, "--endpoint", hub.url, "--workspace", str(workspace), "--json"],
        )
        again = runner.invoke(
            release_app, ["publish", "0.1.0", "--repo", REPO, "--endpoint", hub.url, "--workspace", str(workspace)]
        )
        wrong = publish_attempt_with_token(workspace, hub, "hf_wrong")
    finally:
        for lg, level in zip(loggers, levels):
            lg.removeHandler(handler)
            lg.setLevel(level)

    assert published.exit_code == 0, published.output
    assert again.exit_code == 1 and wrong == "E407"
    assert "curl" in log.getvalue() and "/api/repos/create" in log.getvalue()  # the debug log did run
    for text in (log.getvalue(), published.stdout, published.stderr, again.stdout, again.stderr):
        assert TOKEN not in text
    # nothing we wrote holds it: not the workspace, the release, or any file under tmp
    assert [p for p in tmp_path.rglob("*") if p.is_file() and TOKEN.encode() in p.read_bytes()] == []
    # the Hub saw it only in the Authorization header
    for r in hub.requests:
        assert TOKEN.encode() not in r.body and TOKEN not in r.path and TOKEN not in json.dumps(r.query)
        assert all(TOKEN not in v for k, v in r.headers.items() if k != "authorization")


def publish_attempt_with_token(workspace: Path, hub: LocalHub, token: str) -> str:
    try:
        publish_release(workspace / "releases" / "0.1.0", REPO, token=token, endpoint=hub.url)
    except NewsdeskError as exc:
        return exc.code
    return "published"


def test_a_token_the_hub_refuses_gives_a_clear_error_and_writes_nothing(hub, workspace):
    with pytest.raises(NewsdeskError) as refused:
        publish_release(make_release(workspace, "0.1.0"), REPO, token="hf_not_a_valid_token", endpoint=hub.url)
    assert refused.value.code == "E407" and "HTTP 401" in refused.value.one_line()
    assert "hf_not_a_valid_token" not in refused.value.one_line()
    assert hub.calls() == [("GET", f"/api/datasets/{REPO}/refs")] and hub.repos == {}


def test_an_unreachable_hub_gives_a_clear_error(workspace):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(NewsdeskError) as refused:
        publish_release(make_release(workspace, "0.1.0"), REPO, endpoint=f"http://127.0.0.1:{port}")
    assert refused.value.code == "E406"


@pytest.mark.parametrize("repo_id", ["newsdesk-sample", "a/b/c", "acme/", "acme/bad name", "acme--x/y"])
def test_a_repository_id_must_be_org_slash_name(workspace, repo_id):
    with pytest.raises(NewsdeskError) as refused:
        publish_release(make_release(workspace, "0.1.0"), repo_id, dry_run=True)
    assert refused.value.code == "E404"


def test_the_default_client_pipeline_commits_regular_files(workspace, monkeypatch):
    """With hf_xet (the default), upload_folder takes its streamed pipeline; every file regular here."""
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_DISABLE_XET", False)
    local = LocalHub(TOKEN, lfs_patterns=()).serve()
    try:
        release = make_release(workspace, "0.1.0")
        report = publish_release(release, REPO, endpoint=local.url)
        assert local.problems == [] and local.unhandled == []
        assert not any("lfs" in path for _, path in local.calls())
        assert {op["value"]["path"] for op in commit_lines(local)[1:]} == set(release_bytes(release))
        assert local.repo(REPO).tags == {"0.1.0": report.commit_oid}
    finally:
        local.stop()


# --- the command line ------------------------------------------------------------------------------


def test_cli_publishes_and_prints_how_to_load_it(hub, workspace):
    make_release(workspace, "0.1.0")
    result = CliRunner().invoke(
        release_app, ["publish", "0.1.0", "--repo", REPO, "--endpoint", hub.url, "-w", str(workspace)]
    )
    assert result.exit_code == 0, result.output
    oid = hub.repo(REPO).tags["0.1.0"]
    assert f"commit {oid}" in result.stdout and f'load_dataset("{REPO}", revision="0.1.0")' in result.stdout


def test_cli_json_is_the_report_record(hub, workspace):
    make_release(workspace, "0.1.0")
    result = CliRunner().invoke(
        release_app,
        ["publish", "0.1.0", "--repo", REPO, "--endpoint", hub.url, "-w", str(workspace), "--json", "--private"],
    )
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["commit_oid"] == hub.repo(REPO).tags["0.1.0"] and record["private"] is True
    assert hub.repo(REPO).private
    assert next(r for r in hub.requests if r.path == "/api/repos/create").json["visibility"] == "private"


def test_cli_dry_run_lists_files_and_sends_nothing(hub, workspace):
    release = make_release(workspace, "0.1.0")
    result = CliRunner().invoke(
        release_app, ["publish", "0.1.0", "--repo", REPO, "--endpoint", hub.url, "-w", str(workspace), "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    for path in release_bytes(release):
        assert path.rsplit("/", 1)[-1] in result.stdout
    assert "nothing was sent" in result.stdout and REPO in result.stdout
    assert hub.requests == []


def test_cli_errors_are_one_line_with_code_and_exit_1(hub, workspace):
    make_release(workspace, "0.1.0")
    runner = CliRunner()
    missing = runner.invoke(
        release_app, ["publish", "9.9.9", "--repo", REPO, "--endpoint", hub.url, "-w", str(workspace)]
    )
    assert missing.exit_code == 1 and missing.stderr.startswith("[E303] ") and len(missing.stderr.splitlines()) == 1
    assert (
        runner.invoke(
            release_app, ["publish", "0.1.0", "--repo", REPO, "--endpoint", hub.url, "-w", str(workspace)]
        ).exit_code
        == 0
    )
    again = runner.invoke(
        release_app, ["publish", "0.1.0", "--repo", REPO, "--endpoint", hub.url, "-w", str(workspace)]
    )
    assert again.exit_code == 1 and again.stderr.startswith("[E405] ")
    assert "build and publish a new version" in again.stderr


# --- the consumer side -------------------------------------------------------------------------------

CONSUMER = r"""
import json, sys
from datasets import load_dataset
repo, revisions = sys.argv[1], sys.argv[2:]
loaded = {}
for revision in revisions:
    for config in ("entities", "claims"):
        for split, ds in load_dataset(repo, config, revision=revision).items():
            loaded[f"{revision}/{config}/{split}"] = {"rows": ds.to_list(), "features": ds.features.to_dict()}
# streaming reads the Parquet files by byte ranges instead of downloading them
streamed = load_dataset(repo, "claims", revision=revisions[-1], streaming=True)["train"]
loaded["streamed"] = {"rows": list(streamed), "features": streamed.features.to_dict()}
ours = sorted(m for m in sys.modules if m.split(".")[0] in ("newsdesk", "corpus", "annotation", "validation",
                                                              "releases", "hub_server", "release_fixtures"))
print(json.dumps({"loaded": loaded, "our_modules": ours}))
"""


def consumer_env(hub: LocalHub, home: Path) -> dict[str, str]:
    """A clean environment: only the endpoint and a fresh cache; no token, nothing offline."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "HF_ENDPOINT": hub.url,
        "HF_HOME": str(home / "hf"),
        "HF_DATASETS_CACHE": str(home / "hf" / "datasets"),
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_UPDATE_DOWNLOAD_COUNTS": "0",
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    }


def decoded(rows: list[dict], features: dict) -> list[dict]:
    """ClassLabel ids back to names, using the names the consumer got."""

    def dec(value, feature):
        if feature.get("_type") == "ClassLabel":
            return feature["names"][value]
        if feature.get("_type") == "List":
            return [dec(v, feature["feature"]) for v in value]
        if "_type" not in feature:
            return {k: dec(value[k], f) for k, f in feature.items()}
        return value

    return [{k: dec(r[k], features[k]) for k in r} for r in rows]


def test_consumers_load_each_version_by_revision_with_its_own_rows_and_labels(hub, workspace, tmp_path):
    publish_release(make_release(workspace, "0.1.0"), REPO, endpoint=hub.url)
    publish_release(make_release(workspace, "0.2.0"), REPO, endpoint=hub.url)
    since = len(hub.requests)

    home = tmp_path / "consumer"
    home.mkdir()
    run = subprocess.run(
        [sys.executable, "-c", CONSUMER, REPO, "0.1.0", "0.2.0"],
        cwd=home,
        env=consumer_env(hub, home),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)

    assert result["our_modules"] == []
    assert hub.problems == [] and hub.unhandled == []
    for version in ("0.1.0", "0.2.0"):
        expected = release_rows(version)
        for config, splits in (("entities", expected.entities), ("claims", expected.claims)):
            for split, rows in splits.items():
                got = result["loaded"][f"{version}/{config}/{split}"]
                assert sorted(decoded(got["rows"], got["features"]), key=json.dumps) == sorted(rows, key=json.dumps), (
                    version,
                    config,
                    split,
                )
        entity_label = result["loaded"][f"{version}/entities/train"]["features"]["spans"]["feature"]["label"]
        assert entity_label == {"names": entity_labels(version), "_type": "ClassLabel"}
        claim_label = result["loaded"][f"{version}/claims/test"]["features"]["attribution"]
        assert claim_label["names"] == CLAIM_FEATURES["attribution"].names
    streamed = result["loaded"]["streamed"]
    assert sorted(decoded(streamed["rows"], streamed["features"]), key=json.dumps) == sorted(
        release_rows("0.2.0").claims["train"], key=json.dumps
    )
    # it was all served by the local Hub, per revision, without a token
    served = [r for r in hub.requests[since:]]
    assert served and all(r.authorization is None for r in served)
    assert {r.path for r in served} >= {
        f"/datasets/{REPO}/resolve/0.1.0/README.md",
        f"/datasets/{REPO}/resolve/0.2.0/README.md",
    }
    assert any(r.status == 206 for r in served)  # the streamed reads


def test_the_local_hub_serves_tree_paths_info_and_byte_ranges(hub, workspace):
    """The read endpoints other consumers use (HfFileSystem, streaming) answer as the Hub does."""
    release = make_release(workspace, "0.1.0")
    report = publish_release(release, REPO, endpoint=hub.url)
    api = HfApi(endpoint=hub.url, token=False)
    parquet = "data/claims/train-00000-of-00001.parquet"
    content = (release / parquet).read_bytes()

    tree = {
        e.path: e
        for e in api.list_repo_tree(REPO, "data", recursive=True, expand=True, repo_type="dataset", revision="0.1.0")
    }
    assert tree[parquet].lfs.sha256 == hashlib.sha256(content).hexdigest()
    assert tree[parquet].last_commit.oid == report.commit_oid and "data/claims" in tree
    (info,) = api.get_paths_info(REPO, [parquet, "nope.txt"], repo_type="dataset", revision="0.1.0")
    assert info.size == len(content)
    assert api.dataset_info(REPO, revision=quoted("0.1.0")).sha == report.commit_oid
    fs = HfFileSystem(endpoint=hub.url, token=False)
    with fs.open(f"datasets/{REPO}@0.1.0/{parquet}", "rb", block_size=16) as fh:
        fh.seek(len(content) - 8)
        assert fh.read() == content[-8:]  # the Parquet footer, by a Range request
    assert any("range" in r.headers for r in hub.requests)


def test_the_local_hub_catches_what_a_broken_client_would_send(hub):
    """The checks are real: wrong bytes, an object never uploaded, content unlike its preupload."""
    session = get_session()
    auth = {"authorization": f"Bearer {TOKEN}"}
    HfApi(endpoint=hub.url, token=TOKEN).create_repo(REPO, repo_type="dataset")
    content = b"PAR1" + b"\0" * 600
    oid = hashlib.sha256(content).hexdigest()
    announce = {
        "files": [
            {"path": "data/x.parquet", "size": len(content), "sample": base64.b64encode(content[:512]).decode()},
            {"path": "notes.md", "size": 5, "sample": base64.b64encode(b"hello").decode()},
        ]
    }
    modes = session.post(f"{hub.url}/api/datasets/{REPO}/preupload/main", json=announce, headers=auth).json()
    assert [f["uploadMode"] for f in modes["files"]] == ["lfs", "regular"]
    batch = session.post(
        f"{hub.url}/datasets/{REPO}.git/info/lfs/objects/batch",
        headers=auth,
        json={"operation": "upload", "objects": [{"oid": oid, "size": len(content)}]},
    ).json()
    href = batch["objects"][0]["actions"]["upload"]["href"]

    assert session.put(href, content=b"PAR1" + b"\1" * 600).status_code == 400  # same size, other bytes
    header = json.dumps({"key": "header", "value": {"summary": "broken"}})
    lfs_line = json.dumps({"key": "lfsFile", "value": {"path": "data/x.parquet", "algo": "sha256", "oid": oid}})
    ndjson = {**auth, "content-type": "application/x-ndjson"}
    commit_url = f"{hub.url}/api/datasets/{REPO}/commit/main"
    assert session.post(commit_url, content=f"{header}\n{lfs_line}\n", headers=ndjson).status_code == 400
    other = json.dumps(
        {
            "key": "file",
            "value": {"path": "notes.md", "encoding": "base64", "content": base64.b64encode(b"HELLO").decode()},
        }
    )
    assert session.post(commit_url, content=f"{header}\n{other}\n", headers=ndjson).status_code == 200
    assert (
        session.post(commit_url, content=f"{header}\n", headers={"content-type": "application/x-ndjson"}).status_code
        == 401
    )

    assert [p.split(": ", 1)[1] for p in hub.problems] == [
        f"object {oid}: uploaded bytes have sha256 {hashlib.sha256(b'PAR1' + bytes([1]) * 600).hexdigest()}",
        f"data/x.parquet: LFS object {oid} was never uploaded",
    ] + ["notes.md content differs from what preupload announced"]


def test_a_card_the_hub_rejects_gives_its_message(hub, workspace):
    release = make_release(workspace, "0.1.0")
    (release / "README.md").write_text("---\nconfigs:\n- config_name: claims\n---\n\n# no data files\n")
    write_sha256sums(release)
    with pytest.raises(NewsdeskError) as refused:
        publish_release(release, REPO, endpoint=hub.url)
    assert refused.value.code == "E408" and "HTTP 400: config without config_name or data_files" in str(refused.value)
    assert "/commit/" not in " ".join(path for _, path in hub.calls())


def test_a_release_built_by_newsdesk_is_published_and_loaded_by_revision(hub, tmp_path):
    """The real build's folder, not a fixture: publish it, then `load_dataset(repo, "claims", revision=...)`."""
    from test_release import make_workspace

    from releases.build import build_release

    ws = make_workspace(tmp_path / "ws")
    built = build_release(ws, "0.1.0")
    publish_release(built.path, REPO, endpoint=hub.url)
    home = tmp_path / "consumer"
    home.mkdir()
    program = textwrap.dedent("""
        import json, sys
        from datasets import load_dataset
        claims = load_dataset(sys.argv[1], "claims", revision="0.1.0")["train"]
        first = next(c for c in claims if c["source"]["label"] >= 0)
        print(json.dumps({"rows": claims.num_rows, "claim_type": claims.features["claim_type"].names,
                          "source": first["source"]["text"],
                          "label": claims.features["source"]["label"].int2str(first["source"]["label"]),
                          "ours": sorted(m for m in sys.modules if m.split(".")[0] in ("corpus", "newsdesk"))}))
    """)
    run = subprocess.run(
        [sys.executable, "-c", program, REPO],
        cwd=home,
        env=consumer_env(hub, home),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    got = json.loads(run.stdout.strip().splitlines()[-1])
    assert got["rows"] == 18 and got["ours"] == []
    assert got["claim_type"][0] == "statement of fact"
    assert (got["source"], got["label"]) == ("Joe Biden", "PERSON")
    assert hub.problems == [] and hub.unhandled == []
