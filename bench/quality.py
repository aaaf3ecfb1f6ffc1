"""Quality of residue removal on real pages: bag-of-words F1 per path, next to trafilatura.

    .venv/bin/python bench/quality.py [--limit N] [--cv 5] [--json-out bench/quality-results.json]

Reads ../shared/data/boilerplate and ../shared/data/mt-news (see bench/pages.py); says so and
stops when they are not there. Not part of the test suite.

- newspaper-fixtures (pages with expected article text): bag-of-words precision, recall, F1 per
  page, averaged (the scrapinghub article-extraction benchmark's measure), of
  (a) the plain-text path: the whole-page text of each page (two variants of how a naive
  scraper makes it), ingested as .txt and cleaned by newsdesk; (b) the HTML path (readers.py's
  extraction, then cleaning); next to trafilatura's default and favor_precision in the same run;
- trafilatura-eval (pages with must-stay / must-go snippets): the share of each kept / dropped;
- mt-news: the share of characters kept of one-line machine-translated articles (should be 1).

With --cv K the residue model is trained afresh (bench/train_residue.py) on the pages of the
sites outside each of K site-grouped folds and scores only the pages of that fold: the figures
of a model that never saw the site, as on held-out pages. Without it, the shipped model is used
(trained on these very pages: figures flattered).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pages as P  # noqa: E402

from corpus.cleaning import DEFAULT_RULES, CleaningPipeline  # noqa: E402
from corpus.errors import NewsdeskError  # noqa: E402
from corpus.readers import JsonlFields, read_file  # noqa: E402

CACHE = P.ROOT / "bench" / ".cache"


def trafilatura_outputs(pages: list[P.Page], setting: str) -> list[str]:
    """trafilatura's text of each page with ``setting`` (cached in bench/.cache: slow, never changes)."""
    import trafilatura

    cache_path = CACHE / f"trafilatura-{trafilatura.__version__}-{setting}.json"
    cache = json.loads(cache_path.read_text()) if cache_path.exists() else {}
    options = {"default": {}, "favor_precision": {"favor_precision": True}}[setting]
    out = []
    for page in pages:
        if page.name not in cache:
            cache[page.name] = trafilatura.extract(page.html, **options) or ""
        out.append(cache[page.name])
    CACHE.mkdir(parents=True, exist_ok=True)
    cache_path.write_text(json.dumps(cache))
    return out


def newsdesk_outputs(pages: list[P.Page], path: str, pipeline: CleaningPipeline, tmp: Path) -> list[str]:
    """The cleaned text newsdesk keeps of each page: ``path`` is "html" or a whole-page text variant."""
    out = []
    for page in pages:
        if path == "html":
            file, data = tmp / "page.html", page.html
        else:
            file, data = tmp / "page.txt", P.PAGE_TEXT[path](page.html)
        file.write_text(data or " ", "utf-8")
        try:
            articles = [a for a in read_file(file, 50_000_000, JsonlFields()) if not isinstance(a, NewsdeskError)]
        except NewsdeskError:
            out.append("")  # refused (E101, E105): nothing kept
            continue
        out.append("\n".join(doc.text for doc in pipeline.clean_many(articles)))
    return out


def scores(outputs: list[str], pages: list[P.Page]) -> dict:
    prf = [P.bow_prf(text, page.expected) for text, page in zip(outputs, pages)]
    return {
        "precision": statistics.mean(p for p, _, _ in prf),
        "recall": statistics.mean(r for _, r, _ in prf),
        "f1": statistics.mean(f for _, _, f in prf),
        "pages": len(prf),
        "empty": sum(not t.strip() for t in outputs),
    }


def pipelines_by_page(pages: list[P.Page], cv: int, options: dict, tmp: Path) -> list[CleaningPipeline]:
    """For each page, the pipeline that cleans it: with --cv, one whose model never saw its site."""
    if not cv:
        pipeline = CleaningPipeline(options=options)
        return [pipeline] * len(pages)
    import train_residue as T

    examples = T.cached_examples(P.newspaper_pages() + P.trafilatura_pages(), None)
    stop = T.stopwords()
    folds = T.site_folds([e[0] for e in examples], cv)
    by_site = {}
    for k, fold in enumerate(folds):
        inside = [e for e in examples if e[0] not in fold]
        spec = T.fit([e[1:] for e in inside], stop, sites=[e[0] for e in inside])
        model_path = tmp / f"fold{k}.json"
        model_path.write_text(json.dumps(spec))
        opts = {**options, "residue_model": {**options.get("residue_model", {}), "model": str(model_path)}}
        pipeline = CleaningPipeline(options=opts)
        by_site.update({site: pipeline for site in fold})
    default = CleaningPipeline(options=options)
    return [by_site.get(page.site, default) for page in pages]


def run_path(pages, path, pipelines, tmp) -> list[str]:
    out = []
    for page, pipeline in zip(pages, pipelines):
        out += newsdesk_outputs([page], path, pipeline, tmp)
    return out


