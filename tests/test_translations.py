"""Translations of one story cluster by their anchors (names, numbers, rare words, in order);
different stories that share names, even many of them, do not. On by default, the same on an
engine as locally, and the same again when run twice. The stories are our own, each in three
phrasings."""

from __future__ import annotations

import itertools
import random
from dataclasses import replace
from types import SimpleNamespace

import pytest

from corpus import ingest as local
from corpus import lsh
from corpus.anchors import AnchorConfig, StoryAnchors, anchor_set, same_story, story_pairs
from corpus.dedup import NearDuplicateConfig, near_duplicate_clusters
from corpus.engines import DaskEngine, LocalEngine
from corpus.ingest import near_duplicate_config
from corpus.store import CorpusStore
from corpus.workspace import Workspace

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

# Two recaps of one debate night: the same candidates, states and tally, told in another order
# and with other facts; the kind of pair that joined on same-topic news before the order check.
RECAPS = [
    "Senator Marisol Quintero of Nevada opened the Reno debate by attacking Governor Aldous Pemberton "
    "over the Tahoe water deal. Pemberton answered that Quintero had voted for it in 2019. Representative "
    "Ignatius Holloway of Oregon stayed quiet until asked about Medford, where 4,300 jobs went last year. "
    "Moderator Benedetta Sorrentino pressed Holloway on his Klamath dam plan. Polls give Pemberton 38 "
    "percent, Quintero 31 and Holloway 17 ahead of the Sacramento primary.",
    "In Sacramento, the primary ahead, Holloway said the Klamath dam plan would pay for itself, and "
    "Sorrentino, the moderator, let him finish. Quintero, at 31 percent, and Pemberton, at 38, argued "
    "about Medford rather than Tahoe. Holloway of Oregon, on 17, recalled 2019 and the 4,300 jobs. The "
    "Nevada senator closed by thanking Reno; the governor thanked Aldous family supporters; Representative "
    "Ignatius Holloway did not take questions. Marisol Quintero and Benedetta Sorrentino left together.",
]


def _stories() -> list[SimpleNamespace]:
    return [d for name, texts in STORIES.items() for d in _documents(texts, name)]


def _documents(texts: list[str], prefix: str) -> list[SimpleNamespace]:
    return [SimpleNamespace(id=f"{prefix}{i}", text=t) for i, t in enumerate(texts)]  # all clustering reads


