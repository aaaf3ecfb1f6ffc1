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
is all it needs at run time.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from corpus.offsets import Edit
from corpus.rules.base import CleaningContext, _runs, remove_lines

MODEL_FILE = "residue_model.json"

# Sentence-final punctuation, with closing quotes and brackets after it allowed.
_SENTENCE_END = re.compile(r"[.!?…。！？](?:[\"'”’»)\]]*)\s*$")
# The same, on the lines of a whole text at once (no line break inside the trailing spaces).
_SENTENCE_END_LINES = re.compile(r"[.!?…。！？](?:[\"'”’»)\]]*)[^\S\n]*$", re.M)
# The patterns below run on the lower-cased line, and only when a cheap test says they can match.
_URL = re.compile(r"https?://|www\.|\.(?:com|org|net|co\.uk|de|fr|html?|php)\b")
_HANDLE = re.compile(r"(?:^|\s)[@#]\w{2,}|pic\.twitter\.com|\(@\w+\)")
_DATE = re.compile(
    r"\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}:\d{2}\b"
    r"|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2}\b"
    r"|\b\d{1,2}\.? (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|januar|februar|märz|mai|juni|juli"
    r"|oktober|dezember|janvier|février|mars|avril|juin|juillet|août|septembre|octobre|novembre|décembre)"
)
# Words and phrases of page furniture, in the languages of the development pages.
_FURNITURE_WORDS = frozenset(
    "share tweet follow subscribe subscription newsletter login register cookie cookies privacy terms sponsored "
    "copyright related comment comments reply click photo image credit getty reuters shutterstock loading "
    "menu home search next previous print email e-mail download app facebook twitter instagram whatsapp "
    "linkedin youtube tiktok impressum datenschutz kontakt anmelden teilen abonnieren weiterlesen partager "
    "connexion abonnez suivez compartir udostępnij zaloguj reklama condividi accedi iscriviti".split()
)
_FURNITURE_PHRASES = (
    "sign in",
    "sign up",
    "log in",
    "rights reserved",
    "read more",
    "more stories",
    "contact us",
    "about us",
    "skip to",
    "mehr zum thema",
    "lire aussi",
    "iniciar sesión",
    "czytaj też",
    "czytaj także",
    "©",
    "»",
    "›",
    "|",
    "advertis",
    "kommentar",
    "suscr",
)
_FURNITURE_PHRASE = re.compile("|".join(map(re.escape, _FURNITURE_PHRASES)))
_WORD_OR_BREAK = re.compile(r"\n|[^\s.,;:!?\"'()\[\]“”‘’«»]+")
# Lines that are residue wherever they stand, by shapes that recur across sites: follow and
# subscribe prompts, tweet embeds and their attribution, reporter contact lines, loading
# placeholders, image credits. A feature of the model, and taken by the rule whatever it scores.
KNOWN_RESIDUE = re.compile(
    r"(?i)^(?:follow|like) us\b|pic\.twitter\.com/\w+|^[—–-]\s*[^()]{1,80}\(@\w+\)\s*\w+\.? \d{1,2},? \d{4}$"
    r"|^to contact the (?:reporters?|editors?|authors?|writers?)\b.{0,40}\bthis (?:story|article)"
    r"|^(?:loading|please wait)\b.{0,60}(?:\.\.\.|…)$"
    r"|^(?:photo|image|picture|illustration|photograph|foto|bild|zdjęcie)s?(?: credit)?\s*[:©/]"
    r"|^(?:subscribe|sign up|already a (?:subscriber|member)|become a (?:subscriber|member)|log in to)\b.{0,160}$"
    r"|^(?:click|tap) here\b|^(?:share|tweet) (?:this|on)\b.{0,60}$"
)
# What a page that is no article says: an error page, a login or subscription wall.
NOT_ARTICLE = re.compile(
    r"(?i)\b(?:page (?:not found|cannot be found|you (?:are|were) looking for)|404 (?:error|not found)|error 404"
    r"|seite (?:nicht gefunden|wurde nicht gefunden)|page introuvable|página no encontrada"
    r"|(?:log|sign) in to (?:continue|read)|subscribe to (?:continue|read)|this (?:article|content) is "
    r"(?:only )?(?:available|reserved) (?:to|for) (?:subscribers|members))\b"
)
_KNOWN_RESIDUE_START = re.compile(KNOWN_RESIDUE.pattern.replace("pic\\.twitter\\.com/\\w+|", ""))


