"""Releases of part of the work, as users make them: a workspace whose gold has entities but no
claims, one nobody has adjudicated yet, and one where a second annotator's documents came in after
adjudication. Whatever a release has, its card says only that and every loading line in it loads;
it names the files its documents came from, never the folders they sat in; and the build says
which annotated documents it leaves without gold, and what to run."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from annotation.importers import import_annotations
from corpus.ingest import ingest
from corpus.workspace import Workspace
from releases.build import build_release
from releases.rows import published_source
from validation.adjudicate import adjudicate_workspace
from validation.gold import save_gold

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


@pytest.fixture(scope="module")
def entity_gold(tmp_path_factory):
    """Ana's documents adjudicated and released as 0.1.0."""
    root = tmp_path_factory.mktemp("partial")
    ws, home = annotated_workspace(root)
    save_gold(ws, adjudicate_workspace(ws, "single"))
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
    root, first = entity_gold
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
    ],
)
def test_a_source_is_published_as_its_web_address_or_its_file_name(source, published):
    assert published_source(source) == published
