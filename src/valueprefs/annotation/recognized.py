"""Value recognition answers read as value names (appendix E); the ``recognized_values`` job
maps them onto the vocabulary the way gold values are.

A model's answer is read as a list of names (split on commas, semicolons, "and" and line
breaks; bullets, numbers and colons removed), up to the first prose (a part longer than four
words) after some names. Each name is matched to the vocabulary exactly or by a safe spelling
match; the rest go to the standardization judge (Figure 23) where one is configured, exactly as
gold names do, or are dropped and counted. A correct paraphrase is thus scored like the gold,
not as a miss. The first five distinct values are the answer.
"""

import re

SPLIT = re.compile(r",|;|\band\b")
BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s*")
MAX_NAMED = 5
MAX_NAME_WORDS = 4


def named_values(text: str) -> list[str]:
    """The value names an answer lists, in order (before any prose that follows them)."""
    names: list[str] = []
    for line in text.splitlines():
        parts = [BULLET.sub("", part).strip(" .:\"'*") for part in SPLIT.split(line)]
        if names and any(len(part.split()) > MAX_NAME_WORDS for part in parts):
            break
        names += [part for part in parts if part and len(part.split()) <= MAX_NAME_WORDS]
    return names
