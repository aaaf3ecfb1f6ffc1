"""The documents that travel with a release: dataset card, datasheet and Croissant metadata.

All three are written from one ``ReleaseFacts`` gathered by the build, so the card, the
datasheet and Croissant never disagree with the data or with each other.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from datasets import ClassLabel, DatasetInfo, Features, SplitDict, SplitInfo
from datasets.info import DatasetInfosDict
from datasets.utils.metadata import MetadataConfigs
from huggingface_hub import DatasetCardData

from releases.configs import CONFIGS, GOLD_CONFIGS, default_config
from releases.settings import OTHER_LICENSE, REPO_PLACEHOLDER, UNKNOWN_LICENSE, ReleaseSettings
from validation.gold import GoldCoverage


@dataclass
class ReleaseFacts:
    settings: ReleaseSettings  # what the maintainers chose to say: licence, repository, creators, name
    version: str
    created: str
    languages: list[str]
    features: dict[str, Features]
    split_rows: dict[str, dict[str, int]]  # config -> split -> rows
    data_files: dict[str, dict[str, str]]  # config -> split -> path
    documents: int
    gold_documents: int
    annotators: int
    gold_coverage: GoldCoverage  # the documents people annotated that have no gold, and why
    entity_label_counts: dict[str, dict[str, int]]  # split -> label -> spans
    claim_attribute_counts: dict[str, dict[str, int]]  # attribute -> value -> claims
    claims: int
    cleaning_edits: dict[str, int]
    cleaning_flags: dict[str, int]
    near_duplicate_clusters: int
    ner_misaligned: int
    ner_spans: int
    agreement: dict = field(default_factory=dict)  # measure -> value, for the card
    limitations: list[str] = field(default_factory=list)
    tokenisation: str = ""
    schema_hash: str = ""
    previous: str | None = None

    @property
    def pretty_name(self) -> str:
        return self.settings.pretty_name

    @property
    def configs(self) -> list[str]:
        """The configs the release has (a config without rows is not written), in the registry's order."""
        return [c.name for c in CONFIGS if c.name in self.data_files]

    @property
    def default_config(self) -> str | None:
        return default_config(self.data_files)


# What each config's gold is an annotation for, in words: the card says only what the release has.
ANNOTATED_FOR = {"entities": "named entities", "claims": "claims (what was said, who said it, the reporting cue)"}
# Hub task ids by config; a task the release has no config for is not claimed.
TASKS = {
    "entities": ("token-classification", "named-entity-recognition"),
    "claims": ("text-classification", "fact-checking"),
}


def annotated_as(facts: ReleaseFacts) -> str:
    """How the articles are annotated, from the configs the release has: a workspace with entity
    gold only, or without gold, must not be described as annotated for claims."""
    kinds = [words for config, words in ANNOTATED_FOR.items() if config in facts.data_files]
    if kinds:
        return "annotated for " + " and for ".join(kinds)
    if "annotations" in facts.data_files:
        return "annotated by people, with no adjudicated gold yet (their records are in `annotations`)"
    return "not annotated yet"


def size_category(n: int) -> str:
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M")):
        if n < limit:
            return name
    return "1M<n<10M"


def card_yaml(facts: ReleaseFacts) -> str:
    chosen = facts.settings  # left out when unset (None is not written), never filled in for the maintainers
    data = DatasetCardData(
        license=chosen.card_license,
        license_name=chosen.license_name,
        license_link=chosen.license_link,
        language=facts.languages,
        pretty_name=facts.pretty_name,
        task_categories=[TASKS[c][0] for c in facts.configs if c in TASKS] or None,
        task_ids=[TASKS[c][1] for c in facts.configs if c in TASKS] or None,
        annotations_creators=list(chosen.annotations_creators) or None,
        language_creators=list(chosen.language_creators) or None,
        source_datasets=list(chosen.source_datasets) or None,
        size_categories=[size_category(facts.documents)],
        multilinguality="monolingual" if len(facts.languages) == 1 else "multilingual",
    )
    configs = MetadataConfigs(
        {
            name: {
                "data_files": [{"split": split, "path": path} for split, path in facts.data_files[name].items()],
                **({"default": True} if name == facts.default_config else {}),
            }
            for name in facts.data_files
        }
    )
    configs.to_dataset_card_data(data)
    infos = DatasetInfosDict()
    for name, features in facts.features.items():
        splits = SplitDict()
        for split, rows in facts.split_rows[name].items():
            splits.add(SplitInfo(name=split, num_examples=rows))
        infos[name] = DatasetInfo(features=features, splits=splits, config_name=name)
    infos.to_dataset_card_data(data)
    return data.to_yaml()


