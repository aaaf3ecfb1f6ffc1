"""A site's pages all end in the same "About Us" / newsletter lines: once a few of its documents are in,
those lines go from every document of that site, earlier ones included, and nothing else does."""

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from corpus import partitioned
from corpus.engines import DaskEngine, LocalEngine
from corpus.ingest import clean, ingest
from corpus.rules import CleaningContext
from corpus.rules.repeated_lines import RepeatedLines, normalise_line, source_of
from corpus.store import CorpusStore
from corpus.workspace import Workspace
from newsdesk.cli import app

runner = CliRunner()

FOOTER = ["About Us", "Help", "Sign up for our morning newsletter", "Follow us on Twitter"]
STORIES = [
    ("Harbour strike enters its third week", "Dockers at the northern harbour stayed out on Monday."),
    ("Council approves new tram line", "The city council voted 31 to 12 for the eastern tram extension."),
    ("Flood defences tested before winter", "Engineers raised the river barrier for its yearly trial run."),
    ("Library reopens after two-year repair", "Readers queued from dawn as the old reading room opened again."),
    ("Ferry timetable cut for the winter", "The island ferry will sail four times a day from November."),
    ("School meals to be free for all pupils", "Every primary pupil will get a free hot lunch from January."),
]
# A sentence every story repeats (a standard explanation): longer than a menu line, so kept.
LONG = (
    "The minister said the budget would not be balanced before the end of the decade, whatever the "
    "markets expected, and that the shortfall would be met by borrowing rather than by new taxes."
)


def page(i: int, footer=FOOTER) -> str:
    title, lead = STORIES[i]
    body = [lead, "WASHINGTON —", f"Story number {i} goes on with details only this story has.", LONG]
    return "\n".join([title, "", *"\n\n".join(body).split("\n"), "", *[f"  {line} " for line in footer]]) + "\n"


def write_pages(folder: Path, indices, footer=FOOTER) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in indices:
        (folder / f"story-{i}.txt").write_text(page(i, footer), encoding="utf-8")
    return folder


def texts(ws: Workspace) -> dict[str, str]:
    return {Path(d.metadata["path"]).name: d.text for d in CorpusStore(ws).iter_documents()}


def snapshot(ws: Workspace) -> dict[str, str]:
    files = sorted(ws.path("store").rglob("*.json*"))
    return {str(p.relative_to(ws.root)): p.read_text(encoding="utf-8") for p in files}


def test_the_source_is_the_site_else_the_feed_else_the_folder():
    assert source_of("https://www.example.org/news/a.html", None) == "example.org"
    assert source_of("https://news.example.org/a", "in/feed.jsonl:3") == "news.example.org"
    archived = "http://web.archive.org/web/20170101000000/https://www.paper.com/story"
    assert source_of(archived, None) == "paper.com"
    assert source_of(None, "in/feed.jsonl:12") == "in/feed.jsonl"
    assert source_of(None, "in/site-a/story-1.txt") == "in/site-a"
    assert normalise_line("  Follow us \t on Twitter ") == "Follow us on Twitter"


def test_the_rule_removes_only_whole_lines_of_its_source_and_never_a_whole_text():
    rule = RepeatedLines()
    text = "Title\n\nAbout Us here is a sentence.\n\nAbout  Us\n\nHelp"
    ctx = CleaningContext(repeated_lines=frozenset({"About Us", "Help"}))
    edits = rule.propose(text, ctx)
    kept = text
    for e in sorted(edits, key=lambda e: -e.start):
        kept = kept[: e.start] + e.replacement + kept[e.end :]
    assert kept == "Title\n\nAbout Us here is a sentence."
    assert rule.propose("About Us\n\nHelp", ctx) == []  # nothing but the source's lines: left whole
    assert rule.propose(text, CleaningContext()) == []  # a source with no repeated lines


def test_the_table_needs_k_documents_and_a_share_and_never_keeps_a_dateline():
    from corpus.rules.repeated_lines import LineCounts

    counts = LineCounts()
    for i in range(40):
        lines = (
            ["WASHINGTON —", "9:15 p.m.", f"Story {i}", LONG]
            + (FOOTER if i < 5 else [])
            + (["Rare line"] if i < 3 else [])
        )
        counts.add("site", "\n".join(lines), max_words=20, max_chars=150)
    table = RepeatedLines(min_documents=3, min_share=0.1).table(counts)
    assert set(table.lines("site")) == set(FOOTER)  # 5 of 40: >= 3 and >= 10%; "Rare line" 3 < 4
    assert not {"WASHINGTON —", "9:15 p.m.", LONG} & table.lines("site")
    assert RepeatedLines(min_documents=6).table(counts).sources == {}


