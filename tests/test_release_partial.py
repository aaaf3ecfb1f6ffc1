"""Releases of part of the work, as users make them: a workspace whose gold has entities but no
claims, one nobody has adjudicated yet, and one where a second annotator's documents came in after
adjudication. Whatever a release has, its card says only that and every loading line in it loads;
it names the files its documents came from, never the folders they sat in; and the build says
which annotated documents it leaves without gold, and what to run."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from annotation.importers import import_annotations
from annotation.model import AnnotationRecord
from corpus.errors import NewsdeskError
from corpus.ingest import ingest
from corpus.workspace import Workspace
from newsdesk.cli import app
from releases.build import build_release
from releases.rows import published_source
from releases.versions import list_versions
from validation.adjudicate import adjudicate_workspace
from validation.gold import gold_coverage, save_gold

PEOPLE = ["Ada Okafor", "Ben Lindqvist", "Chen Wei", "Dora Mendes", "Emil Novak"]
PLACES = ["Lagos", "Uppsala", "Chengdu", "Porto", "Brno"]
DEEDS = [
    "opened a clinic in",
    "sold the mill near",
    "coached a team from",
    "painted a mural in",
    "repaired a bridge in",
]
FEED_URL = "https://news.example.org/2024/05/harbour-reopens"


def conll_documents(numbers: range) -> str:
    """A CoNLL file of one short document per number: a person, what they did, a place."""
    lines = []
    for n in numbers:
        first, last = PEOPLE[n].split()
        lines += ["-DOCSTART- O", "", f"{first} B-PER", f"{last} I-PER"]
        lines += [f"{word} O" for word in DEEDS[n].split()]
        lines += [f"{PLACES[n]} B-LOC", ". O", ""]
    return "\n".join(lines) + "\n"


def scrapes_of_alice(root: Path) -> Path:
    """What a maintainer called Alice keeps in her home folder: a scraped page, a feed, and two
    annotators' CoNLL files (ana's three documents, ben's two)."""
    home = root / "home" / "alice"
    site = home / "scrapes" / "site"
    site.mkdir(parents=True)
    (site / "page.txt").write_text(
        "Harbour workers return\n\nDockworkers at the harbour returned to work on Tuesday after a pay deal "
        "ended a three-day strike, the union said in a statement.\n",
        encoding="utf-8",
    )
    feed = {
        "url": FEED_URL,
        "title": "Harbour reopens to ships",
        "text": "The harbour reopened to container ships on Wednesday, a day after the strike ended, "
        "port officials said.",
    }
    (home / "scrapes" / "feed.jsonl").write_text(json.dumps(feed) + "\n", encoding="utf-8")
    (home / "ner").mkdir()
    (home / "ner" / "ana.conll").write_text(conll_documents(range(3)), encoding="utf-8")
    (home / "ner" / "ben.conll").write_text(conll_documents(range(3, 5)), encoding="utf-8")
    return home


def annotated_workspace(root: Path) -> tuple[Workspace, Path]:
    """Alice's scrapes ingested and ana's documents imported (entities only, no claims)."""
    home = scrapes_of_alice(root)
    ws = Workspace.init(root / "ws")
    assert ingest(ws, [home / "scrapes"]).ok
    import_annotations(ws, home / "ner" / "ana.conll", "conll", annotator="ana", label_map="PER=PERSON")
    return ws, home


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def entity_gold(tmp_path_factory):
    """Ana's documents adjudicated and released as 0.1.0; then ben's imported and, not adjudicated,
    released as 0.2.0 through the CLI (its exit code, --json report and stderr kept)."""
    root = tmp_path_factory.mktemp("partial")
    ws, home = annotated_workspace(root)
    save_gold(ws, adjudicate_workspace(ws, "single"))
    first = build_release(ws, "0.1.0")
    import_annotations(ws, home / "ner" / "ben.conll", "conll", annotator="ben", label_map="PER=PERSON")
    second = cli("release", "build", "0.2.0", "--json", "-w", str(ws.root))
    return root, first, second


