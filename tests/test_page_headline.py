"""A whole page's headline becomes the document's title (corpus/rules/page_headline.py).

The residue model learned from extracted article text, which leaves the headline out, so it takes
a page's headline with the menus and bylines around it; the title then came from whatever short
line survived. Made-up pages of the shape real ones have (test_residue.py's).
"""

from dataclasses import replace

import numpy as np
from corpus_helpers import clean_text
from test_residue import ARTICLE, FOOTER, MENU, whole_page

from corpus.rules.base import CleaningContext
from corpus.rules.page_headline import PageTitle, page_title
from corpus.rules.residue_model import ResidueModelRule

HEADLINE = "Harbour strike leaves ships waiting at anchor"
STOP = frozenset({"the", "and", "after", "with", "that", "this", "from", "over", "were"})


def title_of(lines: list[str], residue) -> PageTitle:
    words = np.array([line.count(" ") + 1 for line in lines])
    return page_title(lines, words, list(residue), STOP)


def headline_of(lines: list[str], residue) -> str | None:
    return title_of(lines, residue).headline


def test_a_whole_page_has_its_headline_as_title():
    doc = clean_text(whole_page())
    assert doc.title == HEADLINE
    assert doc.metadata["headline"] == HEADLINE
    for paragraph in ARTICLE:  # the text is what the model left
        assert paragraph in doc.text


def test_a_teaser_of_another_story_and_the_byline_are_not_the_headline():
    teaser = "Council votes to close the central library on Sundays"
    lines = MENU + [teaser, HEADLINE, "By Harbour Desk Reporter Jane", "12.03.24 | 10:41"] + ARTICLE + FOOTER
    residue = range(len(MENU) + 4)  # every line above the article goes, as on a page
    assert headline_of(lines, residue) == HEADLINE
    # the nearest of two equally good lines: a repeated headline in a breadcrumb trail is the same text
    assert headline_of(MENU + [HEADLINE, HEADLINE] + ARTICLE, range(len(MENU) + 2)) == HEADLINE


def test_no_headline_when_no_line_above_shares_the_articles_words():
    lines = MENU + ["Council votes to close the central library on Sundays"] + ARTICLE
    assert headline_of(lines, range(len(MENU) + 1)) is None
    assert headline_of(ARTICLE, []) is None  # the article starts at the first line: nothing above
    assert title_of(ARTICLE, range(len(ARTICLE))) == (None, False)  # nothing kept: nothing to title


def test_the_option_turns_it_off_and_an_article_gets_no_headline():
    ctx = CleaningContext()
    ResidueModelRule(headline=False).propose(whole_page(), ctx)
    assert "headline" not in ctx.metadata
    off = clean_text(whole_page(), options={"residue_model": {"headline": False}})
    assert off.title == "" and "headline" not in off.metadata  # the headline went with the menu
    ctx = CleaningContext()
    ResidueModelRule().propose(whole_page(), ctx)
    assert ctx.metadata["headline"] == HEADLINE
    article = clean_text("\n".join([HEADLINE] + ARTICLE))  # not a page: its first line is its title
    assert article.title == HEADLINE and "headline" not in article.metadata


def test_the_sources_own_title_comes_first():
    from corpus.cleaning import CleaningPipeline
    from corpus.model import Article, document_id, sha256_hex

    raw = whole_page()
    data = raw.encode("utf-8")
    article = Article(document_id(None, data), "feed.jsonl", raw, sha256_hex(data), "utf-8", "jsonl")
    doc = CleaningPipeline(language="en").clean(replace(article, title="Ships wait as harbour strike goes on"))
    assert doc.title == "Ships wait as harbour strike goes on"
    assert doc.metadata["headline"] == HEADLINE  # found, and the source's title still came first


def test_a_page_without_a_headline_gets_no_title_from_its_furniture():
    # No line above the article shares its words; the first line the model kept is not a title.
    teaser = "Council votes to close the central library on Sundays"
    for first in ("The Daily Courier", "Skip to main content", "Home » News » Harbour"):
        lines = [first] + MENU + [teaser] + ARTICLE
        assert title_of(lines, range(1, len(MENU) + 2)) == (None, False), first
    # A first line that could be a headline and shares a word with the article may stay the title.
    kept = "Harbour opinion column"  # one word in common: too few for a headline
    assert title_of([kept] + MENU + [teaser] + ARTICLE, range(1, len(MENU) + 2)) == (None, True)
    # Through the pipeline: a page without its headline, whose first kept line is a widget's (as on al.com).
    widget = "Your weather is set to . You can change the location at any time."
    doc = clean_text("\n".join(MENU + [widget, "By Jane Doe", "March 3, 2024"] + ARTICLE + FOOTER))
    assert doc.text.startswith(widget)  # the text is what the model left (revision 16 took it as the title)...
    assert doc.title == "" and "headline" not in doc.metadata  # ...but its furniture is no title
    with_headline = clean_text(whole_page())
    assert with_headline.title == HEADLINE  # a found headline is the title as before
