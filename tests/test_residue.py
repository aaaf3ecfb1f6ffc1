"""The residue model: whole-page text of the shape naive scrapers keep, cleaned to its article.

The texts are made up here (real pages stay in ../shared/data, see bench/quality.py), with the
shapes real residue has: menus of short lines, follow and share prompts, tweet embeds, reporter
contact lines, subscription prompts, image credits, a "Page not found" page.
"""

import json

import pytest
from corpus_helpers import SEED, clean_text

from corpus.cleaning import DEFAULT_RULES, CleaningPipeline
from corpus.rules.residue_model import FEATURES, ResidueModel, line_features

ARTICLE = [
    "Harbour workers in the northern port walked out on Tuesday after talks over pay and night shifts "
    "broke down, leaving more than forty container ships waiting at anchor outside the breakwater.",
    "The union said its members had been offered a rise of two per cent, well below the rate of "
    "inflation, and that the company had refused to discuss the rota that keeps crews on call for days.",
    "Port managers said they regretted the strike and hoped to return to the table within the week. "
    "Exporters of grain and timber warned that every day of delay would cost them customers abroad.",
    "Local shops near the docks said trade had already fallen, as lorry drivers who usually stop for "
    "lunch were turned away at the gates and told to park on the ring road until further notice.",
    "The last strike at the port, in 2019, lasted eleven days and ended with an agreement that both "
    "sides later said had left the question of night work unanswered.",
]

MENU = ["Home", "News", "World", "Business", "Sport", "Culture", "Opinion", "Weather", "Search", "Sign in"]
FOOTER = [
    "Follow us on Twitter & Instagram",
    "Subscribe to our newsletter for the latest headlines",
    "To contact the reporter on this story: Jane Doe in London at jdoe@example.com",
    "pic.twitter.com/AbC123xYz",
    "— Harbour News (@harbournews) March 3, 2024",
    "Photo: John Smith / Getty Images",
    "About Us",
    "Contact",
    "Privacy Policy",
    "Terms of Use",
    "© 2024 Harbour News. All rights reserved.",
]


def whole_page() -> str:
    return "\n".join(
        MENU
        + ["Harbour strike leaves ships waiting at anchor", "Loading weather data ...", "By Jane Doe", "March 3, 2024"]
        + ARTICLE
        + FOOTER
    )


@pytest.fixture(scope="module")
def page_doc():
    return clean_text(whole_page())


def test_article_paragraphs_survive_whole_page_text(page_doc):
    for paragraph in ARTICLE:
        assert paragraph in page_doc.text


def test_menus_footers_and_prompts_go(page_doc):
    kept = set(page_doc.text.split("\n"))
    for line in MENU + FOOTER:
        assert line not in kept, line
    # ... and each went by a rule named in the edit log
    removed = "".join(e.removed for e in page_doc.cleaning.edits if e.rule in ("residue_model", "residue_lines"))
    assert "Follow us on Twitter & Instagram" in removed and "pic.twitter.com/AbC123xYz" in removed
    assert any(e.rule == "residue_model" for e in page_doc.cleaning.edits)


def test_every_kept_span_maps_back_to_the_same_raw_text(page_doc):
    raw = whole_page()
    omap = page_doc.cleaning.offset_map
    for paragraph in ARTICLE:
        start = page_doc.text.index(paragraph)
        raw_start, raw_end = omap.clean_to_raw(start, start + len(paragraph))
        assert raw[raw_start:raw_end] == paragraph
    for block in page_doc.blocks:
        s, e = omap.clean_to_raw(block.start, block.end)
        assert raw[s:e] == page_doc.text[block.start : block.end]


def test_a_clean_short_article_keeps_every_paragraph():
    text = "\n\n".join(["Harbour strike leaves ships waiting at anchor"] + ARTICLE)
    doc = clean_text(text)
    assert doc.text == text
    assert not [e for e in doc.cleaning.edits if e.rule == "residue_model"]


def test_the_seed_article_keeps_every_paragraph():
    raw = SEED.read_text(encoding="utf-8")
    doc = clean_text(raw)
    paragraphs = [p for p in raw.split("\n") if p.strip() and p.strip() not in (".", "source site")]
    for paragraph in paragraphs:
        assert paragraph.strip()[:60] in doc.text
    assert not [e for e in doc.cleaning.edits if e.rule == "residue_model"]


def test_a_one_line_machine_translated_article_is_kept_whole():
    line = (
        "On the 3rd, the government announced that it will raise the minimum wage by 31 yen. "
        "According to the ministry, the increase is the largest ever, and companies said that "
        "they would respond by raising prices of some products, while the union welcomed it. "
        "The new wage will take effect from October in all prefectures of the country."
    )
    doc = clean_text(line)
    assert doc.text == line


