"""Site-grouped cross-validation of the residue model on the plain-text path (the fast loop).

    .venv/bin/python bench/residue_cv.py [--heuristic] [--opts '[{"threshold": 0.5}, ...]'] [--weight-power 0.5]
    .venv/bin/python bench/residue_cv.py --speed --against main   # CPU µs a line, this rule and main's (own processes)
    .venv/bin/python bench/residue_cv.py --polnear      # annotated PolNeAR spans the shipped rule touches
    .venv/bin/python bench/residue_cv.py --mt-news      # characters kept of one-line mt-news articles
    .venv/bin/python bench/residue_cv.py --silver [--html]  # also F1 against trafilatura's extraction
    .venv/bin/python bench/residue_cv.py --eval-limit 990 --eval-from 300  # the pages the default run never reads

Like ``quality.py --cv 5`` but only the ``residue_model`` rule on the whole-page texts of the
development pages (newspaper-fixtures and the first ``--eval-limit`` trafilatura-eval pages): a
model is trained on the sites outside each of 5 site-grouped folds and cleans the pages of that
fold, so every figure is that of a model that never saw the site. Reads ../shared/data (never
copied); the whole-page texts are cached in bench/.cache.

Two proxies for the held-out, human-written benchmark:
- newspaper-fixtures: bag-of-words P / R / F1 against newspaper3k's text (not human gold: it
  leaves out captions and lists a human keeps);
- trafilatura-eval (human-chosen snippets): the share of must-stay snippets kept and must-go
  dropped, and a snippet F1: each snippet weighs its words; precision = must-stay words kept over
  must-stay + must-go words kept, recall = must-stay words kept over all, per page, averaged.

With ``--silver``, a third: trafilatura's own extraction of every page (default and
favor_precision; it scores ~0.95 against human text on held-out news) as *silver* expected text,
bag-of-words P / R / F1 per page as on newspaper-fixtures, by source and by language (English or
not, of the silver text). Pages trafilatura extracts nothing of are left out. ``--html`` adds
newsdesk's HTML path (corpus.readers' extraction, cached as html_pages.py does, then the whole
cleaning pipeline with the fold model).
"""

from __future__ import annotations

import argparse
import json
import pickle
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pages as P  # noqa: E402
import revision  # noqa: E402
import train_residue as T  # noqa: E402

from corpus.rules.base import CleaningContext  # noqa: E402
from corpus.rules.residue_model import ResidueModelRule, line_features  # noqa: E402

CACHE = P.ROOT / "bench" / ".cache"


def page_texts(eval_limit: int) -> list[tuple]:
    """(name, site, expected, keep, drop, {variant: whole-page text}) of every page, cached."""
    cache = CACHE / f"pagetexts-{eval_limit}.pickle"
    if cache.exists():
        return pickle.loads(cache.read_bytes())
    pages = P.newspaper_pages() + P.trafilatura_pages(eval_limit)
    data = [
        (p.name, p.site, p.expected, p.keep, p.drop, {v: P.PAGE_TEXT[v](p.html) for v in P.PAGE_TEXT}) for p in pages
    ]
    CACHE.mkdir(parents=True, exist_ok=True)
    cache.write_bytes(pickle.dumps(data))
    return data


def apply_edits(text: str, edits) -> str:
    out, pos = [], 0
    for start, end, replacement, *_ in sorted(edits, key=lambda e: e[0]):
        out.append(text[pos:start])
        out.append(replacement)
        pos = max(pos, end)
    out.append(text[pos:])
    return "".join(out)


_SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’»)\]]*\s*$")


