"""The cleaning rules' shortcuts: each one gives exactly what the plain way gives.

Given a text that could trip a shortcut (a cookie banner spelt with 'İ', 'ı' or the Kelvin
sign, which Python's case-insensitive matching counts as letters of "cookie"), when it is
cleaned, the rule proposes the same edits as without the shortcut.
"""

import re
import sys
import unicodedata
from bisect import bisect_right

from hypothesis import example, given, settings
from hypothesis import strategies as st

from corpus import offsets
from corpus.offsets import Edit, EditEngine
from corpus.rules import base, residue_lines, run_together_words, unicode_repair, whitespace
from corpus.rules.paragraph_breaks import ParagraphBreaks

# Lines the cookie banner pattern matches only through re's case folding.
LOOKALIKE_BANNERS = [
    "We use coo\u212aies to improve your experience.",  # Kelvin sign for k
    "WE USE COOK\u0130ES. Accept all to continue",  # dotted capital I
    "Accept all cook\u0131es",  # dotless i
    "Coo\u212a\u0130e settings",
]


def _residue_edits(text: str, scanners=None) -> list:
    """ResidueLines' edits, with the cookie pre-check (``scanners`` None) or a fixed scanner set."""
    if scanners is None:
        return residue_lines.ResidueLines().propose(text, base.CleaningContext())
    original = residue_lines._may_mention_cookies
    residue_lines._may_mention_cookies = lambda text: scanners is residue_lines._ANYWHERE_SCANNERS
    try:
        return residue_lines.ResidueLines().propose(text, base.CleaningContext())
    finally:
        residue_lines._may_mention_cookies = original


def test_the_cookie_lookalikes_are_every_character_re_folds_onto_a_letter_of_cookie():
    everything = "".join(chr(c) for c in range(0x80, sys.maxunicode + 1))
    assert sorted(set(re.findall("(?i)[cokie]", everything))) == sorted(residue_lines._COOKIE_LOOKALIKES)


def test_a_cookie_banner_spelt_with_lookalikes_is_still_removed():
    for banner in LOOKALIKE_BANNERS:
        assert dict(residue_lines._ANYWHERE)["cookie_banner"].match(banner), banner  # the regex itself takes it
        text = f"Title\n\nFirst paragraph.\n\n{banner}\n\nLast paragraph."
        assert residue_lines._may_mention_cookies(text)
        assert _residue_edits(text) == _residue_edits(text, residue_lines._ANYWHERE_SCANNERS)
        assert _residue_edits(text) != _residue_edits(text, residue_lines._ANYWHERE_SCANNERS_NO_COOKIE)


def test_a_text_without_cookies_is_scanned_as_before():
    text = "Title\n\nBy Ann Lee\n\nShare this article\n\n“Quote” — said the minister.\n\nAdvertisement\n\nEnd."
    assert not residue_lines._may_mention_cookies(text)
    assert _residue_edits(text) == _residue_edits(text, residue_lines._ANYWHERE_SCANNERS)


_PIECES = st.sampled_from(
    [
        "cookie",
        "COOKIE",
        "coo",
        "kie",
        "k",
        "i",
        "\u212a",
        "\u0130",
        "\u0131",
        "\u2019",
        "\u201c",
        "é",
        " ",
        "\n",
        "\n\n",
        "we use ",
        "accept ",
        " settings",
        "x",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=30).map("".join))
def test_the_cookie_pre_check_never_misses_what_re_finds(text):
    if re.search("(?i)cookie", text):
        assert residue_lines._may_mention_cookies(text)
    assert _residue_edits(text) == _residue_edits(text, residue_lines._ANYWHERE_SCANNERS)


@settings(max_examples=1000, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "cookie",
                "COOKIE",
                "CoOkIe",
                "cook",
                "ie",
                "coo",
                "kie",
                "é",
                "日",
                "\u0130",
                "\u0131",
                "\u212a",
                "\ud800",
                " ",
                "\n",
                "🎉",
            ]
        ),
        max_size=20,
    ).map("".join)
)
@example("cookiecookie")
@example("日cookie é COOKIES")
def test_the_cookie_words_are_where_the_regex_finds_them(text):
    assert residue_lines._cookie_word_starts(text) == [m.start() for m in residue_lines._COOKIE_WORD.finditer(text)]


def _anywhere_by_definition(text: str) -> dict:
    """ResidueLines' kinds found anywhere, the plain way: every line tried against every pattern."""
    found = {}
    for i, m in enumerate(re.finditer(r"[^\n]+", text)):
        scanner = residue_lines._anywhere_scanner(len(m.group()))
        hit = scanner.match(text, *m.span()) if scanner is not None else None
        if hit:
            found[i] = hit.lastgroup
    return found


# Pieces of pages: menu words, share and follow prompts, punctuation lines, cookie lines, prose.
_PAGE_PIECES = st.sampled_from(
    [
        "Share",
        "share this article",
        "Follow us on Twitter",
        "Facebook",
        " | ",
        "Tweet",
        "Print",
        "E-mail",
        "Read more",
        "Related stories",
        "Advertisement",
        "Ad",
        "Sponsored content",
        "Sign up for our newsletter",
        "Newsletter:",
        "We use cookies.",
        "Accept all coo\u212aies",
        "cookie settings",
        "•",
        "—",
        "...",
        "Home",
        "x",
        "The minister said on Tuesday that the plan would go ahead.",
        "He added: “We will see.”",
        "  ",
        "\n",
        "\n",
        "\n\n",
        "\r\n",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_PAGE_PIECES, max_size=40).map("".join))
@example("Share\nFacebook\nTwitter\n\nThe minister said so.\n—\nWe use cookies. Accept all cookies\nAdvertisement")
@example("• Home\n" * 30 + "Read more: the plan\nWe use cookies.")
def test_lines_of_residue_anywhere_are_those_every_pattern_finds(text):
    lines = [m.span() for m in re.finditer(r"[^\n]+", text)]
    if lines:
        found = residue_lines._anywhere_residue(text, lines)
        assert found == _anywhere_by_definition(text)
        assert found == _anywhere_residue_before_prefixes(text, lines)  # pages: as the search found them


