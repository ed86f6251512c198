"""A content-addressed, on-disk cache of model and judge calls.

An entry's key is the SHA-256 of a canonical JSON description of the call (backend, model,
exact prompt, sampling parameters, seed, ...). Callers never put credentials in that
description. Each entry is one JSON file written atomically, so a killed job leaves either
a whole entry or none, and a rerun repeats no completed call.
"""

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from valueprefs.io import atomic_write_text

log = logging.getLogger("valueprefs.llm.cache")


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
        """The stored result for ``key``, or None. An entry that cannot be read, or is not a
        call result of this version (``{}``, ``null``, another layout), counts as missing: the
        call is made again and the entry replaced; the log names the file."""
        path = self.path(key)
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            log.warning("cache entry %s cannot be read (%s); making the call again", path, error)
            return None
        if not _is_result(entry, key):
            log.warning("cache entry %s is not a call result of this version; making the call again", path)
            return None
        self.hits += 1
        return entry["result"]

    def put(self, key: str, description: dict, result: object) -> None:
        """Store a completed call with the description it was made from."""
        entry = {"key": key, "call": description, "result": result}
        atomic_write_text(self.path(key), json.dumps(entry, ensure_ascii=False, sort_keys=True))
        self.stores += 1


def _is_result(entry: object, key: str) -> bool:
    """Whether ``entry`` is a stored call of this layout: its key, and a list of completions
    (text, seed, token counts, ...) or of log-probabilities."""
    if not isinstance(entry, dict) or entry.get("key") != key or not isinstance(entry.get("result"), list):
        return False
    result = entry["result"]
    if all(isinstance(part, (int, float)) and not isinstance(part, bool) for part in result):
        return bool(result)
    fields = {"text": str, "prompt_tokens": int, "completion_tokens": int, "finish_reason": str}
    return bool(result) and all(
        isinstance(part, dict) and all(isinstance(part.get(name), kind) for name, kind in fields.items())
        for part in result
    )
