"""Train a model from gold: one span model per layer, on a shared clock, kept at its best held-out score.

Flow: gold documents with their splits (:mod:`training.examples`) -> a blank pipeline per layer
that has gold (entities: the schema's entity labels; claims: CLAIM / CUE / SOURCE) -> updates
with ``nlp.update`` on shuffled batches, both layers in turn, until ``max_minutes`` -> every
``eval_seconds`` the held-out score, and the best weights of each layer kept -> the link rules'
window and each NER's start bias (:mod:`annotation.models.start_bias`) chosen on held-out gold ->
the full held-out evaluation -> ``models/NAME/`` written whole.

The tok2vec is spaCy's (hashed NORM / PREFIX / SUFFIX / SHAPE embeddings, a Maxout CNN) with
more hash rows than the default, which costs nothing at prediction time; ``quotes=True`` adds
each token's quotation state as one more hashed column (:mod:`annotation.models.quote_context`). Over it, each layer has
spaCy's transition-based NER (``architecture="ner"``, the default) or the span tagger
(``"tagger"``: BILUO tags per token, decoded to valid spans, :mod:`annotation.models.span_tagger`).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from annotation.models import quote_context, span_tagger, word_frequency
from annotation.models.folder import ModelMeta, check_name_free, models_root, write_model_folder
from annotation.models.links import DEFAULT_HEAD_GAP, DEFAULT_SOURCE_WINDOW
from annotation.schema import CLAIM_LABELS, CLAIM_LAYER, ENTITY_LAYER, LabelSchema
from corpus.errors import Errors, NewsdeskError
from corpus.workspace import Workspace
from training.evaluate import START_BIASES, evaluate_gold, tune_link_rules, tune_start_bias
from training.examples import (
    TRAINED_DOCUMENTS_FILE,
    GoldDocument,
    attribute_defaults,
    check_enough,
    data_fingerprint,
    gold_documents,
    held_out_examples,
    layers_with_gold,
    training_examples,
)

SOURCE_WINDOWS = (30, 60, 100, 160)
ARCHITECTURES = ("tagger", "ner")
LEARN_RATE_SCHEDULES = ("constant", "linear")
HEAD_GAPS = (0, 5)


@dataclass
class TrainSettings:
    """The network and the schedule; the defaults are what measured best on 2 cores (bench/README.md)."""

    # "ner": spaCy's transition-based NER; "tagger": BILUO tags per token, decoded to valid spans
    # (annotation/models/span_tagger.py), faster, higher overlap F1 and more attributions whole
    # but more spans split, so more edits per 1,000 words at equal CPU time (bench/README.md)
    architecture: str = "ner"
    width: int = 64  # 64 x 2 trains 1.4x the words of spaCy's 96 x 4 per CPU second and predicts 1.4x faster
    # convolution layers of the window encoder: a token sees depth x window words each side; 4
    # (was 2) lets the NER's few state tokens see a long claim's edges: on PolNeAR +0.01-0.05 SOURCE
    # overlap F1, fewer edits, 57 instead of 77 articles per CPU second (two seeds, bench/README.md)
    depth: int = 4
    window: int = 1
    # the token attributes hashed into embeddings, and each one's hash rows (same order)
    embed_attrs: tuple[str, ...] = ("NORM", "PREFIX", "SUFFIX", "SHAPE")
    embed_rows: tuple[int, ...] = (20000, 2000, 5000, 1000)
    hidden_width: int = 64  # the NER's state layer (architecture "ner" only)
    # > 1: spaCy's beam NER (factory "beam_ner"), updated with its global objective over this
    # many parses (a beam_update_prob share of the updates, the others greedy) and decoded with
    # its beam; 1: the greedy NER, the default (bench/README.md, ninth round)
    beam_width: int = 1
    beam_density: float = 0.01  # parses under this share of the best one's probability leave the beam
    beam_update_prob: float = 0.5
    # dimensions of word vectors learnt from the workspace's own text before training
    # (training/vectors.py), fed to the tok2vec beside the hashed embeddings; 0: none
    vectors: int = 0
    # a per-token code for the quotation state (outside, inside, opening or closing mark), embedded
    # beside the hashed attributes (annotation/models/quote_context.py): what a window cannot see
    quotes: bool = False
    # a per-token code for how common the word is in the language (wordfreq's Zipf frequency, in
    # half steps), embedded beside the hashed attributes (annotation/models/word_frequency.py): on
    # WikiANN +0.012 / +0.014 dev exact F1 and 3 fewer edits per 1,000 words (4 CPU minutes, two
    # seeds), WNUT-17 +0.004 dev, +0.019 on held-out tweets; not with ``quotes`` (one extra column)
    frequency: bool = True
    # the claim layer's: PolNeAR +0.002 micro overlap F1, exact -0.003, edits +0.8 (14 CPU minutes,
    # two seeds against three): a draw, for ~7% of prediction speed; None: ``frequency``
    claim_frequency: bool | None = False
    dropout: float = 0.1  # the entity layer's (0.25 lost 0.010 dev / 0.016 held-out WikiANN F1, 4 CPU min, seed 0)
    # the claim layer's: PolNeAR's NER over-fits after ~6 epochs at 0.1; 0.25 scored higher micro
    # overlap F1 on dev and held-out train, both seeds, at 14 CPU minutes (exact and edits better in
    # three of four; 0.35 no better; bench/README.md, tenth round); None: ``dropout``
    claim_dropout: float | None = 0.25
    batch_words: tuple[int, int] = (100, 1000)  # compounding from, to
    # "linear": the learn rate falls with the time spent, to a tenth at the budget's end; on WikiANN
    # (4 CPU minutes, seeds 0 / 1) +0.016 / +0.024 dev exact F1 over "constant", on PolNeAR (14 CPU
    # minutes, three seeds) overlap F1 the same, exact F1 up and edits down (bench/README.md, eleventh round)
    learn_rate_schedule: str = "linear"
    # "linear" only: the fall ends by this many passes over the entity layer's data if they come before
    # the budget's end, then the rate stays at a tenth while the best held-out checkpoint is kept (None:
    # the budget). WikiANN at 20 CPU minutes (~70 epochs): 0.668 / 0.664 dev exact F1 (seeds 0 / 1) against
    # 0.666 / 0.658; at 4 (~10 epochs) 10 is the budget's end, 6 lost 0.002 / 0.010 (bench/README.md, twelfth round)
    learn_rate_epochs: float | None = 10.0
    # the claim layer's: PolNeAR (14 CPU minutes, ~9 epochs, three seeds) +0.005 dev micro overlap F1 with 6
    # (the NER over-fits before the budget ends); None: ``learn_rate_epochs``
    claim_learn_rate_epochs: float | None = 6.0
    learn_rate: float = 0.002  # 0.001 (spaCy's) scored 0.03-0.06 lower on PolNeAR at equal CPU time (bench/README.md)
    eval_seconds: float = 60.0
    eval_words: int = 25000  # the held-out sample the progress bar's score is measured on
    eval_share: float = 0.1  # at most this share of the time goes to those scores
    patience: int = 12  # evaluations without a better held-out score before a layer stops
    max_epochs: float | None = None  # stop after this many passes over the training data, if sooner
    # "wall" (what a user waits) or "cpu" (this process's CPU time: what benchmarks on a shared
    # machine compare, since the wall clock there also measures the neighbours)
    clock: str = "wall"
    seed: int = 0
    # choose each NER layer's bias on opening a span on the held-out documents
    # (annotation/models/start_bias.py): the NER finds too little; False keeps none
    start_bias: bool = True

    def to_record(self) -> dict:
        return dict(self.__dict__)

    def dropout_of(self, layer: str) -> float:
        return self.claim_dropout if layer == CLAIM_LAYER and self.claim_dropout is not None else self.dropout

    def frequency_of(self, layer: str) -> bool:
        wanted = self.claim_frequency if layer == CLAIM_LAYER and self.claim_frequency is not None else self.frequency
        return wanted and not self.quotes

    def learn_rate_epochs_of(self, layer: str) -> float | None:
        if layer == CLAIM_LAYER and self.claim_learn_rate_epochs is not None:
            return self.claim_learn_rate_epochs
        return self.learn_rate_epochs


@dataclass
class TrainProgress:
    elapsed: float
    budget: float
    epoch: dict[str, float] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)  # held-out exact F1 per layer, best so far
    losses: dict[str, float] = field(default_factory=dict)


@dataclass
class TrainResult:
    path: Path
    meta: ModelMeta
    stopped: str  # "time", "converged" (or max_epochs reached) or "interrupted"


def _embed_config(s: TrainSettings, lang: str = "en") -> dict:
    embed = {
        "@architectures": "spacy.MultiHashEmbed.v2",
        "width": s.width,
        "attrs": list(s.embed_attrs),
        "rows": list(s.embed_rows),
        "include_static_vectors": s.vectors > 0,
    }
    if s.quotes:  # one extra column at a time: the quote state takes the frequency's place
        embed.update({"@architectures": quote_context.ARCHITECTURE, "quote_rows": quote_context.QUOTE_ROWS})
    elif s.frequency:
        embed.update(
            {
                "@architectures": word_frequency.ARCHITECTURE,
                "frequency_rows": word_frequency.FREQUENCY_ROWS,
                "lang": lang,
            }
        )
    return embed


def _tok2vec_config(s: TrainSettings, lang: str = "en") -> dict:
    return {
        "@architectures": "spacy.Tok2Vec.v2",
        "embed": _embed_config(s, lang),
        "encode": {
            "@architectures": "spacy.MaxoutWindowEncoder.v2",
            "width": s.width,
            "depth": s.depth,
            "window_size": s.window,
            "maxout_pieces": 3,
        },
    }


def _ner_config(s: TrainSettings, lang: str = "en") -> dict:
    beam = {"beam_width": s.beam_width, "beam_density": s.beam_density, "beam_update_prob": s.beam_update_prob}
    return {
        **(beam if s.beam_width > 1 else {}),
        "model": {
            "@architectures": "spacy.TransitionBasedParser.v2",
            "state_type": "ner",
            "extra_state_tokens": False,
            "hidden_width": s.hidden_width,
            "maxout_pieces": 2,
            "use_upper": True,
            "nO": None,
            "tok2vec": _tok2vec_config(s, lang),
        },
    }


def _tagger_config(s: TrainSettings, labels: list[str], lang: str = "en") -> dict:
    return {
        "labels": list(labels),
        "model": {
            "@architectures": "spacy.Tagger.v2",
            "nO": None,
            "normalize": False,
            "tok2vec": _tok2vec_config(s, lang),
        },
    }


def _blank(lang: str, vocab=True):
    import spacy

    try:
        return spacy.blank(lang, vocab=vocab)
    except (ImportError, KeyError, ValueError):
        return spacy.blank("xx", vocab=vocab)  # a language spaCy has no tokenizer rules for: the generic one


def blank_pipeline(lang: str, labels: list[str], settings: TrainSettings, vocab=True):
    nlp = _blank(lang, vocab)
    quote_context.register()
    word_frequency.register()
    if settings.architecture == "tagger":
        span_tagger.register()
        nlp.add_pipe(span_tagger.FACTORY, config=_tagger_config(settings, labels, lang))
        return nlp
    ner = nlp.add_pipe("beam_ner" if settings.beam_width > 1 else "ner", name="ner", config=_ner_config(settings, lang))
    for label in labels:
        ner.add_label(label)
    return nlp


def _vocab_with_vectors(workspace: Workspace, gold: list[GoldDocument], lang: str, dim: int):
    """A vocab holding word vectors learnt from the workspace's text: every document but the held-out
    ones (their scores choose the checkpoint, so they stay unseen)."""
    from corpus.store import CorpusStore
    from training.vectors import learn_vectors

    nlp = _blank(lang)
    held_out = {g.doc.id for g in gold if g.held_out}
    texts = [d.text for d in CorpusStore(workspace).iter_documents() if d.id not in held_out]
    vectors = learn_vectors(nlp, texts, dim)
    if vectors is not None:
        nlp.vocab.vectors = vectors
    return nlp.vocab


def _language(gold: list[GoldDocument]) -> str:
    langs = [g.doc.language for g in gold if getattr(g.doc, "language", None)]
    return max(set(langs), key=langs.count) if langs else "en"


def _libraries() -> dict[str, str]:
    versions = {}
    for name in ("spacy", "thinc", "numpy", "newsdesk"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return versions


_clock = time.monotonic


def _sample(gold: list[GoldDocument], words: int, seed: int) -> list[GoldDocument]:
    """Held-out documents up to about ``words`` words, picked at random: scoring all every minute
    would take more time than it tells (every held-out document is scored once, at the end)."""
    order = list(gold)
    random.Random(seed).shuffle(order)
    picked, total = [], 0
    for g in order:
        if total >= words:
            break
        picked.append(g)
        total += len(g.doc.text.split())
    return picked


def _compounding(start: float, stop: float, rate: float):
    """Batch sizes growing from ``start`` to ``stop`` words: small early batches learn fast, big late ones steady."""
    size = start
    while True:
        yield int(size)
        size = min(stop, size * rate)


class _Layer:
    """One layer's pipeline, data, optimizer and best checkpoint."""

    def __init__(
        self, layer: str, labels: list[str], gold: list[GoldDocument], lang: str, settings: TrainSettings, vocab=True
    ):
        self.layer = layer
        network = replace(settings, frequency=settings.frequency_of(layer))
        self.nlp = blank_pipeline(lang, labels, network, vocab)
        self.train = training_examples(self.nlp, gold, layer)
        held = [g for g in gold if g.held_out and g.spans(layer)]
        self.held_out_words = sum(len(g.doc.text.split()) for g in held)
        self.held_out = held_out_examples(self.nlp, _sample(held, settings.eval_words, settings.seed), layer)
        self.words_per_second: float | None = None  # of scoring, measured on the sample
        self.optimizer = self.nlp.initialize(lambda: self.train)
        self.optimizer.learn_rate = settings.learn_rate
        self.sizes = _compounding(*settings.batch_words, 1.001)
        self.batches = iter(())
        self.epoch = 0.0
        self.seen = 0
        self.best = -1.0
        self.best_bytes: bytes | None = None
        self.since_best = 0
        self.done = False
        self.loss = 0.0
        self.curve: list[tuple[float, float, float]] = []  # (seconds, epoch, held-out sample F1) at each score

    def _next_batch(self, rng: random.Random) -> list:
        from spacy.training.batchers import minibatch_by_words

        batch = next(self.batches, None)
        if batch is None:
            rng.shuffle(self.train)
            self.batches = iter(minibatch_by_words(self.train, size=self.sizes))
            batch = next(self.batches)
        self.seen += len(batch)
        self.epoch = self.seen / max(1, len(self.train))
        return batch

    def step(self, rng: random.Random, dropout: float) -> None:
        losses: dict[str, float] = {}
        self.nlp.update(self._next_batch(rng), drop=dropout, sgd=self.optimizer, losses=losses)
        self.loss = 0.98 * self.loss + 0.02 * sum(losses.values())

    def evaluate(self, patience: int, elapsed: float) -> float:
        with self.nlp.use_params(self.optimizer.averages):
            started = _clock()
            score = self.nlp.evaluate(self.held_out)["ents_f"] or 0.0
            words = sum(len(ex.reference.text.split()) for ex in self.held_out)
            self.words_per_second = words / max(_clock() - started, 1e-3)
            self.curve.append((round(elapsed, 1), round(self.epoch, 3), round(score, 4)))
            if score > self.best:
                self.best, self.since_best = score, 0
                self.best_bytes = self.nlp.to_bytes()
                return score
        self.since_best += 1
        self.done = self.since_best >= patience
        return score

    def keep_best(self) -> None:
        if self.best_bytes is not None:
            self.nlp.from_bytes(self.best_bytes)


