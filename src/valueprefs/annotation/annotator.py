"""Annotating long-form responses: arguments, their values, their specificity.

The first judge that lists a step is that step's primary judge; the others label side by side
(for agreement). Arguments come from the primary extraction judge only, so every judge labels
the same arguments. Every label becomes one audit record per (judge, step, argument or
response); the primary judge's records give the argument table its values and specificity.
"""

import logging
import math
from collections import Counter
from collections.abc import Callable
from functools import partial
from pathlib import Path

from valueprefs.annotation.judge import Label, LLMJudge, PlanningJudge
from valueprefs.annotation.offline import EmbeddingValueAssigner, split_arguments
from valueprefs.annotation.parsing import (
    Parsed,
    parse_argument_list,
    parse_level,
    parse_numbered_scores,
    parse_numbered_value_lines,
    parse_score_json,
    parse_value_names,
)
from valueprefs.annotation.structure import clean_list
from valueprefs.errors import ConfigError
from valueprefs.llm.backends import cache_identity, make_backend
from valueprefs.llm.context import RunContext
from valueprefs.llm.requests import CallMeter, Request
from valueprefs.metrics import specificity_column
from valueprefs.planning import audited
from valueprefs.prompts import (
    batched_specificity_prompt,
    batched_value_prompt,
    prompt_hash,
    standardize_prompt,
    value_prompt,
)
from valueprefs.runtime.cache import DiskCache
from valueprefs.tasks import Task
from valueprefs.vocabulary import ValueMatcher

log = logging.getLogger("valueprefs.annotation")

# Specificity kind -> (template, parser, the answer format a repair call asks for)
SPECIFICITY = {
    "path": ("specificity_path", parse_level, "only the specificity level, a whole number from 1 to 5"),
    "attribute": ("specificity_attribute", parse_score_json, 'a JSON object {"score": <1-5>, "explanation": "..."}'),
}
MAX_BATCH_TOKENS = 8192  # one batched answer, whatever the number of arguments
MAX_ARGUMENTS = 100  # arguments kept from a response whose k is unknown
ARGUMENT_FORMAT = 'a JSON list like [{"argument": "<text>"}, ...]'
VALUES_FORMAT = "'List supporting values: <value>, <value>, ...' using names from the given list"


STRUCTURE = ["(split by structure: a clean numbered list of the k arguments asked for)"]


def asked_k(response: dict) -> int:
    """The number of arguments a long-form response was asked for (0: not known)."""
    if response.get("k"):
        return response["k"]
    try:
        return Task.parse(response.get("task", "")).k or 0
    except ValueError:
        return 0


def argument_cap(response: dict, per_k: float) -> int:
    """Most arguments kept from one response: ``per_k`` times the k it was asked for (rounded up).

    An extraction that returns more (a judge that split a response into thousands of pieces)
    keeps the first ones; the response is flagged and counted, and no judge call is spent on
    the rest.
    """
    k = asked_k(response)
    return max(1, math.ceil(per_k * k)) if k else MAX_ARGUMENTS


def primary_judge(judges: list[dict], step: str) -> dict | None:
    """The first judge that does ``step``."""
    return next((judge for judge in judges if step in judge["steps"]), None)


