"""Pre-annotations: a predictor proposes entities and claims on a document's clean text.

A predictor turns one :class:`~corpus.model.Document` into one :class:`AnnotationRecord`
(origin ``"prediction"``, annotator = its ``model_version``) that ``newsdesk annotate push``
sends to Label Studio as a prediction for annotators to correct. ``make_predictor(spec)``
picks one:

- ``"baseline"``: built in and offline. Entities from gazetteers (``annotation/gazetteers/``)
  and token patterns on spaCy's EntityRuler over a *blank* English pipeline (no model, no
  download), plus a few rules for people ("President Joe Biden") and organisations
  ("International Grains Council").
- ``"spacy:<pipeline name or path>"``: the NER of any installed spaCy pipeline, its labels
  mapped onto the schema's.

Claims are found the same way for both, since no NER pipeline knows our claim layer: a
quotation with a reporting verb nearby is a direct-speech CLAIM, "X said that ..." an
indirect one; the reporting verb is the CUE and the nearest plausible entity (or a SOURCE
noun phrase such as "a Downing Street spokeswoman") the source.

Every span obeys the project's offset convention (``text[start:end] == span.text``, Python
``str`` indices), has no surrounding whitespace, and entity spans never overlap each other.
Every claim has its required attributes and a source or the mark "unattributed", and no two
claim-layer spans cross: a prediction an annotator accepts as it is passes validation. The rules
below aim at that, and ``make_predictor`` passes every predictor's records through
:func:`annotation.conform.conform`, which resolves whatever a model still gets wrong.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol, runtime_checkable

from annotation.conform import conform, undecided_value
from annotation.model import AnnotationRecord, Link, Origin, RegionChoice, Span
from annotation.schema import (
    ATTRIBUTION,
    CLAIM,
    CLAIM_LAYER,
    CUE,
    ENTITY_LAYER,
    LINK_CUE,
    LINK_SOURCE,
    SOURCE,
    UNATTRIBUTED,
    LabelSchema,
)
from corpus.errors import Errors, NewsdeskError
from corpus.model import Document

GAZETTEERS = Path(__file__).with_name("gazetteers")
BASELINE_RULES_VERSION = "1"

E215 = Errors.E215


@runtime_checkable
class Predictor(Protocol):
    """What push needs from a pre-annotation model."""

    name: str
    model_version: str  # Label Studio's `model_version`; changes whenever the predictions could

    def predict(self, doc: Document, schema: LabelSchema) -> AnnotationRecord:
        """Spans, links and choices on ``doc.text`` (origin "prediction", annotator = model_version)."""
        ...


# --- registry -------------------------------------------------------------------------------------

PredictorFactory = Callable[[str], Predictor]  # receives what follows "kind:" in the spec ("" if nothing)
_FACTORIES: dict[str, PredictorFactory] = {}


def register_predictor(kind: str, factory: PredictorFactory) -> None:
    """Make ``make_predictor("kind:...")`` build a predictor with ``factory("...")``."""
    _FACTORIES[kind] = factory


def make_predictor(spec: str) -> Predictor:
    """The predictor a spec names: ``"baseline"``, ``"spacy:<pipeline name or path>"`` or
    ``"model:<model folder>"`` (see :func:`resolve_predictor_spec` for a workspace's model name), as a
    :class:`ConformingPredictor`: its records keep the schema's rules whatever the model proposes.

    Raises NewsdeskError E215 for an unknown kind or a spaCy pipeline that is not installed.
    """
    kind, _, arg = spec.strip().partition(":")
    factory = _FACTORIES.get(kind)
    if factory is None:
        raise NewsdeskError(E215, where=spec, detail=f"no predictor kind {kind!r}; known: {sorted(_FACTORIES)}")
    model = factory(arg)
    return model if isinstance(model, ConformingPredictor) else ConformingPredictor(model)


class ConformingPredictor:
    """A registered predictor whose records pass through :func:`annotation.conform.conform`, so
    that a prediction an annotator accepts as it is validates: one place for every predictor."""

    def __init__(self, predictor: Predictor) -> None:
        self.predictor = predictor

    @property
    def name(self) -> str:
        return self.predictor.name

    @property
    def model_version(self) -> str:
        return self.predictor.model_version

    def predict(self, doc: Document, schema: LabelSchema) -> AnnotationRecord:
        return conform(self.predictor.predict(doc, schema), doc.text, schema)

    def predict_many(self, docs: list[Document], schema: LabelSchema) -> list[AnnotationRecord]:
        """:meth:`predict` of each document, in one batch where the predictor has ``predict_many``
        (a trained model runs its NER over many documents at once)."""
        many = getattr(self.predictor, "predict_many", None)
        records = many(docs, schema) if many else [self.predictor.predict(d, schema) for d in docs]
        return [conform(r, d.text, schema) for r, d in zip(records, docs)]

    def __getattr__(self, name: str):  # the model's own attributes (e.g. a spaCy pipeline's nlp)
        predictor = self.__dict__.get("predictor")  # absent while copy or pickle rebuilds the object
        if predictor is None:
            raise AttributeError(name)
        return getattr(predictor, name)


def resolve_predictor_spec(spec: str, workspace_root: Path) -> str:
    """The spec with a workspace's model name made a folder path (``model:NAME`` ->
    ``model:/ws/models/NAME``), so that a worker process, which knows no workspace, loads the same model."""
    kind, _, arg = spec.strip().partition(":")
    if kind != "model" or not arg:
        return spec
    from annotation.models.folder import resolve_model_path

    return f"model:{resolve_model_path(arg, workspace_root)}"


# --- lexicons -------------------------------------------------------------------------------------


def read_lexicon(name: str) -> list[str]:
    """One entry per line of ``annotation/gazetteers/<name>.txt``; blank lines and ``#`` comments skipped."""
    lines = (GAZETTEERS / f"{name}.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


# Gazetteer file -> entity label. The longest match wins, so "European Union" (ORG) beats "European" (NORP).
GAZETTEER_LABELS = {"gpe": "GPE", "norp": "NORP", "org": "ORG", "loc": "LOC"}

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
ORDINAL_WORDS = [
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "twentieth",
    "hundredth",
]
_CURRENCY_WORDS = [
    "dollar",
    "dollars",
    "euro",
    "euros",
    "pound",
    "pounds",
    "franc",
    "francs",
    "yen",
    "yuan",
    "rouble",
    "roubles",
    "ruble",
    "rubles",
    "hryvnia",
    "hryvnias",
    "rupee",
    "rupees",
    "cents",
]
_UNITS = [
    "tonne",
    "tonnes",
    "ton",
    "tons",
    "kilometre",
    "kilometres",
    "kilometer",
    "kilometers",
    "km",
    "mile",
    "miles",
    "metre",
    "metres",
    "meter",
    "meters",
    "kilogram",
    "kilograms",
    "kg",
    "barrel",
    "barrels",
    "gigawatt",
    "gigawatts",
    "megawatt",
    "megawatts",
    "gw",
    "mw",
    "litre",
    "litres",
    "liter",
    "liters",
    "hectare",
    "hectares",
    "acre",
    "acres",
    "degrees",
]
_DATE_UNITS = ["day", "days", "week", "weeks", "month", "months", "year", "years", "decade", "decades"]
_APPROX = [
    ("more", "than"),
    ("less", "than"),
    ("fewer", "than"),
    ("at", "least"),
    ("up", "to"),
    ("about",),
    ("around",),
    ("nearly",),
    ("almost",),
    ("approximately",),
    ("roughly",),
    ("some",),
    ("over",),
]
_AMOUNTS = {"CARDINAL", "MONEY", "PERCENT", "QUANTITY", "DATE"}

# Nouns that make a noun phrase a plausible source that is not a named entity ("a Downing Street
# spokeswoman", "Port authorities").
ROLE_NOUNS = {
    "president",
    "minister",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "official",
    "officials",
    "analyst",
    "analysts",
    "authorities",
    "authority",
    "ministry",
    "government",
    "agency",
    "police",
    "expert",
    "experts",
    "observers",
    "source",
    "sources",
    "diplomat",
    "diplomats",
    "leader",
    "leaders",
    "economists",
    "economist",
    "investigators",
    "prosecutors",
    "prosecutor",
    "union",
    "association",
    "council",
    "committee",
    "company",
    "bank",
    "office",
    "secretary",
    "chancellor",
    "mayor",
    "governor",
    "general",
    "commander",
    "military",
    "army",
    "residents",
    "witnesses",
    "organisers",
    "organizers",
    "campaigners",
    "activists",
    "lawyer",
    "lawyers",
    "report",
    "statement",
    "study",
    "survey",
}
# Capitalised heads of organisation names ("Joint Coordination Centre", "Ministry of Finance").
ORG_HEADS = {
    "Council",
    "Ministry",
    "Bank",
    "Union",
    "Party",
    "Association",
    "Agency",
    "Commission",
    "Committee",
    "Court",
    "Department",
    "University",
    "Institute",
    "Organisation",
    "Organization",
    "Company",
    "Corporation",
    "Corp",
    "Inc",
    "Ltd",
    "Group",
    "Centre",
    "Center",
    "Authority",
    "Fund",
    "Alliance",
    "Federation",
    "Parliament",
    "Assembly",
    "Army",
    "Navy",
    "Police",
    "Service",
    "Office",
    "Board",
    "Bureau",
    "Foundation",
    "League",
    "Airlines",
    "Airways",
    "Network",
    "Secretariat",
}
_NAME_PARTICLES = {"de", "van", "von", "der", "den", "da", "di", "du", "la", "le", "bin", "al", "dos", "del"}
# Words that may stand between a subject and its reporting verb ("Joe Biden has however said").
_ADVERBS = {
    "however",
    "also",
    "has",
    "have",
    "had",
    "later",
    "then",
    "again",
    "repeatedly",
    "previously",
    "already",
    "once",
    "further",
    "therefore",
    "now",
    "publicly",
    "reportedly",
    "formally",
}
# Words that show a reported clause has a verb of its own ("said the bank didn’t see a need").
_FINITE_HINTS = {
    "is",
    "was",
    "were",
    "are",
    "be",
    "been",
    "had",
    "has",
    "have",
    "would",
    "will",
    "could",
    "can",
    "should",
    "might",
    "may",
    "must",
    "did",
    "does",
    "do",
    "didn’t",
    "didn't",
    "won’t",
    "won't",
    "wasn’t",
    "wasn't",
    "isn’t",
    "isn't",
    "doesn’t",
    "doesn't",
    "cannot",
    "can’t",
    "can't",
    "needed",
    "remained",
    "remains",
    "faced",
    "face",
    "faces",
    "rose",
    "fell",
    "needs",
}
# Reporting verbs whose clause often comes without "that" ("Police said the celebrations were peaceful").
_BARE_CLAUSE_VERBS = {
    "said",
    "says",
    "say",
    "believe",
    "believes",
    "warned",
    "warns",
    "added",
    "estimated",
    "estimates",
    "insisted",
    "claimed",
    "stressed",
    "noted",
    "argued",
}
_DENIAL_VERBS = {"denied", "denies", "deny"}
# A clause ends before ", but ..." and similar; what follows is the reporter's or another claim.
_CLAUSE_BREAKERS = {"but", "which", "while", "whereas", "although", "though", "who", "before", "after", "when"}
_DETERMINERS = {"the", "a", "an", "its", "his", "her", "their", "this", "that", "these", "those"}
_PREPOSITIONS = {"in", "on", "at", "to", "for", "with", "by", "from", "during", "after", "before", "into", "of"}
_QUOTE_RE = re.compile(r"“([^“”\n]+)”|«([^«»\n]+)»|\"([^\"\n]+)\"")
_OPEN_QUOTES, _CLOSE_QUOTES = {"“", "«", '"'}, {"”", "»", '"', "’", ")"}
_SENT_END = {".", "!", "?"}


def _number_patterns() -> list[dict]:
    """EntityRuler token patterns for dates, times, numbers, money, percentages and quantities.

    Only cheap predicates (sets, LIKE_NUM, SHAPE): regular expressions in patterns cost the
    matcher most of its time. What a shape cannot tell (a year from "8500", "87th" from "10am")
    is settled afterwards by :func:`_settle_amount`, as are approximators ("more than 100,000").
    """
    num = {"LIKE_NUM": True}
    scale = {"LOWER": {"IN": ["hundred", "thousand", "million", "billion", "trillion"]}, "OP": "?"}
    day = {"SHAPE": {"IN": ["d", "dd", "dxx", "ddxx"]}}
    year = {"SHAPE": "dddd"}
    month = {"TEXT": {"IN": MONTHS}}
    weekday = {"TEXT": {"IN": WEEKDAYS}}
    pats: list[tuple[str, list[dict]]] = [
        ("CARDINAL", [num, scale]),
        ("CARDINAL", [num, {"TEXT": "-"}, num]),  # a score, "2-1"
        ("PERCENT", [num, scale, {"LOWER": {"IN": ["percent", "%", "pct"]}}]),
        ("PERCENT", [num, scale, {"LOWER": "per"}, {"LOWER": "cent"}]),
        ("PERCENT", [num, scale, {"LOWER": "percentage"}, {"LOWER": "points"}]),
        ("MONEY", [{"TEXT": {"IN": ["$", "€", "£", "¥", "US$"]}}, num, scale]),
        ("MONEY", [num, scale, {"LOWER": {"IN": _CURRENCY_WORDS}}]),
        ("QUANTITY", [num, scale, {"LOWER": {"IN": _UNITS}}]),
        ("ORDINAL", [{"LOWER": {"IN": ORDINAL_WORDS}}]),
        ("ORDINAL", [{"SHAPE": {"IN": ["dxx", "ddxx", "dddxx"]}}]),
        ("DATE", [num, {"LOWER": {"IN": _DATE_UNITS}}]),  # "20 years"
        ("DATE", [num, {"TEXT": "-"}, {"LOWER": {"IN": _DATE_UNITS}}]),  # "three-day"
        ("DATE", [weekday]),
        ("DATE", [weekday, {"TEXT": ","}, month, day]),
        ("DATE", [weekday, {"TEXT": ","}, month, day, {"TEXT": ","}, year]),
        ("DATE", [weekday, {"TEXT": ","}, day, month]),
        ("DATE", [{"TEXT": {"IN": [m for m in MONTHS if m != "May"]}}]),  # "May" alone is mostly the verb
        ("DATE", [month, day]),
        ("DATE", [month, day, {"TEXT": ","}, year]),
        ("DATE", [month, day, year]),
        ("DATE", [day, month]),
        ("DATE", [day, month, year]),
        ("DATE", [month, year]),
        ("DATE", [year]),
        ("DATE", [{"SHAPE": "ddddx"}]),  # "the 1990s"
        ("DATE", [{"LOWER": {"IN": ["today", "yesterday", "tomorrow"]}}]),
        (
            "DATE",
            [
                {"LOWER": {"IN": ["this", "last", "next"]}},
                {
                    "LOWER": {
                        "IN": [
                            "week",
                            "month",
                            "year",
                            "weekend",
                            "decade",
                            "century",
                            "spring",
                            "summer",
                            "autumn",
                            "winter",
                        ]
                    }
                },
            ],
        ),
        (
            "DATE",
            [
                {"LOWER": "the", "OP": "?"},
                {"LOWER": {"IN": ["coming", "past", "next", "last", "previous", "following"]}},
                {"LIKE_NUM": True, "OP": "?"},
                {"LOWER": {"IN": _DATE_UNITS}},
            ],
        ),
        (
            "TIME",
            [
                {"LOWER": {"IN": [w.lower() for w in WEEKDAYS] + ["today", "yesterday", "tomorrow", "this", "last"]}},
                {"LOWER": {"IN": ["morning", "afternoon", "evening", "night"]}},
            ],
        ),
        ("TIME", [{"LOWER": {"IN": ["tonight", "midnight", "noon"]}}]),
        (
            "TIME",
            [
                {"SHAPE": {"IN": ["d:dd", "dd:dd"]}},
                {"LOWER": {"IN": ["a.m.", "p.m.", "am", "pm", "gmt", "utc"]}, "OP": "?"},
            ],
        ),
        ("TIME", [{"SHAPE": {"IN": ["d", "dd"]}}, {"LOWER": {"IN": ["a.m.", "p.m.", "am", "pm"]}}]),
    ]
    return [{"label": label, "pattern": pattern} for label, pattern in pats]


_ORDINAL_RE = re.compile(r"^\d+(st|nd|rd|th)$")
_YEAR_RE = re.compile(r"^(1[89]|20)\d\d$")


def rules_fingerprint() -> str:
    """A short hash of this module, annotation/conform.py and every lexicon file: part of the baseline's
    model_version, so that predictions made by different rules never pass for the same model in Label Studio."""
    h = hashlib.sha256(Path(__file__).read_bytes() + Path(__file__).with_name("conform.py").read_bytes())
    for path in sorted(GAZETTEERS.glob("*.txt")):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:8]


