"""``residue_model``: the lines a model trained on real pages scores as page furniture are removed.

The rule (:class:`ResidueModelRule`, at the end) is applied to every text input (.txt, .jsonl, and HTML
after extraction), after the pattern rules (residue_lines) have taken what they know by name. Each
removed run of lines is one edit of the EditEngine, so the offset map and the edit log say what went.

The model is a line model of scraping residue: is each line of a text article, or menu, footer, share line?

The way jusText, CCNet and the C4 / Gopher line filters decide, with the weights learned
(bench/train_residue.py, cross-validated by site on real pages) instead of set by hand:
each line is described by what it is (length, words, sentence-final punctuation, share of
stop words, URLs, handles, dates, words of page furniture) and by where it stands (position,
its neighbours, runs of short lines, distance to the nearest sentence-like line). Two logistic
regressions: the first scores each line, the second reads the first's scores of the line and
its neighbours (a short line between two paragraphs is article; one among menu items is not).

The model is a small JSON file shipped in the package (no pickle, nothing downloaded); numpy
is all it needs at run time. The features are computed in :mod:`corpus.rules.residue_features`.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import lru_cache
from importlib import resources
from itertools import repeat
from pathlib import Path

import numpy as np

from corpus.offsets import Edit
from corpus.rules.base import CleaningContext, _runs, remove_lines
from corpus.rules.page_headline import NOT_HEADLINE, page_title
from corpus.rules.residue_features import (
    FEATURES,
    KNOWN_RESIDUE,
    WORDS_SAID,
    densest_block,
    known_residue,
    known_residue_lines,
    line_features,
    line_starts_of,
    lines_containing,
    sentence_ends,
    texts_line_features,
    window_mean,
)

__all__ = ["FEATURES", "KNOWN_RESIDUE", "ResidueModel", "ResidueModelRule", "known_residue", "line_features"]

MODEL_FILE = "residue_model.json"

# What a page that is no article says: an error page, a login or subscription wall.
NOT_ARTICLE = re.compile(
    r"(?i)\b(?:page (?:not found|cannot be found|you (?:are|were) looking for)|404 (?:error|not found)|error 404"
    r"|seite (?:nicht gefunden|wurde nicht gefunden)|page introuvable|página no encontrada"
    r"|(?:log|sign) in to (?:continue|read)|subscribe to (?:continue|read)|this (?:article|content) is "
    r"(?:only )?(?:available|reserved) (?:to|for) (?:subscribers|members))\b"
)


def context_features(scores: np.ndarray, sizes: list[int] | None = None) -> np.ndarray:
    """The second stage's input: the first stage's logit of each line and of its neighbours in its
    text (``sizes``: the lines of each text, the scores one text after the other; one text if None)."""
    n = scores.size
    out = np.full((n, 10), -4.0)
    if not n:
        return out
    sizes = np.array([n] if sizes is None else sizes, np.int64)
    ends = np.cumsum(sizes)
    starts = ends - sizes
    text_of = np.repeat(np.arange(sizes.size), sizes)
    at = np.arange(n) - starts.take(text_of)  # each line's place in its text
    left = sizes.take(text_of) - at  # and how many lines from it to its text's end
    out[:, 0] = scores
    for col, by in enumerate((1, 2, 3), start=1):  # the lines before (-4.0 before the first)...
        out[by:, col] = scores[: max(n - by, 0)]
        out[at < by, col] = -4.0
    for col, by in enumerate((1, 2, 3), start=4):  # ...and after
        out[: max(n - by, 0), col] = scores[by:]
        out[left <= by, col] = -4.0
    out[:, 7] = window_mean(scores, 5, -4.0, text_of)
    out[:, 8] = np.maximum.reduceat(scores, starts).take(text_of)
    # The mean as each text alone adds it up (numpy's sum adds up in pairs).
    out[:, 9] = np.array([scores[a:b].mean() for a, b in zip(starts.tolist(), ends.tolist())]).take(text_of)
    return out


class ResidueModel:
    """The two stages' weights and the stop words, read from the JSON file the training wrote."""

    def __init__(self, spec: dict):
        if spec.get("features") != FEATURES + ([WORDS_SAID] if spec.get("word_weights") else []):
            raise ValueError("the residue model was trained on other features; retrain it (bench/train_residue.py)")
        # The trained weights are part of the version: a retrained model re-cleans every document.
        digest = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:8]
        self.version = f"{spec['version']}-{digest}"
        self.stopwords = frozenset(spec["stopwords"])
        # What the words of a line say: a weight for each hashed bucket of words and word pairs
        # (the words_said feature; none in a model trained without them).
        self.word_weights = np.asarray(spec["word_weights"], float) if spec.get("word_weights") else None
        self.stages = [Linear(spec["stage1"]), Linear(spec["stage2"])]

    @classmethod
    def from_file(cls, path: str | Path | None = None) -> ResidueModel:
        if path is None:
            return _shipped()
        return cls(json.loads(Path(path).read_text("utf-8")))

    def first_stage(self, lines: list[str], **known) -> np.ndarray:
        return self.stages[0].logits(line_features(lines, self.stopwords, word_weights=self.word_weights, **known))

    def probabilities(self, lines: list[str], **known) -> np.ndarray:
        """The probability that each line is article text (``known``: what line_features may be given)."""
        if not lines:
            return np.zeros(0)
        logits = self.stages[1].logits(context_features(self.first_stage(lines, **known)))
        return 1.0 / (1.0 + np.exp(-logits))

    def probabilities_many(self, texts: list[list[str]], **known) -> list[np.ndarray]:
        """probabilities() of each of many texts (none without lines), their features computed together;
        ``known``: lists of what line_features may be given, one item a text."""
        first = [
            self.stages[0].logits(features)
            for features in texts_line_features(texts, self.stopwords, word_weights=self.word_weights, **known)
        ]
        sizes = [len(lines) for lines in texts]
        second = context_features(np.concatenate(first), sizes)
        found, at = [], 0
        for size in sizes:
            logits = self.stages[1].logits(second[at : at + size])
            found.append(1.0 / (1.0 + np.exp(-logits)))
            at += size
        return found


