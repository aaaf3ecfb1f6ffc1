"""The HTML path page by page, next to trafilatura's settings on the same page.

    .venv/bin/python bench/html_pages.py [--eval-limit 60] [--dump DIR]

Each development page (newspaper-fixtures, the first ``--eval-limit`` trafilatura-eval pages) is
extracted by ``corpus.readers`` (cached in bench/.cache) and cleaned with a residue model that
never saw its site (the 5 site-grouped fold models of bench/residue_cv.py, trained if absent).
Prints the mean F1 (newsdesk, its extracted text before cleaning, trafilatura default and
favor_precision), the pages more than 0.05 below trafilatura's best setting on the page, and the
trafilatura-eval pages where newsdesk loses a must-stay snippet favor_precision keeps. ``--dump``
writes every page's texts (newsdesk, extracted, default, favor_precision, expected) to read side by
side (outside the repository: the pages are not ours to copy).
"""

from __future__ import annotations

import argparse
import hashlib
import pickle
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pages as P  # noqa: E402
import quality as Q  # noqa: E402
import residue_cv as C  # noqa: E402
import train_residue as T  # noqa: E402

from corpus.cleaning import CleaningPipeline  # noqa: E402
from corpus.errors import NewsdeskError  # noqa: E402
from corpus.readers import JsonlFields, read_file  # noqa: E402


def extracted(pages: list[P.Page], limit: int) -> dict[str, list]:
    """The articles corpus.readers makes of each page (cached: extraction is the slow part)."""
    # Keyed by the reader's source: a change to the extraction is measured, not read from the cache.
    sources = [P.ROOT / "corpus" / name for name in ("readers.py", "html_text.py")]
    reader = hashlib.sha256(b"".join(p.read_bytes() for p in sources if p.exists())).hexdigest()[:10]
    cache = C.CACHE / f"extracted-{limit}-{reader}.pickle"
    if cache.exists():
        return pickle.loads(cache.read_bytes())
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        file = Path(tmp) / "page.html"
        for page in pages:
            file.write_text(page.html or " ", "utf-8")
            try:
                out[page.name] = [
                    a for a in read_file(file, 50_000_000, JsonlFields()) if not isinstance(a, NewsdeskError)
                ]
            except NewsdeskError:
                out[page.name] = []  # refused (E101, E105): nothing kept
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_bytes(pickle.dumps(out))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--eval-limit", type=int, default=60)
    ap.add_argument("--dump", type=Path, help="write each page's texts here (NAME.newsdesk.txt, .extracted, ...)")
    args = ap.parse_args(argv)
    if not P.data_available():
        print(f"development data not found under {P.BOILERPLATE}: nothing to measure")
        return 1
    news, evalp = P.newspaper_pages(), P.trafilatura_pages(args.eval_limit)
    pages = news + evalp
    articles = extracted(pages, args.eval_limit)
    examples = T.cached_examples(P.newspaper_pages() + P.trafilatura_pages(), None)
    models = C.fold_models(examples, T.stopwords())
    pipelines = {path: CleaningPipeline(options={"residue_model": {"model": path}}) for path in set(models.values())}
    ours, raw = {}, {}
    for page in pages:
        docs = articles[page.name]
        ours[page.name] = "\n".join(d.text for d in pipelines[models[page.site]].clean_many(docs)) if docs else ""
        raw[page.name] = "\n".join(a.raw_text for a in docs)
    default = dict(zip((p.name for p in pages), Q.trafilatura_outputs(pages, "default")))
    precise = dict(zip((p.name for p in pages), Q.trafilatura_outputs(pages, "favor_precision")))
    if args.dump:
        args.dump.mkdir(parents=True, exist_ok=True)
        outputs = {"newsdesk": ours, "extracted": raw, "default": default, "favor_precision": precise}
        for page in pages:
            for name, out in outputs.items():
                (args.dump / f"{page.name}.{name}.txt").write_text(out[page.name], "utf-8")
            (args.dump / f"{page.name}.expected.txt").write_text(page.expected or "", "utf-8")
    f1 = {name: [] for name in ("newsdesk", "extracted", "default", "favor_precision")}
    below = []
    for page in news:
        scores = [P.bow_prf(out[page.name], page.expected)[2] for out in (ours, raw, default, precise)]
        for name, score in zip(f1, scores):
            f1[name].append(score)
        if scores[0] < max(scores[2:]) - 0.05:
            below.append((round(scores[0] - max(scores[2:]), 3), page.name, *(round(s, 3) for s in scores)))
    print("newspaper-fixtures F1: " + ", ".join(f"{k} {statistics.mean(v):.4f}" for k, v in f1.items()))
    print(f"pages more than 0.05 below trafilatura's best setting: {len(below)} (F1: newsdesk, extracted, default, fp)")
    for row in sorted(below):
        print("  ", row)
    for name, out in (("newsdesk", ours), ("extracted", raw), ("default", default), ("favor_precision", precise)):
        shares = P.snippet_shares([out[p.name] for p in evalp], evalp)
        print(
            f"trafilatura-eval {name}: must-stay kept {shares['with_kept']:.3f}, must-go dropped {shares['without_dropped']:.3f}"
        )
    worse = []
    for page in evalp:
        ours_text, fp_text = P.squash(ours[page.name]), P.squash(precise[page.name])
        lost = sum(P.squash(s) in fp_text and P.squash(s) not in ours_text for s in page.keep)
        if lost:
            worse.append((lost, page.name))
    print(f"trafilatura-eval pages losing a must-stay snippet favor_precision keeps: {len(worse)}", sorted(worse)[-10:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
