"""The `ner` config's tokens and tags are the project's tokenisation, however the spans fall on the words.

`releases.ner` finds the tokens of a whole batch of documents with numpy rather than with the
regular expression; these tests hold it to the plain definition (tokenise each text, tag the
tokens that lie inside each span, count a span whose edges are not token edges) on texts made
to break it.
"""

from __future__ import annotations

import random
import re
import sys
from dataclasses import replace

import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotation.columns import RecordColumns
from annotation.model import AnnotationRecord, Span
from annotation.schema import ENTITY_LAYER, LabelSchema
from corpus.model import Block, CleaningRecord, Document, Flag, sha256_hex
from corpus.offsets import OffsetMap
from corpus.tokens import tokenize
from releases.build import write_parquet
from releases.configs import config_features
from releases.ner import NerStats, ner_table, ner_tokens
from releases.rows import (
    EntitySpans,
    LabelIds,
    arrow_table,
    document_row,
    documents_table,
    entities_table,
    entity_row,
    entity_spans,
)

SCHEMA = LabelSchema.default()
FEATURES = config_features(SCHEMA)
IDS = LabelIds.of(FEATURES)
# Digits with separators, hyphens, both apostrophes, "_", a superscript digit, accents, quotes and
# several kinds of whitespace (the unit separator and NBSP are whitespace to str.isspace).
PIECES = [
    "Berg",
    "1",
    "2,5",
    "3.0",
    "12a",
    "-",
    "de-",
    "'s",
    "’s",
    "’",
    "_x",
    "²",
    "é",
    "Ukraine",
    ".",
    ",",
    "“",
    "”",
    "\x1f",
    "\u00a0",
    " ",
    " ",
    "\n\n",
    "--",
    "a-b-c",
    "7-",
    "O’Neil",
]


def document(text: str) -> Document:
    return Document(
        id="0" * 16,
        source="t",
        title="t",
        text=text,
        raw_sha256=sha256_hex(text),
        text_sha256=sha256_hex(text),
        encoding="utf-8",
        language="en",
        published=None,
        blocks=[],
        flags=[],
        cleaning=CleaningRecord("test", [], OffsetMap.identity(len(text))),
    )


def gold(text: str, edges: list[tuple[int, int, str]]) -> AnnotationRecord:
    spans = [Span(f"s{k}", ENTITY_LAYER, label, s, e, text[s:e]) for k, (s, e, label) in enumerate(edges)]
    return AnnotationRecord(
        doc_id="0" * 16,
        text_sha256=sha256_hex(text),
        annotator="adjudication",
        origin="gold",
        record_id="0" * 16,
        spans=spans,
    )


def columns(records: list[AnnotationRecord]) -> RecordColumns:
    """The records as the release reads gold: columns only, objects made from them when asked for."""
    return RecordColumns(RecordColumns.of(records).table)


def ner_of(pairs, stats: NerStats | None = None, batch: int = 500):
    pairs = list(pairs)
    return ner_table(
        [d for d, _ in pairs],
        EntitySpans.of(columns([g for _, g in pairs])),
        stats or NerStats(),
        IDS.iob2,
        FEATURES["ner"],
        batch=batch,
    )


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


def random_case(rng: random.Random, overlapping: bool = False) -> tuple[str, AnnotationRecord]:
    text = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 25)))
    edges, at = [], 0
    while len(text) - at >= 1 and len(edges) < 4:  # edges anywhere (inside words too); overlapping if asked
        start = rng.randint(at, len(text) - 1)
        end = rng.randint(start + 1, len(text))
        edges.append((start, end, rng.choice(["PERSON", "GPE", "ORG"])))
        at = rng.randint(0, end) if overlapping else end + rng.randint(0, 3)
    return text, gold(text, edges)


def test_tokens_and_tags_follow_the_definition_wherever_the_span_edges_fall():
    rng = random.Random(11)
    names = FEATURES["ner"]["ner_tags"].feature.names
    for _ in range(5000):
        text, record = random_case(rng)
        stats = NerStats()
        words, tags = ner_tokens(document(text), entity_spans(record), stats, IDS.iob2)
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
    words, tags = ner_tokens(document(text), entity_spans(record), stats, IDS.iob2)
    assert words == ["Anna", "Bergström", "’s", "2,5", "visits"]
    assert tags == [IDS.iob2["B-PERSON"], 0, 0, 0, 0]
    assert (stats.spans, stats.misaligned) == (2, 2)


