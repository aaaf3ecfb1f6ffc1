"""The cleaning rules: one module per rule in this folder, and this one registry.

``RULES`` is the only list of rules: their default order, whether each runs by default, its
options with their defaults and a line saying what each does. From it are made
:mod:`corpus.cleaning`'s ``EDITING_RULES``, ``FLAGGING_RULES`` and ``DEFAULT_RULES``, the
``[cleaning]`` part of the ``newsdesk.toml`` template (:func:`cleaning_toml`) and the rule table
of ``docs/corpus.md`` (:func:`markdown_table`, ``python -m corpus.rules --markdown``).

A new rule is a module ``corpus/rules/NAME.py`` with a class that has ``name = "NAME"`` and
``propose`` or ``flag`` (see :mod:`corpus.rules.base`), and one ``RuleSpec`` line below.
A rule's module is imported only when the rule is used: reading the registry (for the config
template, the CLI's help) costs nothing.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from corpus.rules.base import CleaningContext, EditingRule, FlaggingRule

__all__ = [
    "RULES",
    "RuleSpec",
    "Option",
    "CleaningContext",
    "EditingRule",
    "FlaggingRule",
    "rule_spec",
    "default_rules",
    "cleaning_toml",
    "markdown_table",
]


@dataclass(frozen=True)
class Option:
    """One option of a rule: its default (the one in the config template) and what it does."""

    default: bool | int | float | str
    help: str


@dataclass(frozen=True)
class RuleSpec:
    """One rule: the class ``cls`` in ``corpus/rules/<name>.py``, which kind, whether it runs by default."""

    name: str
    cls: str
    kind: str  # "editing" (proposes edits) or "flagging" (flags, never changes the text)
    default_on: bool
    description: str  # the rule table's "what it does"
    options: dict[str, Option] = field(default_factory=dict)  # written into newsdesk.toml's [cleaning.<name>]
    note: str = ""  # a comment above the options' section in newsdesk.toml

    def load(self) -> type:
        """The rule's class (its module imported now)."""
        return getattr(importlib.import_module(f"corpus.rules.{self.name}"), self.cls)


# In the order the rules run. Changing a default here changes the pipeline version of new
# workspaces (it hashes the rule list and options), so every document is re-cleaned.
RULES: tuple[RuleSpec, ...] = (
    RuleSpec(
        "unicode_repair",
        "UnicodeRepair",
        "editing",
        default_on=True,
        description=(
            "ftfy on the few lines that can need it (cheap pre-filter), curly quotes and full-width forms "
            "(Chinese and Japanese punctuation) kept"
        ),
    ),
    RuleSpec(
        "whitespace",
        "WhitespaceNormalisation",
        "editing",
        default_on=True,
        description=("CRLF, odd spaces, zero-width characters, spaces at line ends"),
    ),
    RuleSpec(
        "paragraph_breaks",
        "ParagraphBreaks",
        "editing",
        default_on=True,
        description=("each line a paragraph, separated by exactly one blank line"),
    ),
    RuleSpec(
        "residue_lines",
        "ResidueLines",
        "editing",
        default_on=True,
        description=(
            'share/follow/cookie/newsletter/"Read more"/advertisement and punctuation-only lines anywhere; '
            '"source site"/copyright footers at the end; bylines and date lines after the title or at the end '
            "(kept as `metadata.byline`, `published`)"
        ),
        options={"head_lines": Option(3, "how many lines after the title may hold a byline or date line")},
    ),
    RuleSpec(
        "residue_model",
        "ResidueModelRule",
        "editing",
        default_on=True,
        description=(
            "lines a model trained on real pages scores as page furniture (menus, related links, footers, share "
            "and follow prompts, tweet embeds, image credits): two logistic regressions over each line's features "
            "and its neighbours' (`corpus/rules/residue_model.py`, weights in `corpus/rules/residue_model.json`); "
            "`threshold`, `keep_words` in `[cleaning.residue_model]`"
        ),
        note="Lines a model trained on real pages scores as menus, footers, share lines (bench/README.md).",
        options={
            "threshold": Option(0.53, "a line whose probability of being article text is lower goes"),
            "html_threshold": Option(0.15, "the same for text extracted from an HTML page (menus mostly gone already)"),
            "keep_words": Option(60, "a line of this many words is never taken"),
            "page_share": Option(0.5, "the model takes lines only from a page: a text this share of whose lines"),
            "page_word_share": Option(
                0.1, "...and this share of whose words it scores as residue (else only known shapes go)"
            ),
            "page_line_share": Option(
                0.6, "...or this share of whose lines, whatever their words (a long article under a long menu)"
            ),
            "page_min_lines": Option(6, "...but a text of fewer lines only when every line scores as residue"),
            "body_share": Option(
                0.3, "sentences in the densest block of sentence lines or in one with this share are never taken"
            ),
            "comments": Option(True, "a page's comment section (from its heading to the end) goes whole"),
            "headline": Option(True, "a page's headline, taken with its furniture, becomes the document's title"),
        },
    ),
    RuleSpec(
        "repeated_lines",
        "RepeatedLines",
        "editing",
        default_on=True,
        description=(
            "lines that recur in many documents of one source (site of the URL, else the JSONL file, else the "
            'folder): "Help", "About Us", newsletter boxes; counted over the workspace, re-applied to earlier '
            "documents when new ones of the source arrive (short lines only, never a bare dateline)"
        ),
        note="Lines repeated across the documents of one source (docs/corpus.md).",
        options={
            "min_documents": Option(3, "a line goes when at least this many documents of its source hold it"),
            "min_share": Option(0.1, "...and at least this share of the source's documents"),
            "max_words": Option(20, "only lines of at most this many words are counted"),
            "max_chars": Option(150, "...and of at most this many characters"),
        },
    ),
    RuleSpec(
        "quote_spacing",
        "QuoteSpacing",
        "editing",
        default_on=True,
        description=("`”he added` → `” he added`, `said“we` → `said “we` (not after `’`, the apostrophe)"),
    ),
    RuleSpec(
        "mistranslated_conjunction",
        "MistranslatedConjunction",
        "flagging",
        default_on=False,
        description=(
            "*flags* a lexical word between two quotations (`” corn “`, French *mais*); off by default: "
            "0 of 39 right on real text (bench/README.md)"
        ),
    ),
    RuleSpec(
        "run_together_words",
        "RunTogetherWords",
        "flagging",
        default_on=True,
        description=(
            "*flags* an unknown word that splits into two frequent ones, one a very common word (`oninternational`, "
            "wordfreq), in languages that write compounds apart; 7 of 8 right on real text"
        ),
        options={
            "min_part_zipf": Option(4.5, "both halves must be at least this frequent (wordfreq's Zipf scale)"),
            "min_common_part_zipf": Option(6.0, 'and one half a very common word ("for", "by", "not")'),
            "languages": Option(("en", "fr", "es", "it", "pt"), "languages that write compounds as separate words"),
        },
    ),
    RuleSpec(
        "truncated_ending",
        "TruncatedEnding",
        "flagging",
        default_on=False,
        description=("*flags* a last paragraph that stops mid-sentence; off by default: 3 of 100 right on real text"),
    ),
    RuleSpec(
        "not_an_article",
        "NotAnArticle",
        "flagging",
        default_on=True,
        description=(
            "*flags* the whole text of an error page or login wall, or a text the residue model found no article in"
        ),
    ),
)

