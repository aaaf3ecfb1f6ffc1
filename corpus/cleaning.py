"""The cleaning pipeline: a plain list of rules run over each article, applied by one engine.

``CleaningPipeline.clean(article)`` (``clean_many`` for a batch) turns an
:class:`~corpus.model.Article` into a :class:`~corpus.model.Document`: editing rules
propose edits which the :class:`~corpus.offsets.EditEngine` applies (so the offset map and
the edit log stay exact), flagging rules then mark what a human should judge, and the
structure step finds title, standfirst, headings and paragraphs. Every rule counts what it did.
"""

from __future__ import annotations

import hashlib
import json
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass, field

from corpus.language import detect_languages
from corpus.model import Article, CleaningRecord, Document, sha256_hex
from corpus.offsets import Edit, EditEngine
from corpus.rules import RULES, CleaningContext, default_rules
from corpus.rules.repeated_lines import EMPTY_TABLE, RepeatedLineTable, article_source
from corpus.runtime import without_cyclic_gc
from corpus.structure import find_blocks

# Bump when a rule's behaviour changes: every document is then re-cleaned by `newsdesk clean`.
PIPELINE_REVISION = "17"  # 2: the Unicode repair sends every line ftfy would change to it;
#                          3: language identified on the opening 400 characters when decisive;
#                          4: the first line is the title only when it reads as one (short, not
#                             several sentences) or is the source's title: one-line articles had
#                             their whole text as title;
#                          5: full-width forms kept (ftfy's width fix made Chinese and Japanese
#                             punctuation ASCII);
#                          6: the residue model (its model version is part of the pipeline version);
#                          7: the residue model takes lines only from pages, not from articles;
#                          8: run_together_words only in languages that write compounds apart, not
#                             in links or markup, not on words any common language knows, and one
#                             part a function word (3 right of 100 flags on real text before, 7 of 8
#                             after; bench/flags.py)
#                          9: repeated_lines: lines repeated across the documents of one source
#                          10: the residue model sees where the densest block of sentence lines is,
#                              and never takes a sentence of the body (live blogs lost paragraphs)
#                          11: the residue model sees paragraphs outside the body, lines repeated in
#                              the text, and comment sections (furniture and dates nearby); a
#                              page's comment section goes whole; an article keeps a quoted tweet
#                          12: HTML pages keep the list items and boxes inside the article's body
#                              that trafilatura's precision setting drops; no empty table rows
#                              (corpus/html_text.py; a page's text is extracted when it is read);
#                              quote_spacing reads a quote's direction from the quotes before it
#                              (German „…“ and »…«, Swedish ”…”), never spaces Chinese, Japanese
#                              or Korean quotes; the residue model's `comments` option
#                          13: HTML pages lose link teasers inside the body (a label and one link
#                              into the site: "Lea más: <a>...</a>"); quote_spacing leaves a quoted
#                              word's plural (“if”s) and markup (href=”...) as they are
#                          14: the residue model reads a piece of a sentence cut at a link as one
#                              (retrained); a text 60% of whose lines score residue is a page
#                          15: the residue model also learns from trafilatura's extraction of the
#                              lines the snippets leave unlabelled (silver labels); threshold 0.53;
#                              a text of under 6 lines is a page only when every line scores residue
#                          16: a page's headline, which the residue model takes with the furniture,
#                              is the document's title (corpus/rules/page_headline.py)
#                          17: a page without one keeps its first line as title only when it could
#                              be a headline and shares a content word with the article

# An article's metadata key: [start, end] ranges of its raw text that no rule may delete, the
# spans of annotations imported with it. Gold says they are article text, whatever their lines
# look like (a results table, a list item, a caption): removed, the annotation would be lost.
PROTECTED = "protected"


def spare_protected(text: str, edits, protected: list[tuple[int, int]]) -> tuple[list[Edit], list[tuple[int, int]]]:
    """The edits to ``text`` that delete nothing inside ``protected`` (sorted ranges of ``text``,
    apart), and those ranges on the text after them. A deletion over protected text keeps only
    what it deletes outside the lines holding it (a run of residue lines loses its other lines);
    an edit replacing protected text (a repaired character, a line break made two) stays, and
    moves the range's end. Bisection and one sweep: an imported file may hold thousands of spans."""
    starts = [start for start, _ in protected]
    ends = [end for _, end in protected]
    kept: list[Edit] = []
    for e in edits:
        first, last = bisect_right(ends, e.start), bisect_left(starts, e.end)  # the ranges it overlaps
        if e.replacement or first >= last:
            kept.append(e)
        else:
            kept += _outside_lines(text, e, protected[first:last])
    kept.sort(key=lambda e: (e.start, e.end))
    moved, shift, j = [], 0, 0
    for start, end in protected:
        while j < len(kept) and kept[j].end <= start:  # wholly before the range
            shift += len(kept[j].replacement) - (kept[j].end - kept[j].start)
            j += 1
        inside, k = 0, j
        while k < len(kept) and (kept[k].start < end or kept[k].start <= start):
            inside += len(kept[k].replacement) - (kept[k].end - kept[k].start)
            k += 1
        moved.append((start + shift, end + shift + inside))
    return kept, moved