def _falling_rate(settings: TrainSettings, layer: str, time_spent: float, epoch: float) -> float:
    """The "linear" schedule's rate: down to a tenth by the budget's end, or by the layer's epochs."""
    epochs = settings.learn_rate_epochs_of(layer)
    spent = time_spent if epochs is None else max(time_spent, epoch / epochs)
    return settings.learn_rate * max(0.1, 1.0 - spent)


def _finishing_seconds(trainers: list[_Layer], settings: TrainSettings) -> float:
    """What scoring every held-out document at the end will take (measured on the samples), plus
    choosing the link rules and the start bias: the loop stops that much earlier, so the run ends
    within its minutes."""
    need = 0.0
    for t in trainers:
        if t.words_per_second:
            predictions = 2.0  # prediction with links, and a margin
            if settings.start_bias and settings.architecture == "ner":
                # tune_start_bias's trials: a layer's spans only, numpy-decoded, half the time of
                # nlp.evaluate, which the speed was measured with (PolNeAR: 3.8 vs 7.1-7.6 CPU s);
                # a beam NER's trials run spaCy's beam as nlp.evaluate does
                predictions += len(START_BIASES) / (1 if settings.beam_width > 1 else 2)
            need += predictions * t.held_out_words / t.words_per_second
    return need + 2.0


