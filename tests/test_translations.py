"""Translations of one story cluster by their anchors (names, numbers, rare words); different
stories that share a famous name do not. The stories are our own, each in three phrasings."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

from corpus.anchors import AnchorConfig, anchor_set
from corpus.dedup import NearDuplicateConfig, near_duplicate_clusters

STORIES = {
    "flood": [
        "Heavy rain flooded the town of Kirkwall on Tuesday. Mayor Elspeth Rendall said 214 homes were "
        "evacuated and the Brodgar bridge was closed. Engineers from Orkney Council expect repairs to cost "
        "3.2 million pounds. The river Stenness rose 4 metres overnight, according to the Met Office.",
        "On Tuesday, torrential rainfall left Kirkwall under water. According to mayor Elspeth Rendall, "
        "authorities moved 214 households out and shut the Brodgar bridge. Orkney Council engineers put "
        "the repair bill at 3.2 million pounds. The Met Office reported that the Stenness river climbed by 4 metres during the night.",
        "Kirkwall was inundated after downpours on Tuesday, with 214 houses cleared, Mayor Rendall (Elspeth) "
        "stated. The bridge at Brodgar has been shut. Repairs, in the view of engineers at Orkney Council, "
        "will come to 3.2 million pounds. Per the Met Office, the Stenness had risen 4 metres by morning.",
    ],
    "bakery": [
        "Baker Tomasz Wieczorek won the national sourdough prize in Lublin on Saturday with a rye loaf "
        "fermented for 72 hours. His bakery, Chlebownia, employs 11 people and sells 900 loaves a day. "
        "The jury, led by chef Agnieszka Sadowska, praised its crust.",
        "In Lublin on Saturday, the country's sourdough award went to baker Tomasz Wieczorek for a rye "
        "bread left to ferment 72 hours. Chlebownia, the bakery he runs, has 11 staff and bakes 900 loaves "
        "daily. Jury head Agnieszka Sadowska, a chef, singled out the crust.",
        "A rye loaf fermented over 72 hours earned Tomasz Wieczorek the national sourdough title, awarded "
        "Saturday in Lublin. With 11 employees, his Chlebownia bakery turns out 900 loaves each day. "
        "Chef Agnieszka Sadowska, who chaired the jury, admired the crust.",
    ],
}

# Two stories that both mention Joe Biden and Ukraine and nothing else in common.
SAME_NAMES = [
    "President Joe Biden met Ukraine's foreign minister in Washington on Monday to discuss grain exports "
    "through the Black Sea. Officials said 38 ships had left Odesa since August, carrying wheat to Egypt and Kenya.",
    "Joe Biden spoke at a fundraiser in Denver on Friday, mentioning Ukraine only briefly before turning to "
    "union jobs at the Lockheed plant in Littleton and a 15 percent rise in Colorado housing prices.",
]

ON = AnchorConfig(enabled=True)  # anchors are off by default (see corpus/anchors.py)


def _documents(texts: list[str], prefix: str) -> list[SimpleNamespace]:
    return [SimpleNamespace(id=f"{prefix}{i}", text=t) for i, t in enumerate(texts)]  # all clustering reads


def test_translations_of_one_story_cluster_together_and_stories_stay_apart():
    docs = [d for name, texts in STORIES.items() for d in _documents(texts, name)]
    clusters = near_duplicate_clusters(docs, NearDuplicateConfig(anchors=ON))
    assert sorted(sorted(m) for m in clusters.values()) == [
        ["bakery0", "bakery1", "bakery2"],
        ["flood0", "flood1", "flood2"],
    ]


def test_the_word_5gram_signature_alone_does_not_find_them():
    docs = [d for name, texts in STORIES.items() for d in _documents(texts, name)]
    off = NearDuplicateConfig(anchors=AnchorConfig(enabled=False))
    assert near_duplicate_clusters(docs, off) == {}


def test_two_stories_sharing_a_famous_name_do_not_join():
    docs = _documents(SAME_NAMES, "biden") + [d for name, texts in STORIES.items() for d in _documents(texts, name)]
    clusters = near_duplicate_clusters(docs, NearDuplicateConfig(anchors=ON))
    assert not any(m.startswith("biden") for members in clusters.values() for m in members)
    shared = anchor_set(SAME_NAMES[0], AnchorConfig()) & anchor_set(SAME_NAMES[1], AnchorConfig())
    assert {"biden", "ukraine"} <= shared  # they do share the names: the rule must not join on them


def test_anchors_are_names_numbers_and_rare_words_not_sentence_starts():
    anchors = anchor_set(
        "The council met. Mayor Elspeth Rendall said 1,200 homes flooded near the fjord.", AnchorConfig()
    )
    assert {"elspeth", "rendall", "1200", "fjord"} <= anchors
    assert not {"the", "council", "met", "said", "homes"} & anchors


def test_a_stricter_anchor_threshold_keeps_the_5gram_clusters():
    texts = [STORIES["flood"][0], STORIES["flood"][0] + " Schools reopen on Thursday."]
    docs = _documents(texts, "copy")
    strict = NearDuplicateConfig(anchors=replace(ON, threshold=1.0, min_shared=1000))
    assert list(near_duplicate_clusters(docs, strict).values()) == [["copy0", "copy1"]]