def test_a_page_not_found_page_is_flagged_as_no_article():
    raw = "\n".join(
        MENU + ["Page not found", "Sorry, the page you are looking for does not exist.", "Go to the homepage"] + FOOTER
    )
    doc = clean_text(raw)
    assert doc.metadata["not_article"]
    (flag,) = [f for f in doc.flags if f.rule == "not_an_article"]
    assert (flag.start, flag.end) == (0, len(doc.text)) and "not look like an article" in flag.message


def test_a_login_wall_is_flagged_and_an_article_is_not():
    wall = "\n".join(
        MENU
        + [
            "Harbour strike leaves ships waiting at anchor",
            "Subscribe to continue reading this article.",
            "Already a subscriber? Log in",
        ]
    )
    assert [f.rule for f in clean_text(wall).flags if f.rule == "not_an_article"] == ["not_an_article"]
    article = "\n".join(MENU + ["Harbour strike leaves ships waiting at anchor"] + ARTICLE + FOOTER)
    assert not [f for f in clean_text(article).flags if f.rule == "not_an_article"]


def test_threshold_and_switch_in_the_options_and_the_version():
    default = CleaningPipeline(language="en")
    strict = CleaningPipeline(language="en", options={"residue_model": {"threshold": 0.9}})
    off = CleaningPipeline(rules=[r for r in DEFAULT_RULES if r != "residue_model"], language="en")
    assert len({default.version, strict.version, off.version}) == 3
    assert "residue_model" in DEFAULT_RULES
    text = whole_page()
    assert len(strict.clean(_article(text)).text) <= len(default.clean(_article(text)).text)
    assert "Home" in off.clean(_article(text)).text.split("\n")


def _article(text):
    from corpus.model import Article, document_id, sha256_hex

    data = text.encode()
    return Article(document_id(None, data), "test", text, sha256_hex(data), "utf-8", "txt")


def test_the_shipped_model_loads_offline_and_matches_its_features():
    model = ResidueModel.from_file()
    assert model.version.startswith("1-")
    rows = line_features(["Home", "A sentence that ends like one."], model.stopwords)
    assert rows.shape == (2, len(FEATURES))
    with pytest.raises(ValueError, match="retrain"):
        ResidueModel({"features": FEATURES[:-1]})


def test_ingested_txt_and_jsonl_are_cleaned_and_docs_show_raw_names_the_rule(tmp_path):
    from typer.testing import CliRunner

    from newsdesk.cli import app

    runner = CliRunner()
    ws, inputs = tmp_path / "ws", tmp_path / "in"
    inputs.mkdir()
    (inputs / "page.txt").write_text(whole_page(), encoding="utf-8")
    (inputs / "feed.jsonl").write_text(
        json.dumps({"title": "Harbour strike", "url": "https://example.org/a", "text": "\n".join(ARTICLE + FOOTER[:4])})
        + "\n",
        encoding="utf-8",
    )
    assert runner.invoke(app, ["init", str(ws)]).exit_code == 0
    assert runner.invoke(app, ["ingest", str(inputs), "--workspace", str(ws)]).exit_code == 0
    listed = json.loads(runner.invoke(app, ["docs", "list", "-w", str(ws), "--json"]).stdout)
    assert len(listed) == 2
    for entry in listed:
        rec = json.loads(runner.invoke(app, ["docs", "show", entry["id"], "-w", str(ws), "--json"]).stdout)
        assert all(paragraph in rec["text"] for paragraph in ARTICLE)
        assert "Follow us on Twitter & Instagram" not in rec["text"]
        shown = runner.invoke(app, ["docs", "show", entry["id"], "-w", str(ws), "--raw"]).stdout
        assert "residue_model" in shown and "Follow us on Twitter" in shown


def test_text_extracted_from_html_loses_only_lines_the_model_is_sure_of():
    from corpus.rules import CleaningContext
    from corpus.rules.residue_model import ResidueModelRule

    text = "\n".join(
        ["Harbour strike leaves ships waiting at anchor", *ARTICLE, "Opinion", "Follow us on Twitter & Instagram"]
    )
    # the page gate open: the article's paragraphs are its body, not counted as the model's residue
    rule = ResidueModelRule(threshold=0.99, html_threshold=0.0, page_share=0.0, page_word_share=0.0)
    removed_txt = "".join(text[e.start : e.end] for e in rule.propose(text, CleaningContext(format="txt")))
    removed_html = "".join(text[e.start : e.end] for e in rule.propose(text, CleaningContext(format="html")))
    assert "Opinion" in removed_txt and "Opinion" not in removed_html
    assert "Follow us on Twitter" in removed_html  # a known residue shape goes whatever the score


