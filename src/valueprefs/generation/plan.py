"""Which prompts a model is asked: one call per item and task (``valueprefs.tasks``).

Long-form tasks have sample 0 (greedy) and samples 1..n (temperature sampling). Sampled
requests get a seed of their own per data set, item and task (``sample_seed``; sample j of it
uses that seed + j - 1), so no two items or k settings share a random stream; greedy requests
keep the run's seed (they draw nothing).
"""

import zlib
from dataclasses import dataclass

from valueprefs.data.schema import ID_FIELD
from valueprefs.llm.requests import Request, ScoreRequest, user_message
from valueprefs.prompts import Templates, few_shot_short_form, long_form_prompt, recognition_prompt, short_form_prompt
from valueprefs.tasks import GREEDY, Task, tasks_for, token_limit

ACTION_CONTINUATIONS = ("Action 1", "Action 2")


@dataclass(frozen=True)
class Call:
    """One request to the model, and where its answers belong."""

    dataset: str
    item_id: str
    task: Task
    request: Request | ScoreRequest
    first_sample: int = GREEDY


def sample_seed(run_seed: int, dataset: str, item_id: str, task: str) -> int:
    """The seed of an item's sampled answers to a task: derived from the run's seed, the data
    set, the item and the task (k included), below 2**31 for every engine, and a multiple of 16
    (an item's first 16 samples never take another item's seeds)."""
    return zlib.crc32(f"{run_seed}\0{dataset}\0{item_id}\0{task}".encode()) & 0x7FFFFFF0


def plan_calls(
    datasets: dict,
    alignment: str,
    settings: dict,
    templates: Templates,
    vocabulary: list[str],
    asked: dict[str, set[str]] | None = None,
) -> list[Call]:
    """Every call for one model: ``datasets`` maps name -> (kind, list of item dicts). With
    ``asked`` (data set -> item ids), only those items are asked; few-shot examples are still
    drawn from every item, so a shard of the items gets the prompts a whole run would."""
    shown = vocabulary if settings["recognition_shows_vocabulary"] else None
    asking = _Asking(alignment, settings, templates, shown)
    calls = []
    for name, (kind, items) in datasets.items():
        for task in tasks_for(kind, settings):
            for item in items:
                if asked is None or item[ID_FIELD[kind]] in asked[name]:
                    calls += _calls_for(asking, name, kind, item, items, task)
    return calls


@dataclass(frozen=True)
class _Asking:
    """How one model is asked: its alignment (base models get raw prompts), the generation
    settings, the templates, and the vocabulary a recognition prompt shows (None: none)."""

    alignment: str
    settings: dict
    templates: Templates
    vocabulary: list[str] | None


def _calls_for(asking: _Asking, name: str, kind: str, item: dict, items: list[dict], task: Task) -> list[Call]:
    alignment, settings, templates, vocabulary = asking.alignment, asking.settings, asking.templates, asking.vocabulary
    item_id = item[ID_FIELD[kind]]
    if task.mode == "recognize":
        text = recognition_prompt(templates, item["situation"], vocabulary)
        fields = {"prompt": f"{text} "} if alignment == "base" else {"messages": (user_message(text),)}
        request = Request(max_tokens=token_limit(task, settings), temperature=0.0, seed=settings["seed"], **fields)
        return [Call(name, item_id, task, request)]
    if task.mode == "short":
        variant = {"swapped": task.swapped, "explicit": task.explicit}
        if alignment == "base":
            prompt = few_shot_short_form(templates, item, items, settings["few_shot"], settings["seed"], **variant)
            fields = {"prompt": prompt}
        else:
            fields = {"messages": (user_message(short_form_prompt(templates, item, **variant)),)}
        if settings["short_form_mode"] == "logprob":
            request = ScoreRequest(continuations=ACTION_CONTINUATIONS, **fields)
        else:
            request = Request(max_tokens=token_limit(task, settings), temperature=0.0, seed=settings["seed"], **fields)
        return [Call(name, item_id, task, request)]
    text = long_form_prompt(templates, item["situation"] if kind == "dilemmas" else item["question"], task.k)
    fields = {"prompt": f"{text}\n\n"} if alignment == "base" else {"messages": (user_message(text),)}
    budget = {"max_tokens": token_limit(task, settings)}
    calls = [Call(name, item_id, task, Request(temperature=0.0, seed=settings["seed"], **budget, **fields))]
    if settings["n_samples"]:
        seed = sample_seed(settings["seed"], name, item_id, task.name)
        sampled = Request(temperature=settings["temperature"], n=settings["n_samples"], seed=seed, **budget, **fields)
        calls.append(Call(name, item_id, task, sampled, first_sample=1))
    return calls
