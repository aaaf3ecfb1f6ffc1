"""Finds the structure of a clean text: title, standfirst, sub-headings, paragraphs.

Runs after the editing rules, on text whose paragraphs are separated by one blank line.
"""

from __future__ import annotations

import re

from corpus.model import Block

_FINAL_PUNCTUATION = ".!?…:;,\"”’»)]"
_PARAGRAPH = re.compile(r"[^\n]+")


def paragraphs(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _PARAGRAPH.finditer(text)]


def is_heading(line: str, max_words: int = 10) -> bool:
    """A sub-heading is a short line that starts with a capital and has no final punctuation."""
    return bool(line) and _heading_at(line, 0, len(line), max_words)


def _heading_at(text: str, start: int, end: int, max_words: int = 10) -> bool:
    """:func:`is_heading` of the non-empty ``text[start:end]``, read in place."""
    # The cheap tests first: most paragraphs are long, and copying them out to split them into words is not.
    if end - start > 100 or not text[start].isupper() or text[end - 1] in _FINAL_PUNCTUATION:
        return False
    return len(text[start:end].split()) <= max_words


def find_blocks(text: str, standfirst_max_words: int = 60) -> list[Block]:
    spans = paragraphs(text)
    last = len(spans) - 1
    blocks: list[Block] = []
    for i, (s, e) in enumerate(spans):
        if i == 0:
            kind = "title"
        elif (i == 1 and last > 1 and not _heading_at(text, s, e)
              and len(text[s:e].split()) <= standfirst_max_words):
            kind = "standfirst"
        elif i < last and _heading_at(text, s, e):
            kind = "heading"
        else:
            kind = "paragraph"
        blocks.append(Block(kind, s, e))
    return blocks