# --- the shared token view --------------------------------------------------------------------------


@dataclass(slots=True)
class _Tok:
    start: int
    end: int
    text: str
    lower: str
    space: bool
    stop: bool


@dataclass(slots=True)
class _Ent:
    """An entity candidate in token indices (end exclusive), with its character offsets."""

    first: int
    last: int  # exclusive
    label: str
    start: int
    end: int
    rank: int = 0  # lower wins a tie between overlapping candidates of equal length


def _tokens(sdoc) -> list[_Tok]:
    """Plain Python tokens: read once in bulk, since the rules below look at each token many times."""
    text, stop = sdoc.text, _stop_words(sdoc.lang_)
    toks = []
    for start, length, space in sdoc.to_array(["IDX", "LENGTH", "IS_SPACE"]).tolist():
        word = text[start : start + length]
        lower = word.lower()
        toks.append(_Tok(start, start + length, word, lower, bool(space), lower in stop))
    return toks


@lru_cache(maxsize=8)
def _stop_words(lang: str) -> frozenset[str]:
    import spacy

    try:
        return frozenset(spacy.util.get_lang_class(lang).Defaults.stop_words)
    except (ImportError, KeyError):  # pragma: no cover - a language spaCy does not ship
        return frozenset()


def _settle_amount(toks: list[_Tok], e: _Ent) -> _Ent | None:
    """What patterns cannot say about a number: its label when it is a lone token, and its approximator."""
    if e.last - e.first == 1 and e.label in ("CARDINAL", "ORDINAL", "DATE"):
        word = toks[e.first]
        if word.lower in ORDINAL_WORDS or _ORDINAL_RE.match(word.text):
            e.label = "ORDINAL"
        elif e.label == "ORDINAL":
            return None  # "10am" has the shape of "87th"
        elif word.text.isdigit() and len(word.text) == 4:
            e.label = "DATE" if _YEAR_RE.match(word.text) else "CARDINAL"
        elif e.label == "CARDINAL" and word.lower == "one":
            return None  # "no one", "the one who"
    return _with_approximator(toks, e)