class Linear:
    """A logistic regression on standardised features."""

    def __init__(self, spec: dict):
        self.mean, self.scale = np.asarray(spec["mean"]), np.asarray(spec["scale"])
        self.coef, self.intercept = np.asarray(spec["coef"]), float(spec["intercept"])

    def logits(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mean) / self.scale) @ self.coef + self.intercept


@lru_cache(maxsize=1)
def _shipped() -> ResidueModel:
    return ResidueModel(json.loads(resources.files("corpus.rules").joinpath(MODEL_FILE).read_text("utf-8")))


# --- The rule ---------------------------------------------------------------------------------

# A text left with fewer words than this that says "page not found" or "log in to read" is no article.
NOT_ARTICLE_WORDS = 120


class ResidueModelRule:
    """Removes the lines the residue model gives a probability of article text under ``threshold``
    (``html_threshold`` for text extracted from a page), and lines of known residue shapes."""

    name = "residue_model"

    def __init__(
        self,
        threshold: float = 0.53,
        html_threshold: float = 0.15,
        keep_words: int = 60,
        page_share: float = 0.5,
        page_word_share: float = 0.1,
        model: str | None = None,
        body_share: float = 0.3,
        comments: bool = True,
        page_line_share: float = 0.6,
        page_min_lines: int = 6,
        headline: bool = True,
    ):
        # A page's comment section (from a heading such as "12 Comments" after the article's body to
        # the end) goes whole: its comments are paragraphs the model cannot tell from the article's.
        self.comments = comments
        # The densest block of sentence lines, and any block holding ``body_share`` of the text's
        # sentence characters, is the article's body (the heuristic "keep the lines that end like
        # sentences, keep the densest block"): its sentences are never taken, whatever the model
        # scores. PolNeAR's live blogs, paragraphs between time stamps, pass the page gate and
        # had their paragraphs scored 0.3-0.6: 928 annotated spans touched before, 54 after.
        self.body_share = body_share
        # 0.53 with the model of revision 15 (silver labels): on the 690 development pages not used
        # to choose it, more must-stay snippets kept and more must-go dropped than 0.5 with the model
        # before (bench/README.md, "Silver: trafilatura's text as expected text")
        self.threshold = threshold
        # Text extracted from a page (trafilatura) has lost most of its furniture already: only
        # lines the model is sure of go (on the development pages, 0.5 there cost must-keep
        # snippets, 0.883 kept against 0.915, for no gain in F1).
        self.html_threshold = html_threshold
        # A line of this many words is a paragraph whatever its neighbours: never taken (a
        # one-line article, as machine translations and feeds deliver them, is kept whole).
        self.keep_words = keep_words
        # The model takes lines from a page, not from an article: from a text (not extracted from
        # HTML) only when at least ``page_share`` of its lines and ``page_word_share`` of its words
        # score as residue. Whole-page text of real news pages passes (95% of the development
        # pages); real article texts do not (99.3% of PolNeAR's, 98% of the newspaper
        # fixtures' texts), where the lines the model took were article sentences ("It
        # shouldn't take long.") with annotations on them. In an article only lines of known
        # residue shapes ("Follow ... on Twitter @...") go.
        self.page_share = page_share
        self.page_word_share = page_word_share
        # A text ``page_line_share`` of whose lines score as residue is a page whatever its words: a
        # long article under a menu of many one-word lines (avclub, thedailybeast, a club's site) has
        # under 10% of its words in them. No real article text of PolNeAR's comes near (the most,
        # 0.58 of the lines, already passes on its words).
        self.page_line_share = page_line_share
        # A text of fewer lines is a page only when every line scores residue: real whole-page text
        # runs to hundreds of lines, while a wire brief (headline, byline, date, a paragraph) has its
        # short lines scored low by a model that learned trafilatura's text, which leaves them out
        self.page_min_lines = page_min_lines
        # A page's headline goes with its furniture (the model learned from text without it); the line
        # found as the headline (corpus/rules/page_headline.py) becomes the document's title
        self.headline = headline
        self.model = ResidueModel.from_file(model)

    def propose(self, text: str, ctx: CleaningContext) -> list[Edit]:
        return self.propose_many([text], [ctx])[0]

    def propose_many(self, texts: list[str], contexts: list[CleaningContext]) -> list[list[Edit]]:
        """propose() for each text, the pages' lines scored together (the engine's batch)."""
        read = self._read_many(texts, contexts)
        pages = [page for page in read if page is not None and page.known_lines is not None]
        if pages:
            probabilities = self.model.probabilities_many(
                [page.lines for page in pages],
                known=[page.known_lines for page in pages],
                sentence_end=[page.ends for page in pages],
            )
            for page, found in zip(pages, probabilities):
                page.probabilities = found
        return [[] if page is None else self._edits(page, ctx) for page, ctx in zip(read, contexts)]

    def _read_many(self, texts: list[str], contexts: list[CleaningContext]) -> list[_Text | None]:
        """Each text's lines, its body and comment section, and whether the model is to score it
        (None for a text without lines). Each step over the lines of all texts that take it at once:
        per text, the fixed cost of its numpy calls and passes was a fifth of the rule on real pages."""
        read = [_Text(text) if text else None for text in texts]
        read = [page if page is not None and page.lines else None for page in read]
        # Only short lines outside the body can score; when they cannot make the page gate, the
        # model's scores change nothing, so it is not run: an article costs a count of its short
        # lines, or the body check (the model took 79% of cleaning on 100k articles when it scored
        # every text).
        checked = []
        for page, ctx in zip(read, contexts):
            if page is None:
                continue
            page.html = ctx.format == "html"
            page.candidates = np.flatnonzero(page.words < self.keep_words)
            if page.html or self._could_be_a_page(page.candidates, page.words, page.total_words):
                checked.append(page)
        if checked:
            lines = [line for page in checked for line in page.lines]
            ends = sentence_ends(lines)
            words = np.concatenate([page.words for page in checked])
            sizes = [len(page.lines) for page in checked]
            bodies = _body_sentences(lines, words, sizes, self.body_share, ends)
            at = 0
            for page, size in zip(checked, sizes):
                page.ends, body = ends[at : at + size], bodies[at : at + size]
                page.comments = comment_section(page.lines, body) if self.comments else []
                page.candidates = np.flatnonzero((page.words < self.keep_words) & ~body)
                at += size
        scored = [
            page
            for page in read
            if page is not None
            and page.candidates.size
            and (page.html or self._could_be_a_page(page.candidates, page.words, page.total_words))
        ]
        if scored:
            lines = [line for page in scored for line in page.lines]
            line_starts = line_starts_of(lines)
            known = known_residue_lines(lines, line_starts)
            at = 0
            for page in scored:
                size = len(page.lines)
                page.line_starts = line_starts[at : at + size] - line_starts[at]
                page.known_lines = known[at : at + size]
                at += size
        return read

    def _edits(self, page: _Text, ctx: CleaningContext) -> list[Edit]:
        """The edits removing what the model scored (when it did), known shapes and comments."""
        lines, words, html = page.lines, page.words, page.html
        scored = []
        if page.known_lines is not None:
            threshold = self.html_threshold if html else self.threshold
            candidates = page.candidates
            scored = candidates[page.probabilities[candidates] < threshold].tolist()
            known_lines = page.known_lines & (words <= 40)
            for i in lines_containing("@", "\n".join(lines), page.line_starts):  # the writer's handle, below
                if not known_lines[i] and words[i] <= 40 and _FOLLOW_THE_WRITER.match(lines[i]):
                    known_lines[i] = True
            known = np.flatnonzero(known_lines).tolist()
        else:  # an article, not scored: its few short lines cost less one by one than passes over the text
            known = [
                i
                for i in np.flatnonzero(words <= 40).tolist()
                if known_residue(lines[i]) or _FOLLOW_THE_WRITER.match(lines[i])
            ]
        a_page = html or self._could_be_a_page(scored, words, page.total_words)
        if not a_page:
            # An article that quotes a tweet keeps it: its words are quoted speech (PolNeAR annotates
            # them); only the link or the attribution left alone on its line goes.
            known = [i for i in known if not _quoted_tweet(lines[i])]
        residue = sorted(set(known) | set(scored) | set(page.comments)) if a_page else known
        if residue and residue[0] == 0 and (len(residue) == 1 or residue[1] != 1) and _headline(lines[0]):
            residue.pop(0)  # the title of a text whose opening paragraph is article: kept as its title
        kept_words = page.total_words - int(words[residue].sum())
        if len(residue) == len(lines):
            ctx.metadata["not_article"] = "every line scored as residue"
        elif kept_words < NOT_ARTICLE_WORDS and any(NOT_ARTICLE.search(line) for line in lines[:40]):
            ctx.metadata["not_article"] = "it reads as an error page or a login wall"
        if not residue:
            return []
        if a_page and not html and self.headline:  # HTML has its title from the page's metadata
            found = page_title(lines, words, residue, self.model.stopwords)
            if found.headline:
                ctx.metadata["headline"] = found.headline
            ctx.first_line_is_title = found.first_line
        spans = _LineSpans(page.pieces)
        return [remove_lines(spans, first, last) for first, last in _runs(residue)]

    def _could_be_a_page(self, residue, words: np.ndarray, total_words: int) -> bool:
        """The page gate: enough of the lines (``residue``: their indices), and of the words, are residue."""
        if words.size < self.page_min_lines and len(residue) < words.size:
            return False  # a short story's headline, byline and date are not a page's furniture
        if len(residue) >= self.page_line_share * words.size:
            return True
        return len(residue) >= self.page_share * words.size and int(words[residue].sum()) >= (
            self.page_word_share * total_words
        )


