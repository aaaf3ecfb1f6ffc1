"""What the repeated_lines rule does on real text: F1 on pages grouped by site, lines it takes from
real articles, annotated spans it would take, and what it costs.

    .venv/bin/python bench/repeated_lines.py [--json-out bench/repeated-lines-results.json]

Reads ../shared/data (never copied into the repository); says so and stops when it is not there.

- newspaper-fixtures: the plain-text path (whole-page text of each page, both variants of
  bench/pages.py, written as ``SITE/NAME.txt`` so that each site is one source, as a folder per
  site is at ingest), bag-of-words F1 against the expected text, without the rule and with it at
  a few settings; and how many of the lines it took are in the expected text (wrongly taken).
  The residue model is the shipped one (trained on these pages: its own figures are flattered,
  the difference the rule makes is not).
- PolNeAR (real articles with attribution annotations in brat): the lines the rule takes with
  each split's folder as the source (as ``newsdesk ingest`` of the folder would) and with each
  publisher as a source, and the annotated spans (Source, Cue, Content...) that overlap them.
- mt-news: the lines it takes from the one-line machine-translated articles (one folder).
- time: counting the lines of every text, and cleaning them with and without the rule (best of
  3, interleaved), beside ``uptime``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pages as P  # noqa: E402
from quality import scores  # noqa: E402

from corpus.cleaning import DEFAULT_RULES, CleaningPipeline  # noqa: E402
from corpus.errors import NewsdeskError  # noqa: E402
from corpus.model import Article, document_id, sha256_hex  # noqa: E402
from corpus.readers import JsonlFields, read_file  # noqa: E402
from corpus.rules.repeated_lines import normalise_line  # noqa: E402

POLNEAR = P.DATA / "attribution" / "polnear"
WITHOUT = [r for r in DEFAULT_RULES if r != "repeated_lines"]
SETTINGS = {
    "default (K=3, 10%)": {},
    "K=2, 10%": {"min_documents": 2},
    "K=2, 50%": {"min_documents": 2, "min_share": 0.5},
}


def pipeline_with(options: dict, articles: list[Article]) -> CleaningPipeline:
    """The default pipeline with the rule at ``options`` and the table of ``articles``."""
    pipeline = CleaningPipeline(options={"repeated_lines": options}, language=None)
    pipeline.repeated = pipeline.repeated_rule.table(pipeline.repeated_rule.count(articles))
    return pipeline


def taken(doc) -> list[tuple[int, int, str]]:
    """(raw start, raw end, text) of what the rule removed from a document."""
    return [(e.raw_start, e.raw_end, e.removed) for e in doc.cleaning.edits if e.rule == "repeated_lines"]


def taken_lines(doc) -> list[str]:
    return [line for _, _, removed in taken(doc) for line in map(normalise_line, removed.split("\n")) if line]


# --- pages by site ---------------------------------------------------------------------------------


def page_articles(pages: list[P.Page], variant: str, tmp: Path) -> list[Article | None]:
    """The article read from each page's whole-page text; None when it is refused (nothing kept)."""
    out = []
    for page in pages:
        folder = tmp / variant / page.site
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{page.name}.txt"
        path.write_text(P.PAGE_TEXT[variant](page.html) or " ", "utf-8")
        try:
            out.append(next(a for a in read_file(path, 50_000_000, JsonlFields()) if isinstance(a, Article)))
        except (NewsdeskError, StopIteration):
            out.append(None)
    return out


def pages_by_site(tmp: Path) -> dict:
    pages = P.newspaper_pages()
    sites = Counter(p.site for p in pages)
    multi = [i for i, p in enumerate(pages) if sites[p.site] >= 2]
    result = {"pages": len(pages), "sites": len(sites), "pages on sites with 2+ pages": len(multi)}
    for variant in P.PAGE_TEXT:
        read = page_articles(pages, variant, tmp)
        articles = [a for a in read if a is not None]
        runs = {"without the rule": CleaningPipeline(rules=WITHOUT, language=None)}
        runs.update({f"with the rule, {name}": pipeline_with(opts, articles) for name, opts in SETTINGS.items()})
        section = {}
        for name, pipeline in runs.items():
            cleaned = iter(pipeline.clean_many(articles))
            docs = [next(cleaned) if a is not None else None for a in read]
            outputs = [d.text if d is not None else "" for d in docs]
            row = {k: round(v, 4) if isinstance(v, float) else v for k, v in scores(outputs, pages).items()}
            sub = scores([outputs[i] for i in multi], [pages[i] for i in multi])
            row["f1 (sites with 2+ pages)"] = round(sub["f1"], 4)
            lines = [(line, page) for d, page in zip(docs, pages) if d is not None for line in taken_lines(d)]
            expected = {id(p): " ".join(p.expected.split()) for p in pages}
            row["lines taken"] = len(lines)
            row["of them in the expected text"] = sum(line in expected[id(page)] for line, page in lines)
            row["examples"] = sorted({line for line, _ in lines})[:12]
            section[name] = row
        result[variant] = section
    return result


# --- PolNeAR ---------------------------------------------------------------------------------------


def annotated_spans(split: str, stem: str) -> list[tuple[int, int, str]]:
    spans = []
    for ann in (POLNEAR / split / "attributions").glob(f"{stem}_*.ann"):
        for line in ann.read_text("utf-8").splitlines():
            parts = line.split("\t")
            if not line.startswith("T") or len(parts) < 2:
                continue
            label_offsets = parts[1]
            label, _, offsets = label_offsets.partition(" ")
            for piece in offsets.split(";"):
                start, end = piece.split()
                spans.append((int(start), int(end), label))
    return spans


