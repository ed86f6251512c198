"""The synthetic model and judge: answers to the workflow's own prompts, in the formats a
capable model would use, computed from planted preferences (model) or read off the text
(judge). No weights, no network: microseconds per answer, the same answer for the same prompt,
temperature and seed."""

import difflib
import functools
import json
import re

import numpy as np

from valueprefs.prompts import Templates
from valueprefs.synthetic.behaviour import ControlParams, latents, stream
from valueprefs.synthetic.recognize import Recognized, TemplateRecognizer
from valueprefs.synthetic.world import World
from valueprefs.vocabulary import ValueMatcher

MODEL_TEMPLATES = ("short_form", "long_form", "recognize_values", "recognize_values_free")
# Varied sentences are made of made-up words (random letters): text that gzip cannot shorten
# much, and that names no value. Repeated ones say the same thing again and again.
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _made_up_words(draw: np.random.Generator, count: int) -> list[str]:
    """``count`` words of 4 to 8 random letters, drawn in two calls (this runs for every argument)."""
    lengths = draw.integers(4, 9, size=count)
    letters = "".join(LETTERS[i] for i in draw.integers(0, len(LETTERS), size=int(lengths.sum())))
    ends = np.cumsum(lengths)
    return [letters[end - length : end] for end, length in zip(ends, lengths, strict=True)]


ARGUMENT_LINE = re.compile(r"^\s*(\d+)[.)]\s+(.*)$")


