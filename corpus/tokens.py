"""The project's one tokenisation, for token-level agreement and the CoNLL-style release config.

A token is a run of word characters (letters, digits, underscore, with inner apostrophes and
hyphens kept: "Ukraine’s", "de-escalation", "8,500" stays one number) or a single other
non-space character. Offsets are the project's convention: ``str`` indices, end-exclusive.
Stated in the dataset card, so consumers can reproduce it.
"""

from __future__ import annotations

import re

TOKEN_PATTERN = r"\d+(?:[.,]\d+)*|\w+(?:['’-]\w+)*|[^\w\s]"
_TOKEN = re.compile(TOKEN_PATTERN)


def tokenize(text: str) -> list[tuple[int, int]]:
    """(start, end) of every token in ``text``."""
    return [m.span() for m in _TOKEN.finditer(text)]


def token_words(text: str) -> list[str]:
    return _TOKEN.findall(text)