# How the lines to try were searched for in texts of short lines, before the two-character look-up.
_ANYWHERE_FIRST = (
    r"(?:[^\w\s]|(?i:share|follow|tweet|print|e-?mail|copy|whatsapp|facebook|twitter|linkedin|x"
    r"|sign|subscribe|register|newsletter|read|also|see|related|more|recommended|advertis|sponsored|ad))"
)
_ANYWHERE_LINE_START = re.compile(r"\n" + _ANYWHERE_FIRST)
_ANYWHERE_TEXT_START = re.compile(_ANYWHERE_FIRST)


def _anywhere_residue_before_prefixes(text: str, lines: list) -> dict:
    """``_anywhere_residue`` as it was before the two-character look-up: every line of a text
    of paragraphs tried, the lines of a text of short lines searched for (the reference the
    look-up must agree with)."""
    cookie_lines: set[int] = set()
    starts = [s for s, _ in lines]
    if residue_lines._may_mention_cookies(text):
        cookie_lines = {bisect_right(starts, m.start()) - 1 for m in residue_lines._COOKIE_WORD.finditer(text)}
    if len(lines) * residue_lines._SHORT_LINES < len(text):
        candidates = range(len(lines))
    else:
        candidates = {bisect_right(starts, m.start() + 1) - 1 for m in _ANYWHERE_LINE_START.finditer(text)}
        if starts[0] == 0 and _ANYWHERE_TEXT_START.match(text):
            candidates.add(0)
        candidates = sorted(candidates | cookie_lines)
    found = {}
    for i in candidates:
        s, e = lines[i]
        scanners = residue_lines._ANYWHERE_SCANNERS if i in cookie_lines else residue_lines._ANYWHERE_SCANNERS_NO_COOKIE
        scanner = residue_lines._anywhere_scanner(e - s, scanners)
        m = scanner.match(text, s, e) if scanner is not None else None
        if m:
            found[i] = m.lastgroup
    return found


# Paragraphs (long lines) beside line starts that are residue only in some case or spelling.
_PARAGRAPH_PIECES = st.sampled_from(
    [
        "The minister said on Tuesday that the plan would go ahead, and that the budget would follow in spring. " * 2,
        "\n",
        "\n\n",
        " ",
        "x",
        "X",
        "e",
        "E-mail",
        "Email",
        "\u017fhare this",  # long s: (?i) reads it as 's'
        "SPONSORED",
        "Ad",
        "ad",
        "“",
        "—",
        "Read more: the plan",
        "We use cookies.",
        "Accept all coo\u212aies",
        "Facebook | Twitter",
        "Subscribe to our newsletter",
        "In",
        "Th",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_PARAGRAPH_PIECES, max_size=30).map("".join))
@example("x\n" + "A long paragraph of prose, nothing else. " * 10 + "\n\u017fhare\nAd\ne-mail")
@example("A long paragraph of prose, nothing else. " * 10 + "\nSPONSORED\n\nE-mail | Print")
@example("We use cookies, " + "and prose after it. " * 20 + "\nShare\nAccept all cookies\n" + "More prose here. " * 30)
def test_the_two_character_look_up_finds_what_trying_every_line_finds(text):
    lines = [m.span() for m in re.finditer(r"[^\n]+", text)]
    if lines:
        found = residue_lines._anywhere_residue(text, lines)
        assert found == _anywhere_residue_before_prefixes(text, lines)
        assert found == _anywhere_by_definition(text)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_every_line_a_residue_pattern_takes_starts_with_a_pair_the_look_up_lets_through(data):
    for kind, pattern in residue_lines._ANYWHERE:
        if kind == "cookie_banner":
            continue
        line = data.draw(st.from_regex(pattern, fullmatch=True).filter(lambda s: "\n" not in s and s), label=kind)
        assert residue_lines._may_start((line + "\n")[:2]), (kind, line)


def _whitespace_by_definition(text: str) -> list:
    """WhitespaceNormalisation's edits as its pattern defines them: one per match."""
    edits = []
    for m in whitespace._WS_EDITS.finditer(text):
        s, e = m.span()
        if m.lastgroup == "cr":
            edits.append(Edit(s, e, "\n"))
        elif m.lastgroup == "zw":
            edits.append(Edit(s, e, ""))
        elif s == 0 or e == len(text) or text[s - 1] in "\r\n" or text[e] in "\r\n":
            edits.append(Edit(s, e, ""))
        elif m.group() != " ":
            edits.append(Edit(s, e, " "))
    return edits


_SPACING = st.sampled_from(
    [
        " ",
        " ",
        "  ",
        "\t",
        "\u00a0",
        "\u2003",
        "\u3000",
        "\u200b",
        "\ufeff",
        "\u00ad",
        "\r",
        "\n",
        "\r\n",
        "\n\n",
        "a",
        "word",
        "“",
    ]
)


@settings(max_examples=1000, deadline=None)
@given(st.lists(_SPACING, max_size=25).map("".join))
def test_whitespace_edits_are_the_patterns_matches(text):
    assert whitespace.WhitespaceNormalisation().propose(text, base.CleaningContext()) == _whitespace_by_definition(text)


# Page text with no spacing character but the space and the line break (9 real texts in 10): the
# rule's one numpy pass says whether any space needs an edit; characters outside the BMP are two
# UTF-16 units, a lone surrogate one.
_PLAIN_SPACING = st.sampled_from([" ", "  ", "\n", "\n\n", "a", "word", "“", "é", "日本", "🎉", "\ud800"])