def known_residue(line: str) -> bool:
    """KNOWN_RESIDUE.search(line), faster: every alternative but one is anchored at the start."""
    return "pic.twitter.com/" in line or _KNOWN_RESIDUE_START.match(line) is not None


FEATURES = [
    "log_chars",
    "log_words",
    "sentence_end",
    "ends_colon",
    "starts_upper",
    "stopword_share",
    "digit_share",
    "upper_share",
    "punct_share",
    "url",
    "handle",
    "date",
    "furniture",
    "furniture_share",
    "title_case_share",
    "mean_word_len",
    "cjk_share",
    "known_residue",
    "position",
    "char_position",
    "rel_length",
    "is_first",
    "is_last",
    "prev_log_chars",
    "next_log_chars",
    "prev_sentence_end",
    "next_sentence_end",
    "short_run",
    "dist_sentence_line",
    "window_sentence_lines",
    "doc_sentence_share",
    "doc_log_lines",
    "block_share",
    "in_densest_block",
    "dist_densest_block",
    "before_densest_block",
    "after_densest_block",
    "words_outside_densest",
    "words_after_densest",
    "minor_block_sentence",
    "repeated_in_text",
    "window_title_case",
    "window_furniture",
    "window_date",
]


def line_features(lines: list[str], stopwords: frozenset[str]) -> np.ndarray:
    """One row of FEATURES for each line of one text (lines without their line breaks, none empty)."""
    n = len(lines)
    own = np.zeros((n, 18))
    counts = _character_counts(lines)  # chars, letters, digits, upper, punctuation, CJK per line
    chars = np.maximum(counts[:, 0], 1)
    own[:, 0] = np.log1p(counts[:, 0])
    own[:, 6] = counts[:, 2] / chars
    own[:, 7] = counts[:, 3] / np.maximum(counts[:, 1], 1)
    own[:, 8] = counts[:, 4] / chars
    own[:, 16] = counts[:, 5] / chars
    own[:, 14] = counts[:, 6]  # divided by the words below
    own[:, 15] = counts[:, 0] - counts[:, 7]  # characters outside spaces, ditto
    digits = counts[:, 2].tolist()
    stop_hit, furniture_hit = stopwords.__contains__, _FURNITURE_WORDS.__contains__
    # Lower-casing, edge punctuation, furniture phrases and sentence ends over the whole text at
    # once (a call per line cost more than the work).
    lower_text = "\n".join(lines).lower()
    lowers = lower_text.split("\n")
    line_starts = np.cumsum([0] + [len(lower) + 1 for lower in lowers[:-1]])
    phrases = _per_line([m.start() for m in _FURNITURE_PHRASE.finditer(lower_text)], line_starts, n).tolist()
    sentence_ends = _per_line([m.start() for m in _SENTENCE_END_LINES.finditer(lower_text)], line_starts, n) > 0
    rows = []
    # Words without edge punctuation, line by line: one findall for the text, the breaks kept.
    words_by_line = " ".join(_WORD_OR_BREAK.findall(lower_text)).split("\n")
    for line, lower, edged, digit_count, phrase_count, sentence in zip(
        lines, lowers, words_by_line, digits, phrases, sentence_ends.tolist()
    ):
        lowered = edged.split()
        nw = len(line.split()) or 1
        furniture = sum(map(furniture_hit, lowered)) + phrase_count
        rows.append(
            (
                math.log1p(nw),
                sentence,
                line.endswith(":"),
                line[:1].isupper() or line[:1].isdigit(),
                sum(map(stop_hit, lowered)) / (len(lowered) or 1),
                ("." in lower or "//" in lower) and _URL.search(lower) is not None,
                ("@" in line or "#" in line or "pic.twitter" in lower) and _HANDLE.search(lower) is not None,
                digit_count > 0 and _DATE.search(lower) is not None,
                furniture > 0,
                furniture / nw,
                nw,
                known_residue(line),
            )
        )
    if rows:
        cols = np.array(rows, dtype=float)
        own[:, [1, 2, 3, 4, 5, 9, 10, 11, 12]] = cols[:, :9]
        own[:, 13] = np.minimum(cols[:, 9], 1.0)
        own[:, 14] = np.minimum(own[:, 14] / cols[:, 10], 1.0)
        own[:, 15] = np.minimum(own[:, 15] / cols[:, 10], 20) / 20
        own[:, 17] = cols[:, 11]
    log_chars, sentence_end = own[:, 0], own[:, 2]
    # A "sentence line" is what a paragraph looks like: long enough and ending like a sentence
    # (or long, for a text in a script without spaces).
    sentence_line = ((own[:, 1] >= math.log1p(10)) & (sentence_end > 0)) | (log_chars >= math.log1p(400))
    cum_chars = np.cumsum(np.exp(log_chars) - 1)
    total = cum_chars[-1] if n else 1.0
    short = own[:, 1] <= math.log1p(4)
    short_run = _run_lengths(short)
    dist = _distance_to(sentence_line)
    window = _window_mean(sentence_line.astype(float), 3, 0.0)
    ctx = np.zeros((n, len(FEATURES) - own.shape[1]))
    idx = np.arange(n)
    ctx[:, 0] = idx / max(n - 1, 1)
    ctx[:, 1] = (cum_chars - (np.exp(log_chars) - 1)) / max(total, 1.0)
    ctx[:, 2] = log_chars - log_chars.max() if n else 0
    ctx[:, 3] = idx == 0
    ctx[:, 4] = idx == n - 1
    ctx[:, 5] = _shift(log_chars, 1)
    ctx[:, 6] = _shift(log_chars, -1)
    ctx[:, 7] = _shift(sentence_end, 1)
    ctx[:, 8] = _shift(sentence_end, -1)
    ctx[:, 9] = np.log1p(short_run * short)
    ctx[:, 10] = np.log1p(np.minimum(dist, 50))
    ctx[:, 11] = window
    ctx[:, 12] = sentence_line.mean() if n else 0
    ctx[:, 13] = math.log1p(n)
    ctx[:, 14:19] = _densest_block(sentence_line, np.exp(log_chars) - 1)
    # Interactions a linear model cannot make itself: a paragraph outside the article's body (a
    # comment, a teaser of another story) is residue where the same paragraph inside is not.
    ctx[:, 19] = own[:, 1] * (1 - ctx[:, 15])
    ctx[:, 20] = own[:, 1] * ctx[:, 18]
    ctx[:, 21] = sentence_line & (ctx[:, 14] < 0.1)
    ctx[:, 22] = _repeated(lines)
    ctx[:, 23] = _window_mean(own[:, 14], 2, 0.0)
    # A comment section: paragraphs among time stamps and "Reply" lines.
    ctx[:, 24] = _window_mean(own[:, 12], 3, 0.0)
    ctx[:, 25] = _window_mean(own[:, 11], 3, 0.0)
    return np.hstack([own, ctx])


