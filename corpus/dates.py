"""Turns the date lines scrapers leave ("Published 28 January 2022 10:32") into ISO dates."""

from __future__ import annotations

import re
from datetime import date

_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        "january february march april may june july august september october november december".split()
    )
}
_MONTHS.update({m[:3]: i for m, i in list(_MONTHS.items())})
_MONTHS["sept"] = 9

_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DAY_MONTH = re.compile(r"(\d{1,2})(?:st|nd|rd|th)? ([a-z]+)\.?,? (\d{4})")
_MONTH_DAY = re.compile(r"([a-z]+)\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})")
_NUMERIC = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{2,4})")


def parse_date(text: str) -> str | None:
    """The first date in ``text`` as ``YYYY-MM-DD``; numeric dates are read day first (European)."""
    low = text.lower()
    candidates = []
    if m := _ISO.search(low):
        candidates.append((int(m[1]), int(m[2]), int(m[3])))
    if m := _DAY_MONTH.search(low):
        if m[2] in _MONTHS:
            candidates.append((int(m[3]), _MONTHS[m[2]], int(m[1])))
    if m := _MONTH_DAY.search(low):
        if m[1] in _MONTHS:
            candidates.append((int(m[3]), _MONTHS[m[1]], int(m[2])))
    if m := _NUMERIC.search(low):
        year = int(m[3]) + (2000 if len(m[3]) == 2 else 0)
        candidates.append((year, int(m[2]), int(m[1])))
    for y, mo, d in candidates:
        try:
            return date(y, mo, d).isoformat()
        except ValueError:
            continue
    return None
