"""Small but real release folders, laid out like `releases/build.py` writes them, for publish tests.

Each release has two configs written with `datasets` (so the Features travel in the Parquet
metadata) and declared in the card's YAML (`configs` + `dataset_info`), plus the manifest,
datasheet, Croissant, changelog and SHA256SUMS. Version 0.2.0 differs from 0.1.0 in rows, in a
ClassLabel name and in how one split is sharded, so a consumer can tell the versions apart and a
stale shard left behind by an upload would show up as extra rows.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from datasets import ClassLabel, Dataset, DatasetInfo, Features, List, SplitDict, SplitInfo, Value
from datasets.info import DatasetInfosDict
from datasets.utils.metadata import MetadataConfigs
from huggingface_hub import DatasetCard, DatasetCardData

ATTRIBUTION = ["direct", "indirect", "unattributed"]


def entity_labels(version: str) -> list[str]:
    # 0.2.0 adds a label: the ClassLabel names a consumer gets must follow the revision it asked for.
    return ["PER", "ORG", "LOC"] + (["MISC"] if version != "0.1.0" else [])


def entity_features(version: str) -> Features:
    return Features(
        {
            "doc_id": Value("string"),
            "text": Value("string"),
            "spans": List(
                {"start": Value("int32"), "end": Value("int32"), "label": ClassLabel(names=entity_labels(version))}
            ),
        }
    )


CLAIM_FEATURES = Features(
    {
        "doc_id": Value("string"),
        "claim": Value("string"),
        "source": Value("string"),
        "attribution": ClassLabel(names=ATTRIBUTION),
    }
)


@dataclass
class ReleaseRows:
    """What a release holds, per config and split, as plain rows (labels as names)."""

    version: str
    entities: dict[str, list[dict]] = field(default_factory=dict)
    claims: dict[str, list[dict]] = field(default_factory=dict)
    # how many Parquet shards each (config, split) is written as
    shards: dict[tuple[str, str], int] = field(default_factory=dict)


def release_rows(version: str) -> ReleaseRows:
    """Rows of version 0.1.0 or 0.2.0 (0.2.0 = 0.1.0 plus one more article and claim)."""
    entities = {
        "train": [
            {
                "doc_id": "d001",
                "text": "Ada Lovelace spoke in London.",
                "spans": [{"start": 0, "end": 12, "label": "PER"}, {"start": 22, "end": 28, "label": "LOC"}],
            },
            {"doc_id": "d002", "text": "Acme Corp denied it.", "spans": [{"start": 0, "end": 9, "label": "ORG"}]},
        ],
        "test": [{"doc_id": "d003", "text": "Nothing to see.", "spans": []}],
    }
    claims = {
        "train": [
            {"doc_id": "d001", "claim": "the bridge is safe", "source": "Ada Lovelace", "attribution": "direct"},
            {"doc_id": "d002", "claim": "sales fell", "source": "", "attribution": "unattributed"},
        ],
        "test": [{"doc_id": "d003", "claim": "rates will rise", "source": "officials", "attribution": "indirect"}],
    }
    shards = {("entities", "train"): 1, ("entities", "test"): 1, ("claims", "train"): 1, ("claims", "test"): 1}
    if version != "0.1.0":
        entities["train"].append(
            {"doc_id": "d004", "text": "The Euro Cup starts.", "spans": [{"start": 4, "end": 12, "label": "MISC"}]}
        )
        claims["train"].append(
            {"doc_id": "d004", "claim": "tickets sold out", "source": "UEFA", "attribution": "direct"}
        )
        shards[("claims", "train")] = 2  # 0.1.0's single train shard must not survive in 0.2.0
    return ReleaseRows(version, entities, claims, shards)


def _encode(rows: list[dict], features: Features) -> list[dict]:
    """Label names -> ClassLabel ids, the way `datasets` stores them."""

    def enc(value, feature):
        if isinstance(feature, ClassLabel):
            return feature.str2int(value)
        if isinstance(feature, dict):
            return {k: enc(value[k], f) for k, f in feature.items()}
        if isinstance(feature, List):
            return [enc(v, feature.feature) for v in value]
        return value

    return [{k: enc(r[k], f) for k, f in features.items()} for r in rows]


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_sha256sums(release_dir: Path) -> None:
    lines = [
        f"{sha256_of(p)}  {p.relative_to(release_dir).as_posix()}"
        for p in sorted(release_dir.rglob("*"))
        if p.is_file() and p.name != "SHA256SUMS"
    ]
    (release_dir / "SHA256SUMS").write_text("\n".join(lines) + "\n", encoding="utf-8")


def make_release(workspace: Path, version: str, name: str = "newsdesk-sample") -> Path:
    """Write `<workspace>/releases/<version>/` and return it."""
    rows = release_rows(version)
    release_dir = workspace / "releases" / version
    release_dir.mkdir(parents=True)
    per_config = {"entities": (rows.entities, entity_features(version)), "claims": (rows.claims, CLAIM_FEATURES)}
    infos, configs, counts = {}, {}, {}
    for config, (splits, features) in per_config.items():
        split_dict = SplitDict()
        for split, split_rows in splits.items():
            n = rows.shards[(config, split)]
            for i in range(n):
                part = split_rows[i::n]
                path = release_dir / "data" / config / f"{split}-{i:05d}-of-{n:05d}.parquet"
                path.parent.mkdir(parents=True, exist_ok=True)
                Dataset.from_list(_encode(part, features), features=features).to_parquet(path)
            split_dict.add(SplitInfo(name=split, num_examples=len(split_rows)))
            counts[f"{config}/{split}"] = len(split_rows)
        infos[config] = DatasetInfo(features=features, splits=split_dict, config_name=config)
        configs[config] = {
            "data_files": [{"split": s, "path": f"data/{config}/{s}-*.parquet"} for s in splits],
            **({"default": True} if config == "entities" else {}),
        }
    card_data = DatasetCardData(license="cc-by-4.0", language=["en"], pretty_name=f"{name} {version}")
    MetadataConfigs(configs).to_dataset_card_data(card_data)
    DatasetInfosDict(infos).to_dataset_card_data(card_data)
    card = DatasetCard(
        f"---\n{card_data.to_yaml()}\n---\n\n# {name} {version}\n\nNews articles with entities and "
        f"claims, annotated in Label Studio.\n"
    )
    (release_dir / "README.md").write_text(str(card), encoding="utf-8")
    (release_dir / "DATASHEET.md").write_text(
        f"# Datasheet for {name}\n\n## Motivation\n\nA test release.\n", encoding="utf-8"
    )
    (release_dir / "CHANGELOG.md").write_text(f"# {version}\n\n{sum(counts.values())} rows.\n", encoding="utf-8")
    (release_dir / "croissant.json").write_text(
        json.dumps(
            {"@context": {"@vocab": "https://schema.org/"}, "@type": "Dataset", "name": name, "version": version},
            indent=2,
        ),
        encoding="utf-8",
    )
    previous = None if version == "0.1.0" else "0.1.0"
    (release_dir / "manifest.json").write_text(
        json.dumps(
            {"name": name, "version": version, "previous": previous, "schema_hash": "0" * 16, "counts": counts},
            indent=2,
        ),
        encoding="utf-8",
    )
    write_sha256sums(release_dir)
    return release_dir