class Annotator:
    """Runs the steps of the judges on the responses of one model, data set and task.

    With ``planned`` (a list), nothing is sent: the requests the judges would send are
    appended to it (the Batch API rules submit them).
    """

    def __init__(self, judges, vocabulary, settings, templates, cache_dir, planned: list[Request] | None = None):
        self.judges = judges
        self.vocabulary = vocabulary
        self.matcher = ValueMatcher(vocabulary)
        self.settings = settings
        self.templates = templates
        self.cache_dir = Path(cache_dir)
        self.cache = DiskCache(self.cache_dir / "calls")
        self.planned = planned
        self.records: list[dict] = []
        # What each judge was sent in this run: kept out of the records, which a resumed run
        # must reproduce exactly whether their calls came from the cache or not.
        self.meters: dict[str, CallMeter] = {}

    def llm(self, judge: dict) -> LLMJudge:
        if judge["backend"] == "offline":
            raise ConfigError(f"judge {judge['name']!r}: the offline annotator cannot rate specificity")
        if self.planned is not None:
            return PlanningJudge(judge, self.templates, self.planned)
        models_dir = self.cache_dir / "models"
        identity = cache_identity(judge, models_dir)
        meter = self.meters.setdefault(judge["name"], CallMeter())
        context = RunContext(models_dir, templates=self.templates)
        build = lambda: make_backend(judge, context)  # noqa: E731
        limit = self.settings.get("max_prompt_chars")
        return LLMJudge(judge, self.templates, self.cache, build, identity, meter, limit)

    def record(self, judge: dict, step: str, where: dict, label: Label, **extra) -> None:
        self.records.append(
            {
                "judge": judge["name"],
                "step": step,
                **where,
                "prompt_hash": label.prompt_hash,
                "raw": label.raw,
                "value": label.value,
                "status": label.status,
                "problem": label.problem,
                "prompt_tokens": label.prompt_tokens,
                "completion_tokens": label.completion_tokens,
                **extra,
            }
        )

    def arguments(self, responses: list[dict]) -> list[dict]:
        """One row per argument (``position`` is 1-based; ``n_arguments`` counts the response's)."""
        judge = primary_judge(self.judges, "arguments")
        if judge["backend"] == "offline":
            found = [split_arguments(r["text"]) for r in responses]
            labels = [
                Label(prompt_hash(r["text"]), [], args, "ok" if args else "failed", None if args else "no arguments")
                for r, args in zip(responses, found, strict=True)
            ]
        else:
            labels = self._extracted(judge, responses)
        rows = []
        for response, label in zip(responses, labels, strict=True):
            found = label.value if label.status != "failed" else []
            cap = argument_cap(response, self.settings["max_arguments_per_k"])
            extra = {"extracted": len(found), "over_cap": cap} if len(found) > cap else {}
            by = {"by": "structure"} if label.raw == STRUCTURE else {}
            self.record(judge, "arguments", _where(response), label, **extra, **by)
            found = found[:cap]
            for position, argument in enumerate(found, start=1):
                rows.append(
                    {**_where(response), "position": position, "n_arguments": len(found), "argument": argument} | by
                )
        self._audit_extraction(responses, labels)
        return rows

    def _audit_extraction(self, responses: list[dict], labels: list[Label]) -> None:
        """The audit judge extracts the audited answers that structure split; each record says
        whether its arguments are the structure's (``same``)."""
        for judge in self.judges:
            if not (judge.get("audit") and "arguments" in judge["steps"]):
                continue
            chosen = [
                (response, label)
                for response, label in zip(responses, labels, strict=True)
                if label.raw == STRUCTURE and audited(response["item_id"], response["sample"], self.settings["audit"])
            ]
            answers = self._ask_extraction(judge, [response for response, _ in chosen])
            for (response, split), answer in zip(chosen, answers, strict=True):
                found = answer.value if answer.status != "failed" else []
                self.record(judge, "arguments", _where(response), answer, same=same_arguments(split.value, found))

    def _ask_extraction(self, judge: dict, responses: list[dict]) -> list[Label]:
        """The judge's extraction call (the paper's Figure 10 prompt) for each response; none
        for no response (no backend is built)."""
        if not responses:
            return []
        prompts = [self.templates.render("extract_arguments", text=r["text"]) for r in responses]
        budget = self.settings["max_tokens"]["arguments"]
        return self.llm(judge).ask(prompts, parse_argument_list, ARGUMENT_FORMAT, budget)

    def _extracted(self, judge: dict, responses: list[dict]) -> list[Label]:
        """The judge's extraction of each response. With ``structure_first``, an answer that is
        a clean numbered list of the k arguments asked for is split by structure instead, with
        no call (``structure.clean_list``; its label's raw answer is ``STRUCTURE``)."""
        first = self.settings.get("structure_first")
        split = [clean_list(r["text"], asked_k(r)) if first else None for r in responses]
        asked = [r for r, items in zip(responses, split, strict=True) if items is None]
        answers = iter(self._ask_extraction(judge, asked))
        return [
            next(answers) if items is None else Label(prompt_hash(r["text"]), STRUCTURE, items, "ok")
            for r, items in zip(responses, split, strict=True)
        ]

    def values(self, judge: dict, arguments: list[dict]) -> list[list[str]]:
        """Value labels of every argument by one judge (empty when its label failed)."""
        if judge["backend"] == "offline":
            assigner = EmbeddingValueAssigner(self.vocabulary, threshold=self.settings["embedding_threshold"])
            chosen = assigner.assign([a["argument"] for a in arguments])
            for argument, values in zip(arguments, chosen, strict=True):
                status = "ok" if values else "failed"
                label = Label(prompt_hash(argument["argument"]), [], values, status, None if values else "no value")
                self.record(judge, "values", _where(argument), label, dropped=[])
            return chosen
        if self.settings["value_batching"] and not judge.get("audit"):
            return self._batched_values(judge, arguments)
        prompts = [value_prompt(self.templates, self.vocabulary, a["argument"]) for a in arguments]
        labels = self.llm(judge).ask(prompts, self._matched, VALUES_FORMAT, self.settings["max_tokens"]["values"])
        chosen = []
        for argument, label in zip(arguments, labels, strict=True):
            values, dropped = label.value if label.status != "failed" else ([], [])
            label.value = values
            self.record(judge, "values", _where(argument), label, dropped=dropped)
            chosen.append(values)
        return chosen

    def _matched(self, text: str) -> Parsed:
        parsed = parse_value_names(text)
        if not parsed.ok:
            return parsed
        values, dropped = self.matcher.match_all(parsed.value)
        if not values:
            return Parsed(problem="none of the names are in the given list of values")
        return Parsed((values, dropped))

    def _batched_values(self, judge: dict, arguments: list[dict]) -> list[list[str]]:
        """All arguments of a response in one call (``value_batching: true``)."""
        render = partial(batched_value_prompt, self.templates, self.vocabulary)
        budget = self.settings["max_tokens"]["values"]
        chosen: list[list[str]] = [[] for _ in arguments]
        for members, label in self._ask_per_response(
            judge, arguments, render, parse_numbered_value_lines, VALUES_FORMAT, budget
        ):
            names = label.value if label.status != "failed" else [[] for _ in members]
            for i, argument_names in zip(members, names, strict=True):
                values, dropped = self.matcher.match_all(argument_names)
                chosen[i] = values
                item = _argument_label(label, values, label.status if values else "failed", first=i == members[0])
                self.record(judge, "values", _where(arguments[i]), item, dropped=dropped, batched=True)
        return chosen

    def _ask_per_response(
        self, judge: dict, arguments: list[dict], render: Callable, parser: Callable, expected: str, budget: int
    ) -> list[tuple[list[int], Label]]:
        """One call per response: its arguments numbered in one prompt (``render(texts)``), the
        answer read by ``parser(text, count=n)``. Calls about as many arguments are sent
        together (so they run concurrently like every other call). Returns each response's
        argument positions with its label."""
        groups: dict[tuple, list[int]] = {}
        for index, argument in enumerate(arguments):
            groups.setdefault((argument["item_id"], argument["sample"]), []).append(index)
        responses = list(groups.values())
        by_count: dict[int, list[int]] = {}
        for index, members in enumerate(responses):
            by_count.setdefault(len(members), []).append(index)
        labels: list[Label | None] = [None] * len(responses)
        for count, indices in sorted(by_count.items()):
            prompts = [render([arguments[i]["argument"] for i in responses[index]]) for index in indices]
            limit = min(budget * count, MAX_BATCH_TOKENS)  # one line per argument, within a bound
            found = self.llm(judge).ask(prompts, partial(parser, count=count), expected, limit)
            for index, label in zip(indices, found, strict=True):
                labels[index] = label
        return list(zip(responses, labels, strict=True))

    def standardize(self, judge: dict, names: list[str]) -> list[str | None]:
        """Figure 23: map another data set's value names (e.g. ValuePrism's) onto the vocabulary.

        Names already in the vocabulary (after normalization) need no judge call.
        """
        direct = [self.matcher.match(name) for name in names]
        asked = [name for name, value in zip(names, direct, strict=True) if value is None]
        if asked:
            prompts = [standardize_prompt(self.templates, self.vocabulary, name) for name in asked]

            def parse(text: str) -> Parsed:
                value = self.matcher.match(text.strip().splitlines()[0] if text.strip() else "")
                return Parsed(value) if value else Parsed(problem="the answer is not a value of the given list")

            labels = self.llm(judge).ask(prompts, parse, "only one value name from the given list", 16)
            answers = iter(label.value if label.status != "failed" else None for label in labels)
            direct = [value if value is not None else next(answers) for value in direct]
        return direct

    def specificity(self, judge: dict, kind: str, arguments: list[dict]) -> list[int | None]:
        """Specificity levels (1-5) of the arguments, by one judge and one of the two prompts:
        one call per argument (the paper's protocol), or per response with
        ``specificity_batching``."""
        if self.settings.get("specificity_batching") and not judge.get("audit"):
            return self._batched_specificity(judge, kind, arguments)
        template, parse, expected = SPECIFICITY[kind]
        prompts = [self.templates.render(template, argument=a["argument"]) for a in arguments]
        labels = self.llm(judge).ask(prompts, parse, expected, self.settings["max_tokens"]["specificity"])
        for argument, label in zip(arguments, labels, strict=True):
            self.record(judge, specificity_column(kind), _where(argument), label)
        return [label.value if label.status != "failed" else None for label in labels]

    def _batched_specificity(self, judge: dict, kind: str, arguments: list[dict]) -> list[int | None]:
        """All arguments of a response rated in one call, one line per argument."""
        template, parse, expected = SPECIFICITY[kind]
        render = partial(batched_specificity_prompt, self.templates, template)
        parser = partial(parse_numbered_scores, parse=parse)
        lines = f"one line per argument, 'N: <answer>', each answer {expected}"
        budget = self.settings["max_tokens"]["specificity"]
        levels: list[int | None] = [None] * len(arguments)
        for members, label in self._ask_per_response(judge, arguments, render, parser, lines, budget):
            found = label.value if label.status != "failed" else [None] * len(members)
            for i, level in zip(members, found, strict=True):
                levels[i] = level
                item = _argument_label(label, level, label.status, first=i == members[0])
                self.record(judge, specificity_column(kind), _where(arguments[i]), item, batched=True)
        return levels


