"""A maintainer ingests the sample corpus and some bad files: what is stored, skipped and reported."""

import json
import shutil
from pathlib import Path

import pytest

from corpus.errors import NewsdeskError
from corpus.ingest import clean, ingest
from corpus.store import CorpusStore
from corpus.workspace import Workspace
from corpus_helpers import SAMPLES, SEED


@pytest.fixture
def workspace(tmp_path) -> Workspace:
    return Workspace.init(tmp_path / "ws")


@pytest.fixture(scope="module")
def sample_workspace(tmp_path_factory) -> Workspace:
    ws = Workspace.init(tmp_path_factory.mktemp("samples") / "ws")
    report = ingest(ws, [SAMPLES])
    assert report.ok, [e.one_line() for e in report.failed]
    return ws


def store_snapshot(ws: Workspace) -> dict[str, bytes]:
    return {str(p.relative_to(ws.root)): p.read_bytes() for p in sorted(ws.path("store").rglob("*.jsonl"))}


def docs_by_source(ws: Workspace) -> dict[str, object]:
    return {Path(d.metadata["path"]).name if "path" in d.metadata else d.source: d
            for d in CorpusStore(ws).iter_documents()}


def test_every_sample_is_stored_with_provenance(sample_workspace):
    docs = list(CorpusStore(sample_workspace).iter_documents())
    assert len(docs) == 8  # 6 files + 2 lines of the JSONL file
    for d in docs:
        assert d.text and d.title and d.language == "en"
        assert len(d.raw_sha256) == 64 and len(d.text_sha256) == 64
        assert d.cleaning.pipeline_version and d.blocks[0].kind == "title"


def test_the_seed_is_stored_unchanged_as_raw_input(sample_workspace):
    store = CorpusStore(sample_workspace)
    seed = next(a for a in store.iter_articles() if a.source.endswith(SEED.name))
    assert seed.raw_text == SEED.read_text(encoding="utf-8")
    doc = store.document(seed.id)
    assert doc.title == "Washington will ‘soon’ send troops to Eastern Europe"


def test_a_latin1_file_is_decoded_and_its_encoding_recorded(sample_workspace):
    docs = docs_by_source(sample_workspace)
    zurich = docs["002_zurich_latin1.txt"]
    assert zurich.encoding == "cp1252"
    assert "Zürich" in zurich.text and "naïve" in zurich.text and "cafés" in zurich.text
    assert "Source:" not in zurich.text


def test_an_html_page_gives_its_main_text_and_metadata(sample_workspace):
    doc = next(d for d in CorpusStore(sample_workspace).iter_documents() if d.source.startswith("https://worlddesk"))
    assert doc.title == "Grain exports resume from Odesa as corridor reopens"
    assert doc.published == "2023-06-02"
    assert "Prices fall in Chicago" in doc.text
    assert [b.kind for b in doc.blocks if doc.text[b.start:b.end] == "Prices fall in Chicago"] == ["heading"]
    for chrome in ("Home", "Most read", "All rights reserved", "Subscribe"):
        assert chrome not in doc.text
    # The id comes from the URL, so a re-scrape of the same page keeps it.
    from corpus.model import document_id
    assert doc.id == document_id("https://worlddesk.example.org/2023/06/02/grain-exports-odesa", b"")


def test_jsonl_articles_get_title_url_and_date_from_their_fields(sample_workspace):
    doc = next(d for d in CorpusStore(sample_workspace).iter_documents() if d.source.endswith("wind-farm"))
    assert doc.title == "Denmark approves North Sea wind farm"
    assert doc.published == "2023-05-09"
    assert "Ørsted" in doc.text


def test_near_duplicates_are_kept_flagged_and_clustered(sample_workspace):
    docs = list(CorpusStore(sample_workspace).iter_documents())
    txt = next(d for d in docs if d.source.endswith("001_harbour_strike.txt"))
    wire = next(d for d in docs if d.source.endswith("rotterdam-strike-ends"))
    assert txt.duplicate_of is None and wire.duplicate_of == txt.id
    assert txt.cluster == wire.cluster == txt.id
    assert any(f.rule == "near_duplicate" and txt.id in f.message for f in wire.flags)
    others = [d for d in docs if d.id not in (txt.id, wire.id)]
    assert all(d.cluster is None and d.duplicate_of is None for d in others)


