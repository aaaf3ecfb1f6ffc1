"""A line model of scraping residue: is each line of a text article, or menu, footer, share line?

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
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

MODEL_FILE = "residue_model.json"

# Sentence-final punctuation, with closing quotes and brackets after it allowed.
_SENTENCE_END = re.compile(r"[.!?…。！？](?:[\"'”’»)\]]*)\s*$")
_URL = re.compile(r"(?i)\b(?:https?://|www\.)\S+|\b[\w-]+\.(?:com|org|net|co\.uk|de|fr|html?|php)\b")
_HANDLE = re.compile(r"(?:^|\s)[@#][\w]{2,}|pic\.twitter\.com|\(@\w+\)")
_DATE = re.compile(
    r"(?i)\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}:\d{2}\b"
    r"|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2}\b"
    r"|\b\d{1,2}\.? (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|januar|februar|märz|mai|juni|juli"
    r"|oktober|dezember|janvier|février|mars|avril|juin|juillet|août|septembre|octobre|novembre|décembre)[a-zé]*\b")
# Words of page furniture, in the languages of the development pages.
_FURNITURE = re.compile(
    r"(?i)\b(?:share|tweet|follow|subscribe|subscription|newsletter|sign (?:in|up)|log ?in|register|cookies?"
    r"|privacy|terms|advertis\w*|sponsored|copyright|rights reserved|related|read more|more stories"
    r"|comments?|reply|click|photo|image|credit|getty|reuters|shutterstock|loading|contact us|about us"
    r"|menu|home|search|skip to|next|previous|print|e-?mail|download|app|facebook|twitter|instagram|whatsapp"
    r"|linkedin|youtube|tiktok|impressum|datenschutz|kontakt|anmelden|teilen|abonnieren|kommentar\w*|weiterlesen"
    r"|mehr zum thema|partager|connexion|abonnez|suivez|lire aussi|compartir|suscr\w+|iniciar sesión"
    r"|udostępnij|zaloguj|czytaj (?:też|także)|reklama|condividi|accedi|iscriviti)\b|©|»|›|\|")
# Lines that are residue wherever they stand, by shapes that recur across sites: follow and
# subscribe prompts, tweet embeds and their attribution, reporter contact lines, loading
# placeholders, image credits. A feature of the model, and taken by the rule whatever it scores.
KNOWN_RESIDUE = re.compile(
    r"(?i)^(?:follow|like) us\b|pic\.twitter\.com/\w+|^[—–-]\s*[^()]{1,80}\(@\w+\)\s*\w+\.? \d{1,2},? \d{4}$"
    r"|^to contact the (?:reporters?|editors?|authors?|writers?)\b.{0,40}\bthis (?:story|article)"
    r"|^(?:loading|please wait)\b.{0,60}(?:\.\.\.|…)$"
    r"|^(?:photo|image|picture|illustration|photograph|foto|bild|zdjęcie)s?(?: credit)?\s*[:©/]"
    r"|^(?:subscribe|sign up|already a (?:subscriber|member)|become a (?:subscriber|member)|log in to)\b.{0,160}$"
    r"|^(?:click|tap) here\b|^(?:share|tweet) (?:this|on)\b.{0,60}$")
# What a page that is no article says: an error page, a login or subscription wall.
NOT_ARTICLE = re.compile(
    r"(?i)\b(?:page (?:not found|cannot be found|you (?:are|were) looking for)|404 (?:error|not found)|error 404"
    r"|seite (?:nicht gefunden|wurde nicht gefunden)|page introuvable|página no encontrada"
    r"|(?:log|sign) in to (?:continue|read)|subscribe to (?:continue|read)|this (?:article|content) is "
    r"(?:only )?(?:available|reserved) (?:to|for) (?:subscribers|members))\b")
_LETTER_UPPER = re.compile(r"[A-ZÀ-ÞА-Я]")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")

FEATURES = [
    "log_chars", "log_words", "sentence_end", "ends_colon", "starts_upper", "stopword_share", "digit_share",
    "upper_share", "punct_share", "url", "handle", "date", "furniture", "furniture_share", "title_case_share",
    "mean_word_len", "cjk_share", "known_residue", "position", "char_position", "rel_length", "is_first", "is_last",
    "prev_log_chars", "next_log_chars", "prev_sentence_end", "next_sentence_end", "short_run",
    "dist_sentence_line", "window_sentence_lines", "doc_sentence_share", "doc_log_lines",
]


def line_features(lines: list[str], stopwords: frozenset[str]) -> np.ndarray:
    """One row of FEATURES for each line of one text (lines without their line breaks, none empty)."""
    n = len(lines)
    own = np.zeros((n, 18))
    for i, line in enumerate(lines):
        words = line.split()
        nw = len(words) or 1
        chars = len(line)
        letters = sum(c.isalpha() for c in line) or 1
        lowered = [w.strip(".,;:!?\"'()[]“”‘’«»").lower() for w in words]
        furniture = len(_FURNITURE.findall(line))
        own[i] = (
            math.log1p(chars), math.log1p(len(words)), bool(_SENTENCE_END.search(line)),
            line.rstrip().endswith(":"), line[:1].isupper() or line[:1].isdigit(),
            sum(w in stopwords for w in lowered) / nw, sum(c.isdigit() for c in line) / chars,
            len(_LETTER_UPPER.findall(line)) / letters,
            sum(not c.isalnum() and not c.isspace() for c in line) / chars,
            bool(_URL.search(line)), bool(_HANDLE.search(line)), bool(_DATE.search(line)),
            furniture > 0, min(furniture / nw, 1.0),
            sum(w[:1].isupper() for w in words) / nw, min(sum(map(len, words)) / nw, 20) / 20,
            len(_CJK.findall(line)) / chars, bool(KNOWN_RESIDUE.search(line)),
        )
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
    return np.hstack([own, ctx])


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
        self.stages = [(np.asarray(s["mean"]), np.asarray(s["scale"]), np.asarray(s["coef"]), float(s["intercept"]))
                       for s in (spec["stage1"], spec["stage2"])]

    @classmethod
    def from_file(cls, path: str | Path | None = None) -> "ResidueModel":
        if path is None:
            return _shipped()
        return cls(json.loads(Path(path).read_text("utf-8")))

    def first_stage(self, lines: list[str]) -> np.ndarray:
        return _logit(line_features(lines, self.stopwords), *self.stages[0])

    def probabilities(self, lines: list[str]) -> np.ndarray:
        """The probability that each line is article text."""
        if not lines:
            return np.zeros(0)
        logits = _logit(context_features(self.first_stage(lines)), *self.stages[1])
        return 1.0 / (1.0 + np.exp(-logits))


def _logit(x: np.ndarray, mean: np.ndarray, scale: np.ndarray, coef: np.ndarray, intercept: float) -> np.ndarray:
    return ((x - mean) / scale) @ coef + intercept


@lru_cache(maxsize=1)
def _shipped() -> ResidueModel:
    return ResidueModel(json.loads(resources.files("corpus").joinpath(MODEL_FILE).read_text("utf-8")))
