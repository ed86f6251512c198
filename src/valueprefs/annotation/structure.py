"""Arguments split by structure where the answer leaves no doubt, so the judge's extraction call
is spent only on the answers that need it (``annotation.structure_first``).

The long-form prompt asks for "exactly k arguments, numbered from 1 to k". An answer is split
without a judge only when it is that list and nothing else a judge would have to weigh:

- its items are numbered 1, 2, ..., k in order, each number starting a line, all in one style
  (``1.`` or ``1)``), with exactly the k that were asked for;
- every item has text;
- before the list there is at most one short line (the stance, which extraction leaves out: at
  most one sentence of at most 25 words); after the last item's paragraph there is nothing.

Anything else (a preamble that argues, a missing or repeated number, k + 2 items, a closing
paragraph, bullets) is ambiguous and goes to the judge: never a guess.
"""

import re

_NUMBERED = re.compile(r"^[ \t]*(\d+)([.)])[ \t]+", re.MULTILINE)
STANCE_WORDS = 25


def clean_list(text: str, k: int) -> list[str] | None:
    """The k arguments of ``text`` if it is a clean numbered list of them, else None."""
    text = text.replace("\r\n", "\n").strip()
    marks = list(_NUMBERED.finditer(text))
    if k < 1 or len(marks) != k:
        return None
    if [int(mark[1]) for mark in marks] != list(range(1, k + 1)) or len({mark[2] for mark in marks}) != 1:
        return None
    if not _is_stance(text[: marks[0].start()]):
        return None
    items = []
    for index, mark in enumerate(marks):
        end = marks[index + 1].start() if index + 1 < k else len(text)
        body = text[mark.end() : end].strip()
        if index + 1 == k and "\n\n" in body:  # a paragraph after the list
            return None
        items.append(" ".join(body.split()))
    return items if all(items) else None


def _is_stance(preamble: str) -> bool:
    """At most one short sentence on one line before the list."""
    preamble = preamble.strip()
    if not preamble:
        return True
    sentences = [part for part in re.split(r"(?<=[.!?])\s+", preamble) if part]
    return "\n" not in preamble and len(sentences) <= 1 and len(preamble.split()) <= STANCE_WORDS
