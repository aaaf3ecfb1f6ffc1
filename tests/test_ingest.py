"""A maintainer ingests the sample corpus and some bad files: what is stored, skipped and reported."""

import bz2
import gzip
import json
import lzma
import shutil
from pathlib import Path

import pytest
from corpus_helpers import SAMPLES, SEED

from corpus.errors import NewsdeskError
from corpus.ingest import clean, ingest
from corpus.store import CorpusStore
from corpus.workspace import Workspace


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
    return {
        Path(d.metadata["path"]).name if "path" in d.metadata else d.source: d for d in CorpusStore(ws).iter_documents()
    }


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
    assert [b.kind for b in doc.blocks if doc.text[b.start : b.end] == "Prices fall in Chicago"] == ["heading"]
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
    "undecodable.txt": (bytes([0x81, 0x8D, 0x8F, 0x90, 0x9D, 0xFE, 0xFF, 0xC0, 0xC1, 0xF5]) * 40, "E104"),
    "no_article.html": (
        b"<html><head><title>Index</title></head><body><nav><a href='/'>Home</a></nav></body></html>",
        "E105",
    ),
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
    path.write_text(
        "\n".join(
            [
                json.dumps({"text": "Good title\n\nGood body."}),
                "{not json",
                json.dumps({"body": "Text under another field name", "source": "wire"}),
                json.dumps({"text": "   "}),
                json.dumps(["a list"]),
                json.dumps({"text": 42}),
            ]
        )
        + "\n"
    )
    report = ingest(workspace, [path])
    assert report.added == 1
    assert [(e.code, e.where) for e in report.failed] == [
        ("E106", f"{path}:2"),
        ("E107", f"{path}:3"),
        ("E107", f"{path}:4"),
        ("E107", f"{path}:5"),
        ("E107", f"{path}:6"),
    ]
    missing, empty, a_list, a_number = (e.one_line() for e in report.failed[1:])
    # Each says what the line holds instead, and what to do about it.
    assert "no 'text'; the line has 'body', 'source'" in missing and "text_field" in missing
    assert "'text' is empty" in empty and "text_field" not in empty
    assert "the line is a list, not a JSON object" in a_list
    assert "'text' holds a number, not text" in a_number


def test_jsonl_field_names_are_configurable(workspace, tmp_path):
    config = workspace.path("newsdesk.toml")
    config.write_text(config.read_text().replace('text_field = "text"', 'text_field = "body"'))
    path = tmp_path / "feed.jsonl"
    path.write_text(json.dumps({"body": "Headline\n\nThe body.", "title": "Headline"}) + "\n")
    report = ingest(Workspace.open(workspace.root), [path])
    assert report.added == 1 and not report.failed


# --- compressed inputs: scraped pages are often kept as .gz -----------------------------------------

COMPRESSORS = {".gz": gzip.compress, ".bz2": bz2.compress, ".xz": lzma.compress}


def test_compressed_files_are_read_as_the_files_they_hold(workspace, tmp_path):
    """A .gz, .bz2 or .xz of a text, a page or a feed gives the documents the file itself gives:
    same ids, same raw text; the file itself read after it is an exact duplicate."""
    folder = tmp_path / "in"
    folder.mkdir()
    plain = {
        "seed.txt": SEED,
        "page.html": SAMPLES / "003_grain_exports.html",
        "feed.jsonl": SAMPLES / "004_wire.jsonl",
    }
    for (name, source), suffix in zip(plain.items(), COMPRESSORS):
        (folder / (name + suffix)).write_bytes(COMPRESSORS[suffix](source.read_bytes()))
    report = ingest(workspace, [folder])
    assert report.ok and (report.files, report.added) == (3, 4), [e.one_line() for e in report.failed]
    compressed = {a.id: a for a in CorpusStore(workspace).iter_articles()}
    paths = {Path(a.metadata["path"]).name for a in compressed.values()}
    assert paths == {
        "seed.txt.gz",
        "page.html.bz2",
        "feed.jsonl.xz:1",
        "feed.jsonl.xz:2",
    }  # (a JSONL line's path: file:line)

    other = Workspace.init(tmp_path / "plain")
    assert ingest(other, list(plain.values())).added == 4
    uncompressed = {a.id: a for a in CorpusStore(other).iter_articles()}
    assert compressed.keys() == uncompressed.keys()
    for doc_id, article in compressed.items():
        assert (article.raw_text, article.raw_sha256, article.format) == (
            uncompressed[doc_id].raw_text,
            uncompressed[doc_id].raw_sha256,
            uncompressed[doc_id].format,
        )
    again = ingest(workspace, [SEED])
    assert (again.added, again.skipped["exact duplicate"]) == (0, 1)


