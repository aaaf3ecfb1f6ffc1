"""Finds the structure of a clean text: title, standfirst, sub-headings, paragraphs.

Runs after the editing rules, on text whose paragraphs are separated by one blank line.
"""

from __future__ import annotations

import re

from corpus.model import Block

_FINAL_PUNCTUATION = '.!?…:;,"”’»)]'
_PARAGRAPH = re.compile(r"[^\n]+")
HEADING_MAX_CHARS = 100  # a sub-heading is at most this long

# A title is short. Headlines, a site's name included, run to about 150 characters (99% of the
# <title>s of 1,187 real news pages; the longest 258) and 20-odd words (924 news articles: at
# most 22). A longer first paragraph is the body: a whole article arrives on one line from
# machine translation and many feeds, and some scrapers start with the first paragraph.
TITLE_MAX_CHARS = 200
TITLE_MAX_WORDS = 25
# A sentence end followed by another sentence: "." after a number or a word of three letters or
# more, then a word that does not start in lower case ("at the debate. GOP must", "in 2014. The");
# not after an abbreviation ("U.S. Media", "Gov. Hears", "St. Paul", "Trump vs. Clinton"). And
# a full stop of a script that has its own (Chinese and Japanese 。, Devanagari ।) with more
# text after it. "!" and "?" are left out: headlines use them mid-line ("Oops! Gunplay didn't
# disrupt GOP convention"). On 924 real news articles this keeps 914 titles (the other ten are
# two sentences, "Game over. Will Sanders come down off the pique?").
_NEXT_SENTENCE = re.compile(r"(\w+)\.[\"'”’»)\]]*\s+[\"'“‘«(\[]*(\w)|[。।](?=\s*\w)")
_ABBREVIATIONS = frozenset(
    "mrs prof gen gov sen rep col capt sgt inc ltd corp dept univ ave blvd jan feb mar apr "
    "jun jul aug sep sept oct nov dec ariz calif colo conn fla mass mich minn okla penn tenn "
    "wash wis".split()
)


def paragraphs(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _PARAGRAPH.finditer(text)]


def is_heading(line: str, max_words: int = 10) -> bool:
    """A sub-heading is a short line that starts with a capital and has no final punctuation."""
    return bool(line) and _heading_at(line, 0, len(line), max_words)


def _heading_at(text: str, start: int, end: int, max_words: int = 10) -> bool:
    """:func:`is_heading` of the non-empty ``text[start:end]``, read in place."""
    # The cheap tests first: most paragraphs are long, and copying them out to split them into words is not.
    if end - start > HEADING_MAX_CHARS or not text[start].isupper() or text[end - 1] in _FINAL_PUNCTUATION:
        return False
    return len(text[start:end].split()) <= max_words


def is_title(line: str) -> bool:
    """A title is a short line (:data:`TITLE_MAX_CHARS`, :data:`TITLE_MAX_WORDS`) that is not
    several sentences."""
    if len(line) > TITLE_MAX_CHARS or len(line.split()) > TITLE_MAX_WORDS:
        return False
    # Every sentence end the pattern knows has a full stop (most headlines have none), and the
    # regex tries (\w+) at every letter of the line: the test for the three costs a tenth.
    if "." not in line and "。" not in line and "।" not in line:
        return True
    for m in _NEXT_SENTENCE.finditer(line):
        word, following = m.group(1), m.group(2)
        if word is None:  # 。 or । with more after it
            return False
        if following.islower():
            continue
        if word.isdigit() or (len(word) >= 3 and word.isalpha() and word.lower() not in _ABBREVIATIONS):
            return False
    return True


def _title_at(text: str, start: int, end: int, title: str | None) -> bool:
    """Whether ``text[start:end]`` reads as a title or is the title the source gave (HTML
    metadata, a JSONL title field), read out only when it can be (an article on one line is long)."""
    if title and end - start <= 2 * len(title) and text[start:end].split() == title.split():
        return True
    return end - start <= TITLE_MAX_CHARS and is_title(text[start:end])


def find_blocks(text: str, standfirst_max_words: int = 60, title: str | None = None) -> list[Block]:
    """The blocks of a clean text. The first paragraph is the title when another follows it and it
    reads as one (:func:`is_title`) or is the source's own ``title``; otherwise the text has no
    title block (an article on one line is all body)."""
    spans = paragraphs(text)
    last = len(spans) - 1
    has_title = last > 0 and _title_at(text, *spans[0], title)
    blocks: list[Block] = []
    block = tuple.__new__  # Block(...) without its Python-level __new__ (a document has tens)
    for i, (s, e) in enumerate(spans):
        if i == 0 and has_title:
            kind = "title"
        elif (
            i == 1
            and has_title
            and last > 1
            and not _heading_at(text, s, e)
            and len(text[s:e].split()) <= standfirst_max_words
        ):
            kind = "standfirst"
        elif 0 < i < last and e - s <= HEADING_MAX_CHARS and _heading_at(text, s, e):  # (paragraphs: no call)
            kind = "heading"
        else:
            kind = "paragraph"
        blocks.append(block(Block, (kind, s, e)))
    return blocks