def _repeated(lines: list[str]) -> np.ndarray:
    """Whether each line occurs more than once in its text (a menu at the head and the foot, "Reply")."""
    seen = Counter(lines)
    return np.fromiter((seen[line] > 1 for line in lines), float, len(lines))


def _per_line(positions: list[int], line_starts: np.ndarray, n: int) -> np.ndarray:
    """How many of the character positions fall in each of the n lines starting at line_starts."""
    if not positions:
        return np.zeros(n, int)
    return np.bincount(np.searchsorted(line_starts, positions, side="right") - 1, minlength=n)


# Sentence lines this many lines apart or closer are one block (a subheading, a photo caption
# between two paragraphs).
BLOCK_GAP = 2


def _densest_block(sentence_line: np.ndarray, chars: np.ndarray) -> np.ndarray:
    """Where each line stands relative to the blocks of sentence lines, as the heuristic "keep the
    densest block" sees them: the share of the text's sentence characters in its block, whether it is
    in the densest block, how far from it (log lines), and whether before or after it."""
    n = sentence_line.size
    out = np.zeros((n, 5))
    where = np.flatnonzero(sentence_line)
    if where.size == 0:
        out[:, 2] = math.log1p(50)
        return out
    new_block = np.concatenate([[True], np.diff(where) > BLOCK_GAP + 1])
    first_of_block = np.flatnonzero(new_block)
    starts = where[first_of_block]
    ends = where[np.concatenate([first_of_block[1:] - 1, [where.size - 1]])]
    block_chars = np.add.reduceat(chars[where], first_of_block)
    share = block_chars / max(block_chars.sum(), 1.0)
    idx = np.arange(n)
    block = np.searchsorted(starts, idx, side="right") - 1  # the last block starting at or before i
    inside = (block >= 0) & (idx <= ends[np.maximum(block, 0)])
    out[:, 0] = np.where(inside, share[np.maximum(block, 0)], 0.0)
    densest = int(np.argmax(block_chars))
    lo, hi = starts[densest], ends[densest]
    out[:, 1] = (idx >= lo) & (idx <= hi)
    out[:, 2] = np.log1p(np.minimum(np.maximum(lo - idx, 0) + np.maximum(idx - hi, 0), 50))
    out[:, 3] = idx < lo
    out[:, 4] = idx > hi
    return out