def train_model(
    workspace: Workspace,
    name: str = "default",
    max_minutes: float = 20.0,
    source: str = "gold",
    settings: TrainSettings | None = None,
    progress: Callable[[TrainProgress], None] | None = None,
    replace_existing: bool = False,
) -> TrainResult:
    """Train ``models/NAME`` from the workspace's gold within ``max_minutes`` (see the module docstring).

    An existing ``models/NAME`` is replaced only with ``replace_existing`` (``--force``); else E225,
    before any training."""

    settings = settings or TrainSettings()
    if settings.architecture not in ARCHITECTURES:
        raise NewsdeskError(
            Errors.E221, where=f"--architecture {settings.architecture}", detail=f"choose one of {list(ARCHITECTURES)}"
        )
    if settings.learn_rate_schedule not in LEARN_RATE_SCHEDULES:
        raise NewsdeskError(
            Errors.E221,
            where=f"learn_rate_schedule {settings.learn_rate_schedule!r}",
            detail=f"choose one of {list(LEARN_RATE_SCHEDULES)}",
        )
    for option in ("learn_rate_epochs", "claim_learn_rate_epochs"):
        epochs = getattr(settings, option)
        if epochs is not None and epochs <= 0:
            raise NewsdeskError(Errors.E221, where=f"{option} {epochs}", detail="give a positive number or None")
    if len(settings.embed_attrs) != len(settings.embed_rows):
        raise NewsdeskError(
            Errors.E221,
            where=f"embed_attrs {list(settings.embed_attrs)}",
            detail=f"give one number of hash rows per attribute, not {list(settings.embed_rows)}",
        )
    global _clock
    _clock = time.process_time if settings.clock == "cpu" else time.monotonic
    if not name or "/" in name or name.startswith("."):
        raise NewsdeskError(Errors.E221, where=f"--name {name!r}", detail="a model name is one folder name")
    if max_minutes <= 0:
        raise NewsdeskError(Errors.E221, where=f"--max-minutes {max_minutes}", detail="give a positive number")
    target = models_root(workspace) / name
    check_name_free(target, replace_existing)  # now, not after minutes of training
    started, wall_started, cpu_started = _clock(), time.monotonic(), time.process_time()
    schema = LabelSchema.load(workspace)
    gold = gold_documents(workspace, source)
    check_enough(gold, source, where=str(workspace.root))
    layers = layers_with_gold(gold)
    lang = _language(gold)
    rng = random.Random(settings.seed)
    import spacy

    spacy.util.fix_random_seed(settings.seed)
    labels = {ENTITY_LAYER: list(schema.entity_labels), CLAIM_LAYER: list(CLAIM_LABELS)}
    vocab = _vocab_with_vectors(workspace, gold, lang, settings.vectors) if settings.vectors else True
    if settings.vectors and not vocab.vectors.shape[0]:
        settings = replace(settings, vectors=0)  # too little text to learn vectors from
    trainers: list[_Layer] = []
    for layer in layers:  # one vocab, so that prediction tokenizes a document once for both layers
        trainers.append(
            _Layer(layer, labels[layer], gold, lang, settings, trainers[0].nlp.vocab if trainers else vocab)
        )
    budget = max_minutes * 60.0
    eval_every = min(settings.eval_seconds, max(budget / 12, 2.0))
    for t in trainers:
        t.evaluate(settings.patience, 0.0)  # untrained: measures how long scoring takes, for the stopping time
    next_eval = _clock() + eval_every
    stopped = "time"
    report = TrainProgress(0.0, budget)
    try:
        while _clock() - started < budget - _finishing_seconds(trainers, settings):
            active = [
                t
                for t in trainers
                if not t.done and t.held_out and (settings.max_epochs is None or t.epoch < settings.max_epochs)
            ]
            if not active:
                stopped = "converged"
                break
            if settings.learn_rate_schedule == "linear":
                for t in active:
                    t.optimizer.learn_rate = _falling_rate(settings, t.layer, (_clock() - started) / budget, t.epoch)
            for t in active:
                t.step(rng, settings.dropout_of(t.layer))
            if _clock() >= next_eval:
                scoring = _clock()
                for t in active:
                    t.evaluate(settings.patience, _clock() - started)
                took = _clock() - scoring
                next_eval = _clock() + max(eval_every, took / settings.eval_share)
            if progress:
                report.elapsed = _clock() - started
                report.epoch = {t.layer: t.epoch for t in trainers}
                report.scores = {t.layer: max(t.best, 0.0) for t in trainers}
                report.losses = {t.layer: t.loss for t in trainers}
                progress(report)
    except KeyboardInterrupt:
        stopped = "interrupted"  # keep what was learnt: the best checkpoints are written below
    for t in trainers:
        if not t.done:
            t.evaluate(settings.patience, _clock() - started)
        t.keep_best()
    wall_seconds = time.monotonic() - wall_started
    pipelines = {t.layer: t.nlp for t in trainers}
    held = [g for g in gold if g.held_out]
    link_rules = (
        tune_link_rules(held, schema, SOURCE_WINDOWS, HEAD_GAPS)
        if CLAIM_LAYER in layers
        else {"source_window": DEFAULT_SOURCE_WINDOW, "head_gap": DEFAULT_HEAD_GAP}
    )
    fingerprint = data_fingerprint(gold)
    meta = ModelMeta(
        name=name,
        version=f"{fingerprint[:8]}.{datetime.now(UTC).strftime('%Y%m%d%H%M%S')}",
        schema_hash=schema.fingerprint(),
        layers=layers,
        data_fingerprint=fingerprint,
        trained_from=source,
        documents={
            "train": len(gold) - len(held),
            "held_out": len(held),
            "train_examples": {t.layer: len(t.train) for t in trainers},
        },
        attribute_defaults=attribute_defaults(gold, schema),
        link_rules=link_rules,
        libraries=_libraries(),
        training_seconds=round(wall_seconds, 1),
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        settings={
            **settings.to_record(),
            "lang": lang,
            "max_minutes": max_minutes,
            "stopped": stopped,
            "epochs": {t.layer: round(t.epoch, 2) for t in trainers},
            "cpu_seconds": round(time.process_time() - cpu_started, 1),
            # the held-out sample's exact F1 over the run's clock: is it still improving?
            "curve": {t.layer: t.curve for t in trainers},
        },
    )
    if settings.start_bias:
        meta.start_bias = tune_start_bias(pipelines, meta, held)
    meta.scores = evaluate_gold(pipelines, meta, held, schema, with_baseline=False)
    write_model_folder(
        target,
        meta,
        pipelines,
        extra={TRAINED_DOCUMENTS_FILE: "".join(f"{g.doc.id}\n" for g in gold if not g.held_out)},
        replace_existing=replace_existing,
    )
    return TrainResult(target, meta, stopped)
