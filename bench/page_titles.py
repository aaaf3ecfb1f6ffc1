"""How often a whole-page text's document title is the page's headline (issue 16, pipeline revision 16).

    .venv/bin/python bench/page_titles.py                       # the 145 + 300 pages the finder was shaped on
    .venv/bin/python bench/page_titles.py --eval-limit 990 --eval-from 300   # + the 690 it never read

Each development page with an ``<h1>`` of 4 words or more whose text is a line of its whole-page
text (both variants, as residue_cv.py makes them) goes through the whole cleaning pipeline, with
the residue model trained without the page's site (residue_cv.py's five site-grouped folds). The
title is right when it is that ``<h1>`` (whitespace squashed). Printed with the headline finder on
and off (``residue_model.headline``: off is revision 15's title, the first line when it reads as one),
and what the finder took when it was wrong; counted by source as well (with ``--eval-from`` the
newspaper pages are scored again, so the trafilatura-eval counts are the unseen ones). Reads
../shared/data (never copied).
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pages as P  # noqa: E402
import residue_cv as R  # noqa: E402
import train_residue as T  # noqa: E402

from corpus.cleaning import CleaningPipeline  # noqa: E402
from corpus.model import Article, document_id, sha256_hex  # noqa: E402


def squash(text: str) -> str:
    return " ".join((text or "").split())


def headline_of(html: str) -> str | None:
    """The page's first ``<h1>`` of 4 words or more, or None."""
    import lxml.html

    try:
        tree = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return None
    return next((h for h in (squash(e.text_content()) for e in tree.iter("h1")) if len(h.split()) >= 4), None)


def article(name: str, text: str) -> Article:
    raw = text.encode("utf-8")
    return Article(
        id=document_id(None, raw),
        source=f"{name}.txt",
        raw_text=text,
        raw_sha256=sha256_hex(raw),
        encoding="utf-8",
        format="txt",
    )


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--eval-limit", type=int, default=300)
    ap.add_argument("--eval-from", type=int, default=0, help="score the trafilatura-eval pages from this one on")
    ap.add_argument("--json-out", default=None)
    args = ap.parse_args(argv)
    if not P.data_available():
        print(f"development data not found under {P.BOILERPLATE}: nothing to measure")
        return 1
    every_page = R.page_texts(args.eval_limit)
    htmls = {p.name: p.html for p in P.newspaper_pages() + P.trafilatura_pages(args.eval_limit)}
    data = [every_page[i] for i in R.scored_pages(every_page, args.eval_from)]
    models = R.fold_models(T.cached_examples(P.newspaper_pages() + P.trafilatura_pages(), None), T.stopwords())
    result = {}
    for variant in P.PAGE_TEXT:
        cases = []  # (site, source, headline, article) of the pages whose headline is a line of the text
        for name, site, expected, *_, texts in data:
            headline = headline_of(htmls[name])
            if headline and headline in {squash(line) for line in texts[variant].split("\n")}:
                group = "newspaper" if expected is not None else "trafilatura-eval"
                cases.append((site, group, headline, article(name, texts[variant])))
        counts = collections.Counter()
        wrong = []
        for finder in (False, True):
            pipelines = {}
            for site, group, headline, art in cases:
                path = models[site]
                pipeline = pipelines.setdefault(
                    path, CleaningPipeline(options={"residue_model": {"model": path, "headline": finder}})
                )
                doc = pipeline.clean(art)
                right = squash(doc.title) == headline
                for key in (
                    f"right, headline {'on' if finder else 'off'}",
                    f"{group}: right, {'on' if finder else 'off'}",
                ):
                    counts[key] += right
                counts[f"{group}: pages"] += not finder
                if finder:
                    counts["titled, wrong"] += bool(squash(doc.title)) and not right
                    counts["untitled"] += not squash(doc.title)
                if finder and "headline" in doc.metadata:
                    counts["found"] += 1
                    counts["found, right"] += right
                    if not right:
                        wrong.append((art.source, doc.title[:70], headline[:50]))
        result[variant] = {"pages": len(cases), **counts}
        print(variant, json.dumps(result[variant]), flush=True)
        for source, title, headline in wrong[:15]:
            print(f"   wrong: {source[:40]:40s} took {title!r} (headline {headline!r})")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