def test_an_article_keeps_its_short_paragraphs_only_known_residue_goes():
    # An article, not a page: the model's guesses about short lines are not acted on (they were
    # article sentences with annotations on them); a known residue shape still goes.
    paragraphs = [
        "Senators returned to the capital on Monday to a budget that neither party likes and both "
        "say they must pass before the end of the month, when the government runs out of money.",
        "It shouldn't take long.",
        "The leader of the majority said a vote could come as early as Thursday, though several members "
        "of his own party have said they will not support a bill that cuts spending on roads.",
        "Pure politics.",
        "Read it all here.",
        "Critics said the plan left the hardest choices to next year, and that the deficit would grow.",
        "Follow Jane Doe on Twitter @janedoe.",
    ]
    doc = clean_text("\n\n".join(paragraphs))
    for paragraph in paragraphs[:-1]:
        assert paragraph in doc.text
    assert "@janedoe" not in doc.text


LIVE_BLOG_UPDATES = [
    (
        "The count in the eastern district has finished, and the independent candidate leads by a little "
        "over two hundred votes.",
        "Officials said a recount would be automatic under the state's rules if the margin stays this narrow.",
        "Polls closed.",
    ),
    (
        "Turnout in the river towns was higher than at any election since the bridge was closed four years ago.",
        "Volunteers drove older voters to the polling stations in the school buses the district lent them.",
        "More soon.",
    ),
    (
        "The mayor conceded shortly after midnight, thanking her staff and saying the city had chosen change.",
        "She said she would help the new council with the budget it must pass before the end of March.",
        "That's all.",
    ),
]


def live_blog() -> str:
    lines = ["The latest: the count in the eastern district"]
    for k, (first, second, short) in enumerate(LIVE_BLOG_UPDATES):
        lines += [f"11:{50 - 10 * k} p.m.", first, second, short, "___."]
    return "\n\n".join(lines)


def test_a_live_blog_keeps_every_paragraph_even_read_as_a_page():
    # Updates between time stamps and rules pass the page gate on real live blogs, and the model
    # scores their paragraphs near 0.5: sentences of a block that holds a good share of the text's
    # sentences are its body, never taken. The gate is forced open here to test just that.
    from corpus.rules import CleaningContext
    from corpus.rules.residue_model import ResidueModelRule

    text = live_blog()
    forced = ResidueModelRule(page_share=0.0, page_word_share=0.0, threshold=1.01)  # every line scored residue
    removed = "".join(text[e.start : e.end] for e in forced.propose(text, CleaningContext()))
    for update in LIVE_BLOG_UPDATES:
        for paragraph in update[:2]:
            assert paragraph not in removed
    assert "11:50 p.m." in removed  # the time stamps and short lines around the body are still scored
    doc = clean_text(text)  # and with the default options, nothing of the blog's updates goes
    for update in LIVE_BLOG_UPDATES:
        for paragraph in update[:2]:
            assert paragraph in doc.text


def test_body_sentences_are_the_densest_block_and_blocks_with_a_large_share():
    from corpus.rules.residue_model import body_sentences

    teaser = "A teaser for another story that ends like a sentence does."
    lines = ["Home", "News", teaser, "Sport", "Weather", "Opinion", "Culture", *ARTICLE, "About Us", "Contact"]
    words = [line.count(" ") + 1 for line in lines]
    body = body_sentences(lines, words).tolist()
    assert body[7:12] == [True] * 5  # the article's paragraphs
    assert not body[2]  # a sentence far from the body, with a small share of the sentences
    assert not any(body[:2] + body[3:7] + body[12:])
    assert body_sentences(lines, words, min_share=0.0)[2]  # ...which a share of 0 would protect too


def test_line_features_say_where_the_densest_block_is():
    lines = ["Home", "News", *ARTICLE, "Related", "Another story that ends like a sentence does here."]
    features = line_features(lines, frozenset())
    column = {name: features[:, k] for k, name in enumerate(FEATURES)}
    assert column["in_densest_block"].tolist() == [0, 0, 1, 1, 1, 1, 1, 0, 0]
    assert column["before_densest_block"][:2].tolist() == [1, 1] and column["after_densest_block"][-1] == 1
    assert column["dist_densest_block"][0] > column["dist_densest_block"][1] > 0


TWEET = (
    '<tweet author="@harbourunion" datetime="2024-03-03">We will not go back to work until the night rota is '
    "on the table. pic.twitter.com/Xy12AbCdEf</tweet>."
)


def test_an_article_quoting_a_tweet_keeps_it_and_a_lone_tweet_link_goes():
    # The tweet's words are quoted speech (annotated in real corpora); the link or the attribution
    # alone on a line is what an embed leaves behind.
    paragraphs = [
        ARTICLE[0],
        TWEET,
        ARTICLE[1],
        "pic.twitter.com/AbC123xYz",
        "— Harbour News (@harbournews) March 3, 2024",
    ]
    doc = clean_text("\n\n".join(paragraphs + ARTICLE[2:]))
    assert "We will not go back to work until the night rota is on the table." in doc.text
    assert "pic.twitter.com/AbC123xYz" not in doc.text and "(@harbournews)" not in doc.text
    for paragraph in ARTICLE:
        assert paragraph in doc.text


