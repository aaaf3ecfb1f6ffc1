"""``residue_lines``: lines of scraping residue known by their shape; bylines and date lines as metadata."""

from __future__ import annotations

import re
from bisect import bisect_right

from corpus.offsets import Edit
from corpus.rules.base import CleaningContext, _runs, remove_lines
from corpus.structure import paragraphs

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_DATE = (
    rf"(?:\d{{4}}-\d{{2}}-\d{{2}}(?:[ T]\d{{1,2}}:\d{{2}}(?::\d{{2}})?)?"
    rf"|\d{{1,2}}[/.]\d{{1,2}}[/.]\d{{2,4}}"
    rf"|(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,? )?\d{{1,2}}(?:st|nd|rd|th)? (?:{_MONTHS})\.?,? \d{{4}}"
    rf"|(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,? )?(?:{_MONTHS})\.? \d{{1,2}}(?:st|nd|rd|th)?,? \d{{4}})"
    rf"(?:,? (?:at )?\d{{1,2}}[:.]\d{{2}}(?: ?[ap]\.?m\.?)?(?: [A-Z]{{2,4}})?)?"
)
DATE_LINE = re.compile(
    rf"(?i)^(?:(?:published|updated|posted|last updated|date)(?: on)?:? )?{_DATE}"
    rf"(?:,? (?:updated|last updated):? {_DATE})?\.?$"
)
BYLINE = re.compile(
    r"^(?:[Bb]y|BY|[Ww]ritten by|[Rr]eporting by) (?P<name>[A-Z][\w.'’-]+(?: [A-Z][\w.'’-]+){0,3}"
    r"(?:(?:,| and| &) [A-Z][\w.'’-]+(?: [A-Z][\w.'’-]+){0,3}){0,3})"
    r"(?:\s*[,|/–-]\s*(?P<org>[\w .&'’-]{1,40}))?$"
)

# Lines that are residue wherever they stand: nothing but punctuation, share and follow
# buttons, cookie and newsletter banners, "Read more" teasers, advertisement markers.
_ANYWHERE = [
    ("lone_punctuation", re.compile(r"^[^\w\s]{1,5}$")),
    (
        "share_line",
        re.compile(
            r"(?i)^(?:share(?: this)?(?: article| story| page| on)?|follow us(?: on)?|tweet|print|e-?mail"
            r"|copy link|whatsapp|facebook|twitter|linkedin|x)(?:\s*[:|/,•·-]?\s*"
            r"(?:facebook|twitter|x|whatsapp|linkedin|e-?mail|print|copy link|telegram|reddit|instagram|youtube|tiktok))*\s*[.:]?$"
        ),
    ),
    (
        "cookie_banner",
        re.compile(
            r"(?i)^.{0,120}\b(?:(?:we|this (?:site|website)) uses? cookies|accept (?:all )?cookies"
            r"|cookie (?:settings|policy|preferences))\b.{0,200}$"
        ),
    ),
    (
        "newsletter",
        re.compile(r"(?i)^(?:sign up|subscribe|register)\b.{0,80}\bnewsletters?\b.{0,80}$|^newsletters?:?$"),
    ),
    (
        "read_more",
        re.compile(
            r"(?i)^(?:read more|read also|also read|see also|related(?: articles?| stories)?"
            r"|more on this(?: story)?|recommended)\b.{0,160}$"
        ),
    ),
    ("advertisement", re.compile(r"(?i)^(?:advertisement|advertising|sponsored(?: content)?|ad)$")),
]


def _one_line_scanner(patterns: list[tuple[str, re.Pattern]]) -> re.Pattern:
    """One regex trying ``patterns`` in order on the line ``text[start:end]``, the kind as group name.

    Used as ``scanner.match(text, start, end)``: ``^`` needs MULTILINE to match at a line
    start inside the text, and ``end`` keeps every pattern inside its line.
    """
    parts = []
    for kind, pattern in patterns:
        source, flags = pattern.pattern.removeprefix("(?i)"), "i" if pattern.flags & re.IGNORECASE else ""
        parts.append(f"(?P<{kind}>(?{flags}:{source}))" if flags else f"(?P<{kind}>(?:{source}))")
    return re.compile("|".join(parts), re.MULTILINE)


def _max_width(pattern: re.Pattern) -> float:
    """The longest text ``pattern`` can match (inf when unbounded or unknown)."""
    try:
        from re import _parser

        width = _parser.parse(pattern.pattern, pattern.flags).getwidth()[1]
    except Exception:  # a private module: without it, assume any length
        return float("inf")
    return float("inf") if width >= _parser.MAXREPEAT else width


