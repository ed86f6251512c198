"""The paper's prompts (appendices A.2-A.4, B.4, C) as template files, rendered for each item.

The value-recognition prompt (appendix E) is not printed in the paper; ours shows the model
the vocabulary, as Figure 11 does for the judge (``recognize_values``), or lets it name values
freely (``recognize_values_free``).

Templates are plain text with ``{field}`` placeholders (lower-case names in braces); other
braces, such as the JSON examples in the judge prompts, are left alone. The data filled in is
inserted as is, so braces in a dilemma are harmless.
"""

import hashlib
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

from valueprefs.errors import ConfigError

TEMPLATE_DIR = Path(__file__).parent / "templates"
TEMPLATE_NAMES = (
    "short_form",
    "dilemma",
    "dilemma_explicit",
    "long_form",
    "recognize_values",
    "recognize_values_free",
)
JUDGE_TEMPLATE_NAMES = (
    "extract_arguments",
    "assign_values",
    "assign_values_batch",
    "specificity_path",
    "specificity_attribute",
    "specificity_path_batch",
    "specificity_attribute_batch",
    "standardize_value",
    "repair",
)
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
ACTION_KINDS = {"to_do": "to do", "not_to_do": "not to do"}


@dataclass(frozen=True)
class Templates:
    """The prompt templates in use, by name."""

    texts: dict[str, str]

    @classmethod
    def from_files(cls, paths: dict[str, str], required: tuple[str, ...] = TEMPLATE_NAMES) -> "Templates":
        """Read the templates named in ``paths``; every name in ``required`` must be there."""
        missing = [name for name in required if name not in paths]
        if missing:
            raise ConfigError(f"prompt templates missing: {', '.join(missing)}")
        return cls({name: Path(path).read_text(encoding="utf-8") for name, path in paths.items()})

    def render(self, name: str, **fields: object) -> str:
        """Fill template ``name``; fail naming any placeholder left without a value."""
        template = self.texts[name]
        missing = set(PLACEHOLDER.findall(template)) - fields.keys()
        if missing:
            raise ConfigError(f"template {name!r} needs {', '.join(sorted(missing))}")
        return PLACEHOLDER.sub(lambda match: str(fields[match.group(1)]), template)


def default_template_paths(names: tuple[str, ...] = TEMPLATE_NAMES) -> dict[str, str]:
    """The packaged templates (the paper's prompts)."""
    return {name: str(TEMPLATE_DIR / f"{name}.txt") for name in names}


def short_form_prompt(templates: Templates, dilemma: dict, swapped: bool = False, explicit: bool = False) -> str:
    """Figure 8 for one dilemma; ``swapped`` lists the not-to-do action first; ``explicit``
    reveals each action's values (appendix B.4)."""
    first, second = ("not_to_do", "to_do") if swapped else ("to_do", "not_to_do")
    body = templates.render(
        "dilemma_explicit" if explicit else "dilemma",
        situation=dilemma["situation"],
        first_action=dilemma[f"action_{first}"],
        second_action=dilemma[f"action_{second}"],
        first_values=", ".join(dilemma[f"values_{first}"]),
        second_values=", ".join(dilemma[f"values_{second}"]),
    )
    return templates.render(
        "short_form", first_kind=ACTION_KINDS[first], second_kind=ACTION_KINDS[second], dilemma=body
    )


def few_shot_short_form(
    templates: Templates, dilemma: dict, pool: list[dict], shots: int, seed: int, **variant: bool
) -> str:
    """Plain-text prompt for a base model: ``shots`` solved examples from other dilemmas, then the item.

    Examples and their answers are drawn with a generator seeded by ``seed`` and the item's id,
    so each item always gets the same examples.
    """
    rng = random.Random(f"{seed}:{dilemma['dilemma_id']}")
    others = [other for other in pool if other["dilemma_id"] != dilemma["dilemma_id"]]
    examples = rng.sample(others, min(shots, len(others)))
    parts = [
        f"{short_form_prompt(templates, example, **variant)}\nAnswer: Action {rng.choice((1, 2))}"
        for example in examples
    ]
    parts.append(f"{short_form_prompt(templates, dilemma, **variant)}\nAnswer:")
    return "\n\n".join(parts)


def long_form_prompt(templates: Templates, question: str, k: int) -> str:
    """Figure 9 for one situation or question, asking for exactly ``k`` arguments."""
    return templates.render("long_form", question=question, k=k)


def recognition_prompt(templates: Templates, situation: str, vocabulary: list[str] | None) -> str:
    """Ask for the values at stake in a situation (value recognition, appendix E): chosen from
    the ``vocabulary`` when one is given, else named freely."""
    if vocabulary is None:
        return templates.render("recognize_values_free", situation=situation)
    return templates.render("recognize_values", situation=situation, **_value_listing(vocabulary))


def value_prompt(templates: Templates, vocabulary: list[str], argument: str) -> str:
    """Figure 11: the values embodied in one argument, chosen from the vocabulary."""
    return templates.render("assign_values", argument=argument, **_value_listing(vocabulary))


def batched_value_prompt(templates: Templates, vocabulary: list[str], arguments: list[str]) -> str:
    """Figure 11 for all arguments of a response at once, numbered from 1."""
    return templates.render("assign_values_batch", arguments=_numbered_list(arguments), **_value_listing(vocabulary))


def batched_specificity_prompt(templates: Templates, template: str, arguments: list[str]) -> str:
    """A specificity prompt (Figure 21 or 22, ``template`` + "_batch") for all arguments of a
    response at once, numbered from 1."""
    return templates.render(f"{template}_batch", arguments=_numbered_list(arguments))


def _numbered_list(arguments: list[str]) -> str:
    return "\n".join(f"{n}. {argument}" for n, argument in enumerate(arguments, start=1))


def standardize_prompt(templates: Templates, vocabulary: list[str], value: str) -> str:
    """Figure 23: the vocabulary value closest to a value name from another data set."""
    return templates.render("standardize_value", value=value, **_value_listing(vocabulary))


def shared_prefix(templates: Templates, name: str, vocabulary: list[str]) -> str:
    """The text every prompt of template ``name`` begins with: the template up to its first
    per-call field (the vocabulary, the same in every call, filled in), without the whitespace
    before that field (a tokenizer joins it to the field's first word). A provider's prompt
    cache can serve at most this much of a call."""
    shared = _value_listing(vocabulary)
    text = templates.texts[name]
    per_call = next((match for match in PLACEHOLDER.finditer(text) if match.group(1) not in shared), None)
    head = text[: per_call.start()] if per_call else text
    return PLACEHOLDER.sub(lambda match: str(shared[match.group(1)]), head).rstrip()


def _value_listing(vocabulary: list[str]) -> dict:
    return {"n_values": len(vocabulary), "values": ", ".join(vocabulary)}


def prompt_hash(prompt: str | list[dict]) -> str:
    """Short stable hash of a prompt (text or chat messages), stored with every response."""
    text = prompt if isinstance(prompt, str) else json.dumps(prompt, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