def test_a_page_loses_its_tweet_embeds_with_their_words():
    doc = clean_text("\n".join([*MENU, *ARTICLE, TWEET, *FOOTER]))
    assert "night rota" not in doc.text
    for paragraph in ARTICLE:
        assert paragraph in doc.text


COMMENTS = [
    "12 Comments",
    "Sign in to comment",
    "harbourwatcher",
    "March 3, 2024 at 9:14 am",
    "Typical. The union always does this in winter when the ships cannot wait, and we all pay for it in the shops.",
    "Reply",
    "dockside_dan",
    "March 3, 2024 at 10:02 am",
    "My father worked the night shifts for thirty years and nobody ever asked him what he thought of the rota.",
    "Reply",
]


def test_a_comment_section_after_the_article_goes():
    doc = clean_text("\n".join([*MENU, "Harbour strike leaves ships waiting at anchor", *ARTICLE, *COMMENTS, *FOOTER]))
    for paragraph in ARTICLE:
        assert paragraph in doc.text
    for line in COMMENTS:
        assert line not in doc.text, line


def test_the_comments_option_keeps_what_the_model_alone_would_keep():
    # A comment as long as a paragraph (60 words and more): the model alone never takes it.
    long_comment = " ".join([COMMENTS[4]] * 3)
    comments = [long_comment if line == COMMENTS[4] else line for line in COMMENTS]
    raw = "\n".join([*MENU, "Harbour strike leaves ships waiting at anchor", *ARTICLE, *comments, *FOOTER])
    kept = clean_text(raw, rules=["residue_model"], options={"residue_model": {"comments": False}})
    assert long_comment in kept.text
    assert not any(line in clean_text(raw, rules=["residue_model"]).text for line in comments)


def test_line_features_see_paragraphs_outside_the_body_repeats_and_comment_cues():
    short_comment = "Typical. The union always does this in winter, as usual."  # under a tenth of the sentences
    lines = ["Home", "News", *ARTICLE, "12 Comments", "harbourwatcher", "March 3, 2024 at 9:14 am", short_comment]
    lines += ["Reply", "Home"]
    features = line_features(lines, frozenset())
    column = {name: features[:, k] for k, name in enumerate(FEATURES)}
    comment, paragraph = lines.index(short_comment), 2
    assert column["words_after_densest"][comment] > 0 and column["words_after_densest"][paragraph] == 0
    assert column["words_outside_densest"][comment] > 0 and column["words_outside_densest"][paragraph] == 0
    assert column["minor_block_sentence"][comment] == 1 and column["minor_block_sentence"][paragraph] == 0
    assert column["repeated_in_text"].tolist() == [1] + [0] * 11 + [1]
    assert column["window_furniture"][comment] > column["window_furniture"][paragraph]
    assert column["window_date"][comment] > column["window_date"][paragraph] == 0


def test_a_comments_link_above_the_article_takes_nothing():
    # "12 Comments" beside the byline is a link, not the start of the comment section: only a
    # heading after the article's last paragraph starts it.
    doc = clean_text(
        "\n".join([*MENU, "Harbour strike leaves ships waiting at anchor", "12 Comments", *ARTICLE, *FOOTER])
    )
    for paragraph in ARTICLE:
        assert paragraph in doc.text


def test_a_batch_of_texts_is_cleaned_as_each_text_alone():
    # The engine hands the rule its batch (propose_many): pages scored together, each as on its own.
    from corpus.rules.base import CleaningContext
    from corpus.rules.residue_model import ResidueModelRule

    rule = ResidueModelRule()
    article = "\n\n".join(ARTICLE)
    texts = [
        whole_page(),
        article,
        "",
        "\n\n",
        "Page not found\nHome\nSearch",
        whole_page().replace("Home\n", "Follow Jane Doe on Twitter @janedoe.\n"),
        article + "\n12 Comments\nAnn: so true.\nReply",
        "\n".join(MENU + FOOTER),
    ]
    formats = ["txt", "html", "txt", "txt", "txt", "html", "txt", "txt"]
    alone = []
    for text, format in zip(texts, formats):
        ctx = CleaningContext(format=format)
        alone.append((rule.propose(text, ctx), ctx.metadata))
    contexts = [CleaningContext(format=format) for format in formats]
    together = rule.propose_many(texts, contexts)
    assert [(edits, ctx.metadata) for edits, ctx in zip(together, contexts)] == alone
    assert alone[0][0] and not alone[1][0] and alone[4][1]  # a page loses lines, an article none; a 404 is flagged