# Every _ANYWHERE pattern spans its whole line (^...$), so a long line is only tried against
# the kinds that can be that long (a paragraph only against the share buttons): same answers,
# and the cookie pattern's backtracking over every paragraph is spared.
def _scanners_by_width(patterns: list[tuple[str, re.Pattern]]) -> list[tuple[float, re.Pattern]]:
    widths = sorted({_max_width(p) for _, p in patterns})
    return [(width, _one_line_scanner([(k, p) for k, p in patterns if _max_width(p) >= width])) for width in widths]


_ANYWHERE_SCANNERS = _scanners_by_width(_ANYWHERE)
# The cookie banner still backtracks over `.{0,120}` on every line of up to ~345 characters,
# and every one of its alternatives contains "cookie": a text without that word (as (?i)
# reads it) is scanned without the kind.
_ANYWHERE_SCANNERS_NO_COOKIE = _scanners_by_width([(k, p) for k, p in _ANYWHERE if k != "cookie_banner"])
# The characters outside ASCII that (?i) lets stand for a letter of "cookie": İ and ı for i,
# the Kelvin sign for k (a test checks this against re on every code point).
_COOKIE_LOOKALIKES = ("\u0130", "\u0131", "\u212a")


def _may_mention_cookies(text: str) -> bool:
    """False only when no stretch of ``text`` matches ``(?i)cookie``.

    A regex search for that costs as much as the scan it would spare; the ASCII letters
    lower-cased as bytes cost a third. Dropping the other characters keeps an ASCII match
    in one piece (and may join a few false ones, which only cost the full scan).
    """
    i_dotted, i_dotless, kelvin = _COOKIE_LOOKALIKES
    return (
        b"cookie" in text.encode("ascii", "ignore").lower() or i_dotted in text or i_dotless in text or kelvin in text
    )


def _anywhere_scanner(length: int, scanners=_ANYWHERE_SCANNERS) -> re.Pattern | None:
    """The scanner of every kind in ``scanners`` that can match a line of ``length`` characters."""
    for width, scanner in scanners:
        if length <= width:
            return scanner
    return None


# How a line of an _ANYWHERE kind other than the cookie banner can start: with punctuation, or
# with the first two characters (one for a single character) of the first word of one of those
# patterns' alternatives, read as they are, case-insensitively. Only the lines that start so are
# tried against the patterns: most lines of an article, and of a page, start otherwise (a test
# holds this list to the patterns). A line of one character is looked up with the line break
# after it, which no second one matches.
_ANYWHERE_PREFIX = re.compile(r"[^\w\s]|(?i:sh|fo|tw|pr|e-|em|co|wh|fa|li|x|si|su|re|ne|al|se|mo|ad|sp)")
_MAY_START: dict[str, bool] = {}  # two characters -> whether a line starting so can be residue


def _may_start(prefix: str) -> bool:
    """Whether a line starting with ``prefix`` (its first two characters) can be of an _ANYWHERE
    kind other than the cookie banner; remembered for the next line starting so."""
    may = _ANYWHERE_PREFIX.match(prefix) is not None
    if len(_MAY_START) < 65_536:  # pairs of characters: bounded by the texts seen, and by this
        _MAY_START[prefix] = may
    return may


# Every alternative of the cookie banner holds the word: only lines holding it are tried for that kind.
_COOKIE_WORD = re.compile(r"(?i)cookie")
_COOKIE_WIDTH = _max_width(dict(_ANYWHERE)["cookie_banner"])  # 345 characters


def _cookie_word_starts(text: str) -> list[int]:
    """Where ``_COOKIE_WORD`` matches in ``text``, as its finditer finds them. Without a lookalike
    a match is "cookie" in ASCII letters of either case: found by bytes.find in the text as
    Latin-1 (one byte a character, the others "?"), lower-cased, instead of a case-blind regex
    scan (74 -> 23 µs on the real texts that mention cookies, 28% of them)."""
    i_dotted, i_dotless, kelvin = _COOKIE_LOOKALIKES
    if i_dotted in text or i_dotless in text or kelvin in text:
        return [m.start() for m in _COOKIE_WORD.finditer(text)]
    data = text.encode("latin-1", "replace").lower()
    starts, at = [], data.find(b"cookie")
    while at >= 0:
        starts.append(at)
        at = data.find(b"cookie", at + 6)  # (matches of "cookie" cannot overlap)
    return starts


