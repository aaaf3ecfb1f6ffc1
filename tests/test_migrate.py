"""Cleaning a document again loses none of its annotations: what was made on the old text is
carried over to the new one through the raw text (annotation.migrate), by clean, ingest and
import themselves and by `annotate migrate`; what cannot be carried stays, stale, and is named."""

import json
from pathlib import Path

from typer.testing import CliRunner

from annotation.model import AnnotationRecord, Origin
from annotation.store import AnnotationStore
from corpus.model import document_id, sha256_hex
from corpus.store import CorpusStore, DocumentShards
from corpus.workspace import Workspace
from newsdesk.cli import app
from validation.validate import validate

runner = CliRunner()

# A site whose every page opens with the same menu lines: once enough of its pages are in, the
# repeated-lines rule takes them from every page, the annotated ones too, and every span moves.
MENU = ["Home", "World", "Sign up for our morning newsletter"]
STORIES = [
    "Officials in Lagos said on Monday that the bridge would reopen next week.",
    "The mayor told reporters the repairs to the harbour wall were finished.",
    "Engineers raised the river barrier for its yearly trial run on Sunday.",
    "Readers queued from dawn as the old reading room opened again.",
]
ATTRIBUTION_MAP = "Source=SOURCE,Cue=CUE,Content=CLAIM,Attribution=-,role:Source=source,role:Cue=cue"


def page(i: int, menu: list[str] = MENU) -> str:
    return "\n".join([*menu, "", STORIES[i], "", f"Story {i} goes on with details only this one has."]) + "\n"


def at(words: str, text: str) -> str:
    start = text.index(words)
    return f"{start} {start + len(words)}\t{words}"


def attribution(text: str, source: str, cue: str, content: str) -> str:
    return (
        f"T1\tSource {at(source, text)}\nT2\tCue {at(cue, text)}\nT3\tContent {at(content, text)}\n"
        f"T4\tAttribution {at(cue, text)}\nE1\tAttribution:T4 Content:T3 Cue:T2 Source:T1\n"
    )


ANNOTATED = {
    0: ("Officials in Lagos", "said", "the bridge would reopen next week"),
    1: ("The mayor", "told", "the repairs to the harbour wall were finished"),
}


def cli(*args: str):
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def annotated_site(tmp_path: Path, extra: str = "", menu: list[str] = MENU) -> tuple[Path, Path]:
    """A workspace with two pages of site-a imported with one person's attributions (``extra``:
    more brat lines for page 0), and the folder to ingest the site's next pages from."""
    ws, site = tmp_path / "ws", tmp_path / "site-a"
    site.mkdir()
    assert cli("init", str(ws))[0] == 0
    for i, spans in ANNOTATED.items():
        text = page(i, menu)
        (site / f"story-{i}.txt").write_text(text, encoding="utf-8")
        (site / f"story-{i}.ann").write_text(attribution(text, *spans) + (extra if i == 0 else ""), encoding="utf-8")
    return ws, site


def records(ws: Path) -> list[AnnotationRecord]:
    return AnnotationStore(Workspace.open(ws)).records()


def findings(ws: Path) -> list[str]:
    return [f.code for f in validate(Workspace.open(ws)).findings]


def test_new_pages_of_the_source_take_the_menu_from_annotated_pages_and_their_spans_move_with_the_text(tmp_path):
    ws, site = annotated_site(tmp_path)
    code, out, err = cli("annotate", "import", str(site), "-f", "brat", "--map", ATTRIBUTION_MAP, "-w", str(ws))
    assert code == 0, (out, err)
    before = {r.doc_id: r for r in records(ws)}
    assert all(CorpusStore(Workspace.open(ws)).document(d).text.startswith("Home") for d in before)

    for i in (2, 3):  # the site's next pages: the menu is now on 4 of 4 pages, and goes from all
        (site / f"story-{i}.txt").write_text(page(i), encoding="utf-8")
    code, out, err = cli("ingest", str(site), "-w", str(ws))
    assert code == 0, (out, err)
    assert "re-cleaned 4 documents whose source's repeated lines changed" in out  # the new two as well
    assert "annotations: carried 2 records of 2 documents over to their new text" in out

    corpus = CorpusStore(Workspace.open(ws))
    for record in records(ws):
        document = corpus.document(record.doc_id)
        assert not document.text.startswith("Home") and record.text_sha256 == document.text_sha256
        old = before[record.doc_id]
        assert [s.text for s in record.spans] == [s.text for s in old.spans]
        assert all(document.text[s.start : s.end] == s.text for s in record.spans)
        assert all(new.start < was.start for new, was in zip(record.spans, old.spans))  # the menu went
        assert (record.links, record.choices, record.annotator) == (old.links, old.choices, old.annotator)
    assert "V211" not in findings(ws)

    # Nothing left to carry: a second run changes nothing, and says so.
    segments = sorted(p.name for p in AnnotationStore(Workspace.open(ws)).segments())
    code, out, _ = cli("annotate", "migrate", "-w", str(ws))
    assert code == 0 and "nothing to carry" in out
    assert sorted(p.name for p in AnnotationStore(Workspace.open(ws)).segments()) == segments


