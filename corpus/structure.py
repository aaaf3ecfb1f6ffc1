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
    # The cheap tests first: most paragraphs are long, and splitting them into words is not.
    if not line or len(line) > 100 or not line[0].isupper() or line[-1] in _FINAL_PUNCTUATION:
        return False
    return len(line.split()) <= max_words


def find_blocks(text: str, standfirst_max_words: int = 60) -> list[Block]:
    spans = paragraphs(text)
    blocks: list[Block] = []
    for i, (s, e) in enumerate(spans):
        line = text[s:e]
        if i == 0:
            kind = "title"
        elif i == 1 and len(spans) > 2 and not is_heading(line) and len(line.split()) <= standfirst_max_words:
            kind = "standfirst"
        elif 0 < i < len(spans) - 1 and is_heading(line):
            kind = "heading"
        else:
            kind = "paragraph"
        blocks.append(Block(kind, s, e))
    return blocks
