"""Reading a short-form answer ("Action 1" / "Action 2") as a decision.

An answer is read from its mentions of the two options. A mention is negated when a negation
comes before it in the same clause, a few words ahead ("I would not choose Action 1", "neither Action 1 nor ...",
"cannot choose between Action 1 and Action 2"), when it is what the answer turns away from
("rather than Action 1", "Action 2 over Action 1", "better than Action 1"), or when the clause
goes on to deny it ("Action 1 is not the right choice"). An explicit choice ("I choose Action 2",
"Answer: Action 2") decides; otherwise the answer must mention exactly one option without
negation. Anything else (both options, none, conflicting choices) is unparsed: never a guess.
"""

import re
from dataclasses import dataclass

TO_DO, NOT_TO_DO, UNPARSED = "to_do", "not_to_do", "unparsed"

_MENTION = re.compile(r"\baction\s*[#:]?\s*([12])\b", re.IGNORECASE)
# Clauses end at sentence punctuation, line breaks and contrast words ("..., but Action 2").
_CLAUSE_END = re.compile(r"[.;!?\n]|\b(?:but|however|whereas|although|though)\b", re.IGNORECASE)
# "not to do" names the second action (the prompt's own words); it negates nothing.
_ACTION_NAME = re.compile(r"\bnot[\s-]+to[\s-]+do\b", re.IGNORECASE)
_NEGATION = re.compile(r"\b(?:not|never|no|neither|nor|cannot|refuse[sd]?|reject(?:s|ed)?)\b|n't\b", re.IGNORECASE)
# A negation reaches this many words ahead ("would not, in any case, choose Action 1").
_NEGATION_REACH = 8
_TURNED_AWAY = re.compile(r"\b(?:rather\s+than|instead\s+of|over|than|versus|vs\.?)\s*(?:\*\*)?\s*$", re.IGNORECASE)
_DENIED_AFTER = re.compile(
    r"^\W{0,3}(?:(?:is|was|would|should|could|will|does|seems)\s+(?:be\s+)?(?:not|never)\b"
    r"|(?:isn't|wasn't|wouldn't|shouldn't|won't|doesn't)\b)",
    re.IGNORECASE,
)
_CHOICE_BEFORE = re.compile(
    r"\b(?:choose|chose|choosing|pick|picked|select|selected|go\s+with|going\s+with|prefer|opt\s+for|take"
    r"|answer(?:\s+is)?|decision(?:\s+is)?|choice(?:\s+is)?)\s*:?\s*(?:is\s+)?(?:to\s+)?(?:\*\*|['\"`])?\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _Mention:
    option: int
    negated: bool
    chosen: bool


def _mentions(text: str) -> list[_Mention]:
    """Every "Action N" in the answer, with whether it is negated or explicitly chosen."""
    text = _ACTION_NAME.sub("second action", text)
    found = []
    start = 0
    for match in _CLAUSE_END.finditer(text + "\n"):
        clause_start, clause_end = start, match.start()
        start = match.end()
        clause = text[clause_start:clause_end]
        for mention in _MENTION.finditer(clause):
            before, after = clause[: mention.start()], clause[mention.end() :]
            near = " ".join(before.split()[-_NEGATION_REACH:])
            negated = bool(_NEGATION.search(near) or _TURNED_AWAY.search(before) or _DENIED_AFTER.search(after))
            found.append(_Mention(int(mention.group(1)), negated, bool(_CHOICE_BEFORE.search(before))))
    return found


def chosen_option(text: str) -> int | None:
    """Which option (1 or 2) an answer picks, or None when it does not say so unambiguously."""
    affirmed = [mention for mention in _mentions(text) if not mention.negated]
    chosen = {mention.option for mention in affirmed if mention.chosen}
    if chosen:
        return chosen.pop() if len(chosen) == 1 else None
    options = {mention.option for mention in affirmed}
    return options.pop() if len(options) == 1 else None


def decision(text: str, swapped: bool = False) -> str:
    """``to_do``, ``not_to_do`` or ``unparsed``; with ``swapped`` the not-to-do action was option 1."""
    option = chosen_option(text)
    if option is None:
        return UNPARSED
    first_is_to_do = not swapped
    return TO_DO if (option == 1) == first_is_to_do else NOT_TO_DO