_BY_NAME = {spec.name: spec for spec in RULES}
_BY_CLASS = {spec.cls: spec for spec in RULES}


def rule_spec(name: str) -> RuleSpec:
    return _BY_NAME[name]


def default_rules() -> list[str]:
    """The names of the rules that run by default, in order."""
    return [spec.name for spec in RULES if spec.default_on]


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return repr(value)


def _commented(line: str, comment: str, column: int = 31) -> str:
    return f"{line.ljust(column - 1)} # {comment}"


def cleaning_toml() -> str:
    """The ``[cleaning]`` part of the newsdesk.toml template: the default rules and every option."""
    names = [f'"{name}"' for name in default_rules()]
    rows, row = [], "rules = ["
    for i, name in enumerate(names):
        piece = name + ("]" if i == len(names) - 1 else ",")
        if len(row) > len("rules = [") and len(row) + 1 + len(piece) > 120:
            rows.append(row)
            row = " " * len("rules = [") + piece
        else:
            row += ("" if row.endswith("[") else " ") + piece
    rows.append(row)
    off = ", ".join(f'"{spec.name}"' for spec in RULES if not spec.default_on)
    out = [
        "[cleaning]",
        "# Rules run in this order; remove one to switch it off."
        + (f" Off by default (too often wrong on real text, bench/README.md): {off}." if off else ""),
        *rows,
        _commented('language = "auto"', "or an ISO 639-1 code to skip detection"),
    ]
    for spec in RULES:
        if not spec.options:
            continue
        out += ["", f"[cleaning.{spec.name}]"] + ([f"# {spec.note}"] if spec.note else [])
        out += [
            _commented(f"{key} = {_toml_value(option.default)}", option.help) for key, option in spec.options.items()
        ]
    return "\n".join(out) + "\n"


def markdown_table() -> str:
    """The rule table of docs/corpus.md."""
    rows = ["| rule | what it does |", "|---|---|"]
    rows += [f"| `{spec.name}` | {spec.description} |" for spec in RULES]
    return "\n".join(rows) + "\n"


def __getattr__(name: str):
    # `from corpus import rules as R; R.UnicodeRepair`: a rule's class, its module imported when asked for.
    spec = _BY_CLASS.get(name)
    if spec is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return spec.load()