@settings(max_examples=1000, deadline=None)
@given(st.lists(_PLAIN_SPACING, max_size=25).map("".join))
@example(" a")
@example("a\n")
@example("🎉 \n🎉")
def test_whitespace_of_text_with_plain_spaces_only_is_the_patterns_matches(text):
    edits = whitespace.WhitespaceNormalisation().propose(text, base.CleaningContext())
    assert edits == _whitespace_by_definition(text)
    units = whitespace.np.frombuffer(text.encode("utf-16-le", "surrogatepass"), whitespace.np.uint16)
    assert whitespace._a_space_needs_an_edit(units) == bool(edits)


def test_whitespace_in_a_scraped_paragraph():
    text = " Title \r\n\r\nFirst\u00a0 line\u200b\u200bhere.\t\n  Second  line. \u3000"
    edits = whitespace.WhitespaceNormalisation().propose(text, base.CleaningContext())
    assert edits == _whitespace_by_definition(text)
    assert [e.replacement for e in edits] == ["", "", "\n", "\n", " ", "", "", "", " ", ""]


# --- The edit engine -----------------------------------------------------------------------------


class _GeneralEngine(EditEngine):
    """The engine without its short way: every rule's edits by the general walk (``_rebuild``)."""

    def _insert_apart(self, edits, rule, removed, keep_ends=False):
        return False


def _one_form(pieces, raw):
    """The pieces' one form, by its definition. Left to right: a replacement equal to its raw
    text is a copy; a replacement after another is joined with it, and the join is a copy if it
    equals its raw text; copies are joined, empty ones dropped."""
    out = []
    for p in pieces:
        if p[2] is not None and p[2] == raw[p[0] : p[1]]:
            p = [p[0], p[1], None]
        if p[2] is not None and out and out[-1][2] is not None:
            last = out.pop()
            p = [last[0], p[1], last[2] + p[2]]
            if p[2] == raw[p[0] : p[1]]:
                p = [p[0], p[1], None]
        if p[2] is None:
            if p[0] == p[1]:
                continue
            if out and out[-1][2] is None:
                p = [out.pop()[0], p[1], None]
        out.append(p)
    return out


@st.composite
def _raw_and_passes(draw, max_length=30, max_cuts=8):
    """A raw text and rule passes of non-overlapping edits, in order or shuffled."""
    raw = draw(st.text(alphabet="ab \n“é", max_size=max_length))
    passes, length = [], len(raw)
    for _ in range(draw(st.integers(0, 5))):
        cuts = sorted(draw(st.lists(st.integers(0, length), max_size=max_cuts)))
        edits = [Edit(s, e, draw(st.text(alphabet="xya \n", max_size=3))) for s, e in zip(cuts[::2], cuts[1::2])]
        if len(cuts) % 2 and (not edits or cuts[-1] > edits[-1].end):
            edits.append(Edit(cuts[-1], cuts[-1], draw(st.text(alphabet="z ", min_size=1, max_size=2))))
        if draw(st.booleans()):
            edits = draw(st.permutations(edits))
        passes.append(edits)
        length += sum(len(e.replacement) - (e.end - e.start) for e in edits)
    return raw, passes


class _EngineBefore(EditEngine):
    """The engine with its short way as it was before session 6 (the reference of the new one)."""

    def _insert_apart(self, edits: list[Edit], rule: str, removed: list[str], keep_ends: bool = False) -> bool:
        """EditEngine._insert_apart before its first edits were taken at once and its loops
        tightened (session 6): one piece at a time."""
        raw, changed, out, log = self.raw, self._changed, [], []
        new_line = tuple.__new__  # offsets.AppliedEdit(...) without its Python-level __new__: half the time
        count, k, shift = len(changed), 0, 0  # shift: current minus raw offset before changed[k]
        last_end = -1  # where the text this rule has replaced so far ends
        for (s, e, replacement), was in zip(edits, removed):
            if s <= last_end:
                return False
            # Replaced pieces that end before the edit stay as they are, joined with it if they touch.
            touch_before = False
            while k < count:
                piece = changed[k]
                start = piece[0] + shift
                end = start + len(piece[2])
                if end > s or (start == s < e):  # (an emptied stretch at the edit's start is covered)
                    break
                out.append(piece)
                shift += len(piece[2]) - (piece[1] - piece[0])
                k, touch_before = k + 1, end == s
            raw_start, covered = s - shift, False
            # Replaced pieces inside the edit are covered by it.
            while k < count:
                piece = changed[k]
                start = piece[0] + shift
                if not s <= start < e or start + len(piece[2]) > e:
                    break
                shift += len(piece[2]) - (piece[1] - piece[0])
                k, covered = k + 1, True
            raw_end = e - shift
            touch_after = False
            if k < count:
                start = changed[k][0] + shift
                if start < e:
                    return False
                touch_after = start == e
            if replacement == (raw[raw_start:raw_end] if covered else was):
                # The raw text restored: the general case, unless it stands alone.
                if covered or touch_before or touch_after or s == e:
                    return False
            else:
                # Joined with the replaced pieces it touches, as _merge would (each join may
                # give back the raw text: a copy).
                piece = [raw_start, raw_end, replacement]
                if touch_before:
                    before = out.pop()
                    piece = [before[0], raw_end, before[2] + replacement]
                    if piece[2] == raw[piece[0] : raw_end]:
                        piece = None
                if touch_after:
                    after = changed[k]
                    shift += len(after[2]) - (after[1] - after[0])
                    k, last_end = k + 1, e + len(after[2])
                    if piece is None:
                        piece = after
                    else:
                        piece = [piece[0], after[1], piece[2] + after[2]]
                        if piece[2] == raw[piece[0] : piece[1]]:
                            piece = None
                if piece is not None:
                    out.append(piece)
            log.append(new_line(offsets.AppliedEdit, (rule, raw_start, raw_end, was, replacement)))
            last_end = max(last_end, e)
        out += changed[k:]
        self._changed = out
        self._log += log
        return True