def _with_approximator(toks: list[_Tok], e: _Ent) -> _Ent:
    """An amount with the words that qualify it: "more than 100,000", "about 40" (OntoNotes includes them)."""
    if e.label not in _AMOUNTS or (e.label == "DATE" and toks[e.last - 1].lower not in _DATE_UNITS):
        return e  # only a duration is approximate: "more than two weeks", never "over 2021"
    for words in _APPROX:
        n = len(words)
        if e.first >= n and tuple(t.lower for t in toks[e.first - n : e.first]) == words:
            return _Ent(e.first - n, e.last, e.label, toks[e.first - n].start, e.end, e.rank)
    return e


def _sentence_ids(toks: list[_Tok]) -> list[int]:
    """A sentence number per token: sentences end at . ! ? (with closing quotes) and at line breaks."""
    ids, sid, ended = [], 0, False
    for t in toks:
        if t.space and "\n" in t.text:
            ids.append(sid)
            sid, ended = sid + 1, False
            continue
        if ended and t.text not in _CLOSE_QUOTES:
            sid, ended = sid + 1, False
        ids.append(sid)
        if t.text in _SENT_END:
            ended = True
    return ids


def _is_name(t: _Tok) -> bool:
    """A capitalised word that can be part of a name (not a function word, not a date word)."""
    w = t.text
    return (
        len(w) > 1
        and w[0].isupper()
        and any(c.islower() for c in w)
        and not t.stop
        and all(c.isalpha() or c in "’'-." for c in w)
        and w not in _DATE_WORDS
    )