def polnear(limit: int | None) -> dict:
    meta = {r["filename"]: r for r in csv.DictReader(open(POLNEAR / "metadata.tsv", encoding="utf-8"), delimiter="\t")}
    files = [(split, path) for split in ("train", "dev") for path in sorted((POLNEAR / split / "text").glob("*.txt"))]
    files = files[:limit] if limit else files
    result = {"articles": len(files)}
    for grouping in ("folder", "publisher"):
        articles = []
        for split, path in files:
            raw = path.read_text("utf-8")
            data = raw.encode()
            publisher = meta.get(path.stem, {}).get("publisher") or path.stem.split("_")[0]
            where = f"{split}/{publisher}/{path.name}" if grouping == "publisher" else f"{split}/text/{path.name}"
            articles.append(Article(document_id(None, data), where, raw, sha256_hex(data), "utf-8", "txt"))
        for a in articles:
            a.metadata["path"] = a.source
        for name, opts in SETTINGS.items():
            docs = pipeline_with(opts, articles).clean_many(articles)
            lost, spans_total, lines = Counter(), 0, Counter()
            for (split, path), doc in zip(files, docs):
                ranges = taken(doc)
                lines.update(taken_lines(doc))
                spans = annotated_spans(split, path.stem)
                spans_total += len(spans)
                for s, e, label in spans:
                    if any(s < re_ and rs < e for rs, re_, _ in ranges):
                        lost[label] += 1
            result[f"by {grouping}, {name}"] = {
                "documents touched": sum(bool(taken(d)) for d in docs),
                "lines taken": sum(lines.values()),
                "annotated spans": spans_total,
                "annotated spans overlapping what it took": dict(lost),
                "lines": dict(lines.most_common(15)),
            }
    return result


def mt_news() -> dict:
    articles = []
    for path in sorted((P.MT_NEWS / "txt").glob("*.txt")):
        articles += [a for a in read_file(path, 50_000_000, JsonlFields()) if isinstance(a, Article)]
    docs = pipeline_with({}, articles).clean_many(articles)
    return {"articles": len(docs), "lines taken": sum(len(taken_lines(d)) for d in docs)}


# --- time ------------------------------------------------------------------------------------------


def timing(texts: list[str], rounds: int = 3) -> dict:
    """Seconds to count and tabulate the lines, for the rule alone to propose its edits, and for the
    whole default pipeline without the rule (best of ``rounds``): the rule's share of cleaning."""
    from corpus.rules import CleaningContext
    from corpus.rules.repeated_lines import article_source

    articles = [
        Article(document_id(None, t.encode()), f"bench/src{i % 20}/t.txt", t, sha256_hex(t.encode()), "utf-8", "txt")
        for i, t in enumerate(texts)
    ]
    for a in articles:
        a.metadata["path"] = a.source
    pipeline = CleaningPipeline(rules=WITHOUT, language="en")
    rule = CleaningPipeline(language="en").repeated_rule
    best = {"count + table": float("inf"), "rule alone": float("inf"), "pipeline without the rule": float("inf")}
    edits = 0
    for _ in range(rounds):
        started = time.perf_counter()
        table = rule.table(rule.count(articles))
        best["count + table"] = min(best["count + table"], time.perf_counter() - started)
        contexts = [CleaningContext(source=article_source(a)) for a in articles]
        for ctx in contexts:
            ctx.repeated_lines = table.lines(ctx.source)
        started = time.perf_counter()
        edits = sum(len(rule.propose(a.raw_text, ctx)) for a, ctx in zip(articles, contexts))
        best["rule alone"] = min(best["rule alone"], time.perf_counter() - started)
        started = time.perf_counter()
        pipeline.clean_many(articles)
        best["pipeline without the rule"] = min(best["pipeline without the rule"], time.perf_counter() - started)
    return {
        "texts": len(texts),
        "sources": 20,
        "MB": round(sum(len(t.encode()) for t in texts) / 1e6, 2),
        "edits proposed": edits,
        **{f"{name} s": round(s, 3) for name, s in best.items()},
        "load average (1, 5, 15 min)": [round(x, 2) for x in os.getloadavg()],
    }


def _counts_only(value):
    if isinstance(value, dict):
        return {k: _counts_only(v) if k != "lines" else sum(v.values()) for k, v in value.items() if k != "examples"}
    return value


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--polnear-limit", type=int, default=None)
    ap.add_argument("--time-texts", type=int, default=2000, help="texts cleaned for the timing (0: none)")
    ap.add_argument("--json-out", default=None)
    args = ap.parse_args(argv)
    if not P.data_available():
        print(f"development data not found under {P.DATA}: nothing to measure")
        return 1
    results: dict = {"data": str(P.DATA), "load average at start": os.getloadavg()}
    with tempfile.TemporaryDirectory() as tmp:
        results["newspaper-fixtures, plain-text path by site"] = pages_by_site(Path(tmp))
    results["polnear"] = polnear(args.polnear_limit)
    results["mt-news"] = mt_news()
    if args.time_texts:
        texts = [p.read_text("utf-8") for p in sorted(POLNEAR.glob("*/text/*.txt"))]
        texts += [P.page_text_blocks(p.html) for p in P.newspaper_pages()]
        texts = [t for t in texts if t.strip()]
        results["time"] = timing((texts * (args.time_texts // len(texts) + 1))[: args.time_texts])
    print(json.dumps(results, indent=1, ensure_ascii=False))
    if args.json_out:  # counts only: the lines themselves are the data's, not ours to keep
        Path(args.json_out).write_text(json.dumps(_counts_only(results), indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
