"""The residue model's page gate: a long article under a long menu of one-word lines is a page.

Made-up text of the shape real pages have (avclub, thedailybeast, a club's site on the development
pages): most lines are menu items, but the article's paragraphs hold nearly all the words.
"""

import numpy as np
from test_residue import ARTICLE, MENU

from corpus.rules.base import CleaningContext
from corpus.rules.residue_model import ResidueModelRule

SECTIONS = ["Politics", "Science", "Health", "Travel", "Books", "Music", "Film", "Television", "Podcasts", "Video"]
SECTIONS += ["Newsletters", "Events", "Jobs", "Archive"]
FOOT = ["About Us", "Contact", "Privacy Policy", "Terms of Use"]
HEADLINE = "Harbour strike leaves ships waiting at anchor"


def long_article_under_a_long_menu() -> list[str]:
    return MENU + SECTIONS + [HEADLINE] + [p + " " + p for p in ARTICLE] * 3 + FOOT


def removed(text: str, rule: ResidueModelRule) -> list[str]:
    return [text[start:end] for start, end, *_ in rule.propose(text, CleaningContext())]


def test_a_page_whose_menu_lines_hold_few_of_its_words_loses_its_menu():
    lines = long_article_under_a_long_menu()
    text = "\n".join(lines)
    rule = ResidueModelRule()
    # The shape: most lines score as residue, but they hold under a tenth of the words.
    words = np.array([line.count(" ") + 1 for line in lines])
    residue = rule.model.probabilities(lines) < rule.threshold
    assert residue.mean() >= rule.page_line_share and words[residue].sum() < rule.page_word_share * words.sum()
    gone = "\n".join(removed(text, rule))
    for item in ("Home", "Weather", "Newsletters", "Privacy Policy"):
        assert item in gone
    kept = text
    for piece in removed(text, rule):
        kept = kept.replace(piece, "")
    for paragraph in ARTICLE:
        assert paragraph in kept
    assert HEADLINE in kept


def test_without_the_line_share_the_same_page_keeps_its_menu_as_before():
    text = "\n".join(long_article_under_a_long_menu())
    assert removed(text, ResidueModelRule(page_line_share=1.01)) == []


def test_an_article_with_a_few_short_lines_is_still_no_page():
    lines = [ARTICLE[0], "Why now?", ARTICLE[1], "What next?", ARTICLE[2], ARTICLE[3], "Tell us.", ARTICLE[4]]
    text = "\n".join(lines)
    assert removed(text, ResidueModelRule()) == []


def test_short_wire_stories_keep_their_byline_and_date():
    # Two short lines of three pass the line share on their count alone: a short story's byline and
    # date must still stay (the model does not score them as residue), only a share line goes.
    paragraph = " ".join(ARTICLE[:2])
    cases = [
        ([HEADLINE, "By Jane Doe, Reuters", paragraph], []),
        ([HEADLINE, "By Jane Doe", "March 3, 2024", paragraph], []),
        (["By Jane Doe", paragraph, "Share this article"], ["\nShare this article"]),
    ]
    for lines, expected in cases:
        text = "\n".join(lines)
        assert removed(text, ResidueModelRule()) == expected
        assert removed(text, ResidueModelRule(page_line_share=1.01)) == expected
