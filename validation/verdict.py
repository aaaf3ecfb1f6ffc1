"""A clean validation remembered: what it read, by content, and the agreement it measured.

A validation that finds no error records its verdict in ``validation/clean.json``, keyed by
:func:`inputs_key`: a hash over the bytes of every file it reads (the corpus's documents, the
annotation records, gold, the label schema), the settings it reads them by (the store's shards,
the agreement threshold), and the source of the code
that reads and checks them (``corpus``, ``annotation``, ``validation``) with the versions of the
libraries it calls. A release build that reads the very same bytes with the very same code knows
the outcome already and does not validate again (13 s of CPU at 100k documents, the longer of its
two lanes); one byte changed anywhere, a file added or removed, or other code, is another key, and
the build validates as before. Only the last clean verdict is kept; a verdict with errors never is.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
from functools import cache
from importlib import metadata
from pathlib import Path

import xxhash

from corpus.workspace import Workspace, atomic_write_text

VERDICT_FILE = ("validation", "clean.json")
# What validation reads: the corpus's documents (not the raw articles), people's records, gold, the labels.
READ_FOLDERS = (("store",), ("annotations",), ("gold",))
SKIPPED_FOLDERS = (("store", "articles"),)
READ_FILES = (("labels.toml",),)
# The settings it reads by: the store's number of shards, the agreement threshold (not the whole
# newsdesk.toml, whose other settings do not change a validation).
CONFIG_SECTIONS = ("store", "validation")
CODE_PACKAGES = ("corpus", "annotation", "validation")
LIBRARIES = ("numpy", "pandas", "pandera", "pyarrow", "scipy", "krippendorff")


def _read_files(workspace: Workspace) -> list[Path]:
    """Every file a validation of ``workspace`` may read, sorted; an extra one only costs a miss."""
    skipped = [workspace.path(*parts) for parts in SKIPPED_FOLDERS]
    files = [workspace.path(*parts) for parts in READ_FILES if workspace.path(*parts).is_file()]
    for parts in READ_FOLDERS:
        for folder, dirs, names in os.walk(workspace.path(*parts)):
            dirs[:] = sorted(d for d in dirs if Path(folder, d) not in skipped)
            files += [Path(folder, name) for name in names]
    return sorted(files)


def file_states(workspace: Workspace) -> list[tuple[str, int, int, int]]:
    """Name, inode, size and modification time of every file :func:`inputs_key` hashes: equal before a
    read and after the hashing, they show the files were not replaced or written in between."""
    states = []
    for path in _read_files(workspace):
        try:
            st = path.stat()
        except FileNotFoundError:
            continue
        states.append((str(path), st.st_ino, st.st_size, st.st_mtime_ns))
    return states


def inputs_key(workspace: Workspace) -> str:
    """A hash of what a validation of ``workspace`` reads, of the settings it reads them by, and of the
    code that validates it."""
    digest = hashlib.sha256()
    settings = {name: workspace.section(name) for name in CONFIG_SECTIONS}
    digest.update(f"settings {json.dumps(settings, sort_keys=True, default=str)}\ncode {code_key()}\n".encode())
    buffer = bytearray(CHUNK)
    for path in _read_files(workspace):
        name = path.relative_to(workspace.root).as_posix()
        digest.update(f"{name}\0{_content_hash(path, buffer)}\n".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


CHUNK = 8 << 20


def _content_hash(path: Path, buffer: bytearray) -> str:
    """xxh3-128 of the file's bytes ("-" when it is gone). Not sha256: 8 GB/s against 1.3 (0.6 s of CPU
    for the 780 MB validation reads at 100k documents); only an accident could make two contents collide, and
    whoever could forge one can as well edit the verdict."""
    content = xxhash.xxh3_128()
    view = memoryview(buffer)
    try:
        with path.open("rb", buffering=0) as f:
            while n := f.readinto(buffer):
                content.update(view[:n])
    except FileNotFoundError:  # replaced between the listing and the reading: the key says "gone"
        return "-"
    return content.hexdigest()


@cache
def code_key() -> str:
    """The sha256 of the source of the packages that read and validate a workspace, and of the versions of
    Python and the libraries they call."""
    digest = hashlib.sha256()
    digest.update(platform.python_version().encode())
    for name in LIBRARIES:
        try:
            digest.update(f"\n{name} {metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"\n{name} -".encode())
    root = Path(__file__).resolve().parent.parent
    for package in CODE_PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            digest.update(f"\n{path.relative_to(root).as_posix()}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def record_clean(workspace: Workspace, key: str, agreement: dict) -> None:
    """Remember that the inputs of ``key`` validated without error, with the agreement headline measured."""
    path = workspace.path(*VERDICT_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps({"inputs": key, "errors": 0, "agreement": agreement}, ensure_ascii=False))


def read_verdict(workspace: Workspace) -> dict | None:
    """The verdict remembered, as recorded; None when there is none, or it is unreadable."""
    try:
        found = json.loads(workspace.path(*VERDICT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else None


def clean_agreement(found: dict | None, key: str) -> dict | None:
    """The agreement headline of ``found`` (:func:`read_verdict`) when it is a clean validation of exactly the
    inputs of ``key``; None otherwise (validate)."""
    if found is None or found.get("inputs") != key or found.get("errors") != 0:
        return None
    agreement = found.get("agreement")
    return agreement if isinstance(agreement, dict) else None


def known_clean(workspace: Workspace, key: str) -> dict | None:
    """:func:`clean_agreement` of the verdict the workspace holds now."""
    return clean_agreement(read_verdict(workspace), key)


def forget(workspace: Workspace) -> None:
    """Drop the remembered verdict: the next build validates."""
    workspace.path(*VERDICT_FILE).unlink(missing_ok=True)