def _outside_lines(text: str, deletion: Edit, protected: list[tuple[int, int]]) -> list[Edit]:
    """The pieces of ``deletion`` outside every line (with the line breaks after it) that holds
    the ``protected`` ranges it overlaps."""
    spared = []
    for start, end in protected:
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", end)
        line_end = len(text) if line_end < 0 else line_end
        while line_end < len(text) and text[line_end] == "\n":
            line_end += 1
        spared.append((line_start, line_end))
    pieces, at = [], deletion.start
    for start, end in spared:
        if start > at:
            cut = min(start, deletion.end)
            if at and text[at - 1] != "\n":  # from the end of a line: leave the breaks before the kept one
                while cut > at and text[cut - 1] == "\n":
                    cut -= 1
            pieces.append(Edit(at, cut, ""))
        at = max(at, end)
    if at < deletion.end:
        pieces.append(Edit(at, deletion.end, ""))
    return [piece for piece in pieces if piece.end > piece.start]


# Made from the one registry, corpus/rules/__init__.py (RULES): a rule's class by its name, and
# the rules that run by default, in order.
EDITING_RULES = {spec.name: spec.load() for spec in RULES if spec.kind == "editing"}
FLAGGING_RULES = {spec.name: spec.load() for spec in RULES if spec.kind == "flagging"}
DEFAULT_RULES = default_rules()
CLEAN_BATCH = 512  # articles cleaned together: enough to keep each rule's tables hot, few enough to stay in cache


