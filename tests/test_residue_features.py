"""The residue model's features, computed for all the lines of a text at once, are the features it
was trained on: equal, to the last bit, to the plain definition line by line (kept here as it was
written before the fast path, patterns included)."""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from corpus.rules import residue_features as rf
from corpus.rules.residue_model import FEATURES, ResidueModel, line_features
from corpus.tokens import all_code_points

# The definitions the shipped model was trained on, written out again: the fast path may not move them.
SENTENCE_END = r"[.!?…。！？](?:[\"'”’»)\]]*)\s*$"
URL = r"https?://|www\.|\.(?:com|org|net|co\.uk|de|fr|html?|php)\b"
HANDLE = r"(?:^|\s)[@#]\w{2,}|pic\.twitter\.com|\(@\w+\)"
DATE = (
    r"\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}:\d{2}\b"
    r"|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2}\b"
    r"|\b\d{1,2}\.? (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|januar|februar|märz|mai|juni|juli"
    r"|oktober|dezember|janvier|février|mars|avril|juin|juillet|août|septembre|octobre|novembre|décembre)"
)
WORD = r"[^\s.,;:!?\"'()\[\]“”‘’«»]+"
FURNITURE_PHRASE_LIST = (
    "sign in|sign up|log in|rights reserved|read more|more stories|contact us|about us|skip to|mehr zum thema"
    "|lire aussi|iniciar sesión|czytaj też|czytaj także|©|»|›".split("|")
    + ["|"]
    + ["advertis", "kommentar", "suscr"]
)
FURNITURE_PHRASES = "|".join(map(re.escape, FURNITURE_PHRASE_LIST))


def test_the_definitions_are_the_ones_the_model_was_trained_on():
    assert rf._SENTENCE_END.pattern == SENTENCE_END
    assert rf._URL.pattern == URL and rf._HANDLE.pattern == HANDLE and rf._DATE.pattern == DATE
    assert rf._FURNITURE_PHRASE.pattern == FURNITURE_PHRASES
    every = all_code_points()
    assert re.findall(rf._WORD, every) == re.findall(WORD, every)


def plain_words_said(lowered: list[str], weights: np.ndarray) -> float:
    """words_said of a line whose lower-cased _WORDs are ``lowered``: the weights of the buckets of its
    words and of its pairs of neighbouring words (each word hashed by its length and first and last
    two characters, modulo 2**64, the top bits the bucket), summed, over the root of its words."""
    shift = 64 - (int(weights.size).bit_length() - 1)
    multipliers = [int(m) for m in rf._BUCKET_MULTIPLIERS]
    hashes = []
    for word in lowered:
        key = (
            len(word),
            ord(word[0]),
            ord(word[min(1, len(word) - 1)]),
            ord(word[max(len(word) - 2, 0)]),
            ord(word[-1]),
        )
        hashes.append(sum(k * m for k, m in zip(key, multipliers)) % 2**64)
    total = 0.0
    for h in hashes:
        total += weights[h >> shift]
    for a, b in zip(hashes, hashes[1:]):
        total += weights[((a * int(rf._PAIR_MULTIPLIER) + b) % 2**64) >> shift]
    return total / math.sqrt(max(len(lowered), 1))


def plain_own_features(
    lines: list[str], stopwords: frozenset[str], word_weights: np.ndarray | None = None
) -> np.ndarray:
    """The first 20 FEATURES, line by line with str methods and the patterns above."""
    count = {name: re.compile(p) for name, p in LETTER_CLASSES.items()}
    rows = []
    for line in lines:
        lower = line.lower()
        words = line.split()
        nw = len(words) or 1
        lowered = re.findall(WORD, lower)
        furniture = sum(w in rf._FURNITURE_WORDS for w in lowered) + len(re.findall(FURNITURE_PHRASES, lower))
        n_of = {name: len(p.findall(line)) for name, p in count.items()}
        rows.append(
            (
                len(line),
                math.log1p(nw),
                re.search(SENTENCE_END, lower) is not None,
                line.endswith(":"),
                line[:1].isupper() or line[:1].isdigit(),
                sum(w in stopwords for w in lowered) / (len(lowered) or 1),
                n_of["digit"] / max(len(line), 1),
                n_of["upper"] / max(n_of["letter"], 1),
                n_of["punct"] / max(len(line), 1),
                re.search(URL, lower) is not None,
                re.search(HANDLE, lower) is not None,
                n_of["digit"] > 0 and re.search(DATE, lower) is not None,
                furniture > 0,
                min(furniture / nw, 1.0),
                min(sum(bool(re.match(LETTER_CLASSES["upper"], w)) for w in words) / nw, 1.0),
                min((len(line) - n_of["space"]) / nw, 20) / 20,
                n_of["cjk"] / max(len(line), 1),
                rf.known_residue(line),
                line[:1].islower() or line[:1] in ",.;:)]",
            )
        )
    own = np.array(rows, dtype=float).reshape(len(lines), 19)
    own[:, 0] = np.log1p(own[:, 0])
    return own


