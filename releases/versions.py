"""Release versions: where they live, how two differ, which version a diff calls for, and checksums.

A release is an immutable folder ``<releases>/<VERSION>``; nothing here ever writes into one.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

from corpus.errors import Errors, NewsdeskError
from corpus.workspace import Workspace

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
CHECKSUMS = "SHA256SUMS"


def parse_version(version: str) -> tuple[int, int, int]:
    m = SEMVER.match(version)
    if not m:
        raise NewsdeskError(Errors.E301, where=version, detail="not MAJOR.MINOR.PATCH")
    return int(m[1]), int(m[2]), int(m[3])


def releases_root(workspace: Workspace) -> Path:
    folder = Path(workspace.config.get("release", {}).get("folder", "releases"))
    return folder if folder.is_absolute() else workspace.path(str(folder))


def list_versions(workspace: Workspace) -> list[str]:
    root = releases_root(workspace)
    if not root.exists():
        return []
    versions = [
        p.name for p in root.iterdir() if p.is_dir() and SEMVER.match(p.name) and (p / "manifest.json").exists()
    ]
    return sorted(versions, key=parse_version)


def release_path(workspace: Workspace, version: str) -> Path:
    path = releases_root(workspace) / version
    if not (path / "manifest.json").exists():
        raise NewsdeskError(
            Errors.E303, where=str(path), detail=f"known versions: {list_versions(workspace) or 'none'}"
        )
    return path


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_checksums(folder: Path, known: dict[str, str] | None = None) -> dict[str, str]:
    """Write SHA256SUMS for every file in ``folder``; ``known`` digests, of files not changed since, are reused."""
    known = known or {}
    hashes = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file() and p.name != CHECKSUMS:
            name = str(p.relative_to(folder))
            hashes[name] = known.get(name) or file_sha256(p)
    (folder / CHECKSUMS).write_text("".join(f"{h}  {name}\n" for name, h in sorted(hashes.items())))
    return hashes


@dataclass
class VerifyReport:
    version: str
    files: int = 0
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unlisted: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.changed or self.missing or self.unlisted)

    def to_record(self) -> dict:
        return {
            "version": self.version,
            "ok": self.ok,
            "files": self.files,
            "changed": self.changed,
            "missing": self.missing,
            "unlisted": self.unlisted,
        }


def verify_release(folder: Path) -> VerifyReport:
    report = VerifyReport(folder.name)
    listed = {}
    for line in (folder / CHECKSUMS).read_text().splitlines():
        digest, name = line.split("  ", 1)
        listed[name] = digest
    report.files = len(listed)
    for name, digest in sorted(listed.items()):
        path = folder / name
        if not path.exists():
            report.missing.append(name)
        elif file_sha256(path) != digest:
            report.changed.append(name)
    present = {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and p.name != CHECKSUMS}
    report.unlisted = sorted(present - set(listed))
    return report


# --- diff and bump ---------------------------------------------------------------------------


@dataclass
class ReleaseDiff:
    old: str | None
    new: str
    documents_added: list[str] = field(default_factory=list)
    documents_removed: list[str] = field(default_factory=list)
    documents_changed: list[str] = field(default_factory=list)
    spans_added: dict[str, int] = field(default_factory=dict)
    spans_removed: dict[str, int] = field(default_factory=dict)
    claims_added: int = 0
    claims_removed: int = 0
    schema_changed: bool = False
    schema_changes: list[str] = field(default_factory=list)

    @property
    def level(self) -> str:
        """MAJOR: documents removed or schema changed; MINOR: additions or changes; PATCH: metadata only."""
        if self.documents_removed or self.schema_changed:
            return "major"
        if (
            self.documents_added
            or self.documents_changed
            or self.spans_added
            or self.spans_removed
            or self.claims_added
            or self.claims_removed
        ):
            return "minor"
        return "patch"

    def to_record(self) -> dict:
        rec = {k: getattr(self, k) for k in self.__dataclass_fields__}
        rec["level"] = self.level
        return rec

    def markdown(self) -> str:
        lines = [
            f"## {self.new}" + (f" (from {self.old})" if self.old else " (first release)"),
            "",
            f"- change level: **{self.level}**",
            f"- documents: +{len(self.documents_added)} / -{len(self.documents_removed)} / "
            f"~{len(self.documents_changed)} changed text",
        ]
        for label in sorted(set(self.spans_added) | set(self.spans_removed)):
            lines.append(f"- {label} spans: +{self.spans_added.get(label, 0)} / -{self.spans_removed.get(label, 0)}")
        lines.append(f"- claims: +{self.claims_added} / -{self.claims_removed}")
        if self.schema_changes:
            lines += [f"- schema: {c}" for c in self.schema_changes]
        return "\n".join(lines) + "\n"


def _documents(folder: Path) -> dict[str, str]:
    ids, hashes = [], []
    for path in sorted((folder / "data" / "documents").glob("*.parquet")):
        table = pq.read_table(path, columns=["id", "text_sha256"])
        ids += table.column("id").to_pylist()
        hashes += table.column("text_sha256").to_pylist()
    return dict(zip(ids, hashes))


def _span_tables(folder: Path):
    """Per entities file: each span's document id and its start, end and label columns (no dict per span)."""
    for path in sorted((folder / "data" / "entities").glob("*.parquet")):
        table = pq.read_table(path, columns=["id", "spans"])
        column = table.column("spans").combine_chunks()
        yield table.column("id").take(pc.list_parent_indices(column)), pc.list_flatten(column)


