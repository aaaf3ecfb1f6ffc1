"""Train the residue model (corpus/rules/residue_model.json) on the real development pages.

    .venv/bin/python bench/train_residue.py [--out corpus/rules/residue_model.json] [--cv 5]

Lines come from the whole-page text of each page (both variants of bench/pages.py) and are
labelled from the page's expected article text (newspaper-fixtures) or its must-stay and
must-go snippets (trafilatura-eval; other lines unlabelled, or, with SILVER_WEIGHT, labelled
from trafilatura's extraction of the page: silver labels, which weigh less). scikit-learn is needed here
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

from corpus.rules.residue_features import WORDS_SAID, lines_word_buckets  # noqa: E402
from corpus.rules.residue_model import FEATURES, context_features, line_features  # noqa: E402

VERSION = "1"
EXAMPLES_REVISION = 3  # bump when examples_of changes: the cached examples are remade
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


# Where an example's labels come from (its third element): the page's expected article text, its
# must-stay and must-go snippets, or trafilatura's extraction of the page (silver: the lines the
# snippets leave unlabelled; a gold label always wins, the line is not in the silver example then).
EXPECTED, SNIPPETS, SILVER = "expected", "snippets", "silver"
# Silver lines weigh this share of a snippet line (0: not used at all). The shipped model (pipeline
# revision 15) is trained with 0.3, both settings agreeing, on the nodes variant only: chosen among
# ~20 settings on the first 300 trafilatura-eval pages, then better on every figure on the 690 pages
# that choice never read (bench/README.md, "Silver: trafilatura's text as expected text").
SILVER_WEIGHT = 0.3
# Which of trafilatura's extractions (quality.trafilatura_outputs' settings) give the silver labels:
# "default", "favor_precision", or "both" (a line is labelled where the two agree).
SILVER_FROM = "both"
# Lines inside the article (between its first and last line the extraction holds) that it leaves out
# are headings, captions, list items as often as residue: True leaves them unlabelled.
SILVER_OUTSIDE_ONLY = False
# The whole-page text variants (pages.PAGE_TEXT) whose lines get silver labels.
SILVER_VARIANTS = ("nodes",)
SILVER_SOURCES = {
    "default": ("default",),
    "favor_precision": ("favor_precision",),
    "both": ("default", "favor_precision"),
}


def _weights(lines: list[str], labels, source: str) -> np.ndarray:
    # F1 counts words: a line weighs as its words (square-rooted, so a long paragraph does not
    # drown every menu); the snippet-labelled pages, with few labels each, weigh as much in all.
    w = np.array([min(len(line.split()), 400) ** WEIGHT_POWER + 0.5 for line in lines])
    factor = {EXPECTED: 1.0, SNIPPETS: 2.0, SILVER: 2.0 * SILVER_WEIGHT}[source]
    return w * factor


def in_use(examples: list, *parallel: list | None) -> tuple[list, ...]:
    """The examples (and the lists parallel to them, None passed through) without the silver ones
    when SILVER_WEIGHT is 0: with no weight they would still move the features' scaling."""
    if SILVER_WEIGHT:
        return (examples, *parallel)
    keep = [i for i, e in enumerate(examples) if e[-1] != SILVER]
    return ([examples[i] for i in keep], *(None if p is None else [p[i] for i in keep] for p in parallel))


# The hashed words and word pairs of each line (words_said): 2**WORD_BITS buckets, learned with the
# other features by the first stage; WORD_SCALE sets how freely (the penalty is the same C for all:
# a bucket's column is scaled by it, its weight by it again).
WORD_BITS = 0  # off: not kept (bench/README.md, pipeline revision 14)
WORD_SCALE = 1.0
SAID = len(FEATURES)  # words_said: one column after FEATURES


# Stage 2 reads stage 1's scores; with hashed words, stage 1 knows its own training lines by heart,
# so stage 2 is trained on scores of lines stage 1 did not see (STAGE2_FOLDS folds of sites), as
# held-out pages get them (0: on stage 1's own training lines, as before the words).
STAGE2_FOLDS = 0
# "joint": the word buckets are columns of stage 1 itself. "stacked": a model of the words alone
# gives words_said, and stage 1 weighs it among the other features as it scores on lines of sites
# that model did not see (WORD_FOLDS folds of sites), as on held-out pages.
WORDS_MODE = "stacked"
WORD_FOLDS = 4
# The words-alone model learns from the whole-page and extracted texts only, not from the expected
# article texts (every line article: their words would all lean to article).
WORDS_FROM_PAGES = False