LETTER_CLASSES = {
    "letter": r"[^\W\d_]",
    "digit": r"\d",
    "upper": r"[A-ZÀ-ÞА-Я]",
    "punct": r"[^\w\s]",
    "cjk": r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]",
    "space": r"\s",
}

# Pieces of lines that make each pattern match, almost match, or match across a line break.
FRAGMENTS = [
    "http://",
    "https://x.org/a",
    "www.",
    "example.com",
    ".co.uk",
    ".html",
    ".php?",
    "pic.twitter.com/",
    "pic.twitter.com/Ab1",
    "@user",
    "#tag",
    " @ab",
    "(@h)",
    "(@news) May 1, 2016",
    "— Harbour News (@harbournews) March 3, 2024",
    "- ",
    "—",
    "jan",
    "March 3",
    "sept. 12",
    "12/05/2020",
    "1.2.24",
    "2020-01-02",
    "10:30",
    "3 mars",
    "3. Oktober",
    "12 décembre",
    "Follow us",
    "follow us on Twitter",
    "Like us",
    "Follow Jane Doe on Twitter @janedoe.",
    "follow x on facebook ",
    "sign in",
    "Sign up",
    "read more stories",
    "more stories",
    "About us",
    "czytaj też",
    "czytaj także",
    "iniciar sesión",
    "ABOUT USCR",
    "suscr",
    "To contact the reporter on this story: ",
    "to contact the editors about this article",
    "Loading weather data ...",
    "Please wait…",
    "Photo: ",
    "Photos credit © ",
    "Subscribe",
    "Already a subscriber? Log in",
    "Click here",
    # each first letter of KNOWN_RESIDUE's alternatives (grouped by it in the pass over a text)
    "Become a member",
    "Bilds: ",
    "Foto/",
    "Zdjęcie: ",
    "Image credit:",
    "Illustration ©",
    "Picture: ",
    "Photograph/",
    "Tap here",
    "Log in to read",
    "Sign up now",
    "ſubscribe",
    "Share on",
    "LIKE US",
    "Share this",
    "Tweet on",
    "Share",
    "share",
    "the",
    "and",
    "der",
    "Reuters",
    "Kommentare",
    "advertisement",
    "|",
    "»",
    "›",
    "©",
    ".",
    "!",
    "?",
    "…",
    "。",
    "！",
    '."',
    ".”)",
    "'",
    "’",
    "«",
    "»",
    ":",
    "İstanbul",
    "ΟΔΟΣ",
    "Straße",
    "ﬁle",
    "新闻报道",
    "日本語のテキスト",
    "한국어",
    "١٢",
    "１２",
    "²",
    "_",
    "a_b",
    "x1",
]
ALPHABET = "aAbBzZ019 \t\r\x0b\x0c\x1c\x85\xa0\u2028\u3000.,;:!?\"'()[]“”‘’«»@#/-—–|©»›…。！？中日한İΣςßﬁé١１²_"
LINE = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(alphabet=ALPHABET, min_size=1, max_size=6)), min_size=1, max_size=8
).map("".join)
LINES = st.lists(LINE.filter(lambda line: line and "\n" not in line), min_size=1, max_size=10)
STOPWORDS = frozenset(["the", "and", "der", "on", "a", "us", "this", "de", "la", "w"])


def assert_features_equal(lines: list[str], stopwords: frozenset[str], word_weights: np.ndarray | None = None) -> None:
    expected = plain_context(plain_own_features(lines, stopwords), lines)
    if word_weights is not None:  # words_said, one column after FEATURES
        said = [plain_words_said(re.findall(WORD, line.lower()), word_weights) for line in lines]
        expected = np.hstack([expected, np.array(said).reshape(-1, 1)])
    found = line_features(lines, stopwords, word_weights=word_weights)
    differ = [(FEATURES + [rf.WORDS_SAID])[k] for k in np.flatnonzero((found != expected).any(axis=0))]
    assert not differ, (differ, lines)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(LINES)