def speed(texts: list[str], rounds: int = 3) -> dict:
    """Cleaning MB/s of real text (whole-page text and mt-news articles), residue model on and off,
    interleaved so both see the same machine load; the best round of each."""
    from corpus.model import Article, document_id, sha256_hex

    articles = [
        Article(document_id(None, t.encode()), "bench", t, sha256_hex(t.encode()), "utf-8", "txt") for t in texts
    ]
    megabytes = sum(len(t.encode()) for t in texts) / 1e6
    pipelines = {
        "with residue_model": CleaningPipeline(),
        "without residue_model": CleaningPipeline(rules=[r for r in DEFAULT_RULES if r != "residue_model"]),
    }
    best = {name: float("inf") for name in pipelines}
    for _ in range(rounds):
        for name, pipeline in pipelines.items():
            started = time.perf_counter()
            pipeline.clean_many(articles)
            best[name] = min(best[name], time.perf_counter() - started)
    return {
        "texts": len(texts),
        "MB": round(megabytes, 2),
        **{f"MB/s {name}": round(megabytes / seconds, 2) for name, seconds in best.items()},
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=None, help="pages of each set (default: all)")
    ap.add_argument("--cv", type=int, default=5, help="site-grouped folds for the residue model (0: shipped model)")
    ap.add_argument("--threshold", type=float, default=None)
    ap.add_argument("--without-model", action="store_true", help="the rules as before the residue model")
    ap.add_argument("--skip-eval", action="store_true", help="newspaper-fixtures only")
    ap.add_argument("--eval-limit", type=int, default=None, help="trafilatura-eval pages (default: all)")
    ap.add_argument("--speed", type=int, default=0, help="also time cleaning of this many real texts")
    ap.add_argument("--json-out", default=None)
    args = ap.parse_args(argv)
    if not P.data_available():
        print(f"development data not found under {P.BOILERPLATE} (../shared/data): nothing to measure")
        return 1
    print(f"reading development data from {P.DATA}")
    started = time.perf_counter()
    rules = [r for r in DEFAULT_RULES if not (args.without_model and r == "residue_model")]
    options = {"residue_model": {"threshold": args.threshold}} if args.threshold is not None else {}
    results: dict = {"data": str(P.DATA), "cv_folds": args.cv, "rules": rules, "options": options}
    news = P.newspaper_pages(args.limit)
    evalp = [] if args.skip_eval else P.trafilatura_pages(args.eval_limit or args.limit)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if args.without_model:
            pipeline = CleaningPipeline(rules=rules, options=options)
            by_page = {id(p): pipeline for p in news + evalp}
        else:
            pipes = pipelines_by_page(news + evalp, args.cv, options, tmp)
            by_page = {id(p): pipe for p, pipe in zip(news + evalp, pipes)}

        for name, pages in (("newspaper-fixtures", news), ("trafilatura-eval", evalp)):
            if not pages:
                continue
            pipes = [by_page[id(p)] for p in pages]
            section = {}
            systems = {f"newsdesk text ({v})": run_path(pages, v, pipes, tmp) for v in P.PAGE_TEXT}
            systems.update(
                {f"whole-page text ({v}), uncleaned": [P.PAGE_TEXT[v](p.html) for p in pages] for v in P.PAGE_TEXT}
            )
            systems["newsdesk html"] = run_path(pages, "html", pipes, tmp)
            systems["trafilatura default"] = trafilatura_outputs(pages, "default")
            systems["trafilatura favor_precision"] = trafilatura_outputs(pages, "favor_precision")
            for system, outputs in systems.items():
                row = scores(outputs, pages) if name == "newspaper-fixtures" else P.snippet_shares(outputs, pages)
                section[system] = row
            results[name] = section
            print(f"\n{name}: {len(pages)} pages")
            for system, row in section.items():
                print(
                    f"  {system:36s} "
                    + "  ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items())
                )
        if P.MT_NEWS.is_dir():
            pipeline = CleaningPipeline(rules=rules, options=options)
            kept = []
            for _story, _version, text in P.mt_news_articles():
                file = tmp / "mt.txt"
                file.write_text(text, "utf-8")
                arts = list(read_file(file, 50_000_000, JsonlFields()))
                doc = pipeline.clean(arts[0])
                kept.append(len(doc.text) / max(len(text.strip()), 1))
            results["mt-news"] = {
                "articles": len(kept),
                "mean_chars_kept": statistics.mean(kept),
                "min_chars_kept": min(kept),
                "articles_under_95pct": sum(k < 0.95 for k in kept),
            }
            print(f"\nmt-news: {results['mt-news']}")
        else:
            print(f"\nmt-news not found under {P.MT_NEWS}")
    if args.speed:
        texts = [P.page_text_blocks(p.html) for p in news + evalp] + [t for _, _, t in P.mt_news_articles()]
        texts = [t for t in texts if t.strip()]
        results["speed"] = speed((texts * (args.speed // len(texts) + 1))[: args.speed])
        print(f"\nspeed: {results['speed']}")
    results["seconds"] = round(time.perf_counter() - started, 1)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, indent=2) + "\n")
        print(f"wrote {args.json_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