def _table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def loading_section(facts: ReleaseFacts) -> str:
    """How to load the release: one line per config it has, the default first and without a name,
    from the configured repository, or with a placeholder said to be one. Every line names a config
    the card's YAML declares, so each one loads (tests/test_release_partial.py loads them all)."""
    repo, version, default = facts.settings.load_repo, facts.version, facts.default_config
    if default is None:
        return "This release has no data files: no document was released."
    if facts.settings.repo_id:
        intro = ""
        note = "the default config"
    else:
        intro = (
            f"No Hub repository was named for this release (`repo_id` in the `[release]` section of the "
            f"workspace's newsdesk.toml), so `{REPO_PLACEHOLDER}` below is a placeholder for the repository "
            f"it is published to. A copy of this folder loads as it is: "
            f'`load_dataset("path/to/this/folder")`.\n\n'
        )
        note = f"the default config; {REPO_PLACEHOLDER} is a placeholder"
    lines = [f'{default} = load_dataset("{repo}", revision="{version}")  # {note}']
    lines += [
        f'{name} = load_dataset("{repo}", "{name}", revision="{version}")' for name in facts.configs if name != default
    ]
    snippet = "\n".join(["from datasets import load_dataset", "", *lines])
    return f"{intro}```python\n{snippet}\n```"


def _class_label_path(feature, path: str) -> str | None:
    """Where the first ClassLabel inside ``feature`` is, as Python on a ``features`` object."""
    if isinstance(feature, ClassLabel):
        return f"{path}.names"
    if isinstance(feature, dict):
        for name, inner in feature.items():
            if (found := _class_label_path(inner, f'{path}["{name}"]')) is not None:
                return found
        return None
    inner = getattr(feature, "feature", None)  # a list of values
    return None if inner is None else _class_label_path(inner, f"{path}.feature")


def class_label_examples(facts: ReleaseFacts) -> str:
    """Where each released config keeps a ClassLabel's names, for the card: only configs it has."""
    found = [(c, _class_label_path(facts.features[c], "features")) for c in facts.configs if c in facts.features]
    return "; ".join(f"`{config}`: `{path}`" for config, path in found if path)


def licence_section(settings: ReleaseSettings) -> str:
    if settings.license is None:
        return (
            "Unknown: no licence was chosen for this release (`license` in the `[release]` section of the "
            "workspace's newsdesk.toml). Nothing here grants you rights to the content."
        )
    if settings.license == OTHER_LICENSE:
        link = f" ({settings.license_link})" if settings.license_link else ""
        return f"`{settings.license_name}`{link}, chosen by the maintainers of this release."
    if settings.license == UNKNOWN_LICENSE:
        return "Unknown, as stated by the maintainers of this release. Nothing here grants you rights to the content."
    return f"`{settings.license}`, chosen by the maintainers of this release."