@pytest.mark.parametrize("texts", [["Anna Berg said so.", "", "   ", "Oslo"], []])
def test_the_ner_table_has_the_declared_features_and_one_row_per_document(texts):
    pairs = [
        (document(t), gold(t, [(0, 4, "PERSON")] if len(t) >= 4 and t[:4].strip() == t[:4] else [])) for t in texts
    ]
    table = ner_of(pairs, batch=2)
    assert table.schema.equals(FEATURES["ner"].arrow_schema, check_metadata=True)
    assert table.column("tokens").to_pylist() == [[t[s:e] for s, e in tokenize(t)] for t in texts]
    assert [len(tags) for tags in table.column("ner_tags").to_pylist()] == [len(tokenize(t)) for t in texts]


def test_a_table_made_in_batches_is_written_as_one_made_at_once(tmp_path):
    # Tables keep a chunk per batch: the Parquet file must hold the same rows in one row group,
    # as for the joined table, and read back as the table made at once.
    texts = [f"Anna Berg said so {k} times." for k in range(50)]
    pairs = [(document(t), gold(t, [(0, 9, "PERSON")])) for t in texts]
    in_batches = ner_of(pairs, batch=3)
    at_once = ner_of(pairs, batch=len(pairs))
    assert in_batches.column("tokens").num_chunks == 17 and at_once.column("tokens").num_chunks == 1
    write_parquet(in_batches, tmp_path / "batches.parquet")
    written = pq.ParquetFile(tmp_path / "batches.parquet")
    assert written.metadata.num_row_groups == 1
    assert written.read().equals(at_once)
    assert written.schema_arrow.metadata[b"huggingface"] == at_once.schema.metadata[b"huggingface"]


# Single characters of every class the tokeniser tells apart: other digits (Arabic-Indic, a
# mathematical one outside the BMP), a combining mark, an emoji, the separators and whitespace
# beyond ASCII (NEL, vertical tab), so that batches are not ASCII and byte offsets differ.
CHARACTERS = "a1._,-'’ ²٣xé\u00a0\u0301\U0001d7d9\U0001f600\x85\v"


def test_the_batch_tokeniser_finds_the_tokens_of_the_pattern_in_every_text_of_a_batch():
    rng = random.Random(5)
    texts = [
        "".join(rng.choice(PIECES) if k % 2 else rng.choice(CHARACTERS) for _ in range(rng.randint(0, 30)))
        for k in range(20000)
    ]
    pairs = [(document(t), gold(t, [])) for t in texts]
    table = ner_of(pairs, batch=997)
    assert table.column("tokens").to_pylist() == [[t[s:e] for s, e in tokenize(t)] for t in texts]


def test_the_ner_table_tags_a_batch_as_the_definition_tags_each_document():
    """Overlapping spans too: their documents are tagged span by span, later spans over earlier ones."""
    rng = random.Random(12)
    names = FEATURES["ner"]["ner_tags"].feature.names
    cases = [random_case(rng, overlapping=k % 3 == 0) for k in range(5000)]
    stats = NerStats()
    table = ner_of(((document(t), r) for t, r in cases), stats, batch=500)
    expected = [by_definition(t, r) for t, r in cases]
    assert table.column("tokens").to_pylist() == [words for words, _, _ in expected]
    assert [[names[t] for t in tags] for tags in table.column("ner_tags").to_pylist()] == [
        tags for _, tags, _ in expected
    ]
    assert (stats.spans, stats.misaligned) == (sum(len(r.spans) for _, r in cases), sum(m for _, _, m in expected))


