"""Recognizing which of the workflow's prompt templates a prompt was rendered from, and the
fields it was filled with.

Recognizers are built from the template files in use, so an edited template is still
recognized; a template that lacks a placeholder the synthetic model needs (a long-form prompt
without ``{k}``) is refused by name when the engine is built, and a prompt that matches no
template is an error naming the templates it was compared with.
"""

import re
from dataclasses import dataclass

from valueprefs.errors import ConfigError
from valueprefs.prompts import PLACEHOLDER, Templates

# What each template must carry for the synthetic model to answer it.
NEEDED = {
    "short_form": {"dilemma", "first_kind"},
    "dilemma": {"situation"},
    "dilemma_explicit": {"situation"},
    "long_form": {"question", "k"},
    "recognize_values": {"situation"},
    "recognize_values_free": {"situation"},
    "extract_arguments": {"text"},
    "assign_values": {"argument", "values"},
    "assign_values_batch": {"arguments", "values"},
    "specificity_path": {"argument"},
    "specificity_attribute": {"argument"},
    "specificity_path_batch": {"arguments"},
    "specificity_attribute_batch": {"arguments"},
    "standardize_value": {"value", "values"},
    "repair": set(),
}
# Prompts answered as a whole; "dilemma" and "dilemma_explicit" are read inside short_form.
TOP_LEVEL = [name for name in NEEDED if name not in ("dilemma", "dilemma_explicit", "repair")]
FEW_SHOT_ANSWER = re.compile(r"\nAnswer: Action [12]\n\n")


class UnrecognizedPrompt(ConfigError):
    """A prompt rendered from no template the synthetic model knows."""


@dataclass(frozen=True)
class Recognized:
    """The template a prompt came from and its fields (nested ``dilemma`` fields included)."""

    template: str
    fields: dict[str, str]


def pattern(text: str) -> re.Pattern:
    """A regular expression matching ``text`` with every placeholder filled by anything."""
    parts, seen, last = [], set(), 0
    for match in PLACEHOLDER.finditer(text):
        parts.append(re.escape(text[last : match.start()]))
        name = match.group(1)
        parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.*?)")
        seen.add(name)
        last = match.end()
    parts.append(re.escape(text[last:]))
    return re.compile("".join(parts), re.DOTALL)


class TemplateRecognizer:
    """Finds the template (of those given) a prompt was rendered from."""

    def __init__(self, templates: Templates):
        self.patterns = {}
        for name, text in templates.texts.items():
            if name not in NEEDED:
                continue
            missing = NEEDED[name] - set(PLACEHOLDER.findall(text))
            if missing:
                raise ConfigError(
                    f"synthetic model: template {name!r} has no {', '.join(sorted(missing))} placeholder, so its "
                    "prompts cannot be answered; restore the placeholder or teach valueprefs.synthetic the new template"
                )
            self.patterns[name] = pattern(text.strip())

    def recognize(self, prompt: str) -> Recognized:
        """The template and fields of a prompt (a few-shot prompt is read at its last item)."""
        text = FEW_SHOT_ANSWER.split(prompt)[-1].strip()
        text = text.removesuffix("\nAnswer:").strip()
        for name in TOP_LEVEL:
            found = self.patterns.get(name) and self.patterns[name].fullmatch(text)
            if found:
                fields = found.groupdict()
                if name == "short_form":
                    fields |= self._dilemma(fields["dilemma"])
                return Recognized(name, fields)
        known = ", ".join(name for name in TOP_LEVEL if name in self.patterns)
        first = text.splitlines()[0][:80] if text else ""
        raise UnrecognizedPrompt(
            f"synthetic model: the prompt matches none of the templates {known} (it starts {first!r}); "
            "a template was edited in a way valueprefs.synthetic does not recognize"
        )

    def _dilemma(self, text: str) -> dict[str, str]:
        for name in ("dilemma_explicit", "dilemma"):
            found = self.patterns.get(name) and self.patterns[name].fullmatch(text.strip())
            if found:
                return {**found.groupdict(), "explicit": str(name == "dilemma_explicit")}
        raise UnrecognizedPrompt("synthetic model: a short-form prompt whose dilemma matches neither 'dilemma' "
                                 "nor 'dilemma_explicit'")  # fmt: skip