def test_a_record_whose_words_went_stays_stale_and_is_named(tmp_path):
    # Imported with --clean-annotated-text, a span may sit on a line cleaning takes later.
    menu_span = f"T9\tSource {at('World', page(0))}\n"
    ws, site = annotated_site(tmp_path, extra=menu_span)
    code, out, err = cli(
        "annotate", "import", str(site), "-f", "brat", "--map", ATTRIBUTION_MAP, "--clean-annotated-text", "-w", str(ws)
    )
    assert code == 0, (out, err)
    for i in (2, 3):
        (site / f"story-{i}.txt").write_text(page(i), encoding="utf-8")
    code, out, err = cli("ingest", str(site), "-w", str(ws))
    assert code == 0, (out, err)
    assert "carried 1 records of 1 documents" in out  # page 1's
    assert "left stale (V211): brat record" in err and "SOURCE 'World'" in err
    stale = [f for f in validate(Workspace.open(ws)).findings if f.code == "V211"]
    assert len(stale) == 1 and "newsdesk annotate migrate" in stale[0].hint

    code, out, err = cli("annotate", "migrate", "--json", "-w", str(ws))
    assert code == 1
    report = json.loads(out)
    assert report["records"] == 0 and len(report["left"]) == 1 and "story-0" in report["left"][0]


def test_clean_carries_records_over_a_config_change_and_says_gold_needs_adjudicating(tmp_path):
    # A double space before every span: the whitespace rule closes it up, until it is switched off.
    ws, site = annotated_site(tmp_path, menu=["Home", "World  news", "Sign up for our morning newsletter"])
    assert cli("annotate", "import", str(site), "-f", "brat", "--map", ATTRIBUTION_MAP, "-w", str(ws))[0] == 0
    before = {r.doc_id: r for r in records(ws)}
    code, out, err = cli("adjudicate", "--strategy", "single", "-w", str(ws))
    assert code in (0, 1), (out, err)  # 1: open questions (unanswered claim attributes)
    config = Workspace.open(ws).path("newsdesk.toml")
    config.write_text(config.read_text(encoding="utf-8").replace('"whitespace", ', ""), encoding="utf-8")

    code, out, err = cli("clean", "--json", "-w", str(ws))
    assert code == 0, (out, err)
    report = json.loads(out)
    assert report["text_changed"] == 2
    assert report["annotations_carried"] == {"records": 2, "documents": 2, "left": [], "gold_stale": 2}
    assert "2 gold records were made on an earlier text of their document: run `newsdesk adjudicate` again" in err
    for record in records(ws):
        assert [s.start for s in record.spans] == [s.start + 1 for s in before[record.doc_id].spans]
    assert findings(ws).count("V211") == 2  # gold's, made on the old texts
    assert cli("adjudicate", "--strategy", "single", "-w", str(ws))[0] in (0, 1)
    assert "V211" not in findings(ws)


def test_label_studio_records_are_left_to_push_and_pull(tmp_path):
    """The server holds them on the old text; push carries the task there, pull brings them back."""
    ws, site = annotated_site(tmp_path)
    assert cli("annotate", "import", str(site), "-f", "brat", "--map", ATTRIBUTION_MAP, "-w", str(ws))[0] == 0
    workspace = Workspace.open(ws)
    imported = records(ws)[0]
    pulled = AnnotationRecord(
        doc_id=imported.doc_id,
        text_sha256=imported.text_sha256,
        annotator="ann@example.org",
        origin=Origin.LABEL_STUDIO,
        record_id="7",
        task_id=1,
        spans=imported.spans,
        links=imported.links,
        choices=imported.choices,
    )
    AnnotationStore(workspace).append([pulled], "pull")
    for i in (2, 3):
        (site / f"story-{i}.txt").write_text(page(i), encoding="utf-8")
    assert cli("ingest", str(site), "-w", str(ws))[0] == 0
    current = {r.origin: r for r in records(ws) if r.doc_id == imported.doc_id}
    document = CorpusStore(workspace).document(imported.doc_id)
    assert current[Origin.BRAT].text_sha256 == document.text_sha256
    assert current[Origin.LABEL_STUDIO].text_sha256 == imported.text_sha256  # push's to carry


def _document_record(text: str, raw: str, offset_map: list) -> dict:
    return {
        "id": document_id(None, raw.encode()),
        "raw_sha256": sha256_hex(raw.encode()),
        "text": text,
        "text_sha256": sha256_hex(text.encode()),
        "cleaning": {"offset_map": {"raw_length": len(raw), "clean_length": len(text), "changed": offset_map}},
    }


def test_the_documents_shards_keep_each_replaced_text_and_only_those(tmp_path):
    shards = DocumentShards(tmp_path / "store" / "documents", 4)
    raw = "Home\nThe bridge reopens.\n"
    first = _document_record(raw, raw, [])
    second = _document_record("The bridge reopens.\n", raw, [[0, 5, 0, 0]])
    shards.upsert([first])
    shards.upsert([first])  # the same text again: nothing to keep
    assert shards.versions() == set()
    with shards.deferred():  # batches as runs: each replaced text is still kept, in order
        shards.upsert([second])
        shards.upsert([{**first, "title": "another title, same text"}])
    both = {(first["id"], first["text_sha256"]), (first["id"], second["text_sha256"])}
    assert shards.versions() == both
    kept = shards.read_versions(both)[first["id"], first["text_sha256"]]
    assert kept["offset_map"] == first["cleaning"]["offset_map"] and kept["raw_sha256"] == first["raw_sha256"]
    # A newer scrape (another raw text) is another text, not a version of this one.
    newer = _document_record("The bridge reopened.\n", "The bridge reopened.\n", [])
    shards.upsert([{**newer, "id": first["id"]}])
    assert len(shards.versions()) == 2