def heuristic(text: str) -> str:
    """The issue's 20-line reference: lines ending like sentences with 6+ words, the densest block."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    keep = [bool(_SENTENCE_END.search(line)) and len(line.split()) >= 6 for line in lines]
    blocks, current, gap = [], [], 0
    for i, k in enumerate(keep):
        if k:
            current.append(i)
            gap = 0
        elif current:
            gap += 1
            if gap > 2:
                blocks.append(current)
                current, gap = [], 0
    if current:
        blocks.append(current)
    if not blocks:
        return ""
    best = max(blocks, key=lambda b: sum(len(lines[i]) for i in b))
    return "\n".join(lines[i] for i in best)


def snippet_f1(text: str, keep: list[str], drop: list[str]) -> float:
    """Bag-of-words-like F1 on the snippets of one page (see the module docstring)."""
    t = P.squash(text)
    stay = [len(P.tokens(s)) for s in keep]
    stay_kept = sum(n for s, n in zip(keep, stay) if P.squash(s) in t)
    go_kept = sum(len(P.tokens(s)) for s in drop if P.squash(s) in t)
    if not sum(stay):
        return 1.0 if not go_kept else 0.0
    if not stay_kept:
        return 0.0
    precision, recall = stay_kept / (stay_kept + go_kept), stay_kept / sum(stay)
    return 2 * precision * recall / (precision + recall)


def score(outputs: list[dict], data: list[tuple]) -> dict:
    out = {}
    for variant in P.PAGE_TEXT:
        prf = [P.bow_prf(o[variant], d[2]) for o, d in zip(outputs, data) if d[2] is not None]
        snippet = P.snippet_shares(
            [o[variant] for o, d in zip(outputs, data) if d[2] is None], [_pg(d) for d in data if d[2] is None]
        )
        sf1 = [snippet_f1(o[variant], d[3], d[4]) for o, d in zip(outputs, data) if d[2] is None]
        out[variant] = {
            "f1": statistics.mean(f for _, _, f in prf),
            "p": statistics.mean(p for p, _, _ in prf),
            "r": statistics.mean(r for _, r, _ in prf),
            "stay": snippet["with_kept"],
            "go": snippet["without_dropped"],
            "snippet_f1": statistics.mean(sf1),
        }
    return out


def _pg(d) -> P.Page:
    return P.Page(d[0], d[1], "", None, d[3], d[4])


def show(name: str, figures: dict) -> None:
    print(
        f"{name:28s} "
        + " | ".join(
            f"{v}: F1 {f['f1']:.3f} (P {f['p']:.3f} R {f['r']:.3f}) stay {f['stay']:.3f} go {f['go']:.3f} "
            f"sF1 {f['snippet_f1']:.3f}"
            for v, f in figures.items()
        ),
        flush=True,
    )


SILVER_SETTINGS = ("default", "favor_precision")


def silver_texts(eval_limit: int) -> dict[str, list[str]]:
    """setting -> trafilatura's text of each page of page_texts(eval_limit), in its order (cached
    in bench/.cache by quality.py: extraction is slow and never changes)."""
    import quality as Q

    pages = P.newspaper_pages() + P.trafilatura_pages(eval_limit)
    return {setting: Q.trafilatura_outputs(pages, setting) for setting in SILVER_SETTINGS}


def silver_groups(data: list[tuple], silver: dict[str, list[str]]) -> dict[str, list[int]]:
    """Group name -> indexes of the pages in it: by source and by the silver text's language."""
    from corpus.language import detect_languages

    languages = detect_languages(silver["default"])
    groups = {
        "all": list(range(len(data))),
        "newspaper": [i for i, d in enumerate(data) if d[2] is not None],
        "traf-eval": [i for i, d in enumerate(data) if d[2] is None],
        "English": [i for i, lang in enumerate(languages) if lang == "en"],
        "other": [i for i, lang in enumerate(languages) if lang != "en"],
    }
    return groups


def silver_score(outputs: list[str], silver: dict[str, list[str]], groups: dict[str, list[int]]) -> dict:
    """{setting: {group: (P, R, F1, pages)}} of one text per page against each silver setting
    (a page trafilatura gives nothing of is left out: it would score 1 or 0 by its emptiness alone)."""
    out = {}
    for setting, expected in silver.items():
        prf = {i: P.bow_prf(outputs[i], expected[i]) for i in range(len(outputs)) if P.tokens(expected[i])}
        out[setting] = {}
        for group, members in groups.items():
            rows = [prf[i] for i in members if i in prf]
            out[setting][group] = tuple(statistics.mean(r[k] for r in rows) for k in range(3)) + (len(rows),)
    return out