def fit(
    examples: list[tuple[list[str], list, str]],
    stop: list[str],
    c1: float = 1.0,
    c2: float = 1.0,
    feats: list[np.ndarray] | None = None,
    word_bits: int | None = None,
    word_scale: float | None = None,
    sites: list[str] | None = None,
) -> dict:
    """The model spec trained on (lines, labels, source) examples (``feats``: their
    line_features without word weights, when already computed; ``sites``: each example's site,
    for stage 2's folds). Silver examples are left out when SILVER_WEIGHT is 0."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    word_bits = WORD_BITS if word_bits is None else word_bits
    word_scale = WORD_SCALE if word_scale is None else word_scale
    examples, feats, sites = in_use(examples, feats, sites)
    if feats is None:
        sw = frozenset(stop)
        feats = [line_features(lines, sw) for lines, _, _ in examples]
    buckets = None
    if word_bits:  # a column for words_said after FEATURES
        buckets = [lines_word_buckets(lines, word_bits) for lines, _, _ in examples]
        feats = [np.hstack([f, np.zeros((f.shape[0], 1))]) for f in feats]
    if word_bits and WORDS_MODE == "stacked":
        word_weights, feats = _stacked_words(examples, feats, buckets, word_bits, word_scale, sites)
        stage1, _, scores = _fit_stage1(examples, feats, None, 0, word_scale, c1)
    else:
        stage1, word_weights, scores = _fit_stage1(examples, feats, buckets, word_bits, word_scale, c1)
    if word_bits and WORDS_MODE != "stacked" and STAGE2_FOLDS and sites is not None:
        scores = [None] * len(examples)
        for fold in site_folds(sites, STAGE2_FOLDS):
            inside = [i for i, site in enumerate(sites) if site not in fold]
            held = [i for i, site in enumerate(sites) if site in fold]
            if not held:
                continue
            part = _fit_stage1(
                [examples[i] for i in inside],
                [feats[i] for i in inside],
                [buckets[i] for i in inside],
                word_bits,
                word_scale,
                c1,
                score=([feats[i] for i in held], [buckets[i] for i in held]),
            )[2]
            for i, s in zip(held, part):
                scores[i] = s
    ctx = [context_features(s) for s in scores]
    X2, y2, w2 = _stack(examples, ctx)
    scaler2 = StandardScaler().fit(X2)
    scaler2.scale_[scaler2.scale_ == 0] = 1.0
    lr2 = LogisticRegression(C=c2, max_iter=2000).fit(scaler2.transform(X2), y2, sample_weight=w2)
    spec = {
        "version": VERSION,
        "features": FEATURES + ([WORDS_SAID] if word_weights is not None else []),
        "stopwords": stop,
        "stage1": stage1,
        "stage2": _stage(scaler2, lr2),
    }
    if word_weights is not None:
        spec["word_weights"] = [float(v) for v in word_weights]
    return spec


def _words_model(examples, buckets, word_bits: int, word_scale: float) -> np.ndarray:
    """The weight of each word bucket in a logistic regression of the labels on the words alone."""
    from sklearn.linear_model import LogisticRegression

    if WORDS_FROM_PAGES:
        pages = [i for i, e in enumerate(examples) if not all(label == 1 for label in e[1])]
        examples, buckets = [examples[i] for i in pages], [buckets[i] for i in pages]
    hashed = _stack_hashed(examples, buckets, word_bits) * word_scale
    _, y, w = _stack(examples, [np.zeros((len(e[0]), 1)) for e in examples])
    lr = LogisticRegression(C=1.0, max_iter=3000).fit(hashed, y, sample_weight=w)
    return np.round(lr.coef_[0] * word_scale, 4)


def _stacked_words(examples, feats, buckets, word_bits: int, word_scale: float, sites):
    """The words-alone model's weights (on all examples), and the features with words_said filled in
    by models that did not see the line's site (WORD_FOLDS folds of ``sites``; of the line's page
    without sites)."""
    groups = sites if sites is not None else [str(i) for i in range(len(examples))]
    feats = list(feats)
    for fold in site_folds(groups, WORD_FOLDS):
        inside = [i for i, g in enumerate(groups) if g not in fold]
        held = [i for i, g in enumerate(groups) if g in fold]
        if not held:
            continue
        weights = _words_model([examples[i] for i in inside], [buckets[i] for i in inside], word_bits, word_scale)
        for i in held:
            feats[i] = _with_said(feats[i], buckets[i], weights)
    return _words_model(examples, buckets, word_bits, word_scale), feats


def _fit_stage1(examples, feats, buckets, word_bits: int, word_scale: float, c1: float, score=None):
    """Stage 1 (its spec, its word weights or None) fitted on the examples, and its logits of each
    line of the examples (of ``score``'s (feats, buckets) instead, when given)."""
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    X, y, w = _stack(examples, feats)
    scaler = StandardScaler().fit(X)
    scaler.scale_[scaler.scale_ == 0] = 1.0
    if word_bits:  # words_said is the bucket columns' sum: as it is, weight 1
        scaler.mean_[SAID], scaler.scale_[SAID] = 0.0, 1.0
    dense = scaler.transform(X)
    word_weights = None
    if word_bits:
        hashed = _stack_hashed(examples, buckets, word_bits) * word_scale
        lr1 = LogisticRegression(C=c1, max_iter=3000).fit(
            sparse.hstack([sparse.csr_matrix(dense), hashed]).tocsr(), y, sample_weight=w
        )
        word_weights = np.round(lr1.coef_[0][X.shape[1] :] * word_scale, 4)
        lr1.coef_ = lr1.coef_[:, : X.shape[1]].copy()
        lr1.coef_[0, SAID] = 1.0
    else:
        lr1 = LogisticRegression(C=c1, max_iter=2000).fit(dense, y, sample_weight=w)
    stage1 = _stage(scaler, lr1)
    to_score, their_buckets = score if score is not None else (feats, buckets)
    if word_weights is not None:
        to_score = [_with_said(f, b, word_weights) for f, b in zip(to_score, their_buckets)]
    return (
        stage1,
        word_weights,
        [((f - scaler.mean_) / scaler.scale_) @ lr1.coef_[0] + lr1.intercept_[0] for f in to_score],
    )


def _with_said(f: np.ndarray, buckets, word_weights: np.ndarray) -> np.ndarray:
    """The features ``f`` with words_said filled in from the lines' buckets and the weights."""
    line, bucket, per_line = buckets
    said = np.bincount(line, weights=word_weights.take(bucket), minlength=per_line.size)
    f = f.copy()
    f[:, SAID] = said / np.sqrt(np.maximum(per_line, 1))
    return f


def _stack_hashed(examples, buckets, bits: int):
    """The labelled lines' hashed words as a sparse matrix (a word weighs 1 over the square root of its
    line's words), rows as _stack's."""
    from scipy import sparse

    blocks = []
    for (_, labels, _), (line, bucket, per_line) in zip(examples, buckets):
        keep = np.array([lab is not None for lab in labels])
        if not keep.any():
            continue
        values = 1.0 / np.sqrt(np.maximum(per_line, 1)).take(line)
        m = sparse.csr_matrix((values, (line, bucket.astype(np.int64))), shape=(len(labels), 1 << bits))
        blocks.append(m[np.flatnonzero(keep)])
    return sparse.vstack(blocks).tocsr()


def _stage(scaler, lr) -> dict:
    return {
        "mean": [round(float(v), 6) for v in scaler.mean_],
        "scale": [round(float(v), 6) for v in scaler.scale_],
        "coef": [round(float(v), 6) for v in lr.coef_[0]],
        "intercept": round(float(lr.intercept_[0]), 6),
    }


def _stack(examples, feats):
    xs, ys, ws = [], [], []
    for (lines, labels, source), f in zip(examples, feats):
        keep = np.array([lab is not None for lab in labels])
        if not keep.any():
            continue
        xs.append(f[keep])
        ys.append(np.array([lab for lab in labels if lab is not None]))
        ws.append(_weights(lines, labels, source)[keep])
    return np.vstack(xs), np.concatenate(ys), np.concatenate(ws)


def examples_of(pages: list[P.Page]) -> list[tuple[str, list[str], list, str]]:
    """(site, lines, labels, source) for every page: its whole-page text (both variants),
    and text already extracted, which the model also sees (HTML after extraction, clean .txt):
    trafilatura's output of the page, and the expected article text itself (every line article).
    A snippet page's whole-page texts (of SILVER_VARIANTS) come twice: with the snippets' labels, and
    with silver labels (from trafilatura's SILVER_FROM extraction) on the lines the snippets leave
    unlabelled."""
    import quality as Q

    extracted = {
        setting: dict(zip((p.name for p in pages), Q.trafilatura_outputs(pages, setting)))
        for setting in ("default", "favor_precision")
    }
    out = []
    for page in pages:
        source = EXPECTED if page.expected is not None else SNIPPETS
        silver_texts = [extracted[setting][page.name] for setting in SILVER_SOURCES[SILVER_FROM]]
        for variant in P.PAGE_TEXT:
            for lines, labels in page_examples(page, (variant,)):
                out.append((page.site, lines, labels, source))
                if source == SNIPPETS and variant in SILVER_VARIANTS and all(P.tokens(t) for t in silver_texts):
                    out.append((page.site, lines, silver_labels(lines, labels, silver_texts), SILVER))
        for setting in extracted:
            lines = [line for line in extracted[setting][page.name].split("\n") if line.strip()]
            if lines:
                out.append((page.site, lines, P.line_labels(lines, page), source))
        if source == EXPECTED:
            lines = [line.strip() for line in page.expected.split("\n") if line.strip()]
            if lines:
                out.append((page.site, lines, [1] * len(lines), EXPECTED))
    return out


def silver_labels(lines: list[str], gold: list[int | None], extracted: list[str]) -> list[int | None]:
    """Labels of the lines gold leaves unlabelled, read from extractions of the page as from an
    expected text (pages.line_labels), where they all agree; None where gold has a label (gold wins)
    and, with SILVER_OUTSIDE_ONLY, on residue between the first and the last article line."""
    read = [P.line_labels(lines, P.Page("", "", "", expected=text)) for text in extracted]
    out = [None if g is not None or len(set(s)) > 1 else s[0] for g, *s in zip(gold, *read)]
    article = [i for i, votes in enumerate(zip(*read)) if all(votes)]
    if SILVER_OUTSIDE_ONLY and article:
        out = [None if article[0] < i < article[-1] and lab == 0 else lab for i, lab in enumerate(out)]
    return out


def silver_setting() -> str:
    """What the silver labels of the examples were made with (part of their cache's name)."""
    return "-".join([SILVER_FROM, *SILVER_VARIANTS] + (["outside"] if SILVER_OUTSIDE_ONLY else []))


def cached_examples(pages: list[P.Page], limit: int | None) -> list:
    """examples_of(pages), kept in bench/.cache between runs (the pages are parsed twice each)."""
    import pickle

    name = f"residue-examples-{EXAMPLES_REVISION}-{silver_setting()}-{limit or 'all'}.pickle"
    cache = P.ROOT / "bench" / ".cache" / name
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
    global SILVER_WEIGHT, SILVER_FROM, SILVER_OUTSIDE_ONLY, SILVER_VARIANTS
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(P.ROOT / "corpus" / "rules" / "residue_model.json"))
    ap.add_argument("--cv", type=int, default=0, help="also report line accuracy with k site-grouped folds")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument(
        "--silver-weight", type=float, default=SILVER_WEIGHT, help="silver lines, share of a snippet line's weight"
    )
    ap.add_argument("--silver-from", default=SILVER_FROM, choices=list(SILVER_SOURCES), help="trafilatura's setting(s)")
    ap.add_argument("--silver-outside-only", action="store_true", help="no silver residue inside the article")
    ap.add_argument("--silver-variants", default=",".join(SILVER_VARIANTS), help="whole-page texts given silver labels")
    args = ap.parse_args(argv)
    SILVER_WEIGHT, SILVER_FROM, SILVER_OUTSIDE_ONLY = args.silver_weight, args.silver_from, args.silver_outside_only
    SILVER_VARIANTS = tuple(args.silver_variants.split(","))
    if not P.data_available():
        print(f"development data not found under {P.BOILERPLATE}: nothing to train on")
        return 1
    pages = P.newspaper_pages(args.limit) + P.trafilatura_pages(args.limit)
    examples = cached_examples(pages, args.limit)
    stop = stopwords()
    print(
        f"{len(pages)} pages, {len(examples)} whole-page texts, "
        f"{sum(sum(lab is not None for lab in e[2]) for e in examples if e[3] != SILVER):,} labelled lines, "
        f"{sum(sum(lab is not None for lab in e[2]) for e in examples if e[3] == SILVER):,} silver (weight {SILVER_WEIGHT})"
    )
    if args.cv:
        from sklearn.metrics import accuracy_score

        for fold in site_folds([e[0] for e in examples], args.cv):
            train = [(lines, labels, source) for site, lines, labels, source in examples if site not in fold]
            test = [
                (lines, labels, source) for site, lines, labels, source in examples if site in fold and source != SILVER
            ]
            spec = fit(train, stop, sites=[e[0] for e in examples if e[0] not in fold])
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
    spec = fit([(lines, labels, source) for _, lines, labels, source in examples], stop, sites=[e[0] for e in examples])
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