def test_a_footer_repeated_across_a_site_goes_and_the_log_names_the_rule(tmp_path):
    inputs = write_pages(tmp_path / "in" / "site-a", range(4))
    ws = Workspace.init(tmp_path / "ws")
    report = ingest(ws, [inputs])
    assert report.ok and report.added == 4
    for name, text in texts(ws).items():
        assert not any(line in text.split("\n") for line in FOOTER), name
        assert "WASHINGTON —" in text and LONG in text and "goes on with details" in text
    doc = next(CorpusStore(ws).iter_documents())
    removed = [e for e in doc.cleaning.edits if e.rule == "repeated_lines"]
    # (the newsletter and Twitter lines are known shapes: earlier rules take them from any text)
    assert "About Us" in "".join(e.removed for e in removed) and "Help" in "".join(e.removed for e in removed)
    # The raw view shows what went and which rule took it.
    shown = runner.invoke(app, ["docs", "show", doc.id, "-w", str(ws.root), "--raw"]).stdout
    assert "repeated_lines" in shown and "About Us" in shown
    table = json.loads(ws.path("store", "repeated_lines.json").read_text(encoding="utf-8"))
    assert table["sources"][str(inputs)]["documents"] == 4


def test_lines_repeated_in_one_source_stay_in_another(tmp_path):
    write_pages(tmp_path / "in" / "site-a", range(4))
    write_pages(tmp_path / "in" / "site-b", [4, 5])  # the same footer, but only two documents of site-b
    ws = Workspace.init(tmp_path / "ws")
    assert ingest(ws, [tmp_path / "in"]).ok
    by_name = {name: text for name, text in texts(ws).items()}
    assert "About Us" not in by_name["story-0.txt"]
    assert "About Us" in by_name["story-4.txt"] and "About Us" in by_name["story-5.txt"]


def test_new_documents_of_a_source_take_its_lines_from_the_earlier_ones_and_a_rerun_changes_nothing(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    site = tmp_path / "in" / "site-a"
    assert ingest(ws, [write_pages(site, [0, 1])]).ok  # two documents: not yet repeated enough
    assert all("About Us" in text for text in texts(ws).values())
    report = ingest(ws, [write_pages(site, [2, 3])])  # the folder again, now with four
    # The two earlier ones, and the two new ones, cleaned before their batch made the lines repeated.
    assert report.added == 2 and report.repeated_lines_recleaned == 4
    assert all("About Us" not in text and "Help" not in text.split("\n") for text in texts(ws).values())
    before = snapshot(ws)
    again = ingest(ws, [site])
    assert again.added == 0 and again.repeated_lines_recleaned == 0
    cleaned = clean(ws)
    assert cleaned.recleaned == 0 and cleaned.text_changed == 0
    assert snapshot(ws) == before


def test_a_new_pipeline_recleans_and_keeps_the_repeated_lines_gone(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    assert ingest(ws, [write_pages(tmp_path / "in" / "site-a", range(4))]).ok
    report = clean(ws, force=True)
    assert report.recleaned == 4 and report.text_changed == 0


def _masked(ws: Workspace) -> dict[str, str]:
    return {k: re.sub(r'"ingested_at": [0-9.e+-]+', '"ingested_at": T', v) for k, v in snapshot(ws).items()}


@pytest.mark.parametrize("engine_kind", ["local-engine", "dask"])
def test_the_partitioned_driver_stores_what_the_local_path_stores(tmp_path, engine_kind):
    site = tmp_path / "in" / "site-a"
    write_pages(tmp_path / "in" / "site-b", [4, 5])
    local_ws, driven_ws = Workspace.init(tmp_path / "local"), Workspace.init(tmp_path / "driven")
    engine = LocalEngine() if engine_kind == "local-engine" else DaskEngine(workers=1)
    try:
        for batch in ([0, 1], [2, 3]):
            write_pages(site, batch)
            local_report = ingest(local_ws, [tmp_path / "in"])
            driven_report = partitioned.ingest(driven_ws, [tmp_path / "in"], engine)
            assert driven_report.repeated_lines_recleaned == local_report.repeated_lines_recleaned
        assert local_report.repeated_lines_recleaned == 4
        assert _masked(driven_ws) == _masked(local_ws)
        assert partitioned.clean(driven_ws, engine).recleaned == 0
        assert _masked(driven_ws) == _masked(local_ws)
    finally:
        engine.close()


def test_the_cli_says_how_many_earlier_documents_it_recleaned(tmp_path):
    ws, site = tmp_path / "ws", tmp_path / "in" / "site-a"
    assert runner.invoke(app, ["init", str(ws)]).exit_code == 0
    first = runner.invoke(app, ["ingest", str(write_pages(site, [0, 1])), "--workspace", str(ws)])
    assert first.exit_code == 0 and "re-cleaned" not in first.stdout
    second = runner.invoke(app, ["ingest", str(write_pages(site, [2])), "--workspace", str(ws)])
    assert second.exit_code == 0 and "re-cleaned 3 documents whose source's repeated lines changed" in second.stdout
