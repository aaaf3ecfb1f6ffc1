"""Near-duplicate signatures: computed in bulk, they are datasketch's MinHash of the word 5-grams,
and re-marking a changed corpus gives the same records on the engine path as on the local path."""

from __future__ import annotations

import random
import shutil

import numpy as np
import pytest
from datasketch import MinHash

from corpus import ingest as local
from corpus import lsh
from corpus.dedup import NearDuplicateConfig, shingle_hashes, shingles, signatures
from corpus.engines import LocalEngine
from corpus.store import CorpusStore
from corpus.workspace import Workspace

CONFIG = NearDuplicateConfig()
WORDS = (
    "minister council budget harbour strike vote court ruling union deal price energy rail "
    "bridge plan ferry storm flood tariff export"
).split()

TEXTS = [
    "",
    "   \n ",
    "!!! ??? ...",
    "One",
    "Two words",
    "A b c d e",
    "A b c d e f",
    "İstanbul'da Çarşı AÇIK: naïve café, Øresund-bron og Ærø; ΑΘΗΝΑ και Москва, x_y 12 ٣٤ 5½ №7.",
    "The council voted — “again” — on the budget, the budget! The council voted on the budget.",
    "\ud800 a lone surrogate in scraped text stays hashable",
]


def prose(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)) + "."


def test_each_text_gets_one_hash_per_distinct_shingle():
    hashes, offsets = shingle_hashes(TEXTS, CONFIG.shingle_words)
    for i, text in enumerate(TEXTS):
        assert len(set(hashes[offsets[i] : offsets[i + 1]].tolist())) == len(shingles(text, CONFIG.shingle_words))


def test_a_shingle_hashes_the_same_alone_as_inside_a_text():
    for text in TEXTS:
        hashes, _ = shingle_hashes([text], CONFIG.shingle_words)
        alone = {
            int(shingle_hashes([s.decode("utf-8", "surrogatepass")], CONFIG.shingle_words)[0][0])
            for s in shingles(text, CONFIG.shingle_words)
        }
        assert set(hashes.tolist()) == alone


def test_signatures_are_datasketchs_minhash_of_the_shingle_hashes():
    texts = TEXTS + [prose(random.Random(i), 300) for i in range(20)]
    hashes, offsets = shingle_hashes(texts, CONFIG.shingle_words)
    bulk = signatures(texts, CONFIG)
    for i in range(len(texts)):
        m = MinHash(num_perm=CONFIG.num_perm, seed=1, hashfunc=int, scheme="affine32")
        m.update_batch(hashes[offsets[i] : offsets[i + 1]].tolist())
        assert (bulk[i] == m.hashvalues).all(), texts[i][:40]
        assert (bulk[i] == signatures([texts[i]], CONFIG)[0]).all()  # batching changes nothing


def test_a_light_edit_keeps_the_estimate_near_the_true_jaccard():
    rng = random.Random(3)
    original = prose(rng, 600)
    words = original.split(" ")
    for i in rng.sample(range(len(words)), 4):
        words[i] = "changed"
    edited = " ".join(words)
    a, b = shingles(original, 5), shingles(edited, 5)
    true = len(a & b) / len(a | b)
    first, second = signatures([original, edited], CONFIG)
    assert abs(np.mean(first == second) - true) < 0.1


@pytest.fixture(scope="module")
def marked_ws(tmp_path_factory) -> Workspace:
    """A small corpus with two clusters of near-duplicates, marked by the local path."""
    rng = random.Random(11)
    folder = tmp_path_factory.mktemp("inputs")
    bases = [prose(rng, 200) for _ in range(8)]
    texts = bases + [bases[0].replace(WORDS[0], "mayor", 1), bases[0] + " Share", bases[1] + " More."]
    for i, text in enumerate(texts):
        (folder / f"{i:02d}.txt").write_text(f"Title {i}\n\n{text}\n", encoding="utf-8")
    ws = Workspace.init(tmp_path_factory.mktemp("ws") / "ws")
    local.ingest(ws, [folder])
    assert sum(1 for r in CorpusStore(ws).documents if r["duplicate_of"]) == 3
    return ws


def changed_copy(ws: Workspace, root) -> Workspace:
    """The corpus after edits: a marked member leaves its cluster, two unmarked documents become
    near-duplicates of each other."""
    shutil.copytree(ws.root, root)
    copy = Workspace.open(root)
    store = CorpusStore(copy)
    docs = list(store.iter_documents())
    leaving = next(d for d in docs if d.duplicate_of)
    unmarked = [d for d in docs if d.cluster is None]
    leaving.text = prose(random.Random(5), 200)
    unmarked[1].text = unmarked[0].text + " Advertisement"
    store.save_documents([leaving, unmarked[1]])
    return copy


def test_re_marking_on_an_engine_stores_what_the_local_path_stores(tmp_path, marked_ws):
    expected, on_engine = changed_copy(marked_ws, tmp_path / "local"), changed_copy(marked_ws, tmp_path / "engine")
    with expected.lock():
        local_found = local.update_near_duplicates(expected, CorpusStore(expected))
    with on_engine.lock():
        engine_found = lsh.update_near_duplicates(on_engine, CorpusStore(on_engine), LocalEngine())
    assert local_found == engine_found == 3
    assert list(CorpusStore(on_engine).documents) == list(CorpusStore(expected).documents)
    with on_engine.lock():  # again: nothing changes, nothing is rewritten
        assert lsh.update_near_duplicates(on_engine, CorpusStore(on_engine), LocalEngine()) == 3
    assert list(CorpusStore(on_engine).documents) == list(CorpusStore(expected).documents)
