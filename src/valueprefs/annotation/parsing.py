"""Reading judge answers: argument lists (JSON), value lists, and 1-5 specificity scores.

Every parser returns a :class:`Parsed`: the result, or the problem that makes the answer
unusable (which the repair retry quotes back to the judge). Nothing is ever evaluated.
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

MAX_ANSWER_CHARS = 200_000
_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)
_VALUES_PREFIX = re.compile(r"list\s+(?:of\s+)?supporting\s+values\s*:", re.IGNORECASE)
_ITEM_MARK = re.compile(r"^\s*(?:[-*\u2022]|\d+[.)])\s*")
# Specificity levels: the scale itself, list markers, and the ways an answer states its level.
_SCALE = re.compile(
    r"\(?\s*(?:from\s+|between\s+|on\s+a\s+scale\s+of\s+)?1\s*(?:-|\u2013|to|and)\s*5\s*\)?", re.IGNORECASE
)
_LIST_MARK = re.compile(r"^[ \t]*(?:\d+[.)]|[-*\u2022])[ \t]+(?=\S)", re.MULTILINE)
# The rubric restated: "1 = general", "5 is most specific", "1 means very abstract", "(1: vague)".
_RUBRIC = re.compile(
    r"\b[1-5]\s*(?:=|is|means|stands\s+for|for|:|\u2192|->)\s*(?:the\s+)?(?:(?:most|very|least|fully|highly"
    r"|extremely|quite|rather|more|less|moderately|somewhat|fairly|slightly)\s+)?(?:general|specific|abstract|concrete|vague|detailed|broad|narrow"
    r"|generic|precise|particular|universal)\w*",
    re.IGNORECASE,
)
_NUMBER_WORDS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5"}
_ONE_VALUE = r"(\d+(?:\.\d+)?|one|two|three|four|five)\b"
_VALUE = _ONE_VALUE + r"(?:\s*(?:or|to|-|\u2013)\s*" + _ONE_VALUE + ")?"  # "3 or 4" states two levels
_NAMED_LEVEL = re.compile(
    r"\b(?:specificity|score|rating|rated|final answer|answer)\b(?:\s+level)?[^\d\n]{0,12}?\b" + _VALUE,
    re.IGNORECASE,
)
_LEVEL_WORD = re.compile(
    r"\blevel\b[^\w\n]{0,4}(?:(?:is|of|at|=)\s+)?" + _VALUE + r"|\b" + r"(\d+(?:\.\d+)?)\s*(?:/|out\s+of)\s*5\b",
    re.IGNORECASE,
)
_DECORATION = " \t*_`'\".:()[]"
_NUMBER_ONLY = re.compile(r"\d+(?:\.\d+)?")
_NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(?![\w]|\.\d)")


@dataclass(frozen=True)
class Parsed:
    value: object = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _json_candidates(text: str) -> list[str]:
    fenced = _FENCE.findall(text)
    candidates = [*fenced, text.strip()]
    for opener, closer in (("[", "]"), ("{", "}")):
        start, end = text.find(opener), text.rfind(closer)
        if 0 <= start < end:
            candidates.append(text[start : end + 1])
    return candidates


def _load_json(text: str) -> object | None:
    for candidate in _json_candidates(text):
        try:
            return json.loads(candidate)
        except json.JSONDecodeError:
            continue
    return None


def parse_argument_list(text: str) -> Parsed:
    """A JSON list of ``{"argument": "..."}`` objects (or of strings), as Figure 10 asks."""
    if len(text) > MAX_ANSWER_CHARS:
        return Parsed(problem=f"answer is too long ({len(text)} characters)")
    data = _load_json(text)
    if data is None:
        return Parsed(problem="the answer is not JSON")
    if isinstance(data, dict) and isinstance(data.get("arguments"), list):
        data = data["arguments"]
    if not isinstance(data, list):
        return Parsed(problem=f"expected a JSON list, got a JSON {type(data).__name__}")
    arguments = []
    for element in data:
        argument = element.get("argument") if isinstance(element, dict) else element
        if not isinstance(argument, str):
            return Parsed(problem='every element must be {"argument": "<text>"}')
        if argument.strip():
            arguments.append(argument.strip())
    if not arguments:
        return Parsed(problem="the list of arguments is empty")
    return Parsed(arguments)


def parse_value_names(text: str) -> Parsed:
    """Value names from "List supporting values: a, b, c" (or a bare list, one per line or comma)."""
    if len(text) > MAX_ANSWER_CHARS:
        return Parsed(problem=f"answer is too long ({len(text)} characters)")
    data = _load_json(text)
    if isinstance(data, list) and all(isinstance(v, str) for v in data):
        names = data
    else:
        body = _VALUES_PREFIX.split(text, maxsplit=1)[-1]
        names = [_ITEM_MARK.sub("", part).strip(" .'\"*") for part in re.split(r"[,;\n]", body)]
    names = [name for name in names if name and len(name) <= 60]
    if not names:
        return Parsed(problem="no value names found")
    return Parsed(names)


_NUMBERED_LINE = re.compile(r"^\s*(?:argument\s*)?(\d+)\s*[:.)-]\s*(.+)$", re.IGNORECASE)


def _numbered_lines(text: str, count: int, parse: Callable[[str], Parsed]) -> dict[int, list[Parsed]]:
    """Each argument number 1..count with the parsed rests of the lines "N: ..." that carry it."""
    lines: dict[int, list[Parsed]] = {}
    for line in text.splitlines():
        match = _NUMBERED_LINE.match(line)
        if match and 1 <= int(match.group(1)) <= count:
            lines.setdefault(int(match.group(1)), []).append(parse(match.group(2)))
    return lines


def _missing(lines: dict[int, list], count: int) -> Parsed | None:
    missing = [n for n in range(1, count + 1) if n not in lines]
    return Parsed(problem=f"no line for argument(s) {', '.join(map(str, missing))}") if missing else None


def parse_numbered_value_lines(text: str, count: int) -> Parsed:
    """Batched value answers: one line "N: a, b, c" per argument N = 1..count (the first
    readable line of each N)."""
    lines = _numbered_lines(text, count, parse_value_names)
    lines = {n: [p.value for p in found if p.ok] for n, found in lines.items()}
    lines = {n: found for n, found in lines.items() if found}
    return _missing(lines, count) or Parsed([lines[n][0] for n in range(1, count + 1)])


def parse_numbered_scores(text: str, count: int, parse: Callable[[str], Parsed]) -> Parsed:
    """Batched specificity answers: one line "N: <answer>" per argument N = 1..count, each
    answer read by ``parse`` (a level or a score object). An argument whose line is unreadable,
    or whose lines state different levels, makes the whole answer unparsed: never a guess."""
    lines = _numbered_lines(text, count, parse)
    missing = _missing(lines, count)
    if missing:
        return missing
    levels = []
    for n in range(1, count + 1):
        problems = [p.problem for p in lines[n] if not p.ok]
        stated = {p.value for p in lines[n] if p.ok}
        if problems:
            return Parsed(problem=f"argument {n}: {problems[0]}")
        if len(stated) > 1:
            differing = ", ".join(map(str, sorted(stated)))
            return Parsed(problem=f"argument {n} has lines with different levels ({differing})")
        levels.append(stated.pop())
    return Parsed(levels)


def parse_level(text: str) -> Parsed:
    """The specificity level an answer states (1 to 5), or the problem that makes it unreadable.

    Judges often explain themselves ("1. Root ... 2. Branch ... level 4", "Specificity level
    (1-5): 4") or restate the rubric ("1 = general, 5 = specific"), so the first number is not
    the level. The rubric, the scale itself ("1-5", "from 1 to 5") and list markers ("1.",
    "2)") are removed first. Then read, in this order, and stop at the first kind of statement
    the answer makes: a named level ("specificity: 4", "score 4", "rating: 4", "answer: 4");
    "level 4", "4/5" or "4 out of 5"; the whole answer (or its last line) being one number; any
    number left. A kind that states more than one level, or none at all, makes the answer
    unparsed (it gets the repair call): a level is never guessed.
    """
    if len(text) > MAX_ANSWER_CHARS:
        return Parsed(problem=f"answer is too long ({len(text)} characters)")
    cleaned = _LIST_MARK.sub(" ", _SCALE.sub(" ", _RUBRIC.sub(" ", text)))
    for statements in (_NAMED_LEVEL, _LEVEL_WORD):
        found = [value for match in statements.finditer(cleaned) for value in match.groups() if value]
        if found:
            return _one_level(found)
    lines = [line.strip(_DECORATION) for line in cleaned.strip().splitlines() if line.strip(_DECORATION)]
    if lines and _NUMBER_ONLY.fullmatch(lines[-1]):
        return _one_level([lines[-1]])
    numbers = _NUMBER.findall(cleaned)
    if not numbers:
        return Parsed(problem="no level found; expected one whole number from 1 to 5")
    return _one_level(numbers)


def _one_level(found: list[str]) -> Parsed:
    """The single level stated by ``found`` (several statements may repeat it)."""
    levels = sorted({_NUMBER_WORDS.get(value.lower(), value) for value in found})
    if len(levels) > 1:
        return Parsed(problem=f"the answer states more than one level ({', '.join(levels)}); give exactly one")
    if not levels:
        return Parsed(problem="no level found; expected one whole number from 1 to 5")
    if not levels[0].isdigit():
        return Parsed(problem=f"level {levels[0]} is not a whole number")
    level = int(levels[0])
    if not 1 <= level <= 5:
        return Parsed(problem=f"level {level} is outside 1-5")
    return Parsed(level)


def parse_score_json(text: str) -> Parsed:
    """Figure 22's ``{"score": 1-5, "explanation": "..."}``; extra fields are ignored."""
    data = _load_json(text)
    if not isinstance(data, dict):
        return Parsed(problem='the answer is not a JSON object like {"score": 3, "explanation": "..."}')
    score = data.get("score")
    if isinstance(score, list) and len(score) == 1:
        score = score[0]
    if isinstance(score, str) and score.strip().isdigit():
        score = int(score)
    if isinstance(score, bool) or not isinstance(score, int):
        return Parsed(problem=f"score must be a whole number, got {score!r}")
    if not 1 <= score <= 5:
        return Parsed(problem=f"score {score} is outside 1-5")
    return Parsed(score)