def test_ingesting_the_same_files_again_adds_nothing(sample_workspace):
    before = store_snapshot(sample_workspace)
    report = ingest(sample_workspace, [SAMPLES])
    assert (report.added, report.updated, report.skipped["exact duplicate"]) == (0, 0, 8)
    assert store_snapshot(sample_workspace) == before


def test_exact_duplicates_under_another_name_are_skipped_and_counted(workspace, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SEED, folder / "a.txt")
    shutil.copy(SEED, folder / "copy_of_a.txt")
    report = ingest(workspace, [folder])
    assert (report.read, report.added, report.skipped["exact duplicate"]) == (2, 1, 1)


def test_a_new_scrape_of_the_same_url_replaces_the_old_one(workspace, tmp_path):
    path = tmp_path / "feed.jsonl"
    path.write_text(json.dumps({"url": "https://x.example/a", "text": "Title\n\nFirst version."}) + "\n")
    ingest(workspace, [path])
    path.write_text(json.dumps({"url": "https://x.example/a", "text": "Title\n\nSecond version."}) + "\n")
    report = ingest(workspace, [path])
    assert (report.added, report.updated) == (0, 1)
    (doc,) = CorpusStore(workspace).iter_documents()
    assert doc.text == "Title\n\nSecond version."


BAD_INPUTS = {
    "empty.txt": (b"", "E101"),
    "image.txt": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "E102"),
    "undecodable.txt": (bytes([0x81, 0x8d, 0x8f, 0x90, 0x9d, 0xfe, 0xff, 0xc0, 0xc1, 0xf5]) * 40, "E104"),
    "no_article.html": (b"<html><head><title>Index</title></head><body><nav><a href='/'>Home</a></nav></body></html>",
                        "E105"),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_files_get_one_clear_line_and_the_rest_is_still_ingested(workspace, tmp_path, name):
    good = ingest(workspace, [SEED])
    assert good.added == 1
    before = store_snapshot(workspace)
    folder = tmp_path / "in"
    folder.mkdir()
    data, code = BAD_INPUTS[name]
    (folder / name).write_bytes(data)
    shutil.copy(SAMPLES / "005_emoji_spaces.txt", folder / "good.txt")
    report = ingest(workspace, [folder])
    assert [e.code for e in report.failed] == [code]
    line = report.failed[0].one_line()
    assert name in line and f"[{code}]" in line and " - " in line  # where, what, and a hint
    assert report.added == 1
    after = store_snapshot(workspace)
    # Nothing already stored changed: every old record is still there, byte for byte.
    old_lines = {line for blob in before.values() for line in blob.splitlines()}
    new_lines = {line for blob in after.values() for line in blob.splitlines()}
    assert old_lines <= new_lines


def test_a_file_over_the_size_limit_is_refused(workspace, tmp_path):
    config = workspace.path("newsdesk.toml")
    config.write_text(config.read_text().replace("max_bytes = 5_000_000", "max_bytes = 1_000"))
    report = ingest(Workspace.open(workspace.root), [SEED, SAMPLES / "005_emoji_spaces.txt"])
    assert [e.code for e in report.failed] == ["E103"]
    assert SEED.name in report.failed[0].one_line() and "max_bytes" in report.failed[0].one_line()
    assert report.added == 1


def test_bad_jsonl_lines_name_the_line_and_the_good_lines_are_kept(workspace, tmp_path):
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join([
        json.dumps({"text": "Good title\n\nGood body."}),
        "{not json",
        json.dumps({"body": "Text under another field name"}),
        json.dumps({"text": "   "}),
    ]) + "\n")
    report = ingest(workspace, [path])
    assert report.added == 1
    assert [(e.code, e.where) for e in report.failed] == [
        ("E106", f"{path}:2"), ("E107", f"{path}:3"), ("E107", f"{path}:4")]
    assert "text_field" in report.failed[1].one_line()