def show_silver(name: str, figures: dict) -> None:
    """One line a silver setting: F1 (P / R) of each group."""
    for setting, by_group in figures.items():
        print(
            f"silver {setting[:7]:7s} {name:24s} "
            + " | ".join(f"{g} {f:.3f} ({p:.3f}/{r:.3f})" for g, (p, r, f, _) in by_group.items()),
            flush=True,
        )


def html_outputs(eval_limit: int, models: dict[str, str]) -> list[str]:
    """newsdesk's HTML path on each page of page_texts(eval_limit): corpus.readers' extraction
    (html_pages.py's cache), cleaned by the whole pipeline with the model that never saw the site."""
    import html_pages as H

    from corpus.cleaning import CleaningPipeline

    pages = P.newspaper_pages() + P.trafilatura_pages(eval_limit)
    articles = H.extracted(pages, eval_limit)
    pipelines = {path: CleaningPipeline(options={"residue_model": {"model": path}}) for path in set(models.values())}
    out = []
    for page in pages:
        docs = articles[page.name]
        out.append("\n".join(d.text for d in pipelines[models[page.site]].clean_many(docs)) if docs else "")
    return out


def scored_pages(data: list[tuple], eval_from: int) -> list[int]:
    """Indexes of the pages to score: every newspaper page, and the trafilatura-eval pages from the
    ``eval_from``-th on (0: all; 300 with ``--eval-limit 990``: those the 300-page figures never read)."""
    news = sum(d[2] is not None for d in data)
    return [i for i, d in enumerate(data) if d[2] is not None or i - news >= eval_from]


def fold_models(examples, stop, k: int = 5, out_dir: Path = CACHE / "folds") -> dict[str, str]:
    """site -> path of the model trained without the site's fold."""
    out_dir.mkdir(parents=True, exist_ok=True)
    sw = frozenset(stop)
    feats = [line_features(e[1], sw) for e in examples]
    by_site = {}
    for i, fold in enumerate(T.site_folds([e[0] for e in examples], k)):
        sel = [j for j, e in enumerate(examples) if e[0] not in fold]
        spec = T.fit(
            [examples[j][1:] for j in sel], stop, feats=[feats[j] for j in sel], sites=[examples[j][0] for j in sel]
        )
        path = out_dir / f"fold{i}.json"
        path.write_text(json.dumps(spec))
        by_site.update({site: str(path) for site in fold})
    return by_site


def polnear(options: dict) -> dict:
    """What the rule (shipped model) takes from PolNeAR's real articles, and annotated spans touched."""
    base = P.DATA / "attribution" / "polnear"
    rule = ResidueModelRule(**options)
    texts = chars = removed = spans = touched = 0
    for split in ("train", "dev"):
        for txt in sorted((base / split / "text").glob("*.txt")):
            text = txt.read_text("utf-8")
            cut = [(e[0], e[1]) for e in rule.propose(text, CleaningContext())]
            texts += 1
            chars += len(text)
            removed += sum(b - a for a, b in cut)
            offsets = []
            for ann in (base / split / "attributions").glob(txt.stem + "*.ann"):
                for line in ann.read_text("utf-8").splitlines():
                    if line.startswith("T") and line.count("\t") >= 2:
                        for frag in line.split("\t")[1].split(" ", 1)[1].split(";"):
                            a, b = map(int, frag.split())
                            offsets.append((a, b))
            spans += len(offsets)
            touched += sum(any(a < e and s < b for a, b in cut) for s, e in offsets)
    return {"texts": texts, "chars_kept": round(1 - removed / max(chars, 1), 5), "spans": spans, "touched": touched}


def mt_news(options: dict) -> dict:
    rule = ResidueModelRule(**options)
    kept = []
    for _story, _version, text in P.mt_news_articles():
        text = text.strip()
        kept.append(len(apply_edits(text, rule.propose(text, CleaningContext()))) / max(len(text), 1))
    return {"articles": len(kept), "mean_chars_kept": round(statistics.mean(kept), 5), "min": round(min(kept), 4)}


