"""JSON for the workspace's stores: orjson where it can, the standard library for what it refuses.

orjson parses the stores' records several times faster than ``json`` (reading 100k documents
and their annotations is most of what validation and a release build wait for). It refuses
NaN, which ``json`` writes (older records, Label Studio exports); those go to ``json``.
Integers beyond 64 bits orjson reads as floats: nothing the stores hold is that large
(ids are strings; offsets, counts and task ids are small).
"""

from __future__ import annotations

import json

import orjson


def loads(data: str | bytes):
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)
