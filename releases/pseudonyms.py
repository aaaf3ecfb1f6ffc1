"""Annotator pseudonyms: stable across releases, never reversible from published data.

A keyed hash (HMAC-SHA256) of the account with a secret kept in the workspace
(``secrets/pseudonym.key``, mode 0600) and never written into a release. The same
annotator gets the same pseudonym in every version, so agreement research still works.
"""

from __future__ import annotations

import hmac
import os
import secrets
from hashlib import sha256

from corpus.workspace import Workspace, atomic_write_text

KEY_FILE = ("secrets", "pseudonym.key")
PREFIX = "annotator-"


def pseudonym_key(workspace: Workspace) -> bytes:
    path = workspace.path(*KEY_FILE)
    if not path.exists():
        atomic_write_text(path, secrets.token_hex(32))
        os.chmod(path, 0o600)
    return bytes.fromhex(path.read_text().strip())


class Pseudonyms:
    def __init__(self, key: bytes):
        self._key = key
        self._cache: dict[str, str] = {}

    def __call__(self, account: str) -> str:
        if account not in self._cache:
            digest = hmac.new(self._key, account.strip().lower().encode(), sha256).hexdigest()
            self._cache[account] = PREFIX + digest[:10]
        return self._cache[account]

    @classmethod
    def of(cls, workspace: Workspace) -> Pseudonyms:
        return cls(pseudonym_key(workspace))
