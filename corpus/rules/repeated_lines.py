"""Lines repeated across a source: a line that recurs in many documents of one site or feed is residue.

"Help", "About Us", a newsletter box, "Follow us on Twitter": a scraper keeps them on every page of
a site. No single page tells them from article text; the site's other pages do. So this rule works
in two steps over the workspace:

1. :func:`count_lines` counts, per source (:func:`source_of`), in how many documents each short
   line occurs (whole lines, compared after whitespace normalisation, counted over the *raw* text:
   what the rule removed never lowers the counts, so cleaning again finds the same lines);
   :meth:`RepeatedLines.table` keeps the lines that recur in at least ``min_documents`` documents
   and ``min_share`` of the source's documents. The workspace stores that table
   (``store/repeated_lines.json``), recomputed after every ingest and clean.
2. :class:`RepeatedLines` proposes, like every rule, edits removing those lines from a document of
   that source (``ctx.repeated_lines``). Each document remembers the fingerprint of its source's
   lines (``metadata.repeated_lines``); when new documents of the source change them, the
   documents cleaned before are re-cleaned (and only those).

Guards against article text that repeats: only lines of at most ``max_words`` words and
``max_chars`` characters (quoted sentences in follow-up stories are long), never a bare dateline
("WASHINGTON —") or time ("9:15 p.m.", a live blog's entries), and never every line of a document.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from corpus.offsets import Edit
from corpus.rules.base import CleaningContext, _runs, remove_lines

_NON_EMPTY_LINE = re.compile(r"[^\n]*\S[^\n]*")
# A dateline alone on its line: article text however often a source repeats it.
_DATELINE = re.compile(r"^[A-ZÀ-Ý][A-ZÀ-Ý .,'’/-]+(?:\([^)]{1,30}\))?\s*[—–-]+$")
# A bare time ("9:15 p.m.", a live blog's entries): article structure, repeated in every live blog.
_TIME = re.compile(r"(?i)^\d{1,2}(?::\d{2}(?:\s*[ap]\.?m\.?)?|\s*[ap]\.?m\.?)$")
_LINE_NUMBER = re.compile(r":\d+$")
_ARCHIVED = re.compile(r"^/web/[^/]+/(.+)$")  # web.archive.org/web/<time>/<url>: the archived site


def normalise_line(line: str) -> str:
    """The line as it is compared: whitespace runs as one space, none at the ends."""
    return " ".join(line.split())


def source_of(url: str | None, path: str | None, source: str = "") -> str:
    """The source a document belongs to, from the provenance it carries.

    The site of its URL (host without ``www.``; for a web.archive.org copy, the archived site);
    without a URL, the JSONL file it is a line of (a feed), else the folder its file is in.
    """
    if url:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").removeprefix("www.")
        archived = _ARCHIVED.match(parts.path) if host == "web.archive.org" else None
        if archived:
            inner = archived.group(1)
            return source_of(inner if "://" in inner else "http://" + inner, None) or host
        if host:
            return host
    where = path or source
    if _LINE_NUMBER.search(where):
        return _LINE_NUMBER.sub("", where)  # a line of a JSONL file: the file is the feed
    head, _, _ = where.replace("\\", "/").rpartition("/")
    return head or "."


def article_source(rec) -> str:
    """:func:`source_of` an article or an article record."""
    if isinstance(rec, dict):
        return source_of(rec.get("url"), (rec.get("metadata") or {}).get("path"), rec.get("source", ""))
    return source_of(rec.url, rec.metadata.get("path"), rec.source)


@dataclass
class LineCounts:
    """Per source: how many documents it has, and in how many of them each candidate line occurs."""

    documents: Counter = field(default_factory=Counter)  # source -> documents
    lines: dict[str, Counter] = field(default_factory=dict)  # source -> line -> documents

    def add(self, source: str, raw_text: str, max_words: int, max_chars: int) -> None:
        self.documents[source] += 1
        seen = {
            line
            for line in map(normalise_line, raw_text.split("\n"))
            if line and len(line) <= max_chars and line.count(" ") < max_words
        }
        if seen:
            self.lines.setdefault(source, Counter()).update(seen)

    def merge(self, other: LineCounts) -> LineCounts:
        self.documents.update(other.documents)
        for source, lines in other.lines.items():
            self.lines.setdefault(source, Counter()).update(lines)
        return self


def count_lines(articles, max_words: int, max_chars: int) -> LineCounts:
    """The line counts of articles (or article records), each under its :func:`article_source`."""
    counts = LineCounts()
    for art in articles:
        raw = art["raw_text"] if isinstance(art, dict) else art.raw_text
        counts.add(article_source(art), raw, max_words, max_chars)
    return counts


@dataclass(frozen=True)
class RepeatedLineTable:
    """The repeated lines of each source that has any, with how many documents hold each."""

    sources: dict[str, dict[str, int]]  # source -> line -> documents
    documents: dict[str, int]  # source -> documents (of the sources listed)
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    def lines(self, source: str) -> frozenset[str]:
        key = ("lines", source)
        if key not in self._cache:
            self._cache[key] = frozenset(self.sources.get(source, ()))
        return self._cache[key]

    def fingerprint(self, source: str) -> str:
        """Changes when the source's repeated lines change; "" when it has none."""
        lines = self.sources.get(source)
        if not lines:
            return ""
        key = ("fingerprint", source)
        if key not in self._cache:
            self._cache[key] = hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()[:12]
        return self._cache[key]

    def to_record(self) -> dict:
        return {
            "sources": {
                s: {
                    "documents": self.documents[s],
                    "lines": dict(sorted(lines.items(), key=lambda kv: (-kv[1], kv[0]))),
                }
                for s, lines in sorted(self.sources.items())
            }
        }

    @classmethod
    def from_record(cls, rec: dict) -> RepeatedLineTable:
        sources = rec.get("sources", {})
        return cls({s: dict(v["lines"]) for s, v in sources.items()}, {s: v["documents"] for s, v in sources.items()})


