"""Train the residue model (corpus/rules/residue_model.json) on the real development pages.

    .venv/bin/python bench/train_residue.py [--out corpus/rules/residue_model.json] [--cv 5]

Lines come from the whole-page text of each page (both variants of bench/pages.py) and are
labelled from the page's expected article text (newspaper-fixtures) or its must-stay and
must-go snippets (trafilatura-eval; other lines unlabelled). scikit-learn is needed here
only: the model is written as JSON coefficients that corpus/rules/residue_model.py reads with numpy.
With --cv, the line accuracy by site-grouped folds is printed (bench/quality.py --cv scores
pages with models that never saw their site).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pages as P  # noqa: E402

from corpus.rules.residue_model import FEATURES, context_features, line_features  # noqa: E402

VERSION = "1"
EXAMPLES_REVISION = 2  # bump when examples_of changes: the cached examples are remade
STOPWORD_LANGUAGES = [
    "en",
    "de",
    "fr",
    "es",
    "it",
    "pt",
    "nl",
    "pl",
    "sv",
    "da",
    "nb",
    "fi",
    "cs",
    "ru",
    "tr",
    "id",
    "hu",
    "ro",
]


def stopwords(per_language: int = 60) -> list[str]:
    import wordfreq

    words = set()
    for lang in STOPWORD_LANGUAGES:
        words.update(w for w in wordfreq.top_n_list(lang, per_language) if w.isalpha())
    return sorted(words)


def page_examples(page: P.Page, variants=("blocks", "nodes")) -> list[tuple[list[str], list[int | None]]]:
    """(lines, labels) of each whole-page text variant of a page."""
    out = []
    for variant in variants:
        lines = [line for line in P.PAGE_TEXT[variant](page.html).split("\n") if line.strip()]
        if lines:
            out.append((lines, P.line_labels(lines, page)))
    return out


WEIGHT_POWER = 0.5


def _weights(lines: list[str], labels, full: bool) -> np.ndarray:
    # F1 counts words: a line weighs as its words (square-rooted, so a long paragraph does not
    # drown every menu); the snippet-labelled pages, with few labels each, weigh as much in all.
    w = np.array([min(len(line.split()), 400) ** WEIGHT_POWER + 0.5 for line in lines])
    return w if full else w * 2.0


def fit(
    examples: list[tuple[list[str], list, bool]],
    stop: list[str],
    c1: float = 1.0,
    c2: float = 1.0,
    feats: list[np.ndarray] | None = None,
) -> dict:
    """The model spec trained on (lines, labels, fully_labelled) examples (``feats``: their
    line_features, when already computed)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    if feats is None:
        sw = frozenset(stop)
        feats = [line_features(lines, sw) for lines, _, _ in examples]
    X, y, w = _stack(examples, feats)
    scaler = StandardScaler().fit(X)
    scaler.scale_[scaler.scale_ == 0] = 1.0
    lr1 = LogisticRegression(C=c1, max_iter=2000).fit(scaler.transform(X), y, sample_weight=w)
    stage1 = _stage(scaler, lr1)
    scores = [((f - scaler.mean_) / scaler.scale_) @ lr1.coef_[0] + lr1.intercept_[0] for f in feats]
    ctx = [context_features(s) for s in scores]
    X2, y2, w2 = _stack(examples, ctx)
    scaler2 = StandardScaler().fit(X2)
    scaler2.scale_[scaler2.scale_ == 0] = 1.0
    lr2 = LogisticRegression(C=c2, max_iter=2000).fit(scaler2.transform(X2), y2, sample_weight=w2)
    return {
        "version": VERSION,
        "features": FEATURES,
        "stopwords": stop,
        "stage1": stage1,
        "stage2": _stage(scaler2, lr2),
    }


def _stage(scaler, lr) -> dict:
    return {
        "mean": [round(float(v), 6) for v in scaler.mean_],
        "scale": [round(float(v), 6) for v in scaler.scale_],
        "coef": [round(float(v), 6) for v in lr.coef_[0]],
        "intercept": round(float(lr.intercept_[0]), 6),
    }


