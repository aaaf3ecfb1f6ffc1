"""spaCy's ``MultiHashEmbed.v2`` with one more hashed column computed from each document's text.

The quote state (:mod:`annotation.models.quote_context`) and the word frequency
(:mod:`annotation.models.word_frequency`) are both such a column: a code per token that no token
attribute holds. Each feature gives a function from a whole ``Doc`` to one code per token; the
network is built here, the same way for both, so the two differ only by that function (and the
extractor's name, which the numpy tok2vec recognises and saved models' configs name).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np

CodesOf = Callable[..., np.ndarray]  # (whole Doc, **options) -> one uint64 code per token


def _features_forward(model, docs, is_train: bool, codes_of: CodesOf):
    columns = model.attrs["columns"]
    options = model.attrs["options"]
    features = []
    for doc in docs:
        whole = doc if hasattr(doc, "to_array") else doc.doc
        attrs = whole.to_array(columns).reshape(len(whole), len(columns))
        codes = codes_of(whole, **options)
        if whole is not doc:  # a Span: its tokens' rows
            attrs, codes = attrs[doc.start : doc.end], codes[doc.start : doc.end]
        table = np.empty((attrs.shape[0], attrs.shape[1] + 1), dtype=np.uint64)
        table[:, :-1] = attrs
        table[:, -1] = codes
        features.append(model.ops.asarray2i(table, dtype="uint64"))
    return features, lambda d_features: []


def feature_extractor(name: str, columns: list, codes_of: CodesOf, **options):
    """spaCy's ``FeatureExtractor`` over ``columns`` with one more column, ``codes_of(doc, **options)``."""
    from thinc.api import Model

    forward = partial(_features_forward, codes_of=codes_of)
    return Model(name, forward, attrs={"columns": columns, "options": options})


def multi_hash_embed(
    width: int, attrs: list, rows: list[int], include_static_vectors: bool, extractor, extra_rows: int
):
    """``spacy.MultiHashEmbed.v2`` over what ``extractor`` gives (``attrs``, then its own column): each
    column its own hashed table (``rows``, then ``extra_rows``), seeds as spaCy's (8, 9, ... in column order)."""
    from spacy.ml.staticvectors import StaticVectors
    from thinc.api import HashEmbed, Maxout, chain, concatenate, list2ragged, ragged2list, with_array

    if len(rows) != len(attrs):
        raise ValueError(f"Mismatched lengths: {len(rows)} vs {len(attrs)}")

    all_rows = [*rows, extra_rows]
    embeddings = [HashEmbed(width, all_rows[i], column=i, seed=8 + i, dropout=0.0) for i in range(len(all_rows))]
    concat_size = width * (len(embeddings) + include_static_vectors)
    max_out = with_array(Maxout(width, concat_size, nP=3, dropout=0.0, normalize=True))
    features = chain(extractor, list2ragged(), with_array(concatenate(*embeddings)))
    if include_static_vectors:
        return chain(concatenate(features, StaticVectors(width, dropout=0.0)), max_out, ragged2list())
    return chain(features, max_out, ragged2list())