def test_anchors_are_on_by_default_in_the_workspace_settings(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    assert near_duplicate_config(ws).anchors == AnchorConfig()
    assert AnchorConfig().enabled


def test_translations_of_one_story_cluster_together_and_stories_stay_apart():
    clusters = near_duplicate_clusters(_stories(), NearDuplicateConfig())
    assert sorted(sorted(m) for m in clusters.values()) == [
        ["bakery0", "bakery1", "bakery2"],
        ["flood0", "flood1", "flood2"],
    ]


def test_the_word_5gram_signature_alone_does_not_find_them():
    off = NearDuplicateConfig(anchors=AnchorConfig(enabled=False))
    assert near_duplicate_clusters(_stories(), off) == {}


def test_two_stories_sharing_a_famous_name_do_not_join():
    docs = _documents(SAME_NAMES, "biden") + _stories()
    clusters = near_duplicate_clusters(docs, NearDuplicateConfig())
    assert not any(m.startswith("biden") for members in clusters.values() for m in members)
    shared = anchor_set(SAME_NAMES[0], AnchorConfig()) & anchor_set(SAME_NAMES[1], AnchorConfig())
    assert {"biden", "ukraine"} <= shared  # they do share the names: the rule must not join on them


def test_same_topic_recaps_sharing_most_names_and_figures_do_not_join_their_order_differs():
    config = AnchorConfig()
    first, second = (anchor_set(t, config) for t in RECAPS)
    assert len(first & second) >= 2 * config.min_shared  # far more than enough shared anchors
    assert len(first & second) / len(first | second) > 0.6
    anchors = StoryAnchors.of(RECAPS, config)
    assert not same_story(anchors, 0, 1, config)  # the order tells them apart
    assert same_story(anchors, 0, 1, replace(config, order_threshold=0.0))
    assert near_duplicate_clusters(_documents(RECAPS, "recap"), NearDuplicateConfig()) == {}


def test_anchors_are_names_numbers_and_rare_words_not_sentence_starts():
    anchors = anchor_set(
        "The council met. Mayor Elspeth Rendall said 1,200 homes flooded near the fjord in FY2021.", AnchorConfig()
    )
    assert {"elspeth", "rendall", "1200", "fjord", "2021"} <= anchors
    assert not {"the", "council", "met", "said", "homes", "mayor"} & anchors


def test_the_candidates_find_every_pair_the_plain_definition_finds():
    """story_pairs (an inverted index over the rarer anchors, then the check) against the check
    on every pair, on the stories, the recaps and prose that shares names with them."""
    rng = random.Random(4)
    names = "Kirkwall Rendall Elspeth Lublin Wieczorek Quintero Pemberton Holloway Reno Brodgar".split()
    filler = [
        " ".join(
            rng.choice(names + ["said", "the", "council", "on", "Tuesday", str(rng.randint(10, 99))]) for _ in range(60)
        )
        for _ in range(12)
    ]
    texts = [d.text for d in _stories()] + RECAPS + SAME_NAMES + filler
    config = replace(AnchorConfig(), candidate_max_df=len(texts))
    anchors = StoryAnchors.of(texts, config)
    every = [(i, j) for i, j in itertools.combinations(range(len(texts)), 2) if same_story(anchors, i, j, config)]
    assert sorted(story_pairs(anchors, config)) == every
    assert len(every) >= 6  # the two stories' three pairs each


def test_the_pairs_do_not_depend_on_the_order_of_the_documents():
    docs = _stories() + _documents(RECAPS, "recap") + _documents(SAME_NAMES, "biden")
    shuffled = docs[:]
    random.Random(2).shuffle(shuffled)
    config = NearDuplicateConfig()
    as_sets = lambda clusters: sorted(sorted(m) for m in clusters.values())  # noqa: E731
    assert as_sets(near_duplicate_clusters(docs, config)) == as_sets(near_duplicate_clusters(shuffled, config))


def test_a_stricter_anchor_threshold_keeps_the_5gram_clusters():
    texts = [STORIES["flood"][0], STORIES["flood"][0] + " Schools reopen on Thursday."]
    docs = _documents(texts, "copy")
    strict = NearDuplicateConfig(anchors=replace(AnchorConfig(), order_threshold=1.0, min_shared=1000))
    assert list(near_duplicate_clusters(docs, strict).values()) == [["copy0", "copy1"]]


@pytest.fixture(scope="module")
def translations_ws(tmp_path_factory) -> Workspace:
    """The stories, the recaps and other prose, ingested by the local path (which marks clusters)."""
    folder = tmp_path_factory.mktemp("inputs")
    docs = _stories() + _documents(RECAPS, "recap") + _documents(SAME_NAMES, "biden")
    for d in docs:
        (folder / f"{d.id}.txt").write_text(d.text + "\n", encoding="utf-8")
    ws = Workspace.init(tmp_path_factory.mktemp("ws") / "ws")
    local.ingest(ws, [folder])
    return ws


def _clusters_by_title(ws: Workspace) -> list[list[str]]:
    store = CorpusStore(ws)
    by_cluster: dict[str, list[str]] = {}
    for rec in store.documents:
        if rec["cluster"]:
            by_cluster.setdefault(rec["cluster"], []).append(rec["text"][:20])
    return sorted(sorted(m) for m in by_cluster.values())


def test_ingest_marks_each_story_as_one_cluster_and_a_second_run_changes_nothing(translations_ws):
    ws = translations_ws
    before = list(CorpusStore(ws).documents)
    assert len(_clusters_by_title(ws)) == 2
    assert all(len(m) == 3 for m in _clusters_by_title(ws))
    with ws.lock():
        assert local.update_near_duplicates(ws, CorpusStore(ws)) == 4  # two stories, two members each repeat the first
    assert list(CorpusStore(ws).documents) == before


def test_on_dask_and_in_one_process_the_clusters_are_the_local_ones(translations_ws):
    store = CorpusStore(translations_ws)
    config = near_duplicate_config(translations_ws)
    texts = [SimpleNamespace(id=r["id"], text=r["text"]) for r in store.documents]
    order = {a["id"]: (a["metadata"].get("ingested_at", 0.0),) for a in store.articles}
    expected = near_duplicate_clusters(texts, config, order)
    assert len(expected) == 2
    in_process, _ = lsh.near_duplicate_clusters(store, config, LocalEngine())
    engine = DaskEngine(workers=1)
    try:
        on_dask, _ = lsh.near_duplicate_clusters(store, config, engine)
    finally:
        engine.close()
    assert on_dask == in_process == expected
