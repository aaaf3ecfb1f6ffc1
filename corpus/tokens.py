"""The project's one tokenisation, for token-level agreement and the CoNLL-style release config.

A token is a number ("8,500", "2.1"), a run of word characters with inner hyphens
("de-escalation"), a clitic starting with an apostrophe ("’s" of "Ukraine’s", so the entity
"Ukraine" aligns with tokens), or a single other non-space character. Offsets are the project's convention: ``str`` indices, end-exclusive.
Stated in the dataset card, so consumers can reproduce it.
"""

from __future__ import annotations

import re

TOKEN_PATTERN = r"\d+(?:[.,]\d+)*(?![\w])|\w+(?:-\w+)*|['’]\w+|[^\w\s]"
_TOKEN = re.compile(TOKEN_PATTERN)


def tokenize(text: str) -> list[tuple[int, int]]:
    """(start, end) of every token in ``text``."""
    return [m.span() for m in _TOKEN.finditer(text)]


def token_words(text: str) -> list[str]:
    return _TOKEN.findall(text)