@st.composite
def _page_and_passes(draw):
    """A page of short lines and passes as the rules make them there: a piece of every line break
    (paragraph_breaks), a few runs of whole lines deleted (the residue rules), now and then a space."""
    lines = draw(st.lists(st.text(alphabet="ab é“", max_size=6), min_size=1, max_size=25))
    raw = "\n".join(lines)
    passes, text = [], raw
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["breaks", "lines", "spaces"]))
        breaks = [i for i, c in enumerate(text) if c == "\n"]
        if kind == "breaks":
            edits = [Edit(i, i + 1, draw(st.sampled_from(["\n\n", "\n\n", "", "\n"]))) for i in breaks]
        elif kind == "lines":
            bounds = sorted(set(draw(st.lists(st.sampled_from([0, *[i + 1 for i in breaks], len(text)]), max_size=6))))
            edits = [Edit(s, e) for s, e in zip(bounds[::2], bounds[1::2])]
        else:
            spaces = [i for i, c in enumerate(text) if c == " "]
            edits = (
                [Edit(i, i + 1, "") for i in sorted(set(draw(st.lists(st.sampled_from(spaces), max_size=4))))]
                if spaces
                else []
            )
        passes.append(edits)
        text = (
            "".join(text[prev:s] + r for prev, (s, _, r) in zip([0] + [e.end for e in edits], edits))
            + text[edits[-1].end :]
            if edits
            else text
        )
    return raw, passes


@settings(max_examples=2500, deadline=None)
# Dense edits, sparse edits, pages (a piece of every line break, runs of lines deleted).
@given(st.one_of(_raw_and_passes(), _raw_and_passes(max_length=200, max_cuts=6), _page_and_passes()))
# Joins that give back the raw text: before the edit (then the piece after stays apart), after it.
@example(("abc", [[Edit(0, 1, "ab"), Edit(2, 3, "z")], [Edit(2, 3, "")]]))
@example(("ab", [[Edit(0, 2, "b")], [Edit(0, 0, "a")]]))
def test_the_short_way_keeps_the_same_pieces_and_log_as_the_general_walk(case):
    """Most rules' edits take EditEngine's short way; every result must be the general walk's,
    in the one form, and the pieces must make the text."""
    raw, passes = case
    engine, general = EditEngine(raw), _GeneralEngine(raw)
    for i, edits in enumerate(passes):
        engine.apply(f"rule{i}", list(edits))
        general.apply(f"rule{i}", list(edits))
        assert engine.text == general.text and engine.pieces == general.pieces
        assert _one_form(engine.pieces, raw) == engine.pieces
        assert "".join(raw[p[0] : p[1]] if p[2] is None else p[2] for p in engine.pieces) == engine.text
    assert engine.log == general.log


@settings(max_examples=1500, deadline=None)
@given(st.one_of(_raw_and_passes(), _page_and_passes()))
@example(("a\nb\nc", [[Edit(1, 2, "\n\n"), Edit(3, 4, "\n\n")], [Edit(3, 6)]]))
@example(("a\nb", [[Edit(1, 2, "\n"), Edit(2, 2, "x")]]))  # an edit giving back its raw text: the walk's
def test_edits_on_a_text_nothing_replaced_yet_are_the_walks(case):
    """The first rule that edits a text takes its edits as pieces at once (``_into_copies``): the
    pieces and log must be those of the walk it skips, and of the short way as it was before."""
    raw, passes = case
    engine, walk, before = EditEngine(raw), EditEngine(raw), _EngineBefore(raw)
    for i, edits in enumerate(passes):
        for e in (engine, walk, before):
            e.apply(f"rule{i}", list(edits))
        pieces = engine.pieces
        into_copies, offsets._into_copies = offsets._into_copies, lambda *args: False
        try:
            assert walk.pieces == pieces
        finally:
            offsets._into_copies = into_copies
        assert before.pieces == pieces
        assert walk.text == engine.text
    assert engine.log == walk.log == before.log
    assert engine.offset_map().to_record() == walk.offset_map().to_record() == before.offset_map().to_record()


@settings(max_examples=2000, deadline=None)
@given(st.one_of(_raw_and_passes(), _raw_and_passes(max_length=200, max_cuts=6), _page_and_passes()))
@example(("a\nb\nc\nd", [[Edit(1, 2, "\n\n"), Edit(3, 4, "\n\n"), Edit(5, 6, "\n\n")], [Edit(3, 6)], [Edit(0, 3)]]))
@example(("ab\ncd", [[Edit(2, 3, "")], [Edit(1, 2, "x")], [Edit(2, 3, "y")]]))  # joins on either side
def test_rules_settled_together_are_the_general_walks(case):
    """Cleaning settles every rule's edits at once, when the log is first asked for: each rule
    but the last leaves where its pieces end, and the next finds its pieces by bisection over
    them. Pieces, log and offset map must be the general walk's, and those of settling each rule
    on its own (which never bisects over ends a rule left)."""
    raw, passes = case
    together, general, one_by_one = EditEngine(raw), _GeneralEngine(raw), EditEngine(raw)
    for i, edits in enumerate(passes):
        for e in (together, general, one_by_one):
            e.apply(f"rule{i}", list(edits))
        assert "".join(p[2] if p[2] is not None else raw[p[0] : p[1]] for p in one_by_one.pieces) == one_by_one.text
    assert together.pieces == general.pieces == one_by_one.pieces
    assert together.log == general.log == one_by_one.log
    assert together.text == general.text
    assert together.offset_map().to_record() == general.offset_map().to_record()


def _every_occurrence_by_definition(text: str, char: str, inner: str, edge: str) -> list | None:
    at = [i for i, c in enumerate(text) if c == char]
    if any(b == a + 1 for a, b in zip(at, at[1:])):
        return None
    return [Edit(i, i + 1, edge if i in (0, len(text) - 1) else inner) for i in at]