def _stack(examples, feats):
    xs, ys, ws = [], [], []
    for (lines, labels, full), f in zip(examples, feats):
        keep = np.array([lab is not None for lab in labels])
        if not keep.any():
            continue
        xs.append(f[keep])
        ys.append(np.array([lab for lab in labels if lab is not None]))
        ws.append(_weights(lines, labels, full)[keep])
    return np.vstack(xs), np.concatenate(ys), np.concatenate(ws)


def examples_of(pages: list[P.Page]) -> list[tuple[str, list[str], list, bool]]:
    """(site, lines, labels, fully_labelled) for every page: its whole-page text (both variants),
    and text already extracted, which the model also sees (HTML after extraction, clean .txt):
    trafilatura's output of the page, and the expected article text itself (every line article)."""
    import quality as Q

    extracted = {
        setting: dict(zip((p.name for p in pages), Q.trafilatura_outputs(pages, setting)))
        for setting in ("default", "favor_precision")
    }
    out = []
    for page in pages:
        full = page.expected is not None
        for lines, labels in page_examples(page):
            out.append((page.site, lines, labels, full))
        for setting in extracted:
            lines = [line for line in extracted[setting][page.name].split("\n") if line.strip()]
            if lines:
                out.append((page.site, lines, P.line_labels(lines, page), full))
        if full:
            lines = [line.strip() for line in page.expected.split("\n") if line.strip()]
            if lines:
                out.append((page.site, lines, [1] * len(lines), True))
    return out


def cached_examples(pages: list[P.Page], limit: int | None) -> list:
    """examples_of(pages), kept in bench/.cache between runs (the pages are parsed twice each)."""
    import pickle

    cache = P.ROOT / "bench" / ".cache" / f"residue-examples-{EXAMPLES_REVISION}-{limit or 'all'}.pickle"
    if cache.exists():
        return pickle.loads(cache.read_bytes())
    examples = examples_of(pages)
    cache.parent.mkdir(exist_ok=True)
    cache.write_bytes(pickle.dumps(examples))
    return examples


def site_folds(sites: list[str], k: int) -> list[set[str]]:
    """Sites split into k folds, deterministically (by a hash of the name)."""
    import hashlib

    folds = [set() for _ in range(k)]
    for site in sorted(set(sites)):
        folds[int(hashlib.sha1(site.encode()).hexdigest(), 16) % k].add(site)
    return folds


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(P.ROOT / "corpus" / "rules" / "residue_model.json"))
    ap.add_argument("--cv", type=int, default=0, help="also report line accuracy with k site-grouped folds")
    ap.add_argument("--limit", type=int, default=None)
    args = ap.parse_args(argv)
    if not P.data_available():
        print(f"development data not found under {P.BOILERPLATE}: nothing to train on")
        return 1
    pages = P.newspaper_pages(args.limit) + P.trafilatura_pages(args.limit)
    examples = cached_examples(pages, args.limit)
    stop = stopwords()
    print(
        f"{len(pages)} pages, {len(examples)} whole-page texts, "
        f"{sum(sum(lab is not None for lab in e[2]) for e in examples):,} labelled lines"
    )
    if args.cv:
        from sklearn.metrics import accuracy_score

        for fold in site_folds([e[0] for e in examples], args.cv):
            train = [(lines, labels, full) for site, lines, labels, full in examples if site not in fold]
            test = [(lines, labels, full) for site, lines, labels, full in examples if site in fold]
            spec = fit(train, stop)
            from corpus.rules.residue_model import ResidueModel

            model = ResidueModel(spec)
            yt, yp = [], []
            for lines, labels, _ in test:
                p = model.probabilities(lines)
                for lab, q in zip(labels, p):
                    if lab is not None:
                        yt.append(lab)
                        yp.append(int(q >= 0.5))
            print(f"fold of {len(fold)} sites: line accuracy {accuracy_score(yt, yp):.3f} on {len(yt):,} lines")
    spec = fit([(lines, labels, full) for _, lines, labels, full in examples], stop)
    Path(args.out).write_text(json.dumps(spec, ensure_ascii=False, separators=(",", ":")) + "\n", "utf-8")
    print(
        f"wrote {args.out}: stage 1 weights "
        + ", ".join(
            f"{name} {c:+.2f}"
            for name, c in sorted(zip(FEATURES, spec["stage1"]["coef"]), key=lambda t: -abs(t[1]))[:10]
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
