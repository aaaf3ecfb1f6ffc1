"""Each cleaning rule on the residue it exists for, and on text it must leave alone."""

import pytest
from corpus_helpers import clean_text

from corpus.cleaning import DEFAULT_RULES, FLAGGING_RULES, CleaningPipeline
from corpus.dates import parse_date

ARTICLE = """Share this article
Port strike ends after pay deal

By Maria Jansen, Reuters
Published 14 March 2023 09:12

Dockworkers returned to work on Tuesday.  The deal raises wages by 7.5 percent.

Advertisement

“This is fair,”said the union. Employers called it “expensive”but necessary.

Read more: How Europe's ports are coping

Share on Facebook  Twitter  WhatsApp
We use cookies to improve your experience. By continuing you accept our cookie policy.
Sign up for our daily newsletter
© 2023 Harbour Daily. All rights reserved.
"""


def test_share_cookie_newsletter_read_more_and_footer_lines_are_removed():
    doc = clean_text(ARTICLE)
    for residue in (
        "Share this article",
        "Advertisement",
        "Read more",
        "Share on Facebook",
        "cookies",
        "newsletter",
        "© 2023",
    ):
        assert residue not in doc.text, residue
    assert doc.title == "Port strike ends after pay deal"
    assert doc.text.endswith("“expensive” but necessary.")


def test_byline_and_date_line_become_metadata():
    doc = clean_text(ARTICLE)
    assert "Maria Jansen" not in doc.text and "Published" not in doc.text
    assert doc.metadata["byline"].startswith("Maria Jansen")
    assert doc.published == "2023-03-14"


def test_whitespace_is_normalised_and_paragraphs_separated_by_one_blank_line():
    doc = clean_text("Title\r\n\r\n\r\nFirst  line\u00a0here. \nSecond\u200b line.\t\n")
    assert doc.text == "Title\n\nFirst line here.\n\nSecond line."


def test_quote_spacing_after_closing_and_before_opening_quotes_only():
    doc = clean_text("Title\n\nHe said“we will go”and left. It’s the people’s choice, “ok”.")
    assert doc.text.endswith("He said “we will go” and left. It’s the people’s choice, “ok”.")


@pytest.mark.parametrize(
    "style",
    [
        "Das „schwarze Schaf“ der Familie",  # German: “ closes „
        "Er sagte »Wort« und »noch« mehr",  # German and Danish: » opens, « closes
        "Han sa ”ja” och gick",  # Swedish: ” opens and closes
        "第五届“沧州好人”提名奖获得者",  # Chinese: no spaces
        "ein 10,25“-Touchscreen",  # an inch mark
        "ماسا لـ«الصباح»",  # Arabic: a prefix joined to its quote
        "sagte er „etwas\n\nanderes“, sagte sie",  # a German quote closed in the next paragraph
        "dice ese comunicado”. ”Haré todo",  # a quote after a space opens
        "Die „Tagesschau“-Redaktion und „Ja“, sagte er. „Das ist ‚gut‘“, sagte sie",  # German, nested
        "Řekl „ano“ a odešel, „ne“ řekla",  # Czech: „ opens, “ closes
        "Powiedział: „To jest dobre”. I dodał „nie wiem” wczoraj",  # Polish and Hungarian: „ ... ”
        "Il a dit « oui » et «non» puis « peut-être »",  # French, with and without spaces
        "»Komm«, sagte er, »jetzt« und »gleich«",  # German guillemets pointing inwards
        "Hän sanoi ”kyllä” ja ”ei” lähti",  # Finnish and Swedish: ” on both sides
        "「こんにちは」と言った『本』",  # Japanese corner brackets
        "Он сказал «да» и „нет“ потом",  # Russian, both levels
        "no “if”s, “and”s, or “but”s",  # a quoted word's plural
        "[<a href=”https://example.org”>link</a>]",  # markup: a quote after "=" delimits an attribute
    ],
)
def test_quote_spacing_leaves_other_languages_quotes_as_they_are(style):
    assert clean_text(f"Title\n\n{style}.").text.endswith(f"{style}.")


def test_quote_spacing_judges_a_quote_by_the_quotes_before_it_in_its_paragraph():
    doc = clean_text("Title\n\nIl a dit «oui»et puis«non» ici. Han sa ”ja”och gick.\n\nHe said”we go.")
    assert doc.text.endswith("Il a dit «oui» et puis «non» ici. Han sa ”ja” och gick.\n\nHe said” we go.")


