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
5. A link teaser inside the body goes: a block that is a short label and one link to another
   article ("Lea más: <a>...</a>", "MIRA: <a>...</a>", "Read more: <a>...</a>"). It is found by
   its shape in the page's DOM, whatever the label's language: the label (at most
   ``TEASER_LABEL_WORDS`` words, ending in ":" or an arrow-like separator) comes before the link,
   the link text is a headline of at least ``TEASER_LINK_WORDS`` words, nothing but punctuation
   follows it, and it points into the page's own site (a relative link, or the host of the page's
   URL as trafilatura reads it): a labelled reference elsewhere ("Quelle: <a>a report</a>", a
   podcast's show notes) is the article's. Sentences with a link in them have words around it.
6. A line break of the page source's layout inside a paragraph's words (a hard-wrapped CMS) is a
   space, as a browser shows it; trafilatura keeps it. Only these breaks are joined in its text,
   where they stand: the page given to trafilatura is unchanged, since its choice between its
   own text and its fallbacks weighs lengths, and collapsing the page's whitespace changed it.
"""

from __future__ import annotations

import re
import warnings
from copy import deepcopy
from difflib import SequenceMatcher
from urllib.parse import urlsplit

# trafilatura's settings, tried in this order (step 2).
HTML_SETTINGS = ({"favor_precision": True}, {}, {"favor_recall": True})
HTML_SHORT_WORDS = 250  # fewer words than this from one setting: the next one is tried
HTML_LONGER = 2.0  # ...and its text replaces the first one's when this many times as long

# A link teaser's shape (step 5).
TEASER_LABEL_WORDS = 4
TEASER_LINK_WORDS = 4
_TEASER_SEPARATORS = ":|»›►▶▸→>•"
# Inline elements a label or a link sits in: the block that holds the line is above them.
_NOT_A_PAGE = ("#", "mailto:", "tel:", "javascript:")
_INLINE = {"a", "b", "strong", "em", "i", "u", "span", "font", "mark", "small", "big"}

# Elements whose text is kept as written (line breaks and all): code, preformatted text, scripts
# (JSON-LD metadata).
_AS_WRITTEN = {"pre", "code", "textarea", "listing", "plaintext", "xmp", "script", "style"}
_SOURCE_NEWLINE = re.compile(r"[ \t\r\f]*\n\s*")
# A line break between two words, with the words (a word may end one break and start the next).
_WRAP = re.compile(r"(\S+[ \t\r\f]*\n\s*)(?=(\S+))")
_WORD = re.compile(r"\w")
_LETTERS = re.compile(r"[^\W\d_]+")
_TOKEN = re.compile(r"\w+")


def extract_html(html: str):
    """trafilatura's document of the page (title, date, ...) and the article text made as above."""
    with warnings.catch_warnings():
        # dateutil, reading a page's date for htmldate, warns of a time zone it does not know
        # ("EST") in three lines on stderr for each such page: noise between ingest's own lines.
        warnings.filterwarnings("ignore", message="tzname .* identified but not understood")
        return _extract_html(html)


def _extract_html(html: str):
    page = page_tree(html)
    if page is None:  # not HTML trafilatura can read: its own refusal, as before
        page = html
    candidates = []  # (document, text) per setting, in HTML_SETTINGS order
    best = None
    for settings in HTML_SETTINGS:
        candidates.append(_extract(page, settings))
        if best is None or _words(candidates[-1][1]) >= HTML_LONGER * max(_words(best[1]), 1):
            best = candidates[-1]
        if _words(best[1]) >= HTML_SHORT_WORDS:
            break
    doc, text = best
    title = getattr(doc, "title", None)
    if best is candidates[0]:
        default = candidates[1] if len(candidates) > 1 else _extract(page, HTML_SETTINGS[1])
        text = with_body_lines(text, default[1], title=title)
    else:  # nothing the precision setting found is lost with the fuller text
        text = with_lines_of(text, candidates[0][1], title=title)
    if not isinstance(page, str):
        text = without_source_wraps(text, source_wraps(page))
    teasers = link_teasers(page, getattr(doc, "url", None)) - {_key(title or "")}  # never the headline
    return doc, without_lines(text, teasers)


def page_tree(html: str):
    """The page parsed once, by trafilatura's parser (None when it cannot read it): every setting
    and the teaser search read the same tree (trafilatura copies a tree it is given)."""
    import trafilatura

    return trafilatura.load_html(html)


def source_wraps(tree) -> list[str]:
    """The line breaks of the page source's layout inside words of text, each with the words around
    it ("Disaster Victim \\n  Identification"): outside <pre>, code and scripts a browser shows them
    as spaces. trafilatura keeps them, and the line they cut reads as two short lines."""
    wraps = []
    stack = [(tree, False)]
    while stack:
        element, kept = stack.pop()
        kept = kept or element.tag in _AS_WRITTEN
        texts = [element.text] + [child.tail for child in element]
        if not kept:
            wraps += [m[1] + m[2] for text in texts if text and "\n" in text.strip() for m in _WRAP.finditer(text)]
        stack += [(child, kept) for child in element]
    return wraps


def without_source_wraps(text: str, wraps: list[str]) -> str:
    """``text`` with each of ``wraps`` joined by one space where it stands as the page had it."""
    for wrap in wraps:
        if wrap in text:
            text = text.replace(wrap, _SOURCE_NEWLINE.sub(" ", wrap))
    return text


def _extract(page, settings: dict):
    import trafilatura

    # A copy for each setting: the trafilatura we run on copies a tree it is given, but its docs
    # promise a string, and a setting that changed the shared tree would change the next (0.5 ms).
    page = page if isinstance(page, str) else deepcopy(page)
    doc = trafilatura.bare_extraction(page, with_metadata=True, include_comments=False, include_tables=True, **settings)
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


def link_teasers(page, url: str | None = None) -> set[str]:
    """The lines (as ``_key``s) of the page's blocks that are a label and one link into the site of
    ``url`` (any site when it is not known) (step 5). ``page``: the HTML or its ``page_tree``."""
    import trafilatura

    tree = trafilatura.load_html(page)
    if tree is None:
        return set()
    site = _site(url)
    keys = set()
    for link in tree.iter("a"):
        link_text = " ".join(link.text_content().split())
        href = (link.get("href") or "").strip()
        # An anchor without a target (<a name=...>), a jump within the page, an address, a link
        # that shows its URL ("Infos: www.example.org"): no headline, no teaser.
        if len(_LETTERS.findall(link_text)) < TEASER_LINK_WORDS or not href or href.startswith(_NOT_A_PAGE):
            continue
        if "://" in link_text or link_text.lower().startswith("www."):
            continue
        target = _site(href)
        if site and target and target != site:
            continue
        block = link.getparent()
        while block is not None and block.tag in _INLINE:
            block = block.getparent()
        if block is None or sum(1 for a in block.iter("a") if a.text_content().strip()) != 1:
            continue
        line = " ".join(block.text_content().split())
        label, _, rest = line.partition(link_text)
        if _teaser_label(label) and not _WORD.search(rest):
            keys.add(_key(line))
    return keys


def _site(url: str | None) -> str:
    """The registered part of a URL's host ("dw.com", "100noticias.com.ni"); "" for a relative link.

    Approximated without a list of public suffixes: the last two labels, three when the one before
    the last is short ("co.uk", "com.pa")."""
    try:
        host = urlsplit(url or "").hostname or ""
    except ValueError:  # a malformed link ("http://[x]"): no site said
        return ""
    labels = host.split(".")
    keep = 3 if len(labels) >= 3 and len(labels[-2]) <= 3 and len(labels[-1]) == 2 else 2
    return ".".join(labels[-keep:])


def _teaser_label(label: str) -> bool:
    """A teaser's label: one to TEASER_LABEL_WORDS words ending in a separator ("Lea más:", "MIRA:")."""
    label = label.strip()
    return bool(label) and label[-1] in _TEASER_SEPARATORS and len(label.split()) <= TEASER_LABEL_WORDS


def without_lines(text: str, keys: set[str]) -> str:
    """``text`` without the lines whose ``_key`` is in ``keys``."""
    if not keys:
        return text
    return "\n".join(line for line in text.split("\n") if _key(line) not in keys)


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