def _anywhere_residue(text: str, lines: list[tuple[int, int]]) -> dict[int, str]:
    """The _ANYWHERE kind of each line that has one (line index -> kind): the kind
    ``_anywhere_scanner(length).match(text, start, end)`` finds, looked for only on the lines
    that can have one."""
    paragraphs = len(lines) * _SHORT_LINES < len(text)
    # Only a line no longer than the cookie banner can be one: in a text of paragraphs the
    # pre-check reads those lines alone (kept apart by line breaks, so no word forms across them).
    maybe_text = "\n".join([text[s:e] for s, e in lines if e - s <= _COOKIE_WIDTH]) if paragraphs else text
    cookie_lines: set[int] = set()
    if maybe_text and _may_mention_cookies(maybe_text):
        starts = [s for s, _ in lines]
        cookie_lines = {bisect_right(starts, at) - 1 for at in _cookie_word_starts(text)}
    # Each line's first two characters, looked up once per pair, rule most lines out. (A regex
    # search for the line starts of the patterns' first words cost more on every kind of text, most
    # on pages of short lines: 125 µs a real page against 35, as it stops at every line break.)
    may_start = _MAY_START
    candidates = []
    for i, (s, _) in enumerate(lines):
        prefix = text[s : s + 2]
        may = may_start.get(prefix)
        if may is None:
            may = _may_start(prefix)
        if may or i in cookie_lines:
            candidates.append(i)
    found = {}
    for i in candidates:
        s, e = lines[i]
        scanner = _anywhere_scanner(e - s, _ANYWHERE_SCANNERS if i in cookie_lines else _ANYWHERE_SCANNERS_NO_COOKIE)
        m = scanner.match(text, s, e) if scanner is not None else None
        if m:
            found[i] = m.lastgroup
    return found


# Lines this long on average or shorter (menus, link lists: pages): the cookie pre-check reads the
# whole text, as most of it is lines short enough for a banner.
_SHORT_LINES = 80


# Lines that are residue only at the very end: the scraper's "source" footer, copyright.
_TAIL = [
    ("source_footer", re.compile(r"(?i)^(?:source(?: site)?|source: .{1,80}|via .{1,60})$")),
    ("copyright", re.compile(r"(?i)^(?:©|\(c\)|copyright\b|all rights reserved).{0,160}$")),
]


class ResidueLines:
    """Removes whole lines of scraping residue; keeps bylines and date lines as metadata.

    Share/cookie/newsletter/"Read more"/advertisement and punctuation-only lines go
    wherever they are. Footers go only from the end; bylines and date lines only from the
    lines right after the title or at the end, where scrapers leave them.
    """

    name = "residue_lines"

    def __init__(self, head_lines: int = 3, drop: list[str] | None = None):
        self.head_lines = head_lines
        self.drop = set(drop) if drop is not None else None  # None: every kind

    def _wanted(self, kind: str) -> bool:
        return self.drop is None or kind in self.drop

    def propose(self, text: str, ctx: CleaningContext) -> list[Edit]:
        lines = paragraphs(text)  # (the spans of [^\n]+)
        if not lines:
            return []
        residue = _anywhere_residue(text, lines)  # line index -> kind
        # From the end: footers, bylines and dates, and anything already known as residue.
        i = len(lines) - 1
        while i > 0:
            line = text[lines[i][0] : lines[i][1]]
            kind = residue.get(i) or self._tail_kind(line) or self._meta_kind(line, ctx)
            if not kind:
                break
            residue[i] = kind
            i -= 1
        # After the title (the first line that is not residue): bylines and date lines.
        title = next((i for i in range(len(lines)) if i not in residue), len(lines))
        for i in range(title + 1, min(len(lines), title + 1 + self.head_lines)):
            line = text[lines[i][0] : lines[i][1]]
            kind = residue.get(i) or self._meta_kind(line, ctx)
            if not kind:
                break
            residue[i] = kind
        wanted = [i for i in sorted(residue) if self._wanted(residue[i])]
        return [remove_lines(lines, first, last) for first, last in _runs(wanted)]

    def _tail_kind(self, line: str) -> str | None:
        for kind, pattern in _TAIL:
            if pattern.match(line):
                return kind
        return None

    def _meta_kind(self, line: str, ctx: CleaningContext) -> str | None:
        m = BYLINE.match(line)
        if m:
            ctx.metadata.setdefault("byline", m.group("name"))
            if m.group("org"):
                ctx.metadata.setdefault("byline_org", m.group("org").strip())
            return "byline"
        if DATE_LINE.match(line):
            ctx.metadata.setdefault("dateline", line)
            return "dateline"
        return None