def _character_counts(lines: list[str]) -> np.ndarray:
    """Per line: characters, letters, digits, upper-case letters, punctuation, CJK characters,
    words starting upper-case, spaces (counted with numpy over the code points of all lines at once)."""
    codes = np.frombuffer("".join(lines).encode("utf-32-le", "surrogatepass"), np.uint32)
    classes = _class_table()[codes]
    starts = np.cumsum([0] + [len(line) for line in lines[:-1]])
    out = np.zeros((len(lines), 8))
    out[:, 0] = [len(line) for line in lines]
    if codes.size:
        for col, bit in enumerate((_LETTER, _DIGIT, _UPPER, _PUNCT, _CJK_BIT), start=1):
            out[:, col] = np.add.reduceat((classes & bit) > 0, starts)
        space = (classes & _SPACE) > 0
        after_space = np.concatenate([[True], space[:-1]])
        after_space[starts] = True  # a line's first character starts a word
        out[:, 6] = np.add.reduceat(((classes & _UPPER) > 0) & after_space & ~space, starts)
        out[:, 7] = np.add.reduceat(space, starts)
        out[out[:, 0] == 0, 1:] = 0  # reduceat gives an empty line its next neighbour's count
    return out


_LETTER, _DIGIT, _UPPER, _PUNCT, _CJK_BIT, _SPACE = 1, 2, 4, 8, 16, 32


@lru_cache(maxsize=1)
def _class_table() -> np.ndarray:
    """The class bits above of every code point, as ``re`` sees them."""
    from corpus.tokens import all_code_points, code_points_matching

    every = all_code_points()
    table = np.zeros(len(every), np.uint8)
    for bit, pattern in (
        (_LETTER, r"[^\W\d_]"),
        (_DIGIT, r"\d"),
        (_UPPER, r"[A-ZÀ-ÞА-Я]"),
        (_PUNCT, r"[^\w\s]"),
        (_CJK_BIT, r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]"),
        (_SPACE, r"\s"),
    ):
        table[code_points_matching(pattern, every)] |= bit
    return table


def _shift(values: np.ndarray, by: int, fill: float = 0.0) -> np.ndarray:
    """values[i - by] at i (the line before for by=1, after for by=-1), ``fill`` past the ends."""
    out = np.full_like(values, fill, dtype=float)
    if by > 0:
        out[by:] = values[:-by]
    elif by < 0:
        out[:by] = values[-by:]
    else:
        out[:] = values
    return out