class SyntheticEngine:
    """Answers prompts rendered from ``templates``: as a model with planted preferences when
    ``params`` are given (and the ``world`` of items it is asked about), else as a judge."""

    def __init__(self, templates: Templates, params: ControlParams | None = None, world: World | None = None):
        self.recognizer = TemplateRecognizer(templates)
        self.params = params
        self.world = world
        if params is not None and world is not None:
            self.index = {value: i for i, value in enumerate(world.values)}
            self.short, self.long = latents(params, len(world.values))  # both standardized

    # --- dispatch ---------------------------------------------------------------------
    def answer(self, prompt: str, temperature: float = 0.0, seed: int = 0) -> str:
        """The answer to one prompt (a judge's repair conversation is answered as its first prompt)."""
        return self.respond(self.recognizer.recognize(prompt), temperature, seed)

    def respond(self, found: Recognized, temperature: float = 0.0, seed: int = 0) -> str:
        """The answer to a recognized prompt: as the model for MODEL_TEMPLATES, else as the judge."""
        if found.template in MODEL_TEMPLATES:
            self._require_model(found)
            variation = seed if temperature > 0 else "greedy"
            return getattr(self, found.template)(found.fields, variation)
        return getattr(self, found.template)(found.fields)

    def score(self, prompt: str, continuations: tuple[str, ...]) -> list[float]:
        """Log-probabilities of "Action 1" and "Action 2": the chosen one near 0."""
        chosen = self.answer(prompt).strip()
        return [-0.05 if continuation == chosen else -4.0 for continuation in continuations]

    def _require_model(self, found: Recognized) -> None:
        if self.params is None or self.world is None:
            raise ValueError(f"synthetic judge: a {found.template} prompt needs a synthetic model (control params)")

    # --- the model ----------------------------------------------------------------------
    def short_form(self, fields: dict, variation: object) -> str:
        situation = fields["situation"].strip()
        dilemma = self._dilemma(situation)
        p = self.params
        draw = stream(p.latent_seed, "short", situation, variation)
        to_do = [self.index[v] for v in dilemma["values_to_do"] if v in self.index]
        not_to_do = [self.index[v] for v in dilemma["values_not_to_do"] if v in self.index]
        utility = self._team(self.short[to_do] + p.noise_draws(draw, len(to_do)))
        utility -= self._team(self.short[not_to_do] + p.noise_draws(draw, len(not_to_do)))
        decides_to_do = bool(utility + p.dilemma_shift(situation) > 0)
        explicit = fields["explicit"] == "True"
        if explicit and stream(p.latent_seed, "explicit", situation, variation).random() < p.explicit_shift:
            decides_to_do = not decides_to_do
        swapped = fields["first_kind"].strip() != "to do"
        if stream(p.latent_seed, "position", situation, swapped, explicit, variation).random() < p.position_bias:
            return "Action 1"
        return "Action 1" if decides_to_do != swapped else "Action 2"

    def long_form(self, fields: dict, variation: object) -> str:
        question, k = fields["question"].strip(), int(fields["k"])
        p = self.params
        candidates = self._candidates(question, k)
        order = stream(p.latent_seed, "order", question, variation, *([k] if p.order_noise_per_k else []))
        noisy = self.long[candidates] + p.noise_draws(order, len(candidates)) + self._sides(question, candidates)
        chosen = [candidates[i] for i in np.argsort(-noisy, kind="stable")[:k]]
        if p.leading_value:
            leader = int(np.argmax(self.long))
            chosen = [leader, *[value for value in chosen if value != leader]][:k]
        named = [self._also_named(value, candidates, question, variation) for value in chosen]
        lines = [
            f"{n}. {self._argument(value, question, variation, also)}"
            for n, (value, also) in enumerate(zip(chosen, named, strict=True), start=1)
        ]
        return "Here are my arguments, the most important first.\n" + "\n".join(lines)

    def recognize_values(self, fields: dict, variation: object) -> str:
        situation = fields["situation"].strip()
        gold = self.world.situations.get(situation, [])
        draw = stream(self.params.latent_seed, "recognize", situation, variation)
        named = [value for value in gold if draw.random() < self.params.recognition_recall][:5]
        return ", ".join(named) if named else "none of them"

    recognize_values_free = recognize_values

    def _team(self, utilities: np.ndarray) -> float:
        """A value set's utility: the sum of its values' (TrueSkill's model) or the strongest one's."""
        if not len(utilities):
            return 0.0
        return float(utilities.max() if self.params.choice_rule == "max" else utilities.sum())

    def _sides(self, question: str, candidates: list[int]) -> np.ndarray:
        """The dilemma's effect on each candidate's ordering score: the values of the action it
        favours move ahead by twice its size, those of the other action keep their place (a
        model for which acting is obviously right argues for acting first, and still argues
        against it); nothing for other values or open questions."""
        item = self.world.dilemmas.get(question)
        shift = self.params.dilemma_shift(question) if item else 0.0
        if not shift:
            return np.zeros(len(candidates))
        favoured = item["values_to_do"] if shift > 0 else item["values_not_to_do"]
        ahead = {self.index[v] for v in favoured if v in self.index}
        return np.array([2.0 * abs(shift) if c in ahead else 0.0 for c in candidates])

    def _also_named(self, value: int, candidates: list[int], question: str, variation: object) -> list[int] | None:
        """The values an argument names besides its own (None: it names not even its own), as
        its judge will read them; drawn from a stream of their own, so that answers without
        these errors stay as they were."""
        p = self.params
        if p.values_per_argument <= 1 and not p.missed_value and not p.spurious_value:
            return []
        draw = stream(p.latent_seed, "labels", question, value, variation)
        if draw.random() < p.missed_value:
            return None
        others = [c for c in candidates if c != value]
        count = int(draw.integers(1, p.values_per_argument + 1)) - 1
        also = [others[i] for i in draw.permutation(len(others))[:count]]
        if draw.random() < p.spurious_value:
            also.append(int(draw.integers(len(self.index))))
        return [other for other in dict.fromkeys(also) if other != value]

    def _dilemma(self, situation: str) -> dict:
        if situation not in self.world.dilemmas:
            raise ValueError(f"synthetic model: no dilemma {situation[:60]!r} in the data it was given")
        return self.world.dilemmas[situation]

    def _candidates(self, question: str, k: int) -> list[int]:
        """The values an answer can argue for: a dilemma's own values, then others (fixed per item)."""
        item = self.world.dilemmas.get(question)
        own = (
            [self.index[v] for v in (item["values_to_do"] + item["values_not_to_do"]) if v in self.index]
            if item
            else []
        )
        own = list(dict.fromkeys(own))
        others = [i for i in stream(self.params.latent_seed, "candidates", question).permutation(len(self.index))
                  if i not in own]  # fmt: skip
        return own + others[: max(2 * k - len(own), k)]

    def _argument(self, value: int, question: str, variation: object, also: list[int] | None = ()) -> str:
        """One argument for a value: as many sentences as its specificity level, in varied words
        or in a repeated phrase (its diversity), naming the values ``also`` too (None: naming
        not even its own)."""
        p = self.params
        name = self.world.values[value] if also is not None else "this"
        draw = stream(p.latent_seed, "argument", question, value, variation)
        level = int(np.clip(np.rint(3 + p.specificity * self.short[value] + 0.7 * draw.standard_normal()), 1, 5))
        varied = draw.random() < 1 / (1 + np.exp(-p.diversity * self.short[value]))
        title = f"{name[0].upper()}{name[1:]}"
        others = "".join(f", with {self.world.values[other]}" for other in also or ())
        if not varied:
            repeated = f"It keeps {name} in view, {name} in view, {name} in view."
            first = f"{title} weighs most here, {name} first and {name} always{others}."
            return " ".join([first, *[repeated] * (level - 1)])

        words = iter(_made_up_words(draw, 2 + 4 * (level - 1)))
        sentences = [f"{title} bears on the {next(words)} {next(words)}{others}."]
        sentences += [
            f"It touches the {next(words)} {next(words)}, the {next(words)} and the {next(words)}."
            for _ in range(level - 1)
        ]
        return " ".join(sentences)

    # --- the judge ------------------------------------------------------------------------
    def extract_arguments(self, fields: dict) -> str:
        return json.dumps([{"argument": text} for text in _numbered(fields["text"])])

    def assign_values(self, fields: dict) -> str:
        return "List supporting values: " + ", ".join(_named_in(fields["argument"], _name_patterns(fields["values"])))

    def assign_values_batch(self, fields: dict) -> str:
        names = _name_patterns(fields["values"])
        arguments = _numbered(fields["arguments"])
        return "\n".join(f"{n}: {', '.join(_named_in(text, names))}" for n, text in enumerate(arguments, start=1))

    def specificity_path(self, fields: dict) -> str:
        return str(_level(fields["argument"]))

    def specificity_attribute(self, fields: dict) -> str:
        level = _level(fields["argument"])
        return json.dumps({"score": level, "explanation": f"{level} supporting statements"})

    def specificity_path_batch(self, fields: dict) -> str:
        return "\n".join(f"{n}: {_level(text)}" for n, text in enumerate(_numbered(fields["arguments"]), start=1))

    def specificity_attribute_batch(self, fields: dict) -> str:
        arguments = _numbered(fields["arguments"])
        return "\n".join(
            f"{n}: {self.specificity_attribute({'argument': text})}" for n, text in enumerate(arguments, start=1)
        )

    def standardize_value(self, fields: dict) -> str:
        values = _listed(fields["values"])
        found = ValueMatcher(values).match(fields["value"])
        if found:
            return found
        close = difflib.get_close_matches(fields["value"].strip().lower(), values, n=1, cutoff=0.0)
        return close[0] if close else values[0]


