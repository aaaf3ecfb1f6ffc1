"""A whole page's headline, kept as the document's title when the residue model takes it.

Whole-page text puts the headline just above the article, among bylines, dates and share lines, and
the residue model takes it with them: it learned from extracted article text, which leaves the
headline out. The cleaned text starts with whatever short line survived, so the document's title
was the page's headline in 20% of the development pages' `blocks` texts (11% `nodes`). The text
itself stays as the model cleaned it (the benchmarks score the article body, which has no headline);
the headline becomes the title (bench/README.md, "A page's headline as its title").

The headline is the line above the article's first paragraph that shares most of its content words
with the article's opening: menus, bylines and share lines share few; teasers of other stories and
captions are what it still picks wrongly.
"""

from __future__ import annotations

import re
from collections.abc import Collection

import numpy as np

LOOK_BACK = 12  # lines above the article's first paragraph where the headline may stand
OPENING_CHARS = 3000  # how much of the article its words are read from
FIRST_PARAGRAPH_WORDS = 8  # the article starts at the first kept line of this many words
MIN_SHARED = 2  # content words a headline shares with the opening...
MIN_SHARE = 0.5  # ...and the share of its own content words they are
HEADLINE_WORDS = (3, 25)

# Never in a headline: a link, a handle, a menu's separator, a label's closing colon (also what keeps a
# text's first line as its title, residue_model._headline).
NOT_HEADLINE = re.compile(r"https?://|www\.|@\w|pic\.twitter|[|•»›]|:$")
# Nor, among a page's lines: a breadcrumb's separator or a copyright, a line ending as a sentence or a
# list does, a byline, and a date or time in figures ("12.22.14", "3:41 PM").
_NOT_A_PAGE_HEADLINE = re.compile(
    NOT_HEADLINE.pattern + r"|[©/>]|[.,;]$"
    r"|^(?:by|von|par|por|di|posted|written|updated|published|veröffentlicht|aktualisiert)\b"
    r"|\b\d{1,2}[./:]\d{1,2}\b",
    re.IGNORECASE,
)
_LONG_WORD = re.compile(r"\w{4,}")


def content_words(text: str, stopwords: Collection[str]) -> set[str]:
    """The text's words of four letters or more that are not stop words or numbers, cut to five
    letters (a crude stem: "butterflies" and "butterfly" meet)."""
    return {w[:5] for w in set(_LONG_WORD.findall(text.lower())) if w not in stopwords and not w.isdigit()}


def page_headline(lines: list[str], words: np.ndarray, residue: list[int], stopwords: Collection[str]) -> str | None:
    """The headline of a page's ``lines`` (``words``: their word counts; ``residue``: the indices of
    those that go), or None."""
    taken = set(residue)
    start = next((i for i in np.flatnonzero(words >= FIRST_PARAGRAPH_WORDS).tolist() if i not in taken), 0)
    if not start:  # no paragraph kept, or one at the top: nothing above it
        return None
    above = max(0, start - LOOK_BACK)
    candidates = [
        i
        for i, n in enumerate(words[above:start].tolist(), above)
        if HEADLINE_WORDS[0] <= n <= HEADLINE_WORDS[1] and not _NOT_A_PAGE_HEADLINE.search(lines[i].strip())
    ]
    if not candidates:
        return None
    opening, read = [], 0
    for line in (lines[i] for i in range(start, len(lines)) if i not in taken):
        opening.append(line)
        read += len(line)
        if read > OPENING_CHARS:
            break
    # a stem found anywhere in the opening's lower-cased text: a few substring searches a candidate
    # cost less than reading the opening's words (a page's whole rule is ~1 ms)
    said = " ".join(opening).lower()
    best, best_score = None, (0, 0.0)
    for i in candidates:
        found = content_words(lines[i], stopwords)
        shared = sum(w in said for w in found)
        if shared >= MIN_SHARED and shared >= MIN_SHARE * len(found) and (shared, shared / len(found)) >= best_score:
            best, best_score = lines[i].strip(), (shared, shared / len(found))  # a tie goes to the nearer line
    return best
