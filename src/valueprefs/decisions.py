"""Reading a short-form answer ("Action 1" / "Action 2") as a decision."""

import re

TO_DO, NOT_TO_DO, UNPARSED = "to_do", "not_to_do", "unparsed"

_ACTION = re.compile(r"\baction\s*[#:]?\s*([12])\b", re.IGNORECASE)
_CHOICE = re.compile(
    r"\b(?:choose|chose|pick|select|go with|prefer|answer(?: is)?:?|decision(?: is)?:?)\s+(?:is\s+)?"
    r"(?:to\s+)?(?:\*\*)?\s*action\s*[#:]?\s*([12])\b",
    re.IGNORECASE,
)


def chosen_option(text: str) -> int | None:
    """Which option (1 or 2) an answer picks, or None when it cannot tell.

    In order: an answer that starts with "Action N"; an explicit choice phrase ("I choose
    Action N", "answer: Action N"); an answer that mentions only one of the two options.
    """
    cleaned = text.strip().lstrip("*'\"`([ ").strip()
    first = _ACTION.match(cleaned)
    if first:
        return int(first.group(1))
    choice = _CHOICE.search(text)
    if choice:
        return int(choice.group(1))
    mentioned = {int(match) for match in _ACTION.findall(text)}
    return mentioned.pop() if len(mentioned) == 1 else None


def decision(text: str, swapped: bool = False) -> str:
    """``to_do``, ``not_to_do`` or ``unparsed``; with ``swapped`` the not-to-do action was option 1."""
    option = chosen_option(text)
    if option is None:
        return UNPARSED
    first_is_to_do = not swapped
    return TO_DO if (option == 1) == first_is_to_do else NOT_TO_DO
