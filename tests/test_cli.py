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


def test_help_starts_without_loading_any_stage(tmp_path):
    import subprocess
    import sys

    program = ("import sys; from newsdesk.cli import main; sys.argv = ['newsdesk', '--help']\n"
               "try:\n    main()\nexcept SystemExit:\n    pass\n"
               "heavy = ('corpus.ingest', 'annotation.studio', 'validation.validate', 'releases.build', 'pandas', "
               "'datasets', 'label_studio_sdk', 'spacy', 'pyarrow', 'datasketch')\n"
               "print([m for m in heavy if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", program], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_the_import_formats_in_help_are_the_importers():
    from annotation.importers import FORMATS
    from newsdesk.cli.annotate import FORMATS as LISTED

    assert LISTED == tuple(FORMATS)


def test_the_roles_in_help_are_the_accounts():
    from annotation.accounts import ROLES
    from newsdesk.cli.studio import ROLES as LISTED

    assert LISTED == tuple(ROLES)