_DATE_WORDS = set(WEEKDAYS + MONTHS)


def _resolve(cands: list[_Ent]) -> list[_Ent]:
    """Non-overlapping entities: longest first, then by rank, then leftmost."""
    taken: set[int] = set()
    kept = []
    for c in sorted(cands, key=lambda c: (-(c.end - c.start), c.rank, c.start)):
        if any(i in taken for i in range(c.first, c.last)):
            continue
        taken.update(range(c.first, c.last))
        kept.append(c)
    return sorted(kept, key=lambda c: c.start)


# --- claims -----------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Claim:
    start: int  # characters
    end: int
    speech: str  # "direct" | "indirect"
    cue: tuple[int, int] | None  # token range of the cue (end exclusive)
    source: tuple[str, int, int] | None  # ("entity" | "SOURCE", start char, end char)


class ClaimFinder:
    """Claims from quotation marks and reporting verbs, with the nearest plausible source.

    Works on any tokenisation with character offsets (a blank pipeline's or a trained one's)
    and on any entity list, so the baseline and spaCy predictors share it.
    """

    def __init__(self) -> None:
        verbs = read_lexicon("reporting_verbs")
        self.verbs = {v for v in verbs if " " not in v}
        self.phrases = [v.split() for v in verbs if " " in v]  # "according to"
        # A role noun or a one-word title heads a source phrase: "a spokeswoman", "union negotiator".
        self.roles = ROLE_NOUNS | {t for t in read_lexicon("person_titles") if " " not in t}

    def find(self, text: str, toks: list[_Tok], ents: list[_Ent], source_labels: set[str]) -> list[_Claim]:
        self.text, self.toks, self.sent = text, toks, _sentence_ids(toks)
        self.starts = [t.start for t in toks]
        self.ent_at: dict[int, _Ent] = {}
        for e in ents:
            for i in range(e.first, e.last):
                self.ent_at[i] = e
        self.ents, self.source_labels = ents, source_labels
        self.quotes = self._quotes()
        self.cues = self._cue_ranges()
        indirect = self._indirect()
        direct = [c for c in self._direct() if not any(i.start <= c.start and c.end <= i.end for i in indirect)]
        seen, claims = set(), []
        for c in sorted(direct + indirect, key=lambda c: (c.start, c.end)):
            if (c.start, c.end) not in seen:
                seen.add((c.start, c.end))
                claims.append(c)
        return claims

    # token helpers

    def _tok_at(self, char: int) -> int:
        return max(bisect_right(self.starts, char) - 1, 0)

    def _words(self, i: int, step: int, limit: int):
        """Indices from i in direction step, skipping spaces, within i's sentence and paragraph."""
        n = len(self.toks)
        if not 0 <= i < n:
            return
        sid = self.sent[i]
        while 0 <= i < n and limit > 0:
            t = self.toks[i]
            if self.sent[i] != sid or (t.space and "\n" in t.text):
                return
            if not t.space:
                yield i
                limit -= 1
            i += step

    def _cue_ranges(self) -> dict[int, tuple[int, int]]:
        """First token index -> token range of every reporting verb or phrase."""
        cues = {}
        for i, t in enumerate(self.toks):
            if t.lower in self.verbs:
                prev = self.toks[i - 1].lower if i else ""
                if prev not in ("a", "an", "the"):  # "an estimated 40 ships" is no report
                    cues[i] = (i, i + 1)
            for phrase in self.phrases:
                if [x.lower for x in self.toks[i : i + len(phrase)]] == phrase:
                    cues[i] = (i, i + len(phrase))
        return cues

    # direct speech

    def _quotes(self) -> list[tuple[int, int, int, int]]:
        """(open mark, after close mark, words start, words end) of every quotation; the words are
        trimmed of spaces and of the comma that punctuation inside quotes puts there ("lot,”)."""
        quotes = []
        for m in _QUOTE_RE.finditer(self.text):
            g = next(i for i in (1, 2, 3) if m.group(i) is not None)
            s, e = m.span(g)
            inner = self.text[s:e]
            s += len(inner) - len(inner.lstrip())
            e = s + len(inner.strip())
            while e > s and self.text[e - 1] in ",;:":
                e -= 1
            e = s + len(self.text[s:e].rstrip())
            if e > s:
                quotes.append((m.start(), m.end(), s, e))
        return quotes

    def _direct(self) -> list[_Claim]:
        quotes = self.quotes
        claims: list[_Claim | None] = [None] * len(quotes)
        for qi in range(len(quotes) - 1, -1, -1):
            q_open, q_close, s, e = quotes[qi]
            if len(self.text[s:e].split()) < 3:  # scare quotes ("clear threat") belong to their sentence
                continue
            cue, after, chained = None, True, None
            for i in self._words(self._tok_at(q_close - 1) + 1, 1, 8):
                t = self.toks[i]
                if i in self.cues:
                    cue = self.cues[i]
                    break
                if t.text in _OPEN_QUOTES:  # a second quotation before any verb: "“A” corn “B”, he said"
                    nxt = next((k for k, q in enumerate(quotes) if q[0] == t.start), None)
                    if (
                        nxt is not None
                        and claims[nxt] is not None
                        and claims[nxt].cue
                        and claims[nxt].cue[0] > self._tok_at(quotes[nxt][1] - 1)
                    ):
                        chained = claims[nxt]
                    break
                if t.text in _SENT_END:
                    break
            if cue is None and chained is None:
                after = False
                for i in self._words(self._tok_at(q_open) - 1, -1, 6):
                    if self.toks[i].text in _CLOSE_QUOTES | _SENT_END:
                        break
                    starts = [k for k, r in self.cues.items() if r[0] <= i < r[1]]
                    if starts:
                        cue = self.cues[starts[0]]
                        break
            if chained is not None:
                claims[qi] = _Claim(s, e, "direct", chained.cue, chained.source)
            elif cue is not None:
                lo = self._tok_at(q_close - 1) if after else None  # a subject after the quote, not in it
                claims[qi] = _Claim(s, e, "direct", cue, self._source(cue, after, lo))
        return [c for c in claims if c is not None]

    # reported speech

    def _indirect(self) -> list[_Claim]:
        by_start: dict[int, list[tuple[int, int]]] = {}
        for _first, (c0, c1) in sorted(self.cues.items()):
            verb = self.toks[c0].lower
            if c1 - c0 > 1:  # "according to" introduces a source, not a clause
                continue
            nxt = list(self._words(c1, 1, 10))
            if not nxt or self.toks[nxt[0]].lower in ("to", "by") or not self.toks[nxt[0]].text[0].isalnum():
                continue
            start = None
            for i in nxt:
                t = self.toks[i]
                if t.lower == "that":
                    start = i
                    break
                if i in self.ent_at:  # "said on Thursday, March 2 that": a date's comma ends nothing
                    continue
                coordinated = i in self.cues and self.toks[i - 1].lower in ("and", "or")  # "said and repeated that"
                if t.text in {",", ";", ":"} | _OPEN_QUOTES | _CLOSE_QUOTES or (i in self.cues and not coordinated):
                    break
            if (
                start is None
                and verb in _BARE_CLAUSE_VERBS
                and self.toks[nxt[0]].lower not in _PREPOSITIONS | {"and", "or", "but"}
            ):
                window = []
                for i in nxt[:8]:
                    if self.toks[i].text in {",", ";"} | _SENT_END:
                        break
                    window.append(self.toks[i].lower)
                if any(w in _FINITE_HINTS for w in window):
                    start = nxt[0]
            if start is None and verb in _DENIAL_VERBS and self.toks[nxt[0]].lower not in _PREPOSITIONS:
                start = nxt[0]
            if start is not None:
                by_start.setdefault(start, []).append((c0, c1))
        claims = []
        for start, cues in by_start.items():
            end_tok = self._clause_end(start)
            if end_tok - start < 3:
                continue
            s, e = self._around_quotes(self.toks[start].start, self.toks[end_tok - 1].end)
            if len(self.text[s:e].split()) < 3:
                continue
            cue = cues[-1]  # the verb nearest the clause; "said and repeated" becomes one cue
            for c0, c1 in reversed(cues[:-1]):
                between = [t.lower for t in self.toks[c1 : cue[0]] if not t.space]
                if all(w in ("and", "or", ",") for w in between):
                    cue = (c0, cue[1])
            claims.append(_Claim(s, e, "indirect", cue, self._source(cue, False, None)))
        return claims

    def _around_quotes(self, s: int, e: int) -> tuple[int, int]:
        """A reported clause [s:e) made to nest with the quotations it meets, never to cross one.

        A clause that starts inside a quotation is speech the quotation reports ("“... I'm proud
        to say that I'm with her,” McBride said"): it ends where the quoted words end. A clause
        that opens a quotation takes all of it ("said that “Trump bagged ... people.”", where the
        sentence's full stop lies inside the closing mark), so the quotation's own claim nests in it.
        """
        for q_open, q_close, qs, qe in self.quotes:
            if qs <= s < qe and e > qe:
                e = qe
            elif s <= q_open < e < q_close:
                e = q_close
        return s, e

    def _clause_end(self, start: int) -> int:
        """Exclusive token index where a reported clause starting at ``start`` ends."""
        last = start
        words = list(self._words(start, 1, 400))
        for k, i in enumerate(words):
            t = self.toks[i]
            if t.text in _SENT_END or t.text == ";":
                break
            if t.text == "," and k + 1 < len(words) and self.toks[words[k + 1]].lower in _CLAUSE_BREAKERS:
                break
            last = i
        while last > start and self.toks[last].text in {",", ":", "-", "—"}:
            last -= 1
        return last + 1

    # sources

    def _source(self, cue: tuple[int, int], claim_before_cue: bool, lo: int | None) -> tuple[str, int, int] | None:
        """The claim's source: after the cue when the claim comes first ("“...”, announced the American
        president"), else the subject before the cue; only tokens after ``lo`` count."""
        c0, c1 = cue
        # After "told" comes the audience ("told public broadcaster DR"), never the speaker.
        if claim_before_cue and self.toks[c0].lower not in ("told", "tells", "tell"):
            found = self._source_after(c1)
            if found:
                return found
        return self._source_before(c0, lo)

    def _source_after(self, i: int) -> tuple[str, int, int] | None:
        for k in self._words(i, 1, 8):
            t = self.toks[k]
            e = self.ent_at.get(k)
            if t.text == "," or (e is not None and e.label in ("DATE", "TIME")):
                continue
            np = self._np_forward(k)
            if np is not None:
                after = self.ent_at.get(np[1])  # "union negotiator Henk de Vries": the name wins
                if after is not None and after.label == "PERSON" and after.first == np[1]:
                    return ("entity", after.start, after.end)
                return ("SOURCE", self.toks[np[0]].start, self.toks[np[1] - 1].end)
            if e is not None and e.label in self.source_labels and e.first == k:
                return ("entity", e.start, e.end)
            if t.lower in ("he", "she", "they"):
                return self._antecedent(k)
            return None
        return None

    def _source_before(self, c0: int, lo: int | None) -> tuple[str, int, int] | None:
        before = [k for k in self._words(c0 - 1, -1, 40) if lo is None or k > lo]
        # the subject right before the verb, past "has however" and the like
        near = next((k for k in before if self.toks[k].lower not in _ADVERBS), None)
        if near is not None:
            t, e = self.toks[near], self.ent_at.get(near)
            if t.lower in ("he", "she", "they", "it"):
                return self._antecedent(near)
            if e is not None and e.label in self.source_labels:
                return ("entity", e.start, e.end)
            if t.lower in self.roles:
                first = self._np_backward(near)
                return ("SOURCE", self.toks[first].start, t.end)
        for k in before:  # else the nearest entity that can speak, in the same sentence
            e = self.ent_at.get(k)
            if e is not None and e.label in self.source_labels and self.toks[k].text not in _CLOSE_QUOTES:
                if not self._inside_quote(k):
                    return ("entity", e.start, e.end)
        return None

    def _inside_quote(self, k: int) -> bool:
        pos = self.toks[k].start
        return any(q_open < pos < q_close for q_open, q_close, _, _ in self.quotes)

    def _antecedent(self, k: int) -> tuple[str, int, int] | None:
        """The entity a pronoun most plausibly refers to: the last PERSON for he/she, else an ORG/GPE/NORP."""
        pronoun = self.toks[k].lower
        wanted = {"PERSON"} if pronoun in ("he", "she") else self.source_labels - {"PERSON"}
        pos = self.toks[k].start
        for e in reversed(self.ents):
            if e.end <= pos and pos - e.end < 1500 and e.label in wanted and e.label in self.source_labels:
                return ("entity", e.start, e.end)
        return None

    def _np_forward(self, k: int) -> tuple[int, int] | None:
        """Token range of "(det) modifiers* role-noun" starting at k, e.g. "a Downing Street spokeswoman"."""
        words = list(self._words(k, 1, 6))
        if not words:
            return None
        j = 1 if self.toks[words[0]].lower in _DETERMINERS else 0
        for n in range(j, min(j + 4, len(words))):
            t = self.toks[words[n]]
            if t.lower in self.roles:
                while n + 1 < len(words) and self.toks[words[n + 1]].lower in self.roles:
                    n += 1  # "union negotiator", "defence minister"
                return (words[0], words[n] + 1)
            if not (t.text.isalpha() or t.text in ("’s", "'s")) or t.stop:
                return None
        return None

    def _np_backward(self, k: int) -> int:
        """First token of the noun phrase ending at role noun k ("The employers' association")."""
        first = k
        for j in list(self._words(k - 1, -1, 4)):
            t = self.toks[j]
            if t.lower in _DETERMINERS:
                return j
            if t.stop or not (t.text.isalpha() or t.text in ("’s", "'s", "'", "’")):
                break
            first = j
        while self.toks[first].text in ("’s", "'s", "'", "’"):
            first += 1
        return first