@example(["新闻报道新闻报道。", " ", "\u3000", "\t", "Home"])
@example(["İİİ İstanbul sign in", "ΟΔΟΣ. ", "Follow us", "— Ann (@ann)\u2028May 1, 2016"])
@example(["- Ann Lee", "quoted (@ann) May 1, 2016", "—", "Ann (@ann) May 1, 2016", "Photo", ": Getty"])
@example(["a", "- x (@h) May 1, 2016", "2020-01-02 10:30", "pic.twitter.com/x", "@@ab #c (@d)"])
def test_features_of_a_whole_text_equal_the_plain_definition_line_by_line(lines):
    assert_features_equal(lines, STOPWORDS)


# Weights of 2**6 buckets: every bucket shared by many words, each of its weights a different float.
WORD_WEIGHTS = np.random.default_rng(9).normal(size=64)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(LINES)
@example(["Subscribe to our newsletter", "a", "İstanbul ΟΔΟΣ ﬁle", "新闻报道 新闻", "x, y; z. the end!"])
def test_what_a_line_says_over_a_whole_text_equals_the_plain_definition(lines):
    assert_features_equal(lines, STOPWORDS, WORD_WEIGHTS)


DATE_PIECES = [
    "1",
    "12",
    "2024",
    ".",
    "/",
    ":",
    "-",
    " ",
    ". ",
    "Jan",
    "mai",
    "MÄRZ",
    "Sept",
    "août",
    "x",
    "\u212a",
    "_",
]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.lists(st.sampled_from(DATE_PIECES + ["١", "\u00a0", "İ"]), min_size=1, max_size=9).map("".join)))
@example(["1. Jan", "May 1", "x 12.3.2024", "2024-01-02", "10:30", "Kelvin \u212a 5"])
def test_dates_are_found_on_the_lines_the_plain_definition_finds_them(lines):
    # The date passes run only on lines read as able to hold a date: never one that has a date.
    lines = [line for line in lines if line.strip()] or ["1 Jan"]
    found = line_features(lines, STOPWORDS)[:, FEATURES.index("date")]
    assert found.tolist() == [float(re.search(DATE, line.lower()) is not None) for line in lines]


def test_features_equal_the_plain_definition_on_page_like_text_with_the_shipped_stop_words():
    stopwords = ResidueModel.from_file().stopwords
    lines = [
        "Home | News | Sport | Weather",
        "Skip to content",
        "Harbour strike leaves ships waiting at anchor",
        "By Jane Doe, March 3, 2024 10:30",
        "Dockers walked out on Monday (3.3.2024) after talks on the night rota broke down, the union said.",
        "« Ils ne reviendront pas », a déclaré le syndicat à l'AFP.",
        "Die Gewerkschaft sprach von einem „Warnstreik“ – mehr zum Thema unter www.example.de.",
        "新闻报道：港口罢工导致船只在锚地等待。",
        "Follow us on Twitter & Instagram",
        "pic.twitter.com/AbC123xYz",
        "— Harbour News (@harbournews) March 3, 2024",
        "To contact the reporter on this story: Jane Doe in London at jdoe@example.com",
        "Loading weather data ...",
        "Photo: Getty Images",
        "© 2024 Example Media. All rights reserved.",
        "Home | News | Sport | Weather",
    ]
    assert_features_equal(lines, stopwords)
    assert_features_equal(lines, stopwords, WORD_WEIGHTS)


def test_lower_casing_keeps_words_and_line_ends_where_they_are():
    # The fast path counts words and sentence ends on the text's own characters and reads the words
    # themselves from the lower-cased text: no character may lower-case into or out of a separator.
    separator = re.compile(r"[\s.,;:!?\"'()\[\]“”‘’«»…。！？]")
    for char in all_code_points():
        lower = char.lower()
        if separator.match(char):
            assert lower == char, hex(ord(char))
        else:
            assert not any(separator.match(c) for c in lower), hex(ord(char))


def test_spaces_are_the_same_for_re_and_str_split():
    every = all_code_points()
    assert [m.start() for m in re.finditer(r"\s", every)] == [i for i, c in enumerate(every) if c.isspace()]


def word_kinds_of(table: rf.WordTable, text: str) -> list[int]:
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32)
    return table.kinds(rf._Words(codes)).tolist()