def test_mojibake_is_repaired_with_offsets_kept():
    raw = "Title\n\nThe bank didnâ€™t move. Governor said: â€œNot yet.â€\x9d Economists agreed."
    doc = clean_text(raw)
    assert "didn’t move" in doc.text and "“Not yet.”" in doc.text
    edits = [e for e in doc.cleaning.edits if e.rule == "unicode_repair"]
    assert {e.inserted for e in edits} == {"’", "“", "”"}
    omap = doc.cleaning.offset_map
    start = doc.text.index("Economists")
    rs, re_ = omap.clean_to_raw(start, start + len("Economists"))
    assert raw[rs:re_] == "Economists"


def test_clean_text_needs_no_unicode_repair():
    doc = clean_text("Title\n\nZürich’s café served crème brûlée to “guests” — all 42 of them.")
    assert not [e for e in doc.cleaning.edits if e.rule == "unicode_repair"]


def test_lone_punctuation_lines_go_anywhere_but_words_stay():
    doc = clean_text("Title\n\nFirst paragraph.\n\n.\n\n***\n\nSecond paragraph.\n\nSource: AFP")
    assert doc.text == "Title\n\nFirst paragraph.\n\nSecond paragraph."


def test_a_truncated_last_paragraph_is_flagged_when_the_rule_is_switched_on():
    text = "Title\n\nA paragraph that ends well.\n\nThe minister said the negotiations would continue until the"
    assert clean_text(text).flags == []  # off by default: 3 of 100 flags right on real text
    doc = clean_text(text, rules=DEFAULT_RULES + ["truncated_ending"])
    assert [f.rule for f in doc.flags] == ["truncated_ending"]


def test_flags_under_80_percent_precision_are_off_by_default_and_in_the_template():
    from corpus.workspace import DEFAULT_CONFIG

    for rule in ("mistranslated_conjunction", "truncated_ending"):
        assert rule in FLAGGING_RULES and rule not in DEFAULT_RULES
        assert f'"{rule}"' not in DEFAULT_CONFIG.split("rules = ")[1].split("]")[0]
    assert {"run_together_words", "not_an_article"} <= set(DEFAULT_RULES)


def test_a_conjunction_mistranslated_between_quotations_is_flagged_when_switched_on():
    text = "Title\n\n“We will stay,” corn “we will not wait,” the minister said."
    assert clean_text(text).flags == []
    doc = clean_text(text, rules=DEFAULT_RULES + ["mistranslated_conjunction"])
    assert [doc.text[f.start : f.end] for f in doc.flags] == ["corn"]


def test_run_together_words_flags_lost_spaces_next_to_function_words():
    text = (
        "Title\n\nThe senator spoke oninternational television and was judgeby his voters.\n\n"
        "It was the veryact of voting."
    )
    doc = clean_text(text)
    assert [doc.text[f.start : f.end] for f in doc.flags] == ["oninternational", "judgeby", "veryact"]
    assert "'judge by'" in doc.flags[1].message


def test_run_together_words_leaves_compounds_links_and_other_languages_alone():
    # Each was flagged on real text before (3 of 100 flags right): compounds of two content words,
    # names in addresses and markup, words of another language, prefixed words.
    english = (
        "Title\n\nThe megadeal was a yearslong antitax effort by skywriters, said @edhenry on "
        "bostonherald.com and in /etc/stunnel/ with frameborder=0; the nonprison sentence was davantage."
    )
    assert clean_text(english).flags == []
    german = "Titel\n\nDer Bundestag hat die energiebezogenen Emissionen und den Rabattcode meinhaustier besprochen."
    assert clean_text(german, language="de").flags == []
    # The same rule with the language listed flags a German lost space next to "und".
    doc = clean_text(
        "Titel\n\nDer sternund Correctiv legten die Bilder vor.",
        language="de",
        options={"run_together_words": {"languages": ["de"]}},
    )
    assert [doc.text[f.start : f.end] for f in doc.flags] == ["sternund"]


def test_rules_can_be_switched_off_and_the_pipeline_version_changes():
    only_whitespace = CleaningPipeline(["whitespace"], language="en")
    assert only_whitespace.version != CleaningPipeline(language="en").version
    doc = clean_text("Title\n\nText.\n\nsource site", rules=["whitespace"])
    assert doc.text.endswith("source site")


def test_unknown_rule_names_are_refused():
    try:
        CleaningPipeline(["whitespace", "no_such_rule"])
    except ValueError as exc:
        assert "no_such_rule" in str(exc)
    else:
        raise AssertionError("unknown rule accepted")