@pytest.fixture(scope="module")
def without_gold(tmp_path_factory):
    """Ana's documents imported, nobody has adjudicated: released as 0.1.0."""
    root = tmp_path_factory.mktemp("unadjudicated")
    ws, _ = annotated_workspace(root)
    return root, build_release(ws, "0.1.0")


def release_text(folder: Path) -> str:
    """Everything a release holds, as text: its files, and every Parquet file's rows and metadata."""
    parts = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.suffix == ".parquet":
            table = pq.read_table(path)
            parts += [json.dumps(table.to_pylist(), default=str), str(table.schema.metadata)]
        else:
            parts.append(path.read_text(encoding="utf-8"))
    return "\n".join(parts)


def test_a_release_names_each_file_by_its_name_never_by_the_folders_it_sat_in(entity_gold):
    root, first, _ = entity_gold
    sources = set()
    for path in (first.path / "data" / "documents").glob("*.parquet"):
        sources |= set(pq.read_table(path, columns=["source"]).column("source").to_pylist())
    # The URL as it is; a file by its name, with the document it was within an imported file.
    assert sources == {"page.txt", FEED_URL, "ana.conll#doc1", "ana.conll#doc2", "ana.conll#doc3"}
    everything = release_text(first.path)
    assert "page.txt" in everything
    for local in (str(root), "/home/alice", "alice"):
        assert local not in everything, local


@pytest.mark.parametrize(
    ("source", "published"),
    [
        ("/work/shared/data/ner/wnut17/wnut17train.conll#doc73", "wnut17train.conll#doc73"),
        ("/home/alice/scrapes/site/page.txt", "page.txt"),
        ("/home/alice/feeds/wire.jsonl:12", "wire.jsonl:12"),  # a line of a JSONL file
        ("scrapes/site/page.html", "page.html"),  # relative folders name people too
        ("C:\\Users\\alice\\export.json#task1", "export.json#task1"),
        ("file:///home/alice/page.txt", "page.txt"),
        ("https://news.example.org/2024/a?id=3#top", "https://news.example.org/2024/a?id=3#top"),
        ("HTTP://news.example.org/b", "HTTP://news.example.org/b"),
        ("https://alice:s3cret@news.example.org/c?q=a@b", "https://news.example.org/c?q=a@b"),
    ],
)
def test_a_source_is_published_as_its_web_address_or_its_file_name(source, published):
    assert published_source(source) == published


def card_snippet(folder: Path) -> str:
    card = (folder / "README.md").read_text(encoding="utf-8")
    (snippet,) = re.findall(r"```python\n(.*?)```", card, re.S)
    return snippet