@st.composite
def _every_occurrence_case(draw):
    """A text (a line break at its edges now and then, a character outside the BMP now and
    then), a rule's edits before (or none), the edits of every line break, and a rule after."""
    raw = "".join(draw(st.lists(st.sampled_from(["ab", "é“", "\n", "\n", " ", "🎉", "\n\n"]), max_size=20)))
    # Before: nothing, or a few edits anywhere (beside a line break, or apart from every one).
    cuts = sorted(draw(st.lists(st.integers(0, len(raw)), max_size=6)))
    before = [Edit(s, e, draw(st.sampled_from(["", "x", "yz"]))) for s, e in zip(cuts[::2], cuts[1::2])]
    before = [edit for edit in before if edit.start < edit.end or edit.replacement]
    text, prev = "", 0
    for s, e, replacement in before:
        text += raw[prev:s] + replacement
        prev = e
    text += raw[prev:]
    inner, edge = draw(st.sampled_from([("\n\n", ""), ("\n\n", "\n\n"), (" ", ""), ("", "ab")]))
    cuts = sorted(set(draw(st.lists(st.integers(0, len(text) + 3), max_size=4))))
    return raw, before, text, inner, edge, cuts


@settings(max_examples=1500, deadline=None)
@given(_every_occurrence_case())
@example(("\n", [], "\n", "\n\n", "", []))
@example(("a\nb\n", [], "a\nb\n", "\n\n", "", [0, 3]))
@example(("\n🎉\na", [Edit(0, 0, "x")], "x\n🎉\na", "\n\n", "", [1, 4]))
@example(("a\nbc\nd", [Edit(3, 4, "")], "a\nb\nd", "\n\n", "", [2, 5]))  # beside every piece
@example(("a b\nc d\ne", [Edit(1, 2, ""), Edit(5, 6, "xy")], "ab\ncxyd\ne", "\n\n", "", [0, 1]))
def test_every_occurrence_is_its_edits_applied_one_by_one(case):
    """EveryOccurrence's edits (paragraph_breaks on a page of single breaks) are every occurrence's,
    and the engine given them as they are or as a plain list keeps the same text, pieces, log and
    offset map, with a rule before them or not, and one after (which bisects over their ends)."""
    raw, before, text, inner, edge, cuts = case
    edits = offsets.EveryOccurrence.of(text, "\n", inner, edge)
    expected = _every_occurrence_by_definition(text, "\n", inner, edge)
    assert edits == expected
    if edits is None:
        return
    assert all(type(edit) is Edit for edit in edits)
    fast, plain = EditEngine(raw), EditEngine(raw)
    for engine in (fast, plain):
        engine.apply("before", list(before))
        assert engine.text == text
    edits = offsets.EveryOccurrence.of(fast.text, "\n", inner, edge)  # on the engine's own text, as a rule makes them
    fast.apply("every", edits)
    assert not edits or fast._pending[-1][2] is edits.removed  # the short way
    plain.apply("every", list(edits))
    assert fast.text == plain.text == edits.after
    after = [Edit(s, e) for s, e in zip(cuts[::2], cuts[1::2]) if e <= len(fast.text)]
    fast.apply("after", after)
    plain.apply("after", after)
    assert fast.text == plain.text
    assert fast.log == plain.log and fast.pieces == plain.pieces
    assert fast.offset_map().to_record() == plain.offset_map().to_record()


def test_every_occurrence_edits_made_on_another_text_are_cut_as_usual():
    edits = offsets.EveryOccurrence.of("a\nb", "\n", "\n\n", "")
    engine = EditEngine("".join(["a\n", "b"]))  # an equal text, another object
    engine.apply("every", edits)
    assert engine.text == "a\n\nb"
    assert engine.log == [offsets.AppliedEdit("every", 1, 2, "\n", "\n\n")]


# --- Run-together words, for a batch at once ------------------------------------------------------


def test_a_packed_word_is_its_letters_five_bits_each():
    import numpy as np

    for word in ["abcdefg", "zzzzzzzzzzzz", "international"[:12], "oninter", "a" * 12]:
        data = np.frombuffer(word.encode().ljust(16, b"\0"), np.uint8)
        lo, hi = data[:8].view("<u8"), data[8:].view("<u8")
        packed = run_together_words._pack_letters(lo, hi, np.array([len(word)]))[0]
        assert int(packed) == sum((ord(c) - 96) << (5 * i) for i, c in enumerate(word))


_WORDY = st.sampled_from(
    [
        "international",
        "government",
        "oninternational",
        "governmentpolicy",
        "internationally",
        "responsibilities",
        "counterintelligence",
        "zzzzzzzzzzzzzz",
        "qwertyuiop",
        "minister",
        "Minister",
        "ministers",
        "ab",
        "x",
        "_",
        "9",
        "é",
        "ß",
        "’",
        "'",
        "-",
        " ",
        "\n",
        "“",
        "🎉",
        "İ",
        "\u212a",
        "wellbeing",
        "sayshe",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(_WORDY, max_size=12).map("".join), min_size=1, max_size=6),
    st.lists(st.sampled_from(["en", "fr", "xx"]), min_size=6, max_size=6),
)
def test_run_together_words_for_a_batch_are_each_texts_own(texts, languages):
    rule = run_together_words.RunTogetherWords()
    contexts = [base.CleaningContext(language=language) for language in languages[: len(texts)]]
    assert rule.flag_many(texts, contexts) == [rule.flag(text, ctx) for text, ctx in zip(texts, contexts)]


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.lists(st.one_of(_WORDY, st.sampled_from(["?", "ā", "Ω", "\ud800", "abcdefghijklmn"])), max_size=12).map(
            "".join
        ),
        min_size=1,
        max_size=6,
    ),
    st.lists(st.sampled_from(["en", "fr", "xx"]), min_size=6, max_size=6),
)
def test_the_unknown_words_of_a_batch_are_the_regexs(texts, languages):
    """Every long lower-case word at a word start that the text's language does not know, as
    re finds them; None for a language without a word list. "ā" and "Ω" are word characters
    outside Latin-1, read as "?" by the batch: a word right after one starts no candidate."""
    languages = languages[: len(texts)]
    expected = []
    for text, language in zip(texts, languages):
        if language == "xx":
            expected.append(None)
            continue
        known = run_together_words._frequencies(language)
        expected.append([m.span() for m in re.finditer(r"\b[a-z]{7,}", text) if m.group() not in known])
    assert run_together_words._unknown_lower_words(texts, languages) == expected


