"""The `ner` config's tokens and tags are the project's tokenisation, however the spans fall on the words.

`releases.rows` cuts a text at its span edges instead of taking every token's offsets; these
tests hold it to the plain definition (tokenise the whole text, tag the tokens that lie inside
each span, count a span whose edges are not token edges) on texts made to break it.
"""

from __future__ import annotations

import random
import re
import sys

import pytest

from annotation.model import AnnotationRecord, Span
from annotation.schema import ENTITY_LAYER, LabelSchema
from corpus.model import CleaningRecord, Document, sha256_hex
from corpus.offsets import OffsetMap
from corpus.tokens import tokenize
from releases.features import config_features
from releases.rows import LabelIds, NerStats, ner_table, ner_tokens

SCHEMA = LabelSchema.default()
FEATURES = config_features(SCHEMA)
IDS = LabelIds.of(FEATURES)
# Digits with separators, hyphens, both apostrophes, "_", a superscript digit, accents, quotes and
# several kinds of whitespace (the unit separator and NBSP are whitespace to str.isspace).
PIECES = ["Berg", "1", "2,5", "3.0", "12a", "-", "de-", "'s", "’s", "’", "_x", "²", "é", "Ukraine", ".", ",",
          "“", "”", "\x1f", "\u00a0", " ", " ", "\n\n", "--", "a-b-c", "7-", "O’Neil"]


def document(text: str) -> Document:
    return Document(id="0" * 16, source="t", title="t", text=text, raw_sha256=sha256_hex(text),
                    text_sha256=sha256_hex(text), encoding="utf-8", language="en", published=None, blocks=[],
                    flags=[], cleaning=CleaningRecord("test", [], OffsetMap.identity(len(text))))


def gold(text: str, edges: list[tuple[int, int, str]]) -> AnnotationRecord:
    spans = [Span(f"s{k}", ENTITY_LAYER, label, s, e, text[s:e]) for k, (s, e, label) in enumerate(edges)]
    return AnnotationRecord(doc_id="0" * 16, text_sha256=sha256_hex(text), annotator="adjudication", origin="gold",
                            record_id="0" * 16, spans=spans)


def by_definition(text: str, record: AnnotationRecord) -> tuple[list[str], list[str], int]:
    """Tokens, tag names and misaligned spans, straight from the definition."""
    tokens = tokenize(text)
    tags = ["O"] * len(tokens)
    misaligned = 0
    for span in sorted(record.spans, key=lambda s: (s.start, s.end)):
        if span.start not in {s for s, _ in tokens} or span.end not in {e for _, e in tokens}:
            misaligned += 1
        inside = [i for i, (s, e) in enumerate(tokens) if s >= span.start and e <= span.end]
        for n, i in enumerate(inside):
            tags[i] = f"{'B' if n == 0 else 'I'}-{span.label}"
    return [text[s:e] for s, e in tokens], tags, misaligned


def random_case(rng: random.Random) -> tuple[str, AnnotationRecord]:
    text = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 25)))
    edges, at = [], 0
    while len(text) - at >= 1 and len(edges) < 4:  # non-overlapping spans, edges anywhere (inside words too)
        start = rng.randint(at, len(text) - 1)
        end = rng.randint(start + 1, len(text))
        edges.append((start, end, rng.choice(["PERSON", "GPE", "ORG"])))
        at = end + rng.randint(0, 3)
    return text, gold(text, edges)


def test_tokens_and_tags_follow_the_definition_wherever_the_span_edges_fall():
    rng = random.Random(11)
    names = FEATURES["ner"]["ner_tags"].feature.names
    for _ in range(5000):
        text, record = random_case(rng)
        stats = NerStats()
        words, tags = ner_tokens(document(text), record, stats, IDS)
        expected_words, expected_tags, misaligned = by_definition(text, record)
        assert words == expected_words, text
        assert [names[t] for t in tags] == expected_tags, (text, record.spans)
        assert (stats.spans, stats.misaligned) == (len(record.spans), misaligned), (text, record.spans)


def test_the_whitespace_and_word_characters_of_the_pattern_are_those_of_str():
    """What cutting a text into whitespace-separated words relies on, for every code point."""
    space, word = re.compile(r"\s"), re.compile(r"\w")
    for c in map(chr, range(sys.maxunicode + 1)):
        assert bool(space.match(c)) == c.isspace(), hex(ord(c))
        assert bool(word.match(c)) == (c.isalnum() or c == "_"), hex(ord(c))


def test_a_span_cut_inside_a_word_is_counted_and_tagged_as_far_as_it_aligns():
    text = "Anna Bergström’s 2,5 visits"
    record = gold(text, [(0, 8, "PERSON"), (17, 18, "CARDINAL")])  # "Anna Ber" and "2" of "2,5"
    stats = NerStats()
    words, tags = ner_tokens(document(text), record, stats, IDS)
    assert words == ["Anna", "Bergström", "’s", "2,5", "visits"]
    assert tags == [IDS.iob2["B-PERSON"], 0, 0, 0, 0]
    assert (stats.spans, stats.misaligned) == (2, 2)


@pytest.mark.parametrize("texts", [["Anna Berg said so.", "", "   ", "Oslo"], []])
def test_the_ner_table_has_the_declared_features_and_one_row_per_document(texts):
    pairs = [(document(t), gold(t, [(0, 4, "PERSON")] if len(t) >= 4 and t[:4].strip() == t[:4] else []))
             for t in texts]
    table = ner_table(iter(pairs), NerStats(), IDS, FEATURES["ner"], batch=2)
    assert table.schema.equals(FEATURES["ner"].arrow_schema, check_metadata=True)
    assert table.column("tokens").to_pylist() == [[t[s:e] for s, e in tokenize(t)] for t in texts]
    assert [len(tags) for tags in table.column("ner_tags").to_pylist()] == [len(tokenize(t)) for t in texts]