def test_dates_in_common_formats():
    assert parse_date("Published 14 March 2023 09:12") == "2023-03-14"
    assert parse_date("January 28, 2022") == "2022-01-28"
    assert parse_date("Updated 2022-01-28T10:00") == "2022-01-28"
    assert parse_date("28/01/2022") == "2022-01-28"
    assert parse_date("no date here") is None


# --- The registry: one list of rules, from which the defaults, the config template and the docs come ---


def test_every_rule_of_the_registry_is_a_module_named_as_the_rule_with_its_kind_of_method():
    import importlib
    import inspect

    from corpus.rules import RULES

    for spec in RULES:
        cls = spec.load()
        assert cls.name == spec.name
        assert inspect.getmodule(cls) is importlib.import_module(f"corpus.rules.{spec.name}")
        assert hasattr(cls, "propose" if spec.kind == "editing" else "flag"), spec.name
        # The template's default of each option is the one the rule itself takes.
        parameters = inspect.signature(cls).parameters
        for key, option in spec.options.items():
            assert parameters[key].default == option.default, (spec.name, key)


def test_the_default_rules_and_the_config_template_come_from_the_registry():
    import tomllib

    from corpus.cleaning import DEFAULT_RULES, EDITING_RULES, FLAGGING_RULES
    from corpus.rules import RULES
    from corpus.workspace import DEFAULT_CONFIG

    assert DEFAULT_RULES == [spec.name for spec in RULES if spec.default_on]
    assert sorted([*EDITING_RULES, *FLAGGING_RULES]) == sorted(spec.name for spec in RULES)
    cleaning = tomllib.loads(DEFAULT_CONFIG)["cleaning"]
    assert cleaning["rules"] == DEFAULT_RULES and cleaning["language"] == "auto"
    for spec in RULES:
        # TOML has arrays where the registry may write a tuple
        assert cleaning.get(spec.name, {}) == {
            key: list(option.default) if isinstance(option.default, tuple) else option.default
            for key, option in spec.options.items()
        }


def test_the_pipeline_version_of_a_new_workspace_is_the_one_before_the_registry(tmp_path):
    # The rules and options of the old hand-written template: a new workspace keeps its version.
    from corpus.cleaning import CleaningPipeline
    from corpus.ingest import cleaning_pipeline
    from corpus.workspace import Workspace

    before = CleaningPipeline(
        [
            "unicode_repair",
            "whitespace",
            "paragraph_breaks",
            "residue_lines",
            "residue_model",
            "repeated_lines",
            "quote_spacing",
            "run_together_words",
            "not_an_article",
        ],
        {
            "residue_lines": {"head_lines": 3},
            "residue_model": {
                "threshold": 0.53,  # 0.5 before revision 15
                "html_threshold": 0.15,
                "keep_words": 60,
                "page_share": 0.5,
                "page_word_share": 0.1,
                "body_share": 0.3,  # added with revision 10
                "comments": True,  # added with revision 12
                "page_line_share": 0.6,  # added with revision 14
                "page_min_lines": 6,  # added with revision 15
                "headline": True,  # added with revision 16
            },
            "repeated_lines": {"min_documents": 3, "min_share": 0.1, "max_words": 20, "max_chars": 150},
            "run_together_words": {
                "min_part_zipf": 4.5,
                "min_common_part_zipf": 6.0,
                "languages": ["en", "fr", "es", "it", "pt"],
            },
        },
    )
    assert cleaning_pipeline(Workspace.init(tmp_path / "ws")).version == before.version


def test_the_rule_table_of_docs_corpus_is_the_registrys():
    import subprocess
    import sys

    from corpus_helpers import REPO

    from corpus.rules import markdown_table

    table = markdown_table()
    page = (REPO / "docs" / "corpus.md").read_text(encoding="utf-8")
    assert table in page, "docs/corpus.md's rule table differs: paste `python -m corpus.rules --markdown`"
    # exactly: the table is not part of a longer one (a row of a rule that is gone, left below it)
    before, after = page.split(table)
    assert not before.rstrip("\n").rpartition("\n")[2].startswith("|") and not after.startswith("|")
    shown = subprocess.run(
        [sys.executable, "-m", "corpus.rules", "--markdown"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    assert shown == table


def test_a_rule_class_is_still_reached_through_the_package():
    from corpus import rules as R
    from corpus.rules.unicode_repair import UnicodeRepair

    assert R.UnicodeRepair is UnicodeRepair
    assert R.CleaningContext().language == "en"
