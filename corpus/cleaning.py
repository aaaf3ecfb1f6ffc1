"""The cleaning pipeline: a plain list of rules run over one article, applied by one engine.

``CleaningPipeline.clean(article)`` turns an :class:`~corpus.model.Article` into a
:class:`~corpus.model.Document`: editing rules propose edits which the
:class:`~corpus.offsets.EditEngine` applies (so the offset map and the edit log stay
exact), flagging rules then mark what a human should judge, and the structure step finds
title, standfirst, headings and paragraphs. Every rule counts what it did.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from corpus import rules as R
from corpus.model import Article, CleaningRecord, Document, sha256_hex
from corpus.offsets import EditEngine
from corpus.structure import find_blocks

# Bump when a rule's behaviour changes: every document is then re-cleaned by `newsdesk clean`.
PIPELINE_REVISION = "2"  # 2: the Unicode repair sends every line ftfy would change to it

EDITING_RULES = {rule.name: rule for rule in (
    R.UnicodeRepair, R.WhitespaceNormalisation, R.ResidueLines, R.QuoteSpacing, R.ParagraphBreaks)}
FLAGGING_RULES = {rule.name: rule for rule in (
    R.MistranslatedConjunction, R.RunTogetherWords, R.TruncatedEnding)}
DEFAULT_RULES = ["unicode_repair", "whitespace", "paragraph_breaks", "residue_lines", "quote_spacing",
                 "mistranslated_conjunction", "run_together_words", "truncated_ending"]


@dataclass
class CleaningStats:
    """Per-rule counts of one run, for the summary (datatrove's `stat_update`, kept simple)."""

    edits: Counter = field(default_factory=Counter)
    flags: Counter = field(default_factory=Counter)
    documents_touched: Counter = field(default_factory=Counter)
    documents: int = 0
    raw_chars: int = 0
    clean_chars: int = 0

    def merge(self, other: "CleaningStats") -> None:
        self.edits.update(other.edits)
        self.flags.update(other.flags)
        self.documents_touched.update(other.documents_touched)
        self.documents += other.documents
        self.raw_chars += other.raw_chars
        self.clean_chars += other.clean_chars


class CleaningPipeline:
    """The rules switched on in the workspace config, in order, with their options."""

    def __init__(self, rules: list[str] | None = None, options: dict | None = None, language: str | None = None):
        rules = list(DEFAULT_RULES if rules is None else rules)
        options = options or {}
        unknown = [r for r in rules if r not in EDITING_RULES and r not in FLAGGING_RULES]
        if unknown:
            raise ValueError(f"unknown cleaning rules {unknown}; known: {sorted(EDITING_RULES) + sorted(FLAGGING_RULES)}")
        self.rule_names = rules
        self.options = {r: dict(options.get(r, {})) for r in rules}
        self.editors = [EDITING_RULES[r](**self.options[r]) for r in rules if r in EDITING_RULES]
        self.flaggers = [FLAGGING_RULES[r](**self.options[r]) for r in rules if r in FLAGGING_RULES]
        self.language = language  # None: detect per document
        self.version = self._version()
        self.stats = CleaningStats()

    def _version(self) -> str:
        """Changes whenever the revision, the rule list or any rule option changes."""
        spec = json.dumps({"revision": PIPELINE_REVISION, "rules": self.rule_names, "options": self.options,
                           "language": self.language}, sort_keys=True)
        return f"{PIPELINE_REVISION}-{hashlib.sha256(spec.encode()).hexdigest()[:8]}"

    def clean(self, article: Article) -> Document:
        ctx = R.CleaningContext()
        engine = EditEngine(article.raw_text)
        stats = self.stats
        for rule in self.editors:
            edits = rule.propose(engine.text, ctx)
            if edits:
                engine.apply(rule.name, edits)
                stats.edits[rule.name] += len(edits)
                stats.documents_touched[rule.name] += 1
        text = engine.text
        ctx.language = self.language or detect_language(text)
        flags = []
        for rule in self.flaggers:
            found = rule.flag(text, ctx)
            if found:
                flags.extend(found)
                stats.flags[rule.name] += len(found)
        flags.sort(key=lambda f: (f.start, f.end, f.rule))
        blocks = find_blocks(text)
        title = text[blocks[0].start:blocks[0].end] if blocks else (article.title or "")
        stats.documents += 1
        stats.raw_chars += len(article.raw_text)
        stats.clean_chars += len(text)
        return Document(
            id=article.id, source=article.source, title=title, text=text,
            raw_sha256=article.raw_sha256, text_sha256=sha256_hex(text), encoding=article.encoding,
            language=ctx.language, published=article.published or _published_from(ctx.metadata),
            blocks=blocks, flags=flags,
            cleaning=CleaningRecord(self.version, engine.log, engine.offset_map()),
            metadata={**article.metadata, **ctx.metadata},
        )


def detect_language(text: str) -> str:
    # The first few paragraphs are enough, and langid's cost grows with the text.
    return _language_identifier().classify(text[:1500])[0] if text.strip() else "und"


# Texts the bulk identifier must classify exactly as py3langid does before it is used.
_LANGUAGE_PROBES = ("Joe Biden maintained pressure on Moscow on Friday.", "Le gouvernement a annoncé un plan.",
                    "Die Regierung hat am Dienstag einen Plan angekündigt.", "Правительство объявило план.",
                    "東京で地震があった。", "x", "“”", "3.5 %")


@lru_cache(maxsize=1)
def _language_identifier():
    """py3langid's classifier, in its bulk form (same answers, several times faster) when possible."""
    from py3langid.langid import _get_identifier

    plain = _get_identifier()
    try:
        bulk = _bulk_identifier(plain)
    except (AttributeError, TypeError, ValueError):  # a py3langid with another layout: use it as it is
        return plain
    return bulk if all(bulk.classify(p) == plain.classify(p) for p in _LANGUAGE_PROBES) else plain


def _bulk_identifier(plain):
    """A py3langid identifier whose two slow steps are done in bulk, with bit-identical scores.

    py3langid walks its byte n-gram automaton one byte at a time in Python and, on every
    call, casts the float16 weight rows it needs to float32 before the dot product; the
    two were most of the cost of cleaning. The automaton is Aho-Corasick, so the state
    after a byte depends only on the last ``depth`` bytes (the depth of its deepest state):
    numpy computes every position's state at once. Each weight row is cast once.
    Counts, rows, their order and dtypes are py3langid's, so the scores are bit-identical.
    """
    from py3langid.langid import LanguageIdentifier

    class BulkLanguageIdentifier(LanguageIdentifier):
        __slots__ = ("_depth", "_weights32", "_cast", "_moves", "_rows", "_features", "_after_two", "_next_row")

        def _raw_score(self, text):
            found = self._feature_counts(text)
            if found is None:
                return super()._raw_score(text)  # no features: py3langid's own answer
            rows, counts = found
            new = rows[~self._cast[rows]]
            if len(new):  # cast each weight row once, when a text first needs it
                self._weights32[new] = self.nb_ptc[new]
                self._cast[new] = True
            # py3langid's _sparse_score, on the float32 rows it would have cast itself.
            return np.log1p(counts.astype(np.float32)) @ self._weights32[rows] + self.nb_pc

        def _feature_counts(self, data: bytes):
            """Features and their counts in order of first occurrence, as py3langid's ``visit_counts``."""
            moves, rows, depth, n = self.tk_nextmove, self._rowbase, self._depth, len(data)
            states = np.empty(n, dtype=np.intp)
            state = 0
            for i in range(min(n, depth - 1)):  # the first bytes: walk from the start
                state = moves[rows[state] + data[i]]
                states[i] = state
            if n >= depth:  # every later byte: from the start state over its last `depth` bytes
                b = np.frombuffer(data, dtype=np.uint8)
                m = n - depth + 1
                # The first two bytes of every window at once, from a table of all byte pairs;
                # then, for the bytes between, only the row of the next state is looked up
                # (a table half the size of the moves, kept hot), and the state at the last.
                row = self._after_two[(b[:m].astype(np.intp) << 8) | b[1:m + 1]]
                for k in range(2, depth - 1):
                    row = self._next_row[(row.astype(np.intp) << 8) | b[k:m + k]]
                states[depth - 1:] = self._moves[(row.astype(np.intp) << 8) | b[depth - 1:m + depth - 1]]
            features = self._features[states]
            positions = np.flatnonzero(features >= 0)
            if not len(positions):
                return None
            # One sort of (feature, position) keys gives each feature's count and first position.
            shift = n.bit_length()
            keys = np.sort((features[positions] << shift) | positions)
            feature = keys >> shift
            starts = np.flatnonzero(np.concatenate(([True], feature[1:] != feature[:-1])))
            counts = np.diff(np.append(starts, len(keys)))
            order = np.argsort(keys[starts] & ((1 << shift) - 1))
            return feature[starts][order], counts[order]

    bulk = BulkLanguageIdentifier(plain.nb_ptc, plain.nb_pc, plain.nb_classes, plain.tk_nextmove, plain.tk_output,
                                  norm_probs=plain._norm_probs, min_confidence=plain.min_confidence,
                                  tk_row=plain.tk_row)
    bulk._moves = np.frombuffer(plain.tk_nextmove, dtype=f"u{plain.tk_nextmove.itemsize}")
    bulk._rows = np.asarray(plain._rowbase, dtype=np.intp)
    bulk._features = np.asarray(plain.tk_output, dtype=np.intp)
    if len(bulk._rows) != len(bulk._features):
        raise ValueError("one output per automaton state expected")
    bulk._depth = _automaton_depth(bulk._moves, bulk._rows)
    row_of = np.asarray(plain.tk_row)
    if bulk._depth < 3 or row_of.max() >= 1 << 16 or not np.array_equal(bulk._rows, row_of.astype(np.intp) << 8):
        raise ValueError("an automaton of depth three or more with 256-wide rows expected")
    row_of = row_of.astype(np.uint16)
    bulk._next_row = row_of[bulk._moves]  # row of the state each move leads to
    first = bulk._moves[bulk._rows[0] + np.arange(256)]
    bulk._after_two = row_of[bulk._moves[(bulk._rows[first][:, None] + np.arange(256)).ravel()]]
    # What py3langid casts the rows it uses to on every call; filled in as rows are needed.
    bulk._weights32 = np.empty(plain.nb_ptc.shape, dtype=np.float32)
    bulk._cast = np.zeros(len(plain.nb_ptc), dtype=bool)
    return bulk


def _automaton_depth(moves, rows) -> int:
    """How many bytes from the start the deepest state of the automaton is (breadth-first)."""
    seen = np.zeros(len(rows), dtype=bool)
    seen[0] = True
    frontier, depth, byte = np.array([0]), 0, np.arange(256)
    while True:
        reached = np.zeros(len(rows), dtype=bool)
        reached[moves[(rows[frontier][:, None] + byte).ravel()]] = True
        reached &= ~seen
        if not reached.any():
            return depth
        seen |= reached
        frontier, depth = np.flatnonzero(reached), depth + 1


def _published_from(metadata: dict) -> str | None:
    """An ISO date from a date line the residue rule kept, when it parses."""
    line = metadata.get("dateline")
    if not line:
        return None
    from corpus.dates import parse_date

    return parse_date(line)
