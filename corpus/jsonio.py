"""JSON for the workspace's stores: orjson where it can, the standard library for what it refuses.

orjson parses the stores' records several times faster than ``json`` (reading 100k documents
and their annotations is most of what validation and a release build wait for). It refuses
NaN, which ``json`` writes (older records, Label Studio exports); those go to ``json``.
Integers beyond 64 bits orjson reads as floats: nothing the stores hold is that large
(ids are strings; offsets, counts and task ids are small).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import jsonlines
import orjson


def loads(data: str | bytes):
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)


def read_lines(path: Path) -> Iterator:
    """The records of a JSON lines file, one at a time (blank lines skipped). Read as bytes, which
    orjson parses as they are: through `jsonlines`' text reader, decoding each line to str (which
    orjson then encodes back) and the reader's own steps were a third of reading 100k documents.
    A line that is not JSON raises `jsonlines.InvalidLineError` naming the file and the line."""
    with open(path, "rb") as fh:
        for number, line in enumerate(fh, 1):
            if number == 1 and line.startswith(b"\xef\xbb\xbf"):  # a byte order mark, as utf-8-sig reads it
                line = line[3:]
            if not line.strip():
                continue
            try:
                yield loads(line)
            except ValueError as exc:
                raise jsonlines.InvalidLineError(
                    f"line {number} of {path} is not valid JSON ({exc})", line.decode("utf-8", "replace"), number
                ) from exc