def test_a_word_that_shares_a_known_words_hash_is_not_that_word():
    # "abxde" has the key of "abcde" (its length, first two and last two letters): the same slot,
    # and only its middle tells them apart; with a table of two slots every word shares one.
    known = {"abcde": 1, "the": 2, "a": 1, "shutterstock": 2}
    text = "abxde the abcde abcdf a aa shutterstock shutterstocks shutterstick"
    expected = [known.get(word, 0) for word in text.split(" ")]
    for bits in (16, 1):
        assert word_kinds_of(rf.WordTable(known, bits=bits), text) == expected


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(st.text("abcé", min_size=1, max_size=7), st.integers(1, 3), min_size=1),
    st.lists(st.text("abcé", min_size=1, max_size=9)),
    st.sampled_from([1, 3, 16]),
)
def test_words_are_looked_up_exactly_whatever_their_hash(known, words, bits):
    # From an alphabet of four letters: many words share a key, a hash or a slot with a known one.
    words = words + list(known)
    text = " ".join(words)
    assert word_kinds_of(rf.WordTable(known, bits=bits), text) == [known.get(word, 0) for word in words]


def test_the_shipped_words_are_each_their_own_kind():
    kinds = rf._word_kinds(ResidueModel.from_file().stopwords)
    words = sorted(kinds) + ["x" + word for word in kinds] + [word + "s" for word in kinds]
    expected = [kinds.get(word, 0) for word in words]
    assert word_kinds_of(rf._word_table(ResidueModel.from_file().stopwords), "  ".join(words) + " ") == expected


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["sign ", "in", "iniciar sesión", "read more", " stories", "about us", "cr", "|", "x", "»\n", "©"]
            + ["de", "czytaj t", "eż", "akże", "mehr zum", " thema", "\u00a0", ".", "log", " ", "up", "\n"]
        )
    )
)
def test_furniture_phrases_are_counted_as_the_alternation_takes_them(pieces):
    text = "".join(pieces)
    lines = text.split("\n")
    expected = [len(re.findall(FURNITURE_PHRASES, line)) for line in lines]
    assert rf._furniture_phrases(text, rf.line_starts_of(lines)).tolist() == expected
    # The one-character phrases where the class table puts them, the others found as before.
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32)
    characters = np.flatnonzero(rf._class_table().take(codes) & rf._FURNITURE_CHARACTER)
    assert rf._furniture_phrases(text, rf.line_starts_of(lines), characters).tolist() == expected
    # The phrases with a space found from the pairs of neighbouring words.
    words = rf._Words(rf._lowered(text, codes, rf._class_table().take(codes))[1])
    assert rf._furniture_phrases(text, rf.line_starts_of(lines), characters, words).tolist() == expected
    assert rf._furniture_phrases(text, rf.line_starts_of(lines), None, words).tolist() == expected


def test_one_character_furniture_phrases_are_where_the_lower_cased_text_has_them():
    single = {phrase for phrase in rf._FURNITURE_PHRASES if len(phrase) == 1}
    every = all_code_points()
    marked = np.flatnonzero(rf._class_table() & rf._FURNITURE_CHARACTER).tolist()
    assert marked == sorted(map(ord, single))
    assert [c for c in every if c.lower() in single] == sorted(single)
    assert not any(c in phrase for phrase in rf._FURNITURE_PHRASES if len(phrase) > 1 for c in single)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(LINES)
@example(["Follow Jane Doe on Twitter", "@janedoe.", "Ann said so.”  ", "No end\u2028."])
def test_the_rules_line_checks_over_a_whole_text_equal_their_plain_definition(lines):
    from corpus.rules import residue_model

    known = rf.known_residue_lines(lines, rf.line_starts_of(lines))
    assert known.tolist() == [rf.known_residue(line) for line in lines]
    follow = [residue_model._FOLLOW_THE_WRITER.match(line) is not None for line in lines]
    assert residue_model._follow_the_writer(lines).tolist() == follow
    assert rf.sentence_ends(lines).tolist() == [re.search(SENTENCE_END, line) is not None for line in lines]


