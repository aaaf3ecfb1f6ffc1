"""JSON for the workspace's stores: orjson where it can, the standard library for what it refuses.

orjson parses the stores' records several times faster than ``json`` (reading 100k documents
and their annotations is most of what validation and a release build wait for). It refuses
NaN and integers beyond 64 bits, which ``json`` writes and reads; those lines go to ``json``.
"""

from __future__ import annotations

import json

import orjson


def loads(data: str | bytes):
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)
