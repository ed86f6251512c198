"""A content-addressed, on-disk cache of model and judge calls.

An entry's key is the SHA-256 of a canonical JSON description of the call (backend, model,
exact prompt, sampling parameters, seed, ...). Callers never put credentials in that
description. Each entry is one JSON file written atomically, so a killed job leaves either
a whole entry or none, and a rerun repeats no completed call.
"""

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from valueprefs.io import atomic_write_text


def call_key(description: dict) -> str:
    """The cache key of a call: SHA-256 of its canonical JSON description."""
    canonical = json.dumps(description, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass
class DiskCache:
    """Entries under ``root/<2 hex>/<64 hex>.json``; counts hits and stores (model calls)."""

    root: Path
    hits: int = 0
    stores: int = 0

    def __post_init__(self):
        self.root = Path(self.root)

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> object | None:
        """The stored result for ``key``, or None; an unreadable entry counts as missing."""
        path = self.path(key)
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError):
            return None
        self.hits += 1
        return entry["result"]

    def put(self, key: str, description: dict, result: object) -> None:
        """Store a completed call with the description it was made from."""
        entry = {"key": key, "call": description, "result": result}
        atomic_write_text(self.path(key), json.dumps(entry, ensure_ascii=False, sort_keys=True))
        self.stores += 1