def test_a_damaged_archive_is_named_and_the_other_files_are_ingested(workspace, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    whole = gzip.compress(SEED.read_bytes())
    (folder / "cut.txt.gz").write_bytes(whole[: len(whole) // 2])  # a download cut short
    (folder / "not_gzip.html.gz").write_bytes(b"<html>plain, not compressed</html>")
    (folder / "bad.jsonl.xz").write_bytes(b"\xfd7zXZ\x00" + bytes(64))
    shutil.copy(SAMPLES / "005_emoji_spaces.txt", folder / "good.txt")
    report = ingest(workspace, [folder])
    assert [(e.code, Path(e.where).name) for e in report.failed] == [
        ("E114", "bad.jsonl.xz"),
        ("E114", "cut.txt.gz"),
        ("E114", "not_gzip.html.gz"),
    ]
    line = report.failed[1].one_line()
    assert "damaged or cut short" in line and "gzip -t" in line
    assert report.added == 1


def test_a_compressed_file_is_held_to_the_size_limit_once_decompressed(workspace, tmp_path):
    config = workspace.path("newsdesk.toml")
    config.write_text(config.read_text().replace("max_bytes = 5_000_000", "max_bytes = 10_000"))
    packed = tmp_path / "seed.txt.gz"
    packed.write_bytes(gzip.compress(SEED.read_bytes() * 10))
    assert packed.stat().st_size < 10_000 < SEED.stat().st_size * 10
    report = ingest(Workspace.open(workspace.root), [packed])
    assert [e.code for e in report.failed] == ["E103"] and report.added == 0
    assert "once decompressed" in report.failed[0].one_line()


def test_other_files_in_a_folder_are_counted_as_skipped_by_suffix(workspace, tmp_path):
    """A folder of pages beside their metadata says what it passed over, not "files 0"."""
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SEED, folder / "seed.txt")
    for name in ("ground-truth.json", "scan.PDF", "pages.tar.gz", "README", ".DS_Store"):
        (folder / name).write_bytes(b"x")
    report = ingest(workspace, [folder])
    assert report.ok and report.added == 1
    assert report.skipped == {".json file": 1, ".pdf file": 1, ".tar.gz file": 1, "file without suffix": 1}


def test_ingesting_a_workspace_folder_reads_the_users_files_never_its_own_store(tmp_path):
    """`newsdesk init` in a folder of articles, then `ingest .` there: the store it wrote is not input."""
    folder = tmp_path / "articles"
    folder.mkdir()
    shutil.copy(SEED, folder / "seed.txt")
    ws = Workspace.init(folder)
    config = ws.path("newsdesk.toml")
    config.write_text(config.read_text() + '\n[release]\nfolder = "published/datasets"\n')
    for own in ("annotations/records", "gold", "models/ner1", "published/datasets/0.1.0"):
        ws.path(own).mkdir(parents=True, exist_ok=True)
        (ws.path(own) / "part.jsonl").write_text(json.dumps({"text": "Not an article.\n\nA record."}) + "\n")
    first = ingest(ws, [folder])
    assert first.ok and first.added == 1
    assert first.skipped["workspace folder (newsdesk's own)"] == 5  # store, annotations, gold, models, published
    again = ingest(ws, [folder])
    assert again.ok and (again.added, again.failed) == (0, [])
    assert ingest(ws, [ws.path("store", "articles")]).added == 0  # named itself, it is still the store
    assert [Path(d.metadata["path"]).name for d in CorpusStore(ws).iter_documents()] == ["seed.txt"]


# Written for this test: a short news item in each script written without spaces.
UNSPACED_ARTICLES = {
    "ja": "東京都は十五日、新しい防災計画を発表した。計画では、大地震に備えて区ごとに避難所を増やし、水や食料の"
    "備蓄を二倍にする。知事は記者会見で「住民の命を守るため、できることはすべてやる」と述べた。",
    "zh": "上海市政府周三宣布，将在明年扩建三条地铁线路。市长在新闻发布会上表示，新线路将连接城市东部的新区和机场，"
    "预计每天可运送乘客五十万人次。",
}


@pytest.mark.parametrize("language", sorted(UNSPACED_ARTICLES))
def test_a_page_in_a_script_without_spaces_is_an_article_not_a_few_words(workspace, tmp_path, language):
    """A Japanese or Chinese article of a hundred characters has no spaces: counted as one "word"
    it was refused as a page without an article (E105)."""
    text = UNSPACED_ARTICLES[language]
    page = tmp_path / f"{language}.html"
    page.write_text(
        f"<html><head><title>News</title></head><body><nav><a href='/'>Home</a></nav>"
        f"<article><h1>{text[:12]}</h1><p>{text}</p></article></body></html>",
        encoding="utf-8",
    )
    report = ingest(workspace, [page])
    assert report.ok and report.added == 1, [e.one_line() for e in report.failed]
    (doc,) = CorpusStore(workspace).iter_documents()
    assert text in doc.text and doc.language == language


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
    config.write_text(config.read_text().replace('"not_an_article"]', "]"))
    ws = Workspace.open(workspace.root)
    second = clean(ws)
    assert (second.recleaned, second.text_changed) == (8, 0)
    assert (clean(ws).recleaned, clean(ws, force=True).recleaned) == (0, 8)
    # Near-duplicate marks survive re-cleaning.
    assert sum(1 for d in CorpusStore(ws).iter_documents() if d.duplicate_of) == 1


def test_turning_a_rule_off_changes_the_text_on_reclean(workspace):
    ingest(workspace, [SEED])
    config = workspace.path("newsdesk.toml")
    config.write_text(config.read_text().replace('"quote_spacing",', ""))
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


# --- text that starts like a file signature is text; real binaries are still refused (E102) ----------

SIGNATURE_WORDS = {
    "bmw.txt": "BMW recalls 10,000 cars over a brake fault\n\nThe carmaker said on Tuesday that owners would be told.",
    "gif.txt": "GIF89a, GIF87a and PNG: the formats that shaped the web\n\nA museum opened an exhibition on Friday.",
    "gif8.txt": "GIF8 is a tool that nobody remembers\n\nIts author said she was surprised by the attention.",
    "riff.txt": "RIFF on a theme: the band's new album\n\nCritics praised the record's second half.",
    "pk.txt": "PK Subban retires from hockey\n\nThe defenceman played 13 seasons in the league.",
    "pdf.txt": "%PDF-based invoices are spreading among small firms\n\nThe chamber of commerce said so on Monday.",
    "ii.txt": "II* Corps returns from the front\n\nThe soldiers were welcomed in the capital.",
    "stray_control.txt": "Storm closes schools\n\nSchools stayed closed on Monday after the storm.\x1a",
}


def test_text_that_starts_like_a_file_signature_is_ingested(workspace, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name, text in SIGNATURE_WORDS.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "utf16.txt").write_bytes("Ärzte streiken\n\nDie Praxen bleiben am Montag geschlossen.".encode("utf-16"))
    report = ingest(workspace, [folder])
    assert report.failed == [] and report.added == len(SIGNATURE_WORDS) + 1
    titles = {d.title for d in CorpusStore(workspace).iter_documents()}
    assert "BMW recalls 10,000 cars over a brake fault" in titles and "Ärzte streiken" in titles
    assert "%PDF-based invoices are spreading among small firms" in titles


def test_a_stray_run_of_nul_bytes_in_a_long_article_does_not_make_it_binary(workspace, tmp_path):
    """Scraped pages can carry a few NULs (a real one: 11 in a row, in 190 KB); binary files carry many."""
    body = "\n\n".join(f"Paragraph {i} of the council's budget story, with its figures and quotes." for i in range(400))
    path = tmp_path / "page.txt"
    path.write_bytes(("Council passes budget\n\n" + body[:9000]).encode() + b"\x00" * 11 + body[9000:].encode())
    report = ingest(workspace, [path])
    assert report.failed == [] and report.added == 1


def _png() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    pixels = zlib.compress(b"\x00\xff\x00\x00" * 16)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )


def _jpeg() -> bytes:
    import struct

    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    quant = bytes([0]) + bytes(range(1, 65))
    frame = struct.pack(">BHHB", 8, 1, 1, 1) + bytes([1, 0x11, 0])
    return (
        b"\xff\xd8"
        + b"\xff\xe0"
        + struct.pack(">H", len(app0) + 2)
        + app0
        + b"\xff\xdb"
        + struct.pack(">H", len(quant) + 2)
        + quant
        + b"\xff\xc0"
        + struct.pack(">H", len(frame) + 2)
        + frame
        + b"\xff\xd9"
    )


def _gif() -> bytes:
    import struct

    return (
        b"GIF89a"
        + struct.pack("<HHBBB", 1, 1, 0x80, 0, 0)
        + b"\xff\xff\xff\x00\x00\x00"
        + b"\x2c"
        + struct.pack("<HHHHB", 0, 0, 1, 1, 0)
        + b"\x02\x02\x44\x01\x00\x3b"
    )


def _pdf(compressed: bool) -> bytes:
    import zlib

    content = b"BT /F1 12 Tf 72 712 Td (A PDF, not an article) Tj ET"
    stream = zlib.compress(content) if compressed else content
    flate = b" /Filter /FlateDecode" if compressed else b""
    return (
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
        b"3 0 obj\n<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>\nendobj\n"
        b"4 0 obj\n<< /Length "
        + str(len(stream)).encode()
        + flate
        + b" >>\nstream\n"
        + stream
        + b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )


def _zip(method: int) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        archive.writestr("article.txt", "Title\n\nA story in an archive. " * 40)
    return buffer.getvalue()


def _gzip() -> bytes:
    import gzip

    return gzip.compress(("Title\n\nA story, compressed. " * 40).encode())


def _elf() -> bytes:
    import struct

    return b"\x7fELF\x02\x01\x01" + bytes(9) + struct.pack("<HHI", 2, 0x3E, 1) + bytes(48)


def _bmp() -> bytes:
    import struct

    pixels = b"\x00\x00\xff" * 4 + b"\x00" * 0
    header = struct.pack("<IiiHHIIiiII", 40, 2, 2, 1, 24, 0, len(pixels), 2835, 2835, 0, 0)
    return b"BM" + struct.pack("<IHHI", 14 + len(header) + len(pixels), 0, 0, 14 + len(header)) + header + pixels


REAL_BINARIES = {
    "photo.png": _png,
    "photo.jpg.txt": _jpeg,
    "anim.gif.txt": _gif,
    "scan.pdf.txt": lambda: _pdf(True),
    "plain.pdf.txt": lambda: _pdf(False),
    "deflated.zip.txt": lambda: _zip(8),
    "stored.zip.txt": lambda: _zip(0),
    "feed.gz.txt": _gzip,
    "program.txt": _elf,
    "image.bmp.txt": _bmp,
}


@pytest.mark.parametrize("name", sorted(REAL_BINARIES))
def test_real_images_pdfs_archives_and_programs_are_still_refused(workspace, tmp_path, name):
    path = tmp_path / (name if name.endswith(".txt") else name + ".txt")
    path.write_bytes(REAL_BINARIES[name]())
    report = ingest(workspace, [path])
    assert [e.code for e in report.failed] == ["E102"] and report.added == 0
    assert path.name in report.failed[0].one_line()


# --- links under an ingested folder: followed, and told when broken or looping ---------------------


def test_broken_links_and_loops_are_told_and_counted(workspace, tmp_path):
    folder, elsewhere = tmp_path / "in", tmp_path / "elsewhere"
    (folder / "sub").mkdir(parents=True)
    elsewhere.mkdir()
    shutil.copy(SEED, folder / "seed.txt")
    shutil.copy(SAMPLES / "005_emoji_spaces.txt", elsewhere / "linked.txt")
    (folder / "sub" / "linked_folder").symlink_to(elsewhere)  # followed: its file is ingested
    (folder / "sub" / "back_up").symlink_to(folder)  # a loop: skipped, with a note
    (folder / "gone.txt").symlink_to(tmp_path / "deleted.txt")  # broken: a failure
    (folder / "a.txt").symlink_to(folder / "b.txt")  # links pointing at each other: broken too
    (folder / "b.txt").symlink_to(folder / "a.txt")
    (folder / "gone.png").symlink_to(tmp_path / "deleted.png")  # never an article: not worth a line
    (folder / ".hidden.txt").symlink_to(tmp_path / "deleted.txt")  # hidden, as hidden files are
    report = ingest(workspace, [folder])
    assert report.added == 2 and report.files == 2
    assert [(e.code, Path(e.where).name) for e in report.failed] == [
        ("E111", "a.txt"),
        ("E111", "b.txt"),
        ("E111", "gone.txt"),
    ]
    assert "a loop of links" in report.failed[0].one_line() and "deleted.txt" in report.failed[2].one_line()
    assert [(e.code, e.where) for e in report.notes] == [("E112", str(folder / "sub" / "back_up"))]
    assert report.skipped == {"symlink loop": 1}
    assert report.to_record()["notes"][0].startswith(f"[E112] {folder / 'sub' / 'back_up'}: symbolic link loop")


def test_a_broken_link_given_as_a_path_is_told(workspace, tmp_path):
    (tmp_path / "link.txt").symlink_to(tmp_path / "nothing.txt")
    report = ingest(workspace, [tmp_path / "link.txt", tmp_path / "absent.txt"])
    assert [e.code for e in report.failed] == ["E111", "E110"]


# --- an article that cleans to nothing: refused (E109), nothing stored -----------------------------


def test_a_url_whose_first_scrape_cleans_to_nothing_is_added_by_its_second(workspace, tmp_path):
    path = tmp_path / "feed.jsonl"
    path.write_text(
        "\n".join(
            json.dumps(rec)
            for rec in [
                {"url": "https://x.example/a", "text": "Read more"},
                {"text": "Read more"},  # an exact duplicate of the refused body: refused too
                {"url": "https://x.example/a", "text": "Title\n\nThe story, scraped again."},
            ]
        )
        + "\n"
    )
    report = ingest(workspace, [path])
    assert (report.added, report.updated, dict(report.skipped)) == (1, 0, {})
    assert [(e.code, e.where) for e in report.failed] == [("E109", f"{path}:1"), ("E109", f"{path}:2")]
    assert [a.raw_text for a in CorpusStore(workspace).iter_articles()] == ["Title\n\nThe story, scraped again."]
    again = ingest(workspace, [path])
    assert (again.added, again.updated, [e.code for e in again.failed]) == (0, 0, ["E109", "E109"])


def test_an_older_scrape_read_again_does_not_replace_the_newer(workspace, tmp_path):
    path = tmp_path / "feed.jsonl"
    path.write_text(
        json.dumps({"url": "https://x.example/a", "text": "Title\n\nFirst version."})
        + "\n"
        + json.dumps({"url": "https://x.example/a", "text": "Title\n\nSecond version."})
        + "\n"
    )
    first = ingest(workspace, [path])
    assert (first.added, first.updated) == (1, 1)
    before = store_snapshot(workspace)
    again = ingest(workspace, [path])
    assert (again.added, again.updated, again.skipped["exact duplicate"]) == (0, 0, 2)
    assert store_snapshot(workspace) == before
    (doc,) = CorpusStore(workspace).iter_documents()
    assert doc.text == "Title\n\nSecond version."