class _Text:
    """One text as the rule reads it: its non-empty lines, their words, and what the rule found."""

    __slots__ = (
        "pieces",
        "lines",
        "words",
        "total_words",
        "html",
        "ends",
        "comments",
        "candidates",
        "line_starts",
        "known_lines",
        "probabilities",
    )

    def __init__(self, text: str):
        self.pieces = text.split("\n")
        self.lines = lines = list(filter(None, self.pieces))
        self.words = np.fromiter(map(str.count, lines, repeat(" ")), np.int64, len(lines)) + 1
        self.total_words = int(self.words.sum())
        self.ends = self.line_starts = self.known_lines = self.probabilities = None
        self.comments: list[int] = []


class _LineSpans:
    """(start, end) in the text of each non-empty one of its ``pieces`` between line breaks, as
    remove_lines reads them: a few for each run of lines removed (a list of all cost more)."""

    __slots__ = ("starts", "ends")

    def __init__(self, pieces: list[str]):
        lengths = np.fromiter(map(len, pieces), np.int64, len(pieces))
        ends = np.cumsum(lengths + 1) - 1
        filled = lengths > 0
        self.starts, self.ends = (ends - lengths)[filled], ends[filled]

    def __len__(self) -> int:
        return self.ends.size

    def __getitem__(self, i: int) -> tuple[int, int]:
        return int(self.starts[i]), int(self.ends[i])


