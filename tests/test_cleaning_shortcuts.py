"""The cleaning rules' shortcuts: each one gives exactly what the plain way gives.

Given a text that could trip a shortcut (a cookie banner spelt with 'İ', 'ı' or the Kelvin
sign, which Python's case-insensitive matching counts as letters of "cookie"), when it is
cleaned, the rule proposes the same edits as without the shortcut.
"""

import re
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from corpus import rules as R

# Lines the cookie banner pattern matches only through re's case folding.
LOOKALIKE_BANNERS = ["We use coo\u212aies to improve your experience.",  # Kelvin sign for k
                     "WE USE COOK\u0130ES. Accept all to continue",  # dotted capital I
                     "Accept all cook\u0131es",  # dotless i
                     "Coo\u212a\u0130e settings"]


def _residue_edits(text: str, scanners=None) -> list:
    """ResidueLines' edits, with the cookie pre-check (``scanners`` None) or a fixed scanner set."""
    if scanners is None:
        return R.ResidueLines().propose(text, R.CleaningContext())
    original = R._may_mention_cookies
    R._may_mention_cookies = lambda text: scanners is R._ANYWHERE_SCANNERS
    try:
        return R.ResidueLines().propose(text, R.CleaningContext())
    finally:
        R._may_mention_cookies = original


def test_the_cookie_lookalikes_are_every_character_re_folds_onto_a_letter_of_cookie():
    everything = "".join(chr(c) for c in range(0x80, sys.maxunicode + 1))
    assert sorted(set(re.findall("(?i)[cokie]", everything))) == sorted(R._COOKIE_LOOKALIKES)


def test_a_cookie_banner_spelt_with_lookalikes_is_still_removed():
    for banner in LOOKALIKE_BANNERS:
        assert dict(R._ANYWHERE)["cookie_banner"].match(banner), banner  # the regex itself takes it
        text = f"Title\n\nFirst paragraph.\n\n{banner}\n\nLast paragraph."
        assert R._may_mention_cookies(text)
        assert _residue_edits(text) == _residue_edits(text, R._ANYWHERE_SCANNERS)
        assert _residue_edits(text) != _residue_edits(text, R._ANYWHERE_SCANNERS_NO_COOKIE)


def test_a_text_without_cookies_is_scanned_as_before():
    text = "Title\n\nBy Ann Lee\n\nShare this article\n\n“Quote” — said the minister.\n\nAdvertisement\n\nEnd."
    assert not R._may_mention_cookies(text)
    assert _residue_edits(text) == _residue_edits(text, R._ANYWHERE_SCANNERS)


_PIECES = st.sampled_from(["cookie", "COOKIE", "coo", "kie", "k", "i", "\u212a", "\u0130", "\u0131", "\u2019",
                           "\u201c", "é", " ", "\n", "\n\n", "we use ", "accept ", " settings", "x"])


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=30).map("".join))
def test_the_cookie_pre_check_never_misses_what_re_finds(text):
    if re.search("(?i)cookie", text):
        assert R._may_mention_cookies(text)
    assert _residue_edits(text) == _residue_edits(text, R._ANYWHERE_SCANNERS)


def _whitespace_by_definition(text: str) -> list:
    """WhitespaceNormalisation's edits as its pattern defines them: one per match."""
    edits = []
    for m in R._WS_EDITS.finditer(text):
        s, e = m.span()
        if m.lastgroup == "cr":
            edits.append(R.Edit(s, e, "\n"))
        elif m.lastgroup == "zw":
            edits.append(R.Edit(s, e, ""))
        elif s == 0 or e == len(text) or text[s - 1] in "\r\n" or text[e] in "\r\n":
            edits.append(R.Edit(s, e, ""))
        elif m.group() != " ":
            edits.append(R.Edit(s, e, " "))
    return edits


_SPACING = st.sampled_from([" ", " ", "  ", "\t", "\u00a0", "\u2003", "\u3000", "\u200b", "\ufeff", "\u00ad",
                            "\r", "\n", "\r\n", "\n\n", "a", "word", "“"])


@settings(max_examples=1000, deadline=None)
@given(st.lists(_SPACING, max_size=25).map("".join))
def test_whitespace_edits_are_the_patterns_matches(text):
    assert R.WhitespaceNormalisation().propose(text, R.CleaningContext()) == _whitespace_by_definition(text)


def test_whitespace_in_a_scraped_paragraph():
    text = " Title \r\n\r\nFirst\u00a0 line\u200b\u200bhere.\t\n  Second  line. \u3000"
    edits = R.WhitespaceNormalisation().propose(text, R.CleaningContext())
    assert edits == _whitespace_by_definition(text)
    assert [e.replacement for e in edits] == ["", "", "\n", "\n", " ", "", "", "", " ", ""]