EMPTY_TABLE = RepeatedLineTable({}, {})


def _article_shape(line: str) -> bool:
    """A line that is article text however often its source repeats it: a bare dateline or time."""
    return bool(_DATELINE.match(line) or _TIME.match(line))


class RepeatedLines:
    """Removes the lines the workspace found repeated across the document's source."""

    name = "repeated_lines"

    def __init__(self, min_documents: int = 3, min_share: float = 0.1, max_words: int = 20, max_chars: int = 150):
        self.min_documents = min_documents
        self.min_share = min_share
        self.max_words = max_words
        self.max_chars = max_chars

    def count(self, articles) -> LineCounts:
        return count_lines(articles, self.max_words, self.max_chars)

    def table(self, counts: LineCounts) -> RepeatedLineTable:
        """The lines of each source in at least ``min_documents`` and ``min_share`` of its documents."""
        sources, documents = {}, {}
        for source, lines in counts.lines.items():
            n = counts.documents[source]
            floor = max(self.min_documents, self.min_share * n)
            repeated = {line: k for line, k in lines.items() if k >= floor and not _article_shape(line)}
            if repeated:
                sources[source], documents[source] = repeated, n
        return RepeatedLineTable(sources, documents)

    def propose(self, text: str, ctx: CleaningContext) -> list[Edit]:
        repeated = ctx.repeated_lines
        if not repeated:
            return []
        spans = [m.span() for m in _NON_EMPTY_LINE.finditer(text)]
        found = [i for i, (s, e) in enumerate(spans) if normalise_line(text[s:e]) in repeated]
        if not found or len(found) == len(spans):  # a text of nothing but the source's lines is left whole
            return []
        return [remove_lines(spans, first, last) for first, last in _runs(found)]