# --- building the record -------------------------------------------------------------------------------


def _region_id(doc_id: str, layer: str, label: str, start: int, end: int) -> str:
    """Stable, Label Studio-style region id: the same prediction always gets the same id."""
    return hashlib.sha1(f"{doc_id}:{layer}:{label}:{start}:{end}".encode()).hexdigest()[:10]


_FUTURE_WORDS = {"will", "won't", "shall"}  # and "'ll"; apostrophes are made straight first


def _claim_type(c: _Claim, toks: list[_Tok], text: str) -> str:
    """The default schema's claim type a claim most plausibly has: a denial by its cue ("denied"),
    a prediction by its future tense, else a quotation (direct speech) or a statement of fact."""
    if c.cue is not None and any(t.lower in _DENIAL_VERBS for t in toks[c.cue[0] : c.cue[1]]):
        return "denial"
    words = text[c.start : c.end].lower().replace("’", "'").split()
    if any((w := word.strip('.,;:!?"“”«»()')) in _FUTURE_WORDS or w.endswith("'ll") for word in words):
        return "prediction"
    return "quotation or opinion" if c.speech == "direct" else "statement of fact"


def _build_record(
    doc: Document, schema: LabelSchema, model_version: str, ents: list[_Ent], claims: list[_Claim], toks: list[_Tok]
) -> AnnotationRecord:
    text = doc.text
    record = AnnotationRecord(
        doc_id=doc.id,
        text_sha256=doc.text_sha256,
        annotator=model_version,
        origin=Origin.PREDICTION,
        record_id=f"{model_version}:{doc.id}",
        model_version=model_version,
    )
    entity_ids: dict[tuple[int, int], str] = {}
    for e in ents:
        if e.label not in schema.entity_labels:
            continue
        sid = _region_id(doc.id, ENTITY_LAYER, e.label, e.start, e.end)
        record.spans.append(Span(sid, ENTITY_LAYER, e.label, e.start, e.end, text[e.start : e.end]))
        entity_ids[(e.start, e.end)] = sid
    claim_spans: dict[tuple[str, int, int], str] = {}

    def claim_layer_span(label: str, start: int, end: int) -> str:
        key = (label, start, end)
        if key not in claim_spans:
            claim_spans[key] = _region_id(doc.id, CLAIM_LAYER, label, start, end)
            record.spans.append(Span(claim_spans[key], CLAIM_LAYER, label, start, end, text[start:end]))
        return claim_spans[key]

    speech, claim_type, attribution = (schema.attribute(name) for name in ("speech", "claim_type", ATTRIBUTION))
    required = schema.required_attributes
    for c in claims:
        cid = claim_layer_span(CLAIM, c.start, c.end)
        if c.cue is not None:
            cue_start, cue_end = toks[c.cue[0]].start, toks[c.cue[1] - 1].end
            # The verb of a chain of quotations ("“A.” “B,” she said") may lie further from the first than
            # the schema lets a cue be: that quotation keeps its source, not the cue.
            if max(cue_start - c.end, c.start - cue_end, 0) <= schema.cue_max_distance:
                record.links.append(Link(cid, claim_layer_span(CUE, cue_start, cue_end), LINK_CUE))
        target = None
        if c.source is not None:
            kind, s, e = c.source
            target = claim_layer_span(SOURCE, s, e) if kind == SOURCE else entity_ids.get((s, e))
            if target is not None:
                record.links.append(Link(cid, target, LINK_SOURCE))
        # What the rules can tell: speech from the quotation marks, a claim type from the cue and the
        # tense, and that no source was found. Other required attributes, check-worthiness first, are
        # judgements left to people: "unsure", so that a claim accepted as it is still validates.
        told = {}
        if speech is not None and c.speech in speech.values:
            told[speech.name] = c.speech
        guessed = _claim_type(c, toks, text)
        if claim_type is not None and guessed in claim_type.values:
            told[claim_type.name] = guessed
        if target is None and attribution is not None and UNATTRIBUTED in attribution.values:
            told[attribution.name] = UNATTRIBUTED
        for attribute in required:
            if attribute.name not in told and undecided_value(attribute) is not None:
                told[attribute.name] = undecided_value(attribute)
        record.choices += [RegionChoice(cid, name, (value,)) for name, value in told.items()]
    return record


