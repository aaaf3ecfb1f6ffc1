"""The corpus maintainer's commands, run through the CLI exactly as typed."""

import json
import re
import shlex

import pytest
from typer.testing import CliRunner

from corpus_helpers import REPO, SAMPLES, SEED
from newsdesk.cli import app

runner = CliRunner()


def newsdesk(*args: str, ok: bool = True):
    result = runner.invoke(app, list(args))
    if ok:
        assert result.exit_code == 0, (args, result.output, result.stderr)
    return result


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "ws"
    newsdesk("init", str(path))
    newsdesk("ingest", str(SAMPLES), "--workspace", str(path))
    return str(path)


def test_init_creates_a_config_and_is_harmless_twice(tmp_path):
    newsdesk("init", str(tmp_path / "w"))
    config = (tmp_path / "w" / "newsdesk.toml").read_text()
    newsdesk("init", str(tmp_path / "w"))
    assert (tmp_path / "w" / "newsdesk.toml").read_text() == config
    assert "[cleaning]" in config and "[near_duplicates]" in config


def test_ingest_prints_a_summary_and_json(ws):
    result = newsdesk("ingest", str(SAMPLES), "-w", ws, "--json")
    report = json.loads(result.stdout)
    assert report["read"] == 8 and report["added"] == 0 and report["skipped"] == {"exact duplicate": 8}
    text = newsdesk("ingest", str(SEED), "-w", ws).stdout
    assert "added 0" in text and "1 exact duplicate" in text


def test_ingest_exits_non_zero_and_names_the_bad_file(ws, tmp_path):
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    result = newsdesk("ingest", str(bad), "-w", ws, ok=False)
    assert result.exit_code == 1
    assert "[E101]" in result.stderr and "empty.txt" in result.stderr


def test_clean_reports_counts_per_rule(ws):
    report = json.loads(newsdesk("clean", "-w", ws, "--force", "--json").stdout)
    assert report["recleaned"] == 8 and report["text_changed"] == 0
    assert report["cleaning"]["edits"]["quote_spacing"] >= 4
    assert report["cleaning"]["flags"]["run_together_words"] >= 1
    assert "unicode_repair" in newsdesk("clean", "-w", ws, "--force").stdout


def test_docs_list_as_table_and_json(ws):
    rows = json.loads(newsdesk("docs", "list", "-w", ws, "--json").stdout)
    assert len(rows) == 8
    assert set(rows[0]) == {"id", "title", "language", "length", "flags", "duplicate_of"}
    assert sum(1 for r in rows if r["duplicate_of"]) == 1
    assert "8 documents" in newsdesk("docs", "list", "-w", ws).stdout


def seed_id(ws: str) -> str:
    rows = json.loads(newsdesk("docs", "list", "-w", ws, "--json").stdout)
    return next(r["id"] for r in rows if r["title"].startswith("Washington"))


def test_docs_show_clean_raw_and_json(ws):
    doc_id = seed_id(ws)
    shown = newsdesk("docs", "show", doc_id[:6], "-w", ws).stdout
    assert "Washington will ‘soon’" in shown and "run_together_words" in shown and "quote_spacing" in shown
    assert "source site" in newsdesk("docs", "show", doc_id, "-w", ws, "--raw").stdout
    rec = json.loads(newsdesk("docs", "show", doc_id, "-w", ws, "--json", "--raw").stdout)
    assert rec["raw_text"] == SEED.read_text(encoding="utf-8")
    assert len(rec["edits"]) == 6 and len(rec["flags"]) == 2


def test_docs_show_unknown_id_names_it(ws):
    result = newsdesk("docs", "show", "ffffffffffffffff", "-w", ws, ok=False)
    assert result.exit_code == 1 and "[E004]" in result.stderr and "ffffffffffffffff" in result.stderr


def test_docs_export_writes_one_object_per_document(ws, tmp_path):
    out = tmp_path / "docs.jsonl"
    newsdesk("docs", "export", "--out", str(out), "-w", ws)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 8
    for key in ("id", "source", "title", "text", "raw_sha256", "text_sha256", "language", "flags", "blocks",
                "duplicate_of"):
        assert key in rows[0]


def test_commands_outside_a_workspace_say_what_to_do(tmp_path):
    result = newsdesk("docs", "list", "-w", str(tmp_path), ok=False)
    assert result.exit_code == 1 and "[E001]" in result.stderr and "newsdesk init" in result.stderr


def readme_examples() -> list[str]:
    """The `newsdesk ...` lines of the README's "Using the CLI" section."""
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Using the CLI", 1)[1].split("\n## ", 1)[0]
    return [line.strip() for line in re.findall(r"^\s*(newsdesk .+)$", section, flags=re.M)]


def test_the_readme_examples_run(tmp_path, monkeypatch):
    examples = readme_examples()
    assert len(examples) >= 6
    monkeypatch.chdir(REPO)
    for line in examples:
        args = shlex.split(line.split(" #")[0])[1:]
        args = [a.replace("demo-ws", str(tmp_path / "demo-ws")).replace("docs.jsonl", str(tmp_path / "docs.jsonl"))
                for a in args]
        newsdesk(*args)


def test_an_article_that_cleans_to_nothing_is_refused_and_nothing_is_stored(tmp_path):
    ws, folder = str(tmp_path / "ws"), tmp_path / "in"
    folder.mkdir()
    (folder / "share.txt").write_text("Share this article\nFollow us on Twitter\nRead more\n", encoding="utf-8")
    (folder / "rules.txt").write_text("***\n***\n***\n", encoding="utf-8")
    (folder / "feed.jsonl").write_text(json.dumps({"text": "Read more"}) + "\n"
                                       + json.dumps({"text": "Port reopens\n\nShips left the port on Monday."}) + "\n",
                                       encoding="utf-8")
    newsdesk("init", ws)
    result = newsdesk("ingest", str(folder), "-w", ws, "--json", ok=False)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["added"] == 1 and report["read"] == 4
    assert [line.split(" - ")[0] for line in report["failed"]] == [
        f"[E109] {folder / 'feed.jsonl'}:1: text is empty after cleaning",
        f"[E109] {folder / 'rules.txt'}: text is empty after cleaning",
        f"[E109] {folder / 'share.txt'}: text is empty after cleaning"]
    assert "[E109]" in newsdesk("ingest", str(folder / "share.txt"), "-w", ws, ok=False).stderr
    # Nothing is stored for them: neither an article nor a document.
    rows = json.loads(newsdesk("docs", "list", "-w", ws, "--json").stdout)
    assert [r["title"] for r in rows] == ["Port reopens"]
    from corpus.store import CorpusStore
    from corpus.workspace import Workspace

    assert [a.raw_text for a in CorpusStore(Workspace.open(tmp_path / "ws")).iter_articles()] == [
        "Port reopens\n\nShips left the port on Monday."]


def test_a_broken_link_and_a_loop_get_one_line_each(tmp_path):
    ws, folder = str(tmp_path / "ws"), tmp_path / "in"
    folder.mkdir()
    (folder / "seed.txt").write_bytes(SEED.read_bytes())
    (folder / "gone.txt").symlink_to(tmp_path / "deleted.txt")
    (folder / "again").symlink_to(folder)
    newsdesk("init", ws)
    result = newsdesk("ingest", str(folder), "-w", ws, ok=False)
    assert result.exit_code == 1
    assert "skipped 1 (1 symlink loop)" in result.stdout and "failed 1" in result.stdout
    assert "[E112]" in result.stderr and "[E111]" in result.stderr and "gone.txt" in result.stderr

