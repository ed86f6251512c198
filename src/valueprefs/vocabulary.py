"""Matching the value names a judge or a model writes to the vocabulary in use.

A name matches a value when it is the same after normalization (case, punctuation, spaces and
hyphens: "Self respect" is "self-respect"), when it is an inflection of it ("rights",
"freedom's"), or when it is a typo of it. A typo is one edit (a letter added, dropped, changed,
or two letters swapped) inside a word of five letters or more that is not an English word
itself, keeps its first letter and does not add or remove letters at its start. That keeps
negations and other words apart from the values they resemble: "unfairness" is not "fairness",
"intolerance" not "tolerance", "interdependence" not "independence", "immunity" not
"impunity". A name as close to two values as to one matches neither. Names that match nothing
are dropped by the callers and counted. English words are those of pyspellchecker's English
word list.
"""

import re
from functools import cache

_PUNCTUATION = re.compile(r"[^\w\s-]")
MIN_TYPO_LENGTH = 5
MAX_EDITS = 2  # over all words of a name; one per word


def canonical(name: str) -> str:
    """Lower case, punctuation (except hyphens) removed, single spaces."""
    return " ".join(_PUNCTUATION.sub(" ", name.lower()).replace("_", " ").split())


def compact(name: str) -> str:
    """The canonical name without spaces and hyphens ("self respect" -> "selfrespect")."""
    return canonical(name).replace("-", "").replace(" ", "")


def singular(word: str) -> str:
    """A word without a possessive or plural ending ("rights" -> "right", "liberties" -> "liberty")."""
    word = word.removesuffix("'s")
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def inflection_key(name: str) -> str:
    """The canonical name with every word made singular."""
    return " ".join(singular(word) for word in canonical(name).replace("-", " ").split())


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions, transpositions."""
    previous2, previous = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


@cache
def english_words() -> frozenset[str]:
    """Known English words (lower case), from pyspellchecker's English frequency list."""
    from spellchecker import SpellChecker

    return frozenset(SpellChecker(language="en").word_frequency.dictionary)


def typo_edits(written: str, value: str) -> int | None:
    """0 for the same word, 1 if ``written`` can be a typo of the word ``value``, else None."""
    if written == value:
        return 0
    if min(len(written), len(value)) < MIN_TYPO_LENGTH or written[0] != value[0]:
        return None
    if written.endswith(value) or value.endswith(written):  # letters added or removed at the start
        return None
    if written in english_words():  # another word, not a misspelling
        return None
    return 1 if edit_distance(written, value) == 1 else None


class ValueMatcher:
    """Maps free-form value names onto the vocabulary: exact, inflected or misspelled; never a guess."""

    def __init__(self, vocabulary: list[str]):
        self.values = list(vocabulary)
        self.by_compact = _unique_index(self.values, compact)
        self.by_inflection = _unique_index(self.values, inflection_key)
        self.words = {value: _words(value) for value in self.values}

    def match(self, name: str) -> str | None:
        """The vocabulary value ``name`` stands for, or None when no value is a safe match."""
        if not canonical(name):
            return None
        for index, key in ((self.by_compact, compact(name)), (self.by_inflection, inflection_key(name))):
            if key in index:
                return index[key]
        return self._typo_match(_words(name))

    def _typo_match(self, written: list[str]) -> str | None:
        """The one value whose words the written words misspell (fewest edits; a tie is no match)."""
        best: list[tuple[int, str]] = []
        for value, words in self.words.items():
            if len(words) != len(written):
                continue
            edits = [typo_edits(a, b) for a, b in zip(written, words, strict=True)]
            if None in edits or not 0 < sum(edits) <= MAX_EDITS:
                continue
            best.append((sum(edits), value))
        best.sort()
        if not best or (len(best) > 1 and best[0][0] == best[1][0]):
            return None
        return best[0][1]

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


def _unique_index(values: list[str], key) -> dict[str, str]:
    """``key(value) -> value`` for the keys only one value has (a shared key matches neither)."""
    index: dict[str, str | None] = {}
    for value in values:
        found = key(value)
        index[found] = None if found in index and index[found] != value else value
    return {found: value for found, value in index.items() if value is not None}


def _words(name: str) -> list[str]:
    return canonical(name).replace("-", " ").split()