# --- the predictors --------------------------------------------------------------------------------------


class BaselinePredictor:
    """Rules and gazetteers on a blank English spaCy pipeline: offline, no model, a few ms a document."""

    name = "baseline"

    def __init__(self) -> None:
        import spacy

        self.nlp = spacy.blank("en")
        ruler = self.nlp.add_pipe("entity_ruler", config={"validate": False})
        gazetteer = [
            {"label": label, "pattern": name} for file, label in GAZETTEER_LABELS.items() for name in read_lexicon(file)
        ]
        ruler.add_patterns(gazetteer + _number_patterns())
        titles = sorted((t.split() for t in read_lexicon("person_titles")), key=len, reverse=True)
        self.titles = {tuple(t) for t in titles}
        self.title_lengths = sorted({len(t) for t in titles}, reverse=True)
        self.claims = ClaimFinder()
        self.model_version = f"newsdesk-baseline-{BASELINE_RULES_VERSION}+{rules_fingerprint()}"

    def predict(self, doc: Document, schema: LabelSchema) -> AnnotationRecord:
        sdoc = self.nlp(doc.text)
        toks = _tokens(sdoc)
        ents = self.entities(sdoc, toks)
        claims = self.claims.find(doc.text, toks, ents, set(schema.source_labels))
        return _build_record(doc, schema, self.model_version, ents, claims, toks)

    # entities

    def entities(self, sdoc, toks: list[_Tok]) -> list[_Ent]:
        ruled = [_settle_amount(toks, _Ent(e.start, e.end, e.label_, e.start_char, e.end_char, 0)) for e in sdoc.ents]
        ruled = [e for e in ruled if e is not None]
        covered = {i for e in ruled for i in range(e.first, e.last)}
        cands = ruled + self._organisations(toks, covered) + self._titled_people(toks, covered)
        cands += self._people_near_verbs(toks, covered | {i for c in cands for i in range(c.first, c.last)})
        ents = _resolve(cands)
        ents = _resolve(ents + self._repeated_people(toks, ents))
        return [e for e in ents if not self._numbered_name(toks, e)]

    @staticmethod
    def _numbered_name(toks: list[_Tok], e: _Ent) -> bool:
        """A lone number right after a capitalised word mid-sentence is a name's part ("Nord Stream 2")."""
        if e.label != "CARDINAL" or e.last - e.first != 1 or e.first < 2:
            return False
        prev, before = toks[e.first - 1], toks[e.first - 2]
        return _is_name(prev) and before.text not in _SENT_END and not (before.space and "\n" in before.text)

    def _name_run(
        self, toks: list[_Tok], i: int, step: int, covered: set[int], limit: int = 4, surname_may_be_known: bool = False
    ) -> list[int]:
        """Indices of consecutive name words from i (particles such as "de" allowed inside).

        Words the gazetteers already labelled end the run, except, with ``surname_may_be_known``,
        one right after a single first name, which then ends it: after a title, "Ana Lima" is a
        person, not Ana and the city (and "Joe Biden Washington" stays two entities).
        """
        run: list[int] = []
        while 0 <= i < len(toks) and len(run) < limit:
            t = toks[i]
            surname = surname_may_be_known and i in covered and len(run) == 1 and step == 1
            if (
                (i not in covered or surname)
                and _is_name(t)
                and t.lower not in self.claims.verbs
                and t.text not in ORG_HEADS
            ):
                run.append(i)
                if surname:
                    break
            elif run and t.lower in _NAME_PARTICLES and 0 <= i + step < len(toks) and _is_name(toks[i + step]):
                run.append(i)
            else:
                break
            i += step
        while run and toks[run[-1]].lower in _NAME_PARTICLES:
            run.pop()
        return sorted(run)

    def _person(self, toks: list[_Tok], run: list[int], rank: int) -> _Ent:
        return _Ent(run[0], run[-1] + 1, "PERSON", toks[run[0]].start, toks[run[-1]].end, rank)

    def _titled_people(self, toks: list[_Tok], covered: set[int]) -> list[_Ent]:
        """ "President Joe Biden", "union negotiator Henk de Vries": the name after a title, without it."""
        found = []
        lowers = [t.lower for t in toks]
        for i in range(len(toks)):
            for n in self.title_lengths:
                if tuple(lowers[i : i + n]) in self.titles:
                    k = i + n
                    while k < len(toks) and toks[k].space and "\n" not in toks[k].text:
                        k += 1
                    run = self._name_run(toks, k, 1, covered, surname_may_be_known=True)
                    if run:
                        found.append(self._person(toks, run, 1))
                    break
        return found

    def _people_near_verbs(self, toks: list[_Tok], covered: set[int]) -> list[_Ent]:
        """Two or three capitalised words right before or after a reporting verb ("declared Volodymyr Zelensky")."""
        found = []
        for i, t in enumerate(toks):
            if t.lower not in self.claims.verbs:
                continue
            j = i - 1
            while j >= 0 and toks[j].lower in _ADVERBS:
                j -= 1
            for run in (self._name_run(toks, j, -1, covered, 3), self._name_run(toks, i + 1, 1, covered, 3)):
                if len(run) >= 2:
                    found.append(self._person(toks, run, 2))
        return found

    def _repeated_people(self, toks: list[_Tok], ents: list[_Ent]) -> list[_Ent]:
        """Once "Joe Biden" is a PERSON, so is every other "Joe Biden" and "Biden" in the document."""
        names: dict[str, list[tuple[str, ...]]] = {}
        for e in ents:
            if e.label == "PERSON":
                words = tuple(t.text for t in toks[e.first : e.last])
                names.setdefault(words[0], []).append(words)
                if len(words) > 1 and len(words[-1]) > 2:
                    names.setdefault(words[-1], []).append(words[-1:])
        found = []
        for i, t in enumerate(toks):
            for words in sorted(names.get(t.text, ()), key=len, reverse=True):
                if tuple(x.text for x in toks[i : i + len(words)]) == words:
                    found.append(_Ent(i, i + len(words), "PERSON", t.start, toks[i + len(words) - 1].end, 3))
                    break
        return found

    def _organisations(self, toks: list[_Tok], covered: set[int]) -> list[_Ent]:
        """Capitalised names headed by Council, Ministry, Bank...: "Joint Coordination Centre", "Bank of England"."""
        found = []
        for i, t in enumerate(toks):
            if t.text not in ORG_HEADS:
                continue
            first = i
            j = i - 1
            while (
                j >= 0
                and (_is_name(toks[j]) or (toks[j].text.isupper() and len(toks[j].text) > 1))
                and toks[j].text not in ORG_HEADS
                and toks[j].lower not in self.claims.verbs
            ):
                first = j
                j -= 1
            last = i + 1
            if last + 1 < len(toks) and toks[last].lower == "of":
                run = self._name_run(toks, last + 1, 1, set(), 3)
                if run and run[0] == last + 1:
                    last = run[-1] + 1
            if first < i or last > i + 1:
                found.append(_Ent(first, last, "ORG", toks[first].start, toks[last - 1].end, 1))
        return found