def card_markdown(facts: ReleaseFacts) -> str:
    splits = ["train", "validation", "test"]
    configs_table = _table(
        ["config", *splits, "what a row is"],
        [
            [name, *(facts.split_rows[name].get(s, 0) for s in splits), what]
            for name, what in (
                (c.name, c.description + (" (default)" if c.name == facts.default_config else "")) for c in CONFIGS
            )
            if name in facts.split_rows
        ],
    )
    cleaning = _table(
        ["rule", "edits", "flags"],
        [
            [r, facts.cleaning_edits.get(r, 0), facts.cleaning_flags.get(r, 0)]
            for r in sorted(set(facts.cleaning_edits) | set(facts.cleaning_flags))
        ],
    )
    agreement = "\n".join(f"- {k}: {v}" for k, v in facts.agreement.items()) or "- no document was annotated twice"
    limitations = "\n".join(f"- {x}" for x in facts.limitations)
    gold = any(c in facts.data_files for c in GOLD_CONFIGS)
    labels = class_label_examples(facts)
    # A section about a config the release does not have would describe data that is not there.
    sections = "".join(
        section
        for config, section in (
            ("entities", _entities_section(facts, splits)),
            ("claims", _claims_section(facts)),
            ("ner", _tokenisation_section(facts)),
        )
        if config in facts.data_files
    )
    return f"""---
{card_yaml(facts).rstrip()}
---

# {facts.pretty_name}

Version **{facts.version}** (built {facts.created}{f", previous {facts.previous}" if facts.previous else ""}).
News articles, cleaned with an offset-preserving pipeline and {annotated_as(facts)},
{"validated and adjudicated" if gold else "validated"} with newsdesk. Label schema hash `{facts.schema_hash}`.

## Licence

{licence_section(facts.settings)}

## Loading

{loading_section(facts)}

No code of ours is needed: {
        f"labels and attributes are `ClassLabel`s declared in this card and in the Parquet files ({labels})."
        if labels
        else "the Features are declared in this card and in the Parquet files."
    }

**Versions.** Each version is a separate immutable folder and a Hub tag. Pass `revision=` with
the version you cite. `revision=` is ignored when loading a local folder, and rewriting a
folder in place with card `configs` can serve stale cached data — which is why versions are
never rewritten, only added.

## Configs and splits

{configs_table}

Splits are assigned from a hash of each document's near-duplicate cluster (or its id), so a
cluster never straddles splits, and a released document keeps its split in later versions.
{sections}
## Collection and cleaning

{facts.documents} documents; {facts.gold_documents} with a gold annotation. Cleaning edits and
flags by rule (flags mark suspected machine-translation artefacts and are never applied):

{cleaning}

{facts.near_duplicate_clusters} near-duplicate clusters (MinHash, kept and flagged, never split).

## Annotation

{facts.annotators} annotators (pseudonymised in `annotations`). Inter-annotator agreement:

{agreement}

## Known limitations

{limitations}
"""


def _entities_section(facts: ReleaseFacts, splits: list[str]) -> str:
    labels = sorted({label for per in facts.entity_label_counts.values() for label in per})
    label_table = _table(
        ["label", *splits],
        [[label, *(facts.entity_label_counts.get(s, {}).get(label, 0) for s in splits)] for label in labels],
    )
    return f"""
## Entities per split

{label_table}
"""


def _claims_section(facts: ReleaseFacts) -> str:
    attr_rows = [
        [attr, value, n] for attr, values in facts.claim_attribute_counts.items() for value, n in values.items()
    ]
    return f"""
## Claims

{facts.claims} gold claims. Attribute values:

{_table(["attribute", "value", "claims"], attr_rows) if attr_rows else "(none)"}

A claim's `cue` and `source` have `start = end = -1` when absent; `source.label` is -1 for an
unattributed claim; an attribute is -1 when no annotator answered it.
"""


def _tokenisation_section(facts: ReleaseFacts) -> str:
    return f"""
## Tokenisation (`ner`)

{facts.tokenisation} {facts.ner_spans} entity spans; {facts.ner_misaligned} of them do not fall on
token boundaries and are tagged on the tokens inside them (counted, never dropped silently).
"""


# --- DATASHEET.md -----------------------------------------------------------------------------

SECTIONS = [
    "Motivation",
    "Composition",
    "Collection process",
    "Preprocessing, cleaning, labelling",
    "Uses",
    "Distribution",
    "Maintenance",
]
_MARKER = re.compile(r"<!-- facts:(?P<name>[\w-]+):start -->.*?<!-- facts:(?P=name):end -->", re.S)

