"""The corpus maintainer's commands, run through the CLI exactly as typed."""

import json
import re
import shlex

import pytest
from corpus_helpers import REPO, SAMPLES, SEED
from typer.testing import CliRunner

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
    assert set(rows[0]) == {"id", "title", "language", "length", "flags", "duplicate_of", "source"}
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
    # oninternational; the seed's "corn" is flagged only with mistranslated_conjunction switched on
    assert len(rec["edits"]) == 6 and len(rec["flags"]) == 1


def test_docs_show_unknown_id_names_it(ws):
    result = newsdesk("docs", "show", "ffffffffffffffff", "-w", ws, ok=False)
    assert result.exit_code == 1 and "[E004]" in result.stderr and "ffffffffffffffff" in result.stderr


def test_docs_export_writes_one_object_per_document(ws, tmp_path):
    out = tmp_path / "docs.jsonl"
    newsdesk("docs", "export", "--out", str(out), "-w", ws)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 8
    for key in (
        "id",
        "source",
        "title",
        "text",
        "raw_sha256",
        "text_sha256",
        "language",
        "flags",
        "blocks",
        "duplicate_of",
    ):
        assert key in rows[0]


def test_commands_outside_a_workspace_say_what_to_do(tmp_path):
    result = newsdesk("docs", "list", "-w", str(tmp_path), ok=False)
    assert result.exit_code == 1 and "[E001]" in result.stderr and "newsdesk init" in result.stderr


def test_bad_options_are_catalogue_errors_on_one_line(ws):
    result = newsdesk("adjudicate", "--strategy", "vote", "-w", ws, ok=False)
    assert result.exit_code == 1 and result.stderr.startswith("[E241] --strategy: invalid adjudication options")
    assert len(result.stderr.strip().splitlines()) == 1 and "majority" in result.stderr
    result = newsdesk("annotate", "import", ws, "--format", "nope", "-w", ws, ok=False)
    assert (
        result.exit_code == 1
        and "[E212] nope: unknown import format (known: labelstudio, conll, brat)" in result.stderr
    )


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
        args = [
            a.replace("demo-ws", str(tmp_path / "demo-ws")).replace("docs.jsonl", str(tmp_path / "docs.jsonl"))
            for a in args
        ]
        newsdesk(*args)


def test_version_is_the_installed_distributions():
    from importlib.metadata import version

    result = newsdesk("--version")
    assert result.stdout.strip() == f"newsdesk {version('newsdesk')}"


def test_docs_list_never_cuts_ids_and_shows_sources(ws):
    rows = json.loads(newsdesk("docs", "list", "-w", ws, "--json").stdout)
    table = newsdesk("docs", "list", "-w", ws, "--source").stdout  # not a terminal: 80 columns
    assert all(r["id"] in table for r in rows)
    assert all(r["duplicate_of"] in table for r in rows if r["duplicate_of"])
    assert "000_7f6624b96359c901.txt" in table.replace("\n", "").replace("│", "").replace(" ", "")


def test_docs_show_takes_several_ids(ws):
    rows = json.loads(newsdesk("docs", "list", "-w", ws, "--json").stdout)
    first, second = rows[0]["id"], rows[1]["id"]
    shown = json.loads(newsdesk("docs", "show", first, second[:8], "-w", ws, "--json").stdout)
    assert [d["id"] for d in shown] == [first, second]
    text = newsdesk("docs", "show", first, second, "-w", ws).stdout
    assert first in text and second in text


def _commands(group=None, prefix=()):
    """Every (path, command) of the CLI, groups included."""
    import typer.main

    group = group or typer.main.get_command(app)
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            yield from _commands(command, (*prefix, name))
        else:
            yield (*prefix, name), command


def test_every_command_has_an_example_in_its_help():
    missing = [" ".join(path) for path, command in _commands() if "Example: newsdesk " not in (command.help or "")]
    assert not missing, missing
    assert len(list(_commands())) >= 20


