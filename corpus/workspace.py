"""A workspace: one folder holding the config, the corpus store and every later stage's files.

newsdesk.toml        the configuration (cleaning rules, ingest options, near-duplicates)
store/articles/      raw articles, sharded JSONL
store/documents/     cleaned documents, sharded JSONL
store/removed.jsonl  documents taken out with `newsdesk docs remove`, so ingest leaves them out
.newsdesk.lock       held while a command writes, so two runs never write at once
"""

from __future__ import annotations

import os
import tempfile
import tomllib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock, Timeout

from corpus.anchors import settings_toml as anchor_settings_toml
from corpus.errors import Errors, NewsdeskError
from corpus.rules import cleaning_toml

CONFIG_NAME = "newsdesk.toml"
# What newsdesk writes inside a workspace (the release folder is configurable, "releases" by
# default): never input, so `newsdesk ingest .` in a workspace reads only the user's files.
OWN_FOLDERS = ("store", "annotations", "gold", "models", "studio", "releases")

# The [cleaning] part (the rules, their order and options) is made from the rule registry.
DEFAULT_CONFIG = (
    """\
# newsdesk workspace configuration. Offsets everywhere are Python str indices, end-exclusive.

[store]
# Documents are spread over this many JSONL shards (by id), so 100k documents stay fast.
shards = 64

[ingest]
max_bytes = 5_000_000          # files larger than this are refused (E103)
batch_size = 5_000             # documents written per batch; an interrupted ingest keeps finished batches

[ingest.jsonl]
# Field names in .jsonl inputs (one article per line).
text_field = "text"
title_field = "title"
url_field = "url"
published_field = "published"

"""
    + cleaning_toml()
    + """
[near_duplicates]
threshold = 0.8                # estimated Jaccard similarity of word 5-gram sets
num_perm = 128
shingle_words = 5
# A second signature for translations of one story: their anchors (names, numbers, rare
# words) in the same order; corpus/anchors.py says how, bench/README.md what it joins.
"""
    + anchor_settings_toml()
)


def atomic_write_text(path: Path, text: str) -> None:
    """Write to a temporary file beside ``path``, then rename: readers never see half a file."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """:func:`atomic_write_text` for bytes already encoded."""
    _atomic_write(path, (data,))


def atomic_write_lines(path: Path, lines: Iterable[str]) -> None:
    """:func:`atomic_write_text` of ``lines``, each ended by a newline, encoded about a megabyte at
    a time: the file is never held whole as one string and again as its bytes (a store shard
    holding one 50 MB article took both, and two more copies to add the newlines)."""
    _atomic_write(path, _encoded_lines(lines))


def _encoded_lines(lines: Iterable[str], chunk_chars: int = 1 << 20) -> Iterator[bytes]:
    batch, chars = [], 0
    for line in lines:
        batch.append(line)
        chars += len(line)
        if chars >= chunk_chars:
            yield "\n".join(batch).encode("utf-8")
            yield b"\n"
            batch, chars = [], 0
    if batch:
        yield "\n".join(batch).encode("utf-8")
        yield b"\n"


def _atomic_write(path: Path, chunks: Iterable[bytes]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            for chunk in chunks:
                fh.write(chunk)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass
class Workspace:
    root: Path
    config: dict

    @classmethod
    def init(cls, root: Path, more_config: str = "") -> Workspace:
        """Create the folders and a default config; an existing workspace is left as it is.

        ``more_config`` is appended to a new config: later stages' sections (`newsdesk init`
        adds the release settings, which this stage knows nothing of).
        """
        root = Path(root)
        root.mkdir(parents=True, exist_ok=True)
        config_path = root / CONFIG_NAME
        if not config_path.exists():
            atomic_write_text(config_path, DEFAULT_CONFIG + more_config)
        for sub in ("store/articles", "store/documents"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        return cls.open(root)

    @classmethod
    def open(cls, root: Path) -> Workspace:
        root = Path(root)
        config_path = root / CONFIG_NAME
        if not config_path.is_file():
            raise NewsdeskError(Errors.E001, where=str(root))
        try:
            config = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise NewsdeskError(Errors.E003, where=str(config_path), detail=str(exc)) from exc
        return cls(root, config)

    def section(self, name: str) -> dict:
        """A config section (``"ingest.jsonl"``) merged over the defaults, so old configs keep working."""
        value: dict = tomllib.loads(DEFAULT_CONFIG)
        mine: dict = self.config
        for part in name.split("."):
            value = value.get(part, {})
            mine = mine.get(part, {}) if isinstance(mine, dict) else {}
        return {**value, **mine}

    def path(self, *parts: str) -> Path:
        return self.root.joinpath(*parts)

    @contextmanager
    def lock(self):
        """Held by every command that writes; a second run fails at once with E002."""
        lock = FileLock(str(self.path(".newsdesk.lock")), timeout=0)
        try:
            lock.acquire()
        except Timeout as exc:
            raise NewsdeskError(Errors.E002, where=str(self.root)) from exc
        try:
            yield self
        finally:
            lock.release()


def own_folders(root: Path) -> set[str]:
    """The names of the folders newsdesk writes in the workspace at ``root`` (none if it is not one)."""
    if not (root / CONFIG_NAME).is_file():
        return set()
    names = set(OWN_FOLDERS)
    try:
        with open(root / CONFIG_NAME, "rb") as fh:
            folder = tomllib.load(fh).get("release", {}).get("folder")
    except (OSError, tomllib.TOMLDecodeError):
        folder = None
    if isinstance(folder, str) and not Path(folder).is_absolute():
        names.add(Path(folder).parts[0] if Path(folder).parts else folder)
    return names