def label_values(annotator: Annotator, arguments: list[dict]) -> None:
    """Every judge that assigns values labels every argument (records go to the annotator);
    the audit judge only those of the audit sample."""
    for judge in annotator.judges:
        if "values" in judge["steps"]:
            chosen = audit_sample(arguments, annotator.settings) if judge.get("audit") else arguments
            if chosen:
                annotator.values(judge, chosen)


def label_specificity(annotator: Annotator, arguments: list[dict]) -> None:
    """Every specificity judge rates the arguments of the configured samples, with each prompt."""
    samples = annotator.settings["specificity_samples"]
    rated = [a for a in arguments if samples is None or a["sample"] in samples]
    for judge in annotator.judges:
        chosen = audit_sample(rated, annotator.settings) if judge.get("audit") else rated
        if "specificity" in judge["steps"] and chosen:
            for kind in annotator.settings["specificity"]:
                annotator.specificity(judge, kind, chosen)


def audit_sample(arguments: list[dict], settings: dict) -> list[dict]:
    """The arguments of the audited answers that structure split (``annotation.audit``)."""
    return [
        a for a in arguments if a.get("by") == "structure" and audited(a["item_id"], a["sample"], settings["audit"])
    ]


def same_arguments(first: list[str], second: list[str]) -> bool:
    """Two readings of an answer split it into the same arguments (whitespace and case aside)."""

    def normal(items: list[str]) -> list[str]:
        return [" ".join(item.split()).casefold() for item in items]

    return normal(first) == normal(second)