def _loaded_after(argv: list[str], modules: tuple[str, ...]) -> list[str]:
    """Which of ``modules`` a fresh interpreter has imported after running ``newsdesk ARGV``."""
    import subprocess
    import sys

    program = (
        f"import sys; from newsdesk.cli import main; sys.argv = ['newsdesk', *{argv!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"import json; print(json.dumps([m for m in {modules!r} if m in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", program], cwd=REPO, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_help_starts_without_loading_any_stage():
    heavy = ("corpus.ingest", "annotation.studio", "validation.validate", "releases.build", "pandas")
    heavy += ("datasets", "label_studio_sdk", "spacy", "pyarrow", "datasketch")
    assert _loaded_after(["--help"], heavy) == []


def test_docs_list_starts_without_loading_cleaning_or_a_later_stage(ws):
    # The store and the workspace only: what cleans, annotates or releases stays unloaded.
    heavy = ("corpus.ingest", "corpus.cleaning", "annotation.store", "validation.validate", "releases.build")
    heavy += ("pandas", "pyarrow", "datasets", "label_studio_sdk", "spacy", "datasketch", "trafilatura", "ftfy")
    heavy += ("wordfreq", "py3langid", "scipy", "numpy")
    assert _loaded_after(["docs", "list", "-w", str(ws)], heavy) == []


def test_the_import_formats_in_help_are_the_importers_registry():
    from annotation.importers import FORMATS, import_format

    assert [import_format(name).name for name in FORMATS] == list(FORMATS)  # each module reads its own name
    out = CliRunner().invoke(app, ["annotate", "import", "--help"], env={"COLUMNS": "200"})
    assert f"One of: {', '.join(FORMATS)}." in out.output, out.output


def test_the_roles_in_help_are_the_accounts():
    from annotation.accounts import ROLES
    from newsdesk.cli.studio import ROLES as LISTED

    assert LISTED == tuple(ROLES)


def test_an_article_that_cleans_to_nothing_is_refused_and_nothing_is_stored(tmp_path):
    ws, folder = str(tmp_path / "ws"), tmp_path / "in"
    folder.mkdir()
    (folder / "share.txt").write_text("Share this article\nFollow us on Twitter\nRead more\n", encoding="utf-8")
    (folder / "rules.txt").write_text("***\n***\n***\n", encoding="utf-8")
    (folder / "feed.jsonl").write_text(
        json.dumps({"text": "Read more"})
        + "\n"
        + json.dumps({"text": "Port reopens\n\nShips left the port on Monday."})
        + "\n",
        encoding="utf-8",
    )
    newsdesk("init", ws)
    result = newsdesk("ingest", str(folder), "-w", ws, "--json", ok=False)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["added"] == 1 and report["read"] == 4
    assert [line.split(" - ")[0] for line in report["failed"]] == [
        f"[E109] {folder / 'feed.jsonl'}:1: text is empty after cleaning",
        f"[E109] {folder / 'rules.txt'}: text is empty after cleaning",
        f"[E109] {folder / 'share.txt'}: text is empty after cleaning",
    ]
    assert "[E109]" in newsdesk("ingest", str(folder / "share.txt"), "-w", ws, ok=False).stderr
    # Nothing is stored for them: neither an article nor a document.
    rows = json.loads(newsdesk("docs", "list", "-w", ws, "--json").stdout)
    assert [r["title"] for r in rows] == ["Port reopens"]
    from corpus.store import CorpusStore
    from corpus.workspace import Workspace

    assert [a.raw_text for a in CorpusStore(Workspace.open(tmp_path / "ws")).iter_articles()] == [
        "Port reopens\n\nShips left the port on Monday."
    ]


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


@pytest.fixture
def removable(tmp_path):
    """A workspace of the sample corpus, and an annotation record of the wire copy of the harbour strike."""
    from annotation.model import AnnotationRecord, Span
    from annotation.store import AnnotationStore
    from corpus.store import CorpusStore
    from corpus.workspace import Workspace

    path = tmp_path / "ws"
    newsdesk("init", str(path))
    newsdesk("ingest", str(SAMPLES), "-w", str(path))
    rows = json.loads(newsdesk("docs", "list", "-w", str(path), "--json").stdout)
    wire = next(r for r in rows if r["duplicate_of"])
    doc = CorpusStore(Workspace.open(path)).document(wire["id"])
    word = doc.text.split()[0]
    AnnotationStore(Workspace.open(path)).append(
        [
            AnnotationRecord(
                doc_id=doc.id,
                text_sha256=doc.text_sha256,
                annotator="ana@newsdesk.example",
                origin="labelstudio",
                record_id="1",
                spans=[Span("e1", "entities", "ORG", 0, len(word), word)],
            )
        ],
        label="test",
    )
    return str(path), wire


def test_docs_remove_takes_a_document_out_for_good(removable):
    ws, wire = removable
    result = newsdesk("docs", "remove", wire["id"][:8], "-w", ws)
    assert f"removed {wire['id']}" in result.stdout
    said = " ".join(result.stdout.split())
    assert "1 annotation records of these documents stay in the store" in said and "from now on" in said
    rows = json.loads(newsdesk("docs", "list", "-w", ws, "--json").stdout)
    assert len(rows) == 7 and wire["id"] not in {r["id"] for r in rows}
    # The cluster it made with the original is gone: no document is marked any more.
    assert all(r["duplicate_of"] is None for r in rows)
    (record,) = [json.loads(line) for line in open(f"{ws}/store/removed.jsonl", encoding="utf-8")]
    assert record["id"] == wire["id"] and len(record["raw_sha256"]) == 64 and record["removed_at"]
    assert record["path"].endswith("004_wire.jsonl:1")
    # A later ingest of the same file says it was removed instead of bringing it back.
    again = newsdesk("ingest", str(SAMPLES), "-w", ws)
    assert "added 0" in again.stdout and "1 removed" in again.stdout
    assert "[E113]" in again.stderr and "004_wire.jsonl:1" in again.stderr
    assert len(json.loads(newsdesk("docs", "list", "-w", ws, "--json").stdout)) == 7
    # The annotation record is kept, left out of validation (counted, not an error).
    checked = json.loads(newsdesk("validate", "-w", ws, "--json").stdout)
    assert checked["ok"] and checked["removed_document_records"] == 1 and "V214" not in json.dumps(checked)
    # Removing it again says when it was removed; an unknown id removes nothing.
    assert "was removed on" in newsdesk("docs", "remove", wire["id"], "-w", ws).stdout
    unknown = newsdesk("docs", "remove", "ffffffffffffffff", rows[0]["id"], "-w", ws, ok=False)
    assert unknown.exit_code == 1 and "[E004] ffffffffffffffff" in unknown.stderr
    assert len(json.loads(newsdesk("docs", "list", "-w", ws, "--json").stdout)) == 7


def test_docs_remove_as_json(removable):
    ws, wire = removable
    report = json.loads(newsdesk("docs", "remove", wire["id"], wire["duplicate_of"], "-w", ws, "--json").stdout)
    assert [r["id"] for r in report["removed"]] == [wire["id"], wire["duplicate_of"]]
    assert report["annotation_records_kept"] == 1 and report["near_duplicates"] == 0