def test_documents_and_entities_made_column_by_column_are_the_tables_of_their_rows():
    """`documents_table` and `entities_table` give what `arrow_table` gives for the rows of
    `document_row` and `entity_row`: the same values, types and Features metadata."""
    rng = random.Random(3)
    cases = [random_case(rng) for _ in range(300)]
    docs = []
    for k, (text, _) in enumerate(cases):
        blocks = [Block(rng.choice(["title", "paragraph", "heading"]), 0, len(text))] * rng.randint(0, 3)
        flags = [Flag("truncated_ending", 0, len(text), "ends mid-sentence")] * rng.randint(0, 2)
        docs.append(
            replace(
                document(text),
                id=f"{k:016x}",
                blocks=blocks,
                flags=flags,
                published=None if k % 2 else "2024-01-02",
                cluster=None if k % 3 else f"{k:016x}",
            )
        )
    assert documents_table(docs, IDS, FEATURES["documents"]).equals(
        arrow_table((document_row(d, IDS) for d in docs), FEATURES["documents"]), check_metadata=True
    )
    # Spans out of text order, spans of the claims layer among them, and spans with equal offsets.
    records = []
    for doc, (_, record) in zip(docs, cases):
        spans = (
            record.spans
            + [Span(f"c{k}", "claims", "CLAIM", s.start, s.end, s.text) for k, s in enumerate(record.spans[:1])]
            + record.spans[: rng.randint(0, 1)]
        )
        rng.shuffle(spans)
        records.append(replace(record, doc_id=doc.id, spans=spans))
    by_id = {d.id: d for d in docs}
    spans = EntitySpans.of(columns(records))
    assert entities_table([g.doc_id for g in records], spans, by_id, IDS, FEATURES["entities"]).equals(
        arrow_table((entity_row(by_id[g.doc_id], g, IDS) for g in records), FEATURES["entities"]), check_metadata=True
    )
    some = [7, 3, 299, 3, 0]  # any records, in any order: their spans as if they were all
    assert entities_table([records[k].doc_id for k in some], spans.take(some), by_id, IDS, FEATURES["entities"]).equals(
        arrow_table((entity_row(by_id[records[k].doc_id], records[k], IDS) for k in some), FEATURES["entities"]),
        check_metadata=True,
    )
    assert entities_table([], EntitySpans.of(columns([])), {}, IDS, FEATURES["entities"]).equals(
        FEATURES["entities"].arrow_schema.empty_table(), check_metadata=True
    )


def test_token_offsets_are_the_tokens_of_the_pattern_one_text_at_a_time():
    """corpus.tokens.token_offsets (numpy, used by agreement) gives tokenize()'s offsets, also on
    the empty text, whitespace only, and a lone surrogate (read by the regular expression)."""
    from corpus.tokens import token_offsets

    rng = random.Random(7)
    texts = [random_case(rng)[0] for _ in range(300)] + [
        "",
        "  \n",
        "x",
        "8,500 de-escalation Ukraine’s.",
        "a\ud800b ’s 2.1",
    ]
    for text in texts:
        assert token_offsets(text).tolist() == [list(t) for t in tokenize(text)], text


def test_token_offsets_many_are_each_texts_own_tokens():
    """corpus.tokens.token_offsets_many (texts joined per pass, used by agreement) gives every text
    its own tokenize() offsets: across batch edges, with empty texts, and when a batch holds a
    lone surrogate (that batch is tokenised text by text)."""
    from corpus.tokens import token_offsets_many

    rng = random.Random(8)
    texts = [random_case(rng)[0] for _ in range(120)] + ["", "  \n", "x", "a\ud800b ’s 2.1", "-word", "2.1."]
    rng.shuffle(texts)
    for batch in (1, 7, 500):
        got = token_offsets_many(texts, batch=batch)
        assert len(got) == len(texts)
        for text, offsets in zip(texts, got):
            assert offsets.reshape(-1, 2).tolist() == [list(t) for t in tokenize(text)], text
    assert token_offsets_many([]) == []


@settings(max_examples=600, deadline=None)
@given(st.lists(st.text(alphabet=CHARACTERS + "Z9\n", max_size=12) | st.sampled_from(PIECES), max_size=12))
def test_token_bounds_finds_the_tokens_of_the_pattern_in_any_text(pieces):
    """corpus.tokens.token_bounds (numpy: character kinds, chunks, digits counted per chunk) on
    texts joined from pieces of every character class the pattern tells apart, as a batch joins them."""
    import numpy as np

    from corpus.tokens import token_bounds

    text = "".join(pieces)
    codes = np.frombuffer((" " + text + " ").encode("utf-32-le"), np.uint32)
    starts, ends = token_bounds(codes)
    assert list(zip((starts - 1).tolist(), (ends - 1).tolist())) == tokenize(text)
    assert starts.dtype == ends.dtype == np.intp