def test_run_together_words_with_a_lone_surrogate_in_the_batch():
    rule = run_together_words.RunTogetherWords()
    texts = ["The minister spoke oninternational television.", "bad \ud800 text governmentpolicy here"]
    contexts = [base.CleaningContext(language="en") for _ in texts]
    found = rule.flag_many(texts, contexts)
    assert found == [rule.flag(text, ctx) for text, ctx in zip(texts, contexts)]
    assert [f.start for f in found[0]] == [texts[0].index("oninternational")]


def test_the_candidate_words_are_the_regexs():
    import re

    text = "“oninternational” well-established _underscored x9abcdefgh Éabcdefgh réabcdefg abcdefghijklmnopq"
    unknown = run_together_words._unknown_lower_words([text], ["xx-no-such"])[0]
    assert unknown is None  # no word list: left to flag
    found = run_together_words._unknown_lower_words(["", text], ["en", "en"])
    every = [
        m.span() for m in re.finditer(r"\b[a-z]{7,}", text) if m.group() not in run_together_words._frequencies("en")
    ]
    assert found == [[], every]


# --- Structure ------------------------------------------------------------------------------------


def _blocks_by_definition(text: str, standfirst_max_words: int = 60) -> list:
    """find_blocks as first written: each paragraph copied out and judged by is_heading."""
    from corpus.model import Block
    from corpus.structure import is_heading

    spans, blocks = [m.span() for m in re.finditer(r"[^\n]+", text)], []
    has_title = len(spans) > 1 and _is_title_by_definition(text[spans[0][0] : spans[0][1]])
    for i, (s, e) in enumerate(spans):
        line = text[s:e]
        if i == 0 and has_title:
            kind = "title"
        elif (
            i == 1
            and has_title
            and len(spans) > 2
            and not is_heading(line)
            and len(line.split()) <= standfirst_max_words
        ):
            kind = "standfirst"
        elif 0 < i < len(spans) - 1 and is_heading(line):
            kind = "heading"
        else:
            kind = "paragraph"
        blocks.append(Block(kind, s, e))
    return blocks


def _is_title_by_definition(line: str) -> bool:
    """is_title without its shortcut: every sentence end the pattern finds is judged."""
    from corpus.structure import _ABBREVIATIONS, _NEXT_SENTENCE, TITLE_MAX_CHARS, TITLE_MAX_WORDS

    if len(line) > TITLE_MAX_CHARS or len(line.split()) > TITLE_MAX_WORDS:
        return False
    for m in _NEXT_SENTENCE.finditer(line):
        word, following = m.group(1), m.group(2)
        if word is None:
            return False
        if following.islower():
            continue
        if word.isdigit() or (len(word) >= 3 and word.isalpha() and word.lower() not in _ABBREVIATIONS):
            return False
    return True


_TITLE_PIECES = st.sampled_from(
    ["Game over", ".", " ", "Will", "will", "U.S", "Gov", "2014", "in", "。", "।", "更多", "”", "x", "\n", "ab"]
)


@settings(max_examples=1000, deadline=None)
@given(st.lists(_TITLE_PIECES, max_size=16).map("".join))
@example("Game over. Will Sanders come down")
@example("第五届。更多")
def test_a_title_is_judged_as_the_sentence_pattern_judges_it(line):
    from corpus.structure import is_title

    assert is_title(line) == _is_title_by_definition(line)


_LINES = st.sampled_from(
    [
        "Title",
        "Fierce penalties",
        "A short standfirst.",
        "word " * 12,
        "x" * 101,
        "É cap",
        "lower start",
        "Ends with a colon:",
        "Two  spaces",
        "\n",
        "\n\n",
        " ",
        "”",
        "Q",
        "word " * 30,
        "y" * 201,
        "Two sentences. In one line",
        "U.S. Media",
        "In 2014. The",
        "东京。更多",
    ]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_LINES, max_size=14).map("".join), st.integers(1, 60))
def test_blocks_are_found_as_defined(text, standfirst_max_words):
    from corpus.structure import find_blocks

    assert find_blocks(text, standfirst_max_words) == _blocks_by_definition(text, standfirst_max_words)


# --- Unicode repair, for a batch at once ----------------------------------------------------------

_UNICODEISH = st.sampled_from(
    [
        "The bank didnâ€™t move.",
        "â€œNot yet.â€\x9d",
        "Zürich’s café",
        "€5",
        "£",
        "\x00",
        "\x85",
        "ﬁ",
        "Ａ",
        "e\u0301",
        "&amp;",
        "&",
        " — ",
        "…",
        "\t",
        "\n",
        "🎉",
        "İ",
        "plain words",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_UNICODEISH, max_size=10).map("".join), min_size=1, max_size=5))
def test_unicode_repair_for_a_batch_is_each_texts_own(texts):
    rule = unicode_repair.UnicodeRepair()
    test = rule._may_change
    assert test.unusual_many(texts) == [test.scan(t) for t in texts]
    group, unicode_repair.SCAN_GROUP = unicode_repair.SCAN_GROUP, 12  # texts read in many groups
    try:
        assert test.unusual_many(texts) == [test.scan(t) for t in texts]
    finally:
        unicode_repair.SCAN_GROUP = group
    contexts = [base.CleaningContext() for _ in texts]
    assert rule.propose_many(texts, contexts) == [rule.propose(text, ctx) for text, ctx in zip(texts, contexts)]


def _lines_to_test_one_by_one(rule, text: str) -> list[tuple[int, str, object]]:
    """UnicodeRepair's lines to test as they were found before ``unusual_many`` read them all at
    once: the text searched for unusual characters and "&", each chosen line scanned by itself."""
    test = rule._may_change
    lines = list(base._lines(text))
    starts = [s for s, _ in lines]
    chosen = {bisect_right(starts, m.start()) - 1 for m in test.ordinary.finditer(text)}
    chosen |= {bisect_right(starts, m.start()) - 1 for m in re.finditer("&", text)}
    return [(s, text[s:e], test.scan(text[s:e])) for s, e in (lines[k] for k in sorted(chosen)) if s < e]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_UNICODEISH, max_size=6).map("".join), min_size=1, max_size=8).map("\n".join))