def body_sentences(
    lines: list[str],
    words: list[int],
    min_words: int = 5,
    min_share: float = 0.15,
    ends: np.ndarray | None = None,
) -> np.ndarray:
    """For each line, whether it is a sentence (``min_words`` words or more, ending like one) in the
    densest block of sentence lines or in a block holding ``min_share`` of the text's sentence
    characters: the article's body, as "keep the densest block" sees it. ``ends``: sentence_ends(lines)."""
    ends = sentence_ends(lines) if ends is None else ends
    return _body_sentences(lines, np.asarray(words), [len(lines)], min_share, ends, min_words)


def _body_sentences(
    lines: list[str], words: np.ndarray, sizes: list[int], min_share: float, ends: np.ndarray, min_words: int = 5
) -> np.ndarray:
    """body_sentences() of each of many texts (``sizes``: the lines of each, one after the other)."""
    chars = np.fromiter(map(len, lines), float, len(lines))
    sentence = ((words >= min_words) & ends) | (chars >= 400)
    sizes = np.array(sizes, np.int64)
    blocks = densest_block(sentence, chars, np.repeat(np.arange(sizes.size), sizes), sizes)
    return sentence & ((blocks[:, 0] >= min_share) | (blocks[:, 1] > 0))


# The heading of a comment section, in the languages of the development pages.
_COMMENTS_HEADING = re.compile(
    r"(?i)^(?:\d+\s+)?(?:comments?|responses?|replies|kommentare?|commentaires?|comentarios?|commenti|komentarze?)"
    r"(?:\s*\(\d+\))?:?$"
    r"|^(?:leave|post|add|write|submit) (?:a |your )?(?:comment|reply|response)\b.{0,40}$"
    r"|^(?:join|start) the (?:conversation|discussion)\b.{0,40}$"
    r"|^(?:show|view|read|see) (?:all )?(?:\d+ )?comments?\b.{0,20}$"
    r"|^(?:sign|log) in to (?:comment|reply)\b.{0,40}$"
    r"|^(?:discussion|reader comments|what do you think\?|comments are closed\.?)$"
)


