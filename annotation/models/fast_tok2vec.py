"""spaCy's tok2vec for prediction only: the same vectors, bit for bit, in less time.

The tok2vec (``spacy.Tok2Vec.v2``: ``MultiHashEmbed.v2`` - hashed NORM / PREFIX / SUFFIX / SHAPE
and, with ``--quotes``, the quote code, mixed by a Maxout + LayerNorm - then
``MaxoutWindowEncoder.v2``: residual window Maxout + LayerNorm blocks) is most of a model's
prediction time. This runs the same float operations as thinc's layers, in the same order, with
three savings:

- the embedding and its mixing layer depend only on a token's feature values (for spaCy's
  features, on the word's spelling), so they run once per distinct row of features in the
  documents, not once per token (a news article repeats most of its words);
- thinc's training-time work is left out: the maxout's arg-max indices (a loop in compiled
  code) become ``np.maximum`` over the pieces, LayerNorm's moments are computed without
  recomputing the mean for the variance, and no array is kept for a backward pass;
- the encoder runs over a few documents at a time (laid out as thinc's ``with_array`` lays them
  out: ``pad`` zero rows around each), so its arrays stay in the CPU's cache.

Every matrix product is thinc's own BLIS ``gemm`` over the same weights; each output row of a
product depends only on its input row (checked for these shapes), and each document's vectors
depend only on its own tokens (the padding is as wide as the encoder's receptive field), so
grouping rows differently does not change a bit. This reads thinc's layer tree, so it runs only
on the versions it was checked on (``VERIFIED``) and on exactly this architecture; anything else
(static vectors, another encoder) goes through ``model.predict``. ``tests/test_fast_tok2vec.py``
checks both give the same arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

VERIFIED = {"spacy": ("3.8.18",), "thinc": ("8.3.14",)}  # add a release once tests/test_fast_tok2vec.py passes on it
ENABLED = True  # off: thinc's own forward pass (``bench/models.py speed --spacy-loop`` measures both)
CHUNK_ROWS = 4096  # encoder rows per step: a few articles, small enough for the CPU's cache


@dataclass
class _Maxout:
    """A Maxout layer followed by its LayerNorm (dropout is off at prediction)."""

    W: np.ndarray  # (nO * nP, nI), the layout thinc multiplies by
    b: np.ndarray  # (nO * nP,)
    pieces: int
    G: np.ndarray  # the LayerNorm's scale and shift
    shift: np.ndarray


@dataclass
class _Plan:
    extractor: object  # the feature extractor layer: its predict gives each document's (tokens, columns) ids
    tables: list  # (column, seed, E) per hashed embedding, in the concatenation's order
    mix: _Maxout
    pad: int  # the encoder's zero rows around each document
    blocks: list  # (window, _Maxout) per residual block


def _steps(layer) -> list:
    """The layers a ``chain`` runs, nested chains flattened."""
    from thinc.layers.chain import forward as chain_forward

    if layer._func is chain_forward:
        return [step for child in layer.layers for step in _steps(child)]
    return [layer]


def _kinds() -> dict:
    """thinc's layers this module reproduces, by name: a layer counts as one when its forward
    function is thinc's (a custom layer of the same name does not)."""
    from importlib import import_module

    modules = {
        "maxout": "maxout",
        "layernorm": "layernorm",
        "dropout": "dropout",
        "ints-getitem": "array_getitem",
        "hashembed": "hashembed",
        "expand_window": "expand_window",
        "list2ragged": "list2ragged",
        "ragged2list": "ragged2list",
        "residual": "residual",
    }  # thinc.layers.NAME is often the layer's function, not its module
    return {name: import_module(f"thinc.layers.{module}").forward for name, module in modules.items()}


def _names(layers: list) -> list[str]:
    """Each layer's name, or "?" where the name is thinc's but the layer is not."""
    kinds = _kinds()
    names = []
    for layer in layers:
        name = "residual" if layer.name.startswith("residual(") else layer.name
        names.append(name if name not in kinds or layer._func is kinds[name] else "?")
    return names


def _maxout(steps: list) -> _Maxout | None:
    if _names(steps) != ["maxout", "layernorm", "dropout"]:
        return None
    maxout, norm, _ = steps
    n_out, pieces, n_in = (maxout.get_dim(d) for d in ("nO", "nP", "nI"))
    W = maxout.get_param("W").reshape(n_out * pieces, n_in)
    b = maxout.get_param("b").reshape(n_out * pieces)
    return _Maxout(W, b, pieces, norm.get_param("G"), norm.get_param("b"))


def plan_of(tok2vec) -> _Plan | None:
    """What :func:`encode` runs for a tok2vec model, or None when it is not the architecture this
    module reproduces (or not on a verified version)."""
    import spacy
    import thinc
    from thinc.layers.concatenate import forward as concatenate_forward
    from thinc.layers.with_array import forward as with_array_forward

    if spacy.__version__ not in VERIFIED["spacy"] or thinc.__version__ not in VERIFIED["thinc"]:
        return None
    steps = _steps(tok2vec)
    names = _names(steps)
    if len(steps) != 6 or names[0] not in (
        "extract_features",
        "extract_features_with_quotes",
        "extract_features_with_frequency",
    ):
        return None
    extractor, to_ragged, embed, mix, to_list, encoder = steps
    if (names[1], names[4]) != ("list2ragged", "ragged2list"):
        return None
    if embed._func is not with_array_forward or embed.layers[0]._func is not concatenate_forward:
        return None
    tables = []
    for k, child in enumerate(embed.layers[0].layers):
        pair = _steps(child)
        if _names(pair) != ["ints-getitem", "hashembed"]:
            return None
        getitem, hashembed = pair
        column = hashembed.attrs["column"]
        if getitem.attrs["index"] != (slice(0, None), column) or column != k:
            return None
        tables.append((column, hashembed.attrs["seed"], hashembed.get_param("E")))
    if mix._func is not with_array_forward or encoder._func is not with_array_forward:
        return None
    mixing = _maxout(_steps(mix.layers[0]))
    blocks = []
    for block in _steps(encoder.layers[0]):
        if _names([block]) != ["residual"] or len(block.layers) != 1:
            return None
        inner = _steps(block.layers[0])
        if not inner or _names(inner[:1]) != ["expand_window"]:
            return None
        maxout = _maxout(inner[1:])
        if maxout is None:
            return None
        blocks.append((inner[0].attrs["window_size"], maxout))
    if mixing is None or not blocks:
        return None
    return _Plan(extractor, tables, mixing, encoder.attrs["pad"], blocks)