def test_jsonl_field_names_are_configurable(workspace, tmp_path):
    config = workspace.path("newsdesk.toml")
    config.write_text(config.read_text().replace('text_field = "text"', 'text_field = "body"'))
    path = tmp_path / "feed.jsonl"
    path.write_text(json.dumps({"body": "Headline\n\nThe body.", "title": "Headline"}) + "\n")
    report = ingest(Workspace.open(workspace.root), [path])
    assert report.added == 1 and not report.failed


def test_a_missing_path_is_reported(workspace, tmp_path):
    report = ingest(workspace, [tmp_path / "nope"])
    assert [e.code for e in report.failed] == ["E110"]


def test_a_second_run_cannot_write_while_the_workspace_is_locked(workspace):
    with workspace.lock():
        with pytest.raises(NewsdeskError) as exc:
            ingest(workspace, [SEED])
    assert exc.value.code == "E002"
    assert not list(CorpusStore(workspace).iter_documents())


def test_clean_only_recleans_what_changed(workspace):
    ingest(workspace, [SAMPLES])
    first = clean(workspace)
    assert (first.recleaned, first.unchanged) == (0, 8)
    config = workspace.path("newsdesk.toml")
    config.write_text(config.read_text().replace('"not_an_article"]', ']'))
    ws = Workspace.open(workspace.root)
    second = clean(ws)
    assert (second.recleaned, second.text_changed) == (8, 0)
    assert (clean(ws).recleaned, clean(ws, force=True).recleaned) == (0, 8)
    # Near-duplicate marks survive re-cleaning.
    assert sum(1 for d in CorpusStore(ws).iter_documents() if d.duplicate_of) == 1


def test_turning_a_rule_off_changes_the_text_on_reclean(workspace):
    ingest(workspace, [SEED])
    config = workspace.path("newsdesk.toml")
    config.write_text(config.read_text().replace('"quote_spacing",', ''))
    ws = Workspace.open(workspace.root)
    report = clean(ws)
    assert (report.recleaned, report.text_changed) == (1, 1)
    (doc,) = CorpusStore(ws).iter_documents()
    assert "diplomacy”he added" in doc.text


def test_opening_a_folder_that_is_not_a_workspace_says_what_to_do(tmp_path):
    with pytest.raises(NewsdeskError) as exc:
        Workspace.open(tmp_path)
    assert exc.value.code == "E001" and "newsdesk init" in exc.value.one_line()


def test_store_json_falls_back_to_the_standard_library_for_what_orjson_refuses():
    import math

    from corpus import jsonio

    assert jsonio.loads('{"id": "a", "n": 1}') == {"id": "a", "n": 1}
    # Records written by json.dumps may hold NaN, which orjson refuses.
    assert math.isnan(jsonio.loads('{"lead_time": NaN}')["lead_time"])
    assert jsonio.loads(b'{"task_id": 9223372036854775807}')["task_id"] == 2**63 - 1  # 64-bit ints stay exact


def test_store_lines_are_read_as_bytes_and_a_broken_line_is_named(tmp_path):
    """The stores' JSON lines are parsed from bytes: a byte order mark and blank lines are
    skipped, NaN (which json writes) still reads, and a line that is not JSON names its file and number."""
    import jsonlines

    from corpus.jsonio import read_lines

    path = tmp_path / "shard-00000.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"id": "a", "t": "\xc3\xa9"}\n\n{"id": "b", "x": NaN}\r\n')
    first, second = read_lines(path)
    assert first == {"id": "a", "t": "é"} and second["id"] == "b" and second["x"] != second["x"]
    path.write_bytes(b'{"id": "a"}\n{"id": \n')
    with pytest.raises(jsonlines.InvalidLineError) as broken:
        list(read_lines(path))
    assert "line 2 of" in str(broken.value) and str(path) in str(broken.value)