@example("plain\n\nDidnâ€™t &amp; é\n\n")
def test_the_lines_unicode_repair_tests_are_those_a_scan_of_each_line_finds(text):
    rule = unicode_repair.UnicodeRepair()
    assert rule._lines_to_test(text) == _lines_to_test_one_by_one(rule, text)


def _mojibake_alphabet() -> list[str]:
    from ftfy.badness import BADNESS_RE

    # Plain characters drawn as often as the pattern's own, so that they often stand on both sides.
    pattern_chars = sorted({c for c in BADNESS_RE.pattern if not c.isascii()})
    return pattern_chars + list("aZ \n’.5") * (len(pattern_chars) // 7)


@settings(max_examples=3000, deadline=None)
@given(
    st.lists(st.sampled_from(_mojibake_alphabet()), max_size=12).map("".join), st.sampled_from(["", "plain ", "é", "’"])
)
@example("aœ.", "")  # exposed by itself: œ needs no unusual neighbour to match
@example("Ã©", "")
def test_the_line_test_is_the_search_for_every_mojibake_match(core, edge):
    """Searching only around the exposed characters finds a match exactly when the whole text has one."""
    test = unicode_repair.UnicodeRepair()._may_change
    text = edge + core + edge
    mapped = test.scan(text).mapped
    if mapped or not unicodedata.is_normalized("NFC", text) or "&" in text:
        return
    assert test(text) == (test.badness.search(text) is not None)
    assert test.unusual_many([text, "x"])[0] == test.scan(text)


_NFC_ALPHABET = [
    "a",
    " ",
    "’",
    "é",
    "e",
    "\u0301",
    "\u0327",
    "\u00c5",
    "\u212b",
    "\u0958",
    "\u0915",
    "\u093c",
    "\u1100",
    "\u1161",
    "\u11a8",
    "\uac00",
    "\u09c7",
    "\u09be",
    "\u0344",
    "\uf900",
    "ñ",
    "\u0303",
]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_NFC_ALPHABET), max_size=8).map("".join))
@example("e\u0301")  # a combining mark after its base
@example("\u1100\u1161")  # Hangul jamo that compose by rule
@example("\u09c7\u09be")  # a composition whose second character is a starter
@example("\u212b")  # a character NFC replaces
def test_a_text_without_nfc_doubt_is_nfc(text):
    """The line test reads a text for NFC only when one of its unusual characters could fail it."""
    test = unicode_repair.UnicodeRepair()._may_change
    scanned = test.scan(text)
    assert scanned.nfc_doubt or unicodedata.is_normalized("NFC", text)
    assert test.unusual_many([text, "é"])[0] == scanned


def test_composition_seconds_skip_only_blocks_without_decompositions():
    """The blocks NFD leaves alone are skipped; reading every character finds the same seconds."""
    every_second = set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3))
    for code in range(sys.maxunicode + 1):
        decomposition = unicodedata.decomposition(chr(code))
        if decomposition and decomposition[0] != "<" and len(decomposition.split()) == 2:
            every_second.add(int(decomposition.split()[1], 16))
    assert unicode_repair._composition_seconds() == every_second
    assert {0x0301, 0x0327, 0x09BE, 0x1161, 0x11A8} <= every_second and not every_second & set(range(0x80))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_mojibake_alphabet() + ["&amp;", "\x85", "ﬁ", "e\u0301"]), max_size=10).map("".join))
def test_ftfy_leaves_alone_every_text_the_line_test_passes(text):
    import ftfy

    rule = unicode_repair.UnicodeRepair()
    if not rule._may_change(text):
        assert ftfy.fix_text(text, rule._config) == text


# Decomposed accents beside mojibake, entities, a ligature: lines whose one fault is their
# normalisation, and lines where it is one of several.
_NOT_NFC = ["e\u0301", "A\u030a", "\u0308", "\u1100\u1161", "ö", "a", " ", "’", "Ã©", "â€™", "&amp;", "ﬁ", "\x85"]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_NOT_NFC + _NFC_ALPHABET + _mojibake_alphabet()[:40]), max_size=12).map("".join))
@example("Cafe\u0301 au lait")
@example("Cafe\u0301 Ã©")
@example("e\u0301 &amp;")
def test_a_line_normalised_without_ftfy_is_what_ftfy_makes_of_it(line):
    import ftfy

    rule = unicode_repair.UnicodeRepair()
    if rule._may_change(line):
        assert rule._fixed(line, None) == ftfy.fix_text(line, rule._config)
    if rule._may_change.only_normalisation(line):
        assert not unicodedata.is_normalized("NFC", line)


def test_unicode_repair_with_a_lone_surrogate_in_the_batch():
    rule = unicode_repair.UnicodeRepair()
    texts = ["The bank didnâ€™t move.", "bad \ud800 text"]
    assert rule._may_change.unusual_many(texts) == [None, None]
    contexts = [base.CleaningContext() for _ in texts]
    edits = rule.propose_many(texts, contexts)
    assert edits == [rule.propose(text, ctx) for text, ctx in zip(texts, contexts)]
    assert [e.replacement for e in edits[0]] == ["’"]
    # In one text, the lines are scanned one by one as they are tested (ftfy replaces the surrogate).
    text = "The bank didnâ€™t move.\nbad \ud800 text\n\nIt didnâ€™t."
    assert [e.replacement for e in rule.propose(text, base.CleaningContext())] == ["’", "\ufffd", "’"]


# --- The cyclic garbage collector, paused while cleaning -----------------------------------------