def _window_mean(values: np.ndarray, half: int, fill: float) -> np.ndarray:
    """The mean of each value and ``half`` values on either side, ``fill`` past the ends."""
    padded = np.concatenate([np.full(half, fill), values, np.full(half, fill)])
    return np.convolve(padded, np.ones(2 * half + 1) / (2 * half + 1), "valid")


def _run_lengths(mask: np.ndarray) -> np.ndarray:
    """For each position, the length of the run of equal mask values it belongs to."""
    n = mask.size
    if n == 0:
        return np.zeros(0)
    edges = np.flatnonzero(np.diff(mask.astype(np.int8))) + 1
    starts = np.concatenate([[0], edges])
    lengths = np.diff(np.concatenate([starts, [n]]))
    return np.repeat(lengths, lengths).astype(float)


def _distance_to(mask: np.ndarray) -> np.ndarray:
    """For each position, how many lines away the nearest True is (n when there is none)."""
    n = mask.size
    where = np.flatnonzero(mask)
    if where.size == 0:
        return np.full(n, float(n))
    idx = np.arange(n)
    pos = np.searchsorted(where, idx)
    before = np.abs(idx - where[np.clip(pos - 1, 0, where.size - 1)])
    after = np.abs(where[np.clip(pos, 0, where.size - 1)] - idx)
    return np.minimum(before, after).astype(float)


def context_features(scores: np.ndarray) -> np.ndarray:
    """The second stage's input: the first stage's logit of each line and of its neighbours."""
    n = scores.size
    cols = [scores]
    for by in (1, 2, 3, -1, -2, -3):
        cols.append(_shift(scores, by, fill=-4.0))
    cols.append(_window_mean(scores, 5, -4.0))
    cols.append(np.full(n, scores.max() if n else 0.0))
    cols.append(np.full(n, scores.mean() if n else 0.0))
    return np.stack(cols, axis=1)


class ResidueModel:
    """The two stages' weights and the stop words, read from the JSON file the training wrote."""

    def __init__(self, spec: dict):
        if spec.get("features") != FEATURES:
            raise ValueError("the residue model was trained on other features; retrain it (bench/train_residue.py)")
        # The trained weights are part of the version: a retrained model re-cleans every document.
        digest = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:8]
        self.version = f"{spec['version']}-{digest}"
        self.stopwords = frozenset(spec["stopwords"])
        self.stages = [Linear(spec["stage1"]), Linear(spec["stage2"])]

    @classmethod
    def from_file(cls, path: str | Path | None = None) -> ResidueModel:
        if path is None:
            return _shipped()
        return cls(json.loads(Path(path).read_text("utf-8")))

    def first_stage(self, lines: list[str]) -> np.ndarray:
        return self.stages[0].logits(line_features(lines, self.stopwords))

    def probabilities(self, lines: list[str]) -> np.ndarray:
        """The probability that each line is article text."""
        if not lines:
            return np.zeros(0)
        logits = self.stages[1].logits(context_features(self.first_stage(lines)))
        return 1.0 / (1.0 + np.exp(-logits))


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

_NON_EMPTY_LINE = re.compile(r"[^\n]+")


# A text left with fewer words than this that says "page not found" or "log in to read" is no article.
NOT_ARTICLE_WORDS = 120


