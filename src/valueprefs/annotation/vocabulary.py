"""Matching the value names a judge writes to the vocabulary in use."""

import difflib
import re

_PUNCTUATION = re.compile(r"[^\w\s-]")


def canonical(name: str) -> str:
    """Lower case, punctuation (except hyphens) removed, single spaces."""
    return " ".join(_PUNCTUATION.sub(" ", name.lower()).replace("_", " ").split())


class ValueMatcher:
    """Maps free-form value names onto the vocabulary: exact after normalization, else a close match."""

    def __init__(self, vocabulary: list[str], cutoff: float = 0.85):
        self.values = list(vocabulary)
        self.by_canonical = {canonical(value): value for value in self.values}
        self.cutoff = cutoff

    def match(self, name: str) -> str | None:
        """The vocabulary value ``name`` stands for, or None when nothing is close enough."""
        key = canonical(name)
        if not key:
            return None
        if key in self.by_canonical:
            return self.by_canonical[key]
        close = difflib.get_close_matches(key, list(self.by_canonical), n=1, cutoff=self.cutoff)
        return self.by_canonical[close[0]] if close else None

    def match_all(self, names: list[str], limit: int = 5) -> tuple[list[str], list[str]]:
        """Matched values (distinct, in order, at most ``limit``) and the names that matched nothing."""
        matched: list[str] = []
        dropped: list[str] = []
        for name in names:
            value = self.match(name)
            if value is None:
                dropped.append(name)
            elif value not in matched and len(matched) < limit:
                matched.append(value)
        return matched, dropped