DATASHEET_TEMPLATE = """# Datasheet: {pretty_name}

Following *Datasheets for Datasets* (Gebru et al.). Text between `facts` markers is rewritten
from the pipeline's own facts at every release; everything else is written by people and kept.

## Motivation

<!-- facts:motivation:start --><!-- facts:motivation:end -->

*Why was the dataset created, and by whom? (write here)*

## Composition

<!-- facts:composition:start --><!-- facts:composition:end -->

*What do the instances represent? Is there personal or sensitive information? (write here)*

## Collection process

<!-- facts:collection:start --><!-- facts:collection:end -->

*Where were the articles scraped from, when, with which consent or licence? (write here)*

## Preprocessing, cleaning, labelling

<!-- facts:preprocessing:start --><!-- facts:preprocessing:end -->

*Who annotated, with what training and pay? (write here)*

## Uses

<!-- facts:uses:start --><!-- facts:uses:end -->

*What should it not be used for? (write here)*

## Distribution

<!-- facts:distribution:start --><!-- facts:distribution:end -->

## Maintenance

<!-- facts:maintenance:start --><!-- facts:maintenance:end -->

*Who maintains it and how are errors reported? (write here)*
"""


def datasheet_facts(facts: ReleaseFacts) -> dict[str, str]:
    rows = {c: sum(s.values()) for c, s in facts.split_rows.items()}
    return {
        "motivation": f"Release {facts.version} of {facts.pretty_name}: news articles {annotated_as(facts)}.",
        "composition": (
            f"{facts.documents} documents ({', '.join(facts.languages)}), {facts.gold_documents} with gold "
            f"annotations; {rows.get('entities', 0)} rows in `entities`, {facts.claims} claims, "
            f"{rows.get('annotations', 0)} annotator records. Splits: "
            + ", ".join(f"{s} {n}" for s, n in facts.split_rows.get("documents", {}).items())
            + "."
        ),
        "collection": (
            f"Scraped news articles ingested with newsdesk; {facts.near_duplicate_clusters} near-duplicate "
            "clusters were kept and flagged."
        ),
        "preprocessing": (
            "Cleaning edits by rule: "
            + ", ".join(f"{k} {v}" for k, v in sorted(facts.cleaning_edits.items()))
            + ". Flags: "
            + (", ".join(f"{k} {v}" for k, v in sorted(facts.cleaning_flags.items())) or "none")
            + f". {facts.annotators} annotators; agreement: "
            + ("; ".join(f"{k} {v}" for k, v in facts.agreement.items()) or "not measured")
            + "."
        ),
        "uses": "Named-entity recognition, claim detection and attribution, check-worthiness research.",
        "distribution": (
            "Parquet files per config and split, dataset card, Croissant metadata; licence "
            + _licence_fact(facts.settings)
            + "; "
            + _loading_fact(facts)
        ),
        "maintenance": (
            f"Versioned releases (this: {facts.version}; previous: {facts.previous or 'none'}) with a "
            "changelog and checksums; a released document keeps its split."
        ),
    }


def _loading_fact(facts: ReleaseFacts) -> str:
    repo_id, default = facts.settings.repo_id, facts.default_config
    if not repo_id:
        return "no Hub repository named (`repo_id` not set)."
    if default is None:
        return "no data files."
    return f'load with `load_dataset("{repo_id}", revision="{facts.version}")` (the default config, `{default}`).'


def _licence_fact(settings: ReleaseSettings) -> str:
    if settings.license is None:
        return "unknown (none chosen: `license` not set)"
    if settings.license == OTHER_LICENSE:
        return f"{settings.license_name}" + (f" ({settings.license_link})" if settings.license_link else "")
    return settings.license


def render_datasheet(existing: str | None, facts: ReleaseFacts) -> str:
    """The datasheet with fresh facts between markers and people's answers kept as they were."""
    text = (
        existing if existing and "<!-- facts:" in existing else DATASHEET_TEMPLATE.format(pretty_name=facts.pretty_name)
    )
    values = datasheet_facts(facts)

    def fill(m: re.Match) -> str:
        name = m.group("name")
        body = values.get(name)
        if body is None:
            return m.group(0)
        return f"<!-- facts:{name}:start -->\n{body}\n<!-- facts:{name}:end -->"

    return _MARKER.sub(fill, text)


def copy_facts(source: str, target: str) -> str:
    """``target`` with every facts block replaced by the same-named block of ``source``."""
    blocks = {m.group("name"): m.group(0) for m in _MARKER.finditer(source)}
    return _MARKER.sub(lambda m: blocks.get(m.group("name"), m.group(0)), target)


# --- Croissant ----------------------------------------------------------------------------------