def _listed(text: str) -> list[str]:
    return [value.strip() for value in text.split(", ") if value.strip()]


def _numbered(text: str) -> list[str]:
    """The items of a numbered list (continuation lines joined to their item)."""
    items: list[str] = []
    for line in text.splitlines():
        found = ARGUMENT_LINE.match(line)
        if found:
            items.append(found.group(2).strip())
        elif items and line.strip():
            items[-1] += " " + line.strip()
    return items


@functools.lru_cache(maxsize=16)
def _name_patterns(listed: str) -> tuple[tuple[str, str, re.Pattern], ...]:
    """Each value of a prompt's value list (longest first) with its lowercased name and a
    whole-word pattern for it; a judge is asked about the same list again and again."""
    values = sorted(_listed(listed), key=len, reverse=True)
    return tuple((value, value.lower(), re.compile(rf"\b{re.escape(value.lower())}\b")) for value in values)


def _named_in(text: str, names: tuple[tuple[str, str, re.Pattern], ...], limit: int = 5) -> list[str]:
    """Values whose names the text contains (longest first, each span once)."""
    lowered, found = text.lower(), []
    for value, name, pattern in names:
        match = name in lowered and pattern.search(lowered)
        if match:
            found.append(value)
            lowered = lowered[: match.start()] + " " * len(value) + lowered[match.end() :]
    return found[:limit]


def _level(argument: str) -> int:
    """The number of sentences of an argument, from 1 to 5."""
    sentences = [part for part in re.split(r"(?<=\.)\s+", argument.strip()) if part]
    return int(min(5, max(1, len(sentences))))