# OntoNotes labels map onto themselves; other common schemes are mapped where the meaning is clear.
SPACY_LABEL_MAP = {
    "PER": "PERSON",
    "PERSON": "PERSON",
    "ORG": "ORG",
    "LOC": "LOC",
    "GPE": "GPE",
    "NORP": "NORP",
    "FAC": "FAC",
    "PRODUCT": "PRODUCT",
    "EVENT": "EVENT",
    "WORK_OF_ART": "WORK_OF_ART",
    "LAW": "LAW",
    "DATE": "DATE",
    "TIME": "TIME",
    "PERCENT": "PERCENT",
    "MONEY": "MONEY",
    "QUANTITY": "QUANTITY",
    "ORDINAL": "ORDINAL",
    "CARDINAL": "CARDINAL",
}


class SpacyPredictor:
    """The NER of an installed spaCy pipeline (a package name or a path), mapped onto the schema's labels."""

    name = "spacy"

    def __init__(self, pipeline: str, label_map: dict[str, str] | None = None) -> None:
        spec = f"spacy:{pipeline}"
        if not pipeline:
            raise NewsdeskError(E215, where=spec, detail="no pipeline named; write spacy:<name or path>")
        try:
            import spacy
        except ImportError as exc:  # pragma: no cover - spaCy is a dependency
            raise NewsdeskError(E215, where=spec, detail="spaCy is not installed") from exc
        if not (spacy.util.is_package(pipeline) or Path(pipeline).is_dir()):
            raise NewsdeskError(
                E215,
                where=spec,
                detail=f"no spaCy pipeline {pipeline!r} is installed "
                f"(installed: {sorted(spacy.util.get_installed_models()) or 'none'})",
            )
        try:
            self.nlp = spacy.load(pipeline)
        except (OSError, ValueError) as exc:
            raise NewsdeskError(E215, where=spec, detail=f"spaCy could not load it: {exc}") from exc
        if "ner" not in self.nlp.pipe_names and "entity_ruler" not in self.nlp.pipe_names:
            raise NewsdeskError(E215, where=spec, detail=f"the pipeline has no NER component ({self.nlp.pipe_names})")
        self.label_map = dict(SPACY_LABEL_MAP if label_map is None else label_map)
        meta = self.nlp.meta
        self.model_version = f"spacy-{meta.get('lang', 'xx')}_{meta.get('name', 'pipeline')}-{meta.get('version', '0')}"
        self.claims = ClaimFinder()

    def predict(self, doc: Document, schema: LabelSchema) -> AnnotationRecord:
        sdoc = self.nlp(doc.text)
        toks = _tokens(sdoc)
        ents = []
        for e in sdoc.ents:
            label = self.label_map.get(e.label_, e.label_ if e.label_ in schema.entity_labels else None)
            span = sdoc.text[e.start_char : e.end_char]
            if label is None or not span.strip() or span != span.strip():
                continue  # a model may tag whitespace; such spans would break the offset contract
            ents.append(_Ent(e.start, e.end, label, e.start_char, e.end_char))
        ents = _resolve(ents)
        claims = self.claims.find(doc.text, toks, ents, set(schema.source_labels))
        return _build_record(doc, schema, self.model_version, ents, claims, toks)


@lru_cache(maxsize=1)
def _baseline() -> BaselinePredictor:
    return BaselinePredictor()  # loaded once per process: a blank pipeline and compiled patterns


def _baseline_factory(arg: str) -> Predictor:
    if arg:
        raise NewsdeskError(E215, where=f"baseline:{arg}", detail="the baseline takes no argument")
    return _baseline()


register_predictor("baseline", _baseline_factory)
register_predictor("spacy", SpacyPredictor)


def _model_factory(arg: str) -> Predictor:
    from annotation.models.predictor import model_predictor_factory  # spaCy pipelines load only when asked

    return model_predictor_factory(arg)


register_predictor("model", _model_factory)  # a model trained by `newsdesk model train` (training/)
