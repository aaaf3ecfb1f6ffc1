"""One very long article (a whole site's dump in one file, with `ingest.max_bytes` raised).

Given a 5 MB article, when it is ingested, the process's memory grows by a small multiple of
the article's size (it grew by 110 times: a 50 MB article took 5.5 GB). The steps that read a
long text a piece at a time give exactly what they give on the whole text.
"""

import random
import subprocess
import sys

import numpy as np
import pytest
from datasketch import MinHash

from corpus import dedup
from corpus.dedup import NearDuplicateConfig, shingle_hashes, signatures
from corpus.rules import CleaningContext, RunTogetherWords, run_together_words
from corpus.tokens import text_pieces

CONFIG = NearDuplicateConfig()

# Peak memory of the ingest above the warmed-up interpreter, in multiples of the article's bytes.
# Measured 12-14 on Linux (what is left is explained in bench/README.md); the code before took 110-120.
MAX_MEMORY_MULTIPLE = 25

WORDS = (
    "minister council budget harbour strike vote court ruling union deal price energy rail bridge "
    "plan ferry storm flood tariff export café naïve Zürich"
).split()


def long_article(rng: random.Random, target_chars: int) -> str:
    """Prose paragraphs with a title, curly quotes and a few residue lines, about ``target_chars`` long."""
    paragraphs = ["Ministers agree a budget for the harbour"]
    size = len(paragraphs[0])
    block = []
    for i in range(400):  # a block of varied paragraphs, repeated: generating 5 MB word by word is slow
        words = [rng.choice(WORDS) for _ in range(rng.randint(20, 90))]
        words[0] = words[0].capitalize()
        paragraph = " ".join(words) + rng.choice([".", "?", "!", ", he said.", "."])
        if i % 7 == 0:
            paragraph = f"“{paragraph}”he added"
        block.append(paragraph if i % 50 else "Share this article")
    while size < target_chars:
        paragraphs += block
        size += sum(len(p) + 2 for p in block)
    return "\n\n".join(paragraphs)


_INGEST_AND_MEASURE = """
import re, resource, sys
from pathlib import Path
from corpus.ingest import ingest
from corpus.workspace import Workspace

folder = Path(sys.argv[1])
ws = Workspace.init(folder / "ws")
config = ws.path("newsdesk.toml")
config.write_text(re.sub(r"(?m)^max_bytes = .*$", "max_bytes = 1_000_000_000", config.read_text()))
ws = Workspace.open(folder / "ws")
assert ingest(ws, [folder / "short.txt"]).added == 1  # the interpreter warmed up: modules, models, tables
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
report = ingest(ws, [folder / "long.txt"])
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, kilobytes elsewhere
print({"added": report.added, "failed": len(report.failed), "grew": (after - before) * scale})
"""


@pytest.mark.skipif(sys.platform == "win32", reason="peak memory is read with the resource module")
def test_a_5_mb_article_is_ingested_in_a_small_multiple_of_its_size(tmp_path):
    text = long_article(random.Random(7), 5_000_000)
    (tmp_path / "long.txt").write_text(text, encoding="utf-8")
    (tmp_path / "short.txt").write_text("A short title\n\nA short article, to warm up.\n", encoding="utf-8")
    size = (tmp_path / "long.txt").stat().st_size
    run = subprocess.run(
        [sys.executable, "-c", _INGEST_AND_MEASURE, str(tmp_path)], capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr
    measured = eval(run.stdout.strip().splitlines()[-1])  # a dict literal printed by the child
    assert measured["added"] == 1 and measured["failed"] == 0
    multiple = measured["grew"] / size
    assert multiple <= MAX_MEMORY_MULTIPLE, f"ingesting {size:,} bytes took {multiple:.1f} times that"


# --- pieces of a long text give what the whole text gives ------------------------------------------

TRICKY = [
    # Greek capitals: lower-casing Σ depends on what follows, up to the next space
    "ΟΔΟΣ ΑΣ. ΒΑΣ ΣΟΦΙΑΣ' ΚΑΙ ΑΘΗΝΑΣ " * 30,
    # a long stretch with no space or line break to cut at
    "word " * 20 + "x" * 400 + " tail words after the long stretch of one character " * 5,
    # words far apart, separated by runs of punctuation: fewer than n words in most pieces
    ("alpha " + "!" * 90 + " ") * 6,
    "only three words" + " " * 300,
    "\n\n".join(f"Paragraph {i} of the article, with “quotes” and naïve café words." for i in range(40)),
    "",
]


@pytest.fixture
def small_pieces(monkeypatch):
    """Long-text paths taken by texts of a few dozen characters, so that pieces are many."""
    monkeypatch.setattr(dedup, "_BATCH_CHARS", 37)
    monkeypatch.setattr(dedup, "_BLOCK", 11)
    monkeypatch.setattr(run_together_words, "_LONG_TEXT", 29)


def test_text_pieces_join_to_the_text_and_lower_case_as_it_does():
    for text in TRICKY:
        pieces = list(text_pieces(text, 37))
        assert "".join(pieces) == text
        assert all(p.endswith((" ", "\n")) for p in pieces[:-1])
        assert "".join(p.lower() for p in pieces) == text.lower()


def test_a_long_texts_signature_is_the_minhash_of_all_its_shingles(small_pieces):
    rng = random.Random(5)
    texts = TRICKY + [" ".join(rng.choice(WORDS) for _ in range(300)), "\ud800 a lone surrogate " * 9]
    for text in texts:
        hashes, _ = shingle_hashes([text], CONFIG.shingle_words)  # the whole text at once
        expected = MinHash(num_perm=CONFIG.num_perm, seed=1, hashfunc=int, scheme="affine32")
        expected.update_batch(hashes.tolist())
        assert np.array_equal(signatures([text], CONFIG)[0], expected.hashvalues), text[:40]


def test_run_together_words_are_found_the_same_in_pieces(small_pieces):
    texts = [
        "The council met oninternational trade and ofgovernment spending " * 6,
        "Ofgovernment inparliament " * 10 + "x" * 100 + " oninternational tothe",
        "A short text with inparliament",
    ]
    contexts = [CleaningContext(language="en") for _ in texts]
    rule = RunTogetherWords()
    found = rule.flag_many(texts, contexts)
    assert found == [rule.flag(text, ctx) for text, ctx in zip(texts, contexts)]
    assert [texts[0][f.start : f.end] for f in found[0]] == ["oninternational", "ofgovernment"] * 6
    assert {texts[1][f.start : f.end] for f in found[1]} == {"inparliament", "oninternational"}