def speed(data: list[tuple], against: str | None, rounds: int = 3) -> dict:
    """CPU microseconds a line of the shipped rule on the whole-page texts (both variants), in the
    engine's batches (``propose_many``), and with ``against`` (a git revision) that revision's rule:
    each side in its own process (the revision's whole ``corpus/``, as check_identical.py runs it:
    the rule and its features change together), the sides alternating, the best of ``rounds`` each."""
    import os
    import subprocess
    import tempfile

    texts = [d[5][v] for d in data for v in P.PAGE_TEXT if d[5][v].strip()]
    lines = sum(sum(1 for line in t.split("\n") if line.strip()) for t in texts)
    best = {"now": float("inf")}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "texts.pkl"  # real text: in a temporary folder only, gone after
        path.write_bytes(pickle.dumps(texts))
        roots = {"now": None}
        if against:
            roots[against] = revision.export(against, Path(tmp) / "against", "corpus")
            best[against] = float("inf")
        for _ in range(rounds):
            for name, root in roots.items():
                env = dict(os.environ)
                if root is not None:
                    env["PYTHONPATH"] = os.pathsep.join([str(root), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
                shown = subprocess.run(
                    [sys.executable, "-c", _SPEED_CHILD, str(path)],
                    env=env,
                    cwd=str(root or tmp),
                    capture_output=True,
                    text=True,
                    check=True,
                )
                best[name] = min(best[name], float(shown.stdout.split()[-1]))
    return {"texts": len(texts), "lines": lines, **{f"us/line {k}": round(v / lines * 1e6, 2) for k, v in best.items()}}


# One side of speed(): warmed once, then the best of two passes over the texts in the engine's batches.
_SPEED_CHILD = """
import pickle, sys, time
from corpus.cleaning import CLEAN_BATCH
from corpus.rules.base import CleaningContext
from corpus.rules.residue_model import ResidueModelRule
texts = pickle.load(open(sys.argv[1], "rb"))
rule = ResidueModelRule()
def clean():
    for i in range(0, len(texts), CLEAN_BATCH):
        rule.propose_many(texts[i : i + CLEAN_BATCH], [CleaningContext() for _ in texts[i : i + CLEAN_BATCH]])
clean()
best = float("inf")
for _ in range(2):
    started = time.process_time()
    clean()
    best = min(best, time.process_time() - started)
print(best)
"""


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--eval-limit", type=int, default=300)
    ap.add_argument("--eval-from", type=int, default=0, help="score the trafilatura-eval pages from this one on")
    ap.add_argument("--opts", default="{}", help="rule options, a JSON object or list of objects")
    ap.add_argument("--weight-power", type=float, default=T.WEIGHT_POWER, help="a line weighs its words to this power")
    ap.add_argument("--word-bits", type=int, default=T.WORD_BITS, help="hashed word buckets, 2**bits (0: none)")
    ap.add_argument("--word-scale", type=float, default=T.WORD_SCALE, help="how freely the word weights are learned")
    ap.add_argument("--stage2-folds", type=int, default=T.STAGE2_FOLDS, help="stage 2 on out-of-fold scores")
    ap.add_argument("--words-mode", default=T.WORDS_MODE, choices=["joint", "stacked"])
    ap.add_argument("--words-from-pages", action="store_true", help="the words model without expected texts")
    ap.add_argument("--silver-weight", type=float, default=T.SILVER_WEIGHT, help="train on silver labels, this weight")
    ap.add_argument(
        "--silver-from", default=T.SILVER_FROM, choices=list(T.SILVER_SOURCES), help="trafilatura's setting(s)"
    )
    ap.add_argument("--silver-outside-only", action="store_true", help="no silver residue inside the article")
    ap.add_argument(
        "--silver-variants", default=",".join(T.SILVER_VARIANTS), help="whole-page texts given silver labels"
    )
    ap.add_argument("--heuristic", action="store_true", help="also score the issue's heuristic and no cleaning")
    ap.add_argument("--silver", action="store_true", help="also F1 against trafilatura's extraction, by group")
    ap.add_argument("--html", action="store_true", help="with --silver: also newsdesk's HTML path")
    ap.add_argument("--polnear", action="store_true")
    ap.add_argument("--mt-news", action="store_true")
    ap.add_argument("--speed", action="store_true", help="CPU time a line of the shipped rule")
    ap.add_argument("--against", default=None, help="with --speed: also time this git revision's rule")
    args = ap.parse_args(argv)
    if not P.data_available():
        print(f"development data not found under {P.BOILERPLATE}: nothing to measure")
        return 1
    options = json.loads(args.opts)
    optsets = options if isinstance(options, list) else [options]
    if args.polnear:
        for o in optsets:
            print("polnear", o, polnear(o), flush=True)
    if args.mt_news:
        for o in optsets:
            print("mt-news", o, mt_news(o), flush=True)
    if args.speed:
        print("speed", speed(page_texts(args.eval_limit), args.against), flush=True)
    if args.polnear or args.mt_news or args.speed:
        return 0
    T.WEIGHT_POWER = args.weight_power
    T.WORD_BITS, T.WORD_SCALE, T.STAGE2_FOLDS = args.word_bits, args.word_scale, args.stage2_folds
    T.WORDS_MODE, T.WORDS_FROM_PAGES = args.words_mode, args.words_from_pages
    T.SILVER_WEIGHT, T.SILVER_FROM = args.silver_weight, args.silver_from
    T.SILVER_OUTSIDE_ONLY, T.SILVER_VARIANTS = args.silver_outside_only, tuple(args.silver_variants.split(","))
    started = time.time()
    every_page = page_texts(args.eval_limit)
    scored = scored_pages(every_page, args.eval_from)
    data = [every_page[i] for i in scored]
    if args.heuristic:
        show("heuristic", score([{v: heuristic(d[5][v]) for v in P.PAGE_TEXT} for d in data], data))
        show("uncleaned", score([dict(d[5]) for d in data], data))
    if args.silver:
        silver = {s: [texts[i] for i in scored] for s, texts in silver_texts(args.eval_limit).items()}
        groups = silver_groups(data, silver)
        print("silver pages: " + ", ".join(f"{g} {len(m)}" for g, m in groups.items()), flush=True)
        empty = {s: sum(not P.tokens(t) for t in texts) for s, texts in silver.items()}
        print(f"silver: pages trafilatura gives nothing of (left out): {empty}", flush=True)
        for variant in P.PAGE_TEXT:
            show_silver(f"uncleaned {variant}", silver_score([d[5][variant] for d in data], silver, groups))
            show_silver(f"heuristic {variant}", silver_score([heuristic(d[5][variant]) for d in data], silver, groups))
        for setting, other in (("default", "favor_precision"), ("favor_precision", "default")):
            show_silver(f"trafilatura {other}", silver_score(silver[other], {setting: silver[setting]}, groups))
    examples = T.cached_examples(P.newspaper_pages() + P.trafilatura_pages(), None)
    stop = T.stopwords()
    models = fold_models(examples, stop)
    print(
        f"word buckets 2**{T.WORD_BITS}, scale {T.WORD_SCALE}, {T.WORDS_MODE}, from pages {T.WORDS_FROM_PAGES}, "
        f"stage 2 folds {T.STAGE2_FOLDS}, silver labels weight {T.SILVER_WEIGHT} from {T.silver_setting()}",
        flush=True,
    )
    print(f"{len(data)} pages, folds trained in {time.time() - started:.0f} s", flush=True)
    for o in optsets:
        rules: dict[str, ResidueModelRule] = {}
        outputs = []
        for d in data:
            path = models[d[1]]
            rule = rules.setdefault(path, ResidueModelRule(model=path, **o))
            outputs.append({v: apply_edits(d[5][v], rule.propose(d[5][v], CleaningContext())) for v in P.PAGE_TEXT})
        show(json.dumps(o), score(outputs, data))
        if args.silver:
            for variant in P.PAGE_TEXT:
                show_silver(f"newsdesk {variant}", silver_score([o[variant] for o in outputs], silver, groups))
    if args.silver and args.html:
        html = html_outputs(args.eval_limit, models)
        show_silver("newsdesk html", silver_score([html[i] for i in scored], silver, groups))
    print(f"done in {time.time() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
