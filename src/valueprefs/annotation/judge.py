"""LLM judges: the paper's prompts sent through a generation backend and the disk cache.

An answer that cannot be parsed gets one repair call (the previous answer is quoted back with
the problem and the expected format); if that fails too, the label is recorded as failed
with its reason. Every call, repair calls included, goes through the cache.
"""

from collections.abc import Callable
from dataclasses import dataclass

from valueprefs.annotation.parsing import Parsed
from valueprefs.llm.calls import run_calls
from valueprefs.llm.requests import CallFailure, CallMeter, Request, user_message
from valueprefs.prompts import Templates, prompt_hash
from valueprefs.runtime.cache import DiskCache


@dataclass
class Label:
    """One judge answer for one prompt: raw text(s), parsed result and status."""

    prompt_hash: str
    raw: list[str]
    value: object
    status: str  # ok | repaired | failed
    problem: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0


class LLMJudge:
    """Asks one judge model; the backend is built only when some answer is not cached.

    ``identity`` names the judge model in the cache; ``meter`` counts what it is sent now;
    a prompt over ``max_prompt_chars`` is not sent (its label fails naming the size)."""

    def __init__(
        self,
        spec: dict,
        templates: Templates,
        cache: DiskCache | None,
        backend_factory: Callable | None,
        identity: dict | None = None,
        meter: CallMeter | None = None,
        max_prompt_chars: int | None = None,
    ):
        self.spec = spec
        self.max_prompt_chars = max_prompt_chars
        self.identity = identity
        self.meter = meter or CallMeter()
        self.templates = templates
        self.cache = cache
        self.backend_factory = backend_factory

    def ask(self, prompts: list[str], parse: Callable[[str], Parsed], expected: str, max_tokens: int) -> list[Label]:
        """Answers to ``prompts`` parsed with ``parse``; unusable ones get one repair attempt."""
        first = self._complete([self._request([user_message(p)], max_tokens) for p in prompts])
        labels = [self._label(prompt, result, parse) for prompt, result in zip(prompts, first, strict=True)]
        retry = [i for i, label in enumerate(labels) if label.status == "failed" and label.raw]
        if retry:
            repairs = []
            for i in retry:
                instruction = self.templates.render("repair", problem=labels[i].problem, expected=expected)
                messages = [
                    user_message(prompts[i]),
                    {"role": "assistant", "content": labels[i].raw[0]},
                    user_message(instruction),
                ]
                repairs.append(self._request(messages, max_tokens))
            for i, result in zip(retry, self._complete(repairs), strict=True):
                labels[i] = self._repaired(labels[i], result, parse)
        return labels

    def _request(self, messages: list[dict], max_tokens: int) -> Request:
        return Request(messages=tuple(messages), max_tokens=max_tokens, temperature=0.0, seed=0)

    def _complete(self, requests: list[Request]) -> list[object]:
        return run_calls(
            requests, self.identity, self.cache, self.backend_factory, self.meter, self.spec["name"],
            self.max_prompt_chars,
        )  # fmt: skip

    def _label(self, prompt: str, result: object, parse: Callable[[str], Parsed]) -> Label:
        if isinstance(result, CallFailure):
            return Label(prompt_hash(prompt), [], None, "failed", f"call failed: {result.reason}")
        completion = result[0]
        parsed = parse(completion["text"])
        return Label(
            prompt_hash(prompt),
            [completion["text"]],
            parsed.value,
            "ok" if parsed.ok else "failed",
            parsed.problem,
            completion["prompt_tokens"],
            completion["completion_tokens"],
        )

    def _repaired(self, label: Label, result: object, parse: Callable[[str], Parsed]) -> Label:
        if isinstance(result, CallFailure):
            label.problem = f"{label.problem}; repair call failed: {result.reason}"
            return label
        completion = result[0]
        parsed = parse(completion["text"])
        label.raw.append(completion["text"])
        label.prompt_tokens += completion["prompt_tokens"]
        label.completion_tokens += completion["completion_tokens"]
        if parsed.ok:
            label.value, label.status = parsed.value, "repaired"
        else:
            label.problem = f"{label.problem}; after repair: {parsed.problem}"
        return label


class PlanningJudge(LLMJudge):
    """Sends nothing: records the first-attempt requests a judge step would make."""

    def __init__(self, spec: dict, templates: Templates, planned: list[Request]):
        super().__init__(spec, templates, cache=None, backend_factory=None)
        self.planned = planned

    def _complete(self, requests: list[Request]) -> list[object]:
        self.planned.extend(requests)
        return [CallFailure("planned only") for _ in requests]