def apply_primary_labels(arguments: list[dict], records: list[dict], judges: list[dict]) -> list[dict]:
    """The argument table with the primary judges' values and specificity levels."""
    primary = {step: (primary_judge(judges, step) or {}).get("name") for step in ("values", "specificity")}
    found: dict[tuple, dict] = {}
    for record in records:
        step = record["step"]
        owner = "specificity" if step.startswith("specificity_") else step
        if owner not in primary or record["judge"] != primary[owner]:
            continue
        failed = record["status"] == "failed"
        value = (record["value"] or []) if step == "values" else (None if failed else record["value"])
        found.setdefault(_position(record), {})[step] = value
    return [{**argument, **found.get(_position(argument), {})} for argument in arguments]


def summarize_labels(records: list[dict], responses: int, arguments: int, step_stats: list[dict]) -> dict:
    """Counts of every status and failure kind per judge and step, dropped names, the tokens
    behind the labels (``tokens``, cached answers included) and, from each step's stats, what
    every judge was sent in this run (``spent``: requests, completions and their tokens)."""
    statuses = Counter()
    problems = Counter()
    tokens: dict[str, dict[str, int]] = {}
    dropped = Counter()
    over_cap = by_structure = 0
    for record in records:
        over_cap += "over_cap" in record
        by_structure += record.get("by") == "structure"
        statuses[f"{record['judge']}/{record['step']}/{record['status']}"] += 1
        if record["status"] == "failed":
            problems[f"{record['judge']}/{record['step']}: {str(record['problem']).split(';')[0]}"] += 1
        used = tokens.setdefault(record["judge"], {"prompt_tokens": 0, "completion_tokens": 0})
        for field in used:
            used[field] += record[field]
        dropped.update(record.get("dropped") or [])
    spent: dict[str, CallMeter] = {}
    for stats in step_stats:
        for judge, counts in stats["meters"].items():
            spent.setdefault(judge, CallMeter()).add(CallMeter(**counts))
    return {
        "responses": responses,
        "arguments": arguments,
        "labels": len(records),
        "statuses": dict(sorted(statuses.items())),
        "failures": dict(problems.most_common()),
        "dropped_value_names": sum(dropped.values()),
        "responses_over_argument_cap": over_cap,
        "split_by_structure": by_structure,
        "tokens": tokens,
        "spent": {judge: meter.as_dict() for judge, meter in sorted(spent.items())},
        "judge_calls": sum(meter.completions for meter in spent.values()),
        "cache_hits": sum(stats["cache_hits"] for stats in step_stats),
        "excluded_truncated": sum(stats.get("excluded_truncated", 0) for stats in step_stats),
        "cache_moved_aside": sorted({path for stats in step_stats for path in stats.get("cache_moved_aside", [])}),
    }


def _argument_label(label: Label, value: object, status: str, first: bool) -> Label:
    """One argument's share of a batched label: its own value and status; the call's tokens are
    counted once, on the response's first argument."""
    return Label(
        label.prompt_hash,
        label.raw,
        value,
        status,
        label.problem,
        label.prompt_tokens if first else 0,
        label.completion_tokens if first else 0,
    )


def _where(row: dict) -> dict:
    where = {"item_id": row["item_id"], "sample": row["sample"]}
    if "position" in row:
        where["position"] = row["position"]
    return where


def _position(row: dict) -> tuple:
    return row["item_id"], row["sample"], row["position"]
