"""The article text of an HTML page: trafilatura's settings, chosen and combined page by page.

1. ``favor_precision`` first: menus, teasers and share links stay out.
2. When it finds little for the page, the default and then the ``favor_recall`` setting; a text
   much longer replaces it (a page emptied, or cut to its first paragraphs), with the lines of
   the precision text it lacks put back where they stand (an opening paragraph outside the
   gallery that the fuller text is).
3. When the precision text is kept, the lines the default setting finds *between* two of its
   lines come back: list items, table rows and short paragraphs inside the article's body, which
   the precision setting drops with the furniture (a recipe's utensils, a closing one-line
   paragraph). Lines outside that span stay out; the residue model then cleans the text as any other.
4. Tables are kept as text; a table row with no word in it (empty cells) is dropped.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

# trafilatura's settings, tried in this order (step 2).
HTML_SETTINGS = ({"favor_precision": True}, {}, {"favor_recall": True})
HTML_SHORT_WORDS = 250  # fewer words than this from one setting: the next one is tried
HTML_LONGER = 2.0  # ...and its text replaces the first one's when this many times as long

_WORD = re.compile(r"\w")
_TOKEN = re.compile(r"\w+")


def extract_html(html: str):
    """trafilatura's document of the page (title, date, ...) and the article text made as above."""
    candidates = []  # (document, text) per setting, in HTML_SETTINGS order
    best = None
    for settings in HTML_SETTINGS:
        candidates.append(_extract(html, settings))
        if best is None or _words(candidates[-1][1]) >= HTML_LONGER * max(_words(best[1]), 1):
            best = candidates[-1]
        if _words(best[1]) >= HTML_SHORT_WORDS:
            break
    doc, text = best
    title = getattr(doc, "title", None)
    if best is candidates[0]:
        default = candidates[1] if len(candidates) > 1 else _extract(html, HTML_SETTINGS[1])
        text = with_body_lines(text, default[1], title=title)
    else:  # nothing the precision setting found is lost with the fuller text
        text = with_lines_of(text, candidates[0][1], title=title)
    return doc, text


def _extract(html: str, settings: dict):
    import trafilatura

    doc = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False, include_tables=True, **settings)
    text = (getattr(doc, "text", None) or "") if doc is not None else ""
    return doc, _without_empty_rows(text)


def with_body_lines(precise: str, fuller: str, title: str | None = None) -> str:
    """``precise`` with the lines of ``fuller`` that fall between two of its lines (step 3)."""
    return with_lines_of(precise, fuller, title=title, anywhere=False)


def with_lines_of(base: str, other: str, *, title: str | None = None, anywhere: bool = True) -> str:
    """``base`` with the lines of ``other`` it lacks, each put where the two texts align.

    The non-blank lines are aligned (whitespace and case aside). With ``anywhere`` false, a stretch
    only ``other`` has is taken only when lines both texts share come before and after it. Every
    line of ``base`` stays; a line already in it (or the title), or another version of the line it
    stands beside, is not taken.
    """
    ours = [line for line in base.splitlines() if line.strip()]
    theirs = [line for line in other.splitlines() if line.strip()]
    if not theirs:
        return base
    key_ours, key_theirs = [_key(line) for line in ours], [_key(line) for line in theirs]
    ops = SequenceMatcher(None, key_ours, key_theirs, autojunk=False).get_opcodes()
    shared = [k for k, op in enumerate(ops) if op[0] == "equal"]
    if len(shared) == len(ops) or not (anywhere or len(shared) >= 2):
        return base
    known = set(key_ours) | {_key(title or "")}
    out = []
    for k, (op, i1, i2, j1, j2) in enumerate(ops):
        out += ours[i1:i2]
        if op in ("insert", "replace") and (anywhere or shared[0] < k < shared[-1]):
            beside = set(_TOKEN.findall(" ".join(key_ours[i1:i2])))
            out += [
                line
                for line, key in zip(theirs[j1:j2], key_theirs[j1:j2])
                if key not in known and not _mostly_in(key, beside)
            ]
    return "\n".join(out)


def _mostly_in(key: str, tokens: set[str]) -> bool:
    """Whether most of the line's words are among ``tokens``: another version of the same line."""
    words = _TOKEN.findall(key)
    return bool(tokens) and sum(w in tokens for w in words) >= 0.5 * len(words)


def _key(line: str) -> str:
    return " ".join(line.split()).lower()


def _words(text: str) -> int:
    return len(text.split())


def _without_empty_rows(text: str) -> str:
    """A table row of empty cells (``| | |``) says nothing: dropped."""
    if "|" not in text:
        return text
    return "\n".join(line for line in text.split("\n") if "|" not in line or _WORD.search(line))