class ResidueModelRule:
    """Removes the lines the residue model gives a probability of article text under ``threshold``
    (``html_threshold`` for text extracted from a page), and lines of known residue shapes."""

    name = "residue_model"

    def __init__(
        self,
        threshold: float = 0.5,
        html_threshold: float = 0.15,
        keep_words: int = 60,
        page_share: float = 0.5,
        page_word_share: float = 0.1,
        model: str | None = None,
        body_share: float = 0.3,
        comments: bool = True,
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
        self.model = ResidueModel.from_file(model)

    def propose(self, text: str, ctx: CleaningContext) -> list[Edit]:
        spans = [m.span() for m in _NON_EMPTY_LINE.finditer(text)]
        if not spans:
            return []
        lines = [text[s:e] for s, e in spans]
        words = [line.count(" ") + 1 for line in lines]
        # Only short lines outside the body can score; when they cannot make the page gate, the
        # model's scores change nothing, so it is not run: an article costs a count of its short
        # lines, or the body check (the model took 79% of cleaning on 100k articles when it scored
        # every text).
        html = ctx.format == "html"
        candidates = [i for i, n in enumerate(words) if n < self.keep_words]
        comments: list[int] = []
        if html or self._could_be_a_page(candidates, words, len(lines)):
            body = body_sentences(lines, words, min_share=self.body_share)
            comments = comment_section(lines, body) if self.comments else []
            candidates = [i for i in candidates if not body[i]]
        scored = []
        if candidates and (html or self._could_be_a_page(candidates, words, len(lines))):
            probabilities = self.model.probabilities(lines).tolist()
            threshold = self.html_threshold if html else self.threshold
            scored = [i for i in candidates if probabilities[i] < threshold]
        known = [
            i
            for i, (line, n) in enumerate(zip(lines, words))
            if n <= 40 and (known_residue(line) or _FOLLOW_THE_WRITER.match(line))
        ]
        a_page = html or self._could_be_a_page(scored, words, len(lines))
        if not a_page:
            # An article that quotes a tweet keeps it: its words are quoted speech (PolNeAR annotates
            # them); only the link or the attribution left alone on its line goes.
            known = [i for i in known if not _quoted_tweet(lines[i])]
        residue = sorted(set(known) | set(scored) | set(comments)) if a_page else known
        if residue and residue[0] == 0 and (len(residue) == 1 or residue[1] != 1) and _headline(lines[0]):
            residue.pop(0)  # the title of a text whose opening paragraph is article: kept as its title
        kept_words = sum(words) - sum(words[i] for i in residue)
        if len(residue) == len(lines):
            ctx.metadata["not_article"] = "every line scored as residue"
        elif kept_words < NOT_ARTICLE_WORDS and any(NOT_ARTICLE.search(line) for line in lines[:40]):
            ctx.metadata["not_article"] = "it reads as an error page or a login wall"
        return [remove_lines(spans, first, last) for first, last in _runs(residue)]

    def _could_be_a_page(self, residue: list[int], words: list[int], n_lines: int) -> bool:
        """The page gate: enough of the lines, and of the words, are residue."""
        return len(residue) >= self.page_share * n_lines and sum(words[i] for i in residue) >= (
            self.page_word_share * sum(words)
        )


def body_sentences(lines: list[str], words: list[int], min_words: int = 5, min_share: float = 0.15) -> np.ndarray:
    """For each line, whether it is a sentence (``min_words`` words or more, ending like one) in the
    densest block of sentence lines or in a block holding ``min_share`` of the text's sentence
    characters: the article's body, as "keep the densest block" sees it."""
    chars = np.array([len(line) for line in lines], float)
    sentence = np.array(
        [
            (n >= min_words and _SENTENCE_END.search(line) is not None) or len(line) >= 400
            for line, n in zip(lines, words)
        ]
    )
    blocks = _densest_block(sentence, chars)
    return sentence & ((blocks[:, 1] > 0) | (blocks[:, 0] >= min_share))


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
_MARKUP_OR_LINK = re.compile(
    r"<[^>]*>|pic\.twitter\.com/\S*|https?://\S+|[—–-]\s*[^()]{1,80}\(@\w+\)\s*\w+\.? \d{1,2},? \d{4}"
)


def _quoted_tweet(line: str) -> bool:
    """A tweet with its words (5 or more besides markup, links and its attribution), not a lone
    "pic.twitter.com/..." or "— Name (@handle) May 1, 2016" line."""
    return "pic.twitter.com/" in line and len(_MARKUP_OR_LINK.sub(" ", line).split()) >= 5


_NOT_HEADLINE = re.compile(r"https?://|www\.|@\w|pic\.twitter|[|•»›]|:$")


def _headline(line: str) -> bool:
    return 2 <= line.count(" ") + 1 <= 25 and not _NOT_HEADLINE.search(line.strip())