def comment_section(lines: list[str], body: np.ndarray) -> list[int]:
    """The lines from a comment-section heading after the article's last body sentence to the end
    (none when the text has no body or no such heading after it)."""
    where = np.flatnonzero(body)
    if where.size == 0:
        return []
    for i in range(int(where[-1]) + 1, len(lines)):
        if len(lines[i]) <= 60 and _COMMENTS_HEADING.match(lines[i].strip()):
            return list(range(i, len(lines)))
    return []


# A writer's social handle at the foot of an article ("Follow Jane Doe on Twitter @janedoe."): residue
# in articles as on pages (the model's feature of known shapes stays as it was trained).
_FOLLOW_THE_WRITER = re.compile(r"(?i)^follow [\w .'’-]{2,60} on (?:twitter|x|facebook|instagram)\b[^\n]{0,40}@\w+\.?$")


def _follow_the_writer(lines: list[str]) -> np.ndarray:
    """_FOLLOW_THE_WRITER.match() of each line, tried only on the lines with an "@" (it ends with a handle)."""
    found = np.zeros(len(lines), bool)
    for i in lines_containing("@", "\n".join(lines), line_starts_of(lines)):
        found[i] = _FOLLOW_THE_WRITER.match(lines[i]) is not None
    return found


_MARKUP_OR_LINK = re.compile(
    r"<[^>]*>|pic\.twitter\.com/\S*|https?://\S+|[—–-]\s*[^()]{1,80}\(@\w+\)\s*\w+\.? \d{1,2},? \d{4}"
)


def _quoted_tweet(line: str) -> bool:
    """A tweet with its words (5 or more besides markup, links and its attribution), not a lone
    "pic.twitter.com/..." or "— Name (@handle) May 1, 2016" line."""
    return "pic.twitter.com/" in line and len(_MARKUP_OR_LINK.sub(" ", line).split()) >= 5


def _headline(line: str) -> bool:
    return 2 <= line.count(" ") + 1 <= 25 and not NOT_HEADLINE.search(line.strip())
