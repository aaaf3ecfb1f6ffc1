"""Translations of one story as near-duplicates: the anchor signature on real data (not part of the suite).

Reads ../shared/data when present (says so when not):
- mt-news: 33 stories x 4 English versions (3 machine translations + the human reference);
  the share of stories whose 4 versions share one cluster, and clusters joining stories; the
  same over every system's output in wmt22_ja-en_news_docs.jsonl (15 versions a story);
- PolNeAR train+dev texts (~920 US election articles on overlapping topics): every pair a
  cluster joins is printed, to be looked at (any join should be a real duplicate);
- newspaper-fixtures texts: the same.
Then the time of near_duplicate_clusters over generated articles, anchors off and on.

    .venv/bin/python bench/translations.py [--generated 20000]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus.anchors import StoryAnchors, candidate_pairs, story_pairs  # noqa: E402
from corpus.dedup import NearDuplicateConfig, near_duplicate_clusters  # noqa: E402
from corpus.ingest import near_duplicate_config  # noqa: E402
from corpus.workspace import Workspace  # noqa: E402

DATA = next(
    (p / "shared" / "data" for p in (ROOT.parent, ROOT.parent.parent) if (p / "shared" / "data").is_dir()),
    ROOT.parent / "shared" / "data",
)


def default_config() -> NearDuplicateConfig:
    return near_duplicate_config(Workspace(ROOT, {}))  # the defaults of newsdesk.toml


def docs_of(paths: list[Path]) -> list[SimpleNamespace]:
    return [SimpleNamespace(id=p.name, text=p.read_text(errors="replace")) for p in paths]


def mt_news(config: NearDuplicateConfig) -> None:
    folder = DATA / "mt-news" / "txt"
    if not folder.is_dir():
        print(f"mt-news: {folder} not found, skipped")
        return
    docs = docs_of(sorted(folder.glob("*.txt")))
    stories_of("mt-news", docs, {d.id: ".".join(d.id.split(".")[:2]) for d in docs}, config)
    every = DATA / "mt-news" / "wmt22_ja-en_news_docs.jsonl"
    if every.is_file():
        docs = []
        for line in every.read_text().splitlines():
            record = json.loads(line)
            for system, text in [*record["refs"].items(), *record["systems"].items()]:
                docs.append(SimpleNamespace(id=f"{record['doc_id']}|{system}", text=text))
        stories_of("mt-news, every system", docs, {d.id: d.id.split("|")[0] for d in docs}, config)
        docs = [d for d in docs if not d.id.endswith("|AIST")]  # its output is word salad (bench/README.md)
        stories_of("mt-news, every system but AIST", docs, {d.id: d.id.split("|")[0] for d in docs}, config)


def stories_of(name: str, docs: list[SimpleNamespace], story: dict[str, str], config: NearDuplicateConfig) -> None:
    clusters = near_duplicate_clusters(docs, config)
    cluster_of = {m: first for first, members in clusters.items() for m in members}
    stories = sorted(set(story.values()))
    whole = sum(
        1
        for s in stories
        if len({cluster_of.get(d) for d in story if story[d] == s} - {None}) == 1
        and all(d in cluster_of for d in story if story[d] == s)
    )
    joining = sum(1 for members in clusters.values() if len({story[m] for m in members}) > 1)
    print(
        f"{name}: {len(docs)} versions of {len(stories)} stories; all versions in one cluster: "
        f"{whole}/{len(stories)} ({whole / len(stories):.0%}); clusters joining stories: {joining}"
    )


def joins(name: str, paths: list[Path], config: NearDuplicateConfig) -> None:
    if not paths:
        print(f"{name}: not found, skipped")
        return
    docs = docs_of(paths)
    both = near_duplicate_clusters(docs, config)
    grams = near_duplicate_clusters(docs, replace(config, anchors=replace(config.anchors, enabled=False)))
    pairs = sum(len(m) * (len(m) - 1) // 2 for m in both.values())
    print(
        f"{name}: {len(docs)} texts; clusters {len(both)} ({pairs} pairs), of which word 5-grams alone: "
        f"{len(grams)} clusters"
    )
    for members in both.values():
        for a, b in itertools.combinations(members, 2):
            how = "5-grams" if any(a in m and b in m for m in grams.values()) else "anchors"
            print(f"   {a}  ~  {b}  ({how})")


def timing(n: int, config: NearDuplicateConfig) -> None:
    from articles import generate

    docs = [SimpleNamespace(id=a.id, text=a.text) for a in generate(n, seed=3, near_duplicates=0.01)]
    for label, cfg in (
        ("anchors off", replace(config, anchors=replace(config.anchors, enabled=False))),
        ("anchors on", config),
    ):
        start = time.perf_counter()
        clusters = near_duplicate_clusters(docs, cfg)
        print(
            f"generated {n}: near_duplicate_clusters {label}: {time.perf_counter() - start:.1f} s, "
            f"{len(clusters)} clusters; load {os.getloadavg()[0]:.2f}"
        )
    start = time.perf_counter()
    anchors = StoryAnchors.of([d.text for d in docs], config.anchors)
    middle = time.perf_counter()
    candidates = candidate_pairs(anchors, config.anchors)
    pairs = story_pairs(anchors, config.anchors)
    print(
        f"generated {n}: anchor sequences {middle - start:.1f} s, candidates and checks "
        f"{time.perf_counter() - middle:.1f} s ({len(candidates)} candidates, {len(pairs)} pairs)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generated", type=int, default=20_000, help="generated articles to time (0: skip)")
    args = parser.parse_args()
    config = default_config()
    print(f"anchors: {config.anchors}")
    if not DATA.is_dir():
        print(f"{DATA} not found: the real-data figures are skipped")
    else:
        mt_news(config)
        polnear = sorted((DATA / "attribution" / "polnear").glob("*/text/*.txt"))
        joins("PolNeAR train+dev", polnear, config)
        joins(
            "newspaper-fixtures", sorted((DATA / "boilerplate" / "newspaper-fixtures" / "text").glob("*.txt")), config
        )
    if args.generated:
        timing(args.generated, config)


if __name__ == "__main__":
    main()