def run_card_snippet(folder: Path, tmp_path: Path) -> dict[str, dict[str, int]]:
    """The card's loading lines, run as a consumer runs them with plain `datasets` (no code of ours)
    on this folder in place of the Hub repository: each variable's rows per split."""
    snippet = card_snippet(folder)
    names = re.findall(r"^(\w+) = load_dataset\(", snippet, re.M)
    code = snippet.replace('"ORG/NAME"', repr(str(folder))) + (
        f"\nimport json\nprint(json.dumps({{n: {{s: d.num_rows for s, d in globals()[n].items()}} for n in {names!r}}}))"
    )
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "HF_HOME": str(tmp_path / "hf")}
    env |= {"HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-I", "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_release_with_entity_gold_only_says_nothing_of_claims_and_each_loading_line_loads(entity_gold, tmp_path):
    _, first, _ = entity_gold
    manifest = json.loads((first.path / "manifest.json").read_text())
    assert manifest["configs"] == ["annotations", "documents", "entities", "ner"]
    loaded = run_card_snippet(first.path, tmp_path)
    assert sorted(loaded) == manifest["configs"]  # one line per config, each loads
    assert {name: rows for name, rows in loaded.items()} == manifest["counts"]["rows"]
    card = (first.path / "README.md").read_text(encoding="utf-8")
    assert "claims" not in card and "fact-checking" not in card
    assert "annotated for named entities" in card and "## Entities per split" in card
    datasheet = (first.path / "DATASHEET.md").read_text(encoding="utf-8")
    croissant = json.loads((first.path / "croissant.json").read_text())
    assert "claim" not in datasheet.split("## Motivation")[1].split("##")[0]
    assert croissant["description"].endswith("news articles annotated for named entities.")


def test_a_release_without_gold_loads_by_its_default_config(without_gold, tmp_path):
    _, report = without_gold
    manifest = json.loads((report.path / "manifest.json").read_text())
    assert manifest["configs"] == ["annotations", "documents"]
    loaded = run_card_snippet(report.path, tmp_path)
    assert sorted(loaded) == ["annotations", "documents"]
    assert "documents = load_dataset(" in card_snippet(report.path).split("\n")[2]  # the default, unnamed
    assert sum(loaded["documents"].values()) == 5
    card = (report.path / "README.md").read_text(encoding="utf-8")
    assert "no adjudicated gold yet" in card and "claims" not in card and "## Tokenisation" not in card
    assert "task_ids" not in card  # no config for any task


def test_a_build_says_which_annotated_documents_it_leaves_without_gold(entity_gold, without_gold):
    _, first, (code, out, err) = entity_gold
    assert first.warnings == [w for w in first.warnings if "without gold" not in w]  # all of ana's have gold
    assert first.gold.to_record() == {"annotated_documents": 3, "without_gold": 0, "not_adjudicated": 0, "disputed": 0}
    assert code == 0, err
    said = "5 annotated documents, 2 without gold: run `newsdesk adjudicate` first"
    assert f"warning: {said}" in " ".join(err.split())  # on stderr, as the user sees it
    report = json.loads(out)
    assert report["gold"] == {"annotated_documents": 5, "without_gold": 2, "not_adjudicated": 2, "disputed": 0}
    assert any(w.startswith(said) for w in report["warnings"])
    assert report["rows"]["entities"] == first.rows["entities"]  # a warning: built, ben's documents left out
    _, unadjudicated = without_gold
    assert any(w.startswith("3 annotated documents, 3 without gold: run") for w in unadjudicated.warnings)


def test_documents_left_without_gold_by_a_conflict_point_to_a_reviewer():
    def record(doc_id: str, annotator: str, cancelled: bool = False) -> AnnotationRecord:
        return AnnotationRecord(doc_id, "sha", annotator, "conll", f"{annotator}/{doc_id}", cancelled=cancelled)

    people = [record("a", "ana"), record("a", "ben"), record("b", "ana"), record("c", "ana", cancelled=True)]
    disputed = gold_coverage(people, gold_doc_ids=["b"], conflicted=["a"])
    assert disputed.to_record() == {"annotated_documents": 2, "without_gold": 1, "not_adjudicated": 0, "disputed": 1}
    assert disputed.warning().startswith("2 annotated documents, 1 without gold: a reviewer settles their conflicts")
    assert gold_coverage(people, gold_doc_ids=["a", "b"], conflicted=[]).warning() is None


def test_gold_made_on_an_earlier_text_stops_the_build(tmp_path):
    """Not a warning: validation finds such gold (V211) and the build is refused until adjudicated again."""
    ws, _ = annotated_workspace(tmp_path)
    result = adjudicate_workspace(ws, "single")
    # What a re-clean leaves behind: one gold record made on a text its document no longer has.
    result.gold = [replace(result.gold[0], text_sha256="0" * 64), *result.gold[1:]]
    save_gold(ws, result)
    with pytest.raises(NewsdeskError) as refused:
        build_release(ws, "0.1.0")
    assert refused.value.code == "E304" and "V211 x1" in refused.value.one_line()
    assert list_versions(ws) == []