def test_the_known_residue_look_ahead_lets_through_every_first_letter_of_its_alternatives():
    # Each alternative of the pass starts with one of these letters (or a dash: a tweet's
    # attribution), read off the parsed pattern; and the class matches, case-insensitively, what
    # the letters themselves match, for every code point.
    from re import _constants as c
    from re import _parser

    parsed = _parser.parse(rf._KNOWN_RESIDUE_PASSES[0].pattern)  # a line break, the look-ahead, the alternatives
    (branch,) = [op for kind, value in parsed if kind is c.SUBPATTERN for op in value[3]]
    firsts = set()
    for alternative in branch[1][1]:
        kind, value = alternative[0]
        firsts |= {chr(value)} if kind is c.LITERAL else {chr(v) for k, v in value if k is c.LITERAL}
    assert firsts == set(rf._KNOWN_RESIDUE_FIRST)
    letters = re.compile("(?i:" + "|".join(map(re.escape, rf._KNOWN_RESIDUE_FIRST)) + ")")
    as_class = re.compile("(?i:[" + rf._KNOWN_RESIDUE_FIRST + "])")
    every = all_code_points()
    assert [m.start() for m in letters.finditer(every)] == [m.start() for m in as_class.finditer(every)]


def test_a_line_of_more_than_65535_characters_is_counted_like_a_short_one():
    # Counts are summed four to an integer in 16-bit fields; a longer line is counted field by field.
    assert_features_equal(["Ab 1, x Üb 新闻 the end. " * 3000, "Home", "Sign in"], STOPWORDS)


def test_a_text_without_lines_has_no_rows():
    assert line_features([], STOPWORDS).shape == (0, len(FEATURES))


# --- Where each line stands: the context features as they were written before the fast path ---------
# (the model was trained on these; tests compare the fast path with them, to the last bit)


def plain_context(own: np.ndarray, lines: list[str]) -> np.ndarray:
    """The own features of each line and the rest of FEATURES, where it stands among the others."""
    n = len(lines)
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
    # A piece of a sentence cut at a link: it starts lower-case after a line that ends like no
    # sentence, or it ends like no sentence before a line that starts lower-case.
    starts_lower = own[:, 18] > 0
    ctx[:, 26] = _shift(own[:, 18], -1)
    open_before = _shift(1.0 - sentence_end, 1) > 0
    ctx[:, 27] = (starts_lower & open_before) | ((ctx[:, 26] > 0) & (sentence_end == 0))
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
    new_block = np.concatenate([[True], np.diff(where) > rf.BLOCK_GAP + 1])
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


def _repeated(lines: list[str]) -> np.ndarray:
    """Whether each line occurs more than once in its text (a menu at the head and the foot, "Reply")."""
    seen = Counter(lines)
    return np.fromiter((seen[line] > 1 for line in lines), float, len(lines))


def plain_stage_two_input(scores: np.ndarray) -> np.ndarray:
    """The second stage's input: the first stage's logit of each line and of its neighbours."""
    n = scores.size
    cols = [scores]
    for by in (1, 2, 3, -1, -2, -3):
        cols.append(_shift(scores, by, fill=-4.0))
    cols.append(_window_mean(scores, 5, -4.0))
    cols.append(np.full(n, scores.max() if n else 0.0))
    cols.append(np.full(n, scores.mean() if n else 0.0))
    return np.stack(cols, axis=1)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINES, min_size=1, max_size=6))
def test_features_of_texts_computed_together_are_those_of_each_text_alone(texts):
    for found, text in zip(rf.texts_line_features(texts, STOPWORDS), texts):
        assert np.array_equal(found, line_features(text, STOPWORDS)), text


def test_texts_too_long_for_one_chunk_are_split_between_texts(monkeypatch):
    monkeypatch.setattr(rf, "_CHUNK_CHARS", 40)
    texts = [["Home", "A sentence that is long enough to count, really."], ["Sign in"], ["x " * 30, "Menu"], ["© 2024"]]
    found = rf.texts_line_features(texts, STOPWORDS)
    assert [f.shape[0] for f in found] == [2, 1, 2, 1]
    for features, text in zip(found, texts):
        assert np.array_equal(features, line_features(text, STOPWORDS))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 12), st.booleans(), st.integers(1, 500)), min_size=1, max_size=40),
    st.sampled_from([0.0, 0.15, 0.3, 1.0]),
)
def test_the_rules_body_check_equals_its_plain_definition(rows, min_share):
    from corpus.rules.residue_model import body_sentences

    words = np.array([w for w, _, _ in rows])
    ends = np.array([e for _, e, _ in rows])
    lines = ["x" * c for _, _, c in rows]
    chars = np.array([float(c) for _, _, c in rows])
    sentence = ((words >= 5) & ends) | (chars >= 400)
    blocks = _densest_block(sentence, chars)
    expected = sentence & ((blocks[:, 1] > 0) | (blocks[:, 0] >= min_share))
    assert body_sentences(lines, words, min_share=min_share, ends=ends).tolist() == expected.tolist()