@dataclass
class CleaningStats:
    """Per-rule counts of one run, for the summary (datatrove's `stat_update`, kept simple)."""

    edits: Counter = field(default_factory=Counter)
    flags: Counter = field(default_factory=Counter)
    documents_touched: Counter = field(default_factory=Counter)
    documents: int = 0
    raw_chars: int = 0
    clean_chars: int = 0

    def merge(self, other: CleaningStats) -> None:
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
            raise ValueError(
                f"unknown cleaning rules {unknown}; known: {sorted(EDITING_RULES) + sorted(FLAGGING_RULES)}"
            )
        self.rule_names = rules
        self.options = {r: dict(options.get(r, {})) for r in rules}
        self.editors = [EDITING_RULES[r](**self.options[r]) for r in rules if r in EDITING_RULES]
        self.flaggers = [FLAGGING_RULES[r](**self.options[r]) for r in rules if r in FLAGGING_RULES]
        self.language = language  # None: detect per document
        # The lines repeated across each source, computed over the workspace (corpus.ingest sets it).
        self.repeated_rule = next((e for e in self.editors if e.name == "repeated_lines"), None)
        self.repeated: RepeatedLineTable = EMPTY_TABLE
        self.version = self._version()
        self.stats = CleaningStats()

    def _version(self) -> str:
        """Changes whenever the revision, the rule list or any rule option changes."""
        models = {e.name: e.model.version for e in self.editors if hasattr(e, "model")}
        spec = json.dumps(
            {
                "revision": PIPELINE_REVISION,
                "rules": self.rule_names,
                "options": self.options,
                "language": self.language,
                "models": models,
            },
            sort_keys=True,
        )
        return f"{PIPELINE_REVISION}-{hashlib.sha256(spec.encode()).hexdigest()[:8]}"

    def repeated_fingerprint(self, article) -> str:
        """The fingerprint of the repeated lines of the article's (or article record's) source,
        as its document records them (``metadata.repeated_lines``); "" when there are none."""
        if self.repeated_rule is None:
            return ""
        return self.repeated.fingerprint(article_source(article))

    def clean(self, article: Article) -> Document:
        return self.clean_many([article])[0]

    def clean_many(self, articles: list[Article]) -> list[Document]:
        """Clean many articles, each exactly as on its own."""
        # Cleaning makes tens of small lists and tuples per article and no reference cycles: the
        # collector found nothing and walked the caller's objects each time (~60 µs an article
        # with 60,000 articles held in memory, as ingest and the benchmark hold them).
        with without_cyclic_gc():
            return [
                doc
                for i in range(0, len(articles), CLEAN_BATCH)
                for doc in self._clean_batch(articles[i : i + CLEAN_BATCH])
            ]

    def _clean_batch(self, articles: list[Article]) -> list[Document]:
        # One rule at a time over the whole batch, not one article at a time through every
        # rule: each rule's tables (and langid's model, the largest) stay in the CPU cache.
        contexts = [CleaningContext(format=article.format, source=article_source(article)) for article in articles]
        if self.repeated_rule is not None:
            for ctx in contexts:
                ctx.repeated_lines = self.repeated.lines(ctx.source)
        engines = [EditEngine(article.raw_text) for article in articles]
        protected = [_protected(article) for article in articles]  # None for all but imported texts
        stats = self.stats
        for rule in self.editors:
            # A rule that can look at the whole batch at once says so with propose_many.
            propose_many = getattr(rule, "propose_many", None)
            proposed = (
                propose_many([engine.text for engine in engines], contexts)
                if propose_many is not None
                else (rule.propose(engine.text, ctx) for ctx, engine in zip(contexts, engines))
            )
            for i, (engine, edits) in enumerate(zip(engines, proposed)):
                if edits and protected[i]:
                    edits, protected[i] = spare_protected(engine.text, edits, protected[i])
                if edits:
                    engine.apply(rule.name, edits)
                    stats.edits[rule.name] += len(edits)
                    stats.documents_touched[rule.name] += 1
        texts = [engine.text for engine in engines]
        languages = [self.language] * len(texts) if self.language else detect_languages(texts)
        flags: list[list] = [[] for _ in texts]
        for ctx, language in zip(contexts, languages):
            ctx.language = language
        for rule in self.flaggers:
            # A rule that can look at the whole batch at once says so with flag_many.
            flag_many = getattr(rule, "flag_many", None)
            found_by_text = (
                flag_many(texts, contexts)
                if flag_many is not None
                else [rule.flag(text, ctx) for text, ctx in zip(texts, contexts)]
            )
            for found, found_in_text in zip(found_by_text, flags):
                if found:
                    found_in_text.extend(found)
                    stats.flags[rule.name] += len(found)
        return [
            self._document(article, text, ctx, engine, found)
            for article, text, ctx, engine, found in zip(articles, texts, contexts, engines, flags)
        ]

    def _document(self, article: Article, text: str, ctx: CleaningContext, engine: EditEngine, flags: list) -> Document:
        flags.sort(key=lambda f: (f.start, f.end, f.rule))
        blocks = find_blocks(text, title=article.title)
        source_title = " ".join((article.title or "").split())
        headline = ctx.metadata.get("headline")
        if headline:  # a page's headline the residue rule took (its first line is what survived)
            title = source_title or headline
        elif blocks and blocks[0].kind == "title" and ctx.first_line_is_title:
            title = text[blocks[0].start : blocks[0].end]
        else:  # no title block (the first line is the body, or a page's furniture): the source's own, if any
            title = source_title
        metadata = {**article.metadata, **ctx.metadata}
        metadata.pop(PROTECTED, None)  # the article's, not the document's
        fingerprint = self.repeated.fingerprint(ctx.source) if self.repeated_rule is not None else ""
        if fingerprint:  # which of its source's lines it was cleaned with: re-cleaned when they change
            metadata["repeated_lines"] = fingerprint
        else:
            metadata.pop("repeated_lines", None)
        stats = self.stats
        stats.documents += 1
        stats.raw_chars += len(article.raw_text)
        stats.clean_chars += len(text)
        return Document(
            id=article.id,
            source=article.source,
            title=title,
            text=text,
            raw_sha256=article.raw_sha256,
            text_sha256=sha256_hex(text),
            encoding=article.encoding,
            language=ctx.language,
            published=article.published or _published_from(ctx.metadata),
            blocks=blocks,
            flags=flags,
            cleaning=CleaningRecord(self.version, engine.log, engine.offset_map()),
            metadata=metadata,
        )


def _protected(article: Article) -> list[tuple[int, int]] | None:
    ranges = article.metadata.get(PROTECTED)
    return sorted((int(start), int(end)) for start, end in ranges) if ranges else None


def _published_from(metadata: dict) -> str | None:
    """An ISO date from a date line the residue rule kept, when it parses."""
    line = metadata.get("dateline")
    if not line:
        return None
    from corpus.dates import parse_date

    return parse_date(line)
