"""Which first line is a title: a short one; an article that starts with its body has none.

Given an article that arrives on one line (machine translation and many feeds deliver them so),
when it is cleaned, its text is all body: no title block, and its title is the one its source
gave (a page's metadata, a JSONL title field) or empty, never the whole article.
"""

import json

import pytest
from corpus_helpers import clean_text

from corpus.ingest import ingest
from corpus.store import CorpusStore
from corpus.structure import TITLE_MAX_CHARS, is_title
from corpus.workspace import Workspace
from validation.schemas import documents_schema
from validation.tables import documents_frame

# Written for this test in the shape of machine-translated news: title, byline and body run together.
ONE_LINE = (
    "Council to meet on Sundays? Town trials weekend sessions to draw younger residents: Valley Courier "
    "online edition The town council of Elmstead is trying out several unusual reforms, including "
    'weekend sessions and flyers styled like television listings. "We want people who work during '
    'the week to be able to watch," the council chair said on Tuesday. The first Sunday session is '
    "planned for next month, and the council will review attendance after three meetings. Residents "
    "who spoke to the Courier were divided. Some welcomed the change, while others said the "
    "council should publish its documents online first."
)


def kinds(doc) -> list[str]:
    return [b.kind for b in doc.blocks]


def test_an_article_on_one_line_has_no_title_block():
    doc = clean_text(ONE_LINE)
    assert kinds(doc) == ["paragraph"] and doc.title == ""
    assert doc.blocks[0].end - doc.blocks[0].start == len(doc.text)


def test_a_first_paragraph_that_is_body_is_no_title():
    body_first = ONE_LINE.replace(" Residents who", "\n\nResidents who")
    assert kinds(clean_text(body_first)) == ["paragraph", "paragraph"]
    short_body = (
        "The council voted on Tuesday to hold its meetings on Sundays. The change starts next month.\n\n"
        "Residents were divided."
    )
    assert kinds(clean_text(short_body))[0] == "paragraph"


def test_a_short_headline_is_still_the_title():
    doc = clean_text("Council to meet on Sundays\n\nA standfirst of a few words.\n\n" + ONE_LINE)
    assert kinds(doc) == ["title", "standfirst", "paragraph"] and doc.title == "Council to meet on Sundays"


@pytest.mark.parametrize(
    "line",
    [
        "Oops! Gunplay didn't disrupt the convention",
        "Superdelegates? Parties have too many, or too few.",
        "Old hands help Russia navigate U.S. media.",
        "Gov. Smith hears of the plan, launches a warning to St. Paul",
        "Republicans Finally Confirm A Judge In Calif. After A Year",
        "Trump vs. Clinton: the second debate",
        "Ministers agree the budget, unions call a strike for 5 May.",
        "東京で地震、交通に乱れ",
        "ताज़ा ख़बर: संसद का सत्र शुरू",
    ],
)
def test_headlines_read_as_titles(line):
    assert is_title(line)


@pytest.mark.parametrize(
    "line",
    [
        "The council met on Tuesday. It voted to hold meetings on Sundays.",
        "Prices rose 3 percent in 2014. Analysts expect a slower year.",
        "东京发生地震。交通受到影响。",
        "संसद का सत्र शुरू हुआ। मंत्री ने बजट पेश किया।",
        " ".join(["word"] * 26),
        "x" * (TITLE_MAX_CHARS + 1),
    ],
)
def test_several_sentences_or_a_long_line_do_not(line):
    assert not is_title(line)


def test_a_jsonl_article_on_one_line_takes_the_title_from_its_title_field(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    feed = tmp_path / "feed.jsonl"
    long_title = "Elmstead council trials weekend sessions: " + "a title as long as some feeds make them " * 5
    lines = [
        {"title": "Elmstead tries weekend council meetings", "text": ONE_LINE, "url": "https://example.org/a"},
        {"title": long_title.strip(), "text": ONE_LINE + " Second copy.", "url": "https://example.org/b"},
        # the title already opens the one line: the line is still the body
        {"title": "Council to meet on Sundays?", "text": ONE_LINE + " Third copy.", "url": "https://example.org/c"},
        {"text": ONE_LINE + " No title.", "url": "https://example.org/d"},
    ]
    feed.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    assert ingest(ws, [feed]).ok
    docs = {d.source: d for d in CorpusStore(ws).iter_documents()}

    titled = docs["https://example.org/a"]
    assert kinds(titled) == ["title", "paragraph"] and titled.title == "Elmstead tries weekend council meetings"
    assert titled.text[titled.blocks[0].start : titled.blocks[0].end] == titled.title
    long = docs["https://example.org/b"]  # longer than a title may be, but the feed says it is one
    assert kinds(long)[0] == "title" and long.title == long_title.strip() and len(long.title) > TITLE_MAX_CHARS
    opening = docs["https://example.org/c"]
    assert kinds(opening) == ["paragraph"] and opening.title == "Council to meet on Sundays?"
    untitled = docs["https://example.org/d"]
    assert kinds(untitled) == ["paragraph"] and untitled.title == ""
    # An empty title is a document's honest answer, not a schema error that would block a release.
    documents_schema().validate(documents_frame(list(docs.values())))