def test_cleaning_leaves_the_garbage_collector_as_it_found_it():
    import gc

    from corpus_helpers import clean_text

    from corpus.runtime import without_cyclic_gc

    assert gc.isenabled()
    assert clean_text("Title\n\nA paragraph.").text == "Title\n\nA paragraph."
    assert gc.isenabled()
    gc.disable()
    try:
        clean_text("Title\n\nA paragraph.")
        assert not gc.isenabled()
    finally:
        gc.enable()
    try:
        with without_cyclic_gc():
            assert not gc.isenabled()
            raise RuntimeError("a rule failed")
    except RuntimeError:
        pass
    assert gc.isenabled()


def test_cleaning_makes_no_reference_cycles():
    import gc

    from corpus_helpers import clean_text

    gc.collect()
    gc.disable()
    try:
        for _ in range(20):
            clean_text(
                "Share this article\nTitle\nBy Ann Lee\n\nThe bank didnâ€™t move.  It said“no”.\r\n"
                "We use cookies.\nThe minister spoke oninternational television about the"
            )
        assert gc.collect() == 0
    finally:
        gc.enable()


def _paragraph_break_edits_by_definition(text: str) -> list:
    """ParagraphBreaks' edits as defined: every run of line breaks becomes one blank line, none at the ends."""
    edits = []
    for m in re.finditer(r"\n+", text):
        s, e = m.span()
        if s == 0 or e == len(text):
            edits.append(Edit(s, e, ""))
        elif e - s != 2:
            edits.append(Edit(s, e, "\n\n"))
    return edits


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(["Home", "News", "The minister spoke.", " ", "\n", "\n", "\n\n", "\n\n\n"]), max_size=40)
)
@example(["\n", "Home", "\n", "News", "\n", "Sport", "\n\n", "The minister spoke.", "\n"])
def test_paragraph_breaks_of_page_text_are_the_definitions(pieces):
    # Whole-page text: a single break after every menu item, each one an edit.
    text = "".join(pieces)
    edits = ParagraphBreaks().propose(text, base.CleaningContext())
    assert edits == _paragraph_break_edits_by_definition(text)
    assert all(type(edit) is Edit for edit in edits)


# --- Unicode repair's alignment: difflib's, found with str.find ------------------------------------

_ALIGNED = st.text(alphabet=st.sampled_from(list("ab ’é\nÃ©â€")), max_size=40)


@settings(max_examples=3000, deadline=None)
@given(_ALIGNED, _ALIGNED)
@example(" abcd", "abcd abcd")  # difflib's own example: the earliest block in a, then in b
@example("aaa", "aaaa")
def test_the_matching_blocks_are_difflibs(a, b):
    from difflib import SequenceMatcher

    expected = [tuple(m) for m in SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()]
    assert unicode_repair._matching_blocks(a, b) == expected


def _difflib_edits(old: str, new: str, offset: int) -> list[Edit]:
    """The repair's edits as first written: difflib's opcodes between what the common start and end leave."""
    import os
    from difflib import SequenceMatcher

    head = len(os.path.commonprefix([old, new]))
    tail = len(os.path.commonprefix([old[head:][::-1], new[head:][::-1]]))
    old_mid, new_mid = old[head : len(old) - tail], new[head : len(new) - tail]
    matcher = SequenceMatcher(None, old_mid, new_mid, autojunk=False)
    return [
        Edit(offset + head + i1, offset + head + i2, new_mid[j1:j2])
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["Ã©", "â€™", "Ã¼", "word ", "mot ", "\n", "&amp;", "é", "’", " "]), max_size=30))
@example(["Ã©", "é"])
def test_a_repair_edits_the_lines_difflib_says(pieces):
    """Given lines with mojibake here and there, the repair's edits are difflib's on every line
    ftfy changes, though only lines with an unusual character or an "&" are read."""
    import ftfy

    text = "".join(pieces)
    rule = unicode_repair.UnicodeRepair()
    expected = []
    for start, end in base._lines(text):
        line = text[start:end]
        fixed = ftfy.fix_text(line, rule._config)
        if fixed != line:
            expected += _difflib_edits(line, fixed, start)
    assert rule.propose(text, base.CleaningContext()) == expected
    engine = EditEngine(text)
    engine.apply("unicode_repair", expected)
    assert engine.text == "\n".join(ftfy.fix_text(line, rule._config) for line in text.split("\n"))


# --- Quote spacing ------------------------------------------------------------------------------


def _quotes_before_by_definition(text: str, i: int, family: str) -> list[str]:
    start = text.rfind("\n", 0, i) + 1
    return [c for c in text[start:i] if c in family]


def _opens_by_definition(text: str, i: int) -> bool:
    quote = text[i]
    before = _quotes_before_by_definition(text, i, "«»" if quote == "»" else "“”„")
    if quote == "»":
        return len(before) % 2 == 0
    end = text.find("\n", i)
    after = text[i + 1 : end if end >= 0 else len(text)]
    return len(before) % 2 == 0 and not any(c in "“„" for c in before) and "”" in after and "“" not in after


def _closes_by_definition(text: str, i: int) -> bool:
    quote = text[i]
    before = _quotes_before_by_definition(text, i, "«»" if quote == "«" else "“”„")
    if quote == "«":
        return len(before) % 2 == 1 and before[-1] == "»"
    return bool(before) and before[-1] == "„"


@settings(max_examples=1000, deadline=None)
@given(
    st.lists(st.sampled_from(["“", "”", "„", "«", "»", "’", "a", "word", " ", "\n", "\n\n"]), max_size=20).map("".join)
)
@example("sagte er „etwas“ und „mehr“, dann ”så” sa han »Wort« und «x»")
def test_a_quote_is_judged_by_the_quotes_before_it_as_defined(text):
    from corpus.rules import quote_spacing

    for i, char in enumerate(text):
        if char in "”»":
            assert quote_spacing._opens(text, i) == _opens_by_definition(text, i), (text, i)
        if char in "“«":
            assert quote_spacing._closes(text, i) == _closes_by_definition(text, i), (text, i)