def _maxout_norm(ops, X: np.ndarray, layer: _Maxout) -> np.ndarray:
    """thinc's Maxout then LayerNorm forward, the same float operations in the same order."""
    Y = ops.gemm(X, layer.W, trans2=True)
    Y += layer.b
    Z = Y.reshape(len(Y), -1, layer.pieces)
    best = np.maximum(Z[:, :, 0], Z[:, :, 1]) if layer.pieces > 1 else Z[:, :, 0].copy()
    for piece in range(2, layer.pieces):
        np.maximum(best, Z[:, :, piece], out=best)
    # LayerNorm: X.mean, X.var + 1e-08 (numpy's var: the same sum and division as its mean,
    # then the sum of squared distances over the width, divided in numpy's intp), (X - mu) * var ** -0.5
    width = np.intp(best.shape[1])
    mu = np.add.reduce(best, axis=1, keepdims=True)
    np.true_divide(mu, width, out=mu, casting="unsafe")
    dist = best - mu
    var = np.add.reduce(np.multiply(dist, dist), axis=1, keepdims=True)
    np.true_divide(var, width, out=var, casting="unsafe")
    var = var + 1e-08
    dist *= var ** (-1.0 / 2.0)
    dist *= layer.G
    dist += layer.shift
    return dist


def _embedded(plan: _Plan, ops, ids: np.ndarray) -> np.ndarray:
    """The embedding and mixing layer of each row of feature ids, computed once per distinct row."""
    if not len(ids):
        return np.zeros((0, len(plan.mix.G)), dtype=np.float32)
    # one integer per distinct row of ids: the rows' per-column ranks, combined
    key = np.zeros(len(ids), dtype=np.int64)
    span = 1
    for column in range(ids.shape[1]):
        values, rank = np.unique(ids[:, column], return_inverse=True)
        span *= len(values)
        if span >= 2**62:  # cannot happen with news-sized batches; stay exact if it does
            return _embedded_rows(plan, ops, ids)
        key = key * len(values) + rank
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    return _embedded_rows(plan, ops, ids[first])[inverse]


def _embedded_rows(plan: _Plan, ops, ids: np.ndarray) -> np.ndarray:
    parts = []
    for column, seed, E in plan.tables:  # HashEmbed: hash, modulo the rows, add the four rows up
        keys = ops.hash(np.ascontiguousarray(ids[:, column]), seed) % E.shape[0]
        parts.append(ops.gather_add(E, keys))
    return _maxout_norm(ops, np.hstack(parts), plan.mix)


def _encoded(plan: _Plan, ops, X: np.ndarray, lengths: list[int]) -> list[np.ndarray]:
    """The residual window encoder over documents laid out as ``with_array(pad=...)`` does."""
    pad = plan.pad
    starts = np.cumsum([0, *lengths])
    Xf = ops.flatten([X[a:b] for a, b in zip(starts[:-1], starts[1:])], pad=pad)
    for window, layer in plan.blocks:
        Xf = Xf + _maxout_norm(ops, ops.seq2col(Xf, window), layer)
    return ops.unflatten(Xf, ops.asarray1i(lengths), pad=pad)


def predict(model, docs: list):
    """``model.predict(docs)`` for a model that starts with a tok2vec (the NER's tok2vec >>
    list2array >> linear, the tagger's tok2vec >> softmax): the tok2vec by :func:`encode` where it
    can be, the rest by thinc. The plan is read on every call: training changes the weights."""
    from thinc.api import NumpyOps
    from thinc.layers.chain import forward as chain_forward

    if not ENABLED or model._func is not chain_forward:
        return model.predict(docs)
    first, *rest = model.layers
    plan = plan_of(first) if isinstance(first.ops, NumpyOps) else None  # numpy's arrays, on the CPU
    if plan is None:
        return model.predict(docs)
    X = encode(plan, first.ops, docs)
    for layer in rest:
        X = layer.predict(X)
    return X


def encode(plan: _Plan, ops, docs: list) -> list[np.ndarray]:
    """What the tok2vec :func:`plan_of` read returns for ``docs``: one (tokens, width) array each."""
    features = plan.extractor.predict(docs)
    lengths = [len(f) for f in features]
    ids = np.concatenate(features) if features else np.zeros((0, len(plan.tables)), dtype=np.uint64)
    embedded = _embedded(plan, ops, ids)
    out: list[np.ndarray] = []
    start = chunk = 0
    while chunk < len(docs):  # a few documents at a time; an empty document has no rows
        end, rows = chunk, 0
        while end < len(docs) and (end == chunk or rows + lengths[end] <= CHUNK_ROWS):
            rows += lengths[end]
            end += 1
        if rows:
            out.extend(_encoded(plan, ops, embedded[start : start + rows], lengths[chunk:end]))
        else:
            out.extend(embedded[start:start] for _ in range(chunk, end))
        start, chunk = start + rows, end
    return out