def _croissant_type(feature) -> str:
    dtype = getattr(feature, "dtype", "string")
    if type(feature).__name__ == "ClassLabel":
        return "sc:Integer"
    return {"string": "sc:Text", "bool": "sc:Boolean", "float32": "sc:Float", "float64": "sc:Float"}.get(
        dtype, "sc:Integer" if "int" in str(dtype) else "sc:Text"
    )


def croissant(facts: ReleaseFacts, file_hashes: dict[str, str], rai: dict[str, str]) -> dict:
    """Croissant 1.0 JSON-LD with the Responsible-AI fields we know."""
    distribution = []
    record_sets = []
    for config, _files in facts.data_files.items():
        set_id = f"parquet-{config}"
        distribution.append(
            {
                "@type": "cr:FileSet",
                "@id": set_id,
                "name": set_id,
                "encodingFormat": "application/x-parquet",
                "includes": f"data/{config}/*.parquet",
            }
        )
        fields = []
        for column, feature in facts.features[config].items():
            if isinstance(feature, dict) or type(feature).__name__ == "List":
                continue  # nested columns: described in the card's dataset_info
            fields.append(
                {
                    "@type": "cr:Field",
                    "@id": f"{config}/{column}",
                    "name": column,
                    "dataType": _croissant_type(feature),
                    "source": {"fileSet": {"@id": set_id}, "extract": {"column": column}},
                }
            )
        record_sets.append({"@type": "cr:RecordSet", "@id": config, "name": config, "field": fields})
    for path, digest in sorted(file_hashes.items()):
        if path.endswith(".parquet"):
            distribution.append(
                {
                    "@type": "cr:FileObject",
                    "@id": path,
                    "name": path,
                    "contentUrl": path,
                    "encodingFormat": "application/x-parquet",
                    "sha256": digest,
                }
            )
    context = json.loads(CROISSANT_CONTEXT)
    repo_id = facts.settings.repo_id
    name = repo_id.replace("/", "_") if repo_id else re.sub(r"[^A-Za-z0-9._-]+", "_", facts.pretty_name).strip("_")
    return {
        "@context": context,
        "@type": "sc:Dataset",
        "name": name or "dataset",
        "description": f"{facts.pretty_name}: news articles {annotated_as(facts)}.",
        "conformsTo": "http://mlcommons.org/croissant/1.0",
        "license": facts.settings.card_license,
        **({"url": f"https://huggingface.co/datasets/{repo_id}"} if repo_id else {}),
        "version": facts.version,
        "datePublished": facts.created[:10],
        "citeAs": f"{facts.pretty_name}, version {facts.version}.",
        "distribution": distribution,
        "recordSet": record_sets,
        **{f"rai:{k}": v for k, v in rai.items()},
    }


CROISSANT_CONTEXT = json.dumps(
    {
        "@language": "en",
        "@vocab": "https://schema.org/",
        "citeAs": "cr:citeAs",
        "column": "cr:column",
        "conformsTo": "dct:conformsTo",
        "cr": "http://mlcommons.org/croissant/",
        "rai": "http://mlcommons.org/croissant/RAI/",
        "data": {"@id": "cr:data", "@type": "@json"},
        "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
        "dct": "http://purl.org/dc/terms/",
        "examples": {"@id": "cr:examples", "@type": "@json"},
        "extract": "cr:extract",
        "field": "cr:field",
        "fileProperty": "cr:fileProperty",
        "fileObject": "cr:fileObject",
        "fileSet": "cr:fileSet",
        "format": "cr:format",
        "includes": "cr:includes",
        "isLiveDataset": "cr:isLiveDataset",
        "jsonPath": "cr:jsonPath",
        "key": "cr:key",
        "md5": "cr:md5",
        "parentField": "cr:parentField",
        "path": "cr:path",
        "recordSet": "cr:recordSet",
        "references": "cr:references",
        "regex": "cr:regex",
        "repeated": "cr:repeated",
        "replace": "cr:replace",
        "samplingRate": "cr:samplingRate",
        "equivalentProperty": "cr:equivalentProperty",
        "sc": "https://schema.org/",
        "separator": "cr:separator",
        "source": "cr:source",
        "subField": "cr:subField",
        "transform": "cr:transform",
    }
)


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