def _entity_spans(folder: Path, names: list[str]) -> Counter:
    """(document id, start, end, label) of every entity span, counted."""
    spans = Counter()
    for doc_ids, flat in _span_tables(folder):
        labels = [names[i] for i in flat.field("label").to_pylist()]
        spans.update(zip(doc_ids.to_pylist(), flat.field("start").to_pylist(), flat.field("end").to_pylist(), labels))
    return spans


def _entity_labels(folder: Path, names: list[str]) -> dict[str, int]:
    """Entity spans per label: all a first release's diff needs."""
    counts = Counter()
    for _, flat in _span_tables(folder):
        for item in pc.value_counts(flat.field("label")).to_pylist():
            counts[names[item["values"]]] += item["counts"]
    return dict(counts)


def _claims(folder: Path) -> set:
    claims = set()
    for path in sorted((folder / "data" / "claims").glob("*.parquet")):
        table = pq.read_table(path, columns=["doc_id", "claim"])
        claim = table.column("claim").combine_chunks()
        claims.update(
            zip(table.column("doc_id").to_pylist(), claim.field("start").to_pylist(), claim.field("end").to_pylist())
        )
    return claims


def diff_releases(old: Path | None, new: Path) -> ReleaseDiff:
    new_manifest = json.loads((new / "manifest.json").read_text())
    diff = ReleaseDiff(old.name if old else None, new_manifest["version"])
    new_docs = _documents(new)
    new_labels = new_manifest["schema"]["entity_labels"]
    new_claims = _claims(new)
    if old is None:
        diff.documents_added = sorted(new_docs)
        diff.spans_added = _entity_labels(new, new_labels)
        diff.claims_added = len(new_claims)
        return diff
    new_spans = _entity_spans(new, new_labels)
    old_manifest = json.loads((old / "manifest.json").read_text())
    old_docs = _documents(old)
    diff.documents_added = sorted(set(new_docs) - set(old_docs))
    diff.documents_removed = sorted(set(old_docs) - set(new_docs))
    diff.documents_changed = sorted(d for d in set(old_docs) & set(new_docs) if old_docs[d] != new_docs[d])
    old_spans = _entity_spans(old, old_manifest["schema"]["entity_labels"])
    diff.spans_added = dict(Counter(k[3] for k in (new_spans - old_spans).elements()))
    diff.spans_removed = dict(Counter(k[3] for k in (old_spans - new_spans).elements()))
    old_claims = _claims(old)
    diff.claims_added, diff.claims_removed = len(new_claims - old_claims), len(old_claims - new_claims)
    if old_manifest["schema_hash"] != new_manifest["schema_hash"]:
        diff.schema_changed = True
        for key, value in new_manifest["schema"].items():
            if old_manifest["schema"].get(key) != value:
                diff.schema_changes.append(f"{key}: {old_manifest['schema'].get(key)} -> {value}")
    return diff


def bumped(previous: str | None, level: str) -> str:
    if previous is None:
        return "0.1.0"
    major, minor, patch = parse_version(previous)
    if level == "major":
        return f"{major + 1}.0.0"
    if level == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def understates(version: str, previous: str | None, level: str) -> bool:
    """True when ``version`` is a smaller step from ``previous`` than the diff calls for."""
    if previous is None:
        return False
    new, old = parse_version(version), parse_version(previous)
    step = "major" if new[0] > old[0] else "minor" if new[1] > old[1] else "patch"
    order = ["patch", "minor", "major"]
    return order.index(step) < order.index(level)
