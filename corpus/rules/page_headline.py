"""A whole page's headline, kept as the document's title when the residue model takes it.

Whole-page text puts the headline just above the article, among bylines, dates and share lines, and
the residue model takes it with them: it learned from extracted article text, which leaves the
headline out. The cleaned text starts with whatever short line survived, so the document's title
was the page's headline in 20% of the development pages' `blocks` texts (11% `nodes`). The text
itself stays as the model cleaned it (the benchmarks score the article body, which has no headline);
the headline becomes the title (bench/README.md, "A page's headline as its title").

The headline is the line above the article's first paragraph that shares most of its content words
with the article's opening: menus, bylines and share lines share few; teasers of other stories and
captions are what it still picks wrongly. A page without one keeps its first line as the title only
when that line could be a headline and shares a content word with the opening: otherwise it is the
furniture the model left ("The Daily Beast", "Skip to main content", "Your weather is set to ."),
and the document has no title rather than a wrong one.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import NamedTuple

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


class PageTitle(NamedTuple):
    headline: str | None  # the line found as the page's headline
    # whether the page's first kept line may be its title when no headline was found: not when it
    # is furniture the model left (a site's name, "Home", "Skip to main content", a breadcrumb)
    first_line: bool


def page_title(lines: list[str], words: np.ndarray, residue: list[int], stopwords: Collection[str]) -> PageTitle:
    """The headline of a page's ``lines`` (``words``: their word counts; ``residue``: the indices of
    those that go), and whether its first kept line reads as a title when there is none."""
    taken = set(residue)
    first = next((i for i in range(len(lines)) if i not in taken and lines[i].strip()), None)
    if first is None:
        return PageTitle(None, False)
    start = next((i for i in np.flatnonzero(words >= FIRST_PARAGRAPH_WORDS).tolist() if i not in taken), 0)
    opening, read = [], 0
    for line in (lines[i] for i in range(start, len(lines)) if i not in taken):
        opening.append(line)
        read += len(line)
        if read > OPENING_CHARS:
            break
    # a stem found anywhere in the opening's lower-cased text: a few substring searches a candidate
    # cost less than reading the opening's words (a page's whole rule is ~1 ms)
    said = " ".join(opening).lower()

    def reads_as_headline(i: int) -> bool:
        return HEADLINE_WORDS[0] <= words[i] <= HEADLINE_WORDS[1] and not _NOT_A_PAGE_HEADLINE.search(lines[i].strip())

    best, best_score = None, (0, 0.0)
    for i in range(max(0, start - LOOK_BACK), start) if start else ():  # nothing above a paragraph at the top
        if not reads_as_headline(i):
            continue
        found = content_words(lines[i], stopwords)
        shared = sum(w in said for w in found)
        if shared >= MIN_SHARED and shared >= MIN_SHARE * len(found) and (shared, shared / len(found)) >= best_score:
            best, best_score = lines[i].strip(), (shared, shared / len(found))  # a tie goes to the nearer line
    if best is not None:
        return PageTitle(best, False)
    # no headline: the first kept line is the title only if it reads as one and shares a content word
    return PageTitle(None, reads_as_headline(first) and any(w in said for w in content_words(lines[first], stopwords)))