# Lines that make blocks of sentence lines: a text's last block may touch the next text's first.
SENTENCE = "The union said the strike would go on until the talks resume next week."
BLOCK_LINES = st.sampled_from([SENTENCE, "Home", "Reply", "Read more", "x " * 210, "Short, no end", SENTENCE + " Yes."])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(BLOCK_LINES, min_size=1, max_size=14), min_size=1, max_size=6))
@example([[SENTENCE], [SENTENCE, "Home", SENTENCE], [SENTENCE]])
@example([["Home", SENTENCE], [SENTENCE, "Home"], ["Home"], ["Reply", "Reply"], ["Reply"]])
def test_where_each_line_stands_is_computed_for_many_texts_as_for_each_alone(texts):
    stopwords = ResidueModel.from_file().stopwords
    for found, text in zip(rf.texts_line_features(texts, stopwords), texts):
        expected = plain_context(plain_own_features(text, stopwords), text)
        differ = [(FEATURES + [rf.WORDS_SAID])[k] for k in np.flatnonzero((found != expected).any(axis=0))]
        assert not differ, (differ, texts)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.floats(-12, 12), min_size=1, max_size=15), min_size=1, max_size=6))
@example([[0.5], [1.0, 2.0], [3.0]])
def test_the_second_stage_input_of_many_texts_is_that_of_each_alone(scores):
    from corpus.rules.residue_model import context_features

    together = context_features(np.concatenate([np.array(s) for s in scores]), [len(s) for s in scores])
    at = 0
    for text in scores:
        expected = plain_stage_two_input(np.array(text))
        assert np.array_equal(context_features(np.array(text)), expected)
        assert np.array_equal(together[at : at + len(text)], expected), scores
        at += len(text)


def test_probabilities_of_many_texts_are_those_of_each_alone():
    model = ResidueModel.from_file()
    texts = [[SENTENCE, "Home", SENTENCE + " Yes."], ["Reply", SENTENCE], ["Home"], [SENTENCE] * 3 + ["Read more"]]
    for found, text in zip(model.probabilities_many(texts), texts):
        features = plain_context(plain_own_features(text, model.stopwords), text)
        logits = model.stages[1].logits(plain_stage_two_input(model.stages[0].logits(features)))
        assert np.array_equal(found, 1.0 / (1.0 + np.exp(-logits)))


def test_lower_casing_by_a_table_equals_str_lower_for_every_code_point():
    # The table lower-cases each code point on its own; "Σ" and "İ" (by context, into two) go to str.lower.
    every = all_code_points()
    lines = [every[i : i + 1000] for i in range(0, len(every), 1000)]
    for text in ["\n".join(lines).replace("\u0130", "").replace("\u03a3", ""), "ΟΔΟΣ ΣΑΣ\nİstanbul", "a\nb"]:
        codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32)
        lower, separated = rf._lowered(text, codes, rf._class_table().take(codes))
        assert lower == text.lower()
        # Every space and word separator is " ": the words are the runs between the " "s.
        words = separated.tobytes().decode("utf-32-le", "surrogatepass").split(" ")
        assert list(filter(None, words)) == re.findall(WORD, text.lower())


def test_every_space_is_one_a_line_end_is_stripped_of():
    spaces = {chr(c) for c in range(0x110000) if chr(c).isspace()}
    assert spaces <= {c for c, kind in rf._LAST_CHARACTER.items() if kind == 2}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(BLOCK_LINES, min_size=1, max_size=14), min_size=1, max_size=6), st.sampled_from([0.0, 0.3]))
def test_the_body_of_many_texts_is_that_of_each_alone(texts, min_share):
    from corpus.rules import residue_model

    lines = [line for text in texts for line in text]
    words = np.array([line.count(" ") + 1 for line in lines])
    together = residue_model._body_sentences(lines, words, [len(t) for t in texts], min_share, rf.sentence_ends(lines))
    at = 0
    for text in texts:
        alone = residue_model.body_sentences(text, words[at : at + len(text)], min_share=min_share)
        assert together[at : at + len(text)].tolist() == alone.tolist()
        at += len(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["", "a", "Home", "x y", "\r"]), min_size=1, max_size=12))
def test_the_spans_of_lines_are_where_each_non_empty_line_stands(pieces):
    from corpus.rules.residue_model import _LineSpans

    text = "\n".join(pieces)
    plain = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text)]
    spans = _LineSpans(pieces)
    assert len(spans) == len(plain) and [spans[i] for i in range(len(plain))] == plain
